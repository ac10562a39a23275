//! Reading a spanned TOML tree with every mistake recorded rather than the first one fatal.
//!
//! serde's derive stops at the first unknown key or wrong type; a spec author wants all of
//! them at once, each pointing at its value. This reader walks `toml`'s spanned document tree
//! by hand: each accessor records a diagnostic and returns `None` when a value is unusable,
//! so reading goes on.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::names::closest;

use super::raw::{Example, Number, Sp};

/// A table being read: remembers what it is called for messages.
pub(crate) struct Table<'a, 'i> {
    pub(crate) entries: &'a DeTable<'i>,
    pub(crate) span: Range<usize>,
    /// "command `PlaceOrder`", for messages.
    pub(crate) what: String,
}

impl<'a, 'i> Table<'a, 'i> {
    /// Reads `value` as a table, or records that it is not one.
    pub(crate) fn from_value(
        value: &'a Spanned<DeValue<'i>>,
        what: impl Into<String>,
        diagnostics: &mut Diagnostics,
    ) -> Option<Self> {
        let what = what.into();
        match value.get_ref() {
            DeValue::Table(entries) => Some(Table {
                entries,
                span: value.span(),
                what,
            }),
            other => {
                diagnostics.push(wrong_type(value.span(), &what, "a table", other));
                None
            }
        }
    }

    /// Records every key not in `known`, with the nearest known key as a suggestion. Returns
    /// the known keys that unknown ones are near misses of (`emitz` → `emits`).
    pub(crate) fn only(&self, known: &[&str], diagnostics: &mut Diagnostics) -> Vec<String> {
        let mut near_misses = Vec::new();
        for (key, _) in self.entries.iter() {
            let name: &str = key.get_ref();
            if !known.contains(&name) {
                let mut diagnostic = Diagnostic::new(
                    Code::UnknownKey,
                    key.span(),
                    format!("unknown key `{name}` in {}", self.what),
                )
                .label("not a key here");
                diagnostic = match closest(name, known.iter().copied()) {
                    Some(near) => {
                        near_misses.push(near.to_owned());
                        diagnostic.help(format!("did you mean `{near}`?"))
                    }
                    None => {
                        diagnostic.help(format!("the keys allowed here are: {}", known.join(", ")))
                    }
                };
                diagnostics.push(diagnostic);
            }
        }
        near_misses
    }

