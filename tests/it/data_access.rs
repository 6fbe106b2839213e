//! Sensitive API call sites (issue 6): found by walking dex code, attributed to SDKs,
//! and every reported call site confirmed against `dexdump -d` of the same method.

use apkaudit::detect::data_access::{attribute, dex_hits, RawHit};
use apkaudit::detect::sdk::{EvidenceKind, SdkFinding};
use apkaudit::knowledge::sensitive_apis::{ApiKind, SensitiveApiDb};
use apkaudit::scan::{scan_bytes, scan_file, ScanOptions, ScanReport};
use apkaudit::testkit::dex_builder::{DexBuilder, Insn};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use crate::common;
use common::corpus;

fn have_dexdump() -> bool {
    let ok = Command::new("dexdump").output().is_ok();
    if !ok {
        eprintln!("skipping dexdump comparison: dexdump not installed");
    }
    ok
}

/// `dexdump -d` of one dex, split into method bodies keyed by the header dexdump prints
/// (`com.foo.Bar.name:(args)ret`), each a map from pc to the instruction text.
fn dexdump_methods(dex: &[u8], tag: &str) -> HashMap<String, HashMap<u32, String>> {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let path =
        std::env::temp_dir().join(format!("apkaudit-da-{}-{n}-{tag}.dex", std::process::id()));
    std::fs::write(&path, dex).unwrap();
    let out = Command::new("dexdump")
        .arg("-d")
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).ok();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut methods: HashMap<String, HashMap<u32, String>> = HashMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(i) = line.find("|[") {
            // "|[23f104] com.vivo.push.util.y.c:(...)Z"
            current = line[i..].split_once("] ").map(|(_, m)| m.to_string());
            continue;
        }
        let Some(m) = &current else { continue };
        if let Some(i) = line.find('|') {
            let rest = &line[i + 1..];
            if let Some((pc, insn)) = rest.split_once(": ") {
                if let Ok(pc) = u32::from_str_radix(pc, 16) {
                    methods
                        .entry(m.clone())
                        .or_default()
                        .insert(pc, insn.to_string());
                }
            }
        }
        // no reset on blank lines: string constants may hold newlines
    }
    methods
}

/// `Lcom/foo/Bar;.name:(sig)ret` → `com.foo.Bar.name:(sig)ret` (dexdump's header form).
fn dexdump_header(caller: &str) -> String {
    let (class, rest) = caller.split_once(";.").unwrap();
    format!("{}.{rest}", class.trim_start_matches('L').replace('/', "."))
}

/// What dexdump must show at the call site for this API entry.
fn expected_ref(db: &SensitiveApiDb, api: &str) -> Vec<String> {
    let a = db.get(api).unwrap();
    match a.kind {
        ApiKind::Method | ApiKind::Field => a
            .names
            .iter()
            .map(|n| format!("{}.{n}:", a.class.as_deref().unwrap()))
            .collect(),
        ApiKind::String => a.names.iter().map(|n| format!("\"{n}")).collect(),
    }
}

/// Every call site in `report` is at an instruction that dexdump shows referencing the API.
fn confirm_all_with_dexdump(apk: &Path, report: &ScanReport) -> usize {
    let db = SensitiveApiDb::embedded();
    let data = std::fs::read(apk).unwrap();
    let archive = apkaudit::formats::zip::Archive::parse(&data, Default::default()).unwrap();
    let mut dumps: HashMap<String, HashMap<String, HashMap<u32, String>>> = HashMap::new();
    let mut checked = 0;
    for a in &report.data_access {
        for d in &a.data_types {
            for c in &d.call_sites {
                let dump = dumps.entry(c.dex.clone()).or_insert_with(|| {
                    // `classes2.dex`, or `assets/plugin.jar!classes.dex` for nested code
                    let bytes = match c.dex.split_once('!') {
                        None => archive.read_name(&c.dex).unwrap().unwrap().into_owned(),
                        Some((outer, inner)) => {
                            let jar = archive.read_name(outer).unwrap().unwrap();
                            let inner_zip =
                                apkaudit::formats::zip::Archive::parse(&jar, Default::default())
                                    .unwrap();
                            inner_zip.read_name(inner).unwrap().unwrap().into_owned()
                        }
                    };
                    dexdump_methods(&bytes, &c.dex.replace(['/', '!'], "_"))
                });
                let header = dexdump_header(&c.caller);
                let body = dump
                    .get(&header)
                    .unwrap_or_else(|| panic!("dexdump has no method {header}"));
                let insn = body
                    .get(&c.pc)
                    .unwrap_or_else(|| panic!("{header}: no instruction at pc {:04x}", c.pc));
                let want = expected_ref(db, &c.api);
                assert!(
                    want.iter().any(|w| insn.contains(w.as_str())),
                    "{header} @{:04x}: dexdump shows `{insn}`, expected one of {want:?}",
                    c.pc
                );
                checked += 1;
            }
        }
    }
    checked
}

