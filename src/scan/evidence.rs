//! Evidence files: what identification and the audit need from one input, kept by
//! `scan --evidence DIR` so that `apkaudit rematch` can recompute SDKs, attribution and
//! audits with another signature database without opening the app again.
//!
//! One gzip-compressed JSON-lines file per input (docs/evidence.md): a [`Header`] line
//! (format version, apkaudit version, input SHA-256 and name), the report as it stood
//! before identification, the collected [`Evidence`] one section a line, and an `end`
//! line with the line count and the SHA-256 of every line before it, so a truncated or
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
pub const EVIDENCE_VERSION: u32 = 1;
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

/// The class-reference graph as stored: node names in node order, defined nodes, edges
/// and string constants by node index.
#[derive(Serialize, Deserialize)]
struct GraphData {
    names: Vec<String>,
    defined: Vec<u32>,
    edges: Vec<(u32, u32)>,
    strings: Vec<(u32, String)>,
}

impl GraphData {
    fn of(g: &ClassGraph) -> GraphData {
        let n = g.len() as u32;
        GraphData {
            names: (0..n).map(|i| g.name(i).to_string()).collect(),
            defined: (0..n).filter(|&i| g.is_defined(i)).collect(),
            edges: g.edges().to_vec(),
            strings: g.strings().to_vec(),
        }
    }

    fn build(self) -> Result<ClassGraph, String> {
        let mut g = ClassGraph::default();
        for n in &self.names {
            g.node(n);
        }
        if g.len() != self.names.len() {
            return Err("graph: a class name appears twice".into());
        }
        let len = g.len() as u32;
        let bad = |i: u32| i >= len;
        for i in self.defined {
            if bad(i) {
                return Err(format!("graph: node {i} out of range"));
            }
            let name = g.name(i).to_string();
            g.define(&name);
        }
        for (a, b) in self.edges {
            if bad(a) || bad(b) {
                return Err(format!("graph: edge {a}->{b} out of range"));
            }
            g.edge(a, b);
        }
        for (a, s) in self.strings {
            if bad(a) {
                return Err(format!("graph: node {a} out of range"));
            }
            g.string(a, s);
        }
        g.finish();
        Ok(g)
    }
}

/// A mapping file as stored: sorted, so the same input gives the same file.
#[derive(Serialize)]
struct MapData<'a> {
    map: std::collections::BTreeMap<&'a str, &'a str>,
}

/// Writes through to `inner`, hashing every byte and counting lines.
struct Hashing<W: Write> {
    inner: W,
    hash: Sha256,
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
        self.put("graph", &GraphData::of(&ev.graph))?;
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
            hash: Sha256::new(),
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
            sha256: crate::formats::bytes::hex(&w.hash.clone().finalize()),
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

/// The last line: how many lines come before it and the SHA-256 of their bytes.
#[derive(Serialize, Deserialize)]
struct End {
    lines: u64,
    sha256: String,
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
fn field<T: DeserializeOwned>(lines: &[&[u8]], n: usize, key: &str) -> Result<T, EvidenceError> {
    let line = lines
        .get(n)
        .ok_or_else(|| bad(n + 1, format!("missing the {key} line")))?;
    let prefix = format!("{{\"{key}\":");
    let body = line
        .strip_prefix(prefix.as_bytes())
        .and_then(|b| b.strip_suffix(b"}"))
        .ok_or_else(|| bad(n + 1, format!("expected the {key} line")))?;
    serde_json::from_slice(body).map_err(|e| bad(n + 1, format!("{key}: {e}")))
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
    let mut data = Vec::new();
    let mut gz =
        flate2::read::GzDecoder::new(std::io::BufReader::new(file)).take(MAX_EVIDENCE_BYTES + 1);
    gz.read_to_end(&mut data).map_err(|e| {
        bad(
            0,
            format!("not a complete gzip stream (truncated or not evidence): {e}"),
        )
    })?;
    if data.len() as u64 > MAX_EVIDENCE_BYTES {
        return Err(bad(
            0,
            format!("more than {MAX_EVIDENCE_BYTES} bytes once decompressed; not read"),
        ));
    }
    parse_evidence(&data)
}

/// Parse the decompressed lines of an evidence file.
pub fn parse_evidence(data: &[u8]) -> Result<EvidenceFile, EvidenceError> {
    let Some(body) = data.strip_suffix(b"\n") else {
        return Err(bad(0, "truncated: the last line is incomplete"));
    };
    let lines: Vec<&[u8]> = body.split(|b| *b == b'\n').collect();
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
    let mut h = Sha256::new();
    for l in &lines[..last] {
        h.update(l);
        h.update(b"\n");
    }
    if crate::formats::bytes::hex(&h.finalize()) != end.sha256 {
        return Err(bad(
            0,
            "changed after it was written: the checksum in its end line does not match",
        ));
    }
    let lines = &lines[..last];
    let app = |at: usize| -> Result<(ScanReport, Arc<Evidence>), EvidenceError> {
        let base: ScanReport = field(lines, at, "report")?;
        let graph: GraphData = field(lines, at + 2, "graph")?;
        let evidence = Evidence {
            app: field(lines, at + 1, "app")?,
            graph: graph.build().map_err(|e| bad(at + 3, e))?,
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
