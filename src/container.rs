//! Container kinds beyond a plain APK: Android App Bundles (`.aab`), SDK artefacts
//! (`.aar`, `.jar`) and split-APK sets (`.apks`, `.xapk`, `.apkm`), detected by content.

use crate::error::{Format, ParseError};
use crate::formats::xml::{Attribute, Element, Value};
use crate::formats::zip::Archive;

/// What a ZIP container holds, decided from its entries (not its file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipKind {
    /// A plain APK: binary `AndroidManifest.xml` at the root.
    Apk,
    /// An Android App Bundle: `base/manifest/AndroidManifest.xml` (protobuf XML).
    Aab,
    /// An Android library: text `AndroidManifest.xml` and `classes.jar`.
    Aar,
    /// A Java archive: `.class` entries (possibly a `classes.dex`).
    Jar,
    /// A set of split APKs (`.apks`, `.xapk`, `.apkm`): nested `.apk` entries.
    SplitSet,
    /// None of the above.
    Unknown,
}

/// Decide the kind of a ZIP container from its entries.
pub fn detect(archive: &Archive<'_>) -> ZipKind {
    let has = |n: &str| archive.find(n).is_some();
    if has("base/manifest/AndroidManifest.xml") {
        return ZipKind::Aab;
    }
    if has("AndroidManifest.xml") {
        let text = archive
            .read_name("AndroidManifest.xml")
            .and_then(|r| r.ok())
            .is_some_and(|b| is_text_xml(&b));
        return if text { ZipKind::Aar } else { ZipKind::Apk };
    }
    let entries = archive.entries();
    if entries.iter().any(|e| e.name.ends_with(".apk")) {
        return ZipKind::SplitSet;
    }
    if entries.iter().any(|e| e.name.ends_with(".class")) || has("classes.dex") {
        return ZipKind::Jar;
    }
    ZipKind::Unknown
}

/// Text XML starts (after an optional BOM and whitespace) with `<`; binary XML with a
/// little-endian chunk type.
pub fn is_text_xml(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b);
    b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'<')
}

/// Parse a text XML document (an AAR's manifest) into an element tree.
pub fn parse_text_xml(data: &[u8]) -> Result<Element, ParseError> {
    use quick_xml::events::Event;
    use quick_xml::Reader;
    let mut reader = Reader::from_reader(data);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<Element> = Vec::new();
    let mut decls: Vec<(String, String)> = Vec::new();
    let mut root: Option<Element> = None;
    let mut buf = Vec::new();
    loop {
        let pos = reader.buffer_position();
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| ParseError::new(Format::Xml, pos, e.to_string()))?;
        let empty = matches!(ev, Event::Empty(_));
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if stack.len() > 256 {
                    return Err(ParseError::new(
                        Format::Xml,
                        pos,
                        "nesting deeper than 256 levels",
                    ));
                }
                let qname = e.name().as_ref().to_string();
                let mut attrs = Vec::new();
                let mut own_decls = Vec::new();
                for a in e.attributes().flatten() {
                    let key = a.key.as_ref().to_string();
                    let value = a.value.to_string();
                    let value = unescape(&value);
                    if key == "xmlns" || key.starts_with("xmlns:") {
                        let prefix = key.strip_prefix("xmlns:").unwrap_or("").to_string();
                        own_decls.push((prefix, value));
                    } else {
                        attrs.push((key, value));
                    }
                }
                decls.extend(own_decls.iter().cloned());
                let ns_of = |q: &str| -> (Option<String>, String) {
                    match q.split_once(':') {
                        Some((p, l)) => {
                            let uri = decls
                                .iter()
                                .rev()
                                .find(|(pp, _)| pp == p)
                                .map(|(_, u)| u.clone());
                            (uri.or(Some(p.to_string())), l.to_string())
                        }
                        None => (None, q.to_string()),
                    }
                };
                let (namespace, name) = ns_of(&qname);
                let mut el = Element {
                    namespace,
                    name,
                    namespace_decls: own_decls,
                    ..Default::default()
                };
                for (k, v) in attrs {
                    let (namespace, name) = ns_of(&k);
                    el.attributes.push(Attribute {
                        namespace,
                        name,
                        resource_id: None,
                        value: Value::String(v),
                        resolved: None,
                    });
                }
                if empty {
                    match stack.last_mut() {
                        Some(p) => p.children.push(el),
                        None => root = root.or(Some(el)),
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                if let Some(el) = stack.pop() {
                    match stack.last_mut() {
                        Some(p) => p.children.push(el),
                        None => root = root.or(Some(el)),
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    root.ok_or_else(|| ParseError::new(Format::Xml, 0, "no element in XML document"))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}
