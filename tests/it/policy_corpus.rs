//! Policy reader over every file in ../shared/policies (skipped when ../shared is absent):
//! each file parses, every SDK row is anchored in the text it came from, and for files
//! read by eye, specific SDK and permission rows are checked against the text.

use apkaudit::policy::{read_policy, DeclaredPolicy, DeclaredSdk};
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared"));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("../shared absent; skipping");
        None
    }
}

fn file(dir: &Path, prefix: &str) -> PathBuf {
    std::fs::read_dir(dir.join("policies"))
        .expect("policies dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("no policy file {prefix}*"))
}

fn nfkc(s: &str) -> String {
    s.nfkc().collect()
}

fn sdk<'a>(pol: &'a DeclaredPolicy, name: &str) -> &'a DeclaredSdk {
    pol.sdks.iter().find(|s| s.name == name).unwrap_or_else(|| {
        panic!(
            "no SDK row {name:?} in {:?}",
            pol.sdks.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    })
}

/// Permissions declared on `line`, sorted (the order of a multi-constant name follows the
/// permission table and is not part of the contract).
fn perms_at(pol: &DeclaredPolicy, line: usize) -> Vec<&str> {
    let mut v: Vec<&str> = pol
        .permissions
        .iter()
        .filter(|p| p.source.line == line)
        .map(|p| p.name.as_str())
        .collect();
    v.sort_unstable();
    v
}

