//! The SDK signature database and matching engine.
//!
//! Signatures are reviewed TOML files (`signatures/<category>/<id>.toml`, schema in
//! `docs/signatures.md`), embedded at build time and validated at load. They compile once
//! into a [`Matcher`]: package prefixes go into a hash map walked from the most specific
//! package of each class outward (so `com.bytedance.sdk.openadsdk` beats
//! `com.bytedance.sdk.open`), string patterns into one Aho-Corasick automaton, and manifest
//! and file patterns into lookup tables. One pass over an app's evidence yields
//! [`SdkFinding`]s, each with the evidence that fired.

use crate::error::{Format, ParseError};
use aho_corasick::AhoCorasick;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::path::Path;

static EMBEDDED: include_dir::Dir<'_> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/signatures");

/// The category an SDK belongs to (the signature folder it lives in).
///
/// Variants are declared in the alphabetical order of their names, so sorting by the enum
/// sorts as the names do and the JSON does not move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Advertising and ad mediation.
    Ads,
    /// Analytics and attribution.
    Analytics,
    /// Crash reporting and APM.
    Crash,
    /// Hot fix and dynamic update.
    Hotfix,
    /// Maps and location.
    Location,
    /// Anything else.
    Other,
    /// Packers and protectors that hide the app's code.
    Packer,
    /// Payment.
    Payment,
    /// Push messaging.
    Push,
    /// Risk control, anti-fraud and device fingerprinting.
    RiskControl,
    /// Social login and sharing.
    Social,
    /// Embedded browsers and web views.
    Webview,
}

impl Category {
    /// Every category, in name order.
    pub const ALL: [Category; 12] = [
        Category::Ads,
        Category::Analytics,
        Category::Crash,
        Category::Hotfix,
        Category::Location,
        Category::Other,
        Category::Packer,
        Category::Payment,
        Category::Push,
        Category::RiskControl,
        Category::Social,
        Category::Webview,
    ];

    /// The name used in signature files, JSON and reports (`ads`, `risk-control`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Ads => "ads",
            Category::Analytics => "analytics",
            Category::Crash => "crash",
            Category::Hotfix => "hotfix",
            Category::Location => "location",
            Category::Other => "other",
            Category::Packer => "packer",
            Category::Payment => "payment",
            Category::Push => "push",
            Category::RiskControl => "risk-control",
            Category::Social => "social",
            Category::Webview => "webview",
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Evidence patterns of a signature.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MatchRules {
    /// Java package prefixes (dotted).
    #[serde(default)]
    pub packages: Vec<String>,
    /// Literal substrings of dex strings (hosts, URLs: other code may name them too).
    #[serde(default)]
    pub strings: Vec<String>,
    /// Literal substrings of string constants that only the SDK's own code holds
    /// (preference file names, internal intent actions, version banners, log tags):
    /// they survive renaming and, unlike `strings`, identify the SDK on their own.
    #[serde(default)]
    pub code_strings: Vec<String>,
    /// Exact native library file names.
    #[serde(default)]
    pub native_libs: Vec<String>,
    /// Manifest component class names (exact, or prefix ending in `.`).
    #[serde(default)]
    pub components: Vec<String>,
    /// Meta-data keys (exact).
    #[serde(default)]
    pub meta_data: Vec<String>,
    /// Provider authority suffixes.
    #[serde(default)]
    pub authorities: Vec<String>,
    /// Zip path prefixes.
    #[serde(default)]
    pub assets: Vec<String>,
}

/// Self-test examples of a signature.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureTests {
    /// Items that must match (`kind:value`).
    #[serde(rename = "match", default)]
    pub matches: Vec<String>,
    /// Look-alikes that must not match.
    #[serde(default)]
    pub no_match: Vec<String>,
}

