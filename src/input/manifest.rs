//! The decoded manifest of an APK or a raw binary manifest file, with references resolved
//! through `resources.arsc` (for the `manifest` command and split-folder detection).

use crate::error::{Error, Format, ParseError};
use crate::formats::axml;
use crate::formats::xml::Element;
use crate::formats::zip::Limits;
use crate::input::budget::{Budget, FileGuard};
use std::path::Path;

/// Decode the manifest of an APK or raw binary manifest into an element tree, with
/// references resolved through resources.arsc where possible.
pub fn decoded_manifest(path: &Path, budget: &Budget) -> Result<Element, Error> {
    let shown = path.display().to_string();
    let data = crate::input::open::read_input(path, budget.max_stream_size(), budget.timeout)?;
    let guard = std::sync::Arc::new(FileGuard::with_budget(None, *budget));
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
    let archive = crate::input::reader::open_archive(&data, Limits::default(), Some(&guard))
        .map_err(|e| perr(None, e))?;
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
