//! Commands: their states, the events they emit and where each event field comes from, and
//! events that would lead to two different states.

use std::ops::Range;

use super::*;

/// What the commands of one aggregate are checked against.
pub(super) struct Scope<'a, 'r> {
    pub(super) raw: &'r RawAggregate,
    pub(super) resolver: &'a Resolver<'a>,
    pub(super) id: &'a Id,
    pub(super) lifecycle: Option<&'a Lifecycle>,
    pub(super) state: &'a [StateField],
}

/// A command emitting an event, and the state the command leads to.
#[derive(Debug, Clone)]
struct Emission<'a> {
    event: &'a Sp<String>,
    command: &'a str,
    /// `None`: the command keeps the state.
    to: Option<String>,
}

/// One event that commands with different `to` emit: applied, it can only set one state.
#[derive(Debug)]
struct StateConflict<'a> {
    /// The first emission that disagrees with the first one.
    at: Range<usize>,
    event: &'a str,
    /// Each state (or `None`: kept) with the commands that lead there, in spec order.
    outcomes: Vec<(Option<String>, Vec<&'a str>)>,
}

impl<'r, 'd> Checker<'r, 'd> {
    /// Checks the commands of an aggregate; sets each event's `sets_state`.
    pub(super) fn commands(&mut self, scope: &Scope<'_, 'r>, events: &mut [Event]) -> Vec<Command> {
        let mut emissions = Vec::new();
        let commands = scope
            .raw
            .commands
            .iter()
            .map(|raw_command| self.command(scope, raw_command, events, &mut emissions))
            .collect();
        let (settled, conflicts) = settle_states(&emissions);
        for conflict in conflicts {
            self.diagnostics.push(conflict_diagnostic(&conflict));
        }
        for event in events.iter_mut() {
            event.sets_state = settled.get(event.names.name.as_str()).cloned().flatten();
        }
        commands
    }

    fn command(
        &mut self,
        scope: &Scope<'_, 'r>,
        raw_command: &'r RawCommand,
        events: &[Event],
        emissions: &mut Vec<Emission<'r>>,
    ) -> Command {
        let name = &raw_command.name;
        let owner = format!("command `{}`", name.value);
        let creates = raw_command.creates.as_ref().is_some_and(|c| c.value);
        let fields = fields::fields(
            &raw_command.fields,
            &owner,
            scope.resolver,
            self.diagnostics,
        );
        for field in &raw_command.fields {
            if field.name.value == scope.id.field {
                let diagnostic = implicit_id(&field.name, &scope.id.field, &owner);
                self.diagnostics.push(diagnostic);
            }
        }
        let (from, to, settled) = self.command_states(scope, raw_command, creates, &owner);
        let mut emits = Vec::new();
        for event_name in raw_command.emits.iter().flat_map(|e| e.value.iter()) {
            let Some(event) = events.iter().find(|e| e.names.name == event_name.value) else {
                self.unknown_event(event_name, scope.raw, &owner);
                continue;
            };
            emits.push(Emitted {
                event: event.names.name.clone(),
                fields: self.event_sources(scope, event, &fields, raw_command),
            });
            if settled {
                emissions.push(Emission {
                    event: event_name,
                    command: &name.value,
                    to: to.clone(),
                });
            }
        }
        let n = all_names(&scope.raw.name.value);
        let default_path = default_command_path(&n, creates, &name.value);
        let params = if creates {
            routes::Params::None("it creates the aggregate")
        } else {
            routes::Params::One(format!("the id of the {} it acts on", n.words))
        };
        let http = match &raw_command.http {
            Some(http) => self.http(http, "POST", &default_path, &params, &owner),
            None => http_route("POST", &default_path),
        };
        Command {
            names: all_names(&name.value),
            doc: doc_lines(raw_command.doc.as_ref()),
            creates,
            fields,
            from,
            to,
            emits,
            roles: self.roles(&raw_command.roles, &owner),
            idempotent: raw_command.idempotent.as_ref().is_some_and(|i| i.value),
            http,
        }
    }

