//! `disclose`: draft disclosures from a scan, for the app team to complete.
//!
//! * a **第三方SDK清单** in the MIIT layout: one row per SDK with name, legal entity, purpose
//!   (from its category), the personal data it reads (observed call sites, marked observed;
//!   documented by the SDK, marked documented), its permissions and privacy link;
//! * a **permission table**: each requested dangerous or privacy-relevant permission with
//!   its Chinese and English name and the code that uses it;
//! * a **Google Play Data safety** draft: data types collected, by which SDK.
//!
//! Each row says what was observed and what must be filled in by hand. The JSON form is
//! the structured policy format `apkaudit-declared/1` (docs/policy-formats.md) with extra
//! keys, so `audit APP --policy draft.json` reads it back exactly: an app audited against its
//! own draft has no `undeclared_*` finding.

use super::html::{esc, table_html};
use super::markdown::table_markdown;
use super::model::{code, text, Cell, Part, TableModel};
use super::text::{cap, data_label, pick};
use crate::knowledge::signatures::Category;
use crate::knowledge::{Knowledge, Lang};
use crate::scan::ScanReport;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// Version of the draft's JSON layout.
pub const DISCLOSURE_SCHEMA_VERSION: u32 = 1;

/// The draft.
#[derive(Debug, Clone, Serialize)]
pub struct Disclosure {
    /// The policy format this reads back as.
    pub schema: &'static str,
    /// Version of the draft layout.
    pub schema_version: u32,
    /// What this file is.
    pub kind: &'static str,
    /// The app.
    pub app: DraftApp,
    /// The 第三方SDK清单 rows.
    pub sdks: Vec<DraftSdk>,
    /// The permission table.
    pub permissions: Vec<DraftPermission>,
    /// Data types read by the app's own code or by code not attributed to an SDK.
    pub collected: Vec<String>,
    /// Google Play Data safety answers, one per data type.
    pub data_safety: Vec<DataSafetyRow>,
    /// What this draft is and is not.
    pub notes: Vec<String>,
}

/// The app the draft is for.
#[derive(Debug, Clone, Serialize)]
pub struct DraftApp {
    /// Input file.
    pub file: String,
    /// SHA-256 of the input.
    pub sha256: String,
    /// Package.
    pub package: Option<String>,
    /// App label.
    pub label: Option<String>,
    /// versionName.
    pub version_name: Option<String>,
    /// versionCode.
    pub version_code: Option<i64>,
}

/// One data type an SDK was seen reading.
#[derive(Debug, Clone, Serialize)]
pub struct ObservedData {
    /// Data-type id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Call sites found.
    pub call_sites: usize,
    /// One call site (`caller → api`).
    pub example: Option<String>,
}

/// One row of the SDK list.
#[derive(Debug, Clone, Serialize)]
pub struct DraftSdk {
    /// SDK id (the policy reader resolves the row by it).
    pub id: String,
    /// SDK name.
    pub name: String,
    /// Legal entity (开发者/运营者), where the database knows it.
    pub company: Option<String>,
    /// Purpose, from the SDK's category (to confirm).
    pub purpose: String,
    /// Category.
    pub category: String,
    /// Every data type of the row: observed, documented, and those of its permissions.
    pub data_types: Vec<String>,
    /// Data types seen read in the SDK's code.
    pub observed_data_types: Vec<ObservedData>,
    /// Data types the SDK's documentation says it collects (not observed).
    pub documented_data_types: Vec<String>,
    /// Data types its listed permissions give access to, added so the row is complete
    /// (to confirm).
    pub permission_data_types: Vec<String>,
    /// Permissions the SDK documents that the app requests.
    pub permissions: Vec<String>,
    /// Privacy-policy link.
    pub privacy_url: Option<String>,
    /// The SDK version the app carries and where it was read (`4.8.1 (from meta-data
    /// JPUSH_VERSION)`), when the scan found it; the version's known issues follow.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub version: Vec<String>,
    /// What must be filled in or checked by hand.
    pub to_fill: Vec<String>,
}

