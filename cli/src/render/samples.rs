//! Sample values for the generated tests: a Rust expression for a field that satisfies the
//! field's constraints, or the honest reason why seedwork cannot write one.
//!
//! Text gets a word padded or cut to its length bounds; a pattern gets a string built from
//! the regular expression (the shortest match of each part, longer repetitions when a length
//! bound asks for them), kept only when the pattern really matches it; numbers get 1 moved
//! into their range; collections get as many items as their minimum; value objects and
//! entities are built with their validating `new`, from samples of their own fields.

use std::collections::BTreeSet;

use regex_syntax::hir::{Class, Hir, HirKind};

use crate::model::{Field, IdKind, Model, TypeKind};

use super::filters::rust_literal;

/// The constraints of one field, read back from its `#[validate(...)]` arguments.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Constraints {
    length: (Option<usize>, Option<usize>),
    items: (Option<usize>, Option<usize>),
    range: (Option<Number>, Option<Number>),
    pattern: Option<String>,
    email: bool,
}

/// 2^96: the magnitude from which a JSON number does not fit a `Decimal` (whose largest value
/// is 2^96 - 1), as the `f64` the service reads it as.
const DECIMAL_LIMIT: f64 = 79_228_162_514_264_337_593_543_950_336.0;

/// A bound of `range(...)`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    Integer(i128),
    Float(f64),
}

impl Number {
    fn as_f64(self) -> f64 {
        match self {
            // Bounds come from a spec; precision beyond f64 does not matter for choosing 1.
            #[allow(clippy::cast_precision_loss)]
            Self::Integer(n) => n as f64,
            Self::Float(f) => f,
        }
    }
}

impl Number {
    /// The bound as a literal (`1`, `0.01`).
    fn literal(self) -> String {
        match self {
            Self::Integer(n) => n.to_string(),
            Self::Float(f) => format!("{f:?}"),
        }
    }
}

impl Constraints {
    /// The arguments of the `#[schema(...)]` attribute (utoipa) that documents these
    /// constraints in the OpenAPI document: `min_length = 2`, `pattern = "…"`, `minimum = 1`.
    ///
    /// A `Decimal` (`decimal`) also gets the bounds of the type where the spec sets none as
    /// tight: the service reads a JSON number as an `f64` and refuses (422) one whose
    /// magnitude reaches 2^96, beyond `Decimal::MAX`.
    pub(crate) fn schema_arguments(&self, map: bool, decimal: bool) -> Vec<String> {
        let mut arguments = Vec::new();
        let mut push = |key: &str, value: Option<String>| {
            if let Some(value) = value {
                arguments.push(format!("{key} = {value}"));
            }
        };
        push("min_length", self.length.0.map(|n| n.to_string()));
        push("max_length", self.length.1.map(|n| n.to_string()));
        // A map is a JSON object, whose entries utoipa's field attributes cannot count
        // (`minProperties`): its bounds stay in the service's checks only.
        if !map {
            push("min_items", self.items.0.map(|n| n.to_string()));
            push("max_items", self.items.1.map(|n| n.to_string()));
        }
        push("minimum", self.range.0.map(Number::literal));
        push("maximum", self.range.1.map(Number::literal));
        if decimal {
            let limit = DECIMAL_LIMIT;
            let within = |bound: Option<Number>| bound.is_some_and(|b| b.as_f64().abs() < limit);
            if !within(self.range.0) {
                push("exclusive_minimum", Some(format!("{:?}", -limit)));
            }
            if !within(self.range.1) {
                push("exclusive_maximum", Some(format!("{limit:?}")));
            }
        }
        push(
            "pattern",
            self.pattern.as_deref().map(super::filters::rust_literal),
        );
        push("format", self.email.then(|| "Email".to_owned()));
        arguments
    }

    /// How many items a sample of a collection with these constraints has.
    pub(crate) fn sample_count(&self) -> usize {
        self.items.0.unwrap_or(0)
    }

