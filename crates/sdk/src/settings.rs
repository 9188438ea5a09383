//! The settings rules and the paths the extension's pages need, from the core and the
//! contract: the options page and the service worker call these instead of keeping their
//! own copies.

use wasm_bindgen::prelude::*;
use worktime_core::client::js::{Checked, SettingsRules};
use worktime_core::settings;

use crate::worktime::{from_js, to_js};

/// A stored settings value (old, partial or edited) with every field present and valid.
#[wasm_bindgen(js_name = normalizeSettings, unchecked_return_type = "Settings")]
pub fn normalize_settings(stored: JsValue) -> Result<JsValue, JsValue> {
    let value: serde_json::Value =
        if stored.is_undefined() { serde_json::Value::Null } else { from_js(&stored)? };
    to_js(&settings::normalize(&value))
}

/// The settings form's defaults and limits.
#[wasm_bindgen(js_name = settingsRules, unchecked_return_type = "SettingsRules")]
pub fn settings_rules() -> Result<JsValue, JsValue> {
    to_js(&SettingsRules::current())
}

/// The backend URL as it is stored, or what is wrong with it.
#[wasm_bindgen(js_name = checkBackendUrl, unchecked_return_type = "Checked<string>")]
pub fn check_backend_url(input: &str) -> Result<JsValue, JsValue> {
    to_js(&Checked::from(settings::check_backend_url(input)))
}

/// The idle threshold in whole minutes, or what is wrong with it.
#[wasm_bindgen(js_name = checkIdleMinutes, unchecked_return_type = "Checked<number>")]
pub fn check_idle_minutes(input: &str) -> Result<JsValue, JsValue> {
    to_js(&Checked::from(settings::check_idle_minutes(input)))
}

/// One `owner/repo` per line: the accepted names and one sentence per refused line.
#[wasm_bindgen(js_name = parseRepoList, unchecked_return_type = "RepoList")]
pub fn parse_repo_list(text: &str) -> Result<JsValue, JsValue> {
    to_js(&settings::parse_repo_list(text))
}

/// Repositories in both lists (case-insensitive), as written in the first.
#[wasm_bindgen(js_name = inBoth, unchecked_return_type = "string[]")]
pub fn in_both(always: JsValue, never: JsValue) -> Result<JsValue, JsValue> {
    let always: Vec<String> = from_js(&always)?;
    let never: Vec<String> = from_js(&never)?;
    to_js(&settings::in_both(&always, &never))
}

/// The path (on the backend) that starts GitHub sign-in.
#[wasm_bindgen(js_name = signInPath)]
pub fn sign_in_path() -> String {
    worktime_api::paths::AUTH_LOGIN.to_owned()
}
