//! Cross-origin policy: which origins get a CORS grant.
//!
//! Only origins listed in `ALLOWED_ORIGINS` are granted, by echoing the origin back
//! (never `*`), always with `Vary: Origin` so caches keep per-origin answers apart.

/// Methods the API answers to cross-origin callers.
pub const ALLOWED_METHODS: &str = "GET, POST, PATCH, DELETE, OPTIONS";
/// Request headers cross-origin callers may send.
pub const ALLOWED_HEADERS: &str = "Authorization, Content-Type";
/// How long a browser may cache a preflight answer, in seconds.
pub const PREFLIGHT_MAX_AGE_SECONDS: u32 = 600;

/// The parsed `ALLOWED_ORIGINS` list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsPolicy {
    origins: Vec<String>,
}

impl CorsPolicy {
    /// Parses a comma-separated list; blanks and trailing slashes are ignored.
    pub fn parse(list: &str) -> CorsPolicy {
        let origins = list
            .split(',')
            .map(|origin| origin.trim().trim_end_matches('/'))
            .filter(|origin| !origin.is_empty() && *origin != "*")
            .map(str::to_owned)
            .collect();
        CorsPolicy { origins }
    }

    /// The value for `Access-Control-Allow-Origin` when `origin` may call the API.
    pub fn grant<'a>(&self, origin: Option<&'a str>) -> Option<&'a str> {
        let origin = origin?;
        self.origins.iter().any(|allowed| allowed == origin).then_some(origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_only_listed_origins_exactly() {
        let policy = CorsPolicy::parse("chrome-extension://abc, http://127.0.0.1:8799/ ,");
        assert_eq!(policy.grant(Some("chrome-extension://abc")), Some("chrome-extension://abc"));
        assert_eq!(policy.grant(Some("http://127.0.0.1:8799")), Some("http://127.0.0.1:8799"));
        assert_eq!(policy.grant(Some("chrome-extension://abcd")), None);
        assert_eq!(policy.grant(Some("https://evil.example")), None);
        assert_eq!(policy.grant(None), None);
    }

    #[test]
    fn a_wildcard_is_never_honoured() {
        let policy = CorsPolicy::parse("*");
        assert_eq!(policy.grant(Some("https://evil.example")), None);
    }
}