    /// A JSON expression (for `serde_json::json!`) of a value of kind `kind` (type `spec`)
    /// that breaks one of these constraints, if a single value can.
    pub(crate) fn breaking_json(&self, kind: TypeKind, spec: &str) -> Option<String> {
        match kind {
            TypeKind::String => {
                let empty_breaks = self.length.0.is_some_and(|min| min > 0)
                    || self.email
                    || self.pattern.as_deref().is_some_and(|pattern| {
                        regex_lite::Regex::new(pattern).is_ok_and(|regex| !regex.is_match(""))
                    });
                if empty_breaks {
                    Some("\"\"".to_owned())
                } else {
                    self.length
                        .1
                        .filter(|max| *max < 10_000)
                        .map(|max| format!("\"{}\"", "x".repeat(max + 1)))
                }
            }
            TypeKind::Integer => {
                let unsigned = spec.starts_with('u');
                let below = match self.range.0 {
                    Some(Number::Integer(min)) if !(unsigned && min <= 0) => Some(min - 1),
                    _ => None,
                };
                let above = match self.range.1 {
                    Some(Number::Integer(max)) if max < i128::from(i32::MAX) => Some(max + 1),
                    _ => None,
                };
                below.or(above).map(|n| n.to_string())
            }
            TypeKind::Float | TypeKind::Decimal => {
                let below = self.range.0.map(|min| min.as_f64() - 1.0);
                let above = self.range.1.map(|max| max.as_f64() + 1.0);
                below.or(above).map(|n| format!("{n:?}"))
            }
            TypeKind::List => self.items.0.filter(|min| *min > 0).map(|_| "[]".to_owned()),
            TypeKind::Map => self.items.0.filter(|min| *min > 0).map(|_| "{}".to_owned()),
            _ => None,
        }
    }

    /// Reads the model's `validate` strings (`length(min = 2)`, `pattern = "…"`, `email`).
    /// Arguments it does not understand are ignored: they constrain nothing it samples.
    pub(crate) fn parse(validate: &[String]) -> Self {
        let mut constraints = Self::default();
        for rule in validate {
            let Ok(meta) = syn::parse_str::<syn::Meta>(rule) else {
                continue;
            };
            let name = meta
                .path()
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match (&meta, name.as_str()) {
                (syn::Meta::Path(_), "email") => constraints.email = true,
                (syn::Meta::NameValue(value), "pattern") => {
                    if let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(pattern),
                        ..
                    }) = &value.value
                    {
                        constraints.pattern = Some(pattern.value());
                    }
                }
                (syn::Meta::List(list), "length" | "items" | "range") => {
                    let mut bounds = (None, None);
                    let _ = list.parse_nested_meta(|bound| {
                        let value = number(&bound.value()?.parse::<syn::Expr>()?);
                        if bound.path.is_ident("min") {
                            bounds.0 = value;
                        } else if bound.path.is_ident("max") {
                            bounds.1 = value;
                        }
                        Ok(())
                    });
                    let count = |n: Option<Number>| match n {
                        Some(Number::Integer(n)) => usize::try_from(n).ok(),
                        _ => None,
                    };
                    match name.as_str() {
                        "length" => constraints.length = (count(bounds.0), count(bounds.1)),
                        "items" => constraints.items = (count(bounds.0), count(bounds.1)),
                        _ => constraints.range = bounds,
                    }
                }
                _ => {}
            }
        }
        constraints
    }
}

/// `3`, `-3`, `2.5`, `-2.5` as a number.
fn number(expr: &syn::Expr) -> Option<Number> {
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit, .. }) => match lit {
            syn::Lit::Int(int) => int.base10_parse().ok().map(Number::Integer),
            syn::Lit::Float(float) => float.base10_parse().ok().map(Number::Float),
            _ => None,
        },
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => match number(expr)? {
            Number::Integer(n) => Some(Number::Integer(-n)),
            Number::Float(f) => Some(Number::Float(-f)),
        },
        _ => None,
    }
}

/// Builds sample expressions and remembers which generated types they name, so the test file
/// can import exactly those.
pub(crate) struct Samples<'m> {
    model: &'m Model,
    /// The generated types (enums, value objects, entities, ids) the samples name.
    pub(crate) used: BTreeSet<String>,
}

/// Value objects may nest, never in a cycle (the checker refuses one); this only stops a
/// broken model from recursing forever.
const MAX_DEPTH: usize = 16;

/// Collections or text this long are not worth a test sample.
const MAX_COUNT: usize = 10_000;

impl<'m> Samples<'m> {
    pub(crate) fn new(model: &'m Model) -> Self {
        Self {
            model,
            used: BTreeSet::new(),
        }
    }

