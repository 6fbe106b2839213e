//! Android binary XML (AXML) decoder, as used for `AndroidManifest.xml` inside APKs.
//!
//! Reads the chunk stream (string pool in UTF-8 or UTF-16, resource-id map, namespaces,
//! elements, attributes with typed values, text) into a [`crate::formats::xml::Element`] tree.
//! Like Android, attribute names are taken from the resource-id map whenever the id is a
//! known framework attribute: packers that blank, mask or garble the name string do not
//! change what Android reads. Lying chunk sizes, unknown chunks, unterminated strings and
//! a wrong first chunk become warnings; only a file that yields no element is an error.

use crate::error::{Format, ParseError};
use crate::formats::bytes::{u16_at, u32_at};
use crate::formats::res::chunk::{
    ChunkHeader, STRING_POOL as RES_STRING_POOL, XML as RES_XML, XML_CDATA,
    XML_END_ELEMENT as XML_END_EL, XML_END_NAMESPACE as XML_END_NS, XML_RESOURCE_MAP,
    XML_START_ELEMENT as XML_START_EL, XML_START_NAMESPACE as XML_START_NS,
};
use crate::formats::res::string_pool::{StringPool, NO_INDEX};
use crate::formats::res::value::{ResValue, TYPE_STRING};
use crate::formats::xml::{Attribute, Element, Value, ANDROID_NS};

/// Result of decoding: the root element and the oddities met on the way.
#[derive(Debug, Clone)]
pub struct Document {
    /// Root element (normally `<manifest>`).
    pub root: Element,
    /// Non-fatal problems (hostile tricks, lying sizes).
    pub warnings: Vec<String>,
}

/// Cap on elements, against files crafted to blow up memory.
const MAX_ELEMENTS: usize = 1_000_000;
/// Cap on nesting depth: deeper elements are attached to the deepest allowed level, so
/// recursive walks over the tree cannot overflow the stack.
const MAX_DEPTH: usize = 256;

fn err(offset: usize, reason: impl Into<String>) -> ParseError {
    ParseError::new(Format::Axml, offset, reason)
}

/// Does this buffer look like binary XML (as opposed to text XML or something else)?
pub fn looks_like_axml(data: &[u8]) -> bool {
    data.len() >= 8 && matches!(u16_at(data, 0), Some(0x0003 | 0x0000 | 0x0001)) && {
        // a string pool or resource chunk must follow soon
        matches!(
            u16_at(data, 8),
            Some(RES_STRING_POOL | XML_RESOURCE_MAP | XML_START_NS)
        )
    }
}

/// String `idx` of the pool, owned (the element tree holds owned strings).
fn pool_str(pool: &StringPool<'_>, idx: u32) -> Option<String> {
    pool.get(idx).map(std::borrow::Cow::into_owned)
}

