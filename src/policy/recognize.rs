//! Whole-document recognition: after the structural readers, one pass over the text
//! normalised once ([`crate::text::match_norm`]) finds every known SDK and permission
//! named in a place that reads like an entry of a list, table or block, whatever the
//! layout:
//!
//! - **SDKs**: every alias, package prefix (and, for company-only rows, vendor legal name)
//!   of the signature database, through one automaton built in `Knowledge`. A hit counts
//!   inside an SDK context (after a line that talks about SDKs or third parties, until a
//!   Markdown heading or a permission heading) when it starts its cell, bullet or line
//!   (after enumerators, bullets and a short "label:") and what follows is a delimiter, a
//!   bracket or a short tail ("推送通知消息(OPPO推送SDK)", "Google AdMob - for ads",
//!   "[Crashlytics from Fabric](…)"; the "from Fabric" vendor is not a second SDK). An alias
//!   several SDKs share ("快手SDK") is decided by the category words around it (登录 →
//!   social, 广告 → ads). Cells and list items in an SDK context that name an unknown SDK
//!   ("极准瑞量广告 SDK", "Github Pages" among resolved sibling bullets) are kept by name.
//! - **Permissions**: constants anywhere (`android.permission.X`, `Manifest.permission.X`,
//!   bare `ACCESS_FINE_LOCATION`; a bare one-word constant such as `CAMERA` in a permission
//!   context or quoted), and Android's own labels and display names at the start of an entry
//!   outside SDK rows (short names such as "相机" only in a permission context). A line that
//!   names constants declares exactly those ("存储（android.permission.WRITE_EXTERNAL_STORAGE）"
//!   is WRITE only).
//!
//! Each step is bounded: units are cut at 300 bytes around a hit, every hit is looked at
//! once, so the pass is linear in the document.

use super::vocab::Vocabulary;
use super::{DeclaredPermission, DeclaredPolicy, DeclaredSdk, Source};
use crate::knowledge::policy_names::{NameKind, PolicyNames};
use crate::text::match_norm;

/// Function words that mark running text before a name.
const FUNCTION_WORDS: &[&str] = &[
    "使用", "通过", "用于", "的", "和", "与", "及", "或", "在", "您", "你", "我们", "以", "向",
    "由", "将", "会", "如", "例如", "包括", "需要", "是", "被", "对", "从", "为", "了", "use",
    "using", "with", "via", "through", "and", "or", "the", "by", "from", "for", "of", "to", "in",
    "on", "such as", "like", "is", "are", "your", "our", "we", "this", "that",
];
/// Category words that decide between SDKs sharing an alias.
const CATEGORY_CUES: &[(&str, &str)] = &[
    ("登录", "social"),
    ("登陆", "social"),
    ("分享", "social"),
    ("授权", "social"),
    ("login", "social"),
    ("sign in", "social"),
    ("share", "social"),
    ("广告", "ads"),
    ("advertis", "ads"),
    ("推送", "push"),
    ("push", "push"),
    ("统计", "analytics"),
    ("analytics", "analytics"),
    ("地图", "location"),
    ("定位", "location"),
    ("location", "location"),
    ("支付", "payment"),
    ("payment", "payment"),
    ("崩溃", "crash"),
    ("crash", "crash"),
];

/// Per-line context flags.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    sdk: bool,
    perm: bool,
}

fn has_any<S: AsRef<str>>(s: &str, words: &[S]) -> bool {
    words.iter().any(|w| s.contains(w.as_ref()))
}

fn contexts(orig: &[&str], norm: &[&str]) -> Vec<Ctx> {
    let mut out = Vec::with_capacity(norm.len());
    let mut cur = Ctx::default();
    // Markdown level of the heading that opened the context (7: opened by a plain line)
    let mut level = 7usize;
    let cues = super::vocab::section_cues();
    for (k, n) in norm.iter().enumerate() {
        let o = orig.get(k).copied().unwrap_or("");
        let md = o.trim_start().chars().take_while(|c| *c == '#').count();
        if super::sections::heading_like(o, n) {
            let sdk = has_any(n, &cues.sdk);
            let perm = has_any(n, &cues.permission) || has_any(n, &cues.permission_context);
            let at = if md > 0 { md } else { 7 };
            if sdk && (!perm || n.contains("sdk")) {
                cur = Ctx {
                    sdk: true,
                    perm: false,
                };
                level = at;
            } else if perm {
                cur = Ctx {
                    sdk: false,
                    perm: true,
                };
                level = at;
            } else if super::sections::list_kind(o, n) == Some("data") {
                // a collected-data list ("个人信息收集清单"): its data names are no labels
                cur = Ctx::default();
                level = at;
            } else if md > 0 && (md <= level || level == 7) {
                // a sibling or parent heading ends the section; a subsection keeps it
                cur = Ctx::default();
                level = 7;
            }
        } else if has_any(n, &cues.sdk_strong) && !cur.sdk {
            cur.sdk = true;
        } else if !cur.perm
            && (has_any(n, &cues.permission) || has_any(n, &cues.permission_context))
            && n.chars().count() <= 80
            && !n.contains([':', '：'])
            && !has_any(n, &cues.sdk)
        {
            // a short line such as "权限名称 业务功能 场景说明" (a flattened header); not a
            // "所需权限：…" field of an SDK block, nor an SDK table's header with a
            // permission column ("| SDK名称 | … | 所需权限 |")
            cur.perm = true;
        }
        out.push(cur);
    }
    out
}

fn line_of(starts: &[usize], pos: usize) -> usize {
    match starts.binary_search(&pos) {
        Ok(i) => i,
        Err(i) => i.saturating_sub(1),
    }
}

fn is_unit_sep(c: char) -> bool {
    matches!(c, '|' | '\t' | '<' | '>' | '。' | '；' | ';')
}

