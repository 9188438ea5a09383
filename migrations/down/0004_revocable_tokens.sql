-- Rolls back migrations/0004_revocable_tokens.sql: tokens are no longer revocable.
DROP TABLE revoked_sign_ins;
ALTER TABLE users DROP COLUMN token_version;
DELETE FROM d1_migrations WHERE name = '0004_revocable_tokens.sql';
