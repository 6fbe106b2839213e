//! Policy reader against the real seed policies in ../shared (skipped when absent).

use apkaudit::policy::{parse_policy, read_policy, read_policy_with, Kind, Vocabulary};
use std::path::{Path, PathBuf};

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared"));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("../shared absent; skipping");
        None
    }
}

fn vocab() -> Vocabulary {
    Vocabulary::from_toml(include_str!("../fixtures/policy_vocab.toml")).expect("fixture vocab")
}

fn seed(dir: &Path, prefix: &str) -> PathBuf {
    let d = dir.join("seeds");
    std::fs::read_dir(&d)
        .expect("seeds dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .expect("seed file")
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn seed_002_sdk_table() {
    let Some(dir) = shared() else { return };
    let path = seed(&dir, "002_");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let pol = read_policy_with(&path, &vocab()).unwrap();
    let want = [
        "WeChat login",
        "Facebook login",
        "Line login",
        "Huawei Push",
        "Tencent Bugly",
        "BeiZi",
        "Pangolin",
        "Youlianghui",
        "Baiqingteng",
        "Kuaishou",
        "inmobi",
        "ZXing",
    ];
    assert_eq!(
        pol.sdks.len(),
        12,
        "{:#?}",
        pol.sdks.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    for (s, w) in pol.sdks.iter().zip(want) {
        assert!(s.name.contains(w), "{} vs {}", s.name, w);
        assert!(
            s.purpose.as_deref().is_some_and(|p| !p.is_empty()),
            "{} purpose",
            s.name
        );
        // the source line is the row number line; the name is on the next line
        let next = lines.get(s.source.line).copied().unwrap_or("");
        assert!(next.contains(w), "line {} -> {next}", s.source.line);
        if w != "ZXing" {
            let link = s.link.as_deref().expect("link");
            assert!(text.contains(link) && link.starts_with("http"), "{link}");
            assert!(s.data_text.is_some(), "{} data", s.name);
        }
    }
    assert_eq!(
        pol.sdks[4].link.as_deref(),
        Some("http://bugly.qq.com/v2/contract")
    );
    assert_eq!(pol.sdks[4].id.as_deref(), Some("tencent_bugly"));
    assert_eq!(pol.sdks[6].id.as_deref(), Some("pangle"));
    assert_eq!(pol.sdks[0].id, None);
    assert!(pol.sdks[6]
        .data_types
        .contains(&"installed_apps".to_string()));
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn seed_002_permission_table() {
    let Some(dir) = shared() else { return };
    let path = seed(&dir, "002_");
    let text = std::fs::read_to_string(&path).unwrap();
    let pol = read_policy_with(&path, &vocab()).unwrap();
    let android: Vec<_> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("android.permission."))
        .collect();
    let got: Vec<&str> = pol.permissions.iter().map(|p| p.name.as_str()).collect();
    for l in &android {
        let c = l.trim().trim_end_matches('|').trim();
        assert!(got.contains(&c), "missing {c}");
    }
    let gip = pol
        .permissions
        .iter()
        .find(|p| p.name.contains("getInstalledPackages"))
        .expect("getInstalledPackages row");
    assert!(gip
        .purpose
        .as_deref()
        .unwrap()
        .contains("Facebook, WeChat and Line"));
    let cam = pol
        .permissions
        .iter()
        .find(|p| p.name == "android.permission.CAMERA")
        .unwrap();
    assert!(cam.resolved && cam.purpose.as_deref().unwrap().contains("QR code"));
    let wake = pol
        .permissions
        .iter()
        .find(|p| p.name == "android.permission.WAKE_LOCK")
        .unwrap();
    assert!(wake.purpose.as_deref().unwrap().contains("always on"));
    let bt = pol
        .permissions
        .iter()
        .find(|p| p.name == "android.permission.BLUETOOTH_ADMIN")
        .unwrap();
    assert_eq!(bt.purpose, None);
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn seeds_vague_categories() {
    let Some(dir) = shared() else { return };
    for (p, cat) in [("000_", "push"), ("001_", "ads"), ("003_", "push")] {
        let pol = read_policy_with(&seed(&dir, p), &vocab()).unwrap();
        assert!(pol.sdks.is_empty(), "{p}: {:?}", pol.sdks);
        assert!(
            pol.vague.iter().any(|v| v.category == cat),
            "{p}: {:?}",
            pol.vague
        );
    }
}

#[test]
fn inline_markdown_table_and_kv() {
    let md = "| SDK名称 | 公司名称 | 使用目的 | 隐私政策链接 |\n|---|---|---|---|\n| 穿山甲SDK(com.bytedance.sdk.openadsdk) | 北京巨量引擎 | 广告 | https://www.pangle.cn/privacy |\n";
    let pol = parse_policy(md, Kind::Markdown, &vocab());
    assert_eq!(pol.sdks.len(), 1);
    assert_eq!(pol.sdks[0].id.as_deref(), Some("pangle"));
    assert_eq!(pol.sdks[0].source.line, 3);
    assert_eq!(
        pol.sdks[0].link.as_deref(),
        Some("https://www.pangle.cn/privacy")
    );
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn seed_004_read_in_both_languages() {
    let Some(dir) = shared() else { return };
    let path = seed(&dir, "004_");
    let text = std::fs::read_to_string(&path).unwrap();
    // The English half starts at the line "Our Purpose".
    let english_from = text
        .lines()
        .position(|l| l.trim() == "Our Purpose")
        .map(|i| i + 1)
        .expect("English half");
    let pol = read_policy(&path).unwrap();
    // 004 names no SDK and no permission in either language; what it declares is category
    // level (partners, advertising/promotional services) and cookies/account data.
    assert!(pol.sdks.is_empty() && pol.permissions.is_empty());
    for (cat, zh, en) in [
        (
            "ads",
            "广告或促销服务",
            "advertising or promotional services",
        ),
        ("thirdparty", "合作伙伴", "partners"),
    ] {
        let v: Vec<_> = pol.vague.iter().filter(|v| v.category == cat).collect();
        assert!(
            v.iter()
                .any(|v| v.source.line < english_from && v.source.text.contains(zh)),
            "{cat} zh: {v:?}"
        );
        assert!(
            v.iter()
                .any(|v| v.source.line >= english_from && v.source.text.contains(en)),
            "{cat} en: {v:?}"
        );
    }
    for id in ["cookies", "user_id"] {
        let lines: Vec<usize> = pol
            .data_types
            .iter()
            .filter(|d| d.id == id)
            .map(|d| d.source.line)
            .collect();
        assert!(
            lines.iter().any(|l| *l < english_from),
            "{id} zh: {lines:?}"
        );
        assert!(
            lines.iter().any(|l| *l >= english_from),
            "{id} en: {lines:?}"
        );
    }
    // "存储名为Cookies的小型数据文件" stores a file; it does not declare the "files" type.
    assert!(!pol.data_types.iter().any(|d| d.id == "files"));
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn seed_002_with_shipped_vocabulary() {
    let Some(dir) = shared() else { return };
    let path = seed(&dir, "002_");
    let pol = read_policy(&path).unwrap();
    let ids: Vec<Option<&str>> = pol.sdks.iter().map(|s| s.id.as_deref()).collect();
    assert_eq!(
        ids,
        [
            Some("wechat"),
            Some("facebook-login"),
            Some("line"),
            Some("huawei-push"),
            Some("bugly"),
            Some("beizi"),
            Some("pangle"),
            Some("gdt"),
            Some("baidu-mobads"),
            Some("kuaishou"),
            Some("inmobi"),
            Some("zxing"),
        ]
    );
    for s in &pol.sdks {
        assert!(
            s.purpose.as_deref().is_some_and(|p| !p.is_empty()),
            "{}",
            s.name
        );
    }
    let pangle = &pol.sdks[6];
    for d in ["imei", "oaid", "mac_address", "installed_apps"] {
        assert!(pangle.data_types.contains(&d.to_string()), "pangle {d}");
    }
    // Every permission-table row, in order, with its purpose where the text gives one.
    let android: Vec<&str> = pol
        .permissions
        .iter()
        .filter(|p| p.platform.as_deref() == Some("android"))
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(android.len(), 26, "{android:?}");
    // Every row has its purpose, except BLUETOOTH_ADMIN whose cells are empty in the text.
    for p in pol
        .permissions
        .iter()
        .filter(|p| p.platform.as_deref() == Some("android"))
    {
        let empty = p.purpose.as_deref().map_or(true, |s| s.trim().is_empty());
        assert_eq!(
            empty,
            p.name == "android.permission.BLUETOOTH_ADMIN",
            "{p:?}"
        );
    }
    assert_eq!(
        android.last(),
        Some(&"PackageManager.getInstalledPackages()")
    );
    // The iOS table's display names resolve and are marked as iOS rows.
    let ios: Vec<(&str, bool)> = pol
        .permissions
        .iter()
        .filter(|p| p.platform.as_deref() == Some("ios"))
        .map(|p| (p.name.as_str(), p.resolved))
        .collect();
    assert!(
        ios.contains(&("android.permission.CAMERA", true)),
        "{ios:?}"
    );
    assert!(ios.contains(&("android.permission.ACCESS_COARSE_LOCATION", true)));
    assert!(ios.contains(&("android.permission.RECORD_AUDIO", true)));
    assert!(ios.contains(&("Local network", false)));
}

#[test]
fn display_names_resolve_to_constants() {
    let v = Vocabulary::embedded();
    // Sorted: the order of several constants follows the permission table.
    let r = |s: &str| {
        let mut x = v.resolve_permissions(s);
        x.sort();
        x
    };
    assert_eq!(r("相机"), ["android.permission.CAMERA"]);
    assert_eq!(r("Camera permissions"), ["android.permission.CAMERA"]);
    assert_eq!(
        r("位置信息"),
        [
            "android.permission.ACCESS_COARSE_LOCATION",
            "android.permission.ACCESS_FINE_LOCATION"
        ]
    );
    assert_eq!(
        r("Location"),
        [
            "android.permission.ACCESS_COARSE_LOCATION",
            "android.permission.ACCESS_FINE_LOCATION"
        ]
    );
    // The AOSP permission and, on Chinese ROMs, the vendor one (data/permissions.toml).
    assert!(r("读取应用列表").contains(&"android.permission.QUERY_ALL_PACKAGES".to_string()));
    assert!(r("读取应用列表").iter().all(|p| p.contains(".permission.")));
    assert_eq!(r("RECORD\\_AUDIO"), ["android.permission.RECORD_AUDIO"]);
    assert_eq!(
        r("READ\\_EXTERNAL\\_STORAGE、WRITE\\_EXTERNAL\\_STORAGE"),
        [
            "android.permission.READ_EXTERNAL_STORAGE",
            "android.permission.WRITE_EXTERNAL_STORAGE"
        ]
    );
    assert_eq!(
        r("android.permission.RECORD_VIDEO"),
        ["android.permission.RECORD_VIDEO"]
    );
    assert!(r("改善用户体验").is_empty());
    assert!(r("Local network").is_empty());
    assert!(r("android.permission.").is_empty());
}

/// The structured formats documented in docs/policy-formats.md (examples copied from there).
#[test]
fn declared_json_and_csv_examples() {
    let v = Vocabulary::embedded();
    let json = r#"{
  "schema": "apkaudit-declared/1",
  "sdks": [
    {
      "name": "穿山甲SDK",
      "company": "北京巨量引擎网络技术有限公司",
      "purpose": "广告投放",
      "data_types": ["imei", "OAID", "应用安装列表"],
      "permissions": ["android.permission.READ_PHONE_STATE", "位置信息"],
      "privacy_url": "https://www.pangle.cn/privacy",
      "package_prefixes": ["com.bytedance.sdk.openadsdk"]
    }
  ],
  "permissions": [
    {"name": "android.permission.CAMERA", "purpose": "扫描二维码"},
    "相机"
  ],
  "collected": ["clipboard", {"id": "IP地址"}],
  "generic_disclosures": [{"category": "ads", "text": "广告合作伙伴"}]
}"#;
    let pol = parse_policy(json, Kind::Json, &v);
    assert!(pol.warnings.is_empty(), "{:?}", pol.warnings);
    let s = &pol.sdks[0];
    assert_eq!(s.id.as_deref(), Some("pangle"));
    assert_eq!(s.data_types, ["imei", "oaid", "installed_apps"]);
    assert_eq!(
        {
            let mut p = s.permissions.clone();
            p.sort();
            p
        },
        [
            "android.permission.ACCESS_COARSE_LOCATION",
            "android.permission.ACCESS_FINE_LOCATION",
            "android.permission.READ_PHONE_STATE"
        ]
    );
    assert_eq!(s.link.as_deref(), Some("https://www.pangle.cn/privacy"));
    let perms: Vec<(&str, Option<&str>)> = pol
        .permissions
        .iter()
        .map(|p| (p.name.as_str(), p.purpose.as_deref()))
        .collect();
    assert_eq!(
        perms,
        [
            ("android.permission.CAMERA", Some("扫描二维码")),
            ("android.permission.CAMERA", None)
        ]
    );
    let ids: Vec<&str> = pol.data_types.iter().map(|d| d.id.as_str()).collect();
    assert!(
        ids.contains(&"clipboard") && ids.contains(&"ip_address"),
        "{ids:?}"
    );
    assert_eq!(pol.vague[0].category, "ads");

    let csv = "kind,name,company,purpose,data_types,permissions,privacy_url\n\
sdk,极光推送SDK,深圳市和讯华谷信息技术有限公司,消息推送,\"IMEI、OAID、应用列表\",android.permission.READ_PHONE_STATE,https://www.jiguang.cn/license/privacy\n\
permission,android.permission.CAMERA,,扫描二维码,,,\n\
permission,位置信息,,附近门店,,,\n";
    let pol = parse_policy(csv, Kind::Csv, &v);
    assert!(pol.warnings.is_empty(), "{:?}", pol.warnings);
    assert_eq!(pol.sdks.len(), 1);
    assert_eq!(pol.sdks[0].id.as_deref(), Some("jpush"));
    assert_eq!(pol.sdks[0].data_types, ["imei", "oaid", "installed_apps"]);
    let mut perms: Vec<(usize, &str)> = pol
        .permissions
        .iter()
        .map(|p| (p.source.line, p.name.as_str()))
        .collect();
    perms.sort();
    assert_eq!(
        perms,
        [
            (3, "android.permission.CAMERA"),
            (4, "android.permission.ACCESS_COARSE_LOCATION"),
            (4, "android.permission.ACCESS_FINE_LOCATION")
        ]
    );
}

/// An HTML document: table rows, prose SDK items, prose permissions, data types and vague
/// disclosures all carry the line of the HTML source they come from.
#[test]
fn html_document_source_lines() {
    let html = "<!doctype html>\n<html><body>\n<h1>隐私政策</h1>\n<p>我们会收集您的设备信息。</p>\n\n\
<p>为了提供扫一扫功能，我们需要访问您的相机权限。</p>\n<div>\n  <p>“极光推送”：该SDK由“深圳市和讯华谷信息技术有限公司”提供，用于消息推送。</p>\n</div>\n\
<table><tr><th>SDK名称</th><th>公司名称</th></tr>\n<tr><td>友盟+</td><td>北京锐讯灵通科技有限公司</td></tr></table>\n\
<p>我们可能与广告合作伙伴共享信息。</p>\n</body></html>\n";
    let pol = parse_policy(html, Kind::Html, &Vocabulary::embedded());
    let line_of = |needle: &str| html.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let sdks: Vec<(&str, usize)> = pol
        .sdks
        .iter()
        .map(|s| (s.name.as_str(), s.source.line))
        .collect();
    assert_eq!(
        sdks,
        [
            ("友盟+", line_of("<td>友盟+")),
            ("极光推送", line_of("极光推送"))
        ]
    );
    assert_eq!(
        pol.sdks[1].company.as_deref(),
        Some("深圳市和讯华谷信息技术有限公司")
    );
    let perms: Vec<(&str, usize)> = pol
        .permissions
        .iter()
        .map(|p| (p.name.as_str(), p.source.line))
        .collect();
    assert_eq!(perms, [("android.permission.CAMERA", line_of("相机权限"))]);
    assert!(pol
        .data_types
        .iter()
        .any(|d| d.id == "device_info" && d.source.line == line_of("设备信息")));
    assert!(pol
        .vague
        .iter()
        .any(|v| v.category == "ads" && v.source.line == line_of("广告合作伙伴")));
}
