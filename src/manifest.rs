//! Manifest model.