/// Bounds (byte offsets in `line`) of the cell/sentence around `[s, e)`, at most 300 bytes
/// each side.
fn unit_bounds(line: &str, s: usize, e: usize) -> (usize, usize) {
    let mut a = s;
    let lim = s.saturating_sub(300);
    for (i, c) in line.get(..s).unwrap_or("").char_indices().rev() {
        if i < lim {
            a = i;
            break;
        }
        if is_unit_sep(c) {
            break;
        }
        a = i;
    }
    let mut b = e;
    let rest = line.get(e..).unwrap_or("");
    for (i, c) in rest.char_indices() {
        if i > 300 || is_unit_sep(c) {
            break;
        }
        b = e + i + c.len_utf8();
    }
    (a, b)
}

/// Strip enumerators, bullets, quotes, link brackets and one short "label:" from the start.
fn strip_entry_prefix(p: &str) -> &str {
    strip_prefix_with(p, true)
}

fn strip_prefix_with(p: &str, labels: bool) -> &str {
    let mut t = p;
    loop {
        let before = t.len();
        t = t.trim_start_matches(|c: char| {
            c.is_whitespace()
                || c.is_ascii_digit()
                || matches!(
                    c,
                    '-' | '•'
                        | '·'
                        | '>'
                        | '#'
                        | '+'
                        | '.'
                        | '、'
                        | ')'
                        | '('
                        | '['
                        | '"'
                        | '“'
                        | '「'
                        | '【'
                        | '《'
                        | '_'
                        | '~'
                        | '='
                        | '●'
                        | '○'
                        | '■'
                        | '□'
                        | '◆'
                        | '▪'
                        | '–'
                        | '—'
                        | '!'
                )
        });
        // Chinese numerals as enumerators: "一、", "(十二)"
        let cn: usize = t
            .char_indices()
            .take_while(|(_, c)| "一二三四五六七八九十".contains(*c))
            .map(|(i, c)| i + c.len_utf8())
            .last()
            .unwrap_or(0);
        if cn > 0 {
            let rest = t.get(cn..).unwrap_or("");
            if rest.starts_with(['、', '.', ')', ' ']) {
                t = rest;
            }
        }
        if let Some(x) = t.strip_prefix("第") {
            if let Some(p) = x.find(['条', '项', '章']) {
                if p <= 6 {
                    t = x.get(p + 3..).unwrap_or("");
                }
            }
        }
        // a short label: "sdk名称：", "产品/类型:", "name:"
        if let Some(p) = t.find([':', '：']).filter(|_| labels) {
            let label = t.get(..p).unwrap_or("");
            if label.chars().count() <= 15 && !label.contains("http") {
                let w = if t.get(p..).is_some_and(|x| x.starts_with(':')) {
                    1
                } else {
                    '：'.len_utf8()
                };
                t = t.get(p + w..).unwrap_or("");
            }
        }
        if t.len() == before {
            return t;
        }
    }
}

fn has_function_word(p: &str) -> bool {
    FUNCTION_WORDS.iter().any(|w| {
        if w.is_ascii() {
            // ASCII words at word boundaries
            p.split(|c: char| !c.is_ascii_alphanumeric() && c != ' ')
                .any(|seg| {
                    seg.split(' ')
                        .collect::<Vec<_>>()
                        .windows(w.split(' ').count())
                        .any(|win| win.join(" ") == *w)
                })
        } else {
            p.contains(w)
        }
    })
}

/// The prefix before a name allows it to start an entry.
fn prefix_ok(prefix: &str) -> bool {
    let p = strip_entry_prefix(prefix).trim();
    p.is_empty()
        || (p.chars().count() <= 10
            && !has_function_word(p)
            && !p.contains([',', '，', ':', '：', '!', '?', '、']))
}

/// Skip an SDK suffix and a bracketed part after a name.
fn skip_name_tail(s: &str) -> &str {
    let mut t = s.trim_start();
    loop {
        let before = t.len();
        for suf in ["sdk", "kit", "插件", "服务", "开放平台", "平台"] {
            if let Some(x) = t.strip_prefix(suf) {
                t = x.trim_start();
            }
        }
        if t.starts_with(['(', '（']) {
            if let Some(close) = t.find([')', '）']) {
                if close <= 120 {
                    t = t
                        .get(close..)
                        .map(|x| x.trim_start_matches([')', '）']))
                        .unwrap_or("")
                        .trim_start();
                }
            }
        }
        if t.len() == before {
            return t;
        }
    }
}

/// What follows a name allows it to be an entry.
fn suffix_ok(suffix: &str) -> bool {
    let t = skip_name_tail(suffix);
    if t.is_empty()
        || t.starts_with([
            '-', '–', '—', ':', '：', '(', '（', '[', ']', '、', ',', '，', '/', '|', '&', ';',
            '；', '"', '”', '」', '】', '》', '.', '+',
        ])
        || t.starts_with("from ")
        || t.starts_with("by ")
        || t.starts_with("及")
        || t.starts_with("和")
    {
        return true;
    }
    t.chars().count() <= 20
}

/// The whitespace-delimited token around `[s, e)` is a URL, domain or e-mail address.
fn in_url(line: &str, s: usize, e: usize) -> bool {
    let (line, s, e) = window(line, s, e, 300);
    let a = line
        .get(..s)
        .and_then(|x| x.rfind(|c: char| c.is_whitespace() || "()（）[]|<>\"'，,".contains(c)))
        .map(|p| p + 1)
        .unwrap_or(0);
    let b = line
        .get(e..)
        .and_then(|x| x.find(|c: char| c.is_whitespace() || "()（）[]|<>\"'，,".contains(c)))
        .map(|p| e + p)
        .unwrap_or(line.len());
    let tok = line.get(a.min(s)..b.max(e)).unwrap_or("");
    tok.contains("://") || tok.contains("www.") || tok.contains('@') || {
        // a domain: the name touches ".com", ".cn", ".net", ".org", ".io"
        let after = line.get(e..b.max(e)).unwrap_or("");
        [".com", ".cn", ".net", ".org", ".io", ".html"]
            .iter()
            .any(|d| after.starts_with(d))
    }
}

