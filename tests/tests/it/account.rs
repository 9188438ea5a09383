//! The account as a whole: `GET /api/export` (JSON and CSV, paged) holds exactly what the
//! user tracked and nothing of anyone else; `DELETE /api/account` leaves nothing of the
//! user in D1 or KV, closes their live socket, revokes every token, and touches no other
//! user's rows. The stored state is read directly (`state`), not through the API.

use std::time::Duration;

use serde_json::json;
use worktime_api::account::{AccountDeleted, AccountExport, EXPORT_CSV_COLUMNS};
use worktime_api::live::CLOSE_SIGNED_OUT;
use worktime_api::paths::{
    ACCOUNT, AUTH_LOGOUT, AUTH_REFRESH, EXPORT, SESSIONS, SESSIONS_START, STATS_DAILY, SYNC,
};
use worktime_api::sessions::{Session, SessionStatus, LEGACY_DEVICE_ID};
use worktime_tests::{
    assert_error, authed, call, list_sessions, new_user, now_s_ms, rfc3339, sign_in, uuid,
    SignedIn, HOUR_MS, MINUTE_MS,
};

use crate::state;

/// A completed session of `device` (`None`: the legacy device) through the REST routes.
fn completed(user: &SignedIn, device: Option<&str>, repo: &str, start: i64, end: i64) -> String {
    let id = uuid();
    let mut body = json!({"id": id, "repo_owner": "octo", "repo_name": repo, "pr_number": 3,
        "start_time": rfc3339(start), "tz_offset_minutes": 330});
    if let Some(device) = device {
        body["device_id"] = json!(device);
    }
    let started = authed("POST", SESSIONS_START, &user.jwt, Some(&body));
    assert_eq!(started.status, 201, "{}", started.body);
    let mut end_body = json!({"end_time": rfc3339(end)});
    if let Some(device) = device {
        end_body["device_id"] = json!(device);
    }
    let ended = authed("PATCH", &worktime_api::paths::session_end(&id), &user.jwt, Some(&end_body));
    assert_eq!(ended.status, 200, "{}", ended.body);
    id
}

/// A session started on `device` and left running.
fn running(user: &SignedIn, device: &str, start: i64) -> String {
    let id = uuid();
    let body = json!({"id": id, "repo_owner": "octo", "repo_name": "run", "pr_number": 9,
        "start_time": rfc3339(start), "device_id": device});
    let started = authed("POST", SESSIONS_START, &user.jwt, Some(&body));
    assert_eq!(started.status, 201, "{}", started.body);
    id
}

/// Every page of the JSON export (following `next_cursor`), checking each page's headers.
fn export_all(jwt: &str, limit: i64) -> (Vec<AccountExport>, Vec<Session>) {
    let mut pages: Vec<AccountExport> = Vec::new();
    let mut path = format!("{EXPORT}?limit={limit}");
    loop {
        let answer = authed("GET", &path, jwt, None);
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert!(answer.header("content-type").unwrap_or_default().starts_with("application/json"));
        assert_eq!(
            answer.header("content-disposition"),
            Some("attachment; filename=\"worktime-export.json\"")
        );
        assert_eq!(answer.header("cache-control"), Some("private, no-store"));
        let page: AccountExport = answer.parse();
        assert!(page.sessions.len() as i64 <= limit);
        let link = answer.header("link").map(str::to_owned);
        assert_eq!(link.is_some(), page.next_cursor.is_some(), "Link iff next_cursor: {link:?}");
        let next = page.next_cursor.clone();
        pages.push(page);
        assert!(pages.len() < 100, "the export does not end");
        match next {
            Some(cursor) => path = format!("{EXPORT}?limit={limit}&cursor={cursor}"),
            None => break,
        }
    }
    let sessions = pages.iter().flat_map(|p| p.sessions.clone()).collect();
    (pages, sessions)
}

/// RFC 4180 records of `text`: quoted fields with doubled quotes, CRLF record ends (a bare
/// LF outside quotes fails the test).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF in {text:?}");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, '\n') => panic!("a bare LF ends a record in {text:?}"),
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted && field.is_empty() && record.is_empty(), "unterminated: {text:?}");
    records
}

fn csv_row(s: &Session) -> Vec<String> {
    let opt = |v: Option<String>| v.unwrap_or_default();
    vec![
        s.id.clone(),
        s.device_id.clone(),
        s.repo_owner.clone(),
        s.repo_name.clone(),
        s.pr_number.to_string(),
        s.start_time.clone(),
        opt(s.end_time.clone()),
        opt(s.duration_seconds.map(|d| d.to_string())),
        s.status.as_str().to_owned(),
        s.last_heartbeat.clone(),
        opt(s.tz_offset_minutes.map(|t| t.to_string())),
    ]
}

