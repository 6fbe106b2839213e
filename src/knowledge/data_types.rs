//! Personal-data types (ids, labels, aliases as policies write them).
//!
//! The ids are stable (signature files and `data/permissions.toml` reference them). Display
//! names and aliases live in `data/data_types.toml`, embedded at build time and validated
//! at load by [`DataTypeDb::load`].

use crate::error::{Format, ParseError};
use crate::text::fold;
use aho_corasick::{AhoCorasick, MatchKind};
use serde::Deserialize;
use std::collections::HashMap;

pub(crate) const EMBEDDED: &str = include_str!("../../data/data_types.toml");

/// The data-type ids permissions and sensitive APIs may reference.
pub const DATA_TYPE_IDS: &[&str] = &[
    "imei",
    "meid",
    "imsi",
    "iccid",
    "device_serial",
    "mac_address",
    "android_id",
    "oaid",
    "vaid",
    "aaid",
    "gaid",
    "idfa",
    "idfv",
    "openudid_guid",
    "device_ids",
    "vendor_ids",
    "installed_apps",
    "running_apps",
    "precise_location",
    "approx_location",
    "wifi_info",
    "cell_info",
    "ip_address",
    "network_info",
    "device_info",
    "phone_number",
    "clipboard",
    "sensors",
    "contacts",
    "call_log",
    "sms",
    "calendar",
    "photos_videos",
    "camera",
    "files",
    "audio",
    "crash_logs",
    "device_accounts",
    "user_id",
    "fitness",
    "health_sensor",
    "nearby_devices",
    "email",
    "cookies",
];

/// Known data-type ids (used to validate signature files).
pub fn known_ids() -> Option<Vec<&'static str>> {
    Some(DATA_TYPE_IDS.to_vec())
}

/// One data type with its display names and aliases.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DataType {
    /// Stable id (one of [`DATA_TYPE_IDS`]).
    pub id: String,
    /// English display name.
    pub name_en: String,
    /// Chinese display name.
    pub name_zh: String,
    /// Chinese spellings used by policies.
    #[serde(default)]
    pub aliases_zh: Vec<String>,
    /// English spellings used by policies.
    #[serde(default)]
    pub aliases_en: Vec<String>,
    /// Apple privacy-manifest `NSPrivacyCollectedDataType…` keys that mean this type.
    #[serde(default)]
    pub apple: Vec<String>,
    /// Aliases that are also common words in running text ("存储" also means "to store"):
    /// matched in table cells ([`DataTypeDb::find_in_text`]) but not in prose
    /// ([`DataTypeDb::find_in_prose`]). Each must also be listed in an aliases field.
    #[serde(default)]
    pub prose_ambiguous: Vec<String>,
    /// Sentences in which the type must be found (checked by the test suite).
    #[serde(default)]
    pub test_match: Vec<String>,
    /// Look-alike sentences in which the type must not be found.
    #[serde(default)]
    pub test_no_match: Vec<String>,
}

