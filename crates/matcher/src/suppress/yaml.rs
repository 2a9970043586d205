//! YAML to a JSON value, for ignore files, through yaml-rust2's event parser.
//!
//! Scalars stay strings as written (`version: 1.10` is "1.10"); a plain `~`, `null` or empty
//! scalar is null. Anchors and aliases are refused (expanding them is how a small file becomes a
//! huge tree), and so are keys that are not scalars. Nesting is capped.

use serde_json::{Map, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

const MAX_DEPTH: usize = 32;

enum Frame {
    Seq(Vec<Value>),
    Map(Map<String, Value>, Option<String>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Value>,
    documents: usize,
    error: Option<String>,
}

impl Builder {
    fn fail(&mut self, mark: Marker, what: &str) {
        if self.error.is_none() {
            self.error = Some(format!("line {}: {what}", mark.line()));
        }
    }

    fn push_value(&mut self, v: Value, mark: Marker) {
        match self.stack.last_mut() {
            None => self.root = Some(v),
            Some(Frame::Seq(items)) => items.push(v),
            Some(Frame::Map(map, key)) => match key.take() {
                Some(k) => {
                    map.insert(k, v);
                }
                None => match v {
                    Value::String(k) => *key = Some(k),
                    Value::Null => *key = Some(String::new()),
                    _ => self.fail(mark, "a mapping key must be a plain value"),
                },
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match ev {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    self.fail(mark, "only one YAML document is allowed");
                }
            }
            Event::Alias(_) => self.fail(mark, "aliases are not allowed"),
            Event::Scalar(s, style, anchor, _) => {
                if anchor != 0 {
                    return self.fail(mark, "anchors are not allowed");
                }
                let null = style == TScalarStyle::Plain && matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL");
                self.push_value(if null { Value::Null } else { Value::String(s) }, mark);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if anchor != 0 {
                    return self.fail(mark, "anchors are not allowed");
                }
                if self.stack.len() >= MAX_DEPTH {
                    return self.fail(mark, "nested too deep");
                }
                if matches!(self.stack.last(), Some(Frame::Map(_, None))) {
                    return self.fail(mark, "a mapping key must be a plain value");
                }
                self.stack.push(if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq(Vec::new())
                } else {
                    Frame::Map(Map::new(), None)
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let v = match self.stack.pop() {
                    Some(Frame::Seq(items)) => Value::Array(items),
                    Some(Frame::Map(map, _)) => Value::Object(map),
                    None => return self.fail(mark, "unbalanced YAML"),
                };
                self.push_value(v, mark);
            }
            _ => {}
        }
    }
}

/// Parses one YAML document into a JSON value (`Null` for an empty document).
pub(crate) fn to_json(text: &str) -> Result<Value, String> {
    let mut b = Builder::default();
    Parser::new_from_str(text)
        .load(&mut b, true)
        .map_err(|e| format!("YAML syntax: {e}"))?;
    if let Some(e) = b.error {
        return Err(e);
    }
    Ok(b.root.unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_stay_strings() {
        let v =
            to_json("ignore:\n  - id: CVE-2024-1\n    package: {name: a, version: 1.10}\n    x: ~\n").expect("yaml");
        assert_eq!(
            v,
            json!({"ignore": [{"id": "CVE-2024-1", "package": {"name": "a", "version": "1.10"}, "x": null}]})
        );
        assert_eq!(to_json("").expect("empty"), Value::Null);
    }

    #[test]
    fn hostile_yaml_is_refused() {
        let bomb = "a: &a [x, x]\nb: [*a, *a]\n";
        assert!(to_json(bomb).is_err());
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(to_json(&deep).is_err());
        assert!(to_json("? [a]\n: b\n").is_err());
        assert!(to_json("a: [unclosed\n").is_err());
        assert!(to_json("a: 1\n---\nb: 2\n").is_err());
    }
}
