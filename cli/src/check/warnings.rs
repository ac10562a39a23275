//! Warnings: what generates, but probably not as meant. A warning is not given where an error
//! already explains the same thing (an event listed under a misspelt `emits` is emitted in
//! intent; a state behind a misspelt `to` is reached in intent).

use super::*;

/// A state no path of commands reaches from the start, and why.
#[derive(Debug, PartialEq, Eq)]
enum Unreachable<'a> {
    /// No command leads to it.
    NoCommand,
    /// These commands lead to it, but only from states that are unreachable themselves.
    FromUnreachable(Vec<&'a str>),
}

impl<'r, 'd> Checker<'r, 'd> {
    pub(super) fn warnings(&mut self, aggregates: &[Aggregate]) {
        self.events_never_emitted();
        self.commands_emitting_nothing();
        for raw in &self.raw.aggregates {
            let lifecycle = aggregates
                .iter()
                .find(|a| a.names.name == raw.name.value)
                .and_then(|a| a.lifecycle.as_ref());
            if let Some(lifecycle) = lifecycle {
                self.unreachable_states(raw, lifecycle);
            }
        }
        self.read_models_never_updated();
    }

    /// W001: events no command emits.
    fn events_never_emitted(&mut self) {
        let raw = self.raw;
        let commands = || raw.aggregates.iter().flat_map(|a| a.commands.iter());
        if commands().any(|c| c.emits_guess.as_ref().is_some_and(Vec::is_empty)) {
            // An `emits` that could not be read at all: nothing is known.
            return;
        }
        let listed = commands().flat_map(|c| c.emits.iter().flat_map(|e| e.value.iter()));
        let guessed = commands().flat_map(|c| c.emits_guess.iter().flatten());
        let emitted: BTreeSet<&str> = listed
            .map(|e| e.as_str())
            .chain(guessed.map(String::as_str))
            .chain(self.suggested_events.iter().map(String::as_str))
            .collect();
        for event in raw.aggregates.iter().flat_map(|a| a.events.iter()) {
            if !emitted.contains(event.name.as_str()) {
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
    }

    /// W002: commands that emit nothing.
    fn commands_emitting_nothing(&mut self) {
        let raw = self.raw;
        for command in raw.aggregates.iter().flat_map(|a| a.commands.iter()) {
            let empty = command.emits.as_ref().is_none_or(|e| e.value.is_empty());
            if empty && command.emits_guess.is_none() {
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
    }

    /// W003: states no path of commands reaches.
    fn unreachable_states(&mut self, raw: &RawAggregate, lifecycle: &Lifecycle) {
        let Some(raw_lifecycle) = &raw.lifecycle else {
            return;
        };
        let Some(unreachable) = unreachable(raw, lifecycle) else {
            return;
        };
        for (state, _) in &raw_lifecycle.states {
            let Some(why) = unreachable.get(state.as_str()) else {
                continue;
            };
            let message = match why {
                Unreachable::NoCommand => format!("no command leads to state `{}`", state.value),
                Unreachable::FromUnreachable(commands) => {
                    let verb = if commands.len() == 1 { "leads" } else { "lead" };
                    let commands: Vec<String> = commands.iter().map(|c| format!("`{c}`")).collect();
                    format!(
                        "state `{}` cannot be reached: {} {verb} to it only from states that cannot be reached",
                        state.value,
                        commands.join(", ")
                    )
                }
            };
            self.diagnostics.push(
                Diagnostic::new(Code::UnreachableState, state.span.clone(), message)
                    .label("unreachable")
                    .help(format!(
                        "give a command `to = \"{}\"` from a reachable state, or remove the state",
                        state.value
                    )),
            );
        }
    }

    /// W005: read models no event updates.
    fn read_models_never_updated(&mut self) {
        let raw = self.raw;
        for read_model in &raw.read_models {
            let misspelt = read_model.misspelt.iter().any(|key| key == "updated_by");
            if read_model.updated_by.is_empty() && !misspelt {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::ReadModelNeverUpdated,
                        read_model.name.span.clone(),
                        format!("no event updates read model `{}`", read_model.name.value),
                    )
                    .label("always empty")
                    .help("list the events that fill it in `updated_by`"),
                );
            }
        }
    }
}

/// The states of `lifecycle` that no path of commands reaches from creation, and why; `None`
/// when a state reference did not resolve and has no near miss (an error already): then
/// nothing is known.
fn unreachable<'a>(
    raw: &'a RawAggregate,
    lifecycle: &'a Lifecycle,
) -> Option<BTreeMap<&'a str, Unreachable<'a>>> {
    let states: Vec<&str> = lifecycle
        .states
        .iter()
        .map(|s| s.names.name.as_str())
        .collect();
    // What a reference means: the state, or the state it is a near miss of.
    let meant = |state: &'a Sp<String>| -> Option<&'a str> {
        let near = closest(state.as_str(), states.iter().copied());
        states
            .iter()
            .copied()
            .find(|s| *s == state.as_str())
            .or(near)
    };
    let initial = states.iter().copied().find(|s| *s == lifecycle.initial)?;
    let mut reached: BTreeSet<&str> = BTreeSet::from([initial]);
    // Each transition: (command, from states, to state).
    let mut transitions: Vec<(&str, Vec<&str>, &str)> = Vec::new();
    for command in &raw.commands {
        let creates = command.creates.as_ref().is_some_and(|c| c.value);
        let to = match &command.to {
            Some(to) => Some(meant(to)?),
            None if creates => Some(initial),
            None => None,
        };
        let Some(to) = to else {
            continue;
        };
        if creates {
            reached.insert(to);
            continue;
        }
        let from: Vec<&str> = match &command.from {
            Some(from) => from.value.iter().map(meant).collect::<Option<_>>()?,
            None => states
                .iter()
                .copied()
                .filter(|s| !lifecycle.terminal.iter().any(|t| t == s))
                .collect(),
        };
        transitions.push((command.name.as_str(), from, to));
    }
    loop {
        let before = reached.len();
        for (_, from, to) in &transitions {
            if from.iter().any(|s| reached.contains(s)) {
                reached.insert(to);
            }
        }
        if reached.len() == before {
            break;
        }
    }
    let why = |state: &str| {
        let leading: Vec<&'a str> = transitions
            .iter()
            .filter(|(_, _, to)| *to == state)
            .map(|(command, _, _)| *command)
            .collect();
        if leading.is_empty() {
            Unreachable::NoCommand
        } else {
            Unreachable::FromUnreachable(leading)
        }
    };
    Some(
        states
            .iter()
            .filter(|s| !reached.contains(*s))
            .map(|s| (*s, why(s)))
            .collect(),
    )
}

/// How many policies the runtime lets follow one another (`seedwork::MAX_POLICY_DEPTH`; the
/// CLI does not depend on the runtime, so the number is repeated here).
const RUNTIME_POLICY_DEPTH: usize = 8;

impl Checker<'_, '_> {
    /// W007: policies that form a cycle — an event whose policy sends a command that records
    /// the event again, maybe through other policies — unless a command of the cycle leaves
    /// the states it is accepted in (its lifecycle then ends the cycle). Any other cycle ends
    /// only when a rule refuses, and the runtime cuts a chain of policies short.
    pub(super) fn policy_cycles(&mut self, aggregates: &[Aggregate], policies: &[Policy]) {
        let command = |name: &str| {
            aggregates
                .iter()
                .flat_map(|a| a.commands.iter())
                .find(|c| c.names.name == name)
        };
        // The lifecycle ends the cycle: the command moves the aggregate out of its `from`.
        let ends = |name: &str| {
            command(name).is_some_and(|c| {
                !c.from.is_empty() && c.to.as_ref().is_some_and(|to| !c.from.contains(to))
            })
        };
        // Event → (policy index, the events its command records).
        let next = |event: &str| -> Vec<(usize, Vec<String>)> {
            policies
                .iter()
                .enumerate()
                .filter(|(_, p)| p.on.event == event)
                .map(|(i, p)| {
                    let events = command(&p.command)
                        .map(|c| c.emits.iter().map(|e| e.event.clone()).collect())
                        .unwrap_or_default();
                    (i, events)
                })
                .collect()
        };
        let mut reported: BTreeSet<Vec<usize>> = BTreeSet::new();
        for (start, policy) in policies.iter().enumerate() {
            // Depth-first from this policy's event, through policies only, back to it.
            let mut stack: Vec<(String, Vec<usize>)> = vec![(policy.on.event.clone(), Vec::new())];
            while let Some((event, path)) = stack.pop() {
                for (index, events) in next(&event) {
                    if path.contains(&index) || (path.is_empty() && index != start) {
                        continue;
                    }
                    let mut path = path.clone();
                    path.push(index);
                    if events.contains(&policy.on.event) {
                        self.report_cycle(policies, &path, &ends, &mut reported);
                    }
                    for next_event in events {
                        if next_event != policy.on.event {
                            stack.push((next_event, path.clone()));
                        }
                    }
                }
            }
        }
    }

