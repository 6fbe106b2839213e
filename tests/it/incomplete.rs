//! What a scan cannot see and what it opens: a packer's evidence makes the scan and the
//! audit say that SDK and data findings are incomplete (`code_hidden_by_packer`); code
//! shipped in an AAR's or JAR's assets (GDT's `assets/gdt_plugin/gdtadv2.jar`) is opened
//! as in an APK.

use apkaudit::audit::audit;
use apkaudit::knowledge::Knowledge;
use apkaudit::policy::{parse_policy, vocab::Vocabulary, Kind};
use apkaudit::scan::{scan_bytes, scan_file, Incomplete, ScanOptions, ScanReport};
use apkaudit::testkit::dex_builder::{DexBuilder, Insn};
use apkaudit::testkit::{s, write_axml, write_zip, Node};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const TM: &str = "Landroid/telephony/TelephonyManager;";

/// An app whose only code is a packer's stub class, with the packer's native library:
/// what a Legu-packed APK looks like to a static reader.
fn packed_app() -> Vec<u8> {
    let manifest = write_axml(
        &Node::new("manifest")
            .plain("package", s("com.example.packed"))
            .child(
                Node::new("application")
                    .android("name", s("com.tencent.StubShell.TxAppEntry"))
                    .child(Node::new("activity").android("name", s(".Main"))),
            ),
    );
    let mut b = DexBuilder::new();
    b.class(
        "Lcom/tencent/StubShell/TxAppEntry;",
        Some("Landroid/app/Application;"),
    )
    .constructor();
    let dex = b.build().unwrap();
    write_zip(&[
        ("AndroidManifest.xml", &manifest),
        ("classes.dex", &dex),
        (
            "lib/armeabi/libshella-2.10.7.1.so",
            b"not an elf: payload loader",
        ),
        ("assets/0OO00l111l1l", b"\x93\x11encrypted payload bytes"),
    ])
    .unwrap()
}

fn audit_empty(scan: &ScanReport) -> apkaudit::audit::AuditReport {
    let policy = parse_policy("# Privacy\n", Kind::Markdown, &Vocabulary::embedded());
    audit(Knowledge::embedded(), scan, policy)
}

#[test]
fn incomplete_packer_evidence_is_a_typed_warning_and_the_audit_says_so() {
    let scan = scan_bytes("packed.apk", &packed_app(), &ScanOptions::default()).unwrap();
    assert!(scan.sdks.iter().any(|s| s.id == "tencent-legu"));
    assert_eq!(scan.incomplete.len(), 1, "{:?}", scan.incomplete);
    let Incomplete::CodeHiddenByPacker {
        packer,
        evidence,
        classes_read,
        message,
        ..
    } = &scan.incomplete[0]
    else {
        panic!("{:?}", scan.incomplete)
    };
    assert_eq!(packer, "tencent-legu");
    assert_eq!(*classes_read, scan.class_count);
    assert!(evidence.iter().any(|e| e.contains("libshella-2.10.7.1.so")));
    assert!(message.contains("incomplete"), "{message}");
    let json = serde_json::to_value(&scan).unwrap();
    assert_eq!(json["incomplete"][0]["kind"], "code_hidden_by_packer");
    assert_eq!(json["incomplete"][0]["packer"], "tencent-legu");

    let a = audit_empty(&scan);
    assert!(!a.complete);
    assert_eq!(a.incomplete, scan.incomplete);
    assert!(a.headline.contains("INCOMPLETE"), "{}", a.headline);
    assert_eq!(a.summary.get("incomplete"), Some(&1));
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["complete"], false);
    assert_eq!(json["incomplete"][0]["kind"], "code_hidden_by_packer");
}

