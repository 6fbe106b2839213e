//! The audit as SARIF 2.1.0, in the shape GitHub code scanning accepts (checked with
//! Microsoft's SARIF Multitool, `validate --rule-kind "Gh;Sarif"`).
//!
//! * Rules come from [`Rule::ALL`] (one typed list: a new rule cannot be missing), each with
//!   `shortDescription`, `fullDescription`, `help` (text and Markdown), `helpUri` (the public
//!   text of the regulation it rests on) and `security-severity`.
//! * Locations are relative to a base directory (`--base-dir`, default the working
//!   directory) under the `%SRCROOT%` base id, which `originalUriBaseIds` maps to an absolute
//!   `file:` URI; a file outside the base is given as an absolute `file:` URI.
//! * `partialFingerprints` hash what the finding is about (rule, package, SDK, permission,
//!   data type), not where the policy happens to say it, so a finding keeps its identity
//!   when the policy is edited.

use crate::audit::{AuditReport, Finding, Rule, Severity};
use sha2::{Digest, Sha256};
use std::path::{Component, Path, PathBuf};

/// The base id every relative location uses.
pub const SRCROOT: &str = "%SRCROOT%";

/// The public text of the regulation most rules rest on
/// (《App违法违规收集使用个人信息行为认定方法》, CAC publication of 2019-12-27).
pub const MIIT_METHOD_URI: &str = "https://www.cac.gov.cn/2019-12/27/c_1578986455686625.htm";

/// Where to learn about the tool: Cargo.toml's `homepage` once it has one; until then
/// the public text of the regulation the rules apply, which is what a reader of the
/// results needs.
fn information_uri() -> &'static str {
    match env!("CARGO_PKG_HOMEPAGE") {
        "" => MIIT_METHOD_URI,
        h => h,
    }
}

/// GitHub's `security-severity` score for a severity (its bands: ≥ 9 critical, ≥ 7 high,
/// ≥ 4 medium, else low).
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// The SARIF level of a severity.
pub fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The highest severity a rule can raise (docs/audit-rules.md), for the rule's default
/// configuration and `security-severity`.
pub fn rule_severity(r: Rule) -> Severity {
    match r {
        Rule::Sdk01 | Rule::Perm01 | Rule::Data01 => Severity::High,
        Rule::Sdk04 | Rule::Data03 => Severity::Medium,
        Rule::Sdk02 | Rule::Sdk03 | Rule::Perm02 | Rule::Data02 => Severity::Low,
    }
}

/// A PascalCase name for a rule (SARIF `name`): its kind, with the DATA rules told apart.
fn rule_name(r: Rule) -> &'static str {
    match r {
        Rule::Sdk01 => "UndeclaredSdk",
        Rule::Sdk02 => "StaleSdk",
        Rule::Sdk03 => "IncompleteSdkEntry",
        Rule::Sdk04 => "VagueSdkDisclosure",
        Rule::Perm01 => "UndeclaredPermission",
        Rule::Perm02 => "UnrequestedPermission",
        Rule::Data01 => "UndeclaredDataRead",
        Rule::Data02 => "UndeclaredDocumentedData",
        Rule::Data03 => "UndeclaredPermissionData",
    }
}

