//! The `seedwork` command line. Spec parsing and generation are tracked in the CLI issue and
//! are not available yet; this binary only reports its version so the workspace layout is fixed.

use std::process::ExitCode;

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("--version" | "-V") => {
            println!("seedwork {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "seedwork {}: spec parsing and code generation are not available in this release yet",
                env!("CARGO_PKG_VERSION")
            );
            ExitCode::from(2)
        }
    }
}
