//! Identification: which SDKs an app carries and which of its code reads personal data.

pub mod attribution;
pub mod data_access;
pub mod graph;
pub mod identify;
pub mod sdk;
