//! Provenance of a record: which apkaudit, which knowledge and which result-changing
//! options made it, so two sweeps can be compared and stale records found
//! (`apkaudit summary --stale`). See docs/batch.md.

use serde::{Deserialize, Serialize};

/// The apkaudit version written into every record.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What made a record. Two records with equal provenance were made by the same version
/// with the same signature database and knowledge tables and the same options.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Provenance {
    /// The apkaudit version (`Cargo.toml`).
    pub apkaudit: String,
    /// `Knowledge::digest`: SHA-256 over the knowledge tables and every signature file in
    /// use (the embedded database plus any `--signatures DIR`).
    pub knowledge: String,
    /// The options that change results.
    pub options: ResultOptions,
    /// Set on records made by `apkaudit rematch` from an evidence file: what scanned the
    /// input (absent on records made by a scan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rematch: Option<RematchOf>,
}

/// Where a rematched record's evidence came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RematchOf {
    /// The evidence file, as given.
    pub evidence: String,
    /// The apkaudit version that scanned the input and wrote the evidence.
    pub scanned_by: String,
    /// `Knowledge::digest` of that scan (its sensitive-API table found the call sites).
    pub scan_knowledge: String,
}

/// The options that change what a record says (others, such as `-j`, `--sorted` or the
/// progress bar, only change speed or order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResultOptions {
    /// `--max-inflated` in bytes (the same budget for a single scan and a batch).
    pub max_inflated: Option<u64>,
    /// `--timeout` in milliseconds (`null`: no time cap).
    pub timeout_ms: Option<u64>,
    /// Whether the record was audited against `--policy-dir`.
    pub policy_dir: bool,
}

impl ResultOptions {
    /// The caps of `budget` (no policy directory).
    pub fn of_budget(budget: &crate::input::budget::Budget) -> ResultOptions {
        ResultOptions {
            max_inflated: Some(budget.max_inflated),
            timeout_ms: budget
                .timeout
                .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
            policy_dir: false,
        }
    }
}

impl Provenance {
    /// The provenance of results made now with `knowledge` and `options`.
    pub fn current(knowledge: &crate::knowledge::Knowledge, options: ResultOptions) -> Provenance {
        Provenance {
            apkaudit: VERSION.to_string(),
            knowledge: knowledge.digest.clone(),
            options,
            rematch: None,
        }
    }

    /// The provenance of a batch run with `opts`.
    pub fn of_batch(opts: &super::BatchOptions) -> Provenance {
        Provenance::current(
            opts.scan.knowledge(),
            ResultOptions {
                policy_dir: opts.policy_dir.is_some(),
                ..ResultOptions::of_budget(&opts.scan.budget)
            },
        )
    }

    /// One-line label for counts: `0.1.0 knowledge 1a2b3c4d5e6f max_inflated=… timeout_ms=… audit`.
    pub fn label(&self) -> String {
        let short: String = self.knowledge.chars().take(12).collect();
        let opt = |v: Option<u64>| v.map_or_else(|| "none".to_string(), |n| n.to_string());
        format!(
            "{} knowledge {short} max_inflated={} timeout_ms={}{}",
            self.apkaudit,
            opt(self.options.max_inflated),
            opt(self.options.timeout_ms),
            if self.options.policy_dir {
                " audit"
            } else {
                ""
            }
        )
    }

    /// Why a record made under `self` is stale against `now`: the parts that differ
    /// (`apkaudit`, `knowledge`); empty when it is current. Options are not compared (a
    /// record keeps the options it was asked for; counts show them).
    pub fn differs(&self, now: &Provenance) -> Vec<&'static str> {
        let mut d = Vec::new();
        if self.apkaudit != now.apkaudit {
            d.push("apkaudit");
        }
        if self.knowledge != now.knowledge {
            d.push("knowledge");
        }
        d
    }
}

/// A scan report with its provenance, as `scan --format json` prints it: the report's
/// members, then `provenance`.
#[derive(Serialize)]
pub struct WithProvenance<'a, T: Serialize> {
    /// The report.
    #[serde(flatten)]
    pub report: &'a T,
    /// What made it.
    pub provenance: &'a Provenance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Knowledge;

    #[test]
    fn batch_provenance_names_version_knowledge_and_options() {
        let opts = crate::batch::BatchOptions::default();
        let p = Provenance::of_batch(&opts);
        assert_eq!(p.apkaudit, env!("CARGO_PKG_VERSION"));
        assert_eq!(p.knowledge, Knowledge::embedded().digest);
        assert_eq!(p.knowledge.len(), 64);
        assert_eq!(p.options.max_inflated, Some(2 << 30));
        assert_eq!(p.options.timeout_ms, Some(300_000));
        assert!(!p.options.policy_dir);
        assert!(p.differs(&p).is_empty());
        let mut old = p.clone();
        old.apkaudit = "0.0.9".into();
        old.knowledge = "0".repeat(64);
        assert_eq!(old.differs(&p), ["apkaudit", "knowledge"]);
        assert!(p
            .label()
            .starts_with(&format!("{VERSION} knowledge {}", &p.knowledge[..12])));
    }
}
