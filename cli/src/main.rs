//! The `seedwork` binary: parses the command line and runs it; everything else lives in the
//! `seedwork_cli` library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = seedwork_cli::app::Cli::parse();
    match seedwork_cli::app::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            // 1: the spec is wrong (as `validate`); 2: anything else stopped the command.
            match error {
                seedwork_cli::Error::InvalidSpec { .. } => ExitCode::FAILURE,
                _ => ExitCode::from(2),
            }
        }
    }
}
