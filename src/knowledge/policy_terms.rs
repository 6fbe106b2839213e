//! The policy reader's vocabulary (`data/policy_terms.toml`) and the audit's data-type
//! coverage rules (`data/data_coverage.toml`), parsed once into typed tables.

use crate::error::{Format, ParseError};
use crate::text::{fold, match_norm, squash_header};
use serde::Deserialize;
use std::collections::BTreeMap;

pub(crate) const EMBEDDED_TERMS: &str = include_str!("../../data/policy_terms.toml");
pub(crate) const EMBEDDED_COVERAGE: &str = include_str!("../../data/data_coverage.toml");

/// (key, terms) pairs in file order of keys (sorted).
pub type TermList = Vec<(String, Vec<String>)>;

/// Typed `policy_terms.toml` plus `data_coverage.toml`, each term normalised as it is
/// matched.
#[derive(Debug, Clone, Default)]
pub struct PolicyTerms {
    /// SDK-table column synonyms (field → synonyms, squashed as [`squash_header`]).
    pub sdk_columns: TermList,
    /// Permission-table column synonyms (field → synonyms, squashed).
    pub permission_columns: TermList,
    /// Vague-disclosure categories (category → terms, folded).
    pub vague: TermList,
    /// Collection verbs (folded).
    pub verbs: Vec<String>,
    /// Negations of collection (folded).
    pub negations: Vec<String>,
    /// Extra display names of permissions (constant → names, as written).
    pub permission_names: TermList,
    /// Company brands (brand → tokens, folded).
    pub company_brands: TermList,
    /// Broad data types and the specific ones they cover (broad id → covered ids).
    pub coverage: TermList,
    /// Section cues (`[section_cues]`), normalised as [`match_norm`] does.
    pub sections: SectionCues,
}

