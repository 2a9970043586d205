//! Which layer introduced a package, for databases that each layer rewrites whole (dpkg's
//! `status`, apk's `installed`, rpm's database).
//!
//! A package was introduced by the lowest layer L such that every version of the database from L
//! up to the top lists it with the same version. A later upgrade therefore moves the package to
//! the layer of the upgrade, and a layer that rewrote the database without touching the package
//! does not.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// For every key of the top version of a database, the index of the layer that introduced it.
///
/// `history` is every kept version of the database, bottom layer first (see
/// [`crate::Files::history`]); `keys` lists the packages of one version as keys that change when
/// the package changes (name, architecture and version). A version that `keys` cannot read ends
/// the walk down: what lies below it is not trusted.
pub(crate) fn introduced_layers(
    history: &[(usize, Arc<[u8]>)],
    keys: impl Fn(&[u8]) -> Option<HashSet<String>>,
) -> HashMap<String, usize> {
    let Some(((top_layer, top), lower)) = history.split_last() else {
        return HashMap::new();
    };
    let Some(top_keys) = keys(top) else {
        return HashMap::new();
    };
    let mut layer_of: HashMap<String, usize> = top_keys.into_iter().map(|k| (k, *top_layer)).collect();
    // Keys still present in every version seen so far, walking down.
    let mut open: Vec<String> = layer_of.keys().cloned().collect();
    for (layer, content) in lower.iter().rev() {
        if open.is_empty() {
            break;
        }
        let Some(here) = keys(content) else { break };
        open.retain(|k| {
            let present = here.contains(k);
            if present {
                layer_of.insert(k.clone(), *layer);
            }
            present
        });
    }
    layer_of
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(data: &[u8]) -> Option<HashSet<String>> {
        let text = std::str::from_utf8(data).ok()?;
        if text.contains("garbage") {
            return None;
        }
        Some(text.lines().map(str::to_string).collect())
    }

    fn version(layer: usize, text: &str) -> (usize, Arc<[u8]>) {
        (layer, Arc::from(text.as_bytes()))
    }

    #[test]
    fn lowest_layer_of_the_unbroken_run() {
        let history = vec![
            version(0, "a=1\nb=1\n"),
            version(2, "a=1\nb=2\nc=1\n"),
            version(3, "a=1\nb=2\nc=1\n"),
        ];
        let got = introduced_layers(&history, lines);
        assert_eq!(got["a=1"], 0);
        assert_eq!(got["b=2"], 2);
        assert_eq!(got["c=1"], 2);
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn a_removed_and_readded_package_counts_from_its_return() {
        let history = vec![version(0, "a=1\n"), version(1, "b=1\n"), version(2, "a=1\nb=1\n")];
        let got = introduced_layers(&history, lines);
        assert_eq!(got["a=1"], 2);
        assert_eq!(got["b=1"], 1);
    }

    #[test]
    fn an_unreadable_version_stops_the_walk() {
        let history = vec![version(0, "a=1\n"), version(1, "garbage"), version(2, "a=1\n")];
        assert_eq!(introduced_layers(&history, lines)["a=1"], 2);
        assert!(introduced_layers(&[], lines).is_empty());
    }
}
