//! Recall of SDK data reads against `dexdump -d` (issue 17): for every corpus app, each
//! (SDK, data type) pair that a call site in dexdump's disassembly shows (an `invoke-*` of
//! a method entry of `data/sensitive_apis.toml`, conditional ones such as running
//! processes included, inside a class under one of that SDK's `[match] packages`) is in
//! the scan's `data_access`. The truth is read here: the disassembly from dexdump, the
//! API list and package prefixes from the data files as text.

use apkaudit::scan::{scan_file, ScanOptions, ScanReport};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `Lclass;.name` → data type, for the method entries of the API list that need no
/// second instruction to confirm them.
fn sensitive_methods() -> HashMap<String, String> {
    let text = std::fs::read_to_string(Path::new(ROOT).join("data/sensitive_apis.toml")).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    let mut out = HashMap::new();
    for a in v["api"].as_array().unwrap() {
        if a["kind"].as_str() != Some("method") || a.get("confirm").is_some() {
            continue;
        }
        let class = a["class"].as_str().unwrap();
        for n in a["names"].as_array().unwrap() {
            out.insert(
                format!("{class}.{}", n.as_str().unwrap()),
                a["data_type"].as_str().unwrap().to_string(),
            );
        }
    }
    out
}

/// (package prefix, SDK id) of every signature file.
fn prefixes() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "toml") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&Path::new(ROOT).join("signatures"), &mut files);
    let mut out = Vec::new();
    for f in files {
        let v: toml::Value = toml::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let id = v["id"].as_str().unwrap().to_string();
        if let Some(ps) = v
            .get("match")
            .and_then(|m| m.get("packages"))
            .and_then(|p| p.as_array())
        {
            for p in ps {
                out.push((p.as_str().unwrap().to_string(), id.clone()));
            }
        }
    }
    out
}

/// The SDK whose longest package prefix holds the dotted class name.
fn owner<'a>(class: &str, prefixes: &'a [(String, String)]) -> Option<&'a str> {
    prefixes
        .iter()
        .filter(|(p, _)| {
            class
                .strip_prefix(p.as_str())
                .is_some_and(|r| r.starts_with('.'))
        })
        .max_by_key(|(p, _)| p.len())
        .map(|(_, id)| id.as_str())
}

