//! Checking a spec: raw spec → validated [`Model`], with every mistake collected.
//!
//! The checker runs in passes so one mistake gives one message: declare every name (and check
//! it), resolve types, then the parts that refer to each other (commands → events and states,
//! read models → events, policies → events and commands), then the warnings. A part whose
//! own declaration is broken is left out of later passes rather than reported again.

mod aggregates;
mod commands;
mod constraints;
mod containment;
mod fields;
mod lifecycle;
mod names;
mod policies;
mod read_models;
mod routes;
mod structs;
mod types;
mod warnings;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diagnostic::{Code, Diagnostic, Diagnostics, SourceFile};
use crate::model::*;
use crate::names::{closest, names as all_names};
use crate::spec::raw::*;

use routes::http_route;
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
        diagnostics.focus_spans(&source.text);
        return Checked {
            model: None,
            diagnostics,
        };
    }
    let model = Checker::new(&raw, &mut diagnostics).run();
    diagnostics.focus_spans(&source.text);
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

/// Documentation lines of an optional doc string, safe to print after `///`.
///
/// Every line break (`\n`, `\r\n` or a lone `\r`, which rustc refuses in a doc comment) starts a
/// new line; trailing blanks and blank lines at either end are dropped. A tab becomes four
/// spaces (clippy's `tabs_in_doc_comments`), and any other control character (a NUL, which
/// makes tools take the file for binary, a bell, …) is written out as `\u{…}`. A code block in
/// a doc comment would become a doctest of the generated crate, so a fence without a language
/// (or with a Rust one) is marked `text`, and indentation outside fences is capped below the
/// four spaces that make an indented code block.
pub(crate) fn doc_lines(doc: Option<&Sp<String>>) -> Vec<String> {
    let Some(doc) = doc else {
        return Vec::new();
    };
    let text: String = doc
        .value
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\t', "    ")
        .chars()
        .map(|c| match c {
            '\n' => c.to_string(),
            c if c.is_control() => format!("\\u{{{:X}}}", u32::from(c)),
            c => c.to_string(),
        })
        .collect();
    let mut fence: Option<&str> = None;
    let mut lines: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let line = line.trim_end();
        let content = line.trim_start();
        let indent = &line[..line.len() - content.len()];
        let marker = ["```", "~~~"].into_iter().find(|m| content.starts_with(m));
        match (fence, marker) {
            (None, Some(marker)) => {
                fence = Some(marker);
                let info = content.trim_start_matches(marker.chars().next().unwrap_or('`'));
                if is_rust_fence(info) {
                    lines.push(format!("{}{marker}text", capped(indent)));
                    continue;
                }
            }
            (Some(open), Some(marker)) if open == marker => fence = None,
            (Some(_), _) => {
                lines.push(line.to_owned());
                continue;
            }
            (None, None) => {}
        }
        lines.push(format!("{}{content}", capped(indent)));
    }
    while lines.last().is_some_and(|line| line.is_empty()) {
        lines.pop();
    }
    let leading = lines.iter().take_while(|line| line.is_empty()).count();
    lines.drain(..leading);
    lines
}

/// Indentation of at most three columns: four would make an indented (Rust) code block.
fn capped(indent: &str) -> &str {
    let width: usize = indent.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum();
    if width < 4 {
        indent
    } else {
        "   "
    }
}

