//! SDK rules: SDK-01 `undeclared_sdk`, SDK-04 `vague_disclosure`, SDK-02 `stale_sdk`,
//! SDK-03 `incomplete_entry`.

use super::understood::{has_data, PolicyUnderstood};
use super::{Finding, Rule, Severity};
use crate::knowledge::signatures::Category;
use crate::knowledge::Knowledge;
use crate::policy::{DeclaredPolicy, VagueDisclosure};
use crate::scan::ScanReport;

/// SDK-01 / SDK-04: an SDK in the APK that no policy row names. When the policy names
/// only its category (outside any SDK row), the finding is SDK-04 instead.
pub fn undeclared_sdks(
    k: &Knowledge,
    scan: &ScanReport,
    policy: &DeclaredPolicy,
    understood: &PolicyUnderstood,
    findings: &mut Vec<Finding>,
) {
    let declared_ids: Vec<&str> = policy.sdks.iter().filter_map(|s| s.id.as_deref()).collect();
    let vague: Vec<&VagueDisclosure> = policy
        .vague
        .iter()
        .filter(|v| !inside_sdk_row(v, policy))
        .collect();
    for f in &scan.sdks {
        if declared_ids.contains(&f.id.as_str()) {
            continue;
        }
        let required = k
            .signatures
            .get(&f.id)
            .map_or(true, |s| s.requires_disclosure())
            && f.category != Category::Packer;
        let mut evidence: Vec<String> = f
            .evidence
            .iter()
            .map(|e| format!("{} ({}): {}", e.kind, e.count, e.examples.join(", ")))
            .collect();
        // what the undeclared SDK was seen reading (sensitive call sites)
        for a in scan.data_access.iter().filter(|a| a.owner == f.id) {
            for d in &a.data_types {
                if let Some(c) = d.call_sites.first() {
                    evidence.push(format!(
                        "reads {} (call sites: {}), e.g. {} calls {}",
                        d.data_type, d.count, c.caller, c.api
                    ));
                }
            }
        }
        let unjudged = understood.sdks_unjudged.as_deref();
        if let Some(v) = vague.iter().find(|v| v.category == f.category.as_str()) {
            let mut x = Finding::new(
                Rule::Sdk04,
                Severity::Medium,
                format!(
                    "the policy only names a category (\"{}\") where the APK has {} ({})",
                    v.text, f.name, f.id
                ),
            );
            x.sdk = Some(f.id.clone());
            x.evidence = evidence;
            x.policy_source = Some(v.source.clone());
            findings.push(x.unjudged(unjudged));
            continue;
        }
        // a lone string/domain hit (low confidence) is a lead to review, not a verdict
        let severity = match (required, f.confidence.as_str()) {
            (true, "low") => Severity::Low,
            (true, _) => Severity::High,
            (false, _) => Severity::Info,
        };
        let mut x = Finding::new(
            Rule::Sdk01,
            severity,
            format!(
                "{} ({}, {}) is in the APK but not in the policy",
                f.name,
                f.category,
                f.vendor_zh.clone().or(f.vendor.clone()).unwrap_or_default()
            ),
        );
        x.sdk = Some(f.id.clone());
        x.evidence = evidence;
        findings.push(x.unjudged(unjudged));
    }
}

/// A category term written inside a concrete SDK row (its purpose or data cell) is not a
/// vague disclosure: the row names the SDK.
fn inside_sdk_row(v: &VagueDisclosure, policy: &DeclaredPolicy) -> bool {
    policy.sdks.iter().any(|s| s.source.line == v.source.line)
}

/// SDK-02: a policy row that resolves to an SDK with no trace in the APK.
pub fn stale_sdks(scan: &ScanReport, policy: &DeclaredPolicy, findings: &mut Vec<Finding>) {
    for d in &policy.sdks {
        let Some(id) = &d.id else { continue };
        if scan.sdks.iter().any(|f| &f.id == id) {
            continue;
        }
        let mut x = Finding::new(
            Rule::Sdk02,
            Severity::Low,
            format!(
                "\"{}\" is declared but not found: a stale policy, another platform or flavour, or a detection gap",
                d.name
            ),
        );
        x.sdk = Some(id.clone());
        x.evidence =
            vec!["no classes, native libraries or manifest entries of this SDK were found".into()];
        x.policy_source = Some(d.source.clone());
        findings.push(x);
    }
}

/// SDK-03: an SDK row without company, purpose, data collected or privacy link.
pub fn incomplete_entries(policy: &DeclaredPolicy, findings: &mut Vec<Finding>) {
    for d in &policy.sdks {
        let mut missing = Vec::new();
        if d.company.is_none() {
            missing.push("company");
        }
        if d.purpose.is_none() {
            missing.push("purpose");
        }
        if !has_data(d) {
            missing.push("data collected");
        }
        if d.link.is_none() {
            missing.push("privacy link");
        }
        if missing.is_empty() {
            continue;
        }
        let mut x = Finding::new(
            Rule::Sdk03,
            Severity::Low,
            format!("SDK row \"{}\" lacks: {}", d.name, missing.join(", ")),
        );
        x.sdk = Some(d.id.clone().unwrap_or_else(|| d.name.clone()));
        x.policy_source = Some(d.source.clone());
        findings.push(x);
    }
}
