//! The checks run at the end of every seed, once the network has healed and every
//! device's queue has drained.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use worktime_api::sessions::{SessionStatus, LEGACY_DEVICE_ID};
use worktime_core::client::SyncState;
use worktime_core::overlap::{attribute, union_seconds, Span};
use worktime_core::sessions::{Limits, StoredSession};
use worktime_core::stats::{
    days_from_buckets, days_from_sessions, local_range, split_into_buckets, BucketRow, BUCKET_MS,
    DAY_MS,
};

use super::driver::{Kind, Sim, DEVICES};
use super::server::{Figures, Writer};
use super::{Counts, MIN};

/// Local-day offsets (minutes east of UTC) the daily totals are checked in.
const DAY_OFFSETS: [i32; 3] = [0, 330, -420];

pub fn drained(sim: &Sim) -> Result<(), String> {
    for (d, device) in sim.devices.iter().enumerate() {
        let status = device.engine.status(sim.client_now(d));
        ensure!(status.pending_count == 0, "device {d}: {} ops still queued", status.pending_count);
        ensure!(
            status.failed_count == 0 && status.failed_items.is_empty(),
            "device {d}: failed items left"
        );
        ensure!(!status.round_active, "device {d}: a round is still running");
    }
    Ok(())
}

/// (a) Every op applied at most once, by a request of the device that made it; starts and
/// ends exactly once when `strict`; each session's ops in the order they were made.
pub fn applications(sim: &Sim, strict: bool) -> Result<(), String> {
    for (op_id, applied) in &sim.server.applied {
        let Some(op) = sim.generated.get(op_id) else {
            return Err(format!("the server applied an unknown op {op_id}"));
        };
        ensure!(applied.count == 1, "op {op_id} applied {} times", applied.count);
        ensure!(
            applied.device == op.device,
            "op {op_id} of device {} applied by a request of device {}",
            op.device,
            applied.device
        );
    }
    if strict {
        for (op_id, op) in &sim.generated {
            if op.kind != Kind::Heartbeat {
                ensure!(
                    sim.server.applied.contains_key(op_id),
                    "{:?} {op_id} of device {} (session {}) never applied",
                    op.kind,
                    op.device,
                    op.session_id
                );
            }
        }
    }
    let mut last_seq: HashMap<&str, u64> = HashMap::new();
    for op_id in &sim.server.log {
        let op = &sim.generated[op_id];
        let last = last_seq.entry(op.session_id.as_str()).or_default();
        ensure!(op.seq > *last, "op {op_id} applied out of order in session {}", op.session_id);
        *last = op.seq;
    }
    Ok(())
}

