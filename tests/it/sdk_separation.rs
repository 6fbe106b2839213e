//! One SDK, one id; a bundled library is evidence, not proof (issue 17): products of one
//! vendor are told apart (JPush, JCore, JAnalytics, JShare), a library an SDK ships
//! (Xiaomi's market SDK and analytics in MiMo ads, `com.tencent.map.a/b` in the QQ open
//! SDK) is reported as what it is when the parent's own code is absent, and package moves
//! between versions are covered (China Unicom `com.unicom.online.account`, Douyin's older
//! `com.bytedance.sdk.account.*`). Apps are generated with the test kit's dex builder; the
//! corpus artefacts run under `cfg(shared)`.

use apkaudit::scan::{scan_bytes, scan_file, ScanOptions, ScanReport};
use apkaudit::testkit::dex_builder::{DexBuilder, Insn};
use apkaudit::testkit::{s, write_axml, write_zip, Node};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// An APK whose code is `classes` (dotted names); each class reads the IMEI, so every
/// class also has a call site to attribute.
fn app(classes: &[&str]) -> ScanReport {
    let manifest = write_axml(
        &Node::new("manifest")
            .plain("package", s("com.example.host"))
            .child(
                Node::new("application").child(Node::new("activity").android("name", s(".Main"))),
            ),
    );
    let mut b = DexBuilder::new();
    for c in classes {
        b.class(
            &format!("L{};", c.replace('.', "/")),
            Some("Ljava/lang/Object;"),
        )
        .static_method(
            "a",
            "()V",
            vec![
                Insn::invoke_virtual(
                    "Landroid/telephony/TelephonyManager;",
                    "getDeviceId",
                    "()Ljava/lang/String;",
                ),
                Insn::return_void(),
            ],
        );
    }
    let dex = b.build().unwrap();
    let apk = write_zip(&[("AndroidManifest.xml", &manifest), ("classes.dex", &dex)]).unwrap();
    scan_bytes("host.apk", &apk, &ScanOptions::default()).unwrap()
}

fn ids(r: &ScanReport) -> Vec<&str> {
    r.sdks.iter().map(|s| s.id.as_str()).collect()
}

/// The owner of the IMEI call site made in `class`.
fn owner_of<'a>(r: &'a ScanReport, class: &str) -> Option<&'a str> {
    let caller = format!("L{};", class.replace('.', "/"));
    r.data_access.iter().find_map(|d| {
        d.data_types
            .iter()
            .flat_map(|t| t.call_sites.iter())
            .any(|c| c.caller.starts_with(&caller))
            .then_some(d.owner.as_str())
    })
}

#[test]
fn separation_market_sdk_and_xiaomi_analytics_alone_are_not_mimo() {
    let r = app(&[
        "com.market.sdk.MarketManager",
        "com.market.sdk.utils.Utils",
        "com.xiaomi.analytics.Analytics",
        "com.xiaomi.analytics.internal.SdkManager",
    ]);
    let got = ids(&r);
    assert!(got.contains(&"xiaomi-market-sdk"), "{got:?}");
    assert!(got.contains(&"xiaomi-analytics"), "{got:?}");
    assert!(!got.contains(&"mimo-ads"), "{got:?}");
    assert_eq!(
        owner_of(&r, "com.market.sdk.MarketManager"),
        Some("xiaomi-market-sdk")
    );
    assert_eq!(
        owner_of(&r, "com.xiaomi.analytics.Analytics"),
        Some("xiaomi-analytics")
    );
}

#[test]
fn separation_mimo_with_its_bundled_libraries() {
    let r = app(&[
        "com.miui.zeus.mimo.sdk.MimoSdk",
        "com.market.sdk.MarketManager",
        "com.xiaomi.analytics.Analytics",
    ]);
    let got = ids(&r);
    assert!(got.contains(&"mimo-ads"), "{got:?}");
    for bundled in ["xiaomi-market-sdk", "xiaomi-analytics"] {
        let f = r.sdks.iter().find(|s| s.id == bundled).unwrap();
        assert_eq!(f.bundled_in, vec!["mimo-ads".to_string()], "{bundled}");
    }
    assert_eq!(
        owner_of(&r, "com.miui.zeus.mimo.sdk.MimoSdk"),
        Some("mimo-ads")
    );
}

#[test]
fn separation_qq_open_sdk_map_helper_is_not_tencent_map() {
    let r = app(&[
        "com.tencent.tauth.Tencent",
        "com.tencent.connect.auth.QQAuth",
        "com.tencent.open.utils.Util",
        "com.tencent.map.a.a.a",
        "com.tencent.map.a.a.b",
        "com.tencent.map.b.f",
    ]);
    let got = ids(&r);
    assert!(got.contains(&"qq"), "{got:?}");
    assert!(!got.contains(&"tencent-map"), "{got:?}");
    assert!(!got.contains(&"tencent-location"), "{got:?}");
    assert_ne!(owner_of(&r, "com.tencent.map.b.f"), Some("tencent-map"));
    // the real Tencent Map SDK is still found
    let r = app(&["com.tencent.tencentmap.mapsdk.maps.TencentMap"]);
    assert!(ids(&r).contains(&"tencent-map"));
}

