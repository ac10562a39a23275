//! The generated tests of one aggregate, planned in Rust: which commands are tested, from
//! which state, reached by which commands, with which sample values.
//!
//! - Every creating command is sent to an aggregate that does not exist yet and must record
//!   the events it declares (and, with a lifecycle, lead to its `to` state).
//! - Every other command is sent after a shortest sequence of commands that reaches a state it
//!   is accepted in, with every state field it copies into its events already set; it must
//!   record its events and lead to its `to` state. The sequence is found by a breadth-first
//!   search over (lifecycle state, state fields set so far), from the creating commands.
//! - One command is sent in a reachable state outside its `from` states and must be refused.
//!
//! A command whose fields seedwork cannot sample (a pattern it cannot satisfy) is left out,
//! and so is every path through it; the test file says which commands are not tested and why.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::Serialize;

use crate::model::{Aggregate, Command, Model, Source, Storage};

use super::samples::{id_sample, Samples};
use super::view::Imports;

/// The tests of one aggregate, as the test template prints them.
#[derive(Debug, Serialize)]
pub(crate) struct TestPlan {
    /// The sample expression of each command that can be sampled, by index.
    #[serde(skip)]
    pub(crate) expressions: BTreeMap<usize, String>,
    /// `event_sourced` or `state_stored`: the `AggregateTest` constructor.
    constructor: &'static str,
    /// An expression for a fresh id of the aggregate.
    id: String,
    /// How the tests pass the id on: `id` for a `Copy` id, else `id.clone()`.
    id_arg: String,
    /// `use` paths of the test file.
    imports: Vec<String>,
    /// The `history` helper is needed (some test starts from a state reached by commands).
    history: bool,
    /// The `assert_recorded` helper is needed (some test expects success).
    recorded: bool,
    /// The tests, in order.
    pub(crate) cases: Vec<Case>,
    /// Commands without a test, and why: comment lines.
    skipped: Vec<String>,
    /// Tests through the service's mediator.
    service: Vec<ServiceCase>,
    /// Every role the aggregate's commands require: the test caller has them all.
    roles: Vec<String>,
}

/// One test.
#[derive(Debug, Serialize)]
pub(crate) struct Case {
    /// The test function's name.
    pub(crate) name: String,
    /// Its documentation line.
    doc: String,
    /// Commands that reach the state the test starts from, as expressions.
    setup: Vec<String>,
    /// The command under test, as an expression.
    pub(crate) command: String,
    /// The event type names a successful command records; empty when it must be refused.
    events: Vec<String>,
    /// The command must succeed.
    pub(crate) succeeds: bool,
    /// The status expected afterwards (`OrderStatus::Cooking`), when there is a lifecycle.
    status: Option<String>,
    /// `it is Delivered`: what the refusal says, for a command that must be refused.
    refusal: Option<String>,
    /// The command's index in the aggregate.
    #[serde(skip)]
    pub(crate) index: usize,
    /// The indices of the setup's commands.
    #[serde(skip)]
    pub(crate) path: Vec<usize>,
}

impl Case {
    /// What the refusal says, for a command that must be refused.
    pub(crate) fn refusal_text(&self) -> Option<&str> {
        self.refusal.as_deref()
    }
}

/// A test through the service's mediator (registration, authorization, validation).
#[derive(Debug, Serialize)]
struct ServiceCase {
    /// The test function's name.
    name: String,
    /// Its documentation line.
    doc: String,
    /// Commands sent first, by a caller with every role, as expressions.
    setup: Vec<String>,
    /// The command under test, as an expression.
    command: String,
    /// The command is sent without a caller and must be refused as unauthorized; otherwise it
    /// is sent by a caller with every role and must be accepted.
    anonymous: bool,
}

/// A node of the search: a lifecycle state (index) and the state fields set so far.
type Node = (Option<usize>, BTreeSet<String>);

/// Nodes the search visits at most; real specs need a few dozen.
const MAX_NODES: usize = 5_000;

