//! Diagrams of a model, as Mermaid (for Markdown) and Graphviz DOT.
//!
//! One picture of the whole bounded context, in the colours of event storming:
//!
//! - each **aggregate** is a box (a Mermaid subgraph, a DOT cluster) holding its commands
//!   (blue) with an edge to each event they record (orange; integration events red), and its
//!   **lifecycle**: a start marker leading to the initial state, and one edge per command
//!   from each state it is accepted in to the state it leads to, labelled with the command;
//! - each **policy** (lilac) sits between the event that triggers it and the command it
//!   sends, also across aggregates (dashed edges); a **subscription** is drawn the same way,
//!   from the other context's integration event (red, "from" its context) to the command;
//! - each **read model** (green) is fed by the events that update it and emptied by those
//!   that remove its rows ("removes"), with its queries listed under its name.
//!
//! Mermaid's state diagrams would draw the start marker as `[*]`, but they cannot link states
//! of two different composite states, which a policy between aggregates needs; so both formats
//! are flowcharts, and the start of a lifecycle is a small filled circle.
//!
//! Output is deterministic (spec order throughout), and every label is escaped for its format,
//! so a name or a role cannot break the diagram.
//!
//! ```
//! use seedwork_cli::diagnostic::SourceFile;
//!
//! let source = SourceFile::new("domain.toml", r#"
//! [context]
//! name = "shop"
//!
//! [aggregates.Cart]
//! lifecycle = { initial = "Open", states = ["Open", "CheckedOut"], terminal = ["CheckedOut"] }
//! events.CartOpened = {}
//! events.CartCheckedOut = {}
//! commands.OpenCart = { creates = true, emits = ["CartOpened"] }
//! commands.CheckOut = { from = ["Open"], to = "CheckedOut", emits = ["CartCheckedOut"] }
//! "#);
//! let model = seedwork_cli::check::check(&source).model.expect("a valid spec");
//!
//! let mermaid = seedwork_cli::graph::mermaid(&model);
//! assert!(mermaid.starts_with("---\ntitle: \"Shop\"\n---\nflowchart LR\n"));
//! assert!(mermaid.contains(r#"state__Cart__Open -->|"CheckOut"| state__Cart__CheckedOut"#));
//!
//! let dot = seedwork_cli::graph::dot(&model);
//! assert!(dot.contains(r#""command__Cart__OpenCart" -> "event__Cart__CartOpened";"#));
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::model::{Aggregate, Lifecycle, Model};

/// The model as a Mermaid flowchart (`flowchart LR`, the context's title in front matter),
/// ready for a ```` ```mermaid ```` block.
pub fn mermaid(model: &Model) -> String {
    Graph::of(model).mermaid()
}

/// The model as a Graphviz digraph, for `dot -Tsvg`.
pub fn dot(model: &Model) -> String {
    Graph::of(model).dot()
}

/// What a node stands for; it decides the shape and the colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Command,
    Event,
    IntegrationEvent,
    Start,
    State,
    TerminalState,
    Policy,
    ReadModel,
}

