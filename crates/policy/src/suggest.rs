//! "Did you mean" hints for unknown names (the matching is `vigil_yaml::suggest`).

/// ` (did you mean `x`?)`, or nothing.
pub(crate) fn hint<'n>(name: &str, names: impl IntoIterator<Item = &'n str>) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    vigil_yaml::suggest(name, &names).map_or(String::new(), |s| format!(" (did you mean `{s}`?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_only() {
        let names = ["vulnerabilities", "packages", "licenses"];
        assert_eq!(hint("vulnerabilites", names), " (did you mean `vulnerabilities`?)");
        assert_eq!(hint("Licences", names), " (did you mean `licenses`?)");
        assert_eq!(hint("network", names), "");
        assert_eq!(hint("pakages", names), " (did you mean `packages`?)");
    }
}
