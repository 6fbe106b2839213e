//! The audit: diff what the APK contains against what the policy declares.
//!
//! Rules (documented in `docs/audit-rules.md`): SDK-01 `undeclared_sdk`, SDK-02
//! `stale_sdk`, SDK-03 `incomplete_entry`, SDK-04 `vague_disclosure`, PERM-01
//! `undeclared_permission`, PERM-02 `unrequested_permission`.

use crate::policy::{DeclaredPolicy, Source};
use crate::scan::ScanReport;
use serde::Serialize;

/// Severity of a finding, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Info,
    /// An accuracy defect.
    Low,
    /// A disclosure gap.
    Medium,
    /// What MIIT test reports flag.
    High,
}

/// One audit finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `undeclared_sdk`, `stale_sdk`, `undeclared_permission`, `unrequested_permission`,
    /// `vague_disclosure`, `incomplete_entry`.
    pub kind: String,
    /// Severity.
    pub severity: Severity,
    /// SDK id or name concerned.
    pub sdk: Option<String>,
    /// Permission concerned.
    pub permission: Option<String>,
    /// Data type concerned.
    pub data_type: Option<String>,
    /// What the APK shows.
    pub evidence: Vec<String>,
    /// Where the policy says it (or does not).
    pub policy_source: Option<Source>,
    /// The rule this rests on (`SDK-01`, ...).
    pub rule: String,
    /// Explanation.
    pub message: String,
}

/// The audit report.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// The scanned app.
    pub app: AppSummary,
    /// What was understood from the policy.
    pub policy: DeclaredPolicy,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Counts by kind and severity.
    pub summary: std::collections::BTreeMap<String, usize>,
}

/// Short description of the scanned app.
#[derive(Debug, Clone, Serialize)]
pub struct AppSummary {
    /// File.
    pub file: String,
    /// SHA-256.
    pub sha256: String,
    /// Package.
    pub package: Option<String>,
    /// Version name.
    pub version_name: Option<String>,
    /// SDK ids found.
    pub sdks: Vec<String>,
    /// Requested permissions.
    pub permissions: Vec<String>,
}

