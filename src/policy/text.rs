//! Plain-text and Markdown policies: pipe tables (Markdown and flattened one-cell-per-line),
//! key:value blocks per SDK, prose "“X”：该SDK由“Y”提供" sentences, and vague disclosures.

use super::vocab::{column_terms, Vocabulary};
use super::{
    DeclaredData, DeclaredPermission, DeclaredPolicy, DeclaredSdk, Source, VagueDisclosure,
};
use crate::text::{clip, fold, split_packages};

/// One table cell with the 1-based line it starts on.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Line number.
    pub line: usize,
    /// Cell text.
    pub text: String,
}

/// Parse Markdown or plain text with the structural readers only (see
/// [`super::parse_policy`] for the whole-document pass).
pub fn parse_text(text: &str, vocab: &Vocabulary) -> DeclaredPolicy {
    read_text(text, vocab).0
}

/// Structural readers over Markdown or plain text: the declared items, and per line whether
/// it belongs to a table whose SDK rows were read here (the whole-document pass skips those).
pub fn read_text(text: &str, vocab: &Vocabulary) -> (DeclaredPolicy, Vec<bool>) {
    let mut pol = DeclaredPolicy::default();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0usize;
    let mut in_table = vec![false; lines.len()];
    // lines of tables whose SDK rows were read here (the whole-document pass skips them)
    let mut skip = vec![false; lines.len()];
    while i < lines.len() {
        if is_pipe_line(lines.get(i).copied().unwrap_or("")) {
            let start = i;
            while i < lines.len() && is_pipe_line(lines.get(i).copied().unwrap_or("")) {
                i += 1;
            }
            for f in in_table.iter_mut().take(i).skip(start) {
                *f = true;
            }
            let before = pol.sdks.len();
            table_group(&lines, start, i, vocab, &mut pol);
            if pol.sdks.len() > before {
                for f in skip.iter_mut().take(i).skip(start) {
                    *f = true;
                }
            }
        } else {
            i += 1;
        }
    }
    // HTML tables inside Markdown/MDX are read by `html::html_tables`; keep their cells out
    // of the key:value and prose readers.
    let mut in_html = false;
    for (k, l) in lines.iter().enumerate() {
        let lower = l.to_ascii_lowercase();
        if lower.contains("<table") {
            in_html = true;
        }
        if in_html {
            if let Some(f) = in_table.get_mut(k) {
                *f = true;
            }
        }
        if lower.contains("</table") {
            in_html = false;
        }
        if in_html || lower.contains("<td") || lower.contains("<th") {
            // HTML tables are read by `html::html_tables`
            if let Some(f) = skip.get_mut(k) {
                *f = true;
            }
        }
    }
    let marked = in_table.clone();
    let before = pol.sdks.len();
    paragraph_tables(&lines, &mut in_table, vocab, &mut pol);
    if pol.sdks.len() > before {
        for (k, f) in skip.iter_mut().enumerate() {
            if in_table.get(k) != marked.get(k) {
                *f = true;
            }
        }
    }
    kv_blocks(&lines, &in_table, vocab, &mut pol);
    kv_permissions(&lines, &in_table, vocab, &mut pol);
    prose(&lines, vocab, &mut pol);
    prose_permissions(&lines, &in_table, vocab, &mut pol);
    prose_data(&lines, &in_table, vocab, &mut pol);
    scan_vague(&lines, vocab, &mut pol);
    (pol, skip)
}

fn is_pipe_line(l: &str) -> bool {
    let t = l.trim();
    t.ends_with('|') || (t.starts_with('|') && t.len() > 1)
}

fn is_sep(cells: &[String]) -> bool {
    !cells.is_empty()
        && cells.iter().all(|c| {
            let c = c.trim();
            !c.is_empty() && c.chars().all(|x| matches!(x, '-' | ':' | ' '))
        })
        && cells.iter().any(|c| c.contains('-'))
}

fn split_cells(l: &str) -> Vec<String> {
    let t = l.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(|c| c.trim().to_string()).collect()
}

fn table_group(
    lines: &[&str],
    start: usize,
    end: usize,
    vocab: &Vocabulary,
    pol: &mut DeclaredPolicy,
) {
    let get = |k: usize| lines.get(k).copied().unwrap_or("");
    let md = (start..end)
        .filter(|&k| get(k).trim_start().starts_with('|'))
        .count()
        * 2
        > end - start;
    if md {
        let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
        for k in start..end {
            let cells = split_cells(get(k));
            if is_sep(&cells) {
                continue;
            }
            rows.push((k + 1, cells));
        }
        let mut it = rows.into_iter();
        if let Some((_, header)) = it.next() {
            table_rows(&header, it.collect(), vocab, pol);
        }
        return;
    }
    // Flattened: cells one per line ("X |"), rows either numbered or under a header + separator.
    let mut cells: Vec<Cell> = Vec::new();
    let mut sep_at: Option<usize> = None;
    for k in start..end {
        let l = get(k).trim();
        let parts: Vec<&str> = l.split('|').collect();
        let n = parts.len().saturating_sub(1);
        let body: Vec<String> = parts.iter().take(n).map(|s| s.trim().to_string()).collect();
        if sep_at.is_none() && is_sep(&body) {
            sep_at = Some(cells.len());
            continue;
        }
        for b in body {
            cells.push(Cell {
                line: k + 1,
                text: b,
            });
        }
    }
    if let Some(h) = sep_at {
        let header: Vec<String> = cells.iter().take(h).map(|c| c.text.clone()).collect();
        let body: Vec<Cell> = cells.into_iter().skip(h).collect();
        let ncols = header.len().max(1);
        let (_, pcols) = column_terms();
        let is_perm = header
            .first()
            .is_some_and(|h0| best_field(h0, pcols).as_deref() == Some("permission"));
        let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
        if is_perm {
            for c in body {
                if looks_like_permission(&c.text) || rows.is_empty() {
                    rows.push((c.line, vec![c.text]));
                } else if let Some(r) = rows.last_mut() {
                    r.1.push(c.text);
                }
            }
        } else {
            for chunk in body.chunks(ncols) {
                let line = chunk.first().map(|c| c.line).unwrap_or(0);
                rows.push((line, chunk.iter().map(|c| c.text.clone()).collect()));
            }
        }
        table_rows(&header, rows, vocab, pol);
        return;
    }
    // Numbered rows: "1 |", "name |", "cell |"...
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    let mut expect = 1u64;
    for c in cells {
        if c.text.parse::<u64>().ok() == Some(expect) {
            expect = expect.saturating_add(1);
            rows.push((c.line, Vec::new()));
        } else if let Some(r) = rows.last_mut() {
            r.1.push(c.text);
        } else {
            pol.warnings.push(format!(
                "line {}: table cell outside a numbered row skipped",
                c.line
            ));
        }
    }
    for (line, row) in rows {
        numbered_row(line, &row, lines, vocab, pol);
    }
}

