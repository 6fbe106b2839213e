//! Terminal tables of a scan, the signature database and a read policy.

use super::audit_table::{width_of, wrap, TableStyle, MIN_TABLE_WIDTH};
use super::text::{self, cap, pick};
use crate::detect::data_access::ReadCertainty;
use crate::knowledge::{Knowledge, Lang};
use crate::scan::ScanReport;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};

/// A terminal table of `headers` and `rows` fitted to `style.width`: columns keep their
/// natural width when everything fits, else the widest share what is left; cells are
/// wrapped here between words (long tokens after a separator, [`wrap`]) so nothing is split
/// inside a word. Narrower than [`MIN_TABLE_WIDTH`], the rows are printed as a list
/// (`header: value`). Linear in the cells' length.
pub fn fit_table(headers: &[&str], rows: &[Vec<String>], style: TableStyle) -> String {
    let width = style.width.max(20);
    let n = headers.len().max(1);
    if width < MIN_TABLE_WIDTH {
        let mut out = String::new();
        for row in rows {
            for (i, (h, c)) in headers.iter().zip(row).enumerate() {
                if c.is_empty() {
                    continue;
                }
                let line = if n == 2 && i == 1 {
                    // a field/value table reads as `field: value` lines
                    continue;
                } else if n == 2 {
                    format!("{c}: {}", row.get(1).map_or("", String::as_str)).replace('\n', "; ")
                } else if i == 0 {
                    c.replace('\n', " ")
                } else if c.contains('\n') {
                    // a cell of several lines: the header, then each line below it
                    let mut l = format!("  {h}:");
                    for part in c.lines() {
                        l.push_str(&format!("\n    {part}"));
                    }
                    l
                } else {
                    format!("  {h}: {c}")
                };
                out.push_str(&wrap(&line, width));
                out.push('\n');
            }
        }
        return out;
    }
    // borders and padding take 3 columns per column plus 1
    let avail = width.saturating_sub(3 * n + 1).max(4 * n);
    let natural: Vec<usize> = (0..n)
        .map(|i| {
            std::iter::once(headers.get(i).copied().unwrap_or(""))
                .chain(rows.iter().filter_map(|r| r.get(i).map(String::as_str)))
                .flat_map(str::lines)
                .map(width_of)
                .max()
                .unwrap_or(1)
                .clamp(1, avail)
        })
        .collect();
    let mut widths = natural.clone();
    if natural.iter().sum::<usize>() > avail {
        // water-filling: the narrow columns keep their width, the rest share what is left
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| natural[i]);
        let mut left = avail;
        for (k, &i) in order.iter().enumerate() {
            let share = left / (n - k);
            widths[i] = natural[i].min(share).max(4);
            left = left.saturating_sub(widths[i]);
        }
    }
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    t.force_no_tty();
    t.set_header(
        headers
            .iter()
            .zip(&widths)
            .map(|(h, w)| wrap(h, *w))
            .collect::<Vec<_>>(),
    );
    for row in rows {
        t.add_row(
            row.iter()
                .zip(&widths)
                .map(|(c, w)| wrap(c, *w))
                .collect::<Vec<_>>(),
        );
    }
    format!("{t}\n")
}