/// Plans the tests of `aggregate`.
pub(crate) fn plan(model: &Model, aggregate: &Aggregate) -> TestPlan {
    let id_is_copy = aggregate.id.kind != crate::model::IdKind::String;
    let id_arg = if id_is_copy { "id" } else { "id.clone()" };
    let mut samples = Samples::new(model);
    let mut skipped = Vec::new();

    // A sample expression for every command whose fields can all be sampled.
    let mut expressions: BTreeMap<usize, String> = BTreeMap::new();
    for (index, command) in aggregate.commands.iter().enumerate() {
        let mut fields = vec![format!("{}: {id_arg}", aggregate.id.field)];
        let mut reason = None;
        for field in &command.fields {
            match samples.field(field) {
                Ok(value) => fields.push(format!("{}: {value}", field.name)),
                Err(why) => {
                    reason = Some(why);
                    break;
                }
            }
        }
        match reason {
            None => {
                expressions.insert(
                    index,
                    format!("{} {{ {} }}", command.names.name, fields.join(", ")),
                );
            }
            Some(why) => skipped.push(format!("`{}` is not tested: {why}.", command.names.name)),
        }
    }

    let states: Vec<&str> = aggregate
        .lifecycle
        .as_ref()
        .map(|l| l.states.iter().map(|s| s.names.name.as_str()).collect())
        .unwrap_or_default();
    let state_index = |name: &str| states.iter().position(|s| *s == name);
    let initial = aggregate
        .lifecycle
        .as_ref()
        .and_then(|l| state_index(&l.initial));
    let state_snake = |index: usize| {
        aggregate
            .lifecycle
            .as_ref()
            .and_then(|l| l.states.get(index))
            .map(|s| s.names.snake.clone())
            .unwrap_or_default()
    };

    // What each command needs and does.
    let required = |command: &Command| -> BTreeSet<String> {
        command
            .emits
            .iter()
            .flat_map(|e| e.fields.iter())
            .filter(|f| f.from == Source::State && f.unwrap_state)
            .map(|f| f.field.clone())
            .collect()
    };
    let sets = |command: &Command| -> BTreeSet<String> {
        command
            .emits
            .iter()
            .filter_map(|e| {
                aggregate
                    .events
                    .iter()
                    .find(|event| event.names.name == e.event)
            })
            .flat_map(|event| event.applies.iter().map(|a| a.field.clone()))
            .collect()
    };
    let accepted = |command: &Command, state: Option<usize>| -> bool {
        command.from.is_empty()
            || state.is_some_and(|s| command.from.iter().any(|f| Some(s) == state_index(f)))
    };
    let next_state = |command: &Command, state: Option<usize>| -> Option<usize> {
        if let Some(to) = &command.to {
            return state_index(to);
        }
        let set_by_event = command
            .emits
            .iter()
            .filter_map(|e| {
                aggregate
                    .events
                    .iter()
                    .find(|event| event.names.name == e.event)
            })
            .filter_map(|event| event.sets_state.as_deref())
            .next_back();
        match set_by_event {
            Some(name) => state_index(name),
            None if command.creates => initial,
            None => state,
        }
    };

    // Breadth-first search from the creating commands.
    let mut paths: Vec<(Node, Vec<usize>)> = Vec::new();
    let mut seen: BTreeSet<Node> = BTreeSet::new();
    let mut queue: VecDeque<(Node, Vec<usize>)> = VecDeque::new();
    for (index, command) in aggregate.commands.iter().enumerate() {
        // A creating command that records nothing leaves no aggregate to go on with.
        let creates = command.creates && !command.emits.is_empty();
        if creates && expressions.contains_key(&index) && required(command).is_empty() {
            let node = (next_state(command, None), sets(command));
            if seen.insert(node.clone()) {
                queue.push_back((node, vec![index]));
            }
        }
    }
    while let Some((node, path)) = queue.pop_front() {
        paths.push((node.clone(), path.clone()));
        if paths.len() >= MAX_NODES {
            break;
        }
        for (index, command) in aggregate.commands.iter().enumerate() {
            if command.creates || !expressions.contains_key(&index) {
                continue;
            }
            let (state, fields) = &node;
            if !accepted(command, *state) || !required(command).is_subset(fields) {
                continue;
            }
            let mut after = fields.clone();
            after.extend(sets(command));
            let next = (next_state(command, *state), after);
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(index);
                queue.push_back((next, longer));
            }
        }
    }

    let name = &aggregate.names.name;
    let words = &aggregate.names.words;
    let status_of = |state: Option<usize>| -> Option<String> {
        let lifecycle = aggregate.lifecycle.as_ref()?;
        Some(format!("{}::{}", lifecycle.type_name, states.get(state?)?))
    };
    let setup_of = |path: &[usize]| -> Vec<String> {
        path.iter()
            .filter_map(|i| expressions.get(i).cloned())
            .collect()
    };
    let events_of = |command: &Command| -> Vec<String> {
        command.emits.iter().map(|e| e.event.clone()).collect()
    };

    let mut cases = Vec::new();
    for (index, command) in aggregate.commands.iter().enumerate() {
        let Some(expression) = expressions.get(&index) else {
            continue;
        };
        let command_name = &command.names.name;
        if command.creates {
            if !required(command).is_empty() {
                skipped.push(format!(
                    "`{command_name}` is not tested: it copies state fields into its events, and the {words} has none before it exists."
                ));
                continue;
            }
            // Recording nothing, it leaves no aggregate whose status could be checked.
            let after = next_state(command, None).filter(|_| !command.emits.is_empty());
            cases.push(Case {
                name: format!("{}_from_nothing", command.names.snake),
                doc: format!(
                    "`{command_name}` creates the {words}{}.",
                    leads_to(&states, after)
                ),
                setup: Vec::new(),
                command: expression.clone(),
                events: events_of(command),
                succeeds: true,
                status: status_of(after),
                refusal: None,
                index,
                path: Vec::new(),
            });
            continue;
        }
        let needed = required(command);
        let start = paths
            .iter()
            .find(|((state, fields), _)| accepted(command, *state) && needed.is_subset(fields));
        let Some(((state, _), path)) = start else {
            skipped.push(format!(
                "`{command_name}` is not tested: no sequence of tested commands reaches a state it is accepted in{}.",
                if needed.is_empty() { String::new() } else { " with the state fields it needs set".to_owned() }
            ));
            continue;
        };
        let after = next_state(command, *state);
        let leads = if after == *state && state.is_some() {
            " and leaves it there".to_owned()
        } else {
            leads_to(&states, after)
        };
        let (test_name, from) = match state {
            Some(s) if !states.is_empty() => (
                format!("{}_from_{}", command.names.snake, state_snake(*s)),
                format!(" when the {words} is `{}`", states[*s]),
            ),
            _ => (
                format!("{}_succeeds", command.names.snake),
                format!(" once the {words} exists"),
            ),
        };
        cases.push(Case {
            name: test_name,
            doc: format!("`{command_name}` is accepted{from}{leads}."),
            setup: setup_of(path),
            command: expression.clone(),
            events: events_of(command),
            succeeds: true,
            status: status_of(after),
            refusal: None,
            index,
            path: path.clone(),
        });
    }

    // One refused transition: the first command (in spec order) sent in the first reachable
    // state outside its `from` states.
    if aggregate.lifecycle.is_some() {
        let refused = aggregate
            .commands
            .iter()
            .enumerate()
            .filter(|(index, command)| {
                !command.creates && !command.from.is_empty() && expressions.contains_key(index)
            })
            .find_map(|(index, command)| {
                paths
                    .iter()
                    .find(|((state, _), _)| state.is_some() && !accepted(command, *state))
                    .map(|((state, _), path)| (index, command, *state, path))
            });
        if let Some((index, command, Some(state), path)) = refused {
            let command_name = &command.names.name;
            cases.push(Case {
                name: format!("{}_is_refused_when_{}", command.names.snake, state_snake(state)),
                doc: format!(
                    "`{command_name}` is refused when the {words} is `{}`: it is accepted only when it is {}.",
                    states[state],
                    command.from.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(" or ")
                ),
                setup: setup_of(path),
                command: expressions.get(&index).cloned().unwrap_or_default(),
                events: Vec::new(),
                succeeds: false,
                status: None,
                refusal: Some(format!("it is {}", states[state])),
                index,
                path: path.clone(),
            });
        }
    }

    // Through the service: the first creating command is accepted from a caller with every
    // role; the first tested command that requires a role is refused to an anonymous caller.
    let mut service = Vec::new();
    let command_of = |case: &Case| aggregate.commands.get(case.index);
    if let Some(case) = cases.iter().find(|c| c.succeeds && c.setup.is_empty()) {
        if let Some(command) = command_of(case) {
            service.push(ServiceCase {
                name: format!("the_service_accepts_{}", command.names.snake),
                doc: format!(
                    "The service's mediator accepts `{}` from a caller with its roles.",
                    command.names.name
                ),
                setup: Vec::new(),
                command: case.command.clone(),
                anonymous: false,
            });
        }
    }
    let guarded = cases.iter().filter(|c| c.succeeds).find_map(|c| {
        command_of(c)
            .filter(|command| !command.roles.is_empty())
            .map(|command| (c, command))
    });
    if let Some((case, command)) = guarded {
        service.push(ServiceCase {
            name: format!("the_service_refuses_{}_to_an_anonymous_caller", command.names.snake),
            doc: format!(
                "The service's mediator refuses `{}` to a caller who is not signed in: it requires the role {}.",
                command.names.name,
                command.roles.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>().join(" or ")
            ),
            setup: case.setup.clone(),
            command: case.command.clone(),
            anonymous: true,
        });
    }
    let roles: BTreeSet<String> = aggregate
        .commands
        .iter()
        .flat_map(|c| c.roles.iter().cloned())
        .collect();

    let mut imports = Imports::outside(model);
    if !service.is_empty() {
        imports.path(format!(
            "{}::generated::infrastructure::Service",
            model.context.lib_name
        ));
        imports.path("seedwork::Mediator");
        imports.path("seedwork::Metadata");
        if !roles.is_empty() {
            imports.path("seedwork::Principal");
        }
    }
    if service.iter().any(|s| s.anonymous) {
        imports.path("seedwork::ErrorKind");
    }
    imports.name(name);
    imports.name(&aggregate.id.type_name);

    let history = cases.iter().any(|c| !c.setup.is_empty());
    let recorded = cases.iter().any(|c| c.succeeds);
    // Refusals are told apart by the error: a business rule's, the lifecycle's, any other.
    let refused = cases.iter().any(|c| !c.succeeds);
    let serviced = service.iter().any(|s| !s.anonymous || !s.setup.is_empty());
    if history || recorded || refused || serviced {
        imports.path("seedwork::Error");
    }
    if !cases.is_empty() {
        imports.path("seedwork::testkit::AggregateTest");
        imports.path("seedwork::Command");
    }
    if history {
        imports.name(&format!("{name}Command"));
        imports.name(&format!("{name}Event"));
        imports.path("seedwork::Metadata");
        imports.path("seedwork::Stores");
    }
    if recorded {
        imports.path("seedwork::testkit::Then");
        imports.path("seedwork::DomainEvent");
    }
    if cases.iter().any(|c| !c.succeeds) {
        imports.path("seedwork::ErrorKind");
    }
    if let Some(lifecycle) = &aggregate.lifecycle {
        if cases.iter().any(|c| c.status.is_some()) {
            imports.name(&lifecycle.type_name);
        }
    }
    let mut commands_used = BTreeSet::new();
    for case in &cases {
        for (index, command) in aggregate.commands.iter().enumerate() {
            if let Some(expression) = expressions.get(&index) {
                if case.command == *expression || case.setup.contains(expression) {
                    commands_used.insert(command.names.name.clone());
                }
            }
        }
    }
    commands_used.iter().for_each(|c| imports.name(c));
    // Only the sample types of commands that appear in a test.
    let mut used_types = Samples::new(model);
    for (index, command) in aggregate.commands.iter().enumerate() {
        if commands_used.contains(&command.names.name) && expressions.contains_key(&index) {
            command.fields.iter().for_each(|f| {
                let _ = used_types.field(f);
            });
        }
    }
    used_types.used.iter().for_each(|t| imports.name(t));

    TestPlan {
        expressions,
        constructor: match aggregate.storage {
            Storage::EventSourced => "event_sourced",
            Storage::StateStored => "state_stored",
        },
        id: id_sample(&aggregate.id.type_name, aggregate.id.kind),
        id_arg: id_arg.to_owned(),
        imports: imports.finish(),
        history,
        recorded,
        cases,
        skipped,
        service,
        roles: roles.into_iter().collect(),
    }
}

/// ` and leads to `Cooking``, or nothing without a lifecycle.
fn leads_to(states: &[&str], state: Option<usize>) -> String {
    match state.and_then(|s| states.get(s)) {
        Some(name) => format!(" and leads to `{name}`"),
        None => String::new(),
    }
}
