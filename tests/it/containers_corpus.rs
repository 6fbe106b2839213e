//! SDK artefacts, bundles and split sets from the corpus: the SDK each artefact is must be
//! detected, AAR permissions listed, and the .aab manifest read. Skips without ../shared.

use apkaudit::scan::{scan_file, InputKind, ScanOptions};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use crate::common;
use common::corpus;

/// `<uses-permission android:name="...">` names found by a plain text search of the
/// AAR's manifest (independent of the XML reader under test).
fn aar_permissions_by_text(path: &Path) -> BTreeSet<String> {
    let f = std::fs::File::open(path).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut text = String::new();
    z.by_name("AndroidManifest.xml")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let mut out = BTreeSet::new();
    for chunk in text.split("<uses-permission").skip(1) {
        let tag = chunk.split('>').next().unwrap_or("");
        if let Some(rest) = tag.split("android:name=\"").nth(1) {
            out.insert(rest.split('"').next().unwrap().to_string());
        }
    }
    out
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn sdk_artefacts_are_identified() {
    let Some(c) = corpus() else { return };
    let expected = [
        (
            "sdk/baidu__Baidu_MobAds_SDK-release_v9.241.aar",
            "baidu-mobads",
        ),
        ("sdk/bugly__bugly_crash_release.jar", "bugly"),
        ("sdk/gdt__GDTSDK.unionNormal.4.492.1362.aar", "gdt"),
        ("sdk/honor__Honor-push-7.0.1.103.aar", "honor-push"),
        ("sdk/jpush__jpush-android-2.1.9.jar", "jpush"),
        ("sdk/kuaishou__kssdk-ad-3.3.32.aar", "kuaishou"),
        ("sdk/pangle__open_ad_sdk_V4.8.0.5.aar", "pangle"),
        ("sdk/umeng__umeng-analytics-8.1.6.jar", "umeng"),
        ("sdk/umeng__umeng-common-2.2.5.jar", "umeng"),
        ("sdk/xiaomi__mimo-ad-sdk-5.2.1.aar", "mimo-ads"),
    ];
    for (rel, id) in expected {
        let path = c.join(rel);
        let r = scan_file(&path, &ScanOptions::default()).unwrap();
        let f = r
            .sdks
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("{rel}: {id} not found"));
        assert!(
            f.evidence
                .iter()
                .any(|e| e.kind == "classes" && e.count > 0),
            "{rel}: no class evidence"
        );
        assert!(r.class_count > 0, "{rel}: no classes read");
        if rel.ends_with(".aar") {
            assert_eq!(r.kind, InputKind::Aar);
            let ours: BTreeSet<String> = r.permissions.iter().map(|p| p.name.clone()).collect();
            assert_eq!(
                ours,
                aar_permissions_by_text(&path),
                "{rel}: AAR permissions"
            );
        } else {
            assert_eq!(r.kind, InputKind::Jar);
        }
    }
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn bundle_and_split_set_are_read() {
    let Some(c) = corpus() else { return };
    let aab = scan_file(
        &c.join("split/buddhaquotes__app-release.aab"),
        &ScanOptions::default(),
    )
    .unwrap();
    assert_eq!(aab.kind, InputKind::Aab);
    // facts read from the bundle's own protobuf manifest (checked by hand in the raw bytes)
    assert_eq!(aab.package.as_deref(), Some("org.bandev.buddhaquotes"));
    assert_eq!(aab.version_code, Some(1010));
    assert_eq!(aab.version_name.as_deref(), Some("v1.6.0"));
    assert_eq!((aab.min_sdk, aab.target_sdk), (Some(21), Some(30)));
    assert!(
        aab.dex_files.iter().any(|d| d == "base/dex/classes.dex"),
        "{:?}",
        aab.dex_files
    );

    let apks = scan_file(
        &c.join("split/instant-sample__app.apks"),
        &ScanOptions::default(),
    )
    .unwrap();
    assert_eq!(apks.kind, InputKind::SplitSet);
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(c.join("truth/split/instant-sample__app.apks.json")).unwrap(),
    )
    .unwrap();
    let _ = truth;
    assert_eq!(
        apks.package.as_deref(),
        Some("com.example.instanttestapplication")
    );
    assert_eq!(apks.splits.len(), 3, "{:?}", apks.splits);
    assert!(apks
        .dex_files
        .iter()
        .any(|d| d.contains("base-master.apk!classes.dex")));
}
