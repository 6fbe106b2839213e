//! aapt2's protocol-buffer XML (`base/manifest/AndroidManifest.xml` inside `.aab`),
//! decoded with hand-written prost messages mirroring AOSP
//! `frameworks/base/tools/aapt2/Resources.proto` (field numbers kept exactly), then
//! converted to [`crate::formats::xml::Element`]. prost bounds nesting (recursion limit 100) and
//! every length by the input.

use crate::error::{Format, ParseError};
use crate::formats::xml::{Attribute, Element, Value};

/// `aapt.pb.SourcePosition`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SourcePosition {
    /// Line number.
    #[prost(uint32, tag = "1")]
    pub line_number: u32,
    /// Column number.
    #[prost(uint32, tag = "2")]
    pub column_number: u32,
}

/// `aapt.pb.XmlNode`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct XmlNode {
    /// Element or text.
    #[prost(oneof = "xml_node::Node", tags = "1, 2")]
    pub node: Option<xml_node::Node>,
    /// Source position.
    #[prost(message, optional, tag = "3")]
    pub source: Option<SourcePosition>,
}

/// Oneof of [`XmlNode`].
pub mod xml_node {
    /// Element or text.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Node {
        /// Element.
        #[prost(message, tag = "1")]
        Element(super::XmlElement),
        /// Text.
        #[prost(string, tag = "2")]
        Text(String),
    }
}

/// `aapt.pb.XmlElement`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct XmlElement {
    /// Namespace declarations.
    #[prost(message, repeated, tag = "1")]
    pub namespace_declaration: Vec<XmlNamespace>,
    /// Namespace URI.
    #[prost(string, tag = "2")]
    pub namespace_uri: String,
    /// Name.
    #[prost(string, tag = "3")]
    pub name: String,
    /// Attributes.
    #[prost(message, repeated, tag = "4")]
    pub attribute: Vec<XmlAttribute>,
    /// Children.
    #[prost(message, repeated, tag = "5")]
    pub child: Vec<XmlNode>,
}

/// `aapt.pb.XmlNamespace`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct XmlNamespace {
    /// Prefix.
    #[prost(string, tag = "1")]
    pub prefix: String,
    /// URI.
    #[prost(string, tag = "2")]
    pub uri: String,
}

/// `aapt.pb.XmlAttribute`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct XmlAttribute {
    /// Namespace URI.
    #[prost(string, tag = "1")]
    pub namespace_uri: String,
    /// Name.
    #[prost(string, tag = "2")]
    pub name: String,
    /// Raw string value.
    #[prost(string, tag = "3")]
    pub value: String,
    /// Resource id of the attribute (0 if none).
    #[prost(uint32, tag = "5")]
    pub resource_id: u32,
    /// Compiled value.
    #[prost(message, optional, tag = "6")]
    pub compiled_item: Option<Item>,
}

/// `aapt.pb.Item` (only the variants a manifest needs are decoded).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Item {
    /// Reference (`ref`, tag 1).
    #[prost(message, optional, tag = "1")]
    pub reference: Option<Reference>,
    /// String (tag 2).
    #[prost(message, optional, tag = "2")]
    pub str: Option<PbString>,
    /// Raw string (tag 3).
    #[prost(message, optional, tag = "3")]
    pub raw_str: Option<PbString>,
    /// Primitive (tag 7).
    #[prost(message, optional, tag = "7")]
    pub prim: Option<Primitive>,
}

/// `aapt.pb.Reference`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Reference {
    /// 0 = REFERENCE, 1 = ATTRIBUTE.
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    /// Resource id.
    #[prost(uint32, tag = "2")]
    pub id: u32,
    /// Name.
    #[prost(string, tag = "3")]
    pub name: String,
}

/// `aapt.pb.String` / `aapt.pb.RawString`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PbString {
    /// Value.
    #[prost(string, tag = "1")]
    pub value: String,
}

/// `aapt.pb.Primitive`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Primitive {
    /// Value.
    #[prost(
        oneof = "primitive::Value",
        tags = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14"
    )]
    pub value: Option<primitive::Value>,
}

