//! Which code touches which personal data: privacy-sensitive API call sites found by
//! walking dex bytecode ([`crate::formats::dex::code`]), looked up in the sensitive-API table
//! ([`crate::knowledge::sensitive_apis`]) and attributed to the SDK that owns the calling class.
//!
//! Attribution, in order: the SDK whose package prefix owns the caller (most specific
//! prefix, as SDK detection); the app itself when the caller is in the app's package; an
//! SDK whose other evidence (manifest components, JNI classes of its native libraries)
//! lies in the caller's package (obfuscated SDK code); otherwise `unknown`.

use crate::detect::sdk::SdkFinding;
use crate::error::Diagnostic;
use crate::formats::dex::code::{walk_refs, RefKind};
use crate::formats::dex::Dex;
use crate::knowledge::sensitive_apis::{Certainty, SensitiveApi, SensitiveApiDb};
use crate::knowledge::signatures::Matcher;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Call sites kept as evidence per (owner, data type).
const MAX_CALL_SITES: usize = 5;
/// Per-dex cap on method-level errors reported individually.
const MAX_METHOD_ERRORS: usize = 5;

/// One sensitive call site in dex code.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CallSite {
    /// Calling method as dexdump prints it (`Lcom/foo/Bar;.name:(args)ret`).
    pub caller: String,
    /// Sensitive-API entry id (`telephony.getDeviceId`).
    pub api: String,
    /// Dex entry (`classes2.dex`, or `split.apk!classes.dex`).
    pub dex: String,
    /// Code-unit offset of the instruction in the caller (dexdump's `|0012:`).
    pub pc: u32,
}

/// Data types one owner (an SDK, the app, or unknown code) was seen reading.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DataAccess {
    /// SDK id, `app`, `android-jetpack` (AndroidX / support library code) or `unknown`.
    pub owner: String,
    /// SDK display name, when the owner is an SDK.
    pub name: Option<String>,
    /// How the calls were attributed: `class-prefix`, `app-package`, `app-namespace` (same
    /// reverse domain as the app's package), `platform-library` (AndroidX / support
    /// library), `package-evidence` (obfuscated code in a package other evidence ties to
    /// the SDK) or `none`.
    pub attribution: String,
    /// Data types read, with evidence.
    pub data_types: Vec<DataTypeAccess>,
}

/// One data type read by one owner.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DataTypeAccess {
    /// Data-type id (`imei`, `installed_apps`, ...).
    pub data_type: String,
    /// Sensitive-API entry ids seen.
    pub apis: Vec<String>,
    /// Call sites found (distinct caller and API).
    pub count: usize,
    /// A few call sites an auditor can check with `dexdump -d`.
    pub call_sites: Vec<CallSite>,
}

/// A raw hit in one dex, before attribution.
#[derive(Debug, Clone)]
pub struct RawHit {
    /// Dotted class name of the caller.
    pub class: String,
    /// The call site.
    pub site: CallSite,
    /// Data type of the API.
    pub data_type: String,
}

