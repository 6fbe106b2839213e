//! The class-reference graph of an app's code: which class names which other class (in
//! its code, as superclass or interface), and which string constants each class loads.
//!
//! Renaming changes class names but not these references, so ownership of renamed code
//! can be extended from classes whose owner is known (see [`super::identify`]). The graph
//! holds only references between app classes (platform types are left out when read) and
//! is bounded by the code read: at most one edge per distinct (class, referenced class),
//! and only strings that can carry a host or key (6 to 512 bytes, with a dot).

use crate::formats::dex::code::{walk_refs, RefKind};
use crate::formats::dex::{descriptor_to_dotted, Dex};
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Class-reference graph, by dotted class name.
///
/// Node names are kept once, one after the other in one buffer, and found through a hash
/// table of node indices (no second copy of each name as a map key).
#[derive(Debug, Clone, Default)]
pub struct ClassGraph {
    /// Every node's name, in node order, one after the other.
    text: String,
    /// Where node `i`'s name ends in `text`.
    ends: Vec<usize>,
    /// Node indices by the hash of their name.
    index: HashTable<u32>,
    defined: Vec<bool>,
    edges: Vec<(u32, u32)>,
    strings: Vec<(u32, String)>,
}

/// The name of node `i` in a name buffer.
fn name_in<'t>(text: &'t str, ends: &[usize], i: u32) -> &'t str {
    let i = i as usize;
    let (Some(&end), start) = (ends.get(i), i.checked_sub(1).and_then(|j| ends.get(j))) else {
        return "";
    };
    text.get(start.copied().unwrap_or(0)..end).unwrap_or("")
}

fn hash(name: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(name)
}

/// Platform packages (android.jar, the JDK): never app code, left out of the graph.
const PLATFORM: &[&[u8]] = &[
    b"Ljava/",
    b"Ljavax/",
    b"Ldalvik/",
    b"Lorg/json/",
    b"Lorg/w3c/",
    b"Lorg/xml/",
    b"Lsun/",
];

/// Whether a type descriptor can name an app class.
fn app_type(desc: &[u8]) -> bool {
    desc.first() == Some(&b'L')
        && !PLATFORM.iter().any(|p| desc.starts_with(p))
        && (!desc.starts_with(b"Landroid/") || desc.starts_with(b"Landroid/support/"))
}

impl ClassGraph {
    /// The node of a class name, added when new.
    pub fn node(&mut self, name: &str) -> u32 {
        let h = hash(name);
        let (text, ends) = (&self.text, &self.ends);
        if let Some(&i) = self.index.find(h, |&j| name_in(text, ends, j) == name) {
            return i;
        }
        let i = self.ends.len() as u32;
        self.text.push_str(name);
        self.ends.push(self.text.len());
        let (text, ends) = (&self.text, &self.ends);
        self.index
            .insert_unique(h, i, |&j| hash(name_in(text, ends, j)));
        self.defined.push(false);
        i
    }

    /// The node of a class name, if present.
    pub fn find(&self, name: &str) -> Option<u32> {
        let (text, ends) = (&self.text, &self.ends);
        self.index
            .find(hash(name), |&j| name_in(text, ends, j) == name)
            .copied()
    }

