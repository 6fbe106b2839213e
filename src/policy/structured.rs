//! Structured declared tables: `apkaudit-declared/1` JSON, CSV, and Apple privacy manifests.

use super::text::table_rows;
use super::vocab::Vocabulary;
use super::{DeclaredData, DeclaredPolicy, DeclaredSdk, Source, VagueDisclosure};
use crate::error::{Format, ParseError};
use crate::text::clip;
use serde_json::Value;

fn s(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| {
        v.get(*k)
            .and_then(|x| x.as_str())
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
    })
}

fn list(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(|s| s.to_string()))
            .collect(),
        Some(Value::String(s)) => s
            .split([',', ';', '、'])
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

/// Data-type entries of a JSON row: known ids kept, other spellings ("IMEI", "设备标识符")
/// resolved through the alias table, anything else kept as written.
fn data_ids(items: &[String], vocab: &Vocabulary) -> Vec<String> {
    let mut out = Vec::new();
    for x in items {
        let found = if crate::knowledge::data_types::DATA_TYPE_IDS.contains(&x.as_str()) {
            vec![x.clone()]
        } else {
            vocab.data_types_in(x)
        };
        let found = if found.is_empty() {
            vec![x.clone()]
        } else {
            found
        };
        for f in found {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

/// Permission entries of a JSON SDK row: constants or display names resolved, else kept.
fn permission_ids(items: &[String], vocab: &Vocabulary) -> Vec<String> {
    let mut out = Vec::new();
    for x in items {
        let found = vocab.resolve_permissions(x);
        let found = if found.is_empty() {
            vec![x.clone()]
        } else {
            found
        };
        for f in found {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

/// Line (1-based) where the `n`-th occurrence of `"needle"` starts, for sources.
fn line_of(text: &str, needle: &str, nth: usize) -> usize {
    let mut from = 0usize;
    let mut found = 0usize;
    while let Some(p) = text.get(from..).and_then(|s| s.find(needle)) {
        let at = from + p;
        if found == nth {
            return text
                .get(..at)
                .map(|s| s.matches('\n').count() + 1)
                .unwrap_or(1);
        }
        found += 1;
        from = at + needle.len().max(1);
    }
    1
}

/// Parse `apkaudit-declared/1` JSON (also accepts `link` for `privacy_url`).
pub fn parse_json(text: &str, vocab: &Vocabulary) -> Result<DeclaredPolicy, ParseError> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        let off = text
            .lines()
            .take(e.line().saturating_sub(1))
            .map(|l| l.len() + 1)
            .sum::<usize>()
            + e.column();
        ParseError::new(Format::Policy, off, format!("invalid JSON: {e}"))
    })?;
    let mut pol = DeclaredPolicy::default();
    match s(&v, &["schema"]) {
        Some(sc) if sc == "apkaudit-declared/1" => {}
        Some(sc) => pol.warnings.push(format!(
            "unknown schema {sc:?}; reading as apkaudit-declared/1"
        )),
        None => pol
            .warnings
            .push("no \"schema\" field; reading as apkaudit-declared/1".into()),
    }
    if !v.is_object() {
        return Err(ParseError::new(
            Format::Policy,
            0,
            "JSON root is not an object",
        ));
    }
    let mut name_seen: std::collections::HashMap<String, usize> = Default::default();
    for (i, e) in v
        .get("sdks")
        .and_then(|x| x.as_array())
        .map(|a| a.as_slice())
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let Some(name) = s(e, &["name", "sdk"]) else {
            pol.warnings.push(format!("sdks[{i}]: no name; skipped"));
            continue;
        };
        let nth = name_seen.entry(name.clone()).or_insert(0);
        let line = line_of(
            text,
            &serde_json::to_string(&name).unwrap_or_default(),
            *nth,
        );
        *nth += 1;
        let pkgs = list(e, "package_prefixes");
        let company = s(e, &["company"]);
        let data_types = data_ids(&list(e, "data_types"), vocab);
        let permissions = permission_ids(&list(e, "permissions"), vocab);
        let src = Source::new(line, &clip(&e.to_string(), 300));
        for d in &data_types {
            pol.data_types.push(DeclaredData {
                id: d.clone(),
                source: src.clone(),
            });
        }
        pol.sdks.push(DeclaredSdk {
            also: Vec::new(),
            id: s(e, &["id"]).or_else(|| vocab.resolve_sdk(&name, &pkgs, company.as_deref())),
            name,
            company,
            purpose: s(e, &["purpose"]),
            data_types,
            data_text: None,
            permissions,
            link: s(e, &["privacy_url", "link"]),
            source: src,
        });
    }
    for (i, e) in v
        .get("permissions")
        .and_then(|x| x.as_array())
        .map(|a| a.as_slice())
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let Some(name) =
            s(e, &["name", "permission"]).or_else(|| e.as_str().map(|x| x.to_string()))
        else {
            pol.warnings
                .push(format!("permissions[{i}]: no name; skipped"));
            continue;
        };
        let line = line_of(text, &serde_json::to_string(&name).unwrap_or_default(), 0);
        super::text::push_permission(
            &mut pol,
            vocab,
            &name,
            s(e, &["purpose"]),
            Source::new(line, &e.to_string()),
        );
    }
    for e in v
        .get("collected")
        .and_then(|x| x.as_array())
        .map(|a| a.as_slice())
        .unwrap_or(&[])
    {
        let id = e
            .as_str()
            .map(|x| x.to_string())
            .or_else(|| s(e, &["id", "data_type"]));
        if let Some(raw) = id {
            let line = line_of(text, &format!("\"{raw}\""), 0);
            for id in data_ids(std::slice::from_ref(&raw), vocab) {
                pol.data_types.push(DeclaredData {
                    id,
                    source: Source::new(line, &e.to_string()),
                });
            }
        }
    }
    for e in v
        .get("generic_disclosures")
        .and_then(|x| x.as_array())
        .map(|a| a.as_slice())
        .unwrap_or(&[])
    {
        let cat = s(e, &["category"]).unwrap_or_else(|| "thirdparty".into());
        let t = s(e, &["text"])
            .or_else(|| e.as_str().map(|x| x.to_string()))
            .unwrap_or_default();
        pol.vague.push(VagueDisclosure {
            category: cat,
            text: t.clone(),
            source: Source::new(1, &t),
        });
    }
    Ok(pol)
}

/// Split CSV text into records (RFC 4180 quoting), each with its starting line.
pub fn csv_records(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut rec: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1usize;
    let mut start = 1usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => rec.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                rec.push(std::mem::take(&mut field));
                if rec.iter().any(|f| !f.trim().is_empty()) {
                    out.push((start, std::mem::take(&mut rec)));
                }
                rec.clear();
                start = line;
            }
            _ => field.push(c),
        }
    }
    rec.push(field);
    if rec.iter().any(|f| !f.trim().is_empty()) {
        out.push((start, rec));
    }
    out
}