/// The part of `line` at most `r` bytes around `[s, e)` (on character boundaries), with
/// the span's offsets in it: keeps per-hit work bounded on a very long line.
fn window(line: &str, s: usize, e: usize, r: usize) -> (&str, usize, usize) {
    let mut a = s.saturating_sub(r);
    while a > 0 && !line.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = (e + r).min(line.len());
    while b < line.len() && !line.is_char_boundary(b) {
        b += 1;
    }
    (line.get(a..b).unwrap_or(""), s - a, e - a)
}

/// Pick one id among an alias's own ids and its family (longer aliases of the same brand)
/// by the category words near the name: an own id whose category is named wins, then a
/// family id whose category is named (earliest cue first), else the first own id.
fn pick_by_category(
    names: &PolicyNames,
    ids: &[String],
    family: &[String],
    window: &str,
) -> Option<String> {
    if ids.len() <= 1 && family.is_empty() {
        return ids.first().cloned();
    }
    let mut cues: Vec<(usize, &str)> = CATEGORY_CUES
        .iter()
        .filter_map(|(w, c)| window.find(w).map(|p| (p, *c)))
        .collect();
    cues.sort();
    let cat_of = |id: &String| names.category.get(id).map(String::as_str);
    for (_, cat) in &cues {
        if let Some(id) = ids.iter().find(|id| cat_of(id) == Some(*cat)) {
            return Some(id.clone());
        }
    }
    for (_, cat) in &cues {
        if let Some(id) = family.iter().find(|id| cat_of(id) == Some(*cat)) {
            return Some(id.clone());
        }
    }
    ids.first().cloned()
}

/// Cut a unit of the original line to the name: up to " - ", "：", "](", a bracket that
/// does not hold a package, or a comma.
fn name_from_unit(unit: &str) -> String {
    name_from_unit_at(unit, "")
}

/// [`name_from_unit`] for a unit where the known name `hit` (normalised) was found: when
/// the hit sits in the "label" of "label：text" ("“华为HMS”：由…提供"), the label is the name.
fn name_from_unit_at(unit: &str, hit: &str) -> String {
    if !hit.is_empty() {
        let t = unit.trim();
        if let Some(p) = t.find([':', '：']) {
            let label = t.get(..p).unwrap_or("");
            if match_norm(label).contains(hit) && !label.contains("](") && !label.contains("http") {
                let l = cut_name(strip_entry_prefix_orig(label));
                if !l.is_empty() {
                    return l;
                }
            }
        }
    }
    cut_name(strip_entry_prefix_orig(unit))
}

/// The name at the start of an entry: up to " - ", "](", "：", a comma or " from "/" by ".
fn cut_name(t: &str) -> String {
    let mut end = t.len();
    for pat in [
        " - ", " – ", " — ", "](", "：", ": ", "，", ", ", "。", " from ", " by ", "”", "\"",
    ] {
        if let Some(p) = t.find(pat) {
            if p > 0 {
                end = end.min(p);
            }
        }
    }
    let n = t.get(..end).unwrap_or(t).trim();
    n.trim_end_matches([']', ')', ':', '：', '*', ' '])
        .trim()
        .trim_matches(['“', '”', '"', '「', '」'])
        .trim()
        .to_string()
}

/// Like [`strip_entry_prefix`] on original (not normalised) text.
fn strip_entry_prefix_orig(s: &str) -> &str {
    let t = s.trim();
    let t = t.trim_start_matches(|c: char| {
        c.is_whitespace()
            || c.is_ascii_digit()
            || matches!(
                c,
                '-' | '•'
                    | '·'
                    | '>'
                    | '#'
                    | '+'
                    | '.'
                    | '、'
                    | ')'
                    | '('
                    | '['
                    | '*'
                    | '_'
                    | '`'
                    | '“'
                    | '"'
                    | '（'
                    | '）'
                    | '【'
                    | '●'
                    | '○'
                    | '■'
                    | '–'
                    | '—'
            )
            || ('\u{2460}'..='\u{24FF}').contains(&c)
            || ('\u{2776}'..='\u{2793}').contains(&c)
    });
    let cn: usize = t
        .char_indices()
        .take_while(|(_, c)| "一二三四五六七八九十".contains(*c))
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    let t = if cn > 0
        && t.get(cn..)
            .is_some_and(|r| r.starts_with(['、', '.', '．']))
    {
        t.get(cn..)
            .unwrap_or("")
            .trim_start_matches(['、', '.', '．'])
    } else {
        t
    };
    if let Some(p) = t.find([':', '：']) {
        let label = t.get(..p).unwrap_or("");
        let rest = t
            .get(p..)
            .unwrap_or("")
            .trim_start_matches([':', '：'])
            .trim();
        if label.chars().count() <= 15 && !label.contains("http") && !rest.is_empty() {
            return rest;
        }
    }
    t
}

/// Split an original line into units the way the normalised line is split (cells by `|`,
/// tabs, runs of two or more spaces and HTML tags; sentences by 。；;).
fn orig_units(line: &str) -> Vec<&str> {
    // the normalised line has no leading or trailing whitespace
    let line = line.trim();
    let mut out = Vec::new();
    let mut start = 0usize;
    let b = line.as_bytes();
    let mut i = 0usize;
    while i < line.len() {
        let c = line.get(i..).and_then(|s| s.chars().next()).unwrap_or(' ');
        let w = c.len_utf8();
        let two_spaces = c == ' ' && b.get(i + 1) == Some(&b' ');
        if is_unit_sep(c) || two_spaces {
            out.push(line.get(start..i).unwrap_or(""));
            let mut j = i + w;
            while j < line.len() && b.get(j) == Some(&b' ') {
                j += 1;
            }
            start = j;
            i = j;
            continue;
        }
        i += w;
    }
    out.push(line.get(start..).unwrap_or(""));
    out
}