/// Words that make a line open an SDK, permission or collected-data section
/// (`[section_cues]` in `data/policy_terms.toml`), each normalised as [`match_norm`] does.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionCues {
    /// A heading naming one opens an SDK context.
    pub sdk: Vec<String>,
    /// Any line naming one opens an SDK context.
    pub sdk_strong: Vec<String>,
    /// A heading naming one opens a permission context, and with a list word announces a
    /// permission list.
    pub permission: Vec<String>,
    /// A heading naming one opens a permission context (whole-document pass only).
    pub permission_context: Vec<String>,
    /// A heading naming one is about collected personal information.
    pub data: Vec<String>,
    /// With a subject, a heading announces a list.
    pub list: Vec<String>,
    /// The section says there is nothing to list.
    pub none: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermsFile {
    sdk_columns: BTreeMap<String, Vec<String>>,
    permission_columns: BTreeMap<String, Vec<String>>,
    vague: BTreeMap<String, Vec<String>>,
    collect_verbs: Verbs,
    #[allow(dead_code)]
    markers: Markers,
    permission_names: BTreeMap<String, Vec<String>>,
    company_brands: BTreeMap<String, Vec<String>>,
    section_cues: SectionCues,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Verbs {
    verbs: Vec<String>,
    negations: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Markers {
    #[allow(dead_code)]
    terms: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CoverFile {
    cover: Vec<Cover>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cover {
    broad: String,
    covers: Vec<String>,
}

fn toml_err(file: &str, e: toml::de::Error) -> ParseError {
    ParseError::new(
        Format::Data,
        e.span().map(|s| s.start).unwrap_or(0),
        format!("{file}: {}", e.message()),
    )
}

impl PolicyTerms {
    /// Parse and validate both files: unknown keys, empty terms and unknown data-type ids
    /// in the coverage rules are errors.
    pub fn load(terms: &str, coverage: &str) -> Result<PolicyTerms, ParseError> {
        let f: TermsFile =
            toml::from_str(terms).map_err(|e| toml_err("data/policy_terms.toml", e))?;
        let c: CoverFile =
            toml::from_str(coverage).map_err(|e| toml_err("data/data_coverage.toml", e))?;
        let err =
            |file: &str, m: String| ParseError::new(Format::Data, 0u64, format!("{file}: {m}"));
        let map = |m: BTreeMap<String, Vec<String>>, norm: fn(&str) -> String| -> TermList {
            m.into_iter()
                .map(|(k, v)| (k, v.iter().map(|x| norm(x)).collect()))
                .collect()
        };
        let keep = |s: &str| s.to_string();
        let out = PolicyTerms {
            sdk_columns: map(f.sdk_columns, squash_header),
            permission_columns: map(f.permission_columns, squash_header),
            vague: map(f.vague, fold),
            verbs: f.collect_verbs.verbs.iter().map(|s| fold(s)).collect(),
            negations: f.collect_verbs.negations.iter().map(|s| fold(s)).collect(),
            permission_names: map(f.permission_names, keep),
            company_brands: map(f.company_brands, fold),
            coverage: c.cover.into_iter().map(|c| (c.broad, c.covers)).collect(),
            sections: {
                let n = |v: Vec<String>| -> Vec<String> {
                    v.iter().map(|t| match_norm(t).trim().to_string()).collect()
                };
                let sc = f.section_cues;
                SectionCues {
                    sdk: n(sc.sdk),
                    sdk_strong: n(sc.sdk_strong),
                    permission: n(sc.permission),
                    permission_context: n(sc.permission_context),
                    data: n(sc.data),
                    list: n(sc.list),
                    none: n(sc.none),
                }
            },
        };
        for (k, v) in out
            .sdk_columns
            .iter()
            .chain(&out.permission_columns)
            .chain(&out.vague)
            .chain(&out.permission_names)
            .chain(&out.company_brands)
        {
            if v.is_empty() || v.iter().any(|t| t.trim().is_empty()) {
                return Err(err("data/policy_terms.toml", format!("{k}: empty term")));
            }
        }
        let sc = &out.sections;
        for (k, v) in [
            ("section_cues.sdk", &sc.sdk),
            ("section_cues.sdk_strong", &sc.sdk_strong),
            ("section_cues.permission", &sc.permission),
            ("section_cues.permission_context", &sc.permission_context),
            ("section_cues.data", &sc.data),
            ("section_cues.list", &sc.list),
            ("section_cues.none", &sc.none),
        ] {
            if v.is_empty() || v.iter().any(|t| t.trim().is_empty()) {
                return Err(err("data/policy_terms.toml", format!("{k}: empty term")));
            }
        }
        let ids = super::data_types::DATA_TYPE_IDS;
        for (b, covers) in &out.coverage {
            for id in std::iter::once(b).chain(covers) {
                if !ids.contains(&id.as_str()) {
                    return Err(err(
                        "data/data_coverage.toml",
                        format!("unknown data type {id}"),
                    ));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_terms_load() {
        let t = PolicyTerms::load(EMBEDDED_TERMS, EMBEDDED_COVERAGE).unwrap();
        assert!(t.sdk_columns.iter().any(|(k, _)| k == "sdk_name"));
        assert!(t.coverage.iter().any(|(b, _)| b == "device_info"));
        // cues are stored as the reader normalises lines
        assert!(t.sections.sdk.contains(&"third party".to_string()));
        assert!(t.sections.list.contains(&"清单".to_string()));
    }

    #[test]
    fn unknown_keys_and_ids_are_rejected() {
        let bad = format!("{EMBEDDED_TERMS}\n[colour]\nred = [\"x\"]\n");
        assert!(PolicyTerms::load(&bad, EMBEDDED_COVERAGE).is_err());
        let bad = "[[cover]]\nbroad = \"device_info\"\ncovers = [\"no_such_type\"]\n";
        assert!(PolicyTerms::load(EMBEDDED_TERMS, bad).is_err());
    }
}
