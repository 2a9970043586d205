//! Gate `metadata`: facts of the image as a whole.

use std::cmp::Ordering;

use super::{param, Ctx, Fired, GateSpec, Outcome, ParamKind, TriggerSpec};
use crate::params::{compile_regex, Cmp, Params};

const ATTRIBUTES: &[&str] = &[
    "size",
    "architecture",
    "os",
    "distro",
    "distro_version",
    "layer_count",
    "package_count",
];

const COMPARISONS: &[&str] = &["=", "!=", "<", "<=", ">", ">=", "like", "not_like"];

pub(super) const GATE: GateSpec = GateSpec {
    name: "metadata",
    aliases: &[],
    description: "Facts of the image as a whole: size, architecture, OS, distribution and version, layer and package counts.",
    triggers: &[TriggerSpec {
        name: "attribute",
        description: "Fires when the attribute compares with the value as asked. size is the uncompressed size in bytes (the value may say 500MB, 1.5GiB); distro_version compares as a version (3.19 < 3.20); text attributes compare ignoring case, like and not_like are regexes. Trigger id: the attribute name.",
        params: &[
            param("attribute", ParamKind::Enum(ATTRIBUTES), true, "The attribute compared.", "size"),
            param("comparison", ParamKind::Enum(COMPARISONS), false, "How the attribute compares with the value (default =).", ">"),
            param("value", ParamKind::Str, true, "The value compared with.", "1GB"),
        ],
        eval: attribute,
        check: Some(check),
    }],
};

fn numeric(attribute: &str) -> bool {
    matches!(attribute, "size" | "layer_count" | "package_count")
}

/// `1.5GB`, `500MiB`, `1234` as bytes.
fn parse_size(v: &str) -> Option<f64> {
    let v = v.trim();
    let split = v.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "tb" | "t" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(n * mult)
}

fn check(p: &Params<'_>) -> Result<(), String> {
    let attribute = p.word("attribute").unwrap_or_default();
    let cmp = p.str("comparison").unwrap_or("=");
    let value = p.required("value")?;
    if cmp == "like" || cmp == "not_like" {
        return compile_regex(value)
            .map(|_| ())
            .map_err(|e| format!("parameter value: invalid regex: {e}"));
    }
    if numeric(&attribute) && parse_size(value).is_none() {
        return Err(format!("parameter value: {attribute} needs a number, got {value:?}"));
    }
    if !numeric(&attribute) && attribute != "distro_version" && !matches!(cmp, "=" | "!=") {
        return Err(format!(
            "comparison {cmp} does not apply to {attribute} (use =, !=, like or not_like)"
        ));
    }
    Ok(())
}

/// Orders dotted versions by their numeric parts (`3.9` < `3.19`), text parts as text.
fn version_order(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| s.split(['.', '-', '_']).map(str::to_string).collect::<Vec<_>>();
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}

fn attribute(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    check(p)?;
    let attribute = p.word("attribute").ok_or("parameter attribute is required")?;
    let cmp_word = p.str("comparison").unwrap_or("=");
    let value = p.required("value")?;
    let sbom = ctx.sbom;
    let platform: Vec<&str> = sbom.source.platform.split('/').collect();
    let config = sbom.config.as_ref();
    let have: String = match attribute.as_str() {
        "size" => sbom.source.size.to_string(),
        "layer_count" => sbom.layers.len().to_string(),
        "package_count" => sbom.packages.len().to_string(),
        "architecture" => config
            .map(|c| c.architecture.clone())
            .filter(|s| !s.is_empty())
            .or_else(|| platform.get(1).map(|s| s.to_string()))
            .unwrap_or_default(),
        "os" => config
            .map(|c| c.os.clone())
            .filter(|s| !s.is_empty())
            .or_else(|| platform.first().map(|s| s.to_string()).filter(|s| !s.is_empty()))
            .unwrap_or_default(),
        "distro" => sbom.distro.as_ref().map(|d| d.id.clone()).unwrap_or_default(),
        "distro_version" => sbom.distro.as_ref().map(|d| d.version_id.clone()).unwrap_or_default(),
        other => return Err(format!("parameter attribute: unknown attribute {other:?}")),
    };
    if have.is_empty() && matches!(attribute.as_str(), "architecture" | "os") {
        return Ok(Outcome::unavailable(format!(
            "the SBOM does not record the image's {attribute}"
        )));
    }
    let hit = match cmp_word {
        "like" | "not_like" => compile_regex(value)?.is_match(&have) == (cmp_word == "like"),
        _ => {
            let cmp = Cmp::parse(cmp_word).ok_or_else(|| format!("parameter comparison: unknown {cmp_word:?}"))?;
            if numeric(&attribute) {
                let want = parse_size(value).ok_or_else(|| format!("parameter value: not a number: {value:?}"))?;
                let have: f64 = have.parse().unwrap_or(0.0);
                cmp.holds(&have, &want)
            } else if attribute == "distro_version" {
                cmp.holds(&version_order(&have, value), &Ordering::Equal)
            } else {
                cmp.holds(&have.to_ascii_lowercase(), &value.to_ascii_lowercase())
            }
        }
    };
    if !hit {
        return Ok(Outcome::default());
    }
    let shown = if have.is_empty() { "unknown".to_string() } else { have };
    Ok(Outcome::fired(vec![Fired::new(
        attribute.clone(),
        shown.clone(),
        format!("{attribute} is {shown} ({cmp_word} {value})"),
    )]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_versions() {
        assert_eq!(parse_size("1.5GB"), Some(1.5e9));
        assert_eq!(parse_size("2MiB"), Some(2.0 * 1024.0 * 1024.0));
        assert_eq!(parse_size("12"), Some(12.0));
        assert_eq!(parse_size("12 parsecs"), None);
        assert_eq!(version_order("3.9", "3.19"), Ordering::Less);
        assert_eq!(version_order("12", "12"), Ordering::Equal);
        assert_eq!(version_order("22.04", "20.04"), Ordering::Greater);
    }
}
