//! One function per command; each returns an [`Outcome`] or a [`Failure`].

mod audit;
mod batch;
mod inspect;

use super::args::{self, Command, OutputFormat};
use super::{Failure, Outcome};
use apkaudit::knowledge::Knowledge;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Run one command.
pub fn run(command: Command) -> Result<Outcome, Failure> {
    match command {
        Command::Scan {
            files,
            format,
            signatures,
            mapping,
            lang,
            evidence,
            batch,
        } => {
            let mut opts = apkaudit::scan::ScanOptions {
                budget: batch.budget.budget(),
                mapping,
                keep_evidence: evidence.is_some(),
                ..Default::default()
            };
            if let Some(dir) = &evidence {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Failure::Input(format!("{}: {e}", dir.display())))?;
            }
            if let Some(dir) = &signatures {
                opts.knowledge = Some(load_knowledge(dir)?);
            }
            // a folder of split APKs is one app (scan_file reads it), not a dump to walk
            let walked = |f: &PathBuf| f.is_dir() && !apkaudit::batch::input::is_app_folder(f);
            let is_batch = files.len() > 1
                || batch.any()
                || format == Some(OutputFormat::Parquet)
                || files
                    .iter()
                    .any(|f| f.to_string_lossy().starts_with('@') || walked(f));
            if !is_batch || (format == Some(OutputFormat::Table) && !batch.any()) {
                if files.iter().any(walked) {
                    return Err(Failure::Input(
                        "a batch (directory input) writes JSONL; use `apkaudit summary` for a table"
                            .into(),
                    ));
                }
                return inspect::scan(
                    &files,
                    format.unwrap_or(OutputFormat::Table),
                    &opts,
                    lang.into(),
                    evidence.as_deref(),
                );
            }
            if format == Some(OutputFormat::Table) {
                return Err(Failure::Input(
                    "batch output is JSONL; use `apkaudit summary` for a table".into(),
                ));
            }
            batch::run(
                &files,
                batch,
                opts,
                evidence,
                format == Some(OutputFormat::Parquet),
            )
        }
        Command::Summary {
            files,
            format,
            stale,
            signatures,
            output,
            lang,
        } => {
            if stale {
                if output.is_some() || format == args::SummaryFormat::Parquet {
                    return Err(Failure::Input(
                        "summary --stale prints a list (table, json or csv) to stdout".into(),
                    ));
                }
                let own = signatures.as_deref().map(load_knowledge).transpose()?;
                let k: &Knowledge = match &own {
                    Some(k) => k,
                    None => Knowledge::embedded(),
                };
                return batch::stale(&files, format.into(), k);
            }
            batch::summary(&files, format.into(), output.as_deref(), lang.into())
        }
        Command::Manifest {
            file,
            format,
            lang,
            budget,
        } => inspect::manifest(&file, format, lang.into(), &budget.budget()),
        Command::Rematch {
            files,
            signatures,
            policy_dir,
            format,
            output,
            jobs,
        } => {
            let knowledge = signatures.as_deref().map(load_knowledge).transpose()?;
            let opts = apkaudit::batch::rematch::RematchOptions {
                knowledge,
                policy_dir,
            };
            batch::rematch(&files, &opts, format, output.as_deref(), jobs)
        }
        Command::Policy {
            file,
            format,
            signatures,
        } => inspect::policy(&file, format, signatures.as_deref()),
        Command::Audit {
            file,
            policy,
            format,
            fail_on,
            signatures,
            budget,
            mapping,
            base_dir,
            lang,
        } => audit::run(audit::AuditCmd {
            file: &file,
            policy: &policy,
            format,
            fail_on: fail_on.map(Into::into),
            signatures: signatures.as_deref(),
            budget: budget.budget(),
            mapping,
            base_dir: base_dir.as_deref(),
            lang: lang.into(),
        }),
        Command::Disclose {
            file,
            format,
            lang,
            signatures,
        } => audit::disclose(&file, format, lang.into(), signatures.as_deref()),
        Command::Signatures {
            check,
            format,
            lang,
        } => inspect::signatures(check.as_deref(), format, lang.into()),
    }
}

/// The embedded knowledge plus a `--signatures` folder.
fn load_knowledge(dir: &Path) -> Result<Arc<Knowledge>, Failure> {
    Ok(Arc::new(Knowledge::load(Some(dir))?))
}
