//! The image history read as Dockerfile instructions, and where the base image ends in it.
//!
//! Each history entry without `empty_layer` made the next layer (bottom first), so the n-th such
//! entry is layer n. `created_by` is written by the classic builder as
//! `/bin/sh -c #(nop)  CMD ["bash"]` (metadata) or `/bin/sh -c apt-get install …` (a RUN), and by
//! BuildKit as `RUN /bin/sh -c pip install … # buildkit`, `COPY . /app # buildkit`,
//! `ENV A=b`, `EXPOSE map[8000/tcp:{}]`.
//!
//! **Inferring the base image.** A base image's history normally ends with its `CMD` (or
//! `ENTRYPOINT`), an entry with no layer; the application's build then adds layers on top. So
//! the *last* `CMD`/`ENTRYPOINT` empty-layer entry that is followed by more layers marks the end
//! of the base: the layers before it are the base's. An image whose history has no such entry
//! (a single-stage image built `FROM scratch`, or history squashed away) has no inferred base,
//! and decisions then carry no base/application part. A `CMD` written in the middle of an
//! application's Dockerfile would move the boundary up; `--base IMAGE` gives the exact count.

use vigil_types::HistoryEntry;

/// Instruction names the history can show.
pub(crate) const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// One history entry read as an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Instruction {
    /// Position in the history (0 = oldest).
    pub history: usize,
    /// The layer it made, or for an empty-layer entry the layer below it (`None` before any).
    pub layer: Option<usize>,
    pub empty: bool,
    /// Upper-case instruction name (`RUN`, `CMD`, ...).
    pub name: String,
    /// The rest of the line: `apt-get update`, `["bash"]`, `8000/tcp`.
    pub value: String,
}

/// Reads every entry of `history`.
pub(crate) fn instructions(history: &[HistoryEntry]) -> Vec<Instruction> {
    let mut layers = 0usize;
    let mut out = Vec::with_capacity(history.len());
    for (i, h) in history.iter().enumerate() {
        let layer = if h.empty_layer {
            layers.checked_sub(1)
        } else {
            layers += 1;
            Some(layers - 1)
        };
        let (name, value) = read_created_by(&h.created_by);
        out.push(Instruction {
            history: i,
            layer,
            empty: h.empty_layer,
            name,
            value,
        });
    }
    out
}

fn is_start(name: &str) -> bool {
    name == "CMD" || name == "ENTRYPOINT"
}

/// `(INSTRUCTION, value)` of one `created_by` line; `("", "")` for an empty line.
pub(crate) fn read_created_by(line: &str) -> (String, String) {
    let mut s = line.trim();
    if s.is_empty() {
        return (String::new(), String::new());
    }
    if let Some(rest) = s.strip_suffix("# buildkit") {
        s = rest.trim_end();
    }
    // Classic builder: metadata instructions as `#(nop)`, RUN as the shell line itself.
    for shell in ["/bin/sh -c ", "/bin/bash -c ", "cmd /S /C "] {
        if let Some(rest) = s.strip_prefix(shell) {
            let rest = rest.trim_start();
            if let Some(meta) = rest.strip_prefix("#(nop)") {
                return split_instruction(meta.trim());
            }
            return ("RUN".to_string(), rest.to_string());
        }
    }
    // `|2 VERSION=1 NAME=x /bin/sh -c make`: a RUN with build arguments.
    if let Some(rest) = s.strip_prefix('|') {
        if rest.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            let cmd = rest.find(" -c ").map_or(rest, |i| &rest[i + 4..]);
            return ("RUN".to_string(), cmd.trim().to_string());
        }
    }
    let (name, value) = split_instruction(s);
    if name == "RUN" {
        for shell in ["/bin/sh -c ", "/bin/bash -c "] {
            if let Some(rest) = value.strip_prefix(shell) {
                return (name, rest.trim().to_string());
            }
        }
    }
    if INSTRUCTIONS.contains(&name.as_str()) {
        (name, value)
    } else {
        // Something else wrote the layer (a tool, `docker commit`): call it a RUN of the line.
        ("RUN".to_string(), s.to_string())
    }
}