/// Render a scan report as terminal tables at the terminal's width, names and labels in
/// `style.lang` (SDK, permission and data-type names from the knowledge tables).
pub fn scan_table(r: &ScanReport, k: &Knowledge, style: TableStyle) -> String {
    let lang = style.lang;
    let opti = |v: &Option<i64>| v.map(|x| x.to_string()).unwrap_or_else(|| "-".into());
    let mut fields: Vec<(String, String)> = text::app_lines(r, lang)
        .into_iter()
        .filter(|(key, _)| *key != pick(lang, "security flags", "安全标志"))
        .map(|(key, v)| (key.to_string(), v))
        .collect();
    let mut field = |key: &str, v: String| fields.push((key.to_string(), v));
    field(
        "sdk",
        format!("min {} / target {}", opti(&r.min_sdk), opti(&r.target_sdk)),
    );
    let kind = match r.kind {
        crate::scan::InputKind::Apk => "APK",
        crate::scan::InputKind::Axml => pick(lang, "binary manifest", "二进制清单文件"),
        crate::scan::InputKind::Aab => "Android App Bundle",
        crate::scan::InputKind::Aar => pick(lang, "Android library (AAR)", "Android 库（AAR）"),
        crate::scan::InputKind::Jar => pick(lang, "Java archive (JAR)", "Java 归档（JAR）"),
        crate::scan::InputKind::SplitSet => pick(lang, "split APK set", "拆分 APK 集"),
    };
    let n = |k: usize, one: &str, many: &str, zh: &str| text::count(k, lang, one, many, zh);
    field(
        pick(lang, "input", "输入"),
        match &r.bundle {
            Some(b) => format!(
                "{kind} ({}, {})",
                b.format,
                n(b.parts.len(), "part", "parts", "个部分")
            ),
            None => kind.to_string(),
        },
    );
    field(
        pick(lang, "code", "代码"),
        format!(
            "{}, {}",
            n(r.dex_files.len(), "dex file", "dex files", "个 dex 文件"),
            n(r.class_count, "class", "classes", "个类")
        ),
    );
    for line in text::signing_lines(r, lang) {
        let (key, v) = line
            .split_once(": ")
            .or_else(|| line.split_once("："))
            .unwrap_or((pick(lang, "signing", "签名"), line.as_str()));
        field(key, v.to_string());
    }
    if let Some(b) = &r.bundle {
        for p in &b.parts {
            field(
                pick(lang, "split", "拆分包"),
                format!(
                    "{} [{}] {} dex, {} native libs",
                    p.file,
                    p.split.as_deref().unwrap_or("base"),
                    p.dex_files,
                    p.native_libs
                ),
            );
        }
        for o in &b.obb {
            field("obb", format!("{} ({} bytes)", o.path, o.size));
        }
    }
    for nc in &r.nested_code {
        field(
            pick(lang, "nested code", "嵌套代码"),
            format!(
                "{} ({}, {}{}{})",
                nc.path,
                nc.format,
                n(nc.class_count, "class", "classes", "个类"),
                if nc.sdks.is_empty() {
                    String::new()
                } else {
                    format!(", SDKs: {}", nc.sdks.join(", "))
                },
                nc.error
                    .as_deref()
                    .map(|e| format!("; {e}"))
                    .unwrap_or_default()
            ),
        );
    }
    field(
        pick(lang, "components", "组件"),
        format!(
            "{} ({} {})",
            r.components.len(),
            r.components.iter().filter(|c| c.exported).count(),
            pick(lang, "exported", "个导出")
        ),
    );
    let app = r.manifest.as_ref().map(|m| &m.application);
    let flag = |v: Option<bool>, default: bool| match v {
        Some(true) => pick(lang, "yes", "是"),
        Some(false) => pick(lang, "no", "否"),
        None if default => pick(lang, "yes (default)", "是（默认）"),
        None => pick(lang, "no (default)", "否（默认）"),
    };
    field(
        pick(lang, "security flags", "安全标志"),
        format!(
            "debuggable: {}, allowBackup: {}, usesCleartextTraffic: {}",
            flag(app.and_then(|a| a.debuggable), false),
            flag(app.and_then(|a| a.allow_backup), true),
            app.and_then(|a| a.uses_cleartext_traffic)
                .map(|b| if b {
                    pick(lang, "yes", "是")
                } else {
                    pick(lang, "no", "否")
                })
                .unwrap_or(pick(lang, "not set", "未设置"))
        ),
    );
    for w in text::incomplete_warnings(k, r, lang) {
        fields.push((pick(lang, "warning", "警告").to_string(), w));
    }
    let rows: Vec<Vec<String>> = fields.into_iter().map(|(f, v)| vec![f, v]).collect();
    let mut out = fit_table(
        &[pick(lang, "field", "项目"), pick(lang, "value", "值")],
        &rows,
        style,
    );
    if !r.permissions.is_empty() {
        let rows: Vec<Vec<String>> = r
            .permissions
            .iter()
            .map(|perm| {
                vec![
                    perm.name.clone(),
                    k.permissions.display(&perm.name, lang),
                    perm.protection.clone(),
                    perm.max_sdk.map(|x| x.to_string()).unwrap_or_default(),
                    if perm.sdk23_only {
                        pick(lang, "yes", "是").into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        out.push_str(&fit_table(
            &[
                pick(lang, "permission", "权限"),
                pick(lang, "name", "名称"),
                pick(lang, "protection", "保护级别"),
                "maxSdk",
                "sdk23",
            ],
            &rows,
            style,
        ));
    }
    if !r.sdks.is_empty() {
        let rows: Vec<Vec<String>> = r
            .sdks
            .iter()
            .map(|f| {
                // the SDK, then its version (where read) and the version's known issues
                let mut sdk = text::sdk_label(k, &f.id, lang);
                if let Some(v) = text::version_text(f, lang) {
                    sdk.push_str(&format!("\n{v}"));
                }
                for n in text::version_issue_lines(f, lang) {
                    sdk.push_str(&format!("\n{n}"));
                }
                let ev: Vec<String> = f
                    .evidence
                    .iter()
                    .map(|e| {
                        format!(
                            "{} ({}), {} {}",
                            e.kind,
                            e.count,
                            pick(lang, "e.g.", "例如"),
                            cap(e.examples.first().map_or("", String::as_str), 160)
                        )
                    })
                    .collect();
                let vendor = match lang {
                    Lang::Zh => f.vendor_zh.clone().or(f.vendor.clone()),
                    Lang::En => f.vendor.clone().or(f.vendor_zh.clone()),
                };
                vec![
                    sdk,
                    k.categories.name(f.category, lang).to_string(),
                    cap(&vendor.unwrap_or_default(), 120).into_owned(),
                    f.confidence.clone(),
                    ev.join("\n"),
                ]
            })
            .collect();
        out.push_str(&fit_table(
            &[
                "SDK",
                pick(lang, "category", "类别"),
                pick(lang, "legal entity", "开发者"),
                pick(lang, "confidence", "置信度"),
                pick(lang, "evidence", "证据"),
            ],
            &rows,
            style,
        ));
    }
    if !r.data_access.is_empty() {
        let mut rows = Vec::new();
        for a in &r.data_access {
            let owner = match a.owner.as_str() {
                "app" | "unknown" | "android-jetpack" => text::owner_label(k, &a.owner, lang),
                o if k.signatures.get(o).is_some() => text::sdk_label(k, o, lang),
                o => a.name.clone().unwrap_or_else(|| o.to_string()),
            };
            for d in &a.data_types {
                let read = text::DataRead::of(k, d, lang);
                rows.push(vec![
                    format!("{} [{}]", read.label, d.data_type),
                    owner.clone(),
                    match d.certainty {
                        ReadCertainty::Certain => d.count.to_string(),
                        ReadCertainty::Possible => {
                            format!("{} ({})", d.count, text::certainty_label(d.certainty, lang))
                        }
                    },
                    read.attribution,
                    read.example.unwrap_or_default(),
                ]);
            }
        }
        out.push_str(&fit_table(
            &[
                pick(lang, "reads", "读取"),
                pick(lang, "code", "代码"),
                pick(lang, "call sites", "调用点"),
                pick(lang, "attribution", "归属依据"),
                pick(lang, "e.g.", "示例"),
            ],
            &rows,
            style,
        ));
    }
    let width = style.width.max(20);
    for q in &r.quirks {
        let line = format!(
            "quirk {}: {}{}",
            q.kind,
            q.entry
                .as_deref()
                .map(|e| format!("{e}: "))
                .unwrap_or_default(),
            cap(&q.detail, text::CELL_CAP)
        );
        out.push_str(&wrap(&line, width));
        out.push('\n');
    }
    for e in &r.errors {
        out.push_str(&wrap(&format!("error: {e}"), width));
        out.push('\n');
    }
    out
}

/// Render the signature database as a table fitted to the width, in `style.lang`: SDK
/// names, categories (`data/categories.toml`) and legal entities in that language where
/// the database has them.
pub fn signatures_table(
    sigs: &[crate::knowledge::signatures::Signature],
    k: &Knowledge,
    style: TableStyle,
) -> String {
    let lang = style.lang;
    let rows: Vec<Vec<String>> = sigs
        .iter()
        .map(|s| {
            let (name, vendor) = match lang {
                Lang::Zh => (
                    s.name_zh.clone().unwrap_or_else(|| s.name.clone()),
                    s.vendor_zh.clone().or(s.vendor.clone()),
                ),
                Lang::En => (s.name.clone(), s.vendor.clone().or(s.vendor_zh.clone())),
            };
            vec![
                s.id.clone(),
                name,
                k.categories.name(s.category, lang).to_string(),
                vendor.unwrap_or_default(),
            ]
        })
        .collect();
    let mut out = fit_table(
        &[
            "id",
            pick(lang, "name", "名称"),
            pick(lang, "category", "类别"),
            pick(lang, "legal entity", "开发者"),
        ],
        &rows,
        style,
    );
    out.push_str(&match lang {
        Lang::En => format!("{} signatures\n", sigs.len()),
        Lang::Zh => format!("共 {} 个签名\n", sigs.len()),
    });
    out
}

/// Render what was understood from a policy.
pub fn policy_table(p: &crate::policy::DeclaredPolicy) -> String {
    let mut out = String::new();
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(vec!["sdk row", "resolved id", "company", "link", "line"]);
    for s in &p.sdks {
        t.add_row(vec![
            s.name.clone(),
            s.id.clone().unwrap_or_else(|| "(unresolved)".into()),
            s.company.clone().unwrap_or_default(),
            s.link.clone().unwrap_or_default(),
            s.source.line.to_string(),
        ]);
    }
    out.push_str(&format!("{t}\n"));
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(vec!["permission", "purpose", "line"]);
    for d in &p.permissions {
        t.add_row(vec![
            d.name.clone(),
            d.purpose.clone().unwrap_or_default(),
            d.source.line.to_string(),
        ]);
    }
    out.push_str(&format!("{t}\n"));
    for v in &p.vague {
        out.push_str(&format!(
            "vague ({}) line {}: {}\n",
            v.category, v.source.line, v.text
        ));
    }
    for w in &p.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

/// The attribute's name as the text XML writes it (`android:name`).
fn attr_name(a: &crate::formats::xml::Attribute) -> String {
    match a.namespace.as_deref() {
        Some(crate::formats::xml::ANDROID_NS) => format!("android:{}", a.name),
        _ => a.name.clone(),
    }
}

/// The decoded manifest as a terminal table: one row per element (indented by depth),
/// its attributes as `name=value` (values as aapt names them), and a note in
/// `style.lang`: the permission's name from the knowledge tables for `uses-permission`.
pub fn manifest_table(
    root: &crate::formats::xml::Element,
    k: &Knowledge,
    style: TableStyle,
) -> String {
    let lang = style.lang;
    let mut rows = Vec::new();
    // iterative, so a deep tree cannot exhaust the stack (parsers cap depth at 256 anyway)
    let mut stack = vec![(root, 0usize)];
    while let Some((el, depth)) = stack.pop() {
        let attrs: Vec<String> = el
            .attributes
            .iter()
            .map(|a| format!("{}={}", attr_name(a), cap(&a.text(), text::CELL_CAP)))
            .collect();
        let note = match el.name.as_str() {
            "uses-permission" | "uses-permission-sdk-23" | "permission" => el
                .attributes
                .iter()
                .find(|a| a.name == "name")
                .map(|a| k.permissions.display(&a.text(), lang))
                .unwrap_or_default(),
            _ => String::new(),
        };
        rows.push(vec![
            format!("{}{}", "  ".repeat(depth.min(16)), cap(&el.name, 120)),
            attrs.join("\n"),
            note,
        ]);
        for c in el.children.iter().rev() {
            stack.push((c, depth + 1));
        }
    }
    fit_table(
        &[
            pick(lang, "element", "元素"),
            pick(lang, "attributes", "属性"),
            pick(lang, "meaning", "含义"),
        ],
        &rows,
        style,
    )
}
