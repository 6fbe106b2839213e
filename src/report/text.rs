//! What every human report says, in one place and in the reader's language: names of
//! SDKs, permissions and data types, rule sentences, totals, the policy-understood block,
//! the app and signer lines, and findings grouped so repeated ones read as one.
//!
//! All text passes are linear in their input; cells are capped ([`cap`]) so a huge policy
//! cell cannot make a report huge.

use crate::audit::{AuditReport, Finding, PolicyUnderstood, Rule, Severity};
use crate::detect::attribution::{Attribution, Confidence};
use crate::detect::data_access::{DataTypeAccess, ReadCertainty};
use crate::detect::sdk::SdkFinding;
use crate::knowledge::{Knowledge, Lang};
use crate::scan::ScanReport;
use std::borrow::Cow;

/// Most characters of one name or evidence line shown in a human report.
pub const CELL_CAP: usize = 300;

/// `en` or `zh` by language.
pub fn pick(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// `s` cut to `max` characters, with the number left out said.
pub fn cap(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((at, _)) => {
            let rest = s[at..].chars().count();
            Cow::Owned(format!("{}… (+{rest} characters)", &s[..at]))
        }
    }
}

/// `1 finding`, `2 findings` (English); counts in Chinese take no plural.
pub fn count(n: usize, lang: Lang, one: &str, many: &str, zh: &str) -> String {
    match lang {
        Lang::En if n == 1 => format!("{n} {one}"),
        Lang::En => format!("{n} {many}"),
        Lang::Zh => format!("{n} {zh}"),
    }
}

/// The severity as shown: lowercase in English.
pub fn severity_label(s: Severity, lang: Lang) -> &'static str {
    match lang {
        Lang::En => s.as_str(),
        Lang::Zh => match s {
            Severity::High => "高",
            Severity::Medium => "中",
            Severity::Low => "低",
            Severity::Info => "提示",
        },
    }
}

/// An SDK's display name (id or policy name when it is not in the database).
pub fn sdk_label(k: &Knowledge, id: &str, lang: Lang) -> String {
    match k.signatures.get(id) {
        Some(s) => match (lang, &s.name_zh) {
            (Lang::Zh, Some(z)) => format!("{z} [{id}]"),
            _ => format!("{} [{id}]", s.name),
        },
        None => cap(id, 80).into_owned(),
    }
}

/// A permission as `CONSTANT (label)`.
pub fn permission_label(k: &Knowledge, name: &str, lang: Lang) -> String {
    let short = name.rsplit('.').next().unwrap_or(name);
    match k.permissions.get(name) {
        Some(_) => format!("{short} ({})", k.permissions.display(name, lang)),
        None => cap(name, 120).into_owned(),
    }
}

/// A data type's display name.
pub fn data_label(k: &Knowledge, id: &str, lang: Lang) -> String {
    cap(k.data_types.display(id, lang), 80).into_owned()
}

/// What a finding is about, in `lang`.
pub fn subject(k: &Knowledge, f: &Finding, lang: Lang) -> String {
    match (&f.sdk, &f.permission, &f.data_type) {
        (Some(s), _, Some(d)) => format!("{}: {}", sdk_label(k, s, lang), data_label(k, d, lang)),
        (Some(s), _, None) => sdk_label(k, s, lang),
        (None, Some(p), _) => permission_label(k, p, lang),
        (None, None, Some(d)) => data_label(k, d, lang),
        (None, None, None) => String::new(),
    }
}

/// The rule's one-line statement in `lang`.
pub fn rule_short(r: Rule, lang: Lang) -> &'static str {
    let t = r.text();
    pick(lang, t.short, t.short_zh)
}

/// How to fix what the rule finds, in `lang`.
pub fn rule_help(r: Rule, lang: Lang) -> &'static str {
    let t = r.text();
    pick(lang, t.help, t.help_zh)
}

