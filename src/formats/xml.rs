//! A small, format-neutral XML element tree.
//!
//! Binary XML (AXML), aapt2's protobuf XML (inside `.aab`) and text XML (inside `.aar`)
//! are all decoded into this tree, so the manifest model is built one way. The tree can
//! be written back as text XML with quick-xml.

use crate::error::{Format, ParseError};
use serde::Serialize;

/// The Android resource namespace URI.
pub const ANDROID_NS: &str = "http://schemas.android.com/apk/res/android";

/// A typed attribute value, as Android's `Res_value` carries it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    /// A string (raw string or TYPE_STRING).
    String(String),
    /// Decimal integer.
    Int(i32),
    /// Hexadecimal integer.
    Hex(u32),
    /// Boolean.
    Bool(bool),
    /// Reference to a resource id (`@0x7f040001`).
    Reference(u32),
    /// Reference to a theme attribute (`?0x01010000`).
    Attribute(u32),
    /// Dimension (complex unit encoding).
    Dimension(u32),
    /// Fraction (complex unit encoding).
    Fraction(u32),
    /// Color, ARGB.
    Color(u32),
    /// Float.
    Float(f32),
    /// Null / empty value.
    Null,
    /// Any other type: raw type byte and data.
    Other {
        /// Res_value data type.
        kind: u8,
        /// Raw 32-bit data.
        data: u32,
    },
}

impl Value {
    /// Decode a non-string `Res_value` (type byte, 32-bit data) as AXML and ARSC store it.
    /// Strings (type 0x03) need a string pool and are handled by the caller.
    pub fn from_res_value(kind: u8, data: u32) -> Value {
        match kind {
            0x00 => Value::Null,
            0x01 | 0x07 => Value::Reference(data),
            0x02 | 0x08 => Value::Attribute(data),
            0x04 => Value::Float(f32::from_bits(data)),
            0x05 => Value::Dimension(data),
            0x06 => Value::Fraction(data),
            0x10 => Value::Int(data as i32),
            0x11 => Value::Hex(data),
            0x12 => Value::Bool(data != 0),
            0x1c..=0x1f => Value::Color(data),
            k => Value::Other { kind: k, data },
        }
    }

    /// The value as Android's `aapt dump xmltree`-style text (`@0x7f..`, `true`, `12`, ...).
    pub fn to_text(&self) -> String {
        match self {
            Value::String(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Hex(h) => format!("0x{h:08x}"),
            Value::Bool(b) => b.to_string(),
            Value::Reference(r) => format!("@0x{r:08x}"),
            Value::Attribute(r) => format!("?0x{r:08x}"),
            Value::Dimension(d) => complex_to_text(*d, false),
            Value::Fraction(d) => complex_to_text(*d, true),
            Value::Color(c) => format!("#{c:08x}"),
            Value::Float(f) => f.to_string(),
            Value::Null => String::new(),
            Value::Other { kind, data } => format!("(type 0x{kind:02x})0x{data:x}"),
        }
    }

    /// The value as an integer, if it is one (Int, Hex, or a decimal string).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i as i64),
            Value::Hex(h) => Some(*h as i64),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value as a boolean, if it is one (Bool, or "true"/"false").
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(i) => Some(*i != 0),
            Value::String(s) => match s.trim() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Android "complex" dimension/fraction encoding to text.
fn complex_to_text(data: u32, fraction: bool) -> String {
    const RADIX_MULTS: [f32; 4] = [
        1.0 / (1u32 << 8) as f32,
        1.0 / (1u32 << 15) as f32,
        1.0 / (1u32 << 23) as f32,
        1.0 / (1u32 << 31) as f32,
    ];
    let radix = ((data >> 4) & 3) as usize;
    let value = ((data & 0xffff_ff00) as i32) as f32 * RADIX_MULTS[radix];
    let unit = data & 0xf;
    let suffix = if fraction {
        match unit {
            0 => "%",
            1 => "%p",
            _ => "",
        }
    } else {
        match unit {
            0 => "px",
            1 => "dp",
            2 => "sp",
            3 => "pt",
            4 => "in",
            5 => "mm",
            _ => "",
        }
    };
    let value = if fraction { value * 100.0 } else { value };
    format!("{value}{suffix}")
}

/// One attribute of an element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribute {
    /// Namespace URI, if any.
    pub namespace: Option<String>,
    /// Local name. For AXML this is resolved from the resource id when the name string
    /// is empty or does not match the id.
    pub name: String,
    /// Android attribute resource id (`0x0101xxxx`), when the format carries one.
    pub resource_id: Option<u32>,
    /// Typed value.
    pub value: Value,
    /// Value after resolving references through resources.arsc, when resolved.
    pub resolved: Option<String>,
}

impl Attribute {
    /// The value as text, preferring the resolved form.
    pub fn text(&self) -> String {
        self.resolved
            .clone()
            .unwrap_or_else(|| self.value.to_text())
    }
}

/// An element with its attributes and children.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Element {
    /// Namespace URI of the element name, if any.
    pub namespace: Option<String>,
    /// Local tag name.
    pub name: String,
    /// Namespace declarations made on this element: (prefix, uri).
    pub namespace_decls: Vec<(String, String)>,
    /// Attributes in document order.
    pub attributes: Vec<Attribute>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// Text content directly inside this element (rare in manifests).
    pub text: Option<String>,
    /// Source line number, when the format records one.
    pub line: Option<u32>,
}