/// Decode a binary XML document.
pub fn parse(data: &[u8]) -> Result<Document, ParseError> {
    let mut warnings = Vec::new();
    if data.len() < 8 {
        return Err(err(
            0,
            format!("{} bytes is too short for binary XML", data.len()),
        ));
    }
    let first = u16_at(data, 0).unwrap_or(0);
    if first != RES_XML {
        warnings.push(format!(
            "first chunk type is {first:#06x}, not RES_XML_TYPE (0x0003)"
        ));
    }
    let declared = u32_at(data, 4).unwrap_or(0) as usize;
    if declared != data.len() {
        warnings.push(format!(
            "header says {declared} bytes, file has {}",
            data.len()
        ));
    }
    let mut pool = StringPool::default();
    let mut pools_seen: Vec<StringPool<'_>> = Vec::new();
    let mut res_map: Vec<u32> = Vec::new();
    let mut ns_stack: Vec<(String, String)> = Vec::new();
    let mut pending_ns: Vec<(String, String)> = Vec::new();
    let mut stack: Vec<Element> = Vec::new();
    let mut roots: Vec<Element> = Vec::new();
    let mut elements = 0usize;
    let mut pos = 8usize;
    while pos + 8 <= data.len() {
        let Some(header) = ChunkHeader::read(data, pos) else {
            break;
        };
        let (ty, hsize, mut size) = (header.ty, header.header_size, header.size);
        if size < 8 {
            // zero-size nodes: fall back to the standard node sizes
            size = match ty {
                XML_START_NS | XML_END_NS | XML_END_EL => 24,
                XML_CDATA => 28,
                _ => {
                    warnings.push(format!("chunk at {pos:#x} has size {size}; stopped"));
                    break;
                }
            };
            warnings.push(format!(
                "chunk {ty:#06x} at {pos:#x} declares a size below 8"
            ));
        }
        let end = match pos.checked_add(size) {
            Some(e) if e <= data.len() => e,
            _ => {
                warnings.push(format!(
                    "chunk {ty:#06x} at {pos:#x} runs past the end; truncated"
                ));
                data.len()
            }
        };
        let chunk = &data[pos..end];
        match ty {
            RES_STRING_POOL => match StringPool::parse(chunk, pos, Format::Axml, &mut warnings) {
                Ok(p) => pools_seen.push(std::mem::replace(&mut pool, p)),
                Err(e) => warnings.push(e.to_string()),
            },
            XML_RESOURCE_MAP => {
                let h = if hsize >= 8 { hsize } else { 8 };
                if hsize != 8 {
                    warnings.push(format!("resource map at {pos:#x} has header size {hsize}"));
                }
                let n = chunk.len().saturating_sub(h) / 4;
                res_map = (0..n).filter_map(|i| u32_at(chunk, h + i * 4)).collect();
            }
            XML_START_NS => {
                let prefix = u32_at(chunk, 16)
                    .and_then(|i| pool_str(&pool, i))
                    .unwrap_or_default();
                let uri = u32_at(chunk, 20)
                    .and_then(|i| pool_str(&pool, i))
                    .unwrap_or_default();
                ns_stack.push((prefix.clone(), uri.clone()));
                pending_ns.push((prefix, uri));
            }
            XML_END_NS => {
                ns_stack.pop();
            }
            XML_START_EL => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(err(pos, "more than a million elements"));
                }
                let line = u32_at(chunk, 8);
                let ns_idx = u32_at(chunk, 16).unwrap_or(NO_INDEX);
                let name_idx = u32_at(chunk, 20).unwrap_or(NO_INDEX);
                let attr_start = u16_at(chunk, 24).unwrap_or(20) as usize;
                let mut attr_size = u16_at(chunk, 26).unwrap_or(20) as usize;
                let attr_count = u16_at(chunk, 28).unwrap_or(0) as usize;
                if attr_size < 20 {
                    warnings.push(format!(
                        "element at {pos:#x}: attribute size {attr_size} < 20"
                    ));
                    attr_size = 20;
                }
                let hs = if hsize >= 16 { hsize } else { 16 };
                let mut el = Element {
                    namespace: pool_str(&pool, ns_idx).filter(|s| !s.is_empty()),
                    name: pool_str(&pool, name_idx).unwrap_or_default(),
                    line,
                    ..Default::default()
                };
                el.namespace_decls = std::mem::take(&mut pending_ns);
                let base = hs + attr_start;
                for i in 0..attr_count {
                    let a = base + i * attr_size;
                    let Some(rec) = chunk.get(a..a + 20) else {
                        warnings.push(format!("element at {pos:#x}: attribute {i} past chunk end"));
                        break;
                    };
                    el.attributes.push(decode_attribute(rec, &pool, &res_map));
                }
                if stack.len() >= MAX_DEPTH {
                    if let Some(inner) = stack.pop() {
                        if let Some(parent) = stack.last_mut() {
                            parent.children.push(inner);
                        }
                    }
                    if !warnings.iter().any(|w| w.starts_with("nesting deeper")) {
                        warnings.push(format!("nesting deeper than {MAX_DEPTH} levels flattened"));
                    }
                }
                stack.push(el);
            }
            XML_END_EL => {
                if let Some(el) = stack.pop() {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => roots.push(el),
                    }
                } else {
                    warnings.push(format!("end tag at {pos:#x} without a start tag"));
                }
            }
            XML_CDATA => {
                if let (Some(t), Some(el)) = (
                    u32_at(chunk, 16).and_then(|i| pool.get(i)),
                    stack.last_mut(),
                ) {
                    let t: &str = &t;
                    let t = t.trim();
                    if !t.is_empty() {
                        el.text.get_or_insert_with(String::new).push_str(t);
                    }
                }
            }
            RES_XML => {
                warnings.push(format!("nested XML header at {pos:#x} skipped"));
                size = 8.max(hsize);
            }
            other => warnings.push(format!(
                "unknown chunk type {other:#06x} at {pos:#x} skipped"
            )),
        }
        if ty == RES_XML {
            pos += size;
            continue;
        }
        pos = match pos.checked_add(size) {
            Some(p) => p,
            None => break,
        };
    }
    // unclosed elements: close them
    while let Some(el) = stack.pop() {
        match stack.last_mut() {
            Some(parent) => parent.children.push(el),
            None => roots.push(el),
        }
    }
    pools_seen.push(pool);
    for (i, p) in pools_seen.iter().enumerate() {
        if p.bad_strings() > 0 {
            warnings.push(format!(
                "string pool {i}: {} lookups of strings outside the pool",
                p.bad_strings()
            ));
        }
    }
    let root = roots
        .into_iter()
        .max_by_key(|e| (e.name == "manifest", e.count()))
        .ok_or_else(|| err(pos.min(data.len()), "no element found in binary XML"))?;
    Ok(Document { root, warnings })
}