impl Kind {
    /// The Mermaid class name, also used for the `classDef` lines.
    fn class(self) -> &'static str {
        match self {
            Kind::Command => "command",
            Kind::Event => "event",
            Kind::IntegrationEvent => "integration_event",
            Kind::Start => "start",
            Kind::State => "state",
            Kind::TerminalState => "terminal_state",
            Kind::Policy => "policy",
            Kind::ReadModel => "read_model",
        }
    }

    /// The Mermaid shape around an escaped label.
    fn mermaid_shape(self, label: &str) -> String {
        match self {
            Kind::Command => format!("[\"{label}\"]"),
            Kind::Event | Kind::IntegrationEvent => format!("(\"{label}\")"),
            Kind::Start => "((\" \"))".to_owned(),
            Kind::State | Kind::TerminalState => format!("([\"{label}\"])"),
            Kind::Policy => format!("{{{{\"{label}\"}}}}"),
            Kind::ReadModel => format!("[(\"{label}\")]"),
        }
    }

    /// The Mermaid style of the class.
    fn mermaid_style(self) -> &'static str {
        match self {
            Kind::Command => "fill:#a6d8f0,stroke:#1f6f99,color:#000",
            Kind::Event => "fill:#f9b572,stroke:#b5651d,color:#000",
            Kind::IntegrationEvent => "fill:#f28b82,stroke:#a50e0e,color:#000",
            Kind::Start => "fill:#000,stroke:#000",
            Kind::State => "fill:#fff7b3,stroke:#8a7a00,color:#000",
            Kind::TerminalState => "fill:#fff7b3,stroke:#8a7a00,stroke-width:3px,color:#000",
            Kind::Policy => "fill:#d7bde2,stroke:#6c3483,color:#000",
            Kind::ReadModel => "fill:#b5e3a0,stroke:#3d7a26,color:#000",
        }
    }

    /// The DOT attributes of the node, label excluded.
    fn dot_attributes(self) -> &'static str {
        match self {
            Kind::Command => "shape=box, style=filled, fillcolor=\"#a6d8f0\"",
            Kind::Event => "shape=box, style=\"rounded,filled\", fillcolor=\"#f9b572\"",
            Kind::IntegrationEvent => "shape=box, style=\"rounded,filled\", fillcolor=\"#f28b82\"",
            Kind::Start => "shape=point, width=0.15",
            Kind::State => "shape=ellipse, style=filled, fillcolor=\"#fff7b3\"",
            Kind::TerminalState => {
                "shape=ellipse, style=filled, fillcolor=\"#fff7b3\", peripheries=2"
            }
            Kind::Policy => "shape=hexagon, style=filled, fillcolor=\"#d7bde2\"",
            Kind::ReadModel => "shape=cylinder, style=filled, fillcolor=\"#b5e3a0\"",
        }
    }

    const ALL: [Kind; 8] = [
        Kind::Command,
        Kind::Event,
        Kind::IntegrationEvent,
        Kind::Start,
        Kind::State,
        Kind::TerminalState,
        Kind::Policy,
        Kind::ReadModel,
    ];
}

/// What an edge means; it decides the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Command → the event it records.
    Emits,
    /// State → state, or start → initial state, by a command.
    Transition,
    /// Event → policy, policy → command.
    Policy,
    /// Event → the read model it updates.
    Updates,
    /// Event → the read model whose row it removes.
    Removes,
}

#[derive(Debug)]
struct Node {
    id: String,
    kind: Kind,
    /// The label, one entry per line; the first is the name.
    lines: Vec<String>,
}

#[derive(Debug, Default)]
struct Cluster {
    id: String,
    label: String,
    nodes: Vec<Node>,
    clusters: Vec<Cluster>,
}

impl Cluster {
    fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.clusters.iter().all(Cluster::is_empty)
    }
}

#[derive(Debug)]
struct Edge {
    from: String,
    to: String,
    link: Link,
    label: Option<String>,
}

/// The diagram, independent of the format it is printed in.
#[derive(Debug, Default)]
struct Graph {
    title: String,
    name: String,
    clusters: Vec<Cluster>,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
}

fn command_id(aggregate: &str, command: &str) -> String {
    format!("command__{aggregate}__{command}")
}

fn event_id(aggregate: &str, event: &str) -> String {
    format!("event__{aggregate}__{event}")
}

fn state_id(aggregate: &str, state: &str) -> String {
    format!("state__{aggregate}__{state}")
}

fn start_id(aggregate: &str) -> String {
    format!("start__{aggregate}")
}

