//! Read-only views for the popup: status, daily stats and history — from the backend when
//! it answers and the user is signed in, otherwise computed from local history. Every
//! result says where it came from.

use std::cell::Cell;

use gloo_net::http::Method;
use worktime_api::sessions::SessionList;
use worktime_api::stats::{DailyStats, RepoBreakdown};
use worktime_core::client::history::{self, Breakdown, HistoryEntry, HistoryPage, Source};
use worktime_core::client::js::StatsResult;
use worktime_core::client::LocalSession;
use worktime_core::stats;

use crate::{platform, transport};

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

/// One page of the history, typed the same whatever its source.
pub async fn history(context: &Context, limit: u32, offset: u32) -> HistoryPage {
    let limit = limit.clamp(1, worktime_api::sessions::LIST_MAX_LIMIT as u32);
    if let Some(page) = server_page(context, i64::from(limit), i64::from(offset)).await {
        return page;
    }
    let sessions = context
        .local
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(HistoryEntry::from_local)
        .collect();
    HistoryPage { source: Source::Local, sessions, total: context.local.len() as i64 }
}

async fn server_page(context: &Context, limit: i64, offset: i64) -> Option<HistoryPage> {
    let path = format!("{}?limit={limit}&offset={offset}", worktime_api::paths::SESSIONS);
    let list = get::<SessionList>(context, &path).await?;
    let sessions = list
        .sessions
        .iter()
        .filter_map(|session| HistoryEntry::from_server(session, &context.device_id))
        .collect();
    Some(HistoryPage { source: Source::Server, sessions, total: list.total })
}

/// Time per repository and PR over the last `days` local days: the server's breakdown
/// (every device's ended sessions, one request) when it answers, else this device's.
pub async fn breakdown(context: &Context, days: u32) -> Breakdown {
    let now = platform::now().0;
    let days = days.clamp(1, worktime_api::stats::MAX_DAYS);
    let offset = context.tz_offset_minutes;
    let since_ms = stats::local_range(now, days, offset).from_ms;
    let path =
        format!("{}?days={days}&tz_offset_minutes={offset}", worktime_api::paths::STATS_REPOS);
    if let Some(answer) = get::<RepoBreakdown>(context, &path).await {
        return Breakdown::from_server(answer, since_ms);
    }
    let entries: Vec<HistoryEntry> = context.local.iter().map(HistoryEntry::from_local).collect();
    let running =
        context.local.first().filter(|s| s.end_ms.is_none()).map(HistoryEntry::from_local);
    history::breakdown(&entries, running.as_ref(), since_ms, now)
}
