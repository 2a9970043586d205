//! Rule file text kept for messages: line lookup, snippets with the offending text underlined,
//! and mapping a position inside a condition back to the file.

use std::sync::Arc;

use super::yaml::{Mark, Style};

pub(crate) struct SourceFile {
    pub name: Arc<str>,
    pub text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: &str, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        SourceFile {
            name: Arc::from(name),
            text,
            line_starts,
        }
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line(&self, line: u32) -> Option<&str> {
        let i = (line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(i)?;
        let end = self.line_starts.get(i + 1).copied().unwrap_or(self.text.len());
        let s = self.text.get(start..end)?;
        Some(s.trim_end_matches(['\n', '\r']))
    }

    /// Byte offset of a mark.
    fn offset(&self, m: Mark) -> Option<usize> {
        let i = (m.line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(i)?;
        let line = self.line(m.line)?;
        let col = (m.col as usize).saturating_sub(1);
        let within = line.char_indices().nth(col).map_or(line.len(), |(b, _)| b);
        Some(start + within)
    }

    /// The line at `at` with `^` under `width` characters from its column.
    pub fn snippet(&self, at: Mark, width: usize) -> Option<String> {
        let line = self.line(at.line)?;
        let col = (at.col as usize).saturating_sub(1);
        let pad: String = line
            .chars()
            .take(col)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let avail = line.chars().count().saturating_sub(col).max(1);
        let carets = "^".repeat(width.clamp(1, avail));
        let gutter = at.line.to_string();
        let blank = " ".repeat(gutter.len());
        Some(format!("{gutter} | {line}\n{blank} | {pad}{carets}"))
    }

    /// Where the `byte`-th byte of a scalar's value lies in the file. `text` is the scalar's
    /// value, written at `start..end` in the file in `style`. For one-line plain scalars the
    /// mapping is exact; otherwise the `n`-th occurrence of the word at `byte` in the value is
    /// matched with its `n`-th occurrence in the file, which finds the line and column of folded
    /// and block scalars (and falls back to the scalar's first line).
    pub fn locate_in_scalar(&self, text: &str, style: Style, start: Mark, end: Mark, byte: usize) -> Mark {
        let byte = byte.min(text.len());
        if style == Style::Plain && !text.contains('\n') {
            if let Some(line) = self.line(start.line) {
                let col0 = (start.col as usize).saturating_sub(1);
                let rest: String = line.chars().skip(col0).collect();
                if rest.starts_with(text.get(..byte).unwrap_or("")) {
                    let chars = text.get(..byte).map_or(0, |s| s.chars().count());
                    return Mark {
                        line: start.line,
                        col: start.col + u32::try_from(chars).unwrap_or(0),
                    };
                }
            }
        }
        let word_end = text
            .get(byte..)
            .and_then(|s| s.find(|c: char| c.is_whitespace()))
            .map_or(text.len(), |i| byte + i);
        let word = text.get(byte..word_end).unwrap_or("");
        let (Some(from), Some(to)) = (self.offset(start), self.offset(end).or(Some(self.text.len()))) else {
            return start;
        };
        if word.is_empty() || to <= from {
            return start;
        }
        let before = text.get(..byte).unwrap_or("");
        let nth = before.match_indices(word).count();
        let region = self.text.get(from..to).unwrap_or("");
        let found = region.match_indices(word).nth(nth).map(|(i, _)| from + i);
        match found {
            Some(off) => self.mark_of(off),
            None => start,
        }
    }

    fn mark_of(&self, off: usize) -> Mark {
        let i = self.line_starts.partition_point(|&s| s <= off).saturating_sub(1);
        let start = self.line_starts.get(i).copied().unwrap_or(0);
        let col = self.text.get(start..off).map_or(0, |s| s.chars().count());
        Mark {
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            col: u32::try_from(col + 1).unwrap_or(u32::MAX),
        }
    }
}
