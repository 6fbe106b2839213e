//! SDK identification: an app's evidence matched against the compiled signatures.
//!
//! The signature database and its compiled index live in [`crate::knowledge::signatures`];
//! this module holds what is matched ([`AppEvidence`]) and what comes out ([`SdkFinding`]).

use crate::knowledge::signatures::{Category, Matcher, Signature, TestItem};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an app (or SDK artefact) contains, as the matcher sees it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AppEvidence {
    /// The app's own package (its classes are first-party).
    pub package: Option<String>,
    /// Defined class names, dotted (from dex, class files, JNI exports).
    pub classes: Vec<String>,
    /// Java classes named by JNI exports of native libraries (`Java_com_x_Y_m`).
    pub jni_classes: Vec<String>,
    /// Strings (dex string tables, class constant pools).
    pub strings: StrList,
    /// Native library paths (`lib/<abi>/libx.so`).
    pub native_libs: Vec<String>,
    /// Manifest component class names.
    pub components: Vec<String>,
    /// Meta-data keys.
    pub meta_data: Vec<String>,
    /// Provider authorities.
    pub authorities: Vec<String>,
    /// All zip entry paths.
    pub paths: StrList,
    /// Meta-data (key, value) pairs with a value.
    pub meta_values: Vec<(String, String)>,
    /// Maven libraries the app was built with (an `.aab`'s `dependencies.pb`).
    pub maven: Vec<crate::formats::aab_deps::MavenDependency>,
}

/// A list of strings kept one after the other in one buffer: one allocation for the
/// list instead of one per string (an app has 10^4 to 10^5 dex strings and entry paths,
/// built once and read back from every evidence file). Serialized as a JSON array of
/// strings, read back without a copy per string where the text has no escapes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrList {
    text: String,
    ends: Vec<usize>,
}

impl StrList {
    /// Add a string at the end.
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// String `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = i.checked_sub(1).map_or(0, |j| self.ends[j]);
        self.text.get(start..end)
    }

    /// The strings in order.
    pub fn iter(&self) -> StrIter<'_> {
        StrIter {
            list: self,
            at: 0,
            start: 0,
        }
    }
}

/// The strings of a [`StrList`] in order.
pub struct StrIter<'a> {
    list: &'a StrList,
    at: usize,
    start: usize,
}

impl<'a> Iterator for StrIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let end = *self.list.ends.get(self.at)?;
        let s = self.list.text.get(self.start..end).unwrap_or("");
        self.at += 1;
        self.start = end;
        Some(s)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.list.len() - self.at;
        (n, Some(n))
    }
}

impl ExactSizeIterator for StrIter<'_> {}

impl<'a> IntoIterator for &'a StrList {
    type Item = &'a str;
    type IntoIter = StrIter<'a>;
    fn into_iter(self) -> StrIter<'a> {
        self.iter()
    }
}

impl<S: AsRef<str>> Extend<S> for StrList {
    fn extend<I: IntoIterator<Item = S>>(&mut self, iter: I) {
        for s in iter {
            self.push(s.as_ref());
        }
    }
}

impl<S: AsRef<str>> FromIterator<S> for StrList {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut l = StrList::default();
        l.extend(iter);
        l
    }
}

impl From<Vec<String>> for StrList {
    fn from(v: Vec<String>) -> Self {
        v.into_iter().collect()
    }
}

impl Serialize for StrList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for StrList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(StrListVisitor)
    }
}

struct StrListVisitor;

impl<'de> serde::de::Visitor<'de> for StrListVisitor {
    type Value = StrList;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of strings")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<StrList, A::Error> {
        let mut l = StrList::default();
        while seq.next_element_seed(Pushed(&mut l))?.is_some() {}
        Ok(l)
    }
}

/// One element of a [`StrList`], pushed as it is read.
struct Pushed<'l>(&'l mut StrList);

impl<'de> serde::de::DeserializeSeed<'de> for Pushed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Pushed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.0.push(v);
        Ok(())
    }
}

/// Evidence of one kind behind a finding.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvidenceKind {
    /// `classes`, `jni`, `strings`, `code_strings`, `native_libs`, `components`,
    /// `meta_data`, `authorities`, `assets`.
    pub kind: String,
    /// Number of hits.
    pub count: usize,
    /// A few examples an auditor can check.
    pub examples: Vec<String>,
}

