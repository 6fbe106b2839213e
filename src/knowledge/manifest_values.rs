//! Symbolic names of numeric manifest attribute values (`data/manifest_values.toml`):
//! `screenOrientation` 1 → `portrait`, `configChanges` 0x4a0 → `keyboardHidden|orientation|screenSize`.
//! Loaded and validated once; used by `apkaudit manifest`.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The embedded table.
pub const EMBEDDED: &str = include_str!("../../data/manifest_values.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    attr: Vec<AttrValues>,
}

/// How one attribute's number maps to names.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttrValues {
    /// Attribute local name (`screenOrientation`).
    pub name: String,
    /// `enum`, `flags` or `fields`.
    pub kind: String,
    /// Name → number (enum) or bit mask (flags).
    #[serde(default)]
    pub values: BTreeMap<String, i64>,
    /// For `fields`: each masked part is an enum of its own.
    #[serde(default)]
    pub field: Vec<Field>,
}

/// One masked part of a `fields` attribute.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The bits of this part.
    pub mask: i64,
    /// Name → value (within the mask).
    pub values: BTreeMap<String, i64>,
}

/// The table.
#[derive(Debug)]
pub struct ManifestValues {
    attrs: Vec<AttrValues>,
}

impl ManifestValues {
    /// Parse and validate: known kinds, enum values distinct, flag masks single bits,
    /// field values inside their mask, no attribute twice.
    pub fn load(text: &str) -> Result<ManifestValues, String> {
        let f: File =
            toml::from_str(text).map_err(|e| format!("data/manifest_values.toml: {e}"))?;
        let err = |a: &str, why: String| Err(format!("data/manifest_values.toml: {a}: {why}"));
        let mut seen = std::collections::BTreeSet::new();
        for a in &f.attr {
            if !seen.insert(a.name.clone()) {
                return err(&a.name, "listed twice".into());
            }
            let mut nums = std::collections::BTreeSet::new();
            match a.kind.as_str() {
                "enum" | "flags" if a.values.is_empty() || !a.field.is_empty() => {
                    return err(&a.name, "needs `values` and no `field`".into())
                }
                "enum" => {
                    for v in a.values.values() {
                        if !nums.insert(*v) {
                            return err(&a.name, format!("value {v} twice"));
                        }
                    }
                }
                "flags" => {
                    for v in a.values.values() {
                        if *v <= 0 || (*v & (*v - 1)) != 0 || !nums.insert(*v) {
                            return err(&a.name, format!("{v:#x} is not a distinct single bit"));
                        }
                    }
                }
                "fields" => {
                    if a.field.is_empty() || !a.values.is_empty() {
                        return err(&a.name, "needs [[attr.field]] and no `values`".into());
                    }
                    for fl in &a.field {
                        if fl.values.values().any(|v| v & !fl.mask != 0) {
                            return err(&a.name, format!("a value outside mask {:#x}", fl.mask));
                        }
                    }
                }
                k => return err(&a.name, format!("unknown kind {k:?}")),
            }
        }
        Ok(ManifestValues { attrs: f.attr })
    }

    /// The embedded table, loaded once.
    pub fn embedded() -> &'static ManifestValues {
        static DB: OnceLock<ManifestValues> = OnceLock::new();
        DB.get_or_init(|| {
            ManifestValues::load(EMBEDDED).unwrap_or(ManifestValues { attrs: Vec::new() })
        })
    }

    /// Every attribute in the table.
    pub fn all(&self) -> &[AttrValues] {
        &self.attrs
    }

    /// The symbolic form of `value` for attribute `attr`, when the table has one.
    pub fn name(&self, attr: &str, value: i64) -> Option<String> {
        let a = self.attrs.iter().find(|a| a.name == attr)?;
        let by_value = |m: &BTreeMap<String, i64>, v: i64| {
            m.iter().find(|(_, x)| **x == v).map(|(n, _)| n.clone())
        };
        match a.kind.as_str() {
            "enum" => by_value(&a.values, value),
            "flags" => {
                let mut bits: Vec<(&String, &i64)> =
                    a.values.iter().filter(|(_, m)| value & **m != 0).collect();
                bits.sort_by_key(|(_, m)| **m);
                let covered = bits.iter().fold(0i64, |acc, (_, m)| acc | **m);
                (covered == value && value != 0).then(|| {
                    bits.iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join("|")
                })
            }
            _ => {
                let mut parts = Vec::new();
                let mut covered = 0i64;
                for f in &a.field {
                    let v = value & f.mask;
                    covered |= f.mask;
                    if v != 0 || value == 0 {
                        parts.push(by_value(&f.values, v)?);
                    }
                    if value == 0 {
                        break;
                    }
                }
                (value & !covered == 0).then(|| parts.join("|"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_names_its_own_value() {
        let db = ManifestValues::load(EMBEDDED).unwrap();
        assert!(!db.all().is_empty());
        for a in db.all() {
            for (n, v) in &a.values {
                assert_eq!(
                    db.name(&a.name, *v).as_deref(),
                    Some(n.as_str()),
                    "{}",
                    a.name
                );
            }
            for f in &a.field {
                for (n, v) in f.values.iter().filter(|(_, v)| **v != 0) {
                    assert_eq!(
                        db.name(&a.name, *v).as_deref(),
                        Some(n.as_str()),
                        "{}",
                        a.name
                    );
                }
            }
        }
        assert_eq!(db.name("screenOrientation", 1).as_deref(), Some("portrait"));
        assert_eq!(
            db.name("configChanges", 0x4a0).as_deref(),
            Some("keyboardHidden|orientation|screenSize")
        );
        assert_eq!(
            db.name("windowSoftInputMode", 0x12).as_deref(),
            Some("stateHidden|adjustResize")
        );
        assert_eq!(db.name("screenOrientation", 99), None);
        assert_eq!(
            db.name("configChanges", 0x20000),
            None,
            "an unknown bit keeps the number"
        );
        assert!(
            ManifestValues::load("[[attr]]\nname=\"a\"\nkind=\"flags\"\nvalues={x=3}").is_err()
        );
    }
}
