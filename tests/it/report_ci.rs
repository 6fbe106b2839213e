//! The CI surface: `--fail-on` for batches with `--policy-dir`, `schema_version` in every
//! JSON output, `--signatures` on `audit` and `disclose`.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_apkaudit");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .current_dir(ROOT)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn batch_fail_on_gates_on_the_audits_of_a_policy_dir() {
    let dir = std::env::temp_dir().join(format!("apkaudit-failon-{}", std::process::id()));
    let apps = dir.join("apps");
    let policies = dir.join("policies");
    std::fs::create_dir_all(&apps).unwrap();
    std::fs::create_dir_all(&policies).unwrap();
    std::fs::copy(format!("{ROOT}/samples/demo.apk"), apps.join("demo.apk")).unwrap();
    std::fs::copy(
        format!("{ROOT}/samples/demo-policy.md"),
        policies.join("com.example.demo.md"),
    )
    .unwrap();
    let out = dir.join("out.jsonl");
    let (a, p, o) = (
        apps.to_str().unwrap(),
        policies.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let (code, _, err) = run(&["scan", a, "--policy-dir", p, "-o", o, "--no-progress"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = run(&[
        "scan",
        a,
        "--policy-dir",
        p,
        "-o",
        o,
        "--no-progress",
        "--fail-on",
        "high",
    ]);
    assert_eq!(code, Some(1), "the demo has high findings: {err}");
    // every record was still written
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 1);
    let rec: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(rec["schema_version"], 1);
    // --fail-on needs --policy-dir
    let (code, _, _) = run(&["scan", a, "-o", o, "--fail-on", "high"]);
    assert_eq!(code, Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_json_output_has_a_schema_version() {
    let (_, scan, _) = run(&["scan", "samples/demo.apk", "--format", "json"]);
    let (_, audit, _) = run(&[
        "audit",
        "samples/demo.apk",
        "--policy",
        "samples/demo-policy.md",
        "--format",
        "json",
    ]);
    let (_, draft, _) = run(&["disclose", "samples/demo.apk", "--format", "json"]);
    let (_, manifest, _) = run(&["manifest", "samples/demo.apk", "--format", "json"]);
    let (_, sigs, _) = run(&["signatures", "--format", "json"]);
    // a batch of the demo app and a missing file: both records are versioned
    let dir = std::env::temp_dir().join(format!("apkaudit-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let jsonl = dir.join("batch.jsonl");
    let missing = dir.join("missing.apk");
    let evidence = dir.join("evidence");
    let (code, _, err) = run(&[
        "scan",
        "samples/demo.apk",
        missing.to_str().unwrap(),
        "--evidence",
        evidence.to_str().unwrap(),
        "-o",
        jsonl.to_str().unwrap(),
    ]);
    assert!(code.is_some_and(|c| c <= 2), "{err}");
    let records = std::fs::read_to_string(&jsonl).unwrap();
    assert_eq!(records.lines().count(), 2, "{records}");
    for line in records.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["schema_version"], 1, "batch record {line}");
    }
    // rematch writes the same records from the evidence
    let (code, rematched, err) = run(&["rematch", evidence.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(rematched.lines().count() >= 1, "{rematched}");
    for line in rematched.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["schema_version"], 1, "rematch record {line}");
    }
    let (_, summary, _) = run(&["summary", jsonl.to_str().unwrap(), "--format", "json"]);
    let (_, stale, _) = run(&[
        "summary",
        jsonl.to_str().unwrap(),
        "--stale",
        "--format",
        "json",
    ]);
    // several files in one `scan --format jsonl`: the unreadable one's line too
    let (_, lines, _) = run(&[
        "scan",
        "samples/demo.apk",
        missing.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    for line in lines.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["schema_version"], 1, "jsonl line {line}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    for (name, text) in [
        ("scan", scan),
        ("audit", audit),
        ("disclose", draft),
        ("manifest", manifest),
        ("signatures", sigs),
        ("summary", summary),
        ("summary --stale", stale),
    ] {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["schema_version"], 1, "{name}");
    }
}

#[test]
fn audit_and_disclose_take_signatures() {
    let dir = std::env::temp_dir().join(format!("apkaudit-sigs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.to_str().unwrap();
    for args in [
        vec![
            "audit",
            "samples/demo.apk",
            "--policy",
            "samples/demo-policy.md",
            "--format",
            "json",
            "--signatures",
            d,
        ],
        vec![
            "disclose",
            "samples/demo.apk",
            "--format",
            "json",
            "--signatures",
            d,
        ],
    ] {
        let (code, _, err) = run(&args);
        assert!(code.is_some_and(|c| c <= 1), "{args:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
