//! The audit as a terminal table.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};

/// Render an audit report as tables grouped by severity.
pub fn audit_table(r: &crate::audit::AuditReport) -> String {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    t.set_width(100);
    t.set_header(vec!["severity", "kind", "subject", "why"]);
    for f in &r.findings {
        let subject = finding_subject(f);
        let mut why = f.message.clone();
        if let Some(e) = f.evidence.first() {
            why.push_str(&format!("\napk: {e}"));
        }
        if let Some(s) = &f.policy_source {
            why.push_str(&format!("\npolicy line {}", s.line));
        }
        t.add_row(vec![
            format!("{:?}", f.severity).to_lowercase(),
            f.kind.to_string(),
            subject,
            why,
        ]);
    }
    format!(
        "{} {} — {} findings\n{t}\n",
        r.app.package.clone().unwrap_or_default(),
        r.app.file,
        r.findings.len()
    )
}

/// What a finding is about: the SDK, else the permission, else the data type (app-level
/// data findings), with the data type appended to SDK data findings.
pub fn finding_subject(f: &crate::audit::Finding) -> String {
    match (&f.sdk, &f.permission, &f.data_type) {
        (Some(s), _, Some(d)) if f.kind == crate::audit::FindingKind::UndeclaredData => {
            format!("{s}: {d}")
        }
        (Some(s), _, _) => s.clone(),
        (None, Some(p), _) => p.clone(),
        (None, None, Some(d)) => d.clone(),
        (None, None, None) => String::new(),
    }
}
