//! The folder tree is the pipeline: each top-level module of the library may use only the
//! modules listed before it in `src/lib.rs` (plus the shared `error` and `text`), so
//! dependencies point one way and there is no cycle between folders. The release library
//! carries no test kit.

use std::path::{Path, PathBuf};

/// Layers in pipeline order; a module may name only earlier layers (and its own).
const LAYERS: &[&str] = &[
    "error",
    "text",
    "formats",
    "input",
    "knowledge",
    "detect",
    "scan",
    "policy",
    "audit",
    "report",
    "batch",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a source file belongs to (`src/formats/dex/mod.rs` → `formats`).
fn layer_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

/// `crate::X` names in code (comments skipped).
fn crate_refs(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(p) = rest.find("crate::") {
            let after = &rest[p + 7..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push((i + 1, name));
            rest = after;
        }
    }
    out
}

#[test]
fn dependencies_point_down_the_pipeline() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut bad = Vec::new();
    let mut checked = 0;
    for f in &files {
        let Some(layer) = layer_of(&src, f) else {
            continue;
        };
        let Some(rank) = LAYERS.iter().position(|l| *l == layer) else {
            continue; // lib.rs, main.rs, cli/ (the binary), testkit/
        };
        checked += 1;
        let text = std::fs::read_to_string(f).unwrap();
        for (line, name) in crate_refs(&text) {
            if let Some(r) = LAYERS.iter().position(|l| *l == name) {
                if r > rank {
                    bad.push(format!(
                        "{}:{line}: {layer} names the higher layer {name}",
                        f.strip_prefix(&src).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(checked > 40, "only {checked} files checked");
    assert!(bad.is_empty(), "upward dependencies:\n{}", bad.join("\n"));
}

#[test]
fn the_layer_list_is_the_library_module_list() {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
    let mods: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .filter(|m| *m != "testkit")
        .collect();
    assert_eq!(
        mods, LAYERS,
        "src/lib.rs lists its modules in pipeline order"
    );
}

#[test]
fn the_test_kit_is_behind_a_feature() {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
    assert!(lib.contains("#[cfg(feature = \"testkit\")]\npub mod testkit;"));
    let cargo =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    assert!(cargo.contains("sha1 = { version = \"0.10\", optional = true }"));
    assert!(cargo.contains("testkit = [\"dep:sha1\"]"));
}
