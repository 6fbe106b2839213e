//! resources.arsc (ResTable) parser: enough to resolve the references a manifest uses
//! (labels, versionName, meta-data values, icons) to their default-configuration value.
//!
//! Layout facts follow AOSP `ResourceTypes.h`: a `RES_TABLE_TYPE` header, a global string
//! pool, then packages holding type/key string pools, `typeSpec` and `type` chunks. Type
//! chunks carry a variable-size `ResTable_config`, entry offsets (dense 32-bit, 16-bit with
//! `FLAG_OFFSET16`, or `(index, offset)` pairs with `FLAG_SPARSE`) and entries (normal,
//! complex/map, or compact). Everything is bounds-checked; string pools are the shared
//! lenient [`crate::formats::res::StringPool`], borrowed from the input and decoded lazily,
//! so neither a lying count nor repeated offsets can multiply allocations.

use crate::error::{Format, ParseError};
use crate::formats::bytes::{u16_at, u32_at, u8_at};
use crate::formats::res::chunk::{
    ChunkHeader, STRING_POOL as RES_STRING_POOL_TYPE, TABLE as RES_TABLE_TYPE,
    TABLE_PACKAGE as RES_TABLE_PACKAGE_TYPE, TABLE_TYPE as RES_TABLE_TYPE_TYPE,
};
use crate::formats::res::string_pool::StringPool;
use crate::formats::res::value::{ResValue, TYPE_STRING};
use crate::formats::xml::Value;
use std::borrow::Cow;
use std::collections::HashMap;

const FLAG_COMPLEX: u16 = 0x0001;
const FLAG_COMPACT: u16 = 0x0008;
const TYPE_FLAG_SPARSE: u8 = 0x01;
const TYPE_FLAG_OFFSET16: u8 = 0x02;

/// Maximum number of references followed by [`ResourceTable::resolve`].
pub const MAX_REFERENCE_DEPTH: usize = 8;

fn err(offset: usize, reason: impl Into<String>) -> ParseError {
    ParseError::new(Format::Arsc, offset, reason)
}

/// A resource package inside the table.
#[derive(Debug, Clone, Default)]
struct Package<'a> {
    id: u32,
    name: String,
    type_strings: StringPool<'a>,
    key_strings: StringPool<'a>,
}

/// The payload of one entry in one configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
enum EntryData {
    /// A simple value: Res_value data type and data.
    Simple { kind: u8, data: u32 },
    /// A complex (map/bag) entry: parent reference and map entry count.
    Complex { parent: u32, count: u32 },
}

/// One entry in one configuration.
#[derive(Debug, Clone)]
struct Entry {
    /// Index of the package in `packages`.
    package: usize,
    /// Key string index in the package's key pool.
    key: u32,
    /// Number of non-zero bytes in the ResTable_config after its size field (0 = default).
    config_score: u32,
    /// The config's `language[2]` and `country[2]` bytes (see [`ResourceTable::locales`]).
    locale: [u8; 4],
    data: EntryData,
}

/// A resource value resolved to its default-configuration form.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedValue {
    /// The typed value (strings come from the global string pool). A reference that
    /// could not be followed further stays a [`Value::Reference`].
    pub value: Value,
    /// The value as text ([`Value::to_text`] of `value`).
    pub text: String,
    /// False when no default configuration existed and the least specific one was used.
    pub default_config: bool,
}

/// A parsed resources.arsc table, borrowing the table's bytes.
#[derive(Debug, Clone, Default)]
pub struct ResourceTable<'a> {
    strings: StringPool<'a>,
    packages: Vec<Package<'a>>,
    entries: HashMap<u32, Vec<Entry>>,
    warnings: Vec<String>,
}

