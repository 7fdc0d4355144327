//! The `attache` binary: parse flags, start logging, run the command, map errors to an
//! exit code. Everything else lives in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    #[cfg(feature = "semantic")]
    attache::core::embed::passive_wait_policy();
    attache::cli::main()
}
