//! HTTP for `WorkTimeClient`: the same `fetch` path as the engine's requests
//! (`transport.rs`), decoding the contract's JSON bodies and errors.

use gloo_net::http::Method;
use serde::de::DeserializeOwned;
use worktime_api::ErrorBody;
use worktime_core::client::Outcome;

use crate::error::SdkError;
use crate::transport;

/// `GET url` and decode a 2xx JSON body as `T`; any other answer becomes an [`SdkError`].
pub async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, SdkError> {
    let (status, text) = match transport::fetch(Method::GET, url, None, None).await {
        Outcome::Http { status, body, .. } => (status, body),
        Outcome::NetworkError(err) => return Err(SdkError::Network(err)),
        Outcome::Timeout => return Err(SdkError::Network("the request timed out".to_owned())),
    };
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
    serde_json::from_str(text).map_err(|err| err.to_string())
}
