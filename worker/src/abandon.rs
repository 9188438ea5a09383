//! The scheduled job: active sessions silent for longer than `ABANDON_AFTER_MINUTES`
//! become `abandoned`, ended at their last heartbeat, so a crashed browser leaves no
//! phantom hours. Each run handles a bounded slice (the users silent longest first), so
//! it stays within D1's 50 statements per invocation whatever the backlog, and logs how
//! many users wait for the next run (every minute).

use worker::{console_error, console_log, Date, Env, Result};
use worktime_core::sessions::decide_abandon;
use worktime_core::sync_plan::{Plan, Write};
use worktime_core::time::UnixMillis;

use crate::d1::Db;
use crate::store::{ledger, ops, sessions};
use crate::{env, writes};

/// Users handled per run. Each costs 2 statements to read (version and their silent
/// sessions), 1 to read the sessions around them and at most 8 to write: 4 users and the
/// run's first query stay within the 50 statements of one invocation.
const USERS_PER_RUN: i64 = 4;
/// Silent sessions of one user handled per run.
const SESSIONS_PER_USER: i64 = 50;

/// One run: the users silent longest first, a bounded slice of them; logs what remains.
pub async fn run(env: &Env, db: &Db) -> Result<()> {
    let now = UnixMillis::from_js(Date::now().as_millis() as f64);
    let limit_ms = i64::from(env::abandon_after_minutes(env)) * 60_000;
    let cutoff = now.0 - limit_ms;
    let users = sessions::silent_users(db, cutoff, USERS_PER_RUN).await?;
    let limits = writes::limits(env);
    let (mut abandoned, mut handled) = (0, 0);
    for &user_id in &users.user_ids {
        // The sessions and the version the write is fenced on, read together.
        let silent = sessions::silent(db, user_id, cutoff, SESSIONS_PER_USER)?;
        let version = ledger::version(db, user_id)?;
        let results = db.batch(vec![version, silent]).await?;
        let (Some(version), Some(silent)) = (results.first(), results.get(1)) else { continue };
        let version = ledger::read_version(version)?;
        let writes: Vec<Write> = sessions::read_sessions(silent)?
            .iter()
            .filter_map(|session| decide_abandon(session, now, limit_ms))
            .map(Write::End)
            .collect();
        let plan = Plan { results: Vec::new(), writes };
        let count = plan.writes.len();
        match writes::commit(db, user_id, version, &plan, limits, now, None).await {
            Ok(()) => {
                abandoned += count;
                handled += 1;
            }
            Err(err) => console_error!("abandon for user {user_id}: {err} (the next run retries)"),
        }
    }
    console_log!(
        "abandon job: {abandoned} session(s) of {handled} user(s) abandoned; {} user(s) wait for the next run; {}",
        (users.waiting - handled).max(0),
        db.server_timing()
    );
    Ok(())
}

/// Sync op ids pruned per run (one statement, oldest first).
const OP_IDS_PER_RUN: i64 = 5_000;

/// Forgets applied op ids older than the retention, a bounded number per run.
pub async fn prune_op_log(env: &Env, db: &Db) -> Result<()> {
    let now = UnixMillis::from_js(Date::now().as_millis() as f64);
    let cutoff = now.0 - i64::from(env::sync_ops_retention_days(env)) * 86_400_000;
    ops::prune(db, cutoff, OP_IDS_PER_RUN).await
}
