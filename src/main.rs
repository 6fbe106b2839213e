//! The `apkaudit` binary: argument parsing and output at the edge, the work in the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