    fn report_cycle(
        &mut self,
        policies: &[Policy],
        path: &[usize],
        ends: &dyn Fn(&str) -> bool,
        reported: &mut BTreeSet<Vec<usize>>,
    ) {
        let mut key = path.to_vec();
        key.sort_unstable();
        if path.iter().any(|&i| ends(&policies[i].command)) || !reported.insert(key) {
            return;
        }
        let first = &policies[path[0]];
        let Some(raw) = self
            .raw
            .policies
            .iter()
            .find(|p| p.name.value == first.names.name)
        else {
            return;
        };
        let mut steps = vec![format!("`{}`", first.on.event)];
        for &i in path {
            steps.push(format!(
                "`{}` sends `{}`",
                policies[i].names.name, policies[i].command
            ));
        }
        steps.push(format!("`{}` again", first.on.event));
        self.diagnostics.push(
            Diagnostic::new(
                Code::PolicyCycle,
                raw.name.span.clone(),
                format!("policies form a cycle: {}", steps.join(" → ")),
            )
            .label("starts a cycle")
            .help(format!(
                "it ends only when a rule refuses a command of the cycle (the runtime stops a chain after {RUNTIME_POLICY_DEPTH} policies); give a command of it a lifecycle `from` it leaves with `to`, or react to another event"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The unreachable states (and why, as `Debug`) of an aggregate with these commands.
    fn unreachable_in(commands: &str) -> Option<Vec<(String, String)>> {
        let text = format!(
            "[context]\nname = \"shop\"\n[aggregates.Order]\n\
             lifecycle = {{ initial = \"Open\", states = [\"Open\", \"Paid\", \"Disputed\", \"Refunded\", \"Closed\"], terminal = [\"Closed\", \"Refunded\"] }}\n\
             events.Changed = {{}}\n{commands}"
        );
        let mut diagnostics = Diagnostics::default();
        let raw = crate::spec::parse(&text, &mut diagnostics);
        let aggregate = &raw.aggregates[0];
        let lifecycle = Checker::new(&raw, &mut diagnostics).lifecycle(aggregate)?;
        let found = unreachable(aggregate, &lifecycle)?;
        Some(
            found
                .into_iter()
                .map(|(state, why)| (state.to_owned(), format!("{why:?}")))
                .collect(),
        )
    }

    #[test]
    fn states_reached_through_paths_of_commands() {
        let found = unreachable_in(
            "commands.Open = { creates = true, emits = [\"Changed\"] }\n\
             commands.Pay = { from = [\"Open\"], to = \"Paid\", emits = [\"Changed\"] }\n\
             commands.Close = { from = [\"Paid\"], to = \"Closed\", emits = [\"Changed\"] }\n\
             commands.Refund = { from = [\"Disputed\"], to = \"Refunded\", emits = [\"Changed\"] }\n",
        )
        .expect("known");
        let expected = [
            ("Disputed", "NoCommand"),
            ("Refunded", "FromUnreachable([\"Refund\"])"),
        ]
        .map(|(state, why)| (state.to_owned(), why.to_owned()));
        assert_eq!(found, expected);
    }

    #[test]
    fn commands_without_from_start_from_any_non_terminal_state() {
        let found = unreachable_in(
            "commands.Open = { creates = true, emits = [\"Changed\"] }\n\
             commands.Dispute = { to = \"Disputed\", emits = [\"Changed\"] }\n\
             commands.Pay = { to = \"Paid\", emits = [\"Changed\"] }\n\
             commands.Close = { to = \"Closed\", emits = [\"Changed\"] }\n\
             commands.Refund = { from = [\"Closed\"], to = \"Refunded\", emits = [\"Changed\"] }\n",
        )
        .expect("known");
        // `Refund` leaves a terminal state: an error of its own, but `Closed` is reached.
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_near_miss_counts_as_meant_and_an_unknown_state_stops_the_search() {
        let found = unreachable_in(
            "commands.Open = { creates = true, emits = [\"Changed\"] }\n\
             commands.Pay = { from = [\"Opn\"], to = \"Paid\", emits = [\"Changed\"] }\n",
        )
        .expect("known");
        let names: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(names, ["Closed", "Disputed", "Refunded"]);
        let unknown = unreachable_in(
            "commands.Open = { creates = true, emits = [\"Changed\"] }\n\
             commands.Pay = { from = [\"Open\"], to = \"Settled\", emits = [\"Changed\"] }\n",
        );
        assert!(unknown.is_none());
    }
}
