//! Reading requests: the caller's identity, bodies within the size limit, JSON without
//! unknown fields, and query parameters. Every failure is an [`ApiError`].

use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use worker::{console_error, Request, Url};
use worktime_api::{ErrorCode, MAX_BODY_BYTES};
use worktime_core::validate::Violation;

/// A failed request: the contract's error code and a message for the user.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds for `Retry-After` (429 only).
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), retry_after: None }
    }

    /// 401 with the same body whatever was wrong with the token, so callers learn nothing.
    pub fn unauthorized() -> ApiError {
        ApiError::new(ErrorCode::Unauthorized, "Sign in again: a valid WorkTime token is required.")
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(ErrorCode::NotFound, format!("No such {what}."))
    }
}

impl From<Violation> for ApiError {
    fn from(v: Violation) -> ApiError {
        ApiError::new(v.code, v.message)
    }
}

/// An unexpected platform failure (D1, KV, fetch): logged here, answered as a bare 500.
impl From<worker::Error> for ApiError {
    fn from(err: worker::Error) -> ApiError {
        console_error!("internal error: {err}");
        ApiError::new(ErrorCode::Internal, "Something went wrong on our side; please try again.")
    }
}

pub type Handled<T> = std::result::Result<T, ApiError>;

/// The token of an `Authorization: Bearer` header, if there is one.
pub fn bearer(req: &Request) -> Option<String> {
    let header = req.headers().get("Authorization").ok().flatten()?;
    let token = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer "))?;
    Some(token.trim().to_owned())
}

/// The body as `T`: 413 over 64 KB (declared or streamed: reading stops at the limit, so
/// a chunked body is never buffered past it), 400 for malformed JSON, a value that is not
/// a JSON object, or unknown fields. An empty body reads as `{}` for endpoints whose
/// fields are all optional.
pub async fn json_body<T: DeserializeOwned>(req: &mut Request) -> Handled<T> {
    let declared = req
        .headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let bytes = read_limited(req).await?;
    let text = if bytes.iter().all(u8::is_ascii_whitespace) { &b"{}"[..] } else { &bytes[..] };
    if text.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::new(
            ErrorCode::InvalidJson,
            "The request body must be a JSON object.",
        ));
    }
    serde_json::from_slice(text).map_err(|err| {
        ApiError::new(ErrorCode::InvalidJson, format!("The request body is not valid: {err}."))
    })
}

/// The body's bytes, read chunk by chunk and abandoned as soon as they pass the limit.
async fn read_limited(req: &mut Request) -> Handled<Vec<u8>> {
    let unreadable =
        || ApiError::new(ErrorCode::InvalidJson, "The request body could not be read.");
    // A request without a body has no stream: that is the empty body.
    let Ok(mut stream) = req.stream() else { return Ok(Vec::new()) };
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| unreadable())?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn too_large() -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, "The request body is larger than 64 KB.")
}

/// Query parameters, decoded; a repeated name keeps its last value.
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn of(req: &Request) -> Handled<Query> {
        let url: Url = req
            .url()
            .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "The URL is malformed."))?;
        Ok(Query(url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()))
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// An integer parameter in `range`, `default` when absent; 400 otherwise.
    pub fn int(
        &self,
        name: &str,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Handled<i64> {
        let Some(text) = self.text(name) else { return Ok(default) };
        match text.trim().parse::<i64>() {
            Ok(v) if range.contains(&v) => Ok(v),
            _ => Err(ApiError::new(
                ErrorCode::InvalidRequest,
                format!("{name} must be an integer from {} to {}.", range.start(), range.end()),
            )),
        }
    }

    /// Rejects parameters the endpoint does not know, like unknown JSON fields.
    pub fn only(&self, known: &[&str]) -> Handled<()> {
        match self.0.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            Some((k, _)) => Err(ApiError::new(
                ErrorCode::InvalidRequest,
                format!("Unknown query parameter {k:?}; this endpoint takes {}.", known.join(", ")),
            )),
            None => Ok(()),
        }
    }
}
