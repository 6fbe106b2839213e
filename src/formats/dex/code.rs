//! Dalvik bytecode: `code_item` access and an allocation-free instruction walker.
//!
//! [`Dex::code_item`] returns a zero-copy [`CodeItem`]; [`walk_refs`] steps over its
//! instructions using the width of every Dalvik instruction format (10x … 51l, 45cc/4rcc,
//! and the switch / array-data payload pseudo-instructions) and reports each instruction
//! that references a constant pool entry (method, field, string, type, call site, method
//! handle, proto). [`Dex::for_each_method_code`] visits every method with code in a dex,
//! reporting bad class data or bad code items per class / per method so that one broken
//! method never hides the rest of the file. See `docs/dex.md`.

use super::{err, u16_at, u32_at, ClassDef, Dex, EncodedMethod, Result};
use crate::error::ParseError;

/// Size in bytes of the fixed `code_item` header before `insns`.
const CODE_HEADER: usize = 16;

/// A `code_item`: register counts and the raw instruction bytes (borrowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeItem<'a> {
    /// File offset of the `code_item`.
    pub offset: u32,
    /// Number of registers used by the method.
    pub registers_size: u16,
    /// Number of words of incoming arguments.
    pub ins_size: u16,
    /// Number of words of outgoing argument space needed for invocations.
    pub outs_size: u16,
    /// Number of `try_item`s.
    pub tries_size: u16,
    /// Offset of the debug info (0 if none).
    pub debug_info_off: u32,
    /// Instruction bytes: `insns_size` 16-bit code units, little-endian (length is even).
    pub insns: &'a [u8],
}

impl CodeItem<'_> {
    /// File offset of the first instruction (`offset + 16`).
    pub fn insns_offset(&self) -> u64 {
        self.offset as u64 + CODE_HEADER as u64
    }

    /// Number of 16-bit code units (`insns_size`).
    pub fn insns_units(&self) -> u32 {
        // insns.len() = insns_size * 2 with insns_size a u32, so this fits.
        (self.insns.len() / 2) as u32
    }

    /// Absolute file offset of code unit `pc`.
    pub fn pc_offset(&self, pc: u32) -> u64 {
        self.insns_offset() + pc as u64 * 2
    }
}

/// What an instruction's constant-pool index refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    /// A `method_id` (every invoke-*, including the polymorphic ones).
    Method,
    /// A `field_id` (iget*/iput*/sget*/sput*).
    Field,
    /// A `string_id` (const-string, const-string/jumbo).
    String,
    /// A `type_id` (const-class, check-cast, instance-of, new-instance, new-array,
    /// filled-new-array, filled-new-array/range).
    Type,
    /// A `call_site_id` (invoke-custom, invoke-custom/range).
    CallSite,
    /// A `method_handle` (const-method-handle).
    MethodHandle,
    /// A `proto_id` (const-method-type; the second index of invoke-polymorphic).
    Proto,
}

/// One constant-pool reference made by one instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsnRef {
    /// Code-unit offset of the instruction within the method (as dexdump prints it).
    pub pc: u32,
    /// The opcode byte.
    pub opcode: u8,
    /// What `index` refers to.
    pub kind: RefKind,
    /// The index into the referenced id section.
    pub index: u32,
}

/// Per-opcode decoding facts: width in code units (0 = unused opcode) and reference kind.
#[derive(Clone, Copy)]
struct Op {
    units: u8,
    kind: Option<RefKind>,
}

const fn op(units: u8, kind: Option<RefKind>) -> Op {
    Op { units, kind }
}

/// Decoding table for all 256 opcodes (from the Dalvik bytecode format reference).
static OPS: [Op; 256] = build_ops();

