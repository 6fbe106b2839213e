//! ProGuard / R8 mapping files (`mapping.txt`, the `.aab`'s
//! `BUNDLE-METADATA/com.android.tools.build.obfuscation/proguard.map`): the class lines
//! `original.Name -> obfuscated.Name:`. Member lines (indented) and comments are skipped.
//!
//! The parse is one pass over the text, linear in its size; nothing is allocated by a
//! count read from the input.

use crate::error::{Format, ParseError};
use std::collections::HashMap;

/// Obfuscated class name → original class name (both dotted).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClassMap {
    map: HashMap<String, String>,
}

impl ClassMap {
    /// Parse a mapping file. A class line that is not `a -> b:` is an error with its
    /// byte offset; so is a file with no class line at all.
    pub fn parse(text: &[u8]) -> Result<ClassMap, ParseError> {
        let text = std::str::from_utf8(text)
            .map_err(|e| ParseError::new(Format::Mapping, e.valid_up_to(), "not UTF-8 text"))?;
        let mut map = HashMap::new();
        let mut offset = 0usize;
        for raw in text.split_inclusive('\n') {
            let at = offset;
            offset += raw.len();
            let line = raw.trim_end_matches(['\n', '\r']);
            if line.is_empty()
                || line.starts_with('#')
                || line.starts_with(' ')
                || line.starts_with('\t')
            {
                continue;
            }
            let (orig, obf) = line
                .strip_suffix(':')
                .and_then(|l| l.split_once(" -> "))
                .ok_or_else(|| {
                    ParseError::new(
                        Format::Mapping,
                        at,
                        "class line is not `original -> obfuscated:`",
                    )
                })?;
            let (orig, obf) = (orig.trim(), obf.trim());
            if !is_class_name(orig) || !is_class_name(obf) {
                return Err(ParseError::new(
                    Format::Mapping,
                    at,
                    "class line names something that is not a Java class name",
                ));
            }
            map.insert(obf.to_string(), orig.to_string());
        }
        if map.is_empty() {
            return Err(ParseError::new(Format::Mapping, 0, "no class line"));
        }
        Ok(ClassMap { map })
    }

    /// The original name of an obfuscated class, when the mapping names it.
    pub fn original<'s>(&'s self, obfuscated: &str) -> Option<&'s str> {
        self.map.get(obfuscated).map(String::as_str)
    }

    /// Number of classes mapped.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the mapping names no class.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Obfuscated names, in no particular order.
    pub fn obfuscated_names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }
}

/// A dotted Java binary name: identifier parts separated by dots (`$` allowed).
fn is_class_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_lines_are_read_and_members_skipped() {
        let m = ClassMap::parse(
            b"# compiler: R8\nandroidx.appcompat.app.TwilightManager -> k.b.c.w:\n    int a -> a\n    1:2:void b() -> b\ncom.x.Y -> com.x.Y:\n",
        )
        .unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(
            m.original("k.b.c.w"),
            Some("androidx.appcompat.app.TwilightManager")
        );
        assert_eq!(m.original("a.b"), None);
    }

    #[test]
    fn malformed_lines_are_errors_with_offsets() {
        let e = ClassMap::parse(b"a.B -> c:\nnot a mapping line\n").unwrap_err();
        assert_eq!(e.offset, 10);
        assert!(ClassMap::parse(b"").is_err());
        assert!(ClassMap::parse(b"# only a comment\n").is_err());
        assert!(ClassMap::parse(b"a b -> c:\n").is_err());
        assert!(ClassMap::parse(&[0xff, 0xfe]).is_err());
    }
}
