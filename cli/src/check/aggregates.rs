//! Aggregates: the id, the storage style, the state's fields and the events.

use super::*;

impl<'r, 'd> Checker<'r, 'd> {
    pub(super) fn aggregate(
        &mut self,
        raw: &'r RawAggregate,
        declared: &BTreeMap<String, Declared>,
    ) -> Aggregate {
        let name = raw.name.value.clone();
        let n = all_names(&name);
        let resolver = Resolver {
            declared,
            aggregate: Some(&name),
        };
        let id = self.id(raw);
        let storage = self.storage(raw);
        let state_fields = self.state_fields(raw, &resolver);
        let lifecycle = self.lifecycle(raw);
        let entities = raw
            .entities
            .iter()
            .map(|entity| {
                let owner = format!("entity `{}` of aggregate `{name}`", entity.name.value);
                self.structure(entity, &owner, &resolver)
            })
            .collect();
        let mut events: Vec<Event> = raw
            .events
            .iter()
            .map(|event| self.event(event, &resolver, &id))
            .collect();
        let scope = commands::Scope {
            raw,
            resolver: &resolver,
            id: &id,
            lifecycle: lifecycle.as_ref(),
            state: &state_fields,
        };
        let commands = self.commands(&scope, &mut events);
        self.applies(raw, &state_fields, &mut events);
        Aggregate {
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
        }
    }

    fn storage(&mut self, raw: &RawAggregate) -> Storage {
        let Some(storage) = &raw.storage else {
            return Storage::EventSourced;
        };
        match storage.as_str() {
            "event_sourced" => Storage::EventSourced,
            "state_stored" => Storage::StateStored,
            other => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        storage.span.clone(),
                        format!("`{other}` is not a storage style"),
                    )
                    .label("not a storage style")
                    .suggest(closest(other, ["event_sourced", "state_stored"]))
                    .help_or("write `event_sourced` or `state_stored`"),
                );
                Storage::EventSourced
            }
        }
    }

    /// The state's fields; a value object or entity is stored as `Option` until created.
    fn state_fields(&mut self, raw: &RawAggregate, resolver: &Resolver<'_>) -> Vec<StateField> {
        let name = raw.name.as_str();
        let owner = format!("aggregate `{name}`");
        for field in &raw.fields {
            if field.name.value == "status" && raw.lifecycle.is_some() {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        field.name.span.clone(),
                        format!(
                            "aggregate `{name}` has a lifecycle, which is kept in the field `status`"
                        ),
                    )
                    .label("already the lifecycle's field")
                    .help("rename this field"),
                );
            }
        }
        fields::fields(&raw.fields, &owner, resolver, self.diagnostics)
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
            .collect()
    }

    fn event(&mut self, raw: &RawEvent, resolver: &Resolver<'_>, id: &Id) -> Event {
        let owner = format!("event `{}`", raw.name.value);
        let fields = fields::fields(&raw.fields, &owner, resolver, self.diagnostics);
        for field in &raw.fields {
            if field.name.value == id.field {
                let diagnostic = implicit_id(&field.name, &id.field, &owner);
                self.diagnostics.push(diagnostic);
            }
        }
        Event {
            names: all_names(&raw.name.value),
            doc: doc_lines(raw.doc.as_ref()),
            version: self.event_version(raw),
            integration: raw.integration.as_ref().is_some_and(|i| i.value),
            fields,
            sets_state: None,
            applies: Vec::new(),
        }
    }

    /// The schema version of an event: from 1, and it fits in 32 bits.
    fn event_version(&mut self, raw: &RawEvent) -> u32 {
        let Some(version) = &raw.version else {
            return 1;
        };
        match u32::try_from(version.value) {
            Ok(0) | Err(_) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        version.span.clone(),
                        format!(
                            "the version of event `{}` must be between 1 and {}",
                            raw.name.value,
                            u32::MAX
                        ),
                    )
                    .label("versions start at 1"),
                );
                1
            }
            Ok(version) => version,
        }
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
