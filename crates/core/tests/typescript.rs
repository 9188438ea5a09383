//! The TypeScript declarations of every value the SDK hands to JavaScript, generated
//! from the Rust types (ts-rs) into `crates/sdk/src/types.d.ts`, which the SDK embeds in
//! its `.d.ts` and the extension's scripts are type-checked against (`tsc`, the lint
//! tier). This test fails when the committed file is stale:
//! `WORKTIME_BLESS=1 cargo test -p worktime-core --features ts --test typescript`.
#![cfg(feature = "ts")]

use ts_rs::{Config, TS};
use worktime_api::auth::User;
use worktime_api::health::{HealthResponse, HealthStatus};
use worktime_api::stats::{DailyStats, DayTotals, PrTotals};
use worktime_api::sync::OpType;
use worktime_api::ErrorCode;
use worktime_core::client::badge::{Badge, BadgeState};
use worktime_core::client::history::{Breakdown, HistoryEntry, HistoryPage, Source};
use worktime_core::client::js::{
    BrowserObservation, Checked, InitConfig, NextAlarm, SdkStatus, SettingsRules,
    StartSessionInput, StatsResult,
};
use worktime_core::client::{
    FailedItem, Failure, LiveEvent, LiveState, LocalSession, Pause, Recovery, RejectedItem, Status,
    SyncReason, SyncState, Timer,
};
use worktime_core::settings::{RepoList, Settings};
use worktime_core::stats::report::{PrEntry, RepoTotals};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../sdk/src/types.d.ts");

fn declarations() -> String {
    // serde_json writes every integer as a JSON number.
    let config = Config::new().with_large_int("number");
    let decls = [
        HealthStatus::decl(&config),
        HealthResponse::decl(&config),
        User::decl(&config),
        ErrorCode::decl(&config),
        OpType::decl(&config),
        InitConfig::decl(&config),
        StartSessionInput::decl(&config),
        BrowserObservation::decl(&config),
        SyncState::decl(&config),
        LocalSession::decl(&config),
        Failure::decl(&config),
        SyncReason::decl(&config),
        FailedItem::decl(&config),
        RejectedItem::decl(&config),
        Recovery::decl(&config),
        Status::decl(&config),
        Pause::decl(&config),
        BadgeState::decl(&config),
        Badge::decl(&config),
        SdkStatus::decl(&config),
        Source::decl(&config),
        DayTotals::decl(&config),
        DailyStats::decl(&config),
        StatsResult::decl(&config),
        HistoryEntry::decl(&config),
        HistoryPage::decl(&config),
        PrTotals::decl(&config),
        PrEntry::decl(&config),
        RepoTotals::decl(&config),
        Breakdown::decl(&config),
        Timer::decl(&config),
        NextAlarm::decl(&config),
        LiveEvent::decl(&config),
        LiveState::decl(&config),
        Settings::decl(&config),
        SettingsRules::decl(&config),
        Checked::<()>::decl(&config),
        RepoList::decl(&config),
    ];
    let mut text = String::from(
        "// Generated from the Rust types by crates/core/tests/typescript.rs (ts-rs): do not edit.\n\
         // The values the WorkTime SDK hands to JavaScript and the options it reads.\n",
    );
    for decl in decls {
        text.push_str("\nexport ");
        text.push_str(&decl);
        text.push('\n');
    }
    text
}

#[test]
fn committed_declarations_are_fresh() {
    let generated = declarations();
    if std::env::var_os("WORKTIME_BLESS").is_some() {
        std::fs::write(PATH, &generated).expect("writes types.d.ts");
        return;
    }
    let committed = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "crates/sdk/src/types.d.ts is stale: run `WORKTIME_BLESS=1 cargo test -p worktime-core \
         --features ts --test typescript` and commit it"
    );
}
