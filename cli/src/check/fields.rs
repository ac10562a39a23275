//! Fields: names, types and constraints, checked and turned into model fields.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::{Field, Type, TypeKind};
use crate::names::{closest, is_keyword, is_snake};
use crate::spec::raw::{Number, RawField, Sp};

use super::doc_lines;
use super::types::{Resolver, TypeError};

/// Checks a field's name; records what is wrong with it.
pub(crate) fn check_field_name(name: &Sp<String>, owner: &str, diagnostics: &mut Diagnostics) {
    let text = name.as_str();
    if is_keyword(text) {
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidName,
                name.span.clone(),
                format!("field `{text}` of {owner} is a Rust keyword"),
            )
            .label("a keyword")
            .help(format!("rename it, for example `{text}_value`")),
        );
    } else if !is_snake(text) {
        let suggestion = heck::ToSnakeCase::to_snake_case(text);
        let mut diagnostic = Diagnostic::new(
            Code::InvalidName,
            name.span.clone(),
            format!("field `{text}` of {owner} is not a snake_case identifier"),
        )
        .label("not snake_case");
        if is_snake(&suggestion) && !is_keyword(&suggestion) {
            diagnostic = diagnostic.help(format!("write `{suggestion}`"));
        }
        diagnostics.push(diagnostic);
    }
}

/// Resolves a type at `span`, recording what is wrong.
pub(crate) fn resolve_type(
    resolver: &Resolver<'_>,
    ty: &Sp<String>,
    diagnostics: &mut Diagnostics,
) -> Option<Type> {
    match resolver.resolve(ty.as_str()) {
        Ok(resolved) => Some(resolved),
        Err(error) => {
            let span = ty.span.clone();
            let diagnostic = match error {
                TypeError::Malformed => Diagnostic::new(
                    Code::UnknownType,
                    span,
                    format!("`{}` is not a type", ty.value),
                )
                .label("not a type")
                .help("write a type such as `String`, `Vec<OrderLine>` or `Option<Address>`"),
                TypeError::Unknown(name) => {
                    Diagnostic::new(Code::UnknownType, span, format!("unknown type `{name}`"))
                        .label("not declared")
                        .suggest(closest(&name, resolver.candidates()))
                }
                TypeError::Aggregate(name) => Diagnostic::new(
                    Code::AggregateByValue,
                    span,
                    format!("aggregate `{name}` cannot be a field type"),
                )
                .label("an aggregate")
                .help(format!(
                    "aggregates refer to each other by id: use `{name}Id`"
                )),
                TypeError::ForeignEntity { entity, owner } => Diagnostic::new(
                    Code::UnknownType,
                    span,
                    format!(
                        "`{entity}` is an entity of aggregate `{owner}` and is not visible here"
                    ),
                )
                .label("another aggregate's entity")
                .help(format!(
                    "refer to the aggregate by id (`{owner}Id`), or declare a value object"
                )),
                TypeError::Arity(message) => {
                    Diagnostic::new(Code::UnknownType, span, message).label("here")
                }
            };
            diagnostics.push(diagnostic);
            None
        }
    }
}

/// Checks a field and builds its model form; `None` when its type does not resolve.
pub(crate) fn field(
    raw: &RawField,
    owner: &str,
    resolver: &Resolver<'_>,
    diagnostics: &mut Diagnostics,
) -> Option<Field> {
    check_field_name(&raw.name, owner, diagnostics);
    let mut ty = resolve_type(resolver, &raw.ty, diagnostics)?;
    let what = format!("field `{}` of {owner}", raw.name.value);
    if let Some(required) = &raw.required {
        if !required.value {
            if ty.kind == TypeKind::Option {
                diagnostics.push(
                    Diagnostic::new(
                        Code::Redundant,
                        required.span.clone(),
                        format!("{what} is already optional (`{}`)", ty.spec),
                    )
                    .label("redundant")
                    .help("remove `required = false`"),
                );
            } else {
                ty = Type {
                    spec: format!("Option<{}>", ty.spec),
                    rust: format!("Option<{}>", ty.rust),
                    kind: TypeKind::Option,
                    has_default: true,
                    is_copy: ty.is_copy,
                    is_scalar: false,
                };
            }
        }
    }
    let validate = constraints(raw, &ty, &what, resolver, diagnostics);
    Some(Field {
        name: raw.name.value.clone(),
        doc: doc_lines(raw.doc.as_ref()),
        ty,
        validate,
    })
}

/// The shape constraints apply to: the type under `Option`.
fn constrained_kind(ty: &Type, resolver: &Resolver<'_>) -> TypeKind {
    if ty.kind == TypeKind::Option {
        resolver
            .resolve(super::types::without_option(ty))
            .map_or(TypeKind::Option, |inner| inner.kind)
    } else {
        ty.kind
    }
}

