//! "Did you mean" suggestions for unknown names.

/// The closest of `names` to `name`, when close enough to be a typo (edit distance at most a
/// third of the name's length, at least 1; case is ignored).
pub(crate) fn suggest<'n>(name: &str, names: impl IntoIterator<Item = &'n str>) -> Option<&'n str> {
    let lower = name.to_ascii_lowercase();
    let limit = (lower.chars().count() / 3).max(1);
    names
        .into_iter()
        .map(|n| (distance(&lower, &n.to_ascii_lowercase()), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// ` (did you mean `x`?)`, or nothing.
pub(crate) fn hint<'n>(name: &str, names: impl IntoIterator<Item = &'n str>) -> String {
    suggest(name, names).map_or(String::new(), |s| format!(" (did you mean `{s}`?)"))
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_only() {
        let names = ["vulnerabilities", "packages", "licenses"];
        assert_eq!(suggest("vulnerabilites", names), Some("vulnerabilities"));
        assert_eq!(suggest("Licences", names), Some("licenses"));
        assert_eq!(suggest("network", names), None);
        assert_eq!(hint("pakages", names), " (did you mean `packages`?)");
    }
}
