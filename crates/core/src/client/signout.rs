//! Signing out: ending the token's sign-in on the server as well as here.
//!
//! - This device ([`SignOutScope::ThisSignIn`], `POST /auth/logout`): best effort. The
//!   engine signs out whatever the server answers; when the server could not confirm
//!   (offline, 5xx, …) the result says so, and the token stays valid on the server until it
//!   expires. A 401 means the sign-in had already ended: done.
//! - Everywhere ([`SignOutScope::Everywhere`], `POST /auth/logout-all`): only the server can
//!   do it, so the engine signs out only when the server confirmed. On a 401 this token is
//!   dead anyway: the engine signs out, but the other sign-ins may still be valid.
//!   Otherwise nothing changes and the user can try again.
//!
//! Either way the op queue is kept (see [`Engine::sign_out`]).

use worktime_api::paths;

pub use worktime_api::auth::SignOutScope;

use super::wire::{Outcome, Transmit};
use super::Engine;

/// What a sign-out did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignOutResult {
    /// The server ended the sign-in(s) (or this one had already ended); signed out here.
    Done,
    /// Signed out here, but the server did not confirm: the reason, for the user.
    LocalOnly(String),
    /// Nothing changed (still signed in): the reason, for the user.
    NotDone(String),
}

impl Engine {
    /// The request that ends the sign-in on the server, or `None` when no token is held
    /// (then [`finish_sign_out`](Engine::finish_sign_out) with `None`). Its `id` is 0: it
    /// is not one of the engine's sync requests.
    pub fn sign_out_request(&self, scope: SignOutScope) -> Option<Transmit> {
        let path = match scope {
            SignOutScope::ThisSignIn => paths::AUTH_LOGOUT,
            SignOutScope::Everywhere => paths::AUTH_LOGOUT_ALL,
        };
        let bearer = self.state.auth.bearer()?;
        Some(Transmit {
            id: 0,
            method: "POST",
            path: path.to_owned(),
            bearer: Some(bearer),
            body: None,
        })
    }

    /// Applies the server's answer to [`sign_out_request`](Engine::sign_out_request)
    /// (`None`: there was no token to send).
    pub fn finish_sign_out(
        &mut self,
        scope: SignOutScope,
        outcome: Option<&Outcome>,
    ) -> SignOutResult {
        let answer = match outcome {
            Some(Outcome::Http { status: 200..=299, .. }) => Ok(()),
            Some(Outcome::Http { status: 401, .. }) => Err(None),
            Some(Outcome::Http { status, .. }) => {
                Err(Some(format!("the WorkTime server answered HTTP {status}")))
            }
            Some(Outcome::NetworkError(_)) => {
                Err(Some("the WorkTime server could not be reached".to_owned()))
            }
            Some(Outcome::Timeout) => {
                Err(Some("the WorkTime server did not answer in time".to_owned()))
            }
            None => Err(Some("not signed in".to_owned())),
        };
        match (scope, answer) {
            (_, Ok(())) | (SignOutScope::ThisSignIn, Err(None)) => {
                self.sign_out();
                SignOutResult::Done
            }
            (SignOutScope::ThisSignIn, Err(Some(reason))) => {
                self.sign_out();
                SignOutResult::LocalOnly(format!(
                    "Signed out on this computer, but {reason}: the sign-in stays valid on the server until it expires."
                ))
            }
            (SignOutScope::Everywhere, Err(None)) => {
                self.sign_out();
                SignOutResult::LocalOnly(
                    "This sign-in had already ended, so the others could not be signed out: sign in again and retry."
                        .to_owned(),
                )
            }
            (SignOutScope::Everywhere, Err(Some(reason))) => SignOutResult::NotDone(format!(
                "Could not sign out everywhere: {reason}. Please try again."
            )),
        }
    }
}
