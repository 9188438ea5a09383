//! The persisted op queue (FIFO) and the list of rejected ops.
//!
//! An op leaves the queue only when the server has confirmed it (`applied` or
//! `duplicate`) or rejected it for good (`rejected`): send first, delete after. Ops are
//! sent in queue order, so a session's ops reach the server in the order they happened.
//!
//! Two rewrites keep the queue small, both only on heartbeats, which carry no time the
//! server sums (the start and the end fix a duration) and are idempotent there:
//! - coalescing: a new heartbeat replaces the session's queued heartbeat, unless that
//!   one is in the request now in flight;
//! - compaction: an end drops the session's queued heartbeats that are not in flight.
//!
//! A replaced or dropped heartbeat may have reached the server in an earlier request
//! whose answer was lost; that is harmless, since the server applies an op id at most
//! once and a heartbeat only moves `last_heartbeat` forward. Starts and ends are never
//! rewritten, and nothing is ever dropped for being failed.

use std::collections::VecDeque;

use worktime_api::sync::{OpType, SyncOp};

use super::failure::Failure;
use super::status::{FailedItem, RejectedItem};

/// One queued op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueuedOp {
    pub op: SyncOp,
    pub enqueued_ms: i64,
    /// Set when a round gave up while this op was queued: the reason. Only a display
    /// mark; the op stays queued and is sent again by the next round.
    pub failed: Option<Failure>,
}

/// Ops waiting for the server, oldest first.
///
/// Failed ops are never dropped: "at most 50 failed items" limits what the status lists,
/// not what the queue keeps. The queue grows only with real work (a start and an end per
/// session, at most one or two heartbeats per session).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OpQueue {
    ops: VecDeque<QueuedOp>,
}

impl OpQueue {
    pub fn from_ops(ops: VecDeque<QueuedOp>) -> OpQueue {
        OpQueue { ops }
    }

    /// Every queued op, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &QueuedOp> {
        self.ops.iter()
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub fn contains_op(&self, op_id: &str) -> bool {
        self.ops.iter().any(|queued| queued.op.op_id == op_id)
    }

    pub fn has_session(&self, session_id: &str) -> bool {
        self.ops.iter().any(|queued| queued.op.session_id == session_id)
    }

    /// Appends `op`, applying the heartbeat rewrites (see the module doc). `in_flight`
    /// lists the op ids of the request awaiting an answer; those are never touched.
    pub fn push(&mut self, op: SyncOp, now_ms: i64, in_flight: &[String]) {
        let removable = |queued: &QueuedOp| {
            queued.op.op_type == OpType::Heartbeat
                && queued.op.session_id == op.session_id
                && !in_flight.contains(&queued.op.op_id)
        };
        if matches!(op.op_type, OpType::Heartbeat | OpType::End) {
            self.ops.retain(|queued| !removable(queued));
        }
        self.ops.push_back(QueuedOp { op, enqueued_ms: now_ms, failed: None });
    }

    /// Removes the ops of `session_id` that are not being sent (`in_flight`): a deleted
    /// session's start, heartbeats and end need not reach the server. Returns how many.
    pub fn drop_session(&mut self, session_id: &str, in_flight: &[String]) -> usize {
        let before = self.ops.len();
        self.ops.retain(|queued| {
            queued.op.session_id != session_id || in_flight.contains(&queued.op.op_id)
        });
        before - self.ops.len()
    }

    /// The first `limit` ops.
    pub fn head(&self, limit: usize) -> Vec<SyncOp> {
        self.ops.iter().take(limit).map(|queued| queued.op.clone()).collect()
    }

    /// The queued ops among `op_ids`, in queue order.
    pub fn select(&self, op_ids: &[String]) -> Vec<SyncOp> {
        self.ops
            .iter()
            .filter(|queued| op_ids.contains(&queued.op.op_id))
            .map(|queued| queued.op.clone())
            .collect()
    }

    /// Removes a confirmed or rejected op.
    pub fn remove(&mut self, op_id: &str) -> Option<QueuedOp> {
        let index = self.ops.iter().position(|queued| queued.op.op_id == op_id)?;
        self.ops.remove(index)
    }

    /// Marks every queued op failed with `reason`. Nothing is removed.
    pub fn mark_all_failed(&mut self, reason: &Failure) {
        for queued in &mut self.ops {
            queued.failed = Some(reason.clone());
        }
    }

