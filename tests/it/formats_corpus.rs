//! Corpus tests for the standalone format parsers (classfile, native, aabproto), checked
//! against independent tools (javap, readelf) and the corpus truth JSON.

use apkaudit::formats::classfile::ClassFile;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared"));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("SKIP: ../shared corpus not present");
        None
    }
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok()
        || Command::new(name).arg("-version").output().is_ok()
}

/// Entries of a zip file whose names satisfy `pred`, up to `max`.
fn zip_entries(path: &Path, pred: impl Fn(&str) -> bool, max: usize) -> Vec<(String, Vec<u8>)> {
    let f = std::fs::File::open(path).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let name = e.name().unwrap().to_string();
        if pred(&name) {
            let mut v = Vec::new();
            e.read_to_end(&mut v).unwrap();
            out.push((name, v));
            if out.len() >= max {
                break;
            }
        }
    }
    out
}

struct Xorshift(u64);
impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Truncations and random byte mutations of `data` fed to `f`: must never panic.
fn fuzz(data: &[u8], seed: u64, rounds: usize, f: impl Fn(&[u8])) {
    let mut rng = Xorshift(seed);
    let step = (data.len() / 64).max(1);
    let mut n = 0;
    while n < data.len() {
        f(&data[..n]);
        n += step;
    }
    for _ in 0..rounds {
        let mut d = data.to_vec();
        if d.is_empty() {
            return;
        }
        for _ in 0..(1 + rng.next() % 8) {
            let i = (rng.next() as usize) % d.len();
            d[i] = rng.next() as u8;
        }
        f(&d);
    }
}

