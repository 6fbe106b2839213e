//! Dalvik executable (dex) reader: zero-copy over a byte slice.
//!
//! [`Dex::parse`] checks the header and every id section against the buffer; accessors
//! then return [`ParseError`] (never panic) for out-of-range indices or offsets.
//! Strings are MUTF-8, decoded lazily. See `docs/dex.md`.

use crate::error::{Format, ParseError};
use std::borrow::Cow;

pub mod code;

pub use code::{walk_refs, CodeItem, CodeWalkSummary, InsnRef, RefKind};

/// Result alias for this module.
pub type Result<T, E = ParseError> = std::result::Result<T, E>;

const HEADER_SIZE: usize = 0x70;
const ENDIAN_CONSTANT: u32 = 0x1234_5678;
/// Sentinel for "no index" in class defs (superclass, source file).
pub const NO_INDEX: u32 = 0xffff_ffff;

fn err(offset: impl TryInto<u64>, reason: impl Into<String>) -> ParseError {
    ParseError::new(Format::Dex, offset, reason)
}

/// Read a little-endian u32 at `off`.
pub(crate) fn u32_at(data: &[u8], off: usize) -> Result<u32> {
    crate::formats::bytes::u32_at(data, off).ok_or_else(|| err(off, "u32 past end of data"))
}

/// Read a little-endian u16 at `off`.
pub(crate) fn u16_at(data: &[u8], off: usize) -> Result<u16> {
    crate::formats::bytes::u16_at(data, off).ok_or_else(|| err(off, "u16 past end of data"))
}

/// Read an unsigned LEB128 (at most 5 bytes) at `*pos`, advancing it.
pub(crate) fn uleb128(data: &[u8], pos: &mut usize) -> Result<u32> {
    let start = *pos;
    let mut result: u32 = 0;
    for i in 0..5 {
        let b = *data
            .get(*pos)
            .ok_or_else(|| err(start, "uleb128 past end of data"))?;
        *pos += 1;
        result |= ((b & 0x7f) as u32) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(result);
        }
    }
    Err(err(start, "uleb128 longer than 5 bytes"))
}

/// Kinds of non-standard dex-like files we recognise only to reject clearly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DexKind {
    /// A standard dex file (`dex\n`).
    Dex,
    /// An optimized dex wrapper (`dey\n`).
    Odex,
    /// A compact dex (`cdex`), produced by ART's dex2oat.
    CompactDex,
    /// Not a dex at all.
    Unknown,
}

/// Classify a buffer by its magic, without parsing it.
pub fn detect_kind(data: &[u8]) -> DexKind {
    match data.get(0..4) {
        Some(b"dex\n") => DexKind::Dex,
        Some(b"dey\n") => DexKind::Odex,
        Some(b"cdex") => DexKind::CompactDex,
        _ => DexKind::Unknown,
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Section {
    size: u32,
    off: u32,
}

/// A parsed dex file, borrowing the underlying bytes.
#[derive(Debug, Clone)]
pub struct Dex<'a> {
    data: &'a [u8],
    version: u32,
    /// Warning produced while parsing (e.g. unknown newer version), if any.
    pub warning: Option<String>,
    map_off: u32,
    strings: Section,
    types: Section,
    protos: Section,
    fields: Section,
    methods: Section,
    class_defs: Section,
}

/// A `method_id_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodRef {
    /// Index into type ids of the defining class.
    pub class_idx: u16,
    /// Index into proto ids.
    pub proto_idx: u16,
    /// Index into string ids of the method name.
    pub name_idx: u32,
}

/// A `field_id_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRef {
    /// Index into type ids of the defining class.
    pub class_idx: u16,
    /// Index into type ids of the field type.
    pub type_idx: u16,
    /// Index into string ids of the field name.
    pub name_idx: u32,
}

/// A `proto_id_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtoRef {
    /// String index of the shorty descriptor.
    pub shorty_idx: u32,
    /// Type index of the return type.
    pub return_type_idx: u32,
    /// Offset of the parameter `type_list` (0 if none).
    pub parameters_off: u32,
}

