-- Rolls back migrations/0003_devices_overlaps.sql. Sessions and statistics are kept;
-- device ids and attributions are dropped. Where a user has several active sessions
-- (several devices), all but the latest-started are marked abandoned at their last
-- heartbeat, as 0002's one-active-per-user index requires.
CREATE TABLE ending_guard (
  applied INTEGER PRIMARY KEY
);
DROP TABLE ledger_fence;
ALTER TABLE users DROP COLUMN ledger_version;

UPDATE time_sessions
  SET status = 'abandoned', end_ms = MAX(last_heartbeat_ms, start_ms),
      duration_seconds = (MAX(last_heartbeat_ms, start_ms) - start_ms) / 1000
  WHERE status = 'active' AND EXISTS (
    SELECT 1 FROM time_sessions AS newer
    WHERE newer.user_id = time_sessions.user_id AND newer.status = 'active'
      AND (newer.start_ms > time_sessions.start_ms
           OR (newer.start_ms = time_sessions.start_ms AND newer.id > time_sessions.id)));
DROP INDEX idx_sessions_one_active_per_device;
CREATE UNIQUE INDEX idx_sessions_one_active ON time_sessions(user_id) WHERE status = 'active';
ALTER TABLE time_sessions DROP COLUMN attributed_seconds;
ALTER TABLE time_sessions DROP COLUMN device_id;

DELETE FROM d1_migrations WHERE name = '0003_devices_overlaps.sql';
