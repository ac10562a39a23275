//! Lifecycles: the states of an aggregate, and references to them.

use super::*;

impl<'r, 'd> Checker<'r, 'd> {
    pub(super) fn lifecycle(&mut self, raw: &RawAggregate) -> Option<Lifecycle> {
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

    pub(super) fn known_state(
        &mut self,
        state: &Sp<String>,
        states: &[&str],
        aggregate: &str,
    ) -> bool {
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
}
