//! Checking a spec: raw spec → validated [`Model`], with every mistake collected.
//!
//! The checker runs in passes so one mistake gives one message: declare every name (and check
//! it), resolve types, then the parts that refer to each other (commands → events and states,
//! read models → events, policies → events and commands), then the warnings. A part whose
//! own declaration is broken is left out of later passes rather than reported again.

mod fields;
mod names;
mod policies;
mod read_models;
mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diagnostic::{Code, Diagnostic, Diagnostics, SourceFile};
use crate::model::*;
use crate::names::{closest, names as all_names};
use crate::spec::raw::*;

use types::{Declared, Resolver};

/// The result of checking a spec: the model when there is no error, and every diagnostic.
#[derive(Debug)]
pub struct Checked {
    /// The validated model; `None` when any diagnostic is an error.
    pub model: Option<Model>,
    /// Every finding, errors and warnings.
    pub diagnostics: Diagnostics,
}

/// Parses and checks a spec's text.
///
/// ```
/// use seedwork_cli::diagnostic::SourceFile;
/// let source = SourceFile::new("domain.toml", r#"
/// [context]
/// name = "shop"
///
/// [aggregates.Cart]
/// fields = { items = "Vec<String>" }
/// events.CartOpened = {}
/// commands.OpenCart = { creates = true, emits = ["CartOpened"] }
/// "#);
/// let checked = seedwork_cli::check::check(&source);
/// assert!(checked.diagnostics.is_empty(), "{}", checked.diagnostics.to_text(&source));
/// let model = checked.model.expect("valid");
/// assert_eq!(model.aggregates[0].id.type_name, "CartId");
/// ```
pub fn check(source: &SourceFile) -> Checked {
    let mut diagnostics = Diagnostics::default();
    let raw = crate::spec::parse(&source.text, &mut diagnostics);
    if diagnostics.has_errors() && raw.context.is_none() && raw.aggregates.is_empty() {
        return Checked {
            model: None,
            diagnostics,
        };
    }
    let model = Checker::new(&raw, &mut diagnostics).run();
    let model = (!diagnostics.has_errors()).then_some(model).flatten();
    Checked { model, diagnostics }
}

/// Reads a spec file and checks it.
pub fn load(path: &Path) -> std::io::Result<(SourceFile, Checked)> {
    let text = std::fs::read_to_string(path)?;
    let source = SourceFile::new(path.display().to_string(), text);
    let checked = check(&source);
    Ok((source, checked))
}

/// Documentation lines of an optional doc string; every line on its own, trailing blanks off.
pub(crate) fn doc_lines(doc: Option<&Sp<String>>) -> Vec<String> {
    let Some(doc) = doc else {
        return Vec::new();
    };
    let mut lines: Vec<String> = doc
        .value
        .lines()
        .map(|line| line.trim_end().replace('\r', ""))
        .collect();
    while lines.last().is_some_and(|line| line.is_empty()) {
        lines.pop();
    }
    while lines.first().is_some_and(|line| line.is_empty()) {
        lines.remove(0);
    }
    lines
}

pub(crate) struct Checker<'r, 'd> {
    raw: &'r RawSpec,
    diagnostics: &'d mut Diagnostics,
    declared: BTreeMap<String, Declared>,
    /// Event name → (aggregate name, raw event).
    events: BTreeMap<String, (&'r RawAggregate, &'r RawEvent)>,
    /// Command name → (aggregate, raw command).
    commands: BTreeMap<String, (&'r RawAggregate, &'r RawCommand)>,
    /// Names offered as "did you mean" for an unknown event: not also "never emitted".
    suggested_events: BTreeSet<String>,
}

impl<'r, 'd> Checker<'r, 'd> {
    fn new(raw: &'r RawSpec, diagnostics: &'d mut Diagnostics) -> Self {
        Checker {
            raw,
            diagnostics,
            declared: BTreeMap::new(),
            events: BTreeMap::new(),
            commands: BTreeMap::new(),
            suggested_events: BTreeSet::new(),
        }
    }

