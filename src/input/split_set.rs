//! Split APK sets as users hand them over, before any scanning: the set's own metadata
//! (bundletool `toc.pb`, `.xapk` `manifest.json` with OBB files, APKMirror `info.json`),
//! encrypted `.apkm` recognition, and folders of split APKs.

use crate::error::{Error, Format, ParseError};
use crate::formats::zip::Archive;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What the set's own metadata says, and the files that are not APKs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BundleInfo {
    /// `apks` (bundletool), `xapk`, `apkm`, `split-folder`, or `zip` (APKs in a plain zip).
    pub format: String,
    /// Metadata file read (`toc.pb`, `manifest.json`, `info.json`), if any.
    pub metadata_file: Option<String>,
    /// Package name the metadata declares.
    pub declared_package: Option<String>,
    /// versionCode the metadata declares.
    pub declared_version_code: Option<i64>,
    /// versionName the metadata declares.
    pub declared_version_name: Option<String>,
    /// Split APK files the metadata lists (xapk `split_apks`).
    pub declared_splits: Vec<String>,
    /// The split APKs read, base first.
    pub parts: Vec<SplitPart>,
    /// OBB expansion files (`.obb`, xapk `expansions`).
    pub obb: Vec<ObbFile>,
}

/// One split APK of a set.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SplitPart {
    /// Path inside the set (or file name in a split folder).
    pub file: String,
    /// The manifest's `split` attribute; `None` for the base APK.
    pub split: Option<String>,
    /// Package name of this split's manifest.
    pub package: Option<String>,
    /// Dex files in this split.
    pub dex_files: usize,
    /// Native libraries in this split.
    pub native_libs: usize,
}

/// An OBB expansion file shipped with an `.xapk`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ObbFile {
    /// Path inside the set.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
}

/// The fixed header of an encrypted APKMirror bundle: a version byte, the libsodium
/// password-hash algorithm (1 or 2), opslimit, memlimit and chunk size (u64 LE each),
/// a 16-byte salt and a 24-byte secretstream header.
const APKM_HEADER_LEN: usize = 2 + 8 + 8 + 8 + 16 + 24;

/// True when `data` has the header of an encrypted `.apkm` (not a zip at all).
pub fn looks_like_encrypted_apkm(data: &[u8]) -> bool {
    if data.len() <= APKM_HEADER_LEN || data.starts_with(b"PK") {
        return false;
    }
    let u64_at = |o: usize| {
        data.get(o..o + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .unwrap_or(u64::MAX)
    };
    let alg = data.get(1).copied().unwrap_or(0);
    let ops = u64_at(2);
    let mem = u64_at(10);
    let chunk = u64_at(18);
    (1..=2).contains(&alg)
        && (1..=1024).contains(&ops)
        && mem > 0
        && mem <= 1 << 32
        && (1..=64 << 20).contains(&chunk)
}

/// The error for an input that is an encrypted `.apkm`.
pub fn encrypted_apkm_error(name: &str) -> Error {
    Error::Parse {
        path: name.to_string(),
        part: None,
        error: ParseError::new(
            Format::Zip,
            0,
            "encrypted APKMirror bundle (.apkm: libsodium secretstream, not a zip); \
             apkaudit does not decrypt it: convert it to .apks first, then scan that",
        ),
    }
}

/// True when `dir` holds split APKs of one app: at least one `.apk`, exactly one base
/// (no `split` attribute) and every APK with the same package.
pub fn is_split_folder(dir: &Path) -> bool {
    let files = apk_files(dir);
    if files.len() < 2 {
        return false;
    }
    let mut bases = 0;
    let mut package: Option<String> = None;
    for f in &files {
        let Ok(root) = super::manifest::decoded_manifest(f, &super::budget::Budget::default())
        else {
            return false;
        };
        let m = crate::formats::manifest::Manifest::from_xml(&root);
        if m.split.is_none() {
            bases += 1;
        }
        match (&package, &m.package) {
            (None, Some(p)) => package = Some(p.clone()),
            (Some(a), Some(b)) if a != b => return false,
            (_, None) => return false,
            _ => {}
        }
    }
    bases == 1
}

/// `.apk` files directly inside `dir`, sorted by name.
pub fn apk_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("apk"))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Read the set's metadata: bundletool `toc.pb`, xapk `manifest.json`, apkm `info.json`.
pub fn read_metadata(archive: &Archive<'_>, warnings: &mut Vec<String>) -> BundleInfo {
    let mut info = BundleInfo::default();
    if archive.find("toc.pb").is_some() {
        info.format = "apks".into();
        info.metadata_file = Some("toc.pb".into());
    }
    for (file, format) in [("manifest.json", "xapk"), ("info.json", "apkm")] {
        let Some(read) = archive.read_name(file) else {
            continue;
        };
        info.format = format.into();
        info.metadata_file = Some(file.into());
        let json: serde_json::Value = match read
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(v) => v,
            Err(e) => {
                warnings.push(format!("{file}: unreadable metadata: {e}"));
                continue;
            }
        };
        let text = |keys: &[&str]| {
            keys.iter().find_map(|k| match json.get(k) {
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
        };
        info.declared_package = text(&["package_name", "pname"]);
        info.declared_version_name = text(&["version_name", "release_version"]);
        info.declared_version_code =
            text(&["version_code", "versioncode"]).and_then(|v| v.trim().parse().ok());
        if let Some(serde_json::Value::Array(a)) = json.get("split_apks") {
            info.declared_splits = a
                .iter()
                .filter_map(|s| s.get("file").and_then(|f| f.as_str()).map(str::to_string))
                .collect();
        }
        if let Some(serde_json::Value::Array(a)) = json.get("expansions") {
            for x in a {
                if let Some(f) = x.get("file").and_then(|f| f.as_str()) {
                    if archive.find(f).is_none() {
                        warnings.push(format!("{file}: expansion {f} is listed but absent"));
                    }
                }
            }
        }
        for f in &info.declared_splits {
            if archive.find(f).is_none() {
                warnings.push(format!("{file}: split {f} is listed but absent"));
            }
        }
    }
    info
}