/// The user's sessions as `GET /api/sessions` shows them, oldest first.
fn listed(jwt: &str) -> Vec<Session> {
    let mut sessions = list_sessions(jwt, "limit=100").sessions;
    sessions.sort_by(|a, b| (&a.start_time, &a.id).cmp(&(&b.start_time, &b.id)));
    sessions
}

#[test]
fn the_export_holds_exactly_what_the_user_tracked_in_json_and_csv() {
    let (user, other) = (new_user(), new_user());
    let now = now_s_ms();
    let (laptop, desktop) = (uuid(), uuid());
    let a = completed(&user, Some(&laptop), "alpha", now - 5 * HOUR_MS, now - 4 * HOUR_MS);
    let b = completed(&user, Some(&desktop), "beta", now - 5 * HOUR_MS + 60_000, now - 3 * HOUR_MS);
    let legacy = completed(&user, None, "gamma", now - 2 * HOUR_MS, now - HOUR_MS);
    // Abandoned the way the cron job does it (ended at its last heartbeat): the job itself
    // runs in the `abandon` binary, where it cannot cut other tests' sessions.
    let abandoned = running(&user, &laptop, now - 50 * MINUTE_MS);
    let beat = authed(
        "POST",
        &worktime_api::paths::session_heartbeat(&abandoned),
        &user.jwt,
        Some(&json!({"at": rfc3339(now - 40 * MINUTE_MS), "device_id": laptop})),
    );
    assert_eq!(beat.status, 200, "{}", beat.body);
    state::d1(&format!(
        "UPDATE time_sessions SET status = 'abandoned', end_ms = last_heartbeat_ms, \
         duration_seconds = (last_heartbeat_ms - start_ms) / 1000 \
         WHERE user_id = {} AND id = '{abandoned}'",
        user.user_id
    ));
    let active = running(&user, &desktop, now - 10 * MINUTE_MS);
    // A value no API route accepts, as an older version might have stored: a comma,
    // quotes and a line break must survive both formats.
    let awkward = uuid();
    state::d1(&format!(
        "INSERT INTO time_sessions (user_id, id, repo_owner, repo_name, pr_number, start_ms, \
         end_ms, duration_seconds, status, last_heartbeat_ms, tz_offset_minutes, device_id) \
         VALUES ({}, '{awkward}', 'we,\"ird', 'two\nlines', 5, {}, {}, 60, 'completed', {}, NULL, \
         '{LEGACY_DEVICE_ID}')",
        user.user_id,
        now - 6 * HOUR_MS,
        now - 6 * HOUR_MS + 60_000,
        now - 6 * HOUR_MS + 60_000,
    ));
    let theirs = completed(&other, Some(&uuid()), "alpha", now - 5 * HOUR_MS, now - 4 * HOUR_MS);

    let (pages, exported) = export_all(&user.jwt, 1000);
    assert_eq!(pages.len(), 1);
    let page = &pages[0];
    assert_eq!(page.format_version, 1);
    assert_eq!((page.user.id, page.user.username.as_str()), (user.user_id, user.login.as_str()));
    assert_eq!(page.user.github_user_id, user.github_id.to_string());
    assert!(page.user.created_at.is_some() && page.user.last_active.is_some(), "{:?}", page.user);
    // Exactly the sessions the API lists, oldest first, all devices and statuses.
    assert_eq!(exported, listed(&user.jwt));
    let summary: Vec<(&str, &str, SessionStatus)> =
        exported.iter().map(|s| (s.id.as_str(), s.device_id.as_str(), s.status)).collect();
    assert_eq!(
        summary,
        vec![
            (awkward.as_str(), LEGACY_DEVICE_ID, SessionStatus::Completed),
            (a.as_str(), laptop.as_str(), SessionStatus::Completed),
            (b.as_str(), desktop.as_str(), SessionStatus::Completed),
            (legacy.as_str(), LEGACY_DEVICE_ID, SessionStatus::Completed),
            (abandoned.as_str(), laptop.as_str(), SessionStatus::Abandoned),
            (active.as_str(), desktop.as_str(), SessionStatus::Active),
        ]
    );
    assert_eq!(exported[0].repo_owner, "we,\"ird");
    assert_eq!(exported[0].repo_name, "two\nlines");
    assert_eq!(exported[4].end_time.as_deref(), Some(rfc3339(now - 40 * MINUTE_MS).as_str()));
    assert_eq!(exported[5].end_time, None);
    // Nothing of the other user, and no secret.
    let raw = authed("GET", EXPORT, &user.jwt, None).body;
    assert!(!raw.contains(&theirs) && !raw.contains(&other.login), "{raw}");
    for secret in ["token_version", "ledger_version", "\"jwt\"", user.jwt.as_str()] {
        assert!(!raw.contains(secret), "{secret} in {raw}");
    }
    assert_eq!(export_all(&other.jwt, 1000).1.len(), 1);

    // CSV: the same sessions, RFC 4180.
    let answer = authed("GET", &format!("{EXPORT}?format=csv"), &user.jwt, None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        answer.header("content-disposition"),
        Some("attachment; filename=\"worktime-export.csv\"")
    );
    assert_eq!(answer.header("cache-control"), Some("private, no-store"));
    assert!(answer.header("link").is_none());
    assert!(answer.body.contains("\"we,\"\"ird\",\"two\nlines\""), "{}", answer.body);
    let records = parse_csv(&answer.body);
    assert_eq!(records[0], EXPORT_CSV_COLUMNS.iter().map(|c| c.to_string()).collect::<Vec<_>>());
    assert_eq!(records[1..], exported.iter().map(csv_row).collect::<Vec<_>>()[..]);
}