    /// The states a command is accepted in and leads to; `false` when its `to` did not resolve
    /// (already reported), so the events it emits say nothing about states.
    fn command_states(
        &mut self,
        scope: &Scope<'_, 'r>,
        raw_command: &RawCommand,
        creates: bool,
        owner: &str,
    ) -> (Vec<String>, Option<String>, bool) {
        let aggregate = scope.raw.name.as_str();
        let Some(lifecycle) = scope.lifecycle else {
            self.without_lifecycle(raw_command, owner, aggregate);
            return (Vec::new(), None, true);
        };
        let states: Vec<&str> = lifecycle
            .states
            .iter()
            .map(|s| s.names.name.as_str())
            .collect();
        let mut from = Vec::new();
        match (&raw_command.from, creates) {
            (Some(raw_from), true) => self.diagnostics.push(
                Diagnostic::new(
                    Code::CreatingCommandWithFrom,
                    raw_from.span.clone(),
                    format!("{owner} creates the aggregate, so it cannot require `from` states"),
                )
                .label("a new aggregate has no state yet")
                .help("remove `from`, or remove `creates = true`"),
            ),
            (Some(raw_from), false) => {
                for state in &raw_from.value {
                    if self.known_state(state, &states, aggregate) {
                        from.push(state.value.clone());
                    }
                }
            }
            (None, false) => {
                from = states
                    .iter()
                    .filter(|s| !lifecycle.terminal.iter().any(|t| t == *s))
                    .map(|s| (*s).to_owned())
                    .collect();
            }
            (None, true) => {}
        }
        let (to, settled) = match &raw_command.to {
            Some(raw_to) if self.known_state(raw_to, &states, aggregate) => {
                (Some(raw_to.value.clone()), true)
            }
            Some(_) => (None, false),
            None if creates && !lifecycle.initial.is_empty() => {
                (Some(lifecycle.initial.clone()), true)
            }
            None => (None, true),
        };
        self.leaves_terminal(raw_command, lifecycle, to.as_deref(), owner);
        (from, to, settled)
    }

    /// `from` or `to` on an aggregate without a lifecycle: one message for both.
    fn without_lifecycle(&mut self, raw_command: &RawCommand, owner: &str, aggregate: &str) {
        let from = raw_command
            .from
            .as_ref()
            .map(|f| ("`from`", f.span.clone()));
        let to = raw_command.to.as_ref().map(|t| ("`to`", t.span.clone()));
        let keys: Vec<(&str, Range<usize>)> = from.into_iter().chain(to).collect();
        let Some((_, span)) = keys.first() else {
            return;
        };
        let written: Vec<&str> = keys.iter().map(|(key, _)| *key).collect();
        self.diagnostics.push(
            Diagnostic::new(
                Code::InvalidLifecycle,
                span.clone(),
                format!(
                    "{owner} has {}, but aggregate `{aggregate}` has no lifecycle",
                    written.join(" and ")
                ),
            )
            .label("no states to refer to")
            .help(format!(
                "declare `[aggregates.{aggregate}.lifecycle]` with `initial` and `states`"
            )),
        );
    }

