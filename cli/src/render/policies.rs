//! What the policies template sees: for each policy the pattern that picks its event out of
//! the event enum, and the expression that fills each field of the command it sends.

use serde::Serialize;

use crate::model::{MapSource, Model, Policy, TypeKind};

use super::view::Imports;

/// One policy as the template prints it.
#[derive(Debug, Serialize)]
struct PolicyView<'a> {
    policy: &'a Policy,
    /// The event enum it listens to (`OrderEvent`).
    event_enum: String,
    /// The `let … else` pattern, or a plain `let` when the enum has only this event.
    pattern: String,
    /// The enum has other events, so the `let` needs an `else`.
    refutable: bool,
    /// `field: expression` initialisers of the command.
    fields: Vec<String>,
}

/// The policies module's view.
#[derive(Debug, Serialize)]
pub(crate) struct PoliciesView<'a> {
    imports: Vec<String>,
    policies: Vec<PolicyView<'a>>,
}

/// Plans the policies module of `model`.
pub(crate) fn policies_view(model: &Model) -> PoliciesView<'_> {
    let mut imports = Imports::inside(model, "generated::application::policies");
    let mut policies = Vec::new();
    for policy in &model.policies {
        let Some(source) = model
            .aggregates
            .iter()
            .find(|a| a.names.name == policy.on.aggregate)
        else {
            continue;
        };
        let Some(target) = model
            .aggregates
            .iter()
            .find(|a| a.names.name == policy.aggregate)
        else {
            continue;
        };
        let event = source
            .events
            .iter()
            .find(|e| e.names.name == policy.on.event);
        let command = target
            .commands
            .iter()
            .find(|c| c.names.name == policy.command);
        let event_enum = format!("{}Event", source.names.name);
        imports.name(&event_enum);
        imports.name(&policy.command);
        let mut binds = Vec::new();
        let fields = policy
            .mapping
            .iter()
            .map(|mapped| {
                let value = match mapped.from {
                    MapSource::EventField => {
                        let name = mapped.event_field.clone().unwrap_or_default();
                        if !binds.contains(&name) {
                            binds.push(name.clone());
                        }
                        let value = if mapped.clone {
                            format!("{name}.clone()")
                        } else {
                            format!("*{name}")
                        };
                        // An event's `T` may fill a command's `Option<T>`.
                        let wrap = command
                            .and_then(|c| c.fields.iter().find(|f| f.name == mapped.field))
                            .zip(event.and_then(|e| e.fields.iter().find(|f| f.name == name)))
                            .is_some_and(|(to, from)| {
                                to.ty.kind == TypeKind::Option && from.ty.kind != TypeKind::Option
                            });
                        if wrap {
                            format!("Some({value})")
                        } else {
                            value
                        }
                    }
                    MapSource::AggregateId => "event.typed_id()?".to_owned(),
                    MapSource::NewId => "seedwork::NewId::new_id()".to_owned(),
                    MapSource::Absent => "None".to_owned(),
                };
                format!("{}: {value}", mapped.field)
            })
            .collect();
        let head = format!("{event_enum}::{}", policy.on.event);
        let has_fields = event.is_some_and(|e| !e.fields.is_empty());
        let all = event.map_or(0, |e| e.fields.len());
        let pattern = match (has_fields, binds.is_empty(), binds.len() == all) {
            (false, _, _) => head,
            (true, true, _) => format!("{head} {{ .. }}"),
            (true, false, true) => format!("{head} {{ {} }}", binds.join(", ")),
            (true, false, false) => format!("{head} {{ {}, .. }}", binds.join(", ")),
        };
        policies.push(PolicyView {
            policy,
            event_enum,
            pattern,
            refutable: source.events.len() > 1,
            fields,
        });
    }
    if !policies.is_empty() {
        for path in [
            "seedwork::async_trait",
            "seedwork::EventEnvelope",
            "seedwork::Mediator",
            "seedwork::Metadata",
            "seedwork::Policy",
            "seedwork::Result",
        ] {
            imports.path(path);
        }
    }
    PoliciesView {
        imports: imports.finish(),
        policies,
    }
}
