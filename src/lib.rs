//! apkaudit: audit Android apps for privacy disclosure.
//!
//! The pipeline, one module per box:
//!
//! ```text
//! input ─▶ apk / container ─▶ axml + arsc ─▶ manifest
//!                          └▶ dex, native, classfile ─▶ evidence ─▶ signatures ─▶ SDK findings ─┐
//! policy file ─▶ policy ─▶ declared table ────────────────────────────────────────────────────┴▶ audit ─▶ report
//! ```
//!
//! The binary (`src/main.rs`) only calls [`cli::run`].

pub mod audit;
pub mod batch;
pub mod cli;
pub mod detect;
pub mod error;
pub mod formats;
pub mod input;
pub mod knowledge;
pub mod policy;
pub mod report;
pub mod scan;
pub mod signing;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod text;

pub use error::{Diagnostic, Error, Format, ParseError};
