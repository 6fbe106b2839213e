//! `apkaudit rematch`: batch records made again from evidence files
//! ([`crate::scan::evidence`]) with the knowledge in use now, without opening any app.
//!
//! Each evidence file gives the record the scan of its input would give with that
//! knowledge (same members, same order), and `provenance.rematch` names the evidence. A
//! file that cannot be used (truncated, another format version, edited) gives an error
//! record naming it and the reason; the others go on.

use super::provenance::{Provenance, RematchOf, ResultOptions};
use super::{BatchStats, ErrorRecord, Outcome};
use crate::knowledge::Knowledge;
use crate::scan::evidence::{read_evidence, EvidenceFile, EVIDENCE_SUFFIX};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Options of a rematch.
#[derive(Clone, Default)]
pub struct RematchOptions {
    /// Knowledge to match with; the embedded one when `None`.
    pub knowledge: Option<Arc<Knowledge>>,
    /// Audit each record against `DIR/<package>.{json,csv,md,txt,html,htm}`.
    pub policy_dir: Option<PathBuf>,
}

impl RematchOptions {
    /// The knowledge in use.
    pub fn knowledge(&self) -> &Knowledge {
        match &self.knowledge {
            Some(k) => k,
            None => Knowledge::embedded(),
        }
    }
}

/// The evidence files named by `args`: files as given, directories walked (one level
/// deep and below) for `*.evidence.jsonl.gz`, each directory's files in name order.
/// A directory that cannot be listed is kept as a path (its record says why).
pub fn collect_evidence(args: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for a in args {
        if a.is_dir() {
            walk(a, &mut out, 0);
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// Directory levels walked at most.
const MAX_DEPTH: usize = 32;

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        out.push(dir.to_path_buf());
        return;
    };
    let mut entries: Vec<(PathBuf, bool)> = rd
        .flatten()
        .map(|e| {
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            (e.path(), is_dir)
        })
        .collect();
    entries.sort();
    for (p, is_dir) in entries {
        if is_dir {
            if depth < MAX_DEPTH {
                walk(&p, out, depth + 1);
            }
        } else if p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(EVIDENCE_SUFFIX) && !n.starts_with('.'))
        {
            out.push(p);
        }
    }
}

/// The provenance of a record rematched from `ev` (read from `path`).
fn provenance_of(path: &Path, ev: &EvidenceFile, opts: &RematchOptions) -> Provenance {
    let mut p = Provenance::current(
        opts.knowledge(),
        ResultOptions {
            max_inflated: Some(ev.header.max_inflated),
            timeout_ms: ev.header.timeout_ms,
            policy_dir: opts.policy_dir.is_some(),
        },
    );
    p.rematch = Some(RematchOf {
        evidence: path.display().to_string(),
        scanned_by: ev.header.apkaudit.clone(),
        scan_knowledge: ev.header.knowledge.clone(),
    });
    p
}

/// The record of one evidence file (without newline).
fn process(path: &Path, opts: &RematchOptions) -> Outcome {
    let shown = path.display().to_string();
    let fail = |error: String, sha256: Option<String>, prov: &Provenance| {
        let rec = ErrorRecord {
            schema_version: crate::scan::SCAN_SCHEMA_VERSION,
            file: &shown,
            file_raw: crate::batch::input::raw_name(path),
            sha256,
            size: None,
            error: format!("{shown}: {error}"),
            error_kind: "evidence".into(),
            provenance: prov,
        };
        Outcome::Line {
            text: serde_json::to_string(&rec).unwrap_or_default(),
            error: true,
        }
    };
    let ev = match read_evidence(path) {
        Ok(ev) => ev,
        Err(e) => {
            let mut prov = Provenance::current(
                opts.knowledge(),
                ResultOptions {
                    policy_dir: opts.policy_dir.is_some(),
                    ..Default::default()
                },
            );
            prov.rematch = Some(RematchOf {
                evidence: shown.clone(),
                scanned_by: String::new(),
                scan_knowledge: String::new(),
            });
            return fail(e.to_string(), None, &prov);
        }
    };
    let prov = provenance_of(path, &ev, opts);
    let raw = ev.header.name_raw.clone();
    let sha = ev.header.sha256.clone();
    let k = opts.knowledge();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ev.retained.rematch(k)));
    let report = match result {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return fail(e.to_string(), Some(sha), &prov),
        Err(_) => return fail("internal error (panic)".into(), Some(sha), &prov),
    };
    let err_line = |sha256: Option<String>, _size: Option<u64>, error: String, _kind: &str| {
        fail(error, sha256, &prov)
    };
    super::report_line(
        raw,
        &report,
        opts.policy_dir.as_deref(),
        k,
        &prov,
        &err_line,
    )
}

/// Rematch `files` (evidence files, see [`collect_evidence`]) and write one record per
/// file to `out`, in the order given, in parallel on `pool` (the global pool when
/// `None`). Returns with the first write error.
pub fn run(
    files: &[PathBuf],
    opts: &RematchOptions,
    pool: Option<&rayon::ThreadPool>,
    out: &mut (dyn Write + Send),
) -> std::io::Result<BatchStats> {
    use rayon::prelude::*;
    let start = Instant::now();
    let mut stats = BatchStats {
        inputs: files.len(),
        ..Default::default()
    };
    let threads = pool.map_or_else(rayon::current_num_threads, |p| p.current_num_threads());
    for chunk in files.chunks(threads.saturating_mul(16).max(64)) {
        let job = || -> Vec<Outcome> { chunk.par_iter().map(|f| process(f, opts)).collect() };
        let outcomes = match pool {
            Some(p) => p.install(job),
            None => job(),
        };
        for o in outcomes {
            if let Outcome::Line { mut text, error } = o {
                text.push('\n');
                out.write_all(text.as_bytes())?;
                stats.written += 1;
                stats.errors += usize::from(error);
            }
        }
        out.flush()?;
    }
    stats.seconds = start.elapsed().as_secs_f64();
    Ok(stats)
}
