//! Android permission knowledge: protection level, group, display names (en/zh)
//! and the personal-data types each permission unlocks.
//!
//! The table lives in `data/permissions.toml` (schema: `docs/permissions.md`) and is
//! embedded at compile time. [`PermissionDb::load`] validates it; [`PermissionDb::embedded`]
//! loads it once.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Embedded permission table text.
const EMBEDDED: &str = include_str!("../data/permissions.toml");

/// Accepted `protection` values.
pub const PROTECTIONS: &[&str] = &[
    "normal",
    "dangerous",
    "signature",
    "signature|privileged",
    "signature|appop",
    "internal",
];

/// Accepted `group` values (runtime permission groups).
pub const GROUPS: &[&str] = &[
    "LOCATION",
    "CAMERA",
    "MICROPHONE",
    "STORAGE",
    "PHONE",
    "CONTACTS",
    "CALENDAR",
    "SMS",
    "CALL_LOG",
    "SENSORS",
    "ACTIVITY_RECOGNITION",
    "NEARBY_DEVICES",
    "NOTIFICATIONS",
    "READ_MEDIA_VISUAL",
    "READ_MEDIA_AURAL",
];

/// One permission row.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionInfo {
    /// Full constant, e.g. `android.permission.CAMERA`.
    pub name: String,
    /// Protection level as AOSP declares it.
    pub protection: String,
    /// API level the permission was added (absent when unknown / not platform).
    #[serde(default)]
    pub added: Option<u32>,
    /// API level it was deprecated.
    #[serde(default)]
    pub deprecated: Option<u32>,
    /// API level it was removed.
    #[serde(default)]
    pub removed: Option<u32>,
    /// Runtime permission group.
    #[serde(default)]
    pub group: Option<String>,
    /// English label.
    pub label_en: String,
    /// Chinese label (AOSP zh-CN) where verified.
    #[serde(default)]
    pub label_zh: Option<String>,
    /// Chinese display names as privacy policies write them.
    #[serde(default)]
    pub names_zh: Vec<String>,
    /// English display names.
    #[serde(default)]
    pub names_en: Vec<String>,
    /// Data-type ids (see `data/data_types.toml`).
    #[serde(default)]
    pub data_types: Vec<String>,
    /// Whether holding it reaches personal data.
    pub privacy_relevant: bool,
}

impl PermissionInfo {
    /// Short constant without the `android.permission.` prefix.
    pub fn short_name(&self) -> &str {
        self.name
            .strip_prefix("android.permission.")
            .unwrap_or(&self.name)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    permission: Vec<PermissionInfo>,
}

/// Display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese.
    Zh,
}

/// The permission table with lookup indexes.
#[derive(Debug, Default)]
pub struct PermissionDb {
    perms: Vec<PermissionInfo>,
    by_name: HashMap<String, usize>,
}

