//! FIRST EPSS scores: a CSV (usually `epss_scores-YYYY-MM-DD.csv.gz`) whose first line is a comment
//! `#model_version:v2025.03.14,score_date:2025-05-12T00:00:00Z`, then the header
//! `cve,epss,percentile`, then one CVE per line.

use std::io::BufRead;

use super::is_cve_id;
use crate::import::run::Run;
use crate::limits::{read_line_capped, Line};
use crate::store::Epss;
use crate::DbError;

/// Longest line read; EPSS lines are about 30 bytes.
const MAX_LINE: u64 = 4096;

/// Column positions, from the header.
struct Columns {
    cve: usize,
    epss: usize,
    percentile: usize,
}

/// Reads an EPSS CSV. A bad row is skipped and listed; a file without the header fails.
pub(crate) fn read(run: &mut Run<'_, '_>, mut reader: impl BufRead, label: &str) -> Result<(), DbError> {
    let mut model = None;
    let mut date = None;
    let mut columns: Option<Columns> = None;
    let mut buf = Vec::new();
    let mut number: u64 = 0;
    loop {
        number += 1;
        let place = || format!("line {number}");
        match read_line_capped(&mut reader, MAX_LINE, &mut buf).map_err(|e| DbError::input(label, e.to_string()))? {
            Line::End => break,
            Line::TooLong(len) => {
                run.skip(&place(), None, format!("line of {len} bytes"))?;
                continue;
            }
            Line::Text => {}
        }
        let Ok(line) = std::str::from_utf8(&buf) else {
            run.skip(&place(), None, "not UTF-8".into())?;
            continue;
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            for pair in comment.split(',') {
                match pair.split_once(':') {
                    Some(("model_version", v)) => model = Some(v.trim().to_string()),
                    Some(("score_date", v)) => date = Some(v.trim().to_string()),
                    _ => {}
                }
            }
            continue;
        }
        let Some(cols) = &columns else {
            columns = Some(header(line).map_err(|why| DbError::input(label, format!("line {number}: {why}")))?);
            continue;
        };
        match row(line, cols) {
            Ok((cve, score, percentile)) => {
                run.epss(&Epss {
                    cve,
                    score,
                    percentile,
                    date: date.clone(),
                    model: model.clone(),
                })?;
            }
            Err(why) => run.skip(&place(), None, why)?,
        }
    }
    if columns.is_none() {
        return Err(DbError::input(label, "no EPSS header (cve,epss,percentile)"));
    }
    Ok(())
}

fn header(line: &str) -> Result<Columns, String> {
    let names: Vec<String> = line.split(',').map(|c| c.trim().to_ascii_lowercase()).collect();
    let find = |name: &str| {
        names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| format!("EPSS header {line:?} has no {name} column"))
    };
    Ok(Columns {
        cve: find("cve")?,
        epss: find("epss")?,
        percentile: find("percentile")?,
    })
}

fn row(line: &str, cols: &Columns) -> Result<(String, f64, f64), String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let field = |i: usize| {
        fields
            .get(i)
            .copied()
            .ok_or_else(|| format!("{} fields, expected more", fields.len()))
    };
    let cve = field(cols.cve)?;
    if !is_cve_id(cve) {
        return Err(format!("not a CVE id: {:?}", cve.chars().take(40).collect::<String>()));
    }
    let probability = |name: &str, text: &str| -> Result<f64, String> {
        match text.parse::<f64>() {
            Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
            _ => Err(format!("{name} {text:?} is not a number between 0 and 1")),
        }
    };
    let score = probability("epss", field(cols.epss)?)?;
    let percentile = probability("percentile", field(cols.percentile)?)?;
    Ok((cve.to_string(), score, percentile))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_headers() {
        let cols = header("cve,epss,percentile").expect("should succeed");
        assert_eq!(
            row("CVE-2021-44228,0.94358,0.99957", &cols).expect("should succeed"),
            ("CVE-2021-44228".into(), 0.94358, 0.99957)
        );
        assert!(row("CVE-2021-44228,1.5,0.9", &cols)
            .expect_err("should fail")
            .contains("between 0 and 1"));
        assert!(row("CVE-2021-44228,NaN,0.9", &cols).is_err());
        assert!(row("CVE-2021-44228,0.5", &cols).is_err());
        assert!(row("GHSA-1,0.5,0.5", &cols)
            .expect_err("should fail")
            .contains("not a CVE id"));
        let swapped = header("percentile,cve,epss").expect("should succeed");
        assert_eq!(row("0.5,CVE-2020-0001,0.1", &swapped).expect("should succeed").1, 0.1);
        assert!(header("cve,score").is_err());
    }
}
