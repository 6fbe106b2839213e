//! Command line: parse arguments (`args`), run one command (`commands`), and turn its
//! outcome into an exit code in one place.
//!
//! Exit codes: 0 success, 1 a finding at or above `--fail-on`, 2 an input could not be
//! read or the usage was wrong. A closed output pipe (`| head`) ends quietly with 0.

mod args;
mod commands;
mod output;

use clap::Parser;
use std::process::ExitCode;

/// What a command ends with, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, nothing to report (exit 0).
    Clean,
    /// Done, and a finding reached `--fail-on` (exit 1).
    FailOn,
    /// Done, but some inputs could not be read (exit 2); each was reported.
    SomeUnreadable,
}

/// Why a command stopped.
#[derive(Debug)]
pub enum Failure {
    /// An input, a data file or the usage is wrong: the message names what and where.
    Input(String),
    /// Standard output was closed by the reader: not an error.
    Closed,
    /// Standard output could not be written.
    Output(std::io::Error),
}

impl From<apkaudit::Error> for Failure {
    fn from(e: apkaudit::Error) -> Self {
        Failure::Input(e.to_string())
    }
}

impl From<apkaudit::ParseError> for Failure {
    fn from(e: apkaudit::ParseError) -> Self {
        Failure::Input(e.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::Closed
        } else {
            Failure::Output(e)
        }
    }
}

/// Parse the arguments, run the command, map the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli.command) {
        Ok(Outcome::Clean) | Err(Failure::Closed) => ExitCode::SUCCESS,
        Ok(Outcome::FailOn) => ExitCode::from(1),
        Ok(Outcome::SomeUnreadable) => ExitCode::from(2),
        Err(Failure::Input(msg)) => {
            eprintln!("apkaudit: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Output(e)) => {
            eprintln!("apkaudit: cannot write output: {e}");
            ExitCode::from(2)
        }
    }
}