fn row_text(lines: &[&str], line: usize, row: &[String]) -> String {
    let _ = lines;
    let _ = line;
    row.join(" | ")
}

const LABELS: &[(&str, &str)] = &[
    ("purpose of use for", "purpose"),
    ("purpose of use", "purpose"),
    ("scenes to be used", "scenario"),
    ("involving the scope of personal information", "data"),
    ("get permission", "permissions"),
    ("privacy address:", "link"),
    ("privacy agreement:", "link"),
    ("privacy policy:", "link"),
    ("使用目的", "purpose"),
    ("使用场景", "scenario"),
    ("收集个人信息类型", "data"),
    ("涉及个人信息范围", "data"),
    ("获取权限", "permissions"),
    ("隐私政策链接", "link"),
    ("隐私地址", "link"),
];

/// Split a long labelled cell ("Purpose of use … Privacy address: URL") into fields.
fn labelled(cell: &str) -> Vec<(&'static str, String)> {
    let lower = cell.to_lowercase();
    let mut marks: Vec<(usize, usize, &'static str)> = Vec::new();
    for (lab, field) in LABELS {
        let mut from = 0usize;
        while let Some(p) = lower.get(from..).and_then(|s| s.find(lab)) {
            let at = from + p;
            if !marks.iter().any(|(s, e, _)| at >= *s && at < *e) {
                marks.push((at, at + lab.len(), field));
            }
            from = at + lab.len();
        }
    }
    marks.sort();
    let mut out = Vec::new();
    for (k, (_, e, f)) in marks.iter().enumerate() {
        let stop = marks.get(k + 1).map(|m| m.0).unwrap_or(cell.len());
        if let Some(v) = cell.get(*e..stop) {
            let v = v.trim().trim_start_matches([':', '：']).trim();
            if !v.is_empty() {
                out.push((*f, v.to_string()));
            }
        }
    }
    out
}

/// First http(s) URL in `s`.
pub fn first_url(s: &str) -> Option<String> {
    let p = s.find("http://").or_else(|| s.find("https://"))?;
    let rest = s.get(p..)?;
    let end = rest
        .find(|c: char| {
            c.is_whitespace()
                || matches!(c, ')' | ']' | '>' | '"' | '）' | '，' | '；' | '|' | '。')
        })
        .unwrap_or(rest.len());
    let u = rest.get(..end)?.trim_end_matches(['.', ',']);
    // Markdown escapes inside a URL ("zh\_CN") are not part of it.
    Some(u.replace("\\_", "_"))
}

fn clean_sdk_name(s: &str) -> String {
    let mut n = s.trim().trim_end_matches([':', '：']).trim().to_string();
    for pre in ["Purpose of using the SDK of ", "Purpose of using "] {
        if let Some(x) = n.strip_prefix(pre) {
            n = x.to_string();
        }
    }
    for suf in [" Purpose", " purpose"] {
        if let Some(x) = n.strip_suffix(suf) {
            n = x.to_string();
        }
    }
    let n = n.trim_start_matches(|c: char| {
        c.is_ascii_digit() || matches!(c, '、' | '.' | ' ' | '#' | '*' | '-')
    });
    n.trim().trim_matches('*').trim().to_string()
}

fn numbered_row(
    line: usize,
    row: &[String],
    lines: &[&str],
    vocab: &Vocabulary,
    pol: &mut DeclaredPolicy,
) {
    let name = row.first().cloned().unwrap_or_default();
    let rest = row.get(1..).unwrap_or(&[]).join(" ");
    let fields = labelled(&rest);
    let src = Source::new(line, &row_text(lines, line, row));
    if fields.is_empty() {
        // A numbered two-column row without SDK labels: a permission-style row (e.g. iOS list).
        if !name.is_empty() {
            let purpose = row
                .get(1..)
                .map(|r| r.join(" "))
                .filter(|s| !s.trim().is_empty());
            push_permission(pol, vocab, &name, purpose, src);
        }
        return;
    }
    let get = |f: &str| -> Option<String> {
        let v: Vec<&str> = fields
            .iter()
            .filter(|(k, _)| *k == f)
            .map(|(_, v)| v.as_str())
            .collect();
        if v.is_empty() {
            None
        } else {
            Some(v.join(" "))
        }
    };
    let name = clean_sdk_name(&name);
    let (bare, pkgs) = split_packages(&name);
    let data_text = get("data");
    let perm_text = get("permissions");
    let mut sdk = DeclaredSdk {
        also: Vec::new(),
        id: vocab.resolve_sdk(&bare, &pkgs, None),
        name,
        company: None,
        purpose: get("purpose"),
        data_types: data_text
            .as_deref()
            .map(|d| vocab.data_types_in(d))
            .unwrap_or_default(),
        data_text,
        permissions: perm_text
            .as_deref()
            .map(|p| vocab.permissions_in(p))
            .unwrap_or_default(),
        link: get("link")
            .and_then(|l| first_url(&l))
            .or_else(|| first_url(&rest)),
        source: src,
    };
    if sdk.purpose.is_none() {
        sdk.purpose = get("scenario");
    }
    push_data(pol, &sdk.data_types, &sdk.source);
    pol.sdks.push(sdk);
}

fn push_data(pol: &mut DeclaredPolicy, ids: &[String], src: &Source) {
    for id in ids {
        pol.data_types.push(DeclaredData {
            id: id.clone(),
            source: src.clone(),
        });
    }
}

/// Add a permission row: one entry per resolved constant ("位置信息" gives two), or one
/// unresolved entry carrying the text as written.
pub fn push_permission(
    pol: &mut DeclaredPolicy,
    vocab: &Vocabulary,
    raw: &str,
    purpose: Option<String>,
    source: Source,
) {
    let name = raw.replace("\\_", "_").trim().to_string();
    let platform = platform_of_name(&name);
    let resolved = vocab.resolve_permissions(&name);
    if resolved.is_empty() {
        pol.permissions.push(DeclaredPermission {
            name,
            resolved: false,
            purpose,
            platform,
            source,
        });
        return;
    }
    for c in resolved {
        pol.permissions.push(DeclaredPermission {
            name: c,
            resolved: true,
            purpose: purpose.clone(),
            platform: platform.clone(),
            source: source.clone(),
        });
    }
}

/// Platform implied by a permission's spelling.
fn platform_of_name(name: &str) -> Option<String> {
    let n = name.trim();
    if n.starts_with("android.permission.") {
        Some("android".into())
    } else if n.starts_with("ohos.permission.") {
        Some("harmony".into())
    } else if (n.starts_with("NS") && n.ends_with("UsageDescription")) || n == "UIBackgroundModes" {
        Some("ios".into())
    } else {
        None
    }
}

fn looks_like_permission(s: &str) -> bool {
    let t = s.trim();
    t.starts_with("android.permission.")
        || t.starts_with("com.")
        || (t.contains("()")
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '(' | ')')))
        || (t.len() > 3 && t.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
}

