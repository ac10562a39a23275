//! Lifecycles: the states of an aggregate, and references to them.

use super::*;

impl<'r, 'd> Checker<'r, 'd> {
    pub(super) fn lifecycle(&mut self, raw: &RawAggregate) -> Option<Lifecycle> {
        let lifecycle = raw.lifecycle.as_ref()?;
        let owner = format!("aggregate `{}`", raw.name.value);
        let names = lifecycle.states.iter().map(|(name, _)| name);
        let kept = names::type_names(names, "state", &owner, self.diagnostics);
        let states: Vec<Variant> = lifecycle
            .states
            .iter()
            .filter(|(name, _)| kept.iter().any(|k| std::ptr::eq(*k, name)))
            .map(|(name, doc)| Variant {
                names: all_names(&name.value),
                doc: doc_lines(doc.as_ref()),
            })
            .collect();
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

    /// True when `state` is one of `states`; otherwise a diagnostic with the near miss. Without
    /// any state (already reported) nothing is known and nothing more is said.
    pub(super) fn known_state(
        &mut self,
        state: &Sp<String>,
        states: &[&str],
        aggregate: &str,
    ) -> bool {
        if states.contains(&state.as_str()) {
            return true;
        }
        if states.is_empty() {
            return false;
        }
        let listed: Vec<String> = states.iter().map(|s| format!("`{s}`")).collect();
        self.diagnostics.push(
            Diagnostic::new(
                Code::UnknownState,
                state.span.clone(),
                format!("aggregate `{aggregate}` has no state `{}`", state.value),
            )
            .label("not a state of the lifecycle")
            .suggest(closest(&state.value, states.iter().copied()))
            .help_or(format!("its states are {}", listed.join(", "))),
        );
        false
    }
}
