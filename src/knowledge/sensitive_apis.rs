//! Knowledge base of privacy-sensitive Android APIs: which dex method/field references
//! and string constants reach which personal-data type.
//!
//! The table lives in `data/sensitive_apis.toml` (schema: `docs/sensitive-apis.md`) and is
//! embedded at compile time. [`SensitiveApiDb::parse`] validates it;
//! [`SensitiveApiDb::embedded`] parses it once. Lookups take raw dex bytes (type
//! descriptors, MUTF-8 names) and do not allocate, so the dex code walker can call them
//! per instruction; [`SensitiveApiDb::index_dex`] resolves a whole dex's `method_ids`,
//! `field_ids` and `string_ids` once so the walker can test an index instead.

pub use super::Lang;
use crate::formats::dex::Dex;
use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;

/// Embedded table text.
pub(crate) const EMBEDDED: &str = include_str!("../../data/sensitive_apis.toml");

/// What an entry matches in dex code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiKind {
    /// A `method_id` (`invoke-*` of `class->name`, any prototype).
    Method,
    /// A `field_id` (`sget`/`iget` of `class->name`).
    Field,
    /// A string constant (`const-string`).
    String,
}

/// How sure a hit is that the data is actually obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Certainty {
    /// Executing the call / read yields the data.
    #[default]
    Direct,
    /// Yields the data only with certain arguments or together with the entries in
    /// [`SensitiveApi::confirm`] (same method body).
    Conditional,
}

/// How a `string` entry matches a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StringMatch {
    /// The constant equals one of the names.
    #[default]
    Exact,
    /// The constant is one of the names, or one of them followed by `/`, `?` or `#` and
    /// more (a content URI with a longer path or a query).
    UriPrefix,
}

/// One sensitive API entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitiveApi {
    /// Stable id, e.g. `telephony.getDeviceId`.
    pub id: String,
    /// Data-type id from [`crate::knowledge::data_types::DATA_TYPE_IDS`].
    pub data_type: String,
    /// What the entry matches.
    pub kind: ApiKind,
    /// Declaring class as a dex type descriptor (`Landroid/telephony/TelephonyManager;`);
    /// required for methods and fields, absent for strings.
    #[serde(default)]
    pub class: Option<String>,
    /// Method or field names (every overload of a name matches), or string constants.
    pub names: Vec<String>,
    /// String matching mode (only for `kind = "string"`).
    #[serde(default, rename = "match")]
    pub matching: StringMatch,
    /// Whether a hit alone means the data is obtained.
    #[serde(default)]
    pub certainty: Certainty,
    /// Entry ids whose presence in the same method body confirms a conditional hit.
    #[serde(default)]
    pub confirm: Vec<String>,
    /// Permissions of which (any) one is needed, full names.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Android API level the member was added (absent for SDK APIs / strings).
    #[serde(default)]
    pub since: Option<u32>,
    /// English label.
    pub label_en: String,
    /// Chinese label, worded as Chinese privacy policies word it.
    pub label_zh: String,
    /// Free-form remarks (restrictions, deprecation, caveats).
    #[serde(default)]
    pub note: Option<String>,
}

impl SensitiveApi {
    /// Label in the requested language.
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.label_en,
            Lang::Zh => &self.label_zh,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    api: Vec<SensitiveApi>,
}

/// Index from class descriptor to member name to entry index.
type MemberIndex = HashMap<Box<[u8]>, HashMap<Box<[u8]>, usize>>;

/// The sensitive-API table with byte-keyed lookup indexes.
#[derive(Debug, Default)]
pub struct SensitiveApiDb {
    apis: Vec<SensitiveApi>,
    by_id: HashMap<String, usize>,
    methods: MemberIndex,
    fields: MemberIndex,
    strings_exact: HashMap<Box<[u8]>, usize>,
    strings_prefix: HashMap<Box<[u8]>, usize>,
}

/// Checks a class descriptor of the form `Lpkg/Name;` (segments non-empty, no `.`,
/// `;`, `[`, `/` or whitespace inside a segment).
fn valid_descriptor(d: &str) -> bool {
    let Some(body) = d.strip_prefix('L').and_then(|r| r.strip_suffix(';')) else {
        return false;
    };
    !body.is_empty()
        && body.split('/').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| !matches!(c, '.' | ';' | '[' | '/' | '(' | ')') && !c.is_whitespace())
        })
}

