-- WorkTime 0002: sessions with client-generated UUIDs, statistics in 15-minute UTC buckets,
-- and the log of applied sync operations. Rollback: migrations/down/0002_sessions_buckets_sync.sql.
--
-- 0001's time_sessions and daily_stats are replaced: they were never deployed with data
-- (the API that writes them starts with this migration).

DROP TABLE daily_stats;
DROP TABLE time_sessions;

-- One row per session. (user_id, id) is the key, so ids are scoped to their user: a user
-- can neither see nor collide with another user's ids. Times are epoch milliseconds in
-- whole seconds.
CREATE TABLE time_sessions (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  repo_owner TEXT NOT NULL COLLATE NOCASE,
  repo_name TEXT NOT NULL COLLATE NOCASE,
  pr_number INTEGER NOT NULL CHECK (pr_number >= 1),
  start_ms INTEGER NOT NULL,
  end_ms INTEGER CHECK (end_ms IS NULL OR end_ms >= start_ms),
  duration_seconds INTEGER CHECK (duration_seconds IS NULL OR duration_seconds >= 0),
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'abandoned')),
  last_heartbeat_ms INTEGER NOT NULL,
  tz_offset_minutes INTEGER CHECK (tz_offset_minutes BETWEEN -720 AND 840),
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id, id)
);
CREATE INDEX idx_sessions_user_start ON time_sessions(user_id, start_ms DESC);
CREATE INDEX idx_sessions_user_repo ON time_sessions(user_id, repo_owner, repo_name, pr_number);
-- At most one active session per user, enforced by the database itself.
CREATE UNIQUE INDEX idx_sessions_one_active ON time_sessions(user_id) WHERE status = 'active';
-- The abandon job scans active sessions by last heartbeat.
CREATE INDEX idx_sessions_active_heartbeat ON time_sessions(last_heartbeat_ms) WHERE status = 'active';

-- Ended sessions' time per user, repository and 15-minute UTC bucket, written in the same
-- batch as the session change. seconds: time inside the bucket; starts: sessions starting
-- in it; running_in: sessions already running at its first instant. Any local day whose
-- offset is a multiple of 15 minutes is a sum of whole buckets.
CREATE TABLE daily_stats (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  bucket_ms INTEGER NOT NULL,
  repo_owner TEXT NOT NULL COLLATE NOCASE,
  repo_name TEXT NOT NULL COLLATE NOCASE,
  seconds INTEGER NOT NULL DEFAULT 0,
  starts INTEGER NOT NULL DEFAULT 0,
  running_in INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, bucket_ms, repo_owner, repo_name)
) WITHOUT ROWID;

-- Sync operations already applied, per user: a replayed op_id is a duplicate.
CREATE TABLE sync_ops (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  op_id TEXT NOT NULL,
  op_type TEXT NOT NULL,
  session_id TEXT NOT NULL,
  applied_ms INTEGER NOT NULL,
  PRIMARY KEY (user_id, op_id)
) WITHOUT ROWID;

-- Scratch row inside one write batch: set when the batch's session update applied, so the
-- batch's bucket upserts run only then (a concurrent second end adds nothing). Always
-- empty between batches.
CREATE TABLE ending_guard (
  applied INTEGER PRIMARY KEY
);