impl<'a> ResourceTable<'a> {
    /// Parse a resources.arsc buffer. A broken table header or a missing or truncated
    /// global string pool is an error; a broken package or type chunk is skipped with a
    /// warning; a string pool whose count lies is clamped with a warning.
    pub fn parse(data: &'a [u8]) -> Result<ResourceTable<'a>, ParseError> {
        let ty = u16_at(data, 0).ok_or_else(|| err(0, "table header truncated"))?;
        if ty != RES_TABLE_TYPE {
            return Err(err(
                0,
                format!("not a resource table (chunk type {ty:#06x})"),
            ));
        }
        let header_size = u16_at(data, 2).ok_or_else(|| err(2, "table header truncated"))? as usize;
        let size = u32_at(data, 4).ok_or_else(|| err(4, "table header truncated"))? as usize;
        let package_count = u32_at(data, 8).ok_or_else(|| err(8, "table header truncated"))?;
        if header_size < 12 || header_size > data.len() {
            return Err(err(2, "table header size invalid"));
        }
        let mut table = ResourceTable::default();
        let end = if size > data.len() {
            table.warnings.push(format!(
                "table size {size} exceeds data length {}",
                data.len()
            ));
            data.len()
        } else {
            size.max(header_size)
        };
        let mut pos = header_size;
        let mut have_pool = false;
        while pos.checked_add(8).is_some_and(|e| e <= end) {
            let Some(h) = ChunkHeader::read(data, pos).filter(ChunkHeader::is_sane) else {
                table
                    .warnings
                    .push(format!("bad chunk at {pos:#x}; stopping"));
                break;
            };
            let (cend, whole) = h.end_within(end);
            if !whole {
                table.warnings.push(format!("chunk at {pos:#x} truncated"));
            }
            let chunk = &data[pos..cend];
            match h.ty {
                RES_STRING_POOL_TYPE if !have_pool => {
                    table.strings =
                        StringPool::parse(chunk, pos, Format::Arsc, &mut table.warnings)?;
                    have_pool = true;
                }
                RES_TABLE_PACKAGE_TYPE => {
                    if let Err(e) = table.parse_package(chunk, pos) {
                        table.warnings.push(format!("package skipped: {e}"));
                    }
                }
                cty => table.warnings.push(format!(
                    "unknown table chunk {cty:#06x} at {pos:#x} skipped"
                )),
            }
            pos = cend;
        }
        if !have_pool {
            return Err(err(header_size, "no global string pool"));
        }
        if table.packages.len() as u64 != package_count as u64 {
            table.warnings.push(format!(
                "header says {package_count} packages, found {}",
                table.packages.len()
            ));
        }
        Ok(table)
    }

    fn parse_package(&mut self, chunk: &'a [u8], base: usize) -> Result<(), ParseError> {
        let header_size = u16_at(chunk, 2).unwrap_or(0) as usize;
        if header_size < 284 || header_size > chunk.len() {
            return Err(err(base, "package header size invalid"));
        }
        let id = u32_at(chunk, 8).unwrap_or(0);
        let name_bytes = chunk.get(12..12 + 256).unwrap_or(&[]);
        let units: Vec<u16> = name_bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|&u| u != 0)
            .collect();
        let name = String::from_utf16_lossy(&units);
        let type_off = u32_at(chunk, 268).unwrap_or(0) as usize;
        let key_off = u32_at(chunk, 276).unwrap_or(0) as usize;
        let mut pool_warnings = Vec::new();
        let mut pool_at = |off: usize| -> Result<StringPool<'a>, ParseError> {
            let sz = u32_at(chunk, off + 4)
                .ok_or_else(|| err(base + off, "pool offset out of range"))?
                as usize;
            let sub = off
                .checked_add(sz)
                .and_then(|e| chunk.get(off..e))
                .ok_or_else(|| err(base + off, "pool truncated"))?;
            if u16_at(sub, 0) != Some(RES_STRING_POOL_TYPE) {
                return Err(err(base + off, "expected string pool"));
            }
            StringPool::parse(sub, base + off, Format::Arsc, &mut pool_warnings)
        };
        let type_strings = pool_at(type_off)?;
        let key_strings = pool_at(key_off)?;
        self.warnings.append(&mut pool_warnings);
        let pkg_index = self.packages.len();
        self.packages.push(Package {
            id,
            name,
            type_strings,
            key_strings,
        });

