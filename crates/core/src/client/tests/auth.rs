//! The token: 401, 403, refresh, expiry, sign-out.

use worktime_api::auth::AuthResponse;
use worktime_api::paths;

use super::*;

fn renewal(jwt: &str, expires_at: i64) -> Outcome {
    let answer =
        AuthResponse { jwt: jwt.into(), expires_at: now(expires_at).to_rfc3339(), user: user() };
    http(200, &serde_json::to_string(&answer).expect("serializes"))
}

#[test]
fn a_401_keeps_the_queue_and_stops_until_a_new_token() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 1);
    let transmit = poll(&mut engine, T0);
    assert_eq!(transmit.bearer.as_deref(), Some("jwt-1"));
    engine.handle_response(
        now(T0),
        transmit.id,
        http(401, &error_body(ErrorCode::Unauthorized, "Sign in.")),
    );
    let status = engine.status(now(T0));
    assert!(status.sign_in_needed && !status.signed_in && !status.round_active);
    assert_eq!((status.pending_count, status.failed_count), (2, 0));
    assert_eq!(status.user, Some(user()));
    assert_eq!(engine.retry_at(), None);
    engine.request_sync(now(T0 + 60_000), SyncReason::Periodic);
    start(&mut engine, T0 + 60_000, 50);
    assert_eq!(engine.poll_transmit(now(T0 + 60_000)), None);
    engine.set_token("jwt-2".into(), now(T0 + 7 * DAY), user());
    assert!(!engine.status(now(T0)).sign_in_needed);
    engine.request_sync(now(T0 + 60_000), SyncReason::SignIn);
    let transmit = poll(&mut engine, T0 + 60_000);
    assert_eq!((transmit.bearer.as_deref(), sent_ids(&transmit).len()), (Some("jwt-2"), 3));
}

#[test]
fn a_401_for_a_replaced_token_does_not_sign_out_the_new_one() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 1);
    let transmit = poll(&mut engine, T0);
    engine.set_token("jwt-2".into(), now(T0 + 7 * DAY), user());
    engine.handle_response(now(T0), transmit.id, http(401, ""));
    assert!(!engine.status(now(T0)).sign_in_needed);
    assert_eq!(poll(&mut engine, T0).bearer.as_deref(), Some("jwt-2"));
}

#[test]
fn a_403_stops_the_round_and_is_surfaced() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 1);
    let transmit = poll(&mut engine, T0);
    let body = error_body(ErrorCode::Forbidden, "This account is suspended.");
    engine.handle_response(now(T0), transmit.id, http(403, &body));
    let status = engine.status(now(T0));
    assert!(!status.round_active && status.signed_in);
    let suspended = Failure::Http {
        status: 403,
        code: ErrorCode::Forbidden,
        message: "This account is suspended.".into(),
    };
    assert_eq!(status.last_error.as_ref(), Some(&suspended));
    assert_eq!((status.pending_count, status.failed_count), (2, 2));
    assert_eq!(status.failed_items[1].reason, suspended);
    assert_eq!(engine.poll_transmit(now(T0 + DAY)), None);
}

#[test]
fn a_token_expiring_within_a_day_is_refreshed_before_the_batch() {
    let mut engine = signed_out();
    engine.set_token("old".into(), now(T0 + DAY - 1), user());
    queue_sessions(&mut engine, T0, 1);
    let refresh = poll(&mut engine, T0);
    assert_eq!((refresh.method, refresh.path.as_str()), ("POST", paths::AUTH_REFRESH));
    assert_eq!((refresh.bearer.as_deref(), refresh.body.as_ref()), (Some("old"), None));
    assert_eq!(engine.poll_transmit(now(T0)), None, "one request at a time");
    engine.handle_response(now(T0), refresh.id, renewal("new", T0 + 7 * DAY));
    let sync = poll(&mut engine, T0);
    assert_eq!((sync.path.as_str(), sync.bearer.as_deref()), (paths::SYNC, Some("new")));
    engine.handle_response(now(T0), sync.id, all_applied(&sync));
    // A week left: no refresh before the next batch.
    start(&mut engine, T0 + 1_000, 50);
    assert_eq!(poll(&mut engine, T0 + 1_000).path, paths::SYNC);
}

