//! Verifying a rendered [`FileSet`] before anything is written: every `.rs` file must parse
//! (with `syn`), every `.toml` file must be TOML, and the Rust files are then formatted with
//! `rustfmt`, so generated code is always what `cargo fmt` would make of it.
//!
//! `rustfmt` runs once over all Rust files, copied into a temporary directory, with an empty
//! configuration (no `rustfmt.toml` of the surroundings applies) and edition 2021: one
//! process for the whole project, however many files it has. `SEEDWORK_RUSTFMT` names another
//! binary.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::files::FileSet;
use crate::render::template_for_path;

/// The environment variable that names the `rustfmt` binary to run.
pub const RUSTFMT_ENV: &str = "SEEDWORK_RUSTFMT";

/// A rendered file that is not valid Rust or TOML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The file's path in the project.
    pub path: String,
    /// The template that rendered it, when known.
    pub template: Option<&'static str>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What the parser said.
    pub message: String,
    /// The offending line of the rendered file.
    pub source_line: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )?;
        if let Some(template) = self.template {
            write!(f, " (rendered by template `{template}`)")?;
        }
        write!(f, "\n    | {}", self.source_line)
    }
}

/// Why a rendered file set was refused.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Rendered files do not parse: a template (or an override) produced broken code.
    #[error(
        "{} rendered file(s) do not parse:\n{}",
        .0.len(),
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    )]
    Syntax(Vec<SyntaxError>),
    /// `rustfmt` could not be started.
    #[error(
        "cannot run `{program}`: {reason}. seedwork formats the code it generates with rustfmt: install it with `rustup component add rustfmt`, or name the binary in {RUSTFMT_ENV}"
    )]
    RustfmtMissing {
        /// The binary that was tried.
        program: String,
        /// Why it could not run.
        reason: String,
    },
    /// `rustfmt` ran and failed.
    #[error("`{program}` failed ({status}):\n{stderr}")]
    RustfmtFailed {
        /// The binary that ran.
        program: String,
        /// Its exit status.
        status: String,
        /// What it printed on standard error.
        stderr: String,
    },
    /// The temporary directory for formatting could not be used.
    #[error("formatting in {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// Checks that every `.rs` and `.toml` file parses, then formats every `.rs` file in place.
/// Files that are neither are left as they are.
pub fn check_and_format(files: &mut FileSet) -> Result<(), VerifyError> {
    check(files)?;
    format(files)
}

