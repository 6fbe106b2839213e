//! Malformed and hostile policy files: each gives a clear error or a warning saying what
//! was skipped, and nothing panics. Inputs are generated here (no files from ../shared).

use apkaudit::error::Error;
use apkaudit::policy::{parse_policy, read_policy, DeclaredPolicy, Kind, Vocabulary};
use std::path::PathBuf;

/// Write `bytes` to a fresh temp file with the given name and return its path.
fn temp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("apkaudit-policy-malformed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn parse_err(r: Result<DeclaredPolicy, Error>) -> String {
    match r {
        Err(Error::Parse { error, .. }) => error.reason,
        Err(e) => panic!("expected a parse error, got {e}"),
        Ok(p) => panic!("expected a parse error, got {p:?}"),
    }
}

/// Deterministic pseudo-random bytes (LCG), covering every byte value.
fn junk(n: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect()
}

const KV_GBK_TEXT: &str =
    "第三方SDK清单\nSDK名称：极光推送SDK\n公司名称：深圳市和讯华谷信息技术有限公司\n使用目的：消息推送\n收集个人信息类型：设备标识符（IMEI、OAID）\n";

#[test]
fn binary_junk_is_rejected() {
    let p = temp("junk.txt", &junk(64 * 1024));
    let reason = parse_err(read_policy(&p));
    assert!(
        reason.contains("not text") || reason.contains("binary"),
        "{reason}"
    );
    // UTF-8 text with NUL bytes sprinkled through it is binary, not a policy.
    let mut b = Vec::new();
    for _ in 0..200 {
        b.extend_from_slice("隐私政策\0\0\0\0".as_bytes());
    }
    let reason = parse_err(read_policy(temp("nul.txt", &b)));
    assert!(reason.contains("binary"), "{reason}");
}

#[test]
fn empty_and_blank_files_are_rejected() {
    for (name, bytes) in [
        ("empty.txt", &b""[..]),
        ("blank.md", &b" \n\n\t \r\n"[..]),
        ("bom-only.txt", &b"\xEF\xBB\xBF"[..]),
    ] {
        let reason = parse_err(read_policy(temp(name, bytes)));
        assert!(reason.contains("empty"), "{name}: {reason}");
    }
}

#[test]
fn unclosed_html_still_yields_rows() {
    let html = "<html><body><p>第三方SDK目录</p><table><tr><th>SDK名称</th><th>公司名称</th><th>隐私政策链接</th></tr>\
                <tr><td>穿山甲SDK<td>北京巨量引擎网络技术有限公司<td>https://www.pangle.cn/privacy\
                <tr><td>极光推送<td>深圳市和讯华谷信息技术有限公司";
    let pol = read_policy(temp("unclosed.html", html.as_bytes())).unwrap();
    let names: Vec<&str> = pol.sdks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["穿山甲SDK", "极光推送"], "{pol:?}");
    assert_eq!(pol.sdks[0].id.as_deref(), Some("pangle"));
    assert_eq!(
        pol.sdks[0].company.as_deref(),
        Some("北京巨量引擎网络技术有限公司")
    );
    assert_eq!(
        pol.sdks[0].link.as_deref(),
        Some("https://www.pangle.cn/privacy")
    );
    assert_eq!(pol.sdks[1].link, None);
    // Rows reduced to one cell by broken markup are reported, not silently dropped.
    let broken = "<table><tr><th>SDK名称</th><th>公司名称</th></tr><tr><td>孤立的单元格</td></tr><tr><td>友盟+</td><td>北京锐讯灵通科技有限公司</td></tr>";
    let pol = parse_policy(broken, Kind::Html, &Vocabulary::embedded());
    assert_eq!(pol.sdks.len(), 1);
    assert!(
        pol.warnings
            .iter()
            .any(|w| w.contains("1 rows with fewer than two cells skipped")),
        "{:?}",
        pol.warnings
    );
    // A table with no recognisable header is skipped with a warning.
    let odd = "<table><tr><td>甲</td><td>乙</td></tr><tr><td>丙</td><td>丁</td></tr></table>";
    let pol = parse_policy(odd, Kind::Html, &Vocabulary::embedded());
    assert!(pol.sdks.is_empty());
    assert!(
        pol.warnings
            .iter()
            .any(|w| w.contains("no recognised header")),
        "{:?}",
        pol.warnings
    );
}

#[test]
fn deeply_nested_html_does_not_overflow() {
    let mut html = String::from("<html><body>");
    for _ in 0..3000 {
        html.push_str("<div>");
    }
    html.push_str("我们会收集您的IMEI");
    let pol = read_policy(temp("nested.html", html.as_bytes())).unwrap();
    assert!(pol.sdks.is_empty());
}

