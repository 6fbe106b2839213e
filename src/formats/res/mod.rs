//! The Android resource chunk layer shared by binary XML ([`crate::formats::axml`]) and
//! resource tables ([`crate::formats::arsc`]), as AOSP's `ResourceTypes.h` defines it for
//! both (and Apktool's `ResStringPool`, androguard's `StringBlock` serve both):
//! [`chunk`] headers, the [`string_pool`] and typed [`value`]s.
//!
//! One hostile-input policy for both users: lenient. A lying count or size is clamped to
//! the bytes present with a warning; nothing is allocated from a count read in the input;
//! strings are decoded lazily from the borrowed chunk.

pub mod chunk;
pub mod string_pool;
pub mod value;

pub use chunk::ChunkHeader;
pub use string_pool::StringPool;
pub use value::ResValue;
