//! The audit: diff what the APK contains against what the policy declares.
//!
//! One function per rule (`docs/audit-rules.md`): [`sdk`] (SDK-01..04), [`permission`]
//! (PERM-01/02), [`data`] (DATA-01..03). Before any rule runs, [`understood`] measures how
//! much of the policy was read; a rule whose answer depends on a part of the policy that
//! was not understood marks its findings *unjudged* (severity `info`, with the reason)
//! instead of raising them: no finding from a misread.

pub mod data;
pub mod permission;
pub mod rules;
pub mod sdk;
pub mod understood;

use crate::knowledge::Knowledge;
use crate::policy::{DeclaredPolicy, Source};
use crate::scan::ScanReport;
use serde::Serialize;

pub use rules::{FindingKind, Rule, Severity};
pub use understood::PolicyUnderstood;

/// One audit finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// What kind of gap this is.
    pub kind: FindingKind,
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
    pub rule: Rule,
    /// Explanation.
    pub message: String,
    /// Why the finding could not be judged: the part of the policy it depends on was not
    /// understood (its severity is then `info`). Absent for judged findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unjudged: Option<String>,
}

impl Finding {
    /// A finding of `rule` (its kind follows from the rule).
    pub fn new(rule: Rule, severity: Severity, message: String) -> Finding {
        Finding {
            kind: rule.kind(),
            severity,
            sdk: None,
            permission: None,
            data_type: None,
            evidence: Vec::new(),
            policy_source: None,
            rule,
            message,
            unjudged: None,
        }
    }

    /// Mark as not judged: the policy part it depends on was not understood.
    fn unjudged(mut self, why: Option<&str>) -> Finding {
        if let Some(why) = why {
            self.severity = Severity::Info;
            self.unjudged = Some(why.to_string());
        }
        self
    }
}

/// Version of the audit JSON layout (docs/audit-json.md).
pub const AUDIT_SCHEMA_VERSION: u32 = 1;

/// The audit report.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Version of this JSON layout ([`AUDIT_SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The scanned app.
    pub app: AppSummary,
    /// How much of the policy was understood, and what could therefore not be judged.
    pub policy_understood: PolicyUnderstood,
    /// What was understood from the policy.
    pub policy: DeclaredPolicy,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Counts by kind and severity.
    pub summary: std::collections::BTreeMap<String, usize>,
    /// Whether the scan saw all of the app's code; `false` when a packer hides code, and
    /// then the SDK and data findings are incomplete (`incomplete` says why).
    pub complete: bool,
    /// The scan's typed warnings that it could not see all code (`code_hidden_by_packer`).
    pub incomplete: Vec<crate::scan::Incomplete>,
    /// One line: the finding counts, and that SDK and data findings are incomplete when
    /// they are.
    pub headline: String,
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
pub fn audit(k: &Knowledge, scan: &ScanReport, policy: DeclaredPolicy) -> AuditReport {
    let understood = PolicyUnderstood::measure(&policy);
    let mut findings = Vec::new();
    sdk::undeclared_sdks(k, scan, &policy, &understood, &mut findings);
    sdk::stale_sdks(scan, &policy, &mut findings);
    sdk::incomplete_entries(&policy, &mut findings);
    permission::undeclared_permissions(k, scan, &policy, &understood, &mut findings);
    permission::unrequested_permissions(scan, &policy, &mut findings);
    data::undeclared_data(k, scan, &policy, &understood, &mut findings);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.kind.as_str().cmp(b.kind.as_str()))
    });
    let mut summary = std::collections::BTreeMap::new();
    for f in &findings {
        *summary.entry(f.kind.to_string()).or_insert(0) += 1;
        *summary
            .entry(format!("severity:{}", f.severity))
            .or_insert(0) += 1;
        if f.unjudged.is_some() {
            *summary.entry("unjudged".to_string()).or_insert(0) += 1;
        }
    }
    let high = findings
        .iter()
        .filter(|f| f.severity == Severity::High)
        .count();
    let mut headline = format!("{} findings, {high} high", findings.len());
    if !scan.incomplete.is_empty() {
        summary.insert("incomplete".to_string(), scan.incomplete.len());
        let why: Vec<&str> = scan.incomplete.iter().map(|i| i.message()).collect();
        headline.push_str(&format!(
            "; SDK and data findings are INCOMPLETE: {}",
            why.join("; ")
        ));
    }
    AuditReport {
        schema_version: AUDIT_SCHEMA_VERSION,
        app: AppSummary {
            file: scan.file.clone(),
            sha256: scan.sha256.clone(),
            package: scan.package.clone(),
            version_name: scan.version_name.clone(),
            sdks: scan.sdks.iter().map(|s| s.id.clone()).collect(),
            permissions: scan.permissions.iter().map(|p| p.name.clone()).collect(),
        },
        policy_understood: understood,
        policy,
        findings,
        summary,
        complete: scan.incomplete.is_empty(),
        incomplete: scan.incomplete.clone(),
        headline,
    }
}
