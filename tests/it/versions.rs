//! SDK versions (docs/signatures.md `[version]`): from strings, native library names,
//! meta-data and an `.aab`'s Maven coordinates, with version issues from the signature.

use apkaudit::detect::sdk::AppEvidence;
use apkaudit::formats::aab_deps::{encode_dependencies, parse_dependencies, MavenDependency};
use apkaudit::knowledge::signatures::{compare_versions, SignatureDb, VersionIssue};
use apkaudit::knowledge::Knowledge;
use std::cmp::Ordering::*;

fn found(ev: &AppEvidence) -> Vec<apkaudit::detect::sdk::SdkFinding> {
    let m = &Knowledge::embedded().matcher;
    let mut f = m.match_app(ev);
    m.add_versions(ev, &mut f);
    f
}

#[test]
fn versions_compare_part_by_part() {
    assert_eq!(compare_versions("2.1.2", "2.1.10"), Less);
    assert_eq!(compare_versions("3.0", "3.0.0"), Less);
    assert_eq!(compare_versions("7.0.1.103", "7.0.1.103"), Equal);
    assert_eq!(compare_versions("10.0", "9.9.9"), Greater);
    let i = VersionIssue {
        below: Some("3.0.0".into()),
        from: Some("2.0".into()),
        problem: "p".into(),
        source: "https://example.org/".into(),
    };
    assert!(i.affects("2.1.2") && !i.affects("3.0.0") && !i.affects("1.9"));
    assert_eq!(i.range(), ">= 2.0, < 3.0.0");
}

#[test]
fn jcore_version_from_its_banner_and_its_library_name() {
    let ev = AppEvidence {
        classes: vec!["cn.jiguang.api.JCoreInterface".into()],
        strings: ["action:init jcore,version:2.1.2,build id:40"]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let f = found(&ev);
    let j = f.iter().find(|f| f.id == "jcore").unwrap();
    assert_eq!(j.version.as_deref(), Some("2.1.2"));
    assert!(j
        .version_source
        .as_deref()
        .unwrap()
        .starts_with("strings \""));
    let ev = AppEvidence {
        native_libs: vec!["lib/arm64-v8a/libjcore228.so".into()],
        ..Default::default()
    };
    let f = found(&ev);
    let j = f.iter().find(|f| f.id == "jcore").unwrap();
    assert_eq!(j.version.as_deref(), Some("2.2.8"));
    assert_eq!(
        j.version_source.as_deref(),
        Some("native_libs lib/arm64-v8a/libjcore228.so")
    );
}

#[test]
fn maven_coordinates_come_first() {
    let deps = vec![MavenDependency {
        group: "cn.jiguang.sdk".into(),
        artifact: "jcore".into(),
        version: "4.2.0".into(),
    }];
    let ev = AppEvidence {
        classes: vec!["cn.jiguang.api.JCoreInterface".into()],
        strings: ["action:init jcore,version:2.1.2,build id:40"]
            .into_iter()
            .collect(),
        maven: parse_dependencies(&encode_dependencies(&deps)).unwrap(),
        ..Default::default()
    };
    let j = found(&ev).into_iter().find(|f| f.id == "jcore").unwrap();
    assert_eq!(j.version.as_deref(), Some("4.2.0"));
    assert_eq!(
        j.version_source.as_deref(),
        Some("maven cn.jiguang.sdk:jcore:4.2.0")
    );
}

#[test]
fn a_signature_marks_version_ranges_with_problems() {
    let text = r#"
id = "demo-sdk"
name = "Demo"
category = "analytics"
[match]
packages = ["com.demo.sdk"]
[version]
strings = ['^demo-sdk ([0-9.]+)$']
[[version.issues]]
below = "2.0"
problem = "collects the device id before consent"
source = "https://example.org/notice"
[test]
match = ["class:com.demo.sdk.A"]
no_match = ["class:com.demox.A"]
"#;
    let dir = std::env::temp_dir().join(format!("apkaudit-ver-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("demo-sdk.toml"), text).unwrap();
    let db = SignatureDb::load_dir(&dir).unwrap();
    let m = db.compile();
    for (v, issues) in [("1.9.3", 1), ("2.0", 0)] {
        let ev = AppEvidence {
            classes: vec!["com.demo.sdk.A".into()],
            strings: [format!("demo-sdk {v}")].into_iter().collect(),
            ..Default::default()
        };
        let mut f = m.match_app(&ev);
        m.add_versions(&ev, &mut f);
        assert_eq!(f[0].version.as_deref(), Some(v));
        assert_eq!(f[0].version_issues.len(), issues, "{v}");
    }
    // a pattern without a capture group, a bad regex and a local source are refused
    for bad in [
        "[version]\nstrings = ['demo']\n",
        "[version]\nstrings = ['(']\n",
        "[version]\nstrings = ['(x)']\n[[version.issues]]\nbelow = \"1\"\nproblem = \"p\"\nsource = \"/home/me/notes.txt\"\n",
    ] {
        let t = text.replace(
            "[version]\nstrings = ['^demo-sdk ([0-9.]+)$']\n[[version.issues]]\nbelow = \"2.0\"\nproblem = \"collects the device id before consent\"\nsource = \"https://example.org/notice\"\n",
            bad,
        );
        std::fs::write(dir.join("demo-sdk.toml"), t).unwrap();
        assert!(SignatureDb::load_dir(&dir).is_err(), "{bad}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn honor_push_version_from_the_aar_meta_data() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/sdk/honor__Honor-push-7.0.1.103.aar");
    let r = apkaudit::scan::scan_file(&p, &Default::default()).unwrap();
    let h = r.sdks.iter().find(|f| f.id == "honor-push").unwrap();
    assert_eq!(h.version.as_deref(), Some("7.0.1.103"));
    assert_eq!(
        h.version_source.as_deref(),
        Some("meta_data com.hihonor.push.sdk_version")
    );
}

/// Versions survive renaming: read from the strings of the obfuscated test set's apps.
#[test]
#[cfg_attr(
    not(all(obfuscated_set, shared)),
    ignore = "needs target/obfuscated-set (tools/obfuscated/build.sh) and ../shared"
)]
fn versions_in_renamed_apps() {
    let apps = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/obfuscated-set/apps");
    for (app, sdk, version) in [
        ("jpush-3.1.6", "jcore", "2.1.2"),
        ("getui", "getui", "3.3.12.0"),
        ("amap-location", "amap", "5.6.1"),
        ("umeng-analytics", "umeng", "2.2.5"),
        ("baidu-location", "baidu-location", "7.5.1"),
    ] {
        let r = apkaudit::scan::scan_file(
            &apps.join(app).join(format!("{app}.apk")),
            &Default::default(),
        )
        .unwrap();
        let f = r
            .sdks
            .iter()
            .find(|f| f.id == sdk)
            .unwrap_or_else(|| panic!("{app}: {sdk}"));
        assert_eq!(f.version.as_deref(), Some(version), "{app}: {sdk}");
    }
}