/// One SDK signature (one file of `signatures/`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Stable id (file stem).
    pub id: String,
    /// Display name, English.
    pub name: String,
    /// Display name, Chinese.
    #[serde(default)]
    pub name_zh: Option<String>,
    /// Names privacy policies use.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Category; an unknown name is rejected when the file is read.
    pub category: Category,
    /// Vendor legal name, English.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Vendor legal name, Chinese.
    #[serde(default)]
    pub vendor_zh: Option<String>,
    /// Website.
    #[serde(default)]
    pub website: Option<String>,
    /// Privacy-policy URL.
    #[serde(default)]
    pub privacy_url: Option<String>,
    /// `required` (processes personal data) or `library`.
    #[serde(default = "default_disclosure")]
    pub disclosure: String,
    /// Data types the SDK's own privacy statement says it collects.
    #[serde(default)]
    pub data_types: Vec<String>,
    /// Permissions the SDK requests or documents.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Where the facts come from.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Reviewer notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Ids of SDKs that ship inside this SDK (a market SDK inside an ad SDK, the carrier
    /// login SDKs inside a one-click login SDK). Each is a signature of its own and is
    /// reported as itself; the parent's `[match]` leaves their packages out.
    #[serde(default)]
    pub bundles: Vec<String>,
    /// Evidence patterns.
    #[serde(rename = "match")]
    pub rules: MatchRules,
    /// Where the SDK's version is read, and version ranges with known problems.
    #[serde(default)]
    pub version: VersionRules,
    /// Self-test examples.
    pub test: SignatureTests,
}

/// Where an SDK carries its version (`[version]` of a signature), tried in this order:
/// Maven coordinates, meta-data, native library names, strings.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VersionRules {
    /// Maven `group:artifact` of the SDK (an `.aab`'s `dependencies.pb`).
    #[serde(default)]
    pub maven: Vec<String>,
    /// Meta-data keys whose value is the version.
    #[serde(default)]
    pub meta_data: Vec<String>,
    /// Regular expressions over native library file names; the capture groups, joined by
    /// `.`, are the version (`libjcore(\d)(\d)(\d)\.so`).
    #[serde(default)]
    pub native_libs: Vec<String>,
    /// Regular expressions over dex strings (version constants, banners, user agents);
    /// capture group 1 is the version.
    #[serde(default)]
    pub strings: Vec<String>,
    /// Version ranges with known compliance problems.
    #[serde(default)]
    pub issues: Vec<VersionIssue>,
}

/// A version range of an SDK with a known compliance problem.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VersionIssue {
    /// Versions below this one are affected.
    #[serde(default)]
    pub below: Option<String>,
    /// Versions from this one (inclusive) are affected.
    #[serde(default)]
    pub from: Option<String>,
    /// What is wrong with them.
    pub problem: String,
    /// Where that is stated (public URL).
    pub source: String,
}

impl VersionIssue {
    /// Whether `version` lies in the range.
    pub fn affects(&self, version: &str) -> bool {
        use std::cmp::Ordering::*;
        self.below
            .as_deref()
            .map_or(true, |b| compare_versions(version, b) == Less)
            && self
                .from
                .as_deref()
                .map_or(true, |f| compare_versions(version, f) != Less)
    }

    /// The range as text (`< 3.0.0`, `>= 1.2, < 2.0`).
    pub fn range(&self) -> String {
        match (&self.from, &self.below) {
            (Some(f), Some(b)) => format!(">= {f}, < {b}"),
            (Some(f), None) => format!(">= {f}"),
            (None, Some(b)) => format!("< {b}"),
            (None, None) => "all versions".into(),
        }
    }
}

/// Compare dotted versions part by part: numeric parts as numbers, others as text; a
/// missing part is lower (`2.1` < `2.1.0`).
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(pb.iter()) {
        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(i), Ok(j)) => i.cmp(&j),
            _ => x.cmp(y),
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}

fn default_disclosure() -> String {
    "required".into()
}

fn serr(file: &str, reason: impl Into<String>) -> ParseError {
    ParseError::new(Format::Signature, 0, format!("{file}: {}", reason.into()))
}

/// Folders of a development machine that a signature's text must not name (sources are
/// public URLs or files of the repository; docs/signatures.md). Device paths an SDK reads
/// (`/sdcard`, `/proc`, `/data`, `/system`) are not among them.
const LOCAL_ROOTS: [&str; 10] = [
    "/work", "/home", "/Users", "/root", "/tmp", "/mnt", "/opt", "/srv", "/var", "/private",
];

