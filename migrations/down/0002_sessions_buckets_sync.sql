-- Rolls back migrations/0002_sessions_buckets_sync.sql: restores 0001's tables (empty).
DROP TABLE IF EXISTS ending_guard;
DROP TABLE IF EXISTS sync_ops;
DROP TABLE IF EXISTS daily_stats;
DROP TABLE IF EXISTS time_sessions;

CREATE TABLE time_sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL,
  repo_owner TEXT NOT NULL,
  repo_name TEXT NOT NULL,
  pr_number INTEGER NOT NULL,
  start_time DATETIME NOT NULL,
  end_time DATETIME,
  duration_seconds INTEGER,
  status TEXT CHECK(status IN ('active', 'completed', 'abandoned')) DEFAULT 'active',
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_sessions_user ON time_sessions(user_id, created_at DESC);
CREATE INDEX idx_sessions_repo_pr ON time_sessions(repo_owner, repo_name, pr_number);
CREATE INDEX idx_sessions_status ON time_sessions(status, created_at);

CREATE TABLE daily_stats (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL,
  repo_owner TEXT NOT NULL,
  repo_name TEXT NOT NULL,
  date DATE NOT NULL,
  total_duration_seconds INTEGER DEFAULT 0,
  session_count INTEGER DEFAULT 0,
  avg_session_seconds INTEGER DEFAULT 0,
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  UNIQUE(user_id, repo_owner, repo_name, date)
);
CREATE INDEX idx_daily_stats_user_date ON daily_stats(user_id, date DESC);
CREATE INDEX idx_daily_stats_repo ON daily_stats(repo_owner, repo_name, date DESC);

DELETE FROM d1_migrations WHERE name = '0002_sessions_buckets_sync.sql';