    fn run(mut self) -> Option<Model> {
        let context = self.context();
        names::declare(&mut self);
        let resolver_declared = self.declared.clone();
        let enums = self.raw.enums.iter().map(|e| self.enumeration(e)).collect();
        let value_objects = self.value_objects(&resolver_declared);
        let aggregates: Vec<Aggregate> = self
            .raw
            .aggregates
            .iter()
            .filter_map(|aggregate| self.aggregate(aggregate, &resolver_declared))
            .collect();
        let read_models = read_models::check(&mut self, &aggregates, &resolver_declared);
        let policies = policies::check(&mut self, &aggregates);
        self.routes(&aggregates, &read_models);
        self.warnings(&aggregates, &read_models);
        Some(Model {
            context: context?,
            enums,
            value_objects,
            aggregates,
            read_models,
            policies,
        })
    }

    fn context(&mut self) -> Option<Context> {
        let context = self.raw.context.as_ref()?;
        let name = context.name.as_ref()?;
        if !crate::names::is_snake(&name.value) || crate::names::is_keyword(&name.value) {
            let suggestion = heck::ToSnakeCase::to_snake_case(name.as_str());
            self.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidName,
                    name.span.clone(),
                    format!(
                        "the context name `{}` is not a snake_case identifier",
                        name.value
                    ),
                )
                .label("not snake_case")
                .help(format!("write `{suggestion}`; the crate is named after it")),
            );
        }
        let version = context
            .version
            .as_ref()
            .map_or_else(|| "0.1.0".to_owned(), |v| v.value.clone());
        if let Some(v) = &context.version {
            let parts: Vec<&str> = v.value.split('.').collect();
            if parts.len() != 3 || parts.iter().any(|p| p.parse::<u64>().is_err()) {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        v.span.clone(),
                        format!("`{}` is not a version like `1.2.3`", v.value),
                    )
                    .label("not major.minor.patch"),
                );
            }
        }
        let title = {
            let words = name.value.replace('_', " ");
            let mut chars = words.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        };
        Some(Context {
            crate_name: name.value.replace('_', "-"),
            lib_name: name.value.clone(),
            name: name.value.clone(),
            title,
            doc: doc_lines(context.doc.as_ref()),
            version,
        })
    }

    fn enumeration(&mut self, raw: &RawEnum) -> Enum {
        let mut seen = BTreeSet::new();
        let variants = raw
            .variants
            .iter()
            .filter_map(|(name, doc)| {
                names::check_type_name(
                    name,
                    &format!("variant of enum `{}`", raw.name.value),
                    self.diagnostics,
                );
                if !seen.insert(name.value.clone()) {
                    self.diagnostics.push(duplicate(
                        name,
                        "variant",
                        &format!("enum `{}`", raw.name.value),
                    ));
                    return None;
                }
                Some(Variant {
                    names: all_names(&name.value),
                    doc: doc_lines(doc.as_ref()),
                })
            })
            .collect::<Vec<_>>();
        names::case_collisions(
            raw.variants.iter().map(|(n, _)| n),
            "variant",
            self.diagnostics,
        );
        if raw.variants.is_empty() {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    raw.variants_span.clone(),
                    format!("enum `{}` has no variants", raw.name.value),
                )
                .label("empty"),
            );
        }
        Enum {
            names: all_names(&raw.name.value),
            doc: doc_lines(raw.doc.as_ref()),
            variants,
        }
    }

    fn value_objects(&mut self, declared: &BTreeMap<String, Declared>) -> Vec<ValueObject> {
        let resolver = Resolver {
            declared,
            aggregate: None,
        };
        let objects: Vec<ValueObject> = self
            .raw
            .value_objects
            .iter()
            .map(|raw| self.structure(raw, "value object", &resolver))
            .collect();
        self.containment_cycles();
        objects
    }

    fn structure(&mut self, raw: &RawStruct, kind: &str, resolver: &Resolver<'_>) -> ValueObject {
        let owner = format!("{kind} `{}`", raw.name.value);
        let fields = raw
            .fields
            .iter()
            .filter_map(|f| fields::field(f, &owner, resolver, self.diagnostics))
            .collect();
        names::case_collisions(
            raw.fields.iter().map(|f| &f.name),
            "field",
            self.diagnostics,
        );
        ValueObject {
            names: all_names(&raw.name.value),
            doc: doc_lines(raw.doc.as_ref()),
            fields,
        }
    }

    /// A value object that contains itself, directly or through other value objects.
    fn containment_cycles(&mut self) {
        let edges: BTreeMap<&str, Vec<(&str, &RawField)>> = self
            .raw
            .value_objects
            .iter()
            .map(|vo| {
                let targets = vo
                    .fields
                    .iter()
                    .flat_map(|field| {
                        types::mentioned(&field.ty.value)
                            .into_iter()
                            .filter_map(|name| {
                                self.raw
                                    .value_objects
                                    .iter()
                                    .find(|other| other.name.value == name)
                                    .map(|other| (other.name.value.as_str(), field))
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect();
                (vo.name.value.as_str(), targets)
            })
            .collect();
        for vo in &self.raw.value_objects {
            // Depth-first search for a path back to `vo`, reported at its first field.
            let start = vo.name.value.as_str();
            let mut stack: Vec<(&str, Vec<&str>, Option<&RawField>)> =
                vec![(start, vec![start], None)];
            let mut visited = BTreeSet::new();
            while let Some((at, path, first)) = stack.pop() {
                for (next, field) in edges.get(at).into_iter().flatten() {
                    let first = first.or(Some(*field));
                    if *next == start {
                        let mut cycle = path.clone();
                        cycle.push(start);
                        if let Some(field) = first {
                            self.diagnostics.push(
                                Diagnostic::new(
                                    Code::RecursiveType,
                                    field.ty.span.clone(),
                                    format!("value object `{start}` contains itself: {}", cycle.join(" → ")),
                                )
                                .label("leads back to itself")
                                .help("a value object cannot contain itself; refer to an aggregate by id instead"),
                            );
                        }
                        stack.clear();
                        break;
                    }
                    if visited.insert(*next) {
                        let mut longer = path.clone();
                        longer.push(next);
                        stack.push((next, longer, first));
                    }
                }
            }
        }
    }

    fn aggregate(
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
                    .help_if_none("write `event_sourced` or `state_stored`"),
                );
                Storage::EventSourced
            }
        };
        let owner = format!("aggregate `{name}`");
        let state_fields: Vec<StateField> = raw
            .fields
            .iter()
            .filter_map(|f| fields::field(f, &owner, &resolver, self.diagnostics))
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
        names::case_collisions(
            raw.fields.iter().map(|f| &f.name),
            "field",
            self.diagnostics,
        );
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
            .map(|entity| self.structure(entity, &format!("entity of `{name}`:"), &resolver))
            .collect();
        let events: Vec<(Event, &RawEvent)> = raw
            .events
            .iter()
            .map(|event| {
                let owner = format!("event `{}`", event.name.value);
                let fields = event
                    .fields
                    .iter()
                    .filter_map(|f| fields::field(f, &owner, &resolver, self.diagnostics))
                    .collect::<Vec<_>>();
                names::case_collisions(
                    event.fields.iter().map(|f| &f.name),
                    "field",
                    self.diagnostics,
                );
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
        let commands = self.commands(raw, &resolver, &id, &lifecycle, &state_fields, &mut events);
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

    fn id(&mut self, raw: &RawAggregate) -> Id {
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
                        .help_if_none("write `uuid`, `string` or `integer`"),
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

    fn lifecycle(&mut self, raw: &RawAggregate) -> Option<Lifecycle> {
        let lifecycle = raw.lifecycle.as_ref()?;
        let what = format!("state of aggregate `{}`", raw.name.value);
        let mut seen = BTreeSet::new();
        let mut states = Vec::new();
        for (name, doc) in &lifecycle.states {
            names::check_type_name(name, &what, self.diagnostics);
            if !seen.insert(name.value.clone()) {
                self.diagnostics.push(duplicate(
                    name,
                    "state",
                    &format!("aggregate `{}`", raw.name.value),
                ));
                continue;
            }
            states.push(Variant {
                names: all_names(&name.value),
                doc: doc_lines(doc.as_ref()),
            });
        }
        names::case_collisions(
            lifecycle.states.iter().map(|(n, _)| n),
            "state",
            self.diagnostics,
        );
        if lifecycle.states.is_empty() {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidLifecycle,
                    lifecycle.span.clone(),
                    format!(
                        "the lifecycle of aggregate `{}` has no states",
                        raw.name.value
                    ),
                )
                .label("no states"),
            );
        }
        let state_names: Vec<&str> = states.iter().map(|s| s.names.name.as_str()).collect();
        let initial = lifecycle.initial.as_ref().map(|initial| {
            self.known_state(initial, &state_names, &raw.name.value);
            initial.value.clone()
        });
        for terminal in &lifecycle.terminal {
            self.known_state(terminal, &state_names, &raw.name.value);
        }
        Some(Lifecycle {
            type_name: format!("{}Status", raw.name.value),
            states,
            initial: initial.unwrap_or_default(),
            terminal: lifecycle.terminal.iter().map(|t| t.value.clone()).collect(),
        })
    }

    fn known_state(&mut self, state: &Sp<String>, states: &[&str], aggregate: &str) -> bool {
        if states.contains(&state.as_str()) {
            return true;
        }
        self.diagnostics.push(
            Diagnostic::new(
                Code::UnknownState,
                state.span.clone(),
                format!("aggregate `{aggregate}` has no state `{}`", state.value),
            )
            .label("not a state of the lifecycle")
            .suggest(closest(&state.value, states.iter().copied()))
            .help_if_none(format!("its states are: {}", states.join(", "))),
        );
        false
    }

    #[allow(clippy::too_many_arguments)]
    fn commands(
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
    fn event_sources(
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

    /// Which state fields each event sets, by name.
    fn applies(&mut self, raw: &RawAggregate, state: &[StateField], events: &mut [Event]) {
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

    fn roles(&mut self, roles: &[Sp<String>], owner: &str) -> Vec<String> {
        roles
            .iter()
            .filter_map(|role| {
                let ok = !role.value.is_empty()
                    && role.value.chars().all(|c| {
                        c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' || c == ':'
                    });
                if !ok {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            role.span.clone(),
                            format!("`{}` is not a role name ({owner})", role.value),
                        )
                        .label("letters, digits, `_`, `-`, `.` and `:` only"),
                    );
                }
                ok.then(|| role.value.clone())
            })
            .collect()
    }

    fn http(
        &mut self,
        raw: &RawHttp,
        default_method: &str,
        default_path: &str,
        owner: &str,
    ) -> Http {
        let method = match &raw.method {
            Some(method) => {
                let upper = method.value.to_ascii_uppercase();
                if ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&upper.as_str()) {
                    upper
                } else {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            method.span.clone(),
                            format!("`{}` is not an HTTP method ({owner})", method.value),
                        )
                        .label("not GET, POST, PUT, PATCH or DELETE"),
                    );
                    default_method.to_owned()
                }
            }
            None => default_method.to_owned(),
        };
        let path = match &raw.path {
            Some(path) => {
                let valid_chars = path.value.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '{' | '}' | '.')
                });
                if !path.value.starts_with('/')
                    || !valid_chars
                    || path.value.contains("..")
                    || path.value.contains("//")
                {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            path.span.clone(),
                            format!("`{}` is not a route path ({owner})", path.value),
                        )
                        .label("a path starts with `/` and uses letters, digits, `-`, `_`, `.` and `{param}`"),
                    );
                    default_path.to_owned()
                } else {
                    path.value.clone()
                }
            }
            None => default_path.to_owned(),
        };
        http_route(&method, &path)
    }

    fn unknown_event(&mut self, event: &Sp<String>, aggregate: &RawAggregate, owner: Option<&str>) {
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

    /// Two routes with the same method and path.
    fn routes(&mut self, aggregates: &[Aggregate], read_models: &[ReadModel]) {
        let mut seen: BTreeMap<(String, String), String> = BTreeMap::new();
        let routes = aggregates
            .iter()
            .flat_map(|a| a.commands.iter().map(|c| (&c.http, c.names.name.clone())))
            .chain(
                read_models
                    .iter()
                    .flat_map(|r| r.queries.iter().map(|q| (&q.http, q.names.name.clone()))),
            );
        for (http, name) in routes {
            let shape = route_shape(&http.path);
            if let Some(other) = seen.insert((http.method.clone(), shape), name.clone()) {
                let span = self.message_span(&name);
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateRoute,
                        span,
                        format!(
                            "`{name}` and `{other}` both answer {} {}",
                            http.method, http.path
                        ),
                    )
                    .label("same route")
                    .help("give one of them `http = { path = \"…\" }`"),
                );
            }
        }
    }

    /// The span of a command's or query's name, for messages about it.
    fn message_span(&self, name: &str) -> std::ops::Range<usize> {
        if let Some((_, command)) = self.commands.get(name) {
            return command
                .http
                .as_ref()
                .and_then(|h| h.path.as_ref())
                .map_or_else(|| command.name.span.clone(), |p| p.span.clone());
        }
        self.raw
            .read_models
            .iter()
            .flat_map(|r| r.queries.iter())
            .find(|q| q.name.value == name)
            .map(|q| {
                q.http
                    .as_ref()
                    .and_then(|h| h.path.as_ref())
                    .map_or_else(|| q.name.span.clone(), |p| p.span.clone())
            })
            .unwrap_or_default()
    }

    fn warnings(&mut self, aggregates: &[Aggregate], read_models: &[ReadModel]) {
        for (aggregate, raw) in aggregates.iter().zip(self.raw.aggregates.iter()) {
            let emitted: BTreeSet<&str> = aggregate
                .commands
                .iter()
                .flat_map(|c| c.emits.iter().map(|e| e.event.as_str()))
                .collect();
            for event in &raw.events {
                // An event offered as the near miss of a misspelt one is emitted in intent.
                if !emitted.contains(event.name.value.as_str())
                    && !self.suggested_events.contains(&event.name.value)
                {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::EventNeverEmitted,
                            event.name.span.clone(),
                            format!("no command emits event `{}`", event.name.value),
                        )
                        .label("never emitted")
                        .help("add it to a command's `emits`, or remove it"),
                    );
                }
            }
            for command in &raw.commands {
                // A misspelt `emits` is already reported as an unknown key.
                let misspelt = self.diagnostics.iter().any(|d| {
                    d.code == Code::UnknownKey
                        && d.message
                            .ends_with(&format!("in command `{}`", command.name.value))
                        && d.help.as_deref() == Some("did you mean `emits`?")
                });
                if command.emits.as_ref().is_none_or(|e| e.value.is_empty()) && !misspelt {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::CommandEmitsNothing,
                            command.name.span.clone(),
                            format!(
                                "command `{}` emits no event, so it changes nothing",
                                command.name.value
                            ),
                        )
                        .label("emits nothing")
                        .help("list what it records in `emits`"),
                    );
                }
            }
            if let (Some(lifecycle), Some(raw_lifecycle)) = (&aggregate.lifecycle, &raw.lifecycle) {
                let reached: BTreeSet<&str> = aggregate
                    .commands
                    .iter()
                    .filter_map(|c| c.to.as_deref())
                    .chain(std::iter::once(lifecycle.initial.as_str()))
                    .collect();
                for (state, _) in &raw_lifecycle.states {
                    if !reached.contains(state.as_str()) {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::UnreachableState,
                                state.span.clone(),
                                format!("no command leads to state `{}`", state.value),
                            )
                            .label("unreachable")
                            .help("give a command `to = \"…\"` for it, or remove it"),
                        );
                    }
                }
            }
        }
        for (read_model, raw) in read_models.iter().zip(self.raw.read_models.iter()) {
            if read_model.updates.is_empty() && raw.updated_by.is_empty() {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::ReadModelNeverUpdated,
                        raw.name.span.clone(),
                        format!("no event updates read model `{}`", raw.name.value),
                    )
                    .label("always empty")
                    .help("list the events that fill it in `updated_by`"),
                );
            }
        }
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

