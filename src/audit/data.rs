//! Data rules, all `undeclared_data`: DATA-01 (read in code), DATA-02 (documented by the
//! SDK), DATA-03 (implied by a row's permission).
//!
//! Each rule proposes findings per (subject, data type); one finding per pair is kept, the
//! strongest (severity, then DATA-01 before DATA-03 before DATA-02), with the others folded
//! into its evidence.

use super::understood::{has_data, PolicyUnderstood};
use super::{Finding, Rule, Severity};
use crate::detect::attribution::Attribution;
use crate::detect::data_access::ReadCertainty;
use crate::knowledge::{Knowledge, Lang};
use crate::policy::{DeclaredPolicy, DeclaredSdk};
use crate::scan::ScanReport;
use std::collections::HashMap;

/// How a set of declared data types covers `t`: exactly, only through a broad term
/// (returned), or not at all.
enum Covered<'a> {
    Exactly,
    Broadly(&'a str),
    No,
}

fn covered<'a>(k: &Knowledge, t: &str, declared: &'a [String]) -> Covered<'a> {
    if declared.iter().any(|d| d == t) {
        return Covered::Exactly;
    }
    for (broad, covers) in &k.terms.coverage {
        if covers.iter().any(|c| c == t) {
            if let Some(d) = declared.iter().find(|d| *d == broad) {
                return Covered::Broadly(d);
            }
        }
    }
    Covered::No
}

/// Data types whose collection regulators treat as sensitive personal information.
fn is_sensitive_type(t: &str) -> bool {
    matches!(
        t,
        "imei"
            | "meid"
            | "imsi"
            | "iccid"
            | "device_serial"
            | "mac_address"
            | "installed_apps"
            | "precise_location"
            | "contacts"
            | "call_log"
            | "sms"
            | "phone_number"
            | "device_accounts"
            | "clipboard"
            | "camera"
            | "audio"
    )
}

/// Why a row's data cannot be judged: its data cell was not understood, or no row's data
/// field was read at all.
fn row_unjudged(row: &DeclaredSdk, understood: &PolicyUnderstood) -> Option<String> {
    if !has_data(row) {
        return understood.data_unjudged.clone();
    }
    if row.data_types.is_empty() {
        return Some(format!(
            "the row's data cell was not understood: \"{}\"",
            crate::text::clip(row.data_text.as_deref().unwrap_or(""), 80)
        ));
    }
    None
}

/// All three data rules, deduplicated per (subject, data type).
pub fn undeclared_data(
    k: &Knowledge,
    scan: &ScanReport,
    policy: &DeclaredPolicy,
    understood: &PolicyUnderstood,
    findings: &mut Vec<Finding>,
) {
    let mut proposed = Vec::new();
    observed(k, scan, policy, understood, &mut proposed);
    documented(k, scan, policy, &mut proposed);
    implied_by_permissions(k, scan, policy, &mut proposed);
    findings.extend(strongest_per_subject(proposed));
}

/// The data-type display name for messages.
fn label(k: &Knowledge, t: &str) -> String {
    k.data_types.display(t, Lang::Zh).to_string()
}