/// A `class_def_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassDef {
    /// Position of this class def in the class defs section.
    pub index: u32,
    /// Type index of the class.
    pub class_idx: u32,
    /// Access flags.
    pub access_flags: u32,
    /// Type index of the superclass, or [`NO_INDEX`].
    pub superclass_idx: u32,
    /// Offset of the interfaces `type_list` (0 if none).
    pub interfaces_off: u32,
    /// String index of the source file name, or [`NO_INDEX`].
    pub source_file_idx: u32,
    /// Offset of annotations directory (0 if none).
    pub annotations_off: u32,
    /// Offset of `class_data_item` (0 if none).
    pub class_data_off: u32,
    /// Offset of static values (0 if none).
    pub static_values_off: u32,
}

/// A field entry of a `class_data_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodedField {
    /// Absolute field id index (diffs already summed).
    pub field_idx: u32,
    /// Access flags.
    pub access_flags: u32,
}

/// A method entry of a `class_data_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodedMethod {
    /// Absolute method id index (diffs already summed).
    pub method_idx: u32,
    /// Access flags.
    pub access_flags: u32,
    /// Offset of the `code_item` (0 for abstract/native).
    pub code_off: u32,
}

/// A decoded `class_data_item`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassData {
    /// Static fields.
    pub static_fields: Vec<EncodedField>,
    /// Instance fields.
    pub instance_fields: Vec<EncodedField>,
    /// Direct methods.
    pub direct_methods: Vec<EncodedMethod>,
    /// Virtual methods.
    pub virtual_methods: Vec<EncodedMethod>,
}

/// An entry of the `map_list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapItem {
    /// Item type code (e.g. 0x0001 string id).
    pub type_code: u16,
    /// Number of items.
    pub size: u32,
    /// Offset of the first item.
    pub offset: u32,
}

