//! A spec as a tree of TOML values, written as text in one of many equivalent layouts: each
//! table as a `[section]`, an inline table or dotted keys; the keys of a table whose order
//! means nothing in any order; each string basic, literal or multi-line; each of several
//! equivalent spellings of a value ([`Value::Alt`]). Every layout of one tree is the same spec.

use super::choices::Choices;

/// A TOML value of a generated spec.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// An array.
    Array(Vec<Value>),
    /// A table.
    Table(Table),
    /// Equivalent spellings of one value: the writer picks one.
    Alt(Vec<Value>),
    /// No value: the key is left out (in an [`Value::Alt`], "the default").
    Absent,
}

/// A table: its entries, and whether their order means something (fields, events, variants
/// are in spec order; the keys of a command are not).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The entries, in spec order.
    pub entries: Vec<(String, Value)>,
    /// True when reordering the entries changes the spec.
    pub ordered: bool,
}

impl Table {
    /// A table whose key order means nothing.
    pub fn keys() -> Self {
        Table::default()
    }

    /// A table whose entries are in spec order.
    pub fn ordered() -> Self {
        Table {
            entries: Vec::new(),
            ordered: true,
        }
    }

    /// Adds an entry (skipped when `value` is [`Value::Absent`]).
    pub fn set(&mut self, key: impl Into<String>, value: Value) -> &mut Self {
        if value != Value::Absent {
            self.entries.push((key.into(), value));
        }
        self
    }

    /// Adds an entry and returns the table.
    pub fn with(mut self, key: impl Into<String>, value: Value) -> Self {
        self.set(key, value);
        self
    }
}

/// A string value.
pub fn s(text: impl Into<String>) -> Value {
    Value::Str(text.into())
}

/// An array of strings.
pub fn strs<S: AsRef<str>>(items: &[S]) -> Value {
    Value::Array(items.iter().map(|item| s(item.as_ref())).collect())
}

/// How a layout writes things; every decision comes from a [`Choices`] stream, so a stream of
/// zeros is the canonical layout.
pub struct Layout<'a> {
    choices: &'a mut Choices,
}

impl<'a> Layout<'a> {
    /// A layout deciding with `choices`.
    pub fn new(choices: &'a mut Choices) -> Self {
        Layout { choices }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Section,
    Inline,
    Dotted,
}

/// The spec `root` as TOML text, laid out as `layout` decides.
pub fn write(root: &Table, layout: &mut Layout<'_>) -> String {
    let mut out = String::new();
    body(&mut out, &[], root, layout);
    out
}

/// The entries of `root` with every [`Value::Alt`] resolved and every [`Value::Absent`]
/// dropped, in the order the layout writes them.
fn resolved(table: &Table, layout: &mut Layout<'_>) -> Vec<(String, Value)> {
    let mut entries: Vec<(String, Value)> = table
        .entries
        .iter()
        .map(|(key, value)| (key.clone(), resolve(value, layout)))
        .filter(|(_, value)| *value != Value::Absent)
        .collect();
    if !table.ordered {
        layout.choices.shuffle(&mut entries);
    }
    entries
}

fn resolve(value: &Value, layout: &mut Layout<'_>) -> Value {
    match value {
        Value::Alt(options) => {
            let pick = layout.choices.below(options.len());
            resolve(&options[pick], layout)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| resolve(v, layout)).collect()),
        other => other.clone(),
    }
}