fn split_instruction(s: &str) -> (String, String) {
    let (word, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
    (word.to_ascii_uppercase(), rest.trim().to_string())
}

/// The number of bottom layers that belong to the base image, inferred as the module explains;
/// `None` when the history does not tell.
pub(crate) fn infer_base(instructions: &[Instruction]) -> Option<usize> {
    let mut base = None;
    let mut layers = 0usize;
    let mut candidate = None;
    for ins in instructions {
        if ins.empty {
            if is_start(&ins.name) && layers > 0 {
                candidate = Some(layers);
            }
        } else {
            layers += 1;
            if let Some(c) = candidate.take() {
                base = Some(c);
            }
        }
    }
    base
}

/// The last history position that belongs to a base of `count` layers: the entry that made the
/// `count`-th layer, or a `CMD`/`ENTRYPOINT` after it and before the next layer.
pub(crate) fn base_end(instructions: &[Instruction], count: usize) -> Option<usize> {
    if count == 0 {
        return None;
    }
    let mut layers = 0usize;
    let mut end = None;
    for ins in instructions {
        if ins.empty {
            if end.is_some() && is_start(&ins.name) {
                end = Some(ins.history);
            }
        } else {
            layers += 1;
            if layers == count {
                end = Some(ins.history);
            } else if layers > count {
                break;
            }
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(created_by: &str, empty: bool) -> HistoryEntry {
        HistoryEntry {
            created_by: created_by.to_string(),
            empty_layer: empty,
            ..HistoryEntry::default()
        }
    }

    #[test]
    fn created_by_lines_of_both_builders() {
        let cases = [
            ("/bin/sh -c #(nop)  CMD [\"bash\"]", "CMD", "[\"bash\"]"),
            ("/bin/sh -c #(nop) ADD file:abc in / ", "ADD", "file:abc in /"),
            (
                "/bin/sh -c apt-get update && apt-get install -y curl",
                "RUN",
                "apt-get update && apt-get install -y curl",
            ),
            (
                "RUN /bin/sh -c pip install django==2.2.0 # buildkit",
                "RUN",
                "pip install django==2.2.0",
            ),
            ("COPY . /app # buildkit", "COPY", ". /app"),
            ("EXPOSE map[8000/tcp:{}]", "EXPOSE", "map[8000/tcp:{}]"),
            ("USER app", "USER", "app"),
            ("|1 VERSION=2 /bin/sh -c make install", "RUN", "make install"),
        ];
        for (line, name, value) in cases {
            assert_eq!(read_created_by(line), (name.to_string(), value.to_string()), "{line}");
        }
    }

    #[test]
    fn base_ends_at_the_last_cmd_followed_by_layers() {
        let h = [
            entry("/bin/sh -c #(nop) ADD file:abc in /", false),
            entry("/bin/sh -c #(nop)  CMD [\"bash\"]", true),
            entry("/bin/sh -c apt-get install -y python3", false),
            entry("/bin/sh -c #(nop)  CMD [\"python3\"]", true),
            entry("WORKDIR /app", true),
            entry("COPY . /app # buildkit", false),
            entry("RUN /bin/sh -c pip install -r requirements.txt # buildkit", false),
            entry("CMD [\"python\", \"app.py\"]", true),
        ];
        let ins = instructions(&h);
        assert_eq!(infer_base(&ins), Some(2));
        assert_eq!(base_end(&ins, 2), Some(3));
        assert_eq!(ins[4].layer, Some(1));
        assert_eq!(ins[6].layer, Some(3));
        // No CMD followed by layers: nothing inferred.
        assert_eq!(infer_base(&ins[5..]), None);
    }
}