/// One row of the permission table.
#[derive(Debug, Clone, Serialize)]
pub struct DraftPermission {
    /// Permission constant.
    pub name: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Protection level.
    pub protection: String,
    /// Purpose: a placeholder to fill in.
    pub purpose: String,
    /// Code that uses it: SDKs documenting it, and owners seen reading its data.
    pub used_by: Vec<String>,
    /// What must be filled in by hand.
    pub to_fill: Vec<String>,
}

/// One Data safety answer.
#[derive(Debug, Clone, Serialize)]
pub struct DataSafetyRow {
    /// apkaudit data-type id.
    pub data_type: String,
    /// Play's category, empty when the form has no direct answer.
    pub play_category: String,
    /// Play's data type, empty when the form has no direct answer.
    pub play_type: String,
    /// Who collects it: SDK ids, `app`, `unknown`.
    pub collected_by: Vec<String>,
    /// Seen in code (true) or only documented by an SDK (false).
    pub observed: bool,
    /// What must be answered by hand.
    pub to_fill: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SafetyMap {
    map: Vec<SafetyEntry>,
}

/// One entry of `data/data_safety.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyEntry {
    /// apkaudit data-type id.
    pub data_type: String,
    /// Play category ("" when none).
    pub category: String,
    /// Play data type ("" when none).
    #[serde(rename = "type")]
    pub play_type: String,
}

/// The embedded `data/data_safety.toml`.
pub const DATA_SAFETY_TOML: &str = include_str!("../../data/data_safety.toml");

/// Play's categories and the data types under each (from the form).
pub const PLAY_TYPES: &[(&str, &[&str])] = &[
    ("Location", &["Approximate location", "Precise location"]),
    (
        "Personal info",
        &[
            "Name",
            "Email address",
            "User IDs",
            "Address",
            "Phone number",
            "Other info",
        ],
    ),
    ("Health and fitness", &["Health info", "Fitness info"]),
    (
        "Messages",
        &["Emails", "SMS or MMS", "Other in-app messages"],
    ),
    ("Photos and videos", &["Photos", "Videos"]),
    (
        "Audio",
        &[
            "Voice or sound recordings",
            "Music files",
            "Other audio files",
        ],
    ),
    ("Files and docs", &["Files and docs"]),
    ("Calendar", &["Calendar events"]),
    ("Contacts", &["Contacts"]),
    (
        "App activity",
        &[
            "App interactions",
            "In-app search history",
            "Installed apps",
            "Other user-generated content",
            "Other actions",
        ],
    ),
    (
        "App info and performance",
        &["Crash logs", "Diagnostics", "Other app performance data"],
    ),
    ("Device or other IDs", &["Device or other IDs"]),
];

/// Load and validate the Data safety map: known categories and types, no duplicates.
pub fn load_data_safety(text: &str) -> Result<Vec<SafetyEntry>, String> {
    let m: SafetyMap = toml::from_str(text).map_err(|e| format!("data/data_safety.toml: {e}"))?;
    let mut seen = BTreeSet::new();
    for e in &m.map {
        if !seen.insert(e.data_type.clone()) {
            return Err(format!("data/data_safety.toml: {} twice", e.data_type));
        }
        let ok = (e.category.is_empty() && e.play_type.is_empty())
            || PLAY_TYPES
                .iter()
                .any(|(c, ts)| *c == e.category && ts.contains(&e.play_type.as_str()));
        if !ok {
            return Err(format!(
                "data/data_safety.toml: {}: unknown Play category/type {:?}/{:?}",
                e.data_type, e.category, e.play_type
            ));
        }
    }
    Ok(m.map)
}

/// The embedded map, loaded once.
pub fn data_safety_map() -> &'static [SafetyEntry] {
    static MAP: OnceLock<Vec<SafetyEntry>> = OnceLock::new();
    MAP.get_or_init(|| load_data_safety(DATA_SAFETY_TOML).unwrap_or_default())
}

