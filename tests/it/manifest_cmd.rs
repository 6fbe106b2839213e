//! `apkaudit manifest`: every container `scan` reads (APK, split sets, AAB, AAR), with
//! numeric enum and flag values named (`data/manifest_values.toml`), checked against the
//! numbers aapt prints.

use apkaudit::knowledge::manifest_values::ManifestValues;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_apkaudit");

fn manifest(path: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(BIN)
        .arg("manifest")
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn manifest_reads_split_sets_and_aars() {
    let dir = std::env::temp_dir().join(format!("apkaudit-manifest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let apk = apkaudit::testkit::demo_apk().unwrap();
    // an .apks with the demo app as its base
    let apks = dir.join("demo.apks");
    std::fs::write(
        &apks,
        apkaudit::testkit::write_zip(&[("base.apk", &apk)]).unwrap(),
    )
    .unwrap();
    let (ok, out, err) = manifest(&apks);
    assert!(ok, "{err}");
    assert!(out.contains("package=\"com.example.demo\""), "{out}");
    // an AAR: text XML manifest beside classes.jar
    let jar = apkaudit::testkit::write_zip(&[("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n")])
        .unwrap();
    let xml = br#"<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.sdk">
  <uses-permission android:name="android.permission.INTERNET"/>
</manifest>"#;
    let aar = dir.join("sdk.aar");
    std::fs::write(
        &aar,
        apkaudit::testkit::write_zip(&[("AndroidManifest.xml", xml), ("classes.jar", &jar)])
            .unwrap(),
    )
    .unwrap();
    let (ok, out, err) = manifest(&aar);
    assert!(ok, "{err}");
    assert!(
        out.contains("com.example.sdk") && out.contains("android.permission.INTERNET"),
        "{out}"
    );
    // not an app: one line naming the file
    let junk = dir.join("junk.apk");
    std::fs::write(&junk, b"not a zip").unwrap();
    let (ok, _, err) = manifest(&junk);
    assert!(
        !ok && err.contains("junk.apk") && !err.contains("panicked"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared/corpus")]
fn manifest_reads_the_corpus_aab_and_apks() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/split");
    for f in ["buddhaquotes__app-release.aab", "instant-sample__app.apks"] {
        let (ok, out, err) = manifest(&root.join(f));
        assert!(ok, "{f}: {err}");
        assert!(
            out.contains("<manifest") && out.contains("package="),
            "{f}: {out}"
        );
    }
}

/// `android:NAME(0x…)=(type 0x10)0xN` lines of `aapt dump xmltree`, in order.
fn aapt_values(apk: &std::path::Path, attr: &str) -> Vec<i64> {
    let out = Command::new("aapt")
        .args(["dump", "xmltree"])
        .arg(apk)
        .arg("AndroidManifest.xml")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let key = format!("A: android:{attr}(");
    text.lines()
        .filter_map(|l| l.trim().strip_prefix(&key))
        .filter_map(|rest| {
            let v = rest.split(")=(type 0x1").nth(1)?;
            let hex = v.get(2..)?.trim().strip_prefix("0x")?;
            i64::from_str_radix(hex, 16).ok()
        })
        .collect()
}

#[test]
#[cfg_attr(not(all(shared, has_aapt)), ignore = "needs ../shared/corpus and aapt")]
fn named_values_agree_with_aapt_numbers() {
    let db = ManifestValues::embedded();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/apps");
    let mut compared = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "apk") {
            continue;
        }
        let (ok, out, _) = manifest(&p);
        if !ok {
            continue;
        }
        for a in db.all() {
            let key = format!("android:{}=\"", a.name);
            let ours: Vec<&str> = out
                .split(&key)
                .skip(1)
                .filter_map(|s| s.split('"').next())
                .collect();
            let theirs = aapt_values(&p, &a.name);
            if theirs.is_empty() {
                continue;
            }
            assert_eq!(ours.len(), theirs.len(), "{} {}", p.display(), a.name);
            for (o, t) in ours.iter().zip(&theirs) {
                match db.name(&a.name, *t) {
                    Some(want) => assert_eq!(*o, want, "{} {} = {t:#x}", p.display(), a.name),
                    // no name: the number, as the value type prints it
                    None => assert!(
                        *o == t.to_string() || *o == format!("0x{t:08x}"),
                        "{o} vs {t:#x}"
                    ),
                }
                compared += 1;
            }
        }
    }
    assert!(compared > 20, "only {compared} values compared");
}