fn constraints(
    raw: &RawField,
    ty: &Type,
    what: &str,
    resolver: &Resolver<'_>,
    diagnostics: &mut Diagnostics,
) -> Vec<String> {
    let kind = constrained_kind(ty, resolver);
    let mut validate = Vec::new();
    let mut wrong = |key: &str, span: &std::ops::Range<usize>, applies: &str| {
        diagnostics.push(
            Diagnostic::new(
                Code::ConstraintOnWrongType,
                span.clone(),
                format!("`{key}` applies to {applies}, but {what} is `{}`", ty.spec),
            )
            .label(format!("not for `{}`", ty.spec))
            .help(instead(kind)),
        );
    };
    let string = kind == TypeKind::String;
    let number = matches!(
        kind,
        TypeKind::Integer | TypeKind::Float | TypeKind::Decimal
    );
    let collection = matches!(kind, TypeKind::List | TypeKind::Map);

    let mut length = (None, None);
    for (key, bound, slot) in [("min_len", &raw.min_len, 0), ("max_len", &raw.max_len, 1)] {
        if let Some(bound) = bound {
            if string {
                if slot == 0 {
                    length.0 = Some(bound.clone());
                } else {
                    length.1 = Some(bound.clone());
                }
            } else {
                wrong(key, &bound.span, "strings");
            }
        }
    }
    let mut items = (None, None);
    for (key, bound, slot) in [
        ("min_items", &raw.min_items, 0),
        ("max_items", &raw.max_items, 1),
    ] {
        if let Some(bound) = bound {
            if collection {
                if slot == 0 {
                    items.0 = Some(bound.clone());
                } else {
                    items.1 = Some(bound.clone());
                }
            } else {
                wrong(key, &bound.span, "lists and maps");
            }
        }
    }
    let mut range: (Option<Sp<Number>>, Option<Sp<Number>>) = (None, None);
    for (key, bound, slot) in [("min", &raw.min, 0), ("max", &raw.max, 1)] {
        if let Some(bound) = bound {
            if number {
                if slot == 0 {
                    range.0 = Some(bound.clone());
                } else {
                    range.1 = Some(bound.clone());
                }
            } else {
                wrong(key, &bound.span, "numbers");
            }
        }
    }
    let pattern = match &raw.pattern {
        Some(pattern) if !string => {
            wrong("pattern", &pattern.span, "strings");
            None
        }
        other => other.clone(),
    };
    let email = match &raw.email {
        Some(email) if !string => {
            wrong("email", &email.span, "strings");
            None
        }
        other => other.clone(),
    };

    if let Some(bounds) = counts(
        "length",
        &length.0,
        &length.1,
        "min_len",
        "max_len",
        what,
        diagnostics,
    ) {
        validate.push(format!("length({bounds})"));
    }
    if let Some(bounds) = counts(
        "items",
        &items.0,
        &items.1,
        "min_items",
        "max_items",
        what,
        diagnostics,
    ) {
        validate.push(format!("items({bounds})"));
    }
    if range.0.is_some() || range.1.is_some() {
        let integer = kind == TypeKind::Integer;
        let mut ok = true;
        for bound in [&range.0, &range.1].into_iter().flatten() {
            if integer && matches!(bound.value, Number::Float(_)) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        bound.span.clone(),
                        format!("{what} is an integer, so its bounds must be whole numbers"),
                    )
                    .label("not a whole number"),
                );
                ok = false;
            }
            if let (Number::Integer(n), true) = (bound.value, ty.spec.contains('u')) {
                if n < 0 && integer {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            bound.span.clone(),
                            format!(
                                "{what} is unsigned (`{}`), so its bounds cannot be negative",
                                ty.spec
                            ),
                        )
                        .label("negative"),
                    );
                    ok = false;
                }
            }
        }
        if let (Some(min), Some(max)) = (&range.0, &range.1) {
            if min.value.as_f64() > max.value.as_f64() {
                diagnostics.push(min_over_max("min", "max", &min.span, what));
                ok = false;
            }
        }
        if ok {
            let render = |n: &Number| match n {
                Number::Integer(n) => n.to_string(),
                Number::Float(f) => format!("{f:?}"),
            };
            let bounds: Vec<String> = [("min", &range.0), ("max", &range.1)]
                .into_iter()
                .filter_map(|(key, bound)| {
                    bound
                        .as_ref()
                        .map(|b| format!("{key} = {}", render(&b.value)))
                })
                .collect();
            validate.push(format!("range({})", bounds.join(", ")));
        }
    }
    if let Some(pattern) = pattern {
        match regex_lite::Regex::new(&pattern.value) {
            Ok(_) => validate.push(format!("pattern = {:?}", pattern.value)),
            Err(error) => diagnostics.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    pattern.span.clone(),
                    format!("the pattern of {what} is not a valid regular expression"),
                )
                .label(first_line(&error.to_string())),
            ),
        }
    }
    if email.is_some_and(|e| e.value) {
        validate.push("email".to_owned());
    }
    validate
}

fn first_line(text: &str) -> String {
    text.lines().last().unwrap_or(text).trim().to_owned()
}

/// `min = 1, max = 20` for count bounds, after checking min ≤ max.
fn counts(
    _rule: &str,
    min: &Option<Sp<u64>>,
    max: &Option<Sp<u64>>,
    min_key: &str,
    max_key: &str,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> Option<String> {
    if let (Some(min), Some(max)) = (min, max) {
        if min.value > max.value {
            diagnostics.push(min_over_max(min_key, max_key, &min.span, what));
            return None;
        }
    }
    let bounds: Vec<String> = [("min", min), ("max", max)]
        .into_iter()
        .filter_map(|(key, bound)| bound.as_ref().map(|b| format!("{key} = {}", b.value)))
        .collect();
    (!bounds.is_empty()).then(|| bounds.join(", "))
}

fn min_over_max(
    min_key: &str,
    max_key: &str,
    span: &std::ops::Range<usize>,
    what: &str,
) -> Diagnostic {
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