/// DATA-01: a data type an owner is seen reading (call sites) that its row, or the policy
/// as a whole for the app's own and unattributed code, does not declare.
fn observed(
    k: &Knowledge,
    scan: &ScanReport,
    policy: &DeclaredPolicy,
    understood: &PolicyUnderstood,
    out: &mut Vec<(String, Finding)>,
) {
    let all_declared: Vec<String> = policy
        .data_types
        .iter()
        .map(|d| d.id.clone())
        .chain(
            policy
                .sdks
                .iter()
                .flat_map(|s| s.data_types.iter().cloned()),
        )
        .collect();
    for access in &scan.data_access {
        let row = policy
            .sdks
            .iter()
            .find(|d| d.id.as_deref() == Some(access.owner.as_str()));
        let is_sdk = !matches!(access.owner.as_str(), "app" | "unknown" | "android-jetpack");
        // AndroidX/support code reads data on the app's behalf (e.g. AppCompat's
        // day/night theme reads the last location): a disclosure gap, but a lead, not high
        let platform_library = access.owner == "android-jetpack";
        if is_sdk && row.is_none() {
            // the SDK itself is undeclared (SDK-01/SDK-04); its data is in that finding
            continue;
        }
        let declared: &[String] = match row {
            Some(r) => &r.data_types,
            None => &all_declared,
        };
        let unjudged = match row {
            Some(r) => row_unjudged(r, understood),
            None => None,
        };
        for d in &access.data_types {
            let (severity, how) = match covered(k, &d.data_type, declared) {
                Covered::Exactly => continue,
                Covered::Broadly(b) => (
                    Severity::Low,
                    format!("declared only broadly as {}", label(k, b)),
                ),
                Covered::No if platform_library => (Severity::Low, "not declared".to_string()),
                Covered::No if is_sensitive_type(&d.data_type) => {
                    (Severity::High, "not declared".to_string())
                }
                Covered::No => (Severity::Medium, "not declared".to_string()),
            };
            let who = match (&access.name, access.owner.as_str()) {
                (Some(n), _) => format!("{n} ({})", access.owner),
                (None, "app") => "the app's own code".to_string(),
                (None, "android-jetpack") => "AndroidX / support library code".to_string(),
                _ => "code not attributed to any SDK".to_string(),
            };
            let mut evidence: Vec<String> = d
                .call_sites
                .iter()
                .map(|c| format!("{} calls {} ({} @{:04x})", c.caller, c.api, c.dex, c.pc))
                .collect();
            if d.count > d.call_sites.len() {
                evidence.push(format!("{} call sites in all", d.count));
            }
            for a in &d.attributions {
                if let Some(why) = attribution_note(*a) {
                    evidence.push(format!(
                        "attributed {why} ({} confidence)",
                        d.confidence.as_str()
                    ));
                }
            }
            // a conditional call (running processes, intent queries, a settings read
            // without the android_id key) may not read the data: one step lower
            let possible = d.certainty == ReadCertainty::Possible;
            let severity = if possible { lower(severity) } else { severity };
            if possible {
                evidence.push(
                    "possible read: every call site is a conditional call whose arguments decide what it reads"
                        .into(),
                );
            }
            let mut x = Finding::new(
                Rule::Data01,
                severity,
                format!(
                    "{who} {} {} ({}), {how} in {}",
                    if possible { "possibly reads" } else { "reads" },
                    label(k, &d.data_type),
                    d.data_type,
                    if row.is_some() {
                        "its policy row"
                    } else {
                        "the policy"
                    }
                ),
            );
            x.sdk = is_sdk.then(|| access.owner.clone());
            x.data_type = Some(d.data_type.clone());
            x.evidence = evidence;
            x.policy_source = row.map(|r| r.source.clone());
            out.push((access.owner.clone(), x.unjudged(unjudged.as_deref())));
        }
    }
}

/// One severity step lower (not below low).
fn lower(s: Severity) -> Severity {
    match s {
        Severity::High => Severity::Medium,
        Severity::Medium | Severity::Low => Severity::Low,
        Severity::Info => Severity::Info,
    }
}

/// How an attribution other than by class name was made, for the evidence.
fn attribution_note(a: Attribution) -> Option<&'static str> {
    Some(match a {
        Attribution::Mapping => "through the mapping file's original class names",
        Attribution::Component => "as the SDK's manifest component",
        Attribution::PackageEvidence => {
            "through the SDK's manifest/JNI evidence in the caller's package"
        }
        Attribution::Strings => "through the SDK's string constants in the calling class",
        Attribution::ReferenceGraph => {
            "through the class-reference graph (the calling class is used only by the SDK's code)"
        }
        Attribution::AppNamespace => "to the app through its package namespace",
        _ => return None,
    })
}

