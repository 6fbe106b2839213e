//! `audit`: scan an app, read its policy, diff them, render the report.

use crate::cli::args::ReportFormat;
use crate::cli::output::{emit, emit_json};
use crate::cli::{Failure, Outcome};
use apkaudit::audit::Severity;
use apkaudit::knowledge::Knowledge;
use apkaudit::scan::{scan_file, ScanOptions};
use std::path::Path;

/// What `apkaudit audit` was asked to do.
pub struct AuditCmd<'a> {
    pub file: &'a Path,
    /// The policy files (several are merged).
    pub policy: &'a [std::path::PathBuf],
    pub format: ReportFormat,
    pub fail_on: Option<Severity>,
    pub signatures: Option<&'a Path>,
    pub budget: apkaudit::input::budget::Budget,
    pub mapping: Option<std::path::PathBuf>,
    pub base_dir: Option<&'a Path>,
    pub lang: apkaudit::knowledge::Lang,
}

/// Audit `file` against its policy (several files are merged); exit 1 when a finding
/// reaches `fail_on`.
pub fn run(cmd: AuditCmd<'_>) -> Result<Outcome, Failure> {
    let AuditCmd {
        file,
        policy,
        format,
        fail_on,
        signatures,
        budget,
        mapping,
        base_dir,
        lang,
    } = cmd;
    let mut opts = ScanOptions {
        budget,
        mapping,
        ..Default::default()
    };
    if let Some(dir) = signatures {
        opts.knowledge = Some(super::load_knowledge(dir)?);
    }
    let k: &Knowledge = opts.knowledge();
    let scan = scan_file(file, &opts)?;
    let vocab = apkaudit::policy::Vocabulary::from_knowledge(k);
    let mut parts = Vec::with_capacity(policy.len());
    for p in policy {
        parts.push((
            p.display().to_string(),
            apkaudit::policy::read_policy_with(p, &vocab)?,
        ));
    }
    let declared = apkaudit::policy::merge(parts);
    let report = apkaudit::audit::audit(k, &scan, declared);

    match format {
        ReportFormat::Table => emit(&apkaudit::report::audit_table(
            &report,
            &scan,
            k,
            crate::cli::output::table_style(lang),
        ))?,
        ReportFormat::Json => emit_json(&report, true)?,
        ReportFormat::Sarif => {
            let base = base_dir.unwrap_or(Path::new("."));
            let first = policy.first().map_or(Path::new(""), |p| p.as_path());
            emit_json(&apkaudit::report::audit_sarif(&report, first, base), true)?
        }
        ReportFormat::Markdown => emit(&apkaudit::report::audit_markdown(&report, &scan, k, lang))?,
        ReportFormat::Html => {
            let icon = apkaudit::scan::icon::app_icon(file);
            let icon = icon
                .as_ref()
                .map(|i| (i.mime, i.bytes.as_slice()))
                .map_err(Clone::clone);
            emit(&apkaudit::report::audit_html(&report, &scan, k, lang, icon))?
        }
    }
    Ok(match fail_on {
        Some(level) if report.findings.iter().any(|f| f.severity >= level) => Outcome::FailOn,
        _ => Outcome::Clean,
    })
}

/// Draft the disclosures of `file`.
pub fn disclose(
    file: &Path,
    format: crate::cli::args::DraftFormat,
    lang: apkaudit::knowledge::Lang,
    signatures: Option<&Path>,
) -> Result<Outcome, Failure> {
    use crate::cli::args::DraftFormat;
    use apkaudit::report::disclose;
    let mut opts = ScanOptions::default();
    if let Some(dir) = signatures {
        opts.knowledge = Some(super::load_knowledge(dir)?);
    }
    let k: &Knowledge = opts.knowledge();
    let scan = scan_file(file, &opts)?;
    let d = disclose::disclosure(&scan, k, lang);
    match format {
        DraftFormat::Json => emit(&format!("{}\n", disclose::disclosure_json(&d)))?,
        DraftFormat::Md => emit(&disclose::disclosure_markdown(&d, k, lang))?,
        DraftFormat::Html => emit(&disclose::disclosure_html(&d, k, lang))?,
        DraftFormat::Csv => emit(&disclose::disclosure_csv(&d))?,
    }
    Ok(Outcome::Clean)
}
