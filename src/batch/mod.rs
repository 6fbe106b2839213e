//! Batch audits over app-store dumps: many inputs in, one JSON record per input out
//! (JSONL), in parallel, with bounded memory, resumable and shardable across machines.
//!
//! See `docs/batch.md`. The pieces: [`input`] expands arguments into [`Input`]s,
//! [`guard`] bounds dex buffers and per-file work, [`resume`] reads an earlier output,
//! [`summary`] aggregates a JSONL file, and [`run`] drives the scan.

pub mod input;
pub mod parquet;
pub mod provenance;
pub mod rematch;
pub mod resume;
pub mod summary;

pub use input::{collect_inputs, Input, Shard};
pub use provenance::Provenance;
pub use resume::Done;

use crate::error::Error;
use crate::input::budget::{Exceeded, FileGuard, Permits};
use crate::scan::{scan_bytes, ScanOptions};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// What `--shard` hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShardBy {
    /// The path relative to the directory given (cheap; needs the same layout everywhere).
    #[default]
    Path,
    /// The file's SHA-256 (layout-independent; every machine reads every file once).
    Content,
}

/// Options of a batch run.
#[derive(Clone)]
pub struct BatchOptions {
    /// Scan options shared by every file (signature matcher, container limits, and the
    /// budget each file gets: inflated bytes, memory, time; the memory cap is measured on
    /// the whole process).
    pub scan: ScanOptions,
    /// Write records in input-path order instead of as finished.
    pub sorted: bool,
    /// Only the inputs of this shard.
    pub shard: Option<Shard>,
    /// What the shard hashes.
    pub shard_by: ShardBy,
    /// Most inflated dex buffers alive at once across the batch; 0 for no bound.
    pub dex_buffers: usize,
    /// Directory of per-package policies (`<package>.{json,csv,md,txt,html,htm}`).
    pub policy_dir: Option<PathBuf>,
    /// Inputs already done (`--resume`).
    pub done: Option<Done>,
    /// Draw a progress bar on stderr (only when stderr is a terminal).
    pub progress: bool,
    /// Write each scanned input's evidence file here (`--evidence DIR`,
    /// [`crate::scan::evidence`]); `scan.keep_evidence` must be set.
    pub evidence_dir: Option<PathBuf>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            scan: ScanOptions::default(),
            sorted: false,
            shard: None,
            shard_by: ShardBy::Path,
            dex_buffers: default_dex_buffers(),
            policy_dir: None,
            done: None,
            progress: false,
            evidence_dir: None,
        }
    }
}

/// Default bound on live dex buffers: one per thread of the current rayon pool (each
/// thread holds at most one at a time anyway; a lower bound trades speed for memory).
pub fn default_dex_buffers() -> usize {
    rayon::current_num_threads().max(1)
}

/// Counts of a finished run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchStats {
    /// Inputs after expansion.
    pub inputs: usize,
    /// Records written.
    pub written: usize,
    /// Records written with an `error`.
    pub errors: usize,
    /// Inputs skipped as already done (`--resume`).
    pub skipped_done: usize,
    /// Inputs of other shards.
    pub skipped_shard: usize,
    /// Largest number of dex buffers alive at once.
    pub peak_dex_buffers: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// A record for an input that could not be scanned.
#[derive(Serialize)]
struct ErrorRecord<'a> {
    /// The scan JSON layout's version, as in scanned records.
    schema_version: u32,
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_raw: Option<String>,
    sha256: Option<String>,
    size: Option<u64>,
    error: String,
    error_kind: String,
    provenance: &'a Provenance,
}

/// Builds the error record of an input: (sha256, size, error, error_kind).
type ErrLine<'a> = dyn Fn(Option<String>, Option<u64>, String, &str) -> Outcome + 'a;

enum Outcome {
    Skip {
        done: bool,
    },
    Line {
        text: String,
        error: bool,
    },
    /// The batch cannot go on (an evidence file could not be written).
    Stop(std::io::Error),
}

/// Lowercase hex SHA-256.
fn sha_hex(data: &[u8]) -> String {
    crate::formats::bytes::hex(&Sha256::digest(data))
}

