//! The persisted state and its versioned JSON snapshot.
//!
//! The MV3 service worker can be killed at any moment, so everything the engine knows
//! except the request in flight is one serde value, `State`, written as
//! `{"version":2,"state":{…}}`. A request in flight when the snapshot was taken is
//! treated as lost on restore: its ops are still queued and are sent again, and the
//! server reports the ones it already applied as `duplicate`.
//!
//! A snapshot with another `version` is refused ([`SnapshotError::UnsupportedVersion`]);
//! a later format adds a migration here rather than guessing.
//!
//! Versions: 1 (wave 1); 2 adds the device id (`state.tracker.device_id` and each
//! history record's `device_id`). A version-1 snapshot is migrated on read: both become
//! `null`, so its sessions stay with the legacy device they were sent as.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::config::EngineConfig;
use super::queue::{OpQueue, Rejections};
use super::round::Round;
use super::token::Auth;
use super::tracking::Tracker;

/// The snapshot format this build writes and reads.
pub const SNAPSHOT_VERSION: u64 = 2;

/// Everything the engine persists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct State {
    pub config: EngineConfig,
    pub auth: Auth,
    pub tracker: Tracker,
    pub queue: OpQueue,
    pub rejected: Rejections,
    pub round: Option<Round>,
    /// The id of the next request; persisted so ids stay unique across restarts.
    pub next_request_id: u64,
    pub last_sync_ms: Option<i64>,
    pub last_error: Option<String>,
    /// When the engine last sent a request (see `EngineConfig::send_interval_ms`).
    #[serde(default)]
    pub last_request_ms: Option<i64>,
}

impl State {
    pub fn new(config: EngineConfig) -> State {
        State {
            config,
            auth: Auth::default(),
            tracker: Tracker::default(),
            queue: OpQueue::default(),
            rejected: Rejections::default(),
            round: None,
            next_request_id: 1,
            last_sync_ms: None,
            last_error: None,
            last_request_ms: None,
        }
    }
}

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

#[derive(Serialize)]
struct Written<'a> {
    version: u64,
    state: &'a State,
}

#[derive(Deserialize)]
struct Read {
    state: State,
}

/// Writes `state` as a versioned snapshot.
pub(crate) fn write(state: &State) -> String {
    let written = Written { version: SNAPSHOT_VERSION, state };
    // Serializing plain structs with string keys cannot fail.
    serde_json::to_string(&written).unwrap_or_default()
}

/// Reads a snapshot written by [`write`].
pub(crate) fn read(text: &str) -> Result<State, SnapshotError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| SnapshotError::Malformed(error.to_string()))?;
    let version = value
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .ok_or(SnapshotError::MissingVersion)?;
    // The state is read from text, never with `from_value`: one deserializer (the one
    // every other JSON read uses) instead of a second copy of the whole `State` tree
    // for `serde_json::Value` — a size matter in the SDK's wasm.
    let migrated;
    let text = match version {
        1 => {
            let mut value = value;
            migrate_v1(&mut value);
            migrated = value.to_string();
            migrated.as_str()
        }
        SNAPSHOT_VERSION => text,
        other => return Err(SnapshotError::UnsupportedVersion(other)),
    };
    let read: Read =
        serde_json::from_str(text).map_err(|error| SnapshotError::Malformed(error.to_string()))?;
    Ok(State { config: read.state.config.normalized(), ..read.state })
}

/// Version 1 → 2: no device id anywhere yet.
fn migrate_v1(value: &mut serde_json::Value) {
    let Some(tracker) =
        value.pointer_mut("/state/tracker").and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    tracker.insert("device_id".into(), serde_json::Value::Null);
    if let Some(history) = tracker.get_mut("history").and_then(serde_json::Value::as_array_mut) {
        for record in history.iter_mut().filter_map(serde_json::Value::as_object_mut) {
            record.insert("device_id".into(), serde_json::Value::Null);
        }
    }
}