impl Element {
    /// Find an attribute in the Android namespace (or with no namespace) by local name.
    pub fn android_attr(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name == name && a.namespace.as_deref().map_or(true, |ns| ns == ANDROID_NS))
            .or_else(|| self.attributes.iter().find(|a| a.name == name))
    }

    /// Find an attribute with no namespace by local name (e.g. `package`).
    pub fn plain_attr(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name == name && a.namespace.is_none())
            .or_else(|| self.attributes.iter().find(|a| a.name == name))
    }

    /// Child elements with the given tag name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Total number of elements in this subtree.
    pub fn count(&self) -> usize {
        1 + self.children.iter().map(Element::count).sum::<usize>()
    }
}

/// Write an element tree as indented text XML. Namespace prefixes are taken from the
/// declarations in the tree (`android` is assumed for the Android namespace).
pub fn to_text_xml(root: &Element) -> String {
    use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
    use quick_xml::Writer;

    let mut prefixes: Vec<(String, String)> = Vec::new();
    collect_decls(root, &mut prefixes);
    if !prefixes.iter().any(|(_, u)| u == ANDROID_NS) && uses_ns(root, ANDROID_NS) {
        prefixes.push(("android".into(), ANDROID_NS.into()));
    }
    let prefix_of = |uri: &str| -> Option<String> {
        prefixes
            .iter()
            .find(|(_, u)| u == uri)
            .map(|(p, _)| p.clone())
    };

    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));

    fn qname(
        ns: &Option<String>,
        name: &str,
        prefix_of: &dyn Fn(&str) -> Option<String>,
    ) -> String {
        let name = sanitize_name(name);
        match ns.as_deref().and_then(prefix_of) {
            Some(p) if !p.is_empty() => format!("{p}:{name}"),
            _ => name,
        }
    }

    fn write_el(
        w: &mut Writer<Vec<u8>>,
        el: &Element,
        is_root: bool,
        all_decls: &[(String, String)],
        prefix_of: &dyn Fn(&str) -> Option<String>,
    ) {
        let tag = qname(&el.namespace, &el.name, prefix_of);
        let mut start = BytesStart::new(tag.clone());
        let decls: Vec<(String, String)> = if is_root {
            all_decls.to_vec()
        } else {
            Vec::new()
        };
        for (p, u) in &decls {
            let key = if p.is_empty() {
                "xmlns".to_string()
            } else {
                format!("xmlns:{p}")
            };
            start.push_attribute((key.as_str(), u.as_str()));
        }
        let mut seen = std::collections::HashSet::new();
        for a in &el.attributes {
            let key = qname(&a.namespace, &a.name, prefix_of);
            if !seen.insert(key.clone()) {
                continue; // duplicate attributes would make invalid XML
            }
            let val = sanitize_text(&a.text());
            start.push_attribute((key.as_str(), val.as_str()));
        }
        if el.children.is_empty() && el.text.is_none() {
            let _ = w.write_event(Event::Empty(start));
            return;
        }
        let _ = w.write_event(Event::Start(start));
        if let Some(t) = &el.text {
            let _ = w.write_event(Event::Text(BytesText::new(&sanitize_text(t))));
        }
        for c in &el.children {
            write_el(w, c, false, all_decls, prefix_of);
        }
        let _ = w.write_event(Event::End(BytesEnd::new(tag)));
    }
    write_el(&mut w, root, true, &prefixes, &prefix_of);
    let mut s = String::from_utf8_lossy(&w.into_inner()).into_owned();
    s.push('\n');
    s
}

fn collect_decls(el: &Element, out: &mut Vec<(String, String)>) {
    for (p, u) in &el.namespace_decls {
        let p = sanitize_name(p);
        if !out.iter().any(|(pp, uu)| *pp == p || *uu == *u) {
            out.push((p, u.clone()));
        }
    }
    for c in &el.children {
        collect_decls(c, out);
    }
}