/// Index of the unit holding byte `pos` of a normalised line.
fn unit_index(norm_line: &str, pos: usize) -> usize {
    norm_line
        .get(..pos)
        .unwrap_or("")
        .chars()
        .filter(|c| is_unit_sep(*c))
        .count()
}

/// `pat` (normalised) as the original line writes it, when a case-insensitive search finds
/// it; else `pat`.
fn as_written(orig: &str, pat: &str) -> String {
    let lower = orig.to_lowercase();
    if lower.len() == orig.len() {
        if let Some(at) = lower.find(pat) {
            if let Some(o) = orig.get(at..at + pat.len()) {
                return o.to_string();
            }
        }
    }
    pat.to_string()
}

/// The sentence around `[s, e)` says the SDK is not used.
fn denied(line: &str, s: usize, e: usize) -> bool {
    let (line, s, e) = window(line, s, e, 300);
    let seps = ['。', '.', '!', '?', '！', '？', ';', '；'];
    let a = line
        .get(..s)
        .and_then(|x| x.rfind(seps))
        .map(|p| p + 1)
        .unwrap_or(0);
    let b = line
        .get(e..)
        .and_then(|x| x.find(seps))
        .map(|p| e + p)
        .unwrap_or(line.len());
    let a = a.max(s.saturating_sub(300));
    let b = b.min(e + 300);
    let mut a = a;
    while a > 0 && !line.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = b.min(line.len());
    while b < line.len() && !line.is_char_boundary(b) {
        b += 1;
    }
    let sentence = line.get(a..b).unwrap_or("");
    has_any(
        sentence,
        &[
            "不使用",
            "未使用",
            "没有使用",
            "不会使用",
            "未接入",
            "没有接入",
            "不接入",
            "未集成",
            "没有集成",
            "不集成",
            "not use",
            "don't use",
            "do not use",
            "does not use",
            "doesn't use",
            "no longer",
            "never",
            "without",
            "not include",
            "not contain",
            "removed",
        ],
    )
}

/// The line is a "label: value" whose label is a data, purpose, scenario, company or
/// permission field: names inside it are not SDK entries.
fn value_of_other_field(line: &str) -> bool {
    let t = line.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, '-' | '•' | '·' | '>' | '+' | '|')
    });
    let Some(p) = t.find([':', '：']) else {
        return false;
    };
    let label = t.get(..p).unwrap_or("");
    if label.chars().count() > 15 || label.contains("http") || label.is_empty() {
        return false;
    }
    non_name_label(label)
}

/// Generic SDK mentions that name no product ("第三方SDK", "广告SDK").
fn generic_sdk_name(n: &str) -> bool {
    let core = n.trim_end_matches("sdk").trim();
    core.chars().count() <= 2
        || has_any(
            core,
            &[
                "第三方",
                "三方",
                "相关",
                "上述",
                "以下",
                "其他",
                "其它",
                "部分",
                "这些",
                "该",
                "此类",
                "某些",
                "接入",
                "集成",
                "使用",
                "我们",
                "您",
                "third",
                "the ",
                "this",
                "these",
                "other",
                "following",
                "各类",
                "各种",
                "如下",
            ],
        )
}

/// Run the whole-document pass over `text` (the lines structural readers read), adding SDK
/// rows and permissions not found yet. `skip[k]` marks lines of tables whose rows were
/// read structurally.
pub fn recognise(text: &str, vocab: &Vocabulary, pol: &mut DeclaredPolicy, skip: &[bool]) {
    let Some(names) = vocab.names.as_deref() else {
        return;
    };
    let norm = match_norm(text);
    let norm_lines: Vec<&str> = norm.split('\n').collect();
    let orig_lines: Vec<&str> = text.split('\n').collect();
    let ctx = contexts(&orig_lines, &norm_lines);
    let mut starts = Vec::with_capacity(norm_lines.len());
    let mut off = 0usize;
    for l in &norm_lines {
        starts.push(off);
        off += l.len() + 1;
    }
    sdks(
        names,
        &norm,
        &norm_lines,
        &orig_lines,
        &ctx,
        skip,
        &starts,
        pol,
    );
    permissions(names, &norm, &norm_lines, &orig_lines, &ctx, &starts, pol);
}

