//! Batches and per-op results: sizes, duplicates, rejections, splitting.

use worktime_api::paths;
use worktime_api::sync::OpType;

use super::*;

#[test]
fn the_queue_drains_in_fifo_batches_of_at_most_a_hundred() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 125);
    let mut sizes = Vec::new();
    let mut sent = Vec::new();
    while let Some(transmit) = engine.poll_transmit(now(T0)) {
        assert_eq!((transmit.method, transmit.path.as_str()), ("POST", paths::SYNC));
        sizes.push(sent_ids(&transmit).len());
        sent.extend(sent_ids(&transmit));
        engine.handle_response(now(T0), transmit.id, all_applied(&transmit));
    }
    assert_eq!(sizes, [100, 100, 50]);
    let expected: Vec<String> =
        (0..125).flat_map(|n| [uuid(10 * n + 1), uuid(10 * n + 2)]).collect();
    assert_eq!(sent, expected);
    assert!(!engine.status(now(T0)).round_active);
}

#[test]
fn an_op_leaves_the_queue_only_once_confirmed() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 2);
    let transmit = poll(&mut engine, T0);
    assert_eq!(engine.status(now(T0)).pending_count, 4, "sent is not confirmed");
    let first = sent_ids(&transmit)[0].clone();
    engine.handle_response(
        now(T0),
        transmit.id,
        answer(
            &transmit,
            |op| if op.op_id == first { OpStatus::Duplicate } else { OpStatus::Applied },
        ),
    );
    let status = engine.status(now(T0));
    assert_eq!((status.pending_count, status.last_sync_ms), (0, Some(T0)));
    assert!(status.rejected_items.is_empty());
}

#[test]
fn rejected_ops_are_recorded_never_retried_and_do_not_block_the_rest() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 2);
    let transmit = poll(&mut engine, T0);
    let poisoned = uuid(1);
    engine.handle_response(
        now(T0),
        transmit.id,
        answer(&transmit, |op| {
            if op.op_id == poisoned {
                OpStatus::Rejected
            } else {
                OpStatus::Applied
            }
        }),
    );
    let status = engine.status(now(T0 + 5));
    assert_eq!(status.pending_count, 0);
    assert_eq!(status.rejected_items.len(), 1);
    let rejected = &status.rejected_items[0];
    assert_eq!((rejected.op_id.as_str(), rejected.op_type), (poisoned.as_str(), OpType::Start));
    assert_eq!(
        (rejected.code, rejected.message.as_str()),
        (ErrorCode::ValidationFailed, format!("{poisoned} is wrong.").as_str())
    );
    let history = engine.history(10, 0);
    assert_eq!(history[1].sync_state, SyncState::Rejected);
    assert_eq!(history[0].sync_state, SyncState::Synced);
    engine.request_sync(now(T0 + 10), SyncReason::Manual);
    assert_eq!(engine.poll_transmit(now(T0 + 10)), None);
}

#[test]
fn only_the_newest_fifty_rejections_are_kept() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 30);
    let transmit = poll(&mut engine, T0);
    engine.handle_response(now(T0), transmit.id, answer(&transmit, |_| OpStatus::Rejected));
    let rejected = engine.status(now(T0)).rejected_items;
    assert_eq!(rejected.len(), 50);
    assert_eq!(rejected[0].op_id, uuid(10 * 29 + 2));
}

/// Answers like a server that refuses any request containing `poisoned` with 422.
fn refuse_poisoned(transmit: &Transmit, poisoned: &str) -> Outcome {
    if sent_ids(transmit).iter().any(|id| id == poisoned) {
        http(422, &error_body(ErrorCode::ValidationFailed, "A start op needs repo_owner."))
    } else {
        all_applied(transmit)
    }
}

#[test]
fn a_refused_batch_is_split_until_the_poisoned_op_is_alone_and_rejected() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 4);
    let poisoned = uuid(22);
    let mut batches = Vec::new();
    while let Some(transmit) = engine.poll_transmit(now(T0)) {
        batches.push(sent_ids(&transmit).len());
        engine.handle_response(now(T0), transmit.id, refuse_poisoned(&transmit, &poisoned));
        assert_eq!(engine.retry_at(), None, "splitting does not wait");
    }
    assert_eq!(batches, [8, 4, 4, 2, 1, 1, 2]);
    let status = engine.status(now(T0));
    assert_eq!((status.pending_count, status.failed_count), (0, 0));
    let rejected: Vec<_> =
        status.rejected_items.iter().map(|item| (item.op_id.clone(), item.code)).collect();
    assert_eq!(rejected, [(poisoned, ErrorCode::ValidationFailed)]);
    assert_eq!(status.rejected_items[0].message, "A start op needs repo_owner.");
}

#[test]
fn a_lone_op_refused_with_400_or_413_is_rejected_too() {
    for status in [400, 413] {
        let mut engine = signed_in();
        start(&mut engine, T0, 1);
        let transmit = poll(&mut engine, T0);
        engine.handle_response(now(T0), transmit.id, http(status, "not json"));
        let rejected = engine.status(now(T0)).rejected_items;
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].message, format!("HTTP {status}"));
    }
}

#[test]
fn a_retry_during_a_split_resends_the_same_half() {
    let mut engine = signed_in();
    queue_sessions(&mut engine, T0, 2);
    let transmit = poll(&mut engine, T0);
    engine.handle_response(now(T0), transmit.id, http(413, ""));
    let half = poll(&mut engine, T0);
    assert_eq!(sent_ids(&half), [uuid(1), uuid(2)]);
    engine.handle_response(now(T0), half.id, Outcome::NetworkError("reset".into()));
    assert_eq!(sent_ids(&poll(&mut engine, T0 + 1_000)), [uuid(1), uuid(2)]);
}
