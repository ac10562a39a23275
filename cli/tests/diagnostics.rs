//! The diagnostics corpus: every spec under `tests/specs/invalid/` holds one or more deliberate
//! mistakes; the checker's report of each is a snapshot (`tests/snapshots/`). A snapshot change
//! is a behaviour change: review it like code (position, marker, message, help, no cascades).
//!
//! Files named `wNN-*` are warning-only: they check with warnings, no error, and a model. Every
//! other file must report at least one error. Update the snapshots with
//! `INSTA_UPDATE=always cargo test -p seedwork-cli --test diagnostics` and read the diff.

use std::path::{Path, PathBuf};

use seedwork_cli::check::{check, Checked};
use seedwork_cli::diagnostic::{Code, Severity, SourceFile};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/invalid")
}

/// Every corpus spec, sorted by file name, as (file name, text).
fn corpus() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(corpus_dir())
        .expect("the corpus directory")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .map(|path| {
            let name = path
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("a readable spec");
            (name, text)
        })
        .collect();
    files.sort();
    files
}

fn checked(name: &str, text: &str) -> (SourceFile, Checked) {
    let source = SourceFile::new(name, text);
    let checked = check(&source);
    (source, checked)
}

#[test]
fn corpus_snapshots() {
    let corpus = corpus();
    assert!(corpus.len() >= 30, "the corpus has {} specs", corpus.len());
    for (name, text) in &corpus {
        let (source, checked) = checked(name, text);
        let snapshot = name.trim_end_matches(".toml");
        insta::assert_snapshot!(snapshot, checked.diagnostics.to_text(&source));
    }
}

#[test]
fn every_spec_says_what_it_tests() {
    for (name, text) in corpus() {
        assert!(
            text.starts_with("# Tests"),
            "{name} must start with a `# Tests…` comment line"
        );
    }
}

#[test]
fn error_specs_fail_and_warning_specs_pass_with_warnings() {
    for (name, text) in corpus() {
        let (source, checked) = checked(&name, &text);
        let (errors, warnings) = checked.diagnostics.counts();
        let report = checked.diagnostics.to_text(&source);
        if name.starts_with('w') {
            assert_eq!(errors, 0, "{name} is warning-only:\n{report}");
            assert!(warnings >= 1, "{name} has no warning");
            assert!(checked.model.is_some(), "{name} has no model");
        } else {
            assert!(errors >= 1, "{name} reports no error:\n{report}");
            assert!(checked.model.is_none(), "{name} has a model despite errors");
        }
    }
}

#[test]
fn spans_lie_within_the_source() {
    for (name, text) in corpus() {
        let (source, checked) = checked(&name, &text);
        for d in checked.diagnostics.iter() {
            let what = format!("{name}: {} {:?} {}", d.code, d.span, d.message);
            assert!(d.span.start <= d.span.end, "{what}: reversed span");
            assert!(d.span.end <= text.len(), "{what}: past the end");
            assert!(text.is_char_boundary(d.span.start), "{what}: start");
            assert!(text.is_char_boundary(d.span.end), "{what}: end");
            let (line, column) = source.line_column(d.span.start);
            assert!(line >= 1 && column >= 1, "{what}: {line}:{column}");
            assert!(!d.message.is_empty(), "{what}: no message");
        }
    }
}

/// Every code is exercised by at least one corpus spec.
#[test]
fn corpus_covers_every_code() {
    let mut seen = std::collections::BTreeSet::new();
    for (name, text) in corpus() {
        let (_, checked) = checked(&name, &text);
        seen.extend(checked.diagnostics.iter().map(|d| d.code.as_str()));
    }
    let missing: Vec<&str> = ALL_CODES
        .iter()
        .map(|code| code.as_str())
        .filter(|code| !seen.contains(code))
        .collect();
    assert!(missing.is_empty(), "no corpus spec reports {missing:?}");
}

const ALL_CODES: &[Code] = &[
    Code::TomlSyntax,
    Code::UnknownKey,
    Code::WrongValueType,
    Code::MissingKey,
    Code::InvalidName,
    Code::DuplicateName,
    Code::CaseCollision,
    Code::UnknownType,
    Code::UnknownEvent,
    Code::UnknownCommand,
    Code::UnknownState,
    Code::UnknownField,
    Code::RecursiveType,
    Code::CreatingCommandWithFrom,
    Code::KeyNotCarried,
    Code::ConstraintOnWrongType,
    Code::MinGreaterThanMax,
    Code::AggregateByValue,
    Code::InvalidValue,
    Code::UnfillableEventField,
    Code::ConflictingState,
    Code::UnfillableCommandField,
    Code::InvalidLifecycle,
    Code::DuplicateRoute,
    Code::TypeMismatch,
    Code::EventNeverEmitted,
    Code::CommandEmitsNothing,
    Code::UnreachableState,
    Code::DefaultedEventField,
    Code::ReadModelNeverUpdated,
    Code::Redundant,
    Code::PolicyCycle,
];

/// The many-mistakes spec reports every mistake in one run, and as JSON for tools.
#[test]
fn many_mistakes_in_one_run() {
    let name = "30-many-mistakes.toml";
    let text = std::fs::read_to_string(corpus_dir().join(name)).expect("the spec");
    let (source, checked) = checked(name, &text);
    let codes: std::collections::BTreeSet<&str> = checked
        .diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error)
        .map(|d| d.code.as_str())
        .collect();
    assert!(codes.len() >= 8, "only {codes:?}");
    let json = serde_json::to_string_pretty(&checked.diagnostics.to_json(&source))
        .expect("diagnostics serialize");
    insta::assert_snapshot!("30-many-mistakes.json", json);
}

/// The example specs shipped with the project check clean: no error and no warning.
#[test]
fn example_specs_check_clean() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&examples)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path().join("domain.toml"))
                .filter(|path| path.is_file())
                .collect()
        })
        .unwrap_or_default();
    specs.sort();
    if specs.is_empty() {
        eprintln!(
            "note: no example spec under {} yet; nothing to check",
            examples.display()
        );
        return;
    }
    for path in specs {
        let (source, checked) = seedwork_cli::check::load(&path).expect("a readable spec");
        assert!(
            checked.diagnostics.is_empty(),
            "{} is not clean:\n{}",
            path.display(),
            checked.diagnostics.to_text(&source)
        );
        assert!(checked.model.is_some(), "{} has no model", path.display());
    }
}

/// Every prefix of every corpus spec (a spec being typed) checks without a panic, with every
/// span inside the text.
#[test]
fn truncated_specs_never_panic() {
    for (name, text) in corpus() {
        for end in (0..=text.len()).filter(|&end| text.is_char_boundary(end)) {
            let prefix = &text[..end];
            let (source, checked) = checked(&name, prefix);
            for d in checked.diagnostics.iter() {
                assert!(
                    d.span.end <= prefix.len()
                        && prefix.is_char_boundary(d.span.start)
                        && prefix.is_char_boundary(d.span.end),
                    "{name} cut at {end}: {d:?}"
                );
            }
            let _ = checked.diagnostics.to_text(&source);
        }
    }
}