/// (SDK, data type) → one example call site, from `dexdump -d` of the app's root dex.
fn dexdump_pairs(
    apk: &Path,
    apis: &HashMap<String, String>,
    prefixes: &[(String, String)],
    app_package: Option<&str>,
) -> BTreeMap<(String, String), String> {
    let data = std::fs::read(apk).unwrap();
    let z = apkaudit::formats::zip::Archive::parse(&data, Default::default()).unwrap();
    let mut dexes: Vec<(String, Vec<u8>)> = Vec::new();
    if apk.extension().is_some_and(|x| x == "apk") {
        dexes.extend(
            z.entries()
                .iter()
                .filter(|e| apkaudit::scan::is_root_dex(&e.name))
                .map(|e| (e.name.clone(), z.read(e).unwrap().into_owned())),
        );
    } else {
        // an SDK artefact: its dex entries and the dex inside jars under assets/
        for e in z.entries() {
            if e.name.ends_with(".dex") {
                dexes.push((e.name.clone(), z.read(e).unwrap().into_owned()));
            } else if e.name.starts_with("assets/") && e.name.ends_with(".jar") {
                let jar = z.read(e).unwrap().into_owned();
                let inner =
                    apkaudit::formats::zip::Archive::parse(&jar, Default::default()).unwrap();
                for ie in inner.entries().iter().filter(|x| x.name.ends_with(".dex")) {
                    dexes.push((
                        format!("{}!{}", e.name, ie.name),
                        inner.read(ie).unwrap().into_owned(),
                    ));
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    for (n, bytes) in dexes {
        let tmp = std::env::temp_dir().join(format!(
            "apkaudit-recall-{}-{}",
            std::process::id(),
            n.replace(['/', '!'], "_")
        ));
        std::fs::write(&tmp, &bytes).unwrap();
        let dump = Command::new("dexdump")
            .arg("-d")
            .arg(&tmp)
            .output()
            .unwrap();
        std::fs::remove_file(&tmp).ok();
        let text = String::from_utf8_lossy(&dump.stdout);
        let mut method: Option<(String, String)> = None; // (dotted class, header)
        for line in text.lines() {
            if let Some(i) = line.find("|[") {
                // "|[23f104] com.vivo.push.util.y.c:(...)Z"
                method = line[i..].split_once("] ").and_then(|(_, m)| {
                    let name_end = m.find(':')?;
                    let class = &m[..m[..name_end].rfind('.')?];
                    Some((class.to_string(), m.to_string()))
                });
                continue;
            }
            let Some((class, header)) = &method else {
                continue;
            };
            let Some(i) = line.find("invoke-") else {
                continue;
            };
            // "invoke-virtual {v0}, Landroid/telephony/TelephonyManager;.getDeviceId:()…"
            let Some(target) = line[i..].split(", L").last() else {
                continue;
            };
            let Some(member) = target.split(':').next() else {
                continue;
            };
            let Some(data_type) = apis.get(&format!("L{member}")) else {
                continue;
            };
            if app_package
                .is_some_and(|p| class.strip_prefix(p).is_some_and(|r| r.starts_with('.')))
            {
                continue;
            }
            if let Some(sdk) = owner(class, prefixes) {
                out.entry((sdk.to_string(), data_type.clone()))
                    .or_insert_with(|| format!("{n}: {header} calls L{member}"));
            }
        }
    }
    out
}

fn scanned_pairs(r: &ScanReport) -> BTreeSet<(String, String)> {
    r.data_access
        .iter()
        .flat_map(|a| {
            a.data_types
                .iter()
                .map(move |d| (a.owner.clone(), d.data_type.clone()))
        })
        .collect()
}

#[test]
#[cfg_attr(not(all(shared, has_dexdump)), ignore = "needs ../shared and dexdump")]
fn dexdump_sdk_data_pairs_are_all_in_the_scan() {
    let apis = sensitive_methods();
    let prefixes = prefixes();
    let dir = Path::new(ROOT).join("../shared/corpus/apps");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "apk"))
        .filter(|p| p.metadata().is_ok_and(|m| m.len() < 10 << 20))
        .collect();
    files.sort();
    let (mut pairs, mut apps, mut missing) = (0, 0, Vec::new());
    let mut running = 0;
    for f in &files {
        let r = scan_file(f, &ScanOptions::default()).unwrap();
        let truth = dexdump_pairs(f, &apis, &prefixes, r.package.as_deref());
        if truth.is_empty() {
            continue;
        }
        apps += 1;
        let got = scanned_pairs(&r);
        for ((sdk, dt), example) in &truth {
            pairs += 1;
            running += usize::from(dt == "running_apps");
            if !got.contains(&(sdk.clone(), dt.clone())) {
                missing.push(format!(
                    "{}: ({sdk}, {dt}) e.g. {example}",
                    f.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    println!(
        "dexdump recall: {} of {pairs} (SDK, data type) pairs in {apps} apps \
         ({running} of them running processes/services)",
        pairs - missing.len()
    );
    for m in &missing {
        println!("MISSING {m}");
    }
    assert!(apps >= 5 && pairs >= 50, "{apps} apps, {pairs} pairs");
    assert!(running > 0, "no running-process call site in the truth");
    assert!(missing.is_empty(), "{} pairs missing", missing.len());
}

#[test]
#[cfg_attr(not(all(shared, has_dexdump)), ignore = "needs ../shared and dexdump")]
fn dexdump_sdk_artefact_pairs_are_all_in_the_scan() {
    // SDK artefacts with dex code: GDT's AAR (its ad code is the dex inside
    // assets/gdt_plugin/gdtadv2.jar) and a pre-dexed XG push jar
    let apis = sensitive_methods();
    let prefixes = prefixes();
    let c = Path::new(ROOT).join("../shared/corpus");
    let mut pairs = 0;
    let mut missing = Vec::new();
    for rel in [
        "sdk/gdt__GDTSDK.unionNormal.4.492.1362.aar",
        "edge/jar-with-dex__xg-sdk-v2.38-dexed.jar",
    ] {
        let f = c.join(rel);
        let r = scan_file(&f, &ScanOptions::default()).unwrap();
        let truth = dexdump_pairs(&f, &apis, &prefixes, None);
        assert!(!truth.is_empty(), "{rel}: no pair in dexdump");
        let got = scanned_pairs(&r);
        for ((sdk, dt), example) in &truth {
            pairs += 1;
            if !got.contains(&(sdk.clone(), dt.clone())) {
                missing.push(format!("{rel}: ({sdk}, {dt}) e.g. {example}"));
            }
        }
    }
    println!(
        "dexdump recall on SDK artefacts: {} of {pairs} pairs",
        pairs - missing.len()
    );
    assert!(missing.is_empty(), "{missing:#?}");
}
