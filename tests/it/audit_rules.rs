//! Audit rules that keep a misread from becoming a finding (docs/audit-rules.md): broad
//! terms, DATA-03 only for SDKs in the APK, vague terms inside SDK rows, one finding per
//! (subject, data type), running processes vs the app list, and unjudged findings when the
//! data column was not read. The APK is the project's demo sample (gdt, pangle, umeng,
//! bugly, jpush; pangle reads IMEI, app list and MAC; gdt the Android ID and IMSI).

use apkaudit::audit::{audit, AuditReport, Rule, Severity};
use apkaudit::knowledge::Knowledge;
use apkaudit::policy::{parse_policy, vocab::Vocabulary, Kind};
use apkaudit::scan::{scan_bytes, ScanOptions, ScanReport};

fn demo() -> ScanReport {
    let apk = apkaudit::testkit::demo_apk().unwrap();
    scan_bytes("demo.apk", &apk, &ScanOptions::default()).unwrap()
}

fn run(scan: &ScanReport, policy_md: &str) -> AuditReport {
    let policy = parse_policy(policy_md, Kind::Markdown, &Vocabulary::embedded());
    audit(Knowledge::embedded(), scan, policy)
}

fn data_finding<'a>(
    r: &'a AuditReport,
    sdk: &str,
    data_type: &str,
) -> Option<&'a apkaudit::audit::Finding> {
    r.findings.iter().find(|f| {
        f.kind == "undeclared_data"
            && f.sdk.as_deref() == Some(sdk)
            && f.data_type.as_deref() == Some(data_type)
    })
}

const TABLE_HEAD: &str =
    "| SDK名称 | 第三方名称 | 使用目的 | 收集个人信息 | 隐私政策链接 |\n|---|---|---|---|---|\n";

#[test]
fn device_identifiers_cover_imei_at_low_severity() {
    let scan = demo();
    for term in ["设备标识符", "设备ID", "Device ID", "device identifiers"] {
        let md = format!(
            "{TABLE_HEAD}| 穿山甲 | 北京巨量引擎网络技术有限公司 | 广告 | {term}、应用列表、MAC地址 | https://www.csjplatform.com/privacy |\n"
        );
        let r = run(&scan, &md);
        let f = data_finding(&r, "pangle", "imei")
            .unwrap_or_else(|| panic!("{term}: a broad finding for the IMEI is expected"));
        assert_eq!(f.severity, Severity::Low, "{term}: {}", f.message);
        assert!(f.message.contains("broadly"), "{}", f.message);
    }
}

#[test]
fn running_processes_are_not_the_installed_app_list() {
    let k = Knowledge::embedded();
    let cover = k.terms.coverage.iter().find(|(b, _)| b == "installed_apps");
    assert!(
        cover.map_or(true, |(_, c)| !c.iter().any(|t| t == "running_apps")),
        "installed_apps must not cover running_apps"
    );
}

#[test]
fn data_03_only_for_sdks_in_the_apk() {
    let scan = demo();
    // Baidu Location is not in the demo APK; its row lists a permission the app requests
    let md = "| SDK名称 | 第三方名称 | 使用目的 | 收集个人信息 | 所需权限 | 隐私政策链接 |\n|---|---|---|---|---|---|\n| 百度定位SDK | 北京百度网讯科技有限公司 | 定位 | 设备型号 | android.permission.ACCESS_FINE_LOCATION | https://lbsyun.baidu.com/index.php?title=openprivacy |\n";
    let r = run(&scan, md);
    // the row and its permission were read, so DATA-03 had something to fire on
    let row = &r.policy.sdks[0];
    assert_eq!(row.id.as_deref(), Some("baidu-location"));
    assert!(row
        .permissions
        .iter()
        .any(|p| p == "android.permission.ACCESS_FINE_LOCATION"));
    assert!(
        !r.findings.iter().any(|f| f.rule == Rule::Data03),
        "{:#?}",
        r.findings
            .iter()
            .filter(|f| f.rule == Rule::Data03)
            .collect::<Vec<_>>()
    );
}

#[test]
fn category_words_inside_an_sdk_row_are_not_vague_disclosures() {
    let scan = demo();
    // the purpose cell of the Youlianghui row says "advertising partners"; the row names
    // a concrete SDK, so Pangle (not declared) is SDK-01, not SDK-04
    let md = format!(
        "{TABLE_HEAD}| 优量汇 | 深圳市腾讯计算机系统有限公司 | 向广告合作伙伴提供广告 | 设备信息 | https://e.qq.com/dev/privacy.html |\n"
    );
    let r = run(&scan, &md);
    // the reader does see the category term (on the row's line) ...
    assert!(
        r.policy.vague.iter().any(|v| v.category == "ads"),
        "{:?}",
        r.policy.vague
    );
    // ... and the audit does not take it for a disclosure of Pangle
    let pangle: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.sdk.as_deref() == Some("pangle") && f.kind != "undeclared_data")
        .collect();
    assert_eq!(pangle.len(), 1, "{pangle:#?}");
    assert_eq!(pangle[0].rule, Rule::Sdk01);
}

#[test]
fn one_finding_per_subject_and_data_type() {
    let scan = demo();
    let md = format!(
        "{TABLE_HEAD}| 穿山甲 | 北京巨量引擎网络技术有限公司 | 广告 | 崩溃日志 | https://www.csjplatform.com/privacy |\n| 优量汇 | 深圳市腾讯计算机系统有限公司 | 广告 | 崩溃日志 | https://e.qq.com/dev/privacy.html |\n"
    );
    let r = run(&scan, &md);
    let mut seen = std::collections::HashSet::new();
    for f in r.findings.iter().filter(|f| f.kind == "undeclared_data") {
        let key = (f.sdk.clone(), f.data_type.clone());
        assert!(seen.insert(key.clone()), "twice: {key:?}");
    }
    // pangle's IMEI is read in code (DATA-01, high) and documented (DATA-02): one finding,
    // the observed one, with the documentation as evidence
    let imei = data_finding(&r, "pangle", "imei").expect("pangle imei");
    assert_eq!(imei.rule, Rule::Data01);
    assert_eq!(imei.severity, Severity::High);
}

#[test]
fn rows_without_a_readable_data_field_are_not_judged() {
    let scan = demo();
    // a list that names the SDKs but whose data column the reader cannot find
    let md = "| SDK名称 | 第三方名称 | 使用目的 | 隐私政策链接 |\n|---|---|---|---|\n| 穿山甲 | 北京巨量引擎网络技术有限公司 | 广告 | https://www.csjplatform.com/privacy |\n";
    let r = run(&scan, md);
    assert!(r.policy_understood.data_unjudged.is_some());
    assert!(r
        .policy_understood
        .headline
        .contains("data column not found"));
    let imei = data_finding(&r, "pangle", "imei").expect("pangle imei");
    assert_eq!(imei.severity, Severity::Info);
    assert!(imei.unjudged.is_some());
    assert!(!r
        .findings
        .iter()
        .any(|f| f.severity == Severity::High && f.kind == "undeclared_data" && f.sdk.is_some()));
}
