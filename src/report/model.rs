//! What the Markdown and HTML reports show, as one model each format renders: the tables
//! (SDKs, data read by code outside SDKs, permissions; the `disclose` drafts' tables) as
//! [`TableModel`], and the findings by SDK as [`FindingSection`]s. A column or a line added
//! here appears in every format.

use super::text::{self, cap, pick, DataRead};
use crate::audit::{AuditReport, Finding, Rule, Severity};
use crate::knowledge::{Knowledge, Lang};
use crate::scan::ScanReport;

/// One piece of a cell's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Plain text.
    Text(String),
    /// Code or an identifier (monospace in HTML).
    Code(String),
    /// A URL: a link in HTML when it is http(s), else text.
    Link(String),
    /// What must be filled in or checked by hand (the drafts of `disclose`), marked as such.
    ToFill(String),
}

/// A cell: lines, each made of parts. An empty cell is drawn as `-`.
pub type Cell = Vec<Vec<Part>>;

/// A table with its heading.
#[derive(Debug, Clone)]
pub struct TableModel {
    /// HTML id of the table (`sdks`, `permissions`, ...).
    pub id: &'static str,
    /// Heading above the table.
    pub title: String,
    /// Heading level (2 = a section, 3 = inside one).
    pub level: u8,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows, one cell per header.
    pub rows: Vec<Vec<Cell>>,
}

