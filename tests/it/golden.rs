//! Golden outputs: the binary's output for a fixed set of inputs, kept under
//! `tests/golden/` and reviewed as diffs like code. A change of output fails here; when it
//! is intended, regenerate with `APKAUDIT_BLESS=1 cargo test --test it golden` and review
//! `git diff tests/golden`.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_apkaudit");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// (golden file, arguments); paths are relative to the project root, which is the working
/// directory of every run, so outputs carry no machine path.
const CASES: &[(&str, &[&str])] = &[
    (
        "scan-demo.json",
        &["scan", "samples/demo.apk", "--format", "json"],
    ),
    ("manifest-demo.xml", &["manifest", "samples/demo.apk"]),
    (
        "audit-demo.json",
        &[
            "audit",
            "samples/demo.apk",
            "--policy",
            "samples/demo-policy.md",
            "--format",
            "json",
        ],
    ),
    ("scan-demo.txt", &["scan", "samples/demo.apk"]),
    (
        "audit-demo.md",
        &[
            "audit",
            "samples/demo.apk",
            "--policy",
            "samples/demo-policy.md",
            "--format",
            "markdown",
        ],
    ),
    (
        "policy-demo.json",
        &["policy", "samples/demo-policy.md", "--format", "json"],
    ),
    (
        "policy-06-four-column-flattened.json",
        &[
            "policy",
            "tests/data/policies/06_zh_simon_smart_sdk_four_column_cells.txt",
            "--format",
            "json",
        ],
    ),
    (
        "policy-01-english-from-vendor.json",
        &[
            "policy",
            "tests/data/policies/01_en_rikka_apps_privacy_policy.md",
            "--format",
            "json",
        ],
    ),
];

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        // the terminal table's width and colour come from the environment: fix them
        .env_remove("COLUMNS")
        .env("NO_COLOR", "1")
        .output()
        .expect("run apkaudit");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The knowledge digest in a record's provenance changes with every signature or table
/// edit; the golden files hold `<knowledge digest>` in its place (the digest itself is
/// checked against `Knowledge::digest` in `batch::provenance_*`).
fn mask_knowledge_digest(text: &str) -> String {
    let want = &apkaudit::Knowledge::embedded().digest;
    text.replace(want.as_str(), "<knowledge digest>")
}

#[test]
fn outputs_equal_their_golden_files() {
    let dir = Path::new(ROOT).join("tests/golden");
    let bless = std::env::var_os("APKAUDIT_BLESS").is_some();
    let mut failed = Vec::new();
    for (name, args) in CASES {
        let missing: Vec<&&str> = args
            .iter()
            .filter(|a| a.contains('/') && !Path::new(ROOT).join(a).exists())
            .collect();
        assert!(missing.is_empty(), "{name}: inputs missing: {missing:?}");
        let got = mask_knowledge_digest(&run(args));
        let path = dir.join(name);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing: run with APKAUDIT_BLESS=1", path.display()));
        if got != want {
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .map_or(got.lines().count().min(want.lines().count()), |i| i)
                + 1;
            failed.push(format!("{name}: differs from line {line}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{}\n(intended? APKAUDIT_BLESS=1 cargo test --test it golden, then review git diff tests/golden)",
        failed.join("\n")
    );
}