/// (b) Each device's local history equals the server's record of that device's sessions
/// (sessions with a rejected op are skipped unless `strict`), every server row carries
/// its owner's device id, and only the owner (or the abandon job) ever wrote it.
pub fn sessions(sim: &Sim, strict: bool, counts: &mut Counts) -> Result<(), String> {
    let server = &sim.server;
    let device_of = |session: &StoredSession| -> Option<usize> {
        if session.device_id == LEGACY_DEVICE_ID {
            return Some(0);
        }
        sim.devices.iter().position(|device| device.device_id == session.device_id)
    };
    for (id, session) in &server.sessions {
        let Some(owner) = sim.owners.get(id) else {
            return Err(format!("the server has session {id}, which no device started"));
        };
        let expected = owner.device_id.as_deref().unwrap_or(LEGACY_DEVICE_ID);
        ensure!(
            session.device_id == expected,
            "session {id} of device {} stored with device id {}",
            owner.device,
            session.device_id
        );
        for writer in &server.writers[id] {
            ensure!(
                *writer == Writer::Device(owner.device) || *writer == Writer::AbandonJob,
                "session {id} of device {} was written by {writer:?}",
                owner.device
            );
        }
    }
    let mut total = 0;
    for d in 0..DEVICES {
        let device = &sim.devices[d];
        let history = device.engine.history(1_000, 0);
        total += history.len();
        ensure!(
            history.len() == device.started.len(),
            "device {d}: history has {} of {} sessions",
            history.len(),
            device.started.len()
        );
        let local_ids: BTreeSet<&str> = history.iter().map(|s| s.session_id.as_str()).collect();
        let server_ids: BTreeSet<&str> = server
            .sessions
            .values()
            .filter(|s| device_of(s) == Some(d))
            .map(|s| s.id.as_str())
            .collect();
        if strict {
            ensure!(local_ids == server_ids, "device {d}: the server holds other sessions");
        } else {
            ensure!(server_ids.is_subset(&local_ids), "device {d}: the server holds others");
        }
        for local in &history {
            let id = &local.session_id;
            if !strict && local.sync_state == SyncState::Rejected {
                continue;
            }
            ensure!(
                local.sync_state == SyncState::Synced,
                "device {d}: session {id} is {:?}",
                local.sync_state
            );
            let Some(stored) = server.sessions.get(id) else {
                return Err(format!("device {d}: session {id} missing on the server"));
            };
            ensure!(
                (stored.start_ms, stored.end_ms) == (local.start_ms, local.end_ms)
                    || (local.end_ms.is_none() && stored.status == SessionStatus::Abandoned),
                "device {d}: session {id}: server {}-{:?} ({:?}), client {}-{:?}",
                stored.start_ms,
                stored.end_ms,
                stored.status,
                local.start_ms,
                local.end_ms
            );
            match local.end_ms {
                // An end may drop older queued heartbeats (the end fixes the duration).
                Some(_) => {
                    ensure!(stored.status == SessionStatus::Completed, "status of {id}");
                    ensure!(
                        stored.last_heartbeat_ms <= local.last_heartbeat_ms,
                        "heartbeat of {id}"
                    );
                }
                // The newest heartbeat sent for a running session is never dropped (the
                // ones in between stay local: one goes every ten minutes). The server may
                // have abandoned it while the device was silent: then it ends there.
                None => {
                    ensure!(
                        stored.last_heartbeat_ms == local.last_sent_heartbeat_ms,
                        "session {id}: last heartbeat {} on the server, {} sent",
                        stored.last_heartbeat_ms,
                        local.last_sent_heartbeat_ms
                    );
                    ensure!(
                        local.last_heartbeat_ms - local.last_sent_heartbeat_ms < 10 * MIN,
                        "session {id}: heartbeats held back for too long"
                    );
                    let running = stored.status == SessionStatus::Active && stored.end_ms.is_none();
                    let abandoned = stored.status == SessionStatus::Abandoned
                        && stored.end_ms == Some(stored.last_heartbeat_ms)
                        && stored.start_ms == local.start_ms;
                    ensure!(
                        running || abandoned,
                        "session {id} running locally is {:?}",
                        stored.status
                    );
                    counts.bump(if running { "running_at_end" } else { "abandoned_while_running" });
                }
            }
        }
    }
    if strict {
        ensure!(server.sessions.len() == total, "the server has extra sessions");
    }
    Ok(())
}

/// The figures recomputed from scratch: every covered second to the latest-started
/// session covering it, each session's own start and running marks.
fn recompute(spans: &[Span]) -> Figures {
    let mut figures = Figures::default();
    for (i, from, to) in attribute(spans, i64::MIN / 4, i64::MAX / 4) {
        let span = &spans[i];
        *figures.sessions.entry(span.id.clone()).or_default() += (to - from) / 1000;
        let mut bucket = from - from.rem_euclid(BUCKET_MS);
        while bucket < to {
            let seconds = (to.min(bucket + BUCKET_MS) - from.max(bucket)) / 1000;
            figures.buckets.entry(key(bucket, span)).or_default().0 += seconds;
            bucket += BUCKET_MS;
        }
    }
    for span in spans {
        for delta in split_into_buckets(span.start_ms, span.end_ms) {
            let row = figures.buckets.entry(key(delta.bucket_ms, span)).or_default();
            row.1 += delta.starts;
            row.2 += delta.running_in;
        }
    }
    figures.sessions.retain(|_, seconds| *seconds != 0);
    figures.buckets.retain(|_, row| *row != (0, 0, 0));
    figures
}

fn key(bucket: i64, span: &Span) -> (i64, String, String) {
    (bucket, span.repo_owner.to_ascii_lowercase(), span.repo_name.to_ascii_lowercase())
}

fn first_difference<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
    kept: &BTreeMap<K, V>,
    fresh: &BTreeMap<K, V>,
) -> String {
    let keys: BTreeSet<&K> = kept.keys().chain(fresh.keys()).collect();
    keys.into_iter()
        .find(|k| kept.get(k) != fresh.get(k))
        .map(|k| format!("{k:?}: materialized {:?}, recomputed {:?}", kept.get(k), fresh.get(k)))
        .unwrap_or_default()
}

