//! The HTML report: one self-contained file. Checked in a real browser (Debian's
//! `chromium`, headless): it renders with the expected sections and text, and it fetches
//! nothing from the network, with its Content-Security-Policy and without it.

use apkaudit::audit::{audit, AuditReport};
use apkaudit::knowledge::{Knowledge, Lang};
use apkaudit::policy::{parse_policy, vocab::Vocabulary, Kind};
use apkaudit::report::audit_html;
use apkaudit::scan::{scan_bytes, ScanOptions, ScanReport};
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A 1×1 PNG.
const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f,
    0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47, 0xba, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn demo() -> (ScanReport, AuditReport) {
    let apk = apkaudit::testkit::demo_apk().unwrap();
    let scan = scan_bytes("demo.apk", &apk, &ScanOptions::default()).unwrap();
    let text = std::fs::read_to_string(format!("{ROOT}/samples/demo-policy.md")).unwrap();
    let policy = parse_policy(&text, Kind::Markdown, &Vocabulary::embedded());
    let r = audit(Knowledge::embedded(), &scan, policy);
    (scan, r)
}

#[test]
fn html_is_self_contained_and_says_everything() {
    let (scan, r) = demo();
    let k = Knowledge::embedded();
    let html = audit_html(&r, &scan, k, Lang::En, Ok(("image/png", PNG_1X1)));
    // nothing to load: no script, stylesheet link, font, frame or remote image
    for bad in [
        "<script",
        "<link",
        "@import",
        "url(",
        "<iframe",
        "src=\"http",
        "@font-face",
    ] {
        assert!(!html.contains(bad), "{bad}");
    }
    assert!(html.contains("default-src 'none'"));
    assert!(html.contains("src=\"data:image/png;base64,"));
    for want in [
        "com.example.demo",
        "1.2.0",
        "Signing",
        "Policy understood",
        "Findings by SDK",
        "SDKs found",
        "Permissions",
        "APK evidence",
        "Privacy policy",
        "《App违法违规收集使用个人信息行为认定方法》",
    ] {
        assert!(html.contains(want), "{want}");
    }
    for f in &r.findings {
        assert!(html.contains(f.rule.id()));
    }
    // bad icons are a note, not a broken image
    let not_image = audit_html(&r, &scan, k, Lang::En, Ok(("image/png", b"<svg/>")));
    assert!(not_image.contains("icon is not an image") && !not_image.contains("base64,"));
    let missing = audit_html(
        &r,
        &scan,
        k,
        Lang::Zh,
        Err("the manifest names no icon".into()),
    );
    assert!(missing.contains("the manifest names no icon") && missing.contains("无图标"));
    assert!(missing.contains("隐私合规审计报告"));
}

#[test]
fn hostile_text_is_escaped() {
    let (scan, mut r) = demo();
    r.findings[0]
        .evidence
        .push("<img src=\"https://evil.example/x\"><script>x()</script>".into());
    let html = audit_html(
        &r,
        &scan,
        Knowledge::embedded(),
        Lang::En,
        Err("none".into()),
    );
    assert!(!html.contains("<script>") && !html.contains("<img src=\"https://evil"));
    assert!(html.contains("&lt;script&gt;"));
}

