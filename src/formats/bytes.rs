//! Byte-level helpers shared by every decoder: bounds-checked little-endian reads, hex, and
//! the one MUTF-8 decoder (dex strings and JVM class-file constants).

use std::borrow::Cow;

/// `d[o]`, or `None` past the end.
pub fn u8_at(d: &[u8], o: usize) -> Option<u8> {
    d.get(o).copied()
}

/// Little-endian `u16` at `o`, or `None` when it does not fit.
pub fn u16_at(d: &[u8], o: usize) -> Option<u16> {
    let b = d.get(o..o.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// Little-endian `u32` at `o`, or `None` when it does not fit.
pub fn u32_at(d: &[u8], o: usize) -> Option<u32> {
    let b = d.get(o..o.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Little-endian `u64` at `o`, or `None` when it does not fit.
pub fn u64_at(d: &[u8], o: usize) -> Option<u64> {
    let b = d.get(o..o.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Decode MUTF-8 (modified UTF-8 with CESU-style surrogate pairs and `C0 80` for NUL).
/// Invalid sequences become U+FFFD; never panics. Borrows when the bytes are plain ASCII.
pub fn decode_mutf8(b: &[u8]) -> Cow<'_, str> {
    if b.is_ascii() {
        if let Ok(s) = std::str::from_utf8(b) {
            return Cow::Borrowed(s);
        }
    }
    // Decode to UTF-16 code units, then to a String (lossy for unpaired surrogates).
    let mut units: Vec<u16> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let cont = |k: usize| b.get(i + k).copied().filter(|x| x & 0xc0 == 0x80);
        if c < 0x80 {
            units.push(c as u16);
            i += 1;
        } else if c & 0xe0 == 0xc0 {
            match cont(1) {
                Some(c1) => {
                    units.push((((c & 0x1f) as u16) << 6) | (c1 & 0x3f) as u16);
                    i += 2;
                }
                None => {
                    units.push(0xfffd);
                    i += 1;
                }
            }
        } else if c & 0xf0 == 0xe0 {
            match (cont(1), cont(2)) {
                (Some(c1), Some(c2)) => {
                    units.push(
                        (((c & 0x0f) as u16) << 12)
                            | (((c1 & 0x3f) as u16) << 6)
                            | (c2 & 0x3f) as u16,
                    );
                    i += 3;
                }
                _ => {
                    units.push(0xfffd);
                    i += 1;
                }
            }
        } else {
            // 4-byte UTF-8 is not valid MUTF-8, but accept it leniently.
            if c & 0xf8 == 0xf0 {
                if let (Some(c1), Some(c2), Some(c3)) = (cont(1), cont(2), cont(3)) {
                    let cp = (((c & 0x07) as u32) << 18)
                        | (((c1 & 0x3f) as u32) << 12)
                        | (((c2 & 0x3f) as u32) << 6)
                        | (c3 & 0x3f) as u32;
                    let mut buf = [0u16; 2];
                    match char::from_u32(cp) {
                        Some(ch) => units.extend_from_slice(ch.encode_utf16(&mut buf)),
                        None => units.push(0xfffd),
                    }
                    i += 4;
                    continue;
                }
            }
            units.push(0xfffd);
            i += 1;
        }
    }
    Cow::Owned(String::from_utf16_lossy(&units))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounded() {
        let d = [1u8, 2, 3, 4, 5];
        assert_eq!(u16_at(&d, 0), Some(0x0201));
        assert_eq!(u32_at(&d, 1), Some(0x05040302));
        assert_eq!(u32_at(&d, 2), None);
        assert_eq!(u16_at(&d, usize::MAX), None);
        assert_eq!(u64_at(&d, 0), None);
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
    }

    #[test]
    fn mutf8_decoding() {
        assert_eq!(decode_mutf8(b"abc"), "abc");
        assert_eq!(decode_mutf8(&[0xc0, 0x80]), "\0");
        // U+1F600 as surrogate pair D83D DE00 in CESU-8
        assert_eq!(
            decode_mutf8(&[0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]),
            "\u{1F600}"
        );
        assert_eq!(decode_mutf8(&[0xc3, 0xa9]), "é");
        assert_eq!(decode_mutf8(&[0xff, b'a', 0xe0]), "\u{FFFD}a\u{FFFD}");
        assert_eq!(decode_mutf8(&[0xed, 0xa0, 0xbd]), "\u{FFFD}");
    }
}