impl Graph {
    fn of(model: &Model) -> Self {
        let mut graph = Graph {
            title: model.context.title.clone(),
            name: model.context.name.clone(),
            ..Graph::default()
        };
        for aggregate in &model.aggregates {
            graph.aggregate(aggregate);
        }
        for policy in &model.policies {
            let id = format!("policy__{}", policy.names.name);
            graph.nodes.push(Node {
                id: id.clone(),
                kind: Kind::Policy,
                lines: vec![policy.names.name.clone()],
            });
            graph.edge(
                event_id(&policy.on.aggregate, &policy.on.event),
                id.clone(),
                Link::Policy,
                None,
            );
            graph.edge(
                id,
                command_id(&policy.aggregate, &policy.command),
                Link::Policy,
                None,
            );
        }
        for subscription in &model.subscriptions {
            // The other context's event, outside every aggregate of this one.
            let event = format!("external__{}__{}", subscription.context, subscription.event);
            if !graph.nodes.iter().any(|node| node.id == event) {
                graph.nodes.push(Node {
                    id: event.clone(),
                    kind: Kind::IntegrationEvent,
                    lines: vec![
                        subscription.event.clone(),
                        format!("from {}", subscription.context),
                    ],
                });
            }
            let id = format!("subscription__{}", subscription.names.name);
            graph.nodes.push(Node {
                id: id.clone(),
                kind: Kind::Policy,
                lines: vec![subscription.names.name.clone()],
            });
            graph.edge(event, id.clone(), Link::Policy, None);
            graph.edge(
                id,
                command_id(&subscription.aggregate, &subscription.command),
                Link::Policy,
                None,
            );
        }
        for read_model in &model.read_models {
            let id = format!("read_model__{}", read_model.names.name);
            let mut lines = vec![read_model.names.name.clone()];
            if !read_model.queries.is_empty() {
                let queries: Vec<&str> = read_model
                    .queries
                    .iter()
                    .map(|query| query.names.name.as_str())
                    .collect();
                lines.push(queries.join(", "));
            }
            graph.nodes.push(Node {
                id: id.clone(),
                kind: Kind::ReadModel,
                lines,
            });
            for update in &read_model.updates {
                let event = event_id(&update.event.aggregate, &update.event.event);
                graph.edge(event, id.clone(), Link::Updates, None);
            }
            for removal in &read_model.removed_by {
                let event = event_id(&removal.aggregate, &removal.event);
                graph.edge(event, id.clone(), Link::Removes, Some("removes".to_owned()));
            }
        }
        graph
    }

    fn edge(&mut self, from: String, to: String, link: Link, label: Option<String>) {
        self.edges.push(Edge {
            from,
            to,
            link,
            label,
        });
    }

    fn aggregate(&mut self, aggregate: &Aggregate) {
        let name = &aggregate.names.name;
        let mut cluster = Cluster {
            id: format!("aggregate__{name}"),
            label: name.clone(),
            ..Cluster::default()
        };
        for command in &aggregate.commands {
            let mut lines = vec![command.names.name.clone()];
            if !command.roles.is_empty() {
                lines.push(format!("roles: {}", command.roles.join(", ")));
            }
            if command.idempotent {
                lines.push("idempotent".to_owned());
            }
            cluster.nodes.push(Node {
                id: command_id(name, &command.names.name),
                kind: Kind::Command,
                lines,
            });
        }
        for event in &aggregate.events {
            let mut lines = vec![event.names.name.clone()];
            let mut notes = Vec::new();
            if event.integration {
                notes.push("integration".to_owned());
            }
            if event.version > 1 {
                notes.push(format!("version {}", event.version));
            }
            if !notes.is_empty() {
                lines.push(notes.join(", "));
            }
            cluster.nodes.push(Node {
                id: event_id(name, &event.names.name),
                kind: if event.integration {
                    Kind::IntegrationEvent
                } else {
                    Kind::Event
                },
                lines,
            });
        }
        for command in &aggregate.commands {
            for emitted in &command.emits {
                self.edge(
                    command_id(name, &command.names.name),
                    event_id(name, &emitted.event),
                    Link::Emits,
                    None,
                );
            }
        }
        if let Some(lifecycle) = &aggregate.lifecycle {
            cluster.clusters.push(self.lifecycle(aggregate, lifecycle));
        }
        if !cluster.is_empty() {
            self.clusters.push(cluster);
        }
    }

