//! Which owner (an SDK, the app, AndroidX) each class of an app belongs to, and how that
//! was decided, also when the code is renamed.
//!
//! 1. **Direct**, by the class name: the most specific signature package prefix
//!    (`class-prefix`), the original name a mapping file gives (`mapping`), the app's own
//!    package (`app-package`) or namespace (`app-namespace`), AndroidX and the support
//!    library (`platform-library`).
//! 2. **Seeds in renamed code**: classes a manifest component names (`component`; kept
//!    by every shrinker), classes in a package that an SDK's components or JNI exports name
//!    (`package-evidence`), and classes whose string constants match exactly one identified
//!    SDK's string patterns (`strings`).
//! 3. **Reference graph** (`reference-graph`): a class referenced only by one owner's
//!    classes (the app's own references do not count: apps call into SDKs) belongs to
//!    that owner: `medium` when every class referencing it is owned, `low` when some
//!    referencing classes are still unknown (and then not for an owner whose signature
//!    `bundles` an SDK also present: that code may be the bundled SDK's). The app is never propagated, so SDK code the
//!    app calls is not taken for app code.
//!
//! Time and memory are linear in the graph (each class is owned once and each edge
//! looked at once per ownership), plus at most [`MAX_PARTIAL_ROUNDS`] linear scans.

use super::graph::ClassGraph;
use super::sdk::PackageOwners;
use super::sdk::SdkFinding;
use crate::formats::proguard_map::ClassMap;
use crate::knowledge::signatures::Matcher;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How a class was tied to its owner.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Attribution {
    /// The owner's package prefix names the class.
    ClassPrefix,
    /// A mapping file gives the class's original name, which a package prefix names.
    Mapping,
    /// The class is in the app's own package.
    AppPackage,
    /// The class is in the app's reverse-domain namespace.
    AppNamespace,
    /// AndroidX / support library code.
    PlatformLibrary,
    /// A manifest component of the SDK (component names survive renaming).
    Component,
    /// The class is in a package that the SDK's components or JNI exports name.
    PackageEvidence,
    /// The class loads string constants (hosts, keys) of exactly one identified SDK.
    Strings,
    /// The class is referenced only by the owner's classes.
    ReferenceGraph,
    /// Not attributed.
    None,
}

impl Attribution {
    /// The name used in JSON and reports (`class-prefix`, `reference-graph`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Attribution::ClassPrefix => "class-prefix",
            Attribution::Mapping => "mapping",
            Attribution::AppPackage => "app-package",
            Attribution::AppNamespace => "app-namespace",
            Attribution::PlatformLibrary => "platform-library",
            Attribution::Component => "component",
            Attribution::PackageEvidence => "package-evidence",
            Attribution::Strings => "strings",
            Attribution::ReferenceGraph => "reference-graph",
            Attribution::None => "none",
        }
    }
}

impl Confidence {
    /// The name used in JSON and reports (`high`, `medium`, `low`).
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// How sure an attribution is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Inferred from partial evidence (some referencing classes are unknown).
    Low,
    /// Inferred from evidence that survives renaming (strings, components, references).
    Medium,
    /// The class name itself (or its mapped original name) says so.
    High,
}

/// The owner of one class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owned {
    /// SDK id, `app`, `android-jetpack`.
    pub owner: String,
    /// How it was decided.
    pub attribution: Attribution,
    /// How sure.
    pub confidence: Confidence,
}

/// Partial-ownership rounds at most (each a linear scan of the classes).
pub const MAX_PARTIAL_ROUNDS: usize = 64;

/// Packages of Google's Android support libraries (Jetpack/AndroidX, the old support
/// library, Material Components), shipped inside apps but published with the platform.
const JETPACK_PREFIXES: &[&str] = &[
    "androidx.",
    "android.support.",
    "com.google.android.material.",
];

/// Owner id of AndroidX / support library code.
pub const JETPACK: &str = "android-jetpack";
/// Owner id of the app's own code.
pub const APP: &str = "app";

/// What ownership is decided from.
pub struct OwnerContext<'a> {
    /// The compiled signatures.
    pub matcher: &'a Matcher,
    /// The app's package (its classes are first-party); `None` for SDK artefacts.
    pub app: Option<&'a str>,
    /// A validated mapping file (obfuscated → original class names).
    pub mapping: Option<&'a ClassMap>,
    /// The SDKs identified.
    pub sdks: &'a [SdkFinding],
    /// Manifest component class names.
    pub components: &'a [String],
}

