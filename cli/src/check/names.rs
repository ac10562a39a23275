//! The first pass: every declared name, checked for shape, keywords, duplicates and case
//! collisions, and recorded for resolution.
//!
//! One bad name gives one message: a name that collides with another after case conversion is
//! reported as the collision only (renaming it as "write `OrderItem`" would suggest would not
//! help when `OrderItem` is taken), and a name declared twice is reported once.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::names::{is_keyword, is_snake, is_upper_camel};
use crate::spec::raw::Sp;

use super::types::Declared;
use super::Checker;

/// Checks a type-like name (`UpperCamelCase`, not a keyword); `what` names it in messages
/// ("variant `Self` of enum `Kind`").
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
                format!("{what} is a Rust keyword"),
            )
            .label("a keyword")
            .help(format!("`{text}` is reserved in Rust; choose another name")),
        );
        return false;
    }
    if !is_upper_camel(text) {
        let suggestion = text.to_upper_camel_case();
        let help = if is_upper_camel(&suggestion) && !is_keyword(&suggestion) {
            format!("write `{suggestion}`")
        } else {
            "an UpperCamelCase name starts with an upper-case letter and has only letters and digits"
                .to_owned()
        };
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidName,
                name.span.clone(),
                format!("{what} is not an UpperCamelCase identifier"),
            )
            .label("not UpperCamelCase")
            .help(help),
        );
        return false;
    }
    true
}

/// Type names the generated code already uses: the spec's built-in types, their Rust
/// names, and the standard prelude's `Option`, `Result`, `Box` and their variants.
const RESERVED_TYPES: &[&str] = &[
    "String",
    "Decimal",
    "Date",
    "Time",
    "DateTime",
    "Uuid",
    "Option",
    "Vec",
    "Map",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Box",
    "BTreeMap",
    "NaiveDate",
    "NaiveTime",
    "Utc",
];

/// Names the generated code imports unqualified next to the spec's types (the application
/// module imports every aggregate, a generated test every type its aggregate uses), with where
/// they come from: a type of the same name would clash with the import.
const IMPORTED_TYPES: &[(&str, &str)] = &[
    ("Arc", "std::sync::Arc"),
    ("AggregateTest", "seedwork::testkit::AggregateTest"),
    ("Authorization", "seedwork::behaviors::Authorization"),
    ("Command", "seedwork::Command"),
    ("DomainEvent", "seedwork::DomainEvent"),
    ("ErrorKind", "seedwork::ErrorKind"),
    ("Idempotency", "seedwork::behaviors::Idempotency"),
    ("IdempotencyStore", "seedwork::IdempotencyStore"),
    (
        "InMemoryIdempotencyStore",
        "seedwork::InMemoryIdempotencyStore",
    ),
    ("Mediator", "seedwork::Mediator"),
    ("MediatorBuilder", "seedwork::MediatorBuilder"),
    ("Metadata", "seedwork::Metadata"),
    ("Principal", "seedwork::Principal"),
    ("RetryOnConflict", "seedwork::behaviors::RetryOnConflict"),
    ("Stores", "seedwork::Stores"),
    ("Then", "seedwork::testkit::Then"),
    ("Tracing", "seedwork::behaviors::Tracing"),
    ("Validation", "seedwork::behaviors::Validation"),
];

/// Checks that a type name does not hide a type the generated code uses (`String`,
/// `Metadata`).
fn check_not_reserved(name: &Sp<String>, what: &str, diagnostics: &mut Diagnostics) {
    let text = name.as_str();
    if RESERVED_TYPES.contains(&text) {
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidName,
                name.span.clone(),
                format!("{what} would hide the built-in type `{text}`"),
            )
            .label("a built-in name")
            .help(format!("rename it, for example `{text}Value`")),
        );
    } else if let Some((_, path)) = IMPORTED_TYPES.iter().find(|(taken, _)| *taken == text) {
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidName,
                name.span.clone(),
                format!("{what} would clash with `{path}`, which the generated code imports"),
            )
            .label("a name the generated code uses")
            .help(format!("rename it, for example `{text}Value`")),
        );
    }
}