/// The first word of `text` that is the absolute path of a development machine (`/work/…`,
/// `/home/…`, `~/…`, `C:\…`, `file:/…`), if any. URLs are not paths.
pub fn local_path(text: &str) -> Option<&str> {
    text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '"' | '\'' | '`' | '(' | ')' | ',' | ';' | '<' | '>' | '[' | ']'
            )
    })
    .find(|w| {
        if w.to_ascii_lowercase().starts_with("file:/") {
            return true;
        }
        if w.contains("://") {
            return false;
        }
        let b = w.as_bytes();
        let drive = b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && (b[2] == b'\\' || b[2] == b'/');
        drive
            || w.starts_with("~/")
            || w.starts_with("\\\\")
            || LOCAL_ROOTS.iter().any(|r| {
                w.strip_prefix(r)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
    })
}

fn is_package(p: &str) -> bool {
    !p.is_empty()
        && p.split('.').all(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        })
}

impl Signature {
    /// Parse and validate one signature file; `stem` is the file stem.
    pub fn from_toml(file: &str, stem: &str, text: &str) -> Result<Signature, ParseError> {
        let sig: Signature = toml::from_str(text).map_err(|e| {
            let off = e.span().map(|s| s.start).unwrap_or(0);
            ParseError::new(Format::Signature, off, format!("{file}: {}", e.message()))
        })?;
        sig.validate(file, stem)?;
        Ok(sig)
    }

    fn validate(&self, file: &str, stem: &str) -> Result<(), ParseError> {
        if self.id != stem {
            return Err(serr(
                file,
                format!("id `{}` differs from the file name `{stem}`", self.id),
            ));
        }
        if !self
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(serr(file, "id must be kebab-case"));
        }
        if !matches!(self.disclosure.as_str(), "required" | "library") {
            return Err(serr(file, "disclosure must be `required` or `library`"));
        }
        for b in &self.bundles {
            if *b == self.id {
                return Err(serr(file, "`bundles` names the SDK itself"));
            }
            if self.bundles.iter().filter(|x| *x == b).count() > 1 {
                return Err(serr(file, format!("`bundles` repeats `{b}`")));
            }
        }
        let texts = self
            .sources
            .iter()
            .chain(self.notes.iter())
            .chain(self.version.issues.iter().map(|i| &i.problem));
        for t in texts {
            if let Some(p) = local_path(t) {
                return Err(serr(
                    file,
                    format!(
                        "`{p}` is a path on a development machine; cite a public URL or a \
                         repository file"
                    ),
                ));
            }
        }
        for u in self.website.iter().chain(self.privacy_url.iter()) {
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                return Err(serr(file, format!("`{u}` is not an http(s) URL")));
            }
        }
        for p in &self.permissions {
            if !is_package(p) || !p.contains('.') {
                return Err(serr(file, format!("`{p}` is not a permission name")));
            }
        }
        let r = &self.rules;
        for p in &r.packages {
            if !is_package(p) || !p.contains('.') {
                return Err(serr(
                    file,
                    format!("package prefix `{p}` is not a dotted Java package"),
                ));
            }
        }
        for s in &r.code_strings {
            if s.len() < 8 {
                return Err(serr(
                    file,
                    format!("code string pattern `{s}` is shorter than 8 bytes"),
                ));
            }
        }
        for s in &r.strings {
            if s.len() < 6 {
                return Err(serr(
                    file,
                    format!("string pattern `{s}` is shorter than 6 bytes"),
                ));
            }
        }
        for list in [
            &r.native_libs,
            &r.components,
            &r.meta_data,
            &r.authorities,
            &r.assets,
        ] {
            if list.iter().any(|x| x.trim().is_empty()) {
                return Err(serr(file, "empty pattern"));
            }
        }
        let total = r.packages.len()
            + r.strings.len()
            + r.code_strings.len()
            + r.native_libs.len()
            + r.components.len()
            + r.meta_data.len()
            + r.authorities.len()
            + r.assets.len();
        if total == 0 {
            return Err(serr(file, "no evidence patterns in [match]"));
        }
        let v = &self.version;
        for m in &v.maven {
            let ok = m
                .split_once(':')
                .is_some_and(|(g, a)| is_package(g) && !a.is_empty() && !a.contains(':'));
            if !ok {
                return Err(serr(file, format!("maven `{m}` is not `group:artifact`")));
            }
        }
        for (what, list) in [("native_libs", &v.native_libs), ("strings", &v.strings)] {
            for r in list {
                match regex::Regex::new(r) {
                    Ok(re) if re.captures_len() > 1 => {}
                    Ok(_) => {
                        return Err(serr(
                            file,
                            format!("[version] {what} `{r}` has no capture group"),
                        ))
                    }
                    Err(e) => return Err(serr(file, format!("[version] {what} `{r}`: {e}"))),
                }
            }
        }
        for i in &v.issues {
            if i.below.is_none() && i.from.is_none() {
                return Err(serr(file, "[[version.issues]] needs `below` or `from`"));
            }
            if !(i.source.starts_with("https://") || i.source.starts_with("http://")) {
                return Err(serr(
                    file,
                    format!(
                        "[[version.issues]] source `{}` is not a public URL",
                        i.source
                    ),
                ));
            }
            if i.problem.trim().is_empty() {
                return Err(serr(file, "[[version.issues]] without a problem"));
            }
        }
        if self.test.matches.is_empty() || self.test.no_match.is_empty() {
            return Err(serr(
                file,
                "[test] needs at least one `match` and one `no_match` item",
            ));
        }
        for item in self.test.matches.iter().chain(&self.test.no_match) {
            TestItem::parse(item).ok_or_else(|| serr(file, format!("bad test item `{item}`")))?;
        }
        if let Some(db) = crate::knowledge::data_types::known_ids() {
            for d in &self.data_types {
                if !db.contains(&d.as_str()) {
                    return Err(serr(file, format!("unknown data type `{d}`")));
                }
            }
        }
        Ok(())
    }

    /// Whether this SDK processes personal data and so must be disclosed.
    pub fn requires_disclosure(&self) -> bool {
        self.disclosure == "required"
    }
}

