//! Tells the tests what this machine has, so tests that need it show as *ignored* (with the
//! reason) instead of passing without checking anything:
//! `shared` when `../shared/corpus` and `../shared/policies` exist, and `has_<tool>` for
//! each external truth tool found on PATH (dexdump, aapt, apksigner, javap, readelf, openssl),
//! `obfuscated_set` when `target/obfuscated-set` (tools/obfuscated/build.sh) has been built.

use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=../shared");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rustc-check-cfg=cfg(shared)");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if root.join("../shared/corpus").is_dir() && root.join("../shared/policies").is_dir() {
        println!("cargo::rustc-cfg=shared");
    }
    // the obfuscated test set built by tools/obfuscated/build.sh (tests/it/obfuscated.rs)
    println!("cargo::rerun-if-changed=target/obfuscated-set/summary.json");
    println!("cargo::rustc-check-cfg=cfg(obfuscated_set)");
    if root.join("target/obfuscated-set/summary.json").is_file() {
        println!("cargo::rustc-cfg=obfuscated_set");
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for tool in [
        "dexdump",
        "aapt",
        "apksigner",
        "javap",
        "readelf",
        "openssl",
    ] {
        println!("cargo::rustc-check-cfg=cfg(has_{tool})");
        if std::env::split_paths(&path).any(|d| d.join(tool).is_file()) {
            println!("cargo::rustc-cfg=has_{tool}");
        }
    }
}
