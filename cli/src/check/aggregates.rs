//! Aggregates: the id, the storage style, the state's fields and the events.

use super::*;

impl<'r, 'd> Checker<'r, 'd> {
    pub(super) fn aggregate(
        &mut self,
        raw: &'r RawAggregate,
        declared: &BTreeMap<String, Declared>,
    ) -> Option<Aggregate> {
        let name = raw.name.value.clone();
        let n = all_names(&name);
        let resolver = Resolver {
            declared,
            aggregate: Some(&name),
        };
        let id = self.id(raw);
        let storage = match raw.storage.as_ref().map(|s| s.as_str()) {
            None | Some("event_sourced") => Storage::EventSourced,
            Some("state_stored") => Storage::StateStored,
            Some(other) => {
                let span = raw
                    .storage
                    .as_ref()
                    .map(|s| s.span.clone())
                    .unwrap_or_default();
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        span,
                        format!("`{other}` is not a storage style"),
                    )
                    .label("not a storage style")
                    .suggest(closest(other, ["event_sourced", "state_stored"]))
                    .help_or("write `event_sourced` or `state_stored`"),
                );
                Storage::EventSourced
            }
        };
        let owner = format!("aggregate `{name}`");
        let state_fields: Vec<StateField> =
            fields::fields(&raw.fields, &owner, &resolver, self.diagnostics)
                .into_iter()
                .map(|field| {
                    let stored_as_option = !field.ty.has_default;
                    StateField {
                        stored_rust: if stored_as_option {
                            format!("Option<{}>", field.ty.rust)
                        } else {
                            field.ty.rust.clone()
                        },
                        stored_as_option,
                        field,
                    }
                })
                .collect();
        for field in &raw.fields {
            if field.name.value == "status" && raw.lifecycle.is_some() {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        field.name.span.clone(),
                        format!("aggregate `{name}` has a lifecycle, which is kept in the field `status`"),
                    )
                    .label("already the lifecycle's field")
                    .help("rename this field"),
                );
            }
        }
        let lifecycle = self.lifecycle(raw);
        let entities = raw
            .entities
            .iter()
            .map(|entity| {
                let owner = format!("entity `{}` of aggregate `{name}`", entity.name.value);
                self.structure(entity, &owner, &resolver)
            })
            .collect();
        let events: Vec<(Event, &RawEvent)> = raw
            .events
            .iter()
            .map(|event| {
                let owner = format!("event `{}`", event.name.value);
                let fields = fields::fields(&event.fields, &owner, &resolver, self.diagnostics);
                if let Some(version) = &event.version {
                    if version.value == 0 || version.value > u64::from(u32::MAX) {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::InvalidValue,
                                version.span.clone(),
                                format!(
                                    "the version of event `{}` must be at least 1",
                                    event.name.value
                                ),
                            )
                            .label("versions start at 1"),
                        );
                    }
                }
                for field in &event.fields {
                    if field.name.value == id.field {
                        self.diagnostics
                            .push(implicit_id(&field.name, &id.field, &owner));
                    }
                }
                (
                    Event {
                        names: all_names(&event.name.value),
                        doc: doc_lines(event.doc.as_ref()),
                        version: event
                            .version
                            .as_ref()
                            .map_or(1, |v| v.value.clamp(1, u64::from(u32::MAX)) as u32),
                        integration: event.integration.as_ref().is_some_and(|i| i.value),
                        fields,
                        sets_state: None,
                        applies: Vec::new(),
                    },
                    event,
                )
            })
            .collect();
        let mut events: Vec<Event> = events.into_iter().map(|(event, _)| event).collect();
        let scope = commands::Scope {
            raw,
            resolver: &resolver,
            id: &id,
            lifecycle: lifecycle.as_ref(),
            state: &state_fields,
        };
        let commands = self.commands(&scope, &mut events);
        self.applies(raw, &state_fields, &mut events);
        Some(Aggregate {
            table: n.plural_snake.clone(),
            route: format!("/{}", n.plural_kebab),
            names: n,
            doc: doc_lines(raw.doc.as_ref()),
            id,
            storage,
            fields: state_fields,
            lifecycle,
            entities,
            events,
            commands,
        })
    }

    pub(super) fn id(&mut self, raw: &RawAggregate) -> Id {
        let n = all_names(&raw.name.value);
        let (kind, default_server) = match raw.id.as_ref().map(|(ty, _)| ty) {
            None => (IdKind::Uuid, true),
            Some(ty) => match ty.as_str() {
                "uuid" => (IdKind::Uuid, true),
                "string" => (IdKind::String, false),
                "integer" => (IdKind::Integer, false),
                other => {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            ty.span.clone(),
                            format!("`{other}` is not an id type"),
                        )
                        .label("not an id type")
                        .suggest(closest(other, ["uuid", "string", "integer"]))
                        .help_or("write `uuid`, `string` or `integer`"),
                    );
                    (IdKind::Uuid, true)
                }
            },
        };
        let server_assigned = match raw.id.as_ref().and_then(|(_, assigned)| assigned.as_ref()) {
            None => default_server,
            Some(assigned) => match assigned.as_str() {
                "server" => {
                    if kind == IdKind::Integer {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::InvalidValue,
                                assigned.span.clone(),
                                format!("aggregate `{}` cannot have server-assigned integer ids", raw.name.value),
                            )
                            .label("not supported")
                            .help("use `uuid` ids, or let the client assign integers (`assigned = \"client\"`)"),
                        );
                    }
                    true
                }
                "client" => false,
                other => {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            assigned.span.clone(),
                            format!("`{other}` is not who assigns ids"),
                        )
                        .label("not `server` or `client`")
                        .suggest(closest(other, ["server", "client"])),
                    );
                    default_server
                }
            },
        };
        Id {
            type_name: format!("{}Id", raw.name.value),
            field: format!("{}_id", n.snake),
            inner: match kind {
                IdKind::Uuid => "Uuid",
                IdKind::String => "String",
                IdKind::Integer => "i64",
            }
            .to_owned(),
            kind,
            server_assigned,
        }
    }

    /// Which state fields each event sets, by name.
    pub(super) fn applies(
        &mut self,
        raw: &RawAggregate,
        state: &[StateField],
        events: &mut [Event],
    ) {
        for event in events.iter_mut() {
            let raw_event = raw.events.iter().find(|e| e.name.value == event.names.name);
            for field in &event.fields {
                let Some(state_field) = state.iter().find(|s| s.field.name == field.name) else {
                    continue;
                };
                if state_field.field.ty.spec != field.ty.spec {
                    let span = raw_event
                        .and_then(|e| e.fields.iter().find(|f| f.name.value == field.name))
                        .map(|f| f.ty.span.clone())
                        .unwrap_or_default();
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            span,
                            format!(
                                "event `{}` has `{}` as `{}`, but aggregate `{}` keeps it as `{}`",
                                event.names.name,
                                field.name,
                                field.ty.spec,
                                raw.name.value,
                                state_field.field.ty.spec
                            ),
                        )
                        .label("applied by name")
                        .help("give both the same type, or rename one"),
                    );
                    continue;
                }
                event.applies.push(Applied {
                    field: field.name.clone(),
                    wrap_in_some: state_field.stored_as_option,
                });
            }
        }
    }
}