fn body(out: &mut String, path: &[String], table: &Table, layout: &mut Layout<'_>) {
    let entries = resolved(table, layout);
    // Sections come after everything else of their table: in a table whose order means
    // something, only a run of tables at its end may be written as sections.
    let tables_at_end = entries
        .iter()
        .rev()
        .take_while(|(_, value)| matches!(value, Value::Table(_)))
        .count();
    let first_section = if table.ordered {
        entries.len() - layout.choices.below(tables_at_end + 1)
    } else {
        0
    };
    let mut sections = Vec::new();
    for (i, (key, value)) in entries.into_iter().enumerate() {
        match value {
            Value::Table(sub) => {
                let empty = resolved_is_empty(&sub);
                let may_be_section = i >= first_section;
                let mode = match layout.choices.below(3) {
                    0 if may_be_section => Mode::Section,
                    _ if table.ordered && may_be_section => Mode::Section,
                    2 if !empty => Mode::Dotted,
                    _ => Mode::Inline,
                };
                match mode {
                    Mode::Section => sections.push((key, sub)),
                    Mode::Inline => {
                        out.push_str(&format!(
                            "{} = {}\n",
                            bare_or_quoted(&key),
                            inline(&sub, layout)
                        ));
                    }
                    Mode::Dotted => dotted(out, &[key], &sub, layout),
                }
            }
            other => {
                out.push_str(&format!(
                    "{} = {}\n",
                    bare_or_quoted(&key),
                    scalar(&other, layout, true)
                ));
            }
        }
    }
    for (key, sub) in sections {
        let mut path = path.to_vec();
        path.push(key);
        let header: Vec<String> = path.iter().map(|k| bare_or_quoted(k)).collect();
        out.push_str(&format!("\n[{}]\n", header.join(".")));
        body(out, &path, &sub, layout);
    }
}

/// True when every entry of `table` is absent (an `Alt` may resolve to absent: counted as
/// present, so such tables are never written as dotted keys that could vanish).
fn resolved_is_empty(table: &Table) -> bool {
    table
        .entries
        .iter()
        .all(|(_, value)| *value == Value::Absent)
}

fn dotted(out: &mut String, prefix: &[String], table: &Table, layout: &mut Layout<'_>) {
    let entries = resolved(table, layout);
    if entries.is_empty() {
        let keys: Vec<String> = prefix.iter().map(|k| bare_or_quoted(k)).collect();
        out.push_str(&format!("{} = {{}}\n", keys.join(".")));
        return;
    }
    for (key, value) in entries {
        let mut keys = prefix.to_vec();
        keys.push(key);
        match value {
            Value::Table(sub) if layout.choices.chance(50) => dotted(out, &keys, &sub, layout),
            other => {
                let written: Vec<String> = keys.iter().map(|k| bare_or_quoted(k)).collect();
                let value = match &other {
                    Value::Table(sub) => inline(sub, layout),
                    _ => scalar(&other, layout, true),
                };
                out.push_str(&format!("{} = {value}\n", written.join(".")));
            }
        }
    }
}

fn inline(table: &Table, layout: &mut Layout<'_>) -> String {
    let entries = resolved(table, layout);
    if entries.is_empty() {
        return "{}".to_owned();
    }
    let written: Vec<String> = entries
        .into_iter()
        .map(|(key, value)| {
            let value = match &value {
                Value::Table(sub) => inline(sub, layout),
                _ => scalar(&value, layout, false),
            };
            format!("{} = {value}", bare_or_quoted(&key))
        })
        .collect();
    format!("{{ {} }}", written.join(", "))
}

fn scalar(value: &Value, layout: &mut Layout<'_>, multiline_ok: bool) -> String {
    match value {
        Value::Str(text) => string(text, layout, multiline_ok),
        Value::Int(n) => n.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|v| scalar(v, layout, false)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Table(table) => inline(table, layout),
        Value::Alt(_) | Value::Absent => unreachable!("resolved before writing"),
    }
}

fn string(text: &str, layout: &mut Layout<'_>, multiline_ok: bool) -> String {
    let literal_ok =
        !text.contains(['\'', '\n', '\r']) && !text.chars().any(|c| c.is_control() && c != '\t');
    match layout.choices.below(3) {
        1 if literal_ok => format!("'{text}'"),
        2 if multiline_ok => {
            let mut out = String::from("\"\"\"\n");
            for c in text.chars() {
                match c {
                    '\n' => out.push('\n'),
                    _ => escape_into(&mut out, c),
                }
            }
            out.push_str("\"\"\"");
            out
        }
        _ => basic(text),
    }
}

/// A TOML basic string.
pub fn basic(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        escape_into(&mut out, c);
    }
    out.push('"');
    out
}

fn escape_into(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
        c => out.push(c),
    }
}

fn bare_or_quoted(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_owned()
    } else {
        basic(key)
    }
}
