//! A distribution's licences: `License-Expression` (PEP 639), else a short `License` field, else
//! the `License ::` trove classifiers. Common names are mapped to SPDX ids; the rest is kept as
//! written.

use super::parse_metadata::Metadata;

/// Longest `License` value taken as a licence name; longer ones are whole licence texts.
const SHORT: usize = 100;

/// The licences `m` declares.
pub fn licenses(m: &Metadata) -> Vec<String> {
    let expr = m.license_expression.trim();
    if !expr.is_empty() {
        return vec![expr.to_string()];
    }
    let field = m.license.trim();
    if !field.is_empty() && field.len() <= SHORT && !field.contains('\n') && !field.eq_ignore_ascii_case("UNKNOWN") {
        return vec![spdx_for_name(field).map_or_else(|| field.to_string(), str::to_string)];
    }
    let mut out: Vec<String> = Vec::new();
    for c in &m.license_classifiers {
        if let Some(l) = from_classifier(c) {
            if !out.contains(&l) {
                out.push(l);
            }
        }
    }
    out
}

/// `License :: OSI Approved :: MIT License` -> `MIT`; `None` for classifiers naming no licence.
pub fn from_classifier(classifier: &str) -> Option<String> {
    let last = classifier.rsplit("::").next()?.trim();
    if last.is_empty() || matches!(last, "License" | "OSI Approved" | "DFSG approved") {
        return None;
    }
    let id = CLASSIFIERS.iter().find(|(name, _)| *name == last).map(|(_, id)| *id);
    Some(id.unwrap_or(last).to_string())
}

/// The SPDX id for a licence name as authors write it in `License:`, if it is a common one.
pub fn spdx_for_name(name: &str) -> Option<&'static str> {
    let key = name.trim().to_ascii_lowercase();
    NAMES.iter().find(|(n, _)| *n == key).map(|(_, id)| *id)
}

/// Trove classifier licence names (the last segment) and their SPDX ids.
const CLASSIFIERS: &[(&str, &str)] = &[
    ("MIT License", "MIT"),
    ("MIT No Attribution License (MIT-0)", "MIT-0"),
    ("Apache Software License", "Apache-2.0"),
    ("ISC License (ISCL)", "ISC"),
    ("Mozilla Public License 1.1 (MPL 1.1)", "MPL-1.1"),
    ("Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0"),
    ("Python Software Foundation License", "PSF-2.0"),
    ("GNU General Public License v2 (GPLv2)", "GPL-2.0-only"),
    ("GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later"),
    ("GNU General Public License v3 (GPLv3)", "GPL-3.0-only"),
    ("GNU General Public License v3 or later (GPLv3+)", "GPL-3.0-or-later"),
    ("GNU Lesser General Public License v2 (LGPLv2)", "LGPL-2.0-only"),
    (
        "GNU Lesser General Public License v2 or later (LGPLv2+)",
        "LGPL-2.0-or-later",
    ),
    ("GNU Lesser General Public License v3 (LGPLv3)", "LGPL-3.0-only"),
    (
        "GNU Lesser General Public License v3 or later (LGPLv3+)",
        "LGPL-3.0-or-later",
    ),
    ("GNU Affero General Public License v3", "AGPL-3.0-only"),
    (
        "GNU Affero General Public License v3 or later (AGPLv3+)",
        "AGPL-3.0-or-later",
    ),
    ("Eclipse Public License 1.0 (EPL-1.0)", "EPL-1.0"),
    ("Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0"),
    ("Boost Software License 1.0 (BSL-1.0)", "BSL-1.0"),
    ("The Unlicense (Unlicense)", "Unlicense"),
    ("Historical Permission Notice and Disclaimer (HPND)", "HPND"),
    ("zlib/libpng License", "Zlib"),
    ("Universal Permissive License (UPL)", "UPL-1.0"),
    ("European Union Public Licence 1.1 (EUPL 1.1)", "EUPL-1.1"),
    ("European Union Public Licence 1.2 (EUPL 1.2)", "EUPL-1.2"),
    ("CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0"),
];

