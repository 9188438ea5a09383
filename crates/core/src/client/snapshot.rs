//! The persisted state as a versioned JSON snapshot, and recovery from one that cannot
//! be read.
//!
//! The MV3 service worker can be killed at any moment, so everything the engine knows
//! except the request in flight is written as a snapshot. A request in flight when the
//! snapshot was taken is treated as lost on restore: its ops are still queued and are
//! sent again, and the server reports the ones it already applied as `duplicate`.
//!
//! Versions (each has a golden file in `crates/core/tests/snapshots/`, written by the
//! build that wrote that version and restored by a test):
//! - 1 (wave 1): a serde dump of the internals, `{"version":1,"state":{…}}`;
//! - 2 adds the device id (`state.tracker.device_id` and each history record's);
//! - 3 is an explicit format: typed failures, the timer table, the recovery note; no
//!   defaults inside the version;
//! - 4 ([`v4`]) adds the user's pause (and the `delete` op type in the queue).
//!
//! Older versions are migrated on read (`legacy`). A snapshot that is not JSON, has no
//! version, is of an unknown or newer version, or does not have its version's shape is
//! refused by [`read`]; [`recover`] then starts an engine from what can be read of it
//! (its queued ops first, then the device id) and records a [`Recovery`] the status shows.

mod legacy;
pub(crate) mod v4;

use std::fmt;

use serde_json::Value;
use worktime_api::sync::SyncOp;

use super::config::EngineConfig;
use super::queue::QueuedOp;
use super::state::{Recovery, State};
use super::tracking::checked_uuid;
use crate::time::UnixMillis;

/// The snapshot format this build writes.
pub const SNAPSHOT_VERSION: u64 = 4;

/// Why a snapshot could not be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotError {
    /// Not JSON, or not the shape of its version.
    Malformed(String),
    /// No numeric `version` field.
    MissingVersion,
    /// Written by another format version.
    UnsupportedVersion(u64),
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Malformed(error) => write!(f, "malformed snapshot: {error}"),
            SnapshotError::MissingVersion => f.write_str("the snapshot has no version"),
            SnapshotError::UnsupportedVersion(version) => {
                write!(
                    f,
                    "snapshot version {version} is not supported (expected {SNAPSHOT_VERSION})"
                )
            }
        }
    }
}

impl std::error::Error for SnapshotError {}

/// Writes `state` in the current format.
pub(crate) fn write(state: &State) -> String {
    // Serializing plain structs with string keys cannot fail.
    serde_json::to_string(&v4::SnapshotV4::of(state)).unwrap_or_default()
}

/// Reads a snapshot of any version this build knows.
pub(crate) fn read(text: &str) -> Result<State, SnapshotError> {
    let malformed = |error: serde_json::Error| SnapshotError::Malformed(error.to_string());
    let mut value: Value = serde_json::from_str(text).map_err(malformed)?;
    let version =
        value.get("version").and_then(Value::as_u64).ok_or(SnapshotError::MissingVersion)?;
    // The current version is read straight from the text: one deserializer (the one every
    // other JSON read uses), no second copy of the tree for `serde_json::Value`.
    let migrated = match version {
        1..=3 => {
            if version == 1 {
                legacy::v1_to_v2(&mut value);
            }
            if version <= 2 {
                value = legacy::v2_to_v3(value)
                    .ok_or_else(|| SnapshotError::Malformed("no state".into()))?;
            }
            legacy::v3_to_v4(&mut value);
            Some(value.to_string())
        }
        SNAPSHOT_VERSION => None,
        other => return Err(SnapshotError::UnsupportedVersion(other)),
    };
    let snapshot: v4::SnapshotV4 =
        serde_json::from_str(migrated.as_deref().unwrap_or(text)).map_err(malformed)?;
    Ok(snapshot.into_state())
}

/// The state of an unreadable snapshot's engine: a fresh one with `config`, holding the
/// snapshot's queued ops (any version's layout; each op read on its own, unreadable
/// ones skipped) and its device id, signed out, with the [`Recovery`] note.
pub(crate) fn recover(
    text: &str,
    problem: &SnapshotError,
    config: EngineConfig,
    now: UnixMillis,
) -> State {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let mut state = State::new(config.normalized());
    let queued = ["/queue", "/state/queue/ops"]
        .iter()
        .find_map(|path| value.pointer(path).and_then(Value::as_array))
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut ops = std::collections::VecDeque::new();
    for item in queued {
        let Some(op) =
            item.get("op").and_then(|op| serde_json::from_str::<SyncOp>(&op.to_string()).ok())
        else {
            continue;
        };
        let fresh = !ops.iter().any(|q: &QueuedOp| q.op.op_id == op.op_id);
        if fresh && checked_uuid(&op.op_id, "op_id").is_ok() {
            let enqueued_ms = item.get("enqueued_ms").and_then(Value::as_i64).unwrap_or(now.0);
            ops.push_back(QueuedOp { op, enqueued_ms, failed: None });
        }
    }
    let device_id = ["/device_id", "/state/tracker/device_id"]
        .iter()
        .find_map(|path| value.pointer(path).and_then(Value::as_str))
        .and_then(|id| checked_uuid(id, "device_id").ok());
    state.recovery = Some(Recovery {
        at_ms: now.0,
        problem: problem.to_string(),
        version: value.get("version").and_then(Value::as_u64),
        recovered_ops: ops.len(),
        recovered_device_id: device_id.is_some(),
    });
    state.tracker.device_id = device_id;
    state.queue = super::queue::OpQueue::from_ops(ops);
    state
}