/// A detected SDK.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SdkFinding {
    /// Signature id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Chinese display name.
    pub name_zh: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// Vendor (Chinese).
    pub vendor_zh: Option<String>,
    /// Category.
    pub category: Category,
    /// `high`, `medium` or `low`.
    pub confidence: String,
    /// The SDK's version, when the app carries it.
    pub version: Option<String>,
    /// Where the version was read (`maven cn.jiguang.sdk:jcore:2.1.2`, `meta_data KEY`,
    /// `native_libs lib/arm64-v8a/libx.so`, `strings "…"`).
    pub version_source: Option<String>,
    /// Known compliance problems of this version (from the signature, with the source).
    pub version_issues: Vec<FoundVersionIssue>,
    /// SDKs found in the app whose signature says they ship this one (`bundles`): this
    /// SDK came in with them.
    pub bundled_in: Vec<String>,
    /// Evidence by kind.
    pub evidence: Vec<EvidenceKind>,
}

/// A known problem of the version found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FoundVersionIssue {
    /// The affected range (`< 3.0.0`).
    pub range: String,
    /// What is wrong.
    pub problem: String,
    /// Where that is stated.
    pub source: String,
}

const MAX_EXAMPLES: usize = 5;

impl TestItem {
    /// Evidence made of this one item.
    pub fn to_evidence(&self) -> AppEvidence {
        let mut e = AppEvidence::default();
        match self {
            TestItem::Class(c) => e.classes.push(c.clone()),
            TestItem::Str(s) => e.strings.push(s),
            TestItem::Lib(l) => e.native_libs.push(format!("lib/arm64-v8a/{l}")),
            TestItem::Component(c) => e.components.push(c.clone()),
            TestItem::Meta(m) => e.meta_data.push(m.clone()),
            TestItem::Authority(a) => e.authorities.push(a.clone()),
            TestItem::Asset(a) => e.paths.push(a),
        }
        e
    }
}

/// Byte offset of the last `.` (a byte loop from the end: the last dot of a class name is
/// a few bytes from its end).
fn last_dot(s: &str) -> Option<usize> {
    s.as_bytes().iter().rposition(|&b| b == b'.')
}

/// [`Matcher::owner_of_class`] by signature index, remembering the last package looked
/// up: an app's classes come grouped by package (code order), so most lookups cost one
/// comparison instead of one hash lookup per enclosing package.
pub(crate) struct PackageOwners<'m, 'c> {
    matcher: &'m Matcher,
    last: Option<(&'c str, Option<(usize, usize)>)>,
}

impl<'m, 'c> PackageOwners<'m, 'c> {
    /// A lookup without remembered packages.
    pub(crate) fn new(matcher: &'m Matcher) -> Self {
        PackageOwners {
            matcher,
            last: None,
        }
    }

    /// The signature owning `class` by its most specific package prefix: (index in the
    /// matcher's signatures, length of the prefix). Same answer as
    /// [`Matcher::owner_of_class`], which depends only on the class's package.
    pub(crate) fn of_class(&mut self, class: &'c str) -> Option<(usize, usize)> {
        let pkg = class.get(..last_dot(class)?)?;
        if let Some((last, hit)) = self.last {
            if last == pkg {
                return hit;
            }
        }
        let hit = self.of_package(pkg);
        self.last = Some((pkg, hit));
        hit
    }

    /// The signature whose package is `pkg` or the nearest enclosing one.
    fn of_package(&self, pkg: &str) -> Option<(usize, usize)> {
        let mut end = pkg.len();
        loop {
            let prefix = &pkg[..end];
            if let Some(&i) = self.matcher.packages.get(prefix) {
                return (i < self.matcher.sigs.len()).then_some((i, end));
            }
            end = last_dot(prefix)?;
        }
    }

    /// The signature at index `i`.
    pub(crate) fn signature(&self, i: usize) -> Option<&'m Signature> {
        self.matcher.sigs.get(i)
    }
}

