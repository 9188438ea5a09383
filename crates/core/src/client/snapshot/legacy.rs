//! Reading the formats older builds wrote, by migrating their JSON one version at a
//! time up to the current format's shape. Versions 1 and 2 were serde dumps of the
//! engine's internals, `{"version":N,"state":{…}}`; their fields are listed in
//! `tests/snapshots/v1.json` and `v2.json`, the golden files those builds wrote.

use serde_json::{Map, Value};

use super::super::config::EngineConfig;
use super::super::failure::Failure;

/// Version 1 → 2: no device id anywhere yet (both become `null`, so the sessions stay
/// with the legacy device they were sent as).
pub(super) fn v1_to_v2(value: &mut Value) {
    if let Some(version) = value.get_mut("version") {
        *version = Value::from(2);
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

/// Version 3 → 4: no pause yet.
pub(super) fn v3_to_v4(value: &mut Value) {
    if let Some(snapshot) = value.as_object_mut() {
        snapshot.insert("version".into(), Value::from(4));
        snapshot.insert("pause".into(), Value::Null);
    }
}

/// Version 2 → 3: the explicit layout; failure texts become typed failures; fields
/// version 2 added inside its own lifetime get the values their `serde(default)` gave;
/// the never-read `round.started_ms` goes. Returns `None` when `state` is missing.
/// (Built with plain `Map` moves, not `json!`, which would add a serializer per field to
/// the SDK's wasm.)
pub(super) fn v2_to_v3(value: Value) -> Option<Value> {
    let Value::Object(mut outer) = value else { return None };
    let Value::Object(mut state) = outer.remove("state")? else { return None };
    let mut take = |key: &str| state.remove(key).unwrap_or(Value::Null);

    let mut config = default_config();
    if let (Value::Object(config), Value::Object(written)) = (&mut config, take("config")) {
        config.extend(written);
    }
    let mut auth = take("auth");
    let mut token = field(&mut auth, "token");
    let auth = object([
        ("jwt", field(&mut token, "jwt")),
        ("expires_at_ms", field(&mut token, "expires_at_ms")),
        ("user", field(&mut auth, "user")),
        ("sign_in_needed", field(&mut auth, "sign_in_needed")),
        ("epoch", field(&mut auth, "epoch")),
    ]);
    let mut tracker = take("tracker");
    let mut history = field(&mut tracker, "history");
    for record in history.as_array_mut().into_iter().flatten().filter_map(Value::as_object_mut) {
        record.entry("sent_heartbeat_ms").or_insert(Value::from(0));
    }
    let mut ops = field(&mut take("queue"), "ops");
    for queued in ops.as_array_mut().into_iter().flatten().filter_map(Value::as_object_mut) {
        let failed = queued.remove("failed").unwrap_or(Value::Null);
        queued.insert("failed".into(), failure_of(&failed));
    }
    let mut round = take("round");
    let round = if round.is_object() {
        let mut retry = field(&mut round, "retry");
        object([
            ("reason", field(&mut round, "reason")),
            ("retries", field(&mut retry, "retries")),
            ("wait_until_ms", field(&mut retry, "wait_until_ms")),
            ("server_wait", or_false(field(&mut retry, "server_wait"))),
            ("refresh_tried", field(&mut round, "refresh_tried")),
            ("split", field(&mut round, "split")),
            ("deferred", or_false(field(&mut round, "deferred"))),
        ])
    } else {
        Value::Null
    };
    let timers = object([("sync_at_ms", Value::Null), ("heartbeat_fired_ms", Value::Null)]);
    Some(object([
        ("version", Value::from(3)),
        ("config", config),
        ("auth", auth),
        ("device_id", field(&mut tracker, "device_id")),
        ("tracking", field(&mut tracker, "active")),
        ("history", or_empty(history)),
        ("queue", or_empty(ops)),
        ("rejected", or_empty(field(&mut take("rejected"), "items"))),
        ("round", round),
        ("next_request_id", take("next_request_id")),
        ("last_sync_ms", take("last_sync_ms")),
        ("last_request_ms", take("last_request_ms")),
        ("last_error", failure_of(&take("last_error"))),
        ("timers", timers),
        ("recovery", Value::Null),
    ]))
}

/// Takes `key` out of `value` (null when absent or `value` is not an object).
fn field(value: &mut Value, key: &str) -> Value {
    value.as_object_mut().and_then(|map| map.remove(key)).unwrap_or(Value::Null)
}

fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(
        pairs.into_iter().map(|(key, value)| (key.to_owned(), value)).collect::<Map<_, _>>(),
    )
}

fn or_false(value: Value) -> Value {
    if value.is_null() {
        Value::Bool(false)
    } else {
        value
    }
}

fn or_empty(value: Value) -> Value {
    if value.is_null() {
        Value::Array(Vec::new())
    } else {
        value
    }
}

/// A stored failure text as a typed failure (`null` stays `null`).
fn failure_of(text: &Value) -> Value {
    match text.as_str() {
        Some(text) => reparsed(&Failure::from_legacy_text(text)),
        None => Value::Null,
    }
}

/// The product's configuration as the current format writes it: fields an older
/// snapshot lacks take these values.
fn default_config() -> Value {
    let state = super::super::state::State::new(EngineConfig::default());
    reparsed(&super::v4::SnapshotV4::of(&state).config)
}

/// `value` as a JSON value, through text: the serializer and parser the SDK has anyway,
/// not a second, `Value`-specific copy of either (a size matter in the wasm).
fn reparsed<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_string(value)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}