#[test]
fn the_export_pages_with_a_cursor_and_refuses_bad_parameters() {
    let user = new_user();
    let now = now_s_ms();
    let device = uuid();
    // Five sessions, two of them starting at the same second (the cursor breaks ties by id).
    for i in 0..4 {
        completed(
            &user,
            Some(&device),
            "paged",
            now - (10 - i) * HOUR_MS,
            now - (10 - i) * HOUR_MS + 60_000,
        );
    }
    completed(&user, Some(&uuid()), "paged", now - 10 * HOUR_MS, now - 9 * HOUR_MS);
    let all = listed(&user.jwt);
    assert_eq!(all.len(), 5);
    for limit in [1, 2, 4, 5] {
        let (pages, sessions) = export_all(&user.jwt, limit);
        assert_eq!(sessions, all, "limit {limit}");
        assert_eq!(
            pages.len() as i64,
            (5 + limit - 1) / limit,
            "limit {limit}: no empty last page"
        );
    }
    // CSV pages follow the Link header; each page is a CSV file with its header row.
    let mut path = format!("{EXPORT}?format=csv&limit=2");
    let mut rows = Vec::new();
    for _ in 0..10 {
        let answer = authed("GET", &path, &user.jwt, None);
        assert_eq!(answer.status, 200, "{}", answer.body);
        let records = parse_csv(&answer.body);
        assert_eq!(records[0][0], "id");
        rows.extend(records.into_iter().skip(1));
        let Some(link) = answer.header("link") else { break };
        let target = link.strip_prefix('<').and_then(|l| l.split_once(">; rel=\"next\""));
        path = target.unwrap_or_else(|| panic!("Link {link}")).0.to_owned();
        assert!(path.starts_with(&format!("{EXPORT}?format=csv&limit=2&cursor=")), "{path}");
    }
    assert_eq!(rows, all.iter().map(csv_row).collect::<Vec<_>>());

    for query in [
        "format=xml",
        "format=JSON",
        "format=",
        "cursor=nonsense",
        "cursor=12",
        "limit=0",
        "limit=1001",
        "since=1",
    ] {
        assert_error(
            &authed("GET", &format!("{EXPORT}?{query}"), &user.jwt, None),
            400,
            "invalid_request",
        );
    }
    assert_error(&call("GET", EXPORT, &[], None), 401, "unauthorized");
    assert_error(
        &call("GET", EXPORT, &[("Authorization", "Bearer nope")], None),
        401,
        "unauthorized",
    );
    assert_error(&authed("POST", EXPORT, &user.jwt, None), 405, "method_not_allowed");
}

