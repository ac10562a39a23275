//! Valid specs from a small grammar: a context; enums; value objects with constrained fields;
//! aggregates with ids, storage, fields, a lifecycle, entities, events and commands (creating
//! commands, one command per transition so every state is reached, commands with `from`,
//! `to`, `emits`, roles, idempotency and routes); read models with queries; policies.
//!
//! Every decision comes from a [`Choices`] stream, so a fuzz input, a proptest byte vector
//! (which shrinks towards zeros: a smaller spec) or a fixed seed makes a spec. The generator
//! keeps the bookkeeping the checker enforces: one namespace for type names (with the names the
//! generator adds per aggregate), one type per field name within an aggregate (fields are
//! copied by name), every event emitted and every event field filled, every state reached,
//! read-model keys carried, policies able to fill their commands and in no cycle, distinct routes. A spec it
//! makes must check without any diagnostic, error or warning.
//!
//! Values that the checker treats alike are written as [`Value::Alt`]ernatives (`"Option<T>"`
//! or `required = false`, a default written out or left out, one event or a list of one), so
//! two layouts of one spec are different texts of the same spec.

use std::collections::BTreeSet;

use seedwork_cli::names::names;

use super::choices::Choices;
use super::writer::{s, strs, Table, Value};

/// A field type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Str,
    Bool,
    Int(&'static str),
    F64,
    Decimal,
    Date,
    Time,
    DateTime,
    Uuid,
    Enum(String),
    ValueObject(String),
    Entity(String),
    Id(String),
    Option(Box<Ty>),
    Vec(Box<Ty>),
    Map(Box<Ty>),
}

impl Ty {
    /// The type as the spec writes it (and the checker normalises it).
    pub fn spec(&self) -> String {
        match self {
            Ty::Str => "String".into(),
            Ty::Bool => "bool".into(),
            Ty::Int(name) => (*name).into(),
            Ty::F64 => "f64".into(),
            Ty::Decimal => "Decimal".into(),
            Ty::Date => "Date".into(),
            Ty::Time => "Time".into(),
            Ty::DateTime => "DateTime".into(),
            Ty::Uuid => "Uuid".into(),
            Ty::Enum(n) | Ty::ValueObject(n) | Ty::Entity(n) => n.clone(),
            Ty::Id(aggregate) => format!("{aggregate}Id"),
            Ty::Option(inner) => format!("Option<{}>", inner.spec()),
            Ty::Vec(inner) => format!("Vec<{}>", inner.spec()),
            Ty::Map(inner) => format!("Map<String, {}>", inner.spec()),
        }
    }

    /// A scalar: a key or a filter.
    fn scalar(&self) -> bool {
        !matches!(
            self,
            Ty::ValueObject(_) | Ty::Entity(_) | Ty::Option(_) | Ty::Vec(_) | Ty::Map(_)
        )
    }

    fn has_entity(&self) -> bool {
        match self {
            Ty::Entity(_) => true,
            Ty::Option(inner) | Ty::Vec(inner) | Ty::Map(inner) => inner.has_entity(),
            _ => false,
        }
    }

    /// `self` can be copied by name into a field of type `into` (the same, or `T` into
    /// `Option<T>`).
    fn fits(&self, into: &Ty) -> bool {
        self == into || matches!(into, Ty::Option(inner) if **inner == *self)
    }
}

const INTEGERS: &[&str] = &["i32", "i64", "u32", "u64"];
const CONTEXTS: &[&str] = &["shop", "pizzeria", "bank_core", "fleet_ops2", "ledger", "x"];
const ENUMS: &[&str] = &["Size", "Color", "Priority", "Channel", "Currency", "Level"];
const VARIANTS: &[&str] = &[
    "Small", "Large", "Red", "Blue", "High", "Low", "Other", "V2",
];
const VALUE_OBJECTS: &[&str] = &["Address", "Money", "Line", "Period", "Contact", "Point"];
const AGGREGATES: &[&str] = &[
    "Order", "Customer", "Invoice", "Ticket", "Shipment", "Account", "Booking", "Cart", "Room",
];
const ENTITIES: &[&str] = &["Item", "Note", "Attachment", "Leg", "Seat", "Entry"];
const STATES: &[&str] = &[
    "Open", "Placed", "Active", "Paused", "Done", "Closed", "Failed",
];
const VERBS: &[(&str, &str)] = &[
    ("Open", "Opened"),
    ("Place", "Placed"),
    ("Change", "Changed"),
    ("Close", "Closed"),
    ("Approve", "Approved"),
    ("Move", "Moved"),
    ("Rename", "Renamed"),
    ("Tag", "Tagged"),
    ("Pay", "Paid"),
    ("Cancel", "Cancelled"),
];
const FIELDS: &[&str] = &[
    "name",
    "title",
    "note",
    "amount",
    "count",
    "tags",
    "address",
    "due_on",
    "starts_at",
    "code",
    "email",
    "score",
    "lines",
    "flags",
    "owner",
    "priority",
    "paid",
    "size",
    "total",
    "command",
    "context",
    "state",
    "event",
    "id",
    "version",
    "proposed",
    "errors",
    "value",
];
const ROLES: &[&str] = &[
    "admin",
    "kitchen",
    "ops.team",
    "svc:billing",
    "a-b_c",
    "Manager",
];
const PATTERNS: &[&str] = &[
    "^[a-z]+$",
    "^[A-Z]{2}-[0-9]{3}$",
    r"^\d{5}$",
    r#"^"quoted"$"#,
    r"^a\{\{b\}\}$",
    "^(x|y)*$",
    r#"^[#"]+$"#,
    r"^\\$",
    "^.*$",
    "^é+$",
    "^[{%}]+$",
    "^x{1,3}$",
];
const DOCS: &[&str] = &[
    "An order.",
    "Placed by *someone*.",
    "a `code` span",
    "\"quoted\"",
    "a */ comment end",
    "/* an open comment",
    "a \"# raw string end",
    "{{ braces }}",
    "{% tag %}",
    "{# tera comment #}",
    "back\\slash",
    "tab\there",
    "line\nbreak",
    "crlf\r\nbreak",
    "a lone\rcarriage return",
    "a nul \u{0} char",
    "a bell \u{7} char",
    "bidi \u{202E} override",
    "é ü 中文",
    "Example:\n```\nlet x = 1;\n```",
    "\n    indented code\n",
    "<b>html</b> &amp;",
    "[link](https://example.invalid)",
    "a line\u{2028}separator",
    "trailing   ",
    "#[attr]",
    "/// a doc comment",
    "//! an inner doc",
    "\\",
    "",
    "Steps:\n- one\nlazy continuation",
    "1. first\nsecond",
    "> a quote\nlazy",
    "- item\n        overindented",
    "* a\n  * b\n  lazy b\n\nafter",
    "- [x]: https://example.invalid",
    "| a | b |\n|---|---|\n| 1 | 2 |",
];
const SUFFIXES: &[&str] = &["Id", "Event", "Command", "Error", "Rules", "Status"];

