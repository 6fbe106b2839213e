//! What apkaudit knows, loaded once: SDK signatures (compiled into a matcher), the
//! permission table, data types, sensitive APIs and the policy reader's terms.
//!
//! Every table is reviewed data (`signatures/`, `data/`), embedded at build time and
//! validated at load. [`Knowledge::embedded`] loads them once per process;
//! [`Knowledge::load`] adds a `--signatures DIR` on top. Everything above this layer
//! (detection, scan, policy reading, audit, reports) takes its facts from a `Knowledge`.

pub mod categories;
pub mod data_types;
pub mod manifest_values;
pub mod permissions;
pub mod policy_names;
pub mod policy_terms;
pub mod sensitive_apis;
pub mod signatures;

use crate::error::{Format, ParseError};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::OnceLock;

/// Display language of names and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

/// All knowledge tables, loaded and validated together.
pub struct Knowledge {
    /// SDK signatures (embedded, plus any `--signatures DIR`).
    pub signatures: signatures::SignatureDb,
    /// The signatures compiled for matching.
    pub matcher: signatures::Matcher,
    /// Android permissions.
    pub permissions: permissions::PermissionDb,
    /// Personal-data types and their aliases.
    pub data_types: data_types::DataTypeDb,
    /// Sensitive APIs and the data they read.
    pub sensitive_apis: sensitive_apis::SensitiveApiDb,
    /// English and Chinese names of SDK categories.
    pub categories: categories::CategoryNames,
    /// Policy-reader vocabulary and data-type coverage rules.
    pub terms: policy_terms::PolicyTerms,
    /// SDK and permission names compiled for reading policies (built once).
    pub policy_names: std::sync::Arc<policy_names::PolicyNames>,
    /// SHA-256 over every table's text and the signature files in use (provenance: two
    /// results with the same digest were made with the same knowledge).
    pub digest: String,
}

/// The embedded text of each fixed table, with its name.
const TABLES: &[(&str, &str)] = &[
    ("data/permissions.toml", permissions::EMBEDDED),
    ("data/data_types.toml", data_types::EMBEDDED),
    ("data/sensitive_apis.toml", sensitive_apis::EMBEDDED),
    ("data/policy_terms.toml", policy_terms::EMBEDDED_TERMS),
    ("data/data_coverage.toml", policy_terms::EMBEDDED_COVERAGE),
    ("data/permission_labels.toml", policy_names::EMBEDDED_LABELS),
    ("data/categories.toml", categories::EMBEDDED),
];

fn data_err(file: &str, e: impl std::fmt::Display) -> ParseError {
    ParseError::new(Format::Data, 0u64, format!("{file}: {e}"))
}

impl Knowledge {
    /// The embedded knowledge, loaded once per process. Shipped data is validated by the
    /// test suite; should a table still fail to load, the error is logged and that table
    /// is empty (a scan never takes the process down for it).
    pub fn embedded() -> &'static Knowledge {
        static K: OnceLock<Knowledge> = OnceLock::new();
        K.get_or_init(|| {
            Knowledge::load(None).unwrap_or_else(|e| {
                eprintln!("apkaudit: embedded knowledge invalid: {e}");
                Knowledge::lenient()
            })
        })
    }

    /// Load and validate every table; signatures from `signatures_dir` add to or replace
    /// embedded ones with the same id.
    pub fn load(signatures_dir: Option<&Path>) -> Result<Knowledge, ParseError> {
        let mut sigs = signatures::SignatureDb::embedded_files()?;
        let mut extra_files = Vec::new();
        if let Some(dir) = signatures_dir {
            let (db, files) = signatures::SignatureDb::load_dir_with_files(dir)?;
            sigs.extend(db);
            // named relative to the folder, so the digest does not depend on where the
            // folder is mounted (two machines with the same files agree)
            extra_files = files
                .into_iter()
                .map(|(name, text)| {
                    let rel = Path::new(&name)
                        .strip_prefix(dir)
                        .map(|r| r.to_string_lossy().replace('\\', "/"))
                        .unwrap_or(name);
                    (rel, text)
                })
                .collect();
        }
        let permissions = permissions::PermissionDb::load(permissions::EMBEDDED)
            .map_err(|e| data_err("data/permissions.toml", e))?;
        let data_types = data_types::DataTypeDb::load(data_types::EMBEDDED)?;
        let sensitive_apis = sensitive_apis::SensitiveApiDb::parse(sensitive_apis::EMBEDDED)
            .map_err(|e| data_err("data/sensitive_apis.toml", e))?;
        let terms = policy_terms::PolicyTerms::load(
            policy_terms::EMBEDDED_TERMS,
            policy_terms::EMBEDDED_COVERAGE,
        )?;
        let labels = policy_names::load_labels(policy_names::EMBEDDED_LABELS)?;
        let categories = categories::CategoryNames::load(categories::EMBEDDED)
            .map_err(|e| data_err("data/categories.toml", e))?;
        let names =
            policy_names::PolicyNames::build(&sigs, &permissions, &terms, &labels, &data_types);
        let digest = digest(&extra_files);
        Ok(Knowledge {
            policy_names: std::sync::Arc::new(names),
            matcher: sigs.compile(),
            signatures: sigs,
            permissions,
            data_types,
            sensitive_apis,
            categories,
            terms,
            digest,
        })
    }

    /// Every table that loads, the others empty.
    fn lenient() -> Knowledge {
        let sigs = signatures::SignatureDb::embedded_files().unwrap_or_default();
        let permissions =
            permissions::PermissionDb::load(permissions::EMBEDDED).unwrap_or_default();
        let terms = policy_terms::PolicyTerms::load(
            policy_terms::EMBEDDED_TERMS,
            policy_terms::EMBEDDED_COVERAGE,
        )
        .unwrap_or_default();
        let labels = policy_names::load_labels(policy_names::EMBEDDED_LABELS).unwrap_or_default();
        let data_types = data_types::DataTypeDb::load(data_types::EMBEDDED).unwrap_or_default();
        let names =
            policy_names::PolicyNames::build(&sigs, &permissions, &terms, &labels, &data_types);
        Knowledge {
            policy_names: std::sync::Arc::new(names),
            matcher: sigs.compile(),
            signatures: sigs,
            permissions,
            data_types,
            sensitive_apis: sensitive_apis::SensitiveApiDb::parse(sensitive_apis::EMBEDDED)
                .unwrap_or_default(),
            categories: categories::CategoryNames::load(categories::EMBEDDED).unwrap_or_default(),
            terms,
            digest: digest(&[]),
        }
    }
}

/// SHA-256 over the embedded tables, the embedded signature files and `extra` files
/// (name, text), each prefixed by its name and length.
fn digest(extra: &[(String, String)]) -> String {
    let mut h = Sha256::new();
    let mut feed = |name: &str, text: &str| {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    };
    for (n, t) in TABLES {
        feed(n, t);
    }
    for (n, t) in signatures::embedded_sources() {
        feed(&n, &t);
    }
    for (n, t) in extra {
        feed(n, t);
    }
    crate::formats::bytes::hex(&h.finalize())
}
