//! Warnings: what generates, but probably not as meant.

use super::*;

impl<'r, 'd> Checker<'r, 'd> {
    pub(super) fn warnings(&mut self, aggregates: &[Aggregate], read_models: &[ReadModel]) {
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
