//! Java `.class` file parser (JVMS §4): header, constant pool, this/super class and
//! interfaces. Used to find class references, string literals and method calls inside
//! SDK artefacts (`.jar`, `classes.jar` in `.aar`).
//!
//! Bounded by the input: every read is checked, the constant pool count is capped by the
//! remaining bytes, and malformed input yields a [`ParseError`] (never a panic).

use crate::error::{Format, ParseError};

/// One constant-pool entry (indices are 1-based constant-pool indices).
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    /// Unused slot (index 0, or the second slot of a Long/Double).
    Empty,
    /// CONSTANT_Utf8, decoded from modified UTF-8 (lossy on invalid sequences).
    Utf8(String),
    /// CONSTANT_Integer.
    Integer(i32),
    /// CONSTANT_Float.
    Float(f32),
    /// CONSTANT_Long.
    Long(i64),
    /// CONSTANT_Double.
    Double(f64),
    /// CONSTANT_Class: name index.
    Class(u16),
    /// CONSTANT_String: string index.
    String(u16),
    /// CONSTANT_Fieldref: class index, name-and-type index.
    Fieldref(u16, u16),
    /// CONSTANT_Methodref: class index, name-and-type index.
    Methodref(u16, u16),
    /// CONSTANT_InterfaceMethodref: class index, name-and-type index.
    InterfaceMethodref(u16, u16),
    /// CONSTANT_NameAndType: name index, descriptor index.
    NameAndType(u16, u16),
    /// CONSTANT_MethodHandle: reference kind, reference index.
    MethodHandle(u8, u16),
    /// CONSTANT_MethodType: descriptor index.
    MethodType(u16),
    /// CONSTANT_Dynamic: bootstrap method attr index, name-and-type index.
    Dynamic(u16, u16),
    /// CONSTANT_InvokeDynamic: bootstrap method attr index, name-and-type index.
    InvokeDynamic(u16, u16),
    /// CONSTANT_Module: name index.
    Module(u16),
    /// CONSTANT_Package: name index.
    Package(u16),
}