/// Best field for a header cell: exact synonym, else longest synonym contained. `cols`
/// must be normalised as [`column_terms`] returns them.
pub fn best_field(header: &str, cols: &[(String, Vec<String>)]) -> Option<String> {
    // a header cell is short; a long cell is data (and is not folded here)
    if header.len() > 600 {
        return None;
    }
    let h = crate::text::squash_header(header);
    let h = h.trim_end_matches([':', '：']);
    if h.is_empty() || h.len() > 200 {
        return None;
    }
    for (f, syn) in cols {
        if syn.iter().any(|s| s == h) {
            return Some(f.clone());
        }
    }
    let mut best: Option<(usize, &String)> = None;
    for (f, syn) in cols {
        for s in syn {
            if !s.is_empty() && h.contains(s.as_str()) && best.map_or(true, |(l, _)| s.len() > l) {
                best = Some((s.len(), f));
            }
        }
    }
    best.map(|(_, f)| f.clone())
}

/// Most columns a table header may have; wider "tables" are skipped with a warning.
pub const MAX_COLUMNS: usize = 64;

/// Turn a table (header + rows with line numbers) into SDK or permission rows.
pub fn table_rows(
    header: &[String],
    rows: Vec<(usize, Vec<String>)>,
    vocab: &Vocabulary,
    pol: &mut DeclaredPolicy,
) {
    if header.len() > MAX_COLUMNS {
        pol.warnings.push(format!(
            "line {}: table header with {} columns (more than {MAX_COLUMNS}); {} rows skipped",
            rows.first().map(|r| r.0).unwrap_or(0),
            header.len(),
            rows.len()
        ));
        return;
    }
    let (scols, pcols) = column_terms();
    let sfields: Vec<Option<String>> = header.iter().map(|h| best_field(h, scols)).collect();
    let pfields: Vec<Option<String>> = header.iter().map(|h| best_field(h, pcols)).collect();
    let has = |v: &[Option<String>], f: &str| v.iter().any(|x| x.as_deref() == Some(f));
    let perm_first = pfields.first().and_then(|x| x.as_deref()) == Some("permission");
    let sdkish = has(&sfields, "company")
        || has(&sfields, "privacy_url")
        || header.iter().any(|h| fold(h).contains("sdk"));
    if perm_first || (!sdkish && has(&pfields, "permission")) {
        for (line, row) in rows {
            let col = |f: &str| -> Option<String> {
                let i = pfields.iter().position(|x| x.as_deref() == Some(f))?;
                row.get(i)
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
            };
            let Some(name) = col("permission") else {
                continue;
            };
            let purpose = match (col("function"), col("purpose")) {
                (Some(f), Some(p)) if f != p => Some(format!("{f}: {p}")),
                (_, Some(p)) => Some(p),
                (f, None) => f,
            };
            let purpose = match (purpose, col("note")) {
                (Some(p), Some(n)) => Some(format!("{p} ({n})")),
                (p, n) => p.or(n),
            };
            push_permission(
                pol,
                vocab,
                &name,
                purpose,
                Source::new(line, &row.join(" | ")),
            );
        }
        return;
    }
    if !sdkish && !has(&sfields, "sdk_name") && has(&sfields, "data_collected") {
        collected_rows(&sfields, rows, vocab, pol);
        return;
    }
    if !sdkish && !has(&sfields, "sdk_name") {
        if !rows.is_empty() {
            pol.warnings.push(format!(
                "line {}: table with header [{}] not recognised; {} rows skipped",
                rows.first().map(|r| r.0).unwrap_or(0),
                clip(&header.join(", "), 80),
                rows.len()
            ));
        }
        return;
    }
    // The SDK name column; else a "功能类型" column (秋水 06 puts SDK names there); else the
    // company column (a partner list names no SDK: the row is kept under the company).
    let name_idx = ["sdk_name", "function_type", "company"]
        .iter()
        .find_map(|f| sfields.iter().position(|x| x.as_deref() == Some(*f)))
        .unwrap_or(0);
    for (line, row) in rows {
        let col = |f: &str| -> Option<String> {
            let v: Vec<String> = sfields
                .iter()
                .enumerate()
                .filter(|(_, x)| x.as_deref() == Some(f))
                .filter_map(|(i, _)| row.get(i).map(|s| s.trim().to_string()))
                .filter(|s| !s.is_empty())
                .collect();
            if v.is_empty() {
                None
            } else {
                Some(v.join(" "))
            }
        };
        let raw = row
            .get(name_idx)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        if raw.is_empty() || row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let name = clean_sdk_name(&raw);
        let (bare, mut pkgs) = split_packages(&name);
        if let Some(p) = col("package") {
            pkgs.extend(split_packages(&p).1);
        }
        let company = col("company");
        let data_text = col("data_collected");
        let perm_text = col("permissions");
        let link = col("privacy_url")
            .or_else(|| col("official_site"))
            .and_then(|l| first_url(&l));
        let purpose = match (col("purpose"), col("scenario")) {
            (Some(p), Some(s)) => Some(format!("{p}; {s}")),
            (p, s) => p.or(s),
        };
        // "收集个人信息字段及目的" cells carry "…使用目的：…" inside (佳麦 08a).
        let purpose = purpose.or_else(|| {
            let d = data_text.as_deref()?;
            labelled(d)
                .into_iter()
                .find(|(f, _)| *f == "purpose")
                .map(|(_, v)| v)
        });
        let sdk = DeclaredSdk {
            also: Vec::new(),
            id: vocab.resolve_sdk(&bare, &pkgs, company.as_deref()),
            name,
            company,
            purpose,
            data_types: data_text
                .as_deref()
                .map(|d| vocab.data_types_in(d))
                .unwrap_or_default(),
            data_text,
            permissions: perm_text
                .as_deref()
                .map(|p| vocab.permissions_in(p))
                .unwrap_or_default(),
            link,
            source: Source::new(line, &row.join(" | ")),
        };
        push_data(pol, &sdk.data_types, &sdk.source);
        pol.sdks.push(sdk);
    }
}

