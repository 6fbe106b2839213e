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
    ///
    /// One file: a table (or JSON). Several inputs, a directory or an @LIST: a batch that
    /// writes one JSON record per input (JSONL); see docs/batch.md.
    Scan {
        /// Input files, directories (walked recursively) or @LIST files (one path a line).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format (default: table for one file, jsonl for a batch).
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
        /// Extra signature folder (adds or overrides SDKs of the embedded database).
        #[arg(long)]
        signatures: Option<PathBuf>,
        #[command(flatten)]
        batch: BatchArgs,
    },
    /// Aggregate a batch JSONL file: prevalence of SDKs, permissions, finding kinds;
    /// errors by reason.
    Summary {
        /// JSONL file written by `scan` (`-` for stdin).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: crate::batch::summary::SummaryFormat,
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

/// Batch options of `scan`.
#[derive(clap::Args, Debug, Default)]
struct BatchArgs {
    /// Write the records to this file instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Write records in path order (default: as files finish).
    #[arg(long)]
    sorted: bool,
    /// Skip inputs already in --output (same path and sha256); drops a truncated last line.
    #[arg(long, requires = "output")]
    resume: bool,
    /// Take only shard K of N (1-based), e.g. 2/8; `auto`: from a Slurm job array
    /// (SLURM_ARRAY_TASK_ID, _MIN, _STEP, _COUNT/_MAX) or a Kubernetes Indexed Job
    /// (JOB_COMPLETION_INDEX with APKAUDIT_SHARD_COUNT); see docs/batch.md.
    #[arg(long, value_name = "K/N|auto")]
    shard: Option<crate::batch::Shard>,
    /// What the shard split hashes.
    #[arg(long, value_enum, default_value = "path")]
    shard_by: crate::batch::ShardBy,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Most inflated dex buffers alive at once (default: one per thread; 0: no bound).
    #[arg(long)]
    dex_buffers: Option<usize>,
    /// Per-file cap on inflated bytes (suffixes K, M, G).
    #[arg(long, default_value = "4G", value_parser = parse_size)]
    max_inflated: u64,
    /// Per-file time cap in seconds (0: none).
    #[arg(long, default_value_t = 300.0)]
    timeout: f64,
    /// Audit each app against DIR/<package>.{json,csv,md,txt,html,htm}.
    #[arg(long, value_name = "DIR")]
    policy_dir: Option<PathBuf>,
    /// Never draw the progress bar (it is only drawn when stderr is a terminal).
    #[arg(long)]
    no_progress: bool,
}

impl BatchArgs {
    /// True when an option that only makes sense for a batch is given.
    fn any(&self) -> bool {
        self.output.is_some()
            || self.resume
            || self.shard.is_some()
            || self.policy_dir.is_some()
            || self.sorted
    }
}

/// `4096`, `64K`, `512M`, `4G` → bytes.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => return Err(format!("size `{s}`: unknown suffix")),
            };
            (t.get(..i).unwrap_or(""), m)
        }
        _ => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("size `{s}`: expected a number with optional K/M/G"))
}

/// Run the command line; returns the process exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan {
            files,
            format,
            signatures,
            batch,
        } => {
            let mut opts = ScanOptions::default();
            if let Some(dir) = signatures {
                match crate::knowledge::Knowledge::load(Some(&dir)) {
                    Ok(k) => opts.knowledge = Some(std::sync::Arc::new(k)),
                    Err(e) => {
                        eprintln!("apkaudit: {e}");
                        return 2;
                    }
                }
            }
            // a folder of split APKs is one app (scan_file reads it), not a dump to walk
            let walked = |f: &PathBuf| f.is_dir() && !crate::batch::input::is_app_folder(f);
            let is_batch = files.len() > 1
                || batch.any()
                || files
                    .iter()
                    .any(|f| f.to_string_lossy().starts_with('@') || walked(f));
            if !is_batch || (format == Some(OutputFormat::Table) && !batch.any()) {
                if files.iter().any(walked) {
                    eprintln!("apkaudit: a batch (directory input) writes JSONL; use `apkaudit summary` for a table");
                    return 2;
                }
                return cmd_scan(&files, format.unwrap_or(OutputFormat::Table), &opts);
            }
            if format == Some(OutputFormat::Table) {
                eprintln!("apkaudit: batch output is JSONL; use `apkaudit summary` for a table");
                return 2;
            }
            cmd_batch(&files, batch, opts)
        }
        Command::Summary { file, format } => cmd_summary(&file, format),
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
            emit(&crate::formats::xml::to_text_xml(&root));
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

fn cmd_batch(files: &[PathBuf], args: BatchArgs, scan: ScanOptions) -> i32 {
    use crate::batch::{BatchOptions, Done};
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("apkaudit: cannot start worker threads: {e}");
            return 2;
        }
    };
    let mut opts = BatchOptions {
        scan,
        sorted: args.sorted,
        shard: args.shard,
        shard_by: args.shard_by,
        dex_buffers: args
            .dex_buffers
            .unwrap_or_else(|| pool.current_num_threads().max(1)),
        max_inflated: args.max_inflated,
        timeout: (args.timeout > 0.0)
            .then(|| std::time::Duration::try_from_secs_f64(args.timeout).ok())
            .flatten(),
        policy_dir: args.policy_dir,
        done: None,
        progress: !args.no_progress,
    };
    let inputs = crate::batch::collect_inputs(files);
    let mut out: Box<dyn std::io::Write + Send> = match &args.output {
        Some(path) => {
            let file = if args.resume {
                match Done::load_and_repair(path) {
                    Ok(done) => {
                        if done.dropped > 0 {
                            eprintln!(
                                "apkaudit: {}: dropped {} incomplete line(s)",
                                path.display(),
                                done.dropped
                            );
                        }
                        opts.done = Some(done);
                    }
                    Err(e) => {
                        eprintln!("apkaudit: {}: {e}", path.display());
                        return 2;
                    }
                }
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
            } else {
                std::fs::File::create(path)
            };
            match file {
                Ok(f) => Box::new(std::io::BufWriter::new(f)),
                Err(e) => {
                    eprintln!("apkaudit: {}: {e}", path.display());
                    return 2;
                }
            }
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    match crate::batch::run(&inputs, &opts, Some(&pool), &mut out) {
        Ok(stats) => {
            eprintln!(
                "apkaudit: {} inputs: {} records written ({} with error), {} already done, {} in other shards, {:.1} s",
                stats.inputs,
                stats.written,
                stats.errors,
                stats.skipped_done,
                stats.skipped_shard,
                stats.seconds
            );
            0
        }
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("apkaudit: cannot write output: {e}");
            2
        }
    }
}

fn cmd_summary(file: &std::path::Path, format: crate::batch::summary::SummaryFormat) -> i32 {
    use crate::batch::summary::Summary;
    let s = if file.as_os_str() == "-" {
        Summary::from_reader(std::io::stdin().lock())
    } else {
        Summary::from_path(file)
    };
    match s {
        Ok(s) => {
            emit(&s.render(format));
            0
        }
        Err(e) => {
            eprintln!("apkaudit: {}: {e}", file.display());
            2
        }
    }
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
    use crate::knowledge::signatures::SignatureDb;
    let db = match check {
        Some(dir) => SignatureDb::load_dir(dir),
        None => Ok(SignatureDb::embedded().clone()),
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
    let report = crate::audit::audit(crate::knowledge::Knowledge::embedded(), &scan, declared);
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
