//! The secret and content scanner: an Aho-Corasick pass over a file finds which rules' keywords
//! it holds, and only those rules' regexes run. Every regex runs in linear time (the regex crate),
//! findings per file are capped and snippets are short, so a hostile file (a 10 MB line, invalid
//! UTF-8) costs one pass and a bounded note.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::{Captures, Regex, RegexBuilder};
use sha2::{Digest as _, Sha256};

use crate::candidates::{base_name, is_dotenv};
use crate::rules::{builtin_rules, RuleFiles};
use crate::{AnalysisError, CustomSecret};

/// Most findings (secrets and content matches) recorded per file; the rest are counted.
pub(crate) const MAX_FINDINGS_PER_FILE: usize = 64;
/// Longest masked snippet kept, in bytes.
const MAX_SNIPPET: usize = 160;
/// Regexes from policies are compiled with this size cap.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Extra checks a match must pass beyond its regex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    /// Key material: no placeholder check (DER in base64 has long runs of `A`).
    KeyMaterial,
    /// The secret must not be a placeholder (`EXAMPLE`, `xxxxxxxx…`).
    Placeholder,
    /// A GCP key id counts only in a file that says `"type": "service_account"`.
    GcpServiceAccount,
    /// A Docker `auth` must decode to `user:password` with a password.
    DockerAuth,
    /// A secret-looking variable: its name must not point at a file, its value must not be a flag.
    EnvName,
}

/// One compiled rule (built-in or custom).
pub(crate) struct Rule {
    pub id: String,
    pub category: String,
    pub title: String,
    regex: Regex,
    files: RuleFiles,
    /// Custom rules: only files whose path matches.
    path: Option<regex::Regex>,
    has_keywords: bool,
    check: Check,
    reveal: usize,
}

/// A secret found in some text.
#[derive(Debug)]
pub(crate) struct Hit {
    pub rule: usize,
    pub line: u32,
    /// The first 8 bytes of the secret's sha256: the same secret in two versions of a file.
    pub fingerprint: u64,
    pub redacted: Vec<u8>,
}

/// All rules and content regexes, compiled once.
pub(crate) struct Scanner {
    pub rules: Vec<Rule>,
    /// Keyword pattern index -> rule index.
    keyword_rule: Vec<usize>,
    keywords: AhoCorasick,
    pub content: Vec<(String, Regex)>,
}

fn compile(what: &str, id: &str, re: &str) -> Result<Regex, AnalysisError> {
    RegexBuilder::new(re)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| AnalysisError::Regex {
            what: what.to_string(),
            id: id.to_string(),
            message: e.to_string(),
        })
}

