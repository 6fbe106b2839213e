//! The decoded manifest of an input, with references resolved through `resources.arsc`
//! (for the `manifest` command and split-folder detection): APK, AAB, AAR, split set (its
//! base APK) or raw binary manifest, read within the input's budget.

use crate::error::{Error, Format, ParseError};
use crate::formats::axml;
use crate::formats::xml::Element;
use crate::formats::zip::Limits;
use crate::input::budget::{Budget, FileGuard};
use std::path::Path;
use std::sync::Arc;

/// Decode the manifest of an APK, AAB, AAR, split set (.apks, .xapk, .apkm: its base APK)
/// or raw binary manifest into an element tree, with references resolved through
/// resources.arsc where possible.
pub fn decoded_manifest(path: &Path, budget: &Budget) -> Result<Element, Error> {
    let shown = path.display().to_string();
    let data = crate::input::open::read_input(path, budget.max_stream_size(), budget.timeout)?;
    let guard = Arc::new(FileGuard::with_budget(None, *budget));
    manifest_of_bytes(&shown, &data, true, &guard)
}

/// The manifest of an input in memory; a split set is opened only at the top level.
fn manifest_of_bytes(
    shown: &str,
    data: &[u8],
    top: bool,
    guard: &Arc<FileGuard>,
) -> Result<Element, Error> {
    let perr = |part: Option<&str>, error: ParseError| Error::Parse {
        path: shown.to_string(),
        part: part.map(str::to_string),
        error,
    };
    if axml::looks_like_axml(data) && !data.starts_with(b"PK") {
        return axml::parse(data).map(|d| d.root).map_err(|e| perr(None, e));
    }
    let archive = crate::input::reader::open_archive(data, Limits::default(), Some(guard))
        .map_err(|e| perr(None, e))?;
    let read = |part: &str, missing: &str| {
        archive
            .read_name(part)
            .ok_or_else(|| perr(None, ParseError::new(Format::Zip, 0, missing.to_string())))?
            .map_err(|e| perr(Some(part), e))
    };
    match crate::input::kind::detect(&archive) {
        crate::input::kind::ZipKind::Aab => {
            let part = "base/manifest/AndroidManifest.xml";
            let bytes = read(part, "no base/manifest/AndroidManifest.xml entry")?;
            crate::formats::aapt_pb::parse_proto_xml(&bytes).map_err(|e| perr(Some(part), e))
        }
        crate::input::kind::ZipKind::Aar => {
            let bytes = read("AndroidManifest.xml", "no AndroidManifest.xml entry")?;
            crate::formats::xml::parse_text_xml(&bytes)
                .map_err(|e| perr(Some("AndroidManifest.xml"), e))
        }
        crate::input::kind::ZipKind::SplitSet if top => {
            // the base APK: the part whose manifest has no `split` attribute
            let mut first: Option<Element> = None;
            let mut last_err = None;
            for e in archive.entries() {
                if !e.name.to_ascii_lowercase().ends_with(".apk") {
                    continue;
                }
                let inner = format!("{shown}!{}", e.name);
                let bytes = match archive.read(e) {
                    Ok(b) => b,
                    Err(err) => {
                        last_err = Some(perr(Some(&e.name), err));
                        continue;
                    }
                };
                match manifest_of_bytes(&inner, &bytes, false, guard) {
                    Ok(root) if root.attributes.iter().all(|a| a.name != "split") => {
                        return Ok(root)
                    }
                    Ok(root) => {
                        first.get_or_insert(root);
                    }
                    Err(err) => last_err = Some(err),
                }
            }
            first.ok_or_else(|| {
                last_err.unwrap_or_else(|| {
                    perr(
                        None,
                        ParseError::new(Format::Zip, 0, "no APK in the split set"),
                    )
                })
            })
        }
        _ => {
            let bytes = read("AndroidManifest.xml", "no AndroidManifest.xml entry")?;
            let mut root = axml::parse(&bytes)
                .map_err(|e| perr(Some("AndroidManifest.xml"), e))?
                .root;
            if let Some(Ok(arsc)) = archive.read_name("resources.arsc") {
                crate::formats::arsc::resolve_tree(&mut root, &arsc, &mut Vec::new());
                if let Ok(table) = crate::formats::arsc::ResourceTable::parse(&arsc) {
                    name_references(&mut root, &table);
                }
            }
            Ok(root)
        }
    }
}

/// Give references that did not resolve to a value (styles, drawables) their resource
/// name, as aapt2 and apktool print them: `@style/AppTheme` (`@pkg:type/name` for another
/// package).
fn name_references(el: &mut Element, table: &crate::formats::arsc::ResourceTable) {
    let app_pkg = el
        .attributes
        .iter()
        .find(|a| a.name == "package" && a.namespace.is_none())
        .map(|a| a.text());
    fn walk(el: &mut Element, t: &crate::formats::arsc::ResourceTable, app: Option<&str>) {
        for a in &mut el.attributes {
            if a.resolved.is_some() {
                continue;
            }
            if let crate::formats::xml::Value::Reference(id) = a.value {
                if let Some(full) = t.name(id) {
                    let short = match full.split_once(':') {
                        Some((p, rest)) if Some(p) == app => rest.to_string(),
                        _ => full,
                    };
                    a.resolved = Some(format!("@{short}"));
                }
            }
        }
        for c in &mut el.children {
            walk(c, t, app);
        }
    }
    walk(el, table, app_pkg.as_deref());
}
