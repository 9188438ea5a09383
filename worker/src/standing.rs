//! Whether a verified token still counts: the user's claims version and revoked sign-ins,
//! read from D1 and cached in this isolate for at most `jwt::STANDING_CACHE_MS`.
//!
//! Why D1 with a short cache: the version must be strongly consistent where it is
//! written (sign-out is answered only once it is stored), which KV is not (its reads may
//! lag writes by up to a minute, on top of any cache); asking the user's Durable Object
//! would add a sequential round trip to every request. One indexed D1 read per user and
//! sign-in per 30 s per isolate keeps it off the hot path. Worst case: a revoked token
//! still works for 30 s on an isolate that cached its standing just before; never on the
//! isolate that handled the sign-out (it drops its cache entries for the user).

use std::cell::RefCell;
use std::collections::HashMap;

use worker::{js_sys, wasm_bindgen::JsCast, Request};
use worktime_core::jwt::{self, Claims, JwtKey, Standing};
use worktime_core::time::UnixMillis;

use crate::d1::Db;
use crate::request::{bearer, ApiError, Handled};
use crate::store::users;

/// Most cached standings before the cache is emptied (bounded memory per isolate).
const CACHE_LIMIT: usize = 10_000;

thread_local! {
    static CACHE: RefCell<HashMap<(i64, String), (Standing, i64)>> = RefCell::new(HashMap::new());
}

/// An authenticated caller.
pub struct Caller {
    pub user_id: i64,
    pub claims: Claims,
}

/// The caller of a request with a valid, unrevoked `Authorization: Bearer` JWT; 401 with
/// the same body for every failure.
pub async fn authenticate(
    req: &Request,
    key: &JwtKey,
    db: &Db,
    now: UnixMillis,
) -> Handled<Caller> {
    let token = bearer(req).ok_or_else(ApiError::unauthorized)?;
    let claims = jwt::verify(key, &token, now).map_err(|_| ApiError::unauthorized())?;
    let user_id =
        claims.sub.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(ApiError::unauthorized)?;
    let standing =
        standing(db, user_id, &claims.sid, now).await?.ok_or_else(ApiError::unauthorized)?;
    if !standing.admits(&claims) {
        return Err(ApiError::unauthorized());
    }
    Ok(Caller { user_id, claims })
}

/// The user's standing for sign-in `sid`; `None` when the user no longer exists.
async fn standing(db: &Db, user_id: i64, sid: &str, now: UnixMillis) -> Handled<Option<Standing>> {
    let key = (user_id, sid.to_owned());
    let cached = CACHE.with(|cache| cache.borrow().get(&key).copied());
    if let Some((standing, until)) = cached {
        if now.0 < until {
            return Ok(Some(standing));
        }
    }
    let Some(standing) = users::standing(db, user_id, sid).await? else { return Ok(None) };
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, (standing, now.0 + jwt::STANDING_CACHE_MS));
    });
    Ok(Some(standing))
}

/// Drops this isolate's cached standings of `user_id` (after a sign-out).
pub fn forget(user_id: i64) {
    CACHE.with(|cache| cache.borrow_mut().retain(|(user, _), _| *user != user_id));
}

/// A random id from the platform's CSPRNG (`crypto.randomUUID`), without dashes.
pub fn random_id() -> Handled<String> {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).ok();
    let id = crypto.and_then(|crypto| {
        let make = js_sys::Reflect::get(&crypto, &"randomUUID".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        make.call0(&crypto).ok()?.as_string()
    });
    id.map(|id| id.replace('-', "")).filter(|id| id.len() == 32).ok_or_else(|| {
        ApiError::from(worker::Error::RustError("crypto.randomUUID is unavailable".into()))
    })
}

/// The scheduled job's part: forgets revoked sign-ins whose every token has expired.
pub async fn prune(db: &Db, now: UnixMillis) -> worker::Result<()> {
    users::prune_revoked(db, now.0).await
}
