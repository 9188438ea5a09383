//! The route table: which endpoint a method and path name, with its parameters.

use worktime_api::paths;

/// An endpoint with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Health,
    OpenApi,
    AuthLogin,
    AuthCallback,
    AuthRefresh,
    AuthLogout,
    AuthLogoutAll,
    ListSessions,
    StartSession,
    StopSession,
    EndSession { id: String },
    Heartbeat { id: String },
    Sync,
    StatsDaily,
    StatsRepo { owner: String, name: String },
    LiveTicket,
    /// The WebSocket upgrade, authenticated by its ticket.
    Live,
}

/// Why no endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteError {
    NotFound,
    /// The path exists with other methods.
    MethodNotAllowed,
}

/// Which class of caller a route serves: decides authentication and rate limiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token, no limit (health, the document).
    Public,
    /// No token; limited per client address.
    Auth,
    /// A valid JWT; limited per user.
    User,
}

impl Route {
    pub fn access(&self) -> Access {
        match self {
            Route::Health | Route::OpenApi => Access::Public,
            Route::AuthLogin | Route::AuthCallback => Access::Auth,
            // Refresh and sign-out need a token, but are limited like sign-in: per address.
            Route::AuthRefresh | Route::AuthLogout | Route::AuthLogoutAll => Access::Auth,
            // The socket carries a ticket, not a token.
            Route::Live => Access::Auth,
            _ => Access::User,
        }
    }
}

/// Resolves `method` (upper case) and `path` against the contract's paths.
pub fn resolve(method: &str, path: &str) -> Result<Route, RouteError> {
    let Some((template, params)) = paths::ALL.iter().find_map(|t| matches(t, path).map(|p| (*t, p)))
    else {
        return Err(RouteError::NotFound);
    };
    let param = |i: usize| params.get(i).cloned().unwrap_or_default();
    let route = match (template, method) {
        (paths::HEALTH, "GET" | "HEAD") => Route::Health,
        (paths::OPENAPI, "GET" | "HEAD") => Route::OpenApi,
        (paths::AUTH_LOGIN, "GET") => Route::AuthLogin,
        (paths::AUTH_CALLBACK, "POST") => Route::AuthCallback,
        (paths::AUTH_REFRESH, "POST") => Route::AuthRefresh,
        (paths::AUTH_LOGOUT, "POST") => Route::AuthLogout,
        (paths::AUTH_LOGOUT_ALL, "POST") => Route::AuthLogoutAll,
        (paths::LIVE_TICKET, "POST") => Route::LiveTicket,
        (paths::LIVE, "GET") => Route::Live,
        (paths::SESSIONS, "GET") => Route::ListSessions,
        (paths::SESSIONS_START, "POST") => Route::StartSession,
        (paths::SESSIONS_STOP, "POST") => Route::StopSession,
        (paths::SESSION_END, "PATCH") => Route::EndSession { id: param(0) },
        (paths::SESSION_HEARTBEAT, "POST") => Route::Heartbeat { id: param(0) },
        (paths::SYNC, "POST") => Route::Sync,
        (paths::STATS_DAILY, "GET") => Route::StatsDaily,
        (paths::STATS_REPO, "GET") => Route::StatsRepo { owner: param(0), name: param(1) },
        _ => return Err(RouteError::MethodNotAllowed),
    };
    Ok(route)
}

/// The `{param}` values when `path` fits `template`, percent-decoded.
fn matches(template: &str, path: &str) -> Option<Vec<String>> {
    let mut template_parts = template.split('/');
    let mut path_parts = path.split('/');
    let mut params = Vec::new();
    loop {
        match (template_parts.next(), path_parts.next()) {
            (None, None) => return Some(params),
            (Some(t), Some(p)) if t.starts_with('{') => {
                if p.is_empty() {
                    return None;
                }
                params.push(percent_decode(p)?);
            }
            (Some(t), Some(p)) if t == p => {}
            _ => return None,
        }
    }
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_every_endpoint() {
        assert_eq!(resolve("GET", "/health"), Ok(Route::Health));
        assert_eq!(resolve("POST", "/api/sessions/start"), Ok(Route::StartSession));
        assert_eq!(resolve("POST", "/api/sessions/stop"), Ok(Route::StopSession));
        assert_eq!(
            resolve("PATCH", "/api/sessions/abc/end"),
            Ok(Route::EndSession { id: "abc".into() })
        );
        assert_eq!(
            resolve("GET", "/api/stats/repo/rust-lang/rust.vim"),
            Ok(Route::StatsRepo { owner: "rust-lang".into(), name: "rust.vim".into() })
        );
        assert_eq!(resolve("GET", "/api/sessions"), Ok(Route::ListSessions));
    }

    #[test]
    fn distinguishes_404_from_405() {
        assert_eq!(resolve("GET", "/api/sessions/start"), Err(RouteError::MethodNotAllowed));
        assert_eq!(resolve("DELETE", "/health"), Err(RouteError::MethodNotAllowed));
        assert_eq!(resolve("GET", "/api/nothing"), Err(RouteError::NotFound));
        assert_eq!(resolve("GET", "/api/sessions/"), Err(RouteError::NotFound));
        assert_eq!(resolve("PATCH", "/api/sessions//end"), Err(RouteError::NotFound));
        assert_eq!(resolve("GET", "/api/stats/repo/a/b/c"), Err(RouteError::NotFound));
    }

    #[test]
    fn decodes_parameters_and_rejects_bad_escapes() {
        assert_eq!(
            resolve("GET", "/api/stats/repo/a%2Db/c"),
            Ok(Route::StatsRepo { owner: "a-b".into(), name: "c".into() })
        );
        assert_eq!(resolve("GET", "/api/stats/repo/a%zz/c"), Err(RouteError::NotFound));
    }

    #[test]
    fn access_classes() {
        assert_eq!(Route::Health.access(), Access::Public);
        assert_eq!(Route::AuthCallback.access(), Access::Auth);
        assert_eq!(Route::Sync.access(), Access::User);
    }
}
