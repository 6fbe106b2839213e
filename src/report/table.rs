//! Terminal tables of a scan, the signature database and a read policy.

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
    let kind = match r.kind {
        crate::scan::InputKind::Apk => "APK",
        crate::scan::InputKind::Axml => "binary manifest",
        crate::scan::InputKind::Aab => "Android App Bundle",
        crate::scan::InputKind::Aar => "Android library (AAR)",
        crate::scan::InputKind::Jar => "Java archive (JAR)",
        crate::scan::InputKind::SplitSet => "split APK set",
    };
    let n = |k: usize, one: &str, many: &str| {
        super::text::count(k, crate::knowledge::Lang::En, one, many, "")
    };
    t.add_row(vec![
        "input".to_string(),
        match &r.bundle {
            Some(b) => format!(
                "{kind} ({}, {})",
                b.format,
                n(b.parts.len(), "part", "parts")
            ),
            None => kind.to_string(),
        },
    ]);
    t.add_row(vec![
        "code".to_string(),
        format!(
            "{}, {}",
            n(r.dex_files.len(), "dex file", "dex files"),
            n(r.class_count, "class", "classes")
        ),
    ]);
    if let Some(m) = &r.manifest {
        if let Some(l) = &m.application.label {
            t.add_row(vec!["app label".to_string(), l.clone()]);
        }
    }
    for line in super::text::signing_lines(r, crate::knowledge::Lang::En) {
        let (k, v) = line.split_once(": ").unwrap_or(("signing", line.as_str()));
        t.add_row(vec![k.to_string(), v.to_string()]);
    }
    if let Some(b) = &r.bundle {
        for p in &b.parts {
            t.add_row(vec![
                "split".to_string(),
                format!(
                    "{} [{}] {} dex, {} native libs",
                    p.file,
                    p.split.as_deref().unwrap_or("base"),
                    p.dex_files,
                    p.native_libs
                ),
            ]);
        }
        for o in &b.obb {
            t.add_row(vec![
                "obb".to_string(),
                format!("{} ({} bytes)", o.path, o.size),
            ]);
        }
    }
    for n in &r.nested_code {
        t.add_row(vec![
            "nested code".to_string(),
            format!(
                "{} ({}, {}{}{})",
                n.path,
                n.format,
                super::text::count(
                    n.class_count,
                    crate::knowledge::Lang::En,
                    "class",
                    "classes",
                    ""
                ),
                if n.sdks.is_empty() {
                    String::new()
                } else {
                    format!(", SDKs: {}", n.sdks.join(", "))
                },
                n.error
                    .as_deref()
                    .map(|e| format!("; {e}"))
                    .unwrap_or_default()
            ),
        ]);
    }
    t.add_row(vec![
        "components".to_string(),
        format!(
            "{} ({} exported)",
            r.components.len(),
            r.components.iter().filter(|c| c.exported).count()
        ),
    ]);
    let app = r.manifest.as_ref().map(|m| &m.application);
    let flag = |v: Option<bool>, default: bool| match v {
        Some(true) => "yes",
        Some(false) => "no",
        None if default => "yes (default)",
        None => "no (default)",
    };
    t.add_row(vec![
        "security flags".to_string(),
        format!(
            "debuggable: {}, allowBackup: {}, usesCleartextTraffic: {}",
            flag(app.and_then(|a| a.debuggable), false),
            flag(app.and_then(|a| a.allow_backup), true),
            app.and_then(|a| a.uses_cleartext_traffic)
                .map(|b| if b { "yes" } else { "no" })
                .unwrap_or("not set")
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
        t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
        t.set_width(100);
        t.set_header(vec!["sdk", "category", "vendor", "confidence", "evidence"]);
        for f in &r.sdks {
            let ev: Vec<String> = f
                .evidence
                .iter()
                .map(|e| {
                    format!(
                        "{} ({}), e.g. {}",
                        e.kind,
                        e.count,
                        e.examples.first().cloned().unwrap_or_default()
                    )
                })
                .collect();
            // the SDK, then its version (where read) and the version's known issues
            let mut sdk = format!("{} [{}]", f.name, f.id);
            if let Some(v) = super::text::version_text(f, crate::knowledge::Lang::En) {
                sdk.push_str(&format!("\n{v}"));
            }
            for n in super::text::version_issue_lines(f, crate::knowledge::Lang::En) {
                sdk.push_str(&format!("\n{n}"));
            }
            t.add_row(vec![
                sdk,
                f.category.to_string(),
                f.vendor.clone().or(f.vendor_zh.clone()).unwrap_or_default(),
                f.confidence.clone(),
                ev.join("\n"),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    if !r.data_access.is_empty() {
        let mut t = Table::new();
        t.load_style(UTF8_FULL_CONDENSED);
        t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
        t.set_width(100);
        t.set_header(vec!["reads", "owner", "call sites", "attribution", "e.g."]);
        for a in &r.data_access {
            let owner = match (&a.name, a.owner.as_str()) {
                (Some(n), _) => format!("{n} [{}]", a.owner),
                (None, "app") => "app".to_string(),
                _ => "unknown code".to_string(),
            };
            for d in &a.data_types {
                let read = super::text::DataRead::of(
                    crate::knowledge::Knowledge::embedded(),
                    d,
                    crate::knowledge::Lang::En,
                );
                t.add_row(vec![
                    format!(
                        "{} [{}]",
                        crate::knowledge::data_types::DataTypeDb::embedded()
                            .display(&d.data_type, crate::knowledge::Lang::En),
                        d.data_type
                    ),
                    owner.clone(),
                    match d.certainty {
                        crate::detect::data_access::ReadCertainty::Certain => d.count.to_string(),
                        crate::detect::data_access::ReadCertainty::Possible => {
                            format!("{} (possible)", d.count)
                        }
                    },
                    read.attribution,
                    read.example.unwrap_or_default(),
                ]);
            }
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
pub fn signatures_table(sigs: &[crate::knowledge::signatures::Signature]) -> String {
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
            s.category.to_string(),
            s.vendor_zh.clone().or(s.vendor.clone()).unwrap_or_default(),
        ]);
    }
    format!("{t}\n{} signatures\n", sigs.len())
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
