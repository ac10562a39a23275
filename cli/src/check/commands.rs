//! Commands: their states, the events they emit and where each event field comes from.

use super::*;

impl<'r, 'd> Checker<'r, 'd> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn commands(
        &mut self,
        raw: &'r RawAggregate,
        resolver: &Resolver<'_>,
        id: &Id,
        lifecycle: &Option<Lifecycle>,
        state: &[StateField],
        events: &mut [Event],
    ) -> Vec<Command> {
        let aggregate = raw.name.value.as_str();
        let n = all_names(aggregate);
        let state_names: Vec<String> = lifecycle
            .as_ref()
            .map(|l| l.states.iter().map(|s| s.names.name.clone()).collect())
            .unwrap_or_default();
        let state_refs: Vec<&str> = state_names.iter().map(String::as_str).collect();
        // Event name → (state, command that sets it), for conflicts.
        let mut event_states: BTreeMap<String, (Option<String>, String)> = BTreeMap::new();
        let mut commands = Vec::new();
        for raw_command in &raw.commands {
            let name = &raw_command.name;
            let owner = format!("command `{}`", name.value);
            let creates = raw_command.creates.as_ref().is_some_and(|c| c.value);
            let fields: Vec<Field> = raw_command
                .fields
                .iter()
                .filter_map(|f| fields::field(f, &owner, resolver, self.diagnostics))
                .collect();
            names::case_collisions(
                raw_command.fields.iter().map(|f| &f.name),
                "field",
                self.diagnostics,
            );
            for field in &raw_command.fields {
                if field.name.value == id.field {
                    self.diagnostics
                        .push(implicit_id(&field.name, &id.field, &owner));
                }
            }
            let mut from: Vec<String> = Vec::new();
            if let Some(raw_from) = &raw_command.from {
                if creates {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::CreatingCommandWithFrom,
                            raw_from.span.clone(),
                            format!(
                                "{owner} creates the aggregate, so it cannot require `from` states"
                            ),
                        )
                        .label("a new aggregate has no state yet")
                        .help("remove `from`, or remove `creates = true`"),
                    );
                } else if lifecycle.is_none() {
                    self.diagnostics
                        .push(no_lifecycle(&raw_from.span, "from", &owner, aggregate));
                } else {
                    for state in &raw_from.value {
                        if self.known_state(state, &state_refs, aggregate) {
                            from.push(state.value.clone());
                        }
                    }
                }
            }
            let mut to = None;
            if let Some(raw_to) = &raw_command.to {
                if lifecycle.is_none() {
                    self.diagnostics
                        .push(no_lifecycle(&raw_to.span, "to", &owner, aggregate));
                } else if self.known_state(raw_to, &state_refs, aggregate) {
                    to = Some(raw_to.value.clone());
                }
            }
            if let Some(lifecycle) = lifecycle {
                if creates && to.is_none() && !lifecycle.initial.is_empty() {
                    to = Some(lifecycle.initial.clone());
                }
                if !creates && raw_command.from.is_none() {
                    from = lifecycle
                        .states
                        .iter()
                        .map(|s| s.names.name.clone())
                        .filter(|s| !lifecycle.terminal.contains(s))
                        .collect();
                }
            }
            let mut emits = Vec::new();
            for event_name in raw_command.emits.iter().flat_map(|e| e.value.iter()) {
                let Some(index) = events.iter().position(|e| e.names.name == event_name.value)
                else {
                    self.unknown_event(event_name, raw, Some(&owner));
                    continue;
                };
                let event = &events[index];
                let sources = self.event_sources(event, &fields, id, state, raw_command);
                emits.push(Emitted {
                    event: event.names.name.clone(),
                    fields: sources,
                });
                match event_states.get(&event_name.value) {
                    Some((state, other)) if *state != to => {
                        let describe = |s: &Option<String>| {
                            s.as_ref().map_or_else(
                                || "keeps the state".to_owned(),
                                |s| format!("leads to `{s}`"),
                            )
                        };
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::ConflictingState,
                                event_name.span.clone(),
                                format!(
                                    "event `{}` {} through `{other}`, but {} through `{}`",
                                    event_name.value,
                                    describe(state),
                                    describe(&to),
                                    name.value
                                ),
                            )
                            .label("applied, it can only set one state")
                            .help(
                                "emit a different event here, or give both commands the same `to`",
                            ),
                        );
                    }
                    Some(_) => {}
                    None => {
                        event_states
                            .insert(event_name.value.clone(), (to.clone(), name.value.clone()));
                    }
                }
            }
            let http = match &raw_command.http {
                Some(http) => self.http(
                    http,
                    "POST",
                    &default_command_path(&n, creates, &name.value),
                    &owner,
                ),
                None => http_route("POST", &default_command_path(&n, creates, &name.value)),
            };
            let roles = self.roles(&raw_command.roles, &owner);
            commands.push(Command {
                names: all_names(&name.value),
                doc: doc_lines(raw_command.doc.as_ref()),
                creates,
                fields,
                from,
                to,
                emits,
                roles,
                idempotent: raw_command.idempotent.as_ref().is_some_and(|i| i.value),
                http,
            });
        }
        for event in events.iter_mut() {
            event.sets_state = event_states
                .get(&event.names.name)
                .and_then(|(s, _)| s.clone());
        }
        commands
    }

    /// How the handler of `command` fills each field of `event`.
    pub(super) fn event_sources(
        &mut self,
        event: &Event,
        command_fields: &[Field],
        id: &Id,
        state: &[StateField],
        raw_command: &RawCommand,
    ) -> Vec<FieldSource> {
        let emits_span = raw_command
            .emits
            .as_ref()
            .and_then(|e| e.value.iter().find(|n| n.value == event.names.name))
            .map(|n| n.span.clone())
            .unwrap_or_else(|| raw_command.name.span.clone());
        event
            .fields
            .iter()
            .map(|field| {
                let mismatch = |diagnostics: &mut Diagnostics, source: &str, ty: &Type| {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            emits_span.clone(),
                            format!(
                                "event `{}` takes `{}` as `{}`, but {source} has it as `{}`",
                                event.names.name, field.name, field.ty.spec, ty.spec
                            ),
                        )
                        .label("fields are copied by name")
                        .help("give both the same type, or rename one"),
                    );
                };
                if let Some(command_field) = command_fields.iter().find(|f| f.name == field.name) {
                    if command_field.ty.spec != field.ty.spec {
                        mismatch(self.diagnostics, &format!("command `{}`", raw_command.name.value), &command_field.ty);
                    }
                    return FieldSource {
                        field: field.name.clone(),
                        from: Source::Command,
                        unwrap_state: false,
                    };
                }
                if field.name == id.field {
                    return FieldSource {
                        field: field.name.clone(),
                        from: Source::AggregateId,
                        unwrap_state: false,
                    };
                }
                if let Some(state_field) = state.iter().find(|f| f.field.name == field.name) {
                    if state_field.field.ty.spec != field.ty.spec {
                        mismatch(self.diagnostics, "the aggregate", &state_field.field.ty);
                    }
                    return FieldSource {
                        field: field.name.clone(),
                        from: Source::State,
                        unwrap_state: state_field.stored_as_option,
                    };
                }
                if field.ty.has_default {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::DefaultedEventField,
                            emits_span.clone(),
                            format!(
                                "command `{}` does not carry `{}` of event `{}`; it starts as the default of `{}`",
                                raw_command.name.value, field.name, event.names.name, field.ty.spec
                            ),
                        )
                        .label(format!("`{}` is left at its default", field.name))
                        .help(format!(
                            "add a field `{}` to the command, or set it in the command's business rule",
                            field.name
                        )),
                    );
                } else {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::UnfillableEventField,
                            emits_span.clone(),
                            format!(
                                "command `{}` cannot fill `{}` of event `{}`",
                                raw_command.name.value, field.name, event.names.name
                            ),
                        )
                        .label(format!("nothing carries `{}`", field.name))
                        .help(format!(
                            "add a field `{}: {}` to the command or to the aggregate",
                            field.name, field.ty.spec
                        )),
                    );
                }
                FieldSource {
                    field: field.name.clone(),
                    from: Source::Default,
                    unwrap_state: false,
                }
            })
            .collect()
    }

    pub(super) fn unknown_event(
        &mut self,
        event: &Sp<String>,
        aggregate: &RawAggregate,
        owner: Option<&str>,
    ) {
        let mut diagnostic = match self.events.get(&event.value) {
            Some((other, _)) => Diagnostic::new(
                Code::UnknownEvent,
                event.span.clone(),
                format!(
                    "event `{}` belongs to aggregate `{}`; {} can only emit events of `{}`",
                    event.value,
                    other.name.value,
                    owner.unwrap_or("a command"),
                    aggregate.name.value
                ),
            )
            .label("another aggregate's event"),
            None => Diagnostic::new(
                Code::UnknownEvent,
                event.span.clone(),
                format!("unknown event `{}`", event.value),
            )
            .label("not declared"),
        };
        let own: Vec<&str> = aggregate
            .events
            .iter()
            .map(|e| e.name.value.as_str())
            .collect();
        let near = closest(&event.value, own.iter().copied());
        if let Some(near) = near {
            self.suggested_events.insert(near.to_owned());
        }
        diagnostic = diagnostic.suggest(near);
        if diagnostic.help.is_none() && !self.events.contains_key(&event.value) {
            diagnostic = diagnostic.help(format!(
                "declare it as `[aggregates.{}.events.{}]`",
                aggregate.name.value, event.value
            ));
        }
        self.diagnostics.push(diagnostic);
    }
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

fn no_lifecycle(
    span: &std::ops::Range<usize>,
    key: &str,
    owner: &str,
    aggregate: &str,
) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidLifecycle,
        span.clone(),
        format!("{owner} has `{key}`, but aggregate `{aggregate}` has no lifecycle"),
    )
    .label("no states to refer to")
    .help(format!(
        "declare `[aggregates.{aggregate}.lifecycle]` with `initial` and `states`"
    ))
}
