//! Human-readable renderings of results (terminal tables).

use crate::scan::ScanReport;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};

/// Render a scan report as terminal tables.
pub fn scan_table(r: &ScanReport) -> String {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(vec!["field", "value"]);
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let opti = |v: &Option<i64>| v.map(|x| x.to_string()).unwrap_or_else(|| "-".into());
    t.add_row(vec!["file".to_string(), r.file.clone()]);
    t.add_row(vec!["sha256".to_string(), r.sha256.clone()]);
    t.add_row(vec!["package".to_string(), opt(&r.package)]);
    t.add_row(vec![
        "version".to_string(),
        format!("{} ({})", opt(&r.version_name), opti(&r.version_code)),
    ]);
    t.add_row(vec![
        "sdk".to_string(),
        format!("min {} / target {}", opti(&r.min_sdk), opti(&r.target_sdk)),
    ]);
    t.add_row(vec!["dex files".to_string(), r.dex_files.len().to_string()]);
    t.add_row(vec![
        "components".to_string(),
        format!(
            "{} ({} exported)",
            r.components.len(),
            r.components.iter().filter(|c| c.exported).count()
        ),
    ]);
    let mut out = t.to_string();
    out.push('\n');
    if !r.permissions.is_empty() {
        let mut p = Table::new();
        p.load_style(UTF8_FULL_CONDENSED);
        p.set_header(vec!["permission", "protection", "maxSdk", "sdk23"]);
        for perm in &r.permissions {
            p.add_row(vec![
                perm.name.clone(),
                perm.protection.clone(),
                perm.max_sdk.map(|x| x.to_string()).unwrap_or_default(),
                if perm.sdk23_only {
                    "yes".into()
                } else {
                    String::new()
                },
            ]);
        }
        out.push_str(&p.to_string());
        out.push('\n');
    }
    if !r.sdks.is_empty() {
        let mut t = Table::new();
        t.load_style(UTF8_FULL_CONDENSED);
        t.set_header(vec!["sdk", "category", "vendor", "confidence", "evidence"]);
        for f in &r.sdks {
            let ev: Vec<String> = f
                .evidence
                .iter()
                .map(|e| {
                    format!(
                        "{} {} (e.g. {})",
                        e.count,
                        e.kind,
                        e.examples.first().cloned().unwrap_or_default()
                    )
                })
                .collect();
            t.add_row(vec![
                format!("{} [{}]", f.name, f.id),
                f.category.clone(),
                f.vendor_zh.clone().or(f.vendor.clone()).unwrap_or_default(),
                f.confidence.clone(),
                ev.join("\n"),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    for q in &r.quirks {
        out.push_str(&format!(
            "quirk {}: {}{}\n",
            q.kind,
            q.entry
                .as_deref()
                .map(|e| format!("{e}: "))
                .unwrap_or_default(),
            q.detail
        ));
    }
    for e in &r.errors {
        out.push_str(&format!("error: {e}\n"));
    }
    out
}

/// Render the signature database as a table.
pub fn signatures_table(sigs: &[crate::signatures::Signature]) -> String {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(vec!["id", "name", "category", "vendor"]);
    for s in sigs {
        t.add_row(vec![
            s.id.clone(),
            format!(
                "{}{}",
                s.name,
                s.name_zh
                    .as_deref()
                    .map(|z| format!(" / {z}"))
                    .unwrap_or_default()
            ),
            s.category.clone(),
            s.vendor_zh.clone().or(s.vendor.clone()).unwrap_or_default(),
        ]);
    }
    format!("{t}\n{} signatures\n", sigs.len())
}
