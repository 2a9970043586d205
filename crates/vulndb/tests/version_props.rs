//! Property tests: each scheme is a total order on the versions it accepts.
//!
//! Generators draw from small alphabets so that equal and nearly equal
//! versions are common; every case checks all triples of a handful of
//! versions for reflexivity, antisymmetry, transitivity and consistent
//! equality.

use std::cmp::Ordering::{self, Equal, Greater};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use vigil_vulndb::version::{Scheme, Version};

fn versions(scheme: Scheme, pattern: &'static str) -> impl Strategy<Value = Vec<(String, Version)>> {
    let one = pattern.prop_filter_map("rejected by the scheme", move |s: String| {
        Version::parse(scheme, &s).ok().map(|v| (s, v))
    });
    proptest::collection::vec(one, 2..7)
}

fn order(a: &(String, Version), b: &(String, Version)) -> Result<Ordering, TestCaseError> {
    a.1.cmp(&b.1)
        .ok_or_else(|| TestCaseError::fail(format!("{} and {} do not compare", a.0, b.0)))
}

fn check_total_order(vs: &[(String, Version)]) -> Result<(), TestCaseError> {
    for a in vs {
        prop_assert_eq!(order(a, a)?, Equal, "{} is not equal to itself", a.0);
        for b in vs {
            let ab = order(a, b)?;
            prop_assert_eq!(order(b, a)?, ab.reverse(), "{} vs {}", a.0, b.0);
            prop_assert_eq!(ab == Equal, a.1 == b.1);
            for c in vs {
                let (bc, ac) = (order(b, c)?, order(a, c)?);
                if ab != Greater && bc != Greater {
                    prop_assert!(ac != Greater, "{} <= {} <= {} but {} > {}", a.0, b.0, c.0, a.0, c.0);
                }
                if ab == Equal {
                    prop_assert_eq!(ac, bc, "{} == {} but they differ against {}", a.0, b.0, c.0);
                }
            }
        }
    }
    Ok(())
}

const DPKG: &str = "([0-2]:)?[0-9]{1,2}([.+~a-cA~][0-9]{0,2}){0,3}(-[0-9a-c.~+]{1,4})?";
const APK: &str = "[0-9]{1,2}(\\.[0-9]{1,2}){0,2}[a-c]?(_(alpha|rc|p|git)[0-9]?){0,2}(~[0-9a-f]{1,2})?(-r[0-9])?";
const RPM: &str = "([0-2]:)?[0-9a-c]{1,2}([._~^][0-9a-c]{0,2}){0,3}(-[0-9a-c.~^]{0,4})?";
const PEP440: &str = "([0-2]!)?[0-9]{1,2}(\\.[0-9]){0,2}((a|b|rc|alpha|c)[0-9]?)?(\\.post[0-9])?(\\.dev[0-9])?(\\+[a-c0-9]{1,2}(\\.[a-c0-9]{1,2}){0,2})?";
const SEMVER: &str = "v?[0-9]\\.[0-9]\\.[0-9](-[0-9a-cA-]{1,2}(\\.[0-9a-c]{1,2}){0,2})?(\\+[0-9a-c]{1,2})?";
const GO: &str =
    "v[0-9](\\.[0-9](\\.[0-9](-(0|pre)(\\.[0-9]|\\.2019110902193[0-9]-[0-9a-f]{2})?)?(\\+incompatible)?)?)?";
const MAVEN: &str = "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}(-?([0-9]|(alpha|a|beta|b|m|rc|cr|snapshot|ga|final|sp|foo|jre)([-.]?[0-9])?)){0,2}(-SNAPSHOT)?";
const RUBYGEMS: &str = "[0-9](\\.[0-9a-cA]{1,2}){0,4}(-[0-9a-c]{1,2}(\\.[0-9a-c]){0,2})?";
const NUGET: &str = "[0-9](\\.[0-9]){0,3}(-[0-9a-cA-C-]{1,2}(\\.[0-9a-cA]{1,2}){0,2})?(\\+[a-c0-9]{1,2})?";
const COMPOSER: &str = "v?[0-9](\\.[0-9]){0,3}([-.]?(alpha|beta|RC|a|b|p|pl|patch|stable|Stable)[0-9]?)?(-dev)?";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn dpkg_is_a_total_order(vs in versions(Scheme::Dpkg, DPKG)) { check_total_order(&vs)?; }

    #[test]
    fn apk_is_a_total_order(vs in versions(Scheme::Apk, APK)) { check_total_order(&vs)?; }

    #[test]
    fn rpm_is_a_total_order(vs in versions(Scheme::Rpm, RPM)) { check_total_order(&vs)?; }

    #[test]
    fn pep440_is_a_total_order(vs in versions(Scheme::Pep440, PEP440)) { check_total_order(&vs)?; }

    #[test]
    fn semver_is_a_total_order(vs in versions(Scheme::Semver, SEMVER)) { check_total_order(&vs)?; }

    #[test]
    fn go_is_a_total_order(vs in versions(Scheme::Go, GO)) { check_total_order(&vs)?; }

    /// Conventional Maven versions: numbers, then qualifiers after `-` or a
    /// digit/letter change. Maven's own order has cycles outside this shape
    /// (see maven.rs and `maven_cycle_is_mavens` below).
    #[test]
    fn maven_is_a_total_order_on_conventional_versions(vs in versions(Scheme::Maven, MAVEN)) {
        check_total_order(&vs)?;
    }

    #[test]
    fn rubygems_is_a_total_order(vs in versions(Scheme::RubyGems, RUBYGEMS)) { check_total_order(&vs)?; }

    #[test]
    fn nuget_is_a_total_order(vs in versions(Scheme::NuGet, NUGET)) { check_total_order(&vs)?; }

    #[test]
    fn composer_is_a_total_order(vs in versions(Scheme::Composer, COMPOSER)) { check_total_order(&vs)?; }
}

/// The one scheme whose reference is not a total order: Maven 3.8.7 itself
/// answers 1.0.alpha.1 > 1.sp.1 > 1 > 1.0.alpha.1. We keep Maven's answers.
#[test]
fn maven_cycle_is_mavens() {
    let v = |s| Version::parse(Scheme::Maven, s).unwrap_or_else(|e| panic!("{e}"));
    let (a, b, c) = (v("1.0.alpha.1"), v("1.sp.1"), v("1"));
    assert_eq!(a.cmp(&b), Some(Greater));
    assert_eq!(b.cmp(&c), Some(Greater));
    assert_eq!(c.cmp(&a), Some(Greater));
}