/// Checks that every `.rs` file parses as Rust and every `.toml` file as TOML, reporting every
/// file that does not, each at its line and column with the template that rendered it.
pub fn check(files: &FileSet) -> Result<(), VerifyError> {
    let mut errors = Vec::new();
    for (path, file) in files.iter() {
        if path.ends_with(".rs") {
            if let Err(error) = syn::parse_file(&file.contents) {
                let message = error.to_string();
                let (line, column) = if message.starts_with("unexpected end of input") {
                    // syn has no span for the end: point after the last character.
                    line_column(&file.contents, file.contents.trim_end().len())
                } else {
                    let start = error.span().start();
                    (start.line, start.column + 1)
                };
                errors.push(syntax_error(path, &file.contents, line, column, message));
            }
        } else if path.ends_with(".toml") {
            if let Err(error) = file.contents.parse::<toml::Table>() {
                let (line, column) = error
                    .span()
                    .map(|span| line_column(&file.contents, span.start))
                    .unwrap_or((1, 1));
                let message = error.message().to_owned();
                errors.push(syntax_error(path, &file.contents, line, column, message));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(VerifyError::Syntax(errors))
    }
}

fn syntax_error(
    path: &str,
    contents: &str,
    line: usize,
    column: usize,
    message: String,
) -> SyntaxError {
    SyntaxError {
        path: path.to_owned(),
        template: template_for_path(path),
        line,
        column,
        message,
        source_line: contents
            .lines()
            .nth(line.saturating_sub(1))
            .unwrap_or_default()
            .to_owned(),
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    (line, column)
}

/// The files of `files` that another of its files declares as an out-of-line module
/// (`mod name;` in `src/lib.rs` is `src/name.rs` or `src/name/mod.rs`).
fn module_files(files: &FileSet) -> BTreeSet<String> {
    let mut children = BTreeSet::new();
    for (path, file) in files.iter() {
        if !path.ends_with(".rs") {
            continue;
        }
        let Ok(parsed) = syn::parse_file(&file.contents) else {
            continue;
        };
        // The directory a module's children live in: `src/` for `src/lib.rs` and
        // `src/a/mod.rs` → `src/a/`, `src/a/b.rs` → `src/a/b/`.
        let stem = path.trim_end_matches(".rs");
        let dir = match stem.rsplit_once('/') {
            Some((dir, "mod" | "lib" | "main")) => format!("{dir}/"),
            None if matches!(stem, "mod" | "lib" | "main") => String::new(),
            _ => format!("{stem}/"),
        };
        for item in &parsed.items {
            if let syn::Item::Mod(module) = item {
                let has_path = module.attrs.iter().any(|a| a.path().is_ident("path"));
                if module.content.is_none() && !has_path {
                    let name = module.ident.to_string();
                    let name = name.trim_start_matches("r#");
                    children.insert(format!("{dir}{name}.rs"));
                    children.insert(format!("{dir}{name}/mod.rs"));
                }
            }
        }
    }
    children
}

/// The `rustfmt` to run: `SEEDWORK_RUSTFMT`, else `rustfmt` from the `PATH`.
fn rustfmt_program() -> OsString {
    std::env::var_os(RUSTFMT_ENV)
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| OsString::from("rustfmt"))
}

/// Formats every `.rs` file of `files` in place, with one run of `rustfmt` (the binary named
/// by `SEEDWORK_RUSTFMT`, else `rustfmt`).
pub fn format(files: &mut FileSet) -> Result<(), VerifyError> {
    format_with(files, &rustfmt_program())
}

/// Formats every `.rs` file of `files` in place, with one run of the `rustfmt` at `program`.
pub fn format_with(files: &mut FileSet, program: &std::ffi::OsStr) -> Result<(), VerifyError> {
    let rust: Vec<String> = files
        .iter()
        .filter(|(path, _)| path.ends_with(".rs"))
        .map(|(path, _)| path.to_owned())
        .collect();
    if rust.is_empty() {
        return Ok(());
    }
    let dir = tempfile::tempdir().map_err(|source| VerifyError::Io {
        path: std::env::temp_dir(),
        source,
    })?;
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| VerifyError::Io { path, source }
    };
    let config = dir.path().join("rustfmt.toml");
    std::fs::write(&config, "").map_err(io(&config))?;
    let root = dir.path().join("project");
    let mut paths = Vec::with_capacity(rust.len());
    for (path, file) in files.iter() {
        if !path.ends_with(".rs") {
            continue;
        }
        let target = root.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&target, &file.contents).map_err(io(&target))?;
        paths.push(target);
    }
    // rustfmt formats the files a root declares with `mod name;` too: give it only the
    // roots, so that every file is formatted once.
    let children = module_files(files);
    let roots = paths
        .iter()
        .zip(&rust)
        .filter(|(_, path)| !children.contains(path.as_str()))
        .map(|(target, _)| target);
    let shown = program.to_string_lossy().into_owned();
    let output = Command::new(program)
        .arg("--edition")
        .arg("2021")
        .arg("--color")
        .arg("never")
        .arg("--config-path")
        .arg(&config)
        .args(roots)
        .output()
        .map_err(|error| VerifyError::RustfmtMissing {
            program: shown.clone(),
            reason: error.to_string(),
        })?;
    if !output.status.success() {
        let stderr =
            String::from_utf8_lossy(&output.stderr).replace(&format!("{}/", root.display()), "");
        return Err(VerifyError::RustfmtFailed {
            program: shown,
            status: output.status.to_string(),
            stderr,
        });
    }
    for (path, file) in files.iter_mut() {
        if !path.ends_with(".rs") {
            continue;
        }
        let target = root.join(path);
        file.contents = std::fs::read_to_string(&target).map_err(io(&target))?;
    }
    Ok(())
}
