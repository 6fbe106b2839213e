//! Which code touches which personal data: privacy-sensitive API call sites found by
//! walking dex bytecode ([`crate::formats::dex::code`]), looked up in the sensitive-API table
//! ([`crate::knowledge::sensitive_apis`]) and attributed to the SDK that owns the calling class.
//!
//! Owners come from [`crate::detect::attribution`] (class prefixes, a mapping file,
//! components, strings and the class-reference graph); a caller no rule ties to an owner
//! is `unknown`.

use crate::detect::attribution::{Attribution, Confidence, Owned, OwnerContext, Owners};
use crate::detect::graph::{ClassGraph, DexGraphBuilder};
use crate::detect::sdk::SdkFinding;
use crate::error::Diagnostic;
use crate::formats::dex::code::{walk_refs, RefKind};
use crate::formats::dex::Dex;
use crate::knowledge::sensitive_apis::{ApiKind, Certainty, SensitiveApi, SensitiveApiDb};
use crate::knowledge::signatures::Matcher;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Call sites kept as evidence per (owner, data type).
const MAX_CALL_SITES: usize = 5;
/// Per-dex cap on method-level errors reported individually.
const MAX_METHOD_ERRORS: usize = 5;

/// One sensitive call site in dex code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CallSite {
    /// Calling method as dexdump prints it (`Lcom/foo/Bar;.name:(args)ret`).
    pub caller: String,
    /// Sensitive-API entry id (`telephony.getDeviceId`).
    pub api: String,
    /// Dex entry (`classes2.dex`, or `split.apk!classes.dex`).
    pub dex: String,
    /// Code-unit offset of the instruction in the caller (dexdump's `|0012:`).
    pub pc: u32,
    /// `certain`, or `possible` for a conditional call not confirmed in the same method
    /// (running processes, intent queries, a settings read without the `android_id` key).
    pub certainty: ReadCertainty,
    /// How the calling class was tied to its owner.
    pub attribution: Attribution,
    /// How sure that tie is.
    pub confidence: Confidence,
}

/// Whether a call site certainly reads the data.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ReadCertainty {
    /// A conditional call (its arguments decide what it reads), not confirmed.
    Possible,
    /// A direct read, or a conditional one confirmed in the same method.
    Certain,
}

/// Data types one owner (an SDK, the app, or unknown code) was seen reading.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DataAccess {
    /// SDK id, `app`, `android-jetpack` (AndroidX / support library code) or `unknown`.
    pub owner: String,
    /// SDK display name, when the owner is an SDK.
    pub name: Option<String>,
    /// How the surest of its calls was attributed (see [`Attribution`]: `class-prefix`,
    /// `mapping`, `app-package`, `app-namespace`, `platform-library`, `component`,
    /// `package-evidence`, `strings`, `reference-graph`, `none`); each call site says its own.
    pub attribution: Attribution,
    /// Confidence of that attribution.
    pub confidence: Confidence,
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
    /// `certain` when at least one call site certainly reads it, else `possible`.
    pub certainty: ReadCertainty,
    /// Confidence of the surest attribution among the call sites.
    pub confidence: Confidence,
    /// How the call sites were attributed (distinct).
    pub attributions: Vec<Attribution>,
    /// A few call sites an auditor can check with `dexdump -d`.
    pub call_sites: Vec<CallSite>,
}

/// A raw hit in one dex, before attribution.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    dex_code(dex, dex_name, db, errors, None)
}

/// [`dex_hits`], and in the same walk the class-reference graph of the dex added to
/// `graph` when one is given.
pub fn dex_code(
    dex: &Dex<'_>,
    dex_name: &str,
    db: &SensitiveApiDb,
    errors: &mut Vec<Diagnostic>,
    graph: Option<&mut ClassGraph>,
) -> Vec<RawHit> {
    let refs = db.index_dex(dex);
    let mut hits = Vec::new();
    let mut builder = graph.map(|g| DexGraphBuilder::new(g, dex));
    if let Some(b) = builder.as_mut() {
        b.add_class_defs(dex);
    }
    if refs.is_empty() && builder.is_none() {
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
            if let Some(b) = builder.as_mut() {
                b.add_ref(dex, def.class_idx, r.kind, r.index);
            }
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
            let Some(certainty) = read_certainty(a, |c| local.iter().any(|(b, _)| &b.id == c))
            else {
                continue;
            };
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
                    certainty,
                    attribution: Attribution::None,
                    confidence: Confidence::Low,
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

/// How sure a sensitive reference is a read: a direct entry, or a conditional one
/// confirmed by a co-occurring entry (`confirmed` tells), is `certain`; a conditional
/// call without confirmation is `possible`. A conditional *string* that needs a call to
/// mean anything (the bare `"android_id"` key, also a JSON key) is dropped unconfirmed.
fn read_certainty(a: &SensitiveApi, confirmed: impl Fn(&String) -> bool) -> Option<ReadCertainty> {
    if a.certainty != Certainty::Conditional || a.confirm.iter().any(confirmed) {
        return Some(ReadCertainty::Certain);
    }
    if !a.confirm.is_empty() && a.kind == ApiKind::String {
        return None;
    }
    Some(ReadCertainty::Possible)
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
        let Some(certainty) = read_certainty(a, |c| found.iter().any(|b| &b.id == c)) else {
            continue;
        };
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
                certainty,
                attribution: Attribution::None,
                confidence: Confidence::Low,
            },
        });
    }
    hits
}

