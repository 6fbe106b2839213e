//! The audit for a terminal: totals, the policy-understood block, app and signer lines,
//! then one table row per group of findings (same severity, rule and SDK), with all
//! evidence listed compactly.
//!
//! The table fills the given width; text is wrapped here (between words, and a token
//! longer than its column only after a `/ . ; , $ (` separator), so comfy-table never splits
//! inside a word. Below [`MIN_TABLE_WIDTH`] columns the same content is printed as a list.
//! Wrapping is one linear pass per cell and cells are capped, so a 1 MB policy cell renders
//! in linear time.

use super::text::{self, cap, pick, severity_label};
use crate::audit::{AuditReport, Severity};
use crate::knowledge::{Knowledge, Lang};
use crate::scan::ScanReport;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, Color, Table};

/// Narrower than this, findings are printed as a list instead of a table.
pub const MIN_TABLE_WIDTH: usize = 60;

/// How to draw the table.
#[derive(Debug, Clone, Copy)]
pub struct TableStyle {
    /// Columns available (the terminal's width).
    pub width: usize,
    /// Colour severities (ANSI); off when not a terminal or NO_COLOR is set.
    pub color: bool,
    /// Language of names and sentences.
    pub lang: Lang,
}

impl Default for TableStyle {
    fn default() -> Self {
        TableStyle {
            width: 100,
            color: false,
            lang: Lang::En,
        }
    }
}

/// Display width of a string (wide CJK characters count two).
pub(crate) fn width_of(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if (c as u32) >= 0x1100 && is_wide(c) {
                2
            } else {
                1
            }
        })
        .sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// Wrap `text` to `width` columns: between words; a word wider than the column is broken
/// after a separator where possible, else where it must. One pass, linear in the text.
pub fn wrap(text: &str, width: usize) -> String {
    let width = width.max(4);
    let mut out = String::with_capacity(text.len() + text.len() / width.max(1) + 8);
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        // leading spaces are kept, and continuation lines hang at the same indent
        let body = line.trim_start_matches(' ');
        let indent = (line.len() - body.len()).min(width / 2);
        let pad = &line[..indent];
        out.push_str(pad);
        let width = width - indent;
        let mut col = 0usize;
        for word in body.split(' ').filter(|w| !w.is_empty()) {
            let w = width_of(word);
            if col > 0 && col + 1 + w <= width {
                out.push(' ');
                col += 1;
                out.push_str(word);
                col += w;
                continue;
            }
            if col > 0 {
                out.push('\n');
                out.push_str(pad);
            }
            if w <= width {
                out.push_str(word);
                col = w;
                continue;
            }
            // a long token: break after the last separator that fits, else hard
            let mut rest = word;
            while width_of(rest) > width {
                let mut fit_end = 0usize; // byte index where `width` columns end
                let mut last_sep = None;
                let mut c = 0usize;
                for (i, ch) in rest.char_indices() {
                    let cw = if is_wide(ch) { 2 } else { 1 };
                    if c + cw > width {
                        break;
                    }
                    c += cw;
                    fit_end = i + ch.len_utf8();
                    if matches!(
                        ch,
                        '/' | '.' | ';' | ',' | '$' | '(' | '>' | '-' | '_' | '=' | ':'
                    ) {
                        last_sep = Some(fit_end);
                    }
                }
                let cut = match last_sep {
                    Some(s) if s * 2 >= fit_end => s,
                    _ => fit_end.max(rest.chars().next().map_or(1, char::len_utf8)),
                };
                out.push_str(&rest[..cut]);
                out.push('\n');
                out.push_str(pad);
                rest = &rest[cut..];
            }
            out.push_str(rest);
            col = width_of(rest);
        }
    }
    out
}

fn severity_color(s: Severity) -> Color {
    match s {
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Cyan,
        Severity::Info => Color::Grey,
    }
}

/// The header: app, signer, packer warning, totals and the policy-understood block.
fn header(r: &AuditReport, scan: &ScanReport, k: &Knowledge, lang: Lang) -> Vec<String> {
    let mut v: Vec<String> = text::app_lines(scan, lang)
        .into_iter()
        .map(|(k, val)| format!("{k}: {val}"))
        .collect();
    v.extend(text::signing_lines(scan, lang));
    for w in text::incomplete_warnings(k, scan, lang) {
        v.push(format!("{}: {w}", pick(lang, "warning", "警告")));
    }
    v.push(String::new());
    v.push(format!(
        "{}: {}",
        pick(lang, "findings", "发现"),
        text::totals(r, lang)
    ));
    v.extend(text::understood_lines(&r.policy_understood, lang));
    v
}