#[test]
fn deleting_the_account_leaves_nothing_of_the_user_and_everything_of_others() {
    let (user, other) = (new_user(), new_user());
    let now = now_s_ms();
    // Rows in every table for both: sessions, statistics and op ids through /api/sync, a
    // running session, a sign-in ended by logout, and a key-value entry of wave 1's shape.
    for who in [&user, &other] {
        let (id, device) = (uuid(), uuid());
        let ops = json!({"ops": [
            {"op_id": uuid(), "type": "start", "session_id": id, "repo_owner": "octo", "repo_name": "gone",
             "pr_number": 1, "start_time": rfc3339(now - 3 * HOUR_MS), "device_id": device},
            {"op_id": uuid(), "type": "end", "session_id": id, "end_time": rfc3339(now - HOUR_MS), "device_id": device},
        ]});
        assert_eq!(authed("POST", SYNC, &who.jwt, Some(&ops)).status, 200);
        running(who, &device, now - 30 * MINUTE_MS);
        let second = sign_in(who.github_id, &who.login);
        assert_eq!(authed("POST", AUTH_LOGOUT, &second.jwt, None).status, 200);
    }
    // Another live sign-in of the user.
    let spare = sign_in(user.github_id, &user.login);
    // The KV entries after the sign-ins: each one deletes its user's.
    for who in [&user, &other] {
        state::kv_put(&format!("token:{}", who.user_id), "gho_wave1-token");
    }
    let tables = state::user_tables();
    for table in ["daily_stats", "hourly_stats", "revoked_sign_ins", "sync_ops", "time_sessions"] {
        assert!(tables.iter().any(|t| t == table), "{table} in {tables:?}");
    }
    let before = state::rows_of(user.user_id);
    for (table, rows) in &before {
        assert!(!rows.is_empty(), "the user has rows in {table}, so their deletion is tested");
    }
    let others_before = state::rows_of(other.user_id);
    let key = format!("token:{}", user.user_id);
    assert!(
        state::kv_keys(&key).contains(&key),
        "the user's KV entry exists, so its deletion is tested"
    );
    let mut socket = crate::live::open(&crate::live::ticket(&user.jwt)).expect("socket opens");

    let answer = authed("DELETE", ACCOUNT, &user.jwt, None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("cache-control"), Some("private, no-store"));
    let deleted: AccountDeleted = answer.parse();
    assert_eq!(deleted.user_id, user.user_id);
    assert_eq!(deleted.kv_keys, vec![key.clone()]);
    let count =
        |table: &str| before.iter().find(|(t, _)| t == table).map_or(0, |(_, r)| r.len() as i64);
    let d = deleted.deleted;
    assert_eq!(
        [d.users, d.sessions, d.daily_stats, d.hourly_stats, d.sync_ops, d.revoked_sign_ins],
        ["users", "time_sessions", "daily_stats", "hourly_stats", "sync_ops", "revoked_sign_ins"]
            .map(count)
    );

    // Nothing of the user is left in any table or in KV; the other user is untouched.
    for (table, rows) in state::rows_of(user.user_id) {
        assert!(rows.is_empty(), "{table} still holds {rows:?}");
    }
    let by_github = state::d1(&format!(
        "SELECT COUNT(*) AS n FROM users WHERE github_user_id = '{}'",
        user.github_id
    ));
    assert_eq!(by_github[0][0]["n"], 0);
    assert!(state::kv_keys(&key).iter().all(|k| *k != key), "{key} is still in KV");
    assert_eq!(state::rows_of(other.user_id), others_before, "the other user's rows changed");
    let other_key = format!("token:{}", other.user_id);
    assert!(state::kv_keys(&other_key).contains(&other_key), "the other user's KV entry is kept");
    assert_eq!(list_sessions(&other.jwt, "").total, 2);
    // The live socket closed as on a sign-out everywhere.
    assert_eq!(
        crate::live::close_code(&mut socket, Duration::from_secs(5)),
        Some(CLOSE_SIGNED_OUT)
    );

    // Every token of the deleted account gets 401, the second delete included.
    for jwt in [&user.jwt, &spare.jwt] {
        for (method, path) in
            [("GET", SESSIONS), ("GET", EXPORT), ("GET", STATS_DAILY), ("DELETE", ACCOUNT)]
        {
            assert_error(&authed(method, path, jwt, None), 401, "unauthorized");
        }
        assert_error(&authed("POST", AUTH_REFRESH, jwt, None), 401, "unauthorized");
        let start =
            json!({"id": uuid(), "repo_owner": "octo", "repo_name": "late", "pr_number": 1});
        assert_error(&authed("POST", SESSIONS_START, jwt, Some(&start)), 401, "unauthorized");
    }

    // Signing in again with the same GitHub account starts a new, empty account.
    let again = sign_in(user.github_id, &user.login);
    assert_ne!(again.user_id, user.user_id);
    let (_, sessions) = export_all(&again.jwt, 1000);
    assert!(sessions.is_empty(), "{sessions:?}");
    assert_eq!(list_sessions(&again.jwt, "").total, 0);
    assert!(state::rows_of(again.user_id).iter().all(|(t, rows)| t == "users" || rows.is_empty()));
    completed(&again, None, "fresh", now - HOUR_MS, now - HOUR_MS + 60_000);
    assert_eq!(export_all(&again.jwt, 1000).1.len(), 1);
}
