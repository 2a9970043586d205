//! Rule parameters: checking a written value against its [`ParamKind`] (at load) and reading it
//! typed (at evaluation).

use std::collections::BTreeMap;

use regex::Regex;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::ParamKind;

/// Regexes of a bundle are compiled with this size limit: a hostile pattern is an error, not a
/// gigabyte of automaton.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Compiles a rule's regex with the crate's limits.
pub(crate) fn compile_regex(pattern: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| {
            // The regex crate's message spans several lines with a caret; keep the last one.
            let msg = e.to_string();
            let last = msg.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(&msg).trim();
            last.trim_start_matches("error: ").to_string()
        })
}

/// Checks `value` against `kind`; `Err` says what is wrong, in words for a person.
pub(crate) fn check_value(kind: ParamKind, value: &str) -> Result<(), String> {
    let v = value.trim();
    match kind {
        ParamKind::Str => Ok(()),
        ParamKind::Int => v
            .parse::<i64>()
            .map(|_| ())
            .map_err(|_| format!("expected an integer, got {v:?}")),
        ParamKind::Float => match v.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(()),
            _ => Err(format!("expected a number, got {v:?}")),
        },
        ParamKind::Bool => parse_bool(v)
            .map(|_| ())
            .ok_or_else(|| format!("expected true or false, got {v:?}")),
        ParamKind::Enum(words) => {
            if words.iter().any(|w| w.eq_ignore_ascii_case(v)) {
                Ok(())
            } else {
                Err(format!("expected one of {}, got {v:?}", words.join(", ")))
            }
        }
        ParamKind::Regex => compile_regex(value)
            .map(|_| ())
            .map_err(|e| format!("invalid regex: {e}")),
        ParamKind::List => {
            if split_list(v).next().is_some() {
                Ok(())
            } else {
                Err("expected a list of values, got an empty one".to_string())
            }
        }
        ParamKind::Date => parse_date(v)
            .map(|_| ())
            .ok_or_else(|| format!("expected a date (YYYY-MM-DD or RFC 3339), got {v:?}")),
        ParamKind::Mode => parse_mode(v)
            .map(|_| ())
            .ok_or_else(|| format!("expected an octal file mode such as 0755 or 4755, got {v:?}")),
    }
}

/// `true`/`false` (and `yes`/`no`, `on`/`off`, `1`/`0`) in any case.
pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// Octal permission bits, `0755`, `4755`, `0o644`; at most `0o7777`.
pub(crate) fn parse_mode(v: &str) -> Option<u32> {
    let digits = v.trim().trim_start_matches("0o");
    if digits.is_empty() || digits.len() > 5 {
        return None;
    }
    u32::from_str_radix(digits, 8).ok().filter(|m| *m <= 0o7777)
}

/// The instant a date parameter stands for: `YYYY-MM-DD` is the end of that day (UTC), so an
/// allowlist item expiring on a date still applies during it.
pub(crate) fn parse_date(v: &str) -> Option<OffsetDateTime> {
    let v = v.trim();
    if let Ok(t) = OffsetDateTime::parse(v, &Rfc3339) {
        return Some(t);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = Date::parse(v, &format).ok()?;
    let next = day.next_day()?;
    Some(next.midnight().assume_utc() - time::Duration::nanoseconds(1))
}

/// The items of a comma-separated list, trimmed, empty ones left out.
pub(crate) fn split_list(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// A comparison operator of a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The operators numeric and severity comparisons accept.
pub(crate) const CMP_WORDS: &[&str] = &["=", "!=", "<", "<=", ">", ">="];

impl Cmp {
    pub(crate) fn parse(s: &str) -> Option<Cmp> {
        Some(match s.trim() {
            "=" | "==" => Cmp::Eq,
            "!=" => Cmp::Ne,
            "<" => Cmp::Lt,
            "<=" => Cmp::Le,
            ">" => Cmp::Gt,
            ">=" => Cmp::Ge,
            _ => return None,
        })
    }

    /// `a OP b`.
    pub(crate) fn holds<T: PartialOrd>(self, a: &T, b: &T) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
        }
    }
}

