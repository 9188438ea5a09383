//! The data export's CSV form, written the same by the worker (`GET /api/export`) and by
//! the SDK (which joins every page into one file).

use worktime_api::account::EXPORT_CSV_COLUMNS;
use worktime_api::sessions::Session;

/// The sessions as RFC 4180 CSV: a header row of `EXPORT_CSV_COLUMNS`, one row per
/// session, CRLF line ends; absent values are empty fields.
pub fn csv(sessions: &[Session]) -> String {
    let mut out = String::new();
    row(&mut out, EXPORT_CSV_COLUMNS.iter().map(|c| (*c).to_owned()));
    for s in sessions {
        let opt = |v: Option<String>| v.unwrap_or_default();
        row(
            &mut out,
            [
                s.id.clone(),
                s.device_id.clone(),
                s.repo_owner.clone(),
                s.repo_name.clone(),
                s.pr_number.to_string(),
                s.start_time.clone(),
                opt(s.end_time.clone()),
                opt(s.duration_seconds.map(|d| d.to_string())),
                s.status.as_str().to_owned(),
                s.last_heartbeat.clone(),
                opt(s.tz_offset_minutes.map(|t| t.to_string())),
            ]
            .into_iter(),
        );
    }
    out
}

fn row(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use worktime_api::sessions::SessionStatus;

    #[test]
    fn rows_follow_rfc_4180() {
        let session = Session {
            id: "s".into(),
            repo_owner: "octo".into(),
            repo_name: "a,\"b\"".into(),
            pr_number: 3,
            start_time: "2026-11-18T11:06:40Z".into(),
            end_time: None,
            duration_seconds: None,
            status: SessionStatus::Active,
            last_heartbeat: "2026-11-18T11:06:40Z".into(),
            tz_offset_minutes: Some(-300),
            device_id: "d".into(),
        };
        let text = csv(&[session]);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], EXPORT_CSV_COLUMNS.join(","));
        assert_eq!(
            lines[1],
            "s,d,octo,\"a,\"\"b\"\"\",3,2026-11-18T11:06:40Z,,,active,2026-11-18T11:06:40Z,-300"
        );
        assert_eq!(lines[2], "", "every row ends with CRLF");
    }
}
