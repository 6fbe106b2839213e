//! Binary XML.
