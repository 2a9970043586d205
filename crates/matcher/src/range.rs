//! OSV range semantics (<https://ossf.github.io/osv-schema/#evaluation>), exactly:
//!
//! - `ECOSYSTEM` ranges compare in the ecosystem's ordering, `SEMVER` ranges in SemVer 2.0
//!   (Go's flavour for Go); `GIT` ranges never reach the matcher (the importer drops them);
//! - a range's events are sorted by version (`introduced: "0"` first) and walked: an
//!   `introduced` at or below the version makes it affected, a `fixed` at or below it or a
//!   `last_affected` below it makes it unaffected again; so several introduced/fixed pairs in one
//!   range describe several intervals;
//! - `limit` events cap the range: a version at or above every limit is not affected
//!   (`limit: "*"` caps nothing).
//!
//! Explicit `versions` lists and entries without ranges or versions are handled by the caller.

use std::cmp::Ordering;

use vigil_vulndb::osv::{Event, VersionRange};
use vigil_vulndb::version::{Scheme, Version, VersionError};
use vigil_vulndb::RangeKind;

/// The ordering a range's versions are compared in.
pub(crate) fn range_scheme(kind: RangeKind, ecosystem: Scheme) -> Scheme {
    match kind {
        RangeKind::Ecosystem => ecosystem,
        RangeKind::Semver if ecosystem == Scheme::Go => Scheme::Go,
        RangeKind::Semver => Scheme::Semver,
    }
}

/// The OSV name of a range type.
pub(crate) fn kind_name(kind: RangeKind) -> &'static str {
    match kind {
        RangeKind::Ecosystem => "ECOSYSTEM",
        RangeKind::Semver => "SEMVER",
    }
}

/// One event with its version parsed; `None` for `introduced: "0"`.
struct Parsed<'r> {
    event: &'r Event,
    version: Option<Version>,
}

/// What evaluating one range for one version gave.
pub(crate) struct Evaluated<'r> {
    /// The interval the version is in, when it is affected.
    pub interval: Option<Interval<'r>>,
    /// The range's `fixed` versions, parsed, in record order.
    pub fixed: Vec<(&'r str, Version)>,
}

/// The interval of a range that contains the version: from the `introduced` event that made it
/// affected to the next `fixed` / `last_affected` event, capped by the lowest limit above it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Interval<'r> {
    pub introduced: &'r str,
    /// A `Fixed` or `LastAffected` event, or none (affected from `introduced` on).
    pub upper: Option<&'r Event>,
    pub limit: Option<&'r str>,
}

impl Interval<'_> {
    /// `>=1.0, <1.2.5 (ECOSYSTEM, PEP 440)`; `>=0, <=2.3 (SEMVER, SemVer)`; `>=0 (…)`.
    pub(crate) fn text(&self, kind: RangeKind, scheme: Scheme) -> String {
        let mut s = format!(">={}", self.introduced);
        match self.upper {
            Some(Event::Fixed(v)) => s.push_str(&format!(", <{v}")),
            Some(Event::LastAffected(v)) => s.push_str(&format!(", <={v}")),
            _ => {}
        }
        if let Some(l) = self.limit {
            s.push_str(&format!(", <{l} (limit)"));
        }
        format!("{s} ({}, {})", kind_name(kind), scheme.name())
    }
}

/// Parses an event version in `scheme`. SEMVER ranges should not carry a leading `v`, but some
/// records do; Go's and npm's parsers accept it, so nothing more is needed here.
pub(crate) fn parse_in(scheme: Scheme, version: &str) -> Result<Version, VersionError> {
    Version::parse(scheme, version)
}

fn order(a: &Version, b: &Version) -> Ordering {
    // Both come from one scheme, where the order is total.
    a.cmp(b).unwrap_or(Ordering::Equal)
}