/// A parsed class file (header and constant pool; fields, methods and attributes are not
/// decoded).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassFile {
    /// Minor version.
    pub minor_version: u16,
    /// Major version (e.g. 52 = Java 8).
    pub major_version: u16,
    /// Constant pool, indexed by constant-pool index (slot 0 is [`Constant::Empty`]).
    pub constant_pool: Vec<Constant>,
    /// Access flags.
    pub access_flags: u16,
    /// this_class index.
    pub this_class_index: u16,
    /// super_class index (0 for java.lang.Object).
    pub super_class_index: u16,
    /// Interface class indices.
    pub interface_indices: Vec<u16>,
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, reason: impl Into<String>) -> ParseError {
        ParseError::new(Format::Class, self.pos, reason)
    }
    fn bytes(&mut self, n: usize) -> Result<&'a [u8], ParseError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| self.err("length overflow"))?;
        let s = self
            .data
            .get(self.pos..end)
            .ok_or_else(|| self.err("unexpected end of data"))?;
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, ParseError> {
        Ok(self.bytes(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, ParseError> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, ParseError> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, ParseError> {
        let hi = self.u32()? as u64;
        let lo = self.u32()? as u64;
        Ok((hi << 32) | lo)
    }
}

/// Decode JVM "modified UTF-8" (NUL as C0 80, supplementary characters as surrogate
/// pairs); the same decoder as dex strings. Invalid sequences become U+FFFD.
pub fn decode_modified_utf8(b: &[u8]) -> String {
    crate::formats::bytes::decode_mutf8(b).into_owned()
}

impl ClassFile {
    /// Parse a class file.
    pub fn parse(data: &[u8]) -> Result<ClassFile, ParseError> {
        let mut r = Reader { data, pos: 0 };
        let magic = r.u32()?;
        if magic != 0xCAFE_BABE {
            return Err(ParseError::new(
                Format::Class,
                0,
                format!("bad magic {magic:#010x}"),
            ));
        }
        let minor_version = r.u16()?;
        let major_version = r.u16()?;
        let count = r.u16()? as usize;
        // Each entry takes at least 3 bytes: cap the allocation by the remaining input.
        let cap = count.min(data.len().saturating_sub(r.pos) / 3 + 1);
        let mut pool = Vec::with_capacity(cap);
        pool.push(Constant::Empty);
        while pool.len() < count {
            let at = r.pos;
            let tag = r.u8()?;
            let c = match tag {
                1 => {
                    let len = r.u16()? as usize;
                    Constant::Utf8(decode_modified_utf8(r.bytes(len)?))
                }
                3 => Constant::Integer(r.u32()? as i32),
                4 => Constant::Float(f32::from_bits(r.u32()?)),
                5 => Constant::Long(r.u64()? as i64),
                6 => Constant::Double(f64::from_bits(r.u64()?)),
                7 => Constant::Class(r.u16()?),
                8 => Constant::String(r.u16()?),
                9 => Constant::Fieldref(r.u16()?, r.u16()?),
                10 => Constant::Methodref(r.u16()?, r.u16()?),
                11 => Constant::InterfaceMethodref(r.u16()?, r.u16()?),
                12 => Constant::NameAndType(r.u16()?, r.u16()?),
                15 => Constant::MethodHandle(r.u8()?, r.u16()?),
                16 => Constant::MethodType(r.u16()?),
                17 => Constant::Dynamic(r.u16()?, r.u16()?),
                18 => Constant::InvokeDynamic(r.u16()?, r.u16()?),
                19 => Constant::Module(r.u16()?),
                20 => Constant::Package(r.u16()?),
                t => {
                    return Err(ParseError::new(
                        Format::Class,
                        at,
                        format!("unknown constant pool tag {t} at index {}", pool.len()),
                    ))
                }
            };
            let wide = matches!(c, Constant::Long(_) | Constant::Double(_));
            pool.push(c);
            if wide {
                pool.push(Constant::Empty);
            }
        }
        let access_flags = r.u16()?;
        let this_class_index = r.u16()?;
        let super_class_index = r.u16()?;
        let n = r.u16()? as usize;
        let mut interface_indices = Vec::with_capacity(n.min(data.len() / 2));
        for _ in 0..n {
            interface_indices.push(r.u16()?);
        }
        let cf = ClassFile {
            minor_version,
            major_version,
            constant_pool: pool,
            access_flags,
            this_class_index,
            super_class_index,
            interface_indices,
        };
        if cf.class_name(this_class_index).is_none() {
            return Err(ParseError::new(
                Format::Class,
                r.pos,
                format!("this_class index {this_class_index} is not a CONSTANT_Class"),
            ));
        }
        Ok(cf)
    }

    /// The constant at `index`, if in range.
    pub fn constant(&self, index: u16) -> Option<&Constant> {
        self.constant_pool.get(index as usize)
    }

    /// The CONSTANT_Utf8 value at `index`.
    pub fn utf8(&self, index: u16) -> Option<&str> {
        match self.constant(index)? {
            Constant::Utf8(s) => Some(s),
            _ => None,
        }
    }

    /// The dotted class name of the CONSTANT_Class at `index` (array descriptors are kept
    /// as written, with `/` replaced by `.`).
    pub fn class_name(&self, index: u16) -> Option<String> {
        match self.constant(index)? {
            Constant::Class(n) => self.utf8(*n).map(|s| s.replace('/', ".")),
            _ => None,
        }
    }

    /// This class, dotted (`com.example.Foo`).
    pub fn this_class(&self) -> String {
        self.class_name(self.this_class_index).unwrap_or_default()
    }

    /// Super class, dotted; `None` for `java.lang.Object` (or an invalid index).
    pub fn super_class(&self) -> Option<String> {
        self.class_name(self.super_class_index)
    }

    /// Implemented interfaces, dotted (invalid indices skipped).
    pub fn interfaces(&self) -> Vec<String> {
        self.interface_indices
            .iter()
            .filter_map(|&i| self.class_name(i))
            .collect()
    }

    /// Values of all CONSTANT_String entries (the class's string literals), in pool order.
    pub fn strings(&self) -> Vec<String> {
        self.constant_pool
            .iter()
            .filter_map(|c| match c {
                Constant::String(i) => self.utf8(*i).map(str::to_string),
                _ => None,
            })
            .collect()
    }

    /// Names of all CONSTANT_Class entries, dotted, in pool order.
    pub fn class_refs(&self) -> Vec<String> {
        self.constant_pool
            .iter()
            .filter_map(|c| match c {
                Constant::Class(i) => self.utf8(*i).map(|s| s.replace('/', ".")),
                _ => None,
            })
            .collect()
    }

    /// (class, name, descriptor) of every Methodref and InterfaceMethodref; the class is
    /// dotted. Entries with invalid indices are skipped.
    pub fn method_refs(&self) -> Vec<(String, String, String)> {
        self.member_refs(true)
    }

    /// (class, name, descriptor) of every Fieldref; the class is dotted.
    pub fn field_refs(&self) -> Vec<(String, String, String)> {
        self.member_refs(false)
    }

    fn member_refs(&self, methods: bool) -> Vec<(String, String, String)> {
        self.constant_pool
            .iter()
            .filter_map(|c| {
                let (ci, nt) = match (c, methods) {
                    (Constant::Methodref(a, b), true)
                    | (Constant::InterfaceMethodref(a, b), true) => (*a, *b),
                    (Constant::Fieldref(a, b), false) => (*a, *b),
                    _ => return None,
                };
                let class = self.class_name(ci)?;
                let (n, d) = match self.constant(nt)? {
                    Constant::NameAndType(n, d) => (*n, *d),
                    _ => return None,
                };
                Some((class, self.utf8(n)?.to_string(), self.utf8(d)?.to_string()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf8() {
        assert_eq!(decode_modified_utf8(b"abc"), "abc");
        assert_eq!(decode_modified_utf8(&[0xC0, 0x80]), "\0");
        // U+1F600 as surrogate pair ED A0 BD ED B8 80
        assert_eq!(
            decode_modified_utf8(&[0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]),
            "\u{1F600}"
        );
        assert_eq!(decode_modified_utf8(&[0xFF, b'a']), "\u{FFFD}a");
    }

    #[test]
    fn rejects_bad_magic_and_truncation() {
        assert!(ClassFile::parse(b"").is_err());
        assert!(ClassFile::parse(&[0xCA, 0xFE, 0xBA, 0xBF, 0, 0, 0, 52]).is_err());
        assert!(ClassFile::parse(&[0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 52, 0xff, 0xff]).is_err());
    }
}