    /// A graph from its stored parts: `names` in node order (each once), the `defined`
    /// nodes, `edges` and `strings` by node index (sorted and deduplicated here). The
    /// error says which part is wrong.
    pub fn from_parts<'n>(
        names: impl IntoIterator<Item = &'n str>,
        defined: impl IntoIterator<Item = u32>,
        edges: Vec<(u32, u32)>,
        strings: Vec<(u32, String)>,
    ) -> Result<ClassGraph, String> {
        let names: Vec<&str> = names.into_iter().collect();
        let mut g = ClassGraph::default();
        g.text.reserve(names.iter().map(|n| n.len()).sum());
        g.ends.reserve(names.len());
        g.defined.reserve(names.len());
        g.index.reserve(names.len(), |_| 0);
        for n in names {
            let before = g.len();
            g.node(n);
            if g.len() == before {
                return Err(format!("graph: the class name {n:?} appears twice"));
            }
        }
        let len = g.len() as u32;
        for i in defined {
            match g.defined.get_mut(i as usize) {
                Some(d) => *d = true,
                None => return Err(format!("graph: node {i} out of range")),
            }
        }
        if let Some((a, b)) = edges.iter().find(|&&(a, b)| a >= len || b >= len) {
            return Err(format!("graph: edge {a}->{b} out of range"));
        }
        if let Some((a, _)) = strings.iter().find(|&&(a, _)| a >= len) {
            return Err(format!("graph: node {a} out of range"));
        }
        g.edges = edges;
        g.edges.retain(|&(a, b)| a != b);
        g.strings = strings;
        g.finish();
        Ok(g)
    }

    /// Mark a class as defined in the code read.
    pub fn define(&mut self, name: &str) -> u32 {
        let i = self.node(name);
        if let Some(d) = self.defined.get_mut(i as usize) {
            *d = true;
        }
        i
    }

    /// Record that `from` names `to`.
    pub fn edge(&mut self, from: u32, to: u32) {
        if from != to {
            self.edges.push((from, to));
        }
    }

    /// Record a string constant loaded by `class`.
    pub fn string(&mut self, class: u32, s: String) {
        self.strings.push((class, s));
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the graph is empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Name of node `i`.
    pub fn name(&self, i: u32) -> &str {
        name_in(&self.text, &self.ends, i)
    }

    /// Whether node `i` is a class defined in the code read.
    pub fn is_defined(&self, i: u32) -> bool {
        self.defined.get(i as usize).copied().unwrap_or(false)
    }

    /// Distinct (from, to) edges.
    pub fn edges(&self) -> &[(u32, u32)] {
        &self.edges
    }

    /// (class, string) pairs.
    pub fn strings(&self) -> &[(u32, String)] {
        &self.strings
    }

    /// The part of the graph that decides the owners of the classes `roots` (see
    /// [`super::attribution`]): those classes and every class that reaches one of them
    /// through references, with the edges and strings among them, in the same relative
    /// node order. An owner reaches a class only along references, so attribution gives
    /// the roots the same owners on this part as on the whole graph. Linear in the graph.
    pub fn referrers_closure(&self, roots: impl IntoIterator<Item = u32>) -> ClassGraph {
        let n = self.len();
        // referrers of each node (compressed rows)
        let mut start = vec![0usize; n + 1];
        for &(_, to) in &self.edges {
            if let Some(s) = start.get_mut(to as usize + 1) {
                *s += 1;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut referrers = vec![0u32; self.edges.len()];
        for &(from, to) in &self.edges {
            if let Some(f) = fill.get_mut(to as usize) {
                if let Some(slot) = referrers.get_mut(*f) {
                    *slot = from;
                }
                *f += 1;
            }
        }
        let mut keep = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        for r in roots {
            if let Some(k) = keep.get_mut(r as usize) {
                if !*k {
                    *k = true;
                    stack.push(r);
                }
            }
        }
        while let Some(x) = stack.pop() {
            let (a, b) = (start[x as usize], start[x as usize + 1]);
            for &from in referrers.get(a..b).unwrap_or(&[]) {
                if let Some(k) = keep.get_mut(from as usize) {
                    if !*k {
                        *k = true;
                        stack.push(from);
                    }
                }
            }
        }
        // old node → new node, order kept
        let mut map = vec![u32::MAX; n];
        let mut next = 0u32;
        for (i, k) in keep.iter().enumerate() {
            if *k {
                map[i] = next;
                next += 1;
            }
        }
        let at = |i: u32| map.get(i as usize).copied().filter(|&m| m != u32::MAX);
        let names = (0..n as u32)
            .filter(|&i| keep[i as usize])
            .map(|i| self.name(i));
        let defined = (0..n as u32)
            .filter(|&i| keep[i as usize] && self.is_defined(i))
            .filter_map(at);
        let edges = self
            .edges
            .iter()
            .filter_map(|&(a, b)| Some((at(a)?, at(b)?)))
            .collect();
        let strings = self
            .strings
            .iter()
            .filter_map(|(a, s)| Some((at(*a)?, s.clone())))
            .collect();
        // names are distinct and indices in range by construction
        ClassGraph::from_parts(names, defined, edges, strings).unwrap_or_default()
    }

    /// Sort and deduplicate edges and strings (after all code is added).
    pub fn finish(&mut self) {
        self.edges.sort_unstable();
        self.edges.dedup();
        self.strings.sort_unstable();
        self.strings.dedup();
    }

    /// Add another graph (another dex of the same app).
    pub fn merge(&mut self, other: ClassGraph) {
        let map: Vec<u32> = (0..other.len() as u32)
            .map(|i| self.node(other.name(i)))
            .collect();
        for (i, d) in other.defined.iter().enumerate() {
            if *d {
                if let Some(&n) = map.get(i) {
                    if let Some(x) = self.defined.get_mut(n as usize) {
                        *x = true;
                    }
                }
            }
        }
        let at = |i: u32| map.get(i as usize).copied();
        for (a, b) in other.edges {
            if let (Some(a), Some(b)) = (at(a), at(b)) {
                self.edge(a, b);
            }
        }
        for (a, s) in other.strings {
            if let Some(a) = at(a) {
                self.strings.push((a, s));
            }
        }
    }
}

/// Per-dex builder: maps dex type indices to graph nodes once.
pub struct DexGraphBuilder<'g> {
    graph: &'g mut ClassGraph,
    types: Vec<u32>,
}

const UNSET: u32 = u32::MAX;
const SKIP: u32 = u32::MAX - 1;

impl<'g> DexGraphBuilder<'g> {
    /// A builder adding `dex`'s classes to `graph`.
    pub fn new(graph: &'g mut ClassGraph, dex: &Dex<'_>) -> Self {
        let n = dex.type_count() as usize;
        DexGraphBuilder {
            graph,
            types: vec![UNSET; n],
        }
    }

    /// The node of dex type `idx`, or `None` for platform, primitive or unreadable types.
    pub fn type_node(&mut self, dex: &Dex<'_>, idx: u32) -> Option<u32> {
        let slot = self.types.get_mut(idx as usize)?;
        match *slot {
            SKIP => None,
            UNSET => {
                let node = dex.type_descriptor(idx).ok().and_then(|d| {
                    let d = &d[d.iter().take_while(|&&c| c == b'[').count()..];
                    app_type(d).then(|| descriptor_to_dotted(&crate::formats::dex::decode_mutf8(d)))
                });
                match node {
                    Some(name) => {
                        let n = self.graph.node(&name);
                        if let Some(s) = self.types.get_mut(idx as usize) {
                            *s = n;
                        }
                        Some(n)
                    }
                    None => {
                        if let Some(s) = self.types.get_mut(idx as usize) {
                            *s = SKIP;
                        }
                        None
                    }
                }
            }
            n => Some(n),
        }
    }

    /// Add every class def of the dex: defined, with superclass and interface edges.
    pub fn add_class_defs(&mut self, dex: &Dex<'_>) {
        for def in dex.class_defs().flatten() {
            let Some(from) = self.type_node(dex, def.class_idx) else {
                continue;
            };
            if let Some(d) = self.graph.defined.get_mut(from as usize) {
                *d = true;
            }
            if def.superclass_idx != crate::formats::dex::NO_INDEX {
                if let Some(to) = self.type_node(dex, def.superclass_idx) {
                    self.graph.edge(from, to);
                }
            }
            if def.interfaces_off != 0 {
                if let Ok(list) = dex.type_list(def.interfaces_off) {
                    for t in list {
                        if let Some(to) = self.type_node(dex, t as u32) {
                            self.graph.edge(from, to);
                        }
                    }
                }
            }
        }
    }

    /// Add one instruction reference made by the code of class `from_type`.
    pub fn add_ref(&mut self, dex: &Dex<'_>, from_type: u32, kind: RefKind, index: u32) {
        let Some(from) = self.type_node(dex, from_type) else {
            return;
        };
        let target = match kind {
            RefKind::Method => dex.method_id(index).ok().map(|m| m.class_idx as u32),
            RefKind::Field => dex.field_id(index).ok().map(|f| f.class_idx as u32),
            RefKind::Type => Some(index),
            RefKind::String => {
                if let Ok(b) = dex.string_bytes(index) {
                    if b.len() >= 6 && b.len() <= 512 && b.contains(&b'.') {
                        self.graph
                            .string(from, String::from_utf8_lossy(b).into_owned());
                    }
                }
                None
            }
            _ => None,
        };
        if let Some(t) = target {
            if let Some(to) = self.type_node(dex, t) {
                self.graph.edge(from, to);
            }
        }
    }
}

/// The graph of one dex alone (used where no sensitive-call walk runs, e.g. tests).
pub fn dex_graph(dex: &Dex<'_>) -> ClassGraph {
    let mut g = ClassGraph::default();
    let mut b = DexGraphBuilder::new(&mut g, dex);
    b.add_class_defs(dex);
    let _ = dex.for_each_method_code(|def, _m, code| {
        if let Ok(code) = code {
            let _ = walk_refs(&code, |r| b.add_ref(dex, def.class_idx, r.kind, r.index));
        }
    });
    g.finish();
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_referrers_closure_keeps_what_reaches_the_roots() {
        // a -> b -> c (root); d -> a; c -> e; f alone; g -> e
        let mut g = ClassGraph::default();
        let ids: Vec<u32> = ["x.A", "x.B", "x.C", "x.D", "x.E", "x.F", "x.G"]
            .iter()
            .map(|n| g.define(n))
            .collect();
        let [a, b, c, d, e, _f, gg] = ids[..] else {
            unreachable!()
        };
        g.edge(a, b);
        g.edge(b, c);
        g.edge(d, a);
        g.edge(c, e);
        g.edge(gg, e);
        g.string(b, "host.example.com".into());
        g.string(e, "other.example.com".into());
        g.finish();
        let sub = g.referrers_closure([c]);
        let names: Vec<&str> = (0..sub.len() as u32).map(|i| sub.name(i)).collect();
        assert_eq!(names, ["x.A", "x.B", "x.C", "x.D"]);
        let named = |(x, y): (u32, u32)| (sub.name(x), sub.name(y));
        let edges: Vec<_> = sub.edges().iter().map(|&e| named(e)).collect();
        assert_eq!(edges, [("x.A", "x.B"), ("x.B", "x.C"), ("x.D", "x.A")]);
        assert_eq!(sub.strings(), [(1, "host.example.com".to_string())]);
        assert!((0..sub.len() as u32).all(|i| sub.is_defined(i)));
        assert_eq!(g.referrers_closure([]).len(), 0);
        // a cycle, and a root out of range
        g.edge(c, a);
        g.finish();
        assert_eq!(g.referrers_closure([a, 99]).len(), 4);
    }
}