/// Parse `javap -v` constant-pool lines: returns (this, super, class names, method refs, string count).
fn javap(path: &Path) -> (String, String, Vec<String>, usize, usize) {
    let out = Command::new("javap").arg("-v").arg(path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let (mut this, mut sup) = (String::new(), String::new());
    let mut classes = Vec::new();
    let (mut methods, mut strings) = (0, 0);
    for line in text.lines() {
        let l = line.trim();
        let comment = l
            .split("// ")
            .nth(1)
            .unwrap_or("")
            .trim()
            .trim_matches('"')
            .to_string();
        if l.starts_with("this_class:") {
            this = comment.replace('/', ".");
        } else if l.starts_with("super_class:") {
            sup = comment.replace('/', ".");
        } else if l.starts_with('#') {
            let kind = l
                .split('=')
                .nth(1)
                .unwrap_or("")
                .split_whitespace()
                .next()
                .unwrap_or("");
            match kind {
                "Class" => classes.push(comment.replace('/', ".")),
                "Methodref" | "InterfaceMethodref" => methods += 1,
                "String" => strings += 1,
                _ => {}
            }
        }
    }
    (this, sup, classes, methods, strings)
}

#[test]
#[cfg_attr(not(all(shared, has_javap)), ignore = "needs ../shared and javap")]
fn classfile_matches_javap() {
    let Some(sh) = shared() else { return };
    if !tool("javap") {
        eprintln!("SKIP: javap not installed");
        return;
    }
    let jar = sh.join("corpus/sdk/bugly__bugly_crash_release.jar");
    let entries = zip_entries(&jar, |n| n.ends_with(".class"), 400);
    assert!(entries.len() > 50);
    let dir = std::env::temp_dir().join(format!("apkaudit-classfile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Compare a spread of classes (javap is slow to start), including NativeCrashHandler.
    let mut checked = 0;
    for (i, (name, data)) in entries.iter().enumerate() {
        if i % 25 != 0 && !name.ends_with("NativeCrashHandler.class") {
            continue;
        }
        let cf = ClassFile::parse(data).unwrap_or_else(|e| panic!("{name}: {e}"));
        let p = dir.join(format!("c{i}.class"));
        std::fs::write(&p, data).unwrap();
        let (this, sup, classes, methods, strings) = javap(&p);
        assert_eq!(cf.this_class(), this, "{name}");
        assert_eq!(cf.super_class().unwrap_or_default(), sup, "{name}");
        assert_eq!(cf.class_refs(), classes, "{name}");
        assert_eq!(cf.method_refs().len(), methods, "{name}");
        assert_eq!(cf.strings().len(), strings, "{name}");
        assert_eq!(
            format!("{}.class", cf.this_class().replace('.', "/")),
            *name
        );
        checked += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(checked >= 3, "checked {checked}");
    // Every class in the jar parses.
    for (name, data) in &entries {
        ClassFile::parse(data).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn classfile_known_method_ref() {
    let Some(sh) = shared() else { return };
    let jar = sh.join("corpus/sdk/bugly__bugly_crash_release.jar");
    let e = zip_entries(
        &jar,
        |n| n.ends_with("crash/jni/NativeCrashHandler.class"),
        1,
    );
    let cf = ClassFile::parse(&e[0].1).unwrap();
    assert_eq!(
        cf.this_class(),
        "com.tencent.bugly.crashreport.crash.jni.NativeCrashHandler"
    );
    assert_eq!(cf.super_class().as_deref(), Some("java.lang.Object"));
    assert!(cf
        .method_refs()
        .iter()
        .any(|(c, n, d)| c == "java.lang.Object" && n == "<init>" && d == "()V"));
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn classfile_fuzz_no_panic() {
    let Some(sh) = shared() else { return };
    let jar = sh.join("corpus/sdk/bugly__bugly_crash_release.jar");
    for (_, data) in zip_entries(&jar, |n| n.ends_with(".class"), 20) {
        fuzz(&data, 0x9E37_79B9_7F4A_7C15, 300, |d| {
            if let Ok(cf) = ClassFile::parse(d) {
                let _ = (
                    cf.this_class(),
                    cf.strings(),
                    cf.class_refs(),
                    cf.method_refs(),
                );
            }
        });
    }
}

/// (soname, needed, defined Java_ exports) from `readelf -d --dyn-syms -W`.
fn readelf(path: &Path) -> (Option<String>, Vec<String>, Vec<String>) {
    let out = Command::new("readelf")
        .args(["-d", "--dyn-syms", "-W"])
        .arg(path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let bracket = |l: &str| {
        l.split('[')
            .nth(1)
            .and_then(|s| s.split(']').next())
            .map(str::to_string)
    };
    let (mut soname, mut needed, mut jni) = (None, Vec::new(), Vec::new());
    for l in text.lines() {
        if l.contains("(NEEDED)") {
            needed.extend(bracket(l));
        } else if l.contains("(SONAME)") {
            soname = bracket(l);
        } else {
            let f: Vec<&str> = l.split_whitespace().collect();
            // Num: Value Size Type Bind Vis Ndx Name
            if f.len() >= 8
                && f[7].starts_with("Java_")
                && f[6] != "UND"
                && (f[4] == "GLOBAL" || f[4] == "WEAK")
            {
                jni.push(f[7].split('@').next().unwrap().to_string());
            }
        }
    }
    jni.sort();
    jni.dedup();
    (soname, needed, jni)
}

#[test]
#[cfg_attr(not(all(shared, has_readelf)), ignore = "needs ../shared and readelf")]
fn native_matches_readelf() {
    let Some(sh) = shared() else { return };
    if Command::new("readelf").arg("--version").output().is_err() {
        eprintln!("SKIP: readelf not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("apkaudit-native-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut apps: Vec<PathBuf> = std::fs::read_dir(sh.join("corpus/apps"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "apk"))
        .collect();
    apps.sort();
    let (mut checked, mut with_jni) = (0, 0);
    for app in apps.iter().take(40) {
        for (name, data) in zip_entries(app, |n| n.starts_with("lib/") && n.ends_with(".so"), 3) {
            let lib = apkaudit::formats::elf::NativeLib::parse(&name, &data)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let p = dir.join(format!("l{checked}.so"));
            std::fs::write(&p, &data).unwrap();
            let (soname, needed, jni) = readelf(&p);
            assert_eq!(lib.soname, soname, "{}!{name}", app.display());
            assert_eq!(lib.needed, needed, "{}!{name}", app.display());
            assert_eq!(lib.jni_exports, jni, "{}!{name}", app.display());
            assert_eq!(lib.abi, name.split('/').nth(1).unwrap());
            if !jni.is_empty() {
                with_jni += 1;
                assert!(!lib.jni_packages().is_empty());
            }
            checked += 1;
            fuzz(
                &data[..data.len().min(64 * 1024)],
                0xD1B5_4A32_D192_ED03 ^ checked as u64,
                30,
                |d| {
                    let _ = apkaudit::formats::elf::NativeLib::parse("x.so", d);
                },
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("native: {checked} libraries checked against readelf, {with_jni} with Java_ exports");
    assert!(checked >= 5, "checked {checked}");
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn aab_proto_manifest() {
    let Some(sh) = shared() else { return };
    let aab = sh.join("corpus/split/buddhaquotes__app-release.aab");
    let e = zip_entries(&aab, |n| n == "base/manifest/AndroidManifest.xml", 1);
    let data = &e[0].1;
    let root = apkaudit::formats::aapt_pb::parse_proto_xml(data).unwrap();
    assert_eq!(root.name, "manifest");
    // The package name is visible as a plain string in the raw protobuf bytes.
    let pkg = root.plain_attr("package").unwrap().text();
    assert_eq!(pkg, "org.bandev.buddhaquotes");
    assert!(data.windows(pkg.len()).any(|w| w == pkg.as_bytes()));
    let vc = root.android_attr("versionCode").unwrap();
    assert_eq!(vc.resource_id, Some(0x0101021b));
    let sdk = root.children_named("uses-sdk").next().unwrap();
    let min = sdk.android_attr("minSdkVersion").unwrap();
    let target = sdk.android_attr("targetSdkVersion").unwrap();
    assert_eq!(min.resource_id, Some(0x0101020c));
    assert_eq!(target.resource_id, Some(0x01010270));
    eprintln!(
        "aab: versionCode={} versionName={} minSdk={} targetSdk={}",
        vc.text(),
        root.android_attr("versionName").unwrap().text(),
        min.text(),
        target.text()
    );
    // Checked by hand in the raw bytes (field 3 raw string and prim int_decimal varint).
    assert_eq!(vc.value, apkaudit::formats::xml::Value::Int(1010));
    assert_eq!(min.value, apkaudit::formats::xml::Value::Int(21));
    assert_eq!(target.value, apkaudit::formats::xml::Value::Int(30));
    // Permission names: compare with every `android.permission.*` string in the raw bytes.
    let perms: Vec<String> = root
        .children_named("uses-permission")
        .filter_map(|p| p.android_attr("name"))
        .map(|a| a.text())
        .collect();
    let raw = String::from_utf8_lossy(data);
    let mut scanned: Vec<String> = raw
        .match_indices("android.permission.")
        .map(|(i, _)| {
            raw[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_')
                .collect()
        })
        .collect();
    scanned.sort();
    scanned.dedup();
    let mut got = perms.clone();
    got.sort();
    assert_eq!(got, scanned);
    assert!(!perms.is_empty());
    fuzz(data, 0xA5A5_5A5A_1234_5678, 500, |d| {
        let _ = apkaudit::formats::aapt_pb::parse_proto_xml(d);
    });
}