#[test]
fn a_failed_refresh_carries_on_with_the_current_token_once_per_round() {
    for failure in [
        Outcome::NetworkError("offline".into()),
        http(503, ""),
        Outcome::Timeout,
        http(200, "nonsense"),
    ] {
        let mut engine = signed_out();
        engine.set_token("old".into(), now(T0 + 3_600_000), user());
        queue_sessions(&mut engine, T0, 1);
        let refresh = poll(&mut engine, T0);
        engine.handle_response(now(T0), refresh.id, failure);
        let sync = poll(&mut engine, T0);
        assert_eq!((sync.path.as_str(), sync.bearer.as_deref()), (paths::SYNC, Some("old")));
        engine.handle_response(now(T0), sync.id, http(503, ""));
        assert_eq!(poll(&mut engine, T0 + 1_000).path, paths::SYNC);
    }
}

#[test]
fn a_refused_refresh_asks_for_a_sign_in() {
    let mut engine = signed_out();
    engine.set_token("old".into(), now(T0 + 3_600_000), user());
    queue_sessions(&mut engine, T0, 1);
    let refresh = poll(&mut engine, T0);
    engine.handle_response(now(T0), refresh.id, http(401, ""));
    let status = engine.status(now(T0));
    assert!(status.sign_in_needed && !status.round_active);
    assert_eq!(status.pending_count, 2);
    assert_eq!(engine.poll_transmit(now(T0)), None);
}

#[test]
fn an_idle_engine_refreshes_on_the_periodic_alarm() {
    let mut engine = signed_out();
    engine.set_token("old".into(), now(T0 + 3_600_000), user());
    engine.request_sync(now(T0), SyncReason::Periodic);
    let refresh = poll(&mut engine, T0);
    assert_eq!(refresh.path, paths::AUTH_REFRESH);
    engine.handle_response(now(T0), refresh.id, renewal("new", T0 + 7 * DAY));
    assert_eq!(engine.poll_transmit(now(T0)), None);
    assert!(!engine.status(now(T0)).round_active);
    engine.request_sync(now(T0), SyncReason::Periodic);
    assert!(!engine.status(now(T0)).round_active, "nothing to do");
}

#[test]
fn an_expired_token_sends_nothing_and_asks_for_a_sign_in() {
    let mut engine = signed_out();
    engine.set_token("old".into(), now(T0), user());
    assert!(engine.status(now(T0)).sign_in_needed);
    assert!(engine.status(now(T0 - 1)).signed_in);
    assert_eq!(
        (engine.bearer(now(T0 - 1)).as_deref(), engine.bearer(now(T0))),
        (Some("old"), None)
    );
    queue_sessions(&mut engine, T0, 1);
    assert_eq!(engine.poll_transmit(now(T0)), None);
    let status = engine.status(now(T0));
    assert!(status.sign_in_needed && !status.signed_in && !status.round_active);
    assert_eq!((status.pending_count, status.failed_count), (2, 0));
}

#[test]
fn sign_out_keeps_the_queue_and_tracking_continues() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 1);
    engine.sign_out();
    start(&mut engine, T0 + 1_000, 50);
    let status = engine.status(now(T0));
    assert!(!status.signed_in && !status.sign_in_needed && !status.round_active);
    assert_eq!((status.pending_count, status.user), (3, None));
    assert_eq!(engine.poll_transmit(now(T0)), None);
    engine.set_token("jwt-2".into(), now(T0 + 7 * DAY), user());
    engine.request_sync(now(T0), SyncReason::SignIn);
    assert_eq!(sent_ids(&poll(&mut engine, T0)).len(), 3);
}

#[test]
fn a_refused_token_is_dropped_only_while_it_is_the_one_held() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 1);
    assert!(!engine.token_refused("jwt-0", refused("HTTP 401")), "an older token");
    assert!(engine.status(now(T0)).signed_in);
    assert!(engine.token_refused("jwt-1", refused("signed out")));
    let status = engine.status(now(T0));
    assert!(status.sign_in_needed && !status.signed_in && !status.round_active);
    assert_eq!((status.pending_count, status.user), (2, Some(user())));
    assert_eq!(status.last_error, Some(refused("signed out")));
    assert_eq!(engine.poll_transmit(now(T0)), None);
    assert!(!engine.token_refused("jwt-1", refused("again")), "nothing left to drop");
}

