//! The audit as one self-contained HTML file for auditors to hand over: inline CSS, no
//! script, no font, no external image (the app icon is a `data:` URI), and a
//! Content-Security-Policy that forbids loading anything else, so opening it offline or
//! online fetches nothing.
//!
//! Content (the same as the Markdown report): app label, icon, package, version, signer and
//! scheme, packer warning, totals, the policy-understood block, findings grouped by SDK with
//! the APK evidence and the policy excerpt side by side and the rule explained with the
//! regulation it rests on, the SDK table and the permission table.

use super::model::{self, Part, TableModel};
use super::text::{self, cap, pick, severity_label};
use crate::audit::{AuditReport, Severity};
use crate::knowledge::{Knowledge, Lang};
use crate::scan::ScanReport;

/// The icon to embed, or why there is none.
pub type IconInput<'a> = Result<(&'a str, &'a [u8]), String>;

/// Escape text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A capped, escaped cell.
fn e(s: &str) -> String {
    esc(&cap(s, text::CELL_CAP))
}

/// A link when `url` is http(s), else the text.
fn link(url: &str) -> String {
    let u = cap(url, 300);
    if (u.starts_with("https://") || u.starts_with("http://")) && !u.contains(char::is_whitespace) {
        format!("<a href=\"{0}\" rel=\"noreferrer\">{0}</a>", esc(&u))
    } else {
        esc(&u)
    }
}

