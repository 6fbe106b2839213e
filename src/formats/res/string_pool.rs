//! `ResStringPool`: the string pool of binary XML and resource tables, read lazily from
//! the borrowed chunk.
//!
//! Hostile input is met leniently and without allocating from counts: a string count
//! larger than the chunk can hold is clamped to the offsets present (with a warning);
//! offsets are read when a string is asked for; a string whose declared length runs past
//! the chunk is cut at the chunk end, and at its first NUL, as Android's own decoder
//! stops there. A string whose offset points outside the chunk reads as absent and is
//! counted ([`StringPool::bad_strings`]).

use crate::error::{Format, ParseError};
use crate::formats::bytes::{u16_at, u32_at, u8_at};
use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `ResStringPool_header::UTF8_FLAG`.
pub const UTF8_FLAG: u32 = 0x100;
/// The index meaning "no string".
pub const NO_INDEX: u32 = 0xffff_ffff;
/// Size of `ResStringPool_header`.
const HEADER: usize = 28;

/// A string pool over its borrowed chunk (header included).
#[derive(Debug, Default)]
pub struct StringPool<'a> {
    chunk: &'a [u8],
    offsets_at: usize,
    count: usize,
    strings_start: usize,
    utf8: bool,
    bad: AtomicUsize,
}

impl Clone for StringPool<'_> {
    fn clone(&self) -> Self {
        StringPool {
            bad: AtomicUsize::new(self.bad_strings()),
            ..*self
        }
    }
}

impl<'a> StringPool<'a> {
    /// Read the pool header of the chunk starting at `chunk[0]` (already cut at the
    /// chunk's end or the buffer's); `base` is its offset in the file, for messages.
    /// Only a chunk too short for the header is an error; oddities go to `warnings`.
    pub fn parse(
        chunk: &'a [u8],
        base: usize,
        format: Format,
        warnings: &mut Vec<String>,
    ) -> Result<StringPool<'a>, ParseError> {
        let field = |at: usize| {
            u32_at(chunk, at)
                .ok_or_else(|| ParseError::new(format, base + at, "string pool header truncated"))
        };
        let header_size = u16_at(chunk, 2)
            .ok_or_else(|| ParseError::new(format, base, "string pool header truncated"))?
            as usize;
        let count = field(8)? as usize;
        let flags = field(16)?;
        let strings_start = field(20)? as usize;
        if header_size < HEADER {
            warnings.push(format!(
                "string pool at {base:#x} has header size {header_size}, below {HEADER}"
            ));
        }
        let offsets_at = header_size.max(HEADER);
        // every offset takes 4 bytes: the count cannot exceed what the chunk holds
        let room = chunk.len().saturating_sub(offsets_at) / 4;
        let count = if count > room {
            warnings.push(format!(
                "string pool at {base:#x} claims {count} strings, room for {room}"
            ));
            room
        } else {
            count
        };
        Ok(StringPool {
            chunk,
            offsets_at,
            count,
            strings_start,
            utf8: flags & UTF8_FLAG != 0,
            bad: AtomicUsize::new(0),
        })
    }

    /// Number of strings (the declared count, clamped to the offsets present).
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when the pool holds no strings.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// True for a UTF-8 pool (else UTF-16).
    pub fn is_utf8(&self) -> bool {
        self.utf8
    }

    /// String `idx`; `None` for [`NO_INDEX`], an index past the count, or a string whose
    /// offset lies outside the chunk (counted in [`Self::bad_strings`]).
    pub fn get(&self, idx: u32) -> Option<Cow<'a, str>> {
        if idx == NO_INDEX || idx as usize >= self.count {
            return None;
        }
        let rel = u32_at(self.chunk, self.offsets_at + idx as usize * 4)? as usize;
        let s = self.strings_start.checked_add(rel).and_then(|at| {
            if self.utf8 {
                read_utf8(self.chunk, at)
            } else {
                read_utf16(self.chunk, at)
            }
        });
        if s.is_none() {
            self.bad.fetch_add(1, Ordering::Relaxed);
        }
        s
    }

    /// How many lookups so far met a string outside the chunk.
    pub fn bad_strings(&self) -> usize {
        self.bad.load(Ordering::Relaxed)
    }
}

/// A `u8` (or two, high bit set) length of a UTF-8 pool string: (length, bytes used).
fn utf8_len(d: &[u8], at: usize) -> Option<(usize, usize)> {
    let b0 = u8_at(d, at)? as usize;
    if b0 & 0x80 != 0 {
        let b1 = u8_at(d, at.checked_add(1)?)? as usize;
        Some((((b0 & 0x7f) << 8) | b1, 2))
    } else {
        Some((b0, 1))
    }
}

