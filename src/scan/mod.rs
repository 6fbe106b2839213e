//! The scan pipeline: one input file in, one [`ScanReport`] out.
//!
//! Per-part problems (a broken dex, an unreadable entry) become entries in
//! [`ScanReport::errors`]; only an input that cannot be read at all is an [`Error`].

use crate::error::{Diagnostic, Error, ParseError};
use crate::formats::axml;
use crate::formats::manifest::{Component, Manifest, UsesPermission};
use crate::formats::xml::Element;
use crate::formats::zip::{Limits, Quirk};
use serde::{Deserialize, Serialize};

mod archive;
pub mod evidence;
pub mod icon;
mod nested;
pub mod splits;

pub use crate::input::manifest::decoded_manifest;

/// The decoded manifest with numeric enum and flag values named
/// (`screenOrientation="portrait"`, `data/manifest_values.toml`), for `apkaudit manifest`.
pub fn named_manifest(
    path: &Path,
    budget: &crate::input::budget::Budget,
) -> Result<Element, Error> {
    fn walk(el: &mut Element, db: &crate::knowledge::manifest_values::ManifestValues) {
        for a in &mut el.attributes {
            if a.resolved.is_some()
                || a.namespace.as_deref() != Some(crate::formats::xml::ANDROID_NS)
            {
                continue;
            }
            let n = match a.value {
                crate::formats::xml::Value::Int(i) => i64::from(i),
                crate::formats::xml::Value::Hex(h) => i64::from(h),
                _ => continue,
            };
            if let Some(name) = db.name(&a.name, n) {
                a.resolved = Some(name);
            }
        }
        for c in &mut el.children {
            walk(c, db);
        }
    }
    let mut root = decoded_manifest(path, budget)?;
    walk(
        &mut root,
        crate::knowledge::manifest_values::ManifestValues::embedded(),
    );
    Ok(root)
}
use sha2::{Digest, Sha256};
use std::path::Path;

/// Options of a scan.
#[derive(Clone, Default)]
pub struct ScanOptions {
    /// Container caps.
    pub limits: Limits,
    /// Knowledge (signatures, sensitive APIs, permissions); the embedded one when `None`.
    pub knowledge: Option<std::sync::Arc<crate::knowledge::Knowledge>>,
    /// The caps of one input (inflated bytes, memory, time), enforced by a guard made
    /// when the scan starts unless `guard` is already set.
    pub budget: crate::input::budget::Budget,
    /// The guard enforcing this input's budget (a batch sets it with its dex-buffer
    /// permits); `None` until the scan starts, which makes one from `budget`.
    pub guard: Option<std::sync::Arc<crate::input::budget::FileGuard>>,
    /// How deep inside a split set this scan is (0 for the input itself). A split set
    /// inside a split set is not opened, so nested archives cannot recurse without bound.
    pub split_depth: u8,
    /// A ProGuard/R8 mapping file for the app's code (`--mapping FILE`); an `.aab`'s own
    /// `proguard.map` is used when this is `None`.
    pub mapping: Option<std::path::PathBuf>,
    /// Keep the collected evidence in [`ScanReport::evidence`] (to re-run
    /// [`crate::detect::identify::identify`] without the input).
    pub keep_evidence: bool,
}

impl ScanOptions {
    /// The knowledge this scan matches against.
    pub fn knowledge(&self) -> &crate::knowledge::Knowledge {
        match &self.knowledge {
            Some(k) => k,
            None => crate::knowledge::Knowledge::embedded(),
        }
    }

    /// These options with a guard: the one set, else a fresh one enforcing `budget`.
    pub fn guarded(&self) -> std::borrow::Cow<'_, ScanOptions> {
        if self.guard.is_some() {
            return std::borrow::Cow::Borrowed(self);
        }
        let guard = crate::input::budget::FileGuard::with_budget(None, self.budget);
        std::borrow::Cow::Owned(ScanOptions {
            guard: Some(std::sync::Arc::new(guard)),
            ..self.clone()
        })
    }
}

/// What kind of input was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// Version of the scan JSON layout (docs/scan-json.md).
pub const SCAN_SCHEMA_VERSION: u32 = 1;