/// Walk every method of `dex` and return the sensitive call sites. Methods whose code is
/// malformed are reported in `errors` (a few individually, then a count) and skipped;
/// the rest of the dex is still walked.
pub fn dex_hits(
    dex: &Dex<'_>,
    dex_name: &str,
    db: &SensitiveApiDb,
    errors: &mut Vec<Diagnostic>,
) -> Vec<RawHit> {
    let refs = db.index_dex(dex);
    let mut hits = Vec::new();
    if refs.is_empty() {
        return hits;
    }
    let mut bad_methods = 0usize;
    let mut local: Vec<(&SensitiveApi, u32)> = Vec::new();
    let summary = dex.for_each_method_code(|def, m, code| {
        let code = match code {
            Ok(c) => c,
            Err(e) => {
                bad_methods += 1;
                if bad_methods <= MAX_METHOD_ERRORS {
                    errors.push(Diagnostic::from_parse(dex_name, &e));
                }
                return;
            }
        };
        local.clear();
        let walked = walk_refs(&code, |r| {
            let api = match r.kind {
                RefKind::Method => refs.method(r.index),
                // reads only: iget* (0x52..=0x58) and sget* (0x60..=0x66), not writes
                RefKind::Field if matches!(r.opcode, 0x52..=0x58 | 0x60..=0x66) => {
                    refs.field(r.index)
                }
                RefKind::String => refs.string(r.index),
                _ => None,
            };
            if let Some(a) = api {
                local.push((a, r.pc));
            }
        });
        if let Err(e) = walked {
            bad_methods += 1;
            if bad_methods <= MAX_METHOD_ERRORS {
                errors.push(Diagnostic::from_parse(dex_name, &e));
            }
            // references before the bad instruction are still real
        }
        if local.is_empty() {
            return;
        }
        let class = dex
            .type_name(def.class_idx)
            .map(|d| crate::formats::dex::descriptor_to_dotted(&d))
            .unwrap_or_default();
        let caller = dex
            .method_dexdump_name(m.method_idx)
            .unwrap_or_else(|_| format!("method#{}", m.method_idx));
        let mut seen: Vec<&str> = Vec::new();
        for &(a, pc) in &local {
            // a conditional entry counts only with one of its confirming entries in the
            // same method body (e.g. Settings.Secure.getString with "android_id")
            if a.certainty == Certainty::Conditional
                && !a
                    .confirm
                    .iter()
                    .any(|c| local.iter().any(|(b, _)| &b.id == c))
            {
                continue;
            }
            if seen.contains(&a.id.as_str()) {
                continue;
            }
            seen.push(&a.id);
            hits.push(RawHit {
                class: class.clone(),
                data_type: a.data_type.clone(),
                site: CallSite {
                    caller: caller.clone(),
                    api: a.id.clone(),
                    dex: dex_name.to_string(),
                    pc,
                },
            });
        }
    });
    if bad_methods > MAX_METHOD_ERRORS {
        errors.push(Diagnostic::message(
            Some(dex_name.to_string()),
            format!("{bad_methods} methods with malformed code were skipped"),
        ));
    }
    for e in summary.class_errors.iter().take(MAX_METHOD_ERRORS) {
        errors.push(Diagnostic::from_parse(dex_name, e));
    }
    hits
}

/// Sensitive references of one Java class file (AAR/JAR SDK artefacts): its constant
/// pool's method and field references and string constants. Class files are not walked
/// method by method, so `caller` is the class descriptor, `pc` is 0 and `dex` names the
/// class file (`classes.jar!com/foo/Bar.class`); a field reference may be a read or a
/// write. A conditional entry counts when a confirming entry is in the same class.
pub fn class_hits(
    class: &crate::formats::classfile::ClassFile,
    origin: &str,
    db: &SensitiveApiDb,
) -> Vec<RawHit> {
    let desc = |dotted: &str| format!("L{};", dotted.replace('.', "/"));
    let mut found: Vec<&SensitiveApi> = Vec::new();
    for (c, name, _) in class.method_refs() {
        if let Some(a) = db.lookup_method(desc(&c).as_bytes(), name.as_bytes()) {
            found.push(a);
        }
    }
    for (c, name, _) in class.field_refs() {
        if let Some(a) = db.lookup_field(desc(&c).as_bytes(), name.as_bytes()) {
            found.push(a);
        }
    }
    for s in class.strings() {
        if let Some(a) = db.lookup_string(s.as_bytes()) {
            found.push(a);
        }
    }
    if found.is_empty() {
        return Vec::new();
    }
    let this = class.this_class();
    let caller = desc(&this);
    let mut hits: Vec<RawHit> = Vec::new();
    for a in &found {
        if a.certainty == Certainty::Conditional
            && !a.confirm.iter().any(|c| found.iter().any(|b| &b.id == c))
        {
            continue;
        }
        if hits.iter().any(|h| h.site.api == a.id) {
            continue;
        }
        hits.push(RawHit {
            class: this.clone(),
            data_type: a.data_type.clone(),
            site: CallSite {
                caller: caller.clone(),
                api: a.id.clone(),
                dex: origin.to_string(),
                pc: 0,
            },
        });
    }
    hits
}

