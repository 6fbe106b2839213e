//! The scan pipeline: one input file in, one [`ScanReport`] out.
//!
//! Per-part problems (a broken dex, an unreadable entry) become entries in
//! [`ScanReport::errors`]; only an input that cannot be read at all is an [`Error`].

use crate::container::ZipKind;
use crate::error::{Diagnostic, Error, Format, ParseError};
use crate::formats::axml;
use crate::formats::manifest::{Component, Manifest, UsesPermission};
use crate::formats::xml::Element;
use crate::formats::zip::{Archive, Limits, Quirk};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Options of a scan.
#[derive(Clone, Default)]
pub struct ScanOptions {
    /// Container caps.
    pub limits: Limits,
    /// Knowledge (signatures, sensitive APIs, permissions); the embedded one when `None`.
    pub knowledge: Option<std::sync::Arc<crate::knowledge::Knowledge>>,
    /// Batch budget of this file (dex-buffer permits, inflated-byte and time caps);
    /// `None` outside batches.
    pub guard: Option<std::sync::Arc<crate::batch::guard::FileGuard>>,
    /// How deep inside a split set this scan is (0 for the input itself). A split set
    /// inside a split set is not opened, so nested archives cannot recurse without bound.
    pub split_depth: u8,
}

impl ScanOptions {
    /// The knowledge this scan matches against.
    pub fn knowledge(&self) -> &crate::knowledge::Knowledge {
        match &self.knowledge {
            Some(k) => k,
            None => crate::knowledge::Knowledge::embedded(),
        }
    }
}

/// What kind of input was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// An APK (or any ZIP with a binary manifest at its root).
    Apk,
    /// A raw binary AndroidManifest.xml.
    Axml,
    /// An Android App Bundle.
    Aab,
    /// An Android library (SDK artefact).
    Aar,
    /// A Java archive (SDK artefact).
    Jar,
    /// A set of split APKs (.apks, .xapk, .apkm).
    SplitSet,
}

/// The scan result; its JSON form is documented in `docs/scan-json.md`.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    /// Input path as given.
    pub file: String,
    /// SHA-256 of the input file.
    pub sha256: String,
    /// Input size in bytes.
    pub size: u64,
    /// Input kind.
    pub kind: InputKind,
    /// Package name.
    pub package: Option<String>,
    /// versionCode.
    pub version_code: Option<i64>,
    /// versionName.
    pub version_name: Option<String>,
    /// minSdkVersion.
    pub min_sdk: Option<i64>,
    /// targetSdkVersion.
    pub target_sdk: Option<i64>,
    /// Requested permissions.
    pub permissions: Vec<UsesPermission>,
    /// Components.
    pub components: Vec<Component>,
    /// The full manifest model.
    pub manifest: Option<Manifest>,
    /// Dex files found at the root (`classes*.dex`).
    pub dex_files: Vec<String>,
    /// Classes read (dex class definitions, or `.class` files for AAR/JAR inputs).
    pub class_count: usize,
    /// Dex, jar and apk payloads outside the root (plugins loaded at run time, packer
    /// payloads), reported as evidence with their path.
    pub nested_code: Vec<NestedCode>,
    /// Split APKs of a split set, base first.
    pub splits: Vec<String>,
    /// Split-set metadata (format, declared package, parts, OBB files); `None` for a
    /// single APK.
    pub bundle: Option<crate::bundle::BundleInfo>,
    /// Third-party SDKs found, with their evidence.
    pub sdks: Vec<crate::detect::sdk::SdkFinding>,
    /// Personal data read by sensitive API calls in the dex code, per owner (SDK, app,
    /// unknown), with call sites as evidence.
    pub data_access: Vec<crate::detect::data_access::DataAccess>,
    /// Native libraries (`lib/<abi>/*.so`).
    pub native_libs: Vec<NativeLibInfo>,
    /// Container quirks (Android accepts them; other tools may not).
    pub quirks: Vec<Quirk>,
    /// Decoder warnings (hostile tricks met and worked around).
    pub warnings: Vec<String>,
    /// Problems with parts of the input; empty when clean.
    pub errors: Vec<Diagnostic>,
}

/// A native library in the report.
#[derive(Debug, Clone, Serialize)]
pub struct NativeLibInfo {
    /// Path in the archive.
    pub path: String,
    /// ABI.
    pub abi: String,
    /// DT_SONAME.
    pub soname: Option<String>,
    /// DT_NEEDED.
    pub needed: Vec<String>,
    /// Number of exported dynamic symbols.
    pub exports: usize,
    /// Java classes with JNI entry points here (these name packages even when the dex
    /// is obfuscated or packed).
    pub jni_classes: Vec<String>,
}

