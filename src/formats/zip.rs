//! The APK container: a ZIP read through its central directory, over a memory map.
//!
//! Entries are read the way Android reads them: the central directory is authoritative,
//! the first entry of a duplicated name wins, unknown compression methods are treated as
//! stored when the sizes agree (else inflated), and every quirk is recorded as a
//! [`Quirk`] instead of failing the file. Inflation is capped ([`Limits`]) against zip bombs.

use crate::error::{Format, ParseError};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Read;

/// Caps applied when inflating entries.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest inflated size of one entry, in bytes.
    pub max_entry_size: u64,
    /// Largest inflated/compressed ratio accepted for entries over 1 MiB.
    pub max_ratio: u64,
    /// Largest number of entries read from the central directory.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entry_size: 512 << 20,
            max_ratio: 1000,
            max_entries: 200_000,
        }
    }
}

/// The kind of a container oddity; serialised as a stable kebab-case id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QuirkKind {
    /// Bytes before the first local header (a stub or a polyglot).
    PrefixedData,
    /// An end-of-central-directory comment long enough to hide data.
    LargeEocdComment,
    /// A central-directory entry whose local header cannot be read.
    UnreadableEntry,
    /// A control character in an entry name.
    ControlCharInName,
    /// An entry name that climbs out of the archive (`../`, absolute).
    PathTraversalName,
    /// A compression method other than stored and deflate.
    UnknownCompressionMethod,
    /// Two entries with the same name (Android reads the first).
    DuplicateEntry,
    /// Entries whose compressed data overlap (the "better zip bomb": many entries
    /// sharing one deflate stream); the overlapping ones are refused.
    OverlappingEntries,
}

impl QuirkKind {
    /// The stable id (`duplicate-entry`, ...), as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            QuirkKind::PrefixedData => "prefixed-data",
            QuirkKind::LargeEocdComment => "large-eocd-comment",
            QuirkKind::UnreadableEntry => "unreadable-entry",
            QuirkKind::ControlCharInName => "control-char-in-name",
            QuirkKind::PathTraversalName => "path-traversal-name",
            QuirkKind::UnknownCompressionMethod => "unknown-compression-method",
            QuirkKind::DuplicateEntry => "duplicate-entry",
            QuirkKind::OverlappingEntries => "overlapping-entries",
        }
    }
}

impl std::fmt::Display for QuirkKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A container oddity worth reporting (Android accepts it; many tools do not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quirk {
    /// What kind of oddity.
    pub kind: QuirkKind,
    /// Entry concerned, if any.
    pub entry: Option<String>,
    /// Details.
    pub detail: String,
}

/// One central-directory entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Index in the central directory.
    pub index: usize,
    /// Entry name (lossy UTF-8 of the raw name).
    pub name: String,
    /// Compression method from the central directory.
    pub method: u16,
    /// Compressed size.
    pub compressed_size: u64,
    /// Declared uncompressed size.
    pub size: u64,
    /// Offset of the entry's data (after its local header), when the header is readable.
    pub data_start: Option<u64>,
    /// Index of an entry whose compressed data this entry's data overlaps or shares;
    /// such an entry is refused by [`Archive::read`].
    pub overlaps: Option<usize>,
}

/// What inflation is charged to: a cumulative budget over every entry read from one input
/// (and the archives nested in it). `charge` is called as inflation proceeds, in steps of
/// [`INFLATE_STEP`], and stops it with its error; the scan layer implements it.
pub trait InflateBudget: Send + Sync {
    /// Count `n` more inflated bytes; `Err` once a cap (bytes, memory, time) is exceeded.
    fn charge(&self, n: u64) -> Result<(), ParseError>;
}

/// Inflation proceeds, and is charged, in steps of this many bytes.
pub const INFLATE_STEP: u64 = 1 << 20;

/// An opened ZIP container over a borrowed buffer.
pub struct Archive<'a> {
    data: &'a [u8],
    entries: Vec<Entry>,
    quirks: Vec<Quirk>,
    limits: Limits,
    budget: Option<std::sync::Arc<dyn InflateBudget>>,
}

fn zerr(offset: u64, reason: impl Into<String>) -> ParseError {
    ParseError::new(Format::Zip, offset, reason)
}