    /// An expression for `field` that satisfies its constraints, or why there is none: its
    /// `example` when the spec gives one.
    pub(crate) fn field(&mut self, field: &Field) -> Result<String, String> {
        if let Some(example) = &field.example {
            return Ok(self.example(&field.ty, example));
        }
        let constraints = Constraints::parse(&field.validate);
        let ty = syn::parse_str::<syn::Type>(&field.ty.spec)
            .map_err(|_| format!("`{}` has a type seedwork cannot read", field.name))?;
        self.value(&field.name, &ty, &constraints, 0)
    }

    fn value(
        &mut self,
        path: &str,
        ty: &syn::Type,
        constraints: &Constraints,
        depth: usize,
    ) -> Result<String, String> {
        if depth > MAX_DEPTH {
            return Err(format!("`{path}` nests value objects too deeply"));
        }
        let (name, args) =
            type_name(ty).ok_or_else(|| format!("`{path}` has a type seedwork cannot sample"))?;
        let unconstrained = Constraints::default();
        match (name.as_str(), args.as_slice()) {
            ("Option", [_]) => Ok("None".to_owned()),
            ("Vec", [inner]) => {
                let count = items(path, constraints)?;
                if count == 0 {
                    return Ok("Vec::new()".to_owned());
                }
                let item = self.value(path, inner, &unconstrained, depth + 1)?;
                Ok(format!("vec![{item}; {count}]"))
            }
            ("Map", [_, inner]) => {
                let count = items(path, constraints)?;
                if count == 0 {
                    return Ok("::std::collections::BTreeMap::new()".to_owned());
                }
                let item = self.value(path, inner, &unconstrained, depth + 1)?;
                Ok(format!(
                    "(1..={count}).map(|n| (format!(\"key{{n}}\"), {item})).collect::<::std::collections::BTreeMap<_, _>>()"
                ))
            }
            ("String", []) => text(path, constraints).map(|text| {
                if text.chars().count() > 64 && text.chars().all(|c| c == 'x') {
                    format!("\"x\".repeat({})", text.chars().count())
                } else {
                    format!("{}.to_owned()", rust_literal(&text))
                }
            }),
            ("bool", []) => Ok("false".to_owned()),
            ("i32" | "i64" | "u32" | "u64", []) => integer(path, constraints),
            ("f64", []) => float(path, constraints),
            ("Decimal", []) => decimal(path, constraints),
            // A year from now: a date in the past (an expiry, an appointment) is what a
            // business rule most often refuses.
            ("Date", []) => {
                Ok("::chrono::Utc::now().date_naive() + ::chrono::Days::new(365)".to_owned())
            }
            ("DateTime", []) => Ok("::chrono::Utc::now() + ::chrono::Days::new(365)".to_owned()),
            ("Time", []) => Ok("Default::default()".to_owned()),
            ("Uuid", []) => Ok("::uuid::Uuid::nil()".to_owned()),
            (name, []) => self.named(path, name, depth),
            _ => Err(format!("`{path}` has a type seedwork cannot sample")),
        }
    }

    /// The expression of a checked `example` of a field of type `ty`.
    fn example(&mut self, ty: &crate::model::Type, example: &serde_json::Value) -> String {
        if ty.kind == TypeKind::Option {
            let inner = ty
                .spec
                .strip_prefix("Option<")
                .and_then(|rest| rest.strip_suffix('>'))
                .unwrap_or(&ty.spec);
            let inner_ty = crate::model::Type {
                spec: inner.to_owned(),
                rust: String::new(),
                kind: self.kind_of(inner),
                has_default: false,
                is_copy: false,
                is_scalar: true,
            };
            return format!("Some({})", self.example(&inner_ty, example));
        }
        match (ty.kind, example) {
            (TypeKind::String, serde_json::Value::String(text)) => {
                format!("{}.to_owned()", rust_literal(text))
            }
            (TypeKind::Enum, serde_json::Value::String(variant)) => {
                self.used.insert(ty.spec.clone());
                format!("{}::{variant}", ty.spec)
            }
            (TypeKind::Float, serde_json::Value::Number(n)) => {
                let text = n.to_string();
                if text.contains(['.', 'e', 'E']) {
                    text
                } else {
                    format!("{text}.0")
                }
            }
            (TypeKind::Integer | TypeKind::Bool, value) => value.to_string(),
            (_, serde_json::Value::String(text)) => format!(
                "{}.parse().expect(\"the example of domain.toml parses\")",
                rust_literal(text)
            ),
            (_, value) => format!(
                "{}.parse().expect(\"the example of domain.toml parses\")",
                rust_literal(&value.to_string())
            ),
        }
    }

