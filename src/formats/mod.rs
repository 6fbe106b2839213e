//! Decoders of the file formats inside an app, one per format, lowest layer of the crate.
//!
//! Each parser borrows its input, returns a [`crate::ParseError`] with the byte offset for
//! malformed input, and knows nothing of SDKs, policies or reports.

pub mod bytes;
pub mod zip;
pub mod signing;
pub mod xml;
pub mod res;
pub mod axml;
pub mod arsc;
pub mod aapt_pb;
pub mod manifest;
pub mod dex;
pub mod classfile;
pub mod elf;
pub mod proguard_map;
pub mod aab_deps;