        let mut pos = header_size;
        while pos.checked_add(8).is_some_and(|e| e <= chunk.len()) {
            let Some(h) = ChunkHeader::read(chunk, pos).filter(ChunkHeader::is_sane) else {
                self.warnings.push(format!(
                    "bad chunk at {:#x}; rest of package skipped",
                    base + pos
                ));
                break;
            };
            let (cend, whole) = h.end_within(chunk.len());
            if !whole {
                self.warnings
                    .push(format!("chunk at {:#x} truncated", base + pos));
            }
            if h.ty == RES_TABLE_TYPE_TYPE {
                if let Err(e) = self.parse_type(&chunk[pos..cend], base + pos, pkg_index, id) {
                    self.warnings.push(format!("type chunk skipped: {e}"));
                }
            }
            // typeSpec (0x0202), library (0x0203), overlayable, string pools already read: skipped.
            pos = cend;
        }
        Ok(())
    }

    fn parse_type(
        &mut self,
        c: &[u8],
        base: usize,
        pkg: usize,
        pkg_id: u32,
    ) -> Result<(), ParseError> {
        let header_size = u16_at(c, 2).unwrap_or(0) as usize;
        let type_id = u8_at(c, 8).ok_or_else(|| err(base, "type truncated"))?;
        let flags = u8_at(c, 9).ok_or_else(|| err(base, "type truncated"))?;
        let entry_count = u32_at(c, 12).ok_or_else(|| err(base, "type truncated"))? as usize;
        let entries_start = u32_at(c, 16).ok_or_else(|| err(base, "type truncated"))? as usize;
        let config_size = u32_at(c, 20).ok_or_else(|| err(base, "type truncated"))? as usize;
        if type_id == 0 {
            return Err(err(base + 8, "type id 0"));
        }
        let config = 20usize
            .checked_add(config_size)
            .and_then(|e| c.get(24.min(e)..e))
            .ok_or_else(|| err(base + 20, "config exceeds chunk"))?;
        if config_size < 4 || header_size < 20 + config_size || header_size > c.len() {
            return Err(err(base + 2, "type header size invalid"));
        }
        let config_score = config.iter().filter(|&&b| b != 0).count() as u32;
        // language[2] and country[2] follow imsi (mcc, mnc) in ResTable_config.
        let mut locale = [0u8; 4];
        if let Some(l) = config.get(4..8) {
            locale.copy_from_slice(l);
        }
        let sparse = flags & TYPE_FLAG_SPARSE != 0;
        let off16 = flags & TYPE_FLAG_OFFSET16 != 0;
        let width = if off16 { 2 } else { 4 };
        let table_len = entry_count
            .checked_mul(width)
            .filter(|&l| header_size.checked_add(l).is_some_and(|e| e <= c.len()))
            .ok_or_else(|| err(base + 12, "entry count exceeds chunk"))?;
        if entries_start > c.len() || entries_start < header_size + table_len {
            return Err(err(base + 16, "entries start invalid"));
        }
        for i in 0..entry_count {
            let at = header_size + i * width;
            let (index, offset) = if sparse {
                let idx = u16_at(c, at).unwrap_or(0) as u32;
                let off = u16_at(c, at + 2).unwrap_or(0) as usize * 4;
                (idx, off)
            } else if off16 {
                match u16_at(c, at) {
                    Some(0xffff) | None => continue,
                    Some(o) => (i as u32, o as usize * 4),
                }
            } else {
                match u32_at(c, at) {
                    Some(0xffff_ffff) | None => continue,
                    Some(o) => (i as u32, o as usize),
                }
            };
            if index > 0xffff {
                continue;
            }
            let eo = match entries_start.checked_add(offset) {
                Some(e) if e < c.len() => e,
                _ => {
                    self.warnings.push(format!(
                        "entry {index} of type {type_id} at {:#x} out of range",
                        base
                    ));
                    continue;
                }
            };
            match read_entry(c, eo) {
                Some((key, data)) => {
                    let id = ((pkg_id & 0xff) << 24) | ((type_id as u32) << 16) | index;
                    let list = self.entries.entry(id).or_default();
                    list.push(Entry {
                        package: pkg,
                        key,
                        config_score,
                        locale,
                        data,
                    });
                }
                None => self.warnings.push(format!(
                    "entry {index} of type {type_id} at {:#x} malformed",
                    base + eo
                )),
            }
        }
        Ok(())
    }

    /// Non-fatal problems seen while parsing (skipped chunks and entries).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Number of distinct resource ids with at least one entry.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no entry was read.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All resource ids with at least one entry, sorted.
    pub fn ids(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.entries.keys().copied().collect();
        v.sort_unstable();
        v
    }

    /// Number of strings in the global string pool.
    pub fn string_count(&self) -> usize {
        self.strings.len()
    }

    /// String `idx` of the global string pool.
    pub fn string(&self, idx: u32) -> Option<String> {
        self.strings.get(idx).map(Cow::into_owned)
    }

    /// Entries for `id`, trying the shared-library fallback: a table with a single
    /// package answers for ids whose package byte is 0x00 or 0x7f.
    fn lookup(&self, id: u32) -> Option<&Vec<Entry>> {
        if let Some(e) = self.entries.get(&id) {
            return Some(e);
        }
        if self.packages.len() == 1 {
            let pid = self.packages.first()?.id & 0xff;
            let p = id >> 24;
            if (p == 0 || p == 0x7f) && p != pid {
                return self.entries.get(&((pid << 24) | (id & 0x00ff_ffff)));
            }
        }
        None
    }

    /// The entry chosen for the default configuration: an all-zero config if present,
    /// else the least specific one (fewest non-zero config bytes, first wins).
    fn pick(&self, id: u32) -> Option<&Entry> {
        self.lookup(id)?.iter().min_by_key(|e| e.config_score)
    }

    /// `package:type/key` name of a resource id.
    pub fn name(&self, id: u32) -> Option<String> {
        let e = self.pick(id)?;
        let pkg = self.packages.get(e.package)?;
        let type_id = (id >> 16) & 0xff;
        let ty = pkg.type_strings.get(type_id.checked_sub(1)?)?;
        let ty: &str = &ty;
        let key = pkg.key_strings.get(e.key)?;
        let key: &str = &key;
        Some(format!("{}:{ty}/{key}", pkg.name))
    }

    /// Resolve `id` to its default-configuration value, following references (including
    /// dynamic references) up to [`MAX_REFERENCE_DEPTH`]. `None` if `id` has no entry or is
    /// a complex (map) entry.
    pub fn resolve(&self, id: u32) -> Option<ResolvedValue> {
        self.resolve_with(id, |cur| self.pick(cur))
    }

    /// Locales in which `id` has an entry whose configuration sets nothing but the locale
    /// (language, optionally region), spelled as aapt prints them: `fr`, `zh-rCN`, `en-rGB`.
    /// Sorted; configurations with a script, variant or any other qualifier are not listed.
    pub fn locales(&self, id: u32) -> Vec<String> {
        let mut v: Vec<String> = self
            .lookup(id)
            .into_iter()
            .flatten()
            .filter(|e| e.config_score != 0 && locale_only(e))
            .filter_map(|e| locale_tag(e.locale))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Value of `id` in the configuration that sets exactly `locale` (as [`Self::locales`]
    /// spells it, e.g. `zh-rCN`) and no other qualifier. No locale fallback: `None` when
    /// `id` has no such entry (or it is a complex entry). A reference is followed preferring
    /// the same locale, else the default configuration. `default_config` is always false.
    pub fn resolve_locale(&self, id: u32, locale: &str) -> Option<ResolvedValue> {
        let exact = |cur: u32| -> Option<&Entry> {
            self.lookup(cur)?.iter().find(|e| {
                e.config_score != 0
                    && locale_only(e)
                    && locale_tag(e.locale).as_deref() == Some(locale)
            })
        };
        exact(id)?;
        self.resolve_with(id, |cur| exact(cur).or_else(|| self.pick(cur)))
            .map(|r| ResolvedValue {
                default_config: false,
                ..r
            })
    }

    fn resolve_with<'s>(
        &'s self,
        id: u32,
        pick: impl Fn(u32) -> Option<&'s Entry>,
    ) -> Option<ResolvedValue> {
        let mut cur = id;
        let mut default_config = true;
        let mut last: Option<Value> = None;
        for _ in 0..=MAX_REFERENCE_DEPTH {
            let e = match pick(cur) {
                Some(e) => e,
                None => break,
            };
            default_config &= e.config_score == 0;
            let (kind, data) = match e.data {
                EntryData::Simple { kind, data } => (kind, data),
                EntryData::Complex { .. } => break,
            };
            match kind {
                0x01 | 0x07 if data != 0 => {
                    last = Some(Value::Reference(data));
                    cur = data;
                    continue;
                }
                _ => {
                    let value = self.to_value(kind, data);
                    return Some(ResolvedValue {
                        text: value.to_text(),
                        value,
                        default_config,
                    });
                }
            }
        }
        last.map(|value| ResolvedValue {
            text: value.to_text(),
            value,
            default_config,
        })
    }

    /// Raw (unresolved) default-config value of `id` as Res_value type and data, or the
    /// parent and count of a complex entry.
    pub fn raw(&self, id: u32) -> Option<RawValue> {
        Some(match self.pick(id)?.data {
            EntryData::Simple { kind, data } => RawValue::Simple { kind, data },
            EntryData::Complex { parent, count } => RawValue::Complex { parent, count },
        })
    }

    fn to_value(&self, kind: u8, data: u32) -> Value {
        match kind {
            TYPE_STRING => match self.strings.get(data) {
                Some(s) => Value::String(s.into_owned()),
                None => Value::Other { kind, data },
            },
            _ => Value::from_res_value(kind, data),
        }
    }
}