impl PermissionDb {
    /// Parses and validates a permission table.
    pub fn load(text: &str) -> Result<Self, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut by_name = HashMap::new();
        for (i, p) in file.permission.iter().enumerate() {
            if !PROTECTIONS.contains(&p.protection.as_str()) {
                return Err(format!("{}: unknown protection {}", p.name, p.protection));
            }
            if let Some(g) = &p.group {
                if !GROUPS.contains(&g.as_str()) {
                    return Err(format!("{}: unknown group {g}", p.name));
                }
            }
            for d in &p.data_types {
                if !crate::datatypes::DATA_TYPE_IDS.contains(&d.as_str()) {
                    return Err(format!("{}: unknown data type {d}", p.name));
                }
            }
            if by_name.insert(p.name.clone(), i).is_some() {
                return Err(format!("duplicate permission {}", p.name));
            }
        }
        Ok(PermissionDb {
            perms: file.permission,
            by_name,
        })
    }

    /// The embedded table, loaded once. A load error (a bug in shipped data, covered by
    /// a test) is logged and yields an empty table.
    pub fn embedded() -> &'static PermissionDb {
        static DB: OnceLock<PermissionDb> = OnceLock::new();
        DB.get_or_init(|| {
            PermissionDb::load(EMBEDDED).unwrap_or_else(|e| {
                eprintln!("apkaudit: embedded permissions.toml invalid: {e}");
                PermissionDb::default()
            })
        })
    }

    /// Looks a permission up by full name (or bare `CAMERA`-style constant).
    pub fn get(&self, name: &str) -> Option<&PermissionInfo> {
        let i = match self.by_name.get(name) {
            Some(i) => *i,
            None => *self.by_name.get(&format!("android.permission.{name}"))?,
        };
        self.perms.get(i)
    }

    /// All permissions, in table order.
    pub fn all(&self) -> &[PermissionInfo] {
        &self.perms
    }

    /// True for `dangerous` (runtime) permissions.
    pub fn is_dangerous(&self, name: &str) -> bool {
        self.get(name).is_some_and(|p| p.protection == "dangerous")
    }

    /// True if the permission reaches personal data.
    pub fn is_privacy_relevant(&self, name: &str) -> bool {
        self.get(name).is_some_and(|p| p.privacy_relevant)
    }

    /// Display string for a permission; unknown ones are shown as custom.
    pub fn display(&self, name: &str, lang: Lang) -> String {
        match (self.get(name), lang) {
            (Some(p), Lang::Zh) => p
                .label_zh
                .clone()
                .or_else(|| p.names_zh.first().cloned())
                .unwrap_or_else(|| p.label_en.clone()),
            (Some(p), Lang::En) => p.label_en.clone(),
            (None, Lang::Zh) => format!("{name}（自定义/未知权限）"),
            (None, Lang::En) => format!("{name} (custom/unknown permission)"),
        }
    }

    /// Finds permissions named in a policy text cell: constants (with or without the
    /// `android.permission.` prefix, Markdown escapes, case, a truncated tail of at most
    /// two characters), and zh/en display names. Longest match first; a group display
    /// name (e.g. 存储) yields every permission carrying it.
    pub fn resolve_display_name(&self, text: &str) -> Vec<&PermissionInfo> {
        let clean: String = text.replace('\\', "");
        let upper = clean.to_ascii_uppercase();
        let lower = clean.to_lowercase();
        // (match length, index)
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for (i, p) in self.perms.iter().enumerate() {
            let mut best = 0usize;
            let full = p.name.to_ascii_uppercase();
            let short = p.short_name().to_ascii_uppercase();
            for c in [&full, &short] {
                if let Some(l) = constant_match(&upper, c) {
                    best = best.max(l);
                }
            }
            for n in &p.names_zh {
                if !n.is_empty() && clean.contains(n.as_str()) {
                    best = best.max(n.len());
                }
            }
            for n in &p.names_en {
                let nl = n.to_lowercase();
                if nl.len() >= 3 && contains_word(&lower, &nl) {
                    best = best.max(nl.len());
                }
            }
            if best > 0 {
                hits.push((best, i));
            }
        }
        hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.iter()
            .filter_map(|(_, i)| self.perms.get(*i))
            .collect()
    }
}

/// Matches a constant in upper-cased text on identifier boundaries, allowing the text to
/// end up to two characters early (truncated cells). Returns the matched length.
fn constant_match(upper: &str, c: &str) -> Option<usize> {
    let is_id = |ch: char| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.';
    for (start, _) in upper.match_indices(c) {
        let before_ok = upper[..start]
            .chars()
            .next_back()
            .is_none_or(|ch| !is_id(ch));
        let after_ok = upper[start + c.len()..]
            .chars()
            .next()
            .is_none_or(|ch| !is_id(ch));
        if before_ok && after_ok {
            return Some(c.len());
        }
    }
    // truncated: a prefix of c at least len-2 long and >= 10 chars, at end of a token
    for cut in 1..=2usize {
        let Some(n) = c.len().checked_sub(cut) else {
            continue;
        };
        if n < 10 {
            continue;
        }
        let Some(pre) = c.get(..n) else { continue };
        for (start, _) in upper.match_indices(pre) {
            let before_ok = upper[..start]
                .chars()
                .next_back()
                .is_none_or(|ch| !is_id(ch));
            let after_ok = upper[start + n..]
                .chars()
                .next()
                .is_none_or(|ch| !is_id(ch));
            if before_ok && after_ok {
                return Some(n);
            }
        }
    }
    None
}