    /// A command that leaves a terminal state: terminal states are the ones no command leaves.
    fn leaves_terminal(
        &mut self,
        raw_command: &RawCommand,
        lifecycle: &Lifecycle,
        to: Option<&str>,
        owner: &str,
    ) {
        let Some(to) = to else {
            return;
        };
        for state in raw_command.from.iter().flat_map(|f| f.value.iter()) {
            if state.value != to && lifecycle.terminal.contains(&state.value) {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidLifecycle,
                        state.span.clone(),
                        format!(
                            "state `{}` is terminal, but {owner} leads from it to `{to}`",
                            state.value
                        ),
                    )
                    .label("terminal: no command leaves it")
                    .help(format!(
                        "remove `{}` from the command's `from`, or from the lifecycle's `terminal`",
                        state.value
                    )),
                );
            }
        }
    }

    /// How the handler of `raw_command` fills each field of `event`.
    fn event_sources(
        &mut self,
        scope: &Scope<'_, 'r>,
        event: &Event,
        command_fields: &[Field],
        raw_command: &RawCommand,
    ) -> Vec<FieldSource> {
        let at = raw_command
            .emits
            .as_ref()
            .and_then(|e| e.value.iter().find(|n| n.value == event.names.name))
            .map_or_else(|| raw_command.name.span.clone(), |n| n.span.clone());
        let source = |field: &str, from: Source, unwrap_state: bool| FieldSource {
            field: field.to_owned(),
            from,
            unwrap_state,
        };
        let command = format!("command `{}`", raw_command.name.value);
        let mut sources = Vec::new();
        for field in &event.fields {
            let named = |f: &RawField| f.name.value == field.name;
            if let Some(command_field) = command_fields.iter().find(|f| f.name == field.name) {
                if command_field.ty.spec != field.ty.spec {
                    let d = mismatch(&at, event, field, &command, &command_field.ty);
                    self.diagnostics.push(d);
                }
                sources.push(source(&field.name, Source::Command, false));
            } else if raw_command.fields.iter().any(named) {
                // Declared with a type that did not resolve (reported): no second message.
                sources.push(source(&field.name, Source::Command, false));
            } else if field.name == scope.id.field {
                sources.push(source(&field.name, Source::AggregateId, false));
            } else if let Some(state) = scope.state.iter().find(|f| f.field.name == field.name) {
                if state.field.ty.spec != field.ty.spec {
                    let d = mismatch(&at, event, field, "the aggregate", &state.field.ty);
                    self.diagnostics.push(d);
                }
                sources.push(source(&field.name, Source::State, state.stored_as_option));
            } else if scope.raw.fields.iter().any(named) {
                sources.push(source(&field.name, Source::State, false));
            } else {
                let d = unfilled(&at, event, field, &raw_command.name.value);
                self.diagnostics.push(d);
                sources.push(source(&field.name, Source::Default, false));
            }
        }
        sources
    }

    /// An event in `emits` that is not one of the aggregate's own.
    pub(super) fn unknown_event(
        &mut self,
        event: &Sp<String>,
        aggregate: &RawAggregate,
        owner: &str,
    ) {
        let own: Vec<&str> = aggregate.events.iter().map(|e| e.name.as_str()).collect();
        let near = closest(&event.value, own.iter().copied());
        if let Some(near) = near {
            self.suggested_events.insert(near.to_owned());
        }
        let diagnostic = match self.events.get(&event.value) {
            Some((other, _)) => Diagnostic::new(
                Code::UnknownEvent,
                event.span.clone(),
                format!(
                    "event `{}` belongs to aggregate `{}`; {owner} can only emit events of `{}`",
                    event.value, other.name.value, aggregate.name.value
                ),
            )
            .label("another aggregate's event")
            .suggest(near)
            .help_or(format!(
                "to act on it, declare a policy with `on = \"{}\"` that sends a command of `{}`",
                event.value, aggregate.name.value
            )),
            None => Diagnostic::new(
                Code::UnknownEvent,
                event.span.clone(),
                format!("unknown event `{}`", event.value),
            )
            .label("not declared")
            .suggest(near)
            .help_or(format!(
                "declare it as `[aggregates.{}.events.{}]`",
                aggregate.name.value, event.value
            )),
        };
        self.diagnostics.push(diagnostic);
    }
}

fn mismatch(
    at: &Range<usize>,
    event: &Event,
    field: &Field,
    source: &str,
    ty: &Type,
) -> Diagnostic {
    Diagnostic::new(
        Code::TypeMismatch,
        at.clone(),
        format!(
            "event `{}` takes `{}` as `{}`, but {source} has it as `{}`",
            event.names.name, field.name, field.ty.spec, ty.spec
        ),
    )
    .label("fields are copied by name")
    .help("give both the same type, or rename one")
}

/// An event field nothing carries: a warning when its type has a default, else an error.
fn unfilled(at: &Range<usize>, event: &Event, field: &Field, command: &str) -> Diagnostic {
    let (event, name, ty) = (&event.names.name, &field.name, &field.ty.spec);
    if field.ty.has_default {
        Diagnostic::new(
            Code::DefaultedEventField,
            at.clone(),
            format!(
                "command `{command}` does not carry `{name}` of event `{event}`; it starts as the default of `{ty}`"
            ),
        )
        .label(format!("`{name}` is left at its default"))
        .help(format!(
            "add a field `{name}` to the command, or set it in the command's business rule"
        ))
    } else {
        Diagnostic::new(
            Code::UnfillableEventField,
            at.clone(),
            format!("command `{command}` cannot fill `{name}` of event `{event}`"),
        )
        .label(format!("nothing carries `{name}`"))
        .help(format!(
            "add a field `{name} = \"{ty}\"` to the command or to the aggregate"
        ))
    }
}

