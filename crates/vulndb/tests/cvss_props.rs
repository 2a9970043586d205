//! Properties of CVSS parsing and scoring over generated vectors, and
//! hostile input.

use proptest::prelude::*;
use proptest::sample::Index;
use vigil_vulndb::cvss::{Cvss, CvssError, Severity, MAX_VECTOR_LEN};

type Table = &'static [(&'static str, &'static [&'static str])];

const V2_BASE: Table = &[
    ("AV", &["L", "A", "N"]),
    ("AC", &["H", "M", "L"]),
    ("Au", &["M", "S", "N"]),
    ("C", &["N", "P", "C"]),
    ("I", &["N", "P", "C"]),
    ("A", &["N", "P", "C"]),
];
const V2_OPTIONAL: Table = &[
    ("E", &["U", "POC", "F", "H", "ND"]),
    ("RL", &["OF", "TF", "W", "U", "ND"]),
    ("RC", &["UC", "UR", "C", "ND"]),
    ("CDP", &["N", "L", "LM", "MH", "H", "ND"]),
    ("TD", &["N", "L", "M", "H", "ND"]),
    ("CR", &["L", "M", "H", "ND"]),
    ("IR", &["L", "M", "H", "ND"]),
    ("AR", &["L", "M", "H", "ND"]),
];
const V3_BASE: Table = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "R"]),
    ("S", &["U", "C"]),
    ("C", &["H", "L", "N"]),
    ("I", &["H", "L", "N"]),
    ("A", &["H", "L", "N"]),
];
const V3_OPTIONAL: Table = &[
    ("E", &["X", "U", "P", "F", "H"]),
    ("RL", &["X", "O", "T", "W", "U"]),
    ("RC", &["X", "U", "R", "C"]),
    ("CR", &["X", "L", "M", "H"]),
    ("IR", &["X", "L", "M", "H"]),
    ("AR", &["X", "L", "M", "H"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "R"]),
    ("MS", &["X", "U", "C"]),
    ("MC", &["X", "H", "L", "N"]),
    ("MI", &["X", "H", "L", "N"]),
    ("MA", &["X", "H", "L", "N"]),
];
const V4_BASE: Table = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
];
const V4_OPTIONAL: Table = &[
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red"]),
];

/// `NAME:VALUE` components of a valid vector, in a random order: every base
/// metric, each optional one with even odds.
fn components(base: Table, optional: Table) -> impl Strategy<Value = Vec<String>> {
    (
        prop::collection::vec(any::<Index>(), base.len()),
        prop::collection::vec(any::<Option<Index>>(), optional.len()),
    )
        .prop_map(move |(b, o)| {
            let mut out: Vec<String> = base
                .iter()
                .zip(&b)
                .map(|((name, values), i)| format!("{name}:{}", i.get(values)))
                .collect();
            for ((name, values), i) in optional.iter().zip(&o) {
                if let Some(i) = i {
                    out.push(format!("{name}:{}", i.get(values)));
                }
            }
            out
        })
        .prop_shuffle()
}

fn with_prefix(prefix: &'static str, parts: Vec<String>) -> String {
    let body = parts.join("/");
    if prefix.is_empty() {
        body
    } else {
        format!("{prefix}/{body}")
    }
}

/// A valid vector of any version, with its components kept for mutation.
fn any_vector() -> impl Strategy<Value = (&'static str, Vec<String>)> {
    prop_oneof![
        components(V2_BASE, V2_OPTIONAL).prop_map(|c| ("", c)),
        components(V3_BASE, V3_OPTIONAL).prop_map(|c| ("CVSS:3.0", c)),
        components(V3_BASE, V3_OPTIONAL).prop_map(|c| ("CVSS:3.1", c)),
        components(V4_BASE, V4_OPTIONAL).prop_map(|c| ("CVSS:4.0", c)),
    ]
}