/// An event of the plan.
#[derive(Debug, Clone)]
struct EventPlan {
    name: String,
    fields: Vec<(String, Ty)>,
    /// The state the commands emitting it lead to (see [`effective_to`]).
    to: Option<String>,
}

/// A command of the plan.
#[derive(Debug, Clone)]
struct CommandPlan {
    name: String,
    creates: bool,
    fields: Vec<(String, Ty)>,
    /// The events it records.
    emits: Vec<String>,
}

/// An aggregate of the plan: what later parts (read models, policies) refer to.
#[derive(Debug, Clone)]
struct AggregatePlan {
    name: String,
    id_field: String,
    server_assigned: bool,
    plural_kebab: String,
    events: Vec<EventPlan>,
    commands: Vec<CommandPlan>,
}

struct Gen<'c> {
    c: &'c mut Choices,
    /// The snake_case forms of every type name, the generated ones included.
    taken: BTreeSet<String>,
    enums: Vec<String>,
    value_objects: Vec<String>,
    aggregates: Vec<AggregatePlan>,
    /// (method, path with parameters as `{}`) of every route.
    routes: BTreeSet<(String, String)>,
    /// The policies so far, as (event, the events its command records): a valid spec has no
    /// cycle of policies (W007).
    reactions: Vec<(String, Vec<String>)>,
}

/// A valid spec, as a tree for [`super::writer::write`].
pub fn spec(choices: &mut Choices) -> Table {
    let mut g = Gen {
        c: choices,
        taken: BTreeSet::new(),
        enums: Vec::new(),
        value_objects: Vec::new(),
        aggregates: Vec::new(),
        routes: BTreeSet::new(),
        reactions: Vec::new(),
    };
    g.spec()
}

