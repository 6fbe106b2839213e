//! `audit`: scan an app, read its policy, diff them, render the report.

use crate::cli::args::ReportFormat;
use crate::cli::output::{emit, emit_json};
use crate::cli::{Failure, Outcome};
use apkaudit::audit::Severity;
use apkaudit::knowledge::Knowledge;
use apkaudit::scan::{scan_file, ScanOptions};
use std::path::Path;

/// Audit `file` against `policy`; exit 1 when a finding reaches `fail_on`.
pub fn run(
    file: &Path,
    policy: &Path,
    format: ReportFormat,
    fail_on: Option<Severity>,
    signatures: Option<&Path>,
    budget: apkaudit::input::budget::Budget,
    mapping: Option<std::path::PathBuf>,
) -> Result<Outcome, Failure> {
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
    let declared = apkaudit::policy::read_policy_with(policy, &vocab)?;
    let report = apkaudit::audit::audit(k, &scan, declared);
    match format {
        ReportFormat::Table => emit(&apkaudit::report::audit_table(&report))?,
        ReportFormat::Json => emit_json(&report, true)?,
        ReportFormat::Sarif => emit_json(&apkaudit::report::audit_sarif(&report, policy), true)?,
        ReportFormat::Markdown => emit(&apkaudit::report::audit_markdown(&report))?,
    }
    Ok(match fail_on {
        Some(level) if report.findings.iter().any(|f| f.severity >= level) => Outcome::FailOn,
        _ => Outcome::Clean,
    })
}
