-- WorkTime 0007: an hourly rollup of daily_stats, all repositories of a user together.
-- Rollback: migrations/down/0007_hourly_stats.sql.
--
-- Daily totals for a year read at most 8,784 of these rows instead of every 15-minute
-- bucket of every repository (GET /api/stats/daily at whole-hour offsets). Written in
-- the same batch as the buckets; filled here from the buckets that exist.
CREATE TABLE hourly_stats (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hour_ms INTEGER NOT NULL,
  seconds INTEGER NOT NULL DEFAULT 0,
  starts INTEGER NOT NULL DEFAULT 0,
  -- Sessions running at the hour's first instant (those of its first bucket).
  running_in INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, hour_ms)
) WITHOUT ROWID;

INSERT INTO hourly_stats (user_id, hour_ms, seconds, starts, running_in)
SELECT user_id, bucket_ms - (bucket_ms % 3600000), SUM(seconds), SUM(starts),
       SUM(CASE WHEN bucket_ms % 3600000 = 0 THEN running_in ELSE 0 END)
FROM daily_stats GROUP BY user_id, bucket_ms - (bucket_ms % 3600000);