/// Evaluates `range` for the installed version `v` (parsed in `scheme`). Fails when an event
/// version is not a version of `scheme`: the range cannot be evaluated.
pub(crate) fn evaluate<'r>(
    v: &Version,
    range: &'r VersionRange,
    scheme: Scheme,
) -> Result<Evaluated<'r>, VersionError> {
    let mut events: Vec<Parsed<'r>> = Vec::with_capacity(range.events.len());
    let mut limits: Vec<(&'r str, Version)> = Vec::new();
    let mut fixed: Vec<(&'r str, Version)> = Vec::new();
    for event in &range.events {
        match event {
            Event::Introduced(x) if x == "0" => events.push(Parsed { event, version: None }),
            Event::Limit(x) if x == "*" => {}
            Event::Limit(x) => limits.push((x, parse_in(scheme, x)?)),
            Event::Fixed(x) => {
                let version = parse_in(scheme, x)?;
                fixed.push((x, version.clone()));
                events.push(Parsed {
                    event,
                    version: Some(version),
                });
            }
            Event::Introduced(x) | Event::LastAffected(x) => events.push(Parsed {
                event,
                version: Some(parse_in(scheme, x)?),
            }),
        }
    }
    let interval = walk(v, &mut events, &limits);
    Ok(Evaluated { interval, fixed })
}

fn walk<'r>(v: &Version, events: &mut [Parsed<'r>], limits: &[(&'r str, Version)]) -> Option<Interval<'r>> {
    // Under the lowest limit above the version, or not affected at all.
    let limit = if limits.is_empty() {
        None
    } else {
        let above = limits
            .iter()
            .filter(|(_, l)| order(v, l) == Ordering::Less)
            .min_by(|a, b| order(&a.1, &b.1))?;
        Some(above.0)
    };
    // Stable: events of equal versions keep the record's order.
    events.sort_by(|a, b| match (&a.version, &b.version) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => order(x, y),
    });
    let mut opened: Option<usize> = None;
    for (i, e) in events.iter().enumerate() {
        let at_or_above = |x: &Option<Version>| x.as_ref().is_none_or(|x| order(v, x) != Ordering::Less);
        match e.event {
            Event::Introduced(_) if at_or_above(&e.version) => opened = Some(i),
            Event::Fixed(_) if at_or_above(&e.version) => opened = None,
            Event::LastAffected(_) if e.version.as_ref().is_some_and(|x| order(v, x) == Ordering::Greater) => {
                opened = None
            }
            _ => {}
        }
    }
    let start = opened?;
    let upper = events[start + 1..]
        .iter()
        .map(|e| e.event)
        .find(|e| matches!(e, Event::Fixed(_) | Event::LastAffected(_)));
    Some(Interval {
        introduced: events[start].event.version(),
        upper,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(kind: RangeKind, events: &[(&str, &str)]) -> VersionRange {
        VersionRange {
            kind,
            events: events
                .iter()
                .map(|(k, v)| match *k {
                    "introduced" => Event::Introduced(v.to_string()),
                    "fixed" => Event::Fixed(v.to_string()),
                    "last_affected" => Event::LastAffected(v.to_string()),
                    _ => Event::Limit(v.to_string()),
                })
                .collect(),
        }
    }

    /// The interval text for `version`, or None when not affected.
    fn check(scheme: Scheme, r: &VersionRange, version: &str) -> Option<String> {
        let v = Version::parse(scheme, version).expect("valid installed version");
        evaluate(&v, r, scheme)
            .expect("valid range")
            .interval
            .map(|i| i.text(r.kind, scheme))
    }

    #[test]
    fn introduced_fixed() {
        let r = range(RangeKind::Ecosystem, &[("introduced", "0"), ("fixed", "2.20.0")]);
        assert_eq!(
            check(Scheme::Pep440, &r, "2.19.0").as_deref(),
            Some(">=0, <2.20.0 (ECOSYSTEM, PEP 440)")
        );
        assert_eq!(check(Scheme::Pep440, &r, "2.20.0"), None);
        assert!(
            check(Scheme::Pep440, &r, "2.20.0rc1").is_some(),
            "a pre-release is below"
        );
        assert_eq!(check(Scheme::Pep440, &r, "3.0"), None);
    }

    #[test]
    fn last_affected_is_inclusive() {
        let r = range(
            RangeKind::Semver,
            &[("introduced", "1.0.0"), ("last_affected", "1.4.2")],
        );
        assert_eq!(check(Scheme::Semver, &r, "0.9.9"), None);
        assert_eq!(
            check(Scheme::Semver, &r, "1.4.2").as_deref(),
            Some(">=1.0.0, <=1.4.2 (SEMVER, SemVer)")
        );
        assert_eq!(check(Scheme::Semver, &r, "1.4.3"), None);
    }

    #[test]
    fn several_pairs_in_one_range_walk_in_version_order() {
        // Written out of order on purpose: evaluation sorts first.
        let r = range(
            RangeKind::Ecosystem,
            &[
                ("introduced", "2.0"),
                ("fixed", "1.2.5"),
                ("fixed", "2.0.3"),
                ("introduced", "1.0"),
            ],
        );
        assert_eq!(check(Scheme::Pep440, &r, "0.9"), None);
        assert_eq!(
            check(Scheme::Pep440, &r, "1.2").as_deref(),
            Some(">=1.0, <1.2.5 (ECOSYSTEM, PEP 440)")
        );
        assert_eq!(check(Scheme::Pep440, &r, "1.2.5"), None);
        assert_eq!(check(Scheme::Pep440, &r, "1.9"), None, "between the intervals");
        assert_eq!(
            check(Scheme::Pep440, &r, "2.0.2").as_deref(),
            Some(">=2.0, <2.0.3 (ECOSYSTEM, PEP 440)")
        );
        assert_eq!(check(Scheme::Pep440, &r, "2.0.3"), None);
    }

    #[test]
    fn open_ended_and_limits() {
        let open = range(RangeKind::Semver, &[("introduced", "1.5.0")]);
        assert_eq!(
            check(Scheme::Semver, &open, "99.0.0").as_deref(),
            Some(">=1.5.0 (SEMVER, SemVer)")
        );
        let capped = range(
            RangeKind::Semver,
            &[("introduced", "0"), ("limit", "2.0.0"), ("limit", "*")],
        );
        assert_eq!(
            check(Scheme::Semver, &capped, "1.9.9").as_deref(),
            Some(">=0, <2.0.0 (limit) (SEMVER, SemVer)")
        );
        assert_eq!(check(Scheme::Semver, &capped, "2.0.0"), None);
        let star = range(RangeKind::Semver, &[("introduced", "0"), ("limit", "*")]);
        assert!(check(Scheme::Semver, &star, "5.0.0").is_some());
    }

    #[test]
    fn dpkg_epochs_and_tildes_order_as_dpkg_does() {
        let r = range(
            RangeKind::Ecosystem,
            &[("introduced", "0"), ("fixed", "3.0.11-1~deb12u2")],
        );
        assert!(check(Scheme::Dpkg, &r, "3.0.11-1~deb12u1").is_some());
        assert!(check(Scheme::Dpkg, &r, "3.0.11-1").is_none(), "~ sorts before the end");
        let epoch = range(
            RangeKind::Ecosystem,
            &[("introduced", "0"), ("fixed", "1:1.2.13.dfsg-1")],
        );
        assert!(check(Scheme::Dpkg, &epoch, "1.3-1").is_some(), "no epoch is epoch 0");
    }

    #[test]
    fn go_semver_ranges_take_versions_with_or_without_v() {
        let r = range(RangeKind::Semver, &[("introduced", "0"), ("fixed", "1.21.8")]);
        assert!(check(Scheme::Go, &r, "v1.21.7").is_some());
        assert!(check(Scheme::Go, &r, "1.21.8").is_none());
        assert_eq!(range_scheme(RangeKind::Semver, Scheme::Go), Scheme::Go);
        assert_eq!(range_scheme(RangeKind::Semver, Scheme::Pep440), Scheme::Semver);
        assert_eq!(range_scheme(RangeKind::Ecosystem, Scheme::Maven), Scheme::Maven);
    }

    #[test]
    fn an_unparsable_event_fails_the_range_and_says_which() {
        let r = range(RangeKind::Ecosystem, &[("introduced", "0"), ("fixed", "not a version")]);
        let v = Version::parse(Scheme::Pep440, "1.0").expect("valid");
        let err = evaluate(&v, &r, Scheme::Pep440).err().expect("must fail");
        assert_eq!(err.input(), "not a version");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A well-formed range over versions `N.0.0`: sorted distinct bounds paired as
        /// introduced/fixed, the last pair possibly open or closed by `last_affected`, written in
        /// a shuffled order. Its meaning is the union of its intervals.
        /// Intervals `(start, end)`, `end` = `(bound, inclusive)` or open.
        type Pairs = Vec<(u32, Option<(u32, bool)>)>;

        fn ranges() -> impl Strategy<Value = (Pairs, Vec<usize>)> {
            (
                proptest::collection::btree_set(1u32..40, 1..9),
                any::<bool>(),
                any::<bool>(),
                any::<u64>(),
            )
                .prop_map(|(bounds, open_end, last_affected, seed)| {
                    let b: Vec<u32> = bounds.into_iter().collect();
                    let mut pairs = Vec::new();
                    let mut i = 0;
                    while i < b.len() {
                        match b.get(i + 1) {
                            Some(&end) => pairs.push((b[i], Some((end, false)))),
                            None => pairs.push((b[i], None)),
                        }
                        i += 2;
                    }
                    if let Some(last) = pairs.last_mut() {
                        match (open_end, last.1) {
                            (true, _) => last.1 = None,
                            (false, Some((end, _))) if last_affected => last.1 = Some((end, true)),
                            _ => {}
                        }
                    }
                    let n = pairs.len() * 2;
                    let mut order: Vec<usize> = (0..n).collect();
                    let mut x = seed | 1;
                    for k in (1..n).rev() {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        order.swap(k, (x % (k as u64 + 1)) as usize);
                    }
                    (pairs, order)
                })
        }

        proptest! {
            #[test]
            fn the_walk_is_the_union_of_intervals((pairs, order) in ranges(), v in 0u32..45) {
                let ver = |n: u32| format!("{n}.0.0");
                let mut events = Vec::new();
                for (start, end) in &pairs {
                    events.push(Event::Introduced(ver(*start)));
                    match end {
                        Some((e, false)) => events.push(Event::Fixed(ver(*e))),
                        Some((e, true)) => events.push(Event::LastAffected(ver(*e))),
                        None => events.push(Event::Limit("*".into())),
                    }
                }
                let shuffled: Vec<Event> = order.iter().filter_map(|&i| events.get(i).cloned()).collect();
                let r = VersionRange { kind: RangeKind::Semver, events: shuffled };
                let expected = pairs.iter().any(|(start, end)| {
                    v >= *start
                        && match end {
                            Some((e, false)) => v < *e,
                            Some((e, true)) => v <= *e,
                            None => true,
                        }
                });
                let installed = Version::parse(Scheme::Semver, &ver(v)).expect("valid");
                let got = evaluate(&installed, &r, Scheme::Semver).expect("valid range");
                prop_assert_eq!(got.interval.is_some(), expected);
                if let Some(i) = got.interval {
                    let start: u32 = i.introduced.trim_end_matches(".0.0").parse().expect("number");
                    prop_assert!(pairs.iter().any(|(s, _)| *s == start) && start <= v);
                }
            }
        }
    }

    #[test]
    fn fixed_versions_are_reported_in_record_order() {
        let r = range(
            RangeKind::Ecosystem,
            &[
                ("introduced", "0"),
                ("fixed", "2.0"),
                ("introduced", "3.0"),
                ("fixed", "3.1"),
            ],
        );
        let v = Version::parse(Scheme::Pep440, "1.0").expect("valid");
        let e = evaluate(&v, &r, Scheme::Pep440).expect("valid");
        let fixed: Vec<&str> = e.fixed.iter().map(|f| f.0).collect();
        assert_eq!(fixed, ["2.0", "3.1"]);
    }
}
