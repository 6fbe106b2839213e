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
