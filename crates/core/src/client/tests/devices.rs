//! Devices and bounds: the device id every op carries, version-1 snapshots from before
//! device ids, and the 24-hour cap on a tracked session.

use worktime_api::sync::OpType;

use super::*;

const LAPTOP: &str = "11111111-1111-4111-8111-111111111111";
const DESKTOP: &str = "22222222-2222-4222-8222-222222222222";
const HOUR: i64 = 60 * 60 * 1000;

/// Signs in and returns the ops of the first request: everything queued (fewer than a
/// hundred ops), as the server receives them.
fn sent_after_sign_in(engine: &mut Engine, at: i64) -> Vec<SyncOp> {
    engine.set_token("jwt".into(), now(at + 7 * DAY), user());
    engine.request_sync(now(at), SyncReason::SignIn);
    sent_ops(&poll(engine, at))
}

fn kinds(ops: &[SyncOp]) -> Vec<(OpType, String, Option<String>)> {
    ops.iter().map(|op| (op.op_type, op.session_id.clone(), op.device_id.clone())).collect()
}

#[test]
fn ops_name_no_device_until_the_engine_adopts_one() {
    let mut engine = signed_out();
    assert_eq!(engine.device_id(), None);
    start(&mut engine, T0, 1);
    engine.heartbeat(now(T0 + 60_000), uuid(2)).expect("beats");
    engine.end_session(now(T0 + 120_000), uuid(3)).expect("ends");
    let ops = sent_after_sign_in(&mut engine, T0 + 120_000);
    assert_eq!(ops.len(), 2);
    assert!(ops.iter().all(|op| op.device_id.is_none()), "the legacy device: {ops:?}");
}

#[test]
fn every_op_after_adopt_device_id_carries_it() {
    let mut engine = signed_out();
    assert_eq!(engine.adopt_device_id(&LAPTOP.to_uppercase()), Ok(LAPTOP.to_owned()));
    assert_eq!(engine.device_id(), Some(LAPTOP));
    start(&mut engine, T0, 1);
    engine.heartbeat(now(T0 + 60_000), uuid(2)).expect("beats");
    start(&mut engine, T0 + 120_000, 3);
    engine.heartbeat(now(T0 + 180_000), uuid(4)).expect("beats");
    engine.end_session(now(T0 + 240_000), uuid(5)).expect("ends");
    let laptop = Some(LAPTOP.to_owned());
    let ops = sent_after_sign_in(&mut engine, T0 + 240_000);
    assert_eq!(
        kinds(&ops),
        [
            (OpType::Start, uuid(1_001), laptop.clone()),
            (OpType::End, uuid(1_001), laptop.clone()),
            (OpType::Start, uuid(1_003), laptop.clone()),
            (OpType::End, uuid(1_003), laptop.clone()),
        ]
    );
    assert_eq!(ops[1].op_id, implicit_end_op_id(&uuid(3)), "the implicit end carries it too");
}

#[test]
fn a_queued_heartbeat_names_the_device() {
    let mut engine = unthrottled();
    engine.adopt_device_id(DESKTOP).expect("a UUID");
    start(&mut engine, T0, 1);
    engine.heartbeat(now(T0 + 60_000), uuid(2)).expect("beats");
    let ops = sent_after_sign_in(&mut engine, T0 + 60_000);
    let desktop = Some(DESKTOP.to_owned());
    assert_eq!(
        kinds(&ops),
        [(OpType::Start, uuid(1_001), desktop.clone()), (OpType::Heartbeat, uuid(1_001), desktop)]
    );
}

#[test]
fn the_first_adopted_device_id_is_kept_and_a_bad_one_is_refused() {
    let mut engine = signed_out();
    assert!(matches!(engine.adopt_device_id("laptop"), Err(TrackingError::Invalid(_))));
    assert_eq!(engine.device_id(), None);
    assert_eq!(engine.adopt_device_id(LAPTOP), Ok(LAPTOP.to_owned()));
    assert_eq!(
        engine.adopt_device_id(DESKTOP),
        Ok(LAPTOP.to_owned()),
        "later calls change nothing"
    );
    assert_eq!(engine.adopt_device_id("not-a-uuid"), Ok(LAPTOP.to_owned()));
    assert_eq!(engine.device_id(), Some(LAPTOP));
    let mut restored = Engine::restore(&engine.snapshot()).expect("restores");
    assert_eq!(restored.device_id(), Some(LAPTOP), "the device id travels in the snapshot");
    assert_eq!(restored.adopt_device_id(DESKTOP), Ok(LAPTOP.to_owned()));
}

