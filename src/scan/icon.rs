//! The app's launcher icon, for reports: the raster image the manifest's
//! `<application android:icon>` names, at the highest density the APK carries.
//!
//! The manifest reference resolves to one configuration's file (often `mdpi`); the same
//! file name in the other `res/<type>-<density>/` folders is looked for and the largest
//! raster (PNG, WebP, JPEG) under [`ICON_CAP`] is taken. An adaptive icon (XML) falls back
//! to a raster of the same name; otherwise the reason is returned, never a panic.

use crate::formats::zip::{Archive, Limits};
use std::path::Path;

/// Largest icon embedded in a report.
pub const ICON_CAP: u64 = 512 * 1024;

/// An icon read from an APK.
#[derive(Debug, Clone)]
pub struct Icon {
    /// Entry path in the archive.
    pub entry: String,
    /// MIME type (`image/png`, `image/webp`, `image/jpeg`).
    pub mime: &'static str,
    /// The image bytes.
    pub bytes: Vec<u8>,
}

/// The MIME type of a raster image by its magic bytes.
pub fn image_mime(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some("image/webp")
    } else if b.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Read the launcher icon of the APK at `path`; `Err` says why there is none.
pub fn app_icon(path: &Path) -> Result<Icon, String> {
    if path.is_dir() {
        return Err("a folder of split APKs: icon not read".into());
    }
    let budget = crate::input::budget::Budget::default();
    let root =
        crate::input::manifest::decoded_manifest(path, &budget).map_err(|e| e.to_string())?;
    let app = root
        .children
        .iter()
        .find(|c| c.name == "application")
        .ok_or("the manifest has no <application>")?;
    let attr = app
        .android_attr("icon")
        .ok_or("the manifest names no icon")?;
    let named = attr.resolved.clone().unwrap_or_else(|| attr.text());
    if !named.starts_with("res/") {
        return Err(format!(
            "the icon reference {named} does not resolve to a file"
        ));
    }
    let data = crate::input::open::read_input(path, budget.max_stream_size(), budget.timeout)
        .map_err(|e| e.to_string())?;
    let archive = Archive::parse(&data, Limits::default()).map_err(|e| e.to_string())?;
    // res/<type>-<qualifiers>/<name>.<ext>: the same <type> and stem in any folder
    let mut parts = named.splitn(3, '/');
    let (_, folder, file) = (
        parts.next(),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let kind = folder.split('-').next().unwrap_or(folder);
    let stem = file.split('.').next().unwrap_or(file);
    let mut candidates: Vec<&crate::formats::zip::Entry> = archive
        .entries()
        .iter()
        .filter(|e| {
            let mut p = e.name.splitn(3, '/');
            let (r, f, n) = (p.next(), p.next().unwrap_or(""), p.next().unwrap_or(""));
            r == Some("res")
                && (f == kind || f.starts_with(&format!("{kind}-")))
                && n.split('.').next() == Some(stem)
                && [".png", ".webp", ".jpg", ".jpeg"]
                    .iter()
                    .any(|x| n.to_ascii_lowercase().ends_with(x))
        })
        .collect();
    candidates.sort_by_key(|e| std::cmp::Reverse(e.size));
    let mut why = format!("{named} is not a raster image (an adaptive or vector icon)");
    for e in candidates {
        if e.size > ICON_CAP {
            why = format!(
                "{} is {} bytes, over the {} KiB cap",
                e.name,
                e.size,
                ICON_CAP / 1024
            );
            continue;
        }
        match archive.read(e) {
            Ok(b) => match image_mime(&b) {
                Some(mime) => {
                    return Ok(Icon {
                        entry: e.name.clone(),
                        mime,
                        bytes: b.into_owned(),
                    })
                }
                None => why = format!("{} is not a PNG, WebP or JPEG image", e.name),
            },
            Err(err) => why = format!("{}: {err}", e.name),
        }
    }
    Err(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_name_the_image_type() {
        assert_eq!(image_mime(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_mime(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_mime(b"<vector/>"), None);
        assert_eq!(image_mime(b""), None);
    }
}
