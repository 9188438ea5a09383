//! The backend URL the user types: an `http(s)` origin with an optional path, no user
//! name, password, query or fragment. A small parser of that one shape (the `url`
//! crate's IDNA tables would add more to the SDK's wasm than all of WorkTime's rules).

/// The URL as it is stored (scheme and host lowercased, no trailing slash), or a sentence
/// saying what is wrong.
pub fn check_backend_url(input: &str) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err("Enter the address of your WorkTime server.".into());
    }
    let not_an_address = || {
        "This is not a web address. It should look like https://worktime.example.workers.dev."
            .to_owned()
    };
    let (scheme, rest) = text.split_once("://").ok_or_else(not_an_address)?;
    let scheme = scheme.to_ascii_lowercase();
    if !scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) {
        return Err(not_an_address());
    }
    if scheme != "https" && scheme != "http" {
        return Err("The address must start with https:// (or http://).".into());
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(not_an_address());
    }
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    if authority.contains(['?', '#']) || path.contains(['?', '#']) {
        return Err("Leave out the part after ? or # in the address.".into());
    }
    if authority.contains('@') {
        return Err("Leave the user name and password out of the address.".into());
    }
    let (host, port) = split_port(authority).ok_or_else(not_an_address)?;
    if host.is_empty() {
        return Err("The address needs a server name after https://.".into());
    }
    let host_ok = host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._[]:".contains(&b));
    if !host_ok {
        return Err(not_an_address());
    }
    if scheme == "http" && !crate::validate::is_loopback_host(host) {
        return Err("Use https:// for this server. Plain http:// is only for a server on this computer (127.0.0.1 or localhost).".into());
    }
    let default_port = if scheme == "https" { 443 } else { 80 };
    let port = match port {
        Some(port) if port != default_port => format!(":{port}"),
        _ => String::new(),
    };
    let path = path.trim_end_matches('/');
    Ok(format!("{scheme}://{}{port}{path}", host.to_ascii_lowercase()))
}

/// The key of the engine's saved state for `backend_url` (as [`check_backend_url`] stores
/// it): one per backend, so a token and the ops queued for one backend are never sent to
/// another. Switching back to a backend finds its state, queued ops included.
pub fn engine_storage_key(backend_url: &str) -> String {
    format!("{LEGACY_ENGINE_KEY}:{backend_url}")
}

/// Where builds before one state per backend saved the engine (always for the backend
/// configured at the time); the SDK moves it under [`engine_storage_key`] on first start.
pub const LEGACY_ENGINE_KEY: &str = "worktime.engine";

/// `host[:port]` (IPv6 in brackets); `None` when the port is not a number up to 65535.
fn split_port(authority: &str) -> Option<(&str, Option<u32>)> {
    let port_at = match authority.rfind(':') {
        Some(at) if !authority[at..].contains(']') => at,
        _ => return Some((authority, None)),
    };
    let (host, port) = (&authority[..port_at], &authority[port_at + 1..]);
    if port.is_empty() {
        return Some((host, None));
    }
    if port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: u32 = port.parse().ok()?;
    (number <= 65_535).then_some((host, Some(number)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_stored_in_one_form() {
        let ok = |input: &str| check_backend_url(input).expect(input);
        assert_eq!(ok("https://WorkTime.Example.dev/"), "https://worktime.example.dev");
        assert_eq!(ok(" http://127.0.0.1:8787 "), "http://127.0.0.1:8787");
        assert_eq!(ok("https://example.dev:443/api//"), "https://example.dev/api");
        assert_eq!(ok("http://localhost:8787"), "http://localhost:8787");
        assert_eq!(ok("http://[::1]:8787"), "http://[::1]:8787");
        assert_eq!(ok("http://127.1.2.3"), "http://127.1.2.3");
        assert_eq!(ok("HTTPS://example.dev:8443/x"), "https://example.dev:8443/x");
        assert_eq!(ok("http://[::1]:8787"), "http://[::1]:8787");
    }

    #[test]
    fn every_other_address_is_refused_with_a_sentence() {
        let error = |input: &str| check_backend_url(input).expect_err(input);
        assert!(error("").contains("Enter the address"));
        assert!(error("worktime.example.dev").contains("not a web address"));
        assert!(error("ftp://example.dev").contains("https://"));
        assert!(error("https://user:pw@example.dev").contains("user name"));
        assert!(error("https://example.dev/?x=1").contains("after ? or #"));
        assert!(error("https://example.dev#top").contains("after ? or #"));
        assert!(error("https://").contains("server name"));
        assert!(error("https://example.dev:99999").contains("not a web address"));
        assert!(error("https://exa mple.dev").contains("not a web address"));
    }

    #[test]
    fn plain_http_is_only_for_this_computer() {
        for remote in [
            "http://worktime.example.dev",
            "http://192.168.1.10:8787",
            "http://127.0.0.1.example.dev",
            "http://localhost.example.dev",
            "http://128.0.0.1",
            "http://127.0.0.256",
        ] {
            let refused = check_backend_url(remote).expect_err(remote);
            assert!(refused.contains("https://"), "{remote}: {refused}");
        }
    }

    #[test]
    fn each_backend_has_its_own_saved_state() {
        let a = engine_storage_key("https://a.example.dev");
        assert_ne!(a, engine_storage_key("https://b.example.dev"));
        assert_ne!(a, LEGACY_ENGINE_KEY);
        assert!(a.starts_with(LEGACY_ENGINE_KEY));
    }
}
