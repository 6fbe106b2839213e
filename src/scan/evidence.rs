//! Evidence files: what identification and the audit need from one input, kept by
//! `scan --evidence DIR` so that `apkaudit rematch` can recompute SDKs, attribution and
//! audits with another signature database without opening the app again.
//!
//! One gzip-compressed JSON-lines file per input (docs/evidence.md): a [`Header`] line
//! (format version, apkaudit version, input SHA-256 and name), the report as it stood
//! before identification, the collected [`Evidence`] one section a line, and an `end`
//! line with the line count and the CRC-32 of every line before it, so a truncated or
//! edited file is refused with a reason instead of giving different results.

use super::{InputKind, ScanOptions, ScanReport};
use crate::detect::graph::ClassGraph;
use crate::detect::identify::Evidence;
use crate::error::Error;
use crate::input::split_set::BundleInfo;
use crate::knowledge::Knowledge;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The `format` member of every evidence header.
pub const EVIDENCE_FORMAT: &str = "apkaudit-evidence";
/// Version of the evidence layout; a file of another version is refused (rescan it).
pub const EVIDENCE_VERSION: u32 = 3;
/// File name suffix of evidence files.
pub const EVIDENCE_SUFFIX: &str = ".evidence.jsonl.gz";
/// Most decompressed bytes read from one evidence file (a larger one is refused).
pub const MAX_EVIDENCE_BYTES: u64 = 1 << 30;
/// Most split APKs of one set read from an evidence file.
pub const MAX_PARTS: usize = 4096;

/// What a scan kept for re-identification ([`ScanOptions::keep_evidence`]), or what an
/// evidence file holds.
#[derive(Debug, Clone)]
pub enum Retained {
    /// An input without code (a raw binary manifest): the report is final as it is.
    Plain(Box<ScanReport>),
    /// One archive: its report before identification, and the evidence identification
    /// ran on.
    App {
        /// The report before identification.
        base: ScanReport,
        /// What identification ran on.
        evidence: Arc<Evidence>,
    },
    /// A split set: the set's report before its parts were merged, its metadata, and
    /// each part as [`Retained::App`] holds it.
    SplitSet {
        /// The set's report before the merge.
        outer: ScanReport,
        /// The set's metadata before the merge.
        bundle: BundleInfo,
        /// Each split APK: its report before identification and its evidence.
        parts: Vec<(ScanReport, Arc<Evidence>)>,
    },
}

/// The fields a scan fills after identification: copied from the final report.
fn settle(base: &mut ScanReport, fin: &ScanReport) {
    base.sha256.clone_from(&fin.sha256);
    base.size = fin.size;
    base.signing.clone_from(&fin.signing);
}

impl Retained {
    /// The split set of `outer` (before the merge) and its scanned `parts`; `None` when a
    /// part kept no evidence.
    pub(crate) fn split_set(
        outer: ScanReport,
        bundle: BundleInfo,
        parts: &[ScanReport],
    ) -> Option<Retained> {
        let mut kept = Vec::with_capacity(parts.len());
        for p in parts {
            match p.retained.as_deref()? {
                Retained::App { base, evidence } => {
                    let mut b = base.clone();
                    settle(&mut b, p);
                    kept.push((b, evidence.clone()));
                }
                _ => return None,
            }
        }
        Some(Retained::SplitSet {
            outer,
            bundle,
            parts: kept,
        })
    }

    /// The report a scan with knowledge `k` makes of the input this was kept from:
    /// identification re-run on the evidence (and a split set's parts merged again).
    pub fn rematch(self, k: &Knowledge) -> Result<ScanReport, Error> {
        match self {
            Retained::Plain(r) => Ok(*r),
            Retained::App { mut base, evidence } => {
                super::archive::apply_identification(&mut base, &evidence, k, true);
                Ok(base)
            }
            Retained::SplitSet {
                mut outer,
                bundle,
                parts,
            } => {
                let parts: Vec<ScanReport> = parts
                    .into_iter()
                    .map(|(mut b, ev)| {
                        super::archive::apply_identification(&mut b, &ev, k, false);
                        b
                    })
                    .collect();
                let name = outer.file.clone();
                super::splits::merge_parts(&name, &mut outer, parts, bundle)?;
                Ok(outer)
            }
        }
    }
}

