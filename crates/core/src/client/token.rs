//! The token manager: the WorkTime JWT, its expiry, the signed-in user, and when to
//! refresh.
//!
//! The engine never reads the JWT's payload: the expiry comes from the sign-in or
//! refresh answer (`expires_at`), which is the server's clock. Comparing it with the
//! client's clock is off by the clock skew; a client whose clock is slow learns of the
//! expiry from a 401, one whose clock is fast asks for a new sign-in a little early.

use std::fmt;

use worktime_api::auth::{AuthResponse, User};

use crate::time::UnixMillis;

/// The JWT sent as `Authorization: Bearer`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub jwt: String,
    pub expires_at_ms: i64,
}

/// Keeps the JWT out of logs.
impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("jwt", &"<redacted>")
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

/// Who is signed in, with what token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Auth {
    pub token: Option<Token>,
    /// Kept after a 401 or an expiry so the popup can say who should sign in again;
    /// cleared only by sign-out.
    pub user: Option<User>,
    /// The server refused the token or it expired: nothing is sent until a new one.
    pub sign_in_needed: bool,
    /// Bumped whenever the token changes, so an answer to a request sent with an older
    /// token cannot sign out (or sign in) the current one.
    pub epoch: u64,
}

/// What the token allows at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    /// Signed out, or the token was dropped after a 401.
    Missing,
    /// `now >= expires_at`: sending is pointless.
    Expired,
    /// Valid, but expires within the refresh window.
    RefreshDue,
    Valid,
}

/// A renewed token from `POST /auth/refresh`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Renewal {
    pub jwt: String,
    pub expires_at_ms: i64,
    pub user: User,
}

impl Auth {
    /// Installs a token from a sign-in (or a refresh).
    pub fn set(&mut self, jwt: String, expires_at: UnixMillis, user: User) {
        self.token = Some(Token { jwt, expires_at_ms: expires_at.0 });
        self.user = Some(user);
        self.sign_in_needed = false;
        self.epoch += 1;
    }

    /// Signs out: token and user go; the op queue is not touched here.
    pub fn sign_out(&mut self) {
        self.token = None;
        self.user = None;
        self.sign_in_needed = false;
        self.epoch += 1;
    }

    /// The server refused the token (401), or it expired: drop it, ask for a sign-in.
    pub fn revoke(&mut self) {
        self.token = None;
        self.sign_in_needed = true;
        self.epoch += 1;
    }

    pub fn check(&self, now: UnixMillis, refresh_window_ms: i64) -> TokenCheck {
        match &self.token {
            None => TokenCheck::Missing,
            Some(token) if now.0 >= token.expires_at_ms => TokenCheck::Expired,
            Some(token) if token.expires_at_ms - now.0 < refresh_window_ms => {
                TokenCheck::RefreshDue
            }
            Some(_) => TokenCheck::Valid,
        }
    }

    /// The bearer for a request, if any.
    pub fn bearer(&self) -> Option<String> {
        self.token.as_ref().map(|token| token.jwt.clone())
    }

    /// Whether a round may run at all (the expiry is checked when sending).
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }
}

/// Reads a refresh answer: the body must be an [`AuthResponse`] whose `expires_at` is
/// RFC 3339.
pub(crate) fn parse_renewal(body: &str) -> Option<Renewal> {
    let answer: AuthResponse = serde_json::from_str(body).ok()?;
    let expires_at = UnixMillis::parse_rfc3339(&answer.expires_at)?;
    if answer.jwt.is_empty() {
        return None;
    }
    Some(Renewal { jwt: answer.jwt, expires_at_ms: expires_at.0, user: answer.user })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 60 * 60 * 1000;

    fn user() -> User {
        User { id: 7, username: "octo".into(), avatar_url: None }
    }

    #[test]
    fn refresh_is_due_inside_the_window_and_expiry_is_inclusive() {
        let mut auth = Auth::default();
        assert_eq!(auth.check(UnixMillis(0), DAY), TokenCheck::Missing);
        auth.set("jwt".into(), UnixMillis(10 * DAY), user());
        assert_eq!(auth.check(UnixMillis(0), DAY), TokenCheck::Valid);
        assert_eq!(auth.check(UnixMillis(9 * DAY), DAY), TokenCheck::Valid);
        assert_eq!(auth.check(UnixMillis(9 * DAY + 1), DAY), TokenCheck::RefreshDue);
        assert_eq!(auth.check(UnixMillis(10 * DAY - 1), DAY), TokenCheck::RefreshDue);
        assert_eq!(auth.check(UnixMillis(10 * DAY), DAY), TokenCheck::Expired);
    }

    #[test]
    fn revoking_keeps_the_user_and_signing_out_drops_it() {
        let mut auth = Auth::default();
        auth.set("jwt".into(), UnixMillis(DAY), user());
        auth.revoke();
        assert!(auth.sign_in_needed && auth.token.is_none() && auth.user.is_some());
        auth.sign_out();
        assert!(!auth.sign_in_needed && auth.user.is_none());
        assert_eq!(auth.epoch, 3);
        auth.set("secret".into(), UnixMillis(DAY), user());
        assert!(!format!("{auth:?}").contains("secret"));
    }

    #[test]
    fn renewals_need_an_rfc3339_expiry() {
        let body = r#"{"jwt":"new","expires_at":"2026-11-25T10:00:00Z","user":{"id":7,"username":"octo","avatar_url":null}}"#;
        let renewal = parse_renewal(body).expect("parses");
        assert_eq!(
            renewal.expires_at_ms,
            UnixMillis::parse_rfc3339("2026-11-25T10:00:00Z").expect("t").0
        );
        assert_eq!(parse_renewal(&body.replace("2026-11-25T10:00:00Z", "soon")), None);
        assert_eq!(parse_renewal("<html>"), None);
    }
}
