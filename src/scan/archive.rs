//! Scanning an opened archive (APK, AAB, AAR, JAR) in named stages:
//! [`manifest`](read_manifest) → [`native libraries`](native_stage) →
//! [`dex code`](dex_stage) → [`nested code`](nested_stage) → [`class files`](java_stage) →
//! [`identification`](identify_stage). Split sets branch off to [`super::splits`].

use super::nested::{java_classes, read_nested};
use super::{is_root_dex, InputKind, NativeLibInfo, ScanOptions, ScanReport};
use crate::detect::data_access::RawHit;
use crate::detect::graph::ClassGraph;
use crate::detect::identify::{identify, Evidence, NestedEvidence};
use crate::detect::sdk::AppEvidence;
use crate::error::{Diagnostic, Error, Format, ParseError};
use crate::formats::axml;
use crate::formats::proguard_map::ClassMap;
use crate::formats::zip::{Archive, Entry};
use crate::input::kind::ZipKind;
use crate::input::reader::{guard_check, guarded_read};
use crate::knowledge::Knowledge;
use rayon::prelude::*;

/// Scan an opened archive (APK, AAB, AAR, JAR or split set).
pub(super) fn scan_archive(
    name: &str,
    archive: &Archive<'_>,
    mut report: ScanReport,
    opts: &ScanOptions,
) -> Result<ScanReport, Error> {
    report.quirks = archive.quirks().to_vec();
    let kind = crate::input::kind::detect(archive);
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
    if kind == ZipKind::SplitSet {
        return super::splits::scan_split_archive(name, archive, report, opts);
    }
    read_manifest(name, archive, kind, &mut report)?;
    let guard = opts.guard.as_deref();
    guard_check(name, guard)?;
    let (lib_paths, jni_classes) = native_stage(archive, opts, &mut report);
    guard_check(name, guard)?;
    // an SDK artefact's own package is the SDK, not a first-party app to exclude
    let first_party = if matches!(kind, ZipKind::Aar | ZipKind::Jar) {
        None
    } else {
        report.package.clone()
    };
    let mut ev = AppEvidence {
        package: first_party,
        native_libs: lib_paths,
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
        ev.meta_values = m
            .meta_data
            .iter()
            .filter_map(|d| Some((d.name.clone(), d.value.clone()?)))
            .collect();
    }
    let mut graph = ClassGraph::default();
    let mut raw_hits = dex_stage(archive, kind, opts, &mut report, &mut ev, &mut graph);
    guard_check(name, guard)?;
    let nested = nested_stage(archive, kind, opts, &mut report, &mut raw_hits);
    guard_check(name, guard)?;
    if matches!(kind, ZipKind::Aar | ZipKind::Jar) {
        let (classes, strings, hits) = java_classes(archive, opts, &mut report.errors);
        raw_hits.extend(hits);
        report.class_count += classes.len();
        ev.classes.extend(classes);
        ev.strings.extend(strings);
    }
    graph.finish();
    let mapping = mapping_stage(archive, kind, opts, &mut report);
    if kind == ZipKind::Aab {
        ev.maven = maven_stage(archive, opts, &mut report);
    }
    let evidence = Evidence {
        app: ev,
        graph,
        hits: raw_hits,
        nested,
        mapping,
    };
    identify_stage(&mut report, evidence, opts);
    Ok(report)
}

/// The Maven libraries an `.aab` lists in `dependencies.pb` (a warning when unreadable).
fn maven_stage(
    archive: &Archive<'_>,
    opts: &ScanOptions,
    report: &mut ScanReport,
) -> Vec<crate::formats::aab_deps::MavenDependency> {
    use crate::formats::aab_deps::{parse_dependencies, AAB_DEPENDENCIES};
    let Some(e) = archive.find(AAB_DEPENDENCIES) else {
        return Vec::new();
    };
    match guarded_read(archive, e, opts.guard.as_deref()).and_then(|b| parse_dependencies(&b)) {
        Ok(d) => d,
        Err(err) => {
            report.warnings.push(format!(
                "{AAB_DEPENDENCIES}: {err}; versions not read from it"
            ));
            Vec::new()
        }
    }
}

/// Where an `.aab` ships the mapping of its own code.
pub const AAB_MAPPING: &str = "BUNDLE-METADATA/com.android.tools.build.obfuscation/proguard.map";

/// Mapping files larger than this are not read (a warning; the result is un-mapped).
pub const MAX_MAPPING_BYTES: u64 = 512 << 20;