/// A purpose for an SDK category (to be confirmed by the app team).
pub fn category_purpose(c: Category, lang: Lang) -> &'static str {
    match c {
        Category::Ads => pick(lang, "ad delivery and attribution", "广告投放与效果归因"),
        Category::Push => pick(lang, "push notifications", "消息推送"),
        Category::Analytics => pick(lang, "usage statistics and analytics", "统计分析"),
        Category::Crash => pick(lang, "crash reporting", "崩溃监测与分析"),
        Category::Location => pick(lang, "location services", "定位服务"),
        Category::Payment => pick(lang, "payment", "支付"),
        Category::Social => pick(lang, "third-party login and sharing", "第三方登录与分享"),
        Category::RiskControl => pick(lang, "risk control and anti-fraud", "风险控制与反欺诈"),
        Category::Hotfix => pick(lang, "hot fixes", "热修复"),
        Category::Webview => pick(lang, "web content rendering", "网页浏览内核"),
        Category::Packer => pick(lang, "app hardening", "应用加固"),
        Category::Other => pick(lang, "(to fill in)", "（待填写）"),
    }
}

fn uniq(v: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    v.into_iter().filter(|x| seen.insert(x.clone())).collect()
}

/// Draft the disclosures of a scan.
pub fn disclosure(scan: &ScanReport, k: &Knowledge, lang: Lang) -> Disclosure {
    let requested: BTreeSet<&str> = scan.permissions.iter().map(|p| p.name.as_str()).collect();
    let fill = |en: &'static str, zh: &'static str| pick(lang, en, zh).to_string();
    let mut sdks = Vec::new();
    for f in &scan.sdks {
        let sig = k.signatures.get(&f.id);
        let observed: Vec<ObservedData> = scan
            .data_access
            .iter()
            .filter(|a| a.owner == f.id)
            .flat_map(|a| a.data_types.iter())
            .map(|d| ObservedData {
                id: d.data_type.clone(),
                name: data_label(k, &d.data_type, lang),
                call_sites: d.count,
                example: d
                    .call_sites
                    .first()
                    .map(|c| format!("{} → {}", cap(&c.caller, 160), c.api)),
            })
            .collect();
        let documented: Vec<String> = sig
            .map(|s| {
                s.data_types
                    .iter()
                    .filter(|d| !observed.iter().any(|o| &o.id == *d))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let permissions: Vec<String> = sig
            .map(|s| {
                s.permissions
                    .iter()
                    .filter(|p| requested.contains(p.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let mut data: Vec<String> = observed.iter().map(|o| o.id.clone()).collect();
        data.extend(documented.iter().cloned());
        let mut via_permission = Vec::new();
        for p in &permissions {
            let gives: Vec<String> = k
                .permissions
                .get(p)
                .map(|i| i.data_types.clone())
                .unwrap_or_default();
            if !gives.is_empty() && !gives.iter().any(|g| data.contains(g)) {
                via_permission.extend(gives);
            }
        }
        let via_permission = uniq(via_permission);
        data.extend(via_permission.iter().cloned());
        let company = match lang {
            Lang::Zh => f.vendor_zh.clone().or(f.vendor.clone()),
            Lang::En => f.vendor.clone().or(f.vendor_zh.clone()),
        };
        let mut to_fill = vec![fill(
            "confirm the purpose and the scenario in which the SDK collects data",
            "确认使用目的与收集场景",
        )];
        if company.is_none() {
            to_fill.push(fill(
                "legal entity (not in the database)",
                "开发者法律主体（数据库中没有）",
            ));
        }
        let privacy_url = sig.and_then(|s| s.privacy_url.clone());
        if privacy_url.is_none() {
            to_fill.push(fill(
                "privacy-policy link (not in the database)",
                "隐私政策链接（数据库中没有）",
            ));
        }
        if !documented.is_empty() || !via_permission.is_empty() {
            to_fill.push(fill(
                "check the documented data types against the SDK's configuration in this app",
                "按本应用对该 SDK 的配置核对文档所列的个人信息",
            ));
        }
        if f.confidence == "low" {
            to_fill.push(fill(
                "low-confidence identification: confirm the SDK is really included",
                "识别置信度低：请确认确实集成了该 SDK",
            ));
        }
        sdks.push(DraftSdk {
            id: f.id.clone(),
            name: match (lang, &f.name_zh) {
                (Lang::Zh, Some(z)) => z.clone(),
                _ => f.name.clone(),
            },
            company,
            purpose: category_purpose(f.category, lang).to_string(),
            category: f.category.to_string(),
            data_types: uniq(data),
            observed_data_types: observed,
            documented_data_types: documented,
            permission_data_types: via_permission,
            permissions,
            privacy_url,
            version: super::text::version_text(f, lang)
                .into_iter()
                .chain(super::text::version_issue_lines(f, lang))
                .collect(),
            to_fill,
        });
    }
    // data read outside SDKs
    let sdk_ids: BTreeSet<&str> = scan.sdks.iter().map(|s| s.id.as_str()).collect();
    let collected = uniq(
        scan.data_access
            .iter()
            .filter(|a| !sdk_ids.contains(a.owner.as_str()))
            .flat_map(|a| a.data_types.iter().map(|d| d.data_type.clone())),
    );
    // permissions: every privacy-relevant or dangerous one requested
    let permissions = scan
        .permissions
        .iter()
        .filter(|p| {
            k.permissions.is_privacy_relevant(&p.name) || k.permissions.is_dangerous(&p.name)
        })
        .map(|p| {
            let gives: Vec<String> = k
                .permissions
                .get(&p.name)
                .map(|i| i.data_types.clone())
                .unwrap_or_default();
            let mut used_by: Vec<String> = sdks
                .iter()
                .filter(|s| s.permissions.contains(&p.name))
                .map(|s| s.id.clone())
                .collect();
            for a in &scan.data_access {
                if a.data_types.iter().any(|d| gives.contains(&d.data_type)) {
                    used_by.push(a.owner.clone());
                }
            }
            DraftPermission {
                name: p.name.clone(),
                name_zh: k.permissions.display(&p.name, Lang::Zh),
                name_en: k.permissions.display(&p.name, Lang::En),
                protection: p.protection.clone(),
                purpose: fill(
                    "(to fill in: what it is for and when it is requested)",
                    "（待填写：用途与申请时机）",
                ),
                used_by: uniq(used_by),
                to_fill: vec![fill(
                    "purpose, the feature that needs it, when it is requested",
                    "用途、所需功能与申请时机",
                )],
            }
        })
        .collect();
    // Data safety
    let map = data_safety_map();
    let mut data_safety: Vec<DataSafetyRow> = Vec::new();
    let mut add = |id: &str, who: &str, observed: bool| {
        if let Some(r) = data_safety.iter_mut().find(|r| r.data_type == id) {
            if !r.collected_by.iter().any(|w| w == who) {
                r.collected_by.push(who.to_string());
            }
            r.observed |= observed;
            return;
        }
        let m = map.iter().find(|m| m.data_type == id);
        let mut to_fill = vec![fill(
            "collected and/or shared; processed ephemerally; required or optional; purposes",
            "收集和/或共享；是否临时处理；必需或可选；用途",
        )];
        if m.map_or(true, |m| m.category.is_empty()) {
            to_fill.insert(
                0,
                fill(
                    "map to a Play data type by hand",
                    "请手动对应到 Play 数据类型",
                ),
            );
        }
        data_safety.push(DataSafetyRow {
            data_type: id.to_string(),
            play_category: m.map(|m| m.category.clone()).unwrap_or_default(),
            play_type: m.map(|m| m.play_type.clone()).unwrap_or_default(),
            collected_by: vec![who.to_string()],
            observed,
            to_fill,
        });
    };
    for a in &scan.data_access {
        for d in &a.data_types {
            add(&d.data_type, &a.owner, true);
        }
    }
    for s in &sdks {
        for d in s
            .documented_data_types
            .iter()
            .chain(&s.permission_data_types)
        {
            add(d, &s.id, false);
        }
    }
    Disclosure {
        schema: "apkaudit-declared/1",
        schema_version: DISCLOSURE_SCHEMA_VERSION,
        kind: "apkaudit-disclosure-draft",
        app: DraftApp {
            file: scan.file.clone(),
            sha256: scan.sha256.clone(),
            package: scan.package.clone(),
            label: scan
                .manifest
                .as_ref()
                .and_then(|m| m.application.label.clone()),
            version_name: scan.version_name.clone(),
            version_code: scan.version_code,
        },
        sdks,
        permissions,
        collected,
        data_safety,
        notes: vec![fill(
            "A draft from static analysis of the APK: 'observed' means seen in the code, 'documented' means the SDK's own documentation says so. Complete every 'to fill' item, and remove what the app does not do, before publishing.",
            "本草稿来自对 APK 的静态分析：“已观察”表示在代码中看到，“文档所列”表示 SDK 自身文档如此说明。发布前请补全所有“待填写”项，并删除应用实际不做的内容。",
        )],
    }
}

/// The draft as JSON text (`apkaudit-declared/1` plus the draft's own keys).
pub fn disclosure_json(d: &Disclosure) -> String {
    serde_json::to_string_pretty(d).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

fn data_cell(k: &Knowledge, s: &DraftSdk, lang: Lang) -> Vec<String> {
    let mut v: Vec<String> = s
        .observed_data_types
        .iter()
        .map(|o| {
            format!(
                "{} ({} {})",
                o.name,
                pick(lang, "observed, call sites:", "已观察，调用点"),
                o.call_sites
            )
        })
        .collect();
    v.extend(s.documented_data_types.iter().map(|d| {
        format!(
            "{} ({})",
            data_label(k, d, lang),
            pick(lang, "documented", "文档所列")
        )
    }));
    v.extend(s.permission_data_types.iter().map(|d| {
        format!(
            "{} ({})",
            data_label(k, d, lang),
            pick(
                lang,
                "via its permissions, to confirm",
                "由其权限可获取，待确认"
            )
        )
    }));
    v
}

fn md_cell(s: &str) -> String {
    cap(s, 600).replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A cell of items to fill in or check by hand (drawn as such in HTML).
fn to_fill(items: &[String]) -> Cell {
    if items.is_empty() {
        Vec::new()
    } else {
        vec![vec![Part::ToFill(items.join("; "))]]
    }
}

/// The draft's tables, one model for every format: the 第三方SDK清单, the permission table
/// and the Data safety draft.
fn draft_tables(d: &Disclosure, k: &Knowledge, lang: Lang) -> [TableModel; 3] {
    let fill = || {
        vec![vec![Part::ToFill(
            pick(lang, "(to fill in)", "（待填写）").into(),
        )]]
    };
    let headers = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let sdks = TableModel {
        id: "sdk-list",
        title: pick(
            lang,
            "Third-party SDK list (第三方SDK清单)",
            "第三方SDK清单",
        )
        .into(),
        level: 2,
        headers: headers(&[
            pick(lang, "SDK name", "SDK名称"),
            pick(lang, "legal entity", "开发者名称"),
            pick(lang, "purpose", "使用目的"),
            pick(lang, "personal data", "收集个人信息类型"),
            pick(lang, "permissions", "所需权限"),
            pick(lang, "privacy policy", "隐私政策链接"),
            pick(lang, "to fill in by hand", "待人工填写"),
        ]),
        rows: d
            .sdks
            .iter()
            .map(|s| {
                vec![
                    // the name, then the version found and its known issues
                    std::iter::once(&s.name)
                        .chain(&s.version)
                        .map(|l| vec![Part::Text(l.clone())])
                        .collect(),
                    s.company.clone().map(text).unwrap_or_else(fill),
                    text(s.purpose.clone()),
                    data_cell(k, s, lang)
                        .into_iter()
                        .map(|l| vec![Part::Text(l)])
                        .collect(),
                    s.permissions
                        .iter()
                        .map(|p| vec![Part::Code(p.clone())])
                        .collect(),
                    s.privacy_url
                        .clone()
                        .map(|u| vec![vec![Part::Link(u)]])
                        .unwrap_or_else(fill),
                    to_fill(&s.to_fill),
                ]
            })
            .collect(),
    };
    let permissions = TableModel {
        id: "permission-list",
        title: pick(lang, "Permissions", "权限说明").into(),
        level: 2,
        headers: headers(&[
            pick(lang, "permission", "权限"),
            "中文名称",
            "English name",
            pick(lang, "used by", "使用代码"),
            pick(lang, "purpose", "用途"),
            pick(lang, "to fill in by hand", "待人工填写"),
        ]),
        rows: d
            .permissions
            .iter()
            .map(|p| {
                vec![
                    code(p.name.clone()),
                    text(p.name_zh.clone()),
                    text(p.name_en.clone()),
                    text(p.used_by.join(", ")),
                    vec![vec![Part::ToFill(p.purpose.clone())]],
                    to_fill(&p.to_fill),
                ]
            })
            .collect(),
    };
    let safety = TableModel {
        id: "data-safety",
        title: pick(
            lang,
            "Google Play Data safety (draft)",
            "Google Play 数据安全表单（草稿）",
        )
        .into(),
        level: 2,
        headers: headers(&[
            pick(lang, "data type", "数据类型"),
            pick(lang, "Play category / type", "Play 类别 / 类型"),
            pick(lang, "collected by", "收集方"),
            pick(lang, "basis", "依据"),
            pick(lang, "to answer by hand", "待人工回答"),
        ]),
        rows: d
            .data_safety
            .iter()
            .map(|r| {
                vec![
                    text(data_label(k, &r.data_type, lang)),
                    if r.play_category.is_empty() {
                        Vec::new()
                    } else {
                        text(format!("{} / {}", r.play_category, r.play_type))
                    },
                    text(r.collected_by.join(", ")),
                    text(if r.observed {
                        pick(lang, "observed", "已观察")
                    } else {
                        pick(lang, "documented", "文档所列")
                    }),
                    to_fill(&r.to_fill),
                ]
            })
            .collect(),
    };
    [sdks, permissions, safety]
}

/// The app's name, package and version as the drafts head them.
fn app_head(d: &Disclosure) -> (String, &str, &str, String) {
    (
        cap(
            d.app
                .label
                .as_deref()
                .or(d.app.package.as_deref())
                .unwrap_or("-"),
            200,
        )
        .into_owned(),
        d.app.package.as_deref().unwrap_or("-"),
        d.app.version_name.as_deref().unwrap_or("-"),
        d.app
            .version_code
            .map(|c| c.to_string())
            .unwrap_or_else(|| "-".into()),
    )
}

/// The data read by code that is not an SDK's, as one sentence; `None` when none.
fn collected_line(d: &Disclosure, k: &Knowledge, lang: Lang) -> Option<(&'static str, String)> {
    (!d.collected.is_empty()).then(|| {
        (
            pick(
                lang,
                "Personal data read by the app's own code (or code not attributed to an SDK)",
                "应用自身代码（或未归属到 SDK 的代码）读取的个人信息",
            ),
            d.collected
                .iter()
                .map(|c| data_label(k, c, lang))
                .collect::<Vec<_>>()
                .join(", "),
        )
    })
}

/// The draft as Markdown.
pub fn disclosure_markdown(d: &Disclosure, k: &Knowledge, lang: Lang) -> String {
    let (name, package, version, code) = app_head(d);
    let mut o = format!(
        "# {}: {}\n\n{}\n\n{}: `{}` · {} {} ({code})\n",
        pick(lang, "Draft disclosures", "披露草稿"),
        md_cell(&name),
        md_cell(&d.notes.join(" ")),
        pick(lang, "Package", "包名"),
        md_cell(package),
        pick(lang, "version", "版本"),
        md_cell(version),
    );
    let [sdks, permissions, safety] = draft_tables(d, k, lang);
    o.push_str(&table_markdown(&sdks));
    if let Some((what, list)) = collected_line(d, k, lang) {
        o.push_str(&format!("\n{what}: {}\n", md_cell(&list)));
    }
    o.push_str(&table_markdown(&permissions));
    o.push_str(&table_markdown(&safety));
    o
}

/// The draft as one self-contained HTML page (the Markdown tables, no external resource).
pub fn disclosure_html(d: &Disclosure, k: &Knowledge, lang: Lang) -> String {
    let (name, package, version, code) = app_head(d);
    let title = pick(lang, "Draft disclosures", "披露草稿");
    let mut o = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>{}</title><style>body{{font:14px/1.45 system-ui,sans-serif;max-width:1180px;margin:24px auto;padding:0 16px}}\
table{{border-collapse:collapse;width:100%}}th,td{{border:1px solid #ccd;padding:4px 8px;text-align:left;vertical-align:top}}\
th{{background:#eef}}.fill{{color:#a15c00}}</style></head><body>\n",
        pick(lang, "en", "zh-CN"),
        esc(title)
    );
    o.push_str(&format!(
        "<h1>{}: {}</h1><p>{}</p><p>{} <code>{}</code> · {} {} ({code})</p>\n",
        esc(title),
        esc(&name),
        esc(&d.notes.join(" ")),
        esc(pick(lang, "Package", "包名")),
        esc(package),
        esc(pick(lang, "version", "版本")),
        esc(version),
    ));
    let [sdks, permissions, safety] = draft_tables(d, k, lang);
    o.push_str(&table_html(&sdks));
    if let Some((what, list)) = collected_line(d, k, lang) {
        o.push_str(&format!("<p>{}: {}</p>\n", esc(what), esc(&list)));
    }
    o.push_str(&table_html(&permissions));
    o.push_str(&table_html(&safety));
    o.push_str("</body></html>\n");
    o
}

/// The draft as CSV in the structured policy layout (`kind,name,company,purpose,data_types,
/// permissions,privacy_url`) plus `observed`, `documented`, `to_fill` and `version` (the
/// version found and where it was read, then its known issues, `; `-joined) columns; Data
/// safety rows have kind `data_safety` (the policy reader skips them with a warning).
pub fn disclosure_csv(d: &Disclosure) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "kind",
        "name",
        "company",
        "purpose",
        "data_types",
        "permissions",
        "privacy_url",
        "observed",
        "documented",
        "to_fill",
        "version",
    ]);
    for s in &d.sdks {
        let observed: Vec<String> = s
            .observed_data_types
            .iter()
            .map(|o| format!("{} ({})", o.id, o.call_sites))
            .collect();
        let _ = w.write_record([
            "sdk",
            &s.id,
            s.company.as_deref().unwrap_or(""),
            &s.purpose,
            &s.data_types.join("、"),
            &s.permissions.join("、"),
            s.privacy_url.as_deref().unwrap_or(""),
            &observed.join("、"),
            &s.documented_data_types.join("、"),
            &s.to_fill.join("; "),
            &s.version.join("; "),
        ]);
    }
    for p in &d.permissions {
        let _ = w.write_record([
            "permission",
            &p.name,
            "",
            &p.purpose,
            "",
            "",
            "",
            &p.used_by.join("、"),
            "",
            &p.to_fill.join("; "),
            "",
        ]);
    }
    for c in &d.collected {
        let _ = w.write_record(["data", c, "", "", c, "", "", "app", "", "", ""]);
    }
    for r in &d.data_safety {
        let _ = w.write_record([
            "data_safety",
            &r.data_type,
            "",
            &format!("{} / {}", r.play_category, r.play_type),
            &r.data_type,
            "",
            "",
            if r.observed { "observed" } else { "" },
            &r.collected_by.join("、"),
            &r.to_fill.join("; "),
            "",
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_safety_map_covers_every_data_type_once_with_known_play_names() {
        let map = load_data_safety(DATA_SAFETY_TOML).unwrap();
        for id in crate::knowledge::data_types::DATA_TYPE_IDS {
            assert!(map.iter().any(|m| m.data_type == *id), "{id} not mapped");
        }
        for m in &map {
            assert!(
                crate::knowledge::data_types::DATA_TYPE_IDS.contains(&m.data_type.as_str()),
                "{} is not a data type",
                m.data_type
            );
        }
        assert!(
            load_data_safety("[[map]]\ndata_type=\"imei\"\ncategory=\"Nope\"\ntype=\"x\"").is_err()
        );
    }
}