fn sorted(v: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = v.iter().map(String::as_str).collect();
    v.sort_unstable();
    v
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn every_file_parses_and_rows_are_anchored() {
    let Some(dir) = shared() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("policies"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e != "py"))
        .collect();
    files.sort();
    assert!(files.len() >= 14, "{files:?}");
    let mut total_sdks = 0;
    for f in &files {
        let pol = read_policy(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let text = nfkc(&std::fs::read_to_string(f).unwrap());
        let lines: Vec<&str> = text.split('\n').collect();
        for s in &pol.sdks {
            // The name and company are in the rows the source points at (within the block).
            let from = s.source.line.saturating_sub(1);
            let window = lines
                .get(from..(from + 13).min(lines.len()))
                .unwrap_or(&[])
                .join("\n");
            assert!(
                window.contains(&nfkc(&s.name)),
                "{}: {:?} not near line {}",
                f.display(),
                s.name,
                s.source.line
            );
            if let Some(c) = &s.company {
                assert!(window.contains(&nfkc(c)), "{}: company {c:?}", f.display());
                // A company must not end up as the SDK name (unless the row names no SDK).
                if s.name.ends_with("公司") {
                    assert_eq!(&s.name, c, "{}: company as SDK name", f.display());
                }
            }
            if let Some(l) = &s.link {
                assert!(
                    text.contains(l.as_str())
                        || text.contains(&l.replace('&', "&amp;"))
                        || text.contains(&l.replace('_', "\\_")),
                    "{}: link {l} not in the text",
                    f.display()
                );
            }
        }
        for p in &pol.permissions {
            assert!(
                p.resolved || text.contains(&nfkc(&p.name)),
                "{}: unresolved {:?} not in the text",
                f.display(),
                p.name
            );
            assert!(
                !p.resolved || p.name.contains(".permission."),
                "{:?}",
                p.name
            );
        }
        // Data types are ids of the table (or apple:* for unmapped manifest keys).
        let known = |id: &str| {
            apkaudit::knowledge::data_types::DATA_TYPE_IDS.contains(&id) || id.starts_with("apple:")
        };
        for d in &pol.data_types {
            assert!(known(&d.id), "{}: data type {:?}", f.display(), d.id);
        }
        for s in &pol.sdks {
            for d in &s.data_types {
                assert!(known(d), "{}: {} data type {d:?}", f.display(), s.name);
            }
        }
        total_sdks += pol.sdks.len();
    }
    assert!(total_sdks > 200, "{total_sdks}");
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn qq_key_value_blocks() {
    let Some(dir) = shared() else { return };
    let pol = read_policy(file(&dir, "01_")).unwrap();
    assert_eq!(pol.sdks.len(), 9);
    // "即时通讯（腾讯云即时通信IM）" / 第三方名称：… — the SDK is the bracket, the company the key.
    let im = sdk(&pol, "腾讯云即时通信IM");
    assert_eq!(im.id.as_deref(), Some("tencent-im"));
    assert_eq!(
        im.company.as_deref(),
        Some("腾讯云计算（北京）有限责任公司")
    );
    assert_eq!(
        im.link.as_deref(),
        Some("https://cloud.tencent.com/document/product/269/58094")
    );
    let oppo = sdk(&pol, "OPPO推送SDK");
    assert_eq!(oppo.id.as_deref(), Some("oppo-push"));
    assert_eq!(oppo.company.as_deref(), Some("广东欢太科技有限公司"));
    // 接收方名称 / 共享信息名称 / 第三方个人信息处理规则 spelling of the same fields.
    let wk = sdk(&pol, "王卡用户身份识别");
    assert_eq!(wk.company.as_deref(), Some("中国联合网络通信有限公司"));
    assert_eq!(wk.data_types, ["ip_address"]);
    assert_eq!(
        wk.link.as_deref(),
        Some("http://www.10010.com/net5/front/include/index_a/privacypolicy.html")
    );
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn tim_prose_permissions() {
    let Some(dir) = shared() else { return };
    let path = file(&dir, "03_");
    let text = std::fs::read_to_string(&path).unwrap();
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap()
    };
    let pol = read_policy(&path).unwrap();
    assert_eq!(
        perms_at(&pol, line_of("_相机_权限")),
        ["android.permission.CAMERA"]
    );
    assert_eq!(
        perms_at(&pol, line_of("_地理位置_权限")),
        [
            "android.permission.ACCESS_COARSE_LOCATION",
            "android.permission.ACCESS_FINE_LOCATION"
        ]
    );
    assert_eq!(
        perms_at(&pol, line_of("_录音（麦克风）_权限")),
        ["android.permission.RECORD_AUDIO"]
    );
    assert_eq!(
        perms_at(&pol, line_of("_通话（电话）_权限")),
        ["android.permission.READ_PHONE_STATE"]
    );
    assert_eq!(
        perms_at(&pol, line_of("_内存卡_权限")),
        [
            "android.permission.READ_EXTERNAL_STORAGE",
            "android.permission.WRITE_EXTERNAL_STORAGE"
        ]
    );
    assert_eq!(
        perms_at(&pol, line_of("_通讯录_权限")),
        [
            "android.permission.READ_CONTACTS",
            "android.permission.WRITE_CONTACTS"
        ]
    );
    assert_eq!(
        perms_at(&pol, line_of("_短信_权限")),
        [
            "android.permission.READ_SMS",
            "android.permission.RECEIVE_SMS",
            "android.permission.SEND_SMS"
        ]
    );
    // The purpose is the bullet list under the sentence.
    let cam = pol
        .permissions
        .iter()
        .find(|p| p.name == "android.permission.CAMERA")
        .unwrap();
    let purpose = cam.purpose.as_deref().unwrap();
    assert!(
        purpose.starts_with("扫一扫；聊天时拍摄照片或视频"),
        "{purpose}"
    );
    // 7 sentences; group names give several constants each (data/permissions.toml).
    assert_eq!(pol.permissions.len(), 12, "{:?}", pol.permissions);
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn qiushui_html_table_and_key_value_list() {
    let Some(dir) = shared() else { return };
    // 06: 功能类型 | 第三方名称 | … — the first column holds the SDK, the second the company.
    let pol = read_policy(file(&dir, "06_")).unwrap();
    let csj = sdk(&pol, "穿山甲广告SDK");
    assert_eq!(csj.id.as_deref(), Some("pangle"));
    assert_eq!(csj.company.as_deref(), Some("北京巨量引擎网络技术有限公司"));
    assert_eq!(
        csj.link.as_deref(),
        Some("https://www.csjplatform.com/privacy/partner")
    );
    let oppo = sdk(&pol, "游戏联运SDK");
    assert_eq!(oppo.company.as_deref(), Some("OPPO广东移动通信有限公司"));
    assert!(oppo
        .permissions
        .contains(&"android.permission.WRITE_EXTERNAL_STORAGE".to_string()));
    assert!(oppo.data_types.contains(&"wifi_info".to_string()));
    assert!(pol.sdks.iter().all(|s| !s.name.ends_with("公司")));
    // Tencent's 号码认证SDK is not Alibaba Cloud's "号码认证服务" (company brands disagree).
    let num = sdk(&pol, "号码认证SDK");
    assert_eq!(num.company.as_deref(), Some("深圳市腾讯计算机系统有限公司"));
    assert_eq!(num.id, None);
    // 07 carries the same tables flattened to one paragraph per cell (empty cells dropped).
    let pol7 = read_policy(file(&dir, "07_")).unwrap();
    assert!(pol7.warnings.is_empty(), "{:?}", pol7.warnings);
    let names6: Vec<&str> = pol.sdks.iter().map(|s| s.name.as_str()).collect();
    let names7: Vec<&str> = pol7.sdks.iter().map(|s| s.name.as_str()).collect();
    let common = names7.iter().filter(|n| names6.contains(n)).count();
    assert!(
        names7.len() >= 75 && common * 100 >= names7.len() * 95,
        "{names7:?}"
    );
    let csj7 = sdk(&pol7, "穿山甲广告SDK");
    assert_eq!(csj7.company, csj.company);
    assert_eq!(csj7.link, csj.link);
    assert_eq!(csj7.id.as_deref(), Some("pangle"));
    let cocos = sdk(&pol7, "Cocos(Cocos2d-x、Cocos Creator)");
    assert_eq!(cocos.company.as_deref(), Some("厦门雅基软件有限公司"));
    let okio = sdk(&pol7, "Okio");
    assert_eq!(okio.company.as_deref(), Some("开源框架"));
    assert_eq!(okio.link.as_deref(), Some("https://github.com/square/okio"));
    // 06b: "1、OPPO游戏SDK" then SDK用途 / … / 第三方机构名称 / link on the next line.
    let pol = read_policy(file(&dir, "06b_")).unwrap();
    assert_eq!(pol.sdks.len(), 43);
    let g = sdk(&pol, "OPPO游戏SDK");
    assert_eq!(g.company.as_deref(), Some("广东欢太科技有限公司"));
    assert_eq!(
        g.purpose.as_deref(),
        Some("在oppo平台的用户登陆、账户注册、支付")
    );
    assert!(g
        .link
        .as_deref()
        .unwrap()
        .starts_with("https://ie-activity-cn.heytapimage.com/"));
    let msa = sdk(&pol, "移动安全联盟SDK");
    assert_eq!(msa.id.as_deref(), Some("msa-oaid"));
    assert_eq!(msa.data_types, ["oaid", "vaid", "aaid"]);
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn jiamai_three_lists() {
    let Some(dir) = shared() else { return };
    let pol = read_policy(file(&dir, "08a_")).unwrap();
    assert_eq!(pol.sdks.len(), 15);
    let jp = sdk(&pol, "极光推送SDK");
    assert_eq!(jp.id.as_deref(), Some("jpush"));
    assert_eq!(
        jp.company.as_deref(),
        Some("深圳市和讯华谷信息技术有限公司")
    );
    assert_eq!(jp.link, None, "08a gives the link as anchor text only");
    for d in [
        "imei",
        "mac_address",
        "android_id",
        "idfa",
        "oaid",
        "imsi",
        "iccid",
    ] {
        assert!(jp.data_types.contains(&d.to_string()), "{d}");
    }
    let hw = sdk(&pol, "华为通道SDK");
    assert_eq!(hw.company.as_deref(), Some("华为软件技术有限公司"));
    assert_eq!(hw.id.as_deref(), Some("huawei-push"));

    let pol = read_policy(file(&dir, "08b_")).unwrap();
    let android: Vec<_> = pol
        .permissions
        .iter()
        .filter(|p| p.platform.as_deref() == Some("android"))
        .collect();
    assert_eq!(android.len(), 18);
    assert!(android.iter().all(|p| p.resolved));
    let acc = android
        .iter()
        .find(|p| p.name == "android.permission.GET_ACCOUNTS")
        .unwrap();
    assert_eq!(
        acc.purpose.as_deref(),
        Some("获取设备上的帐号列表: 当用户使用小米账号授权登录时使用 (仅小米联运渠道需要)")
    );
    let ios: Vec<&str> = pol
        .permissions
        .iter()
        .filter(|p| p.platform.as_deref() == Some("ios"))
        .map(|p| p.name.as_str())
        .collect();
    assert!(ios.contains(&"NSCameraUsageDescription"), "{ios:?}");
    assert_eq!(
        pol.permissions
            .iter()
            .filter(|p| p.platform.as_deref() == Some("harmony"))
            .count(),
        8
    );

    let pol = read_policy(file(&dir, "08c_")).unwrap();
    let ids: Vec<&str> = pol.data_types.iter().map(|d| d.id.as_str()).collect();
    for d in [
        "phone_number",
        "email",
        "clipboard",
        "camera",
        "audio",
        "calendar",
    ] {
        assert!(ids.contains(&d), "{d} in {ids:?}");
    }
    assert!(pol.warnings.iter().any(|w| w.contains("头像、昵称")));
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn simpfun_and_dcloud() {
    let Some(dir) = shared() else { return };
    let pol = read_policy(file(&dir, "09_")).unwrap();
    assert_eq!(pol.sdks.len(), 3);
    let b = sdk(&pol, "Bugly SDK");
    assert_eq!(b.id.as_deref(), Some("bugly"));
    assert_eq!(b.company.as_deref(), Some("深圳市腾讯计算机系统有限公司"));
    assert_eq!(
        b.link.as_deref(),
        Some("https://privacy.qq.com/document/preview/fc748b3d96224fdb825ea79e132c1a56")
    );
    // "第三方 SDK 名称" (spaced) and "第三方名称" (company) in the second block.
    let a = sdk(&pol, "App 支付宝客户端 SDK");
    assert_eq!(a.company.as_deref(), Some("支付宝支付科技有限公司"));

    let pol = read_policy(file(&dir, "10_")).unwrap();
    // 27 table rows, and 友盟SDK and 百度定位SDK named in the integration notes
    assert_eq!(pol.sdks.len(), 29);
    // com.tencent.mm is not com.tencent.mmkv; com.taobao alone does not pick Sophix.
    assert_eq!(sdk(&pol, "微信开放平台").id.as_deref(), Some("wechat"));
    // Weex has had its own signature since the database grew (LibChecker-Rules)
    let weex = sdk(&pol, "阿里weexSDK");
    assert_eq!(weex.id.as_deref(), Some("alibaba-weex"));
    // DCloud truncates READ_EXTERNAL_STORAG in every row.
    assert_eq!(
        sorted(&weex.permissions),
        [
            "android.permission.READ_EXTERNAL_STORAGE",
            "android.permission.WRITE_EXTERNAL_STORAGE"
        ]
    );
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn daomeng_prose_sdks() {
    let Some(dir) = shared() else { return };
    let pol = read_policy(file(&dir, "05_")).unwrap();
    let names: Vec<&str> = pol.sdks.iter().map(|s| s.name.as_str()).collect();
    // The prose reader takes the “X”：该SDK由“Y”提供 sentences; the whole-document pass adds
    // the numbered items written “X”：由“Y”提供 or “X” Y，由…提供.
    assert_eq!(
        names,
        [
            "极光推送",
            "极光认证",
            "友盟+",
            "微博",
            "百度地图定位SDK",
            "华为HMS",
            "OPPO Push",
            "vivo推送",
            "小米推送",
            "魅族推送",
            "七牛",
            "Bugly",
            "TBS"
        ]
    );
    // “极光推送”：该SDK由“深圳市和讯华谷信息技术有限公司”提供… then ios/android lines and the link.
    let jp = sdk(&pol, "极光推送");
    assert_eq!(jp.id.as_deref(), Some("jpush"));
    assert_eq!(
        jp.company.as_deref(),
        Some("深圳市和讯华谷信息技术有限公司")
    );
    assert_eq!(
        jp.link.as_deref(),
        Some("https://www.jiguang.cn/license/privacy")
    );
    for d in [
        "imei",
        "android_id",
        "oaid",
        "mac_address",
        "idfa",
        "installed_apps",
    ] {
        assert!(
            jp.data_types.contains(&d.to_string()),
            "{d}: {:?}",
            jp.data_types
        );
    }
    assert_eq!(
        sorted(&jp.permissions),
        [
            "android.permission.ACCESS_COARSE_LOCATION",
            "android.permission.ACCESS_FINE_LOCATION",
            "android.permission.READ_EXTERNAL_STORAGE",
            "android.permission.WRITE_EXTERNAL_STORAGE"
        ]
    );
    assert!(jp
        .purpose
        .as_deref()
        .unwrap()
        .starts_with("用于“为用户及时推送相关通知"));
    assert_eq!(
        sdk(&pol, "友盟+").link.as_deref(),
        Some("https://www.umeng.com/page/policy")
    );
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn apple_privacy_manifest() {
    let Some(dir) = shared() else { return };
    let pol = read_policy(file(&dir, "12_")).unwrap();
    let ids: Vec<&str> = pol.data_types.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "user_id",
            "crash_logs",
            "crash_logs",
            "apple:OtherDiagnosticData"
        ]
    );
    assert!(pol.warnings.iter().any(|w| w.contains("iOS")));
}