fn site<'r>(r: &'r ScanReport, owner: &str, data_type: &str) -> Vec<&'r str> {
    r.data_access
        .iter()
        .filter(|a| a.owner == owner)
        .flat_map(|a| &a.data_types)
        .filter(|d| d.data_type == data_type)
        .flat_map(|d| d.call_sites.iter().map(|c| c.caller.as_str()))
        .collect()
}

#[test]
#[cfg_attr(not(all(shared, has_dexdump)), ignore = "needs ../shared and dexdump")]
fn mobpush_demo_vendor_push_sdks_read_device_ids_and_app_list() {
    let Some(c) = corpus() else { return };
    let apk = c.join("apps/cn_vendor-push__mobpush-demo.apk");
    let r = scan_file(&apk, &ScanOptions::default()).unwrap();
    // named methods, each confirmed below against dexdump -d
    assert!(site(&r, "vivo-push", "installed_apps")
        .contains(&"Lcom/vivo/push/util/y;.c:(Landroid/content/Context;Ljava/lang/String;)Z"));
    assert!(site(&r, "meizu-push", "imsi").contains(
        &"Lcom/meizu/cloud/pushsdk/util/MzSystemUtils;.getSubscribeId:(Landroid/content/Context;)Ljava/lang/String;"
    ));
    assert!(site(&r, "meizu-push", "installed_apps").contains(
        &"Lcom/meizu/cloud/pushsdk/util/MzSystemUtils;.getInstalledPackage:(Landroid/content/Context;)Ljava/util/List;"
    ));
    if have_dexdump() {
        let n = confirm_all_with_dexdump(&apk, &r);
        assert!(n >= 20, "only {n} call sites checked");
    }
}

#[test]
#[cfg_attr(not(all(shared, has_dexdump)), ignore = "needs ../shared and dexdump")]
fn pangle_gdt_app_sdks_read_device_ids_and_app_list() {
    let Some(c) = corpus() else { return };
    let apk = c.join("apps/cn_pangle-gdt__miiad-app-test0817.apk");
    let r = scan_file(&apk, &ScanOptions::default()).unwrap();
    assert!(site(&r, "pangle", "imei")
        .contains(&"Lcom/bytedance/sdk/openadsdk/a/k;.j:(Landroid/content/Context;)V"));
    assert!(site(&r, "pangle", "installed_apps").contains(
        &"Lcom/bytedance/sdk/openadsdk/e/f;.b:(Landroid/content/Context;)Ljava/util/List;"
    ));
    assert!(site(&r, "gdt", "imei").contains(
        &"Lcom/qq/e/comm/managers/status/DeviceStatus;.getPlainDid:()Ljava/lang/String;"
    ));
    // the plugin jar in assets/ is walked too, and its calls name it
    assert!(r
        .data_access
        .iter()
        .filter(|a| a.owner == "gdt")
        .flat_map(|a| &a.data_types)
        .flat_map(|d| &d.call_sites)
        .any(|c| c.dex == "assets/gdt_plugin/gdtadv2.jar!classes.dex"));
    if have_dexdump() {
        let n = confirm_all_with_dexdump(&apk, &r);
        assert!(n >= 20, "only {n} call sites checked");
    }
}

