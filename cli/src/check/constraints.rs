//! Field constraints: which apply to which type, whether they can be met, and the
//! `#[validate(...)]` arguments they become.

use std::ops::Range;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::{Type, TypeKind};
use crate::spec::raw::{Number, RawField, Sp};

use super::types::{without_option, Resolver};

/// Checks the constraints of a field of type `ty` (`what` names it in messages) and returns
/// the arguments of its `#[validate(...)]` attributes: length, items, range, pattern, email.
pub(crate) fn constraints(
    raw: &RawField,
    ty: &Type,
    what: &str,
    resolver: &Resolver<'_>,
    diagnostics: &mut Diagnostics,
) -> Vec<String> {
    let mut check = Constraints {
        raw,
        ty,
        inner: without_option(ty),
        kind: constrained_kind(ty, resolver),
        what,
        diagnostics,
    };
    [
        check.length(),
        check.items(),
        check.range(),
        check.pattern(),
        check.email(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The shape constraints apply to: the type under `Option`.
fn constrained_kind(ty: &Type, resolver: &Resolver<'_>) -> TypeKind {
    if ty.kind == TypeKind::Option {
        resolver
            .resolve(without_option(ty))
            .map_or(TypeKind::Option, |inner| inner.kind)
    } else {
        ty.kind
    }
}

struct Constraints<'a, 'd> {
    raw: &'a RawField,
    ty: &'a Type,
    /// The type under `Option`, as written (`u32`).
    inner: &'a str,
    kind: TypeKind,
    /// "field `zip` of value object `Address`".
    what: &'a str,
    diagnostics: &'d mut Diagnostics,
}

impl Constraints<'_, '_> {
    /// `bound` when it applies to this field's type; otherwise a diagnostic.
    fn applicable<T: Clone>(
        &mut self,
        key: &str,
        bound: &Option<Sp<T>>,
        applies: bool,
        to: &str,
    ) -> Option<Sp<T>> {
        let bound = bound.as_ref()?;
        if applies {
            return Some(bound.clone());
        }
        self.diagnostics.push(
            Diagnostic::new(
                Code::ConstraintOnWrongType,
                bound.span.clone(),
                format!(
                    "`{key}` applies to {to}, but {} is `{}`",
                    self.what, self.ty.spec
                ),
            )
            .label(format!("not for `{}`", self.ty.spec))
            .help(instead(self.kind)),
        );
        None
    }

    fn length(&mut self) -> Option<String> {
        let raw = self.raw;
        let string = self.kind == TypeKind::String;
        let min = self.applicable("min_len", &raw.min_len, string, "strings");
        let max = self.applicable("max_len", &raw.max_len, string, "strings");
        self.counts(min, max, "min_len", "max_len")
            .map(|bounds| format!("length({bounds})"))
    }

    fn items(&mut self) -> Option<String> {
        let raw = self.raw;
        let collection = matches!(self.kind, TypeKind::List | TypeKind::Map);
        let to = "lists and maps";
        let min = self.applicable("min_items", &raw.min_items, collection, to);
        let max = self.applicable("max_items", &raw.max_items, collection, to);
        self.counts(min, max, "min_items", "max_items")
            .map(|bounds| format!("items({bounds})"))
    }

    /// `min = 1, max = 20` for count bounds, after checking min ≤ max.
    fn counts(
        &mut self,
        min: Option<Sp<u64>>,
        max: Option<Sp<u64>>,
        min_key: &str,
        max_key: &str,
    ) -> Option<String> {
        if let (Some(min), Some(max)) = (&min, &max) {
            if min.value > max.value {
                let d = min_over_max(min_key, max_key, &min.span, self.what);
                self.diagnostics.push(d);
                return None;
            }
        }
        let bounds: Vec<String> = [("min", min), ("max", max)]
            .into_iter()
            .filter_map(|(key, bound)| bound.map(|b| format!("{key} = {}", b.value)))
            .collect();
        (!bounds.is_empty()).then(|| bounds.join(", "))
    }

    fn range(&mut self) -> Option<String> {
        let raw = self.raw;
        let number = matches!(
            self.kind,
            TypeKind::Integer | TypeKind::Float | TypeKind::Decimal
        );
        let min = self.applicable("min", &raw.min, number, "numbers");
        let max = self.applicable("max", &raw.max, number, "numbers");
        let mut ok = true;
        for (key, bound) in [("min", &min), ("max", &max)] {
            if let Some(bound) = bound {
                ok &= self.bound_fits(key, bound);
            }
        }
        if let (Some(min), Some(max)) = (&min, &max) {
            if ok && min.value.as_f64() > max.value.as_f64() {
                let d = min_over_max("min", "max", &min.span, self.what);
                self.diagnostics.push(d);
                ok = false;
            }
        }
        let bounds: Vec<String> = [("min", min), ("max", max)]
            .into_iter()
            .filter_map(|(key, bound)| bound.map(|b| format!("{key} = {}", render(b.value))))
            .collect();
        (ok && !bounds.is_empty()).then(|| format!("range({})", bounds.join(", ")))
    }

    /// An integer field's bound is a whole number within the integer type.
    fn bound_fits(&mut self, key: &str, bound: &Sp<Number>) -> bool {
        if self.kind != TypeKind::Integer {
            return true;
        }
        let inner = self.inner;
        let (message, label) = match bound.value {
            Number::Float(_) => (
                format!(
                    "{} is an integer, so its bounds must be whole numbers",
                    self.what
                ),
                "not a whole number".to_owned(),
            ),
            Number::Integer(n) => match integer_range(inner) {
                Some((low, high)) if i128::from(n) < low || i128::from(n) > high => (
                    format!("`{key}` of {} does not fit in `{inner}`", self.what),
                    format!("`{inner}` holds {low} to {high}"),
                ),
                _ => return true,
            },
        };
        self.diagnostics
            .push(Diagnostic::new(Code::InvalidValue, bound.span.clone(), message).label(label));
        false
    }

    fn pattern(&mut self) -> Option<String> {
        let raw = self.raw;
        let string = self.kind == TypeKind::String;
        let pattern = self.applicable("pattern", &raw.pattern, string, "strings")?;
        match regex_lite::Regex::new(&pattern.value) {
            Ok(_) => Some(format!("pattern = {:?}", pattern.value)),
            Err(error) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        pattern.span.clone(),
                        format!(
                            "the pattern of {} is not a valid regular expression",
                            self.what
                        ),
                    )
                    .label(error_summary(&error.to_string())),
                );
                None
            }
        }
    }

    fn email(&mut self) -> Option<String> {
        let raw = self.raw;
        let string = self.kind == TypeKind::String;
        let email = self.applicable("email", &raw.email, string, "strings")?;
        email.value.then(|| "email".to_owned())
    }
}

