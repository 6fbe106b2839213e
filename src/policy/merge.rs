//! Several policy documents of one app (the SDK list, the permission list and the
//! collected-data list are often separate pages) merged into one [`DeclaredPolicy`].

use super::{DeclaredPolicy, DeclaredSdk};
use std::collections::HashMap;

/// Merge the policies read from several files, in order. With more than one file, every
/// item's source (and every unread section) names its `file` and every warning starts with
/// it. A known SDK declared in several files becomes one item: the first row, with the
/// other rows' sources in `also`, their data types and permissions added and its missing
/// company, purpose, data cell and link taken from them. Permissions are a union: a resolved
/// constant declared in several files is kept once (its first declaration). Data types,
/// category disclosures and unknown SDK rows are kept as they are.
pub fn merge(parts: Vec<(String, DeclaredPolicy)>) -> DeclaredPolicy {
    if parts.len() == 1 {
        return parts.into_iter().next().map(|(_, p)| p).unwrap_or_default();
    }
    let mut out = DeclaredPolicy::default();
    // SDK id → index in out.sdks, for ids first declared by an earlier file
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut perms: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (file, mut p) in parts {
        let tag = |s: &mut super::Source| s.file = Some(file.clone());
        let mut local: HashMap<String, usize> = HashMap::new();
        for mut s in p.sdks.drain(..) {
            tag(&mut s.source);
            s.also.iter_mut().for_each(tag);
            match s.id.clone().and_then(|id| by_id.get(&id).copied()) {
                Some(at) => {
                    if let Some(first) = out.sdks.get_mut(at) {
                        absorb(first, s);
                    }
                }
                None => {
                    if let Some(id) = &s.id {
                        local.entry(id.clone()).or_insert(out.sdks.len());
                    }
                    out.sdks.push(s);
                }
            }
        }
        by_id.extend(local);
        for mut x in p.permissions.drain(..) {
            tag(&mut x.source);
            if !x.resolved || perms.insert(x.name.clone()) {
                out.permissions.push(x);
            }
        }
        for mut d in p.data_types.drain(..) {
            tag(&mut d.source);
            out.data_types.push(d);
        }
        for mut v in p.vague.drain(..) {
            tag(&mut v.source);
            out.vague.push(v);
        }
        for mut u in p.unread.drain(..) {
            u.file = Some(file.clone());
            out.unread.push(u);
        }
        out.warnings
            .extend(p.warnings.drain(..).map(|w| format!("{file}: {w}")));
    }
    out
}

/// Fold a later row of the same SDK into the first one.
fn absorb(first: &mut DeclaredSdk, s: DeclaredSdk) {
    first.also.push(s.source);
    first.also.extend(s.also);
    for d in s.data_types {
        if !first.data_types.contains(&d) {
            first.data_types.push(d);
        }
    }
    for p in s.permissions {
        if !first.permissions.contains(&p) {
            first.permissions.push(p);
        }
    }
    first.company = first.company.take().or(s.company);
    first.purpose = first.purpose.take().or(s.purpose);
    first.data_text = first.data_text.take().or(s.data_text);
    first.link = first.link.take().or(s.link);
}