/// An owner as decided, before it is copied into an [`Owned`]: (owner id, how, how sure).
type OwnerRef<'r> = (&'r str, Attribution, Confidence);

fn owned((owner, attribution, confidence): OwnerRef<'_>) -> Owned {
    Owned {
        owner: owner.to_string(),
        attribution,
        confidence,
    }
}

impl<'a> OwnerContext<'a> {
    /// The owner of a class by its name alone (or its original name in the mapping).
    pub fn direct(&self, class: &str) -> Option<Owned> {
        self.direct_in(class, &mut PackageOwners::new(self.matcher))
            .map(owned)
    }

    /// [`Self::direct`] with package lookups remembered in `po`.
    fn direct_in<'c>(&self, class: &'c str, po: &mut PackageOwners<'a, 'c>) -> Option<OwnerRef<'a>>
    where
        'a: 'c,
    {
        let (name, mapped): (&'c str, bool) = match self.mapping.and_then(|m| m.original(class)) {
            Some(orig) if orig != class => (orig, true),
            _ => (class, false),
        };
        let how = |a| if mapped { Attribution::Mapping } else { a };
        let own = |owner: &'a str, a, c| Some((owner, how(a), c));
        let in_pkg = |p: &str| name.starts_with(p) && name.as_bytes().get(p.len()) == Some(&b'.');
        if let Some((i, prefix_len)) = po.of_class(name) {
            // the app's own classes stay first-party unless the SDK prefix is more specific
            let first_party = self.app.is_some_and(|p| in_pkg(p) && prefix_len <= p.len());
            if !first_party {
                if let Some(sig) = po.signature(i) {
                    return own(&sig.id, Attribution::ClassPrefix, Confidence::High);
                }
            }
        }
        if let Some(p) = self.app {
            if in_pkg(p) {
                return own(APP, Attribution::AppPackage, Confidence::High);
            }
        }
        // Android's own support libraries (AppCompat reads the last known location for its
        // day/night theme): not a third-party SDK, not the app's code
        if JETPACK_PREFIXES.iter().any(|p| name.starts_with(p)) {
            return own(JETPACK, Attribution::PlatformLibrary, Confidence::High);
        }
        if let Some(ns) = self.app.and_then(app_namespace) {
            if in_pkg(ns) {
                return own(APP, Attribution::AppNamespace, Confidence::Medium);
            }
        }
        None
    }

    /// Packages tied to an SDK by evidence other than class prefixes: the packages of
    /// its manifest components and of its JNI classes.
    fn evidence_packages(&self) -> HashMap<String, String> {
        let mut map = HashMap::default();
        for f in self.sdks {
            for ev in &f.evidence {
                if !matches!(ev.kind.as_str(), "components" | "jni") {
                    continue;
                }
                for ex in &ev.examples {
                    let class = ex.rsplit('!').next().unwrap_or(ex);
                    if let Some((pkg, _)) = class.rsplit_once('.') {
                        map.entry(pkg.to_string()).or_insert_with(|| f.id.clone());
                    }
                }
            }
        }
        map
    }

    /// The owner of a class outside the graph (class files, nested payloads): direct,
    /// else by package evidence.
    pub fn fallback(&self, class: &str, packages: &HashMap<String, String>) -> Option<Owned> {
        self.fallback_in(class, packages, &mut PackageOwners::new(self.matcher))
            .map(owned)
    }

    /// [`Self::fallback`] with package lookups remembered in `po`.
    fn fallback_in<'c, 'r>(
        &self,
        class: &'c str,
        packages: &'r HashMap<String, String>,
        po: &mut PackageOwners<'a, 'c>,
    ) -> Option<OwnerRef<'r>>
    where
        'a: 'c,
        'a: 'r,
    {
        if let Some(o) = self.direct_in(class, po) {
            return Some(o);
        }
        if packages.is_empty() {
            return None;
        }
        let mut end = class.len();
        while let Some(dot) = class.get(..end).and_then(|c| c.rfind('.')) {
            if let Some(id) = class.get(..dot).and_then(|pkg| packages.get(pkg)) {
                return Some((id, Attribution::PackageEvidence, Confidence::Medium));
            }
            end = dot;
        }
        None
    }
}

