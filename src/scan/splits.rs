//! Scanning split APK sets (`.apks`, `.xapk`, `.apkm`, a folder of splits): every split
//! is scanned and merged into one app view, the app as installed. The sets' metadata is
//! read in [`crate::input::split_set`].

use crate::error::{Diagnostic, Error, Format, ParseError};
use crate::formats::zip::{Archive, Entry};
use crate::input::split_set::{apk_files, read_metadata, BundleInfo, ObbFile, SplitPart};
use crate::scan::{scan_bytes, InputKind, ScanOptions, ScanReport};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Scan every `.apk` inside a split-set archive and merge them into one app view.
pub(crate) fn scan_split_archive(
    name: &str,
    archive: &Archive<'_>,
    mut report: ScanReport,
    opts: &ScanOptions,
) -> Result<ScanReport, Error> {
    if opts.split_depth > 0 {
        return Err(Error::Parse {
            path: name.to_string(),
            part: None,
            error: ParseError::new(
                Format::Zip,
                0,
                "a split set inside a split set: not opened (Android installs one level)",
            ),
        });
    }
    let part_opts = ScanOptions {
        split_depth: opts.split_depth.saturating_add(1),
        ..opts.clone()
    };
    let opts = &part_opts;
    let mut info = read_metadata(archive, &mut report.warnings);
    if info.format.is_empty() {
        info.format = if name.to_ascii_lowercase().ends_with(".apkm") {
            "apkm".into()
        } else {
            "zip".into()
        };
    }
    info.obb = archive
        .entries()
        .iter()
        .filter(|e| e.name.to_ascii_lowercase().ends_with(".obb"))
        .map(|e| ObbFile {
            path: e.name.clone(),
            size: e.size,
        })
        .collect();
    let mut parts = Vec::new();
    let apk_entries: Vec<&Entry> = archive
        .entries()
        .iter()
        .filter(|e| e.name.to_ascii_lowercase().ends_with(".apk"))
        .collect();
    for e in apk_entries {
        let bytes = match archive.read(e) {
            Ok(b) => b,
            Err(err) => {
                report.errors.push(Diagnostic::from_parse(&e.name, &err));
                continue;
            }
        };
        match scan_bytes(&e.name, &bytes, opts) {
            Ok(r) if r.kind == InputKind::Apk => parts.push(r),
            Ok(r) => report
                .warnings
                .push(format!("{}: not an APK ({:?}), not merged", e.name, r.kind)),
            Err(err) => report
                .errors
                .push(Diagnostic::message(Some(e.name.clone()), err.to_string())),
        }
    }
    merge_parts(name, &mut report, parts, info)?;
    Ok(report)
}

/// Scan a folder of split APKs (base.apk plus split_*.apk) as one app. The report's
/// `sha256` is the SHA-256 of the parts' names and SHA-256s, in name order.
pub fn scan_split_folder(dir: &Path, opts: &ScanOptions) -> Result<ScanReport, Error> {
    let shown = dir.display().to_string();
    let files = apk_files(dir);
    if files.is_empty() {
        return Err(Error::Parse {
            path: shown,
            part: None,
            error: ParseError::new(Format::Zip, 0, "directory holds no .apk files"),
        });
    }
    let part_opts = ScanOptions {
        split_depth: opts.split_depth.saturating_add(1),
        ..opts.clone()
    };
    let opts = &part_opts;
    let mut report = crate::scan::empty_report(&shown, InputKind::SplitSet);
    let mut set_hash = Sha256::new();
    let mut parts = Vec::new();
    for f in &files {
        let part_name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let data = match crate::input::open::read_input(
            f,
            opts.budget.max_stream_size(),
            opts.budget.timeout,
        ) {
            Ok(d) => d,
            Err(e) => {
                report
                    .errors
                    .push(Diagnostic::message(Some(part_name), e.to_string()));
                continue;
            }
        };
        report.size += data.len() as u64;
        match scan_bytes(&part_name, &data, opts) {
            Ok(r) => {
                set_hash.update(part_name.as_bytes());
                set_hash.update(r.sha256.as_bytes());
                if r.kind == InputKind::Apk {
                    parts.push(r);
                } else {
                    report.warnings.push(format!(
                        "{part_name}: not an APK ({:?}), not merged",
                        r.kind
                    ));
                }
            }
            Err(err) => report
                .errors
                .push(Diagnostic::message(Some(part_name), err.to_string())),
        }
    }
    report.sha256 = crate::scan::hex(&set_hash.finalize());
    let info = BundleInfo {
        format: "split-folder".into(),
        ..Default::default()
    };
    merge_parts(&shown, &mut report, parts, info)?;
    Ok(report)
}