/// Code shipped outside the root dex: a dex, jar or APK under `assets/`, `res/raw/`,
/// a plugin folder or a packer payload. Its classes are matched like the root dex, and
/// SDK evidence from it names its path.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NestedCode {
    /// Path in the archive.
    pub path: String,
    /// `dex`, `jar` (zip with dex or classes), `apk` (zip with a manifest), or `opaque`
    /// (encrypted or unknown: a packer payload, listed only).
    pub format: String,
    /// Classes read from it.
    pub class_count: usize,
    /// SDKs whose evidence comes from it.
    pub sdks: Vec<String>,
    /// Why it could not be read, if so.
    pub error: Option<String>,
}

/// Scan one file, or a folder of split APKs (see [`crate::bundle::scan_split_folder`]).
pub fn scan_file(path: &Path, opts: &ScanOptions) -> Result<ScanReport, Error> {
    if path.is_dir() {
        return crate::bundle::scan_split_folder(path, opts);
    }
    let shown = path.display().to_string();
    let data = crate::formats::zip::map_file(path).map_err(|source| Error::Io {
        path: shown.clone(),
        source,
    })?;
    scan_bytes(&shown, &data, opts)
}

/// Scan an input already in memory; `name` is used in the report and errors.
pub fn scan_bytes(name: &str, data: &[u8], opts: &ScanOptions) -> Result<ScanReport, Error> {
    // the whole-file hash (~15% of a scan's CPU) runs beside the scan, not before it
    let (sha256, report) = rayon::join(
        || hex(&Sha256::digest(data)),
        || scan_unhashed(name, data, opts),
    );
    report.map(|mut r| {
        r.sha256 = sha256;
        r
    })
}

/// [`scan_bytes`] without the file hash.
fn scan_unhashed(name: &str, data: &[u8], opts: &ScanOptions) -> Result<ScanReport, Error> {
    let mut report = empty_report(name, InputKind::Apk);
    report.size = data.len() as u64;
    let perr = |part: Option<&str>, error: ParseError| Error::Parse {
        path: name.to_string(),
        part: part.map(str::to_string),
        error,
    };
    if axml::looks_like_axml(data) && !data.starts_with(b"PK") {
        report.kind = InputKind::Axml;
        let doc = axml::parse(data).map_err(|e| perr(None, e))?;
        report.warnings = doc.warnings;
        fill_manifest(&mut report, &doc.root);
        return Ok(report);
    }
    let archive = match Archive::parse(data, opts.limits) {
        Ok(a) => a,
        Err(_) if crate::bundle::looks_like_encrypted_apkm(data) => {
            return Err(crate::bundle::encrypted_apkm_error(name))
        }
        Err(e) => return Err(perr(None, e)),
    };
    scan_archive(name, &archive, report, opts)
}

/// A report with no facts yet.
pub(crate) fn empty_report(name: &str, kind: InputKind) -> ScanReport {
    ScanReport {
        file: name.to_string(),
        sha256: String::new(),
        size: 0,
        kind,
        package: None,
        version_code: None,
        version_name: None,
        min_sdk: None,
        target_sdk: None,
        permissions: Vec::new(),
        components: Vec::new(),
        manifest: None,
        dex_files: Vec::new(),
        sdks: Vec::new(),
        class_count: 0,
        nested_code: Vec::new(),
        splits: Vec::new(),
        bundle: None,
        data_access: Vec::new(),
        native_libs: Vec::new(),
        quirks: Vec::new(),
        warnings: Vec::new(),
        errors: Vec::new(),
    }
}