const fn build_ops() -> [Op; 256] {
    let mut t = [op(0, None); 256];
    let mut i = 0usize;
    while i < 256 {
        let b = i as u8;
        t[i] = match b {
            // nop (10x; payloads handled separately), move (12x)
            0x00 | 0x01 => op(1, None),
            0x02 => op(2, None),                         // move/from16 22x
            0x03 => op(3, None),                         // move/16 32x
            0x04 => op(1, None),                         // move-wide 12x
            0x05 => op(2, None),                         // move-wide/from16 22x
            0x06 => op(3, None),                         // move-wide/16 32x
            0x07 => op(1, None),                         // move-object 12x
            0x08 => op(2, None),                         // move-object/from16 22x
            0x09 => op(3, None),                         // move-object/16 32x
            0x0a..=0x11 => op(1, None), // move-result*, move-exception, return* (11x/10x)
            0x12 => op(1, None),        // const/4 11n
            0x13 => op(2, None),        // const/16 21s
            0x14 => op(3, None),        // const 31i
            0x15 => op(2, None),        // const/high16 21h
            0x16 => op(2, None),        // const-wide/16 21s
            0x17 => op(3, None),        // const-wide/32 31i
            0x18 => op(5, None),        // const-wide 51l
            0x19 => op(2, None),        // const-wide/high16 21h
            0x1a => op(2, Some(RefKind::String)), // const-string 21c
            0x1b => op(3, Some(RefKind::String)), // const-string/jumbo 31c
            0x1c => op(2, Some(RefKind::Type)), // const-class 21c
            0x1d | 0x1e => op(1, None), // monitor-enter/exit 11x
            0x1f => op(2, Some(RefKind::Type)), // check-cast 21c
            0x20 => op(2, Some(RefKind::Type)), // instance-of 22c
            0x21 => op(1, None),        // array-length 12x
            0x22 => op(2, Some(RefKind::Type)), // new-instance 21c
            0x23 => op(2, Some(RefKind::Type)), // new-array 22c
            0x24 => op(3, Some(RefKind::Type)), // filled-new-array 35c
            0x25 => op(3, Some(RefKind::Type)), // filled-new-array/range 3rc
            0x26 => op(3, None),        // fill-array-data 31t
            0x27 => op(1, None),        // throw 11x
            0x28 => op(1, None),        // goto 10t
            0x29 => op(2, None),        // goto/16 20t
            0x2a => op(3, None),        // goto/32 30t
            0x2b | 0x2c => op(3, None), // packed-switch, sparse-switch 31t
            0x2d..=0x31 => op(2, None), // cmp* 23x
            0x32..=0x37 => op(2, None), // if-test 22t
            0x38..=0x3d => op(2, None), // if-testz 21t
            0x3e..=0x43 => op(0, None), // unused
            0x44..=0x51 => op(2, None), // aget*/aput* 23x
            0x52..=0x5f => op(2, Some(RefKind::Field)), // iget*/iput* 22c
            0x60..=0x6d => op(2, Some(RefKind::Field)), // sget*/sput* 21c
            0x6e..=0x72 => op(3, Some(RefKind::Method)), // invoke-kind 35c
            0x73 => op(0, None),        // unused
            0x74..=0x78 => op(3, Some(RefKind::Method)), // invoke-kind/range 3rc
            0x79 | 0x7a => op(0, None), // unused
            0x7b..=0x8f => op(1, None), // unop 12x
            0x90..=0xaf => op(2, None), // binop 23x
            0xb0..=0xcf => op(1, None), // binop/2addr 12x
            0xd0..=0xd7 => op(2, None), // binop/lit16 22s
            0xd8..=0xe2 => op(2, None), // binop/lit8 22b
            0xe3..=0xf9 => op(0, None), // unused
            0xfa => op(4, Some(RefKind::Method)), // invoke-polymorphic 45cc
            0xfb => op(4, Some(RefKind::Method)), // invoke-polymorphic/range 4rcc
            0xfc => op(3, Some(RefKind::CallSite)), // invoke-custom 35c
            0xfd => op(3, Some(RefKind::CallSite)), // invoke-custom/range 3rc
            0xfe => op(2, Some(RefKind::MethodHandle)), // const-method-handle 21c
            0xff => op(2, Some(RefKind::Proto)), // const-method-type 21c
        };
        i += 1;
    }
    t
}

/// Width in code units of opcode `op` (not a payload), or `None` for unused opcodes.
pub fn opcode_width(op: u8) -> Option<u32> {
    match OPS[op as usize].units {
        0 => None,
        n => Some(n as u32),
    }
}

