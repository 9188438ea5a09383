//! HTTP over the global `fetch`, decoding the contract's JSON bodies and errors.

use gloo_net::http::Request;
use serde::de::DeserializeOwned;
use worktime_api::ErrorBody;

use crate::error::SdkError;

/// `GET url` and decode a 2xx JSON body as `T`; any other answer becomes an [`SdkError`].
pub async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, SdkError> {
    let response = Request::get(url)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|err| SdkError::Network(err.to_string()))?;
    let status = response.status();
    let text = response.text().await.map_err(|err| SdkError::Network(err.to_string()))?;
    if (200..300).contains(&status) {
        return serde_json_from_str(&text)
            .map_err(|detail| SdkError::Unexpected { status, detail });
    }
    match serde_json_from_str::<ErrorBody>(&text) {
        Ok(body) => Err(SdkError::Api { status, body }),
        Err(detail) => Err(SdkError::Unexpected { status, detail }),
    }
}

fn serde_json_from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|_| "the body is not JSON".to_owned())?;
    serde_wasm_bindgen::from_value(value).map_err(|err| err.to_string())
}
