//! Decoders of the file formats inside an app, one per format, lowest layer of the crate.
//!
//! Each parser borrows its input, returns a [`crate::ParseError`] with the byte offset for
//! malformed input, and knows nothing of SDKs, policies or reports.

pub mod aapt_pb;
pub mod arsc;
pub mod axml;
pub mod bytes;
pub mod classfile;
pub mod dex;
pub mod elf;
pub mod manifest;
pub mod signing;
pub mod xml;
pub mod zip;
