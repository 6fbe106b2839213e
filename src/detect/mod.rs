//! Identification: which SDKs an app carries and which of its code reads personal data.

pub mod data_access;
pub mod sdk;
