//! Generate `data/permission_labels.toml`: Android's own permission and permission-group
//! labels (and descriptions) in English and every Chinese variant, read from a
//! `framework-res.apk` with apkaudit's own readers (container, AXML, resources.arsc).
//!
//! ```text
//! cargo run --example gen_permission_labels -- /usr/share/android-framework-res/framework-res.apk \
//!     > data/permission_labels.toml
//! ```
//!
//! Options: `--package-version V` names the source package version (default: asked from
//! `dpkg-query` for the package owning the file, e.g. Debian's `android-framework-res`).
//!
//! For every `<permission>` / `<permission-group>` of the framework manifest that has an
//! `android:label`, the label and description are resolved in the default configuration
//! (English), in `zh-rCN`, `zh-rTW` and `zh-rHK` (exact configurations, no fallback), and
//! in every other `en-r??` locale whose text differs from the default (the `en-rXC`
//! pseudo-locale excepted). Rows are sorted by name; a missing Chinese string is left out
//! of its row and counted on stderr.

use apkaudit::formats::arsc::ResourceTable;
use apkaudit::formats::xml::{Element, Value};
use apkaudit::formats::zip::{map_file, Archive, Limits};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::process::ExitCode;

/// Chinese configurations always written, with their field suffix.
const ZH: [(&str, &str); 3] = [
    ("zh-rCN", "zh_cn"),
    ("zh-rTW", "zh_tw"),
    ("zh-rHK", "zh_hk"),
];
/// Pseudo-locales (accented / bidi test strings), never written.
const PSEUDO: [&str; 2] = ["en-rXA", "en-rXC"];

/// One resolved string resource in all written variants.
struct Text {
    key: Option<String>,
    /// Field suffix (`en`, `zh_cn`, `en_gb`, ...) -> text.
    by_variant: BTreeMap<String, String>,
}

struct Row {
    name: String,
    label: Text,
    description: Option<Text>,
}

fn die(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("gen_permission_labels: {msg}");
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut package_version = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--package-version" => package_version = args.next(),
            "-h" | "--help" => {
                eprintln!(
                    "usage: gen_permission_labels [--package-version V] PATH/framework-res.apk"
                );
                return ExitCode::SUCCESS;
            }
            _ if path.is_none() => path = Some(a),
            _ => return die(format!("unexpected argument {a}")),
        }
    }
    let Some(path) = path else {
        return die("usage: gen_permission_labels [--package-version V] PATH/framework-res.apk");
    };
    match run(&path, package_version) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => die(e),
    }
}

/// `(package, version)` of the Debian package owning `path`, if dpkg knows it.
fn dpkg_owner(path: &str) -> Option<(String, String)> {
    let canon = std::fs::canonicalize(path).ok()?;
    let out = std::process::Command::new("dpkg-query")
        .arg("-S")
        .arg(&canon)
        .output()
        .ok()?;
    let line = String::from_utf8(out.stdout).ok()?;
    let pkg = line.split(':').next()?.trim().to_string();
    if pkg.is_empty() || pkg.contains(' ') {
        return None;
    }
    let out = std::process::Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", &pkg])
        .output()
        .ok()?;
    let v = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!v.is_empty()).then_some((pkg, v))
}

/// `1:10.0.0+r36-10` -> `10.0.0+r36` (upstream version: no epoch, no Debian revision).
fn upstream(version: &str) -> &str {
    let v = version.split_once(':').map_or(version, |(_, v)| v);
    v.rsplit_once('-').map_or(v, |(v, _)| v)
}