#[inline]
fn unit(insns: &[u8], u: usize) -> Option<u16> {
    let b = insns.get(u * 2..u * 2 + 2)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// Width in code units of the payload pseudo-instruction whose ident is `ident`, starting
/// at unit `pc`. `Ok(None)` if `ident` is not a payload (a plain nop).
fn payload_units(insns: &[u8], pc: usize, ident: u16, at: u64) -> Result<Option<u64>> {
    let need = |k: usize| {
        unit(insns, pc + k).ok_or_else(|| err(at, "payload header runs past end of insns"))
    };
    let units = match ident {
        // packed-switch-payload: ident, size, first_key (2 units), targets (2 × size)
        0x0100 => 4 + 2 * need(1)? as u64,
        // sparse-switch-payload: ident, size, keys (2 × size), targets (2 × size)
        0x0200 => 2 + 4 * need(1)? as u64,
        // fill-array-data-payload: ident, element_width, size (u32), data (width × size
        // bytes, padded to a whole code unit)
        0x0300 => {
            let width = need(1)? as u64;
            let size = need(2)? as u64 | (need(3)? as u64) << 16;
            4 + (width * size).div_ceil(2)
        }
        _ => return Ok(None),
    };
    Ok(Some(units))
}

/// Walk the instructions of `code`, calling `f` for every constant-pool reference.
///
/// Each instruction's width comes from its format; payload pseudo-instructions
/// (`0x0100` packed-switch, `0x0200` sparse-switch, `0x0300` fill-array-data) are skipped
/// with their computed sizes and report nothing. invoke-polymorphic(/range) reports its
/// method index as [`RefKind::Method`] and then its proto index as [`RefKind::Proto`] at
/// the same `pc`.
///
/// Errors (offset = absolute file offset of the offending instruction): an unused opcode
/// (0x3e–0x43, 0x73, 0x79–0x7a, 0xe3–0xf9; ART's verifier rejects such a method) or an
/// instruction or payload that runs past the end of `insns`. References before the error
/// have already been reported to `f`. Never allocates.
pub fn walk_refs(code: &CodeItem<'_>, mut f: impl FnMut(InsnRef)) -> Result<(), ParseError> {
    let insns = code.insns;
    let n = insns.len() / 2;
    let mut pc = 0usize;
    while pc < n {
        let b = pc * 2;
        let (opcode, hi) = match insns.get(b..b + 2) {
            Some(&[lo, hi]) => (lo, hi),
            _ => break,
        };
        let at = code.pc_offset(pc as u32);
        let info = OPS[opcode as usize];
        let units = if opcode == 0 && hi != 0 {
            payload_units(insns, pc, u16::from_le_bytes([opcode, hi]), at)?.unwrap_or(1)
        } else if info.units == 0 {
            return Err(err(at, format!("unused opcode {opcode:#04x}")));
        } else {
            info.units as u64
        };
        let end = pc as u64 + units;
        if end > n as u64 {
            return Err(err(
                at,
                format!(
                    "instruction {opcode:#04x} at pc {pc:#x} ({units} units) runs past end of insns ({n} units)"
                ),
            ));
        }
        if let Some(kind) = info.kind {
            if opcode != 0 {
                // In bounds: the instruction (≥ 2 units for every referencing format) fits.
                let lo = unit(insns, pc + 1).unwrap_or(0) as u32;
                let index = if opcode == 0x1b {
                    lo | (unit(insns, pc + 2).unwrap_or(0) as u32) << 16
                } else {
                    lo
                };
                f(InsnRef {
                    pc: pc as u32,
                    opcode,
                    kind,
                    index,
                });
                if opcode == 0xfa || opcode == 0xfb {
                    f(InsnRef {
                        pc: pc as u32,
                        opcode,
                        kind: RefKind::Proto,
                        index: unit(insns, pc + 3).unwrap_or(0) as u32,
                    });
                }
            }
        }
        // end ≤ n, so it fits in usize.
        pc = end as usize;
    }
    Ok(())
}

/// Counts returned by [`Dex::for_each_method_code`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeWalkSummary {
    /// Class defs visited.
    pub classes: u32,
    /// Methods with a `code_off` visited (including those whose code item was bad).
    pub methods: u32,
    /// Class-level errors (bad class def or `class_data_item`); those classes were skipped.
    pub class_errors: Vec<ParseError>,
}