pub(crate) fn http_route(method: &str, path: &str) -> Http {
    Http {
        method: method.to_owned(),
        method_lower: method.to_ascii_lowercase(),
        path: path.to_owned(),
    }
}

/// `/orders/{id}/x` and `/orders/{order_id}/x` are the same route.
fn route_shape(path: &str) -> String {
    let mut shape = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                shape.push('{');
            }
            '}' => {
                in_param = false;
                shape.push('}');
            }
            _ if in_param => {}
            _ => shape.push(c),
        }
    }
    shape
}

fn duplicate(name: &Sp<String>, kind: &str, owner: &str) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateName,
        name.span.clone(),
        format!("{owner} declares {kind} `{}` twice", name.value),
    )
    .label("declared again here")
}

fn implicit_id(name: &Sp<String>, id: &str, owner: &str) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateName,
        name.span.clone(),
        format!("{owner} already carries `{id}`: the aggregate's id is implicit"),
    )
    .label("implicit")
    .help("remove this field")
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

trait HelpIfNone {
    fn help_if_none(self, help: impl Into<String>) -> Self;
}

impl HelpIfNone for Diagnostic {
    fn help_if_none(self, help: impl Into<String>) -> Self {
        if self.help.is_some() {
            self
        } else {
            self.help(help)
        }
    }
}