#[test]
fn incomplete_not_said_of_an_unpacked_app() {
    let apk = apkaudit::testkit::demo_apk().unwrap();
    let scan = scan_bytes("demo.apk", &apk, &ScanOptions::default()).unwrap();
    assert!(scan.incomplete.is_empty());
    let a = audit_empty(&scan);
    assert!(a.complete);
    assert!(!a.headline.contains("INCOMPLETE"), "{}", a.headline);
    assert!(!a.summary.contains_key("incomplete"));
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared/corpus")]
fn incomplete_legu_app_against_its_unpacked_twin() {
    let c = std::path::Path::new(ROOT).join("../shared/corpus");
    let packed = scan_file(
        &c.join("edge/packed_tencent-legu__bugly-tinker.apk"),
        &ScanOptions::default(),
    )
    .unwrap();
    let twin = scan_file(
        &c.join("apps/cn_bugly-tinker__yingyongbao-release.apk"),
        &ScanOptions::default(),
    )
    .unwrap();
    assert!(twin.incomplete.is_empty());
    let hidden: Vec<_> = packed
        .incomplete
        .iter()
        .filter_map(|i| match i {
            Incomplete::CodeHiddenByPacker {
                packer,
                classes_read,
                ..
            } => Some((packer.clone(), *classes_read)),
            _ => None,
        })
        .collect();
    assert_eq!(hidden.len(), 1, "{hidden:?}");
    assert_eq!(hidden[0].0, "tencent-legu");
    // the packed app reads a fraction of its twin's classes
    assert!(
        hidden[0].1 * 4 < twin.class_count,
        "{} classes read, twin {}",
        hidden[0].1,
        twin.class_count
    );
    println!(
        "legu: {} classes read, unpacked twin {}",
        hidden[0].1, twin.class_count
    );
    assert!(!audit_empty(&packed).complete);
}

/// An AAR whose own code is an empty `classes.jar` and whose ad code is a dex inside
/// `assets/gdt_plugin/gdtadv2.jar`, as GDT ships it.
fn plugin_aar() -> Vec<u8> {
    let mut b = DexBuilder::new();
    b.class(
        "Lcom/qq/e/comm/plugin/util/DeviceInfo;",
        Some("Ljava/lang/Object;"),
    )
    .static_method(
        "imei",
        "()V",
        vec![
            Insn::invoke_virtual(TM, "getDeviceId", "()Ljava/lang/String;"),
            Insn::return_void(),
        ],
    );
    let dex = b.build().unwrap();
    let plugin = write_zip(&[("classes.dex", &dex)]).unwrap();
    let classes = write_zip(&[("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n")]).unwrap();
    let manifest = br#"<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.qq.e.union">
  <application/>
</manifest>
"#;
    write_zip(&[
        ("AndroidManifest.xml", manifest),
        ("classes.jar", &classes),
        ("assets/gdt_plugin/gdtadv2.jar", &plugin),
    ])
    .unwrap()
}

#[test]
fn nested_plugin_in_aar_assets_is_opened() {
    let scan = scan_bytes("plugin.aar", &plugin_aar(), &ScanOptions::default()).unwrap();
    assert_eq!(scan.kind, apkaudit::scan::InputKind::Aar);
    let n = scan
        .nested_code
        .iter()
        .find(|n| n.path == "assets/gdt_plugin/gdtadv2.jar")
        .expect("plugin listed");
    assert_eq!(n.format, "jar");
    assert_eq!(n.class_count, 1);
    assert_eq!(n.sdks, vec!["gdt".to_string()]);
    assert!(scan.sdks.iter().any(|s| s.id == "gdt"));
    let gdt = scan
        .data_access
        .iter()
        .find(|d| d.owner == "gdt")
        .expect("gdt reads");
    assert!(gdt.data_types.iter().any(|t| t.data_type == "imei"));
}

#[test]
fn nested_plugin_in_jar_assets_is_opened_and_own_dex_stays_own() {
    // a JAR whose own code is a root classes.dex and whose plugin sits under assets/
    let mut own = DexBuilder::new();
    own.class("Lcom/qq/e/ads/ADActivity;", Some("Landroid/app/Activity;"))
        .constructor();
    let own = own.build().unwrap();
    let aar = plugin_aar();
    let z = apkaudit::formats::zip::Archive::parse(&aar, Default::default()).unwrap();
    let plugin = z
        .read_name("assets/gdt_plugin/gdtadv2.jar")
        .unwrap()
        .unwrap()
        .into_owned();
    let jar = write_zip(&[
        ("classes.dex", &own),
        ("assets/gdt_plugin/gdtadv2.jar", &plugin),
    ])
    .unwrap();
    let scan = scan_bytes("sdk.jar", &jar, &ScanOptions::default()).unwrap();
    assert_eq!(scan.kind, apkaudit::scan::InputKind::Jar);
    assert_eq!(scan.class_count, 1, "own dex only");
    let n = &scan.nested_code;
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].path, "assets/gdt_plugin/gdtadv2.jar");
    assert_eq!(n[0].class_count, 1);
    assert!(scan
        .data_access
        .iter()
        .any(|d| d.owner == "gdt" && d.data_types.iter().any(|t| t.data_type == "imei")));
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared/corpus")]
fn nested_gdt_aar_plugin_from_the_corpus() {
    let f = std::path::Path::new(ROOT)
        .join("../shared/corpus/sdk/gdt__GDTSDK.unionNormal.4.492.1362.aar");
    let scan = scan_file(&f, &ScanOptions::default()).unwrap();
    let n = scan
        .nested_code
        .iter()
        .find(|n| n.path == "assets/gdt_plugin/gdtadv2.jar")
        .expect("plugin listed");
    // truth: the plugin's classes.dex, counted by its own header (class_defs_size)
    let plugin = {
        use std::io::Read;
        let z = std::fs::File::open(&f).unwrap();
        let mut z = zip::ZipArchive::new(z).unwrap();
        let mut b = Vec::new();
        z.by_name("assets/gdt_plugin/gdtadv2.jar")
            .unwrap()
            .read_to_end(&mut b)
            .unwrap();
        let mut inner = zip::ZipArchive::new(std::io::Cursor::new(b)).unwrap();
        let mut d = Vec::new();
        inner
            .by_name("classes.dex")
            .unwrap()
            .read_to_end(&mut d)
            .unwrap();
        d
    };
    let class_defs = u32::from_le_bytes(plugin[96..100].try_into().unwrap()) as usize;
    assert_eq!(n.format, "jar");
    assert_eq!(n.class_count, class_defs);
    assert!(n.sdks.contains(&"gdt".to_string()), "{:?}", n.sdks);
    let gdt_types: Vec<_> = scan
        .data_access
        .iter()
        .filter(|d| d.owner == "gdt")
        .flat_map(|d| d.data_types.iter().map(|t| t.data_type.clone()))
        .collect();
    println!(
        "gdt aar: plugin {} classes, gdt reads {gdt_types:?}",
        n.class_count
    );
    assert!(!gdt_types.is_empty());
}

