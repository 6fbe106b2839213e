//! Corpus test: `scan` agrees with aapt on every corpus file where aapt succeeded.
//! Skips (with a message) when `../shared` is absent.

use apkaudit::scan::{scan_file, ScanOptions};
use std::collections::BTreeSet;

use crate::common;
use common::corpus as shared;

/// aapt prints "" for an absent attribute.
fn s(v: &serde_json::Value) -> Option<String> {
    v.as_str().filter(|x| !x.is_empty()).map(str::to_string)
}

/// aapt prints a preview codename as the SDK level; Android reads it as
/// CUR_DEVELOPMENT (10000), which is what apkaudit reports as an integer.
fn sdk(v: &serde_json::Value) -> Option<String> {
    s(v).map(|x| {
        if x.parse::<i64>().is_ok() {
            x
        } else {
            "10000".to_string()
        }
    })
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn manifest_facts_agree_with_aapt() {
    let Some(corpus) = shared() else { return };
    let mut checked = 0;
    let mut failures = Vec::new();
    for dir in ["apps", "edge", "split", "axml"] {
        let mut files: Vec<_> = std::fs::read_dir(corpus.join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            let rel = format!("{dir}/{}", f.file_name().unwrap().to_string_lossy());
            let truth_path = corpus.join("truth").join(format!("{rel}.json"));
            let Ok(text) = std::fs::read_to_string(&truth_path) else {
                continue;
            };
            let truth: serde_json::Value = serde_json::from_str(&text).unwrap();
            let (block, badging) = if truth["aapt"]["ok"] == true {
                (&truth["aapt"], true)
            } else if truth["aapt_xmltree"]["ok"] == true && truth["aapt"].is_null() {
                (&truth["aapt_xmltree"], false)
            } else {
                continue;
            };
            if block["package"].is_null() && dir != "axml" {
                continue;
            }
            let r = match scan_file(&f, &ScanOptions::default()) {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{rel}: scan failed: {e}"));
                    continue;
                }
            };
            checked += 1;
            let mut check = |field: &str, ours: Option<String>, theirs: Option<String>| {
                if theirs.is_some() && ours != theirs {
                    failures.push(format!("{rel}: {field}: ours {ours:?} aapt {theirs:?}"));
                }
            };
            check("package", r.package.clone(), s(&block["package"]));
            check(
                "versionCode",
                r.version_code.map(|v| v.to_string()),
                s(&block["versionCode"]),
            );
            check(
                "versionName",
                r.version_name.clone(),
                s(&block["versionName"]),
            );
            let min_key = if badging {
                "sdkVersion"
            } else {
                "minSdkVersion"
            };
            check(
                "minSdk",
                r.min_sdk.map(|v| v.to_string()),
                sdk(&block[min_key]),
            );
            check(
                "targetSdk",
                r.target_sdk.map(|v| v.to_string()),
                sdk(&block["targetSdkVersion"]),
            );
            let mut theirs: BTreeSet<String> = block["uses_permission"]
                .as_array()
                .map(|a| a.iter().filter_map(s).collect())
                .unwrap_or_default();
            if let Some(a) = block["uses_permission_sdk23"].as_array() {
                theirs.extend(a.iter().filter_map(s));
            }
            // Where aapt and androguard disagree on the permissions (attribute names garbled
            // around the namespace), apkaudit reads them by resource id as Android does;
            // docs/corpus-outcomes.md lists these files.
            let tools_disagree = truth["disagreements"].as_array().is_some_and(|d| {
                d.iter().any(|x| {
                    x["field"] == "uses_permission"
                        && x["only_aapt"].as_array().is_some_and(|a| a.is_empty())
                })
            });
            if tools_disagree && theirs.is_empty() {
                continue;
            }
            let ours: BTreeSet<String> = r.permissions.iter().map(|p| p.name.clone()).collect();
            if ours != theirs {
                failures.push(format!(
                    "{rel}: permissions differ: only ours {:?}, only aapt {:?}",
                    ours.difference(&theirs).collect::<Vec<_>>(),
                    theirs.difference(&ours).collect::<Vec<_>>()
                ));
            }
        }
    }
    eprintln!("checked {checked} files against aapt");
    assert!(checked >= 80, "only {checked} files checked");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
