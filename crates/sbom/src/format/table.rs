//! A table for people, in Syft's columns: NAME, VERSION, TYPE, sorted and aligned, then a
//! summary line and, when some files could not be read, a pointer to the details.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::Sbom;

const HEADER: [&str; 3] = ["NAME", "VERSION", "TYPE"];
const GAP: &str = "  ";

/// Control characters (a newline in a hostile package name) would break the table: they are
/// shown escaped.
fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(crate) fn render(sbom: &Sbom) -> String {
    let mut rows: Vec<[String; 3]> = sbom
        .packages
        .iter()
        .map(|p| [printable(&p.name), printable(&p.version), p.ty.as_str().to_string()])
        .collect();
    // The same package found in two places is one row, as in Syft's table.
    rows.sort();
    rows.dedup();

    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("No packages discovered\n");
    } else {
        let mut widths = HEADER.map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let header = HEADER.map(str::to_string);
        for row in std::iter::once(&header).chain(&rows) {
            let mut line = String::new();
            for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
                if i > 0 {
                    line.push_str(GAP);
                }
                line.push_str(cell);
                if i + 1 < row.len() {
                    line.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push('\n');
        let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &sbom.packages {
            *by_type.entry(p.ty.as_str()).or_default() += 1;
        }
        let mut counts: Vec<(&str, usize)> = by_type.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let parts: Vec<String> = counts.iter().map(|(t, n)| format!("{n} {t}")).collect();
        let _ = writeln!(
            out,
            "{}: {}",
            plural(sbom.packages.len(), "package", "packages"),
            parts.join(", ")
        );
    }
    if !sbom.unknowns.is_empty() {
        let _ = writeln!(
            out,
            "{} could not be read; run with `-o vigil-json` for details",
            plural(sbom.unknowns.len(), "file", "files")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("plain"), "plain");
        assert_eq!(printable("evil\nname\t"), "evil\\nname\\t");
    }
}