    /// The state machine: states, the start marker, and one edge per (command, from state).
    fn lifecycle(&mut self, aggregate: &Aggregate, lifecycle: &Lifecycle) -> Cluster {
        let name = &aggregate.names.name;
        let terminal: BTreeSet<&str> = lifecycle.terminal.iter().map(String::as_str).collect();
        let mut cluster = Cluster {
            id: format!("lifecycle__{name}"),
            label: format!("{name} lifecycle"),
            ..Cluster::default()
        };
        cluster.nodes.push(Node {
            id: start_id(name),
            kind: Kind::Start,
            lines: Vec::new(),
        });
        for state in &lifecycle.states {
            let state_name = &state.names.name;
            cluster.nodes.push(Node {
                id: state_id(name, state_name),
                kind: if terminal.contains(state_name.as_str()) {
                    Kind::TerminalState
                } else {
                    Kind::State
                },
                lines: vec![state_name.clone()],
            });
        }
        let mut starts_at_initial = false;
        for command in &aggregate.commands {
            let Some(to) = &command.to else {
                continue;
            };
            let label = Some(command.names.name.clone());
            if command.creates {
                starts_at_initial |= *to == lifecycle.initial;
                self.edge(start_id(name), state_id(name, to), Link::Transition, label);
                continue;
            }
            let from: Vec<&str> = if command.from.is_empty() {
                lifecycle
                    .states
                    .iter()
                    .map(|state| state.names.name.as_str())
                    .filter(|state| !terminal.contains(state))
                    .collect()
            } else {
                command.from.iter().map(String::as_str).collect()
            };
            for state in from {
                self.edge(
                    state_id(name, state),
                    state_id(name, to),
                    Link::Transition,
                    label.clone(),
                );
            }
        }
        if !starts_at_initial {
            self.edge(
                start_id(name),
                state_id(name, &lifecycle.initial),
                Link::Transition,
                None,
            );
        }
        cluster
    }

    fn mermaid(&self) -> String {
        let mut ids = MermaidIds::default();
        let mut out = format!(
            "---\ntitle: {}\n---\nflowchart LR\n",
            yaml_string(&self.title)
        );
        for cluster in &self.clusters {
            mermaid_cluster(&mut out, &mut ids, cluster, 1);
        }
        for node in &self.nodes {
            mermaid_node(&mut out, &mut ids, node, 1);
        }
        for edge in &self.edges {
            let arrow = match edge.link {
                Link::Emits | Link::Transition => "-->",
                Link::Policy | Link::Updates | Link::Removes => "-.->",
            };
            let label = edge
                .label
                .as_deref()
                .map(|label| format!("|\"{}\"|", mermaid_text(label)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    {} {arrow}{label} {}",
                ids.get(&edge.from),
                ids.get(&edge.to)
            );
        }
        for kind in Kind::ALL {
            let _ = writeln!(
                out,
                "    classDef {} {}",
                kind.class(),
                kind.mermaid_style()
            );
        }
        out
    }

    fn dot(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "digraph {} {{", dot_string(&self.name));
        let _ = writeln!(
            out,
            "    graph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label={}];",
            dot_string(&self.title)
        );
        out.push_str("    node [fontname=\"Helvetica\", fontsize=11];\n");
        out.push_str("    edge [fontname=\"Helvetica\", fontsize=10];\n");
        for cluster in &self.clusters {
            dot_cluster(&mut out, cluster, 1);
        }
        for node in &self.nodes {
            dot_node(&mut out, node, 1);
        }
        for edge in &self.edges {
            let mut attributes = Vec::new();
            match edge.link {
                Link::Emits | Link::Transition => {}
                Link::Policy => attributes.push("style=dashed".to_owned()),
                Link::Updates | Link::Removes => attributes.push("style=dotted".to_owned()),
            }
            if let Some(label) = &edge.label {
                attributes.push(format!("label={}", dot_string(label)));
            }
            let attributes = if attributes.is_empty() {
                String::new()
            } else {
                format!(" [{}]", attributes.join(", "))
            };
            let _ = writeln!(
                out,
                "    {} -> {}{attributes};",
                dot_string(&edge.from),
                dot_string(&edge.to)
            );
        }
        out.push_str("}\n");
        out
    }
}

