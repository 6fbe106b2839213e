//! `data/exodus_trackers.toml`: every εxodus tracker is mapped to a signature id, left to
//! the Chinese-SDK work, or excluded with a reason; mapped ids exist and actually claim
//! the tracker's own code signature.

use apkaudit::knowledge::signatures::SignatureDb;
use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    source: String,
    trackers_in_source: usize,
    tracker: Vec<Tracker>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Tracker {
    exodus_id: u32,
    name: String,
    #[serde(default)]
    code_signature: String,
    sdk: Option<String>,
    excluded: Option<String>,
    china: Option<bool>,
    note: Option<String>,
}

fn load() -> MapFile {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/exodus_trackers.toml"
    ))
    .expect("data/exodus_trackers.toml");
    toml::from_str(&text).expect("exodus_trackers.toml parses")
}

/// Alternatives of an εxodus code signature that are plain dotted package or class
/// prefixes (no leading dot, no regex syntax), as class names the matcher can look up.
fn probes(code_signature: &str) -> Vec<String> {
    code_signature
        .split('|')
        .map(|p| p.trim().trim_end_matches('.'))
        .filter(|p| {
            !p.is_empty()
                && !p.starts_with('.')
                && p.contains('.')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        })
        .map(|p| format!("{p}.ExodusProbe"))
        .collect()
}

#[test]
fn every_tracker_has_exactly_one_outcome() {
    let m = load();
    assert!(
        m.source.contains("exodus_trackers@"),
        "source must name the file and commit"
    );
    assert_eq!(
        m.tracker.len(),
        m.trackers_in_source,
        "one entry per tracker of the source"
    );
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    let mut last = 0;
    for t in &m.tracker {
        if !seen.insert(t.exodus_id) {
            failures.push(format!("exodus_id {} repeats", t.exodus_id));
        }
        if t.exodus_id <= last {
            failures.push(format!("exodus_id {} out of order", t.exodus_id));
        }
        last = t.exodus_id;
        if t.name.trim().is_empty() {
            failures.push(format!("{}: empty name", t.exodus_id));
        }
        let outcomes = [t.sdk.is_some(), t.excluded.is_some(), t.china.is_some()]
            .iter()
            .filter(|x| **x)
            .count();
        if outcomes != 1 {
            failures.push(format!(
                "{} {}: {outcomes} of sdk / excluded / china",
                t.exodus_id, t.name
            ));
        }
        if t.china == Some(false) {
            failures.push(format!("{}: china = false says nothing", t.exodus_id));
        }
        if let Some(r) = &t.excluded {
            if r.trim().len() < 20 {
                failures.push(format!("{}: exclusion reason too thin: {r:?}", t.exodus_id));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn mapped_ids_exist_and_claim_the_trackers_code() {
    let m = load();
    let db = SignatureDb::embedded();
    let matcher = db.compile();
    let mut failures = Vec::new();
    let mut checked = 0;
    for t in &m.tracker {
        let Some(id) = &t.sdk else { continue };
        if db.get(id).is_none() {
            failures.push(format!("{} {}: no signature `{id}`", t.exodus_id, t.name));
            continue;
        }
        let probes = probes(&t.code_signature);
        if probes.is_empty() {
            continue;
        }
        checked += 1;
        let owners: Vec<String> = probes
            .iter()
            .filter_map(|c| matcher.owner_of_class(c).map(|(s, _)| s.id.clone()))
            .collect();
        if owners.iter().any(|o| o == id) {
            continue;
        }
        // narrowed on purpose: the signature keeps a sub-package of the εxodus prefix
        // (the broad prefix also holds other code); the entry must say so
        let sig = db.get(id).unwrap();
        let narrowed = sig.rules.packages.iter().any(|p| {
            probes
                .iter()
                .any(|x| p.starts_with(&format!("{}.", x.trim_end_matches(".ExodusProbe"))))
        });
        let documented = t.note.as_deref().is_some_and(|n| n.contains("narrower"));
        if !(narrowed && documented) {
            failures.push(format!(
                "{} {}: none of {probes:?} resolves to `{id}` (owners: {owners:?})",
                t.exodus_id, t.name
            ));
        }
    }
    assert!(
        checked >= 300,
        "only {checked} mapped trackers had plain prefixes to check"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn no_signature_claims_an_excluded_trackers_code_by_accident() {
    // an excluded tracker's prefixes must not silently resolve to some signature, or the
    // exclusion reason ("too broad", "first-party") would be contradicted by the database
    let m = load();
    let db = SignatureDb::embedded();
    let matcher = db.compile();
    let mut failures = Vec::new();
    for t in m.tracker.iter().filter(|t| t.excluded.is_some()) {
        for p in probes(&t.code_signature) {
            if let Some((s, prefix)) = matcher.owner_of_class(&p) {
                failures.push(format!(
                    "{} {}: {p} resolves to `{}` via {prefix}",
                    t.exodus_id, t.name, s.id
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