/// Findings of one severity and rule about one owner (an SDK for data findings), shown
/// as one entry: twelve "row lacks a company" findings read as one line with twelve items.
#[derive(Debug)]
pub struct Group<'a> {
    /// Severity shared by the findings.
    pub severity: Severity,
    /// Rule shared by the findings.
    pub rule: Rule,
    /// The SDK the data findings are about, if any.
    pub owner: Option<&'a str>,
    /// The findings, in report order.
    pub findings: Vec<&'a Finding>,
}

impl Group<'_> {
    /// The label of one finding inside the group (the data type when the owner is shared).
    pub fn item(&self, k: &Knowledge, f: &Finding, lang: Lang) -> String {
        match (self.owner, &f.data_type) {
            (Some(_), Some(d)) => data_label(k, d, lang),
            _ => subject(k, f, lang),
        }
    }

    /// The group's headline subject: the owner, or the items when few.
    pub fn title(&self, k: &Knowledge, lang: Lang) -> String {
        match self.owner {
            Some(o) => owner_label(k, o, lang),
            None if self.findings.len() == 1 => subject(k, self.findings[0], lang),
            None => match self.rule {
                Rule::Perm01 | Rule::Perm02 => count(
                    self.findings.len(),
                    lang,
                    "permission",
                    "permissions",
                    "项权限",
                ),
                Rule::Data01 | Rule::Data02 | Rule::Data03 => count(
                    self.findings.len(),
                    lang,
                    "data type",
                    "data types",
                    "类信息",
                ),
                _ => count(self.findings.len(), lang, "SDK", "SDKs", "个 SDK"),
            },
        }
    }
}

/// For an app-level data finding: whose code it is (`app` or `unknown`), from the
/// audit's message.
fn code_owner(f: &Finding) -> Option<&'static str> {
    if f.message.starts_with("the app's own code") {
        Some("app")
    } else if f.message.starts_with("code not attributed") {
        Some("unknown")
    } else if f.message.starts_with("AndroidX / support library code") {
        Some("android-jetpack")
    } else {
        None
    }
}

/// The label of an owner: an SDK, the app's own code or code not attributed to an SDK.
pub fn owner_label(k: &Knowledge, owner: &str, lang: Lang) -> String {
    match owner {
        "app" => pick(lang, "the app's own code", "应用自身代码").into(),
        "unknown" => pick(lang, "code not attributed to an SDK", "未归属到 SDK 的代码").into(),
        "android-jetpack" => pick(
            lang,
            "AndroidX / support library code",
            "AndroidX / 支持库代码",
        )
        .into(),
        o => sdk_label(k, o, lang),
    }
}

/// Group findings by (severity, rule, SDK for data rules), keeping report order.
pub fn group(findings: &[Finding]) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    let mut index: std::collections::HashMap<(Severity, Rule, Option<&str>), usize> =
        std::collections::HashMap::new();
    for f in findings {
        let owner = match f.rule {
            Rule::Data01 | Rule::Data02 | Rule::Data03 => {
                f.sdk.as_deref().or_else(|| code_owner(f))
            }
            _ => None,
        };
        let key = (f.severity, f.rule, owner);
        match index.get(&key) {
            Some(&i) => out[i].findings.push(f),
            None => {
                index.insert(key, out.len());
                out.push(Group {
                    severity: f.severity,
                    rule: f.rule,
                    owner,
                    findings: vec![f],
                });
            }
        }
    }
    out
}

/// `certain` or `possible` in `lang`.
pub fn certainty_label(c: ReadCertainty, lang: Lang) -> &'static str {
    match c {
        ReadCertainty::Certain => pick(lang, "certain", "确定"),
        ReadCertainty::Possible => pick(lang, "possible", "可能"),
    }
}

/// How call sites were tied to their owner and how sure:
/// `class-prefix, high confidence` (`归属依据 class-prefix，置信度 高`).
pub fn attribution_text(how: &[Attribution], confidence: Confidence, lang: Lang) -> String {
    let how: Vec<&str> = how.iter().map(|a| a.as_str()).collect();
    let how = if how.is_empty() {
        "none".to_string()
    } else {
        how.join(", ")
    };
    match lang {
        Lang::En => format!("{how}, {} confidence", confidence.as_str()),
        Lang::Zh => format!(
            "归属依据 {how}，置信度{}",
            match confidence {
                Confidence::High => "高",
                Confidence::Medium => "中",
                Confidence::Low => "低",
            }
        ),
    }
}

