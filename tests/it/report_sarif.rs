//! SARIF for code scanning: the rule list covers every rule and kind, locations are relative
//! to `--base-dir`, and Microsoft's SARIF Multitool (npm `@microsoft/sarif-multitool-linux`)
//! finds no error and no warning under GitHub's rule kind.

use apkaudit::audit::{FindingKind, Rule};
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_apkaudit");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `audit --format sarif` of `apk` against each policy, run from the project root.
fn sarif(apk: &Path, policy: &Path, base: Option<&Path>) -> serde_json::Value {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(ROOT).arg("audit").arg(apk).arg("--policy");
    cmd.arg(policy).args(["--format", "sarif"]);
    if let Some(b) = base {
        cmd.arg("--base-dir").arg(b);
    }
    let out = cmd.output().expect("run apkaudit");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
}

/// The inputs: the demo app against its policy and the committed real policies.
fn cases() -> Vec<(PathBuf, PathBuf)> {
    let root = Path::new(ROOT);
    let apk = root.join("samples/demo.apk");
    let mut v = vec![(
        PathBuf::from("samples/demo.apk"),
        PathBuf::from("samples/demo-policy.md"),
    )];
    for p in [
        "tests/data/policies/06_zh_simon_smart_sdk_four_column_cells.txt",
        "tests/data/policies/01_en_rikka_apps_privacy_policy.md",
        "tests/data/policies/09_zh_cdmobage_sharing_list_pipe_rows.txt",
    ] {
        v.push((apk.clone(), root.join(p)));
    }
    v
}

#[test]
fn sarif_rules_come_from_the_typed_list_and_locations_are_relative() {
    let (apk, policy) = &cases()[0];
    let v = sarif(apk, policy, None);
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, Rule::ALL.map(|r| r.id()));
    for k in FindingKind::ALL {
        assert!(
            rules.iter().any(|r| r["properties"]["kind"] == k.as_str()),
            "kind {k} has no rule"
        );
    }
    for r in rules {
        for field in ["shortDescription", "fullDescription", "help"] {
            assert!(r[field]["text"].as_str().is_some_and(|t| !t.is_empty()));
        }
        assert!(r["helpUri"].as_str().unwrap().starts_with("https://"));
        let s: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&s));
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for res in results {
        let id = res["ruleId"].as_str().unwrap();
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], id);
        let loc = &res["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(loc["uri"], "samples/demo-policy.md");
        assert_eq!(loc["uriBaseId"], "%SRCROOT%");
        assert!(res["partialFingerprints"]["apkauditFinding/v1"].is_string());
    }
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    // fingerprints tell findings apart
    let mut prints: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["apkauditFinding/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), results.len());
    // --base-dir: the same files seen from the parent directory
    let parent = Path::new(ROOT).parent().unwrap();
    let v = sarif(apk, policy, Some(parent));
    let loc = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    let dir = Path::new(ROOT).file_name().unwrap().to_string_lossy();
    assert_eq!(loc["uri"], format!("{dir}/samples/demo-policy.md"));
}

/// The Multitool itself: the npm launcher runs it through a shell (which splits
/// `Gh;Sarif`), so the binary beside the launcher is run directly.
fn multitool() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let launcher = std::env::split_paths(&path)
        .map(|d| d.join("sarif-multitool-linux"))
        .find(|p| p.is_file())
        .expect(
            "sarif-multitool-linux not on PATH: npm install -g @microsoft/sarif-multitool-linux",
        );
    let real = std::fs::canonicalize(&launcher).unwrap();
    let beside = real.parent().unwrap().join("Sarif.Multitool");
    if beside.is_file() {
        beside
    } else {
        launcher
    }
}

#[test]
#[cfg_attr(
    not(has_sarif_multitool),
    ignore = "needs the SARIF Multitool (npm install -g @microsoft/sarif-multitool-linux)"
)]
fn sarif_validates_under_github_rules_with_no_error_or_warning() {
    let tool = multitool();
    let dir = std::env::temp_dir().join(format!("apkaudit-sarif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (i, (apk, policy)) in cases().iter().enumerate() {
        let v = sarif(apk, policy, None);
        let f = dir.join(format!("case{i}.sarif"));
        std::fs::write(&f, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
        files.push(f);
    }
    let log = dir.join("validation.sarif");
    let out = Command::new(&tool)
        .args(["validate", "--rule-kind", "Gh;Sarif", "--output"])
        .arg(&log)
        .args(&files)
        .output()
        .expect("run the SARIF Multitool");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bad: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(": error ") || l.contains(": warning "))
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // the validator's own log lists no result either
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&log).unwrap()).unwrap();
    let results = v["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let serious: Vec<_> = results
        .iter()
        .filter(|r| matches!(r["level"].as_str(), Some("error") | Some("warning") | None))
        .collect();
    assert!(serious.is_empty(), "{serious:#?}");
    let _ = std::fs::remove_dir_all(&dir);
}
