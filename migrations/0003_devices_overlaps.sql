-- WorkTime 0003: sessions belong to devices, overlapping time is counted once.
-- Rollback: migrations/down/0003_devices_overlaps.sql.
--
-- Existing rows are kept. Sessions recorded before device ids belong to their user's
-- legacy device, the nil UUID (requests without device_id keep using it). Their
-- attributed seconds start as their durations: wave 1 counted every session in full, and
-- its daily_stats rows say the same, so the two materializations stay equal.

ALTER TABLE time_sessions ADD COLUMN device_id TEXT NOT NULL
  DEFAULT '00000000-0000-0000-0000-000000000000';
-- Seconds of this session that no later-started overlapping session of the user owns
-- (crates/core/src/overlap.rs). Per-repository and per-PR totals add these.
ALTER TABLE time_sessions ADD COLUMN attributed_seconds INTEGER NOT NULL DEFAULT 0;
UPDATE time_sessions SET attributed_seconds = duration_seconds
  WHERE status != 'active' AND duration_seconds IS NOT NULL;

-- One active session per device (was: per user).
DROP INDEX idx_sessions_one_active;
CREATE UNIQUE INDEX idx_sessions_one_active_per_device
  ON time_sessions(user_id, device_id) WHERE status = 'active';

-- Each write of a user's sessions and statistics bumps this version, and is applied
-- only if the version is still the one its decision was read at (ledger_fence), so
-- concurrent writes of one user never work from stale rows.
ALTER TABLE users ADD COLUMN ledger_version INTEGER NOT NULL DEFAULT 0;

-- Scratch row inside one write batch: the insert fails (and the whole batch with it)
-- when the user's ledger_version moved since the batch was decided. Always empty
-- between batches.
CREATE TABLE ledger_fence (
  ok INTEGER NOT NULL CHECK (ok = 1)
);

-- Replaced by ledger_fence.
DROP TABLE ending_guard;
