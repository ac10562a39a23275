//! The hand-built model of the render tests, which exercises what the example specs do not
//! (an integer id, an aggregate without events, entities, maps, odd doc strings and roles),
//! is rendered and verified, written to a temporary directory, and the generated project
//! must then pass `cargo fmt --check`, `cargo clippy --all-targets -- -D warnings` and `cargo
//! test` (its given/when/then tests and its HTTP tests through the router), and its binary
//! must migrate a fresh SQLite database. The example specs go through the same and more in
//! the workspace's end-to-end test (`tests/e2e`), which also serves them over real HTTP.
//!
//! Three random valid specs (fixed seeds of the generator in `spec_support::valid`) go the same
//! way to `cargo build`, `cargo clippy --all-targets -- -D warnings` and `cargo test`.
//!
//! The generated projects share the workspace's target directory (`$CARGO_TARGET_DIR`, else
//! `<workspace>/target`) and start from the workspace's `Cargo.lock`, so the dependencies they
//! share with the workspace resolve to the same versions and are compiled once.

mod render_support;
mod spec_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use seedwork_cli::model::Model;
use seedwork_cli::render::{render, RenderOptions, TemplateSet};
use seedwork_cli::verify::check_and_format;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the cli crate sits in the workspace")
        .to_owned()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

/// The models whose projects are built: the hand-built one.
fn models() -> Vec<(String, Model)> {
    vec![("hand-built".to_owned(), render_support::pizzeria())]
}

/// Runs `cargo args…` in `dir`, failing the test with its output when it fails.
fn cargo(dir: &Path, args: &[&str], envs: &[(&str, &Path)]) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CARGO_TERM_COLOR", "never");
    for (key, value) in envs {
        command.env(key, value);
    }
    let output = command.output().expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`cargo {}` failed in {}:\n{stdout}\n{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Where the projects are written: `SEEDWORK_KEEP_GENERATED=dir` keeps them there, to look at
/// them; otherwise a temporary directory (kept alive by the returned guard).
fn projects_root() -> (PathBuf, tempfile::TempDir) {
    let temporary = tempfile::tempdir().expect("a temporary directory");
    let root = std::env::var_os("SEEDWORK_KEEP_GENERATED")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| temporary.path().to_owned(), PathBuf::from);
    (root, temporary)
}

/// Renders, verifies and writes the project of `model` to `root/name`, with the workspace's
/// `Cargo.lock`, and returns its directory.
fn write_project(root: &Path, name: &str, model: &Model) -> PathBuf {
    let runtime = workspace().join("runtime");
    let options = RenderOptions {
        runtime_dependency: format!(
            "{{ path = {}, features = {} }}",
            seedwork_cli::render::filters::toml_literal(&runtime.display().to_string()),
            seedwork_cli::pipeline::RUNTIME_FEATURES
        ),
    };
    let mut files = render(model, &TemplateSet::embedded(), &options).expect("renders");
    check_and_format(&mut files).expect("verifies");
    let dir = root.join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("removes the previous project");
    }
    for (path, file) in files.iter() {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().expect("a parent")).expect("creates directories");
        std::fs::write(&target, &file.contents).expect("writes");
    }
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock"))
        .expect("copies the lock file");
    dir
}

#[test]
fn generated_projects_format_lint_test_and_run() {
    let (root, _temporary) = projects_root();
    for (name, model) in models() {
        let dir = write_project(&root, &name, &model);
        cargo(&dir, &["fmt", "--check"], &[]);
        cargo(
            &dir,
            &["clippy", "--all-targets", "--", "-D", "warnings"],
            &[],
        );
        cargo(&dir, &["test"], &[]);
        let database = dir.join("run.db");
        let stdout = cargo(
            &dir,
            &["run", "--quiet", "--", "rebuild-read-models"],
            &[("DATABASE_URL", &database)],
        );
        assert!(
            stdout.contains("rebuilt the read models from 0 events"),
            "`{name}` did not rebuild its read models:\n{stdout}"
        );
        assert!(database.exists(), "`{name}` did not create its database");
    }
}

/// The seeds of the random specs built here: each makes a spec with lifecycles, entities,
/// read models and policies (see `spec_support::valid`). `SEEDWORK_RANDOM_SEEDS=1,5-9` builds
/// others, to hunt for more.
const RANDOM_SEEDS: [u64; 3] = [2, 17, 20];

fn random_seeds() -> Vec<u64> {
    let Some(wanted) = std::env::var("SEEDWORK_RANDOM_SEEDS")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        return RANDOM_SEEDS.to_vec();
    };
    let number =
        |text: &str| -> u64 { text.trim().parse().expect("SEEDWORK_RANDOM_SEEDS: numbers") };
    wanted
        .split(',')
        .flat_map(|part| match part.split_once('-') {
            Some((low, high)) => (number(low)..=number(high)).collect::<Vec<_>>(),
            None => vec![number(part)],
        })
        .collect()
}

#[test]
fn random_valid_specs_build_lint_and_test() {
    use spec_support::choices::Choices;
    use spec_support::writer::{write, Layout};

    let (root, _temporary) = projects_root();
    for seed in random_seeds() {
        let tree = spec_support::valid::spec(&mut Choices::seeded(seed, 3000));
        let text = write(&tree, &mut Layout::new(&mut Choices::seeded(seed + 1, 400)));
        let source = seedwork_cli::diagnostic::SourceFile::new("random.toml", text.as_str());
        let checked = seedwork_cli::check::check(&source);
        assert!(
            checked.diagnostics.is_empty(),
            "seed {seed}:\n{}\n{text}",
            checked.diagnostics.to_text(&source)
        );
        let model = checked.model.expect("a model");
        let dir = write_project(&root, &format!("random-{seed}"), &model);
        std::fs::write(dir.join("domain.toml"), &text).expect("writes the spec");
        cargo(&dir, &["build"], &[]);
        cargo(
            &dir,
            &["clippy", "--all-targets", "--", "-D", "warnings"],
            &[],
        );
        cargo(&dir, &["test"], &[]);
    }
}
