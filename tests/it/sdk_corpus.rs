//! Corpus test: every SDK whose package prefix appears among the dexdump class prefixes in
//! `truth/*.json` is found by `scan`, with class evidence a person can check.
//! Skips without ../shared.

use apkaudit::knowledge::signatures::SignatureDb;
use apkaudit::scan::{scan_file, ScanOptions};
use std::path::Path;

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn sdks_with_prefixes_in_dexdump_truth_are_found() {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !corpus.is_dir() {
        eprintln!("skipping: ../shared/corpus is absent");
        return;
    }
    let db = SignatureDb::embedded();
    let matcher = db.compile();
    let mut failures = Vec::new();
    let mut expected_total = 0;
    for dir in ["apps", "edge"] {
        let mut files: Vec<_> = std::fs::read_dir(corpus.join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "apk"))
        {
            let rel = format!("{dir}/{}", f.file_name().unwrap().to_string_lossy());
            let Ok(t) = std::fs::read_to_string(corpus.join("truth").join(format!("{rel}.json")))
            else {
                continue;
            };
            let truth: serde_json::Value = serde_json::from_str(&t).unwrap();
            let package = truth["aapt"]["package"]
                .as_str()
                .or(truth["androguard"]["package"].as_str())
                .unwrap_or("");
            // which SDK owns each dexdump prefix (prefixes are 3 or 4 package segments)
            let mut expected = std::collections::BTreeSet::new();
            for key in ["prefixes_top3", "prefixes_top4"] {
                if let Some(m) = truth["dex"][key].as_object() {
                    for prefix in m.keys() {
                        // a class name under this prefix, as the matcher sees it
                        let probe = format!("{prefix}.X");
                        if let Some((sig, p)) = matcher.owner_of_class(&probe) {
                            let first_party = !package.is_empty()
                                && probe.starts_with(&format!("{package}."))
                                && p.len() <= package.len();
                            if !first_party {
                                expected.insert(sig.id.clone());
                            }
                        }
                    }
                }
            }
            if expected.is_empty() {
                continue;
            }
            let r = scan_file(f, &ScanOptions::default()).unwrap();
            for id in &expected {
                expected_total += 1;
                match r.sdks.iter().find(|s| &s.id == id) {
                    None => failures.push(format!("{rel}: {id} not found")),
                    Some(s) if s.evidence.iter().all(|e| e.examples.is_empty()) => {
                        failures.push(format!("{rel}: {id} has no checkable evidence"))
                    }
                    _ => {}
                }
            }
            for s in &r.sdks {
                assert!(
                    s.evidence
                        .iter()
                        .any(|e| e.count > 0 && !e.examples.is_empty()),
                    "{rel}: {} without evidence",
                    s.id
                );
            }
        }
    }
    eprintln!("{expected_total} SDK instances expected from dexdump prefixes");
    assert!(expected_total >= 40, "only {expected_total}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn legu_packed_apk_still_shows_bugly_and_names_the_packer() {
    let f = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/edge/packed_tencent-legu__bugly-tinker.apk"
    ));
    if !f.exists() {
        eprintln!("skipping: ../shared/corpus is absent");
        return;
    }
    let r = scan_file(f, &ScanOptions::default()).unwrap();
    let ids: Vec<_> = r.sdks.iter().map(|s| s.id.as_str()).collect();
    assert!(ids.contains(&"bugly"), "{ids:?}");
    let packer = r
        .sdks
        .iter()
        .find(|s| s.category == apkaudit::knowledge::signatures::Category::Packer)
        .expect("packer named");
    assert_eq!(packer.id, "tencent-legu");
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn string_only_findings_are_low_confidence_on_the_corpus() {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !corpus.is_dir() {
        eprintln!("skipping: ../shared/corpus is absent");
        return;
    }
    // the reported false positive: Facebook from graph.facebook.com URLs alone
    let miiad = corpus.join("apps/cn_pangle-gdt__miiad-app-test0817.apk");
    let r = scan_file(&miiad, &ScanOptions::default()).unwrap();
    let fb = r.sdks.iter().find(|s| s.id == "facebook");
    if let Some(fb) = fb {
        assert!(
            fb.evidence.iter().all(|e| e.kind == "strings"),
            "miiad app now has non-string Facebook evidence: {fb:?}"
        );
        assert_eq!(fb.confidence, "low", "{fb:?}");
    }
    let mut string_only = Vec::new();
    for dir in ["apps", "edge"] {
        let mut files: Vec<_> = std::fs::read_dir(corpus.join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|f| f.extension().is_some_and(|e| e == "apk"))
            .collect();
        files.sort();
        for f in files {
            let Ok(r) = scan_file(&f, &ScanOptions::default()) else {
                continue;
            };
            for s in &r.sdks {
                if s.evidence.iter().all(|e| e.kind == "strings") {
                    string_only.push(format!("{}: {}", f.display(), s.id));
                    assert_eq!(s.confidence, "low", "{}: {s:?}", f.display());
                }
            }
        }
    }
    eprintln!("string-only findings:\n{}", string_only.join("\n"));
    assert!(
        !string_only.is_empty(),
        "the corpus has known string-only findings (miiad: facebook); none seen"
    );
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn app_table_citations_match_the_policy_files() {
    // every `app table ../shared/FILE, row "LABEL": ids` source names a real file, the row
    // label occurs in it, and the device identifiers it cites are written near that label
    let shared = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared"));
    if !shared.join("policies").is_dir() {
        eprintln!("skipping: ../shared/policies is absent");
        return;
    }
    let tokens: &[(&str, &[&str])] = &[
        ("imei", &["imei"]),
        ("imsi", &["imsi"]),
        ("meid", &["meid"]),
        ("oaid", &["oaid"]),
        ("vaid", &["vaid"]),
        ("aaid", &["aaid"]),
        ("gaid", &["gaid", "advertis"]),
        (
            "iccid",
            &["iccid", "sim序列号", "sim卡序列号", "sim card serial"],
        ),
        ("mac_address", &["mac", "蓝牙地址"]),
        (
            "android_id",
            &[
                "android id",
                "androidid",
                "android_id",
                "安卓id",
                "androidld",
            ],
        ),
    ];
    let db = SignatureDb::embedded();
    let mut failures = Vec::new();
    let mut checked = 0;
    for s in db.all() {
        for src in s.sources.iter().filter(|x| x.starts_with("app table ")) {
            let Some(rest) = src.strip_prefix("app table ../shared/") else {
                failures.push(format!("{}: `{src}` is not under ../shared", s.id));
                continue;
            };
            let Some((file, rest)) = rest.split_once(", row \"") else {
                failures.push(format!("{}: unparsable `{src}`", s.id));
                continue;
            };
            let Some((label, cited)) = rest.rsplit_once("\": ") else {
                failures.push(format!("{}: unparsable `{src}`", s.id));
                continue;
            };
            let Ok(text) = std::fs::read_to_string(shared.join(file)) else {
                failures.push(format!("{}: {file} cannot be read", s.id));
                continue;
            };
            let text = text.to_lowercase();
            // the first part of a composed label ("NAME / COMPANY", "NAME (package)")
            let name = label
                .split(" / ")
                .next()
                .and_then(|n| n.split(" (").next())
                .unwrap_or(label)
                .trim()
                .to_lowercase();
            let starts: Vec<usize> = text.match_indices(&name).map(|(i, _)| i).collect();
            if starts.is_empty() {
                failures.push(format!("{}: `{name}` not found in {file}", s.id));
                continue;
            }
            let ids = cited.split(" ; ").next().unwrap_or("");
            for (id, words) in tokens {
                if !ids.split(", ").any(|x| x == *id) {
                    continue;
                }
                checked += 1;
                let near = starts.iter().any(|&i| {
                    let end = (i + 6000).min(text.len());
                    let mut e = end;
                    while !text.is_char_boundary(e) {
                        e -= 1;
                    }
                    text.get(i..e)
                        .is_some_and(|w| words.iter().any(|t| w.contains(t)))
                });
                if !near {
                    failures.push(format!(
                        "{}: {file} row `{label}` cites {id}, not written near it",
                        s.id
                    ));
                }
            }
        }
    }
    eprintln!("{checked} cited identifiers checked against the policy files");
    assert!(checked >= 50, "only {checked} identifiers checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
