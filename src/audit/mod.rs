//! The audit: diff what the APK contains against what the policy declares.
//!
//! Rules (documented in `docs/audit-rules.md`): SDK-01 `undeclared_sdk`, SDK-02
//! `stale_sdk`, SDK-03 `incomplete_entry`, SDK-04 `vague_disclosure`, PERM-01
//! `undeclared_permission`, PERM-02 `unrequested_permission`.

use crate::policy::{DeclaredPolicy, Source};
use crate::scan::ScanReport;
use serde::Serialize;

pub mod rules;

pub use rules::{FindingKind, Rule, Severity};

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
pub fn audit(
    k: &crate::knowledge::Knowledge,
    scan: &ScanReport,
    policy: DeclaredPolicy,
) -> AuditReport {
    let perms = &k.permissions;
    let db = &k.signatures;
    let mut findings = Vec::new();
    let declared_ids: Vec<&str> = policy.sdks.iter().filter_map(|s| s.id.as_deref()).collect();
    for f in &scan.sdks {
        if declared_ids.contains(&f.id.as_str()) {
            continue;
        }
        let required =
            db.get(&f.id).map_or(true, |s| s.requires_disclosure()) && f.category != "packer";
        let mut evidence: Vec<String> = f
            .evidence
            .iter()
            .map(|e| format!("{} {}: {}", e.count, e.kind, e.examples.join(", ")))
            .collect();
        // what the undeclared SDK was seen reading (sensitive call sites)
        for a in scan.data_access.iter().filter(|a| a.owner == f.id) {
            for d in &a.data_types {
                if let Some(c) = d.call_sites.first() {
                    evidence.push(format!(
                        "reads {} ({} call sites), e.g. {} calls {}",
                        d.data_type, d.count, c.caller, c.api
                    ));
                }
            }
        }
        let vague = policy.vague.iter().find(|v| v.category == f.category);
        if let Some(v) = vague {
            findings.push(Finding {
                kind: FindingKind::VagueDisclosure,
                severity: Severity::Medium,
                sdk: Some(f.id.clone()),
                permission: None,
                data_type: None,
                evidence,
                policy_source: Some(v.source.clone()),
                rule: Rule::Sdk04,
                message: format!(
                    "the policy only names a category (\"{}\") where the APK has {} ({})",
                    v.text, f.name, f.id
                ),
            });
            continue;
        }
        findings.push(Finding {
            kind: FindingKind::UndeclaredSdk,
            // a lone string/domain hit (low confidence) is a lead to review, not a verdict
            severity: match (required, f.confidence.as_str()) {
                (true, "low") => Severity::Low,
                (true, _) => Severity::High,
                (false, _) => Severity::Info,
            },
            sdk: Some(f.id.clone()),
            permission: None,
            data_type: None,
            evidence,
            policy_source: None,
            rule: Rule::Sdk01,
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
                kind: FindingKind::StaleSdk,
                severity: Severity::Low,
                sdk: Some(id.clone()),
                permission: None,
                data_type: None,
                evidence: vec!["no classes, native libraries or manifest entries of this SDK were found".into()],
                policy_source: Some(d.source.clone()),
                rule: Rule::Sdk02,
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
                kind: FindingKind::IncompleteEntry,
                severity: Severity::Low,
                sdk: Some(d.id.clone().unwrap_or_else(|| d.name.clone())),
                permission: None,
                data_type: None,
                evidence: Vec::new(),
                policy_source: Some(d.source.clone()),
                rule: Rule::Sdk03,
                message: format!("SDK row \"{}\" lacks: {}", d.name, missing.join(", ")),
            });
        }
    }
    // a permission the policy explains only for iOS or HarmonyOS does not explain the
    // Android one
    let android = |p: &&crate::policy::DeclaredPermission| {
        p.platform
            .as_deref()
            .map_or(true, |x| x.eq_ignore_ascii_case("android"))
    };
    let declared_perms: Vec<&str> = policy
        .permissions
        .iter()
        .filter(android)
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
            kind: FindingKind::UndeclaredPermission,
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
            rule: Rule::Perm01,
            message: format!(
                "{} ({}) is requested but the policy does not explain it",
                p.name,
                perms.display(&p.name, crate::knowledge::permissions::Lang::Zh)
            ),
        });
    }
    for d in policy
        .permissions
        .iter()
        .filter(|d| d.resolved)
        .filter(android)
    {
        if !scan.permissions.iter().any(|p| p.name == d.name) {
            findings.push(Finding {
                kind: FindingKind::UnrequestedPermission,
                severity: Severity::Low,
                sdk: None,
                permission: Some(d.name.clone()),
                data_type: None,
                evidence: vec!["not in the manifest's <uses-permission> entries".into()],
                policy_source: Some(d.source.clone()),
                rule: Rule::Perm02,
                message: format!("{} is declared but the APK does not request it", d.name),
            });
        }
    }
    data_findings(scan, &policy, db, perms, &mut findings);
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

