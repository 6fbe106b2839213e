//! Raw command-line arguments (clap). The library never sees these types: commands turn
//! them into library options.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Audit Android apps for privacy disclosure.
#[derive(Parser, Debug)]
#[command(name = "apkaudit", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
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
    /// Apache Parquet, one row per input (a batch with --output; docs/parquet-schema.md).
    Parquet,
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
    /// One self-contained HTML file (icon embedded, nothing fetched).
    Html,
}

/// `disclose` formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DraftFormat {
    /// Markdown tables.
    Md,
    /// One self-contained HTML file.
    Html,
    /// CSV in the structured policy layout.
    Csv,
    /// JSON in the structured policy format (`audit --policy` reads it back).
    Json,
}

/// `manifest --format`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ManifestFormat {
    /// Text XML, as aapt prints it.
    Xml,
    /// JSON with a schema version.
    Json,
    /// Terminal table.
    Table,
}

/// `--lang`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LangArg {
    /// English.
    En,
    /// Simplified Chinese.
    Zh,
}

impl From<LangArg> for apkaudit::knowledge::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::En => Self::En,
            LangArg::Zh => Self::Zh,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
        /// ProGuard/R8 mapping file of the app's code (an .aab's own proguard.map is read
        /// without it); a file that does not match the app is a warning and not used.
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        /// Language of names and labels in the table.
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
        /// Write each input's evidence file into DIR, for `apkaudit rematch`
        /// (docs/evidence.md).
        #[arg(long, value_name = "DIR")]
        evidence: Option<PathBuf>,
        #[command(flatten)]
        batch: BatchArgs,
    },
    /// Recompute SDKs, attribution and audits from evidence files (`scan --evidence DIR`)
    /// with the knowledge in use now, without opening any app (docs/evidence.md).
    Rematch {
        /// Evidence files, or directories holding them (`*.evidence.jsonl.gz`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Extra signature folder (adds or overrides SDKs of the embedded database).
        #[arg(long)]
        signatures: Option<PathBuf>,
        /// Audit each app against DIR/<package>.{json,csv,md,txt,html,htm}.
        #[arg(long, value_name = "DIR")]
        policy_dir: Option<PathBuf>,
        /// Output format: jsonl (default; the records `scan` writes for a batch), json
        /// (pretty, one object per record) or parquet (needs --output).
        #[arg(long, value_enum, default_value = "jsonl")]
        format: OutputFormat,
        /// Write to this file instead of stdout.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
        /// Worker threads (default: all cores).
        #[arg(long, short = 'j')]
        jobs: Option<usize>,
    },
    /// Aggregate a batch JSONL file: prevalence of SDKs, permissions, finding kinds;
    /// errors by reason.
    Summary {
        /// JSONL files written by `scan` (the shards of one run merge; `-` for stdin).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: SummaryFormat,
        /// List the records not made by this apkaudit version with this knowledge (the
        /// embedded database plus --signatures): table = one path a line, json, csv.
        #[arg(long)]
        stale: bool,
        /// Signature folder of the current database (for --stale).
        #[arg(long, requires = "stale")]
        signatures: Option<PathBuf>,
        /// Write to this file instead of stdout (needed for --format parquet).
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
        /// Language of titles and names in the table.
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
    },
    /// Show what was understood from a privacy policy (JSON, CSV, text, Markdown, HTML).
    Policy {
        /// Policy file.
        file: PathBuf,
        /// Extra signature folder (SDK names the reader resolves).
        #[arg(long)]
        signatures: Option<PathBuf>,
        /// Output format (table or json).
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// Diff an APK against its privacy policy.
    Audit {
        /// APK (or AAB, split set) to audit.
        file: PathBuf,
        /// The app's privacy policy or declared table; repeat for a policy published as
        /// several pages (SDK list, permission list, collected data): they are merged.
        #[arg(long, required = true)]
        policy: Vec<PathBuf>,
        /// Report format.
        #[arg(long, value_enum, default_value = "table")]
        format: ReportFormat,
        /// Exit with 1 when a finding reaches this severity.
        #[arg(long, value_enum)]
        fail_on: Option<Severity>,
        /// Extra signature folder (adds or overrides SDKs of the embedded database).
        #[arg(long)]
        signatures: Option<PathBuf>,
        #[command(flatten)]
        budget: BudgetArgs,
        /// ProGuard/R8 mapping file of the app's code (an .aab's own proguard.map is read
        /// without it); a file that does not match the app is a warning and not used.
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        /// Language of names and sentences in the table, Markdown and HTML reports.
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
        /// SARIF locations are relative to this directory (the repository root for code
        /// scanning); default: the working directory.
        #[arg(long, value_name = "DIR")]
        base_dir: Option<PathBuf>,
    },
    /// Draft the disclosures an app team needs from a scan: the 第三方SDK清单 (MIIT layout),
    /// the permission table and a Google Play Data safety draft (docs/disclose.md).
    Disclose {
        /// APK (or AAB, split set) to describe.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "md")]
        format: DraftFormat,
        /// Language of names, purposes and notes.
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
        /// Extra signature folder (adds or overrides SDKs of the embedded database).
        #[arg(long)]
        signatures: Option<PathBuf>,
    },
    /// List the SDK signature database, or validate a signature folder with --check.
    Signatures {
        /// Validate this folder instead of listing the embedded database.
        #[arg(long)]
        check: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
        /// Language of the table's headers, SDK names, categories and legal entities.
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
    },
    /// Print the decoded AndroidManifest.xml as text XML: of an APK, AAB, AAR, split set
    /// (.apks, .xapk, .apkm: the base APK) or raw binary manifest.
    Manifest {
        /// Input file.
        file: PathBuf,
        /// Output format: text XML, JSON (`{schema_version, file, manifest}`) or a table.
        #[arg(long, value_enum, default_value = "xml")]
        format: ManifestFormat,
        /// Language of the table's headers and permission names.
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
        #[command(flatten)]
        budget: BudgetArgs,
    },
}