impl<'a> Dex<'a> {
    /// The `code_item` at file offset `off`.
    ///
    /// Checks that the 16-byte header and `insns_size` code units lie inside the file.
    /// Try items and handlers are not decoded. Alignment is not enforced.
    pub fn code_item(&self, off: u32) -> Result<CodeItem<'a>> {
        let data = self.data();
        let o = off as usize;
        if off == 0 || o.checked_add(CODE_HEADER).map_or(true, |e| e > data.len()) {
            return Err(err(off, "code_item header outside file"));
        }
        let insns_size = u32_at(data, o + 12)?;
        let start = o + CODE_HEADER;
        let insns = (insns_size as u64)
            .checked_mul(2)
            .and_then(|l| (start as u64).checked_add(l))
            .filter(|&e| e <= data.len() as u64)
            .and_then(|e| data.get(start..e as usize))
            .ok_or_else(|| {
                err(
                    o + 12,
                    format!("code_item insns ({insns_size} units) run past end of file"),
                )
            })?;
        Ok(CodeItem {
            offset: off,
            registers_size: u16_at(data, o)?,
            ins_size: u16_at(data, o + 2)?,
            outs_size: u16_at(data, o + 4)?,
            tries_size: u16_at(data, o + 6)?,
            debug_info_off: u32_at(data, o + 8)?,
            insns,
        })
    }

    /// Visit every method that has code (`code_off != 0`), direct methods then virtual
    /// methods, class by class in class-def order.
    ///
    /// `f` gets the class def, the method entry and its code item (or the error reading
    /// it). A class whose def or `class_data_item` is malformed is skipped and its error
    /// recorded in the summary; the walk continues with the next class.
    pub fn for_each_method_code(
        &self,
        mut f: impl FnMut(&ClassDef, &EncodedMethod, Result<CodeItem<'a>>),
    ) -> CodeWalkSummary {
        let mut s = CodeWalkSummary::default();
        for def in self.class_defs() {
            s.classes += 1;
            let def = match def {
                Ok(d) => d,
                Err(e) => {
                    s.class_errors.push(e);
                    continue;
                }
            };
            let cd = match self.class_data(&def) {
                Ok(cd) => cd,
                Err(e) => {
                    s.class_errors.push(e);
                    continue;
                }
            };
            for m in cd.direct_methods.iter().chain(cd.virtual_methods.iter()) {
                if m.code_off == 0 {
                    continue;
                }
                s.methods += 1;
                f(&def, m, self.code_item(m.code_off));
            }
        }
        s
    }

    /// Method `idx` as dexdump prints invoke targets: `Lpkg/Cls;.name:(sig)ret`.
    pub fn method_dexdump_name(&self, idx: u32) -> Result<String> {
        let m = self.method_id(idx)?;
        Ok(format!(
            "{}.{}:{}",
            self.type_name(m.class_idx as u32)?,
            self.string(m.name_idx)?,
            self.proto_signature(m.proto_idx as u32)?
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(units: &[u16]) -> Vec<u8> {
        units.iter().flat_map(|u| u.to_le_bytes()).collect()
    }

    fn walk(units: &[u16]) -> (Vec<InsnRef>, Result<()>) {
        let bytes = code(units);
        let c = CodeItem {
            offset: 0x100,
            registers_size: 1,
            ins_size: 0,
            outs_size: 0,
            tries_size: 0,
            debug_info_off: 0,
            insns: &bytes,
        };
        let mut v = Vec::new();
        let r = walk_refs(&c, |r| v.push(r));
        (v, r)
    }

    #[test]
    fn widths_cover_every_used_opcode() {
        let unused: Vec<u8> = (0..=255u8).filter(|&o| opcode_width(o).is_none()).collect();
        let expect: Vec<u8> = (0x3e..=0x43)
            .chain([0x73, 0x79, 0x7a])
            .chain(0xe3..=0xf9)
            .collect();
        assert_eq!(unused, expect);
        assert_eq!(opcode_width(0x18), Some(5));
        assert_eq!(opcode_width(0xfa), Some(4));
        assert_eq!(opcode_width(0x1b), Some(3));
    }

    #[test]
    fn payloads_are_skipped_and_refs_found() {
        // const-string v0, string@7; packed-switch payload (size 2); const-string/jumbo
        // v0, string@0x12345; sparse payload (size 1); fill-array-data payload (width 1,
        // 3 bytes → 2 units); invoke-polymorphic method@5 proto@9; return-void
        let units = [
            0x001a, 7, 0x0100, 2, 0, 0, 1, 0, 2, 0, 0x001b, 0x2345, 0x0001, 0x0200, 1, 0, 0, 0, 0,
            0x0300, 1, 3, 0, 0x0201, 0x0003, 0x10fa, 5, 0, 9, 0x000e,
        ];
        let (v, r) = walk(&units);
        r.unwrap();
        let got: Vec<(u32, RefKind, u32)> = v.iter().map(|r| (r.pc, r.kind, r.index)).collect();
        assert_eq!(
            got,
            vec![
                (0, RefKind::String, 7),
                (10, RefKind::String, 0x12345),
                (25, RefKind::Method, 5),
                (25, RefKind::Proto, 9),
            ]
        );
    }

    #[test]
    fn truncation_and_unused_are_errors() {
        // invoke-static cut short
        let (v, r) = walk(&[0x001a, 1, 0x1071, 3]);
        assert_eq!(v.len(), 1);
        assert_eq!(r.unwrap_err().offset, 0x100 + 16 + 4);
        // packed-switch payload claiming 0xffff entries
        assert!(walk(&[0x0100, 0xffff, 0, 0]).1.is_err());
        // fill-array-data with header cut
        assert!(walk(&[0x0300, 4]).1.is_err());
        // unused opcode
        assert!(walk(&[0x003e]).1.unwrap_err().reason.contains("unused"));
        // nop with a non-payload high byte is a plain nop
        assert!(walk(&[0x0500, 0x000e]).1.is_ok());
    }
}
