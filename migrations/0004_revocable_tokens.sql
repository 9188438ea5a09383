-- WorkTime 0004: tokens that can be revoked. Rollback: migrations/down/0004_revocable_tokens.sql.
--
-- Every JWT carries its user's claims version (`ver`) and the id of the sign-in it
-- descends from (`sid`, kept by refreshes). "Sign out everywhere" raises token_version:
-- tokens with an older ver stop working. "Sign out" records the sign-in here: that token
-- and all its refreshes stop working. A row can go once every token of its sign-in has
-- expired (expires_ms: the sign-out plus a token's lifetime, since refreshes stop).

ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE revoked_sign_ins (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  sid TEXT NOT NULL,
  expires_ms INTEGER NOT NULL,
  PRIMARY KEY (user_id, sid)
) WITHOUT ROWID;
CREATE INDEX idx_revoked_sign_ins_expiry ON revoked_sign_ins(expires_ms);