/// Mermaid node ids: letters, digits and `_` only, unique. The graph's own ids already are;
/// anything else (a name from a hand-built model) is replaced by `_` and made unique with a
/// numeric suffix, the same way for every mention of the same node.
#[derive(Debug, Default)]
struct MermaidIds {
    assigned: BTreeMap<String, String>,
    taken: BTreeSet<String>,
}

impl MermaidIds {
    fn get(&mut self, id: &str) -> String {
        if let Some(assigned) = self.assigned.get(id) {
            return assigned.clone();
        }
        let base: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut candidate = base.clone();
        let mut suffix = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{base}_{suffix}");
            suffix += 1;
        }
        self.taken.insert(candidate.clone());
        self.assigned.insert(id.to_owned(), candidate.clone());
        candidate
    }
}

fn indent(level: usize) -> String {
    "    ".repeat(level)
}

fn mermaid_cluster(out: &mut String, ids: &mut MermaidIds, cluster: &Cluster, level: usize) {
    if cluster.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}subgraph {}[\"{}\"]",
        indent(level),
        ids.get(&cluster.id),
        mermaid_text(&cluster.label)
    );
    for node in &cluster.nodes {
        mermaid_node(out, ids, node, level + 1);
    }
    for inner in &cluster.clusters {
        mermaid_cluster(out, ids, inner, level + 1);
    }
    let _ = writeln!(out, "{}end", indent(level));
}

fn mermaid_node(out: &mut String, ids: &mut MermaidIds, node: &Node, level: usize) {
    let label: Vec<String> = node.lines.iter().map(|line| mermaid_text(line)).collect();
    let _ = writeln!(
        out,
        "{}{}{}:::{}",
        indent(level),
        ids.get(&node.id),
        node.kind.mermaid_shape(&label.join("<br/>")),
        node.kind.class()
    );
}

/// Text for a quoted Mermaid label: the characters that would end the label or be read as
/// markup become entity codes (`#quot;`), line breaks become `<br/>`.
fn mermaid_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => escaped.push_str("#quot;"),
            '#' => escaped.push_str("#35;"),
            '&' => escaped.push_str("#amp;"),
            '<' => escaped.push_str("#lt;"),
            '>' => escaped.push_str("#gt;"),
            '`' => escaped.push_str("#96;"),
            '|' => escaped.push_str("#124;"),
            '\n' => escaped.push_str("<br/>"),
            '\r' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

fn dot_cluster(out: &mut String, cluster: &Cluster, level: usize) {
    if cluster.is_empty() {
        return;
    }
    let pad = indent(level);
    let _ = writeln!(
        out,
        "{pad}subgraph {} {{",
        dot_string(&format!("cluster_{}", cluster.id))
    );
    let _ = writeln!(out, "{pad}    label={};", dot_string(&cluster.label));
    // The lifecycle's box is drawn dashed inside the aggregate's.
    let style = if level == 1 { "rounded" } else { "dashed" };
    let _ = writeln!(out, "{pad}    style={style};");
    for node in &cluster.nodes {
        dot_node(out, node, level + 1);
    }
    for inner in &cluster.clusters {
        dot_cluster(out, inner, level + 1);
    }
    let _ = writeln!(out, "{pad}}}");
}

fn dot_node(out: &mut String, node: &Node, level: usize) {
    let label: Vec<String> = node.lines.iter().map(|line| dot_escape(line)).collect();
    let _ = writeln!(
        out,
        "{}{} [label=\"{}\", {}];",
        indent(level),
        dot_string(&node.id),
        label.join("\\n"),
        node.kind.dot_attributes()
    );
}

