//! Resolver input: names, aliases and display names for SDKs, permissions and data types.

use crate::text::{contains_word, fold, sdk_key};
use serde::Deserialize;

/// Resolver vocabulary.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// (signature id, names + aliases + vendor names).
    pub sdks: Vec<(String, Vec<String>)>,
    /// (SDK id, package prefixes) used for `(com.xxx)` hints.
    pub packages: Vec<(String, Vec<String>)>,
    /// (permission constant, display names zh/en).
    pub permissions: Vec<(String, Vec<String>)>,
    /// Extra (data-type id, aliases) pairs, matched by substring (test vocabularies).
    pub data_types: Vec<(String, Vec<String>)>,
    /// The data-type table with its alias matcher ([`Vocabulary::embedded`] sets it).
    pub data_db: Option<&'static crate::knowledge::data_types::DataTypeDb>,
    /// (category, terms) for vague disclosures.
    pub vague: Vec<(String, Vec<String>)>,
    /// (signature id, vendor as written in the signature) for company checks.
    pub vendors: Vec<(String, String)>,
    /// The compiled SDK and permission name automata of the knowledge this vocabulary came
    /// from (`None` for hand-made test vocabularies: the whole-document pass is skipped).
    pub names: Option<std::sync::Arc<crate::knowledge::policy_names::PolicyNames>>,
    /// Lookup built from `permissions` on first use: exact key (constant, bare constant,
    /// display-name key) → constants. Changing `permissions` afterwards is not seen.
    perm_index: std::sync::OnceLock<PermIndex>,
    /// SDK name keys built from `sdks` on first use (each alias normalised once, not per
    /// cell). Changing `sdks` afterwards is not seen.
    sdk_index: std::sync::OnceLock<SdkIndex>,
    /// One automaton over every vague term, built from `vague` on first use. Changing
    /// `vague` afterwards is not seen.
    vague_index: std::sync::OnceLock<VagueIndex>,
}

/// Every distinct vague term once, with the (category, position in its list) pairs it
/// stands for.
#[derive(Debug, Clone)]
struct VagueIndex {
    automaton: Option<aho_corasick::AhoCorasick>,
    /// Pattern id → (category index, term index).
    owners: Vec<Vec<(usize, usize)>>,
    /// (category, term index) of empty terms, which match every sentence.
    empty: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Default)]
struct SdkIndex {
    /// [`sdk_key`] of every name → ids, in table order.
    exact: std::collections::HashMap<String, Vec<String>>,
    /// (fuzzy key, id) for the contained-alias step.
    fuzzy: Vec<(String, String)>,
    /// [`fold`] of every name → ids.
    folded: std::collections::HashMap<String, Vec<String>>,
    /// (constant, folded display names usable in free text, lower-case short name).
    perm_words: Vec<(String, Vec<String>, String)>,
}

#[derive(Debug, Clone, Default)]
struct PermIndex {
    /// Lowercased full or bare constant → constant.
    exact: std::collections::HashMap<String, String>,
    /// Display-name key → constants, in table order.
    display: std::collections::HashMap<String, Vec<String>>,
}

#[derive(Deserialize, Default)]
struct VocabFile {
    #[serde(default)]
    sdk: Vec<VocabEntry>,
    #[serde(default)]
    permission: Vec<VocabEntry>,
    #[serde(default)]
    data_type: Vec<VocabEntry>,
}

#[derive(Deserialize)]
struct VocabEntry {
    id: String,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    packages: Vec<String>,
}

impl Vocabulary {
    /// Build from explicit lists; vague categories come from `data/policy_terms.toml`.
    pub fn new(
        sdks: Vec<(String, Vec<String>)>,
        permissions: Vec<(String, Vec<String>)>,
        data_types: Vec<(String, Vec<String>)>,
    ) -> Self {
        Vocabulary {
            sdks,
            packages: Vec::new(),
            permissions,
            data_types,
            data_db: None,
            vague: default_vague(),
            vendors: Vec::new(),
            names: None,
            perm_index: Default::default(),
            sdk_index: Default::default(),
            vague_index: Default::default(),
        }
    }

