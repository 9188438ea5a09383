-- WorkTime 0006: heartbeats write one row, not two. Rollback:
-- migrations/down/0006_heartbeats_without_index.sql.
--
-- idx_sessions_active_heartbeat was rewritten by every heartbeat (D1 bills index entries
-- as rows written). The abandon job finds silent sessions through the partial index of
-- active sessions (idx_sessions_one_active_per_device), which heartbeats never touch:
-- it reads one entry per session running at that moment, a bounded set.
DROP INDEX idx_sessions_active_heartbeat;