/// The app's reverse-domain namespace (first two segments of its package, e.g.
/// `io.appium` for `io.appium.uiautomator2.server`), unless that is a platform or
/// shared namespace that third-party code also uses.
fn app_namespace(package: &str) -> Option<&str> {
    let mut dots = package.match_indices('.').map(|(i, _)| i);
    let _first = dots.next()?;
    let end = dots.next()?;
    let ns = package.get(..end)?;
    const SHARED: &[&str] = &[
        "com.google",
        "com.android",
        "android.support",
        "com.example",
        "com.tencent",
        "com.alibaba",
        "com.baidu",
        "com.huawei",
        "com.xiaomi",
        "com.bytedance",
        "com.facebook",
        "org.apache",
        "io.flutter",
        "com.github",
    ];
    (!SHARED.contains(&ns) && !ns.starts_with("android") && !ns.starts_with("java")).then_some(ns)
}

/// The index of `owner` in `ids`, added when new (owners are few: the SDKs found, the
/// app, AndroidX).
fn id_in(ids: &mut Vec<String>, owner: &str) -> u32 {
    if let Some(i) = ids.iter().position(|x| x == owner) {
        return i as u32;
    }
    ids.push(owner.to_string());
    (ids.len() - 1) as u32
}

/// Class owners: per graph node, plus the rules for classes outside the graph.
pub struct Owners<'a> {
    ctx: OwnerContext<'a>,
    graph: &'a ClassGraph,
    packages: HashMap<String, String>,
    ids: Vec<String>,
    of: Vec<Option<(u32, Attribution, Confidence)>>,
}