impl DataType {
    /// Every alias plus both display names (display names with a parenthesis are skipped).
    pub fn aliases(&self) -> impl Iterator<Item = &str> {
        self.aliases_zh
            .iter()
            .chain(self.aliases_en.iter())
            .map(|s| s.as_str())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataTypeFile {
    data_type: Vec<DataType>,
}

/// Display language for [`DataTypeDb::display`] (the same type as for permissions).
pub use super::Lang;

/// The data-type table with an alias matcher.
#[derive(Debug, Clone, Default)]
pub struct DataTypeDb {
    types: Vec<DataType>,
    by_id: HashMap<String, usize>,
    /// Folded alias patterns, parallel to `pattern_type` (index into `types`).
    patterns: Vec<String>,
    pattern_type: Vec<usize>,
    matcher: Option<AhoCorasick>,
}

/// Normalise text for alias matching: NFKC, lowercase, whitespace collapsed, and spaces
/// next to a CJK character dropped ("IP 地址" → "ip地址").
pub fn match_fold(s: &str) -> String {
    let f = fold(s);
    let chars: Vec<char> = f.chars().collect();
    let mut out = String::with_capacity(f.len());
    for (i, c) in chars.iter().enumerate() {
        if *c == ' ' {
            let prev = i.checked_sub(1).and_then(|j| chars.get(j));
            let next = chars.get(i + 1);
            if prev.is_some_and(|p| is_cjk(*p)) || next.is_some_and(|n| is_cjk(*n)) {
                continue;
            }
        }
        out.push(*c);
    }
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl DataTypeDb {
    /// Parse and validate a data-type table: unknown fields, duplicate ids, an empty id or
    /// name, and an alias (after folding) listed twice are errors.
    pub fn load(text: &str) -> Result<DataTypeDb, ParseError> {
        let file: DataTypeFile = toml::from_str(text).map_err(|e| {
            ParseError::new(
                Format::Data,
                e.span().map(|s| s.start).unwrap_or(0),
                format!("data_types.toml: {}", e.message()),
            )
        })?;
        let err = |m: String| ParseError::new(Format::Data, 0u64, format!("data_types.toml: {m}"));
        let mut by_id = HashMap::new();
        let mut seen_alias: HashMap<String, String> = HashMap::new();
        let mut patterns = Vec::new();
        let mut pattern_type = Vec::new();
        for (i, t) in file.data_type.iter().enumerate() {
            if t.id.is_empty()
                || !t
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(err(format!("bad id {:?}", t.id)));
            }
            if t.name_en.trim().is_empty() || t.name_zh.trim().is_empty() {
                return Err(err(format!("{}: empty display name", t.id)));
            }
            if by_id.insert(t.id.clone(), i).is_some() {
                return Err(err(format!("duplicate id {}", t.id)));
            }
            for a in &t.prose_ambiguous {
                if !t.aliases().any(|x| x == a) {
                    return Err(err(format!(
                        "{}: prose_ambiguous {a:?} is not an alias",
                        t.id
                    )));
                }
            }
            for a in t.aliases() {
                let k = match_fold(a);
                if k.is_empty() {
                    return Err(err(format!("{}: empty alias", t.id)));
                }
                if let Some(other) = seen_alias.insert(k.clone(), t.id.clone()) {
                    return Err(err(format!(
                        "alias {a:?} listed twice ({other} and {})",
                        t.id
                    )));
                }
                patterns.push(k);
                pattern_type.push(i);
            }
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| err(format!("alias matcher: {e}")))?;
        Ok(DataTypeDb {
            types: file.data_type,
            by_id,
            patterns,
            pattern_type,
            matcher: Some(matcher),
        })
    }

    /// The embedded `data/data_types.toml`, loaded once. A load error (a bug in shipped
    /// data, covered by a test) is logged and yields an empty table.
    pub fn embedded() -> &'static DataTypeDb {
        &crate::knowledge::Knowledge::embedded().data_types
    }

    /// Look a type up by id.
    pub fn get(&self, id: &str) -> Option<&DataType> {
        self.types.get(*self.by_id.get(id)?)
    }

    /// All types, in file order.
    pub fn all(&self) -> &[DataType] {
        &self.types
    }

    /// The type an Apple privacy-manifest key (`NSPrivacyCollectedDataTypeDeviceID`) means.
    pub fn by_apple_key(&self, key: &str) -> Option<&DataType> {
        self.types.iter().find(|t| t.apple.iter().any(|k| k == key))
    }

    /// Display name in `lang`; the id itself when unknown.
    pub fn display<'a>(&'a self, id: &'a str, lang: Lang) -> &'a str {
        match (self.get(id), lang) {
            (Some(t), Lang::En) => &t.name_en,
            (Some(t), Lang::Zh) => &t.name_zh,
            (None, _) => id,
        }
    }

    /// Ids of the data types named in `text`, in order of first mention, without repeats.
    ///
    /// Longest match wins where aliases overlap; an alias whose first/last character is an
    /// ASCII letter or digit must not touch another ASCII letter or digit in the text.
    pub fn find_in_text(&self, text: &str) -> Vec<&str> {
        self.find(text, false)
    }

    /// Like [`DataTypeDb::find_in_text`] for running text: aliases marked
    /// `prose_ambiguous` (words that are also verbs) are ignored.
    pub fn find_in_prose(&self, text: &str) -> Vec<&str> {
        self.find(text, true)
    }

    fn find(&self, text: &str, prose: bool) -> Vec<&str> {
        let Some(m) = &self.matcher else {
            return Vec::new();
        };
        let hay = match_fold(text);
        // Candidate matches (start, end, type) that respect ASCII word boundaries.
        let mut cands: Vec<(usize, usize, usize)> = Vec::new();
        for hit in m.find_overlapping_iter(&hay) {
            let (s, e) = (hit.start(), hit.end());
            let Some(pat) = self.patterns.get(hit.pattern().as_usize()) else {
                continue;
            };
            let first = pat.chars().next();
            let last = pat.chars().next_back();
            let before = hay.get(..s).and_then(|x| x.chars().next_back());
            let after = hay.get(e..).and_then(|x| x.chars().next());
            if first.is_some_and(is_word) && before.is_some_and(is_word) {
                continue;
            }
            if last.is_some_and(is_word) && after.is_some_and(is_word) {
                continue;
            }
            if let Some(t) = self.pattern_type.get(hit.pattern().as_usize()) {
                // An ambiguous alias still takes its span (so "存储" does not let a shorter
                // alias match inside it) but yields no type in prose.
                let skip = prose
                    && self
                        .types
                        .get(*t)
                        .is_some_and(|ty| ty.prose_ambiguous.iter().any(|a| match_fold(a) == *pat));
                cands.push((s, e, if skip { usize::MAX } else { *t }));
            }
        }
        // Leftmost, then longest; skip candidates overlapping one already taken.
        cands.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut out: Vec<&str> = Vec::new();
        let mut taken_end = 0usize;
        for (s, e, t) in cands {
            if s < taken_end {
                continue;
            }
            taken_end = e;
            if let Some(ty) = self.types.get(t) {
                if !out.contains(&ty.id.as_str()) {
                    out.push(ty.id.as_str());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_matches_ids() {
        let db = DataTypeDb::load(EMBEDDED).expect("data_types.toml loads");
        for id in DATA_TYPE_IDS {
            let t = db
                .get(id)
                .unwrap_or_else(|| panic!("{id} missing from data_types.toml"));
            assert!(!t.aliases_zh.is_empty() || !t.aliases_en.is_empty(), "{id}");
        }
        for t in db.all() {
            assert!(
                DATA_TYPE_IDS.contains(&t.id.as_str()),
                "{} not in DATA_TYPE_IDS",
                t.id
            );
        }
        assert_eq!(db.all().len(), DATA_TYPE_IDS.len());
    }

    #[test]
    fn every_alias_matches_and_lookalikes_do_not() {
        let db = DataTypeDb::embedded();
        assert!(!db.all().is_empty());
        for t in db.all() {
            for a in t.aliases() {
                // Alone, and embedded in Chinese and English sentences.
                for s in [
                    a.to_string(),
                    format!("收集您的{a}用于"),
                    format!("we collect {a}, and"),
                ] {
                    let got = db.find_in_text(&s);
                    // A longer alias of another type may legitimately win ("设备账户" over "账户").
                    assert!(
                        got.contains(&t.id.as_str()) || got.len() == 1,
                        "{}: alias {a:?} in {s:?} -> {got:?}",
                        t.id
                    );
                }
                assert!(
                    db.find_in_text(a).contains(&t.id.as_str()),
                    "{}: {a:?} alone",
                    t.id
                );
            }
            assert!(
                !t.test_match.is_empty() && !t.test_no_match.is_empty(),
                "{} tests",
                t.id
            );
            for s in &t.test_match {
                assert!(
                    db.find_in_text(s).contains(&t.id.as_str()),
                    "{}: {s:?} -> {:?}",
                    t.id,
                    db.find_in_text(s)
                );
            }
            for s in &t.test_no_match {
                assert!(
                    !db.find_in_text(s).contains(&t.id.as_str()),
                    "{}: look-alike {s:?} matched",
                    t.id
                );
            }
        }
    }

    #[test]
    fn longest_match_and_boundaries() {
        let db = DataTypeDb::embedded();
        assert_eq!(db.find_in_text("SIM序列号"), vec!["iccid"]);
        assert_eq!(db.find_in_text("硬件序列号"), vec!["device_serial"]);
        assert_eq!(
            db.find_in_text("获取设备上的帐号列表"),
            vec!["device_accounts"]
        );
        assert_eq!(db.find_in_text("VIP description zip"), Vec::<&str>::new());
        assert_eq!(db.find_in_text("IP 地址"), vec!["ip_address"]);
        assert_eq!(
            db.find_in_text("IMEI、Android ID、MAC地址、位置信息"),
            vec!["imei", "android_id", "mac_address", "precise_location"]
        );
        assert_eq!(db.display("imei", Lang::En), "IMEI");
        assert_eq!(db.display("contacts", Lang::Zh), "通讯录");
        assert_eq!(db.display("nope", Lang::Zh), "nope");
    }

    #[test]
    fn prose_skips_ambiguous_aliases() {
        let db = DataTypeDb::embedded();
        let s = "我们将在您的设备上存储名为Cookies的小型数据文件";
        assert!(db.find_in_text(s).contains(&"files"));
        assert_eq!(db.find_in_prose(s), vec!["cookies"]);
        assert_eq!(db.find_in_prose("读取外部存储信息"), vec!["files"]);
    }

    #[test]
    fn load_rejects_bad_tables() {
        let one =
            "[[data_type]]\nid = \"a\"\nname_en = \"A\"\nname_zh = \"甲\"\naliases_en = [\"x1\"]\n";
        assert!(DataTypeDb::load(one).is_ok());
        let dup_id = format!("{one}{one}");
        assert!(DataTypeDb::load(&dup_id)
            .unwrap_err()
            .reason
            .contains("duplicate id"));
        let dup_alias = format!("{one}[[data_type]]\nid = \"b\"\nname_en = \"B\"\nname_zh = \"乙\"\naliases_zh = [\"X1\"]\n");
        assert!(DataTypeDb::load(&dup_alias)
            .unwrap_err()
            .reason
            .contains("listed twice"));
        let unknown = format!("{one}colour = \"red\"\n");
        assert!(DataTypeDb::load(&unknown).is_err());
        assert!(DataTypeDb::load("not toml [[").is_err());
    }
}