/// A `kind:value` test item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestItem {
    /// A class name (dotted).
    Class(String),
    /// A dex string.
    Str(String),
    /// A native library file name.
    Lib(String),
    /// A manifest component.
    Component(String),
    /// A meta-data key.
    Meta(String),
    /// A provider authority.
    Authority(String),
    /// A zip path.
    Asset(String),
}

impl TestItem {
    /// Parse `kind:value`.
    pub fn parse(s: &str) -> Option<TestItem> {
        let (k, v) = s.split_once(':')?;
        let v = v.to_string();
        if v.is_empty() {
            return None;
        }
        Some(match k {
            "class" => TestItem::Class(v),
            "string" => TestItem::Str(v),
            "lib" => TestItem::Lib(v),
            "component" => TestItem::Component(v),
            "meta" => TestItem::Meta(v),
            "authority" => TestItem::Authority(v),
            "asset" => TestItem::Asset(v),
            _ => return None,
        })
    }
}

/// The loaded database.
#[derive(Debug, Clone, Default)]
pub struct SignatureDb {
    sigs: Vec<Signature>,
}

impl SignatureDb {
    /// The database of [`crate::knowledge::Knowledge::embedded`] (loaded once).
    pub fn embedded() -> &'static SignatureDb {
        &crate::knowledge::Knowledge::embedded().signatures
    }

    /// Parse the signature files embedded in the binary.
    pub(crate) fn embedded_files() -> Result<SignatureDb, ParseError> {
        Self::from_files(embedded_sources(), &[])
    }

    /// Load a folder of signature files (recursively).
    pub fn load_dir(dir: &Path) -> Result<SignatureDb, ParseError> {
        Self::load_dir_with_files(dir).map(|(db, _)| db)
    }

    /// [`SignatureDb::load_dir`], also returning the files read (path, text).
    pub(crate) fn load_dir_with_files(
        dir: &Path,
    ) -> Result<(SignatureDb, Vec<(String, String)>), ParseError> {
        let mut files = Vec::new();
        collect_dir(dir, &mut files).map_err(|e| {
            ParseError::new(Format::Signature, 0, format!("{}: {e}", dir.display()))
        })?;
        files.sort();
        // a folder that adds to the embedded database may bundle the SDKs it ships
        let known: Vec<String> = embedded_sources()
            .iter()
            .filter_map(|(p, _)| Path::new(p).file_stem()?.to_str().map(str::to_string))
            .collect();
        Self::from_files(files.clone(), &known).map(|db| (db, files))
    }

    /// Parse files; every `bundles` id must be one of them or in `known`.
    fn from_files(
        mut files: Vec<(String, String)>,
        known: &[String],
    ) -> Result<SignatureDb, ParseError> {
        files.sort();
        let mut sigs: Vec<(String, Signature)> = Vec::new();
        for (path, text) in files {
            let stem = Path::new(&path)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string();
            let sig = Signature::from_toml(&path, &stem, &text)?;
            if sigs.iter().any(|(_, s)| s.id == sig.id) {
                return Err(serr(&path, format!("duplicate id `{}`", sig.id)));
            }
            sigs.push((path, sig));
        }
        for (path, sig) in &sigs {
            for b in &sig.bundles {
                if !sigs.iter().any(|(_, s)| s.id == *b) && !known.contains(b) {
                    return Err(serr(path, format!("`bundles` names unknown SDK `{b}`")));
                }
            }
        }
        Ok(SignatureDb {
            sigs: sigs.into_iter().map(|(_, s)| s).collect(),
        })
    }

    /// Add or replace signatures from another database (`--signatures DIR`).
    pub fn extend(&mut self, other: SignatureDb) {
        for s in other.sigs {
            if let Some(old) = self.sigs.iter_mut().find(|o| o.id == s.id) {
                *old = s;
            } else {
                self.sigs.push(s);
            }
        }
    }

    /// All signatures, sorted by id.
    pub fn all(&self) -> &[Signature] {
        &self.sigs
    }

    /// Signature by id.
    pub fn get(&self, id: &str) -> Option<&Signature> {
        self.sigs.iter().find(|s| s.id == id)
    }

    /// Compile into a matcher.
    pub fn compile(&self) -> Matcher {
        Matcher::new(self.sigs.clone())
    }
}