impl Matcher {
    /// Match an app's evidence; findings sorted by category then id.
    pub fn match_app(&self, ev: &AppEvidence) -> Vec<SdkFinding> {
        let mut hits: BTreeMap<usize, BTreeMap<&'static str, (usize, Vec<String>)>> =
            BTreeMap::new();
        let mut add = |i: usize, kind: &'static str, example: &str| {
            let e = hits
                .entry(i)
                .or_default()
                .entry(kind)
                .or_insert((0, Vec::new()));
            e.0 += 1;
            if e.1.len() < MAX_EXAMPLES && !e.1.iter().any(|x| x == example) {
                e.1.push(example.to_string());
            }
        };
        let app = ev.package.as_deref().filter(|p| !p.is_empty());
        let mut owners = PackageOwners::new(self);
        for c in &ev.classes {
            if let Some((i, prefix_len)) = owners.of_class(c) {
                // classes of the app's own package are first-party unless the SDK prefix
                // is more specific than the app package
                if let Some(app) = app {
                    let inside = c.starts_with(app) && c.as_bytes().get(app.len()) == Some(&b'.');
                    if inside && prefix_len <= app.len() {
                        continue;
                    }
                }
                add(i, "classes", c);
            }
        }
        for c in &ev.jni_classes {
            if let Some((i, _)) = owners.of_class(c) {
                add(i, "jni", c);
            }
        }
        if let Some(ac) = &self.strings {
            for s in &ev.strings {
                for m in ac.find_iter(s) {
                    let p = m.pattern().as_usize();
                    if let Some(&i) = self.string_owner.get(p) {
                        if self.string_is_code.get(p) == Some(&true) {
                            add(i, "code_strings", s);
                        } else {
                            add(i, "strings", s);
                        }
                    }
                }
            }
        }
        for l in &ev.native_libs {
            let file = l.rsplit('/').next().unwrap_or(l);
            if let Some(&i) = self.libs.get(file) {
                add(i, "native_libs", l);
            }
        }
        for c in &ev.components {
            if let Some(&i) = self.components_exact.get(c) {
                add(i, "components", c);
            } else if let Some((_, i)) = self
                .component_prefixes
                .iter()
                .find(|(p, _)| c.starts_with(p.as_str()))
            {
                add(*i, "components", c);
            }
        }
        for k in &ev.meta_data {
            if let Some(&i) = self.meta.get(k) {
                add(i, "meta_data", k);
            }
        }
        for a in &ev.authorities {
            if let Some((_, i)) = self
                .authorities
                .iter()
                .find(|(s, _)| a.ends_with(s.as_str()))
            {
                add(*i, "authorities", a);
            }
        }
        for p in &ev.paths {
            if let Some((_, i)) = self.assets.iter().find(|(s, _)| p.starts_with(s.as_str())) {
                add(*i, "assets", p);
            }
        }
        let mut out: Vec<SdkFinding> = hits
            .into_iter()
            .filter_map(|(i, kinds)| {
                let s = self.sigs.get(i)?;
                let evidence: Vec<EvidenceKind> = kinds
                    .into_iter()
                    .map(|(k, (count, examples))| EvidenceKind {
                        kind: k.to_string(),
                        count,
                        examples,
                    })
                    .collect();
                Some(SdkFinding {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    name_zh: s.name_zh.clone(),
                    vendor: s.vendor.clone(),
                    vendor_zh: s.vendor_zh.clone(),
                    category: s.category,
                    confidence: confidence(&evidence).to_string(),
                    version: None,
                    version_source: None,
                    version_issues: Vec::new(),
                    bundled_in: Vec::new(),
                    evidence,
                })
            })
            .collect();
        out.sort_by(|a, b| (&a.category, &a.id).cmp(&(&b.category, &b.id)));
        out
    }
}

fn rank(confidence: &str) -> u8 {
    match confidence {
        "high" => 3,
        "medium" => 2,
        _ => 1,
    }
}