fn check_valid(cvss: &Cvss) {
    let (base, score) = (cvss.base_score(), cvss.score());
    assert!(base.tenths() <= 100 && score.tenths() <= 100);
    assert!((0.0..=10.0).contains(&base.as_f32()));
    let expected = match cvss {
        Cvss::V2(_) => Severity::from_v2_score(base),
        _ => Severity::from_score(base),
    };
    assert_eq!(cvss.severity(), expected);
    match cvss {
        Cvss::V2(c) => {
            assert!(c.temporal_score().tenths() <= 100 && c.environmental_score().tenths() <= 100);
            assert!(c.temporal_score() <= base, "temporal factors are at most 1");
            assert!(c.impact_subscore().tenths() <= 100 && c.exploitability_subscore().tenths() <= 100);
        }
        Cvss::V3(c) => {
            assert!(c.temporal_score() <= base, "temporal factors are at most 1");
            assert!(c.environmental_score().tenths() <= 100);
            assert!(c.impact_subscore().tenths() <= 61 && c.exploitability_subscore().tenths() <= 39);
        }
        Cvss::V4(c) => {
            assert!(c.macrovector().iter().all(|l| *l <= 2));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Any valid vector, in any metric order, parses, scores in 0.0–10.0,
    /// and its normalised form parses back to the same thing.
    #[test]
    fn valid_vectors_score_in_range((prefix, parts) in any_vector()) {
        let vector = with_prefix(prefix, parts);
        let cvss = Cvss::parse(&vector).map_err(|e| TestCaseError::fail(e.to_string()))?;
        check_valid(&cvss);
        let again = Cvss::parse(&cvss.vector()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&again, &cvss);
        prop_assert_eq!(again.score(), cvss.score());
        prop_assert_eq!(again.vector(), cvss.vector());
    }

    /// Repeating any component is a duplicate-metric error naming it.
    #[test]
    fn repeated_metric_is_an_error((prefix, mut parts) in any_vector(), pick in any::<Index>()) {
        let repeated = pick.get(&parts).clone();
        parts.push(repeated.clone());
        let result = Cvss::parse(&with_prefix(prefix, parts));
        let name = repeated.split(':').next().unwrap_or_default();
        prop_assert!(
            matches!(&result, Err(CvssError::DuplicateMetric { metric, .. }) if *metric == name),
            "{:?}", result
        );
    }

    /// Dropping a base metric is a missing-metric error naming it.
    #[test]
    fn missing_base_metric_is_an_error((prefix, mut parts) in any_vector(), pick in any::<Index>()) {
        let base = match prefix { "" => V2_BASE, "CVSS:4.0" => V4_BASE, _ => V3_BASE };
        let (name, _) = pick.get(base);
        parts.retain(|p| p.split(':').next() != Some(*name));
        let result = Cvss::parse(&with_prefix(prefix, parts));
        prop_assert!(
            matches!(&result, Err(CvssError::MissingMetric { metric, .. }) if metric == name),
            "{:?}", result
        );
    }

    /// A value outside the metric's set is a bad-value error naming the metric.
    #[test]
    fn bad_value_is_an_error(
        (prefix, mut parts) in any_vector(),
        pick in any::<Index>(),
        value in "[A-Za-z0-9]{0,6}",
    ) {
        let i = pick.index(parts.len());
        let name = parts[i].split(':').next().unwrap_or_default().to_owned();
        let tables: [Table; 2] = match prefix {
            "" => [V2_BASE, V2_OPTIONAL],
            "CVSS:4.0" => [V4_BASE, V4_OPTIONAL],
            _ => [V3_BASE, V3_OPTIONAL],
        };
        let allowed = tables.iter().flat_map(|t| t.iter()).find(|(n, _)| *n == name).map(|(_, v)| *v);
        prop_assume!(!allowed.unwrap_or_default().contains(&value.as_str()));
        parts[i] = format!("{name}:{value}");
        let result = Cvss::parse(&with_prefix(prefix, parts));
        prop_assert!(
            matches!(&result, Err(CvssError::BadValue { metric, .. }) if *metric == name),
            "{:?}", result
        );
    }

    /// A metric of another version (or none at all) is an unknown-metric error.
    #[test]
    fn unknown_metric_is_an_error((prefix, mut parts) in any_vector(), name in "[A-Z][a-z]{0,3}|ZZ") {
        let tables: [Table; 2] = match prefix {
            "" => [V2_BASE, V2_OPTIONAL],
            "CVSS:4.0" => [V4_BASE, V4_OPTIONAL],
            _ => [V3_BASE, V3_OPTIONAL],
        };
        prop_assume!(!tables.iter().flat_map(|t| t.iter()).any(|(n, _)| *n == name));
        parts.insert(0, format!("{name}:N"));
        let result = Cvss::parse(&with_prefix(prefix, parts));
        prop_assert!(
            matches!(&result, Err(CvssError::UnknownMetric { metric, .. }) if *metric == name),
            "{:?}", result
        );
    }

    /// Arbitrary text never panics; whatever parses scores in range and
    /// round-trips.
    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,600}") {
        if let Ok(cvss) = Cvss::parse(&s) {
            check_valid(&cvss);
            prop_assert_eq!(Cvss::parse(&cvss.vector()).ok(), Some(cvss));
        }
    }

    /// Text made of vector-like pieces (the likeliest garbage) never panics.
    #[test]
    fn vector_like_garbage_never_panics(
        prefix in prop::sample::select(vec!["", "CVSS:2.0/", "CVSS:3.0/", "CVSS:3.1/", "CVSS:4.0/", "CVSS:", "cvss:3.1/"]),
        pieces in prop::collection::vec("(AV|AC|PR|UI|S|C|I|A|Au|E|MSI|MSA|U|X|)(:|::|)(N|L|H|X|S|Clear|ND|)(/|//|)", 0..40),
    ) {
        let s = format!("{prefix}{}", pieces.concat());
        if let Ok(cvss) = Cvss::parse(&s) {
            check_valid(&cvss);
        }
    }
}