#[test]
#[cfg_attr(not(has_dexdump), ignore = "needs dexdump")]
fn demo_sample_attribution() {
    let apk = apkaudit::testkit::demo_apk().unwrap();
    let r = scan_bytes("demo.apk", &apk, &ScanOptions::default()).unwrap();
    let owner_types = |o: &str| -> Vec<String> {
        r.data_access
            .iter()
            .filter(|a| a.owner == o)
            .flat_map(|a| a.data_types.iter().map(|d| d.data_type.clone()))
            .collect()
    };
    assert_eq!(
        owner_types("pangle"),
        ["imei", "installed_apps", "mac_address"]
    );
    // Settings.Secure.getString counts for android_id only with "android_id" in the method
    assert_eq!(owner_types("gdt"), ["android_id", "imsi"]);
    assert_eq!(owner_types("app"), ["precise_location"]);
    assert_eq!(owner_types("unknown"), ["phone_number"]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    if have_dexdump() {
        let dir = std::env::temp_dir().join(format!("apkaudit-demo-{}.apk", std::process::id()));
        std::fs::write(&dir, &apk).unwrap();
        let n = confirm_all_with_dexdump(&dir, &r);
        std::fs::remove_file(&dir).ok();
        assert!(n >= 8, "{n}");
    }
}

#[test]
fn malformed_method_is_an_error_and_the_rest_is_walked() {
    let mut b = DexBuilder::new();
    b.class(
        "Lcom/bytedance/sdk/openadsdk/X;",
        Some("Ljava/lang/Object;"),
    )
    .static_method(
        "good",
        "()V",
        vec![
            Insn::invoke_virtual(
                "Landroid/telephony/TelephonyManager;",
                "getDeviceId",
                "()Ljava/lang/String;",
            ),
            Insn::return_void(),
        ],
    )
    // 0x3e is an unused opcode: the walker cannot go on in this method
    .static_method("bad", "()V", vec![Insn::Raw(vec![0x003e, 0x0000])]);
    b.class(
        "Lcom/bytedance/sdk/openadsdk/Y;",
        Some("Ljava/lang/Object;"),
    )
    .static_method(
        "later",
        "()V",
        vec![
            Insn::invoke_virtual(
                "Landroid/content/pm/PackageManager;",
                "getInstalledPackages",
                "(I)Ljava/util/List;",
            ),
            Insn::return_void(),
        ],
    );
    let bytes = b.build().unwrap();
    let dex = apkaudit::formats::dex::Dex::parse(&bytes).unwrap();
    let mut errors = Vec::new();
    let hits = dex_hits(&dex, "classes.dex", SensitiveApiDb::embedded(), &mut errors);
    let mut apis: Vec<&str> = hits.iter().map(|h| h.site.api.as_str()).collect();
    apis.sort();
    assert_eq!(
        apis,
        [
            "packagemanager.getInstalledPackages",
            "telephony.getDeviceId"
        ]
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].part.as_deref(), Some("classes.dex"));
    assert!(errors[0].offset.is_some());
}

