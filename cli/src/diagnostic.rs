//! Spec diagnostics: every mistake in one run, each with a stable code, the exact place and,
//! where one exists, the near miss the author probably meant.
//!
//! The checker collects [`Diagnostic`]s into [`Diagnostics`]; the CLI edge renders them with
//! miette (source line, marker under the value) or as JSON for editors and tools.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The spec cannot be generated.
    Error,
    /// The spec generates, but probably not as meant.
    Warning,
}

/// The stable diagnostic codes. A code never changes meaning once released, so tools and
/// editors may match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Code {
    /// E001: the file is not valid TOML.
    TomlSyntax,
    /// E002: a key the format does not know.
    UnknownKey,
    /// E003: a value of the wrong TOML type (a string where a table belongs, …).
    WrongValueType,
    /// E004: a required key is missing.
    MissingKey,
    /// E005: a name that is not a Rust identifier, is a keyword, or is in the wrong case.
    InvalidName,
    /// E006: one name declared twice.
    DuplicateName,
    /// E007: two names that become the same after case conversion.
    CaseCollision,
    /// E008: a type that is neither built in nor declared.
    UnknownType,
    /// E009: an event that is not declared (or not in the aggregate that emits it).
    UnknownEvent,
    /// E010: a command that is not declared.
    UnknownCommand,
    /// E011: a lifecycle state that is not declared.
    UnknownState,
    /// E012: a field that the referenced item does not have.
    UnknownField,
    /// E013: a value object that contains itself.
    RecursiveType,
    /// E014: a creating command with `from` states.
    CreatingCommandWithFrom,
    /// E015: a read-model key that an updating event does not carry.
    KeyNotCarried,
    /// E016: a constraint on a type it does not apply to.
    ConstraintOnWrongType,
    /// E017: a minimum greater than its maximum.
    MinGreaterThanMax,
    /// E018: an aggregate used as a field type; aggregates are referenced by id.
    AggregateByValue,
    /// E019: a value that is not one of the allowed ones, or is malformed.
    InvalidValue,
    /// E020: an event field that the emitting command cannot fill.
    UnfillableEventField,
    /// E021: an event that leads to two different lifecycle states.
    ConflictingState,
    /// E022: a policy that cannot fill a field of the command it sends.
    UnfillableCommandField,
    /// E023: `from`/`to` on an aggregate without a lifecycle, or a bad lifecycle.
    InvalidLifecycle,
    /// E024: two routes with the same method and path.
    DuplicateRoute,
    /// E025: a field of the same name with a different type where the generator copies by name.
    TypeMismatch,
    /// W001: an event no command emits.
    EventNeverEmitted,
    /// W002: a command that emits nothing.
    CommandEmitsNothing,
    /// W003: a state no command leads to.
    UnreachableState,
    /// W004: an event field nothing fills, left at its default.
    DefaultedEventField,
    /// W005: a read model no event updates.
    ReadModelNeverUpdated,
    /// W006: a redundant setting.
    Redundant,
    /// W007: policies that form a cycle nothing in the spec ends.
    PolicyCycle,
}

impl Code {
    /// The code as printed (`E008`).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::TomlSyntax => "E001",
            Code::UnknownKey => "E002",
            Code::WrongValueType => "E003",
            Code::MissingKey => "E004",
            Code::InvalidName => "E005",
            Code::DuplicateName => "E006",
            Code::CaseCollision => "E007",
            Code::UnknownType => "E008",
            Code::UnknownEvent => "E009",
            Code::UnknownCommand => "E010",
            Code::UnknownState => "E011",
            Code::UnknownField => "E012",
            Code::RecursiveType => "E013",
            Code::CreatingCommandWithFrom => "E014",
            Code::KeyNotCarried => "E015",
            Code::ConstraintOnWrongType => "E016",
            Code::MinGreaterThanMax => "E017",
            Code::AggregateByValue => "E018",
            Code::InvalidValue => "E019",
            Code::UnfillableEventField => "E020",
            Code::ConflictingState => "E021",
            Code::UnfillableCommandField => "E022",
            Code::InvalidLifecycle => "E023",
            Code::DuplicateRoute => "E024",
            Code::TypeMismatch => "E025",
            Code::EventNeverEmitted => "W001",
            Code::CommandEmitsNothing => "W002",
            Code::UnreachableState => "W003",
            Code::DefaultedEventField => "W004",
            Code::ReadModelNeverUpdated => "W005",
            Code::Redundant => "W006",
            Code::PolicyCycle => "W007",
        }
    }

    /// Errors start with `E`, warnings with `W`.
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding about the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of finding.
    pub code: Code,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The byte range of the offending value in the spec.
    pub span: Range<usize>,
    /// The text shown under the marker.
    pub label: Option<String>,
    /// How to fix it ("did you mean `OrderPlaced`?").
    pub help: Option<String>,
    /// The part of the value at `span` the finding is about (`PizzaLin` in `"Vec<PizzaLin>"`);
    /// [`Diagnostics::focus_spans`] narrows the span to it.
    pub focus: Option<String>,
}

