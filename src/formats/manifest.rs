//! The manifest model: what an auditor needs from `AndroidManifest.xml`.
//!
//! Built from a decoded [`Element`] tree (binary, protobuf or text XML alike), with
//! references resolved through resources.arsc where a table is given.

use crate::formats::xml::{Element, Value};
use serde::{Deserialize, Serialize};

/// A requested permission (`<uses-permission>` or `<uses-permission-sdk-23>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsesPermission {
    /// Permission name.
    pub name: String,
    /// `android:maxSdkVersion`, if set.
    pub max_sdk: Option<i64>,
    /// True for `<uses-permission-sdk-23>` (requested only on API 23+).
    pub sdk23_only: bool,
    /// Protection level from the permission table (`normal`, `dangerous`, ...), or
    /// `unknown` for custom permissions; filled by the scan.
    pub protection: String,
}

/// A permission the app declares (`<permission>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeclaredPermission {
    /// Permission name.
    pub name: String,
    /// `android:protectionLevel` as text (`signature`, `dangerous`, `0x2`, ...).
    pub protection_level: Option<String>,
}

/// An `<intent-filter>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntentFilter {
    /// Actions.
    pub actions: Vec<String>,
    /// Categories.
    pub categories: Vec<String>,
    /// Data schemes/hosts, as `scheme://host`.
    pub data: Vec<String>,
}

/// An application component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// `activity`, `activity-alias`, `service`, `receiver` or `provider`.
    pub kind: String,
    /// Fully qualified class name (relative names expanded with the package).
    pub name: String,
    /// Effective exported state.
    pub exported: bool,
    /// Why: `explicit`, `intent-filter` (implied before API 31) or `default`.
    pub exported_reason: String,
    /// Permission guarding the component.
    pub permission: Option<String>,
    /// Provider authorities (split on `;`).
    pub authorities: Vec<String>,
    /// Process name.
    pub process: Option<String>,
    /// Intent filters.
    pub intent_filters: Vec<IntentFilter>,
}

/// A `<meta-data>` entry (application or component level).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaData {
    /// `android:name`.
    pub name: String,
    /// Value (resolved where possible).
    pub value: Option<String>,
}

/// `<queries>` content (Android 11 package visibility).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Queries {
    /// `<package android:name>` entries.
    pub packages: Vec<String>,
    /// Intent actions queried.
    pub intents: Vec<String>,
    /// Provider authorities queried.
    pub providers: Vec<String>,
}

/// Application-level flags that matter for privacy and security.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApplicationFlags {
    /// Application class.
    pub name: Option<String>,
    /// Label (resolved where possible).
    pub label: Option<String>,
    /// `android:debuggable`.
    pub debuggable: Option<bool>,
    /// `android:allowBackup` (Android's default is true).
    pub allow_backup: Option<bool>,
    /// `android:usesCleartextTraffic`.
    pub uses_cleartext_traffic: Option<bool>,
    /// `android:networkSecurityConfig` resource.
    pub network_security_config: Option<String>,
}

/// The manifest facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Package name.
    pub package: Option<String>,
    /// Version code (versionCodeMajor not combined).
    pub version_code: Option<i64>,
    /// Version name (resolved where possible).
    pub version_name: Option<String>,
    /// minSdkVersion (default 1 when absent, as Android does).
    pub min_sdk: Option<i64>,
    /// targetSdkVersion (defaults to minSdk when absent, as Android does).
    pub target_sdk: Option<i64>,
    /// `split` attribute of split APKs.
    pub split: Option<String>,
    /// Requested permissions (duplicates removed, first occurrence kept).
    pub permissions: Vec<UsesPermission>,
    /// Permissions the app declares.
    pub declared_permissions: Vec<DeclaredPermission>,
    /// Components.
    pub components: Vec<Component>,
    /// Meta-data entries.
    pub meta_data: Vec<MetaData>,
    /// Package-visibility queries.
    pub queries: Queries,
    /// Application flags.
    pub application: ApplicationFlags,
}

fn text_of(el: &Element, attr: &str) -> Option<String> {
    el.android_attr(attr)
        .map(|a| a.text())
        .filter(|s| !s.is_empty())
}

fn int_of(el: &Element, attr: &str) -> Option<i64> {
    let a = el.android_attr(attr)?;
    if let Some(r) = &a.resolved {
        if let Ok(v) = r.trim().parse() {
            return Some(v);
        }
    }
    a.value.as_int()
}

fn bool_of(el: &Element, attr: &str) -> Option<bool> {
    let a = el.android_attr(attr)?;
    a.resolved
        .as_deref()
        .and_then(|r| match r {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        })
        .or_else(|| a.value.as_bool())
}

/// Expand a component class name the way Android does (`.Foo` and `Foo` → `pkg.Foo`).
pub fn qualify(package: &str, name: &str) -> String {
    if let Some(rest) = name.strip_prefix('.') {
        format!("{package}.{rest}")
    } else if !name.contains('.') && !package.is_empty() {
        format!("{package}.{name}")
    } else {
        name.to_string()
    }
}