impl Gen<'_> {
    fn spec(&mut self) -> Table {
        let mut root = Table::keys();
        root.set("context", Value::Table(self.context()));
        let mut enums = Table::ordered();
        for _ in 0..self.c.below(3) {
            let (name, table) = self.enumeration();
            enums.set(name, Value::Table(table));
        }
        root.set("enums", section(enums));
        // Aggregate names first: every id type may be used from here on.
        let count = self.c.between(1, 3);
        let mut ids = Vec::new();
        for _ in 0..count {
            let base = *self.c.pick(AGGREGATES);
            let name = self.fresh(base, SUFFIXES);
            ids.push(name);
        }
        let mut value_objects = Table::ordered();
        for _ in 0..self.c.below(3) {
            let (name, table) = self.value_object(&ids);
            value_objects.set(name, Value::Table(table));
        }
        root.set("value_objects", section(value_objects));
        let mut aggregates = Table::ordered();
        for name in &ids {
            let table = self.aggregate(name, &ids);
            aggregates.set(name.clone(), Value::Table(table));
        }
        root.set("aggregates", Value::Table(aggregates));
        let mut read_models = Table::ordered();
        for _ in 0..self.c.below(3) {
            if let Some((name, table)) = self.read_model() {
                read_models.set(name, Value::Table(table));
            }
        }
        root.set("read_models", section(read_models));
        let mut policies = Table::ordered();
        for _ in 0..self.c.below(3) {
            if let Some((name, table)) = self.policy() {
                policies.set(name, Value::Table(table));
            }
        }
        root.set("policies", section(policies));
        root
    }

    /// A type name from `base` (with a number when taken) whose snake_case form, and those of
    /// the names made from it with `suffixes`, are free; all of them are taken from now on.
    fn fresh(&mut self, base: &str, suffixes: &[&str]) -> String {
        for n in 1.. {
            let name = if n == 1 {
                base.to_owned()
            } else {
                format!("{base}{n}")
            };
            let mut all = vec![names(&name).snake];
            all.extend(
                suffixes
                    .iter()
                    .map(|suffix| names(&format!("{name}{suffix}")).snake),
            );
            if all.iter().all(|snake| !self.taken.contains(snake)) {
                self.taken.extend(all);
                return name;
            }
        }
        unreachable!()
    }

    fn doc(&mut self) -> Value {
        if !self.c.chance(40) {
            return Value::Absent;
        }
        let parts: Vec<&str> = (0..self.c.between(1, 3))
            .map(|_| *self.c.pick(DOCS))
            .collect();
        s(parts.join(" "))
    }

    fn context(&mut self) -> Table {
        let mut context = Table::keys();
        context.set("name", s(*self.c.pick(CONTEXTS)));
        context.set("doc", self.doc());
        let version = match self.c.below(4) {
            0 => Value::Alt(vec![Value::Absent, s("0.1.0")]),
            1 => s("1.2.3"),
            2 => s("0.0.0"),
            _ => s("10.20.300"),
        };
        context.set("version", version);
        context
    }

    fn enumeration(&mut self) -> (String, Table) {
        let base = *self.c.pick(ENUMS);
        let name = self.fresh(base, &[]);
        self.enums.push(name.clone());
        let variants = distinct(self.c, VARIANTS, 1, 4);
        let mut table = Table::keys();
        table.set("doc", self.doc());
        let value = if self.c.chance(30) {
            let mut docs = Table::ordered();
            for variant in &variants {
                let doc = match self.doc() {
                    Value::Absent => s("Documented."),
                    doc => doc,
                };
                docs.set(variant.clone(), doc);
            }
            Value::Table(docs)
        } else {
            let mut blank = Table::ordered();
            for variant in &variants {
                blank.set(variant.clone(), s(""));
            }
            Value::Alt(vec![strs(&variants), Value::Table(blank)])
        };
        table.set("variants", value);
        (name, table)
    }

    /// A type for a field: scalars, declared types from `scope`, containers (two deep).
    fn ty(&mut self, scope: &Scope<'_>, depth: usize) -> Ty {
        loop {
            let ty = match self.c.below(18) {
                0..=2 => Ty::Str,
                3 => Ty::Bool,
                4 => Ty::Int(INTEGERS[self.c.below(INTEGERS.len())]),
                5 => Ty::F64,
                6 => Ty::Decimal,
                7 => [Ty::Date, Ty::Time, Ty::DateTime][self.c.below(3)].clone(),
                8 => Ty::Uuid,
                9 if !scope.enums.is_empty() => Ty::Enum(self.c.pick(scope.enums).clone()),
                10 if !scope.value_objects.is_empty() => {
                    Ty::ValueObject(self.c.pick(scope.value_objects).clone())
                }
                11 if !scope.entities.is_empty() => Ty::Entity(self.c.pick(scope.entities).clone()),
                12 if !scope.ids.is_empty() => Ty::Id(self.c.pick(scope.ids).clone()),
                13 | 14 if depth < 2 => Ty::Option(Box::new(self.ty(scope, depth + 1))),
                15 | 16 if depth < 2 => Ty::Vec(Box::new(self.ty(scope, depth + 1))),
                17 if depth < 2 => Ty::Map(Box::new(self.ty(scope, depth + 1))),
                _ => continue,
            };
            return ty;
        }
    }

    /// The spellings of a type string that the checker reads alike.
    fn type_spellings(ty: &Ty) -> Value {
        let spec = ty.spec();
        let spaced = spec
            .replace('<', "< ")
            .replace('>', " >")
            .replace(", ", " ,  ");
        if spaced == spec {
            s(spec)
        } else {
            Value::Alt(vec![s(spec), s(spaced)])
        }
    }

    /// A field of type `ty`: the short form or a table with constraints and a doc.
    fn field(&mut self, ty: &Ty) -> Value {
        let (base, optional) = match ty {
            Ty::Option(inner) => (&**inner, true),
            other => (other, false),
        };
        let mut constraints = Table::keys();
        match base {
            Ty::Str => {
                let min = self.c.chance(25).then(|| self.c.below(5) as i64);
                if let Some(min) = min {
                    constraints.set("min_len", Value::Int(min));
                }
                if self.c.chance(25) {
                    let max = min.unwrap_or(0) + self.c.between(1, 300) as i64;
                    constraints.set("max_len", Value::Int(max));
                }
                if self.c.chance(20) {
                    constraints.set("pattern", s(*self.c.pick(PATTERNS)));
                } else if self.c.chance(10) {
                    constraints.set("email", Value::Bool(true));
                } else if self.c.chance(10) {
                    constraints.set("email", Value::Bool(false));
                }
            }
            Ty::Int(int) => {
                let low: i64 = if int.starts_with('u') { 0 } else { -1000 };
                let min = self.c.chance(30).then(|| low + self.c.below(1100) as i64);
                if let Some(min) = min {
                    constraints.set("min", Value::Int(min));
                }
                if self.c.chance(30) {
                    let max = min.unwrap_or(low).max(0) + self.c.below(100_000) as i64;
                    constraints.set("max", Value::Int(max));
                }
            }
            Ty::F64 | Ty::Decimal => {
                let min = self
                    .c
                    .chance(30)
                    .then(|| self.c.below(2000) as f64 / 4.0 - 250.0);
                if let Some(min) = min {
                    constraints.set("min", Value::Float(min));
                }
                if self.c.chance(30) {
                    let max = min.unwrap_or(0.0) + self.c.between(1, 100) as f64;
                    let max = if self.c.chance(50) {
                        Value::Int(max.ceil() as i64)
                    } else {
                        Value::Float(max)
                    };
                    constraints.set("max", max);
                }
            }
            Ty::Vec(_) | Ty::Map(_) => {
                let min = self.c.chance(25).then(|| self.c.below(3) as i64);
                if let Some(min) = min {
                    constraints.set("min_items", Value::Int(min));
                }
                if self.c.chance(25) {
                    let max = min.unwrap_or(0) + self.c.between(1, 20) as i64;
                    constraints.set("max_items", Value::Int(max));
                }
            }
            _ => {}
        }
        constraints.set("doc", self.doc());
        let as_option = |mut table: Table| {
            table.set("type", Self::type_spellings(ty));
            table
        };
        let as_required_false = |mut table: Table| {
            table.set("type", Self::type_spellings(base));
            table.set("required", Value::Bool(false));
            table
        };
        let mut spellings = Vec::new();
        if constraints.entries.is_empty() {
            spellings.push(Self::type_spellings(ty));
        }
        let mut table = as_option(constraints.clone());
        if !optional {
            table.set(
                "required",
                Value::Alt(vec![Value::Absent, Value::Bool(true)]),
            );
        }
        spellings.push(Value::Table(table));
        if optional && !matches!(base, Ty::Option(_)) {
            spellings.push(Value::Table(as_required_false(constraints)));
        }
        Value::Alt(spellings)
    }

    fn fields_table(&mut self, fields: &[(String, Ty)]) -> Value {
        let mut table = Table::ordered();
        for (name, ty) in fields {
            let value = self.field(ty);
            table.set(name.clone(), value);
        }
        section(table)
    }

    fn value_object(&mut self, ids: &[String]) -> (String, Table) {
        let base = *self.c.pick(VALUE_OBJECTS);
        let name = self.fresh(base, &[]);
        let enums = self.enums.clone();
        let value_objects = self.value_objects.clone();
        let scope = Scope {
            enums: &enums,
            value_objects: &value_objects,
            entities: &[],
            ids,
        };
        let fields: Vec<(String, Ty)> = distinct(self.c, FIELDS, 1, 4)
            .into_iter()
            .map(|field| {
                let ty = self.ty(&scope, 0);
                (field, ty)
            })
            .collect();
        self.value_objects.push(name.clone());
        let mut table = Table::keys();
        table.set("doc", self.doc());
        let fields = self.fields_table(&fields);
        table.set("fields", fields);
        (name, table)
    }

    fn id(&mut self) -> (Value, bool) {
        let table = |ty: &str, assigned: Option<&str>| {
            let mut t = Table::keys().with("type", s(ty));
            if let Some(assigned) = assigned {
                t.set("assigned", s(assigned));
            }
            Value::Table(t)
        };
        match self.c.below(6) {
            0 | 1 => (
                Value::Alt(vec![
                    Value::Absent,
                    s("uuid"),
                    table("uuid", None),
                    table("uuid", Some("server")),
                ]),
                true,
            ),
            2 => (table("uuid", Some("client")), false),
            3 => (
                Value::Alt(vec![
                    s("string"),
                    table("string", None),
                    table("string", Some("client")),
                ]),
                false,
            ),
            4 => (table("string", Some("server")), true),
            _ => (
                Value::Alt(vec![
                    s("integer"),
                    table("integer", None),
                    table("integer", Some("client")),
                ]),
                false,
            ),
        }
    }

    /// A route that no command or query has yet: the default when free (and not overridden),
    /// else a path of its own; `None` for the default.
    fn route(&mut self, default: (&str, String), params: usize, base: &str) -> Option<Table> {
        let key = |method: &str, path: &str| (method.to_owned(), shape(path));
        if !self.c.chance(20) && self.routes.insert(key(default.0, &default.1)) {
            return None;
        }
        let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
        for n in 1.. {
            let method = *self.c.pick(&methods);
            let mut path = format!("/{base}");
            if params == 1 {
                path.push_str(&format!("/{{{}}}", self.c.pick(&["id", "key", "x_1"])));
            }
            path.push_str(&format!("/{}", self.c.pick(&["do", "v1.2", "a-b", "x_y"])));
            if n > 1 {
                path.push_str(&format!("/{n}"));
            }
            if self.routes.insert(key(method, &path)) {
                let spelt = if self.c.chance(50) {
                    method.to_ascii_lowercase()
                } else {
                    method.to_owned()
                };
                return Some(Table::keys().with("method", s(spelt)).with("path", s(path)));
            }
        }
        unreachable!()
    }

    fn aggregate(&mut self, name: &str, ids: &[String]) -> Table {
        let n = names(name);
        let id_field = format!("{}_id", n.snake);
        let (id, server_assigned) = self.id();
        let mut table = Table::keys();
        table.set("doc", self.doc());
        table.set("id", id);
        let storage = if self.c.chance(50) {
            s("state_stored")
        } else {
            Value::Alt(vec![Value::Absent, s("event_sourced")])
        };
        table.set("storage", storage);

        // Entities, each seeing the ones before it.
        let mut entities_table = Table::ordered();
        let mut entities: Vec<String> = Vec::new();
        for _ in 0..self.c.below(3) {
            let base = *self.c.pick(ENTITIES);
            let entity = self.fresh(base, &[]);
            let enums = self.enums.clone();
            let value_objects = self.value_objects.clone();
            let seen = entities.clone();
            let scope = Scope {
                enums: &enums,
                value_objects: &value_objects,
                entities: &seen,
                ids,
            };
            let fields: Vec<(String, Ty)> = distinct(self.c, FIELDS, 1, 3)
                .into_iter()
                .map(|field| {
                    let ty = self.ty(&scope, 0);
                    (field, ty)
                })
                .collect();
            let mut entity_table = Table::keys();
            entity_table.set("doc", self.doc());
            let fields = self.fields_table(&fields);
            entity_table.set("fields", fields);
            entities_table.set(entity.clone(), Value::Table(entity_table));
            entities.push(entity);
        }

        let lifecycle = self.c.chance(60);
        // One type per field name within the aggregate: fields are copied by name.
        let enums = self.enums.clone();
        let value_objects = self.value_objects.clone();
        let scope = Scope {
            enums: &enums,
            value_objects: &value_objects,
            entities: &entities,
            ids,
        };
        let mut attributes: Vec<(String, Ty)> = distinct(self.c, FIELDS, 2, 6)
            .into_iter()
            .filter(|field| *field != id_field && !(lifecycle && field == "status"))
            .map(|field| {
                let ty = self.ty(&scope, 0);
                (field, ty)
            })
            .collect();
        for other in ids.iter().filter(|other| other.as_str() != name) {
            if self.c.chance(30) {
                attributes.push((format!("{}_id", names(other).snake), Ty::Id(other.clone())));
            }
        }
        let state = self.c.subset(&attributes, 40);
        table.set("fields", self.fields_table(&state));
        table.set("entities", section(entities_table));

        // The lifecycle: states, the parent each is reached from, terminal states.
        let mut states: Vec<String> = Vec::new();
        let mut terminal: Vec<String> = Vec::new();
        let mut parents: Vec<usize> = Vec::new();
        if lifecycle {
            states = distinct(self.c, STATES, 1, 4);
            for i in 1..states.len() {
                if self.c.chance(35) {
                    terminal.push(states[i].clone());
                }
                let open: Vec<usize> = (0..i).filter(|j| !terminal.contains(&states[*j])).collect();
                parents.push(*self.c.pick(&open));
            }
            let mut life = Table::keys();
            life.set("initial", s(states[0].clone()));
            let value = if self.c.chance(30) {
                let mut docs = Table::ordered();
                for state in &states {
                    let doc = match self.doc() {
                        Value::Absent => s("A state."),
                        doc => doc,
                    };
                    docs.set(state.clone(), doc);
                }
                Value::Table(docs)
            } else {
                strs(&states)
            };
            life.set("states", value);
            let terminal_value = if terminal.is_empty() {
                Value::Alt(vec![Value::Absent, Value::Array(Vec::new())])
            } else {
                strs(&terminal)
            };
            life.set("terminal", terminal_value);
            table.set("lifecycle", Value::Table(life));
        }

        // Commands: the creating ones, one per transition, a few more.
        struct Planned {
            creates: bool,
            from: Option<Vec<String>>,
            to: Option<String>,
        }
        let mut planned = vec![Planned {
            creates: true,
            from: None,
            to: None,
        }];
        if self.c.chance(20) {
            let to = (lifecycle && self.c.chance(50)).then(|| self.c.pick(&states).clone());
            planned.push(Planned {
                creates: true,
                from: None,
                to,
            });
        }
        let non_terminal: Vec<String> = states
            .iter()
            .filter(|state| !terminal.contains(state))
            .cloned()
            .collect();
        for (i, parent) in parents.iter().enumerate() {
            planned.push(Planned {
                creates: false,
                from: Some(vec![states[*parent].clone()]),
                to: Some(states[i + 1].clone()),
            });
        }
        for _ in 0..self.c.below(3) {
            if !lifecycle {
                planned.push(Planned {
                    creates: false,
                    from: None,
                    to: None,
                });
                continue;
            }
            let (from, to) = if !terminal.is_empty() && self.c.chance(20) {
                // From a terminal state, keeping it.
                let state = self.c.pick(&terminal).clone();
                let to = self.c.chance(50).then(|| state.clone());
                (Some(vec![state]), to)
            } else {
                let from = self.c.subset(&non_terminal, 50);
                let from = (!from.is_empty() && self.c.chance(70)).then_some(from);
                let to = self.c.chance(60).then(|| self.c.pick(&states).clone());
                (from, to)
            };
            planned.push(Planned {
                creates: false,
                from,
                to,
            });
        }

        let mut commands_table = Table::ordered();
        let mut events_table = Table::ordered();
        let mut events: Vec<EventPlan> = Vec::new();
        let mut commands: Vec<CommandPlan> = Vec::new();
        let state_fields = state.clone();
        for plan in planned {
            let (verb, past) = *self.c.pick(VERBS);
            let command_name = self.fresh(&format!("{verb}{name}"), &[]);
            let fields: Vec<(String, Ty)> = self.c.subset(&attributes, 35);
            let effective_to = if plan.creates && lifecycle {
                Some(plan.to.clone().unwrap_or_else(|| states[0].clone()))
            } else {
                plan.to.clone()
            };
            // What the handler can fill event fields from.
            let mut fillable = fields.clone();
            if !plan.creates {
                for field in &state_fields {
                    if !fillable.iter().any(|(n, _)| *n == field.0) {
                        fillable.push(field.clone());
                    }
                }
            }
            let mut emits: Vec<String> = Vec::new();
            // An event of an earlier command, when this one can fill it and leads to the same state.
            let reusable: Vec<usize> = (0..events.len())
                .filter(|i| {
                    let event = &events[*i];
                    event.to == effective_to
                        && event.fields.iter().all(|field| fillable.contains(field))
                })
                .collect();
            if !reusable.is_empty() && self.c.chance(20) {
                emits.push(events[*self.c.pick(&reusable)].name.clone());
            }
            let fresh_events = if emits.is_empty() {
                self.c.between(1, 2)
            } else {
                self.c.below(2)
            };
            for k in 0..fresh_events {
                let base = if k == 0 {
                    format!("{name}{past}")
                } else {
                    format!("{name}{past}Again")
                };
                let event_name = self.fresh(&base, &[]);
                let event_fields = self.c.subset(&fillable, 50);
                let mut event_table = Table::keys();
                event_table.set("doc", self.doc());
                let version = if self.c.chance(20) {
                    Value::Int(self.c.between(2, 9) as i64)
                } else {
                    Value::Alt(vec![Value::Absent, Value::Int(1)])
                };
                event_table.set("version", version);
                let integration = if self.c.chance(20) {
                    Value::Bool(true)
                } else {
                    Value::Alt(vec![Value::Absent, Value::Bool(false)])
                };
                event_table.set("integration", integration);
                let fields_value = self.fields_table(&event_fields);
                event_table.set("fields", fields_value);
                events_table.set(event_name.clone(), Value::Table(event_table));
                events.push(EventPlan {
                    name: event_name.clone(),
                    fields: event_fields,
                    to: effective_to.clone(),
                });
                emits.push(event_name);
            }
            let mut command = Table::keys();
            command.set("doc", self.doc());
            if plan.creates {
                command.set("creates", Value::Bool(true));
            } else {
                command.set(
                    "creates",
                    Value::Alt(vec![Value::Absent, Value::Bool(false)]),
                );
            }
            command.set("fields", self.fields_table(&fields));
            if let Some(from) = &plan.from {
                let value = if from.len() == 1 {
                    Value::Alt(vec![strs(from), s(from[0].clone())])
                } else {
                    strs(from)
                };
                command.set("from", value);
            }
            if let Some(to) = &plan.to {
                command.set("to", s(to.clone()));
            }
            let emits_value = if emits.len() == 1 {
                Value::Alt(vec![strs(&emits), s(emits[0].clone())])
            } else {
                strs(&emits)
            };
            command.set("emits", emits_value);
            let roles = self.c.subset(ROLES, 15);
            if roles.is_empty() {
                command.set(
                    "roles",
                    Value::Alt(vec![Value::Absent, Value::Array(Vec::new())]),
                );
            } else {
                command.set("roles", strs(&roles));
            }
            let idempotent = if self.c.chance(20) {
                Value::Bool(true)
            } else {
                Value::Alt(vec![Value::Absent, Value::Bool(false)])
            };
            command.set("idempotent", idempotent);
            let default_path = if plan.creates {
                format!("/{}", n.plural_kebab)
            } else {
                format!("/{}/{{id}}/{}", n.plural_kebab, names(&command_name).kebab)
            };
            let params = usize::from(!plan.creates);
            let base = format!("{}/{}", n.plural_kebab, names(&command_name).kebab);
            if let Some(http) = self.route(("POST", default_path), params, &base) {
                command.set("http", Value::Table(http));
            }
            commands_table.set(command_name.clone(), Value::Table(command));
            commands.push(CommandPlan {
                name: command_name,
                creates: plan.creates,
                fields,
                emits: emits.clone(),
            });
        }
        table.set("events", Value::Table(events_table));
        table.set("commands", Value::Table(commands_table));
        self.aggregates.push(AggregatePlan {
            name: name.to_owned(),
            id_field,
            server_assigned,
            plural_kebab: n.plural_kebab,
            events,
            commands,
        });
        table
    }

    /// Every field an event carries, the implicit id of its aggregate first.
    fn carried(aggregate: &AggregatePlan, event: &EventPlan) -> Vec<(String, Ty)> {
        let mut carried = vec![(aggregate.id_field.clone(), Ty::Id(aggregate.name.clone()))];
        carried.extend(event.fields.iter().cloned());
        carried
    }

    fn read_model(&mut self) -> Option<(String, Table)> {
        let keyed = self.c.pick(&self.aggregates).clone();
        let key = keyed.id_field.clone();
        let key_ty = Ty::Id(keyed.name.clone());
        // The events that carry the key: those of the aggregate, and others that carry its id.
        let candidates: Vec<Vec<(String, Ty)>> = self
            .aggregates
            .iter()
            .flat_map(|aggregate| {
                aggregate
                    .events
                    .iter()
                    .map(move |event| (event.name.clone(), Self::carried(aggregate, event)))
            })
            .filter(|(_, carried)| carried.contains(&(key.clone(), key_ty.clone())))
            .map(|(name, mut carried)| {
                carried.insert(0, (name, Ty::Bool));
                carried
            })
            .collect();
        // (The event's name rides in front of its fields.)
        let mut chosen = self.c.subset(&candidates, 50);
        if chosen.is_empty() {
            chosen.push(candidates[0].clone());
        }
        let rest: Vec<Vec<(String, Ty)>> = candidates
            .iter()
            .filter(|c| !chosen.iter().any(|d| d[0].0 == c[0].0))
            .cloned()
            .collect();
        let removed = self.c.subset(&rest, 30);

        // The read model's fields: the key, and some the updating events carry.
        let mut fields: Vec<(String, Ty)> = vec![(key.clone(), key_ty.clone())];
        for event in &chosen {
            for (field, ty) in &event[1..] {
                if ty.has_entity() || fields.iter().any(|(name, _)| name == field) {
                    continue;
                }
                if self.c.chance(50) {
                    let ty = if self.c.chance(15) && !matches!(ty, Ty::Option(_)) {
                        Ty::Option(Box::new(ty.clone()))
                    } else {
                        ty.clone()
                    };
                    fields.push((field.clone(), ty));
                }
            }
        }
        if self.c.chance(50) {
            let at = self.c.below(fields.len());
            let key_field = fields.remove(0);
            fields.insert(at, key_field);
        }
        // How each event updates it: every field it carries by name, or a list of fields.
        let mut all_by_name = true;
        let mut updates: Vec<(String, Vec<String>)> = Vec::new();
        for event in &chosen {
            let carried = &event[1..];
            let mut compatible = true;
            let mut listed = Vec::new();
            for (field, ty) in &fields {
                if let Some((_, carried_ty)) = carried.iter().find(|(name, _)| name == field) {
                    if carried_ty.fits(ty) {
                        listed.push(field.clone());
                    } else {
                        compatible = false;
                    }
                }
            }
            all_by_name &= compatible;
            updates.push((event[0].0.clone(), listed));
        }
        let event_names: Vec<String> = updates.iter().map(|(name, _)| name.clone()).collect();
        let mut explicit = Table::ordered();
        for (event, listed) in &updates {
            let listed = if self.c.chance(80) {
                listed.clone()
            } else {
                // Some of them: the key is found without being listed.
                self.c.subset(listed, 50)
            };
            explicit.set(event.clone(), strs(&listed));
        }
        let mut exact = Table::ordered();
        for (event, listed) in &updates {
            exact.set(event.clone(), strs(listed));
        }
        let updated_by = if all_by_name {
            let by_name = if event_names.len() == 1 {
                Value::Alt(vec![strs(&event_names), s(event_names[0].clone())])
            } else {
                strs(&event_names)
            };
            if self.c.chance(70) {
                Value::Alt(vec![by_name, Value::Table(exact)])
            } else {
                Value::Table(explicit)
            }
        } else {
            Value::Table(explicit)
        };

        let base = format!(
            "{}{}",
            keyed.name,
            self.c.pick(&["View", "Summary", "Board"])
        );
        let name = self.fresh(&base, &[]);
        let n = names(&name);
        let mut table = Table::keys();
        table.set("doc", self.doc());
        table.set("key", s(key.clone()));
        let mut fields_table = Table::ordered();
        for (field, ty) in &fields {
            let value = self.field(ty);
            fields_table.set(field.clone(), value);
        }
        table.set("fields", Value::Table(fields_table));
        table.set("updated_by", updated_by);
        let removed: Vec<String> = removed.iter().map(|event| event[0].0.clone()).collect();
        let removed_value = match removed.len() {
            0 => Value::Alt(vec![Value::Absent, Value::Array(Vec::new())]),
            1 => Value::Alt(vec![strs(&removed), s(removed[0].clone())]),
            _ => strs(&removed),
        };
        table.set("removed_by", removed_value);

        let mut queries = Table::ordered();
        if self.c.chance(60) {
            let query = self.fresh(&format!("Get{name}"), &[]);
            let mut q = Table::keys();
            q.set("doc", self.doc());
            q.set("kind", Value::Alt(vec![Value::Absent, s("get")]));
            q.set(
                "filters",
                Value::Alt(vec![Value::Absent, Value::Array(Vec::new())]),
            );
            self.query_roles_and_route(
                &mut q,
                ("GET", format!("/{}/{{{key}}}", n.plural_kebab)),
                1,
                &n.plural_kebab,
            );
            queries.set(query, Value::Table(q));
        }
        if self.c.chance(60) {
            let query = self.fresh(&format!("List{name}"), &[]);
            let mut q = Table::keys();
            q.set("doc", self.doc());
            q.set("kind", s("list"));
            let filterable: Vec<String> = fields
                .iter()
                .filter(|(_, ty)| ty.scalar() || matches!(ty, Ty::Option(_)))
                .map(|(field, _)| field.clone())
                .collect();
            let filters = self.c.subset(&filterable, 40);
            if filters.is_empty() {
                q.set(
                    "filters",
                    Value::Alt(vec![Value::Absent, Value::Array(Vec::new())]),
                );
            } else {
                q.set("filters", strs(&filters));
            }
            let page_size = if self.c.chance(40) {
                Value::Int(self.c.between(1, 1000) as i64)
            } else {
                Value::Alt(vec![Value::Absent, Value::Int(50)])
            };
            q.set("page_size", page_size);
            self.query_roles_and_route(
                &mut q,
                ("GET", format!("/{}", n.plural_kebab)),
                0,
                &n.plural_kebab,
            );
            queries.set(query, Value::Table(q));
        }
        table.set("queries", section(queries));
        Some((name, table))
    }

    fn query_roles_and_route(
        &mut self,
        q: &mut Table,
        default: (&str, String),
        params: usize,
        base: &str,
    ) {
        let roles = self.c.subset(ROLES, 15);
        if roles.is_empty() {
            q.set(
                "roles",
                Value::Alt(vec![Value::Absent, Value::Array(Vec::new())]),
            );
        } else {
            q.set("roles", strs(&roles));
        }
        if let Some(http) = self.route(default, params, base) {
            q.set("http", Value::Table(http));
        }
    }

    /// A policy on `event` whose command records `emits` would lead back to `event`, directly
    /// or through the policies so far.
    fn closes_a_cycle(&self, event: &str, emits: &[String]) -> bool {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo: Vec<&str> = emits.iter().map(String::as_str).collect();
        while let Some(next) = todo.pop() {
            if next == event {
                return true;
            }
            if !seen.insert(next) {
                continue;
            }
            for (on, recorded) in &self.reactions {
                if on == next {
                    todo.extend(recorded.iter().map(String::as_str));
                }
            }
        }
        false
    }

    fn policy(&mut self) -> Option<(String, Table)> {
        // Every (event, command) pair whose command the event can fill, with its `map`.
        let mut feasible: Vec<Feasible> = Vec::new();
        for source in &self.aggregates {
            for event in &source.events {
                let carried = Self::carried(source, event);
                for target in &self.aggregates {
                    for command in &target.commands {
                        let mut wanted =
                            vec![(target.id_field.clone(), Ty::Id(target.name.clone()))];
                        wanted.extend(command.fields.iter().cloned());
                        let new_id = command.creates && target.server_assigned;
                        if self.closes_a_cycle(&event.name, &command.emits) {
                            continue;
                        }
                        if let Some(map) = fill(&carried, &wanted, &target.id_field, new_id) {
                            feasible.push((
                                event.name.clone(),
                                command.name.clone(),
                                command.emits.clone(),
                                map,
                            ));
                        }
                    }
                }
            }
        }
        if feasible.is_empty() {
            return None;
        }
        let (event, command, emits, needed) = self.c.pick(&feasible).clone();
        self.reactions.push((event.clone(), emits));
        let name = self.fresh(&format!("{command}When{event}"), &[]);
        let mut table = Table::keys();
        table.set("doc", self.doc());
        table.set("on", s(event));
        table.set("send", s(command));
        let mut map = Table::keys();
        for (field, from) in needed {
            map.set(field, s(from));
        }
        if map.entries.is_empty() {
            table.set("map", Value::Alt(vec![Value::Absent, Value::Table(map)]));
        } else {
            table.set("map", Value::Table(map));
        }
        Some((name, table))
    }
}