impl<'a> Dex<'a> {
    /// Parse and validate the header of a dex file.
    ///
    /// Accepts versions 035–041 (042 and higher 04x with a [`Dex::warning`]); rejects
    /// odex (`dey\n`) and compact dex (`cdex`) with a clear error. A buffer larger than
    /// `file_size` is tolerated.
    pub fn parse(data: &'a [u8]) -> Result<Dex<'a>> {
        match detect_kind(data) {
            DexKind::Dex => {}
            DexKind::Odex => {
                return Err(err(
                    0,
                    "optimized dex (odex, magic 'dey\\n') is not supported",
                ))
            }
            DexKind::CompactDex => {
                return Err(err(
                    0,
                    "compact dex (cdex, from ART vdex/oat) is not supported",
                ))
            }
            DexKind::Unknown => return Err(err(0, "bad magic: not a dex file")),
        }
        if data.len() < HEADER_SIZE {
            return Err(err(
                data.len(),
                "file shorter than the 0x70-byte dex header",
            ));
        }
        let ver = data.get(4..8).ok_or_else(|| err(4, "truncated"))?;
        if ver[3] != 0 || !ver[..3].iter().all(u8::is_ascii_digit) {
            return Err(err(4, "bad version bytes in magic"));
        }
        let version =
            (ver[0] - b'0') as u32 * 100 + (ver[1] - b'0') as u32 * 10 + (ver[2] - b'0') as u32;
        let mut warning = None;
        if !(35..=41).contains(&version) {
            if (42..=49).contains(&version) {
                warning = Some(format!(
                    "dex version {version:03} is newer than 041; read as 041"
                ));
            } else {
                return Err(err(4, format!("unsupported dex version {version:03}")));
            }
        }
        let file_size = u32_at(data, 0x20)? as usize;
        let header_size = u32_at(data, 0x24)?;
        let endian = u32_at(data, 0x28)?;
        if endian != ENDIAN_CONSTANT {
            return Err(err(0x28, format!("bad endian tag {endian:#x}")));
        }
        if header_size != HEADER_SIZE as u32 {
            return Err(err(0x24, format!("bad header_size {header_size:#x}")));
        }
        if file_size < HEADER_SIZE || file_size > data.len() {
            return Err(err(
                0x20,
                format!(
                    "file_size {file_size:#x} does not fit buffer of {:#x} bytes",
                    data.len()
                ),
            ));
        }
        let data = &data[..file_size];
        let sec = |off: usize, item: u64, name: &str| -> Result<Section> {
            let size = u32_at(data, off)?;
            let o = u32_at(data, off + 4)?;
            let end = (o as u64).checked_add(size as u64 * item);
            if size > 0 && end.map_or(true, |e| e > file_size as u64) {
                return Err(err(
                    off,
                    format!("{name} section ({size} items at {o:#x}) runs past end of file"),
                ));
            }
            Ok(Section { size, off: o })
        };
        let map_off = u32_at(data, 0x34)?;
        let strings = sec(0x38, 4, "string_ids")?;
        let types = sec(0x40, 4, "type_ids")?;
        let protos = sec(0x48, 12, "proto_ids")?;
        let fields = sec(0x50, 8, "field_ids")?;
        let methods = sec(0x58, 8, "method_ids")?;
        let class_defs = sec(0x60, 32, "class_defs")?;
        let _data_sec = sec(0x68, 1, "data")?;
        if types.size > 65536 {
            return Err(err(0x40, "more than 65536 type ids"));
        }
        Ok(Dex {
            data,
            version,
            warning,
            map_off,
            strings,
            types,
            protos,
            fields,
            methods,
            class_defs,
        })
    }

    /// The bytes of this dex (truncated to `file_size`).
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Dex format version, e.g. 35 for `dex\n035\0`.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Number of string ids.
    pub fn string_count(&self) -> u32 {
        self.strings.size
    }
    /// Number of type ids.
    pub fn type_count(&self) -> u32 {
        self.types.size
    }
    /// Number of proto ids.
    pub fn proto_count(&self) -> u32 {
        self.protos.size
    }
    /// Number of field ids.
    pub fn field_count(&self) -> u32 {
        self.fields.size
    }
    /// Number of method ids.
    pub fn method_count(&self) -> u32 {
        self.methods.size
    }
    /// Number of class defs.
    pub fn class_def_count(&self) -> u32 {
        self.class_defs.size
    }

    fn item_off(&self, s: Section, idx: u32, item: usize, what: &str) -> Result<usize> {
        if idx >= s.size {
            return Err(err(
                s.off,
                format!("{what} index {idx} out of range ({} items)", s.size),
            ));
        }
        // In bounds: checked at parse time.
        Ok(s.off as usize + idx as usize * item)
    }

    /// Raw MUTF-8 bytes of string `idx` (without the length prefix and NUL).
    pub fn string_bytes(&self, idx: u32) -> Result<&'a [u8]> {
        let id_off = self.item_off(self.strings, idx, 4, "string")?;
        let data_off = u32_at(self.data, id_off)? as usize;
        let mut pos = data_off;
        let utf16_len = uleb128(self.data, &mut pos)?;
        let rest = self
            .data
            .get(pos..)
            .ok_or_else(|| err(data_off, "string data offset past end of file"))?;
        // MUTF-8 spends at most 3 bytes per UTF-16 unit: look for the NUL only that far,
        // so hostile ids pointing into one long unterminated region cost O(declared length)
        let window = (utf16_len as usize).saturating_mul(3).saturating_add(1);
        let rest = rest.get(..window.min(rest.len())).unwrap_or(rest);
        let n = rest.iter().position(|&b| b == 0).ok_or_else(|| {
            err(
                data_off,
                "unterminated string data (longer than its declared length)",
            )
        })?;
        Ok(&rest[..n])
    }