/// Remove `.` and resolve `..` without touching the file system.
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn absolute(p: &Path) -> PathBuf {
    lexical(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
}

/// Percent-encode a path for a URI (RFC 3986 unreserved characters and `/` kept).
fn uri_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `file:` URI of an absolute path (a directory gets a trailing slash).
fn file_uri(abs: &Path, dir: bool) -> String {
    let mut s = uri_path(abs);
    if !s.starts_with('/') {
        s.insert(0, '/');
    }
    if dir && !s.ends_with('/') {
        s.push('/');
    }
    format!("file://{s}")
}

/// An `artifactLocation` for `file`: relative to `base` when inside it, else absolute.
fn artifact_location(file: &Path, base: &Path) -> serde_json::Value {
    let abs = absolute(file);
    let rel = abs
        .strip_prefix(base)
        .ok()
        .map(Path::to_path_buf)
        .or_else(|| {
            let canon_file = std::fs::canonicalize(file).ok()?;
            let canon_base = std::fs::canonicalize(base).ok()?;
            canon_file
                .strip_prefix(&canon_base)
                .ok()
                .map(Path::to_path_buf)
        });
    match rel {
        Some(r) if !r.as_os_str().is_empty() => {
            serde_json::json!({"uri": uri_path(&r), "uriBaseId": SRCROOT})
        }
        _ => serde_json::json!({"uri": file_uri(&abs, false)}),
    }
}

/// The stable identity of a finding.
fn fingerprint(r: &AuditReport, f: &Finding) -> String {
    let mut h = Sha256::new();
    for part in [
        Some(f.rule.id()),
        r.app.package.as_deref(),
        f.sdk.as_deref(),
        f.permission.as_deref(),
        f.data_type.as_deref(),
    ] {
        h.update(part.unwrap_or("").as_bytes());
        h.update([0u8]);
    }
    let d = h.finalize();
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The SARIF `reportingDescriptor` of every rule, in [`Rule::ALL`] order.
pub fn sarif_rules() -> Vec<serde_json::Value> {
    Rule::ALL
        .iter()
        .map(|&r| {
            let t = r.text();
            let sev = rule_severity(r);
            serde_json::json!({
                "id": r.id(),
                "name": rule_name(r),
                "shortDescription": {"text": t.short},
                "fullDescription": {"text": format!("{} Rests on: {}.", t.full, t.basis)},
                "help": {
                    "text": format!("{}\n\nRests on: {}.\nFinding kind: {}.", t.help, t.basis, r.kind()),
                    "markdown": format!("{}\n\n**Rests on:** {}.\n\nFinding kind: `{}`.", t.help, t.basis, r.kind()),
                },
                "helpUri": MIIT_METHOD_URI,
                "defaultConfiguration": {"level": sarif_level(sev)},
                "properties": {
                    "security-severity": security_severity(sev),
                    "precision": "high",
                    "kind": r.kind().as_str(),
                    "tags": ["privacy", "android", r.kind().as_str()],
                }
            })
        })
        .collect()
}

/// Render an audit report as SARIF 2.1.0. `policy` and the scanned app are located
/// relative to `base_dir` (made absolute against the working directory).
pub fn audit_sarif(r: &AuditReport, policy: &Path, base_dir: &Path) -> serde_json::Value {
    let base = absolute(base_dir);
    let policy_loc = artifact_location(policy, &base);
    let app_loc = artifact_location(Path::new(&r.app.file), &base);
    let results: Vec<serde_json::Value> = r
        .findings
        .iter()
        .map(|f| {
            let line = f.policy_source.as_ref().map(|s| s.line.max(1)).unwrap_or(1);
            let index = Rule::ALL.iter().position(|x| *x == f.rule).unwrap_or(0);
            let mut text = f.message.clone();
            if !text.ends_with('.') {
                text.push('.');
            }
            if let Some(why) = &f.unjudged {
                text.push_str(&format!(" Not judged: {why}."));
            }
            serde_json::json!({
                "ruleId": f.rule.id(),
                "ruleIndex": index,
                "level": sarif_level(f.severity),
                "message": {"text": text},
                "locations": [{"physicalLocation": {
                    "artifactLocation": f
                        .policy_source
                        .as_ref()
                        .and_then(|s| s.file.as_deref())
                        .map_or_else(|| policy_loc.clone(), |file| artifact_location(Path::new(file), &base)),
                    "region": {"startLine": line}
                }}],
                "relatedLocations": [{
                    "id": 1,
                    "message": {"text": "the scanned app"},
                    "physicalLocation": {"artifactLocation": app_loc}
                }],
                "partialFingerprints": {"apkauditFinding/v1": fingerprint(r, f)},
                "properties": {
                    "kind": f.kind,
                    "severity": f.severity,
                    "evidence": f.evidence,
                    "sdk": f.sdk,
                    "permission": f.permission,
                    "data_type": f.data_type,
                    "unjudged": f.unjudged,
                    "policy_text": f.policy_source.as_ref().map(|s| s.text.clone()),
                }
            })
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "apkaudit",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": information_uri(),
                "rules": sarif_rules(),
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": file_uri(&base, true)}},
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_inside_the_base_and_encoded() {
        let base = Path::new("/work/x");
        let v = artifact_location(Path::new("/work/x/a b/p.md"), base);
        assert_eq!(v["uri"], "a%20b/p.md");
        assert_eq!(v["uriBaseId"], SRCROOT);
        let v = artifact_location(Path::new("/elsewhere/p.md"), base);
        assert_eq!(v["uri"], "file:///elsewhere/p.md");
        assert_eq!(file_uri(base, true), "file:///work/x/");
    }
}
