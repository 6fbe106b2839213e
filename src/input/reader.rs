//! The one entry reader: every zip entry a scan inflates goes through here, so the file's
//! budget (inflated bytes, time) counts it.

use crate::error::{Error, ParseError};
use crate::formats::zip::{Archive, Entry};
use crate::input::budget::FileGuard;

/// Batch guard: `Err` once this file's inflate or time budget is spent.
pub fn guard_check(name: &str, guard: Option<&FileGuard>) -> Result<(), Error> {
    match guard {
        Some(g) => g.check().map_err(|error| Error::Parse {
            path: name.to_string(),
            part: None,
            error,
        }),
        None => Ok(()),
    }
}

/// Read an entry, counting inflated bytes against the batch guard (if any).
pub fn guarded_read<'a>(
    archive: &Archive<'a>,
    e: &Entry,
    guard: Option<&FileGuard>,
) -> Result<std::borrow::Cow<'a, [u8]>, ParseError> {
    if let Some(g) = guard {
        g.check()?;
    }
    let bytes = archive.read(e)?;
    if let (Some(g), std::borrow::Cow::Owned(v)) = (guard, &bytes) {
        g.charge(v.len() as u64)?;
    }
    Ok(bytes)
}