    /// The kind of a type written in a spec, for the few scalars an example can be.
    fn kind_of(&self, spec: &str) -> TypeKind {
        match spec {
            "String" => TypeKind::String,
            "bool" => TypeKind::Bool,
            "i32" | "i64" | "u32" | "u64" => TypeKind::Integer,
            "f64" => TypeKind::Float,
            "Decimal" => TypeKind::Decimal,
            "Uuid" => TypeKind::Uuid,
            "Date" | "Time" | "DateTime" => TypeKind::Time,
            name if self.model.enums.iter().any(|e| e.names.name == name) => TypeKind::Enum,
            _ => TypeKind::ValueObject,
        }
    }

    /// A sample of a generated type: an enum, a value object, an entity or an id.
    fn named(&mut self, path: &str, name: &str, depth: usize) -> Result<String, String> {
        let model = self.model;
        if let Some(enumeration) = model.enums.iter().find(|e| e.names.name == name) {
            let variant = enumeration
                .variants
                .first()
                .ok_or_else(|| format!("enum `{name}` has no variant"))?;
            self.used.insert(name.to_owned());
            return Ok(format!("{name}::{}", variant.names.name));
        }
        if let Some(aggregate) = model.aggregates.iter().find(|a| a.id.type_name == name) {
            self.used.insert(name.to_owned());
            return Ok(id_sample(name, aggregate.id.kind));
        }
        let composite = model
            .value_objects
            .iter()
            .chain(model.aggregates.iter().flat_map(|a| a.entities.iter()))
            .find(|v| v.names.name == name);
        let Some(composite) = composite else {
            return Err(format!("`{path}` has the unknown type `{name}`"));
        };
        let mut arguments = Vec::with_capacity(composite.fields.len());
        for field in &composite.fields {
            if let Some(example) = &field.example {
                arguments.push(self.example(&field.ty, example));
                continue;
            }
            let constraints = Constraints::parse(&field.validate);
            let ty = syn::parse_str::<syn::Type>(&field.ty.spec)
                .map_err(|_| format!("`{path}.{}` has a type seedwork cannot read", field.name))?;
            arguments.push(self.value(
                &format!("{path}.{}", field.name),
                &ty,
                &constraints,
                depth + 1,
            )?);
        }
        self.used.insert(name.to_owned());
        Ok(format!(
            "{name}::new({}).expect({})",
            arguments.join(", "),
            rust_literal(&format!("the sample {name} is valid"))
        ))
    }
}

/// A fresh id of type `name`, wrapping a value of `kind`.
pub(crate) fn id_sample(name: &str, kind: IdKind) -> String {
    match kind {
        IdKind::Uuid => format!("{name}::new()"),
        IdKind::String => format!("{name}::from(String::from(\"sample\"))"),
        IdKind::Integer => format!("{name}::from(1)"),
    }
}

/// The top-level name of a type and its generic arguments (`Vec<Line>` → `Vec`, [`Line`]).
fn type_name(ty: &syn::Type) -> Option<(String, Vec<&syn::Type>)> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    let args = match &last.arguments {
        syn::PathArguments::None => Vec::new(),
        syn::PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|arg| match arg {
                syn::GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        syn::PathArguments::Parenthesized(_) => return None,
    };
    Some((last.ident.to_string(), args))
}

/// How many items a collection sample gets: its minimum.
fn items(path: &str, constraints: &Constraints) -> Result<usize, String> {
    let count = constraints.items.0.unwrap_or(0);
    if count > MAX_COUNT {
        return Err(format!(
            "`{path}` needs at least {count} items, too many for a sample"
        ));
    }
    Ok(count)
}

/// 1, moved into the range (`min` when 1 is below it, `max` when above).
fn choose(constraints: &Constraints) -> Number {
    match constraints.range {
        (Some(min), _) if min.as_f64() > 1.0 => min,
        (_, Some(max)) if max.as_f64() < 1.0 => max,
        _ => Number::Integer(1),
    }
}

fn integer(path: &str, constraints: &Constraints) -> Result<String, String> {
    match choose(constraints) {
        Number::Integer(n) => Ok(n.to_string()),
        Number::Float(_) => Err(format!("`{path}` is an integer with a fractional bound")),
    }
}

fn float(_: &str, constraints: &Constraints) -> Result<String, String> {
    Ok(format!("{:?}", choose(constraints).as_f64()))
}