/// A rule's parameters, read typed. Values were checked at load; a bundle built in code is
/// checked here, and a bad value is an evaluation error (a WARN decision), never a panic.
pub(crate) struct Params<'a> {
    map: &'a BTreeMap<String, String>,
}

impl<'a> Params<'a> {
    pub(crate) fn new(map: &'a BTreeMap<String, String>) -> Params<'a> {
        Params { map }
    }

    /// The trimmed value, `None` when absent or empty.
    pub(crate) fn str(&self, name: &str) -> Option<&'a str> {
        self.map.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    pub(crate) fn required(&self, name: &str) -> Result<&'a str, String> {
        self.str(name).ok_or_else(|| format!("parameter {name} is required"))
    }

    fn typed<T>(&self, name: &str, what: &str, f: impl Fn(&str) -> Option<T>) -> Result<Option<T>, String> {
        match self.str(name) {
            None => Ok(None),
            Some(v) => f(v)
                .map(Some)
                .ok_or_else(|| format!("parameter {name}: expected {what}, got {v:?}")),
        }
    }

    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, String> {
        self.typed(name, "an integer", |v| v.parse().ok())
    }

    pub(crate) fn float(&self, name: &str) -> Result<Option<f64>, String> {
        self.typed(name, "a number", |v| v.parse::<f64>().ok().filter(|f| f.is_finite()))
    }

    pub(crate) fn bool(&self, name: &str) -> Result<Option<bool>, String> {
        self.typed(name, "true or false", parse_bool)
    }

    pub(crate) fn mode(&self, name: &str) -> Result<Option<u32>, String> {
        self.typed(name, "an octal mode", parse_mode)
    }

    /// A word of an enum parameter, lowercased.
    pub(crate) fn word(&self, name: &str) -> Option<String> {
        self.str(name).map(str::to_ascii_lowercase)
    }

    /// A comparison operator, `default` when absent.
    pub(crate) fn cmp(&self, name: &str, default: Cmp) -> Result<Cmp, String> {
        Ok(self
            .typed(name, "a comparison (=, !=, <, <=, >, >=)", Cmp::parse)?
            .unwrap_or(default))
    }

    pub(crate) fn list(&self, name: &str) -> Vec<&'a str> {
        self.str(name).map(|v| split_list(v).collect()).unwrap_or_default()
    }

    pub(crate) fn regex(&self, name: &str) -> Result<Option<Regex>, String> {
        match self.str(name) {
            None => Ok(None),
            Some(v) => compile_regex(v)
                .map(Some)
                .map_err(|e| format!("parameter {name}: invalid regex: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_by_kind() {
        assert!(check_value(ParamKind::Int, "12").is_ok());
        assert!(check_value(ParamKind::Int, "twelve").is_err());
        assert!(check_value(ParamKind::Float, "7.5").is_ok());
        assert!(check_value(ParamKind::Float, "NaN").is_err());
        assert!(check_value(ParamKind::Bool, "Yes").is_ok());
        assert!(check_value(ParamKind::Enum(&["os", "all"]), "OS").is_ok());
        assert!(check_value(ParamKind::Regex, "a(b").is_err());
        assert!(check_value(ParamKind::List, " , ").is_err());
        assert!(check_value(ParamKind::Date, "2027-02-30").is_err());
        assert_eq!(parse_mode("4755"), Some(0o4755));
        assert_eq!(parse_mode("0o644"), Some(0o644));
        assert_eq!(parse_mode("0855"), None);
        assert_eq!(parse_mode("77777"), None);
    }

    #[test]
    fn a_date_lasts_until_the_end_of_its_day() {
        let end = parse_date("2027-06-30").expect("date");
        assert_eq!(end.date(), time::macros::date!(2027 - 06 - 30));
        assert_eq!(end.hour(), 23);
        assert!(parse_date("2027-06-30T12:00:00Z").is_some());
    }
}
