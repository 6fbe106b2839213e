//! `ResChunk_header`: every resource chunk starts with a type (`u16`), a header size
//! (`u16`) and a total size (`u32`), little-endian.

use crate::formats::bytes::{u16_at, u32_at};

/// `RES_STRING_POOL_TYPE`.
pub const STRING_POOL: u16 = 0x0001;
/// `RES_TABLE_TYPE` (resources.arsc).
pub const TABLE: u16 = 0x0002;
/// `RES_XML_TYPE` (binary XML).
pub const XML: u16 = 0x0003;
/// `RES_XML_START_NAMESPACE_TYPE`.
pub const XML_START_NAMESPACE: u16 = 0x0100;
/// `RES_XML_END_NAMESPACE_TYPE`.
pub const XML_END_NAMESPACE: u16 = 0x0101;
/// `RES_XML_START_ELEMENT_TYPE`.
pub const XML_START_ELEMENT: u16 = 0x0102;
/// `RES_XML_END_ELEMENT_TYPE`.
pub const XML_END_ELEMENT: u16 = 0x0103;
/// `RES_XML_CDATA_TYPE`.
pub const XML_CDATA: u16 = 0x0104;
/// `RES_XML_RESOURCE_MAP_TYPE`.
pub const XML_RESOURCE_MAP: u16 = 0x0180;
/// `RES_TABLE_PACKAGE_TYPE`.
pub const TABLE_PACKAGE: u16 = 0x0200;
/// `RES_TABLE_TYPE_TYPE`.
pub const TABLE_TYPE: u16 = 0x0201;

/// A chunk header read at `offset` of its buffer; sizes are as declared (unchecked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkHeader {
    /// Where the chunk starts in the buffer it was read from.
    pub offset: usize,
    /// Chunk type.
    pub ty: u16,
    /// Declared header size.
    pub header_size: usize,
    /// Declared total size (header included).
    pub size: usize,
}

impl ChunkHeader {
    /// The header at `pos`, or `None` when fewer than 8 bytes remain.
    pub fn read(data: &[u8], pos: usize) -> Option<ChunkHeader> {
        Some(ChunkHeader {
            offset: pos,
            ty: u16_at(data, pos)?,
            header_size: u16_at(data, pos + 2)? as usize,
            size: u32_at(data, pos + 4)? as usize,
        })
    }

    /// End of the chunk clamped to `limit`: `(end, true)` when the declared size fits,
    /// `(limit, false)` when it runs past (a truncated or lying chunk).
    pub fn end_within(&self, limit: usize) -> (usize, bool) {
        match self.offset.checked_add(self.size) {
            Some(e) if e <= limit => (e, true),
            _ => (limit, false),
        }
    }

    /// True when the sizes are consistent: at least 8, header no larger than the chunk.
    pub fn is_sane(&self) -> bool {
        self.size >= 8 && self.header_size >= 8 && self.header_size <= self.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_clamped_end() {
        let d = [1u8, 0, 28, 0, 100, 0, 0, 0];
        let h = ChunkHeader::read(&d, 0).expect("8 bytes");
        assert_eq!((h.ty, h.header_size, h.size), (STRING_POOL, 28, 100));
        assert_eq!(h.end_within(d.len()), (8, false));
        assert_eq!(h.end_within(200), (100, true));
        assert!(h.is_sane());
        assert_eq!(ChunkHeader::read(&d, 1), None);
        let lying = ChunkHeader {
            offset: usize::MAX - 1,
            ..h
        };
        assert_eq!(lying.end_within(10), (10, false));
    }
}