    /// Vocabulary from the shipped data: SDK names from `signatures/`, permission display
    /// names from `data/permissions.toml` plus `data/policy_terms.toml`, data-type aliases
    /// from `data/data_types.toml`.
    pub fn embedded() -> Self {
        Self::from_knowledge(crate::knowledge::Knowledge::embedded())
    }

    /// Vocabulary from loaded knowledge (its signatures include any `--signatures DIR`).
    pub fn from_knowledge(k: &crate::knowledge::Knowledge) -> Self {
        let mut v = Vocabulary {
            vague: default_vague(),
            ..Default::default()
        };
        for s in k.signatures.all() {
            let mut names = vec![s.id.clone(), s.name.clone()];
            names.extend(s.name_zh.iter().cloned());
            names.extend(s.aliases.iter().cloned());
            v.sdks.push((s.id.clone(), names));
            if let Some(vendor) = &s.vendor {
                v.vendors.push((s.id.clone(), vendor.clone()));
            }
            if !s.rules.packages.is_empty() {
                v.packages.push((s.id.clone(), s.rules.packages.clone()));
            }
        }
        let extra = &k.terms.permission_names;
        for p in k.permissions.all() {
            let mut names = vec![p.name.clone(), p.short_name().to_string()];
            names.extend(p.names_zh.iter().cloned());
            names.extend(p.names_en.iter().cloned());
            if let Some((_, more)) = extra.iter().find(|(c, _)| *c == p.name) {
                names.extend(more.iter().cloned());
            }
            v.permissions.push((p.name.clone(), names));
        }
        v.data_db = Some(&crate::knowledge::Knowledge::embedded().data_types);
        v.names = Some(k.policy_names.clone());
        v
    }

    /// Only the vague-category terms (for tests with their own vocabulary).
    pub fn terms_only() -> Self {
        Vocabulary {
            vague: default_vague(),
            ..Default::default()
        }
    }