/// The first line of an evidence file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Header {
    /// Always [`EVIDENCE_FORMAT`].
    pub format: String,
    /// [`EVIDENCE_VERSION`] of the writer.
    pub version: u32,
    /// The apkaudit version that scanned the input.
    pub apkaudit: String,
    /// `Knowledge::digest` of the scan (its sensitive-API table decided the call sites).
    pub knowledge: String,
    /// The scan's cap on inflated bytes.
    pub max_inflated: u64,
    /// The scan's time cap in milliseconds (`null`: none).
    pub timeout_ms: Option<u64>,
    /// SHA-256 of the input (for a split folder: of its parts' names and hashes).
    pub sha256: String,
    /// The input's path as shown in records (lossy UTF-8).
    pub name: String,
    /// The path's exact bytes, escaped (`\xff`), when it is not valid UTF-8 (the
    /// record's `file_raw`).
    pub name_raw: Option<String>,
    /// `plain`, `app` or `split-set`: which lines follow.
    pub kind: String,
    /// Split APKs that follow (split sets).
    pub parts: usize,
}

/// The class-reference graph as stored (format version 2). Node names and string
/// constants are not repeated: they are indices into the `app` line's `classes` and
/// `strings` (then into `extra_names` / `extra_strings` for the few that are not there),
/// and runs, groups and differences keep the numbers short.
#[derive(Serialize, Deserialize)]
struct GraphData {
    /// Node names in node order, as runs `[start, length]` over the name table
    /// (`app.classes`, then `extra_names`).
    names: Vec<(u32, u32)>,
    /// Node names that are not in `app.classes`.
    extra_names: Vec<String>,
    /// Defined nodes as runs `[start, length]`.
    defined: Vec<(u32, u32)>,
    /// Edges grouped by source, sources ascending: per group the source minus the
    /// previous group's source, the number of targets, the first target, then each
    /// target minus the one before (targets ascending).
    edges: Vec<u32>,
    /// String constants as pairs: the node minus the previous pair's node, and the
    /// string's index in the string table (`app.strings`, then `extra_strings`).
    strings: Vec<u32>,
    /// String constants that are not in `app.strings`.
    extra_strings: Vec<String>,
}

/// `values` (ascending by one at a time where they can) as runs `[start, length]`.
fn runs(values: impl IntoIterator<Item = u32>) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for v in values {
        match out.last_mut() {
            Some((start, len)) if start.checked_add(*len) == Some(v) => *len += 1,
            _ => out.push((v, 1)),
        }
    }
    out
}

/// The values of `runs`, at most `limit` of them (a run past it is an error).
fn unrun(runs: &[(u32, u32)], limit: usize, what: &str) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for &(start, len) in runs {
        let end = start
            .checked_add(len)
            .filter(|_| out.len() + len as usize <= limit)
            .ok_or_else(|| format!("graph: {what} run {start}+{len} out of range"))?;
        out.extend(start..end);
    }
    Ok(out)
}

/// Index of each distinct string of `table` (its first occurrence).
fn table_index<'t>(
    table: impl ExactSizeIterator<Item = &'t str>,
) -> rustc_hash::FxHashMap<&'t str, u32> {
    let mut m = rustc_hash::FxHashMap::default();
    m.reserve(table.len());
    for (i, s) in table.enumerate() {
        m.entry(s).or_insert(i as u32);
    }
    m
}

