//! A policy published as several pages: `policy::merge` of the pages audits like their
//! concatenation, and an SDK declared on two pages is one item with both sources. The app
//! is the generated demo app; the pages are written from what its scan found.

use apkaudit::audit::{audit, AuditReport};
use apkaudit::knowledge::Knowledge;
use apkaudit::policy::{merge, parse_policy, DeclaredPolicy, Kind, Vocabulary};
use apkaudit::scan::{scan_bytes, ScanOptions, ScanReport};

const BIN: &str = env!("CARGO_BIN_EXE_apkaudit");

fn read(text: &str) -> DeclaredPolicy {
    parse_policy(text, Kind::Markdown, &Vocabulary::embedded())
}

fn demo_scan() -> (Vec<u8>, ScanReport) {
    let apk = apkaudit::testkit::demo_apk().unwrap();
    let scan = scan_bytes("demo.apk", &apk, &ScanOptions::default()).unwrap();
    (apk, scan)
}

/// The SDK list page: every SDK the scan found, by name and vendor.
fn sdk_page(scan: &ScanReport) -> String {
    let mut s = String::from("# 第三方SDK列表\n\n");
    for x in &scan.sdks {
        s.push_str(&format!(
            "- {}：{}\n",
            x.name,
            x.vendor.as_deref().unwrap_or("")
        ));
    }
    s
}

/// The permission list page: every requested permission by constant.
fn permission_page(scan: &ScanReport) -> String {
    let mut s = String::from("# 应用权限列表\n\n");
    for p in &scan.permissions {
        s.push_str(&format!("- {}：用于实现相关功能\n", p.name));
    }
    s
}

/// Findings without their policy sources, sorted.
fn findings(r: &AuditReport) -> Vec<String> {
    let mut v: Vec<String> = r
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {:?} {:?} {:?} {}",
                f.rule.id(),
                f.severity,
                f.sdk,
                f.permission,
                f.data_type,
                f.unjudged.is_some()
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn merged_pages_audit_like_their_concatenation() {
    let (_, scan) = demo_scan();
    assert!(!scan.sdks.is_empty() && !scan.permissions.is_empty());
    let (a, b) = (sdk_page(&scan), permission_page(&scan));
    let k = Knowledge::embedded();
    let merged = merge(vec![
        ("sdks.md".into(), read(&a)),
        ("perms.md".into(), read(&b)),
    ]);
    let whole = read(&format!("{a}\n{b}"));
    let rm = audit(k, &scan, merged);
    let rw = audit(k, &scan, whole);
    assert_eq!(findings(&rm), findings(&rw));
    // the permissions are only on the second page, and none is reported undeclared
    assert!(
        !rm.findings.iter().any(|f| f.rule.id() == "PERM-01"),
        "{:?}",
        findings(&rm)
    );
    // every item names its page
    assert!(rm
        .policy
        .sdks
        .iter()
        .all(|s| s.source.file.as_deref() == Some("sdks.md")));
    assert!(rm
        .policy
        .permissions
        .iter()
        .all(|p| p.source.file.as_deref() == Some("perms.md")));
    assert_eq!(rm.policy_understood.permissions, scan.permissions.len());
}

#[test]
fn an_sdk_on_two_pages_is_one_item_with_both_sources() {
    let a = read("# 第三方SDK列表\n\n- 极光推送SDK：深圳市和讯华谷信息技术有限公司\n");
    let b = read(
        "# 第三方SDK共享清单\n\nSDK名称：极光推送SDK\n使用目的：消息推送\n收集个人信息类型：设备标识符（IMEI、OAID）\n\n# 应用权限列表\n\n- android.permission.CAMERA：扫码\n- android.permission.CAMERA：拍照\n",
    );
    let c = read("# 应用权限列表\n\n- android.permission.CAMERA：扫码\n");
    let m = merge(vec![
        ("a.md".into(), a),
        ("b.md".into(), b),
        ("c.md".into(), c),
    ]);
    let jpush: Vec<_> = m
        .sdks
        .iter()
        .filter(|s| s.id.as_deref() == Some("jpush"))
        .collect();
    assert_eq!(jpush.len(), 1, "{:?}", m.sdks);
    let j = jpush[0];
    assert_eq!(j.source.file.as_deref(), Some("a.md"));
    assert_eq!(j.also.len(), 1);
    assert_eq!(j.also[0].file.as_deref(), Some("b.md"));
    assert_eq!(j.also[0].at(), format!("b.md:{}", j.also[0].line));
    assert!(j.data_types.iter().any(|d| d == "imei"), "{j:?}");
    let cameras = m
        .permissions
        .iter()
        .filter(|p| p.name == "android.permission.CAMERA")
        .count();
    assert_eq!(cameras, 1);
}

#[test]
fn audit_cli_takes_policy_more_than_once() {
    let (apk, scan) = demo_scan();
    let dir = std::env::temp_dir().join(format!("apkaudit-policy-merge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let app = dir.join("demo.apk");
    std::fs::write(&app, apk).unwrap();
    let (pa, pb) = (dir.join("sdks.md"), dir.join("perms.md"));
    std::fs::write(&pa, sdk_page(&scan)).unwrap();
    std::fs::write(&pb, permission_page(&scan)).unwrap();
    let out = std::process::Command::new(BIN)
        .arg("audit")
        .arg(&app)
        .arg("--policy")
        .arg(&pa)
        .arg("--policy")
        .arg(&pb)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let perms = v["policy"]["permissions"].as_array().unwrap();
    assert!(!perms.is_empty());
    assert!(perms
        .iter()
        .all(|p| p["source"]["file"] == pb.display().to_string()));
    assert!(!v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "PERM-01"));
    // markdown names the file of a policy line a finding rests on
    let cited = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| !f["policy_source"].is_null());
    let out = std::process::Command::new(BIN)
        .arg("audit")
        .arg(&app)
        .arg("--policy")
        .arg(&pa)
        .arg("--policy")
        .arg(&pb)
        .args(["--format", "markdown"])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        !cited || md.contains("sdks.md:") || md.contains("perms.md:"),
        "{md}"
    );
}