/// Packages tied to an SDK by evidence other than class prefixes: the packages of its
/// manifest components and of its JNI classes.
fn evidence_packages(sdks: &[SdkFinding]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for f in sdks {
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

/// Attribute raw hits to owners and group them by owner and data type. SDK owners come
/// first (in the order of `sdks`), then `app`, then `unknown`.
pub fn attribute(
    hits: Vec<RawHit>,
    matcher: &Matcher,
    package: Option<&str>,
    sdks: &[SdkFinding],
) -> Vec<DataAccess> {
    let inferred = evidence_packages(sdks);
    let app = package.filter(|p| !p.is_empty());
    // owner -> (attribution, data type -> access)
    let mut groups: BTreeMap<String, (String, BTreeMap<String, DataTypeAccess>)> = BTreeMap::new();
    for h in hits {
        let (owner, how) = owner_of(&h.class, matcher, app, &inferred);
        let g = groups
            .entry(owner)
            .or_insert_with(|| (how.to_string(), BTreeMap::new()));
        let d =
            g.1.entry(h.data_type.clone())
                .or_insert_with(|| DataTypeAccess {
                    data_type: h.data_type.clone(),
                    apis: Vec::new(),
                    count: 0,
                    call_sites: Vec::new(),
                });
        d.count += 1;
        if !d.apis.contains(&h.site.api) {
            d.apis.push(h.site.api.clone());
        }
        if d.call_sites.len() < MAX_CALL_SITES {
            d.call_sites.push(h.site);
        }
    }
    let rank = |owner: &str| {
        sdks.iter()
            .position(|f| f.id == owner)
            .unwrap_or(match owner {
                "app" => usize::MAX - 2,
                "android-jetpack" => usize::MAX - 1,
                _ => usize::MAX,
            })
    };
    let mut out: Vec<DataAccess> = groups
        .into_iter()
        .map(|(owner, (how, types))| DataAccess {
            name: sdks.iter().find(|f| f.id == owner).map(|f| f.name.clone()),
            owner,
            attribution: how,
            data_types: types.into_values().collect(),
        })
        .collect();
    out.sort_by_key(|d| rank(&d.owner));
    out
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

/// Packages of Google's Android support libraries (Jetpack/AndroidX, the old support
/// library, Material Components), shipped inside apps but published with the platform.
const JETPACK_PREFIXES: &[&str] = &[
    "androidx.",
    "android.support.",
    "com.google.android.material.",
];

/// The owner of a calling class and how it was decided.
fn owner_of(
    class: &str,
    matcher: &Matcher,
    app: Option<&str>,
    inferred: &HashMap<String, String>,
) -> (String, &'static str) {
    if let Some((sig, prefix)) = matcher.owner_of_class(class) {
        // the app's own classes stay first-party unless the SDK prefix is more specific
        let first_party = app.is_some_and(|p| {
            (class.starts_with(p) && class.as_bytes().get(p.len()) == Some(&b'.'))
                && prefix.len() <= p.len()
        });
        if !first_party {
            return (sig.id.clone(), "class-prefix");
        }
    }
    if let Some(p) = app {
        if class.starts_with(p) && class.as_bytes().get(p.len()) == Some(&b'.') {
            return ("app".into(), "app-package");
        }
    }
    // Android's own support libraries (AppCompat reads the last known location for its
    // day/night theme): not a third-party SDK, not the app's code
    if JETPACK_PREFIXES.iter().any(|p| class.starts_with(p)) {
        return ("android-jetpack".into(), "platform-library");
    }
    if let Some(ns) = app.and_then(app_namespace) {
        if class.starts_with(ns) && class.as_bytes().get(ns.len()) == Some(&b'.') {
            return ("app".into(), "app-namespace");
        }
    }
    let mut end = class.len();
    while let Some(dot) = class.get(..end).and_then(|c| c.rfind('.')) {
        if let Some(id) = class.get(..dot).and_then(|pkg| inferred.get(pkg)) {
            return (id.clone(), "package-evidence");
        }
        end = dot;
    }
    ("unknown".into(), "none")
}

/// Merge the data access of one split into the set's view (call sites keep their
/// `split.apk!classes.dex` dex path).
pub fn merge_access(into: &mut Vec<DataAccess>, from: &[DataAccess], origin: &str) {
    for a in from {
        let mut a = a.clone();
        for d in &mut a.data_types {
            for c in &mut d.call_sites {
                c.dex = format!("{origin}!{}", c.dex);
            }
        }
        match into.iter_mut().find(|x| x.owner == a.owner) {
            None => into.push(a),
            Some(x) => {
                for d in a.data_types {
                    match x.data_types.iter_mut().find(|y| y.data_type == d.data_type) {
                        None => x.data_types.push(d),
                        Some(y) => {
                            y.count += d.count;
                            for api in d.apis {
                                if !y.apis.contains(&api) {
                                    y.apis.push(api);
                                }
                            }
                            for c in d.call_sites {
                                if y.call_sites.len() < MAX_CALL_SITES {
                                    y.call_sites.push(c);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