/// Oneof of [`Primitive`].
pub mod primitive {
    /// Empty message (NullType / EmptyType).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Unit {}
    /// Primitive value.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Value {
        /// Null.
        #[prost(message, tag = "1")]
        Null(Unit),
        /// Empty.
        #[prost(message, tag = "2")]
        Empty(Unit),
        /// Float.
        #[prost(float, tag = "3")]
        Float(f32),
        /// Deprecated float dimension.
        #[prost(float, tag = "4")]
        DimensionDeprecated(f32),
        /// Deprecated float fraction.
        #[prost(float, tag = "5")]
        FractionDeprecated(f32),
        /// Decimal int.
        #[prost(int32, tag = "6")]
        IntDecimal(i32),
        /// Hex int.
        #[prost(uint32, tag = "7")]
        IntHexadecimal(u32),
        /// Boolean.
        #[prost(bool, tag = "8")]
        Boolean(bool),
        /// Color ARGB8.
        #[prost(uint32, tag = "9")]
        ColorArgb8(u32),
        /// Color RGB8.
        #[prost(uint32, tag = "10")]
        ColorRgb8(u32),
        /// Color ARGB4.
        #[prost(uint32, tag = "11")]
        ColorArgb4(u32),
        /// Color RGB4.
        #[prost(uint32, tag = "12")]
        ColorRgb4(u32),
        /// Dimension (complex).
        #[prost(uint32, tag = "13")]
        Dimension(u32),
        /// Fraction (complex).
        #[prost(uint32, tag = "14")]
        Fraction(u32),
    }
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn value_of(a: &XmlAttribute) -> Value {
    use primitive::Value as P;
    let Some(item) = &a.compiled_item else {
        return Value::String(a.value.clone());
    };
    if let Some(r) = &item.reference {
        return if r.r#type == 1 {
            Value::Attribute(r.id)
        } else {
            Value::Reference(r.id)
        };
    }
    if let Some(s) = item.str.as_ref().or(item.raw_str.as_ref()) {
        return Value::String(s.value.clone());
    }
    match item.prim.as_ref().and_then(|p| p.value.as_ref()) {
        Some(P::Null(_)) | Some(P::Empty(_)) => Value::Null,
        Some(P::Float(f)) => Value::Float(*f),
        Some(P::DimensionDeprecated(f)) | Some(P::FractionDeprecated(f)) => Value::Float(*f),
        Some(P::IntDecimal(i)) => Value::Int(*i),
        Some(P::IntHexadecimal(h)) => Value::Hex(*h),
        Some(P::Boolean(b)) => Value::Bool(*b),
        Some(P::ColorArgb8(c))
        | Some(P::ColorRgb8(c))
        | Some(P::ColorArgb4(c))
        | Some(P::ColorRgb4(c)) => Value::Color(*c),
        Some(P::Dimension(d)) => Value::Dimension(*d),
        Some(P::Fraction(d)) => Value::Fraction(*d),
        None => Value::String(a.value.clone()),
    }
}

fn convert(e: &XmlElement, line: Option<u32>) -> Element {
    let mut out = Element {
        namespace: opt(&e.namespace_uri),
        name: e.name.clone(),
        namespace_decls: e
            .namespace_declaration
            .iter()
            .map(|n| (n.prefix.clone(), n.uri.clone()))
            .collect(),
        line,
        ..Default::default()
    };
    for a in &e.attribute {
        out.attributes.push(Attribute {
            namespace: opt(&a.namespace_uri),
            name: a.name.clone(),
            resource_id: (a.resource_id != 0).then_some(a.resource_id),
            value: value_of(a),
            resolved: None,
        });
    }
    for c in &e.child {
        match &c.node {
            Some(xml_node::Node::Element(ce)) => out
                .children
                .push(convert(ce, c.source.as_ref().map(|s| s.line_number))),
            Some(xml_node::Node::Text(t)) if !t.trim().is_empty() => {
                out.text.get_or_insert_with(String::new).push_str(t)
            }
            _ => {}
        }
    }
    out
}

/// Decode a protobuf `XmlNode` (aapt2 proto format) into an element tree.
pub fn parse_proto_xml(data: &[u8]) -> Result<Element, ParseError> {
    use prost::Message;
    let node =
        XmlNode::decode(data).map_err(|e| ParseError::new(Format::Proto, 0, e.to_string()))?;
    match &node.node {
        Some(xml_node::Node::Element(e)) => {
            Ok(convert(e, node.source.as_ref().map(|s| s.line_number)))
        }
        _ => Err(ParseError::new(
            Format::Proto,
            0,
            "root XmlNode is not an element",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn roundtrip_built_message() {
        let attr = |name: &str, id: u32, prim: primitive::Value| XmlAttribute {
            namespace_uri: crate::formats::xml::ANDROID_NS.into(),
            name: name.into(),
            value: String::new(),
            resource_id: id,
            compiled_item: Some(Item {
                prim: Some(Primitive { value: Some(prim) }),
                ..Default::default()
            }),
        };
        let child = XmlNode {
            node: Some(xml_node::Node::Element(XmlElement {
                name: "uses-sdk".into(),
                attribute: vec![attr(
                    "minSdkVersion",
                    0x0101020c,
                    primitive::Value::IntDecimal(21),
                )],
                ..Default::default()
            })),
            source: Some(SourcePosition {
                line_number: 7,
                column_number: 1,
            }),
        };
        let root = XmlNode {
            node: Some(xml_node::Node::Element(XmlElement {
                name: "manifest".into(),
                attribute: vec![
                    XmlAttribute {
                        name: "package".into(),
                        value: "a.b".into(),
                        ..Default::default()
                    },
                    attr("debuggable", 0x0101000f, primitive::Value::Boolean(true)),
                ],
                child: vec![child],
                ..Default::default()
            })),
            source: None,
        };
        let bytes = root.encode_to_vec();
        let el = parse_proto_xml(&bytes).unwrap();
        assert_eq!(el.plain_attr("package").unwrap().text(), "a.b");
        assert_eq!(
            el.android_attr("debuggable").unwrap().value,
            Value::Bool(true)
        );
        let sdk = el.children_named("uses-sdk").next().unwrap();
        assert_eq!(sdk.line, Some(7));
        assert_eq!(
            sdk.android_attr("minSdkVersion").unwrap().value,
            Value::Int(21)
        );
        assert!(parse_proto_xml(&bytes[..bytes.len() - 3]).is_err());
    }
}