/// The packed app of [`packed_app`] with `n` more activities, none of them in its code.
fn packed_app_with_activities(n: usize, packer_lib: bool) -> Vec<u8> {
    let mut app = Node::new("application").android("name", s("com.example.packed.StubApp"));
    for i in 0..n {
        app = app.child(Node::new("activity").android("name", s(&format!(".ui.Screen{i}"))));
    }
    let manifest = write_axml(
        &Node::new("manifest")
            .plain("package", s("com.example.packed"))
            .child(app),
    );
    let mut b = DexBuilder::new();
    b.class(
        "Lcom/example/packed/ui/Screen0;",
        Some("Landroid/app/Activity;"),
    )
    .constructor();
    let dex = b.build().unwrap();
    let mut entries: Vec<(&str, &[u8])> =
        vec![("AndroidManifest.xml", &manifest), ("classes.dex", &dex)];
    if packer_lib {
        entries.push(("lib/armeabi/libshella-2.10.7.1.so", b"loader"));
    }
    write_zip(&entries).unwrap()
}

#[test]
fn incomplete_components_without_code_are_said_without_a_known_packer() {
    // 8 activities, 1 in the code: 7 of 8 have no class, and no packer signature matches
    let scan = scan_bytes(
        "hidden.apk",
        &packed_app_with_activities(8, false),
        &ScanOptions::default(),
    )
    .unwrap();
    assert!(scan.sdks.iter().all(|s| s.id != "tencent-legu"));
    assert_eq!(scan.incomplete.len(), 1, "{:?}", scan.incomplete);
    let Incomplete::ComponentsWithoutCode {
        components,
        missing,
        examples,
        ..
    } = &scan.incomplete[0]
    else {
        panic!("{:?}", scan.incomplete)
    };
    assert_eq!((*components, *missing), (8, 7));
    assert!(examples.contains(&"com.example.packed.ui.Screen1".to_string()));
    let json = serde_json::to_value(&scan).unwrap();
    assert_eq!(json["incomplete"][0]["kind"], "components_without_code");
    assert!(!audit_empty(&scan).complete);
    // with the packer's library too, both are said
    let scan = scan_bytes(
        "packed.apk",
        &packed_app_with_activities(8, true),
        &ScanOptions::default(),
    )
    .unwrap();
    assert_eq!(scan.incomplete.len(), 2, "{:?}", scan.incomplete);
    // 3 activities are too few to judge
    let scan = scan_bytes(
        "small.apk",
        &packed_app_with_activities(3, false),
        &ScanOptions::default(),
    )
    .unwrap();
    assert!(scan.incomplete.is_empty(), "{:?}", scan.incomplete);
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared/corpus")]
fn incomplete_components_without_code_across_the_corpus() {
    let c = std::path::Path::new(ROOT).join("../shared/corpus");
    let mut flagged = Vec::new();
    let mut scanned = 0;
    for dir in ["apps", "edge"] {
        let mut files: Vec<_> = std::fs::read_dir(c.join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "apk"))
            .filter(|p| p.metadata().is_ok_and(|m| m.len() < 40 << 20))
            .collect();
        files.sort();
        for f in files {
            let Ok(r) = scan_file(&f, &ScanOptions::default()) else {
                continue;
            };
            scanned += 1;
            for i in &r.incomplete {
                if let Incomplete::ComponentsWithoutCode {
                    components,
                    missing,
                    ..
                } = i
                {
                    flagged.push(format!(
                        "{dir}/{} {missing}/{components}",
                        f.file_name().unwrap().to_string_lossy()
                    ));
                }
            }
        }
    }
    println!(
        "components_without_code in {} of {scanned} corpus APKs: {flagged:#?}",
        flagged.len()
    );
    // Each flagged APK lacks the code of its components (../shared/corpus/SOURCES.md):
    // the Legu-packed app (code encrypted), an odexed system APK (code in oat/*.odex, no
    // classes.dex) and fdroidserver's repacked WebView test APK (121 renamed classes, none
    // of its 58 components; checked with dexdump). The Legu app's unpacked twin and every
    // other app are not flagged.
    let names: Vec<&str> = flagged
        .iter()
        .map(|f| f.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "apps/SystemWebView-repack.apk",
            "edge/odexed_no-dex__miuivideo-miui7.apk",
            "edge/packed_tencent-legu__bugly-tinker.apk",
        ],
        "{flagged:?}"
    );
}
