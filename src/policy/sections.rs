//! Sections that announce a list (an SDK or third-party sharing list, a permission list, a
//! collected-data list) and, after all readers ran, those that yielded no item: the reader
//! says so with the line instead of staying silent (`DeclaredPolicy::unread_sections`).
//!
//! The cue words are data (`[section_cues]` in `data/policy_terms.toml`). A heading-like
//! line names a subject and a list word ("第三方SDK清单", "应用权限列表", "个人信息收集清单",
//! "Third-party SDK list"; an SDK or permission Markdown heading of at most 20 characters
//! needs no list word: "## Permissions"). Its section runs to the next such heading, or to
//! the next Markdown heading of the same or a higher level. A section whose lines are all
//! empty (a table of contents, a parent heading) or that says there is nothing to list
//! ("本应用未接入第三方SDK") is not reported. One pass over the lines; each line is
//! normalised once.

use super::{DeclaredPolicy, Source};
use crate::text::match_norm;
use serde::Serialize;

/// A section that looks like a list but yielded no item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreadSection {
    /// `SDK`, `permission` or `data`.
    pub kind: &'static str,
    /// 1-based line of its heading.
    pub line: usize,
    /// The heading as written (trimmed, ≤ ~300 characters).
    pub text: String,
    /// The policy file it is in (set when several policies are merged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// A heading-like line: a Markdown heading, or a short line that is not a key:value pair,
/// a table row or a sentence (`norm` is the line through [`match_norm`]).
pub(crate) fn heading_like(orig: &str, norm: &str) -> bool {
    let t = orig.trim();
    if t.starts_with('#') {
        return true;
    }
    let n = norm.trim();
    if n.is_empty() || n.contains('|') || n.contains('。') || n.chars().count() > 40 {
        return false;
    }
    let body = n.trim_end_matches([':', '：']);
    !body.contains(':') && !body.contains('：')
}

fn has_any(s: &str, words: &[String]) -> bool {
    words.iter().any(|w| s.contains(w.as_str()))
}

/// The kind of list a heading announces, if any.
pub(crate) fn list_kind(orig: &str, norm: &str) -> Option<&'static str> {
    if !heading_like(orig, norm) {
        return None;
    }
    let cues = super::vocab::section_cues();
    let n = norm.trim();
    let md = orig.trim_start().starts_with('#');
    let listed = has_any(n, &cues.list);
    let short_md = md && n.trim_start_matches('#').trim().chars().count() <= 20;
    let sdk = has_any(n, &cues.sdk);
    let perm = has_any(n, &cues.permission);
    if sdk && (!perm || n.contains("sdk")) && (listed || short_md) {
        Some("SDK")
    } else if perm && (listed || short_md) {
        Some("permission")
    } else if has_any(n, &cues.data) && listed {
        Some("data")
    } else {
        None
    }
}

fn md_level(orig: &str) -> usize {
    orig.trim_start().chars().take_while(|c| *c == '#').count()
}

/// Whether any declared item lies on a line in `from..to` (`to == from`: that line only).
fn yielded(pol: &DeclaredPolicy, from: usize, to: usize) -> bool {
    let inside = |s: &Source| {
        if to > from {
            (from..to).contains(&s.line)
        } else {
            s.line == from
        }
    };
    pol.sdks.iter().any(|s| inside(&s.source))
        || pol.permissions.iter().any(|p| inside(&p.source))
        || pol.data_types.iter().any(|d| inside(&d.source))
        || pol.vague.iter().any(|v| inside(&v.source))
}

/// Read the list sections of `lines` (reported 1-based line, text as written): data types
/// named on the lines of a collected-data list are declared (one per line and type), then
/// the sections that yielded no item of `pol` are stored in `pol.unread`.
pub fn read_sections(lines: &[(usize, &str)], vocab: &super::Vocabulary, pol: &mut DeclaredPolicy) {
    let norm: Vec<String> = lines.iter().map(|(_, l)| match_norm(l)).collect();
    // (index into lines, kind, Markdown level)
    let heads: Vec<(usize, &'static str, usize)> = lines
        .iter()
        .zip(&norm)
        .enumerate()
        .filter_map(|(i, ((_, o), n))| list_kind(o, n).map(|k| (i, k, md_level(o))))
        .collect();
    let cues = super::vocab::section_cues();
    let mut sections = Vec::new();
    let mut next_head = 0usize;
    for &(i, kind, level) in &heads {
        while heads.get(next_head).is_some_and(|h| h.0 <= i) {
            next_head += 1;
        }
        let limit = heads.get(next_head).map_or(lines.len(), |h| h.0);
        // the section ends at the next list heading, or a Markdown heading of its level
        let mut end = limit;
        let mut content = Vec::new();
        for j in i + 1..limit {
            let o = lines.get(j).map_or("", |l| l.1);
            let l = md_level(o);
            if level > 0 && l > 0 && l <= level {
                end = j;
                break;
            }
            if let Some(n) = norm.get(j).filter(|n| !n.trim().is_empty()) {
                if content.len() < 3 {
                    content.push(n.as_str());
                }
            }
        }
        // an empty section (a table of contents, a parent heading), or an introduction
        // followed by the list itself under a heading of the same kind
        if content.is_empty() || (end == limit && heads.get(next_head).is_some_and(|h| h.1 == kind))
        {
            continue;
        }
        let head_norm = norm.get(i).map_or("", String::as_str);
        if std::iter::once(head_norm)
            .chain(content.iter().copied())
            .any(|n| has_any(n, &cues.none))
        {
            continue;
        }
        sections.push((i, kind, end));
    }
    // a collected-data list declares the data types its lines name
    let mut have: std::collections::HashSet<(String, usize)> = pol
        .data_types
        .iter()
        .map(|d| (d.id.clone(), d.source.line))
        .collect();
    for &(i, _, end) in sections.iter().filter(|s| s.1 == "data") {
        for (line, text) in lines.get(i + 1..end).unwrap_or(&[]) {
            for id in vocab.data_types_in(text) {
                if have.insert((id.clone(), *line)) {
                    pol.data_types.push(super::DeclaredData {
                        id,
                        source: Source::new(*line, text),
                    });
                }
            }
        }
    }
    let mut out = Vec::new();
    for (i, kind, end) in sections {
        let from = lines.get(i).map_or(0, |l| l.0);
        let to = lines.get(end).map_or(usize::MAX, |l| l.0);
        if !yielded(pol, from, to) {
            let text = lines.get(i).map_or("", |l| l.1);
            out.push(UnreadSection {
                kind,
                line: from,
                text: crate::text::clip(text.trim().trim_start_matches('#').trim(), 300),
                file: None,
            });
        }
    }
    pol.unread = out;
}

/// The warning for an unread section.
pub fn warning(u: &UnreadSection) -> String {
    let what = match u.kind {
        "SDK" => "an SDK or third-party sharing list, but no SDK row",
        "permission" => "a permission list, but no permission",
        _ => "a collected-data list, but no data type",
    };
    format!(
        "line {}: \"{}\" looks like {what} was read under it (format not understood, or the list is elsewhere)",
        u.line,
        crate::text::clip(&u.text, 80)
    )
}
