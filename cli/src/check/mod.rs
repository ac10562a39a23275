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
mod examples;
mod fields;
mod lifecycle;
mod names;
mod policies;
mod read_models;
mod routes;
mod structs;
mod subscriptions;
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
/// four spaces that make an indented code block. Lines that continue a list item or a quote
/// are indented to the item or marked `>` ([`Continuations`]), as clippy's
/// `doc_lazy_continuation` and `doc_overindented_list_items` want.
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
    let mut blocks = Continuations::default();
    for line in text.split('\n') {
        let line = line.trim_end();
        let content = line.trim_start();
        let indent = &line[..line.len() - content.len()];
        let marker = ["```", "~~~"].into_iter().find(|m| content.starts_with(m));
        match (fence, marker) {
            (None, Some(marker)) => {
                fence = Some(marker);
                let indent = blocks.fence(indent);
                let info = content.trim_start_matches(marker.chars().next().unwrap_or('`'));
                if is_rust_fence(info) {
                    lines.push(format!("{indent}{marker}text"));
                } else {
                    lines.push(format!("{indent}{content}"));
                }
            }
            (Some(open), Some(marker)) if open == marker => {
                fence = None;
                lines.push(format!("{}{content}", blocks.fence(indent)));
            }
            (Some(_), _) => lines.push(line.to_owned()),
            (None, None) => lines.push(blocks.line(indent, content)),
        }
    }
    while lines.last().is_some_and(|line| line.is_empty()) {
        lines.pop();
    }
    let leading = lines.iter().take_while(|line| line.is_empty()).count();
    lines.drain(..leading);
    lines
}

/// Where a doc string is in its Markdown, line by line outside code fences: in a list item
/// (the column its text starts at) and in its paragraph, or in a quote. A line that continues
/// the paragraph of a list item is indented to the item's column, and one that continues a
/// quote gets its `>` (Markdown reads both the same either way; clippy refuses the lazy form).
/// Indentation stays under four columns past the item's (or the margin), where it would make an
/// indented code block: a doctest.
#[derive(Debug, Default)]
struct Continuations {
    /// The column the text of the innermost list item starts at.
    item: Option<usize>,
    /// The previous line is text of that item's paragraph.
    in_item_paragraph: bool,
    /// The previous line is a quote (`> …`).
    in_quote: bool,
}

impl Continuations {
    /// The line `indent` + `content` (not blank-trimmed on the right, not in a fence).
    fn line(&mut self, indent: &str, content: &str) -> String {
        let width = indent.chars().count();
        if content.is_empty() {
            self.in_item_paragraph = false;
            self.in_quote = false;
            return String::new();
        }
        if self.in_quote && !content.starts_with('>') && !starts_block(content) {
            return format!("{}> {content}", capped(indent));
        }
        self.in_quote = content.starts_with('>');
        if self.in_quote {
            let text = content[1..].trim_start();
            let marker = &content[..content.len() - text.len()];
            return format!("{}{marker}{}", capped(indent), literal_reference(text));
        }
        let limit = self.item.map_or(3, |column| column + 3);
        if let Some(text_at) = list_item(content) {
            let width = width.min(limit);
            self.item = Some(width + text_at);
            self.in_item_paragraph = true;
            let (marker, text) = content.split_at(text_at.min(content.len()));
            let text = literal_reference(text);
            return format!("{}{marker}{text}", " ".repeat(width));
        }
        match self.item {
            Some(column) if self.in_item_paragraph && !starts_block(content) => {
                format!("{}{content}", " ".repeat(column))
            }
            Some(column) if width >= column => {
                self.in_item_paragraph = !starts_block(content);
                format!("{}{content}", " ".repeat(width.min(limit)))
            }
            _ => {
                self.item = None;
                self.in_item_paragraph = false;
                format!("{}{content}", capped(indent))
            }
        }
    }

    /// The indentation of a fence's opening or closing line.
    fn fence(&mut self, indent: &str) -> String {
        let width = indent.chars().count();
        self.in_item_paragraph = false;
        self.in_quote = false;
        match self.item {
            Some(column) if width >= column => " ".repeat(width.min(column + 3)),
            _ => {
                self.item = None;
                capped(indent).to_owned()
            }
        }
    }
}