/// True when rustdoc may compile the code block a fence with this info string opens: it has no
/// language, or any of its words is one rustdoc reads as Rust (`python,rust` is Rust to
/// rustdoc, and so, depending on the order, is `python,no_run`).
fn is_rust_fence(info: &str) -> bool {
    const RUST: &[&str] = &[
        "rust",
        "ignore",
        "no_run",
        "should_panic",
        "compile_fail",
        "test_harness",
        "standalone_crate",
    ];
    let mut tokens = info
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|token| !token.is_empty())
        .peekable();
    if tokens.peek().is_none() {
        return true;
    }
    tokens.any(|token| {
        RUST.contains(&token)
            || token.starts_with("edition")
            || token.starts_with("ignore-")
            || (token.len() == 5
                && token.starts_with('E')
                && token[1..].chars().all(|c| c.is_ascii_digit()))
    })
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
        self.containment_cycles();
        let aggregates: Vec<Aggregate> = self
            .raw
            .aggregates
            .iter()
            .map(|aggregate| self.aggregate(aggregate, &resolver_declared))
            .collect();
        let read_models = read_models::check(&mut self, &aggregates, &resolver_declared);
        let policies = policies::check(&mut self, &aggregates);
        self.routes(&aggregates, &read_models);
        self.warnings(&aggregates);
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
            // Cargo's versions: three numbers of digits only (no `+`, as `u64::from_str`
            // would take), without leading zeros, each fitting in 64 bits.
            let number = |p: &&str| {
                p.bytes().all(|b| b.is_ascii_digit())
                    && !(p.len() > 1 && p.starts_with('0'))
                    && p.parse::<u64>().is_ok()
            };
            let parts: Vec<&str> = v.value.split('.').collect();
            if parts.len() != 3 || !parts.iter().all(number) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(doc: &str) -> Vec<String> {
        doc_lines(Some(&Sp::new(doc.to_owned(), 0..0)))
    }

    #[test]
    fn doc_lines_split_at_every_line_break() {
        assert_eq!(
            lines("one\ntwo\r\nthree\rfour"),
            ["one", "two", "three", "four"]
        );
        assert_eq!(lines("\n\n  An order.  \n\n"), ["  An order."]);
        assert_eq!(lines("a\n\nb"), ["a", "", "b"]);
        assert!(lines("").is_empty());
        assert!(doc_lines(None).is_empty());
    }

    #[test]
    fn doc_lines_never_make_a_doctest() {
        assert_eq!(
            lines("Example:\n```\nlet x = 1;\n```"),
            ["Example:", "```text", "let x = 1;", "```"]
        );
        assert_eq!(lines("```rust,no_run\nx\n```")[0], "```text");
        assert_eq!(lines("~~~\nx\n~~~")[0], "~~~text");
        // Another language is not compiled: left alone, and so is indentation inside it.
        assert_eq!(
            lines("```toml\n    a = 1\n```"),
            ["```toml", "    a = 1", "```"]
        );
        // Four spaces (or a tab) outside a fence would start an indented code block.
        assert_eq!(
            lines("Text\n\n    code()\n\tmore()\n  - item"),
            ["Text", "", "   code()", "   more()", "  - item"]
        );
        // Any Rust word makes a fence Rust to rustdoc, whatever else it says.
        assert_eq!(lines("```python,rust\nx\n```")[0], "```text");
        assert_eq!(lines("```sh no_run\nx\n```")[0], "```text");
        assert_eq!(lines("```E0308\nx\n```")[0], "```text");
        assert_eq!(lines("```python\nx\n```")[0], "```python");
    }

    #[test]
    fn a_version_is_one_cargo_accepts() {
        let errors = |version: &str| {
            let text = format!(
                "[context]\nname = \"shop\"\nversion = \"{version}\"\n[aggregates.Order]\n\
                 events.OrderPlaced = {{}}\ncommands.PlaceOrder = {{ creates = true, emits = [\"OrderPlaced\"] }}\n"
            );
            let checked = check(&SourceFile::new("spec.toml", text));
            checked
                .diagnostics
                .iter()
                .map(|d| d.code.as_str())
                .collect::<Vec<_>>()
        };
        for good in ["0.1.0", "1.2.3", "10.0.18446744073709551615"] {
            assert!(errors(good).is_empty(), "{good}");
        }
        // `u64::from_str` takes a `+`; Cargo takes no `+` and no leading zero.
        for bad in [
            "+1.0.0",
            "1.+2.3",
            "01.2.3",
            "1.2.03",
            "1.2",
            "1.2.3.4",
            "1.2.x",
            "1..3",
            "1.2.18446744073709551616",
        ] {
            assert_eq!(errors(bad), ["E019"], "{bad}");
        }
    }

    #[test]
    fn doc_lines_have_no_tab_and_no_control_character() {
        // clippy's `tabs_in_doc_comments` fails a generated crate on a tab, inside a fence too.
        assert_eq!(
            lines("a\tb\n```toml\n\tx = 1\n```"),
            ["a    b", "```toml", "    x = 1", "```"]
        );
        // A NUL makes git and editors take the generated file for binary.
        assert_eq!(
            lines("a \u{0} b \u{7} c \u{9B} d"),
            ["a \\u{0} b \\u{7} c \\u{9B} d"]
        );
        // Line breaks still break lines; other text stays as written.
        assert_eq!(lines("é\u{2028}x\r\ny"), ["é\u{2028}x", "y"]);
    }
}