/// (c) The materialized figures equal a recomputation from the server's ended sessions;
/// per-session figures and bucket seconds sum to the union of the sessions; each local
/// day's bucket seconds are the union of the sessions clipped to that day. Counts
/// `overlap` when sessions of the user overlapped.
pub fn figures(sim: &Sim, counts: &mut Counts) -> Result<(), String> {
    let spans: Vec<Span> = sim.server.sessions.values().filter_map(StoredSession::span).collect();
    let kept = &sim.server.figures;
    let fresh = recompute(&spans);
    ensure!(
        kept.sessions == fresh.sessions,
        "attributed seconds differ: {}",
        first_difference(&kept.sessions, &fresh.sessions)
    );
    ensure!(
        kept.buckets == fresh.buckets,
        "bucket rows differ: {}",
        first_difference(&kept.buckets, &fresh.buckets)
    );
    let union = union_seconds(&spans, i64::MIN / 4, i64::MAX / 4);
    let attributed: i64 = kept.sessions.values().sum();
    ensure!(attributed == union, "sessions are attributed {attributed} s of a {union} s union");
    let bucketed: i64 = kept.buckets.values().map(|row| row.0).sum();
    ensure!(bucketed == union, "buckets hold {bucketed} s of a {union} s union");
    let mut durations = 0;
    for span in &spans {
        let duration = (span.end_ms - span.start_ms) / 1000;
        durations += duration;
        let owned = kept.sessions.get(&span.id).copied().unwrap_or(0);
        ensure!(
            (0..=duration).contains(&owned),
            "session {} owns {owned} of {duration} s",
            span.id
        );
    }
    if durations > union {
        counts.bump("overlap");
    }
    let (Some(first), Some(last)) =
        (spans.iter().map(|s| s.start_ms).min(), spans.iter().map(|s| s.end_ms).max())
    else {
        return Ok(());
    };
    let rows: Vec<BucketRow> = kept
        .buckets
        .iter()
        .map(|(&(bucket_ms, _, _), &(seconds, starts, running_in))| BucketRow {
            bucket_ms,
            seconds,
            starts,
            running_in,
        })
        .collect();
    let intervals: Vec<(i64, i64)> = spans.iter().map(|s| (s.start_ms, s.end_ms)).collect();
    for offset in DAY_OFFSETS {
        let day = |ms: i64| (ms + i64::from(offset) * MIN).div_euclid(DAY_MS);
        let days = (day(last) - day(first) + 1) as u32;
        let range = local_range(last, days, offset);
        ensure!(range.from_ms <= first, "the range misses the first session");
        let by_buckets = days_from_buckets(&rows, &range, offset).expect("aligned offsets");
        let by_sessions = days_from_sessions(&intervals, &range, offset);
        for (i, (stat, exact)) in by_buckets.iter().zip(&by_sessions).enumerate() {
            let from = range.from_ms + i as i64 * DAY_MS;
            let to = from + DAY_MS;
            let in_day: i64 =
                rows.iter().filter(|r| (from..to).contains(&r.bucket_ms)).map(|r| r.seconds).sum();
            let union = union_seconds(&spans, from, to);
            ensure!(
                in_day == union && stat.total_seconds == union,
                "{} at offset {offset}: buckets hold {in_day} s (days_from_buckets {}), the union is {union} s",
                stat.date,
                stat.total_seconds
            );
            ensure!(
                stat.session_count == exact.session_count,
                "{} at offset {offset}: {} sessions by buckets, {} by sessions",
                stat.date,
                stat.session_count,
                exact.session_count
            );
        }
    }
    Ok(())
}

/// (d) No session on the server is longer than the limit; every device holds at most one
/// active session.
pub fn lengths(sim: &Sim, counts: &mut Counts) -> Result<(), String> {
    let max = Limits::default().max_session_ms;
    let mut active: HashMap<&str, u32> = HashMap::new();
    for session in sim.server.sessions.values() {
        let reach = session.end_ms.unwrap_or(session.last_heartbeat_ms) - session.start_ms;
        ensure!(reach <= max, "session {} lasts {} ms", session.id, reach);
        if session.end_ms.map(|end| end - session.start_ms) == Some(max) {
            counts.bump("max_length");
        }
        if session.status == SessionStatus::Active {
            let n = active.entry(session.device_id.as_str()).or_default();
            *n += 1;
            ensure!(*n == 1, "device {} has {n} active sessions", session.device_id);
        }
    }
    Ok(())
}
