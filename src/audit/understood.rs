//! How much of the policy was understood, measured before any rule runs, and which rules
//! can therefore not be judged.
//!
//! The reader reports what it read and the sections that look like an SDK or permission
//! list but yielded nothing (`DeclaredPolicy::unread`). A rule whose answer depends on such
//! a section is not judged: its findings carry the reason and severity `info`, so a misread
//! never becomes a `high` finding.

use crate::policy::{DeclaredPolicy, DeclaredSdk, UnreadSection};
use serde::Serialize;

/// What was read from the policy, and what could not be judged because of it.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PolicyUnderstood {
    /// SDK rows read.
    pub sdk_rows: usize,
    /// SDK rows resolved to a known SDK.
    pub sdk_rows_resolved: usize,
    /// SDK rows whose collected-data field was read (data types or a data cell).
    pub sdk_rows_with_data: usize,
    /// Permissions read (permission lists and SDK rows).
    pub permissions: usize,
    /// Data-type mentions read outside SDK rows.
    pub data_types: usize,
    /// Category-level disclosures ("advertising partners").
    pub vague: usize,
    /// Sections that look like an SDK, permission or data list but yielded nothing.
    pub unread_sections: Vec<UnreadSection>,
    /// Why SDK findings are not judged, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdks_unjudged: Option<String>,
    /// Why permission findings are not judged, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_unjudged: Option<String>,
    /// Why data findings per SDK row are not judged, if so (rows without any data field
    /// when no row has one: the data column was not found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_unjudged: Option<String>,
    /// One line: "policy understood: 4 SDK rows, 0 permissions, data column not found".
    pub headline: String,
}

impl PolicyUnderstood {
    /// Measure a (possibly merged) declared policy.
    pub fn measure(p: &DeclaredPolicy) -> PolicyUnderstood {
        let c = p.coverage();
        let unread = &c.unread_sections;
        let sdk_rows = c.sdk_rows;
        let with_data = c.sdk_rows_with_data;
        let permissions = c.permissions;
        let unread_of = |kind: &str| {
            unread.iter().find(|u| u.kind == kind).map(|u| {
                let at = match &u.file {
                    Some(f) => format!("{f}:{}", u.line),
                    None => format!("line {}", u.line),
                };
                format!("the {kind} list at {at} was not understood")
            })
        };
        let sdks_unjudged = (sdk_rows == 0 && p.vague.is_empty())
            .then(|| unread_of("SDK"))
            .flatten();
        let permissions_unjudged = (permissions == 0)
            .then(|| unread_of("permission"))
            .flatten();
        let data_unjudged = (sdk_rows > 0 && with_data == 0).then(|| {
            "no SDK row's collected-data field was read (data column not found)".to_string()
        });
        let mut headline = format!(
            "policy understood: {sdk_rows} SDK row{} ({} resolved), {permissions} permission{}, {} data-type mention{}",
            plural(sdk_rows),
            c.sdk_rows_resolved,
            plural(permissions),
            c.data_types,
            plural(c.data_types),
        );
        if data_unjudged.is_some() {
            headline.push_str(", data column not found");
        }
        if !unread.is_empty() {
            headline.push_str(&format!(
                ", {} section{} not understood",
                unread.len(),
                plural(unread.len())
            ));
        }
        PolicyUnderstood {
            sdk_rows,
            sdk_rows_resolved: c.sdk_rows_resolved,
            sdk_rows_with_data: with_data,
            permissions,
            data_types: c.data_types,
            vague: c.vague,
            unread_sections: c.unread_sections.clone(),
            sdks_unjudged,
            permissions_unjudged,
            data_unjudged,
            headline,
        }
    }
}

/// Whether an SDK row's collected-data field was read.
pub fn has_data(s: &DeclaredSdk) -> bool {
    !s.data_types.is_empty() || s.data_text.is_some()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