impl Diagnostic {
    /// A finding at `span`.
    ///
    /// Control characters in the message (a name with a newline, say) are escaped, so a
    /// diagnostic is always one line.
    pub fn new(code: Code, span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: one_line(message.into()),
            span,
            label: None,
            help: None,
            focus: None,
        }
    }

    /// Adds the text shown under the marker.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(one_line(label.into()));
        self
    }

    /// Adds a suggestion.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(one_line(help.into()));
        self
    }

    /// Adds a suggestion unless there already is one.
    pub fn help_or(self, help: impl Into<String>) -> Self {
        if self.help.is_some() {
            self
        } else {
            self.help(help)
        }
    }

    /// Points at `part` of the value rather than at all of it, when the value is written
    /// verbatim (a quoted string without escapes) and `part` occurs in it as a whole word.
    pub fn focus(mut self, part: impl Into<String>) -> Self {
        self.focus = Some(part.into());
        self
    }

    /// Adds "did you mean `x`?" when there is a near miss.
    pub fn suggest(self, near_miss: Option<&str>) -> Self {
        match near_miss {
            Some(name) => self.help(format!("did you mean `{name}`?")),
            None => self,
        }
    }

    /// How bad it is.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

/// A spec's source, for positions and rendering.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file name as given on the command line.
    pub name: String,
    /// The whole text.
    pub text: String,
}

impl SourceFile {
    /// A source named `name`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    ///
    /// ```
    /// use seedwork_cli::diagnostic::SourceFile;
    /// let source = SourceFile::new("domain.toml", "[context]\nname = \"pizzeria\"\n");
    /// assert_eq!(source.line_column(17), (2, 8));
    /// ```
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }
}