/// UTF-16 length (skipped), UTF-8 byte length, bytes; cut at the chunk end and first NUL.
fn read_utf8(d: &[u8], at: usize) -> Option<Cow<'_, str>> {
    let (_, n1) = utf8_len(d, at)?;
    let at = at + n1;
    let (len, n2) = utf8_len(d, at)?;
    let start = at + n2;
    let end = start.saturating_add(len).min(d.len());
    let bytes = d.get(start..end)?;
    let bytes = match bytes.iter().position(|&c| c == 0) {
        Some(z) => &bytes[..z],
        None => bytes,
    };
    Some(String::from_utf8_lossy(bytes))
}

/// UTF-16 length (one unit, or two with the high bit set), units; cut at the chunk end and
/// first NUL.
fn read_utf16(d: &[u8], at: usize) -> Option<Cow<'_, str>> {
    let first = u16_at(d, at)? as usize;
    let (len, start) = if first & 0x8000 != 0 {
        let second = u16_at(d, at.checked_add(2)?)? as usize;
        (((first & 0x7fff) << 16) | second, at + 4)
    } else {
        (first, at + 2)
    };
    let avail = d.len().saturating_sub(start) / 2;
    let units = d.get(start..start + 2 * len.min(avail))?;
    let units = units
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0);
    Some(Cow::Owned(
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool chunk: header, offsets, then `body` at `strings_start`.
    fn chunk(count: u32, flags: u32, offsets: &[u32], body: &[u8]) -> Vec<u8> {
        let start = (HEADER + 4 * offsets.len()) as u32;
        let mut c = Vec::new();
        c.extend(1u16.to_le_bytes());
        c.extend(28u16.to_le_bytes());
        c.extend((start + body.len() as u32).to_le_bytes());
        c.extend(count.to_le_bytes());
        c.extend(0u32.to_le_bytes());
        c.extend(flags.to_le_bytes());
        c.extend(start.to_le_bytes());
        c.extend(0u32.to_le_bytes());
        for o in offsets {
            c.extend(o.to_le_bytes());
        }
        c.extend(body);
        c
    }

    #[test]
    fn utf8_and_utf16_strings() {
        let c = chunk(2, UTF8_FLAG, &[0, 5], b"\x02\x02hi\0\x03\x04h\xc3\xa9!\0");
        let mut w = Vec::new();
        let p = StringPool::parse(&c, 0, Format::Axml, &mut w).unwrap();
        assert!(w.is_empty());
        assert_eq!(p.get(0).as_deref(), Some("hi"));
        assert_eq!(p.get(1).as_deref(), Some("hé!"));
        assert!(matches!(p.get(0), Some(Cow::Borrowed(_))));
        assert_eq!(p.get(2), None);
        assert_eq!(p.get(NO_INDEX), None);
        let c = chunk(1, 0, &[0], b"\x02\0h\0\xe9\0\0\0");
        let p = StringPool::parse(&c, 0, Format::Arsc, &mut w).unwrap();
        assert_eq!(p.get(0).as_deref(), Some("hé"));
    }

    #[test]
    fn lying_count_is_clamped_without_allocating() {
        let c = chunk(100_000_000, UTF8_FLAG, &[0], b"\x01\x01a\0");
        let mut w = Vec::new();
        let p = StringPool::parse(&c, 0x40, Format::Axml, &mut w).unwrap();
        assert_eq!(
            p.len(),
            2,
            "room for the offset and 4 body bytes read as one more"
        );
        assert!(w[0].contains("claims 100000000 strings"), "{w:?}");
        assert_eq!(p.get(0).as_deref(), Some("a"));
    }

    #[test]
    fn overlong_strings_are_cut_and_bad_offsets_counted() {
        let c = chunk(2, UTF8_FLAG, &[0, 9999], b"\x05\x7fab");
        let mut w = Vec::new();
        let p = StringPool::parse(&c, 0, Format::Axml, &mut w).unwrap();
        assert_eq!(p.get(0).as_deref(), Some("ab"));
        assert_eq!(p.get(1), None);
        assert_eq!(p.bad_strings(), 1);
        let c = chunk(1, 0, &[0], b"\xff\xff\xff\x7fa\0\0\0");
        let p = StringPool::parse(&c, 0, Format::Arsc, &mut w).unwrap();
        assert_eq!(p.get(0).as_deref(), Some("a"));
        assert!(StringPool::parse(&c[..20], 0, Format::Arsc, &mut w).is_err());
    }
}
