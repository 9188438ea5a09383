//! TypeScript declarations of the values crossing into JavaScript (they appear in the
//! generated `.d.ts`). `types.d.ts` is generated from the Rust types by
//! `crates/core/tests/typescript.rs` (ts-rs) and checked for freshness there; output
//! objects use the backend's snake_case field names, options objects camelCase.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = include_str!("types.d.ts");
