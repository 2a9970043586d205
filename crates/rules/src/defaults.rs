//! Vigil's own default rules, embedded in the binary: the files of crates/rules/rules in load
//! order (shared lists and macros first, then the image profiles so that, in `first` match mode,
//! the most specific rule wins, then the general rules by theme).

/// The default rule files as (file name, YAML text), in load order.
pub fn default_rules() -> Vec<(&'static str, &'static str)> {
    vec![
        ("vigil-base.yaml", include_str!("../rules/vigil-base.yaml")),
        ("vigil-profiles.yaml", include_str!("../rules/vigil-profiles.yaml")),
        ("vigil-containers.yaml", include_str!("../rules/vigil-containers.yaml")),
        ("vigil-files.yaml", include_str!("../rules/vigil-files.yaml")),
        ("vigil-network.yaml", include_str!("../rules/vigil-network.yaml")),
        ("vigil-escape.yaml", include_str!("../rules/vigil-escape.yaml")),
    ]
}

/// The documentation block written above a rule in its file: the five headings every default
/// rule has (`# Detects:`, `# Why:`, `# Example:`, `# False positives:`, `# Except with:`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleDoc {
    pub rule: String,
    pub file: &'static str,
    pub detects: String,
    pub why: String,
    pub example: String,
    pub false_positives: String,
    pub except_with: String,
}

const HEADINGS: &[&str] = &["Detects:", "Why:", "Example:", "False positives:", "Except with:"];

/// The documentation blocks of every rule in `text`, in file order. A rule without a block has
/// empty headings (the tests require them all).
pub fn rule_docs(file: &'static str, text: &str) -> Vec<RuleDoc> {
    let mut out = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    for line in text.lines() {
        if let Some(c) = line.strip_prefix('#') {
            block.push(c.strip_prefix(' ').unwrap_or(c));
            continue;
        }
        if let Some(name) = line.strip_prefix("- rule:") {
            let mut doc = RuleDoc {
                rule: unquote(name.trim()).to_owned(),
                file,
                ..RuleDoc::default()
            };
            let mut current: Option<&mut String> = None;
            for l in &block {
                let heading = HEADINGS.iter().position(|h| l.starts_with(h));
                if let Some(i) = heading {
                    let rest = l.get(HEADINGS.get(i).map_or(0, |h| h.len())..).unwrap_or("").trim();
                    let field = match i {
                        0 => &mut doc.detects,
                        1 => &mut doc.why,
                        2 => &mut doc.example,
                        3 => &mut doc.false_positives,
                        _ => &mut doc.except_with,
                    };
                    field.push_str(rest);
                    current = Some(field);
                } else if let (Some(f), true) = (current.as_mut(), l.starts_with("  ")) {
                    f.push(' ');
                    f.push_str(l.trim());
                } else {
                    current = None;
                }
            }
            out.push(doc);
        }
        block.clear();
    }
    out
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(s)
}

/// docs/rules.md: every default rule with its priority, tags and documentation block, by file.
pub fn markdown() -> String {
    let loaded = crate::loader::load_sources(&default_rules());
    let mut out = String::from(
        "# Vigil's default rules\n\n\
         Generated from crates/rules/rules/*.yaml by `cargo test -p vigil-rules --test defaults` \
         (set `VIGIL_UPDATE_DOCS=1` to rewrite it). The rules are written in the Falco rule \
         language; every list and macro they use starts with `vigil_` and can be extended with \
         `append: true` in a file loaded after them. Each rule is tested by the cases in \
         crates/rules/tests/cases, which `vigil rules test` runs.\n",
    );
    for (file, text) in default_rules() {
        let docs = rule_docs(file, text);
        if docs.is_empty() {
            continue;
        }
        out.push_str(&format!("\n## {file}\n"));
        for d in docs {
            let rule = loaded.rules.iter().find(|r| r.name == d.rule);
            let priority = rule.map_or("?", |r| r.priority.as_str());
            let tags = rule.map(|r| r.tags.join(", ")).unwrap_or_default();
            out.push_str(&format!(
                "\n### {}\n\n**Priority** {priority} · **Tags** {tags}\n\n\
                 - **Detects**: {}\n- **Why it matters**: {}\n- **Example**: {}\n\
                 - **False positives**: {}\n- **Except with**: {}\n",
                d.rule, d.detects, d.why, d.example, d.false_positives, d.except_with
            ));
        }
    }
    out
}