impl<'a> Owners<'a> {
    /// Decide the owner of every class of `graph`.
    pub fn compute(ctx: OwnerContext<'a>, graph: &'a ClassGraph) -> Owners<'a> {
        let packages = ctx.evidence_packages();
        let mut o = Owners {
            ctx,
            graph,
            packages,
            ids: Vec::new(),
            of: vec![None; graph.len()],
        };
        o.seed();
        o.propagate();
        o
    }

    fn id_of(&mut self, owner: &str) -> u32 {
        id_in(&mut self.ids, owner)
    }

    fn set(&mut self, node: u32, owner: &str, a: Attribution, c: Confidence) {
        let id = self.id_of(owner);
        if let Some(slot) = self.of.get_mut(node as usize) {
            if slot.is_none() {
                *slot = Some((id, a, c));
            }
        }
    }

    fn seed(&mut self) {
        let g = self.graph;
        // identified SDKs with evidence beyond string patterns
        let identified: BTreeSet<&str> = self
            .ctx
            .sdks
            .iter()
            .filter(|f| f.evidence.iter().any(|e| e.kind != "strings"))
            .map(|f| f.id.as_str())
            .collect();
        let identified: BTreeSet<String> = identified.into_iter().map(str::to_string).collect();
        let mut po = PackageOwners::new(self.ctx.matcher);
        for i in 0..g.len() as u32 {
            if !g.is_defined(i) {
                continue;
            }
            let name = g.name(i);
            if let Some((owner, a, c)) = self.ctx.fallback_in(name, &self.packages, &mut po) {
                let id = id_in(&mut self.ids, owner);
                if let Some(slot) = self.of.get_mut(i as usize) {
                    if slot.is_none() {
                        *slot = Some((id, a, c));
                    }
                }
            }
        }
        for c in self.ctx.components {
            let Some(i) = g.find(c) else { continue };
            if self.of.get(i as usize).is_some_and(|x| x.is_some()) {
                continue;
            }
            if let Some(sig) = self.ctx.matcher.component_owner(c) {
                if identified.contains(&sig.id) {
                    let id = sig.id.clone();
                    self.set(i, &id, Attribution::Component, Confidence::Medium);
                }
            }
        }
        // string constants of exactly one identified SDK
        let mut by_class: HashMap<u32, Option<String>> = HashMap::default();
        for (i, s) in g.strings() {
            if self.of.get(*i as usize).is_some_and(|x| x.is_some()) {
                continue;
            }
            for id in self.ctx.matcher.string_owners(s) {
                if !identified.contains(id) {
                    continue;
                }
                let e = by_class.entry(*i).or_insert_with(|| Some(id.to_string()));
                if e.as_deref() != Some(id) {
                    *e = None;
                }
            }
        }
        let mut seeds: Vec<(u32, String)> = by_class
            .into_iter()
            .filter_map(|(i, id)| Some((i, id?)))
            .collect();
        seeds.sort();
        for (i, id) in seeds {
            self.set(i, &id, Attribution::Strings, Confidence::Medium);
        }
    }

    fn propagate(&mut self) {
        let g = self.graph;
        let n = g.len();
        let app = self.id_of(APP);
        // referrers of each node (compressed rows), from the distinct edges
        let mut start = vec![0u32; n + 1];
        for &(_, to) in g.edges() {
            if let Some(s) = start.get_mut(to as usize + 1) {
                *s += 1;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut referrers = vec![0u32; g.edges().len()];
        let mut referees_start = vec![0u32; n + 1];
        for &(from, to) in g.edges() {
            if let Some(f) = fill.get_mut(to as usize) {
                if let Some(slot) = referrers.get_mut(*f as usize) {
                    *slot = from;
                }
                *f += 1;
            }
            if let Some(s) = referees_start.get_mut(from as usize + 1) {
                *s += 1;
            }
        }
        for i in 0..n {
            referees_start[i + 1] += referees_start[i];
        }
        // edges are sorted by `from`, so referees of `from` are a slice of them
        let referees = |x: u32| {
            let a = referees_start[x as usize] as usize;
            let b = referees_start[x as usize + 1] as usize;
            g.edges()[a..b].iter().map(|&(_, to)| to)
        };
        // per node: referrers not yet owned, candidate owner, conflict
        const NONE: u32 = u32::MAX;
        const CONFLICT: u32 = u32::MAX - 1;
        let mut pending: Vec<u32> = (0..n).map(|i| start[i + 1] - start[i]).collect();
        let mut cand: Vec<u32> = vec![NONE; n];
        let mut queue: Vec<u32> = Vec::new();
        let mut owned_now: Vec<u32> = (0..n as u32)
            .filter(|&i| self.of[i as usize].is_some())
            .collect();
        // owners whose signature bundles an SDK found in the app too
        let found: BTreeSet<&str> = self.ctx.sdks.iter().map(|f| f.id.as_str()).collect();
        let ambiguous: Vec<bool> = self
            .ids
            .iter()
            .map(|id| {
                self.ctx
                    .matcher
                    .signature(id)
                    .is_some_and(|s| s.bundles.iter().any(|b| found.contains(b.as_str())))
            })
            .collect();
        let mut partial_rounds = 0;
        loop {
            // apply the effect of newly owned nodes on what they reference
            while let Some(x) = owned_now.pop() {
                let Some((owner, _, _)) = self.of[x as usize] else {
                    continue;
                };
                for y in referees(x) {
                    let yi = y as usize;
                    pending[yi] = pending[yi].saturating_sub(1);
                    if owner != app {
                        cand[yi] = match cand[yi] {
                            NONE => owner,
                            c if c == owner => c,
                            _ => CONFLICT,
                        };
                    }
                    if self.of[yi].is_none()
                        && g.is_defined(y)
                        && pending[yi] == 0
                        && cand[yi] < CONFLICT
                    {
                        queue.push(y);
                    }
                }
                while let Some(y) = queue.pop() {
                    let yi = y as usize;
                    if self.of[yi].is_none() {
                        self.of[yi] =
                            Some((cand[yi], Attribution::ReferenceGraph, Confidence::Medium));
                        owned_now.push(y);
                    }
                }
            }
            if partial_rounds >= MAX_PARTIAL_ROUNDS {
                break;
            }
            partial_rounds += 1;
            // nothing is fully decided: take the classes whose owned referrers agree
            // (not when the owner ships a bundled SDK that is present too: the class
            // may as well be the bundled SDK's code the owner calls)
            let mut take = Vec::new();
            for (i, &c) in cand.iter().enumerate().take(n) {
                if self.of[i].is_none()
                    && g.is_defined(i as u32)
                    && c < CONFLICT
                    && !ambiguous.get(c as usize).copied().unwrap_or(false)
                {
                    take.push(i);
                }
            }
            for i in take {
                self.of[i] = Some((cand[i], Attribution::ReferenceGraph, Confidence::Low));
                owned_now.push(i as u32);
            }
            if owned_now.is_empty() {
                break;
            }
        }
    }

    /// The owner of a class: from the graph when it is there, else by the direct rules.
    pub fn owner(&self, class: &str) -> Option<Owned> {
        if let Some(i) = self.graph.find(class) {
            if let Some(Some((id, a, c))) = self.of.get(i as usize) {
                return Some(Owned {
                    owner: self.ids.get(*id as usize).cloned().unwrap_or_default(),
                    attribution: *a,
                    confidence: *c,
                });
            }
            if self.graph.is_defined(i) {
                return None;
            }
        }
        self.ctx.fallback(class, &self.packages)
    }

    /// Number of classes of the graph owned, by attribution.
    pub fn counts(&self) -> std::collections::HashMap<Attribution, usize> {
        let mut m = std::collections::HashMap::new();
        for (_, a, _) in self.of.iter().flatten() {
            *m.entry(*a).or_insert(0) += 1;
        }
        m
    }
}