/// Checks the names the generator makes from a type name: an aggregate's `snake_case` name is
/// a module (`order`) and a file, a command's is a method (`place_order`) of the aggregate and
/// of its rules trait. Neither may be a keyword (`Type` → `type`), an aggregate's module may
/// not be the generated `types`, and a command's method may not be the rules trait's `applied`.
fn check_generated_names(this: &TypeName, diagnostics: &mut Diagnostics) {
    let snake = crate::names::names(this.name.as_str()).snake;
    let (thing, taken) = match this.kind {
        "aggregate" => (
            "module",
            [("types", "the module of the enums and value objects")],
        ),
        "command" => (
            "method",
            [(
                "applied",
                "the method of the rules trait called after each event",
            )],
        ),
        _ => return,
    };
    let why = if is_keyword(&snake) {
        "a Rust keyword".to_owned()
    } else if let Some((_, meaning)) = taken.iter().find(|(name, _)| *name == snake) {
        format!("already {meaning}")
    } else {
        return;
    };
    diagnostics.push(
        Diagnostic::new(
            Code::InvalidName,
            this.name.span.clone(),
            format!(
                "{} becomes the {thing} `{snake}` in the generated code, which is {why}",
                this.what()
            ),
        )
        .label(format!("`{snake}` cannot be a {thing} name"))
        .help("choose another name"),
    );
}

/// A command whose method (`apply_order_placed`) is the applier of an event of its aggregate
/// (`OrderPlaced`): the aggregate's impl would define it twice.
fn check_handlers_and_appliers(checker: &mut Checker<'_, '_>) {
    let raw = checker.raw;
    for aggregate in &raw.aggregates {
        for command in &aggregate.commands {
            let method = crate::names::names(command.name.as_str()).snake;
            let Some(event) = aggregate.events.iter().find(|event| {
                format!("apply_{}", crate::names::names(event.name.as_str()).snake) == method
            }) else {
                continue;
            };
            checker.diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateName,
                    command.name.span.clone(),
                    format!(
                        "command `{}` and event `{}` of aggregate `{}` both become the method `{method}`",
                        command.name.value, event.name.value, aggregate.name.value
                    ),
                )
                .label("the event's applier has this name")
                .help("rename the command"),
            );
        }
    }
}

/// Checks a field name (`snake_case`, not a keyword); `what` names it in messages.
pub(crate) fn check_field_name(name: &Sp<String>, what: &str, diagnostics: &mut Diagnostics) {
    let text = name.as_str();
    if is_keyword(text) {
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidName,
                name.span.clone(),
                format!("{what} is a Rust keyword"),
            )
            .label("a keyword")
            .help(format!("rename it, for example `{text}_value`")),
        );
    } else if !is_snake(text) {
        let suggestion = text.to_snake_case();
        let help = if is_snake(&suggestion) && !is_keyword(&suggestion) {
            format!("write `{suggestion}`")
        } else {
            "a snake_case name starts with a lower-case letter and has only lower-case letters, \
             digits and single `_`"
                .to_owned()
        };
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidName,
                name.span.clone(),
                format!("{what} is not a snake_case identifier"),
            )
            .label("not snake_case")
            .help(help),
        );
    }
}

/// Reports names that differ but become the same in `snake_case` (`OrderItem`, `Order_Item`),
/// at the later one. Returns where the names reported start, so their shape is not reported
/// as well.
pub(crate) fn case_collisions<'a>(
    names: impl IntoIterator<Item = &'a Sp<String>>,
    kind: &str,
    diagnostics: &mut Diagnostics,
) -> BTreeSet<usize> {
    let mut seen: BTreeMap<String, &Sp<String>> = BTreeMap::new();
    let mut reported = BTreeSet::new();
    for name in names {
        let snake = name.value.to_snake_case();
        match seen.get(&snake) {
            Some(first) if first.value != name.value => {
                diagnostics.push(
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
                );
                reported.insert(name.span.start);
            }
            Some(_) => {}
            None => {
                seen.insert(snake, name);
            }
        }
    }
    reported
}