/// An unresolved entry payload, as stored in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawValue {
    /// Res_value type byte and data.
    Simple {
        /// Res_value data type.
        kind: u8,
        /// Raw data.
        data: u32,
    },
    /// A map entry (style, array, plurals...).
    Complex {
        /// Parent resource id (0 if none).
        parent: u32,
        /// Number of ResTable_map items.
        count: u32,
    },
}

/// True when the entry's configuration sets nothing but language and country.
fn locale_only(e: &Entry) -> bool {
    e.locale.iter().filter(|&&b| b != 0).count() as u32 == e.config_score
}

/// `ll` / `ll-rCC` from ResTable_config `language[2]` + `country[2]`; three-letter codes
/// are packed into the two bytes with the high bit set (letters from `a`, digits of a
/// UN M.49 region from `0`). `None` when no language is set.
fn locale_tag(l: [u8; 4]) -> Option<String> {
    fn unpack(b: [u8; 2], base: u8) -> Option<String> {
        if b == [0, 0] {
            return None;
        }
        if b[0] & 0x80 == 0 {
            return Some(String::from_utf8_lossy(&b).into_owned());
        }
        let first = b[1] & 0x1f;
        let second = ((b[1] & 0xe0) >> 5) | ((b[0] & 0x03) << 3);
        let third = (b[0] & 0x7c) >> 2;
        Some(
            [first, second, third]
                .iter()
                .map(|&c| (base + c) as char)
                .collect(),
        )
    }
    let lang = unpack([l[0], l[1]], b'a')?;
    Some(match unpack([l[2], l[3]], b'0') {
        Some(r) => format!("{lang}-r{r}"),
        None => lang,
    })
}

