//! JSON outputs that are not a type's own serde form, each with a `schema_version`: the
//! decoded manifest (`manifest --format json`) and the signature list (`signatures
//! --format json`). docs/scan-json.md lists every JSON output and its version.

use crate::formats::xml::{Element, ANDROID_NS};
use serde_json::{json, Map, Value};

/// Version of the `manifest --format json` layout.
pub const MANIFEST_SCHEMA_VERSION: u32 = 1;
/// Version of the `signatures --format json` layout.
pub const SIGNATURES_SCHEMA_VERSION: u32 = 1;

/// One element as `{element, attributes: [{name, value}], children, text?}`; attribute
/// names carry the `android:` prefix, values are as the text XML writes them.
fn element(el: &Element) -> Value {
    let attrs: Vec<Value> = el
        .attributes
        .iter()
        .map(|a| {
            let name = match a.namespace.as_deref() {
                Some(ANDROID_NS) => format!("android:{}", a.name),
                _ => a.name.clone(),
            };
            json!({"name": name, "value": a.text()})
        })
        .collect();
    let mut m = Map::new();
    m.insert("element".into(), Value::String(el.name.clone()));
    m.insert("attributes".into(), Value::Array(attrs));
    if let Some(t) = &el.text {
        m.insert("text".into(), Value::String(t.clone()));
    }
    // the parsers cap nesting at 256 levels, so this recursion is bounded
    m.insert(
        "children".into(),
        Value::Array(el.children.iter().map(element).collect()),
    );
    Value::Object(m)
}

/// `manifest --format json`: `{schema_version, file, manifest}`.
pub fn manifest_json(file: &str, root: &Element) -> Value {
    json!({
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "file": file,
        "manifest": element(root),
    })
}

/// `signatures --format json`: `{schema_version, count, signatures: [...]}`.
pub fn signatures_json(sigs: &[crate::knowledge::signatures::Signature]) -> Value {
    json!({
        "schema_version": SIGNATURES_SCHEMA_VERSION,
        "count": sigs.len(),
        "signatures": sigs,
    })
}