#[allow(clippy::too_many_arguments)]
fn sdks(
    names: &PolicyNames,
    norm: &str,
    norm_lines: &[&str],
    orig_lines: &[&str],
    ctx: &[Ctx],
    skip: &[bool],
    starts: &[usize],
    pol: &mut DeclaredPolicy,
) {
    let mut have: std::collections::HashSet<String> =
        pol.sdks.iter().filter_map(|s| s.id.clone()).collect();
    // per line: whether an accepted known SDK started an entry there (for sibling bullets)
    let mut resolved_line = vec![false; norm_lines.len()];
    let mut field_cache: Option<(usize, bool)> = None;
    // (line, lower-cased original line, search cursor) for the capital-letter check
    let mut case_cursor: Option<(usize, String, usize)> = None;
    for h in names.sdk_hits(norm) {
        let Some(p) = names.sdk.get(h.pat) else {
            continue;
        };
        if p.kind == NameKind::Vendor {
            continue;
        }
        let k = line_of(starts, h.start);
        if skip.get(k).copied().unwrap_or(false) {
            continue;
        }
        let Some(line) = norm_lines.get(k) else {
            continue;
        };
        let base = starts.get(k).copied().unwrap_or(0);
        let (s, e) = (h.start - base, h.end - base);
        let (a, b) = unit_bounds(line, s, e);
        let unit = line.get(a..b).unwrap_or("");
        let c = ctx.get(k).copied().unwrap_or_default();
        if p.kind == NameKind::Alias && in_url(line, s, e) {
            continue;
        }
        let other_field = match field_cache {
            Some((l, v)) if l == k => v,
            _ => {
                let v = value_of_other_field(line.get(..line.len().min(200)).unwrap_or(line));
                field_cache = Some((k, v));
                v
            }
        };
        if other_field {
            continue;
        }
        let prefix = line.get(a..s).unwrap_or("");
        let suffix = line.get(e..b).unwrap_or("");
        let entry = (c.sdk || unit.contains("sdk")) && prefix_ok(prefix) && suffix_ok(suffix);
        // In running text an SDK counts when it is called one ("集成友盟+SDK") or its name is
        // a developer product (analytics, crash, push, ads, hot-fix, risk control), and the
        // sentence does not deny using it.
        let named_sdk = {
            let t = suffix.trim_start_matches([' ', '+', '-']);
            t.starts_with("sdk") || t.starts_with("插件") || t.starts_with("kit")
        };
        let developer = p.ids.iter().all(|id| {
            names.category.get(id).is_some_and(|c| {
                matches!(
                    c.as_str(),
                    "analytics" | "crash" | "push" | "ads" | "hotfix" | "risk-control"
                )
            })
        }) && p.text.chars().count() >= if p.text.is_ascii() { 4 } else { 2 };
        // An ASCII name in running text is a brand when written with a capital ("Umeng",
        // not "adjust").
        let cased = named_sdk || !p.text.is_ascii() || {
            let orig = orig_lines.get(k).copied().unwrap_or("");
            if case_cursor.as_ref().map(|c| c.0) != Some(k) {
                case_cursor = Some((k, orig.to_ascii_lowercase(), 0));
            }
            match case_cursor.as_mut() {
                Some((_, lower, cur)) => {
                    // hits come in order, so each search continues where the last stopped
                    match lower.get(*cur..).and_then(|x| x.find(p.text.as_str())) {
                        Some(at) => {
                            let at = *cur + at;
                            *cur = at + p.text.len();
                            orig.get(at..at + p.text.len())
                                .is_some_and(|o| o.chars().any(|c| c.is_ascii_uppercase()))
                        }
                        None => true,
                    }
                }
                None => true,
            }
        };
        let prose =
            p.kind == NameKind::Alias && (named_sdk || developer) && cased && !denied(line, s, e);
        if !entry && !prose {
            continue;
        }
        let after = line.get(e..(b + 200).min(line.len())).unwrap_or("");
        let mut window = String::from(unit);
        window.push_str(after);
        for next in norm_lines.iter().skip(k + 1).take(3) {
            window.push_str(next.get(..next.len().min(300)).unwrap_or(""));
        }
        // the brand family only for a bare brand ("快手SDK"), not "Firebase Crashlytics"
        let bare = {
            let t = skip_name_tail(suffix);
            t.is_empty() || !t.starts_with(|c: char| c.is_alphanumeric())
        };
        let family: &[String] = if bare { &p.family } else { &[] };
        let Some(id) = pick_by_category(names, &p.ids, family, &window) else {
            continue;
        };
        if let Some(r) = resolved_line.get_mut(k) {
            *r = true;
        }
        if have.contains(&id) {
            continue;
        }
        have.insert(id.clone());
        let orig = orig_lines.get(k).copied().unwrap_or("");
        let name = if entry {
            let units = orig_units(orig);
            let ui = unit_index(line, s);
            units
                .get(ui)
                .map(|u| name_from_unit_at(u, &p.text))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| crate::text::clip(orig.trim(), 60))
        } else {
            // in running text the name is the alias as written, with "SDK" when it says so
            let mut n = as_written(orig, &p.text);
            if named_sdk && !n.to_ascii_lowercase().ends_with("sdk") {
                n.push_str("SDK");
            }
            n
        };
        pol.sdks.push(DeclaredSdk {
            also: Vec::new(),
            id: Some(id),
            name: crate::text::clip(&name, 120),
            company: None,
            purpose: None,
            data_types: Vec::new(),
            data_text: None,
            permissions: Vec::new(),
            link: super::text::first_url(orig),
            source: Source::new(k + 1, orig),
        });
    }
    unknown_rows(
        names,
        norm_lines,
        orig_lines,
        ctx,
        skip,
        &resolved_line,
        pol,
    );
}

