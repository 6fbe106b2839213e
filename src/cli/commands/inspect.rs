//! `scan` of single files, `manifest`, `policy` and `signatures`.

use crate::cli::args::OutputFormat;
use crate::cli::output::{emit, emit_json};
use crate::cli::{Failure, Outcome};
use apkaudit::knowledge::signatures::SignatureDb;
use apkaudit::scan::{scan_file, ScanOptions};
use std::path::{Path, PathBuf};

/// Scan each file and print it; an unreadable file is reported and the rest go on.
pub fn scan(
    files: &[PathBuf],
    format: OutputFormat,
    opts: &ScanOptions,
    lang: apkaudit::knowledge::Lang,
    evidence: Option<&Path>,
) -> Result<Outcome, Failure> {
    use apkaudit::batch::provenance::{Provenance, ResultOptions, WithProvenance};
    let mut outcome = Outcome::Clean;
    let single = files.len() == 1;
    let provenance = Provenance::current(opts.knowledge(), ResultOptions::of_budget(&opts.budget));
    for f in files {
        match scan_file(f, opts) {
            Ok(r) => {
                if let Some(dir) = evidence {
                    apkaudit::scan::evidence::write_evidence(dir, f, &r, opts)
                        .map_err(|e| Failure::Input(format!("cannot write evidence: {e}")))?;
                }
                match format {
                    OutputFormat::Json | OutputFormat::Jsonl => {
                        let rec = WithProvenance {
                            report: &r,
                            provenance: &provenance,
                        };
                        emit_json(&rec, single && format == OutputFormat::Json)?
                    }
                    OutputFormat::Table => emit(&apkaudit::report::scan_table(
                        &r,
                        opts.knowledge(),
                        crate::cli::output::table_style(lang),
                    ))?,
                    OutputFormat::Parquet => {
                        return Err(Failure::Input(
                            "--format parquet writes a batch: give --output FILE".into(),
                        ))
                    }
                }
            }
            Err(e) => {
                eprintln!("apkaudit: {e}");
                outcome = Outcome::SomeUnreadable;
                if !single && format != OutputFormat::Table {
                    let rec = serde_json::json!({
                        "schema_version": apkaudit::scan::SCAN_SCHEMA_VERSION,
                        "file": f.display().to_string(),
                        "error": e.to_string(),
                    });
                    emit(&format!("{rec}\n"))?;
                }
            }
        }
    }
    Ok(outcome)
}

/// The decoded manifest as text XML, JSON or a table.
pub fn manifest(
    file: &Path,
    format: crate::cli::args::ManifestFormat,
    lang: apkaudit::knowledge::Lang,
    budget: &apkaudit::input::budget::Budget,
) -> Result<Outcome, Failure> {
    use crate::cli::args::ManifestFormat;
    let root = apkaudit::scan::named_manifest(file, budget)?;
    match format {
        ManifestFormat::Xml => emit(&apkaudit::formats::xml::to_text_xml(&root))?,
        ManifestFormat::Json => emit_json(
            &apkaudit::report::json::manifest_json(&file.display().to_string(), &root),
            true,
        )?,
        ManifestFormat::Table => emit(&apkaudit::report::manifest_table(
            &root,
            apkaudit::knowledge::Knowledge::embedded(),
            crate::cli::output::table_style(lang),
        ))?,
    }
    Ok(Outcome::Clean)
}

/// What was understood from a policy.
pub fn policy(
    file: &Path,
    format: OutputFormat,
    signatures: Option<&Path>,
) -> Result<Outcome, Failure> {
    let p = match signatures {
        Some(dir) => {
            let k = super::load_knowledge(dir)?;
            let vocab = apkaudit::policy::Vocabulary::from_knowledge(&k);
            apkaudit::policy::read_policy_with(file, &vocab)?
        }
        None => apkaudit::policy::read_policy(file)?,
    };
    match format {
        OutputFormat::Table => emit(&apkaudit::report::policy_table(&p))?,
        _ => emit_json(&p.to_json(), true)?,
    }
    Ok(Outcome::Clean)
}

/// List the embedded signature database, or validate a folder.
pub fn signatures(
    check: Option<&Path>,
    format: OutputFormat,
    lang: apkaudit::knowledge::Lang,
) -> Result<Outcome, Failure> {
    if let Some(dir) = check {
        let db = SignatureDb::load_dir(dir)?;
        emit(&format!(
            "{}: {} signatures, all valid\n",
            dir.display(),
            db.all().len()
        ))?;
        return Ok(Outcome::Clean);
    }
    let db = SignatureDb::embedded();
    match format {
        OutputFormat::Table => emit(&apkaudit::report::signatures_table(
            db.all(),
            apkaudit::knowledge::Knowledge::embedded(),
            crate::cli::output::table_style(lang),
        ))?,
        _ => emit_json(&apkaudit::report::json::signatures_json(db.all()), true)?,
    }
    Ok(Outcome::Clean)
}
