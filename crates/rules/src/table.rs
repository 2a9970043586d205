//! Which fields exist: the compiler asks a [`FieldTable`] to resolve each field name (with its
//! argument) to a [`FieldRef`], a type and a cardinality. [`StaticTable`] is a table as data, a
//! slice of [`FieldSpec`] whose positions are the field ids.

use crate::value::{Cardinality, FieldArg, FieldRef, FieldType};

/// A resolved field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInfo {
    pub field: FieldRef,
    pub ty: FieldType,
    pub card: Cardinality,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldLookupError {
    #[error("unknown field")]
    Unknown,
    #[error("this field needs an argument, as in {0}")]
    ArgRequired(&'static str),
    #[error("this field takes no argument")]
    ArgNotAllowed,
    #[error("bad argument: {0}")]
    BadArg(String),
}

/// The fields a condition may use. `name` is the field name as written without its bracket
/// argument (`evt.arg.flags` whole; the table splits dotted arguments itself), `arg` the bracket
/// argument.
pub trait FieldTable {
    fn resolve(&self, name: &str, arg: Option<&str>) -> Result<FieldInfo, FieldLookupError>;

    /// Every field name, for "did you mean" suggestions (called on the error path only).
    fn names(&self) -> Vec<&str>;
}

/// Which argument a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgSpec {
    None,
    /// A required numeric index: `field[3]`.
    Index,
    /// An optional numeric index; without one the field has [`Cardinality::Any`] (every
    /// ancestor, as `proc.aname`).
    IndexOrAny,
    /// A required key: `container.label[app]`.
    Key,
    /// A key in brackets or after a dot, or an index: `evt.arg.flags`, `evt.arg[flags]`, `evt.arg[1]`.
    KeyOrIndex,
}

/// One row of a [`StaticTable`].
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub ty: FieldType,
    pub arg: ArgSpec,
    /// Cardinality when the argument does not decide it.
    pub card: Cardinality,
    pub desc: &'static str,
}

impl FieldSpec {
    /// A single-valued field without argument.
    pub const fn new(name: &'static str, ty: FieldType, desc: &'static str) -> FieldSpec {
        FieldSpec {
            name,
            ty,
            arg: ArgSpec::None,
            card: Cardinality::One,
            desc,
        }
    }

    pub const fn with_arg(self, arg: ArgSpec) -> FieldSpec {
        FieldSpec { arg, ..self }
    }

    pub const fn with_card(self, card: Cardinality) -> FieldSpec {
        FieldSpec { card, ..self }
    }
}

/// A field table held as data; field ids are positions in the slice.
#[derive(Debug, Clone, Copy)]
pub struct StaticTable<'a> {
    pub specs: &'a [FieldSpec],
}

