//! What every CVSS version shares: `METRIC:VALUE` components between
//! slashes, each metric at most once, values from a closed set.

use super::error::{shown, CvssError};

/// A closed set of values of one metric, each written as a short code.
pub(crate) trait MetricValue: Sized + Copy {
    /// The value written as `code`, if the metric allows it.
    fn from_code(code: &str) -> Option<Self>;
    /// The code written in a vector string.
    fn to_code(self) -> &'static str;
}

/// Declares an enum of metric values with their codes, and its
/// [`MetricValue`] implementation.
macro_rules! metric_values {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in the order the specification lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code of this value in a vector string.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }
        }

        impl $crate::cvss::metrics::MetricValue for $name {
            fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }

            fn to_code(self) -> &'static str {
                self.code()
            }
        }
    };
}
pub(crate) use metric_values;

/// The components of one vector, checked against a version's metric names.
///
/// Unknown names and repeated metrics are refused here; values are checked
/// when a version asks for them ([`Components::required`],
/// [`Components::optional`]).
pub(crate) struct Components<'a> {
    vector: &'a str,
    names: &'static [&'static str],
    values: Vec<Option<&'a str>>,
}

impl<'a> Components<'a> {
    /// Splits `body` (the vector without its `CVSS:x.y/` prefix) into
    /// components. `vector` is the whole string, for errors.
    ///
    /// The number of components kept is at most `names.len()`, whatever the
    /// input, since a repeated metric is an error.
    pub(crate) fn split(
        vector: &'a str,
        body: &'a str,
        names: &'static [&'static str],
    ) -> Result<Components<'a>, CvssError> {
        let mut values = vec![None; names.len()];
        if !body.is_empty() {
            for component in body.split('/') {
                let Some((name, value)) = component.split_once(':') else {
                    return Err(CvssError::Malformed {
                        vector: shown(vector),
                        component: shown(component),
                    });
                };
                let Some((canonical, slot)) = names.iter().zip(values.iter_mut()).find(|(known, _)| **known == name)
                else {
                    return Err(CvssError::UnknownMetric {
                        vector: shown(vector),
                        metric: shown(name),
                    });
                };
                if slot.is_some() {
                    return Err(CvssError::DuplicateMetric {
                        vector: shown(vector),
                        metric: canonical,
                    });
                }
                *slot = Some(value);
            }
        }
        Ok(Components { vector, names, values })
    }

    /// The value written for `name`, if any.
    fn raw(&self, name: &'static str) -> Option<&'a str> {
        self.names
            .iter()
            .zip(&self.values)
            .find(|(known, _)| **known == name)
            .and_then(|(_, value)| *value)
    }

    fn decode<T: MetricValue>(&self, name: &'static str, code: &str) -> Result<T, CvssError> {
        T::from_code(code).ok_or_else(|| CvssError::BadValue {
            vector: shown(self.vector),
            metric: name,
            value: shown(code),
        })
    }

    /// A mandatory metric's value.
    pub(crate) fn required<T: MetricValue>(&self, name: &'static str) -> Result<T, CvssError> {
        match self.raw(name) {
            Some(code) => self.decode(name, code),
            None => Err(CvssError::MissingMetric {
                vector: shown(self.vector),
                metric: name,
            }),
        }
    }

    /// An optional metric's value: `None` when absent or written as
    /// `not_defined` (`X` in v3 and v4, `ND` in v2).
    pub(crate) fn optional<T: MetricValue>(
        &self,
        name: &'static str,
        not_defined: &str,
    ) -> Result<Option<T>, CvssError> {
        match self.raw(name) {
            None => Ok(None),
            Some(code) if code == not_defined => Ok(None),
            Some(code) => self.decode(name, code).map(Some),
        }
    }
}

/// Builds a normalised vector string: `prefix` (which may be empty), then
/// `NAME:CODE` for every metric that has a value, in the given order.
pub(crate) struct VectorWriter {
    out: String,
}

impl VectorWriter {
    pub(crate) fn new(prefix: &str) -> VectorWriter {
        VectorWriter { out: prefix.to_owned() }
    }

    pub(crate) fn put<T: MetricValue>(&mut self, name: &str, value: T) -> &mut Self {
        if !self.out.is_empty() {
            self.out.push('/');
        }
        self.out.push_str(name);
        self.out.push(':');
        self.out.push_str(value.to_code());
        self
    }

    pub(crate) fn put_opt<T: MetricValue>(&mut self, name: &str, value: Option<T>) -> &mut Self {
        if let Some(v) = value {
            self.put(name, v);
        }
        self
    }

    pub(crate) fn finish(&mut self) -> String {
        std::mem::take(&mut self.out)
    }
}