/// The scan result; its JSON form is documented in `docs/scan-json.md`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanReport {
    /// Version of this JSON layout ([`SCAN_SCHEMA_VERSION`]).
    pub schema_version: u32,
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
    pub bundle: Option<crate::input::split_set::BundleInfo>,
    /// Third-party SDKs found, with their evidence.
    #[serde(skip_deserializing)]
    pub sdks: Vec<crate::detect::sdk::SdkFinding>,
    /// Personal data read by sensitive API calls in the dex code, per owner (SDK, app,
    /// unknown), with call sites as evidence.
    #[serde(skip_deserializing)]
    pub data_access: Vec<crate::detect::data_access::DataAccess>,
    /// Native libraries (`lib/<abi>/*.so`).
    pub native_libs: Vec<NativeLibInfo>,
    /// Container quirks (Android accepts them; other tools may not).
    pub quirks: Vec<Quirk>,
    /// Decoder warnings (hostile tricks met and worked around).
    pub warnings: Vec<String>,
    /// Typed warnings that the scan could not see all of the app's code (a packer hides
    /// it): SDK and data findings are then incomplete.
    #[serde(skip_deserializing)]
    pub incomplete: Vec<Incomplete>,
    /// Problems with parts of the input; empty when clean.
    pub errors: Vec<Diagnostic>,
    /// The mapping file used to read renamed classes (`--mapping FILE` or the `.aab`'s
    /// `BUNDLE-METADATA/…/proguard.map`), when one matched the code.
    pub mapping: Option<String>,
    /// The evidence identification ran on, when [`ScanOptions::keep_evidence`] is set.
    #[serde(skip)]
    pub evidence: Option<std::sync::Arc<crate::detect::identify::Evidence>>,
    /// What `scan --evidence` writes, when [`ScanOptions::keep_evidence`] is set: the
    /// report before identification with its evidence ([`evidence::Retained`]).
    #[serde(skip)]
    pub retained: Option<std::sync::Arc<evidence::Retained>>,
    /// Signing facts of an APK (schemes, signers' certificates, debug certificate, Janus
    /// exposure; docs/signing.md); `None` for other inputs.
    pub signing: Option<crate::formats::signing::SigningInfo>,
}

/// A native library in the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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

/// Why a scan saw only part of the app's code (`incomplete` in the scan JSON).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Incomplete {
    /// A packer (an SDK of category `packer`) was found: the app's real code is
    /// encrypted in a payload the scan cannot read, so SDKs and data reads in it are
    /// missing from the findings.
    CodeHiddenByPacker {
        /// The packer's signature id.
        packer: String,
        /// What identified the packer (`kind (count): examples`).
        evidence: Vec<String>,
        /// Classes the scan could read (root dex, class files and readable payloads).
        classes_read: usize,
        /// Payloads outside the root dex that were listed but not (or barely) read.
        payloads: Vec<String>,
        /// One English sentence.
        message: String,
    },
    /// Most of the manifest's components have no class in the code read: the code is
    /// hidden or loaded at run time (a packer the database does not know, a payload
    /// downloaded later, an odexed system APK) or in split APKs not given (a base APK
    /// scanned alone), so SDK and data findings are incomplete.
    ComponentsWithoutCode {
        /// Activities, services, receivers and providers the manifest declares.
        components: usize,
        /// How many of them have no class in the code read.
        missing: usize,
        /// A few of the missing ones.
        examples: Vec<String>,
        /// Classes the scan could read.
        classes_read: usize,
        /// One English sentence.
        message: String,
    },
}

/// [`Incomplete::ComponentsWithoutCode`] is said when the manifest declares at least this
/// many components (activities, services, receivers, providers) …
pub const MIN_COMPONENTS_CHECKED: usize = 4;
/// … and at least this share of them (in percent) has no class in the code read.
pub const MISSING_COMPONENTS_PERCENT: usize = 75;

/// The `components_without_code` warning of an APK or AAB whose code is `classes` (root and
/// nested), if most of its manifest components have no class there.
pub fn components_without_code(
    report: &ScanReport,
    classes: &std::collections::HashSet<&str>,
) -> Option<Incomplete> {
    let declared: Vec<&str> = report
        .components
        .iter()
        .filter(|c| c.kind != "activity-alias")
        .map(|c| c.name.as_str())
        .collect();
    let missing: Vec<&str> = declared
        .iter()
        .copied()
        .filter(|n| !classes.contains(n))
        .collect();
    let enough = declared.len() >= MIN_COMPONENTS_CHECKED
        && missing.len() * 100 >= declared.len() * MISSING_COMPONENTS_PERCENT;
    enough.then(|| {
        let nested: usize = report.nested_code.iter().map(|n| n.class_count).sum();
        let classes_read = report.class_count + nested;
        Incomplete::ComponentsWithoutCode {
            components: declared.len(),
            missing: missing.len(),
            examples: missing.iter().take(5).map(|s| s.to_string()).collect(),
            classes_read,
            message: format!(
                "{} of the {} components the manifest declares have no class in the code read \
                 ({classes_read} classes): the code is hidden, loaded at run time or in split \
                 APKs not given, so SDK and data findings are incomplete",
                missing.len(),
                declared.len()
            ),
        }
    })
}

impl Incomplete {
    /// The English sentence of this warning.
    pub fn message(&self) -> &str {
        match self {
            Incomplete::CodeHiddenByPacker { message, .. }
            | Incomplete::ComponentsWithoutCode { message, .. } => message,
        }
    }
}

