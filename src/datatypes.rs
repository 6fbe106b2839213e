//! Personal-data types (placeholder until the data table lands).

/// Known data-type ids, when the table is available.
pub fn known_ids() -> Option<Vec<&'static str>> {
    None
}