/// The smallest and largest value of an integer type.
fn integer_range(ty: &str) -> Option<(i128, i128)> {
    Some(match ty {
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" => (i64::MIN.into(), i64::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        _ => return None,
    })
}

fn render(n: Number) -> String {
    match n {
        Number::Integer(n) => n.to_string(),
        Number::Float(f) => format!("{f:?}"),
    }
}

/// The line of a regex error that says what is wrong (the others repeat the pattern).
fn error_summary(text: &str) -> String {
    text.lines().last().unwrap_or(text).trim().to_owned()
}

fn min_over_max(min_key: &str, max_key: &str, span: &Range<usize>, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::MinGreaterThanMax,
        span.clone(),
        format!("`{min_key}` of {what} is greater than its `{max_key}`"),
    )
    .label(format!("greater than `{max_key}`"))
    .help("no value could satisfy both; swap them or fix one")
}

fn instead(kind: TypeKind) -> String {
    match kind {
        TypeKind::String => "strings take `min_len`, `max_len`, `pattern` and `email`".to_owned(),
        TypeKind::Integer | TypeKind::Float | TypeKind::Decimal => {
            "numbers take `min` and `max`".to_owned()
        }
        TypeKind::List | TypeKind::Map => {
            "lists and maps take `min_items` and `max_items`".to_owned()
        }
        _ => "this type takes no constraints".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn field(ty: &str, set: impl FnOnce(&mut RawField)) -> (Vec<String>, Vec<&'static str>) {
        let mut raw = RawField {
            name: Sp::new("x".to_owned(), 0..1),
            ty: Sp::new(ty.to_owned(), 0..1),
            doc: None,
            required: None,
            min_len: None,
            max_len: None,
            pattern: None,
            email: None,
            min: None,
            max: None,
            min_items: None,
            max_items: None,
            example: None,
        };
        set(&mut raw);
        let declared = BTreeMap::new();
        let resolver = Resolver {
            declared: &declared,
            aggregate: None,
        };
        let ty = resolver.resolve(ty).expect("a type");
        let mut diagnostics = Diagnostics::default();
        let validate = constraints(&raw, &ty, "field `x`", &resolver, &mut diagnostics);
        let codes = diagnostics.iter().map(|d| d.code.as_str()).collect();
        (validate, codes)
    }

    fn n(value: i64) -> Option<Sp<Number>> {
        Some(Sp::new(Number::Integer(value), 0..1))
    }

    #[test]
    fn constraints_become_validate_arguments() {
        let (validate, codes) = field("Option<u32>", |f| {
            f.min = n(1);
            f.max = n(10);
        });
        assert_eq!(validate, ["range(min = 1, max = 10)"]);
        assert!(codes.is_empty());
        let (validate, _) = field("String", |f| {
            f.max_len = Some(Sp::new(20, 0..1));
            f.pattern = Some(Sp::new("^[a-z]+$".to_owned(), 0..1));
            f.email = Some(Sp::new(true, 0..1));
        });
        assert_eq!(
            validate,
            ["length(max = 20)", "pattern = \"^[a-z]+$\"", "email"]
        );
    }

    #[test]
    fn a_pattern_is_written_as_an_escaped_rust_string() {
        let pattern = "^\"a\\d\u{202E}\n$";
        let (validate, codes) = field("String", |f| {
            f.pattern = Some(Sp::new(pattern.to_owned(), 0..1));
        });
        assert!(codes.is_empty());
        // Quotes, backslashes, line breaks and text-direction code points (which rustc
        // refuses in literals) are escaped.
        assert_eq!(validate, [r#"pattern = "^\"a\\d\u{202e}\n$""#]);
    }

    #[test]
    fn integer_bounds_fit_their_type() {
        assert_eq!(field("u32", |f| f.min = n(-1)).1, ["E019"]);
        assert_eq!(field("i32", |f| f.max = n(1 << 40)).1, ["E019"]);
        assert_eq!(field("i64", |f| f.max = n(1 << 40)).1, [] as [&str; 0]);
        let float = Some(Sp::new(Number::Float(0.5), 0..1));
        assert_eq!(field("u64", |f| f.min = float).1, ["E019"]);
        // A bound that is already wrong is not also compared with the other one.
        assert_eq!(
            field("u32", |f| {
                f.min = n(-5);
                f.max = n(-10)
            })
            .1,
            ["E019", "E019"]
        );
    }
}