/// A cell as one string: each part drawn by `part`, parts of a line joined by a space,
/// lines joined by `br`; an empty cell is `-`.
pub fn draw_cell(c: &Cell, part: impl Fn(&Part) -> String, br: &str) -> String {
    if c.is_empty() {
        return "-".into();
    }
    c.iter()
        .map(|line| line.iter().map(&part).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(br)
}

/// A one-line text cell (`-` when empty).
pub fn text(s: impl Into<String>) -> Cell {
    let s = s.into();
    if s.is_empty() {
        Vec::new()
    } else {
        vec![vec![Part::Text(s)]]
    }
}

/// A one-line code cell.
pub fn code(s: impl Into<String>) -> Cell {
    vec![vec![Part::Code(s.into())]]
}

/// One line per data type read: the summary, then the example call site as code.
fn data_cell(reads: &[DataRead], lang: Lang) -> Cell {
    reads
        .iter()
        .map(|d| {
            let mut line = vec![Part::Text(d.summary(lang))];
            if let Some(e) = &d.example {
                line.push(Part::Code(e.clone()));
            }
            line
        })
        .collect()
}

/// The SDK table: name, legal entity, version (where read, known issues), category,
/// privacy link, data read with call sites, certainty and attribution.
pub fn sdk_table(scan: &ScanReport, k: &Knowledge, lang: Lang) -> TableModel {
    let rows = text::sdk_rows(scan, k, lang)
        .into_iter()
        .map(|s| {
            let mut version = text(s.version.unwrap_or_default());
            version.extend(s.version_notes.into_iter().map(|n| vec![Part::Text(n)]));
            vec![
                text(s.name),
                text(s.legal_entity.unwrap_or_default()),
                version,
                text(s.category),
                s.privacy_url
                    .map(|u| vec![vec![Part::Link(u)]])
                    .unwrap_or_default(),
                data_cell(&s.data_read, lang),
            ]
        })
        .collect();
    TableModel {
        id: "sdks",
        title: pick(lang, "SDKs found", "检测到的 SDK").into(),
        level: 2,
        headers: [
            "SDK",
            pick(lang, "legal entity", "开发者"),
            pick(lang, "version", "版本"),
            pick(lang, "category", "类别"),
            pick(lang, "privacy policy", "隐私政策"),
            pick(
                lang,
                "data read (call sites; attribution)",
                "读取的信息（调用点；归属依据）",
            ),
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// Data read by code that is not an SDK's (the app, AndroidX, unattributed code); `None`
/// when there is none.
pub fn other_data_table(scan: &ScanReport, k: &Knowledge, lang: Lang) -> Option<TableModel> {
    let rows: Vec<Vec<Cell>> = text::other_data_rows(scan, k, lang)
        .into_iter()
        .map(|(owner, d)| {
            let example = d.example.clone().map(code).unwrap_or_default();
            vec![
                text(owner),
                data_cell(std::slice::from_ref(&DataRead { example: None, ..d }), lang),
                example,
            ]
        })
        .collect();
    (!rows.is_empty()).then(|| TableModel {
        id: "other-data",
        title: pick(
            lang,
            "Data read by code outside SDKs",
            "SDK 以外代码读取的信息",
        )
        .into(),
        level: 3,
        headers: [
            pick(lang, "code", "代码"),
            pick(
                lang,
                "data read (call sites; attribution)",
                "读取的信息（调用点；归属依据）",
            ),
            pick(lang, "e.g.", "示例"),
        ]
        .map(String::from)
        .to_vec(),
        rows,
    })
}

/// The permission table: name, label in `lang`, protection, privacy-relevant, the SDKs
/// documenting it.
pub fn permission_table(scan: &ScanReport, k: &Knowledge, lang: Lang) -> TableModel {
    let rows = text::permission_rows(scan, k, lang)
        .into_iter()
        .map(|p| {
            vec![
                code(p.name),
                text(match lang {
                    Lang::Zh => p.label_zh,
                    Lang::En => p.label_en,
                }),
                text(p.protection),
                text(if p.privacy_relevant {
                    pick(lang, "yes", "是")
                } else {
                    pick(lang, "no", "否")
                }),
                text(p.sdks.join(", ")),
            ]
        })
        .collect();
    TableModel {
        id: "permissions",
        title: pick(lang, "Permissions", "权限").into(),
        level: 2,
        headers: [
            pick(lang, "permission", "权限"),
            pick(lang, "name", "名称"),
            pick(lang, "protection", "保护级别"),
            pick(lang, "privacy-relevant", "涉及隐私"),
            pick(lang, "SDKs documenting it", "使用该权限的 SDK"),
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// One finding as the Markdown and HTML reports show it.
#[derive(Debug, Clone)]
pub struct FindingView {
    /// Severity.
    pub severity: Severity,
    /// The rule.
    pub rule: Rule,
    /// The rule's one-line statement in the report's language.
    pub short: &'static str,
    /// What the finding is about.
    pub subject: String,
    /// The APK evidence with what the scan adds ([`text::finding_evidence`]).
    pub evidence: Vec<String>,
    /// The policy excerpt: where (`line` or `file:line`) and the text; `None` when the
    /// policy does not mention it.
    pub policy: Option<(String, String)>,
    /// Why the finding could not be judged.
    pub unjudged: Option<String>,
    /// When the rule fires.
    pub full: &'static str,
    /// How to fix it, in the report's language.
    pub help: &'static str,
    /// The regulation clause it rests on.
    pub basis: &'static str,
}

/// The findings about one SDK (or the app and its permissions, last).
#[derive(Debug, Clone)]
pub struct FindingSection {
    /// The SDK's name, or "App and permissions".
    pub title: String,
    /// The SDK's legal entity, where known.
    pub vendor: Option<String>,
    /// Its findings, most severe first (report order).
    pub findings: Vec<FindingView>,
}

/// Findings grouped by the SDK they concern; the rest (permissions, the app's own code)
/// last. Each section keeps report order (most severe first).
pub fn by_sdk(findings: &[Finding]) -> Vec<(Option<&str>, Vec<&Finding>)> {
    let mut out: Vec<(Option<&str>, Vec<&Finding>)> = Vec::new();
    let mut index: std::collections::HashMap<Option<&str>, usize> = Default::default();
    for f in findings {
        let key = f.sdk.as_deref();
        match index.get(&key) {
            Some(&i) => out[i].1.push(f),
            None => {
                index.insert(key, out.len());
                out.push((key, vec![f]));
            }
        }
    }
    out.sort_by_key(|(k, _)| k.is_none());
    out
}

/// The findings sections of an audit, for every format that lists findings by SDK.
pub fn finding_sections(
    r: &AuditReport,
    scan: &ScanReport,
    k: &Knowledge,
    lang: Lang,
) -> Vec<FindingSection> {
    by_sdk(&r.findings)
        .into_iter()
        .map(|(sdk, fs)| FindingSection {
            title: match sdk {
                Some(s) => text::sdk_label(k, s, lang),
                None => pick(lang, "App and permissions", "应用与权限").to_string(),
            },
            vendor: sdk
                .and_then(|s| k.signatures.get(s))
                .and_then(|s| match lang {
                    Lang::Zh => s.vendor_zh.clone().or(s.vendor.clone()),
                    Lang::En => s.vendor.clone().or(s.vendor_zh.clone()),
                }),
            findings: fs
                .into_iter()
                .map(|f| {
                    let t = f.rule.text();
                    FindingView {
                        severity: f.severity,
                        rule: f.rule,
                        short: text::rule_short(f.rule, lang),
                        subject: text::subject(k, f, lang),
                        evidence: text::finding_evidence(scan, k, f, lang),
                        policy: f
                            .policy_source
                            .as_ref()
                            .map(|s| (s.at(), cap(&s.text, 1000).into_owned())),
                        unjudged: f.unjudged.clone(),
                        full: t.full,
                        help: text::rule_help(f.rule, lang),
                        basis: t.basis,
                    }
                })
                .collect(),
        })
        .collect()
}