/// Render an audit report for a terminal of `style.width` columns.
pub fn audit_table(r: &AuditReport, scan: &ScanReport, k: &Knowledge, style: TableStyle) -> String {
    let lang = style.lang;
    let width = style.width.max(20);
    let mut out = String::new();
    for line in header(r, scan, k, lang) {
        out.push_str(&wrap(&line, width));
        out.push('\n');
    }
    out.push('\n');
    let groups = text::group(&r.findings);
    if groups.is_empty() {
        out.push_str(pick(lang, "No findings.\n", "没有发现。\n"));
        return out;
    }
    let paint = |s: Severity, t: &str| -> String {
        if style.color {
            let code = match s {
                Severity::High => "31",
                Severity::Medium => "33",
                Severity::Low => "36",
                Severity::Info => "90",
            };
            format!("\x1b[{code}m{t}\x1b[0m")
        } else {
            t.to_string()
        }
    };
    if width < MIN_TABLE_WIDTH {
        for g in &groups {
            let head = format!(
                "[{}] {} {}",
                severity_label(g.severity, lang),
                g.rule,
                g.title(k, lang)
            );
            out.push_str(&paint(g.severity, &wrap(&head, width)));
            out.push('\n');
            out.push_str(&wrap(
                &format!("  {}", text::rule_short(g.rule, lang)),
                width,
            ));
            out.push('\n');
            for f in &g.findings {
                for l in item_lines(g, f, scan, k, lang) {
                    out.push_str(&wrap(&format!("  {l}"), width));
                    out.push('\n');
                }
            }
            for l in policy_lines(g, lang) {
                out.push_str(&wrap(&format!("  {l}"), width));
                out.push('\n');
            }
        }
        return out;
    }
    // columns: severity | rule | subject | finding and evidence; borders and padding take
    // 3 columns per column plus 1
    let sev_w = Severity::ALL
        .iter()
        .map(|s| width_of(severity_label(*s, lang)))
        .max()
        .unwrap_or(6);
    let rule_w = 7;
    let inner = width.saturating_sub(13);
    let subj_w = (inner.saturating_sub(sev_w + rule_w) / 4).clamp(10, 32);
    let last_w = inner.saturating_sub(sev_w + rule_w + subj_w).max(10);
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    t.set_header(vec![
        pick(lang, "severity", "级别"),
        pick(lang, "rule", "规则"),
        pick(lang, "subject", "对象"),
        pick(lang, "finding and evidence", "发现与证据"),
    ]);
    for g in &groups {
        let mut body = text::rule_short(g.rule, lang).to_string();
        for f in &g.findings {
            for l in item_lines(g, f, scan, k, lang) {
                body.push('\n');
                body.push_str(&l);
            }
        }
        for l in policy_lines(g, lang) {
            body.push('\n');
            body.push_str(&l);
        }
        let sev = Cell::new(severity_label(g.severity, lang));
        let sev = if style.color {
            sev.fg(severity_color(g.severity))
        } else {
            sev
        };
        t.add_row(vec![
            sev,
            Cell::new(g.rule.id()),
            Cell::new(wrap(&g.title(k, lang), subj_w)),
            Cell::new(wrap(&body, last_w)),
        ]);
    }
    if style.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    out.push_str(&t.to_string());
    out.push('\n');
    out
}

/// One finding's lines inside its group: `• item` (when the group has several findings or
/// a shared owner) and its APK evidence; the policy lines are said once per group.
fn item_lines(
    g: &text::Group<'_>,
    f: &crate::audit::Finding,
    scan: &ScanReport,
    k: &Knowledge,
    lang: Lang,
) -> Vec<String> {
    let mut v = Vec::new();
    let labelled = g.owner.is_some() || g.findings.len() > 1;
    // what an SDK row lacks is only in the message (`… lacks: company, privacy link`)
    let lacks = f
        .message
        .rsplit_once("lacks: ")
        .map(|(_, l)| format!(" — {}: {}", pick(lang, "lacks", "缺少"), cap(l, 80)));
    if labelled {
        v.push(format!(
            "• {}{}",
            cap(&g.item(k, f, lang), 120),
            lacks.unwrap_or_default()
        ));
    } else if let Some(l) = lacks {
        v.push(l.trim_start_matches(" — ").to_string());
    }
    let indent = if labelled { "  " } else { "" };
    v.extend(
        text::finding_evidence(scan, k, f, lang)
            .iter()
            .map(|e| format!("{indent}apk: {e}")),
    );
    if let Some(why) = &f.unjudged {
        v.push(format!(
            "{indent}{}: {why}",
            pick(lang, "not judged", "未判定")
        ));
    }
    v
}

/// The policy lines a group rests on, each once.
fn policy_lines(g: &text::Group<'_>, lang: Lang) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    g.findings
        .iter()
        .filter_map(|f| f.policy_source.as_ref())
        .filter(|s| seen.insert(s.at()))
        .map(|s| {
            format!(
                "{} {}: {}",
                pick(lang, "policy line", "政策第"),
                s.at(),
                cap(&s.text, 100)
            )
        })
        .collect()
}

/// What a finding is about (kept for callers that print one line per finding).
pub fn finding_subject(f: &crate::audit::Finding) -> String {
    match (&f.sdk, &f.permission, &f.data_type) {
        (Some(s), _, Some(d)) if f.kind == crate::audit::FindingKind::UndeclaredData => {
            format!("{s}: {d}")
        }
        (Some(s), _, _) => s.clone(),
        (None, Some(p), _) => p.clone(),
        (None, None, Some(d)) => d.clone(),
        (None, None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_whole_and_breaks_long_tokens_at_separators() {
        let w = wrap("reads locationmanager.location in com.example", 24);
        assert!(
            w.lines().any(|l| l.contains("locationmanager.location")),
            "{w}"
        );
        let w = wrap("Lcom/example/demo/MainActivity;.onLocate:()V", 20);
        assert!(w.lines().all(|l| width_of(l) <= 20), "{w}");
        assert!(w.lines().next().unwrap().ends_with('/'), "{w}");
        assert_eq!(wrap("", 10), "");
        assert_eq!(wrap("定位定位定位", 4), "定位\n定位\n定位");
    }
}
