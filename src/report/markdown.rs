//! The audit as a Markdown compliance report.

use super::finding_subject;

/// Render an audit report as a Markdown compliance report.
pub fn audit_markdown(r: &crate::audit::AuditReport) -> String {
    let mut out = format!(
        "# Privacy disclosure audit: {}\n\nFile `{}` (sha256 `{}`). SDKs found: {}. Findings: {}.\n\n| severity | kind | subject | rule | detail |\n|---|---|---|---|---|\n",
        r.app.package.clone().unwrap_or_default(),
        r.app.file,
        r.app.sha256,
        r.app.sdks.join(", "),
        r.findings.len()
    );
    for f in &r.findings {
        let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        out.push_str(&format!(
            "| {:?} | {} | {} | {} | {} |\n",
            f.severity,
            f.kind,
            esc(&finding_subject(f)),
            f.rule,
            esc(&f.message)
        ));
    }
    out
}
