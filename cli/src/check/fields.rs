//! Fields: names, types and constraints, checked and turned into model fields.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::{Field, Type, TypeKind};
use crate::names::closest;
use crate::spec::raw::{RawField, Sp};

use super::names::{case_collisions, check_field_name};
use super::types::{Resolver, TypeError};
use super::{constraints, doc_lines, examples};

/// Checks the fields of one owner ("value object `Address`") and builds their model form,
/// leaving out those whose type does not resolve. A name that collides with another after
/// case conversion is reported as the collision only.
pub(crate) fn fields(
    raw: &[RawField],
    owner: &str,
    resolver: &Resolver<'_>,
    diagnostics: &mut Diagnostics,
) -> Vec<Field> {
    let collided = case_collisions(raw.iter().map(|f| &f.name), "field", diagnostics);
    raw.iter()
        .filter_map(|f| {
            if !collided.contains(&f.name.span.start) {
                let what = format!("field `{}` of {owner}", f.name.value);
                check_field_name(&f.name, &what, diagnostics);
            }
            field(f, owner, resolver, diagnostics)
        })
        .collect()
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
                        .focus(name)
                }
                TypeError::Aggregate(name) => Diagnostic::new(
                    Code::AggregateByValue,
                    span,
                    format!("aggregate `{name}` cannot be a field type"),
                )
                .label("an aggregate")
                .help(format!(
                    "aggregates refer to each other by id: use `{name}Id`"
                ))
                .focus(name),
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
                ))
                .focus(entity),
                TypeError::Arity(message) => Diagnostic::new(
                    Code::UnknownType,
                    span,
                    format!("`{}` is not a valid type: {message}", ty.value),
                )
                .label("not a valid type"),
            };
            diagnostics.push(diagnostic);
            None
        }
    }
}

/// Checks a field's type and constraints and builds its model form; `None` when its type does
/// not resolve. Its name is checked by [`fields`].
fn field(
    raw: &RawField,
    owner: &str,
    resolver: &Resolver<'_>,
    diagnostics: &mut Diagnostics,
) -> Option<Field> {
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
    let validate = constraints::constraints(raw, &ty, &what, resolver, diagnostics);
    let example = examples::example(raw, &ty, &what, resolver, diagnostics);
    Some(Field {
        name: raw.name.value.clone(),
        doc: doc_lines(raw.doc.as_ref()),
        ty,
        validate,
        example,
    })
}
