//! What the policy reader says it understood: list sections that yielded nothing are
//! warned about with their line, a document with nothing recognisable gets one warning,
//! and `policy --format json` carries `schema_version` and `coverage`. Documents are
//! generated here.

use apkaudit::policy::{parse_policy, DeclaredPolicy, Kind, Vocabulary};

const BIN: &str = env!("CARGO_BIN_EXE_apkaudit");

fn read(text: &str, kind: Kind) -> DeclaredPolicy {
    parse_policy(text, kind, &Vocabulary::embedded())
}

fn unread(p: &DeclaredPolicy) -> Vec<(&'static str, usize)> {
    p.unread_sections()
        .iter()
        .map(|u| (u.kind, u.line))
        .collect()
}

fn temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("apkaudit-policy-coverage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn list_sections_that_yield_nothing_are_warned_with_their_line() {
    // an SDK list whose rows are images / links, a permission list in a layout not read,
    // a collected-data list with no known data type, then a list that is read
    let text = "隐私政策\n\
                \n\
                第三方SDK清单\n\
                请点击查看：https://example.com/sdk-list.png\n\
                \n\
                应用权限列表\n\
                见附件二。\n\
                \n\
                个人信息收集清单\n\
                详见下载文件。\n\
                \n\
                Third-party SDK list\n\
                - Firebase Analytics (Google LLC): analytics\n";
    let p = read(text, Kind::Text);
    assert_eq!(unread(&p), [("SDK", 3), ("permission", 6), ("data", 9)]);
    for line in [3, 6, 9] {
        assert!(
            p.warnings
                .iter()
                .any(|w| w.starts_with(&format!("line {line}: "))),
            "{:?}",
            p.warnings
        );
    }
    assert!(p.sdks.iter().any(|s| s.id.as_deref() == Some("firebase")));
    let c = p.coverage();
    assert_eq!(c.unread_sections.len(), 3);
    assert_eq!(c.sdk_rows, p.sdks.len());
}

#[test]
fn read_or_empty_sections_are_not_reported() {
    // a table of contents (headings with nothing under them), an introduction followed by
    // the list under a heading of the same kind, a section that says there is nothing,
    // and a Markdown list that is read
    let text = "# 隐私政策\n\
                \n\
                ## 第三方SDK列表\n\
                ## 应用权限列表\n\
                \n\
                ## 第三方SDK列表\n\
                \n\
                为实现功能，我们接入了第三方提供的软件开发包，说明如下。\n\
                \n\
                ### 第三方SDK目录\n\
                \n\
                - 极光推送SDK，深圳市和讯华谷信息技术有限公司，用于消息推送\n\
                \n\
                ## 应用权限列表\n\
                \n\
                本应用不涉及申请任何敏感权限。\n\
                \n\
                ## 个人信息收集清单\n\
                \n\
                - 设备标识符（IMEI、Android ID）\n";
    let p = read(text, Kind::Markdown);
    assert!(
        p.sdks.iter().any(|s| s.id.as_deref() == Some("jpush")),
        "{p:?}"
    );
    assert_eq!(unread(&p), [], "{:?}", p.warnings);
    assert!(!p.warnings.iter().any(|w| w.starts_with("nothing")));
}

#[test]
fn html_list_heading_is_reported_at_its_source_line() {
    let html = "<html><body>\n<h1>隐私政策</h1>\n<h2>第三方SDK列表</h2>\n<p>\
                <img src=\"sdk.png\"></p>\n<h2>Permissions</h2>\n<ul><li>Camera \
                (android.permission.CAMERA): scan codes</li></ul>\n</body></html>\n";
    let p = read(html, Kind::Html);
    assert!(p
        .permissions
        .iter()
        .any(|x| x.name == "android.permission.CAMERA"));
    // the SDK section has only an image under it: no text line, so it is not a list the
    // reader failed on; a paragraph that names no SDK is
    assert_eq!(unread(&p), []);
    let html = html.replace("<img src=\"sdk.png\">", "列表见图片");
    let p = read(&html, Kind::Html);
    assert_eq!(unread(&p), [("SDK", 3)], "{:?}", p.warnings);
}

#[test]
fn a_document_with_nothing_recognisable_gets_one_warning() {
    let text = "Lorem ipsum dolor sit amet.\nConsectetur adipiscing elit.\n";
    let p = read(text, Kind::Text);
    let nothing: Vec<_> = p
        .warnings
        .iter()
        .filter(|w| w.starts_with("nothing recognised"))
        .collect();
    assert_eq!(nothing.len(), 1, "{:?}", p.warnings);
    assert!(nothing[0].contains("2 lines"), "{}", nothing[0]);
    assert!(p.coverage().unread_sections.is_empty());
}

#[test]
fn utf16_without_bom_is_decoded() {
    let text = "Third-party SDK list\n- Firebase Analytics (Google LLC)\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    for (name, bytes) in [("le.txt", le), ("be.txt", be)] {
        let p = apkaudit::policy::read_policy(temp(name, &bytes)).unwrap();
        assert!(
            p.sdks.iter().any(|s| s.id.as_deref() == Some("firebase")),
            "{name}: {p:?}"
        );
        assert!(p.warnings.iter().any(|w| w.contains("UTF-16")), "{name}");
    }
}

#[test]
fn policy_json_has_schema_version_and_coverage() {
    let f = temp(
        "cov.txt",
        "第三方SDK清单\n请见图片。\n\n应用权限列表\n- android.permission.CAMERA：扫码\n".as_bytes(),
    );
    let out = std::process::Command::new(BIN)
        .args(["policy", "--format", "json"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    let c = &v["coverage"];
    assert_eq!(c["permissions"], 1);
    assert_eq!(c["sdk_rows"], 0);
    assert_eq!(c["unread_sections"][0]["kind"], "SDK");
    assert_eq!(c["unread_sections"][0]["line"], 1);
    assert!(v["sdks"].is_array() && v["warnings"].is_array());

    // nothing recognisable: a warning, exit 0; binary junk: an error, exit 2
    let f = temp("lorem.txt", b"Lorem ipsum dolor sit amet.\n");
    let out = std::process::Command::new(BIN)
        .args(["policy", "--format", "json"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["warnings"][0]
        .as_str()
        .unwrap()
        .starts_with("nothing recognised"));
    let junk: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 32) as u8).collect();
    let out = std::process::Command::new(BIN)
        .args(["policy"])
        .arg(temp("junk.bin", &junk))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.bin"));
}

#[test]
fn a_permission_name_inside_a_link_is_not_a_permission() {
    // "photos" is a display name of READ_MEDIA_IMAGES; here it is part of an address
    let text = "Source: https://example.com/mobile/apps/photos/android/permissions.md\n\n\
                ## Permissions\n\n\
                > android.permission.CAMERA\n\n\
                **Photos**: pick pictures to upload\n";
    let p = read(text, Kind::Markdown);
    let names: Vec<(&str, usize)> = p
        .permissions
        .iter()
        .map(|x| (x.name.as_str(), x.source.line))
        .collect();
    assert!(!names.iter().any(|(_, l)| *l == 1), "{names:?}");
    assert!(
        names.contains(&("android.permission.CAMERA", 5)),
        "{names:?}"
    );
}