/// Rows of a collected-information list (场景/业务功能 | 个人信息种类 | 目的): data types only.
fn collected_rows(
    sfields: &[Option<String>],
    rows: Vec<(usize, Vec<String>)>,
    vocab: &Vocabulary,
    pol: &mut DeclaredPolicy,
) {
    for (line, row) in rows {
        let data: Vec<&str> = sfields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.as_deref() == Some("data_collected"))
            .filter_map(|(i, _)| row.get(i).map(|s| s.as_str()))
            .collect();
        let ids = vocab.data_types_in(&data.join(" "));
        let src = Source::new(line, &row.join(" | "));
        if ids.is_empty() {
            pol.warnings.push(format!(
                "line {line}: collected-information row names no known data type: {}",
                clip(&data.join(" "), 60)
            ));
        }
        push_data(pol, &ids, &src);
    }
}

fn kv_split(l: &str) -> Option<(String, String)> {
    let t = l.trim().trim_start_matches(['-', '*', ' ']).trim();
    let p = t
        .find('：')
        .map(|p| (p, '：'.len_utf8()))
        .or_else(|| t.find(':').map(|p| (p, 1)))?;
    let key = t.get(..p.0)?.trim().trim_matches('*').trim();
    let val = t.get(p.0 + p.1..)?.trim().trim_matches('*').trim();
    if key.is_empty() || key.chars().count() > 20 || key.starts_with("http") {
        return None;
    }
    Some((key.to_string(), val.to_string()))
}

