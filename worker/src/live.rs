//! Live updates: one `LiveHub` Durable Object per user holds that user's WebSockets with
//! the hibernation API (`accept_web_socket`, attachments, `websocket_message`), so an idle
//! socket costs nothing while the object sleeps.
//!
//! - `POST /api/live/ticket` (with a token): the hub stores a random single-use ticket
//!   bound to the token's sign-in and claims version, valid `TICKET_SECONDS`.
//! - `GET /api/live?ticket=…` (a WebSocket upgrade): the worker routes it to the user's
//!   hub by the ticket's `<user id>.` prefix; the hub consumes the ticket and accepts the
//!   socket, remembering the sign-in in the socket's attachment. A token never appears in
//!   a URL; a ticket in a logged URL is already spent or about to expire.
//! - After each committed write the worker tells the hub, which sends every socket of the
//!   user `{"type":"changed","at":…,"device_id":…}` — nothing the user's own token could
//!   not read.
//! - Sign-out closes the sign-in's sockets, sign-out everywhere all sockets of older
//!   claims versions, with close code `CLOSE_SIGNED_OUT` (4001); deleting the account
//!   closes every socket and forgets the hub's tickets.
//!
//! Live is best-effort on top of the API: every call here logs and swallows failures, so
//! writes commit and the API answers whether or not the hub is reachable.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use worker::{
    console_warn, durable_object, DurableObject, Env, Headers, Method, Request, RequestInit,
    Response, Result, State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};
use worktime_api::live::{LiveMessage, LiveTicket, CLOSE_SIGNED_OUT, TICKET_SECONDS};
use worktime_api::ErrorCode;
use worktime_core::time::UnixMillis;

use crate::request::{ApiError, Handled, Query};
use crate::standing::{self, Caller};
use crate::{env, respond};

/// Most unused tickets a hub keeps (older ones are dropped first).
const MAX_TICKETS: usize = 32;

/// What a socket is bound to.
#[derive(Serialize, Deserialize)]
struct Attachment {
    sid: String,
    ver: i64,
}

#[derive(Clone, Serialize, Deserialize)]
struct TicketRecord {
    sid: String,
    ver: i64,
    expires_ms: i64,
}

/// Which sockets a sign-out closes.
#[derive(Serialize, Deserialize)]
pub enum Revocation {
    /// Those of one sign-in.
    SignIn(String),
    /// Those whose claims version is below this one.
    Before(i64),
    /// All of them, and every unused ticket: the account was deleted.
    Account,
}

#[derive(Serialize, Deserialize)]
struct NewTicket {
    ticket: String,
    record: TicketRecord,
}

#[durable_object]
pub struct LiveHub {
    state: State,
}