/// Checks a member name: a Java identifier-like simple name, or `<init>`/`<clinit>`.
fn valid_member_name(n: &str) -> bool {
    if n == "<init>" || n == "<clinit>" {
        return true;
    }
    !n.is_empty()
        && n.chars().all(|c| {
            !matches!(c, '.' | ';' | '[' | '/' | '(' | ')' | '<' | '>') && !c.is_whitespace()
        })
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

impl SensitiveApiDb {
    /// Parses and validates a table: unknown fields, duplicate ids, duplicate
    /// (class, name) pairs and strings, unknown data types, malformed descriptors and
    /// names, kind/field mismatches, dangling `confirm` ids, empty labels.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut db = SensitiveApiDb::default();
        for (i, a) in file.api.iter().enumerate() {
            let id = &a.id;
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            {
                return Err(format!("entry {i}: bad id {id:?}"));
            }
            if db.by_id.insert(id.clone(), i).is_some() {
                return Err(format!("duplicate id {id}"));
            }
            if !crate::knowledge::data_types::DATA_TYPE_IDS.contains(&a.data_type.as_str()) {
                return Err(format!("{id}: unknown data type {}", a.data_type));
            }
            if a.names.is_empty() {
                return Err(format!("{id}: no names"));
            }
            if a.label_en.trim().is_empty() {
                return Err(format!("{id}: empty label_en"));
            }
            if !has_cjk(&a.label_zh) {
                return Err(format!(
                    "{id}: label_zh {:?} has no Chinese text",
                    a.label_zh
                ));
            }
            for p in &a.permissions {
                if !p.contains(".permission.") {
                    return Err(format!(
                        "{id}: permission {p:?} is not a full permission name"
                    ));
                }
            }
            match a.kind {
                ApiKind::Method | ApiKind::Field => {
                    let Some(class) = &a.class else {
                        return Err(format!("{id}: {:?} entry without class", a.kind));
                    };
                    if !valid_descriptor(class) {
                        return Err(format!("{id}: malformed class descriptor {class:?}"));
                    }
                    if a.matching != StringMatch::Exact {
                        return Err(format!("{id}: match is only for string entries"));
                    }
                    let index = if a.kind == ApiKind::Method {
                        &mut db.methods
                    } else {
                        &mut db.fields
                    };
                    let members = index
                        .entry(class.as_bytes().to_vec().into_boxed_slice())
                        .or_default();
                    for n in &a.names {
                        if !valid_member_name(n) {
                            return Err(format!("{id}: malformed member name {n:?}"));
                        }
                        if let Some(prev) =
                            members.insert(n.as_bytes().to_vec().into_boxed_slice(), i)
                        {
                            let prev_id = file.api.get(prev).map_or("?", |p| p.id.as_str());
                            return Err(format!("{id}: {class}->{n} already listed by {prev_id}"));
                        }
                    }
                }
                ApiKind::String => {
                    if a.class.is_some() {
                        return Err(format!("{id}: string entry with a class"));
                    }
                    for n in &a.names {
                        if n.is_empty() {
                            return Err(format!("{id}: empty string constant"));
                        }
                        let map = match a.matching {
                            StringMatch::Exact => &mut db.strings_exact,
                            StringMatch::UriPrefix => {
                                let ok = n.strip_prefix("content://").is_some_and(|rest| {
                                    !rest.is_empty() && !rest.ends_with(['/', '?', '#'])
                                });
                                if !ok {
                                    return Err(format!(
                                        "{id}: uri_prefix name {n:?} must be content://… without a trailing separator"
                                    ));
                                }
                                &mut db.strings_prefix
                            }
                        };
                        if let Some(prev) = map.insert(n.as_bytes().to_vec().into_boxed_slice(), i)
                        {
                            let prev_id = file.api.get(prev).map_or("?", |p| p.id.as_str());
                            return Err(format!("{id}: string {n:?} already listed by {prev_id}"));
                        }
                    }
                }
            }
        }
        // Exact strings shadowed by a prefix entry would be ambiguous.
        for (s, &i) in &db.strings_exact {
            if let Some(&j) = db.strings_prefix.get(s) {
                let a = file.api.get(i).map_or("?", |a| a.id.as_str());
                let b = file.api.get(j).map_or("?", |a| a.id.as_str());
                return Err(format!("string listed by both {a} and {b}"));
            }
        }
        for a in &file.api {
            for c in &a.confirm {
                if c == &a.id || !db.by_id.contains_key(c) {
                    return Err(format!("{}: confirm names unknown or own id {c}", a.id));
                }
            }
        }
        db.apis = file.api;
        Ok(db)
    }

    /// The embedded table, parsed once. A load error (a bug in shipped data, caught by
    /// the test suite) is logged and yields an empty table rather than a panic.
    pub fn embedded() -> &'static SensitiveApiDb {
        &crate::knowledge::Knowledge::embedded().sensitive_apis
    }

    /// The embedded table text (for tests and `--dump` style tooling).
    pub fn embedded_text() -> &'static str {
        EMBEDDED
    }

    /// All entries, in file order.
    pub fn all(&self) -> &[SensitiveApi] {
        &self.apis
    }

    /// Entry by id.
    pub fn get(&self, id: &str) -> Option<&SensitiveApi> {
        self.apis.get(*self.by_id.get(id)?)
    }

    /// Entry for a method reference: class descriptor (`Landroid/...;`) and method name,
    /// as raw dex bytes. The prototype is not compared: all overloads match.
    pub fn lookup_method(&self, class_desc: &[u8], name: &[u8]) -> Option<&SensitiveApi> {
        let i = *self.methods.get(class_desc)?.get(name)?;
        self.apis.get(i)
    }

    /// Entry for a field reference (class descriptor and field name, raw dex bytes).
    pub fn lookup_field(&self, class_desc: &[u8], name: &[u8]) -> Option<&SensitiveApi> {
        let i = *self.fields.get(class_desc)?.get(name)?;
        self.apis.get(i)
    }

    /// True if some method entry is declared on this class (cheap pre-filter).
    pub fn has_method_class(&self, class_desc: &[u8]) -> bool {
        self.methods.contains_key(class_desc)
    }

    /// True if some field entry is declared on this class (cheap pre-filter).
    pub fn has_field_class(&self, class_desc: &[u8]) -> bool {
        self.fields.contains_key(class_desc)
    }

    /// Entry for a string constant (raw MUTF-8 bytes): an exact entry, or a
    /// `uri_prefix` entry that the constant equals or extends at a `/`, `?` or `#`
    /// boundary (`content://sms/inbox` matches `content://sms`, `content://smsx` does not).
    pub fn lookup_string(&self, s: &[u8]) -> Option<&SensitiveApi> {
        self.apis.get(self.string_index(s)?)
    }

    /// Index in [`Self::all`] of the entry matching string constant `s`.
    fn string_index(&self, s: &[u8]) -> Option<usize> {
        if let Some(&i) = self.strings_exact.get(s) {
            return Some(i);
        }
        const SCHEME: &[u8] = b"content://";
        if self.strings_prefix.is_empty() || !s.starts_with(SCHEME) {
            return None;
        }
        if let Some(&i) = self.strings_prefix.get(s) {
            return Some(i);
        }
        // Longest prefix first; each candidate ends just before a separator.
        let mut end = s.len();
        while end > SCHEME.len() {
            let cut = s
                .get(..end)?
                .iter()
                .rposition(|b| matches!(b, b'/' | b'?' | b'#'))?;
            if cut < SCHEME.len() {
                return None;
            }
            if let Some(&i) = self.strings_prefix.get(s.get(..cut)?) {
                return Some(i);
            }
            end = cut;
        }
        None
    }

    /// Display label of entry `id`; unknown ids are shown as such.
    pub fn display(&self, id: &str, lang: Lang) -> String {
        match (self.get(id), lang) {
            (Some(a), l) => a.label(l).to_string(),
            (None, Lang::Zh) => format!("{id}（未知敏感接口）"),
            (None, Lang::En) => format!("{id} (unknown sensitive API)"),
        }
    }

    /// Resolves every `method_id`, `field_id` and `string_id` of `dex` that names a
    /// sensitive entry. Cost: one pass over the ids (bounded by the header counts);
    /// unreadable ids are skipped and counted in [`DexApiRefs::errors`].
    pub fn index_dex<'db>(&'db self, dex: &Dex<'_>) -> DexApiRefs<'db> {
        let mut refs = DexApiRefs {
            db: self,
            methods: HashMap::default(),
            fields: HashMap::default(),
            strings: HashMap::default(),
            errors: 0,
        };
        // Per type id: 1 = has method entries, 2 = has field entries.
        let types = dex.type_count().min(65536);
        let mut flags = Vec::with_capacity(types as usize);
        for t in 0..types {
            let f = match dex.type_descriptor(t) {
                Ok(d) => {
                    u8::from(self.has_method_class(d)) | (u8::from(self.has_field_class(d)) << 1)
                }
                Err(_) => {
                    refs.errors += 1;
                    0
                }
            };
            flags.push(f);
        }
        let flag = |t: u16| flags.get(t as usize).copied().unwrap_or(0);
        for m in 0..dex.method_count() {
            let Ok(r) = dex.method_id(m) else {
                refs.errors += 1;
                continue;
            };
            if flag(r.class_idx) & 1 == 0 {
                continue;
            }
            let hit = (|| {
                let class = dex.type_descriptor(r.class_idx as u32).ok()?;
                let name = dex.string_bytes(r.name_idx).ok()?;
                Some(self.methods.get(class)?.get(name).copied())
            })();
            match hit {
                Some(Some(i)) => {
                    refs.methods.insert(m, i);
                }
                Some(None) => {}
                None => refs.errors += 1,
            }
        }
        for f in 0..dex.field_count() {
            let Ok(r) = dex.field_id(f) else {
                refs.errors += 1;
                continue;
            };
            if flag(r.class_idx) & 2 == 0 {
                continue;
            }
            let hit = (|| {
                let class = dex.type_descriptor(r.class_idx as u32).ok()?;
                let name = dex.string_bytes(r.name_idx).ok()?;
                Some(self.fields.get(class)?.get(name).copied())
            })();
            match hit {
                Some(Some(i)) => {
                    refs.fields.insert(f, i);
                }
                Some(None) => {}
                None => refs.errors += 1,
            }
        }
        for s in 0..dex.string_count() {
            match dex.string_bytes(s) {
                Ok(b) => {
                    if let Some(i) = self.string_index(b) {
                        refs.strings.insert(s, i);
                    }
                }
                Err(_) => refs.errors += 1,
            }
        }
        refs
    }
}