fn run(path: &str, package_version: Option<String>) -> Result<String, String> {
    let bytes = map_file(std::path::Path::new(path)).map_err(|e| format!("{path}: {e}"))?;
    let sha256: String = Sha256::digest(&bytes[..])
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let zip = Archive::parse(&bytes, Limits::default()).map_err(|e| format!("{path}: {e}"))?;
    let read = |name: &str| -> Result<Vec<u8>, String> {
        match zip.read_name(name) {
            Some(Ok(d)) => Ok(d.into_owned()),
            Some(Err(e)) => Err(format!("{name}: {e}")),
            None => Err(format!("{path} has no {name}")),
        }
    };
    let doc = apkaudit::formats::axml::parse(&read("AndroidManifest.xml")?)
        .map_err(|e| format!("AndroidManifest.xml: {e}"))?;
    let arsc = read("resources.arsc")?;
    let table = ResourceTable::parse(&arsc).map_err(|e| format!("resources.arsc: {e}"))?;
    let root = &doc.root;
    if root.plain_attr("package").map(|a| a.text()).as_deref() != Some("android") {
        return Err(format!(
            "{path} is not the framework (manifest package is not \"android\")"
        ));
    }
    let version_name = root
        .android_attr("versionName")
        .map(|a| a.text())
        .unwrap_or_default();
    let version_code = root
        .android_attr("versionCode")
        .map(|a| a.text())
        .unwrap_or_default();

    let (package, package_version) = match (package_version, dpkg_owner(path)) {
        (Some(v), owner) => (owner.map(|o| o.0), Some(v)),
        (None, Some((p, v))) => (Some(p), Some(v)),
        (None, None) => (None, None),
    };

    // En-locale variants present for any permission string (pseudo-locales excepted).
    let mut stats = Stats::default();
    let mut perms = collect(root, "permission", &table, &mut stats)?;
    let mut groups = collect(root, "permission-group", &table, &mut stats)?;
    perms.sort_by(|a, b| a.name.cmp(&b.name));
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    for w in [&perms, &groups] {
        for pair in w.windows(2) {
            if pair[0].name == pair[1].name {
                return Err(format!("{} declared twice", pair[0].name));
            }
        }
    }

    let mut o = String::new();
    let android = match &package_version {
        Some(v) => format!(
            "Android {version_name} (AOSP android-{})",
            upstream(v).replace("+r", "_r")
        ),
        None => format!("Android {version_name}"),
    };
    let _ = writeln!(
        o,
        "# Android's own permission and permission-group labels and descriptions, in English"
    );
    let _ = writeln!(
        o,
        "# (default configuration) and zh-CN, zh-TW, zh-HK, from {android}:"
    );
    let _ = writeln!(
        o,
        "# framework-res.apk of {} {}, API {version_code}.",
        package.as_deref().unwrap_or("(unknown package)"),
        package_version.as_deref().unwrap_or("(unknown version)")
    );
    let _ = writeln!(
        o,
        "# Read with apkaudit's own AXML and resources.arsc readers; schema: docs/permissions.md."
    );
    let _ = writeln!(o, "# Regenerate (do not edit by hand):");
    let _ = writeln!(o, "#   cargo run --example gen_permission_labels -- /usr/share/android-framework-res/framework-res.apk \\");
    let _ = writeln!(o, "#       > data/permission_labels.toml");
    let _ = writeln!(
        o,
        "# {} labelled permissions ({} declared without a label are not listed), {} labelled groups.",
        perms.len(),
        stats.unlabelled["permission"],
        groups.len()
    );
    let _ = writeln!(o, "# label_en_?? / description_en_?? appear only where that English locale differs from the default.");
    o.push('\n');
    o.push_str("[source]\n");
    let _ = writeln!(o, "android_version = {}", q(&version_name));
    if let Some(p) = &package {
        let _ = writeln!(o, "package = {}", q(p));
    }
    if let Some(v) = &package_version {
        let _ = writeln!(o, "package_version = {}", q(v));
        let _ = writeln!(
            o,
            "aosp_tag = {}",
            q(&format!("android-{}", upstream(v).replace("+r", "_r")))
        );
    }
    let _ = writeln!(o, "api_level = {version_code}");
    let _ = writeln!(o, "apk_sha256 = {}", q(&sha256));
    for (kind, rows) in [("permission", &perms), ("group", &groups)] {
        for r in rows.iter() {
            o.push('\n');
            let _ = writeln!(o, "[[{kind}]]");
            let _ = writeln!(o, "name = {}", q(&r.name));
            write_text(&mut o, "label", &r.label);
            if let Some(d) = &r.description {
                write_text(&mut o, "description", d);
            }
        }
    }
    eprintln!(
        "{} permissions ({} unlabelled), {} groups ({} unlabelled); missing zh strings: {:?}; extra en variants written: {:?}",
        perms.len(),
        stats.unlabelled["permission"],
        groups.len(),
        stats.unlabelled["permission-group"],
        stats.missing,
        stats.extra_en
    );
    Ok(o)
}