#[test]
fn csv_with_missing_columns_warns() {
    let csv = "name,company,purpose,privacy_url\n穿山甲SDK,北京巨量引擎网络技术有限公司\n极光推送,深圳市和讯华谷信息技术有限公司,消息推送,https://www.jiguang.cn/license/privacy\n";
    let pol = read_policy(temp("short.csv", csv.as_bytes())).unwrap();
    assert_eq!(pol.sdks.len(), 2);
    assert_eq!(pol.sdks[0].purpose, None);
    assert_eq!(
        pol.sdks[1].link.as_deref(),
        Some("https://www.jiguang.cn/license/privacy")
    );
    assert!(
        pol.warnings
            .iter()
            .any(|w| w.contains("csv line 2: 2 fields, header has 4")),
        "{:?}",
        pol.warnings
    );
    // Unterminated quote: the rest of the file becomes one field, still no panic.
    let bad = "name,company\n\"穿山甲SDK,北京巨量引擎\n极光推送,和讯华谷\n";
    let pol = read_policy(temp("quote.csv", bad.as_bytes())).unwrap();
    assert!(pol.sdks.len() <= 1, "{:?}", pol.sdks);
}

#[test]
fn gbk_text_is_decoded_with_a_warning() {
    let (bytes, _, bad) = encoding_rs::GBK.encode(KV_GBK_TEXT);
    assert!(!bad);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "input must not be UTF-8"
    );
    let pol = read_policy(temp("gbk.txt", &bytes)).unwrap();
    assert!(
        pol.warnings.iter().any(|w| w.contains("GB18030")),
        "{:?}",
        pol.warnings
    );
    assert_eq!(pol.sdks.len(), 1, "{:?}", pol.sdks);
    assert_eq!(pol.sdks[0].id.as_deref(), Some("jpush"));
    assert_eq!(
        pol.sdks[0].company.as_deref(),
        Some("深圳市和讯华谷信息技术有限公司")
    );
    assert!(pol.sdks[0].data_types.contains(&"imei".to_string()));
}

#[test]
fn utf16_with_bom_is_decoded() {
    for le in [true, false] {
        let mut b = if le {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for u in KV_GBK_TEXT.encode_utf16() {
            let x = if le { u.to_le_bytes() } else { u.to_be_bytes() };
            b.extend_from_slice(&x);
        }
        let pol = read_policy(temp(if le { "le.txt" } else { "be.txt" }, &b)).unwrap();
        assert_eq!(pol.sdks.len(), 1, "le={le}: {:?}", pol);
        assert_eq!(pol.sdks[0].id.as_deref(), Some("jpush"));
        assert!(pol.warnings.is_empty(), "{:?}", pol.warnings);
    }
    // An odd trailing byte is replaced and reported.
    let mut b = vec![0xFF, 0xFE];
    for u in "SDK名称：极光推送".encode_utf16() {
        b.extend_from_slice(&u.to_le_bytes());
    }
    b.push(0x41);
    let pol = read_policy(temp("odd16.txt", &b)).unwrap();
    assert!(
        pol.warnings.iter().any(|w| w.contains("replaced")),
        "{:?}",
        pol.warnings
    );
}

#[test]
fn huge_single_lines_are_bounded() {
    // ~1 MB of prose with no line break: many permission mentions, capped with a warning.
    let line = "我们需要访问您的相机权限以及位置信息和IMEI".repeat(20_000);
    let pol = read_policy(temp("huge.txt", line.as_bytes())).unwrap();
    assert!(pol
        .permissions
        .iter()
        .any(|p| p.name == "android.permission.CAMERA"));
    assert!(pol.permissions.len() <= 4, "{:?}", pol.permissions.len());
    assert!(
        pol.warnings
            .iter()
            .any(|w| w.contains("permission mentions")),
        "{:?}",
        pol.warnings
    );
    for d in &pol.data_types {
        assert!(d.source.text.chars().count() <= 301, "source text clipped");
    }
    // ~1 MB pipe "table" on one line: skipped with a warning, not 100 000 columns.
    let pipes = format!("{}|", "| SDK ".repeat(100_000));
    let pol = parse_policy(&pipes, Kind::Markdown, &Vocabulary::embedded());
    assert!(pol.sdks.is_empty());
    assert!(
        pol.warnings.iter().any(|w| w.contains("columns")),
        "{:?}",
        pol.warnings
    );
}

#[test]
fn broken_json_and_oversized_files() {
    let reason = parse_err(read_policy(temp(
        "cut.json",
        br#"{"schema":"apkaudit-declared/1","sdks":[{"name":"Pangle""#,
    )));
    assert!(reason.contains("invalid JSON"), "{reason}");
    // Wrong shapes are skipped with warnings rather than failing the whole file.
    let pol = read_policy(temp(
        "shapes.json",
        br#"{"schema":"apkaudit-declared/1","sdks":[{"company":"x"},7],"permissions":[{}]}"#,
    ))
    .unwrap();
    assert!(pol.sdks.is_empty() && pol.permissions.is_empty());
    assert_eq!(
        pol.warnings
            .iter()
            .filter(|w| w.contains("no name; skipped"))
            .count(),
        3,
        "{:?}",
        pol.warnings
    );
    let p = temp("big.txt", b"");
    let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(apkaudit::policy::MAX_POLICY_BYTES + 1).unwrap();
    let reason = parse_err(read_policy(&p));
    assert!(reason.contains("larger than"), "{reason}");
    std::fs::remove_file(&p).ok();
}
