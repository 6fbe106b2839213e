//! Code outside the root dex: the `.class` files of JARs and AARs, and nested payloads
//! (plugin dex/jar/apk files under `assets/`, packer payloads), read one level deep.

use super::{NestedCode, ScanOptions};
use crate::error::Diagnostic;
use crate::formats::zip::Archive;
use crate::input::reader::{guarded_read, open_nested};

/// Class names and string constants of the `.class` files in a JAR, an AAR's
/// `classes.jar` and `libs/*.jar`.
pub(super) fn java_classes(
    archive: &Archive<'_>,
    opts: &ScanOptions,
    errors: &mut Vec<Diagnostic>,
) -> (
    Vec<String>,
    Vec<String>,
    Vec<crate::detect::data_access::RawHit>,
) {
    let mut classes = Vec::new();
    let mut strings = Vec::new();
    let mut hits = Vec::new();
    let db = &opts.knowledge().sensitive_apis;
    let mut from = |a: &Archive<'_>, prefix: &str, errors: &mut Vec<Diagnostic>| {
        for e in a.entries().iter().filter(|e| e.name.ends_with(".class")) {
            match a
                .read(e)
                .map_err(|x| Diagnostic::from_parse(format!("{prefix}{}", e.name), &x))
                .and_then(|b| {
                    crate::formats::classfile::ClassFile::parse(&b)
                        .map_err(|x| Diagnostic::from_parse(format!("{prefix}{}", e.name), &x))
                }) {
                Ok(c) => {
                    hits.extend(crate::detect::data_access::class_hits(
                        &c,
                        &format!("{prefix}{}", e.name),
                        db,
                    ));
                    classes.push(c.this_class());
                    strings.extend(c.strings());
                }
                Err(d) => errors.push(d),
            }
        }
    };
    from(archive, "", errors);
    for e in archive
        .entries()
        .iter()
        .filter(|e| e.name.ends_with(".jar") && !crate::input::kind::is_artefact_payload(&e.name))
    {
        if let Ok(bytes) = archive.read(e) {
            if let Ok(inner) = open_nested(archive, &bytes, opts.limits) {
                from(&inner, &format!("{}!", e.name), errors);
            }
        }
    }
    classes.sort();
    classes.dedup();
    strings.sort();
    strings.dedup();
    (classes, strings, hits)
}

/// Read a nested payload: a dex, or a zip (jar/apk) with dex or `.class` entries inside.
/// One level deep only: payloads inside the payload are not opened.
pub(super) fn read_nested(
    archive: &Archive<'_>,
    e: &crate::formats::zip::Entry,
    opts: &ScanOptions,
) -> (
    NestedCode,
    Vec<String>,
    Vec<crate::detect::data_access::RawHit>,
) {
    let mut code = NestedCode {
        path: e.name.clone(),
        format: "opaque".into(),
        class_count: 0,
        sdks: Vec::new(),
        error: None,
    };
    let _permit = opts.guard.as_ref().and_then(|g| g.dex_permit());
    let bytes = match guarded_read(archive, e, opts.guard.as_deref()) {
        Ok(b) => b,
        Err(err) => {
            code.error = Some(err.to_string());
            return (code, Vec::new(), Vec::new());
        }
    };
    let mut classes = Vec::new();
    let mut hits = Vec::new();
    let from_dex = |bytes: &[u8],
                    dex_name: &str,
                    code: &mut NestedCode,
                    classes: &mut Vec<String>,
                    hits: &mut Vec<crate::detect::data_access::RawHit>| {
        match crate::formats::dex::Dex::parse(bytes) {
            Ok(dex) => {
                classes.extend(dex.class_names().flatten());
                let mut errs = Vec::new();
                hits.extend(crate::detect::data_access::dex_hits(
                    &dex,
                    dex_name,
                    &opts.knowledge().sensitive_apis,
                    &mut errs,
                ));
                if let Some(d) = errs.first() {
                    code.error = Some(d.message.clone());
                }
            }
            Err(err) => code.error = Some(err.to_string()),
        }
    };
    if bytes.starts_with(b"dex\n") {
        code.format = "dex".into();
        from_dex(&bytes, &e.name, &mut code, &mut classes, &mut hits);
    } else if bytes.starts_with(b"PK") {
        match open_nested(archive, &bytes, opts.limits) {
            Ok(inner) => {
                code.format = if inner.find("AndroidManifest.xml").is_some() {
                    "apk".into()
                } else {
                    "jar".into()
                };
                for ie in inner.entries() {
                    if ie.name.ends_with(".dex") {
                        match guarded_read(&inner, ie, opts.guard.as_deref()) {
                            Ok(b) => from_dex(
                                &b,
                                &format!("{}!{}", e.name, ie.name),
                                &mut code,
                                &mut classes,
                                &mut hits,
                            ),
                            Err(err) => code.error = Some(format!("{}: {err}", ie.name)),
                        }
                    } else if ie.name.ends_with(".class") {
                        if let Ok(c) = inner.read(ie).map_err(|x| x.to_string()).and_then(|b| {
                            crate::formats::classfile::ClassFile::parse(&b)
                                .map_err(|x| x.to_string())
                        }) {
                            classes.push(c.this_class());
                        }
                    }
                }
            }
            Err(err) => code.error = Some(err.to_string()),
        }
    } else {
        code.error = Some("neither dex nor zip: encrypted or packed payload".into());
    }
    classes.sort();
    classes.dedup();
    code.class_count = classes.len();
    (code, classes, hits)
}
