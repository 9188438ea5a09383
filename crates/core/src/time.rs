//! Wall-clock instants as plain values.

use chrono::{DateTime, SecondsFormat, Utc};

/// Milliseconds since the Unix epoch, UTC. Persistable and comparable across restarts,
/// unlike a monotonic instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixMillis(pub i64);

impl UnixMillis {
    /// Converts a JavaScript `Date.now()` value; fractions are truncated.
    pub fn from_js(ms: f64) -> UnixMillis {
        UnixMillis(ms as i64)
    }

    /// RFC 3339 in UTC with a `Z` suffix and second precision, e.g. `2026-11-22T10:00:00Z`.
    /// Instants outside chrono's range render as the epoch rather than failing.
    pub fn to_rfc3339(self) -> String {
        DateTime::<Utc>::from_timestamp_millis(self.0)
            .unwrap_or_default()
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// Parses any RFC 3339 timestamp (any offset) into UTC milliseconds.
    pub fn parse_rfc3339(text: &str) -> Option<UnixMillis> {
        DateTime::parse_from_rfc3339(text).ok().map(|t| UnixMillis(t.timestamp_millis()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_z_suffix() {
        assert_eq!(UnixMillis(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(UnixMillis(1_795_000_000_999).to_rfc3339(), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn parses_offsets_into_utc() {
        let parsed = UnixMillis::parse_rfc3339("2026-11-18T16:36:40+05:30").expect("valid");
        assert_eq!(parsed, UnixMillis(1_795_000_000_000));
        assert_eq!(UnixMillis::parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn format_then_parse_is_identity_at_second_precision() {
        for ms in [0, 1_000, 1_700_000_000_000, 4_102_444_800_000] {
            let text = UnixMillis(ms).to_rfc3339();
            assert_eq!(UnixMillis::parse_rfc3339(&text), Some(UnixMillis(ms)));
        }
    }
}