/// The state each event sets when applied (that of the first command emitting it), and the
/// events whose commands disagree.
fn settle_states<'a>(
    emissions: &[Emission<'a>],
) -> (BTreeMap<&'a str, Option<String>>, Vec<StateConflict<'a>>) {
    let mut settled: BTreeMap<&'a str, Option<String>> = BTreeMap::new();
    let mut conflicts: Vec<StateConflict<'a>> = Vec::new();
    for emission in emissions {
        let event = emission.event.as_str();
        let Some(first) = settled.get(event) else {
            settled.insert(event, emission.to.clone());
            continue;
        };
        if *first == emission.to {
            continue;
        }
        if !conflicts.iter().any(|c| c.event == event) {
            conflicts.push(StateConflict {
                at: emission.event.span.clone(),
                event,
                outcomes: Vec::new(),
            });
        }
    }
    for conflict in &mut conflicts {
        for emission in emissions
            .iter()
            .filter(|e| e.event.as_str() == conflict.event)
        {
            match conflict
                .outcomes
                .iter_mut()
                .find(|(to, _)| *to == emission.to)
            {
                Some((_, commands)) => commands.push(emission.command),
                None => conflict
                    .outcomes
                    .push((emission.to.clone(), vec![emission.command])),
            }
        }
    }
    (settled, conflicts)
}

fn conflict_diagnostic(conflict: &StateConflict<'_>) -> Diagnostic {
    let outcomes: Vec<String> = conflict
        .outcomes
        .iter()
        .map(|(to, commands)| {
            let through: Vec<String> = commands.iter().map(|c| format!("`{c}`")).collect();
            match to {
                Some(to) => format!("leads to `{to}` through {}", through.join(", ")),
                None => format!("keeps the state through {}", through.join(", ")),
            }
        })
        .collect();
    Diagnostic::new(
        Code::ConflictingState,
        conflict.at.clone(),
        format!("event `{}` {}", conflict.event, outcomes.join("; ")),
    )
    .label("applied, an event can set only one state")
    .help("emit a different event for each transition, or give these commands the same `to`")
}

fn default_command_path(aggregate: &Names, creates: bool, command: &str) -> String {
    if creates {
        format!("/{}", aggregate.plural_kebab)
    } else {
        format!(
            "/{}/{{id}}/{}",
            aggregate.plural_kebab,
            all_names(command).kebab
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emission<'a>(event: &'a Sp<String>, command: &'a str, to: Option<&str>) -> Emission<'a> {
        Emission {
            event,
            command,
            to: to.map(str::to_owned),
        }
    }

    #[test]
    fn events_take_the_state_of_their_commands() {
        let placed = Sp::new("OrderPlaced".to_owned(), 0..1);
        let paid = Sp::new("OrderPaid".to_owned(), 2..3);
        let emissions = [
            emission(&placed, "PlaceOrder", Some("Placed")),
            emission(&paid, "Pay", Some("Paid")),
            emission(&paid, "PayCash", Some("Paid")),
        ];
        let (settled, conflicts) = settle_states(&emissions);
        assert!(conflicts.is_empty());
        assert_eq!(settled["OrderPlaced"].as_deref(), Some("Placed"));
        assert_eq!(settled["OrderPaid"].as_deref(), Some("Paid"));
    }

    #[test]
    fn one_event_with_several_states_is_one_conflict() {
        let changed = [0, 1, 2, 3].map(|at| Sp::new("OrderChanged".to_owned(), at..at + 1));
        let emissions = [
            emission(&changed[0], "Pay", Some("Paid")),
            emission(&changed[1], "Ship", Some("Shipped")),
            emission(&changed[2], "Touch", None),
            emission(&changed[3], "PayAgain", Some("Paid")),
        ];
        let (settled, conflicts) = settle_states(&emissions);
        assert_eq!(settled["OrderChanged"].as_deref(), Some("Paid"));
        let [conflict] = conflicts.as_slice() else {
            panic!("one conflict, not {conflicts:?}");
        };
        assert_eq!(conflict.at, 1..2);
        let message = conflict_diagnostic(conflict).message;
        assert_eq!(
            message,
            "event `OrderChanged` leads to `Paid` through `Pay`, `PayAgain`; \
             leads to `Shipped` through `Ship`; keeps the state through `Touch`"
        );
    }

    #[test]
    fn keeping_the_state_everywhere_is_no_conflict() {
        let noted = [0, 1].map(|at| Sp::new("NoteAdded".to_owned(), at..at + 1));
        let emissions = [
            emission(&noted[0], "AddNote", None),
            emission(&noted[1], "AddRemark", None),
        ];
        let (settled, conflicts) = settle_states(&emissions);
        assert!(conflicts.is_empty());
        assert_eq!(settled["NoteAdded"], None);
    }
}
