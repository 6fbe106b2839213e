//! `scan` over many inputs (JSONL records) and `summary` of the result.

use crate::cli::args::BatchArgs;
use crate::cli::output::emit;
use crate::cli::{Failure, Outcome};
use apkaudit::batch::summary::SummaryFormat;
use apkaudit::scan::ScanOptions;
use std::path::PathBuf;

/// A batch: one JSONL record per input.
pub fn run(files: &[PathBuf], args: BatchArgs, mut scan: ScanOptions) -> Result<Outcome, Failure> {
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
    };
    let inputs = apkaudit::batch::collect_inputs(files);
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
    match apkaudit::batch::run(&inputs, &opts, Some(&pool), &mut out) {
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
            Ok(Outcome::Clean)
        }
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

/// Aggregate batch JSONL files (the shards of one run merge into one summary).
pub fn summary(files: &[PathBuf], format: SummaryFormat) -> Result<Outcome, Failure> {
    use apkaudit::batch::summary::Summary;
    let s = if files.len() == 1 && files[0].as_os_str() == "-" {
        Summary::from_reader(std::io::stdin().lock())
            .map_err(|e| Failure::Input(format!("standard input: {e}")))?
    } else {
        Summary::from_paths(files)
            .map_err(|(p, e)| Failure::Input(format!("{}: {e}", p.display())))?
    };
    emit(&s.render(format))?;
    Ok(Outcome::Clean)
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
