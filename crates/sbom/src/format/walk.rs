//! Reading a parsed JSON document by hand, keeping the JSON path of every value so that an
//! error says where it is: `$.components[3].name: missing required field`.

use serde_json::{Map, Value};

use crate::{Format, SbomError};

/// The input being decoded, for error messages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cx<'i> {
    pub input: &'i str,
    pub format: Format,
}

impl Cx<'_> {
    pub(crate) fn err(&self, path: &str, message: impl Into<String>) -> SbomError {
        SbomError::Invalid {
            input: self.input.to_string(),
            format: self.format,
            path: path.to_string(),
            message: message.into(),
        }
    }
}

/// A value in the document and its JSON path.
#[derive(Clone, Debug)]
pub(crate) struct Node<'a> {
    pub value: &'a Value,
    pub path: String,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn child_path(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
    if plain {
        format!("{parent}.{key}")
    } else {
        format!("{parent}[{}]", Value::String(key.to_string()))
    }
}

impl<'a> Node<'a> {
    pub(crate) fn root(value: &'a Value) -> Node<'a> {
        Node {
            value,
            path: "$".to_string(),
        }
    }

    /// The member `key`; `None` when it is absent or null.
    pub(crate) fn get(&self, key: &str) -> Option<Node<'a>> {
        match self.value.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(Node {
                value: v,
                path: child_path(&self.path, key),
            }),
        }
    }

    pub(crate) fn as_str(&self, cx: &Cx<'_>) -> Result<&'a str, SbomError> {
        self.value
            .as_str()
            .ok_or_else(|| cx.err(&self.path, format!("expected a string, found {}", kind(self.value))))
    }

    pub(crate) fn as_object(&self, cx: &Cx<'_>) -> Result<&'a Map<String, Value>, SbomError> {
        self.value
            .as_object()
            .ok_or_else(|| cx.err(&self.path, format!("expected an object, found {}", kind(self.value))))
    }

    /// The elements of an array.
    pub(crate) fn items(&self, cx: &Cx<'_>) -> Result<Vec<Node<'a>>, SbomError> {
        let arr = self
            .value
            .as_array()
            .ok_or_else(|| cx.err(&self.path, format!("expected an array, found {}", kind(self.value))))?;
        Ok(arr
            .iter()
            .enumerate()
            .map(|(i, v)| Node {
                value: v,
                path: format!("{}[{i}]", self.path),
            })
            .collect())
    }

    /// The elements of the array `key`, none when it is absent.
    pub(crate) fn items_of(&self, key: &str, cx: &Cx<'_>) -> Result<Vec<Node<'a>>, SbomError> {
        match self.get(key) {
            Some(n) => n.items(cx),
            None => Ok(Vec::new()),
        }
    }

    /// The string member `key`, which must be present.
    pub(crate) fn str_field(&self, key: &str, cx: &Cx<'_>) -> Result<&'a str, SbomError> {
        match self.get(key) {
            Some(n) => n.as_str(cx),
            None => Err(cx.err(&child_path(&self.path, key), "missing required field")),
        }
    }

    /// The string member `key`, when present.
    pub(crate) fn opt_str(&self, key: &str, cx: &Cx<'_>) -> Result<Option<&'a str>, SbomError> {
        self.get(key).map(|n| n.as_str(cx)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_path() {
        let doc: Value = serde_json::json!({"components": [{"name": "a"}, {"version": 1}], "odd key": 3});
        let cx = Cx {
            input: "bom.json",
            format: Format::CycloneDxJson,
        };
        let root = Node::root(&doc);
        let comps = root.items_of("components", &cx).expect("array");
        assert_eq!(comps[0].str_field("name", &cx).ok(), Some("a"));
        let e = comps[1].str_field("name", &cx).err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("bom.json: cyclonedx-json document: at $.components[1].name: missing required field")
        );
        let e = comps[1].opt_str("version", &cx).err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("bom.json: cyclonedx-json document: at $.components[1].version: expected a string, found a number")
        );
        let e = root.get("odd key").map(|n| n.path);
        assert_eq!(e.as_deref(), Some("$[\"odd key\"]"));
        assert!(root.items_of("missing", &cx).expect("absent is empty").is_empty());
    }
}