/// The mapping file for the app's code: `--mapping FILE` first, else the `.aab`'s own.
/// A file that cannot be read, is too large or is malformed is a warning, and the scan
/// goes on un-mapped.
fn mapping_stage(
    archive: &Archive<'_>,
    kind: ZipKind,
    opts: &ScanOptions,
    report: &mut ScanReport,
) -> Option<(String, ClassMap)> {
    let (source, bytes) = if let Some(path) = &opts.mapping {
        let source = path.display().to_string();
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size > MAX_MAPPING_BYTES {
            report.warnings.push(format!(
                "mapping {source}: {size} bytes, more than the {MAX_MAPPING_BYTES} read; not used"
            ));
            return None;
        }
        match std::fs::read(path) {
            Ok(b) => (source, b),
            Err(e) => {
                report
                    .warnings
                    .push(format!("mapping {source}: {e}; not used"));
                return None;
            }
        }
    } else if kind == ZipKind::Aab {
        let e = archive.find(AAB_MAPPING)?;
        if e.size > MAX_MAPPING_BYTES {
            report.warnings.push(format!(
                "{AAB_MAPPING}: {} bytes, more than the {MAX_MAPPING_BYTES} read; not used",
                e.size
            ));
            return None;
        }
        match guarded_read(archive, e, opts.guard.as_deref()) {
            Ok(b) => (AAB_MAPPING.to_string(), b.into_owned()),
            Err(err) => {
                report
                    .warnings
                    .push(format!("{AAB_MAPPING}: {err}; not used"));
                return None;
            }
        }
    } else {
        return None;
    };
    match ClassMap::parse(&bytes) {
        Ok(m) => Some((source, m)),
        Err(e) => {
            report.warnings.push(format!(
                "mapping {source}: {e} (offset {}); not used",
                e.offset
            ));
            None
        }
    }
}

/// Decode the manifest of each kind: binary XML (APK, with resources resolved through
/// `resources.arsc`), protobuf XML (AAB) or text XML (AAR). JARs have none.
fn read_manifest(
    name: &str,
    archive: &Archive<'_>,
    kind: ZipKind,
    report: &mut ScanReport,
) -> Result<(), Error> {
    let perr = |part: Option<&str>, error: ParseError| Error::Parse {
        path: name.to_string(),
        part: part.map(str::to_string),
        error,
    };
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
            super::fill_manifest(report, &root);
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
            super::fill_manifest(report, &root);
        }
        ZipKind::Aar => {
            if let Some(Ok(bytes)) = archive.read_name("AndroidManifest.xml") {
                match crate::formats::xml::parse_text_xml(&bytes) {
                    Ok(root) => super::fill_manifest(report, &root),
                    Err(e) => report
                        .errors
                        .push(Diagnostic::from_parse("AndroidManifest.xml", &e)),
                }
            }
        }
        ZipKind::Jar | ZipKind::SplitSet => {}
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
    Ok(())
}