/// Short class of an error for `summary`: `io`, the failing format (`zip`, `axml`, ...),
/// `inflate-cap`, `time-cap` or `panic`.
fn error_kind(e: &Error, guard: &FileGuard) -> String {
    match guard.exceeded() {
        Some(Exceeded::Inflated) => return "inflate-cap".into(),
        Some(Exceeded::Time) => return "time-cap".into(),
        Some(Exceeded::Memory) => return "memory-cap".into(),
        None => {}
    }
    match e {
        Error::Io { .. } => "io".into(),
        Error::Parse { error, .. } => error.format.to_string(),
        Error::Usage(_) => "usage".into(),
    }
}

/// The bytes of an input: never blocks (see [`crate::input::open`]); a special file named
/// explicitly is read up to the budget's stream cap and deadline.
fn open_input(path: &Path, opts: &BatchOptions) -> Result<crate::formats::zip::Mapped, Error> {
    let b = &opts.scan.budget;
    crate::input::open::read_input(path, b.max_stream_size(), b.timeout)
}

/// The record of an input that could not be scanned.
fn error_line(
    input: &Input,
    sha256: Option<String>,
    size: Option<u64>,
    error: String,
    kind: &str,
    provenance: &Provenance,
) -> Outcome {
    let rec = ErrorRecord {
        schema_version: crate::scan::SCAN_SCHEMA_VERSION,
        file: &input.display,
        file_raw: input.raw_name(),
        sha256,
        size,
        error,
        error_kind: kind.to_string(),
        provenance,
    };
    Outcome::Line {
        text: serde_json::to_string(&rec).unwrap_or_default(),
        error: true,
    }
}

/// Scan one input into its JSON record line (without newline), or `None` when it is
/// skipped (other shard, already done).
fn process(
    input: &Input,
    opts: &BatchOptions,
    permits: &Option<Arc<Permits>>,
    prov: &Provenance,
) -> Outcome {
    let err_line = |sha256: Option<String>, size: Option<u64>, error: String, kind: &str| {
        error_line(input, sha256, size, error, kind, prov)
    };
    let done = opts.done.as_ref();
    if let Some(e) = &input.error {
        if done.is_some_and(|d| d.contains(&input.done_key(), None)) {
            return Outcome::Skip { done: true };
        }
        return err_line(None, None, e.clone(), "io");
    }
    let content_shard = opts.shard.filter(|_| opts.shard_by == ShardBy::Content);
    if input.split_folder || input.path.is_dir() {
        return process_folder(input, opts, permits, content_shard, prov);
    }
    let data = match open_input(&input.path, opts) {
        Ok(d) => d,
        Err(e) => {
            if done.is_some_and(|d| d.contains(&input.done_key(), None)) {
                return Outcome::Skip { done: true };
            }
            return err_line(None, None, e.to_string(), "io");
        }
    };
    let mut sha = None;
    if content_shard.is_some() || done.is_some_and(|d| d.has_path(&input.done_key())) {
        let h = sha_hex(&data);
        if let Some(s) = content_shard {
            if !s.contains(Shard::of_sha256_hex(&h, s.n)) {
                return Outcome::Skip { done: false };
            }
        }
        if done.is_some_and(|d| d.contains(&input.done_key(), Some(&h))) {
            return Outcome::Skip { done: true };
        }
        sha = Some(h);
    }
    let (scan_opts, guard) = guarded_options(opts, permits);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        scan_bytes(&input.display, &data, &scan_opts)
    }));
    match result {
        Ok(Ok(report)) => finish(input, &report, opts, &scan_opts, prov, &err_line),
        Ok(Err(e)) => {
            let kind = error_kind(&e, &guard);
            let h = sha.unwrap_or_else(|| sha_hex(&data));
            err_line(Some(h), Some(data.len() as u64), e.to_string(), &kind)
        }
        Err(panic) => {
            let h = sha.unwrap_or_else(|| sha_hex(&data));
            err_line(
                Some(h),
                Some(data.len() as u64),
                panic_message(&input.display, panic),
                "panic",
            )
        }
    }
}

/// Write the evidence file of a scanned input under `--evidence DIR`; `Some` stops the
/// batch when it cannot be written (a later `rematch` would miss the input).
/// A scanned input's record: its evidence file first when asked for, then its line.
fn finish(
    input: &Input,
    report: &crate::scan::ScanReport,
    opts: &BatchOptions,
    scan_opts: &ScanOptions,
    prov: &Provenance,
    err_line: &ErrLine<'_>,
) -> Outcome {
    if let Some(e) = keep_evidence(input, report, opts, scan_opts) {
        return e;
    }
    report_line(
        input.raw_name(),
        report,
        opts.policy_dir.as_deref(),
        opts.scan.knowledge(),
        prov,
        err_line,
    )
}