    /// Load `[[sdk]]`, `[[permission]]`, `[[data_type]]` tables (`id`, `names`, `packages`).
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let f: VocabFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut v = Vocabulary::terms_only();
        for e in f.sdk {
            if !e.packages.is_empty() {
                v.packages.push((e.id.clone(), e.packages));
            }
            v.sdks.push((e.id, e.names));
        }
        v.permissions = f.permission.into_iter().map(|e| (e.id, e.names)).collect();
        v.data_types = f.data_type.into_iter().map(|e| (e.id, e.names)).collect();
        Ok(v)
    }

    /// Resolve an SDK name cell (plus package hints and company) to a signature id.
    ///
    /// Order: a declared package inside a signature prefix (longest prefix wins); an exact
    /// name/alias match (after dropping "SDK"/"开放平台"/"服务" suffixes); a signature prefix inside a broad declared package when only one
    /// signature has it; the longest alias contained in the name (ASCII aliases at word
    /// boundaries; aliases cut down to two characters by dropping "开放平台"/"服务" are not
    /// used, so "腾讯开放平台" does not claim every "腾讯…" row); and, for rows that name only
    /// a company, the one signature that lists that company. Except for the package step, a
    /// candidate whose vendor names a different brand than the row's company (see
    /// [`brands_of`]) is not taken.
    pub fn resolve_sdk(
        &self,
        name: &str,
        packages: &[String],
        company: Option<&str>,
    ) -> Option<String> {
        let within = |inner: &str, outer: &str| {
            inner == outer
                || (inner.starts_with(outer) && inner.as_bytes().get(outer.len()) == Some(&b'.'))
        };
        let mut best_pkg: Option<(usize, &String)> = None;
        let mut broad: Vec<&String> = Vec::new();
        for p in packages {
            for (id, prefixes) in &self.packages {
                for x in prefixes {
                    let x = x.trim_end_matches('.');
                    if within(p, x) {
                        if best_pkg.map_or(true, |(l, _)| x.len() > l) {
                            best_pkg = Some((x.len(), id));
                        }
                    } else if within(x, p) && !broad.contains(&id) {
                        broad.push(id);
                    }
                }
            }
        }
        if let Some((_, id)) = best_pkg {
            return Some(id.clone());
        }
        let row_brands = company.map(brands_of).unwrap_or_default();
        let fits = |id: &str| -> bool {
            if row_brands.is_empty() {
                return true;
            }
            let Some((_, vendor)) = self.vendors.iter().find(|(i, _)| i == id) else {
                return true;
            };
            let theirs = brands_of(vendor);
            theirs.is_empty() || theirs.iter().any(|b| row_brands.contains(b))
        };
        let key = sdk_key(name);
        let ix = self.sdk_idx();
        if !key.is_empty() {
            if let Some(id) = ix
                .exact
                .get(&key)
                .and_then(|ids| ids.iter().find(|i| fits(i)))
            {
                return Some(id.clone());
            }
        }
        broad.retain(|id| fits(id));
        if let [one] = broad.as_slice() {
            return Some((*one).clone());
        }
        if !key.is_empty() {
            if let Some(names) = self.names.as_deref() {
                // the longest alias inside the name, found by the automaton in one pass
                let norm = crate::text::match_norm(name);
                let mut best: Option<(usize, &String)> = None;
                for h in names.sdk_hits(&norm) {
                    let Some(p) = names.sdk.get(h.pat) else {
                        continue;
                    };
                    if p.kind != crate::knowledge::policy_names::NameKind::Alias {
                        continue;
                    }
                    let len = h.end - h.start;
                    if best.map_or(true, |(l, _)| len > l) {
                        if let Some(id) = p.ids.iter().find(|i| fits(i)) {
                            best = Some((len, id));
                        }
                    }
                }
                if let Some((_, id)) = best {
                    return Some(id.clone());
                }
            }
        }
        if !key.is_empty() && self.names.is_none() {
            let full = fold(name);
            let mut best: Option<(usize, &String)> = None;
            for (k, id) in &ix.fuzzy {
                if full.len() >= k.len()
                    && contains_word(&full, k)
                    && best.map_or(true, |(l, _)| k.len() > l)
                    && fits(id)
                {
                    best = Some((k.len(), id));
                }
            }
            if let Some((_, id)) = best {
                return Some(id.clone());
            }
        }
        if let Some(c) = company {
            let c = fold(c);
            let names_only_company = key.is_empty() || fold(name) == c;
            if !c.is_empty() && names_only_company {
                let hits: Vec<&String> = ix
                    .folded
                    .get(&c)
                    .map(|v| v.iter().filter(|id| fits(id)).collect())
                    .unwrap_or_default();
                if let [one] = hits.as_slice() {
                    return Some((*one).clone());
                }
            }
        }
        None
    }

    /// Resolve a permission cell to one constant (the first of [`Vocabulary::resolve_permissions`]).
    pub fn resolve_permission(&self, text: &str) -> Option<String> {
        self.resolve_permissions(text).into_iter().next()
    }

    /// Resolve a permission cell to constants: an exact constant (`android.permission.X`,
    /// bare `X`, Markdown-escaped `X\_Y`), else every permission with that display name
    /// ("位置信息" → fine and coarse location; a trailing "权限"/"permission" is ignored),
    /// else the union over the parts of "录音（麦克风）" or "通讯录、写入存储".
    pub fn resolve_permissions(&self, text: &str) -> Vec<String> {
        let t = clean_perm(text);
        if t.is_empty() {
            return Vec::new();
        }
        let idx = self.perm_idx();
        if let Some(c) = idx.exact.get(&t.to_ascii_lowercase()) {
            return vec![c.clone()];
        }
        // A cell that names constants declares exactly those: "存储（android.permission.
        // WRITE_EXTERNAL_STORAGE）" is WRITE only, "`android.permission.BLUETOOTH` <br> *(only
        // Android 11…)*" is BLUETOOTH.
        let named = explicit_constants(&t);
        if !named.is_empty() {
            return named
                .into_iter()
                .map(|c| idx.exact.get(&c.to_ascii_lowercase()).cloned().unwrap_or(c))
                .collect();
        }
        if t.starts_with("android.permission.")
            && t.len() > "android.permission.".len()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        {
            return vec![t];
        }
        let key = perm_key(&t);
        if key.chars().count() >= 2 {
            if let Some(hits) = idx.display.get(&key) {
                return hits.clone();
            }
        }
        // Parts: "录音（麦克风）", "通讯录、写入存储", "READ_X、WRITE_Y".
        let parts: Vec<&str> = t
            .split(['（', '）', '(', ')', '、', '，', ',', '/', ';', '；'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let mut out = Vec::new();
        if parts.len() > 1 {
            for p in parts {
                for c in self.resolve_permissions(p) {
                    if !out.contains(&c) {
                        out.push(c);
                    }
                }
            }
        }
        out
    }

    fn sdk_idx(&self) -> &SdkIndex {
        self.sdk_index.get_or_init(|| {
            let mut ix = SdkIndex::default();
            for (id, names) in &self.sdks {
                for n in names {
                    let k = sdk_key(n);
                    if !k.is_empty() {
                        let e = ix.exact.entry(k).or_default();
                        if !e.contains(id) {
                            e.push(id.clone());
                        }
                    }
                    if let Some(k) = fuzzy_key(n) {
                        ix.fuzzy.push((k, id.clone()));
                    }
                    let e = ix.folded.entry(fold(n)).or_default();
                    if !e.contains(id) {
                        e.push(id.clone());
                    }
                }
            }
            for (c, names) in &self.permissions {
                let short = c.rsplit('.').next().unwrap_or(c).to_lowercase();
                let words: Vec<String> = names
                    .iter()
                    .filter(|n| {
                        n.chars().count() >= 2 && !n.contains('.') && !is_ascii_upper_const(n)
                    })
                    .map(|n| fold(n))
                    .collect();
                ix.perm_words.push((c.clone(), words, short));
            }
            ix
        })
    }

    /// Vague terms found in `folded` (already [`fold`]ed), as (category index, term index):
    /// per category the first term of its list that occurs as a whole word (the same
    /// answer as trying each term with [`contains_word`], in one pass over the text).
    pub fn vague_in(&self, folded: &str) -> Vec<(usize, usize)> {
        let ix = self.vague_index.get_or_init(|| {
            let mut owners: Vec<Vec<(usize, usize)>> = Vec::new();
            let mut pats: Vec<&str> = Vec::new();
            let mut seen: std::collections::HashMap<&str, usize> = Default::default();
            let mut empty = Vec::new();
            for (ci, (_, terms)) in self.vague.iter().enumerate() {
                for (ti, t) in terms.iter().enumerate() {
                    if t.is_empty() {
                        empty.push((ci, ti));
                        continue;
                    }
                    let id = *seen.entry(t.as_str()).or_insert_with(|| {
                        pats.push(t.as_str());
                        owners.push(Vec::new());
                        pats.len() - 1
                    });
                    owners[id].push((ci, ti));
                }
            }
            VagueIndex {
                automaton: aho_corasick::AhoCorasick::new(&pats).ok(),
                owners,
                empty,
            }
        });
        let mut best: Vec<Option<usize>> = vec![None; self.vague.len()];
        let mut note = |ci: usize, ti: usize| {
            if let Some(b) = best.get_mut(ci) {
                if b.map_or(true, |x| ti < x) {
                    *b = Some(ti);
                }
            }
        };
        for &(ci, ti) in &ix.empty {
            note(ci, ti);
        }
        if let Some(ac) = &ix.automaton {
            let w = |c: char| c.is_ascii_alphanumeric();
            for m in ac.find_overlapping_iter(folded) {
                let Some(owners) = ix.owners.get(m.pattern().as_usize()) else {
                    continue;
                };
                let needle = &folded[m.start()..m.end()];
                let bad_start = needle.chars().next().is_some_and(w)
                    && folded[..m.start()].chars().next_back().is_some_and(w);
                let bad_end = needle.chars().next_back().is_some_and(w)
                    && folded[m.end()..].chars().next().is_some_and(w);
                if bad_start || bad_end {
                    continue;
                }
                for &(ci, ti) in owners {
                    note(ci, ti);
                }
            }
        }
        best.iter()
            .enumerate()
            .filter_map(|(ci, b)| b.map(|ti| (ci, ti)))
            .collect()
    }

    fn perm_idx(&self) -> &PermIndex {
        self.perm_index.get_or_init(|| {
            let mut ix = PermIndex::default();
            for (c, names) in &self.permissions {
                let short = c.rsplit('.').next().unwrap_or(c);
                ix.exact
                    .entry(c.to_ascii_lowercase())
                    .or_insert_with(|| c.clone());
                ix.exact
                    .entry(short.to_ascii_lowercase())
                    .or_insert_with(|| c.clone());
                for n in names {
                    let e = ix.display.entry(perm_key(n)).or_default();
                    if !e.contains(c) {
                        e.push(c.clone());
                    }
                }
            }
            ix
        })
    }

    /// Constants named by the end of `window` (text just before "权限"): the longest
    /// suffix of at most 12 characters that is a constant or display name, else the parts
    /// of the last 12 characters ("录音（麦克风）"). Folds the window once.
    pub fn resolve_permission_suffix(&self, window: &str) -> Vec<String> {
        let key = perm_key(window);
        let chars: Vec<char> = key.chars().collect();
        let idx = self.perm_idx();
        let max = chars.len().min(12);
        for n in (2..=max).rev() {
            let cand: String = chars.get(chars.len() - n..).unwrap_or(&[]).iter().collect();
            if let Some(c) = idx.exact.get(&cand) {
                return vec![c.clone()];
            }
            if let Some(hits) = idx.display.get(&cand) {
                return hits.clone();
            }
        }
        let tail: String = chars
            .get(chars.len() - max..)
            .unwrap_or(&[])
            .iter()
            .collect();
        if tail.contains(['（', '(', '、', '/']) {
            return self.resolve_permissions(&tail);
        }
        Vec::new()
    }

    /// Permission constants named in a free-text cell: `android.permission.*` tokens (a
    /// truncated token that is the prefix of exactly one known constant counts as it),
    /// bare constants, and display names.
    pub fn permissions_in(&self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let clean = text.replace("\\_", "_");
        for tok in clean.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_')) {
            let Some(rest) = tok.strip_prefix("android.permission.") else {
                continue;
            };
            if rest.is_empty() {
                continue;
            }
            let exact = self.perm_idx().exact.get(&tok.to_ascii_lowercase());
            let found = match exact {
                Some(c) => Some(c.clone()),
                None => {
                    let pre: Vec<&String> = self
                        .permissions
                        .iter()
                        .map(|(c, _)| c)
                        .filter(|c| c.starts_with(tok) && rest.len() >= 8)
                        .collect();
                    match pre.as_slice() {
                        [one] => Some((*one).clone()),
                        _ => Some(tok.to_string()),
                    }
                }
            };
            if let Some(f) = found {
                if !out.contains(&f) {
                    out.push(f);
                }
            }
        }
        let f = fold(&clean);
        if let Some(names) = self.names.as_deref() {
            // one automaton pass over the cell instead of every name against it
            let norm = crate::text::match_norm(&clean);
            for h in names.perm_hits(&norm) {
                for c in names
                    .perm
                    .get(h.pat)
                    .map(|p| p.perms.as_slice())
                    .unwrap_or(&[])
                {
                    if !out.contains(c) {
                        out.push(c.clone());
                    }
                }
            }
            for tok in f.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')) {
                if tok.len() > 4 && tok.contains('_') && !tok.contains('.') {
                    if let Some(c) = names.constants.get(tok) {
                        if !out.contains(c) {
                            out.push(c.clone());
                        }
                    }
                }
            }
            return out;
        }
        for (c, words, short) in &self.sdk_idx().perm_words {
            if out.contains(c) {
                continue;
            }
            let bare = short.len() > 4 && short.contains('_') && contains_word(&f, short);
            if bare || words.iter().any(|w| contains_word(&f, w)) {
                out.push(c.clone());
            }
        }
        out
    }

    /// Data-type ids whose aliases occur in `text` (data-type table first, longest match).
    pub fn data_types_in(&self, text: &str) -> Vec<String> {
        let f = fold(text);
        let mut out: Vec<String> = self
            .data_db
            .map(|db| {
                db.find_in_text(text)
                    .into_iter()
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        for (id, names) in &self.data_types {
            if names
                .iter()
                .any(|n| n.chars().count() >= 2 && f.contains(&fold(n)))
                && !out.contains(id)
            {
                out.push(id.clone());
            }
        }
        out
    }
}

impl Vocabulary {
    /// Data-type ids named in running text (ambiguous aliases such as "存储" skipped).
    pub fn data_types_in_prose(&self, text: &str) -> Vec<String> {
        match self.data_db {
            Some(db) => db
                .find_in_prose(text)
                .into_iter()
                .map(String::from)
                .collect(),
            None => self.data_types_in(text),
        }
    }
}

/// `android.permission.X` / `Manifest.permission.X` tokens in `text`, as
/// `android.permission.X`, in order, without repeats.
pub fn explicit_constants(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tok in permission_tokens(text) {
        let c = format!("android.permission.{}", tok.to_ascii_uppercase());
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// The names after `android.permission.` / `Manifest.permission.` (prefix in any case) in
/// `text`, as written, at least 3 characters: first every `android.permission.` one, then
/// every `Manifest.permission.` one, each in order. Linear in the text.
pub fn permission_tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    for pre in ["android.permission.", "manifest.permission."] {
        let mut from = 0usize;
        while let Some(p) = lower.get(from..).and_then(|x| x.find(pre)) {
            let at = from + p + pre.len();
            let rest = text.get(at..).unwrap_or("");
            let len = rest
                .char_indices()
                .take_while(|(i, c)| *i < 80 && (c.is_ascii_alphanumeric() || *c == '_'))
                .map(|(i, c)| i + c.len_utf8())
                .last()
                .unwrap_or(0);
            from = at + len.max(1);
            if len >= 3 {
                out.push(rest.get(..len).unwrap_or(""));
            }
        }
    }
    out
}

/// Remove Markdown escapes/emphasis and surrounding punctuation from a permission cell.
fn clean_perm(text: &str) -> String {
    text.replace("\\_", "_")
        .trim()
        .trim_matches(|c: char| matches!(c, '_' | '*' | '`' | '"' | '“' | '”' | '：' | ':'))
        .trim()
        .to_string()
}

/// Display-name key: folded, spaces dropped, a trailing "权限"/"permission(s)" removed.
fn perm_key(s: &str) -> String {
    let f: String = fold(&clean_perm(s))
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut k = f.as_str();
    for suf in ["permissions", "permission", "权限"] {
        if let Some(x) = k.strip_suffix(suf) {
            k = x;
        }
    }
    k.to_string()
}

fn is_ascii_upper_const(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
}

/// Key used to find an alias inside a longer name: the SDK key, unless dropping a
/// platform suffix cut it to two characters or fewer (then the folded name itself).
fn fuzzy_key(n: &str) -> Option<String> {
    let k = sdk_key(n);
    let f = fold(n);
    let k = if k.chars().count() <= 2 && f != k {
        f
    } else {
        k
    };
    if k.chars().count() < 2 {
        return None;
    }
    Some(k)
}

/// Brands named in a company or vendor string (`[company_brands]` in
/// `data/policy_terms.toml`).
pub fn brands_of(text: &str) -> Vec<&'static str> {
    let f = fold(text);
    terms()
        .company_brands
        .iter()
        .filter(|(_, toks)| toks.iter().any(|t| contains_word(&f, t)))
        .map(|(b, _)| b.as_str())
        .collect()
}

/// The policy terms of the embedded knowledge (terms do not change with `--signatures`).
fn terms() -> &'static crate::knowledge::policy_terms::PolicyTerms {
    &crate::knowledge::Knowledge::embedded().terms
}

fn default_vague() -> Vec<(String, Vec<String>)> {
    terms().vague.clone()
}

/// Collection verbs and negations from `data/policy_terms.toml` `[collect_verbs]`, folded.
pub fn collect_verbs() -> (&'static [String], &'static [String]) {
    (&terms().verbs, &terms().negations)
}

/// (field, synonyms) pairs of one table kind.
pub type ColumnTerms = [(String, Vec<String>)];

/// Column-header synonyms from `data/policy_terms.toml`: (field, synonyms) for SDK and
/// permission tables, each synonym normalised as [`squash_header`] does.
pub fn column_terms() -> (&'static ColumnTerms, &'static ColumnTerms) {
    (&terms().sdk_columns, &terms().permission_columns)
}

/// Section cues from `data/policy_terms.toml` `[section_cues]`, normalised as
/// [`crate::text::match_norm`] does.
pub fn section_cues() -> &'static crate::knowledge::policy_terms::SectionCues {
    &terms().sections
}
