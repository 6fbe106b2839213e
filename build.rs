//! Tells the tests what this machine has, so tests that need it show as *ignored* (with the
//! reason) instead of passing without checking anything:
//! `shared` when `../shared/corpus` and `../shared/policies` exist, and `has_<tool>` for
//! each external truth tool found on PATH (dexdump, aapt, apksigner, javap, readelf, openssl,
//! chromium for the HTML report, and `sarif-multitool-linux`, npm
//! `@microsoft/sarif-multitool-linux`, as `has_sarif_multitool`), `has_duckdb` / `has_pyarrow`
//! when python3 can import them (Parquet read-back), and `obfuscated_set` when
//! `target/obfuscated-set` (tools/obfuscated/build.sh) has been built.

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
    // Python packages that read Parquet back (the columnar-output tests): has_duckdb,
    // has_pyarrow when `python3 -c "import NAME"` succeeds
    for module in ["duckdb", "pyarrow"] {
        println!("cargo::rustc-check-cfg=cfg(has_{module})");
        let ok = std::process::Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            println!("cargo::rustc-cfg=has_{module}");
        }
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
    for (cfg, tool) in [
        ("chromium", "chromium"),
        ("sarif_multitool", "sarif-multitool-linux"),
    ] {
        println!("cargo::rustc-check-cfg=cfg(has_{cfg})");
        if std::env::split_paths(&path).any(|d| d.join(tool).is_file()) {
            println!("cargo::rustc-cfg=has_{cfg}");
        }
    }
}