/// `text` with control characters escaped (`\n`, `\u{7}`), everything else as is.
fn one_line(text: String) -> String {
    if !text.chars().any(char::is_control) {
        return text;
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The range of `part` in the verbatim string literal at `span` of `text`, when it occurs there
/// as a whole word.
fn narrowed(text: &str, span: &Range<usize>, part: &str) -> Option<Range<usize>> {
    let literal = text.get(span.clone())?;
    let quote = literal.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    if literal.len() < 2 || !literal.ends_with(quote) || literal.contains('\\') {
        return None;
    }
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let inner = &literal[1..literal.len() - 1];
    let at = inner.match_indices(part).map(|(at, _)| at).find(|&at| {
        let before = inner[..at].chars().next_back();
        let after = inner[at + part.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })?;
    let start = span.start + 1 + at;
    Some(start..start + part.len())
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Every diagnostic of one run, in the order found.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a finding.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.list.push(diagnostic);
    }

    /// Narrows the span of every finding with a [`Diagnostic::focus`] to that part of its
    /// value, where the value is written verbatim in `text`.
    ///
    /// ```
    /// use seedwork_cli::diagnostic::{Code, Diagnostic, Diagnostics};
    /// let text = r#"pizzas = "Vec<PizzaLin>""#;
    /// let mut diagnostics = Diagnostics::default();
    /// diagnostics.push(Diagnostic::new(Code::UnknownType, 9..24, "unknown type").focus("PizzaLin"));
    /// diagnostics.focus_spans(text);
    /// assert_eq!(&text[diagnostics.iter().next().expect("one").span.clone()], "PizzaLin");
    /// ```
    pub fn focus_spans(&mut self, text: &str) {
        for diagnostic in &mut self.list {
            if let Some(part) = diagnostic.focus.take() {
                if let Some(span) = narrowed(text, &diagnostic.span, &part) {
                    diagnostic.span = span;
                }
            }
        }
    }

    /// Every finding in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.list.iter()
    }

    /// True when at least one finding is an error.
    pub fn has_errors(&self) -> bool {
        self.list.iter().any(|d| d.severity() == Severity::Error)
    }

    /// Every finding, errors first, each group in the order of the spec.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut sorted: Vec<&Diagnostic> = self.list.iter().collect();
        sorted.sort_by_key(|d| (d.severity(), d.span.start, d.span.end));
        sorted
    }

    /// How many findings there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when the spec is clean.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// How many errors and warnings.
    pub fn counts(&self) -> (usize, usize) {
        let errors = self
            .list
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .count();
        (errors, self.list.len() - errors)
    }

    /// The findings as JSON objects for tools: code, severity, message, file, line, column,
    /// end line and column, byte span, label and help.
    pub fn to_json(&self, source: &SourceFile) -> serde_json::Value {
        let items: Vec<serde_json::Value> = self
            .sorted()
            .into_iter()
            .map(|d| {
                let (line, column) = source.line_column(d.span.start);
                let (end_line, end_column) = source.line_column(d.span.end);
                serde_json::json!({
                    "code": d.code.as_str(),
                    "severity": d.severity(),
                    "message": d.message,
                    "file": source.name,
                    "line": line,
                    "column": column,
                    "end_line": end_line,
                    "end_column": end_column,
                    "span": { "start": d.span.start, "end": d.span.end },
                    "label": d.label,
                    "help": d.help,
                })
            })
            .collect();
        let (errors, warnings) = self.counts();
        serde_json::json!({ "diagnostics": items, "errors": errors, "warnings": warnings })
    }

    /// The findings as text: `file:line:col: error[E008]: message`, the source line, a marker
    /// under the value, and the help. Plain text without colours, stable for snapshots.
    pub fn to_text(&self, source: &SourceFile) -> String {
        let mut out = String::new();
        for d in self.sorted() {
            let (line, column) = source.line_column(d.span.start);
            let severity = match d.severity() {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            out.push_str(&format!(
                "{}:{line}:{column}: {severity}[{}]: {}\n",
                source.name, d.code, d.message
            ));
            let text = source.text.lines().nth(line - 1).unwrap_or_default();
            let gutter = line.to_string().len();
            out.push_str(&format!("{:gutter$} |\n", ""));
            out.push_str(&format!("{line} | {text}\n"));
            let start = column - 1;
            let width = marker_width(source, d, line, text).max(1);
            let label = d
                .label
                .as_deref()
                .map(|l| format!(" {l}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "{:gutter$} | {}{}{label}\n",
                "",
                " ".repeat(start),
                "^".repeat(width)
            ));
            if let Some(help) = &d.help {
                out.push_str(&format!("{:gutter$} = help: {help}\n", ""));
            }
            out.push('\n');
        }
        let (errors, warnings) = self.counts();
        out.push_str(&format!("{errors} error(s), {warnings} warning(s)\n"));
        out
    }
}

/// How many characters of the diagnostic's span lie on its first line.
fn marker_width(source: &SourceFile, d: &Diagnostic, line: usize, text: &str) -> usize {
    let (end_line, end_column) = source.line_column(d.span.end);
    let (_, start_column) = source.line_column(d.span.start);
    if end_line == line {
        end_column.saturating_sub(start_column)
    } else {
        text.chars().count().saturating_sub(start_column - 1)
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter()
    }
}

/// A diagnostic ready for miette's graphical renderer.
#[derive(Debug)]
pub struct Rendered {
    diagnostic: Diagnostic,
    source: miette::NamedSource<String>,
}

impl Rendered {
    /// Pairs a diagnostic with its source.
    pub fn new(diagnostic: Diagnostic, source: &SourceFile) -> Self {
        Rendered {
            diagnostic,
            source: miette::NamedSource::new(source.name.clone(), source.text.clone()),
        }
    }
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity() {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = &self.diagnostic.span;
        let label = miette::LabeledSpan::new_with_span(
            self.diagnostic.label.clone(),
            (span.start, span.end.saturating_sub(span.start)),
        );
        Some(Box::new(std::iter::once(label)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_stay_on_one_line() {
        let d = Diagnostic::new(Code::InvalidName, 0..1, "field `line\nbreak`")
            .label("a\rb")
            .help("tab\there");
        assert_eq!(d.message, "field `line\\nbreak`");
        assert_eq!(d.label.as_deref(), Some("a\\rb"));
        assert_eq!(d.help.as_deref(), Some("tab\\there"));
    }

    #[test]
    fn focus_narrows_to_a_whole_word_of_a_verbatim_string() {
        let text = r#"a = "Vec<Line>", b = "Map<String, Lines>", c = "x\"Line""#;
        let span = |needle: &str| {
            let start = text.find(needle).expect("in the text");
            start..start + needle.len()
        };
        let a = span(r#""Vec<Line>""#);
        assert_eq!(narrowed(text, &a, "Line").map(|r| &text[r]), Some("Line"));
        // `Line` is not a whole word of `Lines`.
        let b = span(r#""Map<String, Lines>""#);
        assert_eq!(narrowed(text, &b, "Line"), None);
        assert_eq!(narrowed(text, &b, "Lines").map(|r| &text[r]), Some("Lines"));
        // A string with escapes is not verbatim: offsets in the value are not offsets in the text.
        let c = span(r#""x\"Line""#);
        assert_eq!(narrowed(text, &c, "Line"), None);
        // A key or a bare value is left alone.
        assert_eq!(narrowed(text, &(0..1), "a"), None);
    }

    #[test]
    fn line_columns_count_characters() {
        let source = SourceFile::new("x.toml", "a = \"é\"\nb = 1\n");
        assert_eq!(source.line_column(0), (1, 1));
        assert_eq!(source.line_column(5), (1, 6));
        // Inside `é`: the character's start.
        assert_eq!(source.line_column(6), (1, 6));
        assert_eq!(source.line_column(7), (1, 7));
        assert_eq!(source.line_column(9), (2, 1));
        assert_eq!(source.line_column(1000), (3, 1));
    }
}