    /// The value at `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.entries.get(key)
    }

    /// Records that `key` is required and missing; points at the table.
    pub(crate) fn missing(&self, key: &str, diagnostics: &mut Diagnostics) {
        diagnostics.push(
            Diagnostic::new(
                Code::MissingKey,
                self.header_span(),
                format!("{} has no `{key}`", self.what),
            )
            .label(format!("`{key}` is required here"))
            .help(format!("add `{key} = …`")),
        );
    }

    /// The table's span (text output marks its first line: the header).
    fn header_span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// A string at `key`.
    pub(crate) fn string(&self, key: &str, diagnostics: &mut Diagnostics) -> Option<Sp<String>> {
        self.get(key)
            .and_then(|value| string(value, &format!("`{key}` of {}", self.what), diagnostics))
    }

    /// A boolean at `key`.
    pub(crate) fn boolean(&self, key: &str, diagnostics: &mut Diagnostics) -> Option<Sp<bool>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(Sp::new(*b, value.span())),
            other => {
                let what = format!("`{key}` of {}", self.what);
                diagnostics.push(wrong_type(value.span(), &what, "true or false", other));
                None
            }
        }
    }

    /// A non-negative integer at `key`.
    pub(crate) fn count(&self, key: &str, diagnostics: &mut Diagnostics) -> Option<Sp<u64>> {
        let value = self.get(key)?;
        let what = format!("`{key}` of {}", self.what);
        match value.get_ref() {
            DeValue::Integer(int) => match u64::from_str_radix(int.as_str(), int.radix()) {
                Ok(n) => Some(Sp::new(n, value.span())),
                Err(_) => {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            value.span(),
                            format!("{what} must be a whole number of at least 0"),
                        )
                        .label("negative or too large"),
                    );
                    None
                }
            },
            other => {
                diagnostics.push(wrong_type(value.span(), &what, "a whole number", other));
                None
            }
        }
    }

    /// A number (integer or float) at `key`.
    pub(crate) fn number(&self, key: &str, diagnostics: &mut Diagnostics) -> Option<Sp<Number>> {
        let value = self.get(key)?;
        let what = format!("`{key}` of {}", self.what);
        match value.get_ref() {
            DeValue::Integer(int) => match i64::from_str_radix(int.as_str(), int.radix()) {
                Ok(n) => Some(Sp::new(Number::Integer(n), value.span())),
                Err(_) => {
                    diagnostics.push(Diagnostic::new(
                        Code::InvalidValue,
                        value.span(),
                        format!("{what} does not fit in 64 bits"),
                    ));
                    None
                }
            },
            DeValue::Float(float) => match float.as_str().replace('_', "").parse::<f64>() {
                Ok(n) if n.is_finite() => Some(Sp::new(Number::Float(n), value.span())),
                _ => {
                    diagnostics.push(Diagnostic::new(
                        Code::InvalidValue,
                        value.span(),
                        format!("{what} must be a finite number"),
                    ));
                    None
                }
            },
            other => {
                diagnostics.push(wrong_type(value.span(), &what, "a number", other));
                None
            }
        }
    }

    /// A scalar example at `key`: a string, a number or a boolean.
    pub(crate) fn example(&self, key: &str, diagnostics: &mut Diagnostics) -> Option<Sp<Example>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::String(text) => Some(Sp::new(Example::Text(text.to_string()), value.span())),
            DeValue::Boolean(flag) => Some(Sp::new(Example::Flag(*flag), value.span())),
            DeValue::Integer(_) | DeValue::Float(_) => self
                .number(key, diagnostics)
                .map(|number| Sp::new(Example::Number(number.value), number.span)),
            other => {
                let what = format!("`{key}` of {}", self.what);
                diagnostics.push(wrong_type(
                    value.span(),
                    &what,
                    "a string, a number or true/false",
                    other,
                ));
                None
            }
        }
    }

    /// A list of strings at `key`; a single string is accepted as a list of one.
    pub(crate) fn strings(
        &self,
        key: &str,
        diagnostics: &mut Diagnostics,
    ) -> Option<Sp<Vec<Sp<String>>>> {
        let value = self.get(key)?;
        let what = format!("`{key}` of {}", self.what);
        strings(value, &what, diagnostics)
    }

    /// A sub-table at `key`.
    pub(crate) fn table(
        &self,
        key: &str,
        what: impl Into<String>,
        diagnostics: &mut Diagnostics,
    ) -> Option<Table<'a, 'i>> {
        self.get(key)
            .and_then(|value| Table::from_value(value, what, diagnostics))
    }

    /// Every entry as (name with span, value).
    pub(crate) fn entries(
        &self,
    ) -> impl Iterator<Item = (Sp<String>, &'a Spanned<DeValue<'i>>)> + 'a {
        self.entries
            .iter()
            .map(|(key, value)| (Sp::new(key.get_ref().to_string(), key.span()), value))
    }
}

/// A string, or a diagnostic.
pub(crate) fn string(
    value: &Spanned<DeValue<'_>>,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> Option<Sp<String>> {
    match value.get_ref() {
        DeValue::String(s) => Some(Sp::new(s.to_string(), value.span())),
        other => {
            diagnostics.push(wrong_type(value.span(), what, "a string", other));
            None
        }
    }
}

/// A list of strings (or one string), or a diagnostic per bad item.
pub(crate) fn strings(
    value: &Spanned<DeValue<'_>>,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> Option<Sp<Vec<Sp<String>>>> {
    match value.get_ref() {
        DeValue::String(s) => Some(Sp::new(
            vec![Sp::new(s.to_string(), value.span())],
            value.span(),
        )),
        DeValue::Array(items) => {
            let list = items
                .iter()
                .filter_map(|item| string(item, &format!("an item of {what}"), diagnostics))
                .collect();
            Some(Sp::new(list, value.span()))
        }
        other => {
            diagnostics.push(wrong_type(value.span(), what, "a list of strings", other));
            None
        }
    }
}

/// "`emits` of command `PlaceOrder` must be a list of strings, not a table".
pub(crate) fn wrong_type(
    span: Range<usize>,
    what: &str,
    expected: &str,
    found: &DeValue<'_>,
) -> Diagnostic {
    let found = match found {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    };
    Diagnostic::new(
        Code::WrongValueType,
        span,
        format!("{what} must be {expected}, not {found}"),
    )
    .label(format!("expected {expected}"))
}
