//! `users` and `revoked_sign_ins`: the account a sign-in creates or refreshes, the claims
//! version every token must carry (bumped by sign-out everywhere), and the sign-ins ended
//! one by one (kept until their last token has expired).
//!
//! Each function here is one statement in one round trip.

use serde::Deserialize;
use worker::{D1PreparedStatement, D1Result, Result};
use worktime_api::account::ExportedUser;
use worktime_core::jwt::Standing;

use super::{num, text, text_or_null};
use crate::d1::Db;

/// A WorkTime user as a token is issued for them.
pub struct Account {
    pub id: i64,
    pub username: String,
    pub avatar_url: Option<String>,
    /// The claims version this user's tokens must carry.
    pub token_version: i64,
}

#[derive(Deserialize)]
struct AccountRow {
    id: f64,
    github_username: String,
    avatar_url: Option<String>,
    token_version: f64,
}

impl AccountRow {
    fn into_account(self) -> Account {
        Account {
            id: self.id as i64,
            username: self.github_username,
            avatar_url: self.avatar_url,
            token_version: self.token_version as i64,
        }
    }
}

/// Who signs in: the account's id at its provider (GitHub's numeric id as text, or the
/// development user's `dev-1`) and its profile.
pub struct Identity<'a> {
    pub github_user_id: &'a str,
    pub login: &'a str,
    pub email: Option<&'a str>,
    pub avatar_url: Option<&'a str>,
}

/// Creates or refreshes the user of account `who` (name, email, avatar, last active);
/// `None` only if D1 returned no row.
pub async fn upsert(db: &Db, who: &Identity<'_>) -> Result<Option<Account>> {
    let upsert = db
        .prepare(
            "INSERT INTO users (github_user_id, github_username, email, avatar_url, last_active) \
             VALUES (?1, ?2, ?3, ?4, CURRENT_TIMESTAMP) \
             ON CONFLICT (github_user_id) DO UPDATE SET github_username = excluded.github_username, \
             email = excluded.email, avatar_url = excluded.avatar_url, last_active = CURRENT_TIMESTAMP \
             RETURNING id, github_username, avatar_url, token_version",
        )
        .bind(&[
            text(who.github_user_id),
            text(who.login),
            text_or_null(who.email),
            text_or_null(who.avatar_url),
        ])?;
    Ok(db.first::<AccountRow>(upsert).await?.map(AccountRow::into_account))
}

/// The account as a data export shows it (read with [`read_exported`]): everything but
/// the claims and ledger versions.
pub fn exported(db: &Db, user_id: i64) -> Result<D1PreparedStatement> {
    db.prepare(
        "SELECT id, github_user_id, github_username, email, avatar_url, \
         strftime('%Y-%m-%dT%H:%M:%SZ', created_at) AS created_at, \
         strftime('%Y-%m-%dT%H:%M:%SZ', last_active) AS last_active FROM users WHERE id = ?1",
    )
    .bind(&[num(user_id)])
}

#[derive(Deserialize)]
struct ExportedRow {
    id: f64,
    github_user_id: String,
    github_username: String,
    email: Option<String>,
    avatar_url: Option<String>,
    created_at: Option<String>,
    last_active: Option<String>,
}

/// The account in the result of [`exported`]; `None` when the user no longer exists.
pub fn read_exported(result: &D1Result) -> Result<Option<ExportedUser>> {
    Ok(result.results::<ExportedRow>()?.into_iter().next().map(|row| ExportedUser {
        id: row.id as i64,
        github_user_id: row.github_user_id,
        username: row.github_username,
        email: row.email,
        avatar_url: row.avatar_url,
        created_at: row.created_at,
        last_active: row.last_active,
    }))
}

/// Marks `user_id` active now; `None` when the user no longer exists.
pub async fn touch(db: &Db, user_id: i64) -> Result<Option<Account>> {
    let touch = db
        .prepare(
            "UPDATE users SET last_active = CURRENT_TIMESTAMP WHERE id = ?1 \
             RETURNING id, github_username, avatar_url, token_version",
        )
        .bind(&[num(user_id)])?;
    Ok(db.first::<AccountRow>(touch).await?.map(AccountRow::into_account))
}

/// Moves the user's claims version on, so every token issued before is refused; the new
/// version, or `None` when the user no longer exists.
pub async fn bump_token_version(db: &Db, user_id: i64) -> Result<Option<i64>> {
    #[derive(Deserialize)]
    struct VersionRow {
        token_version: f64,
    }
    let bump = db
        .prepare("UPDATE users SET token_version = token_version + 1 WHERE id = ?1 RETURNING token_version")
        .bind(&[num(user_id)])?;
    Ok(db.first::<VersionRow>(bump).await?.map(|row| row.token_version as i64))
}

#[derive(Deserialize)]
struct StandingRow {
    version: f64,
    revoked: f64,
}

/// The user's claims version and whether sign-in `sid` was ended: one indexed read;
/// `None` when the user no longer exists.
pub async fn standing(db: &Db, user_id: i64, sid: &str) -> Result<Option<Standing>> {
    let query = db
        .prepare(
            "SELECT token_version AS version, EXISTS (SELECT 1 FROM revoked_sign_ins \
             WHERE user_id = ?1 AND sid = ?2) AS revoked FROM users WHERE id = ?1",
        )
        .bind(&[num(user_id), text(sid)])?;
    let row = db.first::<StandingRow>(query).await?;
    Ok(row.map(|row| Standing { version: row.version as i64, sign_in_revoked: row.revoked != 0.0 }))
}

/// Ends sign-in `sid` of `user_id`, remembered until `expires_ms` (the last moment one of
/// its tokens can be valid); a later expiry only ever extends it.
pub async fn revoke_sign_in(db: &Db, user_id: i64, sid: &str, expires_ms: i64) -> Result<()> {
    let revoke = db
        .prepare(
            "INSERT INTO revoked_sign_ins (user_id, sid, expires_ms) VALUES (?1, ?2, ?3) \
             ON CONFLICT (user_id, sid) DO UPDATE SET expires_ms = MAX(expires_ms, excluded.expires_ms)",
        )
        .bind(&[num(user_id), text(sid), num(expires_ms)])?;
    db.run(revoke).await
}

/// Forgets revoked sign-ins whose every token has expired by `now_ms`.
pub async fn prune_revoked(db: &Db, now_ms: i64) -> Result<()> {
    db.run(db.prepare("DELETE FROM revoked_sign_ins WHERE expires_ms < ?1").bind(&[num(now_ms)])?)
        .await
}