impl GraphData {
    fn of(g: &ClassGraph, app: &crate::detect::sdk::AppEvidence) -> GraphData {
        let n = g.len() as u32;
        let classes = table_index(app.classes.iter().map(String::as_str));
        let mut extra_names = Vec::new();
        let names = runs((0..n).map(|i| {
            let name = g.name(i);
            classes.get(name).copied().unwrap_or_else(|| {
                extra_names.push(name.to_string());
                (app.classes.len() + extra_names.len() - 1) as u32
            })
        }));
        let defined = runs((0..n).filter(|&i| g.is_defined(i)));
        let mut edges = Vec::with_capacity(g.edges().len() + 16);
        let mut prev_from = 0;
        for group in g.edges().chunk_by(|a, b| a.0 == b.0) {
            let from = group[0].0;
            edges.push(from - prev_from);
            edges.push(group.len() as u32);
            let mut prev_to = 0;
            for &(_, to) in group {
                edges.push(to - prev_to);
                prev_to = to;
            }
            prev_from = from;
        }
        let table = table_index(app.strings.iter());
        let mut extra_strings = Vec::new();
        let mut strings = Vec::with_capacity(g.strings().len() * 2);
        let mut prev = 0;
        for (node, s) in g.strings() {
            strings.push(node - prev);
            prev = *node;
            strings.push(table.get(s.as_str()).copied().unwrap_or_else(|| {
                extra_strings.push(s.clone());
                (app.strings.len() + extra_strings.len() - 1) as u32
            }));
        }
        GraphData {
            names,
            extra_names,
            defined,
            edges,
            strings,
            extra_strings,
        }
    }

    fn build(self, app: &crate::detect::sdk::AppEvidence) -> Result<ClassGraph, String> {
        let table_len = app.classes.len() + self.extra_names.len();
        let nodes = unrun(&self.names, table_len, "name")?;
        let name = |i: u32| {
            let i = i as usize;
            match app.classes.get(i) {
                Some(c) => Some(c.as_str()),
                None => self
                    .extra_names
                    .get(i - app.classes.len())
                    .map(String::as_str),
            }
        };
        if let Some(bad) = nodes.iter().find(|&&i| name(i).is_none()) {
            return Err(format!("graph: name {bad} out of range"));
        }
        let defined = unrun(&self.defined, nodes.len(), "defined")?;
        let bad = || "graph: edges do not decode".to_string();
        let mut edges = Vec::with_capacity(self.edges.len());
        let mut rest = self.edges.as_slice();
        let mut from = 0u32;
        while let [df, count, tail @ ..] = rest {
            from = from.checked_add(*df).ok_or_else(bad)?;
            let count = *count as usize;
            let targets = tail.get(..count).ok_or_else(bad)?;
            let mut to = 0u32;
            for d in targets {
                to = to.checked_add(*d).ok_or_else(bad)?;
                edges.push((from, to));
            }
            rest = &tail[count..];
        }
        if !rest.is_empty() {
            return Err(bad());
        }
        if self.strings.len() % 2 != 0 {
            return Err("graph: strings do not decode".into());
        }
        let mut strings = Vec::with_capacity(self.strings.len() / 2);
        let mut node = 0u32;
        for pair in self.strings.chunks_exact(2) {
            node = node
                .checked_add(pair[0])
                .ok_or("graph: strings do not decode")?;
            let i = pair[1] as usize;
            let s = match app.strings.get(i) {
                Some(s) => s,
                None => self
                    .extra_strings
                    .get(i - app.strings.len())
                    .ok_or_else(|| format!("graph: string {i} out of range"))?,
            };
            strings.push((node, s.to_string()));
        }
        ClassGraph::from_parts(
            nodes.iter().filter_map(|&i| name(i)),
            defined,
            edges,
            strings,
        )
    }
}

/// A mapping file as stored: sorted, so the same input gives the same file.
#[derive(Serialize)]
struct MapData<'a> {
    map: std::collections::BTreeMap<&'a str, &'a str>,
}

