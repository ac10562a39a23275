//! Names and doc strings cannot escape: a name with `../`, `/`, quotes or a line break is
//! refused (E005) with a one-line message; a doc string with `*/`, `"#`, a carriage return, a
//! NUL or tera's `{{`/`{%` becomes `///` lines that say exactly that, and a pattern with them
//! becomes an escaped Rust string literal; the generated crate still parses (syn) and formats
//! (rustfmt). And nothing a spec says makes the writer write outside the project directory.

mod spec_support;

use seedwork_cli::check::check;
use seedwork_cli::diagnostic::SourceFile;
use seedwork_cli::files::FileSet;
use seedwork_cli::render::{render, TemplateSet};
use seedwork_cli::verify::check_and_format;
use seedwork_cli::write::{plan, PlanOptions, WriteError};
use spec_support::invariants::{assert_renders, options, safe_path};
use spec_support::writer::basic;

/// The E005 diagnostics of `text`, as (the spec text they point at, message); asserts that
/// the spec has no model.
fn refused_names(text: &str) -> Vec<(String, String)> {
    let source = SourceFile::new("spec.toml", text);
    let checked = check(&source);
    assert!(checked.model.is_none(), "accepted:\n{text}");
    checked
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "E005")
        .map(|d| (text[d.span.clone()].to_owned(), d.message.clone()))
        .collect()
}

/// A valid spec with `doc` as the doc string of everything that has one, and `pattern` as the
/// pattern of a command field.
fn documented_spec(doc: &str, pattern: &str) -> String {
    let doc = basic(doc);
    let pattern = basic(pattern);
    format!(
        r#"
[context]
name = "shop"
doc = {doc}

[enums.Size]
doc = {doc}
variants = {{ Small = {doc}, Large = "Large." }}

[value_objects.Address]
doc = {doc}
fields.street = {{ type = "String", doc = {doc} }}

[aggregates.Order]
doc = {doc}
fields.note = {{ type = "String", doc = {doc} }}
lifecycle = {{ initial = "Open", states = {{ Open = {doc}, Closed = "Closed." }} }}
entities.Line = {{ doc = {doc}, fields = {{ size = "Size" }} }}
events.OrderPlaced = {{ doc = {doc}, fields = {{ note = {{ type = "String", doc = {doc} }} }} }}
events.OrderClosed = {{ doc = {doc} }}
commands.PlaceOrder = {{ doc = {doc}, creates = true, emits = ["OrderPlaced"], fields = {{ note = {{ type = "String", pattern = {pattern}, doc = {doc} }} }} }}
commands.CloseOrder = {{ doc = {doc}, from = ["Open"], to = "Closed", emits = ["OrderClosed"] }}

[read_models.OrderView]
doc = {doc}
key = "order_id"
fields = {{ order_id = {{ type = "OrderId", doc = {doc} }}, note = "String" }}
updated_by = ["OrderPlaced"]
queries.GetOrderView = {{ doc = {doc} }}

[policies.CloseWhenPlaced]
doc = {doc}
on = "OrderPlaced"
send = "CloseOrder"
"#
    )
}

/// The project of a spec that must check clean, rendered, parsed and formatted.
fn generated(text: &str) -> FileSet {
    let source = SourceFile::new("spec.toml", text);
    let checked = check(&source);
    assert!(
        checked.diagnostics.is_empty(),
        "{}\n{text}",
        checked.diagnostics.to_text(&source)
    );
    let model = checked.model.expect("a model");
    let mut files = assert_renders(&model, text);
    check_and_format(&mut files).expect("parses and formats");
    files
}

/// Every line of every `.rs` file that contains `needle`, trimmed.
fn lines_with<'a>(files: &'a FileSet, needle: &str) -> Vec<(&'a str, &'a str)> {
    files
        .iter()
        .filter(|(path, _)| path.ends_with(".rs"))
        .flat_map(|(path, file)| {
            file.contents
                .lines()
                .filter(move |line| line.contains(needle))
                .map(move |line| (path, line.trim()))
        })
        .collect()
}

/// Whether `line` is `key = "…",` whose right-hand side is one Rust string literal (the
/// OpenAPI document's description, say): text inside it is data, not code.
fn is_string_attribute(line: &str) -> bool {
    line.split_once(" = ")
        .map(|(_, value)| value.trim_end_matches(','))
        .is_some_and(|value| syn::parse_str::<syn::LitStr>(value).is_ok())
}

/// Asserts that `needle` appears in the generated code, and only inside line comments (or
/// as a whole Rust string literal, where it is data).
fn only_in_line_comments(files: &FileSet, needle: &str) {
    let found = lines_with(files, needle);
    assert!(
        found.len() >= 10,
        "`{needle}` is in {} lines only",
        found.len()
    );
    for (path, line) in found {
        assert!(
            line.starts_with("///")
                || line.starts_with("//!")
                || line.starts_with("//")
                || is_string_attribute(line),
            "{path}: `{needle}` outside a line comment: {line}"
        );
    }
}