/// Diff a scan against a declared policy.
pub fn audit(scan: &ScanReport, policy: DeclaredPolicy) -> AuditReport {
    let perms = crate::permissions::PermissionDb::embedded();
    let db = crate::signatures::SignatureDb::embedded().unwrap_or_default();
    let mut findings = Vec::new();
    let declared_ids: Vec<&str> = policy.sdks.iter().filter_map(|s| s.id.as_deref()).collect();
    for f in &scan.sdks {
        if declared_ids.contains(&f.id.as_str()) {
            continue;
        }
        let required =
            db.get(&f.id).is_none_or(|s| s.requires_disclosure()) && f.category != "packer";
        let evidence = f
            .evidence
            .iter()
            .map(|e| format!("{} {}: {}", e.count, e.kind, e.examples.join(", ")))
            .collect();
        let vague = policy.vague.iter().find(|v| v.category == f.category);
        if let Some(v) = vague {
            findings.push(Finding {
                kind: "vague_disclosure".into(),
                severity: Severity::Medium,
                sdk: Some(f.id.clone()),
                permission: None,
                data_type: None,
                evidence,
                policy_source: Some(v.source.clone()),
                rule: "SDK-04".into(),
                message: format!(
                    "the policy only names a category (\"{}\") where the APK has {} ({})",
                    v.text, f.name, f.id
                ),
            });
            continue;
        }
        findings.push(Finding {
            kind: "undeclared_sdk".into(),
            severity: if required {
                Severity::High
            } else {
                Severity::Info
            },
            sdk: Some(f.id.clone()),
            permission: None,
            data_type: None,
            evidence,
            policy_source: None,
            rule: "SDK-01".into(),
            message: format!(
                "{} ({}, {}) is in the APK but not in the policy",
                f.name,
                f.category,
                f.vendor_zh.clone().or(f.vendor.clone()).unwrap_or_default()
            ),
        });
    }
    for d in &policy.sdks {
        match &d.id {
            Some(id) if !scan.sdks.iter().any(|f| &f.id == id) => findings.push(Finding {
                kind: "stale_sdk".into(),
                severity: Severity::Low,
                sdk: Some(id.clone()),
                permission: None,
                data_type: None,
                evidence: vec!["no classes, native libraries or manifest entries of this SDK were found".into()],
                policy_source: Some(d.source.clone()),
                rule: "SDK-02".into(),
                message: format!("\"{}\" is declared but not found: a stale policy, another platform or flavour, or a detection gap", d.name),
            }),
            _ => {}
        }
        let mut missing = Vec::new();
        if d.company.is_none() {
            missing.push("company");
        }
        if d.purpose.is_none() {
            missing.push("purpose");
        }
        if d.data_types.is_empty() && d.data_text.is_none() {
            missing.push("data collected");
        }
        if d.link.is_none() {
            missing.push("privacy link");
        }
        if !missing.is_empty() {
            findings.push(Finding {
                kind: "incomplete_entry".into(),
                severity: Severity::Low,
                sdk: Some(d.id.clone().unwrap_or_else(|| d.name.clone())),
                permission: None,
                data_type: None,
                evidence: Vec::new(),
                policy_source: Some(d.source.clone()),
                rule: "SDK-03".into(),
                message: format!("SDK row \"{}\" lacks: {}", d.name, missing.join(", ")),
            });
        }
    }
    let declared_perms: Vec<&str> = policy
        .permissions
        .iter()
        .map(|p| p.name.as_str())
        .chain(
            policy
                .sdks
                .iter()
                .flat_map(|s| s.permissions.iter().map(String::as_str)),
        )
        .collect();
    for p in &scan.permissions {
        if !perms.is_privacy_relevant(&p.name) || declared_perms.contains(&p.name.as_str()) {
            continue;
        }
        findings.push(Finding {
            kind: "undeclared_permission".into(),
            severity: if perms.is_dangerous(&p.name) {
                Severity::High
            } else {
                Severity::Medium
            },
            sdk: None,
            permission: Some(p.name.clone()),
            data_type: None,
            evidence: vec![format!(
                "<uses-permission android:name=\"{}\"> ({})",
                p.name, p.protection
            )],
            policy_source: None,
            rule: "PERM-01".into(),
            message: format!(
                "{} ({}) is requested but the policy does not explain it",
                p.name,
                perms.display(&p.name, crate::permissions::Lang::Zh)
            ),
        });
    }
    for d in policy.permissions.iter().filter(|d| d.resolved) {
        if !scan.permissions.iter().any(|p| p.name == d.name) {
            findings.push(Finding {
                kind: "unrequested_permission".into(),
                severity: Severity::Low,
                sdk: None,
                permission: Some(d.name.clone()),
                data_type: None,
                evidence: vec!["not in the manifest's <uses-permission> entries".into()],
                policy_source: Some(d.source.clone()),
                rule: "PERM-02".into(),
                message: format!("{} is declared but the APK does not request it", d.name),
            });
        }
    }
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.kind.cmp(&b.kind)));
    let mut summary = std::collections::BTreeMap::new();
    for f in &findings {
        *summary.entry(f.kind.clone()).or_insert(0) += 1;
        *summary
            .entry(format!("severity:{:?}", f.severity).to_lowercase())
            .or_insert(0) += 1;
    }
    AuditReport {
        app: AppSummary {
            file: scan.file.clone(),
            sha256: scan.sha256.clone(),
            package: scan.package.clone(),
            version_name: scan.version_name.clone(),
            sdks: scan.sdks.iter().map(|s| s.id.clone()).collect(),
            permissions: scan.permissions.iter().map(|p| p.name.clone()).collect(),
        },
        policy,
        findings,
        summary,
    }
}