/// The SDK's version as shown, with where it was read:
/// `4.8.1 (from meta-data JPUSH_VERSION)`; `None` when the app does not carry it.
pub fn version_text(f: &SdkFinding, lang: Lang) -> Option<String> {
    let v = f.version.as_deref()?;
    let from = f.version_source.as_deref().map(|src| {
        let (kind, detail) = src.split_once(' ').unwrap_or((src, ""));
        let kind = match kind {
            "maven" => pick(lang, "Maven coordinates", "Maven 坐标"),
            "meta_data" => "meta-data",
            "native_libs" => pick(lang, "native library name", "native 库名"),
            "strings" => pick(lang, "a string in the code", "代码中的字符串"),
            other => other,
        };
        let detail = cap(detail, 80);
        let sep = if detail.is_empty() { "" } else { " " };
        match lang {
            Lang::En => format!(" (from {kind}{sep}{detail})"),
            Lang::Zh => format!("（来自 {kind}{sep}{detail}）"),
        }
    });
    Some(format!("{}{}", cap(v, 40), from.unwrap_or_default()))
}

/// The known problems of the version found, one line each:
/// `version issue (< 3.0.0): … — source`.
pub fn version_issue_lines(f: &SdkFinding, lang: Lang) -> Vec<String> {
    f.version_issues
        .iter()
        .map(|i| {
            format!(
                "{} ({}): {} — {}",
                pick(lang, "version issue", "版本问题"),
                cap(&i.range, 40),
                cap(&i.problem, 200),
                cap(&i.source, 200)
            )
        })
        .collect()
}

/// The SDKs a bundled SDK came in with, as a line (`bundled in: JPush [jpush]`).
fn bundled_line(k: &Knowledge, f: &SdkFinding, lang: Lang) -> Option<String> {
    (!f.bundled_in.is_empty()).then(|| {
        let by: Vec<String> = f.bundled_in.iter().map(|b| sdk_label(k, b, lang)).collect();
        format!("{}: {}", pick(lang, "bundled in", "随附于"), by.join(", "))
    })
}

/// The scan's record of what a data finding is about: the owner's reads of its data type.
fn data_access_of<'a>(scan: &'a ScanReport, f: &Finding) -> Option<&'a DataTypeAccess> {
    let data_type = f.data_type.as_deref()?;
    let owner = f.sdk.as_deref().or_else(|| code_owner(f))?;
    scan.data_access
        .iter()
        .filter(|a| a.owner == owner)
        .flat_map(|a| a.data_types.iter())
        .find(|d| d.data_type == data_type)
}

/// The APK evidence of a finding as a human report shows it: the audit's evidence, with
/// call sites that only possibly read the data marked, then what the scan adds: for SDK
/// rules the SDK's version (and where it was read), its known version issues and the SDK
/// it came bundled in; for data rules whether the reads are certain and how the calling
/// code was attributed, and how sure.
pub fn finding_evidence(scan: &ScanReport, k: &Knowledge, f: &Finding, lang: Lang) -> Vec<String> {
    let access = match f.rule {
        Rule::Data01 => data_access_of(scan, f),
        _ => None,
    };
    let possible = pick(lang, "possible read", "可能读取");
    let mut v: Vec<String> = f
        .evidence
        .iter()
        .map(|e| {
            let marked = access.is_some_and(|d| {
                d.call_sites.iter().any(|c| {
                    c.certainty == ReadCertainty::Possible
                        && e.strip_prefix(c.caller.as_str())
                            .and_then(|r| r.strip_prefix(" calls "))
                            .is_some_and(|r| r.starts_with(c.api.as_str()))
                })
            });
            if marked {
                format!("[{possible}] {}", cap(e, CELL_CAP))
            } else {
                cap(e, CELL_CAP).into_owned()
            }
        })
        .collect();
    if let Some(d) = access {
        v.push(format!(
            "{}: {} · {}",
            pick(lang, "read", "读取"),
            certainty_label(d.certainty, lang),
            attribution_text(&d.attributions, d.confidence, lang)
        ));
    }
    let sdk_rule = matches!(f.rule, Rule::Sdk01 | Rule::Sdk03 | Rule::Sdk04);
    if let (true, Some(id)) = (sdk_rule, f.sdk.as_deref()) {
        if let Some(s) = scan.sdks.iter().find(|s| s.id == id) {
            if let Some(t) = version_text(s, lang) {
                v.push(format!("{}: {t}", pick(lang, "version", "版本")));
            }
            v.extend(version_issue_lines(s, lang));
            v.extend(bundled_line(k, s, lang));
        }
    }
    v
}