#[test]
fn signing_out_here_is_best_effort_and_keeps_the_queue() {
    let logout = |engine: &Engine| engine.sign_out_request(SignOutScope::ThisSignIn);
    for (outcome, confirmed) in [
        (http(200, r#"{"signed_out":"this_sign_in"}"#), true),
        (http(401, ""), true),
        (http(503, ""), false),
        (Outcome::NetworkError("offline".into()), false),
        (Outcome::Timeout, false),
    ] {
        let mut engine = signed_in();
        queue_sessions(&mut engine, T0, 1);
        let request = logout(&engine).expect("a token to end");
        assert_eq!((request.method, request.path.as_str()), ("POST", paths::AUTH_LOGOUT));
        assert_eq!((request.bearer.as_deref(), request.body.as_ref()), (Some("jwt-1"), None));
        let result = engine.finish_sign_out(SignOutScope::ThisSignIn, Some(&outcome));
        assert_eq!(result == SignOutResult::Done, confirmed, "{outcome:?}: {result:?}");
        let status = engine.status(now(T0));
        assert!(
            !status.signed_in && !status.sign_in_needed && status.user.is_none(),
            "{outcome:?}"
        );
        assert_eq!(status.pending_count, 2);
    }
    // Without a token (e.g. after a 401) there is nothing to send: signed out all the same.
    let mut engine = signed_in();
    engine.token_refused("jwt-1", refused("HTTP 401"));
    assert_eq!(logout(&engine), None);
    assert!(matches!(
        engine.finish_sign_out(SignOutScope::ThisSignIn, None),
        SignOutResult::LocalOnly(_)
    ));
    assert!(engine.status(now(T0)).user.is_none());
}

#[test]
fn signing_out_everywhere_needs_the_servers_confirmation() {
    let mut engine = signed_in();
    let request = engine.sign_out_request(SignOutScope::Everywhere).expect("a token");
    assert_eq!(request.path, paths::AUTH_LOGOUT_ALL);
    for failure in
        [http(503, ""), http(429, ""), Outcome::NetworkError("offline".into()), Outcome::Timeout]
    {
        let result = engine.finish_sign_out(SignOutScope::Everywhere, Some(&failure));
        assert!(matches!(result, SignOutResult::NotDone(_)), "{failure:?}: {result:?}");
        assert!(engine.status(now(T0)).signed_in, "still signed in to try again");
    }
    let done = http(200, r#"{"signed_out":"everywhere"}"#);
    assert_eq!(engine.finish_sign_out(SignOutScope::Everywhere, Some(&done)), SignOutResult::Done);
    assert!(!engine.status(now(T0)).signed_in);
    // A token the server no longer knows: signed out here, but the others are not.
    let mut engine = signed_in();
    let result = engine.finish_sign_out(SignOutScope::Everywhere, Some(&http(401, "")));
    assert!(matches!(result, SignOutResult::LocalOnly(_)), "{result:?}");
    assert!(!engine.status(now(T0)).signed_in);
    assert!(matches!(
        signed_out().finish_sign_out(SignOutScope::Everywhere, None),
        SignOutResult::NotDone(_)
    ));
}

fn refused(message: &str) -> Failure {
    Failure::Http { status: 401, code: ErrorCode::Unauthorized, message: message.into() }
}

#[test]
fn a_sign_in_answer_installs_its_token_and_starts_a_round() {
    let mut engine = signed_out();
    start(&mut engine, T0, 1);
    assert!(!engine.sign_in_answered(now(T0), "<html>"), "not an AuthResponse");
    assert!(!engine.sign_in_answered(
        now(T0),
        r#"{"jwt":"j","expires_at":"tomorrow","user":{"id":7,"username":"octo","avatar_url":null}}"#
    ));
    assert!(!engine.status(now(T0)).signed_in);
    let body = r#"{"jwt":"jwt-9","expires_at":"2026-11-25T11:06:40Z","user":{"id":7,"username":"octo","avatar_url":null}}"#;
    assert!(engine.sign_in_answered(now(T0), body));
    let status = engine.status(now(T0));
    assert!(status.signed_in && status.round_reason == Some(SyncReason::SignIn));
    assert_eq!(engine.poll_transmit(now(T0)).and_then(|t| t.bearer).as_deref(), Some("jwt-9"));
}

#[test]
fn a_deleted_account_leaves_nothing_but_the_installation() {
    let mut engine = signed_in();
    engine.adopt_device_id(&uuid(77)).expect("device id");
    queue_sessions(&mut engine, T0, 2);
    start(&mut engine, T0 + 1_000, 9);
    let sent = poll(&mut engine, T0 + 1_000);
    engine.forget_account();
    let status = engine.status(now(T0 + 2_000));
    assert_eq!((status.pending_count, status.signed_in, status.user), (0, false, None));
    assert!(engine.history(10, 0).is_empty() && engine.active_session().is_none());
    assert_eq!(engine.device_id(), Some(uuid(77).as_str()), "the installation keeps its id");
    // The answer to a request sent before is ignored, and nothing is sent any more.
    engine.handle_response(now(T0 + 2_000), sent.id, all_applied(&sent));
    assert_eq!(engine.poll_transmit(now(T0 + 3_000)), None);
    assert!(engine.snapshot().contains(&uuid(77)));
}
