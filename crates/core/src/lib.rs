//! WorkTime's pure core.
//!
//! Everything here is a function of its inputs: the current time is passed in as
//! [`time::UnixMillis`], nothing reads a clock, a socket or storage. The IO shells (the
//! wasm SDK and the worker) call in, then perform the IO the core decided on.

pub mod client;
pub mod cors;
pub mod export;
pub mod health;
pub mod jwt;
pub mod overlap;
pub mod presence;
pub mod ratelimit;
pub mod routing;
pub mod sessions;
pub mod settings;
pub mod signin;
pub mod signin_dev;
pub mod stats;
pub mod sync_plan;
pub mod time;
pub mod validate;
