//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// `../shared/corpus` when present; otherwise `None` after saying the test is skipped
/// (the project's own tests must not depend on it alone).
pub fn corpus() -> Option<PathBuf> {
    let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if p.is_dir() {
        Some(p.to_path_buf())
    } else {
        eprintln!("skipping: ../shared/corpus is absent");
        None
    }
}

/// A signature file for an SDK no real database has (`com.probe.sdk`): the tests that swap
/// the signature database add it and look for it in the results.
pub const PROBE_SIG: &str = r#"id = "probe-sdk"
name = "Probe SDK"
category = "analytics"
vendor = "Probe"
website = "https://probe.example"
disclosure = "required"
data_types = []
permissions = []
sources = ["tests/it/common.rs"]
notes = "test signature"

[match]
packages = ["com.probe.sdk"]

[test]
match = ["class:com.probe.sdk.Main"]
no_match = ["class:com.probe.sdkx.Main"]
"#;