/// Unknown SDKs kept by name: a cell or entry in an SDK context ending in "SDK" that names
/// no known one, and items of a bullet list whose siblings are mostly known SDKs.
fn unknown_rows(
    names: &PolicyNames,
    norm_lines: &[&str],
    orig_lines: &[&str],
    ctx: &[Ctx],
    skip: &[bool],
    resolved_line: &[bool],
    pol: &mut DeclaredPolicy,
) {
    let folded = |s: &str| -> String {
        crate::text::fold(s)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
    };
    let mut known_names: std::collections::HashSet<String> =
        pol.sdks.iter().map(|s| folded(&s.name)).collect();
    let mut add = |pol: &mut DeclaredPolicy, k: usize, name: String| {
        let f = folded(&name);
        if f.is_empty() || known_names.contains(&f) || name.contains("://") || name.contains("www.")
        {
            return;
        }
        if !names.ids_in_name(&name).is_empty() {
            return;
        }
        known_names.insert(f);
        let orig = orig_lines.get(k).copied().unwrap_or("");
        pol.sdks.push(DeclaredSdk {
            also: Vec::new(),
            id: None,
            name,
            company: None,
            purpose: None,
            data_types: Vec::new(),
            data_text: None,
            permissions: Vec::new(),
            link: super::text::first_url(orig),
            source: Source::new(k + 1, orig),
        });
    };
    // (a) entries ending in "SDK"
    for (k, line) in norm_lines.iter().enumerate() {
        if skip.get(k).copied().unwrap_or(false) || !ctx.get(k).is_some_and(|c| c.sdk) {
            continue;
        }
        if resolved_line.get(k).copied().unwrap_or(false) || line.len() > 2000 {
            continue;
        }
        let orig = orig_lines.get(k).copied().unwrap_or("");
        if orig.trim_start().starts_with('#') {
            // a section title ("厂商通道SDK") is not a row
            continue;
        }
        let units = orig_units(orig);
        for (ui, u) in line.split(is_unit_sep).enumerate() {
            let body = strip_entry_prefix(u).trim();
            let core = body
                .split(['(', '（'])
                .next()
                .unwrap_or("")
                .trim()
                .trim_end_matches([':', '：']);
            if !core.ends_with("sdk") || core.chars().count() > 30 || generic_sdk_name(core) {
                continue;
            }
            if has_function_word(core.trim_end_matches("sdk")) {
                continue;
            }
            let name = units.get(ui).map(|o| name_from_unit(o)).unwrap_or_default();
            let name = name
                .split(['(', '（'])
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            if !name.is_empty() {
                add(pol, k, name);
            }
        }
    }
    // (c) a cell that is an SDK-name header ("SDK Name |", "SDK名称") names the SDK in the
    // next non-empty cell (key/value tables flattened to one cell per line)
    let (scols, _) = super::vocab::column_terms();
    let mut want_name = false;
    for (k, line) in norm_lines.iter().enumerate() {
        if line.len() > 2000 || skip.get(k).copied().unwrap_or(false) {
            want_name = false;
            continue;
        }
        let orig = orig_lines.get(k).copied().unwrap_or("");
        let units = orig_units(orig);
        for (ui, u) in line.split(is_unit_sep).enumerate() {
            let t = u.trim().trim_end_matches([':', '：']).trim();
            if t.is_empty() {
                continue;
            }
            let h = crate::text::squash_header(t);
            let (_, pcols) = super::vocab::column_terms();
            let any_header = h.chars().count() <= 20
                && scols
                    .iter()
                    .chain(pcols.iter())
                    .any(|(_, syn)| syn.contains(&h));
            let is_label = h.chars().count() <= 20
                && scols
                    .iter()
                    .any(|(f, syn)| f == "sdk_name" && syn.contains(&h));
            if any_header && !is_label {
                want_name = false;
                continue;
            }
            let c = ctx.get(k).copied().unwrap_or_default();
            if want_name && !is_label && c.sdk && !c.perm {
                let name = units
                    .get(ui)
                    .map(|o| o.trim().trim_end_matches('|').trim().to_string())
                    .unwrap_or_default();
                if !name.is_empty() && name.chars().count() <= 60 {
                    add(pol, k, name);
                }
            }
            want_name = is_label;
        }
    }
    // (b) sibling bullets: runs of list items with the same marker
    let marker = |l: &str| -> Option<char> {
        let t = l.trim_start();
        let c = t.chars().next()?;
        if c == '[' && t.contains("](") {
            // a line that is one Markdown link: "[Firebase](https://…)"
            return Some('[');
        }
        (matches!(c, '-' | '*' | '•' | '+') && t.chars().nth(1).is_some_and(|x| x == ' '))
            .then_some(c)
    };
    let mut k = 0usize;
    while k < orig_lines.len() {
        let Some(m) = orig_lines.get(k).and_then(|l| marker(l)) else {
            k += 1;
            continue;
        };
        let start = k;
        let mut end = k;
        // items may be separated by blank lines
        while k < orig_lines.len() {
            match orig_lines.get(k).map(|l| (marker(l), l.trim().is_empty())) {
                Some((Some(x), _)) if x == m => {
                    k += 1;
                    end = k;
                }
                Some((None, true)) => k += 1,
                _ => break,
            }
        }
        k = end.max(start + 1);
        let items: Vec<usize> = (start..end)
            .filter(|i| orig_lines.get(*i).and_then(|l| marker(l)).is_some())
            .collect();
        let n = items.len();
        let resolved = items
            .iter()
            .filter(|i| resolved_line.get(**i).copied().unwrap_or(false))
            .count();
        if n < 2 || resolved == 0 || (resolved < 2 && resolved * 2 < n) {
            continue;
        }
        for i in items {
            if resolved_line.get(i).copied().unwrap_or(false)
                || skip.get(i).copied().unwrap_or(false)
                || !ctx.get(i).is_some_and(|c| c.sdk)
            {
                continue;
            }
            let name = name_from_unit(orig_lines.get(i).copied().unwrap_or(""));
            if !name.is_empty() && name.chars().count() <= 40 {
                add(pol, i, name);
            }
        }
    }
}