/// Writes through to `inner`, checksumming every byte and counting lines.
struct Hashing<W: Write> {
    inner: W,
    hash: crc32fast::Hasher,
    lines: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Hashing<W> {
    /// One `{"key":value}` line.
    fn put<T: Serialize + ?Sized>(&mut self, key: &str, v: &T) -> std::io::Result<()> {
        write!(self, "{{\"{key}\":")?;
        serde_json::to_writer(&mut *self, v)?;
        self.write_all(b"}\n")?;
        self.lines += 1;
        Ok(())
    }

    fn put_app(&mut self, base: &ScanReport, ev: &Evidence) -> std::io::Result<()> {
        self.put("report", base)?;
        self.put("app", &ev.app)?;
        // only the part of the graph that decides who owns the call sites' classes
        // (about a sixth of it on the corpus): the rest cannot change an attribution
        let roots = ev.hits.iter().filter_map(|h| ev.graph.find(&h.class));
        let graph = ev.graph.referrers_closure(roots);
        self.put("graph", &GraphData::of(&graph, &ev.app))?;
        self.put("hits", &ev.hits)?;
        self.put("nested", &ev.nested)?;
        let mapping = ev.mapping.as_ref().map(|(source, map)| {
            let data = MapData {
                map: map
                    .obfuscated_names()
                    .filter_map(|o| Some((o, map.original(o)?)))
                    .collect(),
            };
            (source.as_str(), data)
        });
        self.put("mapping", &mapping)
    }
}

/// The escaped bytes of `path` when it is not valid UTF-8.
fn raw_name(path: &Path) -> Option<String> {
    match path.to_str() {
        Some(_) => None,
        None => Some(path.as_os_str().as_bytes().escape_ascii().to_string()),
    }
}

/// The evidence file name of an input: its SHA-256 and a short hash of its exact path
/// bytes (two inputs with the same content but different names keep both files).
pub fn evidence_file_name(sha256: &str, input: &Path) -> String {
    let name_hash = crate::formats::bytes::hex(&Sha256::digest(input.as_os_str().as_bytes()));
    let short: String = name_hash.chars().take(12).collect();
    format!("{sha256}-{short}{EVIDENCE_SUFFIX}")
}

/// Write the evidence of `report` (scanned from `input` with `opts`, which had
/// `keep_evidence` set) into `dir`, under a temporary name renamed when complete.
/// Returns the file written; errors name it.
pub fn write_evidence(
    dir: &Path,
    input: &Path,
    report: &ScanReport,
    opts: &ScanOptions,
) -> std::io::Result<PathBuf> {
    let path = dir.join(evidence_file_name(&report.sha256, input));
    let named =
        |e: std::io::Error| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let (kind, parts) = match report.retained.as_deref() {
        None if report.kind == InputKind::Axml => ("plain", 0),
        None => {
            return Err(named(std::io::Error::other(
                "the scan kept no evidence (an internal error)",
            )))
        }
        Some(Retained::Plain(_)) => ("plain", 0),
        Some(Retained::App { .. }) => ("app", 0),
        Some(Retained::SplitSet { parts, .. }) => ("split-set", parts.len()),
    };
    let header = Header {
        format: EVIDENCE_FORMAT.into(),
        version: EVIDENCE_VERSION,
        apkaudit: env!("CARGO_PKG_VERSION").into(),
        knowledge: opts.knowledge().digest.clone(),
        max_inflated: opts.budget.max_inflated,
        timeout_ms: opts
            .budget
            .timeout
            .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
        sha256: report.sha256.clone(),
        name: input.display().to_string(),
        name_raw: raw_name(input),
        kind: kind.into(),
        parts,
    };
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(
        ".{}.{}-{seq}.tmp",
        evidence_file_name(&report.sha256, input),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let file = std::fs::File::create(&tmp)?;
        let gz = flate2::write::GzEncoder::new(
            std::io::BufWriter::new(file),
            flate2::Compression::fast(),
        );
        let mut w = Hashing {
            inner: gz,
            hash: crc32fast::Hasher::new(),
            lines: 0,
        };
        w.put("header", &header)?;
        match report.retained.as_deref() {
            None | Some(Retained::Plain(_)) => w.put("report", report)?,
            Some(Retained::App { base, evidence }) => {
                let mut base = base.clone();
                settle(&mut base, report);
                w.put_app(&base, evidence)?;
            }
            Some(Retained::SplitSet {
                outer,
                bundle,
                parts,
            }) => {
                let mut outer = outer.clone();
                outer.sha256.clone_from(&report.sha256);
                outer.size = report.size;
                w.put("outer", &outer)?;
                w.put("bundle", bundle)?;
                for (base, ev) in parts {
                    w.put_app(base, ev)?;
                }
            }
        }
        let end = End {
            lines: w.lines,
            crc32: w.hash.clone().finalize(),
        };
        let mut gz = w.inner;
        gz.write_all(b"{\"end\":")?;
        serde_json::to_writer(&mut gz, &end)?;
        gz.write_all(b"}\n")?;
        let mut file = gz.finish()?;
        file.flush()?;
        Ok(())
    };
    match write().and_then(|_| std::fs::rename(&tmp, &path)) {
        Ok(()) => Ok(path),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(named(e))
        }
    }
}

