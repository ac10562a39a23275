//! The Eshop basket service: serves its HTTP API, storing in a SQLite file by
//! default and in PostgreSQL when `DATABASE_URL=postgres://…` is set. Run it with `--help`
//! for its settings (listed in [`eshop_basket::generated::service`]).
//!
//! seedwork wrote this file once and never overwrites it: it is yours.

fn main() -> std::process::ExitCode {
    eshop_basket::generated::service::main()
}
