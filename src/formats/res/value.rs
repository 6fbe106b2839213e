//! `Res_value`: the typed value of a binary XML attribute and of a resource table entry
//! (`u16` size, `u8` reserved, `u8` data type, `u32` data).

use crate::formats::bytes::{u32_at, u8_at};

/// `TYPE_REFERENCE`.
pub const TYPE_REFERENCE: u8 = 0x01;
/// `TYPE_STRING`: `data` indexes the string pool.
pub const TYPE_STRING: u8 = 0x03;
/// `TYPE_DYNAMIC_REFERENCE` (shared libraries).
pub const TYPE_DYNAMIC_REFERENCE: u8 = 0x07;

/// A raw `Res_value`: data type and data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResValue {
    /// Data type byte.
    pub kind: u8,
    /// 32-bit data.
    pub data: u32,
}

impl ResValue {
    /// The value whose 8-byte record starts at `at`, or `None` past the end.
    pub fn read(d: &[u8], at: usize) -> Option<ResValue> {
        Some(ResValue {
            kind: u8_at(d, at.checked_add(3)?)?,
            data: u32_at(d, at.checked_add(4)?)?,
        })
    }

    /// True for a reference (plain or dynamic) to a non-zero resource id.
    pub fn is_reference(&self) -> bool {
        matches!(self.kind, TYPE_REFERENCE | TYPE_DYNAMIC_REFERENCE) && self.data != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_type_and_data() {
        let d = [8u8, 0, 0, TYPE_STRING, 5, 0, 0, 0];
        assert_eq!(ResValue::read(&d, 0), Some(ResValue { kind: 3, data: 5 }));
        assert_eq!(ResValue::read(&d, 1), None);
        assert!(ResValue { kind: 7, data: 1 }.is_reference());
        assert!(!ResValue { kind: 1, data: 0 }.is_reference());
    }
}