/// Headless Chromium flags: no background services, no DNS (every name maps to nothing).
fn chromium(profile: &Path, netlog: &Path, url: &str, extra: &[&str]) -> String {
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-default-apps",
            "--disable-extensions",
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every URL the browser requested, from its NetLog.
fn requested(netlog: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(netlog).unwrap_or_default();
    let mut v: Vec<String> = text
        .split("\"url\":\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|u| u.starts_with("http") || u.starts_with("ws"))
        .map(str::to_string)
        .collect();
    v.sort();
    v.dedup();
    v
}

fn host(u: &str) -> &str {
    u.split("://")
        .nth(1)
        .unwrap_or(u)
        .split(['/', '?', ':'])
        .next()
        .unwrap_or(u)
}

#[test]
#[cfg_attr(
    not(has_chromium),
    ignore = "needs Debian's chromium (apt-get install chromium)"
)]
fn html_renders_in_headless_chromium_and_fetches_nothing() {
    let (scan, r) = demo();
    let html = audit_html(
        &r,
        &scan,
        Knowledge::embedded(),
        Lang::En,
        Ok(("image/png", PNG_1X1)),
    );
    let dir: PathBuf = std::env::temp_dir().join(format!("apkaudit-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.html");
    std::fs::write(&report, &html).unwrap();
    // the same page without its CSP: the content itself must not fetch anything either
    let open = dir.join("open.html");
    let csp_end =
        html.find("style-src 'unsafe-inline'\">").unwrap() + "style-src 'unsafe-inline'\">".len();
    let csp_start = html[..csp_end].rfind("<meta http-equiv").unwrap();
    std::fs::write(&open, format!("{}{}", &html[..csp_start], &html[csp_end..])).unwrap();
    // a control page that does fetch, to show the NetLog sees page requests
    let control = dir.join("control.html");
    std::fs::write(&control, "<img src=\"https://fetch-me.example/x.png\">").unwrap();
    // the browser's own traffic, from a blank page
    let baseline: Vec<String> = {
        let nl = dir.join("blank.json");
        chromium(&dir.join("p0"), &nl, "about:blank", &["--dump-dom"]);
        requested(&nl).iter().map(|u| host(u).to_string()).collect()
    };
    let page_requests = |file: &Path, profile: &str| -> (String, Vec<String>) {
        let nl = dir.join(format!("{profile}.json"));
        let url = format!("file://{}", file.display());
        let dom = chromium(&dir.join(profile), &nl, &url, &["--dump-dom"]);
        let own: Vec<String> = requested(&nl)
            .into_iter()
            .filter(|u| !baseline.iter().any(|b| b == host(u)))
            .collect();
        (dom, own)
    };
    let (_, c) = page_requests(&control, "p1");
    assert!(
        c.iter().any(|u| u.contains("fetch-me.example")),
        "the NetLog shows page requests: {c:?}"
    );
    for (file, profile) in [(&report, "p2"), (&open, "p3")] {
        let (dom, own) = page_requests(file, profile);
        assert!(own.is_empty(), "{}: fetched {own:?}", file.display());
        for want in [
            "Findings by SDK",
            "SDKs found",
            "com.example.demo",
            "Policy understood",
            "data:image/png;base64,",
        ] {
            assert!(dom.contains(want), "{want} not in the rendered DOM");
        }
    }
    // a screenshot renders (the file is a PNG)
    let shot = dir.join("shot.png");
    chromium(
        &dir.join("p4"),
        &dir.join("p4.json"),
        &format!("file://{}", report.display()),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,1800",
        ],
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Bad input of issue 13: icons that are missing, huge or not images. Apps built here with
/// a launcher icon of each kind are audited by the binary; the HTML report has no broken
/// image, says why in the icon box and the app facts, and the run neither fails nor panics.
#[test]
fn missing_huge_and_non_image_icons_are_a_note_in_the_html_report() {
    use apkaudit::testkit::{s, write_axml, write_zip, Node};
    let dir = std::env::temp_dir().join(format!("apkaudit-icons-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let app = |icon: Option<&str>| {
        let mut a = Node::new("application").android("label", s("Icons"));
        if let Some(i) = icon {
            a = a.android("icon", s(i));
        }
        write_axml(
            &Node::new("manifest")
                .plain("package", s("com.example.icons"))
                .child(a),
        )
    };
    let icon = "res/mipmap-xxhdpi/ic_launcher.png";
    let mut huge = PNG_1X1.to_vec();
    huge.resize(600 * 1024, 0);
    let no_icon = app(None);
    let with_icon = app(Some(icon));
    type Case<'a> = (&'a str, Vec<(&'a str, &'a [u8])>, Option<&'a str>);
    let cases: [Case<'_>; 5] = [
        (
            "missing",
            vec![("AndroidManifest.xml", &no_icon)],
            Some("the manifest names no icon"),
        ),
        (
            "absent-file",
            vec![("AndroidManifest.xml", &with_icon)],
            Some("is not a raster image"),
        ),
        (
            "huge",
            vec![("AndroidManifest.xml", &with_icon), (icon, &huge)],
            Some("over the 512 KiB cap"),
        ),
        (
            "not-image",
            vec![
                ("AndroidManifest.xml", &with_icon),
                (icon, b"<svg xmlns='x'/>"),
            ],
            Some("is not a PNG, WebP or JPEG image"),
        ),
        (
            "good",
            vec![("AndroidManifest.xml", &with_icon), (icon, PNG_1X1)],
            None,
        ),
    ];
    for (name, entries, why) in cases {
        let apk = dir.join(format!("{name}.apk"));
        std::fs::write(&apk, write_zip(&entries).unwrap()).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_apkaudit"))
            .current_dir(ROOT)
            .args([
                "audit",
                apk.to_str().unwrap(),
                "--policy",
                "samples/demo-policy.md",
            ])
            .args(["--format", "html"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.code().is_some_and(|c| c <= 1), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        let html = String::from_utf8_lossy(&out.stdout);
        match why {
            Some(why) => {
                assert!(!html.contains("base64,"), "{name}: no image embedded");
                assert!(html.contains("id=\"icon-note\""), "{name}: the no-icon box");
                assert!(html.contains(why), "{name}: says why ({why})\n{html}");
            }
            None => assert!(html.contains("src=\"data:image/png;base64,"), "{name}"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