#[derive(Default)]
struct Stats {
    unlabelled: BTreeMap<&'static str, usize>,
    missing: BTreeMap<String, usize>,
    extra_en: BTreeMap<String, usize>,
}

fn collect(
    root: &Element,
    tag: &'static str,
    table: &ResourceTable,
    stats: &mut Stats,
) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    *stats.unlabelled.entry(tag).or_default() += 0;
    for el in root.children_named(tag) {
        let name = el
            .android_attr("name")
            .map(|a| a.text())
            .ok_or_else(|| format!("<{tag}> without android:name"))?;
        let Some(label) = el.android_attr("label") else {
            *stats.unlabelled.entry(tag).or_default() += 1;
            continue;
        };
        let label = resolve(&label.value, table, &name, "label", stats)?;
        let description = el
            .android_attr("description")
            .map(|d| resolve(&d.value, table, &name, "description", stats))
            .transpose()?;
        rows.push(Row {
            name,
            label,
            description,
        });
    }
    Ok(rows)
}

fn resolve(
    v: &Value,
    table: &ResourceTable,
    name: &str,
    what: &str,
    stats: &mut Stats,
) -> Result<Text, String> {
    let id = match v {
        Value::Reference(id) => *id,
        Value::String(s) => {
            return Ok(Text {
                key: None,
                by_variant: BTreeMap::from([("en".to_string(), s.clone())]),
            })
        }
        other => {
            return Err(format!(
                "{name}: {what} is {other:?}, not a string or reference"
            ))
        }
    };
    let key = table
        .name(id)
        .and_then(|n| n.rsplit_once('/').map(|(_, k)| k.to_string()))
        .ok_or_else(|| format!("{name}: {what} {id:#010x} not in resources.arsc"))?;
    let string = |r: Option<apkaudit::formats::arsc::ResolvedValue>| match r.map(|r| r.value) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let en = string(table.resolve(id).filter(|r| r.default_config))
        .ok_or_else(|| format!("{name}: {what} {key} has no default-config string"))?;
    let mut by_variant = BTreeMap::from([("en".to_string(), en.clone())]);
    for (locale, field) in ZH {
        match string(table.resolve_locale(id, locale)) {
            Some(s) => {
                by_variant.insert(field.to_string(), s);
            }
            None => *stats.missing.entry(format!("{what}_{field}")).or_default() += 1,
        }
    }
    let en_locales: BTreeSet<String> = table
        .locales(id)
        .into_iter()
        .filter(|l| l.starts_with("en-r") && !PSEUDO.contains(&l.as_str()))
        .collect();
    for l in en_locales {
        if let Some(s) = string(table.resolve_locale(id, &l)) {
            if s != en {
                let field = l.replace("-r", "_").to_lowercase();
                *stats.extra_en.entry(format!("{what}_{field}")).or_default() += 1;
                by_variant.insert(field, s);
            }
        }
    }
    Ok(Text {
        key: Some(key),
        by_variant,
    })
}

/// Field order: en, zh_cn, zh_tw, zh_hk, then other English locales alphabetically.
fn write_text(o: &mut String, what: &str, t: &Text) {
    if let Some(k) = &t.key {
        let _ = writeln!(o, "{what}_key = {}", q(k));
    }
    let fixed = ["en", "zh_cn", "zh_tw", "zh_hk"];
    for f in fixed {
        if let Some(s) = t.by_variant.get(f) {
            let _ = writeln!(o, "{what}_{f} = {}", q(s));
        }
    }
    for (f, s) in &t.by_variant {
        if !fixed.contains(&f.as_str()) {
            let _ = writeln!(o, "{what}_{f} = {}", q(s));
        }
    }
}

/// A TOML basic string.
fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