/// Attribute raw hits to owners by class name alone (no reference graph): see
/// [`attribute_with`].
pub fn attribute(
    hits: Vec<RawHit>,
    matcher: &Matcher,
    package: Option<&str>,
    sdks: &[SdkFinding],
) -> Vec<DataAccess> {
    let graph = ClassGraph::default();
    let ctx = OwnerContext {
        matcher,
        app: package.filter(|p| !p.is_empty()),
        mapping: None,
        sdks,
        components: &[],
    };
    let owners = Owners::compute(ctx, &graph);
    attribute_with(hits, |c| owners.owner(c), sdks)
}

/// Attribute raw hits to owners (`owner_of` each hit's calling class, called once per
/// hit in order; `None` is `unknown`) and
/// group them by owner and data type. SDK owners come first (in the order of `sdks`),
/// then `app`, `android-jetpack`, then `unknown`.
pub fn attribute_with(
    hits: Vec<RawHit>,
    mut owner_of: impl FnMut(&str) -> Option<Owned>,
    sdks: &[SdkFinding],
) -> Vec<DataAccess> {
    // owner -> data type -> access
    let mut groups: BTreeMap<String, BTreeMap<String, DataTypeAccess>> = BTreeMap::new();
    for mut h in hits {
        let owned = owner_of(&h.class);
        let owner = match owned {
            Some(o) => {
                h.site.attribution = o.attribution;
                h.site.confidence = o.confidence;
                o.owner
            }
            None => {
                h.site.attribution = Attribution::None;
                h.site.confidence = Confidence::Low;
                "unknown".to_string()
            }
        };
        let d = groups
            .entry(owner)
            .or_default()
            .entry(h.data_type.clone())
            .or_insert_with(|| DataTypeAccess {
                data_type: h.data_type.clone(),
                apis: Vec::new(),
                count: 0,
                certainty: h.site.certainty,
                confidence: h.site.confidence,
                attributions: Vec::new(),
                call_sites: Vec::new(),
            });
        d.count += 1;
        d.certainty = d.certainty.max(h.site.certainty);
        d.confidence = d.confidence.max(h.site.confidence);
        if !d.apis.contains(&h.site.api) {
            d.apis.push(h.site.api.clone());
        }
        if !d.attributions.contains(&h.site.attribution) {
            d.attributions.push(h.site.attribution);
            d.attributions.sort();
        }
        keep_site(&mut d.call_sites, h.site);
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
        .map(|(owner, types)| {
            let data_types: Vec<DataTypeAccess> = types.into_values().collect();
            let best = data_types
                .iter()
                .flat_map(|d| d.call_sites.iter())
                .map(|c| (c.confidence, std::cmp::Reverse(c.attribution)))
                .max();
            DataAccess {
                name: sdks.iter().find(|f| f.id == owner).map(|f| f.name.clone()),
                owner,
                attribution: best.map(|b| b.1 .0).unwrap_or(Attribution::None),
                confidence: best.map(|b| b.0).unwrap_or(Confidence::Low),
                data_types,
            }
        })
        .collect();
    out.sort_by_key(|d| rank(&d.owner));
    out
}

/// Keep a call site as evidence: up to [`MAX_CALL_SITES`], certain reads and surer
/// attributions first.
fn keep_site(sites: &mut Vec<CallSite>, site: CallSite) {
    let key = |c: &CallSite| (c.certainty, c.confidence);
    if sites.len() < MAX_CALL_SITES {
        sites.push(site);
    } else if let Some(weakest) = (0..sites.len()).min_by_key(|&i| key(&sites[i])) {
        if key(&site) > key(&sites[weakest]) {
            sites.remove(weakest);
            sites.push(site);
        }
    }
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
                            y.certainty = y.certainty.max(d.certainty);
                            y.confidence = y.confidence.max(d.confidence);
                            for a in d.attributions {
                                if !y.attributions.contains(&a) {
                                    y.attributions.push(a);
                                }
                            }
                            for c in d.call_sites {
                                keep_site(&mut y.call_sites, c);
                            }
                        }
                    }
                }
            }
        }
    }
}
