//! Permission rules: PERM-01 `undeclared_permission`, PERM-02 `unrequested_permission`.
//!
//! A permission the policy explains only for iOS or HarmonyOS does not explain the Android
//! one.

use super::understood::PolicyUnderstood;
use super::{Finding, Rule, Severity};
use crate::knowledge::{Knowledge, Lang};
use crate::policy::{DeclaredPermission, DeclaredPolicy};
use crate::scan::ScanReport;

fn is_android(p: &&DeclaredPermission) -> bool {
    p.platform
        .as_deref()
        .map_or(true, |x| x.eq_ignore_ascii_case("android"))
}

/// PERM-01: a requested privacy-relevant permission that neither the permission list nor
/// an SDK row explains.
pub fn undeclared_permissions(
    k: &Knowledge,
    scan: &ScanReport,
    policy: &DeclaredPolicy,
    understood: &PolicyUnderstood,
    findings: &mut Vec<Finding>,
) {
    let perms = &k.permissions;
    let declared: Vec<&str> = policy
        .permissions
        .iter()
        .filter(is_android)
        .map(|p| p.name.as_str())
        .chain(
            policy
                .sdks
                .iter()
                .flat_map(|s| s.permissions.iter().map(String::as_str)),
        )
        .collect();
    for p in &scan.permissions {
        if !perms.is_privacy_relevant(&p.name) || declared.contains(&p.name.as_str()) {
            continue;
        }
        let severity = if perms.is_dangerous(&p.name) {
            Severity::High
        } else {
            Severity::Medium
        };
        let mut x = Finding::new(
            Rule::Perm01,
            severity,
            format!(
                "{} ({}) is requested but the policy does not explain it",
                p.name,
                perms.display(&p.name, Lang::Zh)
            ),
        );
        x.permission = Some(p.name.clone());
        x.evidence = vec![format!(
            "<uses-permission android:name=\"{}\"> ({})",
            p.name, p.protection
        )];
        findings.push(x.unjudged(understood.permissions_unjudged.as_deref()));
    }
}

/// PERM-02: a permission the policy explains (for Android) that the APK does not request.
pub fn unrequested_permissions(
    scan: &ScanReport,
    policy: &DeclaredPolicy,
    findings: &mut Vec<Finding>,
) {
    for d in policy
        .permissions
        .iter()
        .filter(|d| d.resolved)
        .filter(is_android)
    {
        if scan.permissions.iter().any(|p| p.name == d.name) {
            continue;
        }
        let mut x = Finding::new(
            Rule::Perm02,
            Severity::Low,
            format!("{} is declared but the APK does not request it", d.name),
        );
        x.permission = Some(d.name.clone());
        x.evidence = vec!["not in the manifest's <uses-permission> entries".into()];
        x.policy_source = Some(d.source.clone());
        findings.push(x);
    }
}