impl DurableObject for LiveHub {
    fn new(state: State, _env: Env) -> Self {
        LiveHub { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let now = UnixMillis::from_js(worker::Date::now().as_millis() as f64).0;
        match req.path().as_str() {
            "/ticket" => {
                let new: NewTicket = req.json().await?;
                let mut tickets = self.tickets(now).await?;
                if tickets.len() >= MAX_TICKETS {
                    let oldest =
                        tickets.iter().min_by_key(|(_, r)| r.expires_ms).map(|(k, _)| k.clone());
                    oldest.map(|k| tickets.remove(&k));
                }
                tickets.insert(new.ticket, new.record);
                self.state.storage().put("tickets", &tickets).await?;
                Response::ok("")
            }
            "/connect" => {
                let ticket = req
                    .url()?
                    .query_pairs()
                    .find(|(k, _)| k == "ticket")
                    .map(|(_, v)| v.into_owned());
                let mut tickets = self.tickets(now).await?;
                let record = ticket.and_then(|t| tickets.remove(&t));
                self.state.storage().put("tickets", &tickets).await?;
                let Some(record) = record else {
                    return respond::error(&ApiError::new(
                        ErrorCode::Unauthorized,
                        "This live ticket is unknown, used or expired: ask POST /api/live/ticket for a new one.",
                    ));
                };
                let pair = WebSocketPair::new()?;
                self.state.accept_web_socket(&pair.server);
                pair.server
                    .serialize_attachment(Attachment { sid: record.sid, ver: record.ver })?;
                Response::from_websocket(pair.client)
            }
            "/notify" => {
                let message = req.text().await?;
                for socket in self.state.get_websockets() {
                    let _ = socket.send_with_str(&message);
                }
                Response::ok("")
            }
            "/revoke" => {
                let revocation: Revocation = req.json().await?;
                if matches!(revocation, Revocation::Account) {
                    self.state.storage().delete_all().await?;
                }
                for socket in self.state.get_websockets() {
                    let Ok(Some(bound)) = socket.deserialize_attachment::<Attachment>() else {
                        continue;
                    };
                    let revoked = match &revocation {
                        Revocation::SignIn(sid) => bound.sid == *sid,
                        Revocation::Before(version) => bound.ver < *version,
                        Revocation::Account => true,
                    };
                    if revoked {
                        let _ = socket.close(Some(CLOSE_SIGNED_OUT), Some("signed out"));
                    }
                }
                Response::ok("")
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        if matches!(message, WebSocketIncomingMessage::String(text) if text.trim() == "ping") {
            let _ = ws.send_with_str(serde_json::to_string(&LiveMessage::Pong).unwrap_or_default());
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: usize,
        _reason: String,
        _clean: bool,
    ) -> Result<()> {
        // Complete the closing handshake; a 1005/1006 code may not be sent back.
        let code = u16::try_from(code)
            .ok()
            .filter(|c| (1000..5000).contains(c) && !matches!(c, 1005 | 1006));
        let _ = ws.close(code.or(Some(1000)), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> Result<()> {
        Ok(())
    }
}

impl LiveHub {
    /// The unexpired tickets.
    async fn tickets(&self, now: i64) -> Result<HashMap<String, TicketRecord>> {
        let mut tickets: HashMap<String, TicketRecord> =
            self.state.storage().get("tickets").await?.unwrap_or_default();
        tickets.retain(|_, record| record.expires_ms > now);
        Ok(tickets)
    }
}

fn hub(env: &Env, user_id: i64) -> Result<worker::Stub> {
    env.durable_object(env::LIVE)?.id_from_name(&format!("user:{user_id}"))?.get_stub()
}

async fn post(env: &Env, user_id: i64, path: &str, body: String) -> Result<Response> {
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    let request = Request::new_with_init(&format!("https://live{path}"), &init)?;
    hub(env, user_id)?.fetch_with_request(request).await
}

/// `POST /api/live/ticket`.
pub async fn ticket(env: &Env, caller: &Caller, now: UnixMillis) -> Handled<Response> {
    let ticket = format!("{}.{}{}", caller.user_id, standing::random_id()?, standing::random_id()?);
    let expires_ms = now.0 + TICKET_SECONDS * 1000;
    let record =
        TicketRecord { sid: caller.claims.sid.clone(), ver: caller.claims.ver, expires_ms };
    let body =
        serde_json::to_string(&NewTicket { ticket: ticket.clone(), record }).unwrap_or_default();
    let response = post(env, caller.user_id, "/ticket", body).await;
    if !response.as_ref().is_ok_and(|r| r.status_code() == 200) {
        return Err(ApiError::new(
            ErrorCode::Unavailable,
            "Live updates are unavailable right now; poll instead.",
        ));
    }
    let answer = LiveTicket { ticket, expires_at: UnixMillis(expires_ms).to_rfc3339() };
    Ok(respond::private_json(200, &answer)?)
}

/// `GET /api/live?ticket=…`: the WebSocket upgrade, answered by the ticket's hub.
pub async fn connect(req: &Request, env: &Env) -> Handled<Response> {
    let upgrade = req.headers().get("Upgrade").ok().flatten().unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "This endpoint is a WebSocket: send Upgrade: websocket.",
        ));
    }
    let query = Query::of(req)?;
    query.only(&["ticket"])?;
    let ticket = query.text("ticket").unwrap_or_default();
    let user_id =
        ticket.split_once('.').and_then(|(user, _)| user.parse::<i64>().ok()).filter(|id| *id > 0);
    let Some(user_id) = user_id else {
        return Err(ApiError::new(
            ErrorCode::Unauthorized,
            "A live ticket from POST /api/live/ticket is required.",
        ));
    };
    let mut init = RequestInit::new();
    let headers = Headers::new();
    headers.set("Upgrade", "websocket")?;
    init.with_method(Method::Get).with_headers(headers);
    let mut url = worker::Url::parse("https://live/connect")
        .map_err(|err| worker::Error::RustError(err.to_string()))?;
    url.query_pairs_mut().append_pair("ticket", ticket);
    let request = Request::new_with_init(url.as_str(), &init)?;
    let mut answer = hub(env, user_id)?.fetch_with_request(request).await.map_err(|err| {
        console_warn!("live hub unreachable: {err}");
        ApiError::new(
            ErrorCode::Unavailable,
            "Live updates are unavailable right now; poll instead.",
        )
    })?;
    if answer.status_code() == 101 {
        return Ok(answer);
    }
    // A refusal: the hub's JSON error, in a response of our own (its headers are immutable).
    let status = answer.status_code();
    let mut response = Response::ok(answer.text().await?)?.with_status(status);
    response.headers_mut().set("Content-Type", "application/json")?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

/// Tells every socket of the user that a write committed (best-effort).
pub async fn notify(env: Env, user_id: i64, device_id: Option<String>, now: UnixMillis) {
    let message = LiveMessage::Changed {
        at: UnixMillis(now.0 - now.0.rem_euclid(1000)).to_rfc3339(),
        device_id,
    };
    let body = serde_json::to_string(&message).unwrap_or_default();
    if let Err(err) = post(&env, user_id, "/notify", body).await {
        console_warn!("live notify of user {user_id} failed: {err}");
    }
}

/// Closes the sockets a sign-out revoked (best-effort: they also lose every API call).
pub async fn revoke(env: &Env, user_id: i64, revocation: Revocation) {
    let body = serde_json::to_string(&revocation).unwrap_or_default();
    if let Err(err) = post(env, user_id, "/revoke", body).await {
        console_warn!("live revoke of user {user_id} failed: {err}");
    }
}
