//! Reading the formats older builds wrote, by migrating their JSON one version at a
//! time up to the current format's shape. Versions 1 and 2 were serde dumps of the
//! engine's internals, `{"version":N,"state":{…}}`; their fields are listed in
//! `tests/snapshots/v1.json` and `v2.json`, the golden files those builds wrote.

use serde_json::{json, Map, Value};

use super::super::config::EngineConfig;
use super::super::failure::Failure;

/// Version 1 → 2: no device id anywhere yet (both become `null`, so the sessions stay
/// with the legacy device they were sent as).
pub(super) fn v1_to_v2(value: &mut Value) {
    if let Some(version) = value.get_mut("version") {
        *version = json!(2);
    }
    let Some(tracker) = value.pointer_mut("/state/tracker").and_then(Value::as_object_mut) else {
        return;
    };
    tracker.insert("device_id".into(), Value::Null);
    if let Some(history) = tracker.get_mut("history").and_then(Value::as_array_mut) {
        for record in history.iter_mut().filter_map(Value::as_object_mut) {
            record.insert("device_id".into(), Value::Null);
        }
    }
}

/// Version 2 → 3: the explicit layout; failure texts become typed failures; fields
/// version 2 added inside its own lifetime get the values their `serde(default)` gave;
/// the never-read `round.started_ms` goes. Returns `None` when `state` is missing.
pub(super) fn v2_to_v3(value: Value) -> Option<Value> {
    let Value::Object(mut outer) = value else { return None };
    let Value::Object(mut state) = outer.remove("state")? else { return None };
    let mut take = |key: &str| state.remove(key).unwrap_or(Value::Null);

    let mut config = default_config();
    if let (Value::Object(config), Value::Object(written)) = (&mut config, take("config")) {
        config.extend(written);
    }

    let mut auth = take("auth");
    let token = auth.get_mut("token").map(Value::take).unwrap_or(Value::Null);
    let auth = json!({
        "jwt": token.get("jwt"),
        "expires_at_ms": token.get("expires_at_ms"),
        "user": auth.get("user"),
        "sign_in_needed": auth.get("sign_in_needed"),
        "epoch": auth.get("epoch"),
    });

    let mut tracker = take("tracker");
    let mut history = tracker.get_mut("history").map(Value::take).unwrap_or(json!([]));
    for record in history.as_array_mut().into_iter().flatten() {
        if let Some(record) = record.as_object_mut() {
            record.entry("sent_heartbeat_ms").or_insert(json!(0));
        }
    }

    let mut queue = take("queue");
    let mut ops = queue.get_mut("ops").map(Value::take).unwrap_or(json!([]));
    for queued in ops.as_array_mut().into_iter().flatten() {
        if let Some(queued) = queued.as_object_mut() {
            let failed = queued.remove("failed").unwrap_or(Value::Null);
            queued.insert("failed".into(), failure_of(&failed));
        }
    }

    let mut rejected = take("rejected");
    let rejected = rejected.get_mut("items").map(Value::take).unwrap_or(json!([]));

    let round = match take("round") {
        Value::Object(round) => round_of(round),
        _ => Value::Null,
    };

    Some(json!({
        "version": 3,
        "config": config,
        "auth": auth,
        "device_id": tracker.get("device_id"),
        "tracking": tracker.get("active"),
        "history": history,
        "queue": ops,
        "rejected": rejected,
        "round": round,
        "next_request_id": take("next_request_id"),
        "last_sync_ms": take("last_sync_ms"),
        "last_request_ms": take("last_request_ms"),
        "last_error": failure_of(&take("last_error")),
        "timers": {"sync_at_ms": null, "heartbeat_fired_ms": null},
        "recovery": null,
    }))
}

fn round_of(mut round: Map<String, Value>) -> Value {
    let retry = round.remove("retry").unwrap_or(Value::Null);
    json!({
        "reason": round.remove("reason"),
        "retries": retry.get("retries"),
        "wait_until_ms": retry.get("wait_until_ms"),
        "server_wait": retry.get("server_wait").cloned().unwrap_or(json!(false)),
        "refresh_tried": round.remove("refresh_tried"),
        "split": round.remove("split"),
        "deferred": round.remove("deferred").unwrap_or(json!(false)),
    })
}

/// A stored failure text as a typed failure (`null` stays `null`).
fn failure_of(text: &Value) -> Value {
    match text.as_str() {
        Some(text) => serde_json::to_value(Failure::from_legacy_text(text)).unwrap_or(Value::Null),
        None => Value::Null,
    }
}

/// The product's configuration as the current format writes it: fields an older
/// snapshot lacks take these values.
fn default_config() -> Value {
    let state = super::super::state::State::new(EngineConfig::default());
    serde_json::to_value(super::v3::SnapshotV3::of(&state).config).unwrap_or(json!({}))
}