/// The embedded signature files (path, text), sorted by path.
pub(crate) fn embedded_sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    collect_embedded(&EMBEDDED, &mut files);
    files.sort();
    files
}

fn collect_embedded(dir: &include_dir::Dir<'_>, out: &mut Vec<(String, String)>) {
    for f in dir.files() {
        if f.path().extension().is_some_and(|e| e == "toml") {
            out.push((
                format!("signatures/{}", f.path().display()),
                f.contents_utf8().unwrap_or("").to_string(),
            ));
        }
    }
    for d in dir.dirs() {
        collect_embedded(d, out);
    }
}

fn collect_dir(dir: &Path, out: &mut Vec<(String, String)>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            collect_dir(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push((p.display().to_string(), std::fs::read_to_string(&p)?));
        }
    }
    Ok(())
}

/// The compiled matcher.
pub struct Matcher {
    pub(crate) sigs: Vec<Signature>,
    pub(crate) packages: HashMap<String, usize>,
    pub(crate) strings: Option<AhoCorasick>,
    pub(crate) string_owner: Vec<usize>,
    /// Per string pattern: whether it is a `code_strings` pattern.
    pub(crate) string_is_code: Vec<bool>,
    pub(crate) libs: HashMap<String, usize>,
    pub(crate) components_exact: HashMap<String, usize>,
    pub(crate) component_prefixes: Vec<(String, usize)>,
    pub(crate) meta: HashMap<String, usize>,
    pub(crate) authorities: Vec<(String, usize)>,
    pub(crate) assets: Vec<(String, usize)>,
    /// `[version] strings` of every signature, for one pass over the strings.
    pub(crate) version_strings: Option<regex::RegexSet>,
    /// Per pattern of `version_strings`: (signature index, the pattern).
    pub(crate) version_string_rules: Vec<(usize, regex::Regex)>,
    /// Per signature: its `[version] native_libs` patterns.
    pub(crate) version_libs: Vec<Vec<regex::Regex>>,
}

