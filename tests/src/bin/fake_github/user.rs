//! `GET /user`: GitHub's user object for a token, or GitHub's refusals.

use serde_json::{json, Value};
use worktime_tests::http1::Response;

use crate::state::{lock, Shared, TokenUser, UserBehaviour};
use crate::Request;

pub const USER_AGENT_REQUIRED: &str =
    "Request forbidden by administrative rules. Please make sure \
your request has a User-Agent header \
(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).";

pub fn user(state: &Shared, request: &Request) -> Response {
    if request.header("user-agent").is_none() {
        return Response::text(403, USER_AGENT_REQUIRED);
    }
    let bad_credentials = || {
        Response::json(
            401,
            &json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}),
        )
    };
    let Some(authorization) = request.header("authorization") else {
        return bad_credentials();
    };
    let Some((scheme, token)) = authorization.trim().split_once(' ') else {
        return bad_credentials();
    };
    if !(scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token")) {
        return bad_credentials();
    }
    let Some(user) = lock(state).tokens.get(token.trim()).cloned() else {
        return bad_credentials();
    };
    match user.behaviour {
        UserBehaviour::Down => Response::json(500, &json!({"message": "Server Error"})),
        UserBehaviour::Malformed => Response::json(200, &json!({"unexpected": true})),
        UserBehaviour::Normal => Response::json(200, &user_json(&user)),
    }
}

/// GitHub's user object. Logins starting with `no-email` have no public email.
fn user_json(user: &TokenUser) -> Value {
    let email = if user.login.starts_with("no-email") {
        Value::Null
    } else {
        Value::String(format!("{}@users.noreply.github.com", user.login))
    };
    json!({
        "login": user.login,
        "id": user.id,
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", user.id),
        "email": email,
        "name": user.login,
        "type": "User",
    })
}