/// Merge SDK findings of one part (a split, a nested payload) into `into`. With an
/// `origin`, every example is prefixed `origin!` so an auditor sees where it came from.
pub fn merge_findings(into: &mut Vec<SdkFinding>, from: &[SdkFinding], origin: Option<&str>) {
    for f in from {
        let mut f = f.clone();
        if let Some(o) = origin {
            for ev in &mut f.evidence {
                for x in &mut ev.examples {
                    *x = format!("{o}!{x}");
                }
            }
        }
        match into.iter_mut().find(|x| x.id == f.id) {
            None => into.push(f),
            Some(x) => {
                if rank(&f.confidence) > rank(&x.confidence) {
                    x.confidence = f.confidence.clone();
                }
                for ev in f.evidence {
                    match x.evidence.iter_mut().find(|e| e.kind == ev.kind) {
                        Some(e) => {
                            e.count += ev.count;
                            for ex in ev.examples {
                                if e.examples.len() < 8 && !e.examples.contains(&ex) {
                                    e.examples.push(ex);
                                }
                            }
                        }
                        None => x.evidence.push(ev),
                    }
                }
            }
        }
    }
}

impl Matcher {
    /// Fill in `version`, `version_source` and `version_issues` of `findings` from the
    /// evidence, by each signature's `[version]` rules (Maven coordinates first, then
    /// meta-data, native library names, strings).
    pub fn add_versions(&self, ev: &AppEvidence, findings: &mut [SdkFinding]) {
        let mut found: Vec<Option<(String, String)>> = vec![None; findings.len()];
        let sig_of = |f: &SdkFinding| self.sigs.iter().position(|s| s.id == f.id);
        for (fi, f) in findings.iter().enumerate() {
            let Some(si) = sig_of(f) else { continue };
            let Some(s) = self.sigs.get(si) else { continue };
            let v = &s.version;
            let mut got = ev.maven.iter().find_map(|d| {
                let coord = format!("{}:{}", d.group, d.artifact);
                (v.maven.contains(&coord) && !d.version.is_empty())
                    .then(|| (d.version.clone(), format!("maven {coord}:{}", d.version)))
            });
            if got.is_none() {
                got = ev.meta_values.iter().find_map(|(k, val)| {
                    (v.meta_data.contains(k) && !val.trim().is_empty())
                        .then(|| (val.trim().to_string(), format!("meta_data {k}")))
                });
            }
            if got.is_none() {
                if let Some(res) = self.version_libs.get(si) {
                    got = ev.native_libs.iter().find_map(|path| {
                        let file = path.rsplit('/').next().unwrap_or(path);
                        res.iter().find_map(|re| {
                            let c = re.captures(file)?;
                            let parts: Vec<&str> =
                                c.iter().skip(1).flatten().map(|m| m.as_str()).collect();
                            (!parts.is_empty())
                                .then(|| (parts.join("."), format!("native_libs {path}")))
                        })
                    });
                }
            }
            found[fi] = got;
        }
        // the strings are read only when a finding still without a version has string
        // rules (one regex-set search per string otherwise, for nothing)
        let wanted = self.version_string_rules.iter().any(|(si, _)| {
            self.sigs.get(*si).is_some_and(|sig| {
                findings
                    .iter()
                    .zip(&found)
                    .any(|(f, got)| got.is_none() && f.id == sig.id)
            })
        });
        if let Some(set) = self.version_strings.as_ref().filter(|_| wanted) {
            for st in &ev.strings {
                if found.iter().all(Option::is_some) {
                    break;
                }
                for ri in set.matches(st).iter() {
                    let Some((si, re)) = self.version_string_rules.get(ri) else {
                        continue;
                    };
                    let Some(sig) = self.sigs.get(*si) else {
                        continue;
                    };
                    let Some(fi) = findings.iter().position(|f| f.id == sig.id) else {
                        continue;
                    };
                    if found[fi].is_some() {
                        continue;
                    }
                    if let Some(m) = re.captures(st).and_then(|c| c.get(1)) {
                        let shown = crate::text::clip(st, 120);
                        found[fi] = Some((m.as_str().to_string(), format!("strings \"{shown}\"")));
                    }
                }
            }
        }
        for (f, got) in findings.iter_mut().zip(found) {
            let Some((version, source)) = got else {
                continue;
            };
            if let Some(s) = self.sigs.iter().find(|s| s.id == f.id) {
                f.version_issues = s
                    .version
                    .issues
                    .iter()
                    .filter(|i| i.affects(&version))
                    .map(|i| FoundVersionIssue {
                        range: i.range(),
                        problem: i.problem.clone(),
                        source: i.source.clone(),
                    })
                    .collect();
            }
            f.version = Some(version);
            f.version_source = Some(source);
        }
    }

