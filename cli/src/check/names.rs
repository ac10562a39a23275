//! The first pass: every declared name, checked for shape, keywords, duplicates and case
//! collisions, and recorded for resolution.

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::names::{is_keyword, is_upper_camel};
use crate::spec::raw::Sp;

use super::types::Declared;
use super::Checker;

/// Checks a type-like name (`UpperCamelCase`, not a keyword).
pub(crate) fn check_type_name(
    name: &Sp<String>,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> bool {
    let text = name.as_str();
    if is_keyword(text) {
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidName,
                name.span.clone(),
                format!("{what} `{text}` is a Rust keyword"),
            )
            .label("a keyword"),
        );
        return false;
    }
    if !is_upper_camel(text) {
        let suggestion = text.to_upper_camel_case();
        let mut diagnostic = Diagnostic::new(
            Code::InvalidName,
            name.span.clone(),
            format!("{what} `{text}` is not an UpperCamelCase identifier"),
        )
        .label("not UpperCamelCase");
        if is_upper_camel(&suggestion) && !is_keyword(&suggestion) {
            diagnostic = diagnostic.help(format!("write `{suggestion}`"));
        }
        diagnostics.push(diagnostic);
        return false;
    }
    true
}

/// Reports names that differ but become the same in `snake_case` (`OrderItem`, `Order_Item`).
pub(crate) fn case_collisions<'a>(
    names: impl IntoIterator<Item = &'a Sp<String>>,
    kind: &str,
    diagnostics: &mut Diagnostics,
) {
    let mut seen: BTreeMap<String, &Sp<String>> = BTreeMap::new();
    for name in names {
        let snake = name.value.to_snake_case();
        match seen.get(&snake) {
            Some(first) if first.value != name.value => diagnostics.push(
                Diagnostic::new(
                    Code::CaseCollision,
                    name.span.clone(),
                    format!(
                        "{kind} `{}` and `{}` are the same name after case conversion (`{snake}`)",
                        name.value, first.value
                    ),
                )
                .label(format!("collides with `{}`", first.value))
                .help("generated modules, files and routes would clash; rename one"),
            ),
            Some(_) => {}
            None => {
                seen.insert(snake, name);
            }
        }
    }
}

/// Declares every type, event, command, read model, query and policy.
pub(crate) fn declare(checker: &mut Checker<'_, '_>) {
    let raw = checker.raw;
    // Type namespace: everything that becomes a Rust type in the generated crate, with what
    // declared it (for messages).
    let mut types: Vec<(Sp<String>, String, Option<Declared>, bool)> = Vec::new();
    for e in &raw.enums {
        types.push((e.name.clone(), "enum".into(), Some(Declared::Enum), false));
    }
    for vo in &raw.value_objects {
        types.push((
            vo.name.clone(),
            "value object".into(),
            Some(Declared::ValueObject),
            false,
        ));
    }
    for aggregate in &raw.aggregates {
        let name = &aggregate.name;
        let span = name.span.clone();
        let copy = !matches!(
            aggregate.id.as_ref().map(|(ty, _)| ty.as_str()),
            Some("string")
        );
        types.push((
            name.clone(),
            "aggregate".into(),
            Some(Declared::Aggregate),
            false,
        ));
        types.push((
            Sp::new(format!("{}Id", name.value), span.clone()),
            format!("the id type of aggregate `{}`", name.value),
            Some(Declared::Id { copy }),
            true,
        ));
        for suffix in ["Event", "Command", "Error", "Rules"] {
            types.push((
                Sp::new(format!("{}{suffix}", name.value), span.clone()),
                format!("a type generated for aggregate `{}`", name.value),
                None,
                true,
            ));
        }
        if aggregate.lifecycle.is_some() {
            types.push((
                Sp::new(format!("{}Status", name.value), span.clone()),
                format!("the status type of aggregate `{}`", name.value),
                None,
                true,
            ));
        }
        for entity in &aggregate.entities {
            types.push((
                entity.name.clone(),
                format!("entity of aggregate `{}`", name.value),
                Some(Declared::Entity(name.value.clone())),
                false,
            ));
        }
        for command in &aggregate.commands {
            types.push((command.name.clone(), "command".into(), None, false));
        }
    }
    for read_model in &raw.read_models {
        types.push((read_model.name.clone(), "read model".into(), None, false));
        for query in &read_model.queries {
            types.push((query.name.clone(), "query".into(), None, false));
        }
    }
    for policy in &raw.policies {
        check_type_name(&policy.name, "policy", checker.diagnostics);
    }

    let mut first: BTreeMap<String, (String, std::ops::Range<usize>)> = BTreeMap::new();
    for (name, kind, declared, generated) in &types {
        let generated = *generated;
        if !generated {
            check_type_name(name, kind, checker.diagnostics);
        }
        match first.get(&name.value) {
            Some((other_kind, other_span)) => {
                // Point at the user's own declaration, not at a generated name.
                let span = if generated {
                    other_span.clone()
                } else {
                    name.span.clone()
                };
                let (this, that) = if generated {
                    (other_kind.clone(), kind.clone())
                } else {
                    (kind.clone(), other_kind.clone())
                };
                checker.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        span,
                        format!(
                            "`{}` is declared twice: as {this} and as {that}",
                            name.value
                        ),
                    )
                    .label("name already taken")
                    .help("every type in the generated crate needs its own name; rename one"),
                );
            }
            None => {
                first.insert(name.value.clone(), (kind.clone(), name.span.clone()));
                if let Some(declared) = declared {
                    checker
                        .declared
                        .insert(name.value.clone(), declared.clone());
                }
            }
        }
    }
    let user_types: Vec<&Sp<String>> = types
        .iter()
        .filter(|(_, _, _, generated)| !generated)
        .map(|(name, _, _, _)| name)
        .collect();
    case_collisions(user_types, "type", checker.diagnostics);
    case_collisions(
        raw.policies.iter().map(|p| &p.name),
        "policy",
        checker.diagnostics,
    );

    // Events: one namespace across aggregates, since read models and policies name them.
    let mut event_names = Vec::new();
    for aggregate in &raw.aggregates {
        for event in &aggregate.events {
            check_type_name(&event.name, "event", checker.diagnostics);
            if let Some((other, _)) = checker.events.get(&event.name.value) {
                checker.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        event.name.span.clone(),
                        format!(
                            "event `{}` is declared by aggregates `{}` and `{}`",
                            event.name.value, other.name.value, aggregate.name.value
                        ),
                    )
                    .label("declared again here")
                    .help("event names are global: read models and policies refer to them by name"),
                );
                continue;
            }
            checker
                .events
                .insert(event.name.value.clone(), (aggregate, event));
            event_names.push(&event.name);
        }
        for command in &aggregate.commands {
            checker
                .commands
                .entry(command.name.value.clone())
                .or_insert((aggregate, command));
        }
    }
    case_collisions(event_names, "event", checker.diagnostics);
}
