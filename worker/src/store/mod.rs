//! Every SQL statement of the worker, one module per table or concern, each beside the
//! typed rows it reads and their conversion to domain types (`StoredSession`, `Span`,
//! `DayTotal`, …): handlers call these functions and never see SQL or a raw row.
//!
//! - [`users`]: accounts, their claims version and revoked sign-ins (`users`,
//!   `revoked_sign_ins`);
//! - [`sessions`]: whole `time_sessions` rows — the write path's reads and writes, the list,
//!   the abandon job's silent sessions;
//! - [`spans`]: ended sessions as spans, for overlap ownership and exact daily totals;
//! - [`stats`]: the statistics — `daily_stats` buckets and their `hourly_stats` rollup
//!   (written by the ledger, read per day) and per-PR totals;
//! - [`ledger`]: the ledger version, the write batch's fence and its delta statements;
//! - [`ops`]: the `sync_ops` log of applied op ids;
//! - [`account`]: the account as a whole — a data export's page, and the deletion of the
//!   user's rows from every table (the one list of the tables keyed by user).
//!
//! The statements of a batch (the write path's first read and its one fenced write, a
//! list's count and page) are returned prepared for the caller to batch, each with a
//! `read_*` function for its result; the others run here. Either way every statement
//! goes through `d1::Db`, the only door to D1, so the meter sees it.
//!
//! Numbers are bound as `f64` (D1 has no BigInt); every value WorkTime stores is below
//! 2^53. Rows read numbers as `f64` too, converted here. Write statements take whole lists
//! as one JSON parameter ([`json`], read with `json_each`), so one statement writes any
//! number of rows within D1's 100 parameters.

pub mod account;
pub mod ledger;
pub mod ops;
pub mod sessions;
pub mod spans;
pub mod stats;
pub mod users;

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::Result;

use crate::d1::Db;

/// An integer as one bound parameter.
pub fn num(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}

/// A text as one bound parameter.
pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

/// A text that may be absent, as one bound parameter (`NULL` when absent).
pub fn text_or_null(value: Option<&str>) -> JsValue {
    value.map(text).unwrap_or(JsValue::NULL)
}

/// A JSON value as one bound parameter: the statements take whole lists this way
/// (`json_each`), so one statement writes any number of rows within D1's 100 parameters.
pub fn json(value: &serde_json::Value) -> JsValue {
    JsValue::from_str(&value.to_string())
}

#[derive(Deserialize)]
struct ProbeRow {
    ok: f64,
}

/// Whether D1 answers a trivial query (`GET /health`): one statement.
pub async fn answers(db: &Db) -> Result<bool> {
    let row = db.first::<ProbeRow>(db.prepare("SELECT 1 AS ok")).await?;
    Ok(row.is_some_and(|ProbeRow { ok }| ok == 1.0))
}