/// A table flattened to one paragraph per cell, with empty cells dropped (秋水 07): a run of
/// at least four paragraphs that are each exactly a header synonym, then rows. A row starts at
/// a short paragraph followed by a company-like one; its cells up to the first URL paragraph
/// are the columns before the link column, the URL paragraph and the notes after it the link
/// cell. One missing cell is taken to be the (optional) permissions column; other counts are
/// aligned from both ends with a warning. Lines used are marked as table lines.
fn paragraph_tables(
    lines: &[&str],
    in_table: &mut [bool],
    vocab: &Vocabulary,
    pol: &mut DeclaredPolicy,
) {
    let (scols, _) = column_terms();
    let paras: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter(|(k, l)| !l.trim().is_empty() && !in_table.get(*k).copied().unwrap_or(false))
        .map(|(k, l)| (k, l.trim()))
        .collect();
    let exact = |t: &str| -> Option<String> {
        let h = crate::text::squash_header(t);
        scols
            .iter()
            .find(|(_, syn)| syn.contains(&h))
            .map(|(f, _)| f.clone())
    };
    let is_url_para = |t: &str| t.starts_with("http") || t.starts_with('<') && t.contains("http");
    let company_like = |t: &str| {
        t.chars().count() <= 60
            && ["公司", "研究院", "框架", "协会", "委员会", "机构"]
                .iter()
                .any(|m| t.contains(m))
    };
    let row_start = |i: usize| -> bool {
        let (Some((_, a)), Some((_, b))) = (paras.get(i), paras.get(i + 1)) else {
            return false;
        };
        a.chars().count() <= 40
            && !company_like(a)
            && !a.contains("http")
            && !a.contains('：')
            && !a.contains(':')
            && company_like(b)
            && exact(a).is_none()
    };
    let header_at = |i: usize| -> usize {
        let mut n = 0;
        while let Some((_, t)) = paras.get(i + n) {
            if t.chars().count() > 30 || exact(t).is_none() {
                break;
            }
            n += 1;
        }
        n
    };
    let mut i = 0usize;
    while i < paras.len() {
        let n = header_at(i);
        if n < 4 {
            i += 1;
            continue;
        }
        let header: Vec<String> = paras
            .get(i..i + n)
            .unwrap_or(&[])
            .iter()
            .map(|(_, t)| t.to_string())
            .collect();
        let fields: Vec<Option<String>> = header.iter().map(|h| exact(h)).collect();
        let link_col = fields
            .iter()
            .rposition(|f| matches!(f.as_deref(), Some("privacy_url") | Some("official_site")));
        let perm_col = fields
            .iter()
            .position(|f| f.as_deref() == Some("permissions"));
        let before_link = link_col.unwrap_or(header.len());
        let header_line = paras.get(i).map(|p| p.0).unwrap_or(0);
        let mut j = i + n;
        let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
        let mut misaligned = 0usize;
        let mut last_used = i + n;
        while j < paras.len() && header_at(j) < 4 && row_start(j) {
            let start = j;
            let mut pre: Vec<String> = Vec::new();
            let mut link: Vec<String> = Vec::new();
            let mut notes = 0usize;
            while let Some((_, t)) = paras.get(j) {
                if j > start && (row_start(j) || header_at(j) >= 4 || t.starts_with('#')) {
                    break;
                }
                if link.is_empty() && !is_url_para(t) {
                    pre.push(t.to_string());
                } else {
                    if !link.is_empty() {
                        notes += 1;
                    }
                    if notes > 12 {
                        break;
                    }
                    link.push(t.to_string());
                }
                j += 1;
            }
            last_used = j;
            let mut cells: Vec<String> = vec![String::new(); header.len()];
            if pre.len() == before_link {
                for (c, v) in cells.iter_mut().zip(pre) {
                    *c = v;
                }
            } else if pre.len() + 1 == before_link && perm_col.is_some_and(|p| p < before_link) {
                let skip = perm_col.unwrap_or(0);
                let mut it = pre.into_iter();
                for (k, c) in cells.iter_mut().enumerate().take(before_link) {
                    if k != skip {
                        *c = it.next().unwrap_or_default();
                    }
                }
            } else {
                misaligned += 1;
                // Both ends: leading columns in order, the data column last.
                let data_col = before_link.saturating_sub(1);
                let last = if pre.len() >= 2 { pre.pop() } else { None };
                for (c, v) in cells.iter_mut().take(data_col).zip(pre) {
                    *c = v;
                }
                if let (Some(c), Some(v)) = (cells.get_mut(data_col), last) {
                    *c = v;
                }
            }
            if let Some(c) = link_col.and_then(|l| cells.get_mut(l)) {
                *c = link.join(" ");
            }
            let line = paras.get(start).map(|p| p.0 + 1).unwrap_or(0);
            rows.push((line, cells));
        }
        if misaligned > 0 {
            pol.warnings.push(format!(
                "line {}: flattened table: {misaligned} rows did not have the expected number of cells and were aligned from both ends",
                header_line + 1
            ));
        }
        if !rows.is_empty() {
            let from = paras.get(i).map(|p| p.0).unwrap_or(0);
            let to = paras
                .get(last_used.saturating_sub(1))
                .map(|p| p.0)
                .unwrap_or(from);
            for f in in_table.iter_mut().take(to + 1).skip(from) {
                *f = true;
            }
            table_rows(&header, rows, vocab, pol);
        }
        i = last_used.max(i + 1);
    }
}

/// SDK name from a block title: "推送通知消息（OPPO推送SDK）" → "OPPO推送SDK" (function, then
/// the SDK in brackets, as in QQ's list); titles whose bracket is a package, an edition or a
/// note are kept whole.
fn title_name(t: &str) -> String {
    let t = t.trim().trim_matches('*').trim();
    let Some(inner_end) = t.strip_suffix('）').or_else(|| t.strip_suffix(')')) else {
        return t.to_string();
    };
    let Some(open) = inner_end.rfind(['（', '(']) else {
        return t.to_string();
    };
    let prefix = inner_end.get(..open).unwrap_or("").trim();
    let inner = inner_end
        .get(open..)
        .unwrap_or("")
        .trim_start_matches(['（', '('])
        .trim();
    if prefix.is_empty()
        || inner.is_empty()
        || prefix.to_lowercase().contains("sdk")
        || crate::text::is_package(inner)
        || inner.ends_with('版')
        || inner.starts_with('仅')
    {
        return t.to_string();
    }
    inner.to_string()
}