/// ASCII word-boundary containment (needle already lower-cased).
fn contains_word(hay: &str, needle: &str) -> bool {
    for (start, _) in hay.match_indices(needle) {
        let b = hay[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        let a = hay[start + needle.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        if a && b {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_loads_and_is_large() {
        let db = PermissionDb::load(EMBEDDED).expect("shipped table valid");
        assert!(db.all().len() >= 140, "{}", db.all().len());
        assert!(db.is_dangerous("android.permission.CAMERA"));
        assert!(!db.is_dangerous("android.permission.INTERNET"));
        assert!(db.is_privacy_relevant("QUERY_ALL_PACKAGES"));
        assert!(!db.is_privacy_relevant("android.permission.VIBRATE"));
    }

    #[test]
    fn validation_rejects_bad_rows() {
        let row = |extra: &str| {
            format!("[[permission]]\nname=\"a.B\"\nprotection=\"normal\"\nlabel_en=\"x\"\nprivacy_relevant=false\n{extra}")
        };
        assert!(PermissionDb::load(&row("")).is_ok());
        assert!(PermissionDb::load(&row("bogus=1")).is_err());
        assert!(PermissionDb::load(&row("group=\"NOPE\"")).is_err());
        assert!(PermissionDb::load(&row("data_types=[\"nope\"]")).is_err());
        assert!(PermissionDb::load(&format!("{}\n{}", row(""), row(""))).is_err());
    }

    #[test]
    fn every_dangerous_has_group_and_data() {
        for p in PermissionDb::embedded().all() {
            if p.protection == "dangerous" && p.deprecated.is_none() {
                assert!(p.group.is_some(), "{}", p.name);
            }
        }
    }

    #[test]
    fn resolve_real_cells() {
        let db = PermissionDb::embedded();
        let r = db.resolve_display_name("android.permission.RECORD\\_AUDIO");
        assert_eq!(r.first().map(|p| p.short_name()), Some("RECORD_AUDIO"));
        let r = db.resolve_display_name("READ_EXTERNAL_STORAG");
        assert_eq!(
            r.first().map(|p| p.short_name()),
            Some("READ_EXTERNAL_STORAGE")
        );
        let r = db.resolve_display_name("存储权限");
        let names: Vec<_> = r.iter().map(|p| p.short_name()).collect();
        assert!(
            names.contains(&"READ_EXTERNAL_STORAGE") && names.contains(&"WRITE_EXTERNAL_STORAGE")
        );
        assert!(db.resolve_display_name("ZIP archive").is_empty());
        let r = db.resolve_display_name("读取应用列表");
        assert_eq!(
            r.first().map(|p| p.short_name()),
            Some("QUERY_ALL_PACKAGES")
        );
        assert!(db
            .display("com.example.MY_PERM", Lang::En)
            .contains("custom"));
        assert_eq!(db.display("android.permission.CAMERA", Lang::Zh), "相机");
    }

    #[test]
    fn corpus_requested_platform_permissions_covered() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/truth");
        if !std::path::Path::new(root).exists() {
            eprintln!("skip: {root} absent");
            return;
        }
        let db = PermissionDb::embedded();
        let mut missing = Vec::new();
        let mut seen = 0usize;
        let mut stack = vec![std::path::PathBuf::from(root)];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if p.extension().and_then(|x| x.to_str()) != Some("json") {
                    continue;
                }
                let Ok(t) = std::fs::read_to_string(&p) else {
                    continue;
                };
                let Ok(v) = serde_json::from_str::<serde_json::Value>(&t) else {
                    continue;
                };
                let Some(list) = v
                    .pointer("/aapt/uses_permission")
                    .and_then(|x| x.as_array())
                else {
                    continue;
                };
                for it in list {
                    let name = it
                        .as_str()
                        .or_else(|| it.get("name").and_then(|n| n.as_str()));
                    if let Some(n) = name.filter(|n| n.starts_with("android.permission.")) {
                        seen += 1;
                        if db.get(n).is_none() {
                            missing.push(n.to_string());
                        }
                    }
                }
            }
        }
        assert!(seen > 0, "no permissions found in truth files");
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "missing: {missing:?}");
    }
}

/// Protection level of a permission from the embedded table, or `unknown` for custom
/// permissions the table does not know.
pub fn protection_of(name: &str) -> String {
    PermissionDb::embedded()
        .get(name)
        .map(|p| p.protection.clone())
        .unwrap_or_else(|| "unknown".to_string())
}