const CSS: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d232a;background:#f5f6f8}
main{max-width:1180px;margin:0 auto;padding:24px}
header{display:flex;gap:20px;align-items:center;background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:16px}
header img{width:72px;height:72px;border-radius:14px;object-fit:contain;background:#eef0f3}
.noicon{width:72px;height:72px;border-radius:14px;background:#eef0f3;display:flex;align-items:center;justify-content:center;font-size:11px;color:#5b6570;text-align:center;padding:4px;box-sizing:border-box}
h1{margin:0 0 4px;font-size:22px} h2{margin:28px 0 10px;font-size:18px} h3{margin:18px 0 8px;font-size:16px}
section,.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:12px 16px;margin:12px 0}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px} .kv dt{color:#5b6570} .kv dd{margin:0;word-break:break-all}
.warn{background:#fff4e5;border-color:#f0b45a} .totals span{display:inline-block;margin-right:10px}
.sev{display:inline-block;border-radius:4px;padding:0 7px;font-weight:600;font-size:12px;color:#fff}
.sev-high{background:#c62828} .sev-medium{background:#ef8c00} .sev-low{background:#1e88e5} .sev-info{background:#78909c}
.finding{border-left:4px solid #c9ced4;padding:8px 12px;margin:10px 0;background:#fafbfc}
.finding.high{border-color:#c62828} .finding.medium{border-color:#ef8c00} .finding.low{border-color:#1e88e5}
.side{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin:8px 0}
.side>div{background:#fff;border:1px solid #e3e6ea;border-radius:6px;padding:8px 10px;min-width:0}
.side h4{margin:0 0 4px;font-size:12px;color:#5b6570;text-transform:uppercase;letter-spacing:.03em}
code,.mono{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
ul.ev{margin:0;padding-left:18px} blockquote{margin:0;padding-left:8px;border-left:3px solid #d0d5db;color:#333}
details{margin-top:6px} summary{cursor:pointer;color:#37474f}
table{border-collapse:collapse;width:100%;background:#fff} th,td{border:1px solid #dde1e6;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef0f3;font-weight:600} td{word-break:break-word}
footer{color:#5b6570;font-size:12px;margin:24px 0}
@media print{body{background:#fff} section,.card,header{border-color:#bbb}}
";

fn sev_badge(s: Severity, lang: Lang) -> String {
    format!(
        "<span class=\"sev sev-{}\">{}</span>",
        s.as_str(),
        severity_label(s, lang)
    )
}

/// Render an audit report as a self-contained HTML page. `icon` is the launcher icon
/// (MIME type and bytes) or why there is none; a non-image is refused with a note.
pub fn audit_html(
    r: &AuditReport,
    scan: &ScanReport,
    k: &Knowledge,
    lang: Lang,
    icon: IconInput<'_>,
) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let label = scan
        .manifest
        .as_ref()
        .and_then(|m| m.application.label.clone())
        .filter(|l| !l.starts_with('@'))
        .or(scan.package.clone())
        .unwrap_or_else(|| scan.file.clone());
    o.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{} — {}</title><style>{CSS}</style></head><body><main>\n",
        pick(lang, "en", "zh-CN"),
        e(&label),
        pick(lang, "privacy disclosure audit", "隐私合规审计报告")
    ));
    // header: icon, label, package, version
    o.push_str("<header>");
    match &icon {
        Ok((mime, bytes)) => match crate::scan::icon::image_mime(bytes) {
            Some(real) if real == *mime => o.push_str(&format!(
                "<img alt=\"{}\" src=\"data:{mime};base64,{}\">",
                pick(lang, "app icon", "应用图标"),
                data_encoding::BASE64.encode(bytes)
            )),
            _ => o.push_str(&format!(
                "<div class=\"noicon\" id=\"icon-note\">{}</div>",
                pick(lang, "icon is not an image", "图标不是图片")
            )),
        },
        Err(why) => o.push_str(&format!(
            "<div class=\"noicon\" id=\"icon-note\" title=\"{}\">{}</div>",
            e(why),
            pick(lang, "no icon", "无图标")
        )),
    }
    o.push_str(&format!(
        "<div><h1>{}</h1><div class=\"mono\">{}</div><div>{}</div></div></header>\n",
        e(&label),
        e(scan.package.as_deref().unwrap_or("-")),
        pick(lang, "Privacy disclosure audit", "隐私合规审计报告")
    ));
    // app facts
    o.push_str("<section><dl class=\"kv\">");
    for (key, val) in text::app_lines(scan, lang) {
        o.push_str(&format!("<dt>{}</dt><dd>{}</dd>", esc(key), e(&val)));
    }
    o.push_str("</dl>");
    if let Err(why) = &icon {
        o.push_str(&format!(
            "<p class=\"mono\">{}: {}</p>",
            pick(lang, "icon", "图标"),
            e(why)
        ));
    }
    o.push_str("</section>\n");
    // signing
    o.push_str(&format!(
        "<h2>{}</h2><section id=\"signing\"><ul>",
        pick(lang, "Signing", "签名")
    ));
    for l in text::signing_lines(scan, lang) {
        o.push_str(&format!("<li class=\"mono\">{}</li>", e(&l)));
    }
    o.push_str("</ul></section>\n");
    let warnings = text::incomplete_warnings(k, scan, lang);
    if !warnings.is_empty() {
        o.push_str("<section class=\"warn\" id=\"packer\">");
        for w in warnings {
            o.push_str(&format!(
                "<p><strong>{}:</strong> {}</p>",
                pick(lang, "Warning", "警告"),
                e(&w)
            ));
        }
        o.push_str("</section>\n");
    }
    // summary
    o.push_str(&format!(
        "<h2>{}</h2><section id=\"summary\"><p class=\"totals\">",
        pick(lang, "Summary", "概要")
    ));
    for s in Severity::ALL.iter().rev() {
        let n = r.findings.iter().filter(|f| f.severity == *s).count();
        o.push_str(&format!("<span>{} {n}</span>", sev_badge(*s, lang)));
    }
    o.push_str(&format!(
        "</p><p>{}</p><h3>{}</h3><ul>",
        e(&text::totals(r, lang)),
        pick(lang, "Policy understood", "隐私政策读取情况")
    ));
    for l in text::understood_lines(&r.policy_understood, lang) {
        o.push_str(&format!("<li>{}</li>", e(&l)));
    }
    o.push_str("</ul></section>\n");
    // findings by SDK
    o.push_str(&format!(
        "<h2>{}</h2>\n",
        pick(lang, "Findings by SDK", "按 SDK 分组的发现")
    ));
    if r.findings.is_empty() {
        o.push_str(&format!(
            "<section>{}</section>",
            pick(lang, "No findings.", "没有发现。")
        ));
    }
    for sec in model::finding_sections(r, scan, k, lang) {
        o.push_str(&format!(
            "<section class=\"sdk\"><h3>{}{}</h3>",
            e(&sec.title),
            sec.vendor
                .map(|v| format!(" <small>— {}</small>", e(&v)))
                .unwrap_or_default()
        ));
        for f in sec.findings {
            o.push_str(&format!(
                "<div class=\"finding {}\"><div>{} <strong>{}</strong> {} — {}</div>",
                f.severity.as_str(),
                sev_badge(f.severity, lang),
                f.rule,
                esc(f.short),
                e(&f.subject)
            ));
            o.push_str(&format!(
                "<div class=\"side\"><div><h4>{}</h4><ul class=\"ev\">",
                pick(lang, "APK evidence", "APK 证据")
            ));
            if f.evidence.is_empty() {
                o.push_str("<li>-</li>");
            }
            for ev in &f.evidence {
                o.push_str(&format!("<li class=\"mono\">{}</li>", e(ev)));
            }
            o.push_str(&format!(
                "</ul></div><div><h4>{}</h4>",
                pick(lang, "Privacy policy", "隐私政策")
            ));
            match &f.policy {
                Some((at, t)) => o.push_str(&format!(
                    "<div>{} {}</div><blockquote>{}</blockquote>",
                    pick(lang, "line", "第"),
                    esc(at),
                    esc(t)
                )),
                None => o.push_str(&format!(
                    "<div>{}</div>",
                    pick(lang, "(not mentioned in the policy)", "（隐私政策未提及）")
                )),
            }
            o.push_str("</div></div>");
            if let Some(why) = &f.unjudged {
                o.push_str(&format!(
                    "<p><em>{}:</em> {}</p>",
                    pick(lang, "Not judged", "未判定"),
                    e(why)
                ));
            }
            o.push_str(&format!(
                "<details><summary>{} {}</summary><p>{}</p><p><strong>{}:</strong> {}</p><p><strong>{}:</strong> {}</p></details></div>\n",
                pick(lang, "Rule", "规则"),
                f.rule,
                esc(f.full),
                pick(lang, "How to fix", "整改建议"),
                esc(f.help),
                pick(lang, "Rests on", "依据"),
                esc(f.basis)
            ));
        }
        o.push_str("</section>\n");
    }
    o.push_str(&table_html(&model::sdk_table(scan, k, lang)));
    if let Some(t) = model::other_data_table(scan, k, lang) {
        o.push_str(&table_html(&t));
    }
    o.push_str(&table_html(&model::permission_table(scan, k, lang)));
    o.push_str(&format!(
        "<footer>apkaudit {} · {}</footer></main></body></html>\n",
        env!("CARGO_PKG_VERSION"),
        pick(
            lang,
            "Static analysis of the APK against its privacy policy: evidence to review, not a legal verdict.",
            "基于 APK 静态分析与隐私政策的比对：供复核的证据，并非法律结论。"
        )
    ));
    o
}

/// A table of the shared model as HTML: its heading and a `<table>` with the model's id;
/// a cell's lines are joined by `<br>`, code is `<code>`, only http(s) URLs are links.
pub fn table_html(t: &TableModel) -> String {
    let level = t.level.clamp(1, 6);
    let mut o = format!(
        "<h{level}>{}</h{level}><table id=\"{}\"><tr>",
        e(&t.title),
        t.id
    );
    for h in &t.headers {
        o.push_str(&format!("<th>{}</th>", e(h)));
    }
    o.push_str("</tr>\n");
    for row in &t.rows {
        o.push_str("<tr>");
        for c in row {
            let cell = model::draw_cell(
                c,
                |p| match p {
                    Part::Text(s) => e(s),
                    Part::Code(s) => format!("<code>{}</code>", e(s)),
                    Part::Link(u) => link(u),
                    Part::ToFill(s) => format!("<span class=\"fill\">{}</span>", e(s)),
                },
                "<br>",
            );
            o.push_str(&format!("<td>{cell}</td>"));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</table>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_only_http_links() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert!(link("javascript:alert(1)").starts_with("javascript"));
        assert!(!link("javascript:alert(1)").contains("<a"));
        assert!(link("https://x.example/p").contains("<a href"));
    }
}
