//! Names a privacy policy uses for SDKs and permissions, compiled once into two
//! Aho-Corasick automata over [`crate::text::match_norm`]-normalised text:
//!
//! - SDKs: every signature's id, name, Chinese name and aliases, its vendor legal names
//!   (`vendor`, `vendor_zh`) and its package prefixes;
//! - permissions: constants are found by token (see `policy::recognize`); this automaton
//!   holds display names (`data/permissions.toml` labels and names, `data/policy_terms.toml`
//!   `[permission_names]`) and Android's own labels in English, zh-CN, zh-TW and zh-HK
//!   (`data/permission_labels.toml`, read from Android's framework-res.apk), each also
//!   without a leading "拥有"/"have", "您的"/"your" and a trailing "权限"/"permission".
//!
//! Patterns are normalised the way the text is, so one pass over a document finds every
//! name whatever its width, case, spacing or radical code points.

use super::permissions::PermissionDb;
use super::policy_terms::PolicyTerms;
use super::signatures::SignatureDb;
use crate::error::{Format, ParseError};
use crate::text::match_norm;
use aho_corasick::{AhoCorasick, MatchKind};
use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;

pub(crate) const EMBEDDED_LABELS: &str = include_str!("../../data/permission_labels.toml");

/// What an SDK pattern is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// An SDK name or alias.
    Alias,
    /// A vendor's legal name.
    Vendor,
    /// A Java package prefix.
    Package,
}

/// One compiled SDK pattern.
#[derive(Debug, Clone)]
pub struct SdkPattern {
    /// Normalised pattern text.
    pub text: String,
    /// Signature ids it names (several when an alias is shared), in database order.
    pub ids: Vec<String>,
    /// Kind of name.
    pub kind: NameKind,
    /// Ids of longer aliases that start with this one ("快手" → the ids of "快手登录",
    /// "快手开放平台"): a brand shared by several SDKs, decided by the words around it.
    pub family: Vec<String>,
}

/// One compiled permission name.
#[derive(Debug, Clone)]
pub struct PermPattern {
    /// Normalised pattern text.
    pub text: String,
    /// Constants it names (a group name such as "位置" names several).
    pub perms: Vec<String>,
    /// Android's own label (or a variant of it) rather than a short display name.
    pub label: bool,
}

/// A match: byte span in the normalised text and the pattern index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Start byte.
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
    /// Index into [`PolicyNames::sdk`] or [`PolicyNames::perm`].
    pub pat: usize,
}

/// The compiled name automata.
#[derive(Default)]
pub struct PolicyNames {
    /// SDK patterns.
    pub sdk: Vec<SdkPattern>,
    sdk_ac: Option<AhoCorasick>,
    /// Permission patterns.
    pub perm: Vec<PermPattern>,
    perm_ac: Option<AhoCorasick>,
    /// Signature id → category.
    pub category: HashMap<String, String>,
    /// Character-bigram index over Android's labels (pattern index lists), for labels
    /// written as another Android version or ROM words them.
    label_grams: HashMap<(char, char), Vec<u32>>,
    /// Known permission constants by lower-case short name (`camera` → `android.permission.CAMERA`).
    pub constants: HashMap<String, String>,
}

impl std::fmt::Debug for PolicyNames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyNames")
            .field("sdk", &self.sdk.len())
            .field("perm", &self.perm.len())
            .finish()
    }
}

#[derive(Deserialize)]
struct LabelsFile {
    #[allow(dead_code)]
    source: toml::Table,
    permission: Vec<LabelEntry>,
    #[serde(default)]
    group: Vec<toml::Table>,
}

#[derive(Deserialize)]
struct LabelEntry {
    name: String,
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, toml::Value>,
}

