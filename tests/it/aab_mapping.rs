//! An `.aab` that ships its own `proguard.map`: renamed AndroidX code is AndroidX again
//! (`android-jetpack`, through the mapping), so it never becomes "unattributed code reads
//! precise location", a `high` finding (issue 17). A generated bundle (always) and the
//! corpus bundle (`cfg(shared)`), whose map is read independently here.

use apkaudit::audit::{audit, AuditReport, Severity};
use apkaudit::formats::aapt_pb::{xml_node, XmlAttribute, XmlElement, XmlNode};
use apkaudit::knowledge::Knowledge;
use apkaudit::policy::{parse_policy, vocab::Vocabulary, Kind};
use apkaudit::scan::{scan_bytes, scan_file, ScanOptions, ScanReport};
use apkaudit::testkit::dex_builder::{DexBuilder, Insn};
use apkaudit::testkit::write_zip;
use prost::Message;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const MAP_PATH: &str = "BUNDLE-METADATA/com.android.tools.build.obfuscation/proguard.map";

fn element(name: &str, attrs: &[(&str, &str)], child: Vec<XmlNode>) -> XmlNode {
    XmlNode {
        node: Some(xml_node::Node::Element(XmlElement {
            name: name.into(),
            attribute: attrs
                .iter()
                .map(|(n, v)| XmlAttribute {
                    name: (*n).into(),
                    value: (*v).into(),
                    ..Default::default()
                })
                .collect(),
            child,
            ..Default::default()
        })),
        source: None,
    }
}

/// A bundle whose code is AndroidX's `TwilightManager` renamed to `k.b.c.w` (reading the
/// last known location, as the real one does), with or without the bundle's own map.
fn bundle(with_map: bool) -> Vec<u8> {
    let manifest = element(
        "manifest",
        &[("package", "com.example.twilight")],
        vec![element("application", &[], Vec::new())],
    )
    .encode_to_vec();
    let mut b = DexBuilder::new();
    b.class("Lk/b/c/w;", Some("Ljava/lang/Object;"))
        .static_method(
            "a",
            "()V",
            vec![
                Insn::invoke_virtual(
                    "Landroid/location/LocationManager;",
                    "getLastKnownLocation",
                    "(Ljava/lang/String;)Landroid/location/Location;",
                ),
                Insn::return_void(),
            ],
        );
    b.class(
        "Lcom/example/twilight/Main;",
        Some("Landroid/app/Activity;"),
    )
    .constructor();
    let dex = b.build().unwrap();
    let map = b"androidx.appcompat.app.TwilightManager -> k.b.c.w:\n    android.location.Location getLastKnownLocationForProvider(java.lang.String) -> a\ncom.example.twilight.Main -> com.example.twilight.Main:\n";
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("base/manifest/AndroidManifest.xml", &manifest),
        ("base/dex/classes.dex", &dex),
    ];
    if with_map {
        entries.push((MAP_PATH, map));
    }
    write_zip(&entries).unwrap()
}

fn audit_empty(scan: &ScanReport) -> AuditReport {
    let policy = parse_policy(
        "# Privacy\n\nWe collect nothing.\n",
        Kind::Markdown,
        &Vocabulary::embedded(),
    );
    audit(Knowledge::embedded(), scan, policy)
}

fn highs(a: &AuditReport) -> Vec<String> {
    a.findings
        .iter()
        .filter(|f| f.severity == Severity::High)
        .map(|f| f.message.clone())
        .collect()
}

#[test]
fn aab_own_mapping_keeps_renamed_androidx_out_of_high_findings() {
    let scan = scan_bytes("twilight.aab", &bundle(true), &ScanOptions::default()).unwrap();
    assert_eq!(scan.kind, apkaudit::scan::InputKind::Aab);
    assert_eq!(scan.mapping.as_deref(), Some(MAP_PATH));
    let loc = scan
        .data_access
        .iter()
        .find(|d| {
            d.data_types
                .iter()
                .any(|t| t.data_type == "precise_location")
        })
        .expect("the location read is reported");
    assert_eq!(loc.owner, "android-jetpack");
    assert_eq!(serde_json::to_value(loc.attribution).unwrap(), "mapping");
    let a = audit_empty(&scan);
    assert!(highs(&a).is_empty(), "{:?}", highs(&a));

    // the same bundle without its map: the read has no owner (the case the map fixes)
    let bare = scan_bytes("twilight.aab", &bundle(false), &ScanOptions::default()).unwrap();
    assert!(bare.mapping.is_none());
    assert!(bare.data_access.iter().any(|d| d.owner == "unknown"
        && d.data_types
            .iter()
            .any(|t| t.data_type == "precise_location")));
}

/// Obfuscated name → original name of every class line of a ProGuard map (read here, not
/// by the project's parser).
fn map_classes(text: &str) -> std::collections::HashMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('#'))
        .filter_map(|l| {
            let (orig, rest) = l.split_once(" -> ")?;
            Some((rest.strip_suffix(':')?.to_string(), orig.to_string()))
        })
        .collect()
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared/corpus")]
fn aab_corpus_bundle_has_no_high_finding_from_renamed_androidx() {
    use std::io::Read;
    let f = std::path::Path::new(ROOT).join("../shared/corpus/split/buddhaquotes__app-release.aab");
    let mut z = zip::ZipArchive::new(std::fs::File::open(&f).unwrap()).unwrap();
    let mut text = String::new();
    z.by_name(MAP_PATH)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let map = map_classes(&text);
    let scan = scan_file(&f, &ScanOptions::default()).unwrap();
    assert_eq!(scan.mapping.as_deref(), Some(MAP_PATH));
    let mut androidx_sites = 0;
    for d in &scan.data_access {
        for t in &d.data_types {
            for c in &t.call_sites {
                let class = c.caller.split(';').next().unwrap_or("");
                let dotted = class.trim_start_matches('L').replace('/', ".");
                let Some(orig) = map.get(&dotted) else {
                    continue;
                };
                if orig.starts_with("androidx.") || orig.starts_with("android.support.") {
                    androidx_sites += 1;
                    assert_eq!(d.owner, "android-jetpack", "{} ({orig})", c.caller);
                }
            }
        }
    }
    assert!(androidx_sites > 0);
    let a = audit_empty(&scan);
    assert!(highs(&a).is_empty(), "{:?}", highs(&a));
    println!("buddhaquotes.aab: {androidx_sites} renamed AndroidX call sites, all android-jetpack; no high finding");
}
