//! Split sets as users hand them over: .xapk (manifest.json + OBB), .apkm (plain and
//! encrypted), split folders, and nested plugin payloads. Inputs are generated here
//! (fixture builder) and, where available, taken from ../shared/corpus.

use apkaudit::scan::{scan_bytes, scan_file, InputKind, ScanOptions};
use apkaudit::testkit::{demo_apk, s, write_axml, write_zip, AttrValue, Node};

use crate::common;
use common::corpus as shared;

/// A config split of the demo app: its own manifest with `split=...` and one native lib.
fn config_split(split: &str, extra_perm: Option<&str>) -> Vec<u8> {
    let mut m = Node::new("manifest")
        .plain("package", s("com.example.demo"))
        .plain("split", s(split))
        .android("versionCode", AttrValue::Int(3));
    if let Some(p) = extra_perm {
        m = m.child(Node::new("uses-permission").android("name", s(p)));
    }
    let axml = write_axml(&m);
    write_zip(&[
        ("AndroidManifest.xml", &axml),
        ("lib/arm64-v8a/libjcore.so", b"not really an ELF"),
    ])
    .unwrap()
}

#[test]
fn xapk_with_manifest_json_and_obb() {
    let base = demo_apk().unwrap();
    let split = config_split("config.arm64_v8a", Some("android.permission.RECORD_AUDIO"));
    let manifest_json = br#"{"xapk_version":2,"package_name":"com.example.demo","name":"Demo",
        "version_code":"3","version_name":"1.2.0",
        "split_apks":[{"file":"com.example.demo.apk","id":"base"},{"file":"config.arm64_v8a.apk","id":"config.arm64_v8a"},{"file":"config.xx.apk","id":"config.xx"}],
        "expansions":[{"file":"Android/obb/com.example.demo/main.3.com.example.demo.obb","install_location":"EXTERNAL_STORAGE","install_path":"Android/obb/com.example.demo/main.3.com.example.demo.obb"}]}"#;
    let obb = vec![7u8; 4096];
    let xapk = write_zip(&[
        ("manifest.json", manifest_json),
        ("icon.png", b"\x89PNG"),
        ("com.example.demo.apk", &base),
        ("config.arm64_v8a.apk", &split),
        (
            "Android/obb/com.example.demo/main.3.com.example.demo.obb",
            &obb,
        ),
    ])
    .unwrap();
    let r = scan_bytes("demo.xapk", &xapk, &ScanOptions::default()).unwrap();
    assert_eq!(r.kind, InputKind::SplitSet);
    assert_eq!(r.package.as_deref(), Some("com.example.demo"));
    assert_eq!(r.version_code, Some(3));
    let b = r.bundle.as_ref().expect("bundle info");
    assert_eq!(b.format, "xapk");
    assert_eq!(b.declared_package.as_deref(), Some("com.example.demo"));
    assert_eq!(b.declared_version_code, Some(3));
    assert_eq!(b.obb.len(), 1);
    assert_eq!(b.obb[0].size, 4096);
    // base first, then the split
    assert_eq!(b.parts.len(), 2);
    assert_eq!(b.parts[0].split, None);
    assert_eq!(b.parts[1].split.as_deref(), Some("config.arm64_v8a"));
    // union of permissions: the split's RECORD_AUDIO is there
    assert!(r
        .permissions
        .iter()
        .any(|p| p.name == "android.permission.RECORD_AUDIO"));
    // the split's native lib names its split; the broken ELF is an error naming it too
    assert!(r.errors.iter().any(|d| d
        .part
        .as_deref()
        .unwrap_or("")
        .starts_with("config.arm64_v8a.apk!")));
    // evidence names the split it came from (JPush component in base)
    let jpush = r.sdks.iter().find(|f| f.id == "jpush").expect("jpush");
    assert!(jpush
        .evidence
        .iter()
        .flat_map(|e| &e.examples)
        .all(|x| x.starts_with("com.example.demo.apk!") || x.starts_with("config.arm64_v8a.apk!")));
    // the listed but absent split is a warning
    assert!(
        r.warnings.iter().any(|w| w.contains("config.xx.apk")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn plain_apkm_reads_info_json() {
    let base = demo_apk().unwrap();
    let info = br#"{"apkm_version":4,"app_name":"Demo","pname":"com.example.other","release_version":"1.2.0","versioncode":"3"}"#;
    let apkm = write_zip(&[("info.json", info), ("base.apk", &base)]).unwrap();
    let r = scan_bytes("demo.apkm", &apkm, &ScanOptions::default()).unwrap();
    let b = r.bundle.as_ref().unwrap();
    assert_eq!(b.format, "apkm");
    assert_eq!(b.declared_package.as_deref(), Some("com.example.other"));
    // the metadata disagrees with the base APK: said so
    assert!(r.warnings.iter().any(|w| w.contains("com.example.other")));
}

#[test]
fn encrypted_apkm_is_refused_clearly() {
    // header: version, alg=2 (argon2id), opslimit=3, memlimit=64 MiB, chunk=1 MiB, salt, stream header
    let mut data = vec![5u8, 2];
    data.extend(3u64.to_le_bytes());
    data.extend((64u64 << 20).to_le_bytes());
    data.extend((1u64 << 20).to_le_bytes());
    data.extend([0x11; 16]);
    data.extend([0x22; 24]);
    data.extend((0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    let err = scan_bytes("x.apkm", &data, &ScanOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("encrypted"), "{msg}");
    assert!(msg.contains("x.apkm"), "{msg}");
    // random bytes that do not have the header are an ordinary "not a zip" error
    let junk: Vec<u8> = (0..4096u32).map(|i| (i * 7 + 3) as u8).collect();
    let err = scan_bytes("junk.bin", &junk, &ScanOptions::default()).unwrap_err();
    assert!(!err.to_string().contains("encrypted"), "{err}");
}

#[test]
fn split_folder_is_one_app() {
    let dir = std::env::temp_dir().join(format!("apkaudit-splitdir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("base.apk"), demo_apk().unwrap()).unwrap();
    std::fs::write(
        dir.join("split_config.arm64_v8a.apk"),
        config_split("config.arm64_v8a", Some("android.permission.READ_CONTACTS")),
    )
    .unwrap();
    assert!(apkaudit::input::split_set::is_split_folder(&dir));
    let r = scan_file(&dir, &ScanOptions::default()).unwrap();
    assert_eq!(r.kind, InputKind::SplitSet);
    assert_eq!(r.bundle.as_ref().unwrap().format, "split-folder");
    assert_eq!(r.splits, vec!["base.apk", "split_config.arm64_v8a.apk"]);
    assert!(r
        .permissions
        .iter()
        .any(|p| p.name == "android.permission.READ_CONTACTS"));
    assert_eq!(r.sha256.len(), 64);
    // a folder of unrelated APKs is not a split folder
    let other = Node::new("manifest").plain("package", s("com.other"));
    std::fs::write(
        dir.join("z_other.apk"),
        write_zip(&[("AndroidManifest.xml", &write_axml(&other))]).unwrap(),
    )
    .unwrap();
    assert!(!apkaudit::input::split_set::is_split_folder(&dir));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn corpus_config_splits_with_base_as_folder() {
    let Some(c) = shared() else { return };
    // Ola Lite base is a different app than the Ola config splits: not one split folder.
    let dir = std::env::temp_dir().join(format!("apkaudit-ola-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in [
        "ola__split_config.en.apk",
        "ola__split_config.xhdpi.unpinned.apk",
    ] {
        std::fs::copy(c.join("split").join(f), dir.join(f)).unwrap();
    }
    // two config splits and no base: not a split folder, but scanning it still works
    // and says that no base was found
    assert!(!apkaudit::input::split_set::is_split_folder(&dir));
    let r = scan_file(&dir, &ScanOptions::default()).unwrap();
    assert_eq!(r.package.as_deref(), Some("com.olacabs.customer"));
    assert!(r.warnings.iter().any(|w| w.contains("no base APK")));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn nested_plugin_jar_is_scanned_with_its_path() {
    let Some(c) = shared() else { return };
    let r = scan_file(
        &c.join("apps/cn_pangle-gdt__miiad-app-test0817.apk"),
        &ScanOptions::default(),
    )
    .unwrap();
    let n = r
        .nested_code
        .iter()
        .find(|n| n.path == "assets/gdt_plugin/gdtadv2.jar")
        .expect("plugin jar listed");
    assert_eq!(n.format, "jar");
    assert!(n.class_count > 100, "{}", n.class_count);
    assert!(n.sdks.contains(&"gdt".to_string()));
    let gdt = r.sdks.iter().find(|f| f.id == "gdt").unwrap();
    assert!(gdt
        .evidence
        .iter()
        .flat_map(|e| &e.examples)
        .any(|x| x.starts_with("assets/gdt_plugin/gdtadv2.jar!com.qq.e.")));
}

#[test]
fn batch_takes_a_split_folder_as_one_app() {
    let root = std::env::temp_dir().join(format!("apkaudit-dump-{}", std::process::id()));
    let split_dir = root.join("com.example.demo");
    std::fs::create_dir_all(&split_dir).unwrap();
    std::fs::write(root.join("single.apk"), demo_apk().unwrap()).unwrap();
    std::fs::write(split_dir.join("base.apk"), demo_apk().unwrap()).unwrap();
    std::fs::write(
        split_dir.join("split_config.arm64_v8a.apk"),
        config_split("config.arm64_v8a", None),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_apkaudit"))
        .args(["scan", "--sorted"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{text}");
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"split-set") && kinds.contains(&"apk"),
        "{kinds:?}"
    );
    // the split folder named directly is one app: a table, not a batch
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_apkaudit"))
        .arg("scan")
        .arg(&split_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("split-folder"));
    std::fs::remove_dir_all(&root).ok();
}

#[test]
fn split_sets_nested_in_split_sets_do_not_recurse() {
    // 1,000 levels of "a zip holding one .apk that is again such a zip": a recursive
    // reader would overflow its stack; the inner set is refused, the outer one reported
    let mut inner = demo_apk().unwrap();
    for _ in 0..1000 {
        inner = write_zip(&[("x.apk", &inner)]).unwrap();
    }
    match scan_bytes("deep.apks", &inner, &ScanOptions::default()) {
        Ok(r) => assert!(r.bundle.is_some()),
        Err(e) => assert!(e.to_string().contains("split set"), "{e}"),
    }
    // one level of nesting: the nested set is an error of that part
    let base = demo_apk().unwrap();
    let set = write_zip(&[("base.apk", &base)]).unwrap();
    let outer = write_zip(&[("base.apk", &base), ("more.apk", &set)]).unwrap();
    let r = scan_bytes("outer.apks", &outer, &ScanOptions::default()).unwrap();
    assert_eq!(r.splits, vec!["base.apk"]);
    assert!(r
        .errors
        .iter()
        .any(|d| d.part.as_deref() == Some("more.apk") && d.message.contains("split set inside")));
}
