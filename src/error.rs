//! Error types shared by every parser.
//!
//! Each format parser returns a [`ParseError`]: the format, the byte offset where the
//! problem was seen and a short reason. The scan layer wraps it with the file and the
//! part (zip entry) it came from, so a user always sees *where* a file is broken.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The input format a [`ParseError`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// ZIP container (APK, JAR, AAR, AAB, APKS, XAPK).
    Zip,
    /// Android binary XML.
    Axml,
    /// resources.arsc resource table.
    Arsc,
    /// Dalvik executable.
    Dex,
    /// ELF shared object.
    Elf,
    /// Java class file.
    Class,
    /// Protocol-buffer XML (aapt2, inside .aab).
    Proto,
    /// Text XML.
    Xml,
    /// Privacy-policy document.
    Policy,
    /// Signature database file.
    Signature,
    /// Data file shipped with apkaudit.
    Data,
    /// ProGuard/R8 mapping file (`mapping.txt`, an `.aab`'s `proguard.map`).
    Mapping,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Format::Zip => "zip",
            Format::Axml => "axml",
            Format::Arsc => "arsc",
            Format::Dex => "dex",
            Format::Elf => "elf",
            Format::Class => "class",
            Format::Proto => "proto",
            Format::Xml => "xml",
            Format::Policy => "policy",
            Format::Signature => "signature",
            Format::Data => "data",
            Format::Mapping => "mapping",
        };
        f.write_str(s)
    }
}

/// A malformed-input error: which format, at which byte offset, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{format}: {reason} (at offset {offset:#x})")]
pub struct ParseError {
    /// Format being parsed.
    pub format: Format,
    /// Byte offset in the parsed buffer where the problem was found.
    pub offset: u64,
    /// Human-readable reason.
    pub reason: String,
}

impl ParseError {
    /// Build a parse error.
    pub fn new(format: Format, offset: impl TryInto<u64>, reason: impl Into<String>) -> Self {
        ParseError {
            format,
            offset: offset.try_into().unwrap_or(u64::MAX),
            reason: reason.into(),
        }
    }
}

/// Top-level error: a problem with one input file, with the file (and part) named.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// File path.
        path: String,
        /// Underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A part of the file is malformed.
    #[error("{path}{}: {error}", part.as_deref().map(|p| format!("!{p}")).unwrap_or_default())]
    Parse {
        /// File path.
        path: String,
        /// Entry inside the container (e.g. `classes2.dex`), when the problem is in one.
        part: Option<String>,
        /// What was wrong.
        error: ParseError,
    },
    /// Bad command-line usage or configuration.
    #[error("{0}")]
    Usage(String),
}

/// A non-fatal problem recorded in a scan result (`errors` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Part of the input (zip entry, `manifest`, `resources.arsc`, ...), if any.
    pub part: Option<String>,
    /// Format that failed to parse, if it is a parse error.
    pub format: Option<Format>,
    /// Byte offset within the part, if known.
    pub offset: Option<u64>,
    /// What went wrong.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic from a parse error in `part`.
    pub fn from_parse(part: impl Into<String>, e: &ParseError) -> Self {
        Diagnostic {
            part: Some(part.into()),
            format: Some(e.format),
            offset: Some(e.offset),
            message: e.reason.clone(),
        }
    }
    /// A free-form diagnostic.
    pub fn message(part: Option<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            part,
            format: None,
            offset: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.part {
            write!(f, "{p}: ")?;
        }
        if let Some(fm) = self.format {
            write!(f, "{fm}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(o) = self.offset {
            write!(f, " (at offset {o:#x})")?;
        }
        Ok(())
    }
}

/// Convenience alias.
pub type Result<T, E = ParseError> = std::result::Result<T, E>;