/// Checks a list of type-like names of one kind (enum variants, lifecycle states): shape,
/// duplicates and case collisions. Returns the names to keep: each declared name once.
pub(crate) fn type_names<'a>(
    names: impl IntoIterator<Item = &'a Sp<String>> + Clone,
    kind: &str,
    owner: &str,
    diagnostics: &mut Diagnostics,
) -> Vec<&'a Sp<String>> {
    let collided = case_collisions(names.clone(), kind, diagnostics);
    let mut seen = BTreeSet::new();
    let mut kept = Vec::new();
    for name in names {
        if !seen.insert(name.value.as_str()) {
            diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateName,
                    name.span.clone(),
                    format!("{owner} declares {kind} `{}` twice", name.value),
                )
                .label("declared again here")
                .help("remove one"),
            );
            continue;
        }
        if !collided.contains(&name.span.start) {
            let what = format!("{kind} `{}` of {owner}", name.value);
            check_type_name(name, &what, diagnostics);
        }
        kept.push(name);
    }
    kept
}

/// A name in the generated crate's type namespace.
struct TypeName {
    name: Sp<String>,
    /// "value object", "command", …
    kind: &'static str,
    /// "aggregate `Order`", for things that belong to something.
    owner: Option<String>,
    /// What the name resolves to as a field type, if it may be one.
    declared: Option<Declared>,
    /// A type the generator adds (`OrderId`): its span is its aggregate's name.
    generated: bool,
}

impl TypeName {
    fn user(name: &Sp<String>, kind: &'static str, declared: Option<Declared>) -> Self {
        TypeName {
            name: name.clone(),
            kind,
            owner: None,
            declared,
            generated: false,
        }
    }

    fn of(mut self, owner: String) -> Self {
        self.owner = Some(owner);
        self
    }

    /// "variant `Small` of enum `Size`", for name checks.
    fn what(&self) -> String {
        match &self.owner {
            Some(owner) => format!("{} `{}` of {owner}", self.kind, self.name.value),
            None => format!("{} `{}`", self.kind, self.name.value),
        }
    }

    /// "a command of aggregate `Order`", "the id type of aggregate `Order`", for duplicates.
    fn described(&self) -> String {
        let article = if self.generated {
            "the"
        } else if self.kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        match &self.owner {
            Some(owner) => format!("{article} {} of {owner}", self.kind),
            None => format!("{article} {}", self.kind),
        }
    }
}

/// Every name that becomes a Rust type in the generated crate, in spec order, with the types
/// the generator adds for each aggregate.
fn type_namespace(checker: &Checker<'_, '_>) -> Vec<TypeName> {
    let raw = checker.raw;
    let mut types = Vec::new();
    for e in &raw.enums {
        let variants = e.variants.iter().map(|(v, _)| v.value.clone()).collect();
        types.push(TypeName::user(
            &e.name,
            "enum",
            Some(Declared::Enum(variants)),
        ));
    }
    for vo in &raw.value_objects {
        types.push(TypeName::user(
            &vo.name,
            "value object",
            Some(Declared::ValueObject),
        ));
    }
    for aggregate in &raw.aggregates {
        let name = &aggregate.name;
        let owner = format!("aggregate `{}`", name.value);
        types.push(TypeName::user(name, "aggregate", Some(Declared::Aggregate)));
        let copy = !matches!(
            aggregate.id.as_ref().map(|(ty, _)| ty.as_str()),
            Some("string")
        );
        let mut generated = vec![("Id", "id type", Some(Declared::Id { copy }))];
        generated.extend(
            [
                ("Event", "event type"),
                ("Command", "command type"),
                ("Error", "error type"),
                ("Rules", "rules type"),
            ]
            .map(|(suffix, kind)| (suffix, kind, None)),
        );
        if aggregate.lifecycle.is_some() {
            generated.push(("Status", "status type", None));
        }
        for (suffix, kind, declared) in generated {
            types.push(TypeName {
                name: Sp::new(format!("{}{suffix}", name.value), name.span.clone()),
                kind,
                owner: Some(owner.clone()),
                declared,
                generated: true,
            });
        }
        for entity in &aggregate.entities {
            let declared = Declared::Entity(name.value.clone());
            types.push(TypeName::user(&entity.name, "entity", Some(declared)).of(owner.clone()));
        }
        for event in &aggregate.events {
            types.push(TypeName::user(&event.name, "event", None).of(owner.clone()));
        }
        for command in &aggregate.commands {
            types.push(TypeName::user(&command.name, "command", None).of(owner.clone()));
        }
    }
    for read_model in &raw.read_models {
        types.push(TypeName::user(&read_model.name, "read model", None));
        let owner = format!("read model `{}`", read_model.name.value);
        for query in &read_model.queries {
            types.push(TypeName::user(&query.name, "query", None).of(owner.clone()));
        }
    }
    for policy in &raw.policies {
        types.push(TypeName::user(&policy.name, "policy", None));
    }
    for subscription in &raw.subscriptions {
        let name = &subscription.name;
        types.push(TypeName::user(name, "subscription", None));
        types.push(TypeName {
            name: Sp::new(format!("{}Message", name.value), name.span.clone()),
            kind: "message type",
            owner: Some(format!("subscription `{}`", name.value)),
            declared: None,
            generated: true,
        });
    }
    types
}