/// The typed warnings of a scan whose SDKs are known: one `code_hidden_by_packer` per
/// packer found. Also used when identification is re-run on kept evidence.
pub fn completeness(report: &ScanReport) -> Vec<Incomplete> {
    let nested_classes: usize = report.nested_code.iter().map(|n| n.class_count).sum();
    let classes_read = report.class_count + nested_classes;
    report
        .sdks
        .iter()
        .filter(|s| s.category == crate::knowledge::signatures::Category::Packer)
        .map(|s| Incomplete::CodeHiddenByPacker {
            packer: s.id.clone(),
            evidence: s
                .evidence
                .iter()
                .map(|e| format!("{} ({}): {}", e.kind, e.count, e.examples.join(", ")))
                .collect(),
            classes_read,
            payloads: report
                .nested_code
                .iter()
                .filter(|n| n.format == "opaque" || n.class_count <= 1)
                .map(|n| n.path.clone())
                .collect(),
            message: format!(
                "packed with {} ({}): the code the packer hides was not read ({classes_read} \
                 classes read), so SDK and data findings are incomplete",
                s.name, s.id
            ),
        })
        .collect()
}

/// Scan one file, or a folder of split APKs (see [`crate::scan::splits::scan_split_folder`]).
pub fn scan_file(path: &Path, opts: &ScanOptions) -> Result<ScanReport, Error> {
    let opts = &*opts.guarded();
    if path.is_dir() {
        return crate::scan::splits::scan_split_folder(path, opts);
    }
    let shown = path.display().to_string();
    let data =
        crate::input::open::read_input(path, opts.budget.max_stream_size(), opts.budget.timeout)?;
    scan_bytes(&shown, &data, opts)
}

/// Scan an input already in memory; `name` is used in the report and errors. The scan
/// runs under `opts.guard`, or a fresh guard enforcing `opts.budget`.
pub fn scan_bytes(name: &str, data: &[u8], opts: &ScanOptions) -> Result<ScanReport, Error> {
    let opts = &*opts.guarded();
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
    let archive = match crate::input::reader::open_archive(data, opts.limits, opts.guard.as_ref()) {
        Ok(a) => a,
        Err(_) if crate::input::split_set::looks_like_encrypted_apkm(data) => {
            return Err(crate::input::split_set::encrypted_apkm_error(name))
        }
        Err(e) => return Err(perr(None, e)),
    };
    let mut report = archive::scan_archive(name, &archive, report, opts)?;
    if report.kind == InputKind::Apk {
        report.signing = Some(read_signing(data, &archive, report.min_sdk));
    }
    Ok(report)
}

/// Most bytes of `META-INF/` signature files read for the signing facts.
const SIGNING_FILES_CAP: u64 = 16 << 20;

/// The signing facts of an APK: its signing block and the v1 files under `META-INF/`
/// (each read within the archive's limits; past [`SIGNING_FILES_CAP`] the rest is left out
/// with a warning).
fn read_signing(
    data: &[u8],
    archive: &crate::formats::zip::Archive<'_>,
    min_sdk: Option<i64>,
) -> crate::formats::signing::SigningInfo {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let mut total = 0u64;
    for e in archive.entries() {
        let upper = e.name.to_ascii_uppercase();
        let wanted = upper.starts_with("META-INF/")
            && !upper["META-INF/".len()..].contains('/')
            && [".SF", ".RSA", ".DSA", ".EC", "/MANIFEST.MF"]
                .iter()
                .any(|x| upper.ends_with(x));
        if !wanted {
            continue;
        }
        total = total.saturating_add(e.size);
        if total > SIGNING_FILES_CAP {
            notes.push(format!("{}: left out, signature files over 16 MiB", e.name));
            continue;
        }
        match archive.read(e) {
            Ok(b) => files.push((e.name.clone(), b.into_owned())),
            Err(err) => notes.push(format!("{}: {err}", e.name)),
        }
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let min = min_sdk.and_then(|m| u32::try_from(m).ok());
    let mut info = crate::formats::signing::read_signing(data, &refs, min);
    info.warnings.extend(notes);
    info
}

/// A report with no facts yet.
pub(crate) fn empty_report(name: &str, kind: InputKind) -> ScanReport {
    ScanReport {
        schema_version: SCAN_SCHEMA_VERSION,
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
        incomplete: Vec::new(),
        errors: Vec::new(),
        mapping: None,
        evidence: None,
        retained: None,
        signing: None,
    }
}

/// `classes.dex`, `classes2.dex`, ... at the root of the archive.
pub fn is_root_dex(name: &str) -> bool {
    name.strip_prefix("classes")
        .and_then(|r| r.strip_suffix(".dex"))
        .is_some_and(|n| {
            n.is_empty() || (n.chars().all(|c| c.is_ascii_digit()) && !n.starts_with('0'))
        })
}

pub(crate) fn fill_manifest(report: &mut ScanReport, root: &Element) {
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
