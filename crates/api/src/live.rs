//! Live updates: a WebSocket per open popup, told when another write of the user commits.
//!
//! Browsers cannot set `Authorization` on a WebSocket, and a token must never sit in a URL
//! (URLs get logged). So a client first asks `POST /api/live/ticket` (with its token) for
//! a ticket — random, single-use, valid [`TICKET_SECONDS`] — and opens
//! `GET /api/live?ticket=…`. The socket then only receives [`LiveMessage`]s; it sends
//! nothing that matters (the server ignores client messages except `ping`).

use serde::{Deserialize, Serialize};

/// How long a ticket may wait before it is used.
pub const TICKET_SECONDS: i64 = 30;

/// Close code when the socket's sign-in was signed out (or the user everywhere).
pub const CLOSE_SIGNED_OUT: u16 = 4001;

/// `POST /api/live/ticket` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveTicket {
    /// Pass as `?ticket=` to `GET /api/live`, once.
    pub ticket: String,
    /// When the ticket stops working, RFC 3339 UTC.
    pub expires_at: String,
}

/// A message on the live socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveMessage {
    /// A write of the user committed: re-read what you show.
    Changed {
        /// When it committed, RFC 3339 UTC.
        at: String,
        /// The device whose request it was (`null` for the server's own jobs).
        device_id: Option<String>,
    },
    /// The answer to a client's `ping` text frame.
    Pong,
}
