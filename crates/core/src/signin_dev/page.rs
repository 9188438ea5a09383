//! The development sign-in's page: what is about to happen, and one button.

use worktime_api::paths;

use super::{cancel, DevLogin, USERNAME};

/// The authorize page: what is about to happen, one button that approves (the same page
/// with `approve=1`), and a way back that cancels.
pub fn authorize_page(login: &DevLogin<'_>) -> String {
    let hidden = |name: &str, value: &str| {
        format!(r#"<input type="hidden" name="{name}" value="{}">"#, html_escape(value))
    };
    let back_to = login.redirect_uri.split(['?', '#']).next().unwrap_or_default();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WorkTime · development sign-in</title>
<style>
body{{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}}
main{{max-width:30rem;margin:10vh auto;background:#fff;border:1px solid #d0d7de;border-radius:12px;padding:28px}}
h1{{font-size:20px;margin:0 0 12px}} p{{margin:0 0 14px}} .note{{color:#59636e;font-size:13px}}
button{{font:inherit;font-weight:600;width:100%;padding:10px 16px;border:0;border-radius:6px;background:#1f883d;color:#fff;cursor:pointer}}
code{{font-size:13px;word-break:break-all}} a{{color:#0969da}}
</style></head>
<body><main>
<h1>WorkTime development sign-in</h1>
<p>This WorkTime server runs on your computer in development mode, with no GitHub OAuth app configured. Instead of a GitHub account it signs you in as the <strong>development user</strong>, <code>{username}</code>.</p>
<form method="get" action="{action}">
{state}{challenge}<input type="hidden" name="code_challenge_method" value="S256">{redirect}
<p><button type="submit" name="approve" value="1" data-testid="dev-sign-in" autofocus>Sign in as the development user</button></p>
</form>
<p class="note">You will return to <code>{back_to}</code>. This sign-in answers only requests from this computer and never exists in production.</p>
<p class="note"><a href="{cancel}" data-testid="dev-cancel">Cancel</a></p>
</main></body></html>
"#,
        username = USERNAME,
        action = paths::AUTH_DEV_AUTHORIZE,
        state = hidden("state", login.state),
        challenge = hidden("code_challenge", login.code_challenge),
        redirect = hidden("redirect_uri", login.redirect_uri),
        back_to = html_escape(back_to),
        cancel = html_escape(&cancel(login)),
    )
}

/// Escapes text for HTML content and double- or single-quoted attributes.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