/// Broad data-type terms and the specific types they cover (`data/data_coverage.toml`).
fn coverage() -> &'static [(String, Vec<String>)] {
    &crate::knowledge::Knowledge::embedded().terms.coverage
}

/// How a set of declared data types covers `t`: exactly, only through a broad term
/// (returned), or not at all.
enum Covered<'a> {
    Exactly,
    Broadly(&'a str),
    No,
}

fn covered<'a>(t: &str, declared: &'a [String]) -> Covered<'a> {
    if declared.iter().any(|d| d == t) {
        return Covered::Exactly;
    }
    for (broad, covers) in coverage() {
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

/// `undeclared_data` (DATA-01..03): data types an SDK is seen reading (call sites), an SDK
/// row's own SDK documents, or the app's permissions imply, that the policy does not declare.
fn data_findings(
    scan: &ScanReport,
    policy: &DeclaredPolicy,
    db: &crate::knowledge::signatures::SignatureDb,
    perms: &crate::knowledge::permissions::PermissionDb,
    findings: &mut Vec<Finding>,
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
    let label = |t: &str| {
        crate::knowledge::data_types::DataTypeDb::embedded()
            .display(t, crate::knowledge::permissions::Lang::Zh)
            .to_string()
    };
    // DATA-01: observed call sites, per owner
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
        for d in &access.data_types {
            let (severity, how) = match covered(&d.data_type, declared) {
                Covered::Exactly => continue,
                Covered::Broadly(b) => (
                    Severity::Low,
                    format!("declared only broadly as {}", label(b)),
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
            if access.attribution == "package-evidence" {
                evidence.push(
                    "attributed through the SDK's manifest/JNI evidence in the caller's package"
                        .into(),
                );
            }
            findings.push(Finding {
                kind: FindingKind::UndeclaredData,
                severity,
                sdk: is_sdk.then(|| access.owner.clone()),
                permission: None,
                data_type: Some(d.data_type.clone()),
                evidence,
                policy_source: row.map(|r| r.source.clone()),
                rule: Rule::Data01,
                message: format!(
                    "{who} reads {} ({}), {how} in {}",
                    label(&d.data_type),
                    d.data_type,
                    if row.is_some() {
                        "its policy row"
                    } else {
                        "the policy"
                    }
                ),
            });
        }
    }
    // DATA-02: what a declared SDK's own documentation says it collects, where its row
    // lists data but not that type (rows without any data are SDK-03)
    for row in &policy.sdks {
        let Some(id) = &row.id else { continue };
        let Some(sig) = db.get(id) else { continue };
        if row.data_types.is_empty() || !scan.sdks.iter().any(|f| &f.id == id) {
            continue;
        }
        let observed: Vec<&str> = scan
            .data_access
            .iter()
            .filter(|a| &a.owner == id)
            .flat_map(|a| a.data_types.iter().map(|d| d.data_type.as_str()))
            .collect();
        let missing: Vec<&String> = sig
            .data_types
            .iter()
            .filter(|t| !observed.contains(&t.as_str()))
            .filter(|t| matches!(covered(t, &row.data_types), Covered::No))
            .collect();
        if missing.is_empty() {
            continue;
        }
        findings.push(Finding {
            kind: FindingKind::UndeclaredData,
            severity: Severity::Low,
            sdk: Some(id.clone()),
            permission: None,
            data_type: missing.first().map(|t| t.to_string()),
            evidence: vec![format!(
                "signatures/{}: the SDK's documented collection lists {}",
                id,
                missing
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )],
            policy_source: Some(row.source.clone()),
            rule: Rule::Data02,
            message: format!(
                "the {} row does not list {} that the SDK documents collecting",
                row.name,
                missing
                    .iter()
                    .map(|t| label(t))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        });
    }
    // DATA-03: an SDK row lists a permission the app requests, but none of the data that
    // permission gives access to
    for row in &policy.sdks {
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
                .any(|t| !matches!(covered(t, &row.data_types), Covered::No))
            {
                continue;
            }
            findings.push(Finding {
                kind: FindingKind::UndeclaredData,
                severity: Severity::Medium,
                sdk: Some(row.id.clone().unwrap_or_else(|| row.name.clone())),
                permission: Some(pname.clone()),
                data_type: info.data_types.first().cloned(),
                evidence: vec![format!(
                    "<uses-permission android:name=\"{}\"> gives access to {}",
                    pname,
                    info.data_types.join(", ")
                )],
                policy_source: Some(row.source.clone()),
                rule: Rule::Data03,
                message: format!(
                    "the {} row lists {} but none of the data it gives access to ({})",
                    row.name,
                    pname,
                    info.data_types
                        .iter()
                        .map(|t| label(t))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            });
        }
    }
}
