//! Dispatch: route → access checks (JWT, rate limit) → handler. Every failure becomes the
//! contract's JSON error here.

use worker::{Context, Date, Env, Method, Request, Response, Result};
use worktime_api::ErrorCode;
use worktime_core::jwt::JwtKey;
use worktime_core::routing::{self, ApiRoute, AuthRoute, PublicRoute, Route, RouteError};
use worktime_core::time::UnixMillis;

use crate::d1::Db;
use crate::ratelimit::{Gate, Limiter};
use crate::request::{ApiError, Handled};
use crate::standing::authenticate;
use crate::writes::Writer;
use crate::{account, auth, cors, dev_signin, env, health, live, respond, sessions, stats, sync};

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
            return respond::error(&ApiError::new(
                ErrorCode::NotFound,
                "There is nothing at this path.",
            ))
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
            return respond::error(&ApiError::new(
                ErrorCode::Unavailable,
                "The database is unavailable; try again soon.",
            ));
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

async fn handle(
    req: &mut Request,
    env: &Env,
    ctx: &Context,
    db: &Db,
    route: Route,
) -> Handled<Response> {
    let now = UnixMillis::from_js(Date::now().as_millis() as f64);
    match route {
        Route::Public(public) => public_route(env, db, public).await,
        Route::Auth(auth) => auth_route(req, env, db, &signing_key(env)?, auth, now).await,
        Route::Api(api) => api_route(req, env, ctx, db, &signing_key(env)?, api, now).await,
    }
}

/// Without a strong signing key no token can be trusted: every non-public route refuses
/// to serve.
fn signing_key(env: &Env) -> Handled<JwtKey> {
    env::jwt_key(env).map_err(|err| {
        worker::console_error!("refusing to serve: {err}");
        ApiError::new(
            ErrorCode::Unavailable,
            "The server is misconfigured (JWT_SECRET must be at least 32 bytes) and cannot serve requests.",
        )
    })
}

async fn public_route(env: &Env, db: &Db, route: PublicRoute) -> Handled<Response> {
    Ok(match route {
        PublicRoute::OpenApi => {
            let mut response = Response::ok(OPENAPI_JSON)?;
            response.headers_mut().set("Content-Type", "application/json")?;
            response
        }
        PublicRoute::Health => health::get(env, db).await?,
    })
}

/// Sign-in traffic is light: its limit is checked before any work (it calls GitHub).
async fn auth_route(
    req: &mut Request,
    env: &Env,
    db: &Db,
    key: &JwtKey,
    route: AuthRoute,
    now: UnixMillis,
) -> Handled<Response> {
    Gate::open(env, Limiter::Address, &Gate::address(req), now).admit().await?;
    match route {
        AuthRoute::Login => auth::login(req, env),
        AuthRoute::Callback => auth::callback(req, env, db, key, now).await,
        AuthRoute::Refresh => auth::refresh(req, db, key, now).await,
        AuthRoute::Logout => auth::logout(req, env, db, key, now).await,
        AuthRoute::LogoutAll => auth::logout_all(req, env, db, key, now).await,
        AuthRoute::Live => live::connect(req, env).await,
        AuthRoute::DevAuthorize => dev_signin::authorize(req, env, now),
    }
}

/// A valid token first (requests without one count against their address), then the
/// user's limit, whose verdict is awaited before the first write and before answering:
/// the limiter runs while the handler reads.
async fn api_route(
    req: &mut Request,
    env: &Env,
    ctx: &Context,
    db: &Db,
    key: &JwtKey,
    route: ApiRoute,
    now: UnixMillis,
) -> Handled<Response> {
    let caller = match authenticate(req, key, db, now).await {
        Ok(caller) => caller,
        Err(refused) => {
            Gate::open(env, Limiter::Address, &Gate::address(req), now).admit().await?;
            return Err(refused);
        }
    };
    let user_id = caller.user_id;
    let gate = Gate::open(env, Limiter::Api, &format!("user:{user_id}"), now);
    let writer = Writer { env, ctx, db, gate: &gate, user_id, now };
    let answer = match route {
        ApiRoute::ListSessions => sessions::list(req, db, user_id).await,
        ApiRoute::StartSession => sessions::start(req, &writer).await,
        ApiRoute::StopSession => sessions::stop(req, &writer).await,
        ApiRoute::EndSession { id } => sessions::end(req, &writer, &id).await,
        ApiRoute::DeleteSession { id } => sessions::delete(&writer, &id).await,
        ApiRoute::Heartbeat { id } => sessions::heartbeat(req, &writer, &id).await,
        ApiRoute::Sync => sync::sync(req, &writer).await,
        ApiRoute::LiveTicket => live::ticket(env, &caller, now).await,
        ApiRoute::StatsDaily => stats::daily(req, db, user_id, now).await,
        ApiRoute::StatsRepo { owner, name } => {
            stats::repo(req, db, user_id, &owner, &name, now).await
        }
        ApiRoute::StatsRepos => stats::repos(req, env, db, user_id, now).await,
        ApiRoute::Export => account::export(req, db, user_id).await,
        ApiRoute::DeleteAccount => account::delete(&writer).await,
    };
    gate.admit().await?;
    answer
}