fn decode_attribute(rec: &[u8], pool: &StringPool<'_>, res_map: &[u32]) -> Attribute {
    let ns = u32_at(rec, 0).unwrap_or(NO_INDEX);
    let name_idx = u32_at(rec, 4).unwrap_or(NO_INDEX);
    let raw = u32_at(rec, 8).unwrap_or(NO_INDEX);
    let typed = ResValue::read(rec, 12).unwrap_or(ResValue { kind: 0, data: 0 });
    let (dtype, data) = (typed.kind, typed.data);
    let resource_id = res_map
        .get(name_idx as usize)
        .copied()
        .filter(|&id| id != 0);
    let known = resource_id.and_then(framework_attr_name);
    let name = match known {
        Some(n) => n.to_string(),
        None => pool_str(pool, name_idx).unwrap_or_default(),
    };
    let mut namespace = pool_str(pool, ns).filter(|s| !s.is_empty());
    if resource_id.is_some_and(|id| id >> 16 == 0x0101) {
        namespace = Some(ANDROID_NS.to_string());
    }
    let value = match dtype {
        TYPE_STRING => Value::String(
            pool_str(pool, data)
                .or_else(|| pool_str(pool, raw))
                .unwrap_or_default(),
        ),
        k => Value::from_res_value(k, data),
    };
    // A raw string value wins for display when the typed value is a string
    let value = match value {
        Value::Null => pool_str(pool, raw).map_or(Value::Null, Value::String),
        v => v,
    };
    Attribute {
        namespace,
        name,
        resource_id,
        value,
        resolved: None,
    }
}

/// Framework attributes (`android:` namespace) that manifests use: (resource id, name),
/// from AOSP's `public.xml`.
pub const FRAMEWORK_ATTRS: &[(u32, &str)] = &[
    (0x01010000, "theme"),
    (0x01010001, "label"),
    (0x01010002, "icon"),
    (0x01010003, "name"),
    (0x01010006, "permission"),
    (0x01010007, "readPermission"),
    (0x01010008, "writePermission"),
    (0x01010009, "protectionLevel"),
    (0x0101000a, "permissionGroup"),
    (0x0101000b, "sharedUserId"),
    (0x0101000c, "hasCode"),
    (0x0101000d, "persistent"),
    (0x0101000e, "enabled"),
    (0x0101000f, "debuggable"),
    (0x01010010, "exported"),
    (0x01010011, "process"),
    (0x01010012, "taskAffinity"),
    (0x01010018, "authorities"),
    (0x0101001b, "grantUriPermissions"),
    (0x0101001c, "priority"),
    (0x0101001d, "launchMode"),
    (0x0101001e, "screenOrientation"),
    (0x0101001f, "configChanges"),
    (0x01010020, "description"),
    (0x01010021, "targetPackage"),
    (0x01010024, "value"),
    (0x01010025, "resource"),
    (0x01010026, "mimeType"),
    (0x01010027, "scheme"),
    (0x01010028, "host"),
    (0x01010029, "port"),
    (0x0101002a, "path"),
    (0x0101002b, "pathPrefix"),
    (0x0101002c, "pathPattern"),
    (0x0101002d, "action"),
    (0x0101002e, "data"),
    (0x0101002f, "targetClass"),
    (0x01010202, "targetActivity"),
    (0x0101020c, "minSdkVersion"),
    (0x0101021b, "versionCode"),
    (0x0101021c, "versionName"),
    (0x01010270, "targetSdkVersion"),
    (0x01010271, "maxSdkVersion"),
    (0x01010280, "allowBackup"),
    (0x0101028e, "required"),
    (0x010102b7, "installLocation"),
    (0x010103a9, "isolatedProcess"),
    (0x010104ea, "extractNativeLibs"),
    (0x010104ec, "usesCleartextTraffic"),
    (0x01010505, "directBootAware"),
    (0x01010527, "networkSecurityConfig"),
    (0x0101052c, "roundIcon"),
    (0x01010572, "compileSdkVersion"),
    (0x01010573, "compileSdkVersionCodename"),
    (0x0101057a, "appComponentFactory"),
];

/// Name of a framework attribute by resource id.
pub fn framework_attr_name(id: u32) -> Option<&'static str> {
    FRAMEWORK_ATTRS
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, n)| *n)
}

/// Resource id of a framework attribute by name.
pub fn framework_attr_id(name: &str) -> Option<u32> {
    FRAMEWORK_ATTRS
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(i, _)| *i)
}