/// Native libraries (`lib/<abi>/*.so`, `jni/`), parsed in parallel: returns their paths
/// and the Java classes their JNI exports name.
fn native_stage(
    archive: &Archive<'_>,
    opts: &ScanOptions,
    report: &mut ScanReport,
) -> (Vec<String>, Vec<String>) {
    let lib_entries: Vec<&Entry> = archive
        .entries()
        .iter()
        .filter(|e| {
            e.name.ends_with(".so")
                && (e.name.starts_with("lib/")
                    || e.name.starts_with("jni/")
                    || e.name.contains("/lib/"))
        })
        .collect();
    let libs: Vec<Result<NativeLibInfo, Diagnostic>> = lib_entries
        .par_iter()
        .map(|e| {
            let bytes = guarded_read(archive, e, opts.guard.as_deref())
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
        .collect();
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
    jni_classes.sort();
    jni_classes.dedup();
    (
        lib_entries.iter().map(|e| e.name.clone()).collect(),
        jni_classes,
    )
}

/// What one dex yields: class names, unreadable class count, candidate strings,
/// sensitive call sites and per-method errors.
type DexResult = (
    Vec<String>,
    usize,
    Vec<String>,
    Vec<RawHit>,
    Vec<Diagnostic>,
    ClassGraph,
);

/// Classes, strings and sensitive call sites of every dex (root `classes*.dex`, AAB
/// modules, and dex inside jars), in parallel.
fn dex_stage(
    archive: &Archive<'_>,
    kind: ZipKind,
    opts: &ScanOptions,
    report: &mut ScanReport,
    ev: &mut AppEvidence,
    graph: &mut ClassGraph,
) -> Vec<RawHit> {
    let k = opts.knowledge();
    let dex_entries: Vec<&Entry> = archive
        .entries()
        .iter()
        .filter(|e| {
            report.dex_files.contains(&e.name)
                || (kind == ZipKind::Jar
                    && e.name.ends_with(".dex")
                    && !crate::input::kind::is_artefact_payload(&e.name))
        })
        .collect();
    let want_strings = k.matcher.has_string_patterns() || opts.keep_evidence;
    let results: Vec<Result<DexResult, Diagnostic>> = dex_entries
        .par_iter()
        .map(|e| {
            let _permit = opts.guard.as_ref().and_then(|g| g.dex_permit());
            let bytes = guarded_read(archive, e, opts.guard.as_deref())
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
            let mut g = ClassGraph::default();
            let hits = crate::detect::data_access::dex_code(
                &dex,
                &e.name,
                &k.sensitive_apis,
                &mut code_errors,
                Some(&mut g),
            );
            Ok((names, bad, strings, hits, code_errors, g))
        })
        .collect();
    let mut raw_hits = Vec::new();
    for (e, r) in dex_entries.iter().zip(results) {
        match r {
            Ok((names, bad, strings, hits, code_errors, g)) => {
                graph.merge(g);
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
    raw_hits
}

/// Dex and jars outside the root (plugins, packer payloads): each is read on its own,
/// so its SDKs name the payload; returns each payload's classes.
fn nested_stage(
    archive: &Archive<'_>,
    kind: ZipKind,
    opts: &ScanOptions,
    report: &mut ScanReport,
    raw_hits: &mut Vec<RawHit>,
) -> Vec<NestedEvidence> {
    let nested: Vec<&Entry> = archive
        .entries()
        .iter()
        .filter(|e| {
            let n = e.name.to_ascii_lowercase();
            if matches!(kind, ZipKind::Aar | ZipKind::Jar) {
                // an artefact's own jars and dex are read as its classes; plugins in its
                // assets are payloads, as in an APK
                return crate::input::kind::is_artefact_payload(&e.name);
            }
            !report.dex_files.contains(&e.name)
                && (n.ends_with(".dex") || n.ends_with(".jar") || n.ends_with(".apk"))
        })
        .collect();
    let nested_results: Vec<_> = nested
        .par_iter()
        .map(|e| read_nested(archive, e, opts))
        .collect();
    let mut out = Vec::new();
    for (code, classes, hits) in nested_results {
        raw_hits.extend(hits);
        out.push(NestedEvidence {
            path: code.path.clone(),
            classes,
        });
        report.nested_code.push(code);
    }
    out
}

/// Identify SDKs and attribute the sensitive call sites ([`identify`]), and put the
/// result in the report.
fn identify_stage(report: &mut ScanReport, evidence: Evidence, opts: &ScanOptions) {
    let base = opts.keep_evidence.then(|| report.clone());
    apply_identification(report, &evidence, opts.knowledge(), opts.split_depth == 0);
    if let Some(base) = base {
        let evidence = std::sync::Arc::new(evidence);
        report.retained = Some(std::sync::Arc::new(super::evidence::Retained::App {
            base,
            evidence: evidence.clone(),
        }));
        report.evidence = Some(evidence);
    }
}

/// Identify SDKs in `evidence` with `k` and put the result in `report` (a report of the
/// same input before identification): the scan's last stage, and `rematch`'s only one.
/// `top_level`: the input itself, not a split of a set.
pub(crate) fn apply_identification(
    report: &mut ScanReport,
    evidence: &Evidence,
    k: &Knowledge,
    top_level: bool,
) {
    let id = identify(evidence, k);
    report.sdks = id.sdks;
    report.data_access = id.data_access;
    report.warnings.extend(id.warnings.iter().cloned());
    if id.mapping_used {
        report.mapping = evidence.mapping.as_ref().map(|(s, _)| s.clone());
    }
    for (path, ids) in id.nested_sdks {
        if let Some(c) = report.nested_code.iter_mut().find(|c| c.path == path) {
            c.sdks = ids;
        }
    }
    report.incomplete = super::completeness(report);
    // split parts are judged as the merged app, not one by one
    if matches!(report.kind, InputKind::Apk | InputKind::Aab) && top_level {
        // the declared components that are classes of the code: the few declared names
        // looked up per class, not every class put in a set
        // (a class whose length no declared name has is not hashed at all)
        let declared: rustc_hash::FxHashSet<&str> =
            report.components.iter().map(|c| c.name.as_str()).collect();
        let mut lengths = [false; 256];
        for d in &declared {
            lengths[d.len().min(255)] = true;
        }
        let classes: std::collections::HashSet<&str> = evidence
            .app
            .classes
            .iter()
            .chain(evidence.nested.iter().flat_map(|n| &n.classes))
            .map(String::as_str)
            .filter(|c| lengths[c.len().min(255)] && declared.contains(c))
            .collect();
        report
            .incomplete
            .extend(super::components_without_code(report, &classes));
    }
}
