//! Verifying a rendered [`FileSet`] before anything is written: every `.rs` file must parse
//! (with `syn`), every `.toml` file must be TOML, and the Rust files are then formatted with
//! `rustfmt`, so generated code is always what `cargo fmt` would make of it.
//!
//! `rustfmt` runs over all Rust files, copied into a temporary directory, with an empty
//! configuration (no `rustfmt.toml` of the surroundings applies) and edition 2021: one
//! process per available core (at most [`MAX_JOBS`]), each given its share of the files by
//! size, however many files the project has. `SEEDWORK_RUSTFMT` names another binary.
//!
//! Parsing is spread over the same number of threads; each file is parsed once, by `syn`, for
//! both the syntax check and the `mod name;` declarations that tell `rustfmt`'s roots from
//! the files it reaches through them. The result never depends on how the work was split:
//! files are reported, and formatted, in path order.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::files::FileSet;
use crate::render::template_for_path;

/// The environment variable that names the `rustfmt` binary to run.
pub const RUSTFMT_ENV: &str = "SEEDWORK_RUSTFMT";

/// The most threads that parse, and `rustfmt` processes that format, at once.
pub const MAX_JOBS: usize = 8;

/// The stack of a parsing thread: `syn` recurses into nested expressions, and a spawned
/// thread must not run out of stack where the main thread (8 MiB, usually) would not.
const PARSER_STACK: usize = 64 << 20;

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
    let children = parse_all(files)?;
    format_roots(files, &rustfmt_program(), &children)
}

/// Checks that every `.rs` file parses as Rust and every `.toml` file as TOML, reporting every
/// file that does not, each at its line and column with the template that rendered it.
pub fn check(files: &FileSet) -> Result<(), VerifyError> {
    parse_all(files).map(|_| ())
}

/// What parsing one file found.
enum Parsed {
    /// Not Rust, or TOML that parses.
    Other,
    /// Rust that parses, and the files its `mod name;` declarations name.
    Rust(Vec<String>),
    /// A syntax error.
    Error(SyntaxError),
}

/// The out-of-line modules each Rust file declares: its path → the files they live in
/// (`mod name;` in `src/lib.rs` is `src/name.rs` or `src/name/mod.rs`).
type Modules = BTreeMap<String, Vec<String>>;

/// Parses every `.rs` and `.toml` file of `files`, on up to [`MAX_JOBS`] threads: the modules
/// each Rust file declares, or every syntax error, in path order.
fn parse_all(files: &FileSet) -> Result<Modules, VerifyError> {
    let all: Vec<(&str, &str)> = files
        .iter()
        .filter(|(path, _)| path.ends_with(".rs") || path.ends_with(".toml"))
        .map(|(path, file)| (path, file.contents.as_str()))
        .collect();
    let results = in_parallel(&all, |(path, contents), worker| {
        parse_one(path, contents, worker)
    });
    let mut modules = Modules::new();
    let mut errors = Vec::new();
    for ((path, _), parsed) in all.iter().zip(results) {
        match parsed {
            Parsed::Other => {}
            Parsed::Rust(declared) => {
                modules.insert((*path).to_owned(), declared);
            }
            Parsed::Error(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(modules)
    } else {
        Err(VerifyError::Syntax(errors))
    }
}

/// Parses one file. On a worker thread of [`in_parallel`], the thread's span data is dropped
/// afterwards; never on the caller's thread, whose spans of its own must stay valid.
fn parse_one(path: &str, contents: &str, worker: bool) -> Parsed {
    if path.ends_with(".rs") {
        let parsed = match syn::parse_file(contents) {
            Ok(file) => Parsed::Rust(declared_modules(path, &file)),
            Err(error) => {
                let message = error.to_string();
                let (line, column) = if message.starts_with("unexpected end of input") {
                    // syn has no span for the end: point after the last character.
                    line_column(contents, contents.trim_end().len())
                } else {
                    let start = error.span().start();
                    (start.line, start.column + 1)
                };
                Parsed::Error(syntax_error(path, contents, line, column, message))
            }
        };
        if worker {
            // Every span is resolved by now: forget the file's source text and line table,
            // which `span-locations` would otherwise keep for the life of the thread.
            proc_macro2::extra::invalidate_current_thread_spans();
        }
        parsed
    } else if let Err(error) = contents.parse::<toml::Table>() {
        let (line, column) = error
            .span()
            .map(|span| line_column(contents, span.start))
            .unwrap_or((1, 1));
        let message = error.message().to_owned();
        Parsed::Error(syntax_error(path, contents, line, column, message))
    } else {
        Parsed::Other
    }
}

/// How many threads or processes to use for `tasks` pieces of work.
fn jobs(tasks: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    cores.clamp(1, MAX_JOBS).min(tasks).max(1)
}

/// `work` applied to every item, on up to [`MAX_JOBS`] worker threads (at least one), the
/// largest items (by their second part's length) first; the results in the order of `items`.
/// `work` is told whether it runs on a worker: when no thread can be started, it runs here.
fn in_parallel<'a, T: Send>(
    items: &[(&'a str, &'a str)],
    work: impl Fn((&'a str, &'a str), bool) -> T + Sync,
) -> Vec<T> {
    let threads = jobs(items.len());
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(items[i].1.len()));
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(PARSER_STACK)
                    .spawn_scoped(scope, || {
                        let mut mine = Vec::new();
                        loop {
                            let taken = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&i) = order.get(taken) else { break };
                            mine.push((i, work(items[i], true)));
                        }
                        mine
                    })
            })
            .collect();
        let mut done = Vec::with_capacity(items.len());
        for worker in workers {
            match worker.map(|handle| handle.join()) {
                Ok(Ok(mine)) => done.extend(mine),
                // A panic in a worker is a panic here, as it would have been without threads.
                Ok(Err(panic)) => std::panic::resume_unwind(panic),
                // This thread could not be started: the others (or this one) do its share.
                Err(_) => {}
            }
        }
        // What no worker took (none could be started) is done on this thread.
        loop {
            let taken = next.fetch_add(1, Ordering::Relaxed);
            let Some(&i) = order.get(taken) else { break };
            done.push((i, work(items[i], false)));
        }
        done
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
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

