//! What must hold for every spec the checker sees, whatever the bytes:
//!
//! - checking never panics, and neither does printing the report (text, JSON, miette);
//! - every diagnostic has a valid position: its span lies within the source, on character
//!   boundaries, with its end not before its start, and its line and column (start and end)
//!   exist in the source; its message, label and help are one non-empty line each;
//! - there is a model exactly when there is no error;
//! - a spec the checker accepts renders, and every rendered `.rs` file parses with syn (and
//!   the `.toml` files as TOML), at a path that stays inside the project directory.

use seedwork_cli::check::{check, Checked};
use seedwork_cli::diagnostic::{Diagnostics, Rendered, SourceFile};
use seedwork_cli::files::FileSet;
use seedwork_cli::model::Model;
use seedwork_cli::render::{render, RenderOptions, TemplateSet};

/// Checks `text` and asserts every invariant of the report (not rendering: see
/// [`assert_renders`]).
pub fn check_text(text: &str) -> (SourceFile, Checked) {
    let source = SourceFile::new("spec.toml", text);
    let checked = check(&source);
    if let Err(problem) = positions(&source, &checked.diagnostics) {
        panic!("{problem}\n--- spec ---\n{text}\n--- end ---");
    }
    assert_eq!(
        checked.model.is_some(),
        !checked.diagnostics.has_errors(),
        "a model exactly when there is no error:\n{}",
        checked.diagnostics.to_text(&source)
    );
    let _ = checked.diagnostics.to_text(&source);
    let _ = checked.diagnostics.to_json(&source).to_string();
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    for diagnostic in checked.diagnostics.iter() {
        let mut out = String::new();
        let rendered = Rendered::new(diagnostic.clone(), &source);
        handler
            .render_report(&mut out, &rendered)
            .expect("miette renders the diagnostic");
    }
    (source, checked)
}

/// Why some diagnostic of `diagnostics` has no valid position in `source`, if one has not.
pub fn positions(source: &SourceFile, diagnostics: &Diagnostics) -> Result<(), String> {
    let text = source.text.as_str();
    let lines: Vec<&str> = text.split('\n').collect();
    for d in diagnostics.iter() {
        let what = format!("{} {:?} {:?}", d.code, d.span, d.message);
        let span = &d.span;
        if span.start > span.end {
            return Err(format!("{what}: the span ends before it starts"));
        }
        if span.end > text.len() {
            return Err(format!(
                "{what}: the span ends past the source ({} bytes)",
                text.len()
            ));
        }
        if !text.is_char_boundary(span.start) || !text.is_char_boundary(span.end) {
            return Err(format!("{what}: the span is not on character boundaries"));
        }
        for offset in [span.start, span.end] {
            let (line, column) = source.line_column(offset);
            let Some(content) = line.checked_sub(1).and_then(|i| lines.get(i)) else {
                return Err(format!(
                    "{what}: line {line} of {} at byte {offset}",
                    lines.len()
                ));
            };
            let width = content.chars().count();
            if column == 0 || column > width + 1 {
                return Err(format!(
                    "{what}: column {column} of a {width}-character line {line} at byte {offset}"
                ));
            }
        }
        let (start_line, start_column) = source.line_column(span.start);
        let (end_line, end_column) = source.line_column(span.end);
        if (end_line, end_column) < (start_line, start_column) {
            return Err(format!("{what}: the end is before the start"));
        }
        let texts = [Some(&d.message), d.label.as_ref(), d.help.as_ref()];
        for part in texts.into_iter().flatten() {
            if part.is_empty() || part.chars().any(char::is_control) {
                return Err(format!("{what}: {part:?} is not one non-empty line"));
            }
        }
    }
    Ok(())
}

/// The options the property tests and fuzz targets render with.
pub fn options() -> RenderOptions {
    RenderOptions {
        runtime_dependency: r#"{ path = "../runtime", features = ["sqlite"] }"#.to_owned(),
    }
}

/// Renders `model` with the embedded templates and checks the result: it renders, every file
/// parses (syn, TOML) and every path is a plain relative path inside the project. Not
/// formatted: that runs rustfmt, a process per call (see `verify::check_and_format`).
pub fn assert_renders(model: &Model, text: &str) -> FileSet {
    let files = render(model, &TemplateSet::embedded(), &options())
        .unwrap_or_else(|error| panic!("an accepted spec does not render: {error}\n{text}"));
    if let Err(error) = seedwork_cli::verify::check(&files) {
        panic!("an accepted spec renders code that does not parse: {error}\n--- spec ---\n{text}");
    }
    for (path, _) in files.iter() {
        assert!(
            safe_path(path),
            "an accepted spec renders to `{path}`\n{text}"
        );
    }
    files
}

/// A relative path of plain components (`[a-z0-9_.-]`, not `.` or `..`) with `/` between them.
pub fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|component| {
            !component.is_empty()
                && component != "."
                && component != ".."
                && component
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
}

/// Renders `model` with the embedded templates, without checking the output.
pub fn render_only(model: &Model) -> FileSet {
    render(model, &TemplateSet::embedded(), &options()).expect("renders")
}