impl Manifest {
    /// Build the model from the `<manifest>` element.
    pub fn from_xml(root: &Element) -> Manifest {
        let mut m = Manifest {
            package: root
                .plain_attr("package")
                .map(|a| a.text())
                .filter(|s| !s.is_empty()),
            version_code: int_of(root, "versionCode"),
            version_name: text_of(root, "versionName"),
            split: root.plain_attr("split").map(|a| a.text()),
            ..Default::default()
        };
        let pkg = m.package.clone().unwrap_or_default();
        let uses_sdk = root.children_named("uses-sdk").next();
        let min_sdk = uses_sdk.and_then(|u| sdk_level(u, "minSdkVersion"));
        let target_sdk = uses_sdk.and_then(|u| sdk_level(u, "targetSdkVersion"));
        m.min_sdk = Some(min_sdk.unwrap_or(1));
        m.target_sdk = target_sdk.or(m.min_sdk);
        let target = m.target_sdk.unwrap_or(1);

        for c in &root.children {
            match c.name.as_str() {
                "uses-permission" | "uses-permission-sdk-23" | "uses-permission-sdk-m" => {
                    if let Some(name) = text_of(c, "name") {
                        if !m.permissions.iter().any(|p| p.name == name) {
                            m.permissions.push(UsesPermission {
                                name,
                                max_sdk: int_of(c, "maxSdkVersion"),
                                sdk23_only: c.name != "uses-permission",
                                protection: String::new(),
                            });
                        }
                    }
                }
                "permission" => {
                    if let Some(name) = text_of(c, "name") {
                        let protection_level =
                            c.android_attr("protectionLevel").map(|a| match &a.value {
                                Value::Int(i) => protection_text(*i as u32),
                                Value::Hex(h) => protection_text(*h),
                                _ => a.text(),
                            });
                        m.declared_permissions.push(DeclaredPermission {
                            name,
                            protection_level,
                        });
                    }
                }
                "queries" => {
                    for q in &c.children {
                        match q.name.as_str() {
                            "package" => m.queries.packages.extend(text_of(q, "name")),
                            "intent" => {
                                for a in q.children_named("action") {
                                    m.queries.intents.extend(text_of(a, "name"));
                                }
                            }
                            "provider" => m.queries.providers.extend(text_of(q, "authorities")),
                            _ => {}
                        }
                    }
                }
                "application" => {
                    m.application = ApplicationFlags {
                        name: text_of(c, "name").map(|n| qualify(&pkg, &n)),
                        label: text_of(c, "label"),
                        debuggable: bool_of(c, "debuggable"),
                        allow_backup: bool_of(c, "allowBackup"),
                        uses_cleartext_traffic: bool_of(c, "usesCleartextTraffic"),
                        network_security_config: text_of(c, "networkSecurityConfig"),
                    };
                    for comp in &c.children {
                        match comp.name.as_str() {
                            "activity" | "activity-alias" | "service" | "receiver" | "provider" => {
                                m.components.push(component(comp, &pkg, target));
                                for md in comp.children_named("meta-data") {
                                    m.meta_data.extend(meta(md));
                                }
                            }
                            "meta-data" => m.meta_data.extend(meta(comp)),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        m
    }
}

fn sdk_level(el: &Element, attr: &str) -> Option<i64> {
    let a = el.android_attr(attr)?;
    match &a.value {
        Value::String(s) => s.trim().parse().ok().or(Some(10_000)), // codename = preview
        _ => int_of(el, attr),
    }
}

fn meta(md: &Element) -> Option<MetaData> {
    let name = text_of(md, "name")?;
    let value = text_of(md, "value").or_else(|| text_of(md, "resource"));
    Some(MetaData { name, value })
}

fn component(el: &Element, pkg: &str, target_sdk: i64) -> Component {
    let name = text_of(el, "name")
        .map(|n| qualify(pkg, &n))
        .unwrap_or_default();
    let intent_filters: Vec<IntentFilter> = el
        .children_named("intent-filter")
        .map(|f| IntentFilter {
            actions: f
                .children_named("action")
                .filter_map(|a| text_of(a, "name"))
                .collect(),
            categories: f
                .children_named("category")
                .filter_map(|a| text_of(a, "name"))
                .collect(),
            data: f
                .children_named("data")
                .filter_map(|d| {
                    let s = text_of(d, "scheme");
                    let h = text_of(d, "host");
                    match (s, h) {
                        (None, None) => text_of(d, "mimeType"),
                        (s, h) => Some(format!(
                            "{}://{}",
                            s.unwrap_or_default(),
                            h.unwrap_or_default()
                        )),
                    }
                })
                .collect(),
        })
        .collect();
    let explicit = bool_of(el, "exported");
    let (exported, reason) = match explicit {
        Some(e) => (e, "explicit"),
        None if el.name == "provider" => (target_sdk < 17, "default"),
        // Before API 31 a component with an intent filter is exported by default;
        // from 31 on, the attribute is mandatory (install fails without it).
        None if !intent_filters.is_empty() => (true, "intent-filter"),
        None => (false, "default"),
    };
    Component {
        kind: el.name.clone(),
        name,
        exported,
        exported_reason: reason.to_string(),
        permission: text_of(el, "permission"),
        authorities: text_of(el, "authorities")
            .map(|a| {
                a.split(';')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        process: text_of(el, "process"),
        intent_filters,
    }
}

/// Protection level bits to text (`signature|privileged`).
pub fn protection_text(v: u32) -> String {
    let base = match v & 0xf {
        0 => "normal",
        1 => "dangerous",
        2 => "signature",
        3 => "signatureOrSystem",
        4 => "internal",
        _ => "unknown",
    };
    let mut parts = vec![base.to_string()];
    for (bit, name) in [
        (0x10, "privileged"),
        (0x20, "development"),
        (0x40, "appop"),
        (0x80, "pre23"),
        (0x100, "installer"),
        (0x200, "verifier"),
        (0x400, "preinstalled"),
        (0x800, "setup"),
        (0x1000, "instant"),
        (0x2000, "runtime"),
    ] {
        if v & bit != 0 {
            parts.push(name.to_string());
        }
    }
    parts.join("|")
}
