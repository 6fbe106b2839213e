//! Identification and call-site attribution on renamed code: the obfuscated test set of
//! tools/obfuscated/build.sh (real SDK jars/AARs linked into tiny host apps, shrunk and
//! renamed by ProGuard `-repackageclasses`). The truth is the set's `truth.json`: each
//! sensitive method's original and obfuscated name (from ProGuard's mapping, cross-checked
//! against `dexdump -d` by the build). The owner a call site should get is the SDK whose
//! signature package prefix names the method's ORIGINAL class; the scan sees only the
//! renamed APK (no mapping). Figures are in docs/obfuscation.md.

use apkaudit::detect::identify::identify;
use apkaudit::knowledge::Knowledge;
use apkaudit::scan::{scan_file, ScanOptions};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

fn set_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/obfuscated-set/apps")
}

/// Per app: (identified, right, unknown, wrong, unowned-in-truth) call sites.
#[derive(Default, Debug, Clone, Copy)]
struct Tally {
    right: usize,
    unknown: usize,
    wrong: usize,
    unowned: usize,
    bundled: usize,
    not_seen: usize,
}

fn measure(app: &Path, mapping: bool) -> (String, bool, Tally, Vec<String>) {
    let id = app.file_name().unwrap().to_string_lossy().into_owned();
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(app.join("truth.json")).unwrap()).unwrap();
    let opts = ScanOptions {
        keep_evidence: true,
        mapping: mapping.then(|| app.join("mapping.txt")),
        ..Default::default()
    };
    let report = scan_file(&app.join(format!("{id}.apk")), &opts).unwrap();
    let sdk = truth["sdk"].as_str().unwrap().to_string();
    let identified = report.sdks.iter().any(|f| f.id == sdk);
    let k = Knowledge::embedded();
    let ev = report.evidence.as_ref().unwrap();
    let idn = identify(ev, k);
    // (caller as dexdump prints it, api) -> owner
    let mut owner_of: HashMap<(String, String), String> = HashMap::new();
    let mut how_of: HashMap<(String, String), String> = HashMap::new();
    for (h, o) in ev.hits.iter().zip(&idn.hit_owners) {
        let owner = o
            .as_ref()
            .map_or("unknown".to_string(), |o| o.owner.clone());
        let key = (h.site.caller.clone(), h.site.api.clone());
        owner_of.insert(key.clone(), owner);
        if let Some(o) = o {
            how_of.insert(
                key,
                format!("{} {}", o.attribution.as_str(), o.confidence.as_str()),
            );
        }
    }
    let mut t = Tally::default();
    let mut wrong = Vec::new();
    for (_, v) in truth["sensitive"].as_object().unwrap() {
        for m in v["methods"].as_array().unwrap() {
            let Some(obf) = m["obfuscated"].as_object() else {
                continue; // removed by the shrinker
            };
            let orig = m["original"]["class"].as_str().unwrap();
            let expected = k.matcher.owner_of_class(orig).map(|(s, _)| s.id.clone());
            let caller = format!(
                "L{};.{}:{}",
                obf["class"].as_str().unwrap().replace('.', "/"),
                obf["name"].as_str().unwrap(),
                obf["descriptor"].as_str().unwrap()
            );
            for (api, _) in m["apis"].as_object().unwrap() {
                let got = owner_of.get(&(caller.clone(), api.clone()));
                match (&expected, got) {
                    (_, None) => t.not_seen += 1,
                    (None, _) => t.unowned += 1,
                    (Some(e), Some(g)) if e == g => t.right += 1,
                    (Some(_), Some(g)) if g == "unknown" => t.unknown += 1,
                    // code of a library the owner's own signature says it ships
                    // (`bundles`), with no evidence of its own in the app
                    (Some(e), Some(g))
                        if k.signatures.get(g).is_some_and(|s| s.bundles.contains(e))
                            && !report.sdks.iter().any(|f| &f.id == e) =>
                    {
                        t.bundled += 1
                    }
                    (Some(e), Some(g)) => {
                        t.wrong += 1;
                        let how = &how_of[&(caller.clone(), api.clone())];
                        wrong.push(format!(
                            "{id}: {caller} {api} ({orig}): {g} ({how}), not {e}"
                        ));
                    }
                }
            }
        }
    }
    (id, identified, t, wrong)
}