/// Android's permission labels: (constant, labels in every locale), validated.
pub fn load_labels(text: &str) -> Result<Vec<(String, Vec<String>)>, ParseError> {
    let f: LabelsFile = toml::from_str(text).map_err(|e| {
        ParseError::new(
            Format::Data,
            e.span().map(|s| s.start).unwrap_or(0),
            format!("data/permission_labels.toml: {}", e.message()),
        )
    })?;
    let _ = f.group.len();
    let mut out = Vec::new();
    for p in f.permission {
        if !p.name.contains(".permission.") {
            return Err(ParseError::new(
                Format::Data,
                0u64,
                format!(
                    "data/permission_labels.toml: `{}` is not a permission",
                    p.name
                ),
            ));
        }
        let labels: Vec<String> = p
            .rest
            .iter()
            .filter(|(k, _)| k.starts_with("label_") && *k != "label_key")
            .filter_map(|(_, v)| v.as_str().map(str::to_string))
            .filter(|s| !s.trim().is_empty())
            .collect();
        if labels.is_empty() {
            return Err(ParseError::new(
                Format::Data,
                0u64,
                format!("data/permission_labels.toml: `{}` has no label", p.name),
            ));
        }
        out.push((p.name, labels));
    }
    Ok(out)
}

/// Distinct character bigrams of `s` (spaces ignored).
fn grams(s: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Trailing words that do not change which SDK a name means.
const SDK_SUFFIXES: &[&str] = &["sdk", "插件", "kit", "服务"];

/// Normalised SDK pattern: [`match_norm`], trimmed, trailing "SDK"/"插件"/"Kit"/"服务" dropped
/// unless that leaves fewer than two characters.
pub fn sdk_pattern(s: &str) -> String {
    let n = match_norm(s).replace(['\n', '\t'], " ");
    let mut k = n.trim().to_string();
    loop {
        let before = k.len();
        for suf in SDK_SUFFIXES {
            if let Some(x) = k.strip_suffix(suf) {
                // an ASCII word with "sdk" glued on ("crashsdk") is one word
                if x.ends_with(|c: char| c.is_ascii_alphanumeric()) && suf.is_ascii() {
                    continue;
                }
                let x = x.trim_end_matches([' ', '-', '_']);
                // "转化SDK" stays whole: two characters alone are too loose
                let n = x.chars().count();
                if n >= 3 || (n == 2 && x.is_ascii()) {
                    k = x.to_string();
                }
            }
        }
        if k.len() == before {
            break;
        }
    }
    k
}

/// Variants of a permission label as policies shorten it: without a leading
/// "拥有"/"have"/"has", without "您的"/"你的"/"your ", without "的", and without a trailing
/// "权限"/"permission".
fn label_variants(label: &str) -> Vec<String> {
    let base = match_norm(label).replace(['\n', '\t'], " ");
    let base = base.trim().to_string();
    let mut out = vec![base.clone()];
    let mut grow = |f: &dyn Fn(&str) -> Option<String>| {
        let more: Vec<String> = out.iter().filter_map(|s| f(s)).collect();
        for m in more {
            let m = m.trim().to_string();
            if !m.is_empty() && !out.contains(&m) {
                out.push(m);
            }
        }
    };
    grow(&|s| {
        ["拥有", "have ", "has "]
            .iter()
            .find_map(|p| s.strip_prefix(p).map(str::to_string))
    });
    grow(&|s| {
        for p in ["您的", "你的", "your "] {
            if s.contains(p) {
                return Some(s.replacen(p, "", 1));
            }
        }
        None
    });
    grow(&|s| s.contains('的').then(|| s.replace('的', "")));
    grow(&|s| {
        ["权限", " permission", "权"]
            .iter()
            .find_map(|p| s.strip_suffix(p).map(str::to_string))
    });
    out
}

impl PolicyNames {
    /// Compile the automata from the loaded tables.
    pub fn build(
        sigs: &SignatureDb,
        perms: &PermissionDb,
        terms: &PolicyTerms,
        labels: &[(String, Vec<String>)],
        data: &super::data_types::DataTypeDb,
    ) -> PolicyNames {
        let mut names = PolicyNames::default();
        // An alias that is also a data-type name ("OAID") names data, not an SDK.
        let data_words: std::collections::HashSet<String> = data
            .all()
            .iter()
            .flat_map(|t| t.aliases())
            .map(sdk_pattern)
            .collect();
        let mut index: HashMap<(String, u8), usize> = HashMap::default();
        let mut add = |names: &mut PolicyNames, text: String, id: &str, kind: NameKind| {
            if text.chars().count() < 2 || text.len() > 200 {
                return;
            }
            let key = (text.clone(), kind as u8);
            match index.get(&key) {
                Some(&i) => {
                    if let Some(p) = names.sdk.get_mut(i) {
                        if !p.ids.iter().any(|x| x == id) {
                            p.ids.push(id.to_string());
                        }
                    }
                }
                None => {
                    index.insert(key, names.sdk.len());
                    names.sdk.push(SdkPattern {
                        text,
                        ids: vec![id.to_string()],
                        kind,
                        family: Vec::new(),
                    });
                }
            }
        };
        for s in sigs.all() {
            names
                .category
                .insert(s.id.clone(), s.category.as_str().to_string());
            let mut aliases = vec![s.name.clone()];
            aliases.extend(s.name_zh.iter().cloned());
            aliases.extend(s.aliases.iter().cloned());
            if s.id.contains('-') || s.id.len() >= 4 {
                aliases.push(s.id.clone());
            }
            for a in aliases {
                let p = sdk_pattern(&a);
                // single ASCII letters and two-letter lower-case words are too loose
                if p.chars().count() < 2 || data_words.contains(&p) {
                    continue;
                }
                add(&mut names, p, &s.id, NameKind::Alias);
            }
            for v in s.vendor.iter().chain(s.vendor_zh.iter()) {
                for part in v.split(" / ") {
                    let p = match_norm(part).trim().to_string();
                    if p.chars().count() >= 4 {
                        add(&mut names, p, &s.id, NameKind::Vendor);
                    }
                }
            }
            for pkg in &s.rules.packages {
                let p = pkg.trim_end_matches('.').to_ascii_lowercase();
                if p.contains('.') {
                    add(&mut names, p, &s.id, NameKind::Package);
                }
            }
        }
        // Families: for each alias, the ids of the longer aliases that start with its brand
        // core (the alias without a trailing "sdk"/"kit"/"插件"/"服务").
        let mut sorted: Vec<(String, usize)> = names
            .sdk
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == NameKind::Alias)
            .map(|(i, p)| (p.text.clone(), i))
            .collect();
        sorted.sort();
        for i in 0..names.sdk.len() {
            let Some(me) = names.sdk.get(i).filter(|p| p.kind == NameKind::Alias) else {
                continue;
            };
            let mut core = me.text.as_str();
            for suf in SDK_SUFFIXES {
                if let Some(x) = core.strip_suffix(suf) {
                    core = x.trim_end();
                }
            }
            if core.chars().count() < 2 {
                continue;
            }
            let from = sorted.partition_point(|(t, _)| t.as_str() < core);
            let mut fam: Vec<String> = Vec::new();
            for (t, j) in sorted.iter().skip(from).take(64) {
                if !t.starts_with(core) {
                    break;
                }
                for id in names.sdk.get(*j).map(|p| p.ids.as_slice()).unwrap_or(&[]) {
                    if !me.ids.contains(id) && !fam.contains(id) {
                        fam.push(id.clone());
                    }
                }
            }
            if let Some(p) = names.sdk.get_mut(i) {
                p.family = fam;
            }
        }
        // Aliases win over vendor names and packages of the same text.
        names.sdk_ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(names.sdk.iter().map(|p| p.text.as_str()))
            .ok();

        let mut pidx: HashMap<String, usize> = HashMap::default();
        let mut addp = |names: &mut PolicyNames, text: String, c: &str, label: bool| {
            let t = text.trim().to_string();
            if t.chars().count() < 2 || t.len() > 200 || t.contains('.') {
                return;
            }
            // bare constants are found by token, not here
            if t.chars().all(|x| x.is_ascii_alphanumeric() || x == '_') && t.contains('_') {
                return;
            }
            match pidx.get(&t) {
                Some(&i) => {
                    if let Some(p) = names.perm.get_mut(i) {
                        if !p.perms.iter().any(|x| x == c) {
                            p.perms.push(c.to_string());
                        }
                        p.label |= label;
                    }
                }
                None => {
                    pidx.insert(t.clone(), names.perm.len());
                    names.perm.push(PermPattern {
                        text: t,
                        perms: vec![c.to_string()],
                        label,
                    });
                }
            }
        };
        for p in perms.all() {
            names
                .constants
                .insert(p.short_name().to_ascii_lowercase(), p.name.clone());
            if let Some(l) = &p.label_zh {
                for v in label_variants(l) {
                    addp(&mut names, v, &p.name, true);
                }
            }
            for n in p.names_zh.iter().chain(p.names_en.iter()) {
                addp(&mut names, match_norm(n), &p.name, false);
            }
            addp(&mut names, match_norm(&p.label_en), &p.name, false);
        }
        for (c, more) in &terms.permission_names {
            for n in more {
                addp(&mut names, match_norm(n), c, false);
            }
        }
        for (c, ls) in labels {
            for l in ls {
                for v in label_variants(l) {
                    addp(&mut names, v, c, true);
                }
            }
        }
        // A name shared by several permissions means the ones an app can hold (normal or
        // dangerous), not deprecated ones, when there are such: "关闭其他应用" is
        // KILL_BACKGROUND_PROCESSES, not RESTART_PACKAGES or KILL_ALL_BACKGROUND_PROCESSES.
        let holdable = |c: &String| {
            perms.get(c).is_some_and(|i| {
                matches!(i.base_protection(), "normal" | "dangerous")
                    || i.protection_flags().any(|f| f == "appop")
            })
        };
        for p in names.perm.iter_mut().filter(|p| p.perms.len() > 1) {
            let h: Vec<String> = p.perms.iter().filter(|c| holdable(c)).cloned().collect();
            if !h.is_empty() {
                p.perms = h;
            }
            let current: Vec<String> = p
                .perms
                .iter()
                .filter(|c| perms.get(c).is_some_and(|i| i.deprecated.is_none()))
                .cloned()
                .collect();
            if !current.is_empty() {
                p.perms = current;
            }
        }
        for (i, p) in names.perm.iter().enumerate() {
            // only labels of permissions an app can hold take part in fuzzy matching
            if !p.label || p.text.chars().count() < 3 || !p.perms.iter().any(&holdable) {
                continue;
            }
            for g in grams(&p.text) {
                let e = names.label_grams.entry(g).or_default();
                if e.len() < 4096 {
                    e.push(i as u32);
                }
            }
        }
        names.perm_ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(names.perm.iter().map(|p| p.text.as_str()))
            .ok();
        names
    }

    /// SDK names in `norm` (normalised by [`match_norm`]), leftmost-longest, where a pattern
    /// starting or ending with an ASCII letter or digit does not touch another one (a
    /// trailing "sdk"/"kit" may follow), and a package is not part of a longer package.
    pub fn sdk_hits(&self, norm: &str) -> Vec<Hit> {
        let Some(ac) = &self.sdk_ac else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for m in ac.find_iter(norm) {
            let (s, e) = (m.start(), m.end());
            let Some(p) = self.sdk.get(m.pattern().as_usize()) else {
                continue;
            };
            let before = norm.get(..s).and_then(|x| x.chars().next_back());
            let after_s = norm.get(e..).unwrap_or("");
            let after = after_s.chars().next();
            let w = |c: char| c.is_ascii_alphanumeric();
            let first = p.text.chars().next().is_some_and(w);
            let last = p.text.chars().next_back().is_some_and(w);
            if p.kind == NameKind::Package {
                if before.is_some_and(|c| w(c) || c == '.' || c == '_')
                    || after.is_some_and(|c| w(c) || c == '_')
                {
                    continue;
                }
            } else {
                if first && before.is_some_and(|c| w(c) || c == '_') {
                    continue;
                }
                if last
                    && after.is_some_and(|c| w(c) || c == '_')
                    && !after_s.starts_with("sdk")
                    && !after_s.starts_with("kit")
                {
                    continue;
                }
            }
            out.push(Hit {
                start: s,
                end: e,
                pat: m.pattern().as_usize(),
            });
        }
        out
    }

    /// Permission display names and labels in `norm`, leftmost-longest, ASCII word
    /// boundaries respected.
    pub fn perm_hits(&self, norm: &str) -> Vec<Hit> {
        let Some(ac) = &self.perm_ac else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for m in ac.find_iter(norm) {
            let (s, e) = (m.start(), m.end());
            let Some(p) = self.perm.get(m.pattern().as_usize()) else {
                continue;
            };
            let w = |c: char| c.is_ascii_alphanumeric() || c == '_';
            let before = norm.get(..s).and_then(|x| x.chars().next_back());
            let after = norm.get(e..).and_then(|x| x.chars().next());
            if p.text.chars().next().is_some_and(w) && before.is_some_and(w) {
                continue;
            }
            if p.text.chars().next_back().is_some_and(w) && after.is_some_and(w) {
                continue;
            }
            out.push(Hit {
                start: s,
                end: e,
                pat: m.pattern().as_usize(),
            });
        }
        out
    }

    /// Own ids and family ids of the name's longest alias hit (see [`SdkPattern::family`]).
    pub fn candidates_in_name(&self, name: &str) -> (Vec<String>, Vec<String>) {
        let norm = match_norm(name);
        let hits = self.sdk_hits(&norm);
        match hits
            .iter()
            .filter(|h| {
                self.sdk
                    .get(h.pat)
                    .is_some_and(|p| p.kind == NameKind::Alias)
            })
            .max_by_key(|h| h.end - h.start)
            .and_then(|h| self.sdk.get(h.pat))
        {
            Some(p) => (p.ids.clone(), p.family.clone()),
            None => (self.ids_in_name(name), Vec::new()),
        }
    }

    /// The permissions an entry head written like an Android label means ("查看WLAN状态",
    /// "修改或删除SD卡中的内容", "控制震动"): the label with the highest character-bigram Dice
    /// coefficient, when it is at least 0.5 and at least three bigrams are shared.
    pub fn fuzzy_label(&self, head: &str) -> Option<&[String]> {
        let g = grams(head);
        if g.len() < 3 || g.len() > 40 {
            return None;
        }
        let mut shared: HashMap<u32, usize> = HashMap::default();
        for x in &g {
            for &i in self.label_grams.get(x).map(|v| v.as_slice()).unwrap_or(&[]) {
                *shared.entry(i).or_default() += 1;
            }
        }
        let mut best: Option<(f64, u32)> = None;
        for (i, n) in shared {
            if n < 3 {
                continue;
            }
            let Some(p) = self.perm.get(i as usize) else {
                continue;
            };
            let lg = grams(&p.text).len();
            let dice = 2.0 * n as f64 / (g.len() + lg) as f64;
            // a shortened label ("读取存储的内容") shares most of its own bigrams
            let contained = n as f64 / g.len() as f64;
            let dice = if n >= 4 && contained >= 0.65 {
                dice.max(contained * 0.75)
            } else {
                dice
            };
            if dice >= 0.5 && best.map_or(true, |(d, j)| dice > d || (dice == d && i < j)) {
                best = Some((dice, i));
            }
        }
        best.and_then(|(_, i)| self.perm.get(i as usize))
            .map(|p| p.perms.as_slice())
    }

    /// The SDK ids one name (a table cell, a list item) names: the longest alias hit, else
    /// a package hit, else a vendor hit naming one signature.
    pub fn ids_in_name(&self, name: &str) -> Vec<String> {
        let norm = match_norm(name);
        let hits = self.sdk_hits(&norm);
        for kind in [NameKind::Alias, NameKind::Package] {
            if let Some(h) = hits
                .iter()
                .filter(|h| self.sdk.get(h.pat).is_some_and(|p| p.kind == kind))
                .max_by_key(|h| h.end - h.start)
            {
                return self
                    .sdk
                    .get(h.pat)
                    .map(|p| p.ids.clone())
                    .unwrap_or_default();
            }
        }
        Vec::new()
    }
}