/// Declares every type, event, command, read model, query, policy and subscription: one namespace, since
/// each becomes a Rust type of the generated crate.
pub(crate) fn declare(checker: &mut Checker<'_, '_>) {
    let types = type_namespace(checker);
    let user_names = types.iter().filter(|t| !t.generated).map(|t| &t.name);
    let collided = case_collisions(user_names, "type", checker.diagnostics);
    let mut first: BTreeMap<&str, &TypeName> = BTreeMap::new();
    for this in &types {
        if !this.generated && !collided.contains(&this.name.span.start) {
            let what = this.what();
            if check_type_name(&this.name, &what, checker.diagnostics) {
                check_not_reserved(&this.name, &what, checker.diagnostics);
                check_generated_names(this, checker.diagnostics);
            }
        }
        let Some(other) = first.get(this.name.as_str()) else {
            first.insert(this.name.as_str(), this);
            if let Some(declared) = &this.declared {
                checker
                    .declared
                    .insert(this.name.value.clone(), declared.clone());
            }
            continue;
        };
        // Point at the user's own declaration, not at a generated name.
        let (at, this, that) = if this.generated {
            (&other.name.span, *other, this)
        } else {
            (&this.name.span, this, *other)
        };
        checker.diagnostics.push(
            Diagnostic::new(
                Code::DuplicateName,
                at.clone(),
                format!(
                    "`{}` is declared twice: as {} and as {}",
                    this.name.value,
                    this.described(),
                    that.described()
                ),
            )
            .label("name already taken")
            .help("every type in the generated crate needs its own name; rename one"),
        );
    }
    check_handlers_and_appliers(checker);
    let raw = checker.raw;
    for aggregate in &raw.aggregates {
        for event in &aggregate.events {
            checker
                .events
                .entry(event.name.value.clone())
                .or_insert((aggregate, event));
        }
        for command in &aggregate.commands {
            checker
                .commands
                .entry(command.name.value.clone())
                .or_insert((aggregate, command));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(name: &str, at: usize) -> Sp<String> {
        Sp::new(name.to_owned(), at..at + 1)
    }

    #[test]
    fn a_collision_is_reported_once_at_the_later_name() {
        let names = [
            sp("OrderItem", 0),
            sp("Order_Item", 1),
            sp("HTTPServer", 2),
            sp("HttpServer", 3),
        ];
        let mut diagnostics = Diagnostics::default();
        let reported = case_collisions(&names, "type", &mut diagnostics);
        assert_eq!(reported, BTreeSet::from([1, 3]));
        assert_eq!(diagnostics.len(), 2);
    }

    #[test]
    fn a_list_of_names_reports_each_mistake_once() {
        let names = [
            sp("Open", 0),
            sp("Closed", 1),
            sp("Open", 2),
            sp("closed", 3),
            sp("Self", 4),
        ];
        let mut diagnostics = Diagnostics::default();
        let kept = type_names(&names, "state", "aggregate `Order`", &mut diagnostics);
        let kept: Vec<&str> = kept.iter().map(|n| n.as_str()).collect();
        assert_eq!(kept, ["Open", "Closed", "closed", "Self"]);
        let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
        // `closed` collides with `Closed` (E007, not also E005); `Open` twice (E006); `Self` (E005).
        assert_eq!(codes, ["E007", "E006", "E005"]);
    }
}
