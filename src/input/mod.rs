//! What the user hands over, before any decoding of its content: the kind of a container
//! (by content, not name), split-set metadata, the decoded manifest of a file, and the one
//! entry reader that charges every inflated byte to the file's budget.

pub mod kind;
pub mod split_set;
pub mod manifest;
pub mod budget;
pub mod reader;
pub mod open;