/// Key:value blocks ("SDK名称：…", "使用目的：…") each preceded by an optional title line.
fn kv_blocks(lines: &[&str], in_table: &[bool], vocab: &Vocabulary, pol: &mut DeclaredPolicy) {
    let (scols, _) = column_terms();
    struct Block {
        line: usize,
        name: String,
        fields: Vec<(String, String)>,
        text: String,
    }
    let mut blocks: Vec<Block> = Vec::new();
    let mut title: Option<(usize, String)> = None;
    let mut cur: Option<Block> = None;
    let mut pending_key: Option<String> = None;
    for (k, l) in lines.iter().enumerate() {
        if in_table.get(k).copied().unwrap_or(false) {
            continue;
        }
        let t = l.trim();
        if t.is_empty() || t == "---" {
            continue;
        }
        if let Some(pk) = pending_key.take() {
            if let (Some(b), Some(u)) = (cur.as_mut(), first_url(t)) {
                b.fields.push((pk, u));
                continue;
            }
        }
        let kv = kv_split(t).and_then(|(key, v)| best_field(&key, scols).map(|f| (f, v)));
        match kv {
            Some((f, v)) => {
                let new_block = f == "sdk_name"
                    || cur.is_none()
                    || title
                        .as_ref()
                        .is_some_and(|(tl, _)| cur.as_ref().is_some_and(|b| *tl > b.line));
                if new_block {
                    if let Some(b) = cur.take() {
                        blocks.push(b);
                    }
                    let (line, name) = if f == "sdk_name" {
                        (k + 1, v.clone())
                    } else {
                        title
                            .clone()
                            .map(|(l, t)| (l, title_name(&t)))
                            .unwrap_or((k + 1, String::new()))
                    };
                    cur = Some(Block {
                        line,
                        name,
                        fields: Vec::new(),
                        text: String::new(),
                    });
                }
                if let Some(b) = cur.as_mut() {
                    if b.text.chars().count() < 300 {
                        b.text.push_str(t);
                        b.text.push(' ');
                    }
                    if v.is_empty() {
                        pending_key = Some(f);
                    } else if f != "sdk_name" || b.name.is_empty() {
                        if f == "sdk_name" {
                            b.name = v;
                        } else {
                            b.fields.push((f, v));
                        }
                    }
                }
                title = None;
            }
            None => {
                if t.chars().count() <= 60 && !t.starts_with("http") {
                    title = Some((k + 1, t.trim_start_matches('#').trim().to_string()));
                }
            }
        }
    }
    if let Some(b) = cur.take() {
        blocks.push(b);
    }
    for b in blocks {
        let get = |f: &str| {
            b.fields
                .iter()
                .find(|(k, _)| k == f)
                .map(|(_, v)| v.clone())
        };
        let useful = ["company", "purpose", "data_collected", "privacy_url"]
            .iter()
            .filter(|f| get(f).is_some())
            .count();
        if b.name.is_empty() || useful < 2 {
            continue;
        }
        let name = clean_sdk_name(&b.name);
        let (bare, mut pkgs) = split_packages(&name);
        if let Some(p) = get("package") {
            pkgs.extend(split_packages(&p).1);
        }
        let company = get("company");
        let data_text = get("data_collected");
        let sdk = DeclaredSdk {
            also: Vec::new(),
            id: vocab.resolve_sdk(&bare, &pkgs, company.as_deref()),
            name,
            company,
            purpose: get("purpose").or_else(|| get("scenario")),
            data_types: data_text
                .as_deref()
                .map(|d| vocab.data_types_in(d))
                .unwrap_or_default(),
            data_text,
            permissions: get("permissions")
                .map(|p| vocab.permissions_in(&p))
                .unwrap_or_default(),
            link: get("privacy_url")
                .or_else(|| get("official_site"))
                .and_then(|l| first_url(&l)),
            source: Source::new(b.line, &b.text),
        };
        push_data(pol, &sdk.data_types, &sdk.source);
        pol.sdks.push(sdk);
    }
}

/// Prose: "“极光推送”：该SDK由“深圳市和讯华谷信息技术有限公司”提供…".
fn prose(lines: &[&str], vocab: &Vocabulary, pol: &mut DeclaredPolicy) {
    for (k, l) in lines.iter().enumerate() {
        let t = l.trim();
        let Some(p) = t.find("”：该SDK由“").or_else(|| t.find("”:该SDK由“")) else {
            continue;
        };
        let Some(open) = t.get(..p).and_then(|s| s.rfind('“')) else {
            continue;
        };
        let name = t.get(open + '“'.len_utf8()..p).unwrap_or("").to_string();
        let after = t.get(p..).unwrap_or("");
        let company = after
            .find("由“")
            .and_then(|s| after.get(s + "由“".len()..))
            .and_then(|s| s.find('”').and_then(|e| s.get(..e)))
            .map(|s| s.to_string());
        if name.is_empty() {
            continue;
        }
        // The sentence goes on over the following lines ("ios版本：…", "android版本：…",
        // "官方隐私政策：URL") until a blank line or the next “X”：该SDK由 item.
        let mut block = after.to_string();
        for next in lines.iter().skip(k + 1).take(20) {
            let n = next.trim();
            if n.is_empty() || n.contains("该SDK由“") {
                break;
            }
            block.push('\n');
            block.push_str(n);
        }
        let purpose = ["目的", "用于"]
            .iter()
            .filter_map(|m| after.find(m).and_then(|s| after.get(s..)))
            .next()
            .map(|s| {
                let s = s.split("需要收集").next().unwrap_or(s);
                clip(s.trim_end_matches(['。', '，', ' ']), 200)
            });
        let data_text = block
            .find("包括")
            .and_then(|p| block.get(p..))
            .map(|s| clip(s.trim(), 300));
        let sdk = DeclaredSdk {
            also: Vec::new(),
            id: vocab.resolve_sdk(&name, &[], company.as_deref()),
            name,
            company,
            purpose,
            data_types: vocab.data_types_in(&block),
            data_text,
            permissions: explicit_permissions(vocab, &block),
            link: first_url(&block),
            source: Source::new(k + 1, t),
        };
        push_data(pol, &sdk.data_types, &sdk.source);
        pol.sdks.push(sdk);
    }
}

