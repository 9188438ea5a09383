//! The route table: which endpoint a method and path name, with its parameters.

use worktime_api::paths;

/// An endpoint with its path parameters, grouped by who may call it: the group decides
/// authentication and rate limiting, and every group is matched exhaustively, so a new
/// route cannot be answered by another one's handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// No token, no limit.
    Public(PublicRoute),
    /// No JWT checked before the handler; limited per client address.
    Auth(AuthRoute),
    /// A valid JWT; limited per user.
    Api(ApiRoute),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicRoute {
    Health,
    OpenApi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthRoute {
    Login,
    Callback,
    /// Refresh and sign-out need a token, but are limited like sign-in: per address.
    Refresh,
    Logout,
    LogoutAll,
    /// The WebSocket upgrade, authenticated by its ticket.
    Live,
    /// The development sign-in's page (`signin_dev` decides whether it exists).
    DevAuthorize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiRoute {
    ListSessions,
    StartSession,
    StopSession,
    EndSession { id: String },
    DeleteSession { id: String },
    Heartbeat { id: String },
    Sync,
    StatsDaily,
    StatsRepo { owner: String, name: String },
    StatsRepos,
    LiveTicket,
    Export,
    DeleteAccount,
}

/// Why no endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteError {
    NotFound,
    /// The path exists with other methods.
    MethodNotAllowed,
}

/// Resolves `method` (upper case) and `path` against the contract's paths.
pub fn resolve(method: &str, path: &str) -> Result<Route, RouteError> {
    let Some((template, params)) =
        paths::ALL.iter().chain(paths::DEV_ONLY).find_map(|t| matches(t, path).map(|p| (*t, p)))
    else {
        return Err(RouteError::NotFound);
    };
    let param = |i: usize| params.get(i).cloned().unwrap_or_default();
    let route = match (template, method) {
        (paths::HEALTH, "GET" | "HEAD") => Route::Public(PublicRoute::Health),
        (paths::OPENAPI, "GET" | "HEAD") => Route::Public(PublicRoute::OpenApi),
        (paths::AUTH_LOGIN, "GET") => Route::Auth(AuthRoute::Login),
        (paths::AUTH_CALLBACK, "POST") => Route::Auth(AuthRoute::Callback),
        (paths::AUTH_REFRESH, "POST") => Route::Auth(AuthRoute::Refresh),
        (paths::AUTH_LOGOUT, "POST") => Route::Auth(AuthRoute::Logout),
        (paths::AUTH_LOGOUT_ALL, "POST") => Route::Auth(AuthRoute::LogoutAll),
        (paths::LIVE, "GET") => Route::Auth(AuthRoute::Live),
        (paths::AUTH_DEV_AUTHORIZE, "GET") => Route::Auth(AuthRoute::DevAuthorize),
        (paths::LIVE_TICKET, "POST") => Route::Api(ApiRoute::LiveTicket),
        (paths::SESSIONS, "GET") => Route::Api(ApiRoute::ListSessions),
        (paths::SESSIONS_START, "POST") => Route::Api(ApiRoute::StartSession),
        (paths::SESSIONS_STOP, "POST") => Route::Api(ApiRoute::StopSession),
        (paths::SESSION, "DELETE") => Route::Api(ApiRoute::DeleteSession { id: param(0) }),
        (paths::SESSION_END, "PATCH") => Route::Api(ApiRoute::EndSession { id: param(0) }),
        (paths::SESSION_HEARTBEAT, "POST") => Route::Api(ApiRoute::Heartbeat { id: param(0) }),
        (paths::SYNC, "POST") => Route::Api(ApiRoute::Sync),
        (paths::STATS_DAILY, "GET") => Route::Api(ApiRoute::StatsDaily),
        (paths::STATS_REPO, "GET") => {
            Route::Api(ApiRoute::StatsRepo { owner: param(0), name: param(1) })
        }
        (paths::STATS_REPOS, "GET") => Route::Api(ApiRoute::StatsRepos),
        (paths::EXPORT, "GET") => Route::Api(ApiRoute::Export),
        (paths::ACCOUNT, "DELETE") => Route::Api(ApiRoute::DeleteAccount),
        // A known path with a method it does not take (methods are strings: this arm is
        // the only wildcard, and it can only refuse).
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
        assert_eq!(resolve("GET", "/health"), Ok(Route::Public(PublicRoute::Health)));
        assert_eq!(resolve("POST", "/api/sessions/start"), Ok(Route::Api(ApiRoute::StartSession)));
        assert_eq!(resolve("POST", "/api/sessions/stop"), Ok(Route::Api(ApiRoute::StopSession)));
        assert_eq!(
            resolve("PATCH", "/api/sessions/abc/end"),
            Ok(Route::Api(ApiRoute::EndSession { id: "abc".into() }))
        );
        assert_eq!(
            resolve("GET", "/api/stats/repo/rust-lang/rust.vim"),
            Ok(Route::Api(ApiRoute::StatsRepo {
                owner: "rust-lang".into(),
                name: "rust.vim".into()
            }))
        );
        assert_eq!(resolve("GET", "/api/sessions"), Ok(Route::Api(ApiRoute::ListSessions)));
        assert_eq!(resolve("GET", "/api/export"), Ok(Route::Api(ApiRoute::Export)));
        assert_eq!(resolve("DELETE", "/api/account"), Ok(Route::Api(ApiRoute::DeleteAccount)));
    }

    #[test]
    fn the_account_routes_take_only_their_method() {
        for method in ["GET", "POST", "PATCH", "PUT"] {
            assert_eq!(
                resolve(method, "/api/account"),
                Err(RouteError::MethodNotAllowed),
                "{method}"
            );
        }
        for method in ["POST", "DELETE", "PATCH"] {
            assert_eq!(
                resolve(method, "/api/export"),
                Err(RouteError::MethodNotAllowed),
                "{method}"
            );
        }
        assert_eq!(resolve("DELETE", "/api/account/"), Err(RouteError::NotFound));
        assert_eq!(resolve("GET", "/api/export.csv"), Err(RouteError::NotFound));
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
    fn the_breakdown_is_not_a_repository_named_repos() {
        assert_eq!(resolve("GET", "/api/stats/repos"), Ok(Route::Api(ApiRoute::StatsRepos)));
        assert_eq!(
            resolve("GET", "/api/stats/repo/repos/x"),
            Ok(Route::Api(ApiRoute::StatsRepo { owner: "repos".into(), name: "x".into() }))
        );
        assert_eq!(resolve("POST", "/api/stats/repos"), Err(RouteError::MethodNotAllowed));
        for path in ["/api/stats/repos/", "/api/stats/repos/a", "/api/stats/repos/a/b"] {
            assert_eq!(resolve("GET", path), Err(RouteError::NotFound), "{path}");
        }
        assert_eq!(resolve("GET", "/api/stats/repo"), Err(RouteError::NotFound));
    }

    #[test]
    fn decodes_parameters_and_rejects_bad_escapes() {
        assert_eq!(
            resolve("GET", "/api/stats/repo/a%2Db/c"),
            Ok(Route::Api(ApiRoute::StatsRepo { owner: "a-b".into(), name: "c".into() }))
        );
        assert_eq!(resolve("GET", "/api/stats/repo/a%zz/c"), Err(RouteError::NotFound));
    }

    #[test]
    fn every_contract_path_is_in_its_group() {
        let group = |method: &str, path: &str| match resolve(method, path) {
            Ok(Route::Public(_)) => "public",
            Ok(Route::Auth(_)) => "auth",
            Ok(Route::Api(_)) => "api",
            Err(_) => "none",
        };
        assert_eq!(group("GET", paths::HEALTH), "public");
        assert_eq!(group("GET", paths::OPENAPI), "public");
        for (method, path) in [
            ("GET", paths::AUTH_LOGIN),
            ("POST", paths::AUTH_CALLBACK),
            ("POST", paths::AUTH_REFRESH),
            ("POST", paths::AUTH_LOGOUT),
            ("POST", paths::AUTH_LOGOUT_ALL),
            ("GET", paths::LIVE),
            ("GET", paths::AUTH_DEV_AUTHORIZE),
        ] {
            assert_eq!(group(method, path), "auth", "{path}");
        }
        for (method, path) in [
            ("POST", paths::SYNC),
            ("POST", paths::LIVE_TICKET),
            ("GET", paths::STATS_DAILY),
            ("GET", paths::STATS_REPOS),
            ("GET", paths::EXPORT),
            ("DELETE", paths::ACCOUNT),
        ] {
            assert_eq!(group(method, path), "api", "{path}");
        }
    }
}