/// The last line: how many lines come before it and the CRC-32 of their bytes.
#[derive(Serialize, Deserialize)]
struct End {
    lines: u64,
    /// CRC-32 (IEEE, as gzip's) of every line before this one, newlines included.
    crc32: u32,
}

/// Why an evidence file cannot be used: the line (1-based; 0 for the file as a whole)
/// and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceError {
    /// Line of the decompressed file, 0 when the problem is not on one line.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for EvidenceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.reason)
        } else {
            write!(f, "line {}: {}", self.line, self.reason)
        }
    }
}

fn bad(line: usize, reason: impl Into<String>) -> EvidenceError {
    EvidenceError {
        line,
        reason: reason.into(),
    }
}

/// One `{"key":value}` line parsed as `T`.
fn field<T: DeserializeOwned>(lines: &[&str], n: usize, key: &str) -> Result<T, EvidenceError> {
    let line = lines
        .get(n)
        .ok_or_else(|| bad(n + 1, format!("missing the {key} line")))?;
    let prefix = format!("{{\"{key}\":");
    let body = line
        .strip_prefix(prefix.as_str())
        .and_then(|b| b.strip_suffix('}'))
        .ok_or_else(|| bad(n + 1, format!("expected the {key} line")))?;
    // from a `str`: the text was checked as UTF-8 once, not string by string
    serde_json::from_str(body).map_err(|e| bad(n + 1, format!("{key}: {e}")))
}

/// An evidence file read back.
#[derive(Debug)]
pub struct EvidenceFile {
    /// Its header.
    pub header: Header,
    /// What it holds.
    pub retained: Retained,
}

/// Read an evidence file: refused with a reason when it is not gzip, truncated, of
/// another format version, or changed after it was written.
pub fn read_evidence(path: &Path) -> Result<EvidenceFile, EvidenceError> {
    let file = crate::input::open::open_nonblocking(path)
        .map_err(|e| bad(0, format!("cannot open: {e}")))?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(bad(0, "not a regular file"));
    }
    // the compressed file in one read, and the text inflated into a buffer sized by the
    // gzip trailer's length (bounded by the compressed size, so a lying trailer cannot
    // reserve much): no copy through a reader's buffer, no regrowing
    let mut packed = Vec::new();
    file.take(MAX_EVIDENCE_BYTES + 1)
        .read_to_end(&mut packed)
        .map_err(|e| bad(0, format!("cannot read: {e}")))?;
    let hint = packed
        .last_chunk::<4>()
        .map_or(0, |t| u32::from_le_bytes(*t) as usize)
        .min(packed.len().saturating_mul(64));
    let mut data = Vec::with_capacity(hint.saturating_add(1));
    let mut gz = flate2::bufread::GzDecoder::new(packed.as_slice()).take(MAX_EVIDENCE_BYTES + 1);
    gz.read_to_end(&mut data).map_err(|e| {
        bad(
            0,
            format!("not a complete gzip stream (truncated or not evidence): {e}"),
        )
    })?;
    // the decoder checked the trailer's CRC-32 of the whole text; when the stream ends
    // the file, that CRC vouches for the text and the end line's CRC is checked against
    // it instead of hashing the text a second time
    let rest = gz.into_inner().into_inner();
    let whole_crc = rest
        .is_empty()
        .then(|| packed.get(packed.len().wrapping_sub(8)..packed.len().wrapping_sub(4)))
        .flatten()
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes);
    drop(packed);
    if data.len() as u64 > MAX_EVIDENCE_BYTES {
        return Err(bad(
            0,
            format!("more than {MAX_EVIDENCE_BYTES} bytes once decompressed; not read"),
        ));
    }
    parse_checked(&data, whole_crc)
}