/// The out-of-line modules every Rust file of `files` that parses declares.
fn module_map(files: &FileSet) -> Modules {
    let rust: Vec<(&str, &str)> = files
        .iter()
        .filter(|(path, _)| path.ends_with(".rs"))
        .map(|(path, file)| (path, file.contents.as_str()))
        .collect();
    let parsed = in_parallel(&rust, |(path, contents), worker| {
        let declared = syn::parse_file(contents)
            .ok()
            .map(|file| declared_modules(path, &file));
        if worker {
            proc_macro2::extra::invalidate_current_thread_spans();
        }
        declared
    });
    rust.iter()
        .zip(parsed)
        .filter_map(|((path, _), declared)| Some(((*path).to_owned(), declared?)))
        .collect()
}

/// The files the out-of-line modules (`mod name;`) of the Rust file at `path` live in.
fn declared_modules(path: &str, parsed: &syn::File) -> Vec<String> {
    let mut children = Vec::new();
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
                children.push(format!("{dir}{name}.rs"));
                children.push(format!("{dir}{name}/mod.rs"));
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

/// Formats every `.rs` file of `files` in place with `rustfmt` (the binary named by
/// `SEEDWORK_RUSTFMT`, else `rustfmt`).
pub fn format(files: &mut FileSet) -> Result<(), VerifyError> {
    format_with(files, &rustfmt_program())
}

/// Formats every `.rs` file of `files` in place with the `rustfmt` at `program`.
pub fn format_with(files: &mut FileSet, program: &std::ffi::OsStr) -> Result<(), VerifyError> {
    let modules = module_map(files);
    format_roots(files, program, &modules)
}

/// One `rustfmt` process's share of the files: roots that reach no file another share
/// reaches, with every file they reach.
#[derive(Debug, Default)]
struct Share {
    roots: Vec<String>,
    files: Vec<String>,
    bytes: usize,
}

/// The Rust files of `files`, split into up to [`jobs`] shares of about the same size, every
/// file in exactly one; `None` when one process should do it all: a single core or root, or
/// module declarations this analysis does not follow (a file reached from two roots, or from
/// none).
fn shares(files: &FileSet, rust: &[String], modules: &Modules) -> Option<Vec<Share>> {
    let children: BTreeSet<&str> = modules.values().flatten().map(String::as_str).collect();
    let roots: Vec<&str> = rust
        .iter()
        .map(String::as_str)
        .filter(|path| !children.contains(path))
        .collect();
    let count = jobs(roots.len());
    if count <= 1 {
        return None;
    }
    // Every root with the files it reaches through `mod name;`.
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    let mut trees: Vec<(&str, Vec<&str>, usize)> = Vec::with_capacity(roots.len());
    for (index, root) in roots.iter().enumerate() {
        let mut tree = Vec::new();
        let mut pending = vec![*root];
        while let Some(path) = pending.pop() {
            if owner.insert(path, index).is_some() {
                return None;
            }
            tree.push(path);
            for child in modules.get(path).into_iter().flatten() {
                if files.get(child).is_some() {
                    pending.push(child.as_str());
                }
            }
        }
        let bytes = tree
            .iter()
            .filter_map(|path| files.get(path))
            .map(|file| file.contents.len())
            .sum();
        trees.push((root, tree, bytes));
    }
    if owner.len() != rust.len() {
        return None;
    }
    // The largest trees first, each to the share with the fewest bytes so far.
    trees.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
    let mut shares: Vec<Share> = (0..count).map(|_| Share::default()).collect();
    for (root, tree, bytes) in trees {
        let share = shares
            .iter_mut()
            .min_by_key(|share| share.bytes)
            .expect("at least two shares");
        share.roots.push(root.to_owned());
        share.files.extend(tree.into_iter().map(str::to_owned));
        share.bytes += bytes;
    }
    for share in &mut shares {
        // rustfmt is given its roots in path order, as a single process would be.
        share.roots.sort();
    }
    shares.retain(|share| !share.roots.is_empty());
    Some(shares)
}

/// The `rustfmt` command line, without the files.
fn rustfmt_command(program: &std::ffi::OsStr, config: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .arg("--edition")
        .arg("2021")
        .arg("--color")
        .arg("never")
        .arg("--config-path")
        .arg(config);
    command
}

/// Formats the Rust files of `files` in place, `modules` being what each declares: in
/// several `rustfmt` processes at once when [`shares`] can split them, else (or when any of
/// them fails, to report exactly what a single run reports) in one.
fn format_roots(
    files: &mut FileSet,
    program: &std::ffi::OsStr,
    modules: &Modules,
) -> Result<(), VerifyError> {
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
    let write = |root: &Path, path: &str, files: &FileSet| -> Result<PathBuf, VerifyError> {
        let target = root.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let contents = files.get(path).map_or("", |file| file.contents.as_str());
        std::fs::write(&target, contents).map_err(io(&target))?;
        Ok(target)
    };

    if let Some(shares) = shares(files, &rust, modules) {
        let mut running: Vec<(PathBuf, &Share, Child)> = Vec::with_capacity(shares.len());
        let mut started = true;
        for (index, share) in shares.iter().enumerate() {
            let root = dir.path().join(format!("share-{index}"));
            for path in &share.files {
                write(&root, path, files)?;
            }
            let spawned = rustfmt_command(program, &config)
                .args(share.roots.iter().map(|path| root.join(path)))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn();
            match spawned {
                Ok(child) => running.push((root, share, child)),
                Err(_) => {
                    started = false;
                    break;
                }
            }
        }
        let mut succeeded = started;
        for (_, _, child) in &mut running {
            // wait_with_output needs the child by value; drain it in place.
            let ok = wait_output(child).is_ok_and(|status| status.success());
            succeeded &= ok;
        }
        if succeeded {
            let mut formatted = BTreeMap::new();
            for (root, share, _) in &running {
                for path in &share.files {
                    let target = root.join(path);
                    let contents = std::fs::read_to_string(&target).map_err(io(&target))?;
                    formatted.insert(path.as_str(), contents);
                }
            }
            for (path, file) in files.iter_mut() {
                if let Some(contents) = formatted.remove(path) {
                    file.contents = contents;
                }
            }
            return Ok(());
        }
        // Something failed: one process over everything tells what, as it always has.
    }

    let root = dir.path().join("project");
    let mut paths = Vec::with_capacity(rust.len());
    for path in &rust {
        paths.push(write(&root, path, files)?);
    }
    // rustfmt formats the files a root declares with `mod name;` too: give it only the
    // roots, so that every file is formatted once.
    let children: BTreeSet<&str> = modules.values().flatten().map(String::as_str).collect();
    let roots = paths
        .iter()
        .zip(&rust)
        .filter(|(_, path)| !children.contains(path.as_str()))
        .map(|(target, _)| target);
    let shown = program.to_string_lossy().into_owned();
    let output = rustfmt_command(program, &config)
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

/// Waits for `child`, reading its standard output and error to the end so that it never
/// blocks on a full pipe.
fn wait_output(child: &mut Child) -> std::io::Result<std::process::ExitStatus> {
    use std::io::Read as _;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    std::thread::scope(|scope| {
        let drain_out = scope.spawn(move || {
            let mut sink = Vec::new();
            if let Some(out) = stdout.as_mut() {
                let _ = out.read_to_end(&mut sink);
            }
        });
        let mut sink = Vec::new();
        if let Some(err) = stderr.as_mut() {
            let _ = err.read_to_end(&mut sink);
        }
        let _ = drain_out.join();
    });
    child.wait()
}