fn decimal(_: &str, constraints: &Constraints) -> Result<String, String> {
    Ok(match choose(constraints) {
        Number::Integer(1) => "::rust_decimal::Decimal::ONE".to_owned(),
        Number::Integer(n) => format!("::rust_decimal::Decimal::from({n}_i64)"),
        Number::Float(f) => format!(
            "{}.parse::<::rust_decimal::Decimal>().expect(\"a decimal\")",
            rust_literal(&f.to_string())
        ),
    })
}

/// A text that satisfies the length bounds, the pattern and the e-mail rule.
fn text(path: &str, constraints: &Constraints) -> Result<String, String> {
    let (min, max) = constraints.length;
    if min.unwrap_or(0) > MAX_COUNT {
        return Err(format!(
            "`{path}` must be at least {} characters long, too long for a sample",
            min.unwrap_or(0)
        ));
    }
    let fits = |text: &str| {
        let count = text.chars().count();
        min.is_none_or(|min| count >= min) && max.is_none_or(|max| count <= max)
    };
    if let Some(pattern) = &constraints.pattern {
        let Ok(regex) = regex_lite::Regex::new(pattern) else {
            return Err(format!(
                "the pattern {pattern:?} of `{path}` does not compile"
            ));
        };
        let email_ok = |text: &str| !constraints.email || looks_like_email(text);
        return pattern_candidates(pattern)
            .into_iter()
            .find(|text| fits(text) && regex.is_match(text) && email_ok(text))
            .ok_or_else(|| {
                format!("seedwork cannot write a value of `{path}` that matches the pattern {pattern:?}")
            });
    }
    let base = if constraints.email {
        "someone@example.com"
    } else {
        "sample"
    };
    let mut text = base.to_owned();
    if let Some(min) = min {
        let missing = min.saturating_sub(text.chars().count());
        if constraints.email {
            text = format!("someone{}@example.com", "x".repeat(missing));
        } else if text.chars().count() < min {
            text = "x".repeat(min);
        }
    }
    if let Some(max) = max {
        if text.chars().count() > max {
            text = if constraints.email {
                "a@b.co".to_owned()
            } else {
                text.chars().take(max).collect()
            };
        }
    }
    if fits(&text) && (!constraints.email || looks_like_email(&text)) {
        Ok(text)
    } else {
        Err(format!("`{path}` has length bounds no e-mail address fits"))
    }
}

/// The runtime's e-mail rule: one `@` between a non-empty local part and a dotted domain.
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

/// Texts that may match `pattern`: built from the pattern with longer and longer repetitions,
/// then a few common shapes. The caller keeps the first that really matches.
fn pattern_candidates(pattern: &str) -> Vec<String> {
    let mut candidates = Vec::new();
    if let Ok(hir) = regex_syntax::Parser::new().parse(pattern) {
        for stretch in [0, 1, 2, 4, 8, 16, 32, 64] {
            let mut text = String::new();
            if build(&hir, stretch, &mut text) && !candidates.contains(&text) {
                candidates.push(text);
            }
        }
    }
    for common in [
        "sample",
        "Sample",
        "SAMPLE",
        "12345",
        "1",
        "a",
        "A",
        "a1",
        "someone@example.com",
    ] {
        candidates.push(common.to_owned());
    }
    candidates
}

