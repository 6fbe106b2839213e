//! apkaudit: audit Android apps for privacy disclosure.
//!
//! The folders are the pipeline, and dependencies point down this list (a module never
//! names one listed after it; `tests/it/architecture.rs` checks it):
//!
//! ```text
//! formats   zip, xml, axml, arsc, aapt_pb, manifest, dex, classfile, elf, signing
//! input     container kind, split-set metadata, budget, the one entry reader
//! knowledge signatures, permissions, data types, sensitive APIs, policy terms (loaded once)
//! detect    SDK identification, call-site attribution
//! scan      one input → ScanReport (manifest, native, dex, nested code, splits)
//! policy    a privacy policy → DeclaredPolicy
//! audit     ScanReport × DeclaredPolicy → findings (typed rules)
//! report    tables, Markdown, SARIF
//! batch     many inputs → JSONL records, summaries
//! ```
//!
//! `error` and `text` are shared by all. The binary (`src/main.rs`, `src/cli/`) parses
//! arguments and prints; the facade below is what a library user needs.

pub mod error;
pub mod text;

pub mod formats;
pub mod input;
pub mod knowledge;
pub mod detect;
pub mod scan;
pub mod policy;
pub mod audit;
pub mod report;
pub mod batch;

#[cfg(feature = "testkit")]
pub mod testkit;

pub use audit::audit;
pub use error::{Diagnostic, Error, Format, ParseError};
pub use knowledge::Knowledge;
pub use policy::read_policy;
pub use scan::{scan_file, ScanOptions, ScanReport};