#[test]
fn obfuscated_caller_attributed_through_manifest_evidence() {
    let hit = |class: &str| RawHit {
        class: class.into(),
        data_type: "imei".into(),
        site: apkaudit::detect::data_access::CallSite {
            caller: format!("L{};.a:()V", class.replace('.', "/")),
            api: "telephony.getDeviceId".into(),
            dex: "classes.dex".into(),
            pc: 0,
            certainty: apkaudit::detect::data_access::ReadCertainty::Certain,
            attribution: apkaudit::detect::attribution::Attribution::None,
            confidence: apkaudit::detect::attribution::Confidence::Low,
        },
    };
    // an SDK found through a manifest component in package `z.q`
    let sdk = SdkFinding {
        id: "jpush".into(),
        name: "JPush".into(),
        name_zh: None,
        vendor: None,
        vendor_zh: None,
        category: apkaudit::knowledge::signatures::Category::Push,
        confidence: "medium".into(),
        version: None,
        version_source: None,
        version_issues: Vec::new(),
        bundled_in: Vec::new(),
        evidence: vec![EvidenceKind {
            kind: "components".into(),
            count: 1,
            examples: vec!["z.q.PushService".into()],
        }],
    };
    let out = attribute(
        vec![
            hit("z.q.a"),
            hit("z.q.b.c"),
            hit("z.r.a"),
            hit("com.bytedance.sdk.openadsdk.a.k"),
            hit("com.acme.shop.Main"),
            hit("com.acme.util.Net"),
            hit("androidx.appcompat.app.TwilightManager"),
        ],
        &apkaudit::knowledge::Knowledge::embedded().matcher,
        Some("com.acme.shop"),
        &[sdk],
    );
    let by: HashMap<&str, (&str, usize)> = out
        .iter()
        .map(|a| {
            (
                a.owner.as_str(),
                (a.attribution.as_str(), a.data_types[0].count),
            )
        })
        .collect();
    assert_eq!(by["jpush"], ("package-evidence", 2));
    assert_eq!(by["pangle"], ("class-prefix", 1));
    assert_eq!(by["app"].1, 2); // own package and same reverse domain
    assert_eq!(by["unknown"], ("none", 1));
    assert_eq!(by["android-jetpack"], ("platform-library", 1));
    // SDKs first, then app, then unknown
    assert_eq!(out.last().unwrap().owner, "unknown");
}

#[test]
fn batch_summary_counts_who_reads_what() {
    let apk = apkaudit::testkit::demo_apk().unwrap();
    let r = scan_bytes("demo.apk", &apk, &ScanOptions::default()).unwrap();
    let mut line = serde_json::to_value(&r).unwrap();
    line["error"] = serde_json::Value::Null;
    let mut other = line.clone();
    other["file"] = "demo2.apk".into();
    let jsonl = format!("{line}\n{other}\n");
    let s = apkaudit::batch::summary::Summary::from_jsonl(&jsonl);
    let pangle_imei = s
        .data_access
        .iter()
        .find(|c| c.id == "pangle:imei")
        .expect("pangle:imei counted");
    assert_eq!(pangle_imei.apps, 2);
    assert!(s.data_access.iter().any(|c| c.id == "app:precise_location"));
}

/// SDK artefacts (JAR/AAR class files): what the SDK reads before it is integrated. Each
/// reported class file is checked by a plain byte search of the class file for the API's
/// class and member name (independent of the class-file parser).
#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn sdk_jar_reads_are_reported_per_class() {
    let Some(c) = corpus() else { return };
    let jar = c.join("sdk/jpush__jpush-android-2.1.9.jar");
    let r = scan_file(&jar, &ScanOptions::default()).unwrap();
    let jpush = r
        .data_access
        .iter()
        .find(|a| a.owner == "jpush")
        .expect("JPush's own reads");
    let types: Vec<&str> = jpush
        .data_types
        .iter()
        .map(|d| d.data_type.as_str())
        .collect();
    for t in ["imei", "imsi", "installed_apps", "mac_address"] {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
    let data = std::fs::read(&jar).unwrap();
    let archive = apkaudit::formats::zip::Archive::parse(&data, Default::default()).unwrap();
    let db = SensitiveApiDb::embedded();
    let mut checked = 0;
    for d in &jpush.data_types {
        for site in &d.call_sites {
            let bytes = archive.read_name(&site.dex).unwrap().unwrap();
            let api = db.get(&site.api).unwrap();
            let has = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
            match api.kind {
                ApiKind::Method | ApiKind::Field => {
                    let class = api.class.as_deref().unwrap();
                    let internal = &class[1..class.len() - 1];
                    assert!(has(internal), "{} lacks {internal}", site.dex);
                    assert!(
                        api.names.iter().any(|n| has(n)),
                        "{} lacks {:?}",
                        site.dex,
                        api.names
                    );
                }
                ApiKind::String => assert!(api.names.iter().any(|n| has(n))),
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked}");
}
