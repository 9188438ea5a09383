//! `GET /health`: liveness plus a real D1 round trip.

use worker::{console_error, Date, Env, Response, Result};
use worktime_core::health::{report, HealthProbe};
use worktime_core::time::UnixMillis;

use crate::d1::Db;
use crate::{env, respond, store};

pub async fn get(env: &Env, db: &Db) -> Result<Response> {
    let database_ok = probe_database(db).await;
    let environment = env::environment(env);
    let probe = HealthProbe {
        now: UnixMillis::from_js(Date::now().as_millis() as f64),
        environment: &environment,
        version: env!("CARGO_PKG_VERSION"),
        database_ok,
    };
    let (status, body) = report(&probe);
    let mut response = respond::json(status, &body)?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

async fn probe_database(db: &Db) -> bool {
    match store::answers(db).await {
        Ok(answers) => answers,
        Err(err) => {
            console_error!("health: D1 query failed: {err}");
            false
        }
    }
}
