//! Thin binary: all logic lives in the library.
fn main() {
    std::process::exit(apkaudit::cli::run());
}