fn permissions(
    names: &PolicyNames,
    norm: &str,
    norm_lines: &[&str],
    orig_lines: &[&str],
    ctx: &[Ctx],
    starts: &[usize],
    pol: &mut DeclaredPolicy,
) {
    let mut have: std::collections::HashSet<String> =
        pol.permissions.iter().map(|p| p.name.clone()).collect();
    let mut with_constants = vec![false; norm_lines.len()];
    let mut push = |pol: &mut DeclaredPolicy, name: String, k: usize| {
        if have.insert(name.clone()) {
            pol.permissions.push(DeclaredPermission {
                name,
                resolved: true,
                purpose: None,
                platform: None,
                source: Source::new(k + 1, orig_lines.get(k).copied().unwrap_or("")),
            });
        }
    };
    for (k, line) in norm_lines.iter().enumerate() {
        let c = ctx.get(k).copied().unwrap_or_default();
        // prefixed constants
        for tok in super::vocab::permission_tokens(line) {
            let full = names
                .constants
                .get(tok)
                .cloned()
                .unwrap_or_else(|| format!("android.permission.{}", tok.to_uppercase()));
            if let Some(w) = with_constants.get_mut(k) {
                *w = true;
            }
            push(pol, full, k);
        }
        // bare constants, on the original line (case matters)
        let orig = orig_lines.get(k).copied().unwrap_or("");
        let toks: Vec<(usize, &str)> = orig
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .scan(0usize, |_, t| Some(t))
            .filter(|t| !t.is_empty())
            .map(|t| (t.as_ptr() as usize - orig.as_ptr() as usize, t))
            .collect();
        let upper_words = toks
            .iter()
            .filter(|(_, t)| t.len() > 1 && t.chars().all(|c| c.is_ascii_uppercase()))
            .count();
        let caps_prose = upper_words >= 6 && upper_words * 2 > toks.len();
        for (at, t) in toks {
            let t = t.trim_matches('.');
            if t.contains('.') || t.len() < 4 {
                continue;
            }
            if !t
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            {
                continue;
            }
            let Some(full) = names.constants.get(&t.to_ascii_lowercase()).cloned() else {
                continue;
            };
            let quoted = {
                let before = orig.get(..at).and_then(|x| x.chars().next_back());
                matches!(before, Some('`' | '[' | '"' | '\'' | '“'))
            };
            if t.contains('_') || ((c.perm || quoted) && !caps_prose) {
                if let Some(w) = with_constants.get_mut(k) {
                    *w = true;
                }
                push(pol, full, k);
            }
        }
    }
    // display names and Android labels
    let mut found_line = vec![false; norm_lines.len()];
    for h in names.perm_hits(norm) {
        let Some(p) = names.perm.get(h.pat) else {
            continue;
        };
        let k = line_of(starts, h.start);
        if with_constants.get(k).copied().unwrap_or(false) {
            continue;
        }
        let c = ctx.get(k).copied().unwrap_or_default();
        if c.sdk && !c.perm {
            continue;
        }
        let Some(line) = norm_lines.get(k) else {
            continue;
        };
        let base = starts.get(k).copied().unwrap_or(0);
        let (s, e) = (h.start - base, h.end - base);
        // a name inside a link is part of its address (".../apps/photos/android/...")
        if in_url(line, s, e) {
            continue;
        }
        let (a, b) = unit_bounds(line, s, e);
        let prefix = line.get(a..s).unwrap_or("");
        let suffix = line.get(e..b).unwrap_or("").trim_start();
        let long = p.label
            && if p.text.is_ascii() {
                p.text.split(' ').count() >= 2
            } else {
                p.text.chars().count() >= 4
            };
        let pre = strip_entry_prefix(prefix).trim();
        let suffix_short = {
            let mut t = suffix;
            for v in ["使用", "访问", "调用", "读写", "获取"] {
                t = t.strip_prefix(v).unwrap_or(t);
            }
            let named = t.starts_with("权限") || t.starts_with(" permission");
            let t = t
                .trim_start_matches("权限")
                .trim_start_matches(" permissions")
                .trim_start_matches(" permission")
                .trim_start();
            named
                || t.is_empty()
                || t.starts_with([
                    '-', '–', '—', ':', '：', '(', '（', ')', '）', '[', ']', '、', ',', '，', '/',
                    '|', ';', '；', '.',
                ])
        };
        let ok = if long {
            pre.is_empty() && (c.perm || suffix_short || suffix.chars().count() <= 30)
        } else {
            c.perm && pre.is_empty() && suffix_short
        };
        if !ok {
            continue;
        }
        if let Some(f) = found_line.get_mut(k) {
            *f = true;
        }
        for perm in &p.perms {
            push(pol, perm.clone(), k);
        }
    }
    // Entry heads in a permission context written like a label of another Android version
    // or ROM, matched by character bigrams; and short-name lists in brackets after "权限"
    // ("获取相关权限（包括但不限于相机、相册、麦克风、SD卡等）").
    let mut entries = 0usize;
    for (k, line) in norm_lines.iter().enumerate() {
        if found_line.get(k).copied().unwrap_or(false)
            || with_constants.get(k).copied().unwrap_or(false)
        {
            continue;
        }
        let c = ctx.get(k).copied().unwrap_or_default();
        if c.perm && entries < 5000 {
            let head = strip_prefix_with(line.split(['\t', '|']).next().unwrap_or(""), false);
            let end = head
                .find([':', '：', '(', '（', '。', ',', '，', ';', '；', '-'])
                .unwrap_or(head.len());
            let head = head.get(..end).unwrap_or("").trim();
            let head = head.strip_suffix("权限").unwrap_or(head);
            let n = head.chars().count();
            // character bigrams carry meaning in Chinese, not in English words
            if (3..=24).contains(&n) && !head.is_ascii() {
                entries += 1;
                if let Some(perms) = names.fuzzy_label(head) {
                    for perm in perms {
                        push(pol, perm.clone(), k);
                    }
                    continue;
                }
            }
        }
        bracket_list(names, line, k, pol, &mut push);
    }
}

