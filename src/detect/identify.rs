//! Identification as one step: collected [`Evidence`] × [`Knowledge`] → SDKs and the
//! owners of the sensitive call sites ([`Identification`]). The scan collects the
//! evidence once; `identify` can be re-run on it with other knowledge without the APK.

use super::attribution::{Owned, OwnerContext, Owners};
use super::data_access::{attribute_with, DataAccess, RawHit};
use super::graph::ClassGraph;
use super::sdk::{merge_findings, AppEvidence, SdkFinding};
use crate::formats::proguard_map::ClassMap;
use crate::knowledge::Knowledge;
use std::collections::HashSet;

/// Code read outside the root dex (a plugin or packer payload), matched on its own.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct NestedEvidence {
    /// Path of the payload in the archive.
    pub path: String,
    /// Its class names.
    pub classes: Vec<String>,
}

/// Everything identification needs, collected by the scan.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// What the app carries (classes, strings, manifest, native libraries, paths).
    pub app: AppEvidence,
    /// The class-reference graph of the root code.
    pub graph: ClassGraph,
    /// Sensitive call sites, not yet attributed.
    pub hits: Vec<RawHit>,
    /// Nested payloads.
    pub nested: Vec<NestedEvidence>,
    /// A mapping file for the app's code, with where it came from (`--mapping FILE`, or
    /// the `.aab`'s own `proguard.map`).
    pub mapping: Option<(String, ClassMap)>,
}

/// What identification found.
#[derive(Debug, Clone, Default)]
pub struct Identification {
    /// SDKs found, with their evidence.
    pub sdks: Vec<SdkFinding>,
    /// Sensitive data read, per owner.
    pub data_access: Vec<DataAccess>,
    /// SDK ids found in each nested payload (path, ids).
    pub nested_sdks: Vec<(String, Vec<String>)>,
    /// Every sensitive call site with its owner (`None`: unknown), in the order of
    /// [`Evidence::hits`]; `data_access` keeps only a few per owner and data type.
    pub hit_owners: Vec<Option<Owned>>,
    /// Whether the mapping was used (it matched the app).
    pub mapping_used: bool,
    /// Problems met (a mapping that does not match the app).
    pub warnings: Vec<String>,
}

/// A mapping is used when at least this share of its obfuscated names are classes of
/// the app (in percent).
pub const MAPPING_MIN_MATCH_PERCENT: usize = 50;

/// Identify the SDKs in `ev` and attribute its sensitive call sites.
pub fn identify(ev: &Evidence, k: &Knowledge) -> Identification {
    let mut out = Identification::default();
    let matcher = &k.matcher;
    let mapping = ev.mapping.as_ref().and_then(|(source, map)| {
        let classes: HashSet<&str> = ev.app.classes.iter().map(String::as_str).collect();
        let found = map
            .obfuscated_names()
            .filter(|n| classes.contains(n))
            .count();
        if found * 100 >= map.len() * MAPPING_MIN_MATCH_PERCENT && found > 0 {
            Some(map)
        } else {
            out.warnings.push(format!(
                "mapping {source} does not match the app: {found} of its {} classes are in the \
                 code; it was not used",
                map.len()
            ));
            None
        }
    });
    out.mapping_used = mapping.is_some();
    out.sdks = match mapping {
        Some(map) => {
            let mut app = ev.app.clone();
            for c in &mut app.classes {
                if let Some(orig) = map.original(c) {
                    *c = orig.to_string();
                }
            }
            matcher.match_app(&app)
        }
        None => matcher.match_app(&ev.app),
    };
    for n in &ev.nested {
        if n.classes.is_empty() {
            continue;
        }
        let sub = AppEvidence {
            package: ev.app.package.clone(),
            classes: n.classes.clone(),
            ..Default::default()
        };
        let found = matcher.match_app(&sub);
        out.nested_sdks
            .push((n.path.clone(), found.iter().map(|f| f.id.clone()).collect()));
        merge_findings(&mut out.sdks, &found, Some(&n.path));
    }
    matcher.add_versions(&ev.app, &mut out.sdks);
    matcher.add_bundled_in(&mut out.sdks);
    let ctx = OwnerContext {
        matcher,
        app: ev.app.package.as_deref().filter(|p| !p.is_empty()),
        mapping,
        sdks: &out.sdks,
        components: &ev.app.components,
    };
    let owners = Owners::compute(ctx, &ev.graph);
    out.hit_owners = ev.hits.iter().map(|h| owners.owner(&h.class)).collect();
    let mut i = 0usize;
    let hit_owners = &out.hit_owners;
    out.data_access = attribute_with(
        ev.hits.clone(),
        |_| {
            let o = hit_owners.get(i).cloned().flatten();
            i += 1;
            o
        },
        &out.sdks,
    );
    out
}