fn uses_ns(el: &Element, uri: &str) -> bool {
    el.attributes
        .iter()
        .any(|a| a.namespace.as_deref() == Some(uri))
        || el.children.iter().any(|c| uses_ns(c, uri))
}

/// Make a string usable as an XML name (hostile manifests carry names with spaces,
/// NULs and other junk).
fn sanitize_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
        out.insert(0, '_');
    }
    out
}

/// Drop characters that XML 1.0 forbids.
fn sanitize_text(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
        })
        .collect()
}

/// Parse a text XML document (an AAR's manifest) into an element tree.
///
/// Namespaces are resolved by quick-xml's `NsReader` (scoped bindings, default namespace,
/// attributes never in the default namespace) and values unescaped by quick-xml; a prefix
/// that is bound nowhere is kept as the namespace so the name is not lost.
pub fn parse_text_xml(data: &[u8]) -> Result<Element, ParseError> {
    use quick_xml::events::Event;
    use quick_xml::name::{PrefixDeclaration, ResolveResult};
    use quick_xml::reader::NsReader;
    use quick_xml::XmlVersion;

    fn namespace_of(r: ResolveResult<'_>) -> Option<String> {
        match r {
            ResolveResult::Bound(ns) => Some(ns.as_ref().to_string()),
            ResolveResult::Unknown(prefix) => Some(prefix),
            ResolveResult::Unbound => None,
        }
    }
    let mut reader = NsReader::from_reader(data);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<Element> = Vec::new();
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
                let (ns, local) = reader.resolver().resolve_element(e.name());
                let mut el = Element {
                    namespace: namespace_of(ns),
                    name: local.as_ref().to_string(),
                    ..Default::default()
                };
                for a in e.attributes().flatten() {
                    // entity references resolved and whitespace normalised by quick-xml as XML
                    // 1.0 says; a malformed reference keeps the raw text
                    let value = match a.normalized_value(XmlVersion::Implicit1_0) {
                        Ok(v) => v.into_owned(),
                        Err(_) => a.value.to_string(),
                    };
                    if let Some(binding) = a.key.as_namespace_binding() {
                        let prefix = match binding {
                            PrefixDeclaration::Default => String::new(),
                            PrefixDeclaration::Named(p) => p.to_string(),
                        };
                        el.namespace_decls.push((prefix, value));
                        continue;
                    }
                    let (ns, local) = reader.resolver().resolve_attribute(a.key);
                    el.attributes.push(Attribute {
                        namespace: namespace_of(ns),
                        name: local.as_ref().to_string(),
                        resource_id: None,
                        value: Value::String(value),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_xml_namespaces_are_scoped_and_resolved() {
        let doc =
            br#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="a.b">
  <application android:name="A">
    <activity xmlns:x="urn:x" x:k="1" android:exported="true"/>
    <service x:k="2" android:name="S&amp;T"/>
  </application>
</manifest>"#;
        let root = parse_text_xml(doc).unwrap();
        assert_eq!(root.name, "manifest");
        assert_eq!(root.namespace, None);
        assert_eq!(root.plain_attr("package").unwrap().text(), "a.b");
        let app = &root.children[0];
        assert_eq!(app.android_attr("name").unwrap().text(), "A");
        let act = &app.children[0];
        assert_eq!(act.attributes[0].namespace.as_deref(), Some("urn:x"));
        assert_eq!(act.android_attr("exported").unwrap().text(), "true");
        // `x` was bound on the sibling only: here it is an unknown prefix, kept as written
        let svc = &app.children[1];
        assert_eq!(svc.attributes[0].namespace.as_deref(), Some("x"));
        assert_eq!(svc.android_attr("name").unwrap().text(), "S&T");
    }

    #[test]
    fn text_xml_default_namespace_applies_to_elements_not_attributes() {
        let root = parse_text_xml(br#"<r xmlns="urn:d" a="1"><c/></r>"#).unwrap();
        assert_eq!(root.namespace.as_deref(), Some("urn:d"));
        assert_eq!(root.children[0].namespace.as_deref(), Some("urn:d"));
        assert_eq!(root.attributes[0].namespace, None);
        assert_eq!(
            root.namespace_decls,
            vec![(String::new(), "urn:d".to_string())]
        );
    }

    #[test]
    fn text_xml_errors_carry_offsets() {
        let e = parse_text_xml(b"<a><b></a>").unwrap_err();
        assert!(
            e.to_string().contains("xml") || e.to_string().contains("XML"),
            "{e}"
        );
        assert!(parse_text_xml(b"").is_err());
    }
}