impl<'a> Archive<'a> {
    /// Open a ZIP held in `data` (usually a memory map).
    pub fn parse(data: &'a [u8], limits: Limits) -> Result<Self, ParseError> {
        if data.len() < 22 {
            return Err(zerr(
                0,
                format!("file of {} bytes is too small to be a ZIP", data.len()),
            ));
        }
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(data))
            .map_err(|e| zerr(data.len() as u64, format!("not a readable ZIP: {e}")))?;
        let mut quirks = Vec::new();
        let n = zip.len();
        if n > limits.max_entries {
            return Err(zerr(
                0,
                format!("{n} entries exceed the cap of {}", limits.max_entries),
            ));
        }
        if !data.starts_with(b"PK\x03\x04") {
            let what = if data.starts_with(b"dex\n") {
                "a DEX file is prepended to the ZIP (Janus, CVE-2017-13156)"
            } else {
                "data precedes the first local header"
            };
            quirks.push(Quirk {
                kind: QuirkKind::PrefixedData,
                entry: None,
                detail: what.into(),
            });
        }
        let comment_len = zip.comment().len();
        if comment_len > 1024 {
            quirks.push(Quirk {
                kind: QuirkKind::LargeEocdComment,
                entry: None,
                detail: format!("EOCD comment of {comment_len} bytes"),
            });
        }
        let mut entries = Vec::with_capacity(n);
        let mut seen = HashSet::new();
        for i in 0..n {
            let f = match zip.by_index_raw(i) {
                Ok(f) => f,
                Err(e) => {
                    quirks.push(Quirk {
                        kind: QuirkKind::UnreadableEntry,
                        entry: None,
                        detail: format!("central directory entry {i}: {e}"),
                    });
                    continue;
                }
            };
            let raw = f.name_raw().to_vec();
            let name = String::from_utf8_lossy(&raw).into_owned();
            let method = compression_code(f.compression());
            let e = Entry {
                index: i,
                name: name.clone(),
                method,
                compressed_size: f.compressed_size(),
                size: f.size(),
                data_start: f.data_start(),
                overlaps: None,
            };
            drop(f);
            if raw.contains(&0) || raw.contains(&b'\r') || raw.contains(&b'\n') {
                quirks.push(Quirk {
                    kind: QuirkKind::ControlCharInName,
                    entry: Some(name.escape_default().to_string()),
                    detail: "entry name contains NUL, CR or LF".into(),
                });
            }
            if name.split(['/', '\\']).any(|c| c == "..") || name.starts_with('/') {
                quirks.push(Quirk {
                    kind: QuirkKind::PathTraversalName,
                    entry: Some(name.clone()),
                    detail: "entry name escapes the extraction folder".into(),
                });
            }
            if !matches!(method, 0 | 8) {
                quirks.push(Quirk {
                    kind: QuirkKind::UnknownCompressionMethod,
                    entry: Some(name.clone()),
                    detail: format!("compression method {method}; read as Android does"),
                });
            }
            if !seen.insert(name.clone()) {
                quirks.push(Quirk {
                    kind: QuirkKind::DuplicateEntry,
                    entry: Some(name.clone()),
                    detail: "name appears more than once; the first entry is used".into(),
                });
            }
            entries.push(e);
        }
        mark_overlaps(&mut entries, &mut quirks);
        Ok(Archive {
            data,
            entries,
            quirks,
            limits,
            budget: None,
        })
    }

    /// Charge every inflated byte of this archive's reads to `budget` (nested archives
    /// opened from its entries take it over with [`Archive::budget`]).
    pub fn with_budget(mut self, budget: Option<std::sync::Arc<dyn InflateBudget>>) -> Self {
        self.budget = budget;
        self
    }

    /// The budget this archive's reads are charged to, if any.
    pub fn budget(&self) -> Option<std::sync::Arc<dyn InflateBudget>> {
        self.budget.clone()
    }

    /// All entries in central-directory order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Quirks seen while opening (and reading) the container.
    pub fn quirks(&self) -> &[Quirk] {
        &self.quirks
    }

    /// The first entry with exactly this name.
    pub fn find(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Read (inflate) one entry, applying the caps.
    pub fn read(&self, entry: &Entry) -> Result<Cow<'a, [u8]>, ParseError> {
        let start = entry
            .data_start
            .ok_or_else(|| zerr(0, format!("{}: local header unreadable", entry.name)))?;
        let csize = entry.compressed_size;
        let end = start
            .checked_add(csize)
            .filter(|&e| e <= self.data.len() as u64)
            .ok_or_else(|| {
                zerr(
                    start,
                    format!(
                        "{}: compressed data runs past the end of the file",
                        entry.name
                    ),
                )
            })?;
        let raw = &self.data[start as usize..end as usize];
        let declared = entry.size;
        if declared > self.limits.max_entry_size {
            return Err(zerr(
                start,
                format!(
                    "{}: declared size {declared} exceeds the cap of {} bytes (zip bomb?)",
                    entry.name, self.limits.max_entry_size
                ),
            ));
        }
        if let Some(other) = entry.overlaps {
            let first = self.entries.iter().find(|e| e.index == other);
            return Err(zerr(
                start,
                format!(
                    "{}: data overlaps that of {} (overlapping entries, a zip bomb); refused",
                    entry.name,
                    first.map_or("another entry", |e| e.name.as_str())
                ),
            ));
        }
        let stored = entry.method == 0 || (entry.method != 8 && csize == declared);
        if stored {
            return Ok(Cow::Borrowed(raw));
        }
        let cap = self
            .limits
            .max_entry_size
            .min((csize.max(1) * self.limits.max_ratio).max(1 << 20));
        // the declared size may lie: reserve no more than one step up front
        let mut out = Vec::with_capacity(declared.min(cap).min(INFLATE_STEP) as usize);
        let mut dec = flate2::read::DeflateDecoder::new(raw);
        loop {
            // one step at a time, each charged before the next, so a budget stops a bomb
            // within a step, and an entry that fails its own cap has still been charged
            let n = (&mut dec)
                .take(INFLATE_STEP)
                .read_to_end(&mut out)
                .map_err(|e| zerr(start, format!("{}: inflate failed: {e}", entry.name)))?;
            if let Some(b) = &self.budget {
                b.charge(n as u64)
                    .map_err(|e| zerr(start, format!("{}: {}", entry.name, e.reason)))?;
            }
            if out.len() as u64 > cap {
                return Err(zerr(
                    start,
                    format!(
                        "{}: inflates past {cap} bytes (ratio cap {}:1; zip bomb?)",
                        entry.name, self.limits.max_ratio
                    ),
                ));
            }
            if n == 0 {
                break;
            }
        }
        Ok(Cow::Owned(out))
    }

    /// Read the first entry with this name, if present.
    pub fn read_name(&self, name: &str) -> Option<Result<Cow<'a, [u8]>, ParseError>> {
        self.find(name).map(|e| self.read(e))
    }
}

