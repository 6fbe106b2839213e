//! Every rendering of results, one file per format: terminal tables (scan, signatures,
//! policy, audit), the Markdown compliance report and SARIF. JSON is the types' own serde
//! form (docs/scan-json.md).

mod audit_table;
mod markdown;
mod sarif;
mod table;
pub mod text;

pub use audit_table::{audit_table, finding_subject, wrap, TableStyle, MIN_TABLE_WIDTH};
pub use markdown::audit_markdown;
pub use sarif::audit_sarif;
pub use table::{policy_table, scan_table, signatures_table};
