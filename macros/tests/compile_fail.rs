//! The macros' mistakes as a user meets them: every `tests/ui/*.rs` must fail to compile with
//! exactly the diagnostics in the `.stderr` file beside it.
//!
//! Those files are what one compiler printed, so they are checked only on that compiler: the one
//! `rustc --version` recorded in `tests/ui/TOOLCHAIN`. On any other, the cases are skipped with a
//! message saying so. To accept new output (after changing a diagnostic, or to move the suite to
//! another toolchain), run
//!
//! ```text
//! TRYBUILD=overwrite cargo test -p seedwork-macros --test compile_fail
//! ```
//!
//! which rewrites the `.stderr` files and records the current toolchain; review the diff.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const REGENERATE: &str = "TRYBUILD=overwrite cargo test -p seedwork-macros --test compile_fail";

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("ui")
}

/// `rustc --version` of the compiler cargo uses (`$RUSTC` when set).
fn current_toolchain() -> String {
    let rustc = std::env::var_os("RUSTC").map_or_else(|| PathBuf::from("rustc"), PathBuf::from);
    let output = Command::new(&rustc)
        .arg("--version")
        .output()
        .unwrap_or_else(|error| panic!("cannot run `{} --version`: {error}", rustc.display()));
    assert!(
        output.status.success(),
        "`{} --version` failed: {}",
        rustc.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn ui() {
    let recorded_path = ui_dir().join("TOOLCHAIN");
    let recorded = std::fs::read_to_string(&recorded_path)
        .unwrap_or_default()
        .trim()
        .to_owned();
    let current = current_toolchain();
    let overwrite = std::env::var_os("TRYBUILD").is_some_and(|value| value == "overwrite");
    if current != recorded && !overwrite {
        let message = format!(
            "\ncompile_fail: SKIPPED the compile-fail cases in {ui}: their .stderr files were \
             produced by `{recorded}` (recorded in {file}), and this is `{current}`; compiler \
             messages differ between versions, so comparing them here would fail for no fault \
             of the macros. To check the cases, use that toolchain; to accept this one's output, \
             run `{REGENERATE}`, which also records the toolchain, and review the diff.\n",
            ui = ui_dir().display(),
            file = recorded_path.display(),
        );
        // Straight to the process's stderr: the test harness captures `eprintln!` of a passing
        // test, and this must be seen.
        let _ = std::io::stderr().write_all(message.as_bytes());
        return;
    }
    {
        let cases = trybuild::TestCases::new();
        cases.compile_fail("tests/ui/*.rs");
        // The cases run when `cases` is dropped, here.
    }
    if overwrite && current != recorded {
        std::fs::write(&recorded_path, format!("{current}\n"))
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", recorded_path.display()));
    }
}