/// `3 high, 2 medium, 5 low, 0 info (10 findings)`.
pub fn totals(r: &AuditReport, lang: Lang) -> String {
    let n = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let parts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .map(|&s| format!("{} {}", n(s), severity_label(s, lang)))
        .collect();
    match lang {
        Lang::En => format!(
            "{} ({})",
            parts.join(", "),
            count(r.findings.len(), lang, "finding", "findings", "")
        ),
        Lang::Zh => format!("{}（共 {} 项发现）", parts.join("，"), r.findings.len()),
    }
}

/// The policy-understood block: a headline and the parts not judged.
pub fn understood_lines(u: &PolicyUnderstood, lang: Lang) -> Vec<String> {
    let mut v = vec![match lang {
        Lang::En => u.headline.clone(),
        Lang::Zh => format!(
            "政策读取：{} 个 SDK 行（{} 个已识别），{} 项权限，{} 处个人信息类型；{} 个 SDK 行读到收集信息字段",
            u.sdk_rows, u.sdk_rows_resolved, u.permissions, u.data_types, u.sdk_rows_with_data
        ),
    }];
    for s in &u.unread_sections {
        v.push(format!(
            "{} {}: {}",
            pick(lang, "not understood: line", "未能读懂：第"),
            match &s.file {
                Some(f) => format!("{f}:{}", s.line),
                None => s.line.to_string(),
            },
            cap(&s.text, 120)
        ));
    }
    for (what, why) in [
        (
            pick(lang, "SDK findings not judged", "SDK 相关发现未判定"),
            &u.sdks_unjudged,
        ),
        (
            pick(lang, "permission findings not judged", "权限相关发现未判定"),
            &u.permissions_unjudged,
        ),
        (
            pick(lang, "data findings not judged", "数据相关发现未判定"),
            &u.data_unjudged,
        ),
    ] {
        if let Some(why) = why {
            v.push(format!("{what}: {why}"));
        }
    }
    v
}

/// The app lines: label, package, version, file.
pub fn app_lines(scan: &ScanReport, lang: Lang) -> Vec<(&'static str, String)> {
    let label = scan
        .manifest
        .as_ref()
        .and_then(|m| m.application.label.clone())
        .filter(|l| !l.starts_with('@'));
    let mut v = vec![
        (
            pick(lang, "app", "应用"),
            cap(label.as_deref().unwrap_or("-"), 120).into_owned(),
        ),
        (
            pick(lang, "package", "包名"),
            scan.package.clone().unwrap_or_else(|| "-".into()),
        ),
        (
            pick(lang, "version", "版本"),
            format!(
                "{} ({})",
                scan.version_name.as_deref().unwrap_or("-"),
                scan.version_code
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "-".into())
            ),
        ),
        (pick(lang, "file", "文件"), scan.file.clone()),
        ("sha256", scan.sha256.clone()),
    ];
    if let Some(m) = &scan.manifest {
        let a = &m.application;
        let mut flags = Vec::new();
        if a.debuggable == Some(true) {
            flags.push("debuggable");
        }
        if a.allow_backup != Some(false) {
            flags.push("allowBackup");
        }
        if a.uses_cleartext_traffic == Some(true) {
            flags.push("usesCleartextTraffic");
        }
        if !flags.is_empty() {
            v.push((pick(lang, "security flags", "安全标志"), flags.join(", ")));
        }
    }
    v
}

