//! Command line: parses arguments and wires the library modules together.
//!
//! Exit codes: 0 success, 1 findings at or above `--fail-on`, 2 an input could not be read.

use crate::scan::{scan_file, ScanOptions, ScanReport};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Audit Android apps for privacy disclosure.
#[derive(Parser, Debug)]
#[command(name = "apkaudit", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Output formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    /// Human table.
    Table,
    /// One JSON object.
    Json,
    /// One JSON object per line.
    Jsonl,
}

/// Audit report formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    /// Terminal table grouped by severity.
    Table,
    /// JSON.
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// Markdown compliance report.
    Markdown,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan APKs (or raw binary manifests): manifest facts, permissions, components.
    Scan {
        /// Input files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
        /// Extra signature folder (adds or overrides SDKs of the embedded database).
        #[arg(long)]
        signatures: Option<PathBuf>,
    },
    /// Show what was understood from a privacy policy (JSON, CSV, text, Markdown, HTML).
    Policy {
        /// Policy file.
        file: PathBuf,
        /// Output format (table or json).
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// Diff an APK against its privacy policy.
    Audit {
        /// APK (or AAB, split set) to audit.
        file: PathBuf,
        /// The app's privacy policy or declared table.
        #[arg(long)]
        policy: PathBuf,
        /// Report format.
        #[arg(long, value_enum, default_value = "table")]
        format: ReportFormat,
        /// Exit with 1 when a finding reaches this severity.
        #[arg(long, value_enum)]
        fail_on: Option<crate::audit::Severity>,
    },
    /// List the SDK signature database, or validate a signature folder with --check.
    Signatures {
        /// Validate this folder instead of listing the embedded database.
        #[arg(long)]
        check: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// Print the decoded AndroidManifest.xml of an APK or raw binary manifest as text XML.
    Manifest {
        /// Input file.
        file: PathBuf,
    },
}

/// Run the command line; returns the process exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan {
            files,
            format,
            signatures,
        } => {
            let mut opts = ScanOptions::default();
            if let Some(dir) = signatures {
                let mut db = match crate::signatures::SignatureDb::embedded() {
                    Ok(db) => db,
                    Err(e) => {
                        eprintln!("apkaudit: {e}");
                        return 2;
                    }
                };
                match crate::signatures::SignatureDb::load_dir(&dir) {
                    Ok(extra) => db.extend(extra),
                    Err(e) => {
                        eprintln!("apkaudit: {e}");
                        return 2;
                    }
                }
                opts.matcher = Some(std::sync::Arc::new(db.compile()));
            }
            cmd_scan(&files, format, &opts)
        }
        Command::Manifest { file } => cmd_manifest(&file),
        Command::Policy { file, format } => cmd_policy(&file, format),
        Command::Audit {
            file,
            policy,
            format,
            fail_on,
        } => cmd_audit(&file, &policy, format, fail_on),
        Command::Signatures { check, format } => cmd_signatures(check.as_deref(), format),
    }
}

fn cmd_manifest(file: &std::path::Path) -> i32 {
    match crate::scan::decoded_manifest(file) {
        Ok(root) => {
            emit(&crate::xml::to_text_xml(&root));
            0
        }
        Err(e) => {
            eprintln!("apkaudit: {e}");
            2
        }
    }
}

fn cmd_scan(files: &[PathBuf], format: OutputFormat, opts: &ScanOptions) -> i32 {
    let mut code = 0;
    let single = files.len() == 1;
    for f in files {
        match scan_file(f, opts) {
            Ok(r) => match format {
                OutputFormat::Json if single => emit(&format!("{}\n", to_json(&r, true))),
                OutputFormat::Json | OutputFormat::Jsonl => {
                    emit(&format!("{}\n", to_json(&r, false)))
                }
                OutputFormat::Table => emit(&crate::report::scan_table(&r)),
            },
            Err(e) => {
                eprintln!("apkaudit: {e}");
                code = 2;
                if !single && format != OutputFormat::Table {
                    let rec = serde_json::json!({"file": f.display().to_string(), "error": e.to_string()});
                    emit(&format!("{rec}\n"));
                }
            }
        }
    }
    code
}

fn to_json(r: &ScanReport, pretty: bool) -> String {
    let res = if pretty {
        serde_json::to_string_pretty(r)
    } else {
        serde_json::to_string(r)
    };
    res.unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Write to stdout; a closed pipe (`| head`) ends the process quietly, as it is not an error.
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("apkaudit: cannot write output: {e}");
        std::process::exit(2);
    }
}

fn cmd_signatures(check: Option<&std::path::Path>, format: OutputFormat) -> i32 {
    use crate::signatures::SignatureDb;
    let db = match check {
        Some(dir) => SignatureDb::load_dir(dir),
        None => SignatureDb::embedded(),
    };
    let db = match db {
        Ok(db) => db,
        Err(e) => {
            eprintln!("apkaudit: {e}");
            return 2;
        }
    };
    if let Some(dir) = check {
        emit(&format!(
            "{}: {} signatures, all valid\n",
            dir.display(),
            db.all().len()
        ));
        return 0;
    }
    match format {
        OutputFormat::Table => emit(&crate::report::signatures_table(db.all())),
        _ => emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(db.all()).unwrap_or_default()
        )),
    }
    0
}

fn cmd_policy(file: &std::path::Path, format: OutputFormat) -> i32 {
    match crate::policy::read_policy(file) {
        Ok(p) => {
            match format {
                OutputFormat::Table => emit(&crate::report::policy_table(&p)),
                _ => emit(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&p).unwrap_or_default()
                )),
            }
            0
        }
        Err(e) => {
            eprintln!("apkaudit: {e}");
            2
        }
    }
}

fn cmd_audit(
    file: &std::path::Path,
    policy: &std::path::Path,
    format: ReportFormat,
    fail_on: Option<crate::audit::Severity>,
) -> i32 {
    let scan = match scan_file(file, &ScanOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("apkaudit: {e}");
            return 2;
        }
    };
    let declared = match crate::policy::read_policy(policy) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("apkaudit: {e}");
            return 2;
        }
    };
    let report = crate::audit::audit(&scan, declared);
    match format {
        ReportFormat::Table => emit(&crate::report::audit_table(&report)),
        ReportFormat::Json => emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        )),
        ReportFormat::Sarif => emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&crate::report::audit_sarif(&report, policy))
                .unwrap_or_default()
        )),
        ReportFormat::Markdown => emit(&crate::report::audit_markdown(&report)),
    }
    match fail_on {
        Some(level) if report.findings.iter().any(|f| f.severity >= level) => 1,
        _ => 0,
    }
}