/// Where the text of a list item starts in `content` when it opens one (`- `, `* `, `+ `,
/// `1. `, `1) `).
fn list_item(content: &str) -> Option<usize> {
    let bytes = content.as_bytes();
    let marker = match bytes.first()? {
        b'-' | b'*' | b'+' => 1,
        b'0'..=b'9' => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 9 || !matches!(bytes.get(digits), Some(b'.' | b')')) {
                return None;
            }
            digits + 1
        }
        _ => return None,
    };
    match bytes.get(marker) {
        None => Some(marker + 1),
        Some(b' ') => {
            let spaces = bytes[marker..].iter().take_while(|b| **b == b' ').count();
            Some(marker + if spaces <= 4 { spaces } else { 1 })
        }
        _ => None,
    }
}

/// `text` with the `[` of a link reference definition (`[x]: https://…`) escaped: in a list
/// item or a quote, clippy refuses one (`doc_nested_refdefs`); escaped, it reads as written.
fn literal_reference(text: &str) -> std::borrow::Cow<'_, str> {
    let definition = text.starts_with('[')
        && text
            .find(']')
            .is_some_and(|end| text[end + 1..].starts_with(':'));
    if definition {
        format!("\\{text}").into()
    } else {
        text.into()
    }
}

/// A line that starts a block of its own rather than continuing a paragraph: a heading, a
/// quote, a thematic break (`---`). (Inline HTML such as `<b>` continues one.)
fn starts_block(content: &str) -> bool {
    let heading = content.starts_with('#')
        && content
            .trim_start_matches('#')
            .chars()
            .next()
            .is_none_or(char::is_whitespace);
    let rule = content.len() >= 3
        && ['-', '*', '_'].iter().any(|c| {
            content.chars().all(|d| d == *c || d == ' ') && content.matches(*c).count() >= 3
        });
    heading || rule || content.starts_with('>')
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
        let subscriptions = subscriptions::check(&mut self, &aggregates, &resolver_declared);
        self.routes(&aggregates, &read_models);
        self.warnings(&aggregates);
        self.policy_cycles(&aggregates, &policies);
        Some(Model {
            context: context?,
            enums,
            value_objects,
            aggregates,
            read_models,
            policies,
            subscriptions,
            homes: Default::default(),
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
    fn doc_lines_continue_list_items_and_quotes() {
        // clippy's doc_lazy_continuation and doc_overindented_list_items.
        assert_eq!(lines("Steps:\n- one\nlazy"), ["Steps:", "- one", "  lazy"]);
        assert_eq!(lines("1. first\nsecond"), ["1. first", "   second"]);
        assert_eq!(lines("- item\n        over"), ["- item", "  over"]);
        assert_eq!(lines("> quote\nlazy"), ["> quote", "> lazy"]);
        assert_eq!(
            lines("> quote\nlazy \n    more\n <b>html</b>"),
            ["> quote", "> lazy", "   > more", " > <b>html</b>"]
        );
        assert_eq!(
            lines("- a\n  - b\n  lazy b\n\nafter"),
            ["- a", "  - b", "    lazy b", "", "after"]
        );
        // A later paragraph of an item keeps its place, under four columns past the item.
        assert_eq!(
            lines("- a\n\n  more\n\n        code?"),
            ["- a", "", "  more", "", "     code?"]
        );
        // Blocks of their own are not continuations.
        assert_eq!(
            lines("- a\n# Heading\n- b\n---"),
            ["- a", "# Heading", "- b", "---"]
        );
        // Not list items.
        assert_eq!(
            lines("*emphasis*\n-5 degrees\n2024 was"),
            ["*emphasis*", "-5 degrees", "2024 was"]
        );
        // A link reference definition in an item or a quote is text (doc_nested_refdefs).
        assert_eq!(
            lines("- [x]: https://example.invalid\n> [y]: z\n\n[z]: top level"),
            [
                "- \\[x]: https://example.invalid",
                "> \\[y]: z",
                "",
                "[z]: top level"
            ]
        );
        // A fence in an item stays in it.
        assert_eq!(
            lines("- a\n  ```\n  x\n  ```\n  b"),
            ["- a", "  ```text", "  x", "  ```", "  b"]
        );
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
