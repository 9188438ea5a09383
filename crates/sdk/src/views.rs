//! Read-only views for the popup: status, daily stats and history — from the backend when
//! it answers and the user is signed in, otherwise computed from local history. Every
//! result says where it came from.

use std::cell::Cell;

use gloo_net::http::Method;
use serde::Serialize;
use worktime_api::sessions::SessionList;
use worktime_api::stats::DailyStats;
use worktime_core::client::{LocalSession, Status};
use worktime_core::stats;

use wasm_bindgen::JsValue;

use crate::worktime::to_js;
use crate::{platform, transport};

/// `status()`: the engine's status plus reachability.
#[derive(Serialize)]
pub struct SdkStatus {
    /// Whether the last request reached the backend (`null` before the first).
    pub online: Option<bool>,
    #[serde(flatten)]
    pub status: Status,
}

/// What the views need, copied out of the engine so no borrow spans a request.
pub struct Context {
    pub base_url: String,
    pub bearer: Option<String>,
    pub local: Vec<LocalSession>,
    pub tz_offset_minutes: i32,
    /// This installation's device id, to mark its sessions among the server's.
    pub device_id: String,
    /// Set when the server refused `bearer` (401), for the engine to hear about.
    pub refused: Cell<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Server,
    Local,
}

#[derive(Serialize)]
pub struct StatsResult {
    pub source: Source,
    #[serde(flatten)]
    pub stats: DailyStats,
}

#[derive(Serialize)]
pub struct HistoryResult<'a, T: Serialize> {
    pub source: Source,
    /// Server sessions of all the user's devices (API shape) or this device's local ones
    /// (SDK shape); each has `this_device`.
    pub sessions: Vec<Marked<'a, T>>,
    pub total: i64,
}

/// An item of a history page with whether this device recorded it.
#[derive(Serialize)]
pub struct Marked<'a, T: Serialize> {
    #[serde(flatten)]
    session: &'a T,
    this_device: bool,
}

async fn get<T: serde::de::DeserializeOwned>(context: &Context, path: &str) -> Option<T> {
    let bearer = context.bearer.as_deref()?;
    let url = format!("{}{path}", context.base_url);
    match transport::fetch(Method::GET, &url, Some(bearer), None).await {
        worktime_core::client::Outcome::Http { status: 200, body, .. } => {
            serde_json::from_str(&body).ok()
        }
        worktime_core::client::Outcome::Http { status: 401, .. } => {
            context.refused.set(true);
            None
        }
        _ => None,
    }
}

pub async fn stats(context: &Context, days: u32) -> StatsResult {
    let days = days.clamp(1, worktime_api::stats::MAX_DAYS);
    let offset = context.tz_offset_minutes;
    let path =
        format!("{}?days={days}&tz_offset_minutes={offset}", worktime_api::paths::STATS_DAILY);
    if let Some(stats) = get::<DailyStats>(context, &path).await {
        return StatsResult { source: Source::Server, stats };
    }
    let range = stats::local_range(platform::now().0, days, offset);
    let ended: Vec<(i64, i64)> =
        context.local.iter().filter_map(|s| s.end_ms.map(|end| (s.start_ms, end))).collect();
    let per_day = stats::days_from_sessions(&ended, &range, offset);
    let stats = stats::report::daily_stats(&per_day, offset);
    StatsResult { source: Source::Local, stats }
}

/// The history page as a JavaScript value (serialised straight from the typed page, not
/// through a `serde_json::Value`).
pub async fn history(context: &Context, limit: u32, offset: u32) -> Result<JsValue, JsValue> {
    let limit = limit.clamp(1, worktime_api::sessions::LIST_MAX_LIMIT as u32);
    let path = format!("{}?limit={limit}&offset={offset}", worktime_api::paths::SESSIONS);
    if let Some(list) = get::<SessionList>(context, &path).await {
        let marked: Vec<Marked<'_, _>> = list
            .sessions
            .iter()
            .map(|session| Marked { session, this_device: session.device_id == context.device_id })
            .collect();
        return to_js(&HistoryResult {
            source: Source::Server,
            sessions: marked,
            total: list.total,
        });
    }
    let page: Vec<Marked<'_, LocalSession>> = context
        .local
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|session| Marked { session, this_device: true })
        .collect();
    to_js(&HistoryResult {
        source: Source::Local,
        sessions: page,
        total: context.local.len() as i64,
    })
}