/// The signer lines: scheme, certificate, debug and Janus warnings; a note when absent.
pub fn signing_lines(scan: &ScanReport, lang: Lang) -> Vec<String> {
    let Some(s) = &scan.signing else {
        return vec![pick(
            lang,
            "signing: not an APK, not read",
            "签名：非 APK，未读取",
        )
        .into()];
    };
    let p = &s.schemes;
    let schemes: Vec<&str> = [
        (p.v1, "v1"),
        (p.v2, "v2"),
        (p.v3, "v3"),
        (p.v31, "v3.1"),
        (p.v4, "v4"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| *n)
    .collect();
    let mut v = Vec::new();
    if schemes.is_empty() {
        v.push(
            pick(
                lang,
                "signing: unsigned (no signature found)",
                "签名：未签名",
            )
            .into(),
        );
    } else {
        v.push(format!(
            "{}: {} ({} {})",
            pick(lang, "signing schemes", "签名方案"),
            schemes.join(", "),
            pick(lang, "effective", "生效"),
            s.effective_scheme.as_deref().unwrap_or("-")
        ));
    }
    for c in &s.effective_signers {
        let key = match (&c.key_algorithm, c.key_size) {
            (Some(a), Some(n)) => format!("{a} {n}"),
            (Some(a), None) => a.clone(),
            _ => "?".into(),
        };
        v.push(format!(
            "{}: {} · SHA-256 {} · {key} · {} {}",
            pick(lang, "signer", "签名者"),
            cap(c.subject.as_deref().unwrap_or("?"), 160),
            c.sha256,
            pick(lang, "valid until", "有效期至"),
            c.not_after.as_deref().unwrap_or("?"),
        ));
        if let Some(e) = &c.error {
            v.push(format!(
                "{}: {}",
                pick(lang, "certificate not readable", "证书无法读取"),
                cap(e, 160)
            ));
        }
        for n in &c.notes {
            v.push(format!(
                "{}: {}",
                pick(lang, "certificate", "证书"),
                cap(n, 160)
            ));
        }
    }
    if s.debug_certificate {
        v.push(
            pick(
                lang,
                "warning: signed with the Android debug certificate",
                "警告：使用 Android 调试证书签名",
            )
            .into(),
        );
    }
    if s.janus_exposed == Some(true) {
        v.push(
            pick(
                lang,
                "warning: v1-only signing with minSdk < 24 is exposed to Janus (CVE-2017-13156)",
                "警告：仅 v1 签名且 minSdk < 24，存在 Janus 漏洞风险（CVE-2017-13156）",
            )
            .into(),
        );
    }
    v
}

/// Why findings from code may be incomplete, one line each in `lang`: the scan's typed
/// `incomplete` warnings (a packer hides the code; most manifest components have no class
/// in the code read), else a packer SDK found. Empty when the scan saw all the code.
pub fn incomplete_warnings(k: &Knowledge, scan: &ScanReport, lang: Lang) -> Vec<String> {
    use crate::scan::Incomplete;
    let mut v: Vec<String> = scan
        .incomplete
        .iter()
        .map(|i| match i {
            Incomplete::CodeHiddenByPacker {
                packer,
                classes_read,
                payloads,
                ..
            } => {
                let payloads: Vec<String> = payloads
                    .iter()
                    .take(3)
                    .map(|p| cap(p, 80).into_owned())
                    .collect();
                let payloads = if payloads.is_empty() {
                    String::new()
                } else {
                    format!("; {}: {}", pick(lang, "payloads", "载荷"), payloads.join(", "))
                };
                match lang {
                    Lang::En => format!(
                        "packed with {}: the app's real code is encrypted in a payload the scan cannot read ({classes_read} classes read{payloads}), so SDKs and data reads in it are missing",
                        sdk_label(k, packer, lang)
                    ),
                    Lang::Zh => format!(
                        "应用经 {} 加固：真实代码加密在扫描无法读取的载荷中（已读取 {classes_read} 个类{payloads}），其中的 SDK 和数据读取缺失",
                        sdk_label(k, packer, lang)
                    ),
                }
            }
            Incomplete::ComponentsWithoutCode {
                components,
                missing,
                examples,
                classes_read,
                ..
            } => {
                let eg = examples
                    .first()
                    .map(|e| cap(e, 120).into_owned())
                    .unwrap_or_default();
                match lang {
                    Lang::En => format!(
                        "{missing} of the {components} components the manifest declares have no class in the code read ({classes_read} classes; e.g. {eg}): the code is hidden, loaded at run time or in split APKs not given, so SDK and data findings are incomplete"
                    ),
                    Lang::Zh => format!(
                        "清单声明的 {components} 个组件中有 {missing} 个在已读取的代码中没有对应的类（已读取 {classes_read} 个类；例如 {eg}）：代码被隐藏、在运行时加载或在未提供的拆分 APK 中，SDK 和数据相关发现不完整"
                    ),
                }
            }
        })
        .collect();
    if v.is_empty() {
        let packers: Vec<String> = scan
            .sdks
            .iter()
            .filter(|s| s.category == crate::knowledge::signatures::Category::Packer)
            .map(|s| sdk_label(k, &s.id, lang))
            .collect();
        if !packers.is_empty() {
            v.push(match lang {
                Lang::En => format!(
                    "packed with {}: code hidden by the packer was not read, so SDKs and data reads in it are missing",
                    packers.join(", ")
                ),
                Lang::Zh => format!(
                    "应用经 {} 加固：加固隐藏的代码未被读取，其中的 SDK 和数据读取可能缺失",
                    packers.join("、")
                ),
            });
        }
    }
    v
}

/// One data type read by one owner, as the SDK and code tables show it.
#[derive(Debug, Clone)]
pub struct DataRead {
    /// The data type's name in the report's language.
    pub label: String,
    /// Call sites found.
    pub count: usize,
    /// `certain`, or `possible` when every call site is a conditional call.
    pub certainty: ReadCertainty,
    /// How the calls were attributed and how sure (`class-prefix, high confidence`).
    pub attribution: String,
    /// One call site, `caller → api`, marked when it is only a possible read.
    pub example: Option<String>,
}

impl DataRead {
    /// The row of `d` in `lang`.
    pub fn of(k: &Knowledge, d: &DataTypeAccess, lang: Lang) -> DataRead {
        DataRead {
            label: data_label(k, &d.data_type, lang),
            count: d.count,
            certainty: d.certainty,
            attribution: attribution_text(&d.attributions, d.confidence, lang),
            example: d.call_sites.first().map(|c| {
                let mark = match c.certainty {
                    ReadCertainty::Possible => format!("[{}] ", pick(lang, "possible", "可能")),
                    ReadCertainty::Certain => String::new(),
                };
                format!("{mark}{} → {}", cap(&c.caller, 160), c.api)
            }),
        }
    }

    /// `IMEI (2 call sites, possible; class-prefix, high confidence)`.
    pub fn summary(&self, lang: Lang) -> String {
        let sites = count(self.count, lang, "call site", "call sites", "个调用点");
        let possible = match self.certainty {
            ReadCertainty::Possible => format!(", {}", certainty_label(self.certainty, lang)),
            ReadCertainty::Certain => String::new(),
        };
        match lang {
            Lang::En => format!("{} ({sites}{possible}; {})", self.label, self.attribution),
            Lang::Zh => format!("{}（{sites}{possible}；{}）", self.label, self.attribution),
        }
    }
}

/// One row of the SDK table: what the scan found and the database knows.
#[derive(Debug, Clone)]
pub struct SdkRow {
    /// SDK id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Legal entity (vendor), in `lang` where known.
    pub legal_entity: Option<String>,
    /// Version and where it was read, when the scan has it ([`version_text`]).
    pub version: Option<String>,
    /// Known problems of that version, and the SDK it came bundled in.
    pub version_notes: Vec<String>,
    /// Category, named in `lang` (`data/categories.toml`).
    pub category: String,
    /// Privacy-policy link.
    pub privacy_url: Option<String>,
    /// How sure the identification is.
    pub confidence: String,
    /// Data types seen read.
    pub data_read: Vec<DataRead>,
    /// Data types the SDK's documentation says it collects (not observed).
    pub documented: Vec<String>,
}

/// The SDK table of a scan.
pub fn sdk_rows(scan: &ScanReport, k: &Knowledge, lang: Lang) -> Vec<SdkRow> {
    scan.sdks
        .iter()
        .map(|f| {
            let sig = k.signatures.get(&f.id);
            let legal_entity = match lang {
                Lang::Zh => f.vendor_zh.clone().or(f.vendor.clone()),
                Lang::En => f.vendor.clone().or(f.vendor_zh.clone()),
            };
            let data_read = scan
                .data_access
                .iter()
                .filter(|a| a.owner == f.id)
                .flat_map(|a| a.data_types.iter())
                .map(|d| DataRead::of(k, d, lang))
                .collect();
            let mut version_notes = version_issue_lines(f, lang);
            version_notes.extend(bundled_line(k, f, lang));
            SdkRow {
                id: f.id.clone(),
                name: sdk_label(k, &f.id, lang),
                legal_entity,
                version: version_text(f, lang),
                version_notes,
                category: k.categories.name(f.category, lang).to_string(),
                privacy_url: sig.and_then(|s| s.privacy_url.clone()),
                confidence: f.confidence.clone(),
                data_read,
                documented: sig
                    .map(|s| {
                        s.data_types
                            .iter()
                            .map(|d| data_label(k, d, lang))
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Data read by code that is not an SDK's: (owner label, what it read).
pub fn other_data_rows(scan: &ScanReport, k: &Knowledge, lang: Lang) -> Vec<(String, DataRead)> {
    let sdk_ids: std::collections::HashSet<&str> =
        scan.sdks.iter().map(|s| s.id.as_str()).collect();
    scan.data_access
        .iter()
        .filter(|a| !sdk_ids.contains(a.owner.as_str()))
        .flat_map(|a| {
            let owner = match a.owner.as_str() {
                "app" | "unknown" | "android-jetpack" => owner_label(k, &a.owner, lang),
                o => a.name.clone().unwrap_or_else(|| o.to_string()),
            };
            a.data_types
                .iter()
                .map(move |d| (owner.clone(), DataRead::of(k, d, lang)))
        })
        .collect()
}

/// One row of the permission table.
#[derive(Debug, Clone)]
pub struct PermissionRow {
    /// Full name.
    pub name: String,
    /// English label.
    pub label_en: String,
    /// Chinese name.
    pub label_zh: String,
    /// Protection level.
    pub protection: String,
    /// Dangerous or special access (must be explained).
    pub privacy_relevant: bool,
    /// SDKs that document using it.
    pub sdks: Vec<String>,
}

/// The permission table of a scan, privacy-relevant ones first.
pub fn permission_rows(scan: &ScanReport, k: &Knowledge, lang: Lang) -> Vec<PermissionRow> {
    let mut rows: Vec<PermissionRow> = scan
        .permissions
        .iter()
        .map(|p| PermissionRow {
            name: p.name.clone(),
            label_en: k.permissions.display(&p.name, Lang::En),
            label_zh: k.permissions.display(&p.name, Lang::Zh),
            protection: p.protection.clone(),
            privacy_relevant: k.permissions.is_privacy_relevant(&p.name),
            sdks: scan
                .sdks
                .iter()
                .filter(|s| {
                    k.signatures
                        .get(&s.id)
                        .is_some_and(|g| g.permissions.contains(&p.name))
                })
                .map(|s| sdk_label(k, &s.id, lang))
                .collect(),
        })
        .collect();
    rows.sort_by_key(|r| !r.privacy_relevant);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_is_char_safe_and_says_what_was_left_out() {
        assert_eq!(cap("abc", 5), "abc");
        assert_eq!(cap("定位定位定位", 2), "定位… (+4 characters)");
    }
}