/// The sensitive entries one dex references, keyed by its own id indexes.
#[derive(Debug)]
pub struct DexApiRefs<'db> {
    db: &'db SensitiveApiDb,
    methods: HashMap<u32, usize>,
    fields: HashMap<u32, usize>,
    strings: HashMap<u32, usize>,
    /// Ids that could not be read (malformed dex); they are skipped.
    pub errors: u32,
}

impl<'db> DexApiRefs<'db> {
    /// Entry for `method_idx` (the operand of `invoke-*`), if sensitive.
    pub fn method(&self, method_idx: u32) -> Option<&'db SensitiveApi> {
        self.db.apis.get(*self.methods.get(&method_idx)?)
    }

    /// Entry for `field_idx` (the operand of `sget*`/`iget*`), if sensitive.
    pub fn field(&self, field_idx: u32) -> Option<&'db SensitiveApi> {
        self.db.apis.get(*self.fields.get(&field_idx)?)
    }

    /// Entry for `string_idx` (the operand of `const-string`), if sensitive.
    pub fn string(&self, string_idx: u32) -> Option<&'db SensitiveApi> {
        self.db.apis.get(*self.strings.get(&string_idx)?)
    }

    /// True when the dex references no sensitive entry (the walker can skip it).
    pub fn is_empty(&self) -> bool {
        self.methods.is_empty() && self.fields.is_empty() && self.strings.is_empty()
    }

    /// Distinct entries referenced anywhere in the dex, in table order.
    pub fn entries(&self) -> Vec<&'db SensitiveApi> {
        let mut idx: Vec<usize> = self
            .methods
            .values()
            .chain(self.fields.values())
            .chain(self.strings.values())
            .copied()
            .collect();
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter()
            .filter_map(|i| self.db.apis.get(i))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_parses() {
        let db = SensitiveApiDb::parse(EMBEDDED).unwrap();
        assert!(db.all().len() > 50);
    }

    #[test]
    fn descriptor_checks() {
        assert!(valid_descriptor("Landroid/os/Build;"));
        assert!(valid_descriptor("Landroid/provider/Settings$Secure;"));
        assert!(!valid_descriptor("android.os.Build"));
        assert!(!valid_descriptor("Landroid/os/Build"));
        assert!(!valid_descriptor("L;"));
        assert!(!valid_descriptor("Landroid//Build;"));
        assert!(!valid_descriptor("Landroid.os.Build;"));
        assert!(!valid_descriptor("[Landroid/os/Build;"));
        assert!(valid_member_name("getDeviceId"));
        assert!(valid_member_name("<init>"));
        assert!(!valid_member_name("getDeviceId()"));
        assert!(!valid_member_name(""));
    }
}