/// Scan an opened archive (APK, AAB, AAR, JAR or split set).
fn scan_archive(
    name: &str,
    archive: &Archive<'_>,
    mut report: ScanReport,
    opts: &ScanOptions,
) -> Result<ScanReport, Error> {
    let perr = |part: Option<&str>, error: ParseError| Error::Parse {
        path: name.to_string(),
        part: part.map(str::to_string),
        error,
    };
    report.quirks = archive.quirks().to_vec();
    let kind = crate::container::detect(archive);
    report.kind = match kind {
        ZipKind::Aab => InputKind::Aab,
        ZipKind::Aar => InputKind::Aar,
        ZipKind::Jar => InputKind::Jar,
        ZipKind::SplitSet => InputKind::SplitSet,
        _ => InputKind::Apk,
    };
    report.dex_files = archive
        .entries()
        .iter()
        .filter(|e| {
            is_root_dex(&e.name)
                || (kind == ZipKind::Aab && e.name.contains("/dex/") && e.name.ends_with(".dex"))
        })
        .map(|e| e.name.clone())
        .collect();
    report.dex_files.dedup();
    match kind {
        ZipKind::Apk => {
            let bytes = match archive.read_name("AndroidManifest.xml") {
                Some(Ok(b)) => b,
                Some(Err(e)) => return Err(perr(Some("AndroidManifest.xml"), e)),
                None => {
                    return Err(perr(
                        None,
                        ParseError::new(Format::Zip, 0, "no AndroidManifest.xml entry"),
                    ))
                }
            };
            let doc = axml::parse(&bytes).map_err(|e| perr(Some("AndroidManifest.xml"), e))?;
            report.warnings = doc.warnings;
            let mut root = doc.root;
            match archive.read_name("resources.arsc") {
                Some(Ok(arsc)) => {
                    crate::formats::arsc::resolve_tree(&mut root, &arsc, &mut report.errors)
                }
                Some(Err(e)) => report
                    .errors
                    .push(Diagnostic::from_parse("resources.arsc", &e)),
                None => {}
            }
            fill_manifest(&mut report, &root);
        }
        ZipKind::Aab => {
            let part = "base/manifest/AndroidManifest.xml";
            let bytes = match archive.read_name(part) {
                Some(Ok(b)) => b,
                Some(Err(e)) => return Err(perr(Some(part), e)),
                None => {
                    return Err(perr(
                        None,
                        ParseError::new(Format::Zip, 0, "no base manifest"),
                    ))
                }
            };
            let root = crate::formats::aapt_pb::parse_proto_xml(&bytes)
                .map_err(|e| perr(Some(part), e))?;
            fill_manifest(&mut report, &root);
        }
        ZipKind::Aar => {
            if let Some(Ok(bytes)) = archive.read_name("AndroidManifest.xml") {
                match crate::container::parse_text_xml(&bytes) {
                    Ok(root) => fill_manifest(&mut report, &root),
                    Err(e) => report
                        .errors
                        .push(Diagnostic::from_parse("AndroidManifest.xml", &e)),
                }
            }
        }
        ZipKind::SplitSet => {
            return crate::bundle::scan_split_archive(name, archive, report, opts);
        }
        ZipKind::Jar => {}
        ZipKind::Unknown => {
            return Err(perr(
                None,
                ParseError::new(
                    Format::Zip,
                    0,
                    "no AndroidManifest.xml, no classes: not an APK, AAB, AAR or JAR",
                ),
            ))
        }
    }
    guard_check(name, opts)?;
    let lib_entries: Vec<_> = archive
        .entries()
        .iter()
        .filter(|e| {
            e.name.ends_with(".so")
                && (e.name.starts_with("lib/")
                    || e.name.starts_with("jni/")
                    || e.name.contains("/lib/"))
        })
        .collect();
    let libs: Vec<Result<NativeLibInfo, Diagnostic>> = {
        use rayon::prelude::*;
        lib_entries
            .par_iter()
            .map(|e| {
                let bytes = guarded_read(archive, e, opts)
                    .map_err(|err| Diagnostic::from_parse(&e.name, &err))?;
                let lib = crate::formats::elf::NativeLib::parse(&e.name, &bytes)
                    .map_err(|err| Diagnostic::from_parse(&e.name, &err))?;
                Ok(NativeLibInfo {
                    path: e.name.clone(),
                    abi: lib.abi.clone(),
                    soname: lib.soname.clone(),
                    needed: lib.needed.clone(),
                    exports: lib.exports,
                    jni_classes: lib.jni_packages(),
                })
            })
            .collect()
    };
    let mut jni_classes = Vec::new();
    for l in libs {
        match l {
            Ok(info) => {
                jni_classes.extend(info.jni_classes.iter().cloned());
                report.native_libs.push(info);
            }
            Err(d) => report.errors.push(d),
        }
    }
    guard_check(name, opts)?;
    jni_classes.sort();
    jni_classes.dedup();
    // an SDK artefact's own package is the SDK, not a first-party app to exclude
    let first_party = if matches!(kind, ZipKind::Aar | ZipKind::Jar) {
        None
    } else {
        report.package.clone()
    };
    let mut ev = crate::detect::sdk::AppEvidence {
        package: first_party.clone(),
        native_libs: lib_entries.iter().map(|e| e.name.clone()).collect(),
        jni_classes,
        paths: archive.entries().iter().map(|e| e.name.clone()).collect(),
        ..Default::default()
    };
    if let Some(m) = &report.manifest {
        ev.components = m.components.iter().map(|c| c.name.clone()).collect();
        ev.authorities = m
            .components
            .iter()
            .flat_map(|c| c.authorities.clone())
            .collect();
        ev.meta_data = m.meta_data.iter().map(|d| d.name.clone()).collect();
    }
    // classes of every dex (root classes*.dex, AAB modules, and dex inside jars), in parallel
    let mut raw_hits = Vec::new();
    {
        use rayon::prelude::*;
        let dex_entries: Vec<_> = archive
            .entries()
            .iter()
            .filter(|e| {
                report.dex_files.contains(&e.name)
                    || (kind == ZipKind::Jar && e.name.ends_with(".dex"))
            })
            .collect();
        let want_strings = opts.knowledge().matcher.has_string_patterns();
        type DexResult = (
            Vec<String>,
            usize,
            Vec<String>,
            Vec<crate::detect::data_access::RawHit>,
            Vec<Diagnostic>,
        );
        let results: Vec<Result<DexResult, Diagnostic>> = dex_entries
            .par_iter()
            .map(|e| {
                let _permit = opts.guard.as_ref().and_then(|g| g.dex_permit());
                let bytes = guarded_read(archive, e, opts)
                    .map_err(|x| Diagnostic::from_parse(&e.name, &x))?;
                let dex = crate::formats::dex::Dex::parse(&bytes)
                    .map_err(|x| Diagnostic::from_parse(&e.name, &x))?;
                let mut names = Vec::with_capacity(dex.class_def_count() as usize);
                let mut bad = 0usize;
                for n in dex.class_names() {
                    match n {
                        Ok(n) => names.push(n),
                        Err(_) => bad += 1,
                    }
                }
                // dex strings that can carry a domain or SDK key (contain a dot)
                let mut strings = Vec::new();
                if want_strings {
                    for i in 0..dex.string_count() {
                        if let Ok(b) = dex.string_bytes(i) {
                            if b.len() >= 6 && b.len() <= 512 && b.contains(&b'.') {
                                strings.push(String::from_utf8_lossy(b).into_owned());
                            }
                        }
                    }
                }
                // sensitive API call sites (bytecode walk)
                let mut code_errors = Vec::new();
                let hits = crate::detect::data_access::dex_hits(
                    &dex,
                    &e.name,
                    &opts.knowledge().sensitive_apis,
                    &mut code_errors,
                );
                Ok((names, bad, strings, hits, code_errors))
            })
            .collect();
        for (e, r) in dex_entries.iter().zip(results) {
            match r {
                Ok((names, bad, strings, hits, code_errors)) => {
                    raw_hits.extend(hits);
                    report.errors.extend(code_errors);
                    ev.strings.extend(strings);
                    if bad > 0 {
                        report.errors.push(Diagnostic::message(
                            Some(e.name.clone()),
                            format!("{bad} class definitions could not be read"),
                        ));
                    }
                    report.class_count += names.len();
                    ev.classes.extend(names);
                }
                Err(d) => report.errors.push(d),
            }
        }
    }
    guard_check(name, opts)?;
    // nested payloads: dex and jars outside the root (plugins, packer payloads)
    let nested: Vec<&crate::formats::zip::Entry> = archive
        .entries()
        .iter()
        .filter(|e| {
            let n = e.name.to_ascii_lowercase();
            // AAR/JAR inner jars and dex are read as the artefact's own classes
            !report.dex_files.contains(&e.name)
                && !matches!(kind, ZipKind::Aar | ZipKind::Jar)
                && (n.ends_with(".dex") || n.ends_with(".jar") || n.ends_with(".apk"))
        })
        .collect();
    let nested_results: Vec<(
        NestedCode,
        Vec<String>,
        Vec<crate::detect::data_access::RawHit>,
    )> = {
        use rayon::prelude::*;
        nested
            .par_iter()
            .map(|e| read_nested(archive, e, opts))
            .collect()
    };
    let mut nested_findings = Vec::new();
    for (mut code, classes, hits) in nested_results {
        raw_hits.extend(hits);
        if !classes.is_empty() {
            let sub = crate::detect::sdk::AppEvidence {
                package: first_party.clone(),
                classes,
                ..Default::default()
            };
            let found = opts.knowledge().matcher.match_app(&sub);
            code.sdks = found.iter().map(|f| f.id.clone()).collect();
            nested_findings.push((code.path.clone(), found));
        }
        report.nested_code.push(code);
    }
    guard_check(name, opts)?;
    if matches!(kind, ZipKind::Aar | ZipKind::Jar) {
        let (classes, strings, hits) = java_classes(archive, opts, &mut report.errors);
        raw_hits.extend(hits);
        report.class_count = classes.len();
        ev.classes.extend(classes);
        ev.strings.extend(strings);
    }
    let matcher = &opts.knowledge().matcher;
    report.sdks = matcher.match_app(&ev);
    for (path, found) in nested_findings {
        crate::bundle::merge_findings(&mut report.sdks, &found, Some(&path));
    }
    report.data_access = crate::detect::data_access::attribute(
        raw_hits,
        matcher,
        first_party.as_deref(),
        &report.sdks,
    );
    Ok(report)
}