    /// Mark findings that an SDK found beside them ships (`bundles`): `bundled_in`.
    pub fn add_bundled_in(&self, findings: &mut [SdkFinding]) {
        let ids: Vec<String> = findings.iter().map(|f| f.id.clone()).collect();
        for f in findings.iter_mut() {
            f.bundled_in = ids
                .iter()
                .filter(|p| {
                    self.sigs
                        .iter()
                        .find(|s| &s.id == *p)
                        .is_some_and(|s| s.bundles.contains(&f.id))
                })
                .cloned()
                .collect();
        }
    }
}

/// Confidence of a finding from the kinds of evidence behind it.
///
/// Dex strings (domains, URLs, keys) are never enough on their own: apps name other
/// companies' endpoints without shipping their SDKs (a share sheet posting to
/// `graph.facebook.com`, an ad SDK reporting to another network). A finding whose only
/// evidence is string patterns is therefore `low`, however many strings hit.
fn confidence(ev: &[EvidenceKind]) -> &'static str {
    let has = |k: &str| ev.iter().any(|e| e.kind == k);
    if ev.iter().all(|e| e.kind == "strings") {
        return "low";
    }
    let strong = has("classes") || has("native_libs") || has("jni") || has("code_strings");
    let manifest = has("components") || has("meta_data") || has("authorities");
    if (strong && (manifest || ev.len() >= 2))
        || ev.iter().any(|e| e.kind == "classes" && e.count >= 5)
    {
        "high"
    } else if strong || ev.len() >= 2 || ev.iter().any(|e| e.count >= 3) {
        "medium"
    } else {
        "low"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::signatures::SignatureDb;

    fn db() -> SignatureDb {
        crate::knowledge::signatures::tests::db()
    }

    #[test]
    fn a_str_list_reads_back_what_was_written() {
        let words = ["a.b", "", "quote \" and \\ and \u{e9}", "x.y.z"];
        let l: StrList = words.iter().collect();
        assert_eq!(l.len(), 4);
        assert_eq!(l.iter().collect::<Vec<_>>(), words);
        assert_eq!(l.get(2), Some(words[2]));
        assert_eq!(l.get(4), None);
        let json = serde_json::to_string(&l).unwrap();
        assert_eq!(json, serde_json::to_string(&words).unwrap());
        let back: StrList = serde_json::from_str(&json).unwrap();
        assert_eq!(back, l);
        assert!(serde_json::from_str::<StrList>("[\"a\", 3]").is_err());
        assert!(serde_json::from_str::<StrList>("[]").unwrap().is_empty());
    }

    #[test]
    fn first_party_classes_are_not_sdks() {
        let m = db().compile();
        let ev = AppEvidence {
            package: Some("com.bytedance.sdk".into()),
            classes: vec!["com.bytedance.sdk.MainActivity".into()],
            ..Default::default()
        };
        assert!(m.match_app(&ev).is_empty());
        let ev = AppEvidence {
            package: Some("com.bytedance.sdk".into()),
            classes: vec!["com.bytedance.sdk.openadsdk.TTAdSdk".into()],
            ..Default::default()
        };
        assert_eq!(m.match_app(&ev)[0].id, "pangle");
    }

    #[test]
    fn evidence_is_reported() {
        let m = db().compile();
        let ev = AppEvidence {
            native_libs: vec!["lib/arm64-v8a/libnms.so".into()],
            classes: (0..7)
                .map(|i| format!("com.bytedance.sdk.openadsdk.C{i}"))
                .collect(),
            ..Default::default()
        };
        let f = &m.match_app(&ev)[0];
        assert_eq!(f.confidence, "high");
        assert_eq!(
            f.evidence
                .iter()
                .find(|e| e.kind == "classes")
                .unwrap()
                .count,
            7
        );
        assert_eq!(
            f.evidence
                .iter()
                .find(|e| e.kind == "native_libs")
                .unwrap()
                .examples,
            vec!["lib/arm64-v8a/libnms.so"]
        );
    }
}