impl Scanner {
    pub fn new(custom: &[CustomSecret], content: &[String]) -> Result<Scanner, AnalysisError> {
        let mut rules = Vec::new();
        let mut words: Vec<&str> = Vec::new();
        let mut keyword_rule = Vec::new();
        for r in builtin_rules() {
            for k in r.keywords {
                words.push(k);
                keyword_rule.push(rules.len());
            }
            let check = match r.id {
                "private-key" => Check::KeyMaterial,
                "gcp-service-account" => Check::GcpServiceAccount,
                "docker-auth" => Check::DockerAuth,
                "secret-env" => Check::EnvName,
                _ => Check::Placeholder,
            };
            rules.push(Rule {
                id: r.id.to_string(),
                category: r.category.to_string(),
                title: r.title.to_string(),
                regex: compile("built-in secret rule", r.id, r.regex)?,
                files: r.files,
                path: None,
                has_keywords: !r.keywords.is_empty(),
                check,
                reveal: r.reveal,
            });
        }
        for c in custom {
            let path = match &c.path_regex {
                Some(p) => Some(
                    regex::RegexBuilder::new(p)
                        .size_limit(REGEX_SIZE_LIMIT)
                        .build()
                        .map_err(|e| AnalysisError::Regex {
                            what: "secret path pattern".to_string(),
                            id: c.id.clone(),
                            message: e.to_string(),
                        })?,
                ),
                None => None,
            };
            rules.push(Rule {
                id: c.id.clone(),
                category: "custom".to_string(),
                title: format!("Custom secret pattern {}", c.id),
                regex: compile("secret pattern", &c.id, &c.regex)?,
                files: RuleFiles::Any,
                path,
                has_keywords: false,
                check: Check::Placeholder,
                reveal: 0,
            });
        }
        // Case-sensitive and leftmost-first so the SIMD prefilter does most of the work.
        let keywords = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&words)
            .map_err(|e| AnalysisError::Regex {
                what: "secret keywords".to_string(),
                id: "built-in".to_string(),
                message: e.to_string(),
            })?;
        if rules.len() > usize::from(u16::MAX) || content.len() > usize::from(u16::MAX) {
            return Err(AnalysisError::Regex {
                what: "secret and content patterns".to_string(),
                id: format!("{} and {}", rules.len(), content.len()),
                message: format!("at most {} of each", u16::MAX),
            });
        }
        // Matches are reported per line: `^` and `$` anchor at line ends.
        let content = content
            .iter()
            .map(|re| compile("content regex", re, &format!("(?m:{re})")).map(|c| (re.clone(), c)))
            .collect::<Result<_, _>>()?;
        Ok(Scanner {
            rules,
            keyword_rule,
            keywords,
            content,
        })
    }

    /// Whether some custom rule reads `path` because its path pattern names it.
    pub fn custom_path_wants(&self, path: &str) -> bool {
        self.rules
            .iter()
            .any(|r| r.path.as_ref().is_some_and(|p| p.is_match(path)))
    }

    /// Whether rule `r` reads the file at `path` (`None`: the configuration's environment).
    fn applies(&self, r: &Rule, path: Option<&str>, searched: bool) -> bool {
        let Some(path) = path else {
            return matches!(r.files, RuleFiles::Any | RuleFiles::DotEnv) && r.path.is_none();
        };
        let base = base_name(path);
        match (&r.path, r.files) {
            (Some(p), _) => p.is_match(path),
            (None, RuleFiles::Any) => searched,
            (None, RuleFiles::Named(names)) => names.contains(&base),
            (None, RuleFiles::DotEnv) => is_dotenv(base),
        }
    }

    /// Secrets in `data`, the content of the file at `path` (`None`: one environment variable).
    /// `searched`: whether the file is in the general candidate set (rules for any file apply).
    pub fn secrets(&self, path: Option<&str>, searched: bool, data: &[u8], dropped: &mut u32) -> Vec<Hit> {
        let mut wanted: Vec<bool> = self.rules.iter().map(|r| self.applies(r, path, searched)).collect();
        if !wanted.iter().any(|&w| w) {
            return Vec::new();
        }
        // Rules with keywords run only when one of their keywords is in the text.
        let mut seen = vec![false; self.rules.len()];
        let pending = self
            .rules
            .iter()
            .zip(&wanted)
            .filter(|(r, &w)| w && r.has_keywords)
            .count();
        if pending > 0 {
            let mut left = pending;
            for m in self.keywords.find_iter(data) {
                let r = self.keyword_rule[m.pattern().as_usize()];
                if wanted[r] && !seen[r] {
                    seen[r] = true;
                    left -= 1;
                    if left == 0 {
                        break;
                    }
                }
            }
        }
        for (i, r) in self.rules.iter().enumerate() {
            if r.has_keywords && !seen[i] {
                wanted[i] = false;
            }
        }
        let mut hits: Vec<Hit> = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            if !wanted[i] {
                continue;
            }
            let mut lines = LineCounter::default();
            for caps in r.regex.captures_iter(data) {
                let Some(whole) = caps.get(0) else { continue };
                let secret = caps.name("secret").or_else(|| caps.get(1)).unwrap_or(whole);
                if !passes(r.check, data, &caps, secret.as_bytes()) {
                    continue;
                }
                let line = lines.line_at(data, whole.start());
                // One finding per line: the first (most specific) rule reports it.
                if hits.iter().any(|h| h.line == line) {
                    continue;
                }
                if hits.len() >= MAX_FINDINGS_PER_FILE {
                    *dropped += 1;
                    continue;
                }
                let redacted = redact(
                    &data[whole.start()..whole.end()],
                    secret.start() - whole.start(),
                    secret.len(),
                    r.reveal,
                );
                hits.push(Hit {
                    rule: i,
                    line,
                    fingerprint: fingerprint(secret.as_bytes()),
                    redacted,
                });
            }
        }
        hits.sort_by_key(|h| h.line);
        hits
    }

    /// Lines of `data` each content regex matches: (regex index, 1-based line, fingerprint of the
    /// first match on the line).
    pub fn content_matches(&self, data: &[u8], dropped: &mut u32) -> Vec<(usize, u32, u64)> {
        let mut out = Vec::new();
        for (i, (_, re)) in self.content.iter().enumerate() {
            let mut lines = LineCounter::default();
            let mut last = 0u32;
            for m in re.find_iter(data) {
                let line = lines.line_at(data, m.start());
                if line == last {
                    continue;
                }
                last = line;
                if out.len() >= MAX_FINDINGS_PER_FILE {
                    *dropped += 1;
                    continue;
                }
                out.push((i, line, fingerprint(m.as_bytes())));
            }
        }
        out
    }
}