/// Permissions a sentence names explicitly: `android.permission.*` tokens and display names
/// right before "权限" ("定位权限、存储权限"); not every word that is also a permission label.
fn explicit_permissions(vocab: &Vocabulary, text: &str) -> Vec<String> {
    let mut out: Vec<String> = vocab
        .permissions_in(text)
        .into_iter()
        .filter(|p| text.contains(p.rsplit('.').next().unwrap_or(p)))
        .collect();
    let mut from = 0usize;
    let mut seen = 0usize;
    while let Some(p) = text.get(from..).and_then(|s| s.find("权限")) {
        let at = from + p;
        let mut start = at.saturating_sub(60);
        while start > 0 && !text.is_char_boundary(start) {
            start -= 1;
        }
        let prefix = text.get(start..at).unwrap_or("");
        let prefix = prefix
            .rsplit([
                '。', '，', '、', '；', '：', ',', ';', ':', '（', '(', ')', '）', '\n',
            ])
            .next()
            .unwrap_or(prefix);
        for c in vocab.resolve_permission_suffix(prefix) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        from = at + "权限".len();
        seen += 1;
        if seen > 200 {
            break;
        }
    }
    out
}

/// Permission key:value blocks: "名称：CAMERA" / "权限功能说明：…" / "功能/目的：…" /
/// "具体使用场景：…" (秋水 07), one block per permission name line.
fn kv_permissions(lines: &[&str], in_table: &[bool], vocab: &Vocabulary, pol: &mut DeclaredPolicy) {
    let (_, pcols) = column_terms();
    let mut cur: Option<(usize, String, Vec<String>, String)> = None;
    let flush = |cur: &mut Option<(usize, String, Vec<String>, String)>,
                 pol: &mut DeclaredPolicy| {
        if let Some((line, name, parts, text)) = cur.take() {
            let purpose = if parts.is_empty() {
                None
            } else {
                Some(parts.join("; "))
            };
            push_permission(pol, vocab, &name, purpose, Source::new(line, &text));
        }
    };
    for (k, l) in lines.iter().enumerate() {
        if in_table.get(k).copied().unwrap_or(false) {
            continue;
        }
        let t = l.trim();
        let Some((key, val)) = kv_split(t) else {
            if !t.is_empty() && cur.is_some() && !t.starts_with('(') && !t.starts_with('（') {
                flush(&mut cur, pol);
            }
            continue;
        };
        let field = if key == "名称" {
            Some("permission".to_string())
        } else {
            best_field(&key, pcols)
        };
        match field.as_deref() {
            Some("permission") => {
                let v = val.replace("\\_", "_");
                let is_perm = !vocab.resolve_permissions(&v).is_empty()
                    || platform_of_name(&v).is_some()
                    || v.split(['、', ',', '，', '/'])
                        .all(|p| looks_like_permission(p.trim()));
                flush(&mut cur, pol);
                if is_perm && !v.is_empty() {
                    cur = Some((k + 1, v, Vec::new(), t.to_string()));
                }
            }
            Some(_) => {
                if let Some(c) = cur.as_mut() {
                    if !val.is_empty() {
                        c.2.push(val);
                    }
                    if c.3.chars().count() < 300 {
                        c.3.push(' ');
                        c.3.push_str(t);
                    }
                }
            }
            None => flush(&mut cur, pol),
        }
    }
    flush(&mut cur, pol);
}