/// Read one entry at `o`: returns its key index and payload.
fn read_entry(c: &[u8], o: usize) -> Option<(u32, EntryData)> {
    let size = u16_at(c, o)?;
    let flags = u16_at(c, o + 2)?;
    if flags & FLAG_COMPACT != 0 {
        let data = u32_at(c, o + 4)?;
        return Some((
            size as u32,
            EntryData::Simple {
                kind: (flags >> 8) as u8,
                data,
            },
        ));
    }
    let key = u32_at(c, o + 4)?;
    let size = size as usize;
    if size < 8 {
        return None;
    }
    if flags & FLAG_COMPLEX != 0 {
        let parent = u32_at(c, o + 8)?;
        let count = u32_at(c, o + 12)?;
        return Some((key, EntryData::Complex { parent, count }));
    }
    let ResValue { kind, data } = ResValue::read(c, o.checked_add(size)?)?;
    Some((key, EntryData::Simple { kind, data }))
}

/// Resolve reference-valued attributes of an element tree through the resource table
/// `arsc` (default configuration); a table that cannot be parsed becomes a diagnostic.
pub fn resolve_tree(
    root: &mut crate::formats::xml::Element,
    arsc: &[u8],
    errors: &mut Vec<crate::error::Diagnostic>,
) {
    match ResourceTable::parse(arsc) {
        Ok(t) => resolve_element(root, &t),
        Err(e) => errors.push(crate::error::Diagnostic::from_parse("resources.arsc", &e)),
    }
}