/// A YAML double-quoted string, for Mermaid's front matter.
fn yaml_string(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(quoted, "\\u{:04x}", u32::from(c));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// A DOT quoted string.
fn dot_string(text: &str) -> String {
    format!("\"{}\"", dot_escape(text))
}

/// Text inside a DOT quoted string: `\` and `"` escaped, line breaks as `\n`.
fn dot_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            '\r' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use crate::names::names;

    /// Builds the few parts of a [`Model`] a diagram reads; everything else is left empty.
    struct ModelBuilder {
        model: Model,
    }

    impl ModelBuilder {
        fn new(name: &str, title: &str) -> Self {
            ModelBuilder {
                model: Model {
                    context: Context {
                        name: name.to_owned(),
                        crate_name: name.replace('_', "-"),
                        lib_name: name.to_owned(),
                        title: title.to_owned(),
                        doc: Vec::new(),
                        version: "0.1.0".to_owned(),
                    },
                    enums: Vec::new(),
                    value_objects: Vec::new(),
                    aggregates: Vec::new(),
                    read_models: Vec::new(),
                    policies: Vec::new(),
                    subscriptions: Vec::new(),
                    homes: Default::default(),
                },
            }
        }

        fn aggregate(mut self, aggregate: AggregateBuilder) -> Self {
            self.model.aggregates.push(aggregate.0);
            self
        }

        /// `on` and `send` are `(aggregate, name)`.
        fn policy(mut self, name: &str, on: (&str, &str), send: (&str, &str)) -> Self {
            self.model.policies.push(Policy {
                names: names(name),
                doc: Vec::new(),
                on: event_ref(on),
                aggregate: send.0.to_owned(),
                aggregate_snake: names(send.0).snake,
                command: send.1.to_owned(),
                mapping: Vec::new(),
            });
            self
        }

        /// Events are `(aggregate, name)`.
        fn read_model(
            mut self,
            name: &str,
            updated_by: &[(&str, &str)],
            removed_by: &[(&str, &str)],
            queries: &[&str],
        ) -> Self {
            let key = field("id");
            self.model.read_models.push(ReadModel {
                names: names(name),
                doc: Vec::new(),
                key: key.clone(),
                fields: vec![key],
                updates: updated_by
                    .iter()
                    .map(|&event| Update {
                        event: event_ref(event),
                        fields: Vec::new(),
                        key_from: Source::AggregateId,
                    })
                    .collect(),
                removed_by: removed_by.iter().map(|&event| event_ref(event)).collect(),
                queries: queries
                    .iter()
                    .map(|query| Query {
                        names: names(query),
                        doc: Vec::new(),
                        kind: QueryKind::Get,
                        filters: Vec::new(),
                        page_size: 50,
                        roles: Vec::new(),
                        http: http(),
                    })
                    .collect(),
                table: names(name).plural_snake,
            });
            self
        }

        fn build(self) -> Model {
            self.model
        }
    }

    struct AggregateBuilder(Aggregate);

    impl AggregateBuilder {
        fn new(name: &str) -> Self {
            let n = names(name);
            AggregateBuilder(Aggregate {
                id: Id {
                    type_name: format!("{name}Id"),
                    field: format!("{}_id", n.snake),
                    inner: "Uuid".to_owned(),
                    kind: IdKind::Uuid,
                    server_assigned: true,
                },
                storage: Storage::EventSourced,
                doc: Vec::new(),
                fields: Vec::new(),
                lifecycle: None,
                entities: Vec::new(),
                events: Vec::new(),
                commands: Vec::new(),
                table: n.plural_snake.clone(),
                route: format!("/{}", n.plural_kebab),
                names: n,
            })
        }

        fn lifecycle(mut self, initial: &str, states: &[&str], terminal: &[&str]) -> Self {
            self.0.lifecycle = Some(Lifecycle {
                type_name: format!("{}Status", self.0.names.name),
                states: states
                    .iter()
                    .map(|state| Variant {
                        names: names(state),
                        doc: Vec::new(),
                    })
                    .collect(),
                initial: initial.to_owned(),
                terminal: terminal.iter().map(|state| (*state).to_owned()).collect(),
            });
            self
        }

        fn event(self, name: &str) -> Self {
            self.event_with(name, false, 1)
        }

        fn event_with(mut self, name: &str, integration: bool, version: u32) -> Self {
            self.0.events.push(Event {
                names: names(name),
                doc: Vec::new(),
                version,
                integration,
                fields: Vec::new(),
                sets_state: None,
                applies: Vec::new(),
            });
            self
        }

        /// A command; `edit` sets what differs from a plain one.
        fn command(mut self, name: &str, emits: &[&str], edit: impl FnOnce(&mut Command)) -> Self {
            let mut command = Command {
                names: names(name),
                doc: Vec::new(),
                creates: false,
                fields: Vec::new(),
                from: Vec::new(),
                to: None,
                emits: emits
                    .iter()
                    .map(|event| Emitted {
                        event: (*event).to_owned(),
                        fields: Vec::new(),
                    })
                    .collect(),
                roles: Vec::new(),
                idempotent: false,
                http: http(),
            };
            edit(&mut command);
            self.0.commands.push(command);
            self
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    fn event_ref((aggregate, event): (&str, &str)) -> EventRef {
        EventRef {
            aggregate: aggregate.to_owned(),
            aggregate_snake: names(aggregate).snake,
            event: event.to_owned(),
        }
    }

    fn field(name: &str) -> Field {
        Field {
            name: name.to_owned(),
            doc: Vec::new(),
            ty: Type {
                spec: "String".to_owned(),
                rust: "String".to_owned(),
                kind: TypeKind::String,
                has_default: true,
                is_copy: false,
                is_scalar: true,
            },
            validate: Vec::new(),
            example: None,
        }
    }

    fn http() -> Http {
        Http {
            method: "POST".to_owned(),
            method_lower: "post".to_owned(),
            path: "/".to_owned(),
        }
    }

    /// Two aggregates joined by a policy, a lifecycle with a creating command, a command
    /// accepted in any non-terminal state and one that changes no state, an integration event,
    /// and a read model that one event fills and another empties.
    fn pizzeria() -> Model {
        ModelBuilder::new("pizzeria", "Pizzeria")
            .aggregate(
                AggregateBuilder::new("Order")
                    .lifecycle(
                        "Placed",
                        &["Placed", "Cooking", "Delivered", "Cancelled"],
                        &["Delivered", "Cancelled"],
                    )
                    .event("OrderPlaced")
                    .event("CookingStarted")
                    .event_with("OrderDelivered", true, 2)
                    .event("OrderCancelled")
                    .event("NoteAdded")
                    .command("PlaceOrder", &["OrderPlaced"], |c| {
                        c.creates = true;
                        c.to = Some("Placed".to_owned());
                        c.idempotent = true;
                    })
                    .command("StartCooking", &["CookingStarted"], |c| {
                        c.from = strings(&["Placed"]);
                        c.to = Some("Cooking".to_owned());
                        c.roles = strings(&["kitchen", "manager"]);
                    })
                    .command("DeliverOrder", &["OrderDelivered"], |c| {
                        c.from = strings(&["Cooking"]);
                        c.to = Some("Delivered".to_owned());
                    })
                    .command("CancelOrder", &["OrderCancelled"], |c| {
                        c.to = Some("Cancelled".to_owned());
                    })
                    .command("AddNote", &["NoteAdded"], |c| {
                        c.from = strings(&["Placed", "Cooking"]);
                    }),
            )
            .aggregate(
                AggregateBuilder::new("Delivery")
                    .event("DeliveryScheduled")
                    .command("ScheduleDelivery", &["DeliveryScheduled"], |c| {
                        c.creates = true
                    }),
            )
            .policy(
                "ScheduleDeliveryWhenCooking",
                ("Order", "CookingStarted"),
                ("Delivery", "ScheduleDelivery"),
            )
            .read_model(
                "KitchenQueue",
                &[("Order", "OrderPlaced"), ("Order", "CookingStarted")],
                &[("Order", "OrderDelivered"), ("Order", "OrderCancelled")],
                &["GetKitchenQueue", "ListKitchenQueue"],
            )
            .build()
    }

    #[test]
    fn mermaid_flowchart() {
        insta::assert_snapshot!(mermaid(&pizzeria()));
    }

    #[test]
    fn dot_digraph() {
        insta::assert_snapshot!(dot(&pizzeria()));
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(mermaid(&pizzeria()), mermaid(&pizzeria()));
        assert_eq!(dot(&pizzeria()), dot(&pizzeria()));
    }

    #[test]
    fn a_lifecycle_without_a_creating_command_still_starts_at_its_initial_state() {
        let model = ModelBuilder::new("shop", "Shop")
            .aggregate(AggregateBuilder::new("Cart").lifecycle("Open", &["Open"], &[]))
            .build();
        assert!(mermaid(&model).contains("    start__Cart --> state__Cart__Open\n"));
        assert!(dot(&model).contains("    \"start__Cart\" -> \"state__Cart__Open\";\n"));
    }

    #[test]
    fn an_aggregate_with_nothing_to_draw_has_no_box() {
        let model = ModelBuilder::new("shop", "Shop")
            .aggregate(AggregateBuilder::new("Cart"))
            .build();
        assert!(!mermaid(&model).contains("subgraph"));
        assert!(!dot(&model).contains("subgraph"));
    }

    /// Names come from a validated spec, but the diagram does not rely on it: whatever a label
    /// holds, it cannot end the label or the diagram, and node ids stay valid and distinct.
    #[test]
    fn labels_and_ids_are_escaped() {
        let model = ModelBuilder::new("odd \"shop\"", "Odd \"shop\" <b>#1</b> & co\nline two")
            .aggregate(
                AggregateBuilder::new("Odd Cart")
                    .event("Cart\"Opened")
                    .event("Cart#Opened")
                    .command("Open`Cart", &["Cart\"Opened"], |c| {
                        c.roles = strings(&["a\\b", "x]|y"]);
                    }),
            )
            .build();
        insta::assert_snapshot!("escaped_mermaid", mermaid(&model));
        insta::assert_snapshot!("escaped_dot", dot(&model));
    }

    #[test]
    fn mermaid_text_escapes_what_ends_or_marks_up_a_label() {
        assert_eq!(
            mermaid_text("a \"b\" <i>#1</i> & `c` | d\ne"),
            "a #quot;b#quot; #lt;i#gt;#35;1#lt;/i#gt; #amp; #96;c#96; #124; d<br/>e"
        );
    }

    #[test]
    fn yaml_string_is_double_quoted_and_escaped() {
        assert_eq!(
            yaml_string("Mario's \"Pizzeria\"\\\n\u{7}"),
            r#""Mario's \"Pizzeria\"\\\n\u0007""#
        );
    }

    #[test]
    fn dot_escape_escapes_backslashes_quotes_and_newlines() {
        assert_eq!(dot_escape("a\\b \"c\"\nd\r"), "a\\\\b \\\"c\\\"\\nd");
    }

    #[test]
    fn mermaid_ids_are_sanitised_and_distinct() {
        let mut ids = MermaidIds::default();
        assert_eq!(ids.get("event__Cart__Opened"), "event__Cart__Opened");
        assert_eq!(ids.get("event__Cart__Open d"), "event__Cart__Open_d");
        assert_eq!(ids.get("event__Cart__Open\"d"), "event__Cart__Open_d_2");
        assert_eq!(ids.get("event__Cart__Open d"), "event__Cart__Open_d");
    }
}