/// Permissions named in running text before "权限" or "permission": "访问您的_相机_权限",
/// "_录音（麦克风）_权限", "开启存储权限", "camera permission". The purpose is the bullet list
/// that follows, else the sentence. A permission already declared elsewhere is not repeated;
/// names that do not resolve are not kept (prose mentions "相应设备权限" everywhere).
fn prose_permissions(
    lines: &[&str],
    in_table: &[bool],
    vocab: &Vocabulary,
    pol: &mut DeclaredPolicy,
) {
    const STOP: &[char] = &[
        '。', '，', '；', '：', ',', ';', ':', '!', '?', '！', '？', '.',
    ];
    // Real policies mention permissions tens of times; stop after this many.
    const MAX_MENTIONS: usize = 5000;
    let mut mentions = 0usize;
    for (k, l) in lines.iter().enumerate() {
        if mentions >= MAX_MENTIONS {
            break;
        }
        if in_table.get(k).copied().unwrap_or(false) {
            continue;
        }
        let clean: String = l
            .replace("\\_", "_")
            .chars()
            .filter(|c| !matches!(c, '_' | '*' | '`'))
            .collect();
        let ascii_lower = clean.to_ascii_lowercase();
        let mut found: Vec<String> = Vec::new();
        let mut at = Vec::new();
        for marker in ["权限", "permission"] {
            let mut from = 0usize;
            while let Some(p) = ascii_lower.get(from..).and_then(|s| s.find(marker)) {
                at.push((from + p, marker));
                from = from + p + marker.len();
            }
        }
        let room = MAX_MENTIONS.saturating_sub(mentions);
        if at.len() > room {
            pol.warnings.push(format!(
                "line {}: more than {MAX_MENTIONS} permission mentions in running text; the rest not scanned",
                k + 1
            ));
            at.truncate(room);
        }
        mentions += at.len();
        for (pos, marker) in at {
            // a marker inside a link is part of its address (".../android/permissions.md")
            // (looked for at most 300 bytes each side, so a huge line stays linear)
            let mut lo = pos.saturating_sub(300);
            while lo > 0 && !ascii_lower.is_char_boundary(lo) {
                lo -= 1;
            }
            let mut hi = (pos + 300).min(ascii_lower.len());
            while hi < ascii_lower.len() && !ascii_lower.is_char_boundary(hi) {
                hi += 1;
            }
            let tok_start = ascii_lower
                .get(lo..pos)
                .and_then(|x| x.rfind(char::is_whitespace))
                .map_or(lo, |p| lo + p + 1);
            let tok_end = ascii_lower
                .get(pos..hi)
                .and_then(|x| x.find(char::is_whitespace))
                .map_or(hi, |p| pos + p);
            let tok = ascii_lower.get(tok_start..tok_end).unwrap_or("");
            if tok.contains("://") || tok.contains("www.") {
                continue;
            }
            // Only the last ~120 bytes before the marker matter (names are short); bounding
            // the window keeps a huge single line linear.
            let mut start = pos.saturating_sub(120);
            while start > 0 && !clean.is_char_boundary(start) {
                start -= 1;
            }
            let prefix = clean.get(start..pos).unwrap_or("");
            let prefix = prefix.rsplit(STOP).next().unwrap_or(prefix).trim_end();
            let mut hit = Vec::new();
            if marker == "permission" {
                let words: Vec<&str> = prefix.split_whitespace().collect();
                for n in (1..=words.len().min(3)).rev() {
                    let cand = words
                        .get(words.len() - n..)
                        .map(|w| w.join(" "))
                        .unwrap_or_default();
                    hit = vocab.resolve_permissions(&cand);
                    if !hit.is_empty() {
                        break;
                    }
                }
            } else {
                hit = vocab.resolve_permission_suffix(prefix);
            }
            for h in hit {
                if !found.contains(&h) {
                    found.push(h);
                }
            }
        }
        if found.is_empty() {
            continue;
        }
        let mut bullets = Vec::new();
        for next in lines.iter().skip(k + 1) {
            let t = next.trim();
            if t.is_empty() {
                continue;
            }
            match t.strip_prefix(['*', '-', '•']) {
                Some(b) if bullets.len() < 50 => bullets.push(b.trim().to_string()),
                _ => break,
            }
        }
        let purpose = if bullets.is_empty() {
            clip(l.trim(), 200)
        } else {
            clip(&bullets.join("；"), 300)
        };
        for name in found {
            if pol.permissions.iter().any(|p| p.name == name) {
                continue;
            }
            pol.permissions.push(DeclaredPermission {
                name,
                resolved: true,
                purpose: Some(purpose.clone()),
                platform: None,
                source: Source::new(k + 1, l),
            });
        }
    }
}

/// Data types named in running text, in sentences that say data is collected, read or
/// stored ("我们将…存储名为Cookies的小型数据文件", "we collect your IP address"); sentences
/// with a negation ("不会收集", "do not collect") are skipped. Verbs and negations come from
/// `data/policy_terms.toml` `[collect_verbs]`.
fn prose_data(lines: &[&str], in_table: &[bool], vocab: &Vocabulary, pol: &mut DeclaredPolicy) {
    let (verbs, negations) = super::vocab::collect_verbs();
    for (k, l) in lines.iter().enumerate() {
        if in_table.get(k).copied().unwrap_or(false) {
            continue;
        }
        for sentence in l.split_inclusive(['。', '；', ';', '!', '?', '！', '？']) {
            let sentence = sentence.trim();
            if sentence.is_empty() {
                continue;
            }
            let f = fold(sentence);
            if !verbs.iter().any(|v| f.contains(v.as_str()))
                || negations.iter().any(|n| f.contains(n.as_str()))
            {
                continue;
            }
            let ids = vocab.data_types_in_prose(sentence);
            push_data(pol, &ids, &Source::new(k + 1, sentence));
        }
    }
}

/// Category-level disclosures: every sentence naming a vague category term.
pub fn scan_vague(lines: &[&str], vocab: &Vocabulary, pol: &mut DeclaredPolicy) {
    for (k, l) in lines.iter().enumerate() {
        for sentence in l.split_inclusive(['。', '；', '.', ';']) {
            let f = fold(sentence);
            for (ci, ti) in vocab.vague_in(&f) {
                let Some((cat, term)) = vocab
                    .vague
                    .get(ci)
                    .and_then(|(cat, terms)| Some((cat, terms.get(ti)?)))
                else {
                    continue;
                };
                pol.vague.push(VagueDisclosure {
                    category: cat.clone(),
                    text: term.clone(),
                    source: Source::new(k + 1, sentence),
                });
            }
        }
    }
}