/// Batch options of `scan`.
#[derive(clap::Args, Debug)]
pub struct BatchArgs {
    /// Write the records to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Write records in path order (default: as files finish).
    #[arg(long)]
    pub sorted: bool,
    /// Skip inputs already in --output (same path and sha256); drops a truncated last line.
    #[arg(long, requires = "output")]
    pub resume: bool,
    /// Take only shard K of N (1-based), e.g. 2/8; `auto`: from a Slurm job array
    /// (SLURM_ARRAY_TASK_ID, _MIN, _STEP, _COUNT/_MAX) or a Kubernetes Indexed Job
    /// (JOB_COMPLETION_INDEX with APKAUDIT_SHARD_COUNT); see docs/batch.md.
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<apkaudit::batch::Shard>,
    /// What the shard split hashes.
    #[arg(long, value_enum, default_value = "path")]
    pub shard_by: ShardBy,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Most inflated dex buffers alive at once (default: one per thread; 0: no bound).
    #[arg(long)]
    pub dex_buffers: Option<usize>,
    #[command(flatten)]
    pub budget: BudgetArgs,
    /// Audit each app against DIR/<package>.{json,csv,md,txt,html,htm}.
    #[arg(long, value_name = "DIR")]
    pub policy_dir: Option<PathBuf>,
    /// With --policy-dir: exit with 1 when any app's audit has a finding at this severity
    /// or above (all records are still written).
    #[arg(long, value_enum, requires = "policy_dir")]
    pub fail_on: Option<Severity>,
    /// Never draw the progress bar (it is only drawn when stderr is a terminal).
    #[arg(long)]
    pub no_progress: bool,
}

/// The budget of each input (one file, or each file of a batch): see docs/batch.md.
#[derive(clap::Args, Debug, Clone)]
pub struct BudgetArgs {
    /// Cap on the bytes inflated from one input, all entries and nested archives together
    /// (suffixes K, M, G).
    #[arg(long, default_value = "2G", value_parser = parse_size)]
    pub max_inflated: u64,
    /// Cap on the process's resident memory while an input is read (suffixes K, M, G;
    /// 0: none). In a batch, half of it per worker thread, at least all of it.
    #[arg(long, default_value = "768M", value_parser = parse_size)]
    pub max_memory: u64,
    /// Time cap per input in seconds (0: none).
    #[arg(long, default_value_t = 300.0)]
    pub timeout: f64,
}

impl BudgetArgs {
    /// The library's budget for these flags.
    pub fn budget(&self) -> apkaudit::input::budget::Budget {
        apkaudit::input::budget::Budget {
            max_inflated: self.max_inflated,
            max_memory: (self.max_memory > 0).then_some(self.max_memory),
            timeout: (self.timeout > 0.0)
                .then(|| std::time::Duration::try_from_secs_f64(self.timeout).ok())
                .flatten(),
        }
    }
}

impl BatchArgs {
    /// True when an option that only makes sense for a batch is given.
    pub fn any(&self) -> bool {
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

/// `--fail-on` levels.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Severity {
    /// Any finding.
    Info,
    /// Low and above.
    Low,
    /// Medium and above.
    Medium,
    /// High only.
    High,
}

impl From<Severity> for apkaudit::audit::Severity {
    fn from(s: Severity) -> Self {
        match s {
            Severity::Info => apkaudit::audit::Severity::Info,
            Severity::Low => apkaudit::audit::Severity::Low,
            Severity::Medium => apkaudit::audit::Severity::Medium,
            Severity::High => apkaudit::audit::Severity::High,
        }
    }
}

/// `summary --format`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SummaryFormat {
    /// Terminal tables.
    Table,
    /// One JSON object.
    Json,
    /// `section,id,name,apps,percent,total` rows.
    Csv,
    /// The csv rows as an Apache Parquet table (needs --output).
    Parquet,
}

impl From<SummaryFormat> for apkaudit::batch::summary::SummaryFormat {
    fn from(f: SummaryFormat) -> Self {
        match f {
            SummaryFormat::Table => Self::Table,
            SummaryFormat::Json => Self::Json,
            SummaryFormat::Csv => Self::Csv,
            SummaryFormat::Parquet => Self::Parquet,
        }
    }
}

/// `--shard-by`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ShardBy {
    /// The path relative to the directory given (cheap; needs the same layout everywhere).
    Path,
    /// The file's SHA-256 (layout-independent; every machine reads every file once).
    Content,
}

impl From<ShardBy> for apkaudit::batch::ShardBy {
    fn from(s: ShardBy) -> Self {
        match s {
            ShardBy::Path => Self::Path,
            ShardBy::Content => Self::Content,
        }
    }
}