/// Parse the decompressed lines of an evidence file.
pub fn parse_evidence(data: &[u8]) -> Result<EvidenceFile, EvidenceError> {
    parse_checked(data, None)
}

/// [`parse_evidence`]; `whole_crc` is the CRC-32 of all of `data` when it is known to
/// be right (checked by the gzip decoder).
fn parse_checked(data: &[u8], whole_crc: Option<u32>) -> Result<EvidenceFile, EvidenceError> {
    let Some(body) = data.strip_suffix(b"\n") else {
        return Err(bad(0, "truncated: the last line is incomplete"));
    };
    let body = std::str::from_utf8(body).map_err(|e| {
        let at = e.valid_up_to();
        let line = memchr::memchr_iter(b'\n', &body[..at]).count() + 1;
        bad(line, format!("not UTF-8 text at byte {at} of the file"))
    })?;
    // lines are few and long: find their ends with memchr, not byte by byte
    let mut lines: Vec<&str> = Vec::new();
    let mut at = 0;
    for nl in memchr::memchr_iter(b'\n', body.as_bytes()) {
        lines.push(&body[at..nl]);
        at = nl + 1;
    }
    lines.push(&body[at..]);
    // the header first: a file of another version says so, whatever else changed
    let header: Header = field(&lines, 0, "header")?;
    if header.format != EVIDENCE_FORMAT {
        return Err(bad(
            1,
            format!("not an evidence file (format {:?})", header.format),
        ));
    }
    if header.version != EVIDENCE_VERSION {
        return Err(bad(
            1,
            format!(
                "evidence format version {} (written by apkaudit {}); this apkaudit reads version {EVIDENCE_VERSION}: scan the input again",
                header.version, header.apkaudit
            ),
        ));
    }
    let last = lines.len() - 1;
    let end: End = field(&lines, last, "end").map_err(|_| bad(0, "truncated: no end line"))?;
    if end.lines != last as u64 {
        return Err(bad(
            last + 1,
            format!("end says {} lines, the file has {last}", end.lines),
        ));
    }
    // every line before the end line, with its newline
    let before = &body[..body.len() - lines[last].len()];
    let matches = match whole_crc {
        // CRC-32 is linear: the CRC of `before` followed by the end line, computed from the
        // CRC the end line claims, equals the whole text's only if the claim is right
        Some(whole) => {
            let mut h = crc32fast::Hasher::new_with_initial_len(end.crc32, before.len() as u64);
            let mut tail = crc32fast::Hasher::new();
            tail.update(&data[before.len()..]);
            h.combine(&tail);
            h.finalize() == whole
        }
        None => crc32fast::hash(before.as_bytes()) == end.crc32,
    };
    if !matches {
        return Err(bad(
            0,
            "changed after it was written: the checksum in its end line does not match",
        ));
    }
    let lines = &lines[..last];
    let app = |at: usize| -> Result<(ScanReport, Arc<Evidence>), EvidenceError> {
        let base: ScanReport = field(lines, at, "report")?;
        let app: crate::detect::sdk::AppEvidence = field(lines, at + 1, "app")?;
        let graph: GraphData = field(lines, at + 2, "graph")?;
        let graph = graph.build(&app).map_err(|e| bad(at + 3, e))?;
        let evidence = Evidence {
            app,
            graph,
            hits: field(lines, at + 3, "hits")?,
            nested: field(lines, at + 4, "nested")?,
            mapping: field(lines, at + 5, "mapping")?,
        };
        Ok((base, Arc::new(evidence)))
    };
    let (retained, used) = match header.kind.as_str() {
        "plain" => (Retained::Plain(Box::new(field(lines, 1, "report")?)), 2),
        "app" => {
            let (base, evidence) = app(1)?;
            (Retained::App { base, evidence }, 7)
        }
        "split-set" => {
            if header.parts > MAX_PARTS || header.parts.saturating_mul(6) + 3 != lines.len() {
                return Err(bad(
                    1,
                    format!(
                        "{} parts do not fit the file's {} lines",
                        header.parts,
                        lines.len()
                    ),
                ));
            }
            let outer: ScanReport = field(lines, 1, "outer")?;
            let bundle: BundleInfo = field(lines, 2, "bundle")?;
            let parts = (0..header.parts)
                .map(|i| app(3 + 6 * i))
                .collect::<Result<Vec<_>, _>>()?;
            let used = 3 + 6 * parts.len();
            (
                Retained::SplitSet {
                    outer,
                    bundle,
                    parts,
                },
                used,
            )
        }
        other => return Err(bad(1, format!("unknown kind {other:?}"))),
    };
    if used != lines.len() {
        return Err(bad(used + 1, "unexpected line"));
    }
    Ok(EvidenceFile { header, retained })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::sdk::AppEvidence;

    fn app() -> AppEvidence {
        AppEvidence {
            classes: ["a.A", "a.B", "b.C", "b.D"].map(String::from).to_vec(),
            strings: ["x.example.com", "y.example.org"].into_iter().collect(),
            ..Default::default()
        }
    }

    /// A graph with names and strings inside and outside the app's tables.
    fn graph() -> ClassGraph {
        let mut g = ClassGraph::default();
        for n in ["a.B", "a.A", "b.C", "lib.Outside", "b.D"] {
            g.define(n);
        }
        let ext = g.node("ext.NotDefined");
        g.edge(0, 2);
        g.edge(0, 5);
        g.edge(1, 0);
        g.edge(4, 3);
        g.edge(4, 1);
        g.string(2, "y.example.org".into());
        g.string(2, "x.example.com".into());
        g.string(ext, "only.in.graph".into());
        g.finish();
        g
    }

    fn same(a: &ClassGraph, b: &ClassGraph) {
        assert_eq!(a.len(), b.len());
        for i in 0..a.len() as u32 {
            assert_eq!(a.name(i), b.name(i));
            assert_eq!(a.is_defined(i), b.is_defined(i));
            assert_eq!(b.find(a.name(i)), Some(i));
        }
        assert_eq!(a.edges(), b.edges());
        assert_eq!(a.strings(), b.strings());
    }

    #[test]
    fn the_graph_is_stored_by_index_and_read_back_the_same() {
        let (app, g) = (app(), graph());
        let data = GraphData::of(&g, &app);
        assert_eq!(data.extra_names, ["lib.Outside", "ext.NotDefined"]);
        assert_eq!(data.extra_strings, ["only.in.graph"]);
        let json = serde_json::to_string(&data).unwrap();
        let back: GraphData = serde_json::from_str(&json).unwrap();
        same(&g, &back.build(&app).unwrap());
        // an empty graph too
        let empty = GraphData::of(&ClassGraph::default(), &app);
        assert_eq!(empty.build(&app).unwrap().len(), 0);
    }

    #[test]
    fn a_graph_that_does_not_decode_is_an_error_not_a_panic() {
        let app = app();
        let good = || GraphData::of(&graph(), &app);
        type Change = Box<dyn Fn(&mut GraphData)>;
        let cases: Vec<(&str, Change)> = vec![
            ("name", Box::new(|d| d.names.push((40, 2)))),
            ("name", Box::new(|d| d.names = vec![(u32::MAX, 2)])),
            (
                "twice",
                Box::new(|d| {
                    d.names = vec![(0, 1), (0, 1)];
                    d.defined.clear();
                    d.edges.clear();
                    d.strings.clear();
                }),
            ),
            ("defined", Box::new(|d| d.defined.push((3, 9)))),
            ("edges", Box::new(|d| d.edges.push(1))),
            ("edges", Box::new(|d| d.edges.extend([0, 5, 1]))),
            ("edges", Box::new(|d| d.edges.extend([u32::MAX, 1, 0]))),
            ("out of range", Box::new(|d| d.edges.extend([1, 1, 77]))),
            ("strings", Box::new(|d| d.strings.push(0))),
            ("string 99", Box::new(|d| d.strings.extend([0, 99]))),
            ("strings", Box::new(|d| d.strings.extend([u32::MAX, 0]))),
        ];
        for (why, change) in cases {
            let mut d = good();
            change(&mut d);
            let err = d.build(&app).err().unwrap_or_default();
            assert!(err.contains(why), "{why}: {err:?}");
        }
    }
}