    /// String `idx`, MUTF-8 decoded (lossy: invalid sequences become U+FFFD).
    pub fn string(&self, idx: u32) -> Result<Cow<'a, str>> {
        Ok(decode_mutf8(self.string_bytes(idx)?))
    }

    /// String index of the descriptor of type `idx`.
    pub fn type_string_idx(&self, idx: u32) -> Result<u32> {
        let off = self.item_off(self.types, idx, 4, "type")?;
        u32_at(self.data, off)
    }

    /// Raw descriptor bytes of type `idx`, e.g. `Lcom/foo/Bar;`.
    pub fn type_descriptor(&self, idx: u32) -> Result<&'a [u8]> {
        self.string_bytes(self.type_string_idx(idx)?)
    }

    /// Descriptor of type `idx` as text.
    pub fn type_name(&self, idx: u32) -> Result<Cow<'a, str>> {
        self.string(self.type_string_idx(idx)?)
    }

    /// Iterator over all type descriptors (raw bytes), in type id order.
    pub fn type_descriptors(&self) -> impl Iterator<Item = Result<&'a [u8]>> + '_ {
        (0..self.types.size).map(move |i| self.type_descriptor(i))
    }

    /// Proto id `idx`.
    pub fn proto(&self, idx: u32) -> Result<ProtoRef> {
        let off = self.item_off(self.protos, idx, 12, "proto")?;
        Ok(ProtoRef {
            shorty_idx: u32_at(self.data, off)?,
            return_type_idx: u32_at(self.data, off + 4)?,
            parameters_off: u32_at(self.data, off + 8)?,
        })
    }

    /// Type indices of a `type_list` at `off` (0 → empty).
    pub fn type_list(&self, off: u32) -> Result<Vec<u16>> {
        if off == 0 {
            return Ok(Vec::new());
        }
        let off = off as usize;
        let n = u32_at(self.data, off)? as usize;
        let start = off + 4;
        let bytes = n
            .checked_mul(2)
            .and_then(|l| start.checked_add(l))
            .and_then(|end| self.data.get(start..end))
            .ok_or_else(|| err(off, "type_list runs past end of file"))?;
        Ok(bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect())
    }

    /// Method signature of proto `idx` as `(Lfoo;I)V`.
    pub fn proto_signature(&self, idx: u32) -> Result<String> {
        let p = self.proto(idx)?;
        let mut s = String::from("(");
        for t in self.type_list(p.parameters_off)? {
            s.push_str(&self.type_name(t as u32)?);
        }
        s.push(')');
        s.push_str(&self.type_name(p.return_type_idx)?);
        Ok(s)
    }

    /// Field id `idx`.
    pub fn field_id(&self, idx: u32) -> Result<FieldRef> {
        let off = self.item_off(self.fields, idx, 8, "field")?;
        Ok(FieldRef {
            class_idx: u16_at(self.data, off)?,
            type_idx: u16_at(self.data, off + 2)?,
            name_idx: u32_at(self.data, off + 4)?,
        })
    }

    /// Method id `idx`.
    pub fn method_id(&self, idx: u32) -> Result<MethodRef> {
        let off = self.item_off(self.methods, idx, 8, "method")?;
        Ok(MethodRef {
            class_idx: u16_at(self.data, off)?,
            proto_idx: u16_at(self.data, off + 2)?,
            name_idx: u32_at(self.data, off + 4)?,
        })
    }

    /// `Lcls;->name(sig)` text for method `idx` (for display and tests).
    pub fn method_display(&self, idx: u32) -> Result<String> {
        let m = self.method_id(idx)?;
        Ok(format!(
            "{}->{}{}",
            self.type_name(m.class_idx as u32)?,
            self.string(m.name_idx)?,
            self.proto_signature(m.proto_idx as u32)?
        ))
    }

    /// Class def `idx`.
    pub fn class_def(&self, idx: u32) -> Result<ClassDef> {
        let off = self.item_off(self.class_defs, idx, 32, "class_def")?;
        let r = |k: usize| u32_at(self.data, off + 4 * k);
        Ok(ClassDef {
            index: idx,
            class_idx: r(0)?,
            access_flags: r(1)?,
            superclass_idx: r(2)?,
            interfaces_off: r(3)?,
            source_file_idx: r(4)?,
            annotations_off: r(5)?,
            class_data_off: r(6)?,
            static_values_off: r(7)?,
        })
    }

    /// Iterator over class defs (bounded by the checked class_defs count).
    pub fn class_defs(&self) -> impl Iterator<Item = Result<ClassDef>> + '_ {
        (0..self.class_defs.size).map(move |i| self.class_def(i))
    }

    /// Dotted names of defined classes (`Lcom/foo/Bar;` → `com.foo.Bar`).
    pub fn class_names(&self) -> impl Iterator<Item = Result<String>> + '_ {
        self.class_defs().map(move |d| {
            let d = d?;
            Ok(descriptor_to_dotted(&self.type_name(d.class_idx)?))
        })
    }

    /// Decode the `class_data_item` of `def` (empty if it has none).
    pub fn class_data(&self, def: &ClassDef) -> Result<ClassData> {
        let mut cd = ClassData::default();
        if def.class_data_off == 0 {
            return Ok(cd);
        }
        let mut pos = def.class_data_off as usize;
        if pos >= self.data.len() {
            return Err(err(pos, "class_data_off past end of file"));
        }
        let sf = uleb128(self.data, &mut pos)?;
        let inf = uleb128(self.data, &mut pos)?;
        let dm = uleb128(self.data, &mut pos)?;
        let vm = uleb128(self.data, &mut pos)?;
        // Each entry takes at least 2 (fields) or 3 (methods) bytes: bound before allocating.
        let need = (sf as u64 + inf as u64) * 2 + (dm as u64 + vm as u64) * 3;
        if need > (self.data.len() - pos) as u64 {
            return Err(err(
                def.class_data_off,
                "class_data counts exceed file size",
            ));
        }
        for (n, out) in [(sf, &mut cd.static_fields), (inf, &mut cd.instance_fields)] {
            let mut idx: u32 = 0;
            out.reserve(n as usize);
            for _ in 0..n {
                let diff = uleb128(self.data, &mut pos)?;
                idx = idx
                    .checked_add(diff)
                    .ok_or_else(|| err(pos, "field index overflow"))?;
                let access_flags = uleb128(self.data, &mut pos)?;
                out.push(EncodedField {
                    field_idx: idx,
                    access_flags,
                });
            }
        }
        for (n, out) in [(dm, &mut cd.direct_methods), (vm, &mut cd.virtual_methods)] {
            let mut idx: u32 = 0;
            out.reserve(n as usize);
            for _ in 0..n {
                let diff = uleb128(self.data, &mut pos)?;
                idx = idx
                    .checked_add(diff)
                    .ok_or_else(|| err(pos, "method index overflow"))?;
                let access_flags = uleb128(self.data, &mut pos)?;
                let code_off = uleb128(self.data, &mut pos)?;
                out.push(EncodedMethod {
                    method_idx: idx,
                    access_flags,
                    code_off,
                });
            }
        }
        Ok(cd)
    }

    /// The `map_list` entries (empty if `map_off` is 0).
    pub fn map_list(&self) -> Result<Vec<MapItem>> {
        if self.map_off == 0 {
            return Ok(Vec::new());
        }
        let off = self.map_off as usize;
        let n = u32_at(self.data, off)? as usize;
        if n.checked_mul(12)
            .map_or(true, |l| l > self.data.len().saturating_sub(off + 4))
        {
            return Err(err(off, "map_list runs past end of file"));
        }
        let mut v = Vec::with_capacity(n);
        for i in 0..n {
            let p = off + 4 + i * 12;
            v.push(MapItem {
                type_code: u16_at(self.data, p)?,
                size: u32_at(self.data, p + 4)?,
                offset: u32_at(self.data, p + 8)?,
            });
        }
        Ok(v)
    }
}

/// `Lcom/foo/Bar;` → `com.foo.Bar`; other descriptors are returned unchanged.
pub fn descriptor_to_dotted(desc: &str) -> String {
    match desc.strip_prefix('L').and_then(|s| s.strip_suffix(';')) {
        Some(inner) => inner.replace('/', "."),
        None => desc.to_string(),
    }
}

pub use crate::formats::bytes::decode_mutf8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_odex_cdex_and_short() {
        assert!(Dex::parse(b"dey\n036\0")
            .unwrap_err()
            .reason
            .contains("odex"));
        assert!(Dex::parse(b"cdex001\0")
            .unwrap_err()
            .reason
            .contains("compact"));
        assert!(Dex::parse(b"dex\n035\0").is_err());
        assert_eq!(descriptor_to_dotted("Lcom/foo/Bar;"), "com.foo.Bar");
    }
}
