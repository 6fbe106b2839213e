//! `scan` over many inputs (JSONL records) and `summary` of the result.

use crate::cli::args::BatchArgs;
use crate::cli::output::emit;
use crate::cli::{Failure, Outcome};
use apkaudit::batch::summary::SummaryFormat;
use apkaudit::scan::ScanOptions;
use std::path::PathBuf;

/// A batch: one JSONL record per input.
pub fn run(
    files: &[PathBuf],
    args: BatchArgs,
    mut scan: ScanOptions,
    evidence: Option<PathBuf>,
    parquet: bool,
) -> Result<Outcome, Failure> {
    use apkaudit::batch::{BatchOptions, Done};
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
    {
        Ok(p) => p,
        Err(e) => return Err(Failure::Input(format!("cannot start worker threads: {e}"))),
    };
    // the memory cap is measured on the whole process: one share per worker
    let workers = pool.current_num_threads().max(1) as u64;
    // half a share per worker, at least one share (so on two cores a batch stays under the
    // same cap as one scan)
    scan.budget.max_memory = scan
        .budget
        .max_memory
        .map(|m| (m / 2).saturating_mul(workers).max(m));
    let mut opts = BatchOptions {
        scan,
        sorted: args.sorted,
        shard: args.shard,
        shard_by: args.shard_by.into(),
        dex_buffers: args
            .dex_buffers
            .unwrap_or_else(|| pool.current_num_threads().max(1)),
        policy_dir: args.policy_dir,
        done: None,
        progress: !args.no_progress,
        evidence_dir: evidence,
    };
    if parquet {
        return run_parquet(files, args.output, args.resume, &opts, &pool);
    }
    let inputs = apkaudit::batch::collect_inputs(files);
    let fail_on: Option<apkaudit::audit::Severity> = args.fail_on.map(Into::into);
    let out: Box<dyn std::io::Write + Send> = match &args.output {
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
                    Err(e) => return Err(Failure::Input(format!("{}: {e}", path.display()))),
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
                Err(e) => return Err(Failure::Input(format!("{}: {e}", path.display()))),
            }
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let reached = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut out = FailOnWriter {
        inner: out,
        line: Vec::new(),
        level: fail_on,
        reached: reached.clone(),
    };
    match apkaudit::batch::run(&inputs, &opts, Some(&pool), &mut out) {
        Ok(stats) => {
            report_stats(&stats);
            if reached.load(std::sync::atomic::Ordering::Relaxed) {
                eprintln!("apkaudit: a finding reached --fail-on");
                return Ok(Outcome::FailOn);
            }
            Ok(Outcome::Clean)
        }
        Err(e) if is_evidence_failure(&e) => Err(Failure::Input(e.to_string())),
        // an output file that cannot be written is named; a closed stdout stays quiet
        Err(e) => match &args.output {
            Some(path) => Err(Failure::Input(format!(
                "{}: cannot write output: {e}",
                path.display()
            ))),
            None => Err(e.into()),
        },
    }
}

/// Whether a batch stopped because an evidence file could not be written (the error
/// names that file, not the output).
fn is_evidence_failure(e: &std::io::Error) -> bool {
    e.get_ref()
        .is_some_and(|x| x.is::<apkaudit::batch::EvidenceWriteFailed>())
}

