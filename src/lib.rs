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

pub mod aabproto;
pub mod apk;
pub mod arsc;
pub mod audit;
pub mod axml;
pub mod batch;
pub mod bundle;
pub mod classfile;
pub mod cli;
pub mod container;
pub mod data_access;
pub mod datatypes;
pub mod dex;
pub mod error;
pub mod fixture;
pub mod manifest;
pub mod native;
pub mod permissions;
pub mod policy;
pub mod report;
pub mod scan;
pub mod sensitive;
pub mod signatures;
pub mod xml;

pub use error::{Diagnostic, Error, Format, ParseError};
