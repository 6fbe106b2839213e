//! Every rendering of results, one file per format: terminal tables (scan, signatures,
//! policy, audit), the Markdown and HTML compliance reports, SARIF, and the `disclose`
//! drafts; `text` holds what the human formats share. JSON is the types' own serde
//! form (docs/scan-json.md).

mod audit_table;
pub mod disclose;
pub mod html;
pub mod json;
mod markdown;
pub mod model;
mod sarif;
mod table;
pub mod text;

pub use audit_table::{audit_table, finding_subject, wrap, TableStyle, MIN_TABLE_WIDTH};
pub use html::audit_html;
pub use markdown::audit_markdown;
pub use sarif::audit_sarif;
pub use table::{fit_table, manifest_table, policy_table, scan_table, signatures_table};
