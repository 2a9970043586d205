//! What an input path holds, told by its content (the extension only breaks a tie for JSON lines).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use crate::limits::{Capped, Limits};
use crate::DbError;

/// The formats `vigil db import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// A zip of records, one per `.json` entry (an OSV `all.zip`; a zip of CVE JSON 5 records).
    Zip,
    /// A directory, walked recursively: `*.json` records, `*.jsonl` / `*.ndjson`, `*.zip`.
    Dir,
    /// One record per line.
    JsonLines,
    /// One record (OSV or CVE JSON 5).
    Json,
    /// An NVD API 2.0 response or feed file (`"format": "NVD_CVE"`).
    NvdApi,
    /// CISA's Known Exploited Vulnerabilities catalogue.
    Kev,
    /// FIRST's EPSS scores CSV.
    EpssCsv,
}

impl Format {
    /// The source kind recorded in the database.
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Format::Zip => "zip",
            Format::Dir => "dir",
            Format::JsonLines => "jsonl",
            Format::Json => "json",
            Format::NvdApi => "nvd-api",
            Format::Kev => "kev-json",
            Format::EpssCsv => "epss-csv",
        }
    }
}

/// An input, sniffed.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    pub path: PathBuf,
    pub format: Format,
    /// The file is gzip-compressed (not for zips and directories).
    pub gzip: bool,
}

impl Input {
    /// The source name this input is stored under: EPSS and KEV are whole snapshots, so a new
    /// file replaces the previous one whatever its path; everything else is keyed by its path.
    pub(crate) fn source_name(&self) -> String {
        match self.format {
            Format::EpssCsv => "epss".to_string(),
            Format::Kev => "kev".to_string(),
            _ => format!("file:{}", self.path.display()),
        }
    }

    /// The file's content as a stream: gunzipped when needed, capped.
    pub(crate) fn open_stream(&self, limits: &Limits) -> Result<Box<dyn BufRead>, DbError> {
        let file = File::open(&self.path).map_err(DbError::io(&self.path))?;
        let raw: Box<dyn Read> = if self.gzip {
            Box::new(GzDecoder::new(BufReader::new(file)))
        } else {
            Box::new(file)
        };
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            Capped::new(raw, limits.max_document_bytes, "the document"),
        )))
    }
}

const HEAD: usize = 64 * 1024;

/// Tells what `path` holds.
pub(crate) fn sniff(path: &Path) -> Result<Input, DbError> {
    let meta = std::fs::metadata(path).map_err(DbError::io(path))?;
    let path = std::fs::canonicalize(path).map_err(DbError::io(path))?;
    if meta.is_dir() {
        return Ok(Input {
            path,
            format: Format::Dir,
            gzip: false,
        });
    }
    let mut head = Vec::with_capacity(HEAD);
    File::open(&path)
        .and_then(|f| f.take(HEAD as u64).read_to_end(&mut head))
        .map_err(DbError::io(&path))?;
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Ok(Input {
            path,
            format: Format::Zip,
            gzip: false,
        });
    }
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    if gzip {
        let mut inner = Vec::with_capacity(HEAD);
        File::open(&path)
            .map(|f| {
                GzDecoder::new(BufReader::new(f))
                    .take(HEAD as u64)
                    .read_to_end(&mut inner)
            })
            .map_err(DbError::io(&path))?
            .map_err(|e| DbError::input(path.display(), format!("unreadable gzip: {e}")))?;
        head = inner;
    }
    let format = text_format(&path, &head)?;
    Ok(Input { path, format, gzip })
}

fn text_format(path: &Path, head: &[u8]) -> Result<Format, DbError> {
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len());
    // `start` is a position in `text` or its length.
    let text = &text[start..];
    let lower_start: Vec<u8> = text.iter().take(16).map(u8::to_ascii_lowercase).collect();
    if text.starts_with(b"#model_version") || lower_start.starts_with(b"cve,epss") {
        return Ok(Format::EpssCsv);
    }
    let contains = |needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    match text.first() {
        Some(b'{') => {}
        Some(b'[') => {
            return Err(DbError::input(
                path.display(),
                "a JSON array: expected an OSV record per file, JSON lines, a zip or a directory of records",
            ))
        }
        _ => {
            return Err(DbError::input(
                path.display(),
                "unknown format: expected an OSV zip, a directory of records, JSON lines, a JSON record, \
                 an NVD CVE feed, the CISA KEV catalogue or an EPSS CSV",
            ))
        }
    }
    if contains(b"\"NVD_CVE\"") {
        return Ok(Format::NvdApi);
    }
    if contains(b"\"catalogVersion\"") || contains(b"\"cveID\"") {
        return Ok(Format::Kev);
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") || first_line_is_a_record(text) {
        return Ok(Format::JsonLines);
    }
    Ok(Format::Json)
}

/// True when the first line is a whole JSON value and more follows: JSON lines.
fn first_line_is_a_record(text: &[u8]) -> bool {
    let Some(end) = text.iter().position(|&b| b == b'\n') else {
        return false;
    };
    // `end` is a position in `text`.
    let rest_has_content = text[end..].iter().any(|b| !b.is_ascii_whitespace());
    rest_has_content && serde_json::from_slice::<serde::de::IgnoredAny>(&text[..end]).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(name: &str, content: &[u8]) -> Result<Format, DbError> {
        text_format(Path::new(name), content)
    }

    #[test]
    fn formats_by_content() {
        assert_eq!(
            format(
                "x",
                b"#model_version:v2025.03.14,score_date:2025-05-12T00:00:00Z\ncve,epss"
            )
            .expect("should succeed"),
            Format::EpssCsv
        );
        assert_eq!(
            format("x", b"cve,epss,percentile\n").expect("should succeed"),
            Format::EpssCsv
        );
        assert_eq!(
            format(
                "x",
                br#"{"resultsPerPage": 1, "format": "NVD_CVE", "vulnerabilities": []}"#
            )
            .expect("should succeed"),
            Format::NvdApi
        );
        assert_eq!(
            format("x", br#"{"title": "CISA", "catalogVersion": "2025.05.12"}"#).expect("should succeed"),
            Format::Kev
        );
        assert_eq!(
            format("x", b"{\"id\": \"A\"}\n{\"id\": \"B\"}\n").expect("should succeed"),
            Format::JsonLines
        );
        assert_eq!(
            format("x.jsonl", b"{\"id\": \"A\"}").expect("should succeed"),
            Format::JsonLines
        );
        assert_eq!(
            format("x.json", b"{\n  \"id\": \"A\"\n}\n").expect("should succeed"),
            Format::Json
        );
        assert_eq!(
            format("x.json", b"\xef\xbb\xbf {\"id\": \"A\"}\n").expect("should succeed"),
            Format::Json
        );
        assert!(format("x", b"[{\"id\": \"A\"}]")
            .expect_err("should fail")
            .to_string()
            .contains("JSON array"));
        assert!(format("x", b"hello")
            .expect_err("should fail")
            .to_string()
            .contains("unknown format"));
    }
}