impl Matcher {
    fn new(sigs: Vec<Signature>) -> Matcher {
        let mut m = Matcher {
            packages: HashMap::default(),
            strings: None,
            string_owner: Vec::new(),
            string_is_code: Vec::new(),
            libs: HashMap::default(),
            components_exact: HashMap::default(),
            component_prefixes: Vec::new(),
            meta: HashMap::default(),
            authorities: Vec::new(),
            assets: Vec::new(),
            version_strings: None,
            version_string_rules: Vec::new(),
            version_libs: Vec::new(),
            sigs: Vec::new(),
        };
        let mut pats = Vec::new();
        for (i, s) in sigs.iter().enumerate() {
            let r = &s.rules;
            for p in &r.packages {
                m.packages.entry(p.clone()).or_insert(i);
            }
            for st in &r.strings {
                pats.push(st.clone());
                m.string_owner.push(i);
                m.string_is_code.push(false);
            }
            for st in &r.code_strings {
                pats.push(st.clone());
                m.string_owner.push(i);
                m.string_is_code.push(true);
            }
            for l in &r.native_libs {
                m.libs.entry(l.clone()).or_insert(i);
            }
            for c in &r.components {
                if c.ends_with('.') {
                    m.component_prefixes.push((c.clone(), i));
                } else {
                    m.components_exact.entry(c.clone()).or_insert(i);
                }
            }
            for k in &r.meta_data {
                m.meta.entry(k.clone()).or_insert(i);
            }
            for a in &r.authorities {
                m.authorities.push((a.clone(), i));
            }
            for a in &r.assets {
                m.assets.push((a.clone(), i));
            }
        }
        m.component_prefixes
            .sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        // version patterns were checked at load; one that still fails is skipped
        for (i, s) in sigs.iter().enumerate() {
            for r in &s.version.strings {
                if let Ok(re) = regex::Regex::new(r) {
                    m.version_string_rules.push((i, re));
                }
            }
            m.version_libs.push(
                s.version
                    .native_libs
                    .iter()
                    .filter_map(|r| regex::Regex::new(r).ok())
                    .collect(),
            );
        }
        if !m.version_string_rules.is_empty() {
            m.version_strings =
                regex::RegexSet::new(m.version_string_rules.iter().map(|(_, r)| r.as_str())).ok();
        }
        if !pats.is_empty() {
            m.strings = AhoCorasick::builder()
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&pats)
                .ok();
        }
        m.sigs = sigs;
        m
    }

    /// Whether any signature has string patterns (so dex strings are worth collecting).
    pub fn has_string_patterns(&self) -> bool {
        self.strings.is_some()
    }

    /// The signature with this id.
    pub fn signature(&self, id: &str) -> Option<&Signature> {
        self.sigs.iter().find(|s| s.id == id)
    }

    /// The SDK a manifest component names (exact name, else the longest prefix rule).
    pub fn component_owner(&self, component: &str) -> Option<&Signature> {
        let i = self.components_exact.get(component).copied().or_else(|| {
            self.component_prefixes
                .iter()
                .find(|(p, _)| component.starts_with(p.as_str()))
                .map(|(_, i)| *i)
        })?;
        self.sigs.get(i)
    }

    /// Ids of the SDKs whose string patterns occur in `s` (each once, in match order).
    pub fn string_owners(&self, s: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        if let Some(ac) = &self.strings {
            for m in ac.find_iter(s) {
                if let Some(sig) = self
                    .string_owner
                    .get(m.pattern().as_usize())
                    .and_then(|&i| self.sigs.get(i))
                {
                    if !out.contains(&sig.id.as_str()) {
                        out.push(&sig.id);
                    }
                }
            }
        }
        out
    }

    /// The SDK owning a class by most specific package prefix, if any.
    pub fn owner_of_class<'c>(&self, class: &'c str) -> Option<(&Signature, &'c str)> {
        let mut end = class.len();
        while let Some(dot) = class[..end].rfind('.') {
            let prefix = &class[..dot];
            if let Some(&i) = self.packages.get(prefix) {
                return self.sigs.get(i).map(|s| (s, prefix));
            }
            end = dot;
        }
        None
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const PANGLE: &str = r#"
id = "pangle"
name = "Pangle"
category = "ads"
[match]
packages = ["com.bytedance.sdk.openadsdk"]
native_libs = ["libnms.so"]
[test]
match = ["class:com.bytedance.sdk.openadsdk.TTAdSdk"]
no_match = ["class:com.bytedance.sdk.openadsdkx.Foo"]
"#;
    const DOUYIN: &str = r#"
id = "douyin-open"
name = "Douyin Open SDK"
category = "social"
[match]
packages = ["com.bytedance.sdk.open", "com.bytedance.sdk"]
[test]
match = ["class:com.bytedance.sdk.open.aweme.DouYinOpenApi"]
no_match = ["class:com.bytedance.sdkx.Foo"]
"#;

    pub(crate) fn db() -> SignatureDb {
        SignatureDb::from_files(
            vec![
                ("a/pangle.toml".into(), PANGLE.into()),
                ("b/douyin-open.toml".into(), DOUYIN.into()),
            ],
            &[],
        )
        .unwrap()
    }

    #[test]
    fn most_specific_prefix_wins() {
        let m = db().compile();
        assert_eq!(
            m.owner_of_class("com.bytedance.sdk.openadsdk.core.X")
                .unwrap()
                .0
                .id,
            "pangle"
        );
        assert_eq!(
            m.owner_of_class("com.bytedance.sdk.open.aweme.Y")
                .unwrap()
                .0
                .id,
            "douyin-open"
        );
        assert_eq!(
            m.owner_of_class("com.bytedance.sdk.Z").unwrap().0.id,
            "douyin-open"
        );
        assert!(m.owner_of_class("com.bytedance.sdkx.Z").is_none());
    }

    #[test]
    fn category_names_round_trip_and_sort_as_strings() {
        for c in Category::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Category>(&json).unwrap(), c);
        }
        let mut by_enum = Category::ALL.to_vec();
        by_enum.sort();
        let mut by_name = Category::ALL.to_vec();
        by_name.sort_by_key(|c| c.as_str());
        assert_eq!(by_enum, by_name);
    }

    #[test]
    fn validation_rejects_bad_files() {
        let bad = [
            PANGLE.replace("id = \"pangle\"", "id = \"other\""),
            PANGLE.replace("category = \"ads\"", "category = \"adz\""),
            PANGLE.replace("name = \"Pangle\"", "name = \"Pangle\"\ncolour = \"red\""),
            PANGLE.replace(
                "no_match = [\"class:com.bytedance.sdk.openadsdkx.Foo\"]",
                "",
            ),
            PANGLE.replace("\"com.bytedance.sdk.openadsdk\"", "\"com..x\""),
        ];
        for b in bad {
            assert!(
                Signature::from_toml("x.toml", "pangle", &b).is_err(),
                "accepted:\n{b}"
            );
        }
        let dup = SignatureDb::from_files(
            vec![
                ("a/pangle.toml".into(), PANGLE.into()),
                ("b/pangle.toml".into(), PANGLE.into()),
            ],
            &[],
        );
        assert!(dup.is_err());
    }

    #[test]
    fn bundles_must_name_other_known_sdks() {
        let with = |b: &str| PANGLE.replace("[match]", &format!("bundles = [{b}]\n[match]"));
        // the SDK itself, or the same id twice
        assert!(Signature::from_toml("x.toml", "pangle", &with("\"pangle\"")).is_err());
        assert!(Signature::from_toml(
            "x.toml",
            "pangle",
            &with("\"douyin-open\", \"douyin-open\"")
        )
        .is_err());
        let files = |b: &str| {
            vec![
                ("a/pangle.toml".to_string(), with(b)),
                ("b/douyin-open.toml".to_string(), DOUYIN.to_string()),
            ]
        };
        let db = SignatureDb::from_files(files("\"douyin-open\""), &[]).unwrap();
        assert_eq!(db.get("pangle").unwrap().bundles, vec!["douyin-open"]);
        // an id that is in no file
        assert!(SignatureDb::from_files(files("\"gdt\""), &[]).is_err());
        // unless the database it extends knows it
        assert!(SignatureDb::from_files(files("\"gdt\""), &["gdt".to_string()]).is_ok());
    }
}