    pub fn failed_count(&self) -> usize {
        self.ops.iter().filter(|queued| queued.failed.is_some()).count()
    }

    /// The oldest `limit` failed ops.
    pub fn failed_items(&self, limit: usize) -> Vec<FailedItem> {
        self.ops
            .iter()
            .filter_map(|queued| {
                let reason = queued.failed.as_ref()?;
                Some(FailedItem {
                    op_id: queued.op.op_id.clone(),
                    session_id: queued.op.session_id.clone(),
                    op_type: queued.op.op_type,
                    reason: reason.clone(),
                    enqueued_ms: queued.enqueued_ms,
                })
            })
            .take(limit)
            .collect()
    }
}

/// Ops the server rejected, newest first; only the newest are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Rejections {
    items: VecDeque<RejectedItem>,
}

impl Rejections {
    pub fn from_items(items: VecDeque<RejectedItem>) -> Rejections {
        Rejections { items }
    }

    /// Newest first.
    pub fn iter(&self) -> impl Iterator<Item = &RejectedItem> {
        self.items.iter()
    }

    pub fn record(&mut self, item: RejectedItem, limit: usize) {
        self.items.push_front(item);
        self.items.truncate(limit);
    }

    pub fn items(&self) -> Vec<RejectedItem> {
        self.items.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(op_id: &str, op_type: OpType, session: &str) -> SyncOp {
        SyncOp::new(op_id.into(), op_type, session.into())
    }

    fn ids(queue: &OpQueue) -> Vec<String> {
        queue.head(usize::MAX).into_iter().map(|op| op.op_id).collect()
    }

    #[test]
    fn heartbeats_coalesce_unless_in_flight_and_starts_never_do() {
        let mut queue = OpQueue::default();
        queue.push(op("s", OpType::Start, "a"), 0, &[]);
        queue.push(op("h1", OpType::Heartbeat, "a"), 1, &[]);
        queue.push(op("h2", OpType::Heartbeat, "a"), 2, &[]);
        assert_eq!(ids(&queue), ["s", "h2"]);
        queue.push(op("h3", OpType::Heartbeat, "a"), 3, &["h2".to_owned()]);
        assert_eq!(ids(&queue), ["s", "h2", "h3"]);
        queue.push(op("s2", OpType::Start, "b"), 4, &[]);
        queue.push(op("s3", OpType::Start, "b"), 5, &[]);
        assert_eq!(ids(&queue), ["s", "h2", "h3", "s2", "s3"]);
    }

    #[test]
    fn an_end_drops_its_sessions_heartbeats_only() {
        let mut queue = OpQueue::default();
        queue.push(op("s", OpType::Start, "a"), 0, &[]);
        queue.push(op("h", OpType::Heartbeat, "a"), 1, &[]);
        queue.push(op("hb", OpType::Heartbeat, "b"), 1, &[]);
        queue.push(op("e", OpType::End, "a"), 2, &[]);
        assert_eq!(ids(&queue), ["s", "hb", "e"]);
    }

    #[test]
    fn failed_ops_stay_queued_and_are_listed_oldest_first() {
        let mut queue = OpQueue::default();
        for i in 0..60 {
            queue.push(op(&format!("s{i}"), OpType::Start, &format!("x{i}")), i, &[]);
        }
        queue.mark_all_failed(&Failure::Network { detail: "offline".into() });
        assert_eq!(queue.len(), 60);
        assert_eq!(queue.failed_count(), 60);
        let listed = queue.failed_items(50);
        assert_eq!(listed.len(), 50);
        assert_eq!(listed[0].op_id, "s0");
        queue.remove("s0");
        assert_eq!(queue.failed_count(), 59);
    }

    #[test]
    fn rejections_keep_the_newest() {
        let mut rejections = Rejections::default();
        for i in 0..3 {
            let item = RejectedItem {
                op_id: format!("o{i}"),
                session_id: "s".into(),
                op_type: OpType::Start,
                code: worktime_api::ErrorCode::ValidationFailed,
                message: "m".into(),
                rejected_ms: i,
            };
            rejections.record(item, 2);
        }
        let kept: Vec<_> = rejections.items().into_iter().map(|item| item.op_id).collect();
        assert_eq!(kept, ["o2", "o1"]);
    }
}