/// Short permission names listed in brackets right after "权限": each part that is exactly
/// a display name.
fn bracket_list(
    names: &PolicyNames,
    line: &str,
    k: usize,
    pol: &mut DeclaredPolicy,
    push: &mut dyn FnMut(&mut DeclaredPolicy, String, usize),
) {
    let mut from = 0usize;
    let mut seen = 0usize;
    while let Some(p) = line.get(from..).and_then(|x| x.find("权限(")) {
        seen += 1;
        if seen > 50 {
            break;
        }
        let at = from + p + "权限(".len();
        let inner = line.get(at..).unwrap_or("");
        let close = inner.find(')').unwrap_or(inner.len()).min(300);
        let mut body = inner.get(..close).unwrap_or("");
        for lead in ["包括但不限于", "包括", "例如", "如", "含"] {
            body = body.strip_prefix(lead).unwrap_or(body);
        }
        for part in body.split(['、', ',', '，', '/', '和', '及']) {
            let part = part.trim().trim_end_matches('等').trim();
            if part.chars().count() < 2 {
                continue;
            }
            if let Some(h) = names
                .perm_hits(part)
                .into_iter()
                .find(|h| h.start == 0 && h.end == part.len())
            {
                if let Some(pp) = names.perm.get(h.pat) {
                    for perm in &pp.perms {
                        push(pol, perm.clone(), k);
                    }
                }
            }
        }
        from = at;
    }
}

/// Labels whose value is not an SDK name ("服务类型：统计分析", "共享的信息: 位置信息").
fn non_name_label(label: &str) -> bool {
    let l = crate::text::squash_header(label);
    let (scols, pcols) = super::vocab::column_terms();
    let field = super::text::best_field(&l, scols);
    if matches!(field.as_deref(), Some("sdk_name") | Some("function_type")) {
        return false;
    }
    field.is_some()
        || super::text::best_field(&l, pcols).is_some()
        || has_any(
            &l,
            &[
                "信息",
                "类型",
                "type",
                "information",
                "data",
                "目的",
                "场景",
            ],
        )
}

/// After every reader: rows named "label: value" become the value (or are dropped when the
/// label is a data/purpose field), unresolved names that hold a known alias are resolved,
/// an alias several SDKs share is decided by the row's category words, and unresolved rows
/// that repeat another row's name are dropped.
pub fn tidy(pol: &mut DeclaredPolicy, vocab: &Vocabulary) {
    let Some(names) = vocab.names.as_deref() else {
        return;
    };
    let mut keep = Vec::with_capacity(pol.sdks.len());
    for mut s in std::mem::take(&mut pol.sdks) {
        if s.id.is_none() {
            let n = s.name.trim().to_string();
            if let Some(p) = n.find([':', '：']) {
                let label = n.get(..p).unwrap_or("");
                let value = n
                    .get(p..)
                    .unwrap_or("")
                    .trim_start_matches([':', '：'])
                    .trim()
                    .to_string();
                if label.chars().count() <= 15 && !label.contains("http") {
                    if !names.ids_in_name(&value).is_empty() || !non_name_label(label) {
                        s.name = value;
                    } else {
                        pol.warnings.push(format!(
                            "line {}: \"{}\" is a {label} field, not an SDK name; row skipped",
                            s.source.line,
                            crate::text::clip(&n, 40)
                        ));
                        continue;
                    }
                }
            }
        }
        let (ids, family) = names.candidates_in_name(&s.name);
        let window = match_norm(&format!(
            "{} {} {}",
            s.source.text,
            s.purpose.as_deref().unwrap_or(""),
            s.data_text.as_deref().unwrap_or("")
        ));
        // a loose match must not contradict the row's company ("号码认证SDK" by Tencent is
        // not Alibaba Cloud's)
        let row_brands = s
            .company
            .as_deref()
            .map(super::vocab::brands_of)
            .unwrap_or_default();
        let fits = |id: &String| -> bool {
            if row_brands.is_empty() {
                return true;
            }
            match vocab.vendors.iter().find(|(i, _)| i == id) {
                Some((_, v)) => {
                    let theirs = super::vocab::brands_of(v);
                    theirs.is_empty() || theirs.iter().any(|b| row_brands.contains(b))
                }
                None => true,
            }
        };
        let ids: Vec<String> = ids.into_iter().filter(|i| fits(i)).collect();
        let family: Vec<String> = family.into_iter().filter(|i| fits(i)).collect();
        match &s.id {
            None if !ids.is_empty() => s.id = pick_by_category(names, &ids, &family, &window),
            Some(id) if (ids.len() > 1 || !family.is_empty()) && ids.contains(id) => {
                s.id = pick_by_category(names, &ids, &family, &window)
            }
            _ => {}
        }
        keep.push(s);
    }
    let fold = |s: &str| -> String {
        crate::text::fold(s)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect()
    };
    let named: std::collections::HashSet<String> = keep
        .iter()
        .filter(|s| s.id.is_some())
        .map(|s| fold(&s.name))
        .collect();
    // an unresolved row read from the same line as a resolved one whose name holds it
    // ("对象存储SDK" beside "阿里OSS(对象存储SDK)") is the same row
    let resolved_at: Vec<(usize, String)> = keep
        .iter()
        .filter(|s| s.id.is_some())
        .map(|s| (s.source.line, fold(&s.name)))
        .collect();
    keep.retain(|s| {
        if s.id.is_some() {
            return true;
        }
        let f = fold(&s.name);
        !named.contains(&f)
            && !resolved_at
                .iter()
                .any(|(l, n)| *l == s.source.line && !f.is_empty() && n.contains(&f))
    });
    pol.sdks = keep;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_suffixes() {
        assert!(prefix_ok("1、"));
        assert!(prefix_ok("- "));
        assert!(prefix_ok("sdk名称："));
        assert!(!prefix_ok("您可以使用"));
        assert!(suffix_ok(" - for ads"));
        assert!(suffix_ok("sdk(com.amap.api)"));
        assert!(!suffix_ok(
            "账号登录并且在这里写了很长很长很长的一段说明文字直到超过二十个字"
        ));
    }

    #[test]
    fn units_split_like_normalised() {
        let o = "华为终端有限公司 |  华为推送SDK | x";
        let n = match_norm(o);
        assert_eq!(orig_units(o).len(), n.split(is_unit_sep).count());
    }
}
