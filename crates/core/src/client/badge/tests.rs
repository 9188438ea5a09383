use super::super::status::RejectedItem;
use super::*;
use worktime_api::auth::User;
use worktime_api::sync::OpType;
use worktime_api::ErrorCode;

const T0: i64 = 1_795_000_000_000;

fn status(signed_in: bool, pending: usize) -> Status {
    Status {
        pending_count: pending,
        failed_count: 0,
        failed_items: vec![],
        failed_items_hidden: 0,
        rejected_items: vec![],
        signed_in,
        sign_in_needed: false,
        user: signed_in.then(|| User { id: 1, username: "octo".into(), avatar_url: None }),
        last_sync_ms: None,
        next_retry_ms: None,
        last_error: None,
        round_active: false,
        round_reason: None,
        recovery: None,
    }
}

fn running(start_ms: i64) -> LocalSession {
    LocalSession {
        session_id: "s".into(),
        repo_owner: "octo".into(),
        repo_name: "hello".into(),
        pr_number: 42,
        tz_offset_minutes: None,
        start_ms,
        end_ms: None,
        duration_seconds: None,
        last_heartbeat_ms: start_ms,
        last_sent_heartbeat_ms: start_ms,
        sync_state: super::super::tracking::SyncState::Synced,
        pr_url: None,
    }
}

fn rejected(at_ms: i64) -> RejectedItem {
    RejectedItem {
        op_id: "o".into(),
        session_id: "s".into(),
        op_type: OpType::End,
        code: ErrorCode::ValidationFailed,
        message: "no".into(),
        rejected_ms: at_ms,
    }
}

#[test]
fn tracking_shows_the_minutes_on_the_current_pr() {
    let session = running(T0);
    let at = |minutes: i64| {
        badge(
            &status(true, 0),
            Some(true),
            Some(&session),
            false,
            UnixMillis(T0 + minutes * 60_000 + 59_000),
        )
    };
    assert_eq!(at(0).text, "0m");
    assert_eq!(at(12).text, "12m");
    assert_eq!(at(65).text, "1h05");
    assert_eq!(at(600).text, "10h");
    let twelve = at(12);
    assert_eq!(twelve.state, BadgeState::Tracking);
    assert_eq!(twelve.title, "WorkTime: tracking octo/hello#42 for 12 min");
    assert!(twelve.text.chars().count() <= 4);
}

#[test]
fn one_state_wins_in_order() {
    let now = UnixMillis(T0 + 60_000);
    let session = running(T0);
    let mut s = status(true, 3);
    s.rejected_items = vec![rejected(T0)];
    assert_eq!(
        badge(&status(false, 3), Some(false), Some(&session), true, now).state,
        BadgeState::SignInNeeded
    );
    assert_eq!(badge(&s, Some(false), Some(&session), true, now).state, BadgeState::Rejected);
    assert_eq!(
        badge(&status(true, 3), Some(false), Some(&session), true, now).state,
        BadgeState::Offline
    );
    assert_eq!(
        badge(&status(true, 0), Some(false), Some(&session), true, now).state,
        BadgeState::Paused
    );
    assert_eq!(
        badge(&status(true, 3), Some(true), Some(&session), false, now).state,
        BadgeState::Tracking
    );
    assert_eq!(badge(&status(true, 0), None, None, false, now).state, BadgeState::Idle);
    assert_eq!(badge(&status(true, 0), None, None, false, now).text, "");
}

#[test]
fn offline_shows_the_pending_count_and_the_title_says_what_waits() {
    let now = UnixMillis(T0);
    let offline = badge(&status(true, 12), Some(false), None, false, now);
    assert_eq!((offline.text.as_str(), offline.color.as_str()), ("12", "#9a6700"));
    assert_eq!(offline.title, "WorkTime: offline · 12 changes waiting to sync");
    assert_eq!(badge(&status(true, 5000), Some(false), None, false, now).text, "999+");
    assert_eq!(badge(&status(true, 1), Some(false), None, false, now).text, "1");
    assert_eq!(badge(&status(true, 0), Some(false), None, false, now).state, BadgeState::Idle);
    let mut gave_up = status(true, 2);
    gave_up.failed_count = 2;
    assert_eq!(badge(&gave_up, Some(true), None, false, now).state, BadgeState::Offline);
    assert_eq!(
        badge(&status(true, 1), None, None, false, now).title,
        "WorkTime: not tracking · 1 change waiting to sync"
    );
}

#[test]
fn a_rejection_shows_for_a_day() {
    let mut s = status(true, 0);
    s.rejected_items = vec![rejected(T0)];
    assert_eq!(
        badge(&s, Some(true), None, false, UnixMillis(T0 + REJECTION_SHOWN_MS - 1)).state,
        BadgeState::Rejected
    );
    assert_eq!(
        badge(&s, Some(true), None, false, UnixMillis(T0 + REJECTION_SHOWN_MS)).state,
        BadgeState::Idle
    );
}

#[test]
fn sign_in_needed_says_whether_it_is_again() {
    let mut s = status(false, 0);
    assert_eq!(
        badge(&s, None, None, false, UnixMillis(T0)).title,
        "WorkTime: sign in to sync your time"
    );
    s.sign_in_needed = true;
    let again = badge(&s, None, None, false, UnixMillis(T0));
    assert_eq!(
        (again.text.as_str(), again.title.as_str()),
        ("!", "WorkTime: sign in again to sync")
    );
}
