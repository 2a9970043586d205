//! Epoch nanoseconds to and from civil UTC time, for `evt.time*`, `evt.datetime*` and
//! `container.start_ts`. Days to dates by Howard Hinnant's algorithms (proleptic Gregorian).

/// (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The parts of a time: date, time of day and nanoseconds.
pub(crate) struct Civil {
    pub y: i64,
    pub mo: u32,
    pub d: u32,
    pub h: u64,
    pub mi: u64,
    pub s: u64,
    pub ns: u64,
}

pub(crate) fn civil(epoch_ns: u64) -> Civil {
    let secs = epoch_ns / 1_000_000_000;
    let days = secs / 86_400;
    let sod = secs % 86_400;
    let (y, mo, d) = civil_from_days(days as i64);
    Civil {
        y,
        mo,
        d,
        h: sod / 3600,
        mi: sod / 60 % 60,
        s: sod % 60,
        ns: epoch_ns % 1_000_000_000,
    }
}

/// An RFC 3339 timestamp (`2026-11-23T13:27:35.566108036Z`, or with a `+hh:mm` offset) in
/// nanoseconds since the epoch; None for anything else or a time before the epoch.
pub(crate) fn parse_rfc3339(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut ns = 0u64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let mut scale = 100_000_000u64;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            ns += u64::from(c - b'0') * scale;
            scale /= 10;
            i += 1;
        }
    }
    let offset: i64 = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            let o = i64::from(oh) * 3600 + i64::from(om) * 60;
            if sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(y), mo, d);
    let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(sec) - offset;
    u64::try_from(secs).ok()?.checked_mul(1_000_000_000)?.checked_add(ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let c = civil(0);
        assert_eq!((c.y, c.mo, c.d, c.h), (1970, 1, 1, 0));
        // 2024-02-29T23:59:59.5Z (a leap day).
        let t = 1_709_251_199_500_000_000;
        let c = civil(t);
        assert_eq!(
            (c.y, c.mo, c.d, c.h, c.mi, c.s, c.ns),
            (2024, 2, 29, 23, 59, 59, 500_000_000)
        );
        assert_eq!(parse_rfc3339("2024-02-29T23:59:59.5Z"), Some(t));
        assert_eq!(parse_rfc3339("2024-03-01T01:59:59.5+02:00"), Some(t));
        assert_eq!(
            parse_rfc3339("2026-11-23T13:27:35.566108036Z"),
            Some(1_795_440_455_566_108_036)
        );
        assert_eq!(parse_rfc3339("0001-01-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2024-01-01 00:00"), None);
        assert_eq!(parse_rfc3339(""), None);
    }
}
