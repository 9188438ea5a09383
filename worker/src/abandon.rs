//! The scheduled job: active sessions silent for longer than `ABANDON_AFTER_MINUTES`
//! become `abandoned`, ended at their last heartbeat, so a crashed browser leaves no
//! phantom hours.

use serde::Deserialize;
use worker::{console_error, console_log, Date, Env, Result};
use worktime_core::sessions::decide_abandon;
use worktime_core::sync_plan::Write;
use worktime_core::time::UnixMillis;

use crate::store::{self, num, SessionRow};
use crate::{env, writes};

/// Sessions handled per run; the next run continues.
const PER_RUN: i64 = 500;

#[derive(Deserialize)]
struct Silent {
    user_id: f64,
    #[serde(flatten)]
    row: SessionRow,
}

pub async fn run(env: &Env) -> Result<()> {
    let now = UnixMillis::from_js(Date::now().as_millis() as f64);
    let limit_ms = i64::from(env::abandon_after_minutes(env)) * 60_000;
    let db = env.d1(env::DB)?;
    let rows = db
        .prepare(format!(
            "SELECT user_id, {} FROM time_sessions WHERE status = 'active' AND last_heartbeat_ms < ?1 \
             ORDER BY last_heartbeat_ms LIMIT ?2",
            store::SESSION_COLUMNS
        ))
        .bind(&[num(now.0 - limit_ms), num(PER_RUN)])?
        .all()
        .await?
        .results::<Silent>()?;
    let limits = writes::limits(env);
    let mut abandoned = 0;
    for silent in rows {
        let user_id = silent.user_id as i64;
        let session = silent.row.into_stored();
        // Decide against the row as it stands at the version the write is fenced on.
        let version = store::ledger_version(&db, user_id).await?;
        let Some(current) = store::session(&db, user_id, &session.id).await? else { continue };
        let Some(ending) = decide_abandon(&current, now, limit_ms) else { continue };
        match writes::commit(&db, user_id, version, &[Write::End(ending)], limits, now).await {
            Ok(()) => abandoned += 1,
            Err(err) => console_error!("abandon {}: {err} (the next run retries)", session.id),
        }
    }
    console_log!("abandon job: {abandoned} session(s) abandoned");
    Ok(())
}