/// DATA-02: a type a declared SDK's own documentation says it collects, missing from a
/// row that lists data (rows without any data are SDK-03), and not already seen in code.
fn documented(
    k: &Knowledge,
    scan: &ScanReport,
    policy: &DeclaredPolicy,
    out: &mut Vec<(String, Finding)>,
) {
    for row in &policy.sdks {
        let Some(id) = &row.id else { continue };
        let Some(sig) = k.signatures.get(id) else {
            continue;
        };
        if row.data_types.is_empty() || !scan.sdks.iter().any(|f| &f.id == id) {
            continue;
        }
        let observed: Vec<&str> = scan
            .data_access
            .iter()
            .filter(|a| &a.owner == id)
            .flat_map(|a| a.data_types.iter().map(|d| d.data_type.as_str()))
            .collect();
        for t in sig
            .data_types
            .iter()
            .filter(|t| !observed.contains(&t.as_str()))
            .filter(|t| matches!(covered(k, t, &row.data_types), Covered::No))
        {
            let mut x = Finding::new(
                Rule::Data02,
                Severity::Low,
                format!(
                    "the {} row does not list {} ({t}) that the SDK documents collecting",
                    row.name,
                    label(k, t)
                ),
            );
            x.sdk = Some(id.clone());
            x.data_type = Some(t.clone());
            x.evidence = vec![format!(
                "signatures/{id}: the SDK's documented collection lists {t}"
            )];
            x.policy_source = Some(row.source.clone());
            out.push((id.clone(), x));
        }
    }
}

/// DATA-03: a row of an SDK present in the APK lists a dangerous permission the app
/// requests, but none of the data that permission gives access to.
fn implied_by_permissions(
    k: &Knowledge,
    scan: &ScanReport,
    policy: &DeclaredPolicy,
    out: &mut Vec<(String, Finding)>,
) {
    let perms = &k.permissions;
    for row in &policy.sdks {
        // only rows of SDKs the APK carries: a row for an absent SDK is SDK-02
        let Some(id) = &row.id else { continue };
        if !scan.sdks.iter().any(|f| &f.id == id) {
            continue;
        }
        for pname in &row.permissions {
            if !scan.permissions.iter().any(|p| &p.name == pname) {
                continue;
            }
            let Some(info) = perms.get(pname) else {
                continue;
            };
            if info.data_types.is_empty() || !perms.is_dangerous(pname) {
                continue;
            }
            if info
                .data_types
                .iter()
                .any(|t| !matches!(covered(k, t, &row.data_types), Covered::No))
            {
                continue;
            }
            let mut x = Finding::new(
                Rule::Data03,
                Severity::Medium,
                format!(
                    "the {} row lists {} but none of the data it gives access to ({})",
                    row.name,
                    pname,
                    info.data_types
                        .iter()
                        .map(|t| label(k, t))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            );
            x.sdk = Some(id.clone());
            x.permission = Some(pname.clone());
            x.data_type = info.data_types.first().cloned();
            x.evidence = vec![format!(
                "<uses-permission android:name=\"{}\"> gives access to {}",
                pname,
                info.data_types.join(", ")
            )];
            x.policy_source = Some(row.source.clone());
            out.push((id.clone(), x));
        }
    }
}

/// Rule preference when two rules report the same (subject, data type).
fn rank(r: super::Rule) -> u8 {
    match r {
        Rule::Data01 => 0,
        Rule::Data03 => 1,
        _ => 2,
    }
}

/// One finding per (subject, data type): the strongest, with the others as evidence.
fn strongest_per_subject(proposed: Vec<(String, Finding)>) -> Vec<Finding> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut groups: HashMap<(String, String), Vec<Finding>> = HashMap::new();
    for (subject, f) in proposed {
        let key = (subject, f.data_type.clone().unwrap_or_default());
        let g = groups.entry(key.clone()).or_default();
        if g.is_empty() {
            order.push(key);
        }
        g.push(f);
    }
    let mut out = Vec::new();
    for key in order {
        let Some(mut g) = groups.remove(&key) else {
            continue;
        };
        g.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(rank(a.rule).cmp(&rank(b.rule)))
        });
        let mut it = g.into_iter();
        let Some(mut best) = it.next() else { continue };
        for other in it {
            best.evidence
                .push(format!("also {}: {}", other.rule, other.message));
        }
        out.push(best);
    }
    out
}