/// Batch guard: `Err` once this file's inflate or time budget is spent.
fn guard_check(name: &str, opts: &ScanOptions) -> Result<(), Error> {
    match &opts.guard {
        Some(g) => g.check().map_err(|error| Error::Parse {
            path: name.to_string(),
            part: None,
            error,
        }),
        None => Ok(()),
    }
}

/// Read an entry, counting inflated bytes against the batch guard (if any).
fn guarded_read<'a>(
    archive: &Archive<'a>,
    e: &crate::formats::zip::Entry,
    opts: &ScanOptions,
) -> Result<std::borrow::Cow<'a, [u8]>, ParseError> {
    if let Some(g) = &opts.guard {
        g.check()?;
    }
    let bytes = archive.read(e)?;
    if let (Some(g), std::borrow::Cow::Owned(v)) = (&opts.guard, &bytes) {
        g.charge(v.len() as u64)?;
    }
    Ok(bytes)
}

/// `classes.dex`, `classes2.dex`, ... at the root of the archive.
pub fn is_root_dex(name: &str) -> bool {
    name.strip_prefix("classes")
        .and_then(|r| r.strip_suffix(".dex"))
        .is_some_and(|n| {
            n.is_empty() || (n.chars().all(|c| c.is_ascii_digit()) && !n.starts_with('0'))
        })
}