/// Mark entries whose compressed data start inside an earlier entry's data (or at the
/// same place: entries sharing one stream) and record one quirk for them all; only the
/// first of each overlapping group is read. Linear after sorting by start.
fn mark_overlaps(entries: &mut [Entry], quirks: &mut Vec<Quirk>) {
    let mut order: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].data_start.is_some())
        .collect();
    order.sort_by_key(|&i| (entries[i].data_start, entries[i].index));
    // the entry reaching furthest so far: (its position in `entries`, end of its data)
    let mut reach: Option<(usize, u64)> = None;
    let mut count = 0usize;
    let mut first: Option<usize> = None;
    for &i in &order {
        let start = entries[i].data_start.unwrap_or(0);
        let end = start.saturating_add(entries[i].compressed_size);
        if let Some((j, far)) = reach {
            if start < far {
                entries[i].overlaps = Some(entries[j].index);
                count += 1;
                first.get_or_insert(i);
            }
        }
        if reach.map_or(true, |(_, far)| end > far) {
            reach = Some((i, end));
        }
    }
    if let Some(i) = first {
        quirks.push(Quirk {
            kind: QuirkKind::OverlappingEntries,
            entry: Some(entries[i].name.clone()),
            detail: format!(
                "{count} entries have compressed data inside another entry's; they are not read"
            ),
        });
    }
}

fn compression_code(m: zip::CompressionMethod) -> u16 {
    #[allow(deprecated)]
    match m {
        zip::CompressionMethod::Stored => 0,
        zip::CompressionMethod::Deflated => 8,
        zip::CompressionMethod::Unsupported(n) => n,
        _ => 0xffff,
    }
}

/// Memory-map a file read-only. Falls back to reading it when mapping is impossible.
pub fn map_file(path: &std::path::Path) -> std::io::Result<Mapped> {
    let file = std::fs::File::open(path)?;
    // SAFETY: the map is read-only; apkaudit never writes the file. A concurrent
    // truncation by another process could fault; that is the accepted mmap trade-off.
    match unsafe { memmap2::Mmap::map(&file) } {
        Ok(m) => Ok(Mapped::Map(m)),
        Err(_) => Ok(Mapped::Vec(std::fs::read(path)?)),
    }
}

/// Bytes of an input file: a memory map, or a buffer when mapping failed.
pub enum Mapped {
    /// Memory-mapped file.
    Map(memmap2::Mmap),
    /// File read into memory.
    Vec(Vec<u8>),
}

impl std::ops::Deref for Mapped {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Mapped::Map(m) => m,
            Mapped::Vec(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::QuirkKind;

    #[test]
    fn quirk_kinds_serialise_as_their_ids() {
        for k in [
            QuirkKind::PrefixedData,
            QuirkKind::LargeEocdComment,
            QuirkKind::UnreadableEntry,
            QuirkKind::ControlCharInName,
            QuirkKind::PathTraversalName,
            QuirkKind::UnknownCompressionMethod,
            QuirkKind::DuplicateEntry,
        ] {
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
    }
}
