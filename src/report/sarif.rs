//! The audit as SARIF 2.1.0.

/// Render an audit report as SARIF 2.1.0.
pub fn audit_sarif(r: &crate::audit::AuditReport, policy: &std::path::Path) -> serde_json::Value {
    use crate::audit::Severity;
    let results: Vec<serde_json::Value> = r
        .findings
        .iter()
        .map(|f| {
            let level = match f.severity {
                Severity::High => "error",
                Severity::Medium => "warning",
                _ => "note",
            };
            let line = f.policy_source.as_ref().map(|s| s.line.max(1)).unwrap_or(1);
            serde_json::json!({
                "ruleId": f.kind,
                "level": level,
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": policy.display().to_string()},
                    "region": {"startLine": line}
                }}],
                "properties": {"rule": f.rule, "evidence": f.evidence, "sdk": f.sdk, "permission": f.permission}
            })
        })
        .collect();
    let rules: Vec<serde_json::Value> = crate::audit::FindingKind::ALL
        .iter()
        .map(|k| serde_json::json!({"id": k.as_str(), "shortDescription": {"text": k.as_str().replace('_', " ")}}))
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "apkaudit", "version": env!("CARGO_PKG_VERSION"), "rules": rules}}, "results": results}]
    })
}