fn fill_manifest(report: &mut ScanReport, root: &Element) {
    let mut m = Manifest::from_xml(root);
    for p in &mut m.permissions {
        p.protection = crate::knowledge::permissions::protection_of(&p.name);
    }
    report.package = m.package.clone();
    report.version_code = m.version_code;
    report.version_name = m.version_name.clone();
    report.min_sdk = m.min_sdk;
    report.target_sdk = m.target_sdk;
    report.permissions = m.permissions.clone();
    report.components = m.components.clone();
    report.manifest = Some(m);
}

pub use crate::formats::bytes::hex;

/// Decode the manifest of an APK or raw binary manifest into an element tree, with
/// references resolved through resources.arsc where possible.
pub fn decoded_manifest(path: &Path) -> Result<Element, Error> {
    let shown = path.display().to_string();
    let data = crate::formats::zip::map_file(path).map_err(|source| Error::Io {
        path: shown.clone(),
        source,
    })?;
    let perr = |part: Option<&str>, error: ParseError| Error::Parse {
        path: shown.clone(),
        part: part.map(str::to_string),
        error,
    };
    if axml::looks_like_axml(&data) && !data.starts_with(b"PK") {
        return axml::parse(&data)
            .map(|d| d.root)
            .map_err(|e| perr(None, e));
    }
    let archive = Archive::parse(&data, Limits::default()).map_err(|e| perr(None, e))?;
    let bytes = archive
        .read_name("AndroidManifest.xml")
        .ok_or_else(|| {
            perr(
                None,
                ParseError::new(Format::Zip, 0, "no AndroidManifest.xml entry"),
            )
        })?
        .map_err(|e| perr(Some("AndroidManifest.xml"), e))?;
    let mut root = axml::parse(&bytes)
        .map_err(|e| perr(Some("AndroidManifest.xml"), e))?
        .root;
    if let Some(Ok(arsc)) = archive.read_name("resources.arsc") {
        crate::formats::arsc::resolve_tree(&mut root, &arsc, &mut Vec::new());
    }
    Ok(root)
}

/// Class names and string constants of the `.class` files in a JAR, an AAR's
/// `classes.jar` and `libs/*.jar`.
fn java_classes(
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
        .filter(|e| e.name.ends_with(".jar"))
    {
        if let Ok(bytes) = archive.read(e) {
            if let Ok(inner) = Archive::parse(&bytes, Limits::default()) {
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
fn read_nested(
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
    let bytes = match guarded_read(archive, e, opts) {
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
        match Archive::parse(&bytes, opts.limits) {
            Ok(inner) => {
                code.format = if inner.find("AndroidManifest.xml").is_some() {
                    "apk".into()
                } else {
                    "jar".into()
                };
                for ie in inner.entries() {
                    if ie.name.ends_with(".dex") {
                        match guarded_read(&inner, ie, opts) {
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
