//! Helpers for the integration tests: where the worker runs, a small HTTP client, users,
//! ids, times and forged tokens.
//!
//! The worker is started by `scripts/test.sh`, which exports `WORKTIME_TEST_BASE_URL`
//! (the worker), `WORKTIME_TEST_JWT_SECRET` (its JWT secret), `WORKTIME_TEST_FAKE_GITHUB`
//! (the fake GitHub) and `WORKTIME_TEST_STATE_DIR`. Without them the tests fail with a
//! message saying how to run them.
//!
//! Tests run in parallel threads of one binary, so every test signs in its own users
//! ([`new_user`]) and never depends on another test's data.

pub mod engine_http;
pub mod http1;
pub mod jwt;
pub mod model;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use worktime_api::sessions::{Session, SessionList};
use worktime_api::stats::DailyStats;
use worktime_core::time::UnixMillis;

/// The worker under test, e.g. `http://127.0.0.1:8788`.
pub fn base_url() -> String {
    std::env::var("WORKTIME_TEST_BASE_URL")
        .expect("WORKTIME_TEST_BASE_URL must name a running worker; run scripts/test.sh")
}

/// The fake GitHub the worker talks to, e.g. `http://127.0.0.1:8790`.
pub fn fake_github_url() -> String {
    std::env::var("WORKTIME_TEST_FAKE_GITHUB")
        .expect("WORKTIME_TEST_FAKE_GITHUB must name the fake GitHub; run scripts/test.sh")
}

/// The worker's JWT secret, so tests can forge tokens.
pub fn jwt_secret() -> Vec<u8> {
    std::env::var("WORKTIME_TEST_JWT_SECRET")
        .expect("WORKTIME_TEST_JWT_SECRET must hold the worker's JWT secret; run scripts/test.sh")
        .into_bytes()
}

/// An HTTP answer, whatever its status.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// The first value of header `name`, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every header, in arrival order (repeated names repeated).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("body is not JSON ({err}): {}", self.body))
    }

    /// The body as a contract type (which rejects unknown fields); panics when it is not.
    pub fn parse<T: DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body).unwrap_or_else(|err| {
            panic!("body (status {}) is not the expected type ({err}): {}", self.status, self.body)
        })
    }
}

/// Sends `method path` to the worker with `headers` and an optional body; never follows
/// redirects, never treats a status as an error.
pub fn call(method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Answer {
    call_url(method, &format!("{}{}", base_url(), path), headers, body)
}

/// Like [`call`], to any absolute `url` (the fake GitHub, a redirect target).
pub fn call_url(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Answer {
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(20)).redirects(0).build();
    let mut request = agent.request(method, url);
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let result = match body {
        Some(body) => request.send_string(body),
        None => request.call(),
    };
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(err) => panic!("{method} {url}: no HTTP answer: {err}"),
    };
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .flat_map(|name| {
            response
                .all(&name)
                .into_iter()
                .map(|value| (name.clone(), value.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect();
    let body = response.into_string().unwrap_or_default();
    Answer { status, headers, body }
}

/// `method path` with `Authorization: Bearer <jwt>` and, when given, a JSON body.
pub fn authed(method: &str, path: &str, jwt: &str, body: Option<&Value>) -> Answer {
    let bearer = format!("Bearer {jwt}");
    match body {
        Some(body) => {
            let headers =
                [("Authorization", bearer.as_str()), ("Content-Type", "application/json")];
            call(method, path, &headers, Some(&body.to_string()))
        }
        None => call(method, path, &[("Authorization", bearer.as_str())], None),
    }
}

/// Asserts the contract's error shape: `status`, `{"error":{"code","message"}}` with a
/// non-empty message and nothing else.
pub fn assert_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "expected {status} {code}, got: {}", answer.body);
    let body = answer.json();
    assert_eq!(body["error"]["code"], code, "{}", answer.body);
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "empty message: {}", answer.body);
    assert_eq!(body.as_object().map(|o| o.len()), Some(1), "extra fields: {}", answer.body);
    let content_type = answer.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("application/json"), "content-type {content_type}");
}

// ---------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------

/// A user signed in through the fake GitHub.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub jwt: String,
    pub user_id: i64,
    pub github_id: u64,
    pub login: String,
}

/// A PKCE verifier (43 characters). The fake GitHub's static test codes accept any; the
/// worker requires one on every callback.
pub const TEST_VERIFIER: &str = "test-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";

/// Signs in GitHub user `github_id` / `login` with the fake's static code; panics unless
/// the callback answers 200.
pub fn sign_in(github_id: u64, login: &str) -> SignedIn {
    let body =
        json!({ "code": format!("test-code:{github_id}:{login}"), "code_verifier": TEST_VERIFIER })
            .to_string();
    let headers = [("Content-Type", "application/json")];
    let answer = call("POST", worktime_api::paths::AUTH_CALLBACK, &headers, Some(&body));
    assert_eq!(answer.status, 200, "sign-in of {login} failed: {}", answer.body);
    let body = answer.json();
    let jwt = body["jwt"].as_str().expect("callback returns a jwt").to_owned();
    let user_id = body["user"]["id"].as_i64().expect("callback returns user.id");
    SignedIn { jwt, user_id, github_id, login: login.to_owned() }
}