#[test]
fn a_session_started_before_the_device_id_keeps_the_legacy_device_to_its_end() {
    let mut engine = signed_out();
    start(&mut engine, T0, 1);
    engine.adopt_device_id(LAPTOP).expect("a UUID");
    engine.heartbeat(now(T0 + 60_000), uuid(2)).expect("beats");
    start(&mut engine, T0 + 120_000, 3);
    engine.end_session(now(T0 + 180_000), uuid(4)).expect("ends");
    let laptop = Some(LAPTOP.to_owned());
    let ops = sent_after_sign_in(&mut engine, T0 + 180_000);
    assert_eq!(
        kinds(&ops),
        [
            (OpType::Start, uuid(1_001), None),
            (OpType::End, uuid(1_001), None),
            (OpType::Start, uuid(1_003), laptop.clone()),
            (OpType::End, uuid(1_003), laptop),
        ]
    );
}

/// What a wave-1 build (snapshot version 1, no device ids) persisted: signed in, one
/// ended session, one active session with a queued heartbeat, a round under way.
const VERSION_1_SNAPSHOT: &str = r#"{"version":1,"state":{
  "config":{"batch_size":100,"backoff_steps_ms":[1000,2000,4000,8000,16000],"default_retry_after_ms":1000,
    "max_retry_after_ms":3600000,"refresh_window_ms":86400000,"history_limit":100,"rejected_limit":50,"failed_items_shown":50},
  "auth":{"token":{"jwt":"jwt-1","expires_at_ms":1795604800000},"user":{"id":7,"username":"octo","avatar_url":null},
    "sign_in_needed":false,"epoch":1},
  "tracker":{"active":true,"history":[
    {"session_id":"00000000-0000-4000-8000-0000000003eb","repo_owner":"octo","repo_name":"hello","pr_number":42,
     "tz_offset_minutes":60,"start_ms":1795000120000,"end_ms":null,"last_heartbeat_ms":1795000180000,"rejected":false},
    {"session_id":"00000000-0000-4000-8000-0000000003e9","repo_owner":"octo","repo_name":"hello","pr_number":42,
     "tz_offset_minutes":60,"start_ms":1795000000000,"end_ms":1795000060000,"last_heartbeat_ms":1795000000000,"rejected":false}]},
  "queue":{"ops":[
    {"op":{"op_id":"00000000-0000-4000-8000-000000000001","type":"start","session_id":"00000000-0000-4000-8000-0000000003e9",
       "repo_owner":"octo","repo_name":"hello","pr_number":42,"start_time":"2026-11-18T11:06:40Z","tz_offset_minutes":60},
     "enqueued_ms":1795000000000},
    {"op":{"op_id":"00000000-0000-4000-8000-000000000002","type":"end","session_id":"00000000-0000-4000-8000-0000000003e9",
       "end_time":"2026-11-18T11:07:40Z"},"enqueued_ms":1795000060000},
    {"op":{"op_id":"00000000-0000-4000-8000-000000000003","type":"start","session_id":"00000000-0000-4000-8000-0000000003eb",
       "repo_owner":"octo","repo_name":"hello","pr_number":42,"start_time":"2026-11-18T11:08:40Z","tz_offset_minutes":60},
     "enqueued_ms":1795000120000},
    {"op":{"op_id":"00000000-0000-4000-8000-000000000004","type":"heartbeat","session_id":"00000000-0000-4000-8000-0000000003eb",
       "at":"2026-11-18T11:09:40Z"},"enqueued_ms":1795000180000}]},
  "rejected":{"items":[]},
  "round":{"reason":"enqueued","started_ms":1795000000000,"retry":{"retries":0,"wait_until_ms":null,"server_wait":false},
    "refresh_tried":false,"split":[]},
  "next_request_id":1,"last_sync_ms":null,"last_error":null}}"#;

