//! The audit as a Markdown compliance report, with the same content as the HTML report:
//! app, signer, totals, the policy-understood block, findings grouped by SDK with APK
//! evidence, policy line and rule explanation, the SDK table and the permission table.

use super::model::{self, Part, TableModel};
use super::text::{self, cap, pick, severity_label, Group};
use crate::audit::AuditReport;
use crate::knowledge::{Knowledge, Lang};
use crate::scan::ScanReport;

/// Escape a table cell (pipes, newlines) and cap it.
fn cell(s: &str) -> String {
    cap(s, text::CELL_CAP)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// Inline text outside tables: no line breaks, Markdown's active characters escaped.
fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in cap(s, text::CELL_CAP).chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '|' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Render an audit report as Markdown.
pub fn audit_markdown(r: &AuditReport, scan: &ScanReport, k: &Knowledge, lang: Lang) -> String {
    let mut o = String::new();
    let title = pick(lang, "Privacy disclosure audit", "隐私合规审计报告");
    o.push_str(&format!(
        "# {title}: {}\n\n",
        inline(r.app.package.as_deref().unwrap_or("-"))
    ));
    o.push_str(&format!(
        "| {} | |\n|---|---|\n",
        pick(lang, "field", "项目")
    ));
    for (key, val) in text::app_lines(scan, lang) {
        o.push_str(&format!("| {key} | {} |\n", cell(&val)));
    }
    o.push('\n');
    o.push_str(&format!("## {}\n\n", pick(lang, "Signing", "签名")));
    for l in text::signing_lines(scan, lang) {
        o.push_str(&format!("- {}\n", inline(&l)));
    }
    for w in text::incomplete_warnings(k, scan, lang) {
        o.push_str(&format!(
            "\n> **{}**: {}\n",
            pick(lang, "Warning", "警告"),
            inline(&w)
        ));
    }
    o.push_str(&format!("\n## {}\n\n", pick(lang, "Summary", "概要")));
    o.push_str(&format!(
        "**{}**: {}\n\n",
        pick(lang, "Findings", "发现"),
        text::totals(r, lang)
    ));
    for l in text::understood_lines(&r.policy_understood, lang) {
        o.push_str(&format!("- {}\n", inline(&l)));
    }
    o.push_str(&format!(
        "\n## {}\n\n",
        pick(lang, "Findings by SDK", "按 SDK 分组的发现")
    ));
    if r.findings.is_empty() {
        o.push_str(pick(lang, "No findings.\n", "没有发现。\n"));
    }
    for sec in model::finding_sections(r, scan, k, lang) {
        o.push_str(&format!("### {}", inline(&sec.title)));
        if let Some(v) = &sec.vendor {
            o.push_str(&format!(" — {}", inline(v)));
        }
        o.push_str("\n\n");
        for f in sec.findings {
            o.push_str(&format!(
                "#### {} · {} · {}\n\n{}\n\n",
                severity_label(f.severity, lang),
                f.rule,
                inline(&f.subject),
                f.short
            ));
            o.push_str(&format!(
                "| {} | {} |\n|---|---|\n",
                pick(lang, "APK evidence", "APK 证据"),
                pick(lang, "policy", "隐私政策")
            ));
            let ev: Vec<String> = f.evidence.iter().map(|e| cell(e)).collect();
            let pol = match &f.policy {
                Some((at, t)) => format!("{} {at}: {}", pick(lang, "line", "第"), cell(t)),
                None => pick(lang, "(not mentioned)", "（未提及）").to_string(),
            };
            o.push_str(&format!(
                "| {} | {} |\n\n",
                if ev.is_empty() {
                    "-".into()
                } else {
                    ev.join("<br>")
                },
                pol
            ));
            if let Some(why) = &f.unjudged {
                o.push_str(&format!(
                    "*{}*: {}\n\n",
                    pick(lang, "Not judged", "未判定"),
                    inline(why)
                ));
            }
            o.push_str(&format!(
                "*{}*: {} {} *{}*: {}\n\n",
                pick(lang, "Rule", "规则"),
                inline(f.full),
                f.help,
                pick(lang, "Rests on", "依据"),
                f.basis
            ));
        }
    }
    o.push_str(&table_markdown(&model::sdk_table(scan, k, lang)));
    if let Some(t) = model::other_data_table(scan, k, lang) {
        o.push_str(&table_markdown(&t));
    }
    o.push_str(&table_markdown(&model::permission_table(scan, k, lang)));
    // the terminal's grouping, as an index
    let groups: Vec<Group<'_>> = text::group(&r.findings);
    if !groups.is_empty() {
        o.push_str(&format!(
            "\n## {}\n\n| {} | {} | {} | {} |\n|---|---|---|---|\n",
            pick(lang, "Index", "索引"),
            pick(lang, "severity", "级别"),
            pick(lang, "rule", "规则"),
            pick(lang, "subject", "对象"),
            pick(lang, "count", "数量")
        ));
        for g in groups {
            o.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                severity_label(g.severity, lang),
                g.rule,
                cell(&g.title(k, lang)),
                g.findings.len()
            ));
        }
    }
    o
}

/// A table of the shared model as Markdown: its heading, the header row, one line per
/// row with a cell's lines joined by `<br>` and code in backticks.
pub fn table_markdown(t: &TableModel) -> String {
    let mut o = format!(
        "\n{} {}\n\n|",
        "#".repeat(usize::from(t.level.clamp(1, 6))),
        inline(&t.title)
    );
    for h in &t.headers {
        o.push_str(&format!(" {} |", cell(h)));
    }
    o.push_str("\n|");
    o.push_str(&"---|".repeat(t.headers.len()));
    o.push('\n');
    for row in &t.rows {
        o.push('|');
        for c in row {
            let cell = model::draw_cell(
                c,
                |p| match p {
                    Part::Text(s) | Part::Link(s) | Part::ToFill(s) => cell(s),
                    Part::Code(s) => format!("`{}`", cell(s).replace('`', "'")),
                },
                "<br>",
            );
            o.push_str(&format!(" {cell} |"));
        }
        o.push('\n');
    }
    o
}
