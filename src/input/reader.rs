//! The one entry reader: every archive a scan opens is opened here with the input's
//! budget attached, so every entry it inflates (nested archives included) is charged to it
//! as inflation proceeds (inflated bytes, memory, time).

use crate::error::{Error, ParseError};
use crate::formats::zip::{Archive, Entry, InflateBudget, Limits};
use crate::input::budget::FileGuard;
use std::sync::Arc;

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

/// Open an archive whose reads are charged to `guard` (if any).
pub fn open_archive<'a>(
    data: &'a [u8],
    limits: Limits,
    guard: Option<&Arc<FileGuard>>,
) -> Result<Archive<'a>, ParseError> {
    let budget = guard.map(|g| g.clone() as Arc<dyn InflateBudget>);
    Ok(Archive::parse(data, limits)?.with_budget(budget))
}

/// Open an archive nested in `outer` (a jar or APK entry): its reads are charged to the
/// same budget as the outer archive's.
pub fn open_nested<'a>(
    outer: &Archive<'_>,
    data: &'a [u8],
    limits: Limits,
) -> Result<Archive<'a>, ParseError> {
    Ok(Archive::parse(data, limits)?.with_budget(outer.budget()))
}

/// Read an entry after checking the guard; the archive charges what it inflates to the
/// budget it was opened with ([`open_archive`]).
pub fn guarded_read<'a>(
    archive: &Archive<'a>,
    e: &Entry,
    guard: Option<&FileGuard>,
) -> Result<std::borrow::Cow<'a, [u8]>, ParseError> {
    if let Some(g) = guard {
        g.check()?;
    }
    archive.read(e)
}
