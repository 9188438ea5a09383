//! A sync round: which batch goes next, how a rejected request is split, and the
//! round's retry state.
//!
//! A round drains the queue batch by batch, oldest ops first. It ends when the queue is
//! empty, when its retries are used up (the queued ops are then marked failed), or on a
//! 401 or 403. When the server refuses a whole request of several ops (400, 413, 422),
//! the batch is split in halves that are sent one after the other, recursively, so one
//! poisoned op ends up alone and is rejected while every other op gets through. The
//! halves are kept as a stack of op-id segments; the top segment is the next batch.

use worktime_api::sync::SyncOp;

use super::backoff::Retry;
use super::queue::OpQueue;
use super::status::SyncReason;

/// The running round, persisted with the engine (see `snapshot::v4::RoundV4`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Round {
    pub reason: SyncReason,
    pub retry: Retry,
    /// The token refresh was tried in this round (it is tried at most once per round;
    /// when it fails the round carries on with the current token).
    pub refresh_tried: bool,
    /// Segments of a split batch, next one last. Empty when not splitting.
    pub split: Vec<Vec<String>>,
    /// The round waits for the send interval (only heartbeats are queued): a start or an
    /// end cuts that wait short. A backoff or a server's wait is never deferred.
    pub deferred: bool,
}

impl Round {
    pub fn new(reason: SyncReason) -> Round {
        Round {
            reason,
            retry: Retry::default(),
            refresh_tried: false,
            split: Vec::new(),
            deferred: false,
        }
    }

    /// The next batch: the top split segment's ops still queued, else the queue's head.
    /// Empty only when the queue is.
    pub fn next_batch(&mut self, queue: &OpQueue, batch_size: usize) -> Vec<SyncOp> {
        while let Some(segment) = self.split.last() {
            let batch = queue.select(segment);
            if !batch.is_empty() {
                return batch;
            }
            self.split.pop();
        }
        queue.head(batch_size)
    }

    /// The batch `sent` was refused as a whole: send its halves one by one instead.
    /// Needs at least two ops.
    pub fn split_batch(&mut self, sent: &[String]) {
        if !self.split.is_empty() {
            self.split.pop();
        }
        let (first, second) = sent.split_at(sent.len().div_ceil(2));
        self.split.push(second.to_vec());
        self.split.push(first.to_vec());
    }

    /// The batch just sent was settled (confirmed or rejected): move to the next.
    pub fn batch_settled(&mut self) {
        self.split.pop();
        self.retry.on_success();
    }
}

#[cfg(test)]
mod tests {
    use worktime_api::sync::OpType;

    use super::*;

    fn queue_of(n: usize) -> OpQueue {
        let mut queue = OpQueue::default();
        for i in 0..n {
            let op = SyncOp::new(format!("o{i}"), OpType::Start, format!("s{i}"));
            queue.push(op, 0, &[]);
        }
        queue
    }

    fn ids(batch: &[SyncOp]) -> Vec<&str> {
        batch.iter().map(|op| op.op_id.as_str()).collect()
    }

    #[test]
    fn splitting_bisects_in_queue_order_until_one_op_is_left() {
        let mut queue = queue_of(5);
        let mut round = Round::new(SyncReason::Manual);
        let batch: Vec<String> =
            round.next_batch(&queue, 100).into_iter().map(|op| op.op_id).collect();
        assert_eq!(batch.len(), 5);
        round.split_batch(&batch);
        let first = round.next_batch(&queue, 100);
        assert_eq!(ids(&first), ["o0", "o1", "o2"]);
        let first: Vec<String> = first.into_iter().map(|op| op.op_id).collect();
        round.split_batch(&first);
        assert_eq!(ids(&round.next_batch(&queue, 100)), ["o0", "o1"]);
        queue.remove("o0");
        queue.remove("o1");
        round.batch_settled();
        assert_eq!(ids(&round.next_batch(&queue, 100)), ["o2"]);
        queue.remove("o2");
        round.batch_settled();
        assert_eq!(ids(&round.next_batch(&queue, 100)), ["o3", "o4"]);
        queue.remove("o3");
        queue.remove("o4");
        round.batch_settled();
        assert!(round.split.is_empty());
        assert!(round.next_batch(&queue, 100).is_empty());
    }
}
