-- Rolls back migrations/0005_sync_ops_retention.sql.
DROP INDEX idx_sync_ops_applied;
DELETE FROM d1_migrations WHERE name = '0005_sync_ops_retention.sql';