fn resolve_element(el: &mut crate::formats::xml::Element, t: &ResourceTable) {
    for a in &mut el.attributes {
        if let crate::formats::xml::Value::Reference(id) = a.value {
            if id != 0 {
                if let Some(r) = t.resolve(id) {
                    a.resolved = Some(r.text);
                }
            }
        }
    }
    for c in &mut el.children {
        resolve_element(c, t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus_arsc() -> Option<Vec<u8>> {
        use std::io::Read;
        let p = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/corpus/edge/apktool_sparse-resources.apk"
        );
        let bytes = std::fs::read(p).ok()?;
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
        let mut f = z.by_name("resources.arsc").ok()?;
        let mut out = Vec::new();
        f.read_to_end(&mut out).ok()?;
        Some(out)
    }

    /// Truncations and xorshift byte mutations of a real table never panic.
    #[test]
    fn mutation_never_panics() {
        let Some(data) = corpus_arsc() else {
            eprintln!("skipping: ../shared corpus absent");
            return;
        };
        let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for i in 0..2000usize {
            let mut d = data.clone();
            if i % 4 == 0 {
                let cut = (next() as usize) % (d.len() + 1);
                d.truncate(cut);
            } else {
                for _ in 0..(1 + next() % 8) {
                    let at = (next() as usize) % d.len();
                    d[at] = next() as u8;
                }
            }
            if let Ok(t) = ResourceTable::parse(&d) {
                for id in t.ids().into_iter().take(200) {
                    let _ = t.resolve(id);
                    let _ = t.name(id);
                }
            }
        }
    }

    /// A UTF-8 string pool chunk holding `strings`.
    fn pool(strings: &[&str]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut offs = Vec::new();
        for s in strings {
            offs.push(body.len() as u32);
            let n = s.chars().count();
            assert!(n < 0x80 && s.len() < 0x80);
            body.extend([n as u8, s.len() as u8]);
            body.extend(s.as_bytes());
            body.push(0);
        }
        while body.len() % 4 != 0 {
            body.push(0);
        }
        let start = 28 + 4 * strings.len() as u32;
        let mut c = Vec::new();
        c.extend(RES_STRING_POOL_TYPE.to_le_bytes());
        c.extend(28u16.to_le_bytes());
        c.extend((start + body.len() as u32).to_le_bytes());
        c.extend((strings.len() as u32).to_le_bytes());
        c.extend(0u32.to_le_bytes());
        c.extend(crate::formats::res::string_pool::UTF8_FLAG.to_le_bytes());
        c.extend(start.to_le_bytes());
        c.extend(0u32.to_le_bytes());
        for o in offs {
            c.extend(o.to_le_bytes());
        }
        c.extend(body);
        c
    }

    /// A type chunk (type 1) with a 64-byte config whose bytes 4.. are `config`
    /// (mcc, mnc, language, country, ...) and one simple entry per `(key, kind, data)`.
    fn type_chunk(config: &[u8], entries: &[(u32, u8, u32)]) -> Vec<u8> {
        let mut cfg = vec![0u8; 64];
        cfg[..4].copy_from_slice(&64u32.to_le_bytes());
        cfg[4..4 + config.len()].copy_from_slice(config);
        let header = 20 + 64;
        let start = header + 4 * entries.len();
        let mut c = Vec::new();
        c.extend(RES_TABLE_TYPE_TYPE.to_le_bytes());
        c.extend((header as u16).to_le_bytes());
        c.extend(((start + 16 * entries.len()) as u32).to_le_bytes());
        c.extend([1u8, 0, 0, 0]);
        c.extend((entries.len() as u32).to_le_bytes());
        c.extend((start as u32).to_le_bytes());
        c.extend(cfg);
        for i in 0..entries.len() {
            c.extend((16 * i as u32).to_le_bytes());
        }
        for &(key, kind, data) in entries {
            c.extend(8u16.to_le_bytes());
            c.extend(0u16.to_le_bytes());
            c.extend(key.to_le_bytes());
            c.extend(8u16.to_le_bytes());
            c.extend([0u8, kind]);
            c.extend(data.to_le_bytes());
        }
        c
    }

    /// Table: package 0x7f, type `string`, keys `a` (0x7f010000) and `b` (0x7f010001,
    /// a reference to `a`), strings in default, zh-rCN, zh-rTW + density, `fil` (packed),
    /// and en-rGB for `a` only.
    fn locale_table() -> Vec<u8> {
        let global = pool(&["A", "A-CN", "A-TW-hdpi", "A-fil", "A-GB", "B-CN"]);
        let types = pool(&["string"]);
        let keys = pool(&["a", "b"]);
        let s = 0x03u8;
        let r = 0x01u8;
        let fil = [0xad, 0x05]; // f=5, i=8, l=11 packed: [0x80 | 11<<2 | 8>>3, (8&7)<<5 | 5]
        let chunks = [
            type_chunk(&[], &[(0, s, 0), (1, r, 0x7f01_0000)]),
            type_chunk(
                &[0, 0, 0, 0, b'z', b'h', b'C', b'N'],
                &[(0, s, 1), (1, s, 5)],
            ),
            type_chunk(
                &[0, 0, 0, 0, b'z', b'h', b'T', b'W', 0, 0, 240, 0],
                &[(0, s, 2)],
            ),
            type_chunk(
                &[0, 0, 0, 0, fil[0], fil[1]],
                &[(0, s, 3), (1, r, 0x7f01_0000)],
            ),
            type_chunk(&[0, 0, 0, 0, b'e', b'n', b'G', b'B'], &[(0, s, 4)]),
        ];
        let header = 288usize;
        let mut pkg = Vec::new();
        pkg.extend(RES_TABLE_PACKAGE_TYPE.to_le_bytes());
        pkg.extend((header as u16).to_le_bytes());
        let size = header + types.len() + keys.len() + chunks.iter().map(Vec::len).sum::<usize>();
        pkg.extend((size as u32).to_le_bytes());
        pkg.extend(0x7fu32.to_le_bytes());
        let mut name = [0u8; 256];
        for (i, b) in b"t".iter().enumerate() {
            name[2 * i] = *b;
        }
        pkg.extend(name);
        pkg.extend((header as u32).to_le_bytes());
        pkg.extend(1u32.to_le_bytes());
        pkg.extend(((header + types.len()) as u32).to_le_bytes());
        pkg.extend(2u32.to_le_bytes());
        pkg.extend(0u32.to_le_bytes());
        pkg.extend(types);
        pkg.extend(keys);
        for c in chunks {
            pkg.extend(c);
        }
        let mut t = Vec::new();
        t.extend(RES_TABLE_TYPE.to_le_bytes());
        t.extend(12u16.to_le_bytes());
        t.extend(((12 + global.len() + pkg.len()) as u32).to_le_bytes());
        t.extend(1u32.to_le_bytes());
        t.extend(global);
        t.extend(pkg);
        t
    }

    #[test]
    fn locale_lookup() {
        let bytes = locale_table();
        let t = ResourceTable::parse(&bytes).expect("synthetic table parses");
        assert!(t.warnings().is_empty(), "{:?}", t.warnings());
        let (a, b) = (0x7f01_0000, 0x7f01_0001);
        assert_eq!(t.name(a).as_deref(), Some("t:string/a"));
        // Only locale-only configs are listed; zh-rTW carries a density too.
        assert_eq!(t.locales(a), ["en-rGB", "fil", "zh-rCN"]);
        assert_eq!(t.locales(b), ["fil", "zh-rCN"]);
        let text = |r: Option<ResolvedValue>| r.map(|r| r.text);
        assert_eq!(text(t.resolve(a)).as_deref(), Some("A"));
        assert_eq!(text(t.resolve_locale(a, "zh-rCN")).as_deref(), Some("A-CN"));
        assert_eq!(text(t.resolve_locale(a, "en-rGB")).as_deref(), Some("A-GB"));
        assert_eq!(text(t.resolve_locale(a, "fil")).as_deref(), Some("A-fil"));
        // No fallback: zh-rTW exists only with a density qualifier, zh has no plain entry.
        assert_eq!(t.resolve_locale(a, "zh-rTW"), None);
        assert_eq!(t.resolve_locale(a, "zh"), None);
        assert_eq!(t.resolve_locale(b, "en-rGB"), None);
        // b is a plain string in zh-rCN, and a reference in `fil` followed in that locale.
        assert_eq!(text(t.resolve_locale(b, "zh-rCN")).as_deref(), Some("B-CN"));
        let r = t.resolve_locale(b, "fil").expect("fil entry");
        assert_eq!((r.text.as_str(), r.default_config), ("A-fil", false));
        // The default of b follows its reference to a's default.
        assert_eq!(text(t.resolve(b)).as_deref(), Some("A"));
    }

    #[test]
    fn rejects_non_table() {
        assert!(ResourceTable::parse(&[]).is_err());
        assert!(ResourceTable::parse(&[3, 0, 8, 0, 8, 0, 0, 0]).is_err());
    }
}