fn keep_evidence(
    input: &Input,
    report: &crate::scan::ScanReport,
    opts: &BatchOptions,
    scan_opts: &ScanOptions,
) -> Option<Outcome> {
    let dir = opts.evidence_dir.as_ref()?;
    crate::scan::evidence::write_evidence(dir, &input.path, report, scan_opts)
        .err()
        .map(|e| {
            Outcome::Stop(std::io::Error::new(
                e.kind(),
                EvidenceWriteFailed(e.to_string()),
            ))
        })
}

/// The error a batch stops with when an evidence file cannot be written (it names the
/// file); other errors of [`run`] are the output's.
#[derive(Debug)]
pub struct EvidenceWriteFailed(pub String);

impl std::fmt::Display for EvidenceWriteFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write evidence: {}", self.0)
    }
}

impl std::error::Error for EvidenceWriteFailed {}

/// Scan options carrying a fresh per-file guard.
fn guarded_options(
    opts: &BatchOptions,
    permits: &Option<Arc<Permits>>,
) -> (ScanOptions, Arc<FileGuard>) {
    let guard = Arc::new(FileGuard::with_budget(permits.clone(), opts.scan.budget));
    let mut scan_opts = opts.scan.clone();
    scan_opts.guard = Some(guard.clone());
    (scan_opts, guard)
}

fn panic_message(file: &str, panic: Box<dyn std::any::Any + Send>) -> String {
    let msg = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("{file}: internal error (panic): {msg}")
}

/// The record of a scanned input: the report's JSON, `file_raw` when the path is not
/// UTF-8, `provenance`, `error: null` (and `audit` under a policy directory).
fn report_line(
    raw_name: Option<String>,
    report: &crate::scan::ScanReport,
    policy_dir: Option<&Path>,
    k: &crate::knowledge::Knowledge,
    prov: &Provenance,
    err_line: &ErrLine<'_>,
) -> Outcome {
    let mut text = match serde_json::to_string(report) {
        Ok(t) => t,
        Err(e) => {
            return err_line(
                Some(report.sha256.clone()),
                Some(report.size),
                e.to_string(),
                "json",
            )
        }
    };
    if text.ends_with('}') {
        text.pop();
        if let Some(raw) = raw_name {
            text.push_str(",\"file_raw\":");
            text.push_str(&serde_json::to_string(&raw).unwrap_or_else(|_| "null".into()));
        }
        text.push_str(",\"provenance\":");
        text.push_str(&serde_json::to_string(prov).unwrap_or_else(|_| "null".into()));
        text.push_str(",\"error\":null");
        if let Some(dir) = policy_dir {
            let audit = audit_record(dir, report, k);
            text.push_str(",\"audit\":");
            text.push_str(&serde_json::to_string(&audit).unwrap_or_else(|_| "null".into()));
        }
        text.push('}');
    }
    Outcome::Line { text, error: false }
}

/// A folder of split APKs is one input (`bundle::scan_split_folder`); its hash (over the
/// parts) is only known after the scan, so shard-by-content and resume decide then.
fn process_folder(
    input: &Input,
    opts: &BatchOptions,
    permits: &Option<Arc<Permits>>,
    content_shard: Option<Shard>,
    prov: &Provenance,
) -> Outcome {
    let err_line = |sha256: Option<String>, size: Option<u64>, error: String, kind: &str| {
        error_line(input, sha256, size, error, kind, prov)
    };
    let done = opts.done.as_ref();
    let (scan_opts, guard) = guarded_options(opts, permits);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::scan::scan_file(&input.path, &scan_opts)
    }));
    match result {
        Ok(Ok(report)) => {
            if let Some(s) = content_shard {
                if !s.contains(Shard::of_sha256_hex(&report.sha256, s.n)) {
                    return Outcome::Skip { done: false };
                }
            }
            if done.is_some_and(|d| d.contains(&input.done_key(), Some(&report.sha256))) {
                return Outcome::Skip { done: true };
            }
            finish(input, &report, opts, &scan_opts, prov, &err_line)
        }
        Ok(Err(e)) => {
            if done.is_some_and(|d| d.contains(&input.done_key(), None)) {
                return Outcome::Skip { done: true };
            }
            err_line(None, None, e.to_string(), &error_kind(&e, &guard))
        }
        Err(panic) => err_line(None, None, panic_message(&input.display, panic), "panic"),
    }
}