/// Parse CSV: header row; a `kind` column (sdk|permission) splits rows, else the header decides.
pub fn parse_csv(text: &str, vocab: &Vocabulary) -> DeclaredPolicy {
    let mut pol = DeclaredPolicy::default();
    let recs = csv_records(text);
    let mut it = recs.into_iter();
    let Some((_, header)) = it.next() else {
        pol.warnings.push("csv: empty".into());
        return pol;
    };
    let header: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let ncols = header.len();
    let kind_col = header.iter().position(|h| h.eq_ignore_ascii_case("kind"));
    let mut sdk_rows = Vec::new();
    let mut perm_rows = Vec::new();
    for (line, mut r) in it {
        if r.len() != ncols {
            pol.warnings.push(format!(
                "csv line {line}: {} fields, header has {ncols}",
                r.len()
            ));
            r.resize(ncols, String::new());
        }
        match kind_col
            .and_then(|k| r.get(k))
            .map(|k| k.trim().to_ascii_lowercase())
        {
            Some(k) if k == "permission" => perm_rows.push((line, r)),
            Some(k) if k == "sdk" => sdk_rows.push((line, r)),
            Some(k) => pol
                .warnings
                .push(format!("csv line {line}: unknown kind {k:?}; skipped")),
            None => sdk_rows.push((line, r)),
        }
    }
    let mut h = header.clone();
    if let Some(k) = kind_col {
        if let Some(x) = h.get_mut(k) {
            x.clear();
        }
    }
    if kind_col.is_some() {
        // Same header, two row kinds: relabel the name column for permission rows.
        // Permission rows use the name column and the purpose/function/note columns only;
        // SDK-only columns (company, link, data, permissions) are blanked so the row is not
        // mistaken for an SDK row.
        let (_, pcols) = super::vocab::column_terms();
        let mut named = false;
        let ph: Vec<String> = h
            .iter()
            .map(|x| {
                let l = x.to_ascii_lowercase();
                if !named && (l == "name" || l == "sdk" || l == "permission") {
                    named = true;
                    return "permission".to_string();
                }
                match super::text::best_field(x, pcols).as_deref() {
                    Some("purpose") | Some("function") | Some("note") if l != "permissions" => {
                        x.clone()
                    }
                    _ => String::new(),
                }
            })
            .collect();
        let mut sh = h.clone();
        if let Some(x) = sh.iter_mut().find(|x| x.eq_ignore_ascii_case("name")) {
            *x = "sdk name".into();
        }
        table_rows(&sh, sdk_rows, vocab, &mut pol);
        table_rows(&ph, perm_rows, vocab, &mut pol);
    } else {
        if let Some(x) = h.iter_mut().find(|x| x.eq_ignore_ascii_case("name")) {
            *x = "sdk name".into();
        }
        table_rows(&h, sdk_rows, vocab, &mut pol);
    }
    pol
}

/// Apple privacy manifest: collected data types become data types, with a warning that it is iOS.
pub fn parse_plist(text: &str, vocab: &Vocabulary) -> DeclaredPolicy {
    let mut pol = DeclaredPolicy::default();
    pol.warnings.push(
        "Apple privacy manifest (iOS): only data types are read; it declares nothing about Android"
            .into(),
    );
    for (k, l) in text.lines().enumerate() {
        let t = l.trim();
        if let Some(v) = t
            .strip_prefix("<string>NSPrivacyCollectedDataType")
            .and_then(|r| r.strip_suffix("</string>"))
        {
            // NSPrivacyCollectedDataTypePurpose… values are purposes, not data types.
            if v.starts_with("Purpose") {
                continue;
            }
            let raw = v.to_string();
            let key = format!("NSPrivacyCollectedDataType{raw}");
            let id = vocab
                .data_db
                .and_then(|db| db.by_apple_key(&key))
                .map(|t| t.id.clone())
                .or_else(|| vocab.data_types_in(&raw).into_iter().next())
                .unwrap_or_else(|| format!("apple:{raw}"));
            pol.data_types.push(DeclaredData {
                id,
                source: Source::new(k + 1, t),
            });
        }
    }
    pol
}
