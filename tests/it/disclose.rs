//! `disclose`: the drafts list what the scan found, and an app audited against its own
//! JSON draft has no `undeclared_*` finding (the policy reader reads the draft back).

use apkaudit::audit::audit;
use apkaudit::knowledge::{Knowledge, Lang};
use apkaudit::policy::{parse_policy, vocab::Vocabulary, Kind};
use apkaudit::report::disclose::{
    disclosure, disclosure_csv, disclosure_html, disclosure_json, disclosure_markdown,
};
use apkaudit::scan::{scan_bytes, scan_file, ScanOptions, ScanReport};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_apkaudit");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Audit `scan` against its own JSON draft: the undeclared findings left.
fn undeclared_against_own_draft(scan: &ScanReport) -> Vec<String> {
    let k = Knowledge::embedded();
    let d = disclosure(scan, k, Lang::Zh);
    let json = disclosure_json(&d);
    let policy = parse_policy(&json, Kind::Json, &Vocabulary::embedded());
    let r = audit(k, scan, policy);
    r.findings
        .iter()
        .filter(|f| f.kind.as_str().starts_with("undeclared_"))
        .map(|f| format!("{} {}: {}", f.rule, f.kind, f.message))
        .collect()
}

#[test]
fn the_demo_draft_lists_every_sdk_and_data_type_and_reads_back_clean() {
    let apk = apkaudit::testkit::demo_apk().unwrap();
    let scan = scan_bytes("demo.apk", &apk, &ScanOptions::default()).unwrap();
    let k = Knowledge::embedded();
    let d = disclosure(&scan, k, Lang::Zh);
    for s in &scan.sdks {
        let row = d
            .sdks
            .iter()
            .find(|r| r.id == s.id)
            .expect("every SDK has a row");
        let sig = k.signatures.get(&s.id).unwrap();
        if sig.vendor_zh.is_some() || sig.vendor.is_some() {
            assert!(row.company.is_some(), "{}: legal entity", s.id);
        }
        assert_eq!(row.privacy_url, sig.privacy_url, "{}: link", s.id);
    }
    for a in &scan.data_access {
        for t in &a.data_types {
            assert!(
                d.data_safety.iter().any(|r| r.data_type == t.data_type),
                "{}",
                t.data_type
            );
        }
    }
    let left = undeclared_against_own_draft(&scan);
    assert!(left.is_empty(), "{left:#?}");
    // the other forms carry the same rows and say what to fill in
    let md = disclosure_markdown(&d, k, Lang::Zh);
    assert!(md.contains("第三方SDK清单") && md.contains("待人工填写") && md.contains("已观察"));
    let html = disclosure_html(&d, k, Lang::En);
    assert!(html.contains("Data safety") && !html.contains("<script"));
    let csv = disclosure_csv(&d);
    assert!(csv.starts_with("kind,name,company,purpose,data_types"));
    for s in &d.sdks {
        assert!(md.contains(&s.name) && csv.contains(&s.id));
    }
}

#[test]
fn disclose_command_writes_every_format() {
    for (fmt, want) in [
        ("json", "apkaudit-declared/1"),
        ("md", "## "),
        ("html", "<!DOCTYPE html>"),
        ("csv", "kind,name"),
    ] {
        let out = Command::new(BIN)
            .current_dir(ROOT)
            .args([
                "disclose",
                "samples/demo.apk",
                "--format",
                fmt,
                "--lang",
                "zh",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains(want), "{fmt}");
    }
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared/corpus")]
fn corpus_apps_audited_against_their_own_draft_have_no_undeclared_finding() {
    let dir = std::path::Path::new(ROOT).join("../shared/corpus/apps");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "apk"))
        .filter(|p| p.metadata().is_ok_and(|m| m.len() < 40 << 20))
        .collect();
    files.sort();
    let mut checked = 0;
    let mut failures = Vec::new();
    for f in &files {
        let Ok(scan) = scan_file(f, &ScanOptions::default()) else {
            continue;
        };
        if scan.sdks.is_empty() && scan.data_access.is_empty() {
            continue;
        }
        checked += 1;
        let left = undeclared_against_own_draft(&scan);
        if !left.is_empty() {
            failures.push(format!("{}: {left:#?}", f.display()));
        }
    }
    assert!(checked >= 5, "only {checked} corpus apps with SDKs");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
