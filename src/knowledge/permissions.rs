//! Android permission knowledge: protection level, group, display names (en/zh)
//! and the personal-data types each permission unlocks.
//!
//! The table lives in `data/permissions.toml` (schema: `docs/permissions.md`) and is
//! embedded at compile time. [`PermissionDb::load`] validates it; [`PermissionDb::embedded`]
//! loads it once.

use serde::Deserialize;
use std::collections::HashMap;

/// Embedded permission table text.
pub(crate) const EMBEDDED: &str = include_str!("../../data/permissions.toml");

/// Accepted base protection levels (the first `|`-separated token of `protection`).
pub const PROTECTIONS: &[&str] = &["normal", "dangerous", "signature", "internal"];

/// Accepted protection flags (tokens after the base level), as AOSP spells them.
pub const PROTECTION_FLAGS: &[&str] = &[
    "privileged",
    "development",
    "appop",
    "pre23",
    "installer",
    "verifier",
    "preinstalled",
    "setup",
    "instant",
    "ephemeral",
    "runtime",
    "role",
    "knownSigner",
    "vendorPrivileged",
    "oem",
    "textClassifier",
    "wellbeing",
    "documenter",
    "configurator",
    "incidentReportApprover",
    "appPredictor",
    "companion",
    "retailDemo",
    "recents",
    "module",
];

/// Accepted `group` values (runtime permission groups as the permission UI shows them).
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
    "XR_TRACKING",
    "XR_TRACKING_SENSITIVE",
    "XR_EYE_SENSITIVE",
];

/// Accepted `origin` values: who declares the permission.
pub const ORIGINS: &[&str] = &["aosp", "aosp-app", "google", "vendor", "undeclared"];

fn default_origin() -> String {
    "aosp".to_string()
}

/// One permission row.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionInfo {
    /// Full constant, e.g. `android.permission.CAMERA`.
    pub name: String,
    /// Who declares it: `aosp` (frameworks/base core manifest), `aosp-app` (an AOSP app or
    /// provider), `google` (Play services / Play Store), `vendor` (a device maker's ROM or
    /// launcher), `undeclared` (no known declaration). Defaults to `aosp`.
    #[serde(default = "default_origin")]
    pub origin: String,
    /// Protection level as AOSP declares it at the latest API level that has it: base level
    /// first, then flags (`dangerous|instant`, `signature|privileged|development`).
    pub protection: String,
    /// Where the base level changed over time: `"API:protection"` entries from the first
    /// level on, e.g. `["4:dangerous", "23:signature|appop"]` (install-time `dangerous`
    /// before runtime permissions). Empty when the base level never changed.
    #[serde(default)]
    pub protection_history: Vec<String>,
    /// API level the permission was added (absent when unknown / not platform).
    #[serde(default)]
    pub added: Option<u32>,
    /// When set, `added` is the first level the source has, and the permission may have been
    /// added as early as this level (the source lacks the levels in between).
    #[serde(default)]
    pub added_min: Option<u32>,
    /// API level it was deprecated.
    #[serde(default)]
    pub deprecated: Option<u32>,
    /// First API level whose platform manifest no longer declares it.
    #[serde(default)]
    pub removed: Option<u32>,
    /// When set, the removal may have happened as early as this level (source gap).
    #[serde(default)]
    pub removed_min: Option<u32>,
    /// Target SDK level from which requesting it grants nothing (a behaviour change, not a
    /// formal deprecation), e.g. READ_EXTERNAL_STORAGE 33, WRITE_EXTERNAL_STORAGE 30.
    #[serde(default)]
    pub no_effect_from: Option<u32>,
    /// Runtime permission group.
    #[serde(default)]
    pub group: Option<String>,
    /// `android:permissionGroup` as the platform manifest last declared it.
    #[serde(default)]
    pub aosp_group: Option<String>,
    /// English label.
    pub label_en: String,
    /// Chinese label as AOSP zh-CN writes it.
    #[serde(default)]
    pub label_zh: Option<String>,
    /// AOSP string resource the zh-CN label comes from (e.g. `permlab_camera`).
    #[serde(default)]
    pub label_zh_key: Option<String>,
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
    /// Free-text caveat (scoped storage, deprecation, vendor specifics).
    #[serde(default)]
    pub note: Option<String>,
}

