//! D1 with a meter: every statement and round trip of one invocation is counted, because
//! the Workers Free plan allows 50 D1 queries per invocation and counts each statement of
//! a `batch()` as one (Miniflare enforces none of it). Each response reports the count in
//! `Server-Timing: d1;desc="statements=N, round-trips=M, rows-written=W"` (rows written
//! as D1 reports and bills them, index entries included), and tests assert the worst
//! cases against it.
//!
//! Handlers get one [`Db`] per invocation and run every statement through it: `batch`,
//! `first`, `all` and `run` are the only ways to reach the database.

use std::cell::Cell;

use serde::de::DeserializeOwned;
use worker::{console_error, D1Database, D1PreparedStatement, D1Result, Env, Result};

use crate::env;

/// The most statements one invocation may issue (the Free plan's limit).
pub const STATEMENT_BUDGET: u32 = 50;

/// One invocation's database handle and its meter.
pub struct Db {
    inner: D1Database,
    statements: Cell<u32>,
    round_trips: Cell<u32>,
    rows_written: Cell<u64>,
}

impl Db {
    pub fn open(env: &Env) -> Result<Db> {
        Ok(Db {
            inner: env.d1(env::DB)?,
            statements: Cell::new(0),
            round_trips: Cell::new(0),
            rows_written: Cell::new(0),
        })
    }

    /// A statement to bind and hand back to `batch`, `first`, `all` or `run`.
    pub fn prepare(&self, sql: impl Into<String>) -> D1PreparedStatement {
        self.inner.prepare(sql)
    }

    fn count(&self, statements: usize) {
        let total = self.statements.get().saturating_add(statements as u32);
        self.statements.set(total);
        self.round_trips.set(self.round_trips.get() + 1);
        if total > STATEMENT_BUDGET {
            console_error!("D1 budget exceeded: {total} statements in one invocation");
        }
    }

    /// Runs `statements` as one transaction, in one round trip.
    pub async fn batch(&self, statements: Vec<D1PreparedStatement>) -> Result<Vec<D1Result>> {
        if statements.is_empty() {
            return Ok(Vec::new());
        }
        self.count(statements.len());
        let results = self.inner.batch(statements).await?;
        results.iter().for_each(|result| self.written(result));
        Ok(results)
    }

    fn written(&self, result: &D1Result) {
        let rows = result.meta().ok().flatten().and_then(|meta| meta.rows_written).unwrap_or(0);
        self.rows_written.set(self.rows_written.get() + rows as u64);
    }

    pub async fn first<T: DeserializeOwned>(
        &self,
        statement: D1PreparedStatement,
    ) -> Result<Option<T>> {
        self.count(1);
        statement.first::<T>(None).await
    }

    pub async fn all(&self, statement: D1PreparedStatement) -> Result<D1Result> {
        self.count(1);
        let result = statement.all().await?;
        self.written(&result);
        Ok(result)
    }

    pub async fn run(&self, statement: D1PreparedStatement) -> Result<()> {
        self.count(1);
        let result = statement.run().await?;
        self.written(&result);
        Ok(())
    }

    /// The `Server-Timing` value for this invocation.
    pub fn server_timing(&self) -> String {
        format!(
            "d1;desc=\"statements={}, round-trips={}, rows-written={}\"",
            self.statements.get(),
            self.round_trips.get(),
            self.rows_written.get()
        )
    }
}