#[test]
fn separation_jiguang_products_have_their_own_ids() {
    let core = "cn.jiguang.api.JCoreInterface";
    for (class, id, not) in [
        (
            "cn.jiguang.analytics.android.api.JAnalyticsInterface",
            "janalytics",
            ["jpush", "jshare"],
        ),
        (
            "cn.jiguang.share.android.api.JShareInterface",
            "jshare",
            ["jpush", "janalytics"],
        ),
        (
            "cn.jpush.android.api.JPushInterface",
            "jpush",
            ["janalytics", "jshare"],
        ),
    ] {
        let r = app(&[class, core]);
        let got = ids(&r);
        assert!(got.contains(&id), "{class}: {got:?}");
        assert!(got.contains(&"jcore"), "{class}: {got:?}");
        for n in not {
            assert!(!got.contains(&n), "{class}: {got:?}");
        }
        assert_eq!(owner_of(&r, class), Some(id), "{class}");
        assert_eq!(owner_of(&r, core), Some("jcore"), "{class}");
    }
    // JCore alone is JCore, not JPush
    let got = app(&[core]);
    assert_eq!(ids(&got), vec!["jcore"]);
}

#[test]
fn separation_unicom_and_older_douyin_packages_are_found() {
    let r = app(&["com.unicom.online.account.shield.UniAccountHelper"]);
    assert!(ids(&r).contains(&"cucc-auth"), "{:?}", ids(&r));
    for c in [
        "com.bytedance.sdk.account.open.aweme.impl.TikTokOpenApiImpl",
        "com.bytedance.sdk.account.bdopen.impl.BDOpenApiImpl",
        "com.bytedance.sdk.account.common.api.BDApiEventHandler",
    ] {
        let r = app(&[c]);
        assert_eq!(ids(&r), vec!["douyin-open"], "{c}");
        assert_eq!(owner_of(&r, c), Some("douyin-open"), "{c}");
    }
    // Pangle shares the com.bytedance.sdk prefix and stays Pangle
    let r = app(&["com.bytedance.sdk.openadsdk.TTAdSdk"]);
    assert_eq!(ids(&r), vec!["pangle"]);
}

#[test]
fn separation_look_alike_packages_do_not_match() {
    // packages that only share a prefix with a signature's package are not that SDK
    for (c, not) in [
        ("com.marketx.sdk.Foo", "xiaomi-market-sdk"),
        ("com.market.sdkx.Foo", "xiaomi-market-sdk"),
        ("com.xiaomi.analyticsx.Foo", "xiaomi-analytics"),
        ("com.tencent.mapx.a.Foo", "tencent-map"),
        ("com.tencent.map.ax.Foo", "tencent-map"),
        ("com.unicom.online.accountx.Foo", "cucc-auth"),
        ("com.bytedance.sdk.accountx.Foo", "douyin-open"),
        (
            "com.bytedance.sdk.account.api.BDAccountDelegate",
            "douyin-open",
        ),
        ("cn.jiguang.sharex.Foo", "jshare"),
        ("cn.jiguang.analyticsx.Foo", "janalytics"),
        ("cn.jpushx.Foo", "jpush"),
    ] {
        let r = app(&[c]);
        assert!(!ids(&r).contains(&not), "{c}: {:?}", ids(&r));
    }
}

fn corpus(rel: &str) -> ScanReport {
    scan_file(
        &std::path::Path::new(ROOT)
            .join("../shared/corpus")
            .join(rel),
        &ScanOptions::default(),
    )
    .unwrap()
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared/corpus")]
fn separation_corpus_mimo_aar_reports_its_bundled_libraries_as_themselves() {
    let r = corpus("sdk/xiaomi__mimo-ad-sdk-5.2.1.aar");
    let got = ids(&r);
    assert!(got.contains(&"mimo-ads"), "{got:?}");
    // the AAR ships com.market.sdk and com.xiaomi.analytics (its classes.jar)
    for bundled in ["xiaomi-market-sdk", "xiaomi-analytics"] {
        let f = r.sdks.iter().find(|s| s.id == bundled).expect(bundled);
        assert_eq!(f.bundled_in, vec!["mimo-ads".to_string()], "{bundled}");
    }
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared/corpus")]
fn separation_corpus_apps() {
    // QQ open SDK with com.tencent.map.a/b (44 classes, dexdump): QQ, not Tencent Map
    let r = corpus("apps/cn_xiaomi-hybridplatform__miui9-rolex.apk");
    let got = ids(&r);
    assert!(got.contains(&"qq"), "{got:?}");
    assert!(!got.contains(&"tencent-map"), "{got:?}");
    // the map helper's reads (cell, Wi-Fi, IMEI) are the QQ SDK's, reached over the
    // reference graph from its own code
    let map_sites: Vec<&str> = r
        .data_access
        .iter()
        .filter(|d| {
            d.data_types
                .iter()
                .flat_map(|t| &t.call_sites)
                .any(|c| c.caller.starts_with("Lcom/tencent/map/"))
        })
        .map(|d| d.owner.as_str())
        .collect();
    assert!(!map_sites.is_empty());
    assert!(map_sites.iter().all(|o| *o == "qq"), "{map_sites:?}");
    // Douyin's older open SDK (com.bytedance.sdk.account.*), not Pangle
    let r = corpus("apps/cn_mobtech-sharesdk__sample-fresh-release.apk");
    let got = ids(&r);
    assert!(got.contains(&"douyin-open"), "{got:?}");
    assert!(!got.contains(&"pangle"), "{got:?}");
    // JPush and JCore, each its own id
    let r = corpus("apps/cn_jpush-umeng__cfl-xiaomi-release.apk");
    let got = ids(&r);
    assert!(got.contains(&"jpush") && got.contains(&"jcore"), "{got:?}");
    assert!(
        !got.contains(&"janalytics") && !got.contains(&"jshare"),
        "{got:?}"
    );
}