/// A policy that can be written: the event, the command, the events the command records, and
/// the `map` it needs.
type Feasible = (String, String, Vec<String>, Vec<(String, String)>);

/// The `map` a policy needs to fill `wanted` (the command's id field and fields) from an event
/// carrying `carried`; `None` when it cannot.
fn fill(
    carried: &[(String, Ty)],
    wanted: &[(String, Ty)],
    id_field: &str,
    new_id: bool,
) -> Option<Vec<(String, String)>> {
    let mut map = Vec::new();
    for (field, ty) in wanted {
        match carried.iter().find(|(name, _)| name == field) {
            Some((_, carried_ty)) if carried_ty.fits(ty) => continue,
            by_name => {
                // Mapped from another field that fits; a field carried by name with another
                // type must be mapped (the name would be used first).
                if let Some((from, _)) = carried.iter().find(|(_, t)| t.fits(ty)) {
                    map.push((field.clone(), from.clone()));
                    continue;
                }
                if by_name.is_some() {
                    return None;
                }
                let optional = matches!(ty, Ty::Option(_));
                if !(optional || (field == id_field && new_id)) {
                    return None;
                }
            }
        }
    }
    Some(map)
}

/// `/orders/{id}/x` → `/orders/{}/x`.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A section that may be left out when empty, or written as an empty table.
fn section(table: Table) -> Value {
    if table.entries.is_empty() {
        Value::Alt(vec![Value::Absent, Value::Table(table)])
    } else {
        Value::Table(table)
    }
}

/// `low..=high` distinct names of `pool` (fewer when the pool is small), in pool order after a
/// shuffle.
fn distinct(c: &mut Choices, pool: &[&str], low: usize, high: usize) -> Vec<String> {
    let mut all: Vec<String> = pool.iter().map(|s| (*s).to_owned()).collect();
    c.shuffle(&mut all);
    let count = c.between(low, high).min(all.len());
    all.truncate(count);
    all
}

struct Scope<'a> {
    enums: &'a [String],
    value_objects: &'a [String],
    entities: &'a [String],
    ids: &'a [String],
}
