//! Field examples: a value a field may hold, which generated tests send and the API document
//! shows. An example must be of the field's type and meet the field's constraints, so a test
//! built on it exercises the service, not its validation.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::{Type, TypeKind};
use crate::names::closest;
use crate::spec::raw::{Example, Number, RawField};

use super::types::{without_option, Resolver};

/// The example of `raw` (of type `ty`; `what` names it in messages) as a JSON value, once it
/// fits; otherwise a diagnostic and `None`.
pub(crate) fn example(
    raw: &RawField,
    ty: &Type,
    what: &str,
    resolver: &Resolver<'_>,
    diagnostics: &mut Diagnostics,
) -> Option<serde_json::Value> {
    let example = raw.example.as_ref()?;
    let inner = without_option(ty);
    let kind = if ty.kind == TypeKind::Option {
        resolver.resolve(inner).map_or(TypeKind::Option, |t| t.kind)
    } else {
        ty.kind
    };
    let fail = |diagnostics: &mut Diagnostics, message: String, label: &str| {
        diagnostics.push(
            Diagnostic::new(Code::InvalidValue, example.span.clone(), message)
                .label(label.to_owned()),
        );
        None
    };
    let broken = |diagnostics: &mut Diagnostics, rule: String, label: &str| {
        fail(
            diagnostics,
            format!("the example of {what} breaks its constraint `{rule}`"),
            label,
        )
    };
    match (kind, &example.value) {
        (TypeKind::String, Example::Text(text)) => {
            let count = text.chars().count() as u64;
            if let Some(min) = raw.min_len.as_ref().filter(|min| count < min.value) {
                return broken(diagnostics, format!("min_len = {}", min.value), "too short");
            }
            if let Some(max) = raw.max_len.as_ref().filter(|max| count > max.value) {
                return broken(diagnostics, format!("max_len = {}", max.value), "too long");
            }
            if let Some(pattern) = &raw.pattern {
                let matches = regex_lite::Regex::new(&pattern.value)
                    .map_or(true, |regex| regex.is_match(text));
                if !matches {
                    return broken(diagnostics, format!("pattern = {:?}", pattern.value), "does not match");
                }
            }
            if raw.email.as_ref().is_some_and(|e| e.value) && !looks_like_email(text) {
                return broken(diagnostics, "email = true".to_owned(), "not an e-mail address");
            }
            Some(serde_json::Value::String(text.clone()))
        }
        (TypeKind::Enum, Example::Text(text)) => {
            let variants = resolver.variants(inner).unwrap_or_default();
            if variants.iter().any(|v| v == text) {
                return Some(serde_json::Value::String(text.clone()));
            }
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    example.span.clone(),
                    format!("the example of {what} is not a variant of `{inner}`"),
                )
                .label("not a variant")
                .suggest(closest(text, variants.iter().map(String::as_str))),
            );
            None
        }
        (TypeKind::Uuid, Example::Text(text)) if looks_like_uuid(text) => {
            Some(serde_json::Value::String(text.clone()))
        }
        (TypeKind::Time, Example::Text(text)) if looks_like_time(inner, text) => {
            Some(serde_json::Value::String(text.clone()))
        }
        (TypeKind::Uuid | TypeKind::Time, Example::Text(_)) => fail(
            diagnostics,
            format!("the example of {what} is not a `{inner}`"),
            match inner {
                "Date" => "write it as 2026-12-01",
                "Time" => "write it as 14:30:00",
                "DateTime" => "write it as 2026-12-01T14:30:00Z",
                _ => "write it as 67e55044-10b1-426f-9247-bb680e5fe0c8",
            },
        ),
        (TypeKind::Integer, Example::Number(Number::Integer(n))) => {
            if let Some((low, high)) = integer_range(inner) {
                if i128::from(*n) < low || i128::from(*n) > high {
                    return fail(
                        diagnostics,
                        format!("the example of {what} does not fit in `{inner}`"),
                        &format!("`{inner}` holds {low} to {high}"),
                    );
                }
            }
            in_range(raw, *n as f64, what, diagnostics).map(|()| serde_json::json!(n))
        }
        (TypeKind::Float | TypeKind::Decimal, Example::Number(number)) => {
            in_range(raw, number.as_f64(), what, diagnostics).map(|()| match number {
                Number::Integer(n) => serde_json::json!(n),
                Number::Float(f) => serde_json::json!(f),
            })
        }
        (TypeKind::Bool, Example::Flag(flag)) => Some(serde_json::Value::Bool(*flag)),
        (
            TypeKind::List | TypeKind::Map | TypeKind::ValueObject | TypeKind::Entity | TypeKind::Id,
            _,
        ) => fail(
            diagnostics,
            format!(
                "{what} is `{}`: examples are single values (text, numbers, true/false, enum variants, dates, uuids)",
                ty.spec
            ),
            "not a single value",
        ),
        (_, found) => fail(
            diagnostics,
            format!(
                "the example of {what} is {}, but the field is `{}`",
                describe(found),
                ty.spec
            ),
            "wrong kind of value",
        ),
    }
}

/// Checks `value` against the field's `min` and `max`.
fn in_range(raw: &RawField, value: f64, what: &str, diagnostics: &mut Diagnostics) -> Option<()> {
    let span = raw
        .example
        .as_ref()
        .map(|e| e.span.clone())
        .unwrap_or_default();
    for (key, bound, outside) in [
        (
            "min",
            &raw.min,
            value < raw.min.as_ref().map_or(f64::MIN, |b| b.value.as_f64()),
        ),
        (
            "max",
            &raw.max,
            value > raw.max.as_ref().map_or(f64::MAX, |b| b.value.as_f64()),
        ),
    ] {
        if let Some(bound) = bound.as_ref().filter(|_| outside) {
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    span.clone(),
                    format!(
                        "the example of {what} breaks its constraint `{key} = {}`",
                        match bound.value {
                            Number::Integer(n) => n.to_string(),
                            Number::Float(f) => format!("{f:?}"),
                        }
                    ),
                )
                .label(if key == "min" {
                    "too small"
                } else {
                    "too large"
                }),
            );
            return None;
        }
    }
    Some(())
}

fn describe(example: &Example) -> &'static str {
    match example {
        Example::Text(_) => "text",
        Example::Number(_) => "a number",
        Example::Flag(_) => "true or false",
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

/// The service's own e-mail check: one `@` between a local part and a dotted domain.
fn looks_like_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !value.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

fn looks_like_uuid(text: &str) -> bool {
    regex_lite::Regex::new(
        r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    )
    .is_ok_and(|regex| regex.is_match(text))
}

/// `Date` as `2026-12-01`, `Time` as `14:30:00`, `DateTime` as RFC 3339 in UTC or with an offset.
fn looks_like_time(ty: &str, text: &str) -> bool {
    let pattern = match ty {
        "Date" => r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$",
        "Time" => r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?$",
        _ => {
            r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
        }
    };
    regex_lite::Regex::new(pattern).is_ok_and(|regex| regex.is_match(text))
}
