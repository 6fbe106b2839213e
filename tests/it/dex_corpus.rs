//! Dex reader against the shared corpus: class counts and package-prefix counts must
//! match the dexdump-derived truth exactly. Skips when `../shared` is absent.

use apkaudit::formats::dex::Dex;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");

fn is_root_dex(name: &str) -> bool {
    name.strip_prefix("classes")
        .and_then(|s| s.strip_suffix(".dex"))
        .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
}

/// Root `classes*.dex` entries (first occurrence of each name).
fn root_dex(path: &Path) -> Vec<(String, Vec<u8>)> {
    let bytes = std::fs::read(path).unwrap();
    let Ok(mut z) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Vec::new();
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for i in 0..z.len() {
        let Ok(mut f) = z.by_index(i) else { continue };
        let Ok(name) = f.name().map(|n| n.to_string()) else {
            continue;
        };
        if !is_root_dex(&name) || !seen.insert(name.clone()) {
            continue;
        }
        let mut v = Vec::new();
        if f.read_to_end(&mut v).is_ok() {
            out.push((name, v));
        }
    }
    out
}

fn prefix(desc: &str, depth: usize) -> String {
    let name = desc
        .strip_prefix('L')
        .and_then(|s| s.strip_suffix(';'))
        .unwrap_or(desc);
    let name = name.replace('.', "/");
    let parts: Vec<&str> = name.split('/').collect();
    let parts = &parts[..parts.len() - 1];
    if parts.is_empty() {
        return "(default)".into();
    }
    parts[..parts.len().min(depth)].join(".")
}

fn apks() -> Option<Vec<PathBuf>> {
    let root = Path::new(SHARED).join("corpus");
    if !root.exists() {
        eprintln!("SKIP: {SHARED} absent");
        return None;
    }
    let mut v = Vec::new();
    for d in ["apps", "edge"] {
        for e in std::fs::read_dir(root.join(d)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "apk") {
                v.push(p);
            }
        }
    }
    v.sort();
    Some(v)
}

fn truth_for(apk: &Path) -> Option<serde_json::Value> {
    let dir = apk.parent()?.file_name()?;
    let t = Path::new(SHARED)
        .join("corpus/truth")
        .join(dir)
        .join(format!("{}.json", apk.file_name()?.to_str()?));
    serde_json::from_str(&std::fs::read_to_string(t).ok()?).ok()
}

fn counts(v: &serde_json::Value) -> BTreeMap<String, u64> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn class_counts_and_prefixes_match_dexdump() {
    let Some(apks) = apks() else { return };
    let mut checked = 0;
    for apk in apks {
        let Some(truth) = truth_for(&apk) else {
            continue;
        };
        let Some(dt) = truth
            .get("dex")
            .filter(|d| d.get("classes_dexdump").is_some())
        else {
            continue;
        };
        if dt.get("prefixes_source").and_then(|s| s.as_str()) != Some("dexdump") {
            continue;
        }
        let mut set = BTreeSet::new();
        for (name, bytes) in root_dex(&apk) {
            let dex =
                Dex::parse(&bytes).unwrap_or_else(|e| panic!("{}!{name}: {e}", apk.display()));
            for d in dex.class_defs() {
                let d = d.unwrap();
                set.insert(dex.type_name(d.class_idx).unwrap().into_owned());
            }
        }
        let want = dt["classes_dexdump"].as_u64().unwrap();
        assert_eq!(set.len() as u64, want, "{}: class count", apk.display());
        for (depth, key) in [(3, "prefixes_top3"), (4, "prefixes_top4")] {
            let mut got: BTreeMap<String, u64> = BTreeMap::new();
            for c in &set {
                *got.entry(prefix(c, depth)).or_default() += 1;
            }
            assert_eq!(got, counts(&dt[key]), "{}: {key}", apk.display());
        }
        checked += 1;
    }
    eprintln!("checked {checked} APKs");
    assert!(checked >= 20, "only {checked} APKs had dexdump truth");
}