/// Merge scanned splits into `report`: the base manifest, the union of permissions,
/// components, dex, native libraries and SDK evidence; every piece names its split.
pub(crate) fn merge_parts(
    name: &str,
    report: &mut ScanReport,
    mut parts: Vec<ScanReport>,
    mut info: BundleInfo,
) -> Result<(), Error> {
    let before = (!parts.is_empty() && parts.iter().all(|p| p.retained.is_some()))
        .then(|| (report.clone(), info.clone()));
    // base first: the part without a `split` attribute, then by name
    parts.sort_by(|a, b| {
        let split = |p: &ScanReport| p.manifest.as_ref().and_then(|m| m.split.clone());
        (split(a).is_some(), &a.file).cmp(&(split(b).is_some(), &b.file))
    });
    let Some(base) = parts.first() else {
        return Err(Error::Parse {
            path: name.to_string(),
            part: None,
            error: ParseError::new(Format::Zip, 0, "split set without a readable APK"),
        });
    };
    if base
        .manifest
        .as_ref()
        .and_then(|m| m.split.as_ref())
        .is_some()
    {
        report.warnings.push(
            "no base APK in the set (every APK has a split attribute): facts come from a split"
                .into(),
        );
    }
    report.package = base.package.clone();
    report.version_code = base.version_code;
    report.version_name = base.version_name.clone();
    report.min_sdk = base.min_sdk;
    report.target_sdk = base.target_sdk;
    report.manifest = base.manifest.clone();
    if let (Some(d), Some(p)) = (&info.declared_package, &report.package) {
        if d != p {
            report.warnings.push(format!(
                "{}: declares package {d}, the base APK is {p}",
                info.metadata_file.as_deref().unwrap_or("metadata")
            ));
        }
    }
    for p in &parts {
        let tag = |s: &str| format!("{}!{s}", p.file);
        if p.package != report.package {
            report.warnings.push(format!(
                "{}: package {:?} differs from the base {:?}",
                p.file, p.package, report.package
            ));
        }
        info.parts.push(SplitPart {
            file: p.file.clone(),
            split: p.manifest.as_ref().and_then(|m| m.split.clone()),
            package: p.package.clone(),
            dex_files: p.dex_files.len(),
            native_libs: p.native_libs.len(),
        });
        report.splits.push(p.file.clone());
        for perm in &p.permissions {
            if !report.permissions.iter().any(|x| x.name == perm.name) {
                report.permissions.push(perm.clone());
            }
        }
        for c in &p.components {
            if !report.components.iter().any(|x| x.name == c.name) {
                report.components.push(c.clone());
            }
        }
        report.class_count += p.class_count;
        report.dex_files.extend(p.dex_files.iter().map(|d| tag(d)));
        report
            .nested_code
            .extend(p.nested_code.iter().cloned().map(|mut n| {
                n.path = tag(&n.path);
                n
            }));
        report
            .native_libs
            .extend(p.native_libs.iter().cloned().map(|mut l| {
                l.path = tag(&l.path);
                l
            }));
        report.quirks.extend(p.quirks.iter().cloned());
        report
            .warnings
            .extend(p.warnings.iter().map(|w| format!("{}: {w}", p.file)));
        report.errors.extend(p.errors.iter().cloned().map(|mut d| {
            d.part = Some(tag(d.part.as_deref().unwrap_or("")));
            d
        }));
        merge_findings(&mut report.sdks, &p.sdks, Some(&p.file));
        crate::detect::data_access::merge_access(&mut report.data_access, &p.data_access, &p.file);
    }
    report.bundle = Some(info);
    report.incomplete = crate::scan::completeness(report);
    if let Some((outer, bundle)) = before {
        report.retained = crate::scan::evidence::Retained::split_set(outer, bundle, &parts)
            .map(std::sync::Arc::new);
    }
    Ok(())
}

pub use crate::detect::sdk::merge_findings;
