-- WorkTime 0005: the sync op log is kept SYNC_OPS_RETENTION_DAYS (default 7) and pruned
-- by the scheduled job, oldest first. Rollback: migrations/down/0005_sync_ops_retention.sql.
--
-- A replay of a pruned op id cannot double anything: every op is also idempotent by its
-- content (a start of an existing session id is a replay or a conflict, never a second
-- row; an end of a completed session with its own time changes nothing, any other is
-- refused; a heartbeat of an ended session is refused), and statistics follow the
-- sessions, not the ops. The log only lets a lost reply be answered `duplicate`, and
-- replies are lost for seconds, not weeks.
CREATE INDEX idx_sync_ops_applied ON sync_ops(applied_ms);
