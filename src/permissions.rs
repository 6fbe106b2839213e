//! Android permission knowledge (placeholder until the data table lands).

/// Protection level of a permission, or `unknown` for custom permissions.
pub fn protection_of(_name: &str) -> String {
    "unknown".to_string()
}
