use std::sync::Arc;

use serde::Deserialize;
use vigil_rules::Priority;

/// One alert, already rendered by the rule engine. Cloning is cheap (reference counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The rule's priority; `Emergency` is the most severe.
    pub priority: Priority,
    /// The rule's name.
    pub rule: Arc<str>,
    /// The event's time, nanoseconds since the Unix epoch.
    pub time_ns: u64,
    /// The host the alert comes from.
    pub hostname: Arc<str>,
    /// The container's id; `host` for events outside containers (Falco's `container.id`). The throttle key.
    pub container_id: Arc<str>,
    /// The rule's tags.
    pub tags: Arc<[Arc<str>]>,
    /// The text line, as Falco prints it: `<time>: <Priority> <output>`, without a newline.
    pub text: Arc<str>,
    /// The rule's output text alone.
    pub output: Arc<str>,
    /// The JSON alert on one line, with Falco's keys (`time`, `rule`, `priority`, `source`, `hostname`,
    /// `output`, `output_fields`, `tags`) and Vigil's extra keys.
    pub json: Arc<str>,
}

impl Alert {
    /// The alert's line in `format`, without a newline.
    pub fn line(&self, format: Format) -> &str {
        match format {
            Format::Text => &self.text,
            Format::Json => &self.json,
        }
    }

    /// The syslog severity of the priority (Falco's mapping): Emergency 0 (emerg), Alert 1, Critical 2,
    /// Error 3, Warning 4, Notice 5, Informational 6, Debug 7.
    pub fn syslog_severity(&self) -> u8 {
        match self.priority {
            Priority::Emergency => 0,
            Priority::Alert => 1,
            Priority::Critical => 2,
            Priority::Error => 3,
            Priority::Warning => 4,
            Priority::Notice => 5,
            Priority::Informational => 6,
            Priority::Debug => 7,
        }
    }
}

/// How a sink writes an alert: the text line or the JSON alert (Falco's `json_output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (Falco's JSON `time`), or `HH:MM:SS.nnnnnnnnn` when `!date` (the text prefix).
pub(crate) fn format_time(time_ns: u64, date: bool, digits: u32, out: &mut String) {
    use std::fmt::Write as _;
    let secs = time_ns / 1_000_000_000;
    let nanos = time_ns % 1_000_000_000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    if date {
        let (y, mo, d) = civil_from_days(days);
        let _ = write!(out, "{y:04}-{mo:02}-{d:02}T");
    }
    let _ = write!(out, "{h:02}:{m:02}:{s:02}");
    if digits > 0 {
        let frac = nanos / 10u64.pow(9 - digits.min(9));
        let _ = write!(out, ".{frac:0width$}", width = digits.min(9) as usize);
    }
    if date {
        out.push('Z');
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(crate) fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let mut s = String::new();
        // 2023-11-14T22:13:20.123456789Z
        format_time(1_700_000_000_123_456_789, true, 9, &mut s);
        assert_eq!(s, "2023-11-14T22:13:20.123456789Z");
        s.clear();
        format_time(1_700_000_000_123_456_789, false, 9, &mut s);
        assert_eq!(s, "22:13:20.123456789");
        s.clear();
        format_time(951_782_400_000_001_000, true, 6, &mut s); // leap day 2000
        assert_eq!(s, "2000-02-29T00:00:00.000001Z");
    }
}
