//! Dispatch: route → access checks (JWT, rate limit) → handler. Every failure becomes the
//! contract's JSON error here.

use worker::{Context, Date, Env, Method, Request, Response, Result};
use worktime_api::ErrorCode;
use worktime_core::routing::{self, Access, Route, RouteError};
use worktime_core::time::UnixMillis;

use crate::d1::Db;
use crate::request::{ApiError, Handled};
use crate::standing::authenticate;
use crate::ratelimit::{Gate, Limiter};
use crate::writes::Writer;
use crate::{auth, cors, env, health, live, respond, sessions, stats, sync};

/// The committed OpenAPI document, generated from the wire contract.
const OPENAPI_JSON: &str = include_str!("../../crates/api/openapi.json");

/// Answers one request; only failures to build a response come back as `Err`.
pub async fn dispatch(mut req: Request, env: &Env, ctx: &Context) -> Result<Response> {
    if req.method() == Method::Options {
        return cors::preflight();
    }
    let method = req.method().to_string().to_ascii_uppercase();
    let route = match routing::resolve(&method, &req.path()) {
        Ok(route) => route,
        Err(RouteError::NotFound) => {
            return respond::error(&ApiError::new(ErrorCode::NotFound, "There is nothing at this path."))
        }
        Err(RouteError::MethodNotAllowed) => {
            return respond::error(&ApiError::new(
                ErrorCode::MethodNotAllowed,
                "This path does not accept that method.",
            ))
        }
    };
    let db = match Db::open(env) {
        Ok(db) => db,
        Err(err) => {
            worker::console_error!("D1 binding unavailable: {err}");
            return respond::error(&ApiError::new(ErrorCode::Unavailable, "The database is unavailable; try again soon."));
        }
    };
    let mut response = match handle(&mut req, env, ctx, &db, route).await {
        Ok(response) => response,
        Err(err) => respond::error(&err)?,
    };
    if response.status_code() != 101 {
        response.headers_mut().set("Server-Timing", &db.server_timing())?;
    }
    Ok(response)
}

async fn handle(req: &mut Request, env: &Env, ctx: &Context, db: &Db, route: Route) -> Handled<Response> {
    let now = UnixMillis::from_js(Date::now().as_millis() as f64);
    if route.access() == Access::Public {
        return Ok(match route {
            Route::OpenApi => {
                let mut response = Response::ok(OPENAPI_JSON)?;
                response.headers_mut().set("Content-Type", "application/json")?;
                response
            }
            _ => health::get(env, db).await?,
        });
    }
    // Without a strong signing key no token can be trusted: refuse to serve.
    let key = env::jwt_key(env).map_err(|err| {
        worker::console_error!("refusing to serve: {err}");
        ApiError::new(
            ErrorCode::Unavailable,
            "The server is misconfigured (JWT_SECRET must be at least 32 bytes) and cannot serve requests.",
        )
    })?;
    if route.access() == Access::Auth {
        // Sign-in traffic is light; its limit is checked before any work (it calls GitHub).
        Gate::open(env, Limiter::Address, &Gate::address(req), now).admit().await?;
        return match route {
            Route::AuthLogin => auth::login(req, env),
            Route::AuthCallback => auth::callback(req, env, db, &key, now).await,
            Route::AuthLogout => auth::logout(req, env, db, &key, now).await,
            Route::AuthLogoutAll => auth::logout_all(req, env, db, &key, now).await,
            Route::Live => live::connect(req, env).await,
            _ => auth::refresh(req, db, &key, now).await,
        };
    }
    let caller = match authenticate(req, &key, db, now).await {
        Ok(caller) => caller,
        Err(refused) => {
            // Requests without a valid token count against their address.
            Gate::open(env, Limiter::Address, &Gate::address(req), now).admit().await?;
            return Err(refused);
        }
    };
    let user_id = caller.user_id;
    // The verdict is awaited before the first write and before answering: the limiter
    // runs while the handler reads.
    let gate = Gate::open(env, Limiter::Api, &format!("user:{user_id}"), now);
    let writer = Writer { env, ctx, db, gate: &gate, user_id, now };
    let answer = match route {
        Route::ListSessions => sessions::list(req, db, user_id).await,
        Route::StartSession => sessions::start(req, &writer).await,
        Route::StopSession => sessions::stop(req, &writer).await,
        Route::EndSession { id } => sessions::end(req, &writer, &id).await,
        Route::Heartbeat { id } => sessions::heartbeat(req, &writer, &id).await,
        Route::Sync => sync::sync(req, &writer).await,
        Route::LiveTicket => live::ticket(env, &caller, now).await,
        Route::StatsDaily => stats::daily(req, db, user_id, now).await,
        Route::StatsRepo { owner, name } => stats::repo(req, db, user_id, &owner, &name, now).await,
        _ => Err(ApiError::not_found("route")),
    };
    gate.admit().await?;
    answer
}