#[test]
fn a_version_1_snapshot_restores_and_its_queued_ops_keep_no_device_id() {
    let mut engine = Engine::restore(VERSION_1_SNAPSHOT).expect("a version-1 snapshot restores");
    assert_eq!(engine.device_id(), None);
    let active = engine.active_session().expect("still active");
    assert_eq!(
        (active.session_id.as_str(), active.last_heartbeat_ms),
        (uuid(1_003).as_str(), T0 + 180_000)
    );
    assert_eq!(engine.history(10, 0).len(), 2);
    assert_eq!(engine.status(now(T0)).pending_count, 4);
    let rewritten: serde_json::Value = serde_json::from_str(&engine.snapshot()).expect("JSON");
    assert_eq!(rewritten["version"], SNAPSHOT_VERSION, "written back in the current format");
    // The shell adopts a device id after the upgrade; the session started before it
    // ends as the legacy device, the next one is the laptop's.
    engine.adopt_device_id(LAPTOP).expect("a UUID");
    start(&mut engine, T0 + 240_000, 5);
    let transmit = poll(&mut engine, T0 + 240_000);
    let laptop = Some(LAPTOP.to_owned());
    assert_eq!(
        kinds(&sent_ops(&transmit)),
        [
            (OpType::Start, uuid(1_001), None),
            (OpType::End, uuid(1_001), None),
            (OpType::Start, uuid(1_003), None),
            (OpType::End, uuid(1_003), None),
            (OpType::Start, uuid(1_005), laptop),
        ]
    );
    engine.handle_response(now(T0 + 240_000), transmit.id, all_applied(&transmit));
    assert_eq!(engine.status(now(T0)).pending_count, 0);
}

// --- the 24-hour cap ---

#[test]
fn an_end_after_more_than_a_day_is_capped_at_24_hours() {
    let mut engine = unthrottled();
    start(&mut engine, T0, 1);
    let ended = engine.end_session(now(T0 + 3 * DAY), uuid(2)).expect("ends");
    assert_eq!((ended.end_ms, ended.duration_seconds), (Some(T0 + DAY), Some(24 * 3600)));
    let ops = sent_after_sign_in(&mut engine, T0 + 3 * DAY);
    assert_eq!(ops[1].end_time.as_deref(), Some("2026-11-19T11:06:40Z"));
}

#[test]
fn a_start_after_a_forgotten_session_ends_it_at_24_hours() {
    let mut engine = unthrottled();
    start(&mut engine, T0, 1);
    start(&mut engine, T0 + 2 * DAY, 3);
    let history = engine.history(10, 0);
    assert_eq!(history[1].end_ms, Some(T0 + DAY));
    assert_eq!(history[0].start_ms, T0 + 2 * DAY);
    let ops = sent_after_sign_in(&mut engine, T0 + 2 * DAY);
    assert_eq!(ops[1].end_time.as_deref(), Some("2026-11-19T11:06:40Z"));
    assert_eq!(ops[2].start_time.as_deref(), Some("2026-11-20T11:06:40Z"));
}

#[test]
fn a_heartbeat_at_24_hours_ends_the_session_instead() {
    let mut engine = unthrottled();
    engine.adopt_device_id(LAPTOP).expect("a UUID");
    start(&mut engine, T0, 1);
    engine.heartbeat(now(T0 + DAY - 1_000), uuid(2)).expect("beats just before");
    assert_eq!(engine.active_session().map(|s| s.last_heartbeat_ms), Some(T0 + DAY - 1_000));
    engine.heartbeat(now(T0 + DAY + 30 * 60_000), uuid(3)).expect("ends");
    assert_eq!(engine.active_session(), None);
    let history = engine.history(10, 0);
    assert_eq!((history[0].end_ms, history[0].duration_seconds), (Some(T0 + DAY), Some(24 * 3600)));
    assert_eq!(
        engine.heartbeat(now(T0 + DAY + HOUR), uuid(4)),
        Err(TrackingError::NoActiveSession)
    );
    // The op is the session's end (its queued heartbeat dropped), from the same device.
    let ops = sent_after_sign_in(&mut engine, T0 + DAY + HOUR);
    let laptop = Some(LAPTOP.to_owned());
    assert_eq!(
        kinds(&ops),
        [(OpType::Start, uuid(1_001), laptop.clone()), (OpType::End, uuid(1_001), laptop)]
    );
    assert_eq!(
        (ops[1].op_id.as_str(), ops[1].end_time.as_deref()),
        (uuid(3).as_str(), Some("2026-11-19T11:06:40Z"))
    );
}

#[test]
fn a_heartbeat_exactly_24_hours_after_the_start_ends_it_there() {
    let mut engine = unthrottled();
    start(&mut engine, T0, 1);
    engine.heartbeat(now(T0 + DAY + 999), uuid(2)).expect("ends");
    assert_eq!(engine.active_session(), None);
    assert_eq!(engine.history(1, 0)[0].end_ms, Some(T0 + DAY));
}