/// The first 8 bytes of the sha256 of `text`: tells the same secret (or matched text) in two
/// versions of a file without keeping it.
fn fingerprint(text: &[u8]) -> u64 {
    let digest = Sha256::digest(text);
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(head)
}

/// Counts lines forward through a text, for matches found in order.
#[derive(Default)]
struct LineCounter {
    pos: usize,
    line: u32,
}

impl LineCounter {
    fn line_at(&mut self, data: &[u8], at: usize) -> u32 {
        if at >= self.pos {
            self.line += memchr::memchr_iter(b'\n', &data[self.pos..at]).count() as u32;
        } else {
            self.line = memchr::memchr_iter(b'\n', &data[..at]).count() as u32;
        }
        self.pos = at;
        self.line + 1
    }
}

fn passes(check: Check, data: &[u8], caps: &Captures<'_>, secret: &[u8]) -> bool {
    if check != Check::KeyMaterial && placeholder(secret) {
        return false;
    }
    match check {
        Check::Placeholder | Check::KeyMaterial => true,
        Check::GcpServiceAccount => {
            memchr::memmem::find(data, b"\"service_account\"").is_some()
                && memchr::memmem::find(data, b"\"private_key\"").is_some()
        }
        Check::DockerAuth => crate::base64::decode(secret)
            .and_then(|d| d.iter().position(|&b| b == b':').map(|i| i + 1 < d.len() && i > 0))
            .unwrap_or(false),
        Check::EnvName => {
            let name = caps
                .name("name")
                .map_or(&b""[..], |m| m.as_bytes())
                .to_ascii_uppercase();
            let pointer = [b"_FILE".as_slice(), b"_PATH", b"_DIR", b"_FILENAME", b"_LOCATION"]
                .iter()
                .any(|s| name.ends_with(s));
            let flag = [
                b"true".as_slice(),
                b"false",
                b"yes",
                b"no",
                b"none",
                b"null",
                b"nil",
                b"0",
                b"1",
            ]
            .iter()
            .any(|f| secret.eq_ignore_ascii_case(f));
            !pointer && !flag
        }
    }
}