/// Appends to `out` a text `hir` matches, repeating each repetition `stretch` times more than
/// its minimum (within its maximum). False when part of it cannot be written (a byte class).
fn build(hir: &Hir, stretch: u32, out: &mut String) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(literal) => match std::str::from_utf8(&literal.0) {
            Ok(text) => {
                out.push_str(text);
                true
            }
            Err(_) => false,
        },
        HirKind::Class(Class::Unicode(class)) => {
            let preferred = ['a', 'A', '0', '1', 'x', '-', '_', ' '];
            let ranges = class.ranges();
            let pick = preferred
                .into_iter()
                .find(|c| ranges.iter().any(|r| (r.start()..=r.end()).contains(c)))
                .or_else(|| ranges.first().map(|r| r.start()));
            match pick {
                Some(c) => {
                    out.push(c);
                    true
                }
                None => false,
            }
        }
        HirKind::Class(Class::Bytes(class)) => match class.ranges().first() {
            Some(range) if range.start().is_ascii() => {
                out.push(char::from(range.start()));
                true
            }
            _ => false,
        },
        HirKind::Repetition(repetition) => {
            let wanted = repetition.min.saturating_add(stretch);
            let times = repetition.max.map_or(wanted, |max| wanted.min(max));
            (0..times).all(|_| build(&repetition.sub, stretch, out))
        }
        HirKind::Capture(capture) => build(&capture.sub, stretch, out),
        HirKind::Concat(parts) => parts.iter().all(|part| build(part, stretch, out)),
        HirKind::Alternation(branches) => branches
            .first()
            .is_some_and(|first| build(first, stretch, out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constraints(rules: &[&str]) -> Constraints {
        Constraints::parse(&rules.iter().map(|r| (*r).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn constraints_read_back_from_validate_arguments() {
        let parsed = constraints(&[
            "length(min = 2, max = 100)",
            "items(min = 1)",
            "range(min = -5, max = 2.5)",
            r#"pattern = "^[0-9]{5}$""#,
            "email",
        ]);
        assert_eq!(parsed.length, (Some(2), Some(100)));
        assert_eq!(parsed.items, (Some(1), None));
        assert_eq!(
            parsed.range,
            (Some(Number::Integer(-5)), Some(Number::Float(2.5)))
        );
        assert_eq!(parsed.pattern.as_deref(), Some("^[0-9]{5}$"));
        assert!(parsed.email);
    }

    /// A `Decimal` is documented with the bounds the service holds a JSON number to (its
    /// magnitude below 2^96), unless the spec's own bound on that side is tighter.
    #[test]
    fn decimals_are_documented_within_what_a_decimal_holds() {
        let limit = "7.922816251426434e28";
        assert_eq!(
            constraints(&[]).schema_arguments(false, true),
            [
                format!("exclusive_minimum = -{limit}"),
                format!("exclusive_maximum = {limit}")
            ]
        );
        assert_eq!(
            constraints(&["range(min = 0.01)"]).schema_arguments(false, true),
            [
                "minimum = 0.01".to_owned(),
                format!("exclusive_maximum = {limit}")
            ]
        );
        assert_eq!(
            constraints(&["range(min = 0, max = 100)"]).schema_arguments(false, true),
            ["minimum = 0", "maximum = 100"]
        );
        assert!(constraints(&[]).schema_arguments(false, false).is_empty());
        assert_eq!(DECIMAL_LIMIT, 2_f64.powi(96));
    }

    #[test]
    fn text_fits_lengths_patterns_and_emails() {
        assert_eq!(
            text("name", &constraints(&["length(min = 2, max = 100)"])),
            Ok("sample".into())
        );
        assert_eq!(
            text("name", &constraints(&["length(min = 10)"])),
            Ok("x".repeat(10))
        );
        assert_eq!(
            text("name", &constraints(&["length(max = 3)"])),
            Ok("sam".into())
        );
        assert_eq!(
            text("zip", &constraints(&[r#"pattern = "^[0-9]{5}$""#])),
            Ok("00000".into())
        );
        let phone = text(
            "phone",
            &constraints(&[r#"pattern = "^\\+?1?[2-9]\\d{9}$""#]),
        )
        .unwrap();
        assert!(
            regex_lite::Regex::new(r"^\+?1?[2-9]\d{9}$")
                .unwrap()
                .is_match(&phone),
            "{phone}"
        );
        let code = text(
            "code",
            &constraints(&[r#"pattern = "^[A-Z]{2,}-[0-9]+$""#, "length(min = 8)"]),
        )
        .unwrap();
        assert!(code.len() >= 8 && code.contains('-'), "{code}");
        assert_eq!(
            text("email", &constraints(&["email"])),
            Ok("someone@example.com".into())
        );
        assert_eq!(
            text("email", &constraints(&["email", "length(max = 8)"])),
            Ok("a@b.co".into())
        );
        assert!(text(
            "x",
            &constraints(&[r#"pattern = "^(?:a\\b)+$""#, "length(min = 3)"])
        )
        .is_err());
    }

    #[test]
    fn numbers_move_into_their_range() {
        assert_eq!(integer("n", &constraints(&[])), Ok("1".into()));
        assert_eq!(
            integer("n", &constraints(&["range(min = 5, max = 10)"])),
            Ok("5".into())
        );
        assert_eq!(
            integer("n", &constraints(&["range(max = -3)"])),
            Ok("-3".into())
        );
        assert_eq!(
            float("f", &constraints(&["range(min = 0.5, max = 0.75)"])),
            Ok("0.75".into())
        );
        assert_eq!(
            decimal("d", &constraints(&[])),
            Ok("::rust_decimal::Decimal::ONE".into())
        );
    }
}