fn run(mapping: bool) -> BTreeMap<String, (bool, Tally, Vec<String>)> {
    let mut apps: Vec<PathBuf> = std::fs::read_dir(set_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("truth.json").is_file())
        .collect();
    apps.sort();
    apps.iter()
        .map(|a| {
            let (id, i, t, w) = measure(a, mapping);
            (id, (i, t, w))
        })
        .collect()
}

fn print(rows: &BTreeMap<String, (bool, Tally, Vec<String>)>) -> Tally {
    let mut all = Tally::default();
    eprintln!(
        "app | identified | right | unknown | to bundling parent | wrong | unowned | not seen"
    );
    for (id, (i, t, _)) in rows {
        eprintln!(
            "{id} | {i} | {} | {} | {} | {} | {} | {}",
            t.right, t.unknown, t.bundled, t.wrong, t.unowned, t.not_seen
        );
        all.right += t.right;
        all.unknown += t.unknown;
        all.wrong += t.wrong;
        all.unowned += t.unowned;
        all.bundled += t.bundled;
        all.not_seen += t.not_seen;
    }
    eprintln!("total: {all:?}");
    all
}

#[test]
#[cfg_attr(
    not(all(obfuscated_set, shared)),
    ignore = "needs target/obfuscated-set (tools/obfuscated/build.sh) and ../shared"
)]
fn renamed_sdk_code_is_attributed_without_a_mapping() {
    let rows = run(false);
    assert!(rows.len() >= 10, "the set has {} apps", rows.len());
    let all = print(&rows);
    let wrong: Vec<&String> = rows.values().flat_map(|r| r.2.iter()).collect();
    assert!(wrong.is_empty(), "attributed to a wrong owner: {wrong:#?}");
    let missed: Vec<&String> = rows
        .iter()
        .filter(|(_, r)| !r.0)
        .map(|(id, _)| id)
        .collect();
    assert!(missed.is_empty(), "SDKs not identified in {missed:?}");
    let judged = all.right + all.unknown + all.bundled;
    assert!(
        all.right * 100 >= judged * 90,
        "{} of {judged} call sites attributed to the right SDK",
        all.right
    );
}

#[test]
#[cfg_attr(
    not(all(obfuscated_set, shared)),
    ignore = "needs target/obfuscated-set (tools/obfuscated/build.sh) and ../shared"
)]
fn with_the_mapping_every_call_site_is_attributed() {
    let rows = run(true);
    let all = print(&rows);
    let wrong: Vec<&String> = rows.values().flat_map(|r| r.2.iter()).collect();
    assert!(wrong.is_empty(), "attributed to a wrong owner: {wrong:#?}");
    assert_eq!(
        all.unknown, 0,
        "with the mapping every owned call site has its owner"
    );
}

/// A mapping that does not match the app, or is malformed, is a warning and the result
/// is the un-mapped one (no ../shared needed: the demo sample).
#[test]
fn a_bad_mapping_is_a_warning_and_not_used() {
    let apk = apkaudit::testkit::demo_apk().unwrap();
    let plain = apkaudit::scan::scan_bytes("demo.apk", &apk, &ScanOptions::default()).unwrap();
    let dir = std::env::temp_dir().join(format!("apkaudit-mapping-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "mismatch.txt",
            "com.other.App -> a.a:\ncom.other.B -> a.b:\n",
            "does not match",
        ),
        (
            "malformed.txt",
            "com.x.A -> a:\nthis is not a mapping\n",
            "offset 14",
        ),
        ("binary.txt", "\u{0}\u{1}", "mapping"),
    ];
    for (name, text, says) in cases {
        let f = dir.join(name);
        std::fs::write(&f, text).unwrap();
        let opts = ScanOptions {
            mapping: Some(f.clone()),
            ..Default::default()
        };
        let r = apkaudit::scan::scan_bytes("demo.apk", &apk, &opts).unwrap();
        assert!(
            r.warnings.iter().any(|w| w.contains(says)),
            "{name}: {:?}",
            r.warnings
        );
        assert_eq!(r.mapping, None);
        let ids = |r: &apkaudit::scan::ScanReport| {
            r.sdks.iter().map(|f| f.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(ids(&r), ids(&plain));
        assert_eq!(
            serde_json::to_value(&r.data_access).unwrap(),
            serde_json::to_value(&plain.data_access).unwrap()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