/// Passes records through and notes whether an `audit` member has a finding at or above
/// `level` (read from its `summary`, `severity:<level>` counts).
struct FailOnWriter {
    inner: Box<dyn std::io::Write + Send>,
    line: Vec<u8>,
    level: Option<apkaudit::audit::Severity>,
    reached: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl FailOnWriter {
    fn check(&self, line: &[u8]) {
        let Some(level) = self.level else { return };
        const KEY: &[u8] = b",\"audit\":";
        let Some(at) = line.windows(KEY.len()).rposition(|w| w == KEY) else {
            return;
        };
        let body = &line[at + KEY.len()..];
        let body = body.strip_suffix(b"}").unwrap_or(body);
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
            return;
        };
        let hit = apkaudit::audit::Severity::ALL
            .iter()
            .filter(|s| **s >= level)
            .any(|s| v["summary"][format!("severity:{s}")].as_u64().unwrap_or(0) > 0);
        if hit {
            self.reached
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

impl std::io::Write for FailOnWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        if self.level.is_some() {
            let mut rest = &buf[..n];
            while let Some(i) = rest.iter().position(|b| *b == b'\n') {
                self.line.extend_from_slice(&rest[..i]);
                let line = std::mem::take(&mut self.line);
                self.check(&line);
                rest = &rest[i + 1..];
            }
            self.line.extend_from_slice(rest);
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn report_stats(stats: &apkaudit::batch::BatchStats) {
    eprintln!(
        "apkaudit: {} inputs: {} records written ({} with error), {} already done, {} in other shards, {:.1} s",
        stats.inputs,
        stats.written,
        stats.errors,
        stats.skipped_done,
        stats.skipped_shard,
        stats.seconds
    );
}

/// A batch written as Parquet: under a temporary name, renamed when complete; on any
/// error the temporary file is removed and nothing appears under the output name.
fn run_parquet(
    files: &[PathBuf],
    output: Option<PathBuf>,
    resume: bool,
    opts: &apkaudit::batch::BatchOptions,
    pool: &rayon::ThreadPool,
) -> Result<Outcome, Failure> {
    use apkaudit::batch::parquet::RecordWriter;
    let Some(path) = &output else {
        return Err(Failure::Input(
            "--format parquet needs --output FILE".into(),
        ));
    };
    if resume {
        return Err(Failure::Input(
            "--resume appends to JSONL; a Parquet file is written whole (resume a JSONL run, then convert)".into(),
        ));
    }
    let shown = |e: std::io::Error| {
        if is_evidence_failure(&e) {
            Failure::Input(e.to_string())
        } else {
            Failure::Input(format!("{}: {e}", path.display()))
        }
    };
    let mut w = RecordWriter::create(path).map_err(shown)?;
    let inputs = apkaudit::batch::collect_inputs(files);
    let stats = apkaudit::batch::run(&inputs, opts, Some(pool), &mut w).map_err(shown)?;
    let (file, _rows) = w.finish().map_err(shown)?;
    file.commit().map_err(shown)?;
    report_stats(&stats);
    Ok(Outcome::Clean)
}

/// `rematch`: records made again from evidence files.
pub fn rematch(
    files: &[PathBuf],
    opts: &apkaudit::batch::rematch::RematchOptions,
    format: crate::cli::args::OutputFormat,
    output: Option<&std::path::Path>,
    jobs: Option<usize>,
) -> Result<Outcome, Failure> {
    use crate::cli::args::OutputFormat;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
        .map_err(|e| Failure::Input(format!("cannot start worker threads: {e}")))?;
    let files = apkaudit::batch::rematch::collect_evidence(files);
    let run = |out: &mut (dyn std::io::Write + Send)| {
        apkaudit::batch::rematch::run(&files, opts, Some(&pool), out)
    };
    let stats = match (format, output) {
        (OutputFormat::Table, _) => return Err(Failure::Input(
            "rematch writes records (jsonl, json or parquet); use `apkaudit summary` for a table"
                .into(),
        )),
        (OutputFormat::Parquet, None) => {
            return Err(Failure::Input(
                "--format parquet needs --output FILE".into(),
            ))
        }
        (OutputFormat::Parquet, Some(path)) => {
            let shown = |e: std::io::Error| Failure::Input(format!("{}: {e}", path.display()));
            let mut w = apkaudit::batch::parquet::RecordWriter::create(path).map_err(shown)?;
            let stats = run(&mut w).map_err(shown)?;
            let (file, _rows) = w.finish().map_err(shown)?;
            file.commit().map_err(shown)?;
            stats
        }
        (f, out) => {
            let mut sink: Box<dyn std::io::Write + Send> = match out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout())),
            };
            let result = if f == OutputFormat::Json {
                let mut p = Pretty {
                    inner: sink,
                    line: Vec::new(),
                };
                let r = run(&mut p);
                r.and_then(|s| p.inner.flush().map(|_| s))
            } else {
                let r = run(&mut sink);
                r.and_then(|s| sink.flush().map(|_| s))
            };
            match (result, out) {
                (Ok(s), _) => s,
                (Err(e), Some(path)) => {
                    return Err(Failure::Input(format!(
                        "{}: cannot write output: {e}",
                        path.display()
                    )))
                }
                (Err(e), None) => return Err(e.into()),
            }
        }
    };
    report_stats(&stats);
    if stats.errors > 0 {
        return Ok(Outcome::SomeUnreadable);
    }
    Ok(Outcome::Clean)
}

/// Re-indents each JSON line it is given (members kept in their order).
struct Pretty {
    inner: Box<dyn std::io::Write + Send>,
    line: Vec<u8>,
}

impl std::io::Write for Pretty {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while let Some(i) = rest.iter().position(|b| *b == b'\n') {
            self.line.extend_from_slice(&rest[..i]);
            let line = std::mem::take(&mut self.line);
            let mut text = indent_json(&line);
            text.push(b'\n');
            self.inner.write_all(&text)?;
            rest = &rest[i + 1..];
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Compact JSON text re-indented as `serde_json`'s pretty printer writes it (two spaces,
/// `": "`, empty `{}` and `[]` kept), in one pass; members keep their order.
fn indent_json(compact: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat(b' ').take(depth * 2));
    };
    let mut i = 0;
    while i < compact.len() {
        let c = compact[i];
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_str = true;
                out.push(c);
            }
            b'{' | b'[' => {
                let close = if c == b'{' { b'}' } else { b']' };
                if compact.get(i + 1) == Some(&close) {
                    out.extend_from_slice(&[c, close]);
                    i += 2;
                    continue;
                }
                out.push(c);
                depth += 1;
                newline(&mut out, depth);
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            b',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Aggregate batch JSONL files (the shards of one run merge into one summary).
pub fn summary(
    files: &[PathBuf],
    format: SummaryFormat,
    output: Option<&std::path::Path>,
    lang: apkaudit::knowledge::Lang,
) -> Result<Outcome, Failure> {
    use apkaudit::batch::summary::Summary;
    let s = if files.len() == 1 && files[0].as_os_str() == "-" {
        Summary::from_reader(std::io::stdin().lock())
            .map_err(|e| Failure::Input(format!("standard input: {e}")))?
    } else {
        Summary::from_paths(files)
            .map_err(|(p, e)| Failure::Input(format!("{}: {e}", p.display())))?
    };
    match (format, output) {
        (SummaryFormat::Parquet, None) => Err(Failure::Input(
            "summary --format parquet needs --output FILE".into(),
        )),
        (SummaryFormat::Parquet, Some(path)) => {
            let shown = |e: std::io::Error| Failure::Input(format!("{}: {e}", path.display()));
            let file = apkaudit::batch::parquet::AtomicFile::create(path).map_err(shown)?;
            let (file, _) = apkaudit::batch::parquet::write_summary(&s, file).map_err(shown)?;
            file.commit().map_err(shown)?;
            Ok(Outcome::Clean)
        }
        (_, Some(path)) => {
            std::fs::write(path, s.render_in(format, lang))
                .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
            Ok(Outcome::Clean)
        }
        (_, None) => {
            emit(&s.render_styled(format, crate::cli::output::table_style(lang)))?;
            Ok(Outcome::Clean)
        }
    }
}

/// `summary --stale`: the records whose provenance differs from this binary's with `k`.
pub fn stale(
    files: &[PathBuf],
    format: SummaryFormat,
    k: &apkaudit::knowledge::Knowledge,
) -> Result<Outcome, Failure> {
    use apkaudit::batch::provenance::{Provenance, ResultOptions};
    use apkaudit::batch::summary::{render_stale, stale_records};
    if files.iter().any(|f| f.as_os_str() == "-") {
        return Err(Failure::Input(
            "summary --stale reads files (the last record of each input counts), not standard input".into(),
        ));
    }
    let now = Provenance::current(k, ResultOptions::default());
    let list = stale_records(files, &now)
        .map_err(|(p, e)| Failure::Input(format!("{}: {e}", p.display())))?;
    eprintln!("apkaudit: {} stale record(s)", list.len());
    emit(&render_stale(&list, format))?;
    Ok(Outcome::Clean)
}