/// A brand-new user, unknown to the worker until now.
pub fn new_user() -> SignedIn {
    let github_id = unique_github_id();
    sign_in(github_id, &format!("wt-{github_id}"))
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn next_count() -> u64 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// A GitHub id no other test, test process or earlier run has used: 10^13 plus the
/// process's start millisecond (mod 10^9) times 10^4 plus a counter. Far from the fake's
/// login-derived ids (below 1.00001 * 10^9) and below 2^53.
pub fn unique_github_id() -> u64 {
    static BASE: OnceLock<u64> = OnceLock::new();
    let base =
        *BASE.get_or_init(|| 10_000_000_000_000 + (now_ms() as u64 % 1_000_000_000) * 10_000);
    base + next_count() % 10_000
}

/// A fresh random-looking UUID (version 4 layout), lowercase.
pub fn uuid() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let seed = format!("{}:{}:{nanos}", std::process::id(), next_count());
    let h = format!("{:x}", Sha256::digest(seed.as_bytes()));
    let variant = ["8", "9", "a", "b"][usize::from(h.as_bytes()[16] % 4)];
    format!("{}-{}-4{}-{variant}{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

/// The decoded payload of a JWT (no verification); panics when it is not one.
pub fn jwt_payload(jwt: &str) -> Value {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts: {jwt}");
    let payload = jwt::base64url_decode(parts[1]).expect("payload is base64url");
    serde_json::from_slice(&payload).expect("payload is JSON")
}

// ---------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------

pub const SECOND_MS: i64 = 1000;
pub const MINUTE_MS: i64 = 60 * SECOND_MS;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// The local clock, epoch milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .expect("clock after 1970")
}

/// `now_ms()` rounded down to a whole second.
pub fn now_s_ms() -> i64 {
    now_ms().div_euclid(SECOND_MS) * SECOND_MS
}

/// The UTC date and time of `epoch_ms`; panics beyond chrono's range (±262,000 years).
fn utc(epoch_ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(epoch_ms)
        .unwrap_or_else(|| panic!("{epoch_ms} ms is out of chrono's range"))
}

/// `YYYY-MM-DDTHH:MM:SSZ` of `epoch_ms`, fractions dropped: the worker's time format.
pub fn rfc3339(epoch_ms: i64) -> String {
    utc(epoch_ms).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parses an RFC 3339 time into epoch milliseconds; panics when it is not one.
pub fn parse_time(text: &str) -> i64 {
    UnixMillis::parse_rfc3339(text).unwrap_or_else(|| panic!("not an RFC 3339 time: {text:?}")).0
}

/// Local days since 1970-01-01 of the instant `epoch_ms` at `tz_offset_minutes` east.
pub fn local_day_index(epoch_ms: i64, tz_offset_minutes: i32) -> i64 {
    (epoch_ms + i64::from(tz_offset_minutes) * MINUTE_MS).div_euclid(DAY_MS)
}

/// The UTC instant of local midnight starting local day `index`.
pub fn local_midnight_ms(index: i64, tz_offset_minutes: i32) -> i64 {
    index * DAY_MS - i64::from(tz_offset_minutes) * MINUTE_MS
}

/// `YYYY-MM-DD` of local day `index`.
pub fn date_of_index(index: i64) -> String {
    utc(index * DAY_MS).format("%Y-%m-%d").to_string()
}

// ---------------------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------------------

/// What [`percent_encode`] escapes: everything but RFC 3986's unreserved characters.
const NOT_UNRESERVED: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

/// Decodes `%XX` escapes and `+` (as a space), as in form-encoded queries; a `%` without
/// two hex digits stays as it is.
pub fn percent_decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// The decoded `(name, value)` pairs of `a=1&b=2` (a query or a form body), in order.
pub fn form_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

/// The decoded `(name, value)` pairs of `url`'s query, in order.
pub fn query_params(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_pairs(query.split('#').next().unwrap_or_default())
}

/// The first value of query parameter `name` in `url`.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    query_params(url).into_iter().find(|(key, _)| key == name).map(|(_, value)| value)
}

// ---------------------------------------------------------------------------------------
// API shortcuts (each asserts success)
// ---------------------------------------------------------------------------------------

/// `POST /api/sessions/start` of a new session; asserts 201 and returns it.
pub fn start_session(
    jwt: &str,
    id: &str,
    (owner, repo, pr): (&str, &str, i64),
    start_ms: Option<i64>,
    tz_offset_minutes: Option<i32>,
) -> Session {
    let mut body = json!({"id": id, "repo_owner": owner, "repo_name": repo, "pr_number": pr});
    if let Some(start_ms) = start_ms {
        body["start_time"] = json!(rfc3339(start_ms));
    }
    if let Some(tz) = tz_offset_minutes {
        body["tz_offset_minutes"] = json!(tz);
    }
    let answer = authed("POST", worktime_api::paths::SESSIONS_START, jwt, Some(&body));
    assert_eq!(answer.status, 201, "start {body}: {}", answer.body);
    answer.parse()
}

/// `PATCH /api/sessions/{id}/end` (at `end_ms`, or the server's now); asserts 200.
pub fn end_session(jwt: &str, id: &str, end_ms: Option<i64>) -> Session {
    let body = match end_ms {
        Some(end_ms) => json!({"end_time": rfc3339(end_ms)}),
        None => json!({}),
    };
    let answer = authed("PATCH", &worktime_api::paths::session_end(id), jwt, Some(&body));
    assert_eq!(answer.status, 200, "end {id} {body}: {}", answer.body);
    answer.parse()
}

/// A completed session `[start_ms, end_ms)` in `repo` (start, then end); returns the ended one.
pub fn record_session(jwt: &str, repo: (&str, &str, i64), start_ms: i64, end_ms: i64) -> Session {
    let id = uuid();
    start_session(jwt, &id, repo, Some(start_ms), None);
    end_session(jwt, &id, Some(end_ms))
}

/// `GET /api/sessions?<query>` (query without `?`); asserts 200.
pub fn list_sessions(jwt: &str, query: &str) -> SessionList {
    let path = format!("{}?{query}", worktime_api::paths::SESSIONS);
    let answer = authed("GET", &path, jwt, None);
    assert_eq!(answer.status, 200, "list {query}: {}", answer.body);
    answer.parse()
}

/// `GET /api/stats/daily?days=&tz_offset_minutes=`; asserts 200.
pub fn daily_stats(jwt: &str, days: u32, tz_offset_minutes: i32) -> DailyStats {
    let path = format!(
        "{}?days={days}&tz_offset_minutes={tz_offset_minutes}",
        worktime_api::paths::STATS_DAILY
    );
    let answer = authed("GET", &path, jwt, None);
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    answer.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_agrees_with_the_core() {
        for ms in [0, 999, 951_782_400_000, 1_709_164_800_000, 1_795_000_000_999, 4_102_444_799_000]
        {
            assert_eq!(rfc3339(ms), UnixMillis(ms).to_rfc3339(), "{ms}");
            assert_eq!(parse_time(&rfc3339(ms)), ms.div_euclid(1000) * 1000);
        }
    }

    #[test]
    fn local_days_follow_the_offset() {
        // 2026-11-18T11:06:40Z is 16:36:40 the same day at +05:30 and 23:06 at +12:00.
        let t = 1_795_000_000_000;
        assert_eq!(date_of_index(local_day_index(t, 0)), "2026-11-18");
        assert_eq!(date_of_index(local_day_index(t, 780)), "2026-11-19");
        assert_eq!(date_of_index(local_day_index(t, -720)), "2026-11-17");
        let index = local_day_index(t, 330);
        assert_eq!(rfc3339(local_midnight_ms(index, 330)), "2026-11-17T18:30:00Z");
        assert_eq!(date_of_index(0), "1970-01-01");
        assert_eq!(date_of_index(19_782), "2024-02-29");
    }

    #[test]
    fn queries_decode() {
        let url = "http://x/a?client_id=c&scope=read%3Auser&r=http%3A%2F%2F127.0.0.1%3A8799%2Fcb&s=a+b&e=";
        assert_eq!(query_param(url, "scope").as_deref(), Some("read:user"));
        assert_eq!(query_param(url, "r").as_deref(), Some("http://127.0.0.1:8799/cb"));
        assert_eq!(query_param(url, "s").as_deref(), Some("a b"));
        assert_eq!(query_param(url, "e").as_deref(), Some(""));
        assert_eq!(query_param(url, "missing"), None);
        assert_eq!(percent_decode(&percent_encode("a:b/c d+é%")), "a:b/c d+é%");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4%e2%9C%93"), "%zz%4✓");
        assert_eq!(percent_encode("read:user x/y~é"), "read%3Auser%20x%2Fy~%C3%A9");
        let pairs = form_pairs("a=1&&flag&a=%2B+&=x");
        let expected = [("a", "1"), ("flag", ""), ("a", "+ "), ("", "x")];
        assert_eq!(pairs, expected.map(|(n, v)| (n.to_owned(), v.to_owned())));
    }

    #[test]
    fn ids_are_unique_and_well_formed() {
        let (a, b) = (uuid(), uuid());
        assert_ne!(a, b);
        assert!(worktime_core::validate::uuid(&a, "id").is_ok(), "{a}");
        assert_ne!(unique_github_id(), unique_github_id());
    }
}
