//! Container kinds beyond a plain APK: Android App Bundles (`.aab`), SDK artefacts
//! (`.aar`, `.jar`) and split-APK sets (`.apks`, `.xapk`, `.apkm`), detected by content.

use crate::formats::zip::Archive;

/// What a ZIP container holds, decided from its entries (not its file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipKind {
    /// A plain APK: binary `AndroidManifest.xml` at the root.
    Apk,
    /// An Android App Bundle: `base/manifest/AndroidManifest.xml` (protobuf XML).
    Aab,
    /// An Android library: text `AndroidManifest.xml` and `classes.jar`.
    Aar,
    /// A Java archive: `.class` entries (possibly a `classes.dex`).
    Jar,
    /// A set of split APKs (`.apks`, `.xapk`, `.apkm`): nested `.apk` entries.
    SplitSet,
    /// None of the above.
    Unknown,
}

/// Decide the kind of a ZIP container from its entries.
pub fn detect(archive: &Archive<'_>) -> ZipKind {
    let has = |n: &str| archive.find(n).is_some();
    if has("base/manifest/AndroidManifest.xml") {
        return ZipKind::Aab;
    }
    if has("AndroidManifest.xml") {
        let text = archive
            .read_name("AndroidManifest.xml")
            .and_then(|r| r.ok())
            .is_some_and(|b| is_text_xml(&b));
        return if text { ZipKind::Aar } else { ZipKind::Apk };
    }
    let entries = archive.entries();
    if entries.iter().any(|e| e.name.ends_with(".apk")) {
        return ZipKind::SplitSet;
    }
    if entries.iter().any(|e| e.name.ends_with(".class")) || has("classes.dex") {
        return ZipKind::Jar;
    }
    ZipKind::Unknown
}

/// Text XML starts (after an optional BOM and whitespace) with `<`; binary XML with a
/// little-endian chunk type.
pub fn is_text_xml(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b);
    b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'<')
}

/// Whether an entry of an AAR or JAR is a payload loaded at run time (a plugin dex, jar
/// or APK under `assets/` or `res/raw/`, as GDT's `assets/gdt_plugin/gdtadv2.jar`) rather
/// than the artefact's own code (`classes.jar`, `libs/*.jar`, root class files and dex).
pub fn is_artefact_payload(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let code = n.ends_with(".dex") || n.ends_with(".jar") || n.ends_with(".apk");
    code && (n.starts_with("assets/") || n.starts_with("res/raw/") || n.contains("/assets/"))
}