/// A documented example or filler, not a secret: `AKIAIOSFODNN7EXAMPLE`, `ghp_xxxxxxxx…`.
fn placeholder(secret: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    if memchr::memmem::find(&lower, b"example").is_some() {
        return true;
    }
    // Eight or more of the same character in a row.
    let mut run = 1;
    for w in secret.windows(2) {
        if w[0] == w[1] {
            run += 1;
            if run >= 8 {
                return true;
            }
        } else {
            run = 1;
        }
    }
    false
}

/// The match with its secret masked (its fixed prefix, `reveal` characters, stays for triage),
/// cut to a short single line.
fn redact(whole: &[u8], start: usize, len: usize, reveal: usize) -> Vec<u8> {
    let keep = if len >= 2 * reveal { reveal } else { 0 };
    let mut out = Vec::with_capacity(MAX_SNIPPET + 8);
    out.extend_from_slice(&whole[..start.min(MAX_SNIPPET)]);
    out.extend_from_slice(&whole[start..start + keep]);
    out.extend(std::iter::repeat_n(b'*', (len - keep).clamp(1, 20)));
    let after = &whole[start + len..];
    out.extend_from_slice(&after[..after.len().min(MAX_SNIPPET.saturating_sub(out.len()))]);
    let text = String::from_utf8_lossy(&out);
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(s: &Scanner, path: &str, text: &str) -> Vec<(String, u32)> {
        let mut d = 0;
        s.secrets(Some(path), true, text.as_bytes(), &mut d)
            .into_iter()
            .map(|h| (s.rules[h.rule].id.clone(), h.line))
            .collect()
    }

    #[test]
    fn masks_and_bounds() {
        assert_eq!(
            redact(b"key=AKIA1234567890ABCDEF", 4, 20, 4),
            b"key=AKIA****************".to_vec()
        );
        assert_eq!(redact(b"p=hunter2", 2, 7, 0), b"p=*******".to_vec());
        assert_eq!(redact(b"p=abc", 2, 3, 4), b"p=***".to_vec());
        let long = vec![b'a'; 10_000];
        assert!(redact(&long, 9_000, 100, 4).len() <= MAX_SNIPPET + 30);
        assert!(placeholder(b"AKIAIOSFODNN7EXAMPLE"));
        assert!(placeholder(b"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
        assert!(!placeholder(b"AKIA2E0A8F3B244C9986"));
    }

    #[test]
    fn one_finding_per_line_and_lines_counted() {
        let s = Scanner::new(&[], &[]).expect("rules compile");
        let text = "a\nid = AKIA2E0A8F3B244C9986\n\nx AKIA2E0A8F3B244C9987 AKIA2E0A8F3B244C9988\n";
        assert_eq!(
            ids(&s, "/app/x.cfg", text),
            vec![
                ("aws-access-key-id".to_string(), 2),
                ("aws-access-key-id".to_string(), 4)
            ]
        );
        // Not in the candidate set: only rules for named files apply.
        let mut d = 0;
        assert!(s.secrets(Some("/x/y"), false, text.as_bytes(), &mut d).is_empty());
    }

    #[test]
    fn hostile_text_is_bounded() {
        let s = Scanner::new(&[], &["secret".to_string()]).expect("compile");
        let mut line = vec![b'A'; 10 << 20];
        for chunk in line.chunks_mut(1000) {
            chunk[..20].copy_from_slice(b"AKIA2E0A8F3B244C9986");
            chunk[20] = b' ';
            chunk[21] = 0xff;
        }
        let mut dropped = 0;
        let hits = s.secrets(Some("/app/big.txt"), true, &line, &mut dropped);
        // Everything is on one line: one finding.
        assert_eq!(hits.len(), 1);
        let many: Vec<u8> = "AKIA2E0A8F3B244C9986\n".repeat(1000).into_bytes();
        let hits = s.secrets(Some("/app/many.txt"), true, &many, &mut dropped);
        assert_eq!(hits.len(), MAX_FINDINGS_PER_FILE);
        assert_eq!(dropped, 1000 - MAX_FINDINGS_PER_FILE as u32);
    }
}