impl PermissionInfo {
    /// Short constant without the `android.permission.` prefix.
    pub fn short_name(&self) -> &str {
        self.name
            .strip_prefix("android.permission.")
            .unwrap_or(&self.name)
    }

    /// Base protection level (`normal`, `dangerous`, `signature`, `internal`).
    pub fn base_protection(&self) -> &str {
        self.protection.split('|').next().unwrap_or("")
    }

    /// Protection flags after the base level (`privileged`, `appop`, `instant`, ...).
    pub fn protection_flags(&self) -> impl Iterator<Item = &str> {
        self.protection.split('|').skip(1)
    }

    /// True for permissions the platform (frameworks/base core manifest) declares.
    pub fn is_platform(&self) -> bool {
        self.origin == "aosp"
    }

    /// True if the platform manifest still declares it at `api` (false before `added`
    /// and from `removed` on; unknown bounds count as present).
    pub fn exists_at(&self, api: u32) -> bool {
        self.added.map_or(true, |a| api >= a) && self.removed.map_or(true, |r| api < r)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    permission: Vec<PermissionInfo>,
}

pub use super::Lang;

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
            validate_row(p)?;
            if let Some(g) = &p.group {
                if !GROUPS.contains(&g.as_str()) {
                    return Err(format!("{}: unknown group {g}", p.name));
                }
            }
            for d in &p.data_types {
                if !crate::knowledge::data_types::DATA_TYPE_IDS.contains(&d.as_str()) {
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

    /// Who declares a permission: its `origin` (`aosp`, `aosp-app`, `google`, `vendor`,
    /// `undeclared`), or `custom` for names the table does not know (app-defined or
    /// unknown permissions).
    pub fn origin_of(&self, name: &str) -> &str {
        self.get(name).map_or("custom", |p| p.origin.as_str())
    }

    /// The embedded table, loaded once. A load error (a bug in shipped data, covered by
    /// a test) is logged and yields an empty table.
    pub fn embedded() -> &'static PermissionDb {
        &crate::knowledge::Knowledge::embedded().permissions
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

    /// True for `dangerous` (runtime) permissions, whatever their flags.
    pub fn is_dangerous(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|p| p.base_protection() == "dangerous")
    }

    /// True if the permission reaches personal data.
    pub fn is_privacy_relevant(&self, name: &str) -> bool {
        self.get(name).is_some_and(|p| p.privacy_relevant)
    }

    /// Display string for a permission: in Chinese the first name policies use (e.g. 相机),
    /// else the AOSP zh-CN label, else the English label; unknown ones are shown as custom.
    pub fn display(&self, name: &str, lang: Lang) -> String {
        match (self.get(name), lang) {
            (Some(p), Lang::Zh) => p
                .names_zh
                .first()
                .cloned()
                .or_else(|| p.label_zh.clone())
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

/// Checks one row: name shape, protection base and flags, group, origin, data types and
/// the ordering of the API levels.
fn validate_row(p: &PermissionInfo) -> Result<(), String> {
    let n = &p.name;
    if n.is_empty() || n.len() > 200 || n.chars().any(|c| c.is_whitespace()) {
        return Err(format!("bad permission name {n:?}"));
    }
    let mut toks = p.protection.split('|');
    let base = toks.next().unwrap_or("");
    if !PROTECTIONS.contains(&base) {
        return Err(format!("{n}: unknown protection {}", p.protection));
    }
    let mut seen: Vec<&str> = Vec::new();
    for f in toks {
        if !PROTECTION_FLAGS.contains(&f) || seen.contains(&f) {
            return Err(format!(
                "{n}: bad protection flag {f:?} in {}",
                p.protection
            ));
        }
        seen.push(f);
    }
    let mut prev_level = 0u32;
    for h in &p.protection_history {
        let (lvl, prot) = h
            .split_once(':')
            .ok_or_else(|| format!("{n}: bad protection_history entry {h:?}"))?;
        let lvl: u32 = lvl
            .parse()
            .map_err(|_| format!("{n}: bad protection_history level {h:?}"))?;
        let base = prot.split('|').next().unwrap_or("");
        if lvl <= prev_level || !PROTECTIONS.contains(&base) {
            return Err(format!("{n}: bad protection_history entry {h:?}"));
        }
        prev_level = lvl;
    }
    if !ORIGINS.contains(&p.origin.as_str()) {
        return Err(format!("{n}: unknown origin {}", p.origin));
    }
    if p.label_en.trim().is_empty() {
        return Err(format!("{n}: empty label_en"));
    }
    let lo_hi = |lo: Option<u32>, hi: Option<u32>, what: &str| match (lo, hi) {
        (Some(a), Some(b)) if a > b => Err(format!("{n}: {what} ({a} > {b})")),
        _ => Ok(()),
    };
    lo_hi(p.added_min, p.added, "added_min after added")?;
    lo_hi(p.removed_min, p.removed, "removed_min after removed")?;
    lo_hi(p.added, p.removed, "added after removed")?;
    lo_hi(p.added, p.deprecated, "added after deprecated")?;
    lo_hi(p.added, p.no_effect_from, "added after no_effect_from")?;
    if p.added_min.is_some() && p.added.is_none() {
        return Err(format!("{n}: added_min without added"));
    }
    if p.removed_min.is_some() && p.removed.is_none() {
        return Err(format!("{n}: removed_min without removed"));
    }
    Ok(())
}

/// Matches a constant in upper-cased text on identifier boundaries, allowing the text to
/// end up to two characters early (truncated cells). Returns the matched length.
fn constant_match(upper: &str, c: &str) -> Option<usize> {
    let is_id = |ch: char| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.';
    for (start, _) in upper.match_indices(c) {
        let before_ok = upper[..start]
            .chars()
            .next_back()
            .map_or(true, |ch| !is_id(ch));
        let after_ok = upper[start + c.len()..]
            .chars()
            .next()
            .map_or(true, |ch| !is_id(ch));
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
                .map_or(true, |ch| !is_id(ch));
            let after_ok = upper[start + n..]
                .chars()
                .next()
                .map_or(true, |ch| !is_id(ch));
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
            .map_or(true, |c| !c.is_ascii_alphanumeric());
        let a = hay[start + needle.len()..]
            .chars()
            .next()
            .map_or(true, |c| !c.is_ascii_alphanumeric());
        if a && b {
            return true;
        }
    }
    false
}

/// Protection level of a permission from the embedded table, or `unknown` for custom
/// permissions the table does not know.
pub fn protection_of(name: &str) -> String {
    PermissionDb::embedded()
        .get(name)
        .map(|p| p.protection.clone())
        .unwrap_or_else(|| "unknown".to_string())
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
        let with_prot = |prot: &str| row("").replace("\"normal\"", &format!("\"{prot}\""));
        assert!(PermissionDb::load(&with_prot("dangerous|instant")).is_ok());
        assert!(PermissionDb::load(&with_prot("signature|privileged|development")).is_ok());
        assert!(PermissionDb::load(&with_prot("privileged|signature")).is_err());
        assert!(PermissionDb::load(&with_prot("signature|bogus")).is_err());
        assert!(PermissionDb::load(&with_prot("signature|appop|appop")).is_err());
        assert!(PermissionDb::load(&with_prot("")).is_err());
        assert!(PermissionDb::load(&row("origin=\"elsewhere\"")).is_err());
        assert!(PermissionDb::load(&row("added=30\nremoved=29")).is_err());
        assert!(PermissionDb::load(&row("added=4\nadded_min=5")).is_err());
        assert!(PermissionDb::load(&row("added_min=1")).is_err());
        let hist = |h: &str| row(&format!("protection_history={h}"));
        assert!(PermissionDb::load(&hist("[\"4:dangerous\", \"23:normal\"]")).is_ok());
        assert!(PermissionDb::load(&hist("[\"23:dangerous\", \"4:normal\"]")).is_err());
        assert!(PermissionDb::load(&hist("[\"x:dangerous\"]")).is_err());
        assert!(PermissionDb::load(&hist("[\"4:bogus\"]")).is_err());
    }

    #[test]
    fn every_dangerous_has_group_and_data() {
        for p in PermissionDb::embedded().all() {
            if p.base_protection() == "dangerous"
                && p.is_platform()
                && p.deprecated.is_none()
                && p.removed.is_none()
            {
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