/// The `audit` member of a record under `--policy-dir`.
#[derive(Serialize)]
struct AuditRecord {
    policy: Option<String>,
    error: Option<String>,
    findings: Vec<crate::audit::Finding>,
    summary: BTreeMap<String, usize>,
}

/// Policy file extensions looked up under `--policy-dir`, in this order.
pub const POLICY_EXTENSIONS: &[&str] = &["json", "csv", "md", "txt", "html", "htm"];

/// The policy file of `package` in `dir`, if any. Package names that are not plain
/// Java-style names (letters, digits, `_`, `.`, `-`; no leading dot) find nothing, so a
/// hostile manifest cannot point outside `dir`.
pub fn policy_for(dir: &Path, package: &str) -> Option<PathBuf> {
    let plain = !package.is_empty()
        && !package.starts_with('.')
        && package
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !plain {
        return None;
    }
    POLICY_EXTENSIONS
        .iter()
        .map(|ext| dir.join(format!("{package}.{ext}")))
        .find(|p| p.is_file())
}

fn audit_record(
    dir: &Path,
    report: &crate::scan::ScanReport,
    k: &crate::knowledge::Knowledge,
) -> AuditRecord {
    let empty = |policy, error: String| AuditRecord {
        policy,
        error: Some(error),
        findings: Vec::new(),
        summary: BTreeMap::new(),
    };
    let Some(pkg) = report.package.as_deref() else {
        return empty(None, "no package name".into());
    };
    let Some(path) = policy_for(dir, pkg) else {
        return empty(
            None,
            format!("no policy file for {pkg} in {}", dir.display()),
        );
    };
    let shown = Some(path.display().to_string());
    // the embedded vocabulary is built once per process; a `--signatures` one per record
    static VOCAB: std::sync::OnceLock<crate::policy::vocab::Vocabulary> =
        std::sync::OnceLock::new();
    let own;
    let vocab = if std::ptr::eq(k, crate::knowledge::Knowledge::embedded()) {
        VOCAB.get_or_init(crate::policy::vocab::Vocabulary::embedded)
    } else {
        own = crate::policy::vocab::Vocabulary::from_knowledge(k);
        &own
    };
    match crate::policy::read_policy_with(&path, vocab) {
        Ok(declared) => {
            let a = crate::audit::audit(k, report, declared);
            AuditRecord {
                policy: shown,
                error: None,
                findings: a.findings,
                summary: a.summary,
            }
        }
        Err(e) => empty(shown, e.to_string()),
    }
}

/// Inputs in the order they are processed: sorted by path under `--sorted`, and without
/// the inputs of other shards when sharding by path.
fn plan<'a>(inputs: &'a [Input], opts: &BatchOptions, stats: &mut BatchStats) -> Vec<&'a Input> {
    let mut work: Vec<&Input> = inputs.iter().collect();
    if let Some(s) = opts.shard.filter(|_| opts.shard_by == ShardBy::Path) {
        work.retain(|i| s.contains(Shard::of_key(&i.key, s.n)));
        stats.skipped_shard = inputs.len() - work.len();
    }
    if opts.sorted {
        work.sort_by(|a, b| a.display.cmp(&b.display));
    }
    work
}

fn progress_bar(len: usize, on: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !on || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(len as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} files, {rate}, ETA {eta} {msg}",
    ) {
        pb.set_style(style.with_key(
            "rate",
            |st: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.1} files/s", st.per_sec());
            },
        ));
    }
    pb
}

/// The output side of a run, shared by the workers under a mutex: each worker writes its
/// own record (no writer thread, no hand-off per record).
struct Sink<'w> {
    out: &'w mut (dyn Write + Send),
    /// Finished records waiting for their turn (`--sorted`), by index in the window.
    pending: BTreeMap<usize, Outcome>,
    next: usize,
    written: usize,
    errors: usize,
    failed: Option<std::io::Error>,
}