#[test]
fn hostile_input_is_refused_cheaply() {
    // Huge inputs are refused by length before anything is split.
    let huge = "CVSS:3.1/".to_owned() + &"AV:N/".repeat(200_000);
    assert!(matches!(Cvss::parse(&huge), Err(CvssError::TooLong { .. })));
    let just_over = "A".repeat(MAX_VECTOR_LEN + 1);
    assert!(matches!(Cvss::parse(&just_over), Err(CvssError::TooLong { .. })));
    // Within the limit: slashes, colons, unicode, control characters.
    for s in [
        "/",
        "//////",
        ":",
        "::::",
        "AV",
        "AV:",
        ":N",
        "AV:N:N/AC:L/Au:N/C:P/I:P/A:P",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/\u{0}",
        "CVSS:3.1/AV:Ñ/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Clearly",
        "CVSS:3.1\u{200b}/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "(AV:N/AC:L/Au:N/C:P/I:P/A:P)",
        "av:n/ac:l/au:n/c:p/i:p/a:p",
    ] {
        assert!(Cvss::parse(s).is_err(), "{s:?} parsed");
    }
    // Each metric repeated up to the length limit: the first repeat is the error.
    let repeated = "CVSS:3.1/".to_owned() + &"AV:N/".repeat(90) + "AC:L";
    assert!(matches!(
        Cvss::parse(&repeated),
        Err(CvssError::DuplicateMetric { metric: "AV", .. })
    ));
    // Errors keep only the start of a long vector.
    let long_value = format!("CVSS:3.1/AV:{}", "N".repeat(400));
    let message = Cvss::parse(&long_value)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(message.contains("metric AV has invalid value"), "{message}");
    assert!(
        message.len() < 2 * vigil_vulndb::cvss::MAX_SHOWN + 100,
        "{}",
        message.len()
    );
}
