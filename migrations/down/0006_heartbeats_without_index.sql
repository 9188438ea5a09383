-- Rolls back migrations/0006_heartbeats_without_index.sql.
CREATE INDEX idx_sessions_active_heartbeat ON time_sessions(last_heartbeat_ms) WHERE status = 'active';
DELETE FROM d1_migrations WHERE name = '0006_heartbeats_without_index.sql';
