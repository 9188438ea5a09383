-- Rolls back migrations/0007_hourly_stats.sql.
DROP TABLE hourly_stats;
DELETE FROM d1_migrations WHERE name = '0007_hourly_stats.sql';