/// Lowercased licence names seen in `License:` fields, and their SPDX ids.
const NAMES: &[(&str, &str)] = &[
    ("mit", "MIT"),
    ("mit license", "MIT"),
    ("the mit license", "MIT"),
    ("mit license (mit)", "MIT"),
    ("expat", "MIT"),
    ("apache-2.0", "Apache-2.0"),
    ("apache 2.0", "Apache-2.0"),
    ("apache 2", "Apache-2.0"),
    ("apache2", "Apache-2.0"),
    ("apache license 2.0", "Apache-2.0"),
    ("apache license, version 2.0", "Apache-2.0"),
    ("apache license version 2.0", "Apache-2.0"),
    ("apache software license", "Apache-2.0"),
    ("apache software license 2.0", "Apache-2.0"),
    ("asl 2.0", "Apache-2.0"),
    ("asl 2", "Apache-2.0"),
    ("bsd-3-clause", "BSD-3-Clause"),
    ("bsd 3-clause", "BSD-3-Clause"),
    ("bsd 3-clause license", "BSD-3-Clause"),
    ("3-clause bsd", "BSD-3-Clause"),
    ("new bsd", "BSD-3-Clause"),
    ("new bsd license", "BSD-3-Clause"),
    ("modified bsd", "BSD-3-Clause"),
    ("modified bsd license", "BSD-3-Clause"),
    ("bsd-2-clause", "BSD-2-Clause"),
    ("bsd 2-clause", "BSD-2-Clause"),
    ("simplified bsd", "BSD-2-Clause"),
    ("isc", "ISC"),
    ("isc license", "ISC"),
    ("mpl-2.0", "MPL-2.0"),
    ("mpl 2.0", "MPL-2.0"),
    ("mozilla public license 2.0", "MPL-2.0"),
    ("psf", "PSF-2.0"),
    ("psfl", "PSF-2.0"),
    ("psf-2.0", "PSF-2.0"),
    ("python software foundation license", "PSF-2.0"),
    ("gplv2", "GPL-2.0-only"),
    ("gpl-2", "GPL-2.0-only"),
    ("gpl-2.0", "GPL-2.0-only"),
    ("gpl-2.0-only", "GPL-2.0-only"),
    ("gplv2+", "GPL-2.0-or-later"),
    ("gpl-2+", "GPL-2.0-or-later"),
    ("gpl-2.0+", "GPL-2.0-or-later"),
    ("gpl-2.0-or-later", "GPL-2.0-or-later"),
    ("gplv3", "GPL-3.0-only"),
    ("gpl-3", "GPL-3.0-only"),
    ("gpl-3.0", "GPL-3.0-only"),
    ("gpl-3.0-only", "GPL-3.0-only"),
    ("gplv3+", "GPL-3.0-or-later"),
    ("gpl-3+", "GPL-3.0-or-later"),
    ("gpl-3.0+", "GPL-3.0-or-later"),
    ("gpl-3.0-or-later", "GPL-3.0-or-later"),
    ("lgplv2.1", "LGPL-2.1-only"),
    ("lgpl-2.1", "LGPL-2.1-only"),
    ("lgplv2.1+", "LGPL-2.1-or-later"),
    ("lgpl-2.1+", "LGPL-2.1-or-later"),
    ("lgplv3", "LGPL-3.0-only"),
    ("lgpl-3.0", "LGPL-3.0-only"),
    ("lgplv3+", "LGPL-3.0-or-later"),
    ("lgpl-3.0+", "LGPL-3.0-or-later"),
    ("unlicense", "Unlicense"),
    ("the unlicense", "Unlicense"),
    ("zlib", "Zlib"),
    ("0bsd", "0BSD"),
    ("cc0", "CC0-1.0"),
    ("cc0-1.0", "CC0-1.0"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(expr: &str, license: &str, classifiers: &[&str]) -> Metadata {
        Metadata {
            license_expression: expr.into(),
            license: license.into(),
            license_classifiers: classifiers.iter().map(|s| s.to_string()).collect(),
            ..Metadata::default()
        }
    }

    #[test]
    fn expression_first_then_short_field_then_classifiers() {
        assert_eq!(
            licenses(&meta("MIT OR Apache-2.0", "MIT", &[])),
            vec!["MIT OR Apache-2.0"]
        );
        assert_eq!(licenses(&meta("", "Apache 2.0", &[])), vec!["Apache-2.0"]);
        assert_eq!(licenses(&meta("", "GPL-2+", &[])), vec!["GPL-2.0-or-later"]);
        assert_eq!(
            licenses(&meta("", "Some Custom Licence", &[])),
            vec!["Some Custom Licence"]
        );
        let text = "Copyright (c) 2010 someone\nPermission is hereby granted, free of charge, ...";
        assert_eq!(
            licenses(&meta("", text, &["License :: OSI Approved :: MIT License"])),
            vec!["MIT"]
        );
        assert_eq!(
            licenses(&meta(
                "",
                "UNKNOWN",
                &[
                    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",
                    "License :: DFSG approved",
                    "License :: OSI Approved :: BSD License",
                ]
            )),
            vec!["GPL-2.0-or-later", "BSD License"]
        );
        assert!(licenses(&meta("", "", &[])).is_empty());
    }

    #[test]
    fn classifier_segments() {
        assert_eq!(
            from_classifier("License :: OSI Approved :: Apache Software License").as_deref(),
            Some("Apache-2.0")
        );
        assert_eq!(
            from_classifier("License :: Public Domain").as_deref(),
            Some("Public Domain")
        );
        assert_eq!(from_classifier("License :: OSI Approved"), None);
    }
}
