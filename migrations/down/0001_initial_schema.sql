-- Rolls back migrations/0001_initial_schema.sql (children first, then parents).
DROP TABLE IF EXISTS daily_stats;
DROP TABLE IF EXISTS time_sessions;
DROP TABLE IF EXISTS users;
DELETE FROM d1_migrations WHERE name = '0001_initial_schema.sql';