#[test]
fn a_name_with_dot_dot_slash_is_refused() {
    let text = r#"
[context]
name = "../shop"
[aggregates."../Order"]
events.OrderPlaced = {}
commands.PlaceOrder = { creates = true, emits = ["OrderPlaced"] }
"#;
    let refused = refused_names(text);
    let at: Vec<&str> = refused.iter().map(|(at, _)| at.as_str()).collect();
    assert_eq!(at, [r#""../shop""#, r#""../Order""#], "{refused:?}");
}

#[test]
fn a_name_with_a_slash_is_refused() {
    let text = r#"
[context]
name = "shop"
[value_objects."Nested/Path"]
fields = { "a/b" = "String" }
[aggregates.Order]
entities."Line/Item" = { fields = { x = "String" } }
events.OrderPlaced = {}
commands.PlaceOrder = { creates = true, emits = ["OrderPlaced"] }
"#;
    let refused = refused_names(text);
    let at: Vec<&str> = refused.iter().map(|(at, _)| at.as_str()).collect();
    assert_eq!(
        at,
        [r#""Nested/Path""#, r#""Line/Item""#, r#""a/b""#],
        "{refused:?}"
    );
}

#[test]
fn a_name_with_quotes_is_refused() {
    let text = r#"
[context]
name = "shop"
[enums.Size]
variants = ["Big\"One", "Small"]
[aggregates.Order]
fields = { "a\"b" = "String", "it's" = "String" }
events.OrderPlaced = {}
commands."Place\"Order" = { creates = true, emits = ["OrderPlaced"] }
"#;
    let refused = refused_names(text);
    let messages: Vec<&str> = refused.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(refused.len(), 4, "{messages:#?}");
    assert!(messages
        .iter()
        .any(|m| m.contains(r#"command `Place"Order`"#)));
    assert!(messages.iter().any(|m| m.contains(r#"variant `Big"One`"#)));
    assert!(messages.iter().any(|m| m.contains("field `it's`")));
}

#[test]
fn a_name_with_a_newline_is_refused_in_a_one_line_message() {
    let text = r#"
[context]
name = "shop"
[aggregates.Order]
fields = { "line\nbreak" = "String" }
events."Order\nPlaced" = {}
commands.PlaceOrder = { creates = true, emits = ["Order\nPlaced"] }
"#;
    let refused = refused_names(text);
    assert_eq!(refused.len(), 2, "{refused:?}");
    for (_, message) in &refused {
        assert!(!message.contains('\n'), "{message:?}");
        assert!(message.contains("\\n"), "{message:?}");
    }
}

#[test]
fn a_doc_with_a_comment_end_stays_in_line_comments() {
    let files = generated(&documented_spec("Ends */ here /* and opens", "^[a-z]+$"));
    only_in_line_comments(&files, "Ends */ here /* and opens");
    for (path, line) in lines_with(&files, "*/") {
        assert!(
            line.starts_with("//") || is_string_attribute(line),
            "{path}: {line}"
        );
    }
}

#[test]
fn a_doc_with_a_raw_string_end_stays_in_line_comments() {
    let doc = r###"Ends a raw string: "# and "## and a "quote"."###;
    let files = generated(&documented_spec(doc, "^[a-z]+$"));
    only_in_line_comments(&files, doc);
    // The crate description is a TOML string that reads back as written.
    let manifest: toml::Table = files
        .get("Cargo.toml")
        .expect("a manifest")
        .contents
        .parse()
        .expect("TOML");
    assert_eq!(manifest["package"]["description"].as_str(), Some(doc));
}

#[test]
fn carriage_returns_nuls_and_tabs_in_docs_become_plain_text() {
    let files = generated(&documented_spec(
        "One\rtwo\r\nthree, a NUL \u{0}, a bell \u{7} and a\ttab.",
        "^[a-z]+$",
    ));
    for (path, file) in files.iter() {
        for bad in ['\r', '\u{0}', '\u{7}', '\t'] {
            assert!(!file.contents.contains(bad), "{path} contains {bad:?}");
        }
    }
    // Each line break starts a doc line; the control characters are written out.
    assert!(!lines_with(&files, "/// One").is_empty());
    assert!(!lines_with(&files, "/// two").is_empty());
    only_in_line_comments(&files, r"three, a NUL \u{0}, a bell \u{7} and a    tab.");
}

#[test]
fn tera_delimiters_in_docs_and_patterns_are_text() {
    let doc = "{{ model.context.name }} {% if true %}yes{% endif %} {# a comment #} {{";
    let pattern = r#"^[{{%}}#"\\]+$"#;
    let files = generated(&documented_spec(doc, pattern));
    // Not rendered by tera: the delimiters are in the output as written.
    only_in_line_comments(&files, doc);
    // The pattern is an escaped Rust string literal that reads back as written.
    let order = &files
        .get("src/generated/domain/order.rs")
        .expect("the aggregate")
        .contents;
    let at = order.find("pattern = ").expect("the pattern") + "pattern = ".len();
    let literal = &order[at..order[at..].find(")]").map(|end| at + end).expect("its end")];
    let parsed: syn::LitStr = syn::parse_str(literal).expect("a string literal");
    assert_eq!(parsed.value(), pattern);
}

#[test]
fn nothing_a_spec_says_writes_outside_the_project() {
    // Every path comes from fixed templates and the aggregates' snake_case names, which the
    // checker keeps to `[a-z0-9_]`: every path of a spec with every kind of name is plain.
    let files = generated(&documented_spec("Doc.", "^[a-z]+$"));
    for (path, _) in files.iter() {
        assert!(safe_path(path), "{path}");
    }
    // Were a name to slip past the checker, the writer would still refuse its path.
    let source = SourceFile::new("spec.toml", documented_spec("Doc.", "^[a-z]+$"));
    let mut model = check(&source).model.expect("a model");
    model.aggregates[0].names.snake = "../../escaped".to_owned();
    let files = render(&model, &TemplateSet::embedded(), &options()).expect("renders");
    assert!(files.iter().any(|(path, _)| path.contains("../../escaped")));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path().join("project");
    let error = plan(&root, &files, &PlanOptions { force: false }).expect_err("refused");
    assert!(
        matches!(&error, WriteError::InvalidPath { path, .. } if path.contains("../../escaped")),
        "{error}"
    );
    let written: Vec<_> = std::fs::read_dir(dir.path())
        .expect("reads")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    assert!(written.is_empty(), "{written:?}");
}