impl<'a> StaticTable<'a> {
    pub const fn new(specs: &'a [FieldSpec]) -> StaticTable<'a> {
        StaticTable { specs }
    }

    fn find(&self, name: &str) -> Option<(u32, &FieldSpec)> {
        let i = self.specs.iter().position(|s| s.name == name)?;
        Some((u32::try_from(i).ok()?, self.specs.get(i)?))
    }
}

fn parse_index(arg: &str) -> Result<u32, FieldLookupError> {
    arg.trim()
        .parse::<u32>()
        .map_err(|_| FieldLookupError::BadArg(format!("`{arg}` is not an index (0, 1, 2 ...)")))
}

impl FieldTable for StaticTable<'_> {
    fn resolve(&self, name: &str, arg: Option<&str>) -> Result<FieldInfo, FieldLookupError> {
        let (id, spec, arg) = match self.find(name) {
            Some((id, spec)) => (id, spec, arg.map(|a| (a, false))),
            None => {
                // `evt.arg.flags`: a KeyOrIndex field followed by `.key`.
                let (base, key) = name.rsplit_once('.').ok_or(FieldLookupError::Unknown)?;
                let (id, spec) = self.find(base).ok_or(FieldLookupError::Unknown)?;
                if spec.arg != ArgSpec::KeyOrIndex || arg.is_some() {
                    return Err(FieldLookupError::Unknown);
                }
                (id, spec, Some((key, true)))
            }
        };
        let info = |arg: FieldArg, card| FieldInfo {
            field: FieldRef { id, arg },
            ty: spec.ty,
            card,
        };
        match (spec.arg, arg) {
            (ArgSpec::None, None) => Ok(info(FieldArg::None, spec.card)),
            (ArgSpec::None, Some(_)) => Err(FieldLookupError::ArgNotAllowed),
            (ArgSpec::Index, Some((a, _))) => Ok(info(FieldArg::Index(parse_index(a)?), spec.card)),
            (ArgSpec::Index, None) => Err(FieldLookupError::ArgRequired("[0]")),
            (ArgSpec::IndexOrAny, Some((a, _))) => Ok(info(FieldArg::Index(parse_index(a)?), Cardinality::One)),
            (ArgSpec::IndexOrAny, None) => Ok(info(FieldArg::None, Cardinality::Any)),
            (ArgSpec::Key, Some((a, _))) if !a.is_empty() => Ok(info(FieldArg::Key(a.into()), spec.card)),
            (ArgSpec::Key, _) => Err(FieldLookupError::ArgRequired("[key]")),
            (ArgSpec::KeyOrIndex, Some((a, dotted))) => {
                if !dotted && a.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(info(FieldArg::Index(parse_index(a)?), spec.card))
                } else {
                    Ok(info(FieldArg::Key(a.into()), spec.card))
                }
            }
            (ArgSpec::KeyOrIndex, None) => Err(FieldLookupError::ArgRequired(".name or [index]")),
        }
    }

    fn names(&self) -> Vec<&str> {
        self.specs.iter().map(|s| s.name).collect()
    }
}

pub use vigil_yaml::suggest;

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[FieldSpec] = &[
        FieldSpec::new("proc.name", FieldType::Str, "process name"),
        FieldSpec::new("proc.aname", FieldType::Str, "ancestor name").with_arg(ArgSpec::IndexOrAny),
        FieldSpec::new("evt.arg", FieldType::Str, "argument").with_arg(ArgSpec::KeyOrIndex),
        FieldSpec::new("container.label", FieldType::Str, "label").with_arg(ArgSpec::Key),
    ];

    #[test]
    fn resolves_arguments() {
        let t = StaticTable::new(SPECS);
        let r = t.resolve("proc.aname", Some("2")).unwrap();
        assert_eq!(
            (r.field.id, r.field.arg, r.card),
            (1, FieldArg::Index(2), Cardinality::One)
        );
        assert_eq!(t.resolve("proc.aname", None).unwrap().card, Cardinality::Any);
        assert_eq!(
            t.resolve("evt.arg.flags", None).unwrap().field.arg,
            FieldArg::Key("flags".into())
        );
        assert_eq!(t.resolve("evt.arg", Some("1")).unwrap().field.arg, FieldArg::Index(1));
        assert_eq!(
            t.resolve("container.label", Some("io.kubernetes.pod.name"))
                .unwrap()
                .field,
            FieldRef {
                id: 3,
                arg: FieldArg::Key("io.kubernetes.pod.name".into())
            }
        );
        assert_eq!(t.resolve("proc.name", Some("1")), Err(FieldLookupError::ArgNotAllowed));
        assert!(matches!(
            t.resolve("container.label", None),
            Err(FieldLookupError::ArgRequired(_))
        ));
        assert!(matches!(
            t.resolve("proc.aname", Some("x")),
            Err(FieldLookupError::BadArg(_))
        ));
        assert_eq!(t.resolve("proc.name.x", None), Err(FieldLookupError::Unknown));
    }

    #[test]
    fn suggests_close_names_only() {
        let names = ["proc.name", "proc.pname", "fd.name"];
        assert_eq!(suggest("proc.nmae", &names), Some("proc.name"));
        assert_eq!(suggest("fd.nam", &names), Some("fd.name"));
        assert_eq!(suggest("container.image", &names), None);
    }
}