impl Sink<'_> {
    /// Take the outcome of input `i`; write it now, or (sorted) once its predecessors are
    /// written. Returns false once writing has failed.
    fn put(&mut self, i: usize, o: Outcome, sorted: bool) -> bool {
        if self.failed.is_some() {
            return false;
        }
        if !sorted {
            return self.write(o);
        }
        self.pending.insert(i, o);
        while let Some(o) = self.pending.remove(&self.next) {
            self.next += 1;
            if !self.write(o) {
                return false;
            }
        }
        true
    }

    fn write(&mut self, o: Outcome) -> bool {
        if let Outcome::Stop(e) = o {
            self.failed = Some(e);
            return false;
        }
        if let Outcome::Line { mut text, error } = o {
            text.push('\n');
            if let Err(e) = self
                .out
                .write_all(text.as_bytes())
                .and_then(|_| self.out.flush())
            {
                self.failed = Some(e);
                return false;
            }
            self.written += 1;
            self.errors += usize::from(error);
        }
        true
    }
}

/// Scan `inputs` and write one JSON record per input (one line each) to `out`.
///
/// Files run in parallel on `pool` (the global rayon pool when `None`), and within a file
/// its dex and native libraries too. Without `sorted`, records are written as files
/// finish; with it, in path order (in windows of a few hundred files, so memory stays
/// bounded). Each worker writes its own record under a lock, flushed per record, so a
/// killed run leaves at most one partial line. An input that cannot be read or parsed
/// gets a record with `error`; the batch goes on. Returns when every input is done, or
/// with the first write error (a closed pipe included) after stopping the workers.
pub fn run(
    inputs: &[Input],
    opts: &BatchOptions,
    pool: Option<&rayon::ThreadPool>,
    out: &mut (dyn Write + Send),
) -> std::io::Result<BatchStats> {
    let start = Instant::now();
    let mut stats = BatchStats {
        inputs: inputs.len(),
        ..Default::default()
    };
    let work = plan(inputs, opts, &mut stats);
    let threads = pool.map_or_else(rayon::current_num_threads, |p| p.current_num_threads());
    let permits = (opts.dex_buffers > 0).then(|| Permits::new(opts.dex_buffers));
    let prov = Provenance::of_batch(opts);
    let pb = progress_bar(work.len(), opts.progress);
    let stop = AtomicBool::new(false);
    let skipped_done = AtomicUsize::new(0);
    let skipped_shard = AtomicUsize::new(0);
    let window = if opts.sorted {
        threads.saturating_mul(64).max(256)
    } else {
        work.len().max(1)
    };
    let sink = std::sync::Mutex::new(Sink {
        out,
        pending: BTreeMap::new(),
        next: 0,
        written: 0,
        errors: 0,
        failed: None,
    });
    for chunk in work.chunks(window) {
        let job = || {
            use rayon::prelude::*;
            chunk.par_iter().enumerate().for_each(|(i, input)| {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let o = process(input, opts, &permits, &prov);
                match o {
                    Outcome::Skip { done: true } => skipped_done.fetch_add(1, Ordering::Relaxed),
                    Outcome::Skip { done: false } => skipped_shard.fetch_add(1, Ordering::Relaxed),
                    Outcome::Line { .. } | Outcome::Stop(_) => 0,
                };
                pb.inc(1);
                let mut s = sink.lock().unwrap_or_else(|e| e.into_inner());
                if !s.put(i, o, opts.sorted) {
                    stop.store(true, Ordering::Relaxed);
                }
            });
        };
        match pool {
            Some(p) => p.install(job),
            None => job(),
        }
        let mut s = sink.lock().unwrap_or_else(|e| e.into_inner());
        // the next window numbers its inputs from 0 again
        s.next = 0;
        s.pending.clear();
        if s.failed.is_some() {
            break;
        }
    }
    let s = sink.into_inner().unwrap_or_else(|e| e.into_inner());
    stats.written = s.written;
    stats.errors = s.errors;
    let result = match s.failed {
        Some(e) => Err(e),
        None => Ok(()),
    };
    pb.finish_and_clear();
    stats.skipped_done = skipped_done.load(Ordering::Relaxed);
    stats.skipped_shard += skipped_shard.load(Ordering::Relaxed);
    stats.peak_dex_buffers = permits.as_ref().map_or(0, |p| p.peak());
    stats.seconds = start.elapsed().as_secs_f64();
    result.map(|_| stats)
}
