//! The human reports (terminal table, Markdown): content, language, width, colour, and
//! bounds (a 1 MB policy cell renders in linear time; a 20-column terminal; a closed pipe).

use apkaudit::audit::{audit, AuditReport, Finding, Rule, Severity};
use apkaudit::knowledge::{Knowledge, Lang};
use apkaudit::policy::{parse_policy, vocab::Vocabulary, Kind, Source};
use apkaudit::report::{audit_markdown, audit_table, TableStyle};
use apkaudit::scan::{scan_bytes, ScanOptions, ScanReport};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_apkaudit");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn demo() -> (ScanReport, AuditReport) {
    let apk = apkaudit::testkit::demo_apk().unwrap();
    let scan = scan_bytes("demo.apk", &apk, &ScanOptions::default()).unwrap();
    let text = std::fs::read_to_string(format!("{ROOT}/samples/demo-policy.md")).unwrap();
    let policy = parse_policy(&text, Kind::Markdown, &Vocabulary::embedded());
    let r = audit(Knowledge::embedded(), &scan, policy);
    (scan, r)
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn style(width: usize, lang: Lang) -> TableStyle {
    TableStyle {
        width,
        color: false,
        lang,
    }
}

#[test]
fn table_opens_with_totals_and_understood_block_and_keeps_tokens_whole() {
    let (scan, r) = demo();
    let k = Knowledge::embedded();
    let out = audit_table(&r, &scan, k, style(220, Lang::En));
    let totals = out.find("findings: ").expect("totals line");
    let understood = out.find("policy understood").expect("understood block");
    let table = out.find('┌').expect("a table");
    assert!(totals < table && understood < table, "{out}");
    // the counts agree with the findings
    let high = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::High)
        .count();
    assert!(out.contains(&format!("{high} high")), "{out}");
    // no internals, no broken plurals
    for bad in ["kind: Apk", "1 findings", "SplitSet", "1 classes"] {
        assert!(!out.contains(bad), "{bad} in\n{out}");
    }
    // the table uses the width it is given
    let widest = out.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(widest > 120 && widest <= 220, "widest line {widest}");
    // tokens stay whole at 100 columns: every API id of the evidence is on one line
    let out = audit_table(&r, &scan, k, style(100, Lang::En));
    for f in &r.findings {
        for e in &f.evidence {
            if let Some(api) = e.split(" calls ").nth(1).and_then(|t| t.split(' ').next()) {
                assert!(out.contains(api), "{api} split in\n{out}");
            }
        }
    }
    // English sentences carry English names: findings' subjects have no Chinese
    let subjects: String = out
        .lines()
        .filter(|l| l.starts_with('│'))
        .filter(|l| !l.contains("policy line"))
        .collect();
    assert!(!has_cjk(&subjects), "{out}");
    // and Chinese ones Chinese names
    let zh = audit_table(&r, &scan, k, style(120, Lang::Zh));
    assert!(zh.contains("精确位置") && zh.contains("发现"), "{zh}");
}

#[test]
fn repeated_findings_are_grouped() {
    let (scan, mut r) = demo();
    let base = r.findings[0].clone();
    for i in 0..12 {
        let mut f = Finding::new(
            Rule::Sdk03,
            Severity::Low,
            format!("SDK row \"x{i}\" lacks: company"),
        );
        f.sdk = Some(format!("unresolved-{i}"));
        f.policy_source = Some(Source {
            line: 10 + i,
            text: format!("x{i} |"),
            file: None,
        });
        r.findings.push(f);
    }
    r.findings.push(base);
    let n = r.findings.iter().filter(|f| f.rule == Rule::Sdk03).count();
    let out = audit_table(&r, &scan, Knowledge::embedded(), style(120, Lang::En));
    let rows = out.lines().filter(|l| l.contains("SDK-03")).count();
    assert_eq!(rows, 1, "{out}");
    assert!(
        out.contains(&format!("{n} SDKs")) && out.contains("lacks: company"),
        "{out}"
    );
}

#[test]
fn narrow_terminal_gets_a_list_within_its_width() {
    let (scan, r) = demo();
    for w in [20, 40] {
        let out = audit_table(&r, &scan, Knowledge::embedded(), style(w, Lang::En));
        for l in out.lines() {
            assert!(l.chars().count() <= w, "{w}: {l:?}");
        }
        assert!(out.contains("DATA-01"));
    }
}

#[test]
fn colour_only_when_asked() {
    let (scan, r) = demo();
    let k = Knowledge::embedded();
    let plain = audit_table(&r, &scan, k, style(100, Lang::En));
    assert!(!plain.contains('\x1b'));
    let mut s = style(100, Lang::En);
    s.color = true;
    assert!(audit_table(&r, &scan, k, s).contains("\x1b["));
    // the binary, piped: no colour whatever NO_COLOR says
    let out = Command::new(BIN)
        .current_dir(ROOT)
        .args([
            "audit",
            "samples/demo.apk",
            "--policy",
            "samples/demo-policy.md",
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
}

/// Issue 15 item 5: the audit table was quadratic in the length of a policy cell.
#[test]
fn audit_table_is_linear_in_cell_length_a_1mb_sdk_name_under_a_second() {
    let (scan, mut r) = demo();
    let huge: String = "GiantSdkName".repeat((1 << 20) / 12);
    assert!(huge.len() > 1_000_000);
    let mut f = Finding::new(
        Rule::Sdk02,
        Severity::Low,
        format!("\"{huge}\" is declared but not found"),
    );
    f.sdk = Some(huge.clone());
    f.evidence = vec![huge.clone()];
    f.policy_source = Some(Source {
        line: 3,
        text: huge.clone(),
        file: None,
    });
    r.findings.push(f);
    let k = Knowledge::embedded();
    for (w, lang) in [(100, Lang::En), (20, Lang::Zh)] {
        let t = Instant::now();
        let out = audit_table(&r, &scan, k, style(w, lang));
        let took = t.elapsed();
        assert!(took < Duration::from_secs(1), "{w} columns: {took:?}");
        assert!(
            out.len() < 200_000,
            "the cell is capped: {} bytes",
            out.len()
        );
        assert!(out.contains("characters)"), "the cut is said");
    }
    let t = Instant::now();
    let md = audit_markdown(&r, &scan, k, Lang::En);
    assert!(t.elapsed() < Duration::from_secs(1));
    assert!(md.len() < 200_000);
}

#[test]
fn markdown_carries_evidence_policy_lines_rules_app_and_sdk_table() {
    let (scan, r) = demo();
    let k = Knowledge::embedded();
    let md = audit_markdown(&r, &scan, k, Lang::En);
    assert!(
        md.contains("com.example.demo") && md.contains("1.2.0"),
        "app"
    );
    let with_policy = r
        .findings
        .iter()
        .find(|f| f.policy_source.is_some())
        .unwrap();
    let line = with_policy.policy_source.as_ref().unwrap().line;
    assert!(md.contains(&format!("line {line}:")), "policy line");
    let ev = &r.findings[0].evidence[0];
    assert!(md.contains(&ev.replace('|', "\\|")), "evidence {ev}");
    for f in &r.findings {
        assert!(md.contains(f.rule.text().basis), "rule basis of {}", f.rule);
    }
    assert!(md.contains("## SDKs found") && md.contains("## Permissions"));
    for s in &scan.sdks {
        assert!(
            md.contains(&format!("[{}]", s.id)),
            "SDK {} in the table",
            s.id
        );
    }
    // severities lowercase, as in every other format
    assert!(!md.contains("High") && md.contains("high ·"), "{md}");
    let zh = audit_markdown(&r, &scan, k, Lang::Zh);
    assert!(zh.contains("隐私合规审计报告") && zh.contains("检测到的 SDK"));
}

#[test]
fn closed_pipe_ends_quietly() {
    let mut child = Command::new(BIN)
        .current_dir(ROOT)
        .args([
            "audit",
            "samples/demo.apk",
            "--policy",
            "samples/demo-policy.md",
            "--format",
            "markdown",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.code().is_some_and(|c| c <= 1), "{err}");
}

/// The demo scan with JPush's version read from meta-data (with a known issue) and one of
/// Youlianghui's call sites a conditional, possible read: what every human report must show.
fn demo_with_version_and_possible_read() -> (ScanReport, AuditReport) {
    use apkaudit::detect::data_access::ReadCertainty;
    use apkaudit::detect::sdk::FoundVersionIssue;
    let (mut scan, _) = demo();
    let j = scan.sdks.iter_mut().find(|s| s.id == "jpush").unwrap();
    j.version = Some("4.8.1".into());
    j.version_source = Some("meta_data JPUSH_VERSION".into());
    j.version_issues = vec![FoundVersionIssue {
        range: "< 5.0.0".into(),
        problem: "reads the device id before consent".into(),
        source: "https://example.org/notice".into(),
    }];
    let gdt = scan
        .data_access
        .iter_mut()
        .find(|a| a.owner == "gdt")
        .unwrap();
    let imsi = gdt
        .data_types
        .iter_mut()
        .find(|d| d.data_type == "imsi")
        .unwrap();
    imsi.certainty = ReadCertainty::Possible;
    for c in &mut imsi.call_sites {
        c.certainty = ReadCertainty::Possible;
    }
    let text = std::fs::read_to_string(format!("{ROOT}/samples/demo-policy.md")).unwrap();
    let policy = parse_policy(&text, Kind::Markdown, &Vocabulary::embedded());
    let r = audit(Knowledge::embedded(), &scan, policy);
    (scan, r)
}

#[test]
fn every_human_report_shows_sdk_version_certainty_and_attribution() {
    let (scan, r) = demo_with_version_and_possible_read();
    let k = Knowledge::embedded();
    let version = "4.8.1 (from meta-data JPUSH_VERSION)";
    let issue = "version issue (< 5.0.0): reads the device id before consent";
    let table = audit_table(&r, &scan, k, style(220, Lang::En));
    let md = audit_markdown(&r, &scan, k, Lang::En);
    let html = apkaudit::report::audit_html(&r, &scan, k, Lang::En, Err("none".into()));
    let esc = apkaudit::report::html::esc;
    for (name, out) in [("table", &table), ("markdown", &md), ("html", &html)] {
        assert!(out.contains(version), "{name}: version\n{out}");
        let issue = if name == "html" {
            esc(issue)
        } else {
            issue.to_string()
        };
        assert!(out.contains(&issue), "{name}: version issue\n{out}");
        assert!(out.contains("class-prefix"), "{name}: attribution\n{out}");
        assert!(out.contains("high confidence"), "{name}: confidence\n{out}");
        assert!(out.contains("possible"), "{name}: certainty\n{out}");
    }
    // the scan table, wide enough not to wrap these
    let st = apkaudit::report::scan_table(&scan, k, style(220, Lang::En));
    for want in [
        version,
        issue,
        "class-prefix, high confidence",
        "1 (possible)",
    ] {
        assert!(st.contains(want), "scan table: {want}\n{st}");
    }
    // the audit evidence marks the possible call site itself, in the table and Markdown
    let site = "[possible read] Lcom/qq/e/comm/managers/status/DeviceStatus;.getUid:()V calls telephony.getSubscriberId";
    assert!(table.contains("[possible read]"), "{table}");
    assert!(md.contains(site), "{md}");
    assert!(html.contains(&esc(site)), "{html}");
    // the SDK-01 finding of JPush says its version
    let sdk01 = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::Sdk01 && f.sdk.as_deref() == Some("jpush"))
        .unwrap();
    let ev = apkaudit::report::text::finding_evidence(&scan, k, sdk01, Lang::En);
    assert!(
        ev.iter().any(|l| l == &format!("version: {version}")),
        "{ev:?}"
    );
    // the disclose drafts name the version too
    let d = apkaudit::report::disclose::disclosure(&scan, k, Lang::En);
    let draft = apkaudit::report::disclose::disclosure_markdown(&d, k, Lang::En);
    assert!(
        draft.contains(&format!("JPush<br>{version}<br>{issue}")),
        "{draft}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&apkaudit::report::disclose::disclosure_json(&d)).unwrap();
    let jp = json["sdks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "jpush")
        .unwrap();
    assert_eq!(jp["version"][0], version);
    // and the CSV, in its `version` column: the version, where it was read, its issue
    let csv = apkaudit::report::disclose::disclosure_csv(&d);
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let col = rd
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "version")
        .unwrap();
    let row = rd
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "sdk" && &r[1] == "jpush")
        .unwrap();
    // (the issue line ends with its source, as in the drafts above)
    assert!(
        row[col].starts_with(&format!("{version}; {issue} — ")),
        "{}",
        &row[col]
    );
    // in Chinese too
    let zh = audit_markdown(&r, &scan, k, Lang::Zh);
    assert!(zh.contains("4.8.1（来自 meta-data JPUSH_VERSION）"), "{zh}");
    assert!(zh.contains("可能读取") && zh.contains("置信度高"), "{zh}");
}

/// Runs the binary from the project root with `COLUMNS` set (and no colour).
fn run_cols(cols: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .current_dir(ROOT)
        .env("COLUMNS", cols)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A batch JSONL of the demo app, for `summary`.
fn demo_jsonl(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("apkaudit-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let jsonl = dir.join("batch.jsonl");
    let (code, _, err) = run_cols(
        "100",
        &[
            "scan",
            "samples/demo.apk",
            "samples",
            "-o",
            jsonl.to_str().unwrap(),
        ],
    );
    assert!(code.is_some_and(|c| c <= 2), "{err}");
    jsonl
}

#[test]
fn scan_manifest_and_summary_tables_take_lang_with_names_from_the_data_files() {
    let k = Knowledge::embedded();
    let (scan, _) = demo();
    let zh = apkaudit::report::scan_table(&scan, k, style(160, Lang::Zh));
    let en = apkaudit::report::scan_table(&scan, k, style(160, Lang::En));
    let jpush = k.signatures.get("jpush").unwrap();
    let camera = "android.permission.CAMERA";
    for (out, lang, name) in [
        (&zh, Lang::Zh, jpush.name_zh.clone().unwrap()),
        (&en, Lang::En, jpush.name.clone()),
    ] {
        assert!(out.contains(&name), "{name}\n{out}");
        let label = k.permissions.display(camera, lang);
        assert!(out.contains(&label), "{label}\n{out}");
        let data = k.data_types.display("imei", lang);
        assert!(out.contains(data), "{data}\n{out}");
        // the category column names each SDK's category from data/categories.toml
        for f in &scan.sdks {
            let cat = k.categories.name(f.category, lang);
            assert!(out.contains(&format!("┆ {cat} ")), "{cat}\n{out}");
        }
    }
    for f in &scan.sdks {
        let zh_cat = k.categories.name(f.category, Lang::Zh);
        assert!(has_cjk(zh_cat) && !en.contains(zh_cat), "{zh_cat}");
    }
    // and so does the Markdown SDK table of an audit
    let (_, r) = demo();
    let md = audit_markdown(&r, &scan, k, Lang::Zh);
    let cat = k.categories.name(jpush.category, Lang::Zh);
    assert!(md.contains(&format!("| {cat} |")), "{cat}\n{md}");
    assert!(zh.contains("项目") && zh.contains("保护级别"), "{zh}");
    // manifest table
    let (code, out, err) = run_cols(
        "160",
        &[
            "manifest",
            "samples/demo.apk",
            "--format",
            "table",
            "--lang",
            "zh",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("元素") && out.contains(&k.permissions.display(camera, Lang::Zh)),
        "{out}"
    );
    assert!(
        out.contains("android:name=android.permission.CAMERA"),
        "{out}"
    );
    // summary table
    let jsonl = demo_jsonl("sumlang");
    let (code, out, err) = run_cols("160", &["summary", jsonl.to_str().unwrap(), "--lang", "zh"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("条记录") && out.contains("权限"), "{out}");
    assert!(
        out.contains(&format!("{} [jpush]", jpush.name_zh.as_deref().unwrap())),
        "{out}"
    );
    let (_, en_out, _) = run_cols("160", &["summary", jsonl.to_str().unwrap()]);
    assert!(
        en_out.contains("records:") && en_out.contains("JPush [jpush]"),
        "{en_out}"
    );
    let _ = std::fs::remove_dir_all(jsonl.parent().unwrap());
}

/// Bad input of issue 13: a terminal of 20 columns. Every table renders without a panic,
/// within 20 columns, and short tokens stay whole on one line.
#[test]
fn a_20_column_terminal_renders_every_table_within_its_width() {
    let jsonl = demo_jsonl("cols20");
    let j = jsonl.to_str().unwrap();
    let cases: [&[&str]; 6] = [
        &["scan", "samples/demo.apk"],
        &["scan", "samples/demo.apk", "--lang", "zh"],
        &["manifest", "samples/demo.apk", "--format", "table"],
        &[
            "audit",
            "samples/demo.apk",
            "--policy",
            "samples/demo-policy.md",
        ],
        &["summary", j],
        &["signatures"],
    ];
    for args in cases {
        let (code, out, err) = run_cols("20", args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!out.is_empty(), "{args:?}");
        for l in out.lines() {
            let w: usize = l
                .chars()
                .map(|c| {
                    if ('\u{2e80}'..='\u{ffe6}').contains(&c) {
                        2
                    } else {
                        1
                    }
                })
                .sum();
            assert!(w <= 20, "{args:?}: {w} columns: {l:?}");
        }
        if args[0] == "scan" {
            assert!(
                out.lines().any(|l| l.contains("com.example.demo")),
                "{args:?}: the package split\n{out}"
            );
        }
        if args[0] == "manifest" {
            // `package=com.example.demo` is wider than the column: broken after a separator,
            // nothing lost
            let joined: String = out.lines().map(str::trim_start).collect();
            assert!(
                joined.contains("package=com.example.demo"),
                "{args:?}\n{out}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(jsonl.parent().unwrap());
}

/// `signatures --lang zh|en` names SDKs, categories and legal entities in that language,
/// from the signature files and `data/categories.toml`.
#[test]
fn signatures_table_takes_lang() {
    let k = Knowledge::embedded();
    let (code, zh, err) = run_cols("200", &["signatures", "--lang", "zh"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, en, err) = run_cols("200", &["signatures"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(zh.contains("类别") && zh.contains("开发者"), "{zh}");
    assert!(
        en.contains("category") && en.contains("legal entity"),
        "{en}"
    );
    let jpush = k.signatures.get("jpush").unwrap();
    let row = |out: &str| {
        out.lines()
            .find(|l| l.contains("│ jpush "))
            .unwrap_or_default()
            .to_string()
    };
    let (zh_row, en_row) = (row(&zh), row(&en));
    assert!(
        zh_row.contains(jpush.name_zh.as_deref().unwrap()),
        "{zh_row}"
    );
    assert!(
        zh_row.contains(k.categories.name(jpush.category, Lang::Zh)),
        "{zh_row}"
    );
    assert!(en_row.contains(&jpush.name), "{en_row}");
    assert!(
        en_row.contains(&format!("┆ {} ", jpush.category.as_str())),
        "{en_row}"
    );
    assert!(!has_cjk(&en_row) || jpush.vendor.is_none(), "{en_row}");
    let n = k.signatures.all().len();
    assert!(zh.contains(&format!("共 {n} 个签名")) && en.contains(&format!("{n} signatures")));
}

/// Bad input of issue 13: output to a closed pipe (`| head -1`). Every command that prints
/// a report reads one line, then the reader goes away: the command ends quietly (exit 0 or
/// its own outcome, no panic, no error message).
#[test]
fn output_to_a_closed_pipe_after_one_line_is_a_quiet_exit() {
    use std::io::{BufRead, BufReader};
    // the signature list is larger than a pipe's buffer, so its writes do meet the
    // closed pipe; the smaller outputs check that nothing is said on the way out
    let cases: [&[&str]; 8] = [
        &["signatures", "--format", "json"],
        &["scan", "samples/demo.apk"],
        &["scan", "samples/demo.apk", "--format", "json"],
        &["manifest", "samples/demo.apk", "--format", "table"],
        &[
            "audit",
            "samples/demo.apk",
            "--policy",
            "samples/demo-policy.md",
        ],
        &[
            "audit",
            "samples/demo.apk",
            "--policy",
            "samples/demo-policy.md",
            "--format",
            "html",
        ],
        &["disclose", "samples/demo.apk"],
        &["signatures"],
    ];
    for args in cases {
        let mut child = Command::new(BIN)
            .current_dir(ROOT)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty(), "{args:?}: a first line");
        // the reader is dropped here, like `head -1` exiting
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.is_empty(), "{args:?}: quiet, got {err}");
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{args:?}: {:?}",
            out.status
        );
    }
}

/// The scan's typed `incomplete` warnings (a packer hides the code; most components have
/// no class in the code read) open every human report, in both languages.
#[test]
fn incomplete_code_warnings_are_in_every_human_report() {
    use apkaudit::scan::Incomplete;
    let (mut scan, _) = demo();
    scan.incomplete = vec![
        Incomplete::CodeHiddenByPacker {
            packer: "jiagu-360".into(),
            evidence: vec!["native_libs (1): libjiagu.so".into()],
            classes_read: 12,
            payloads: vec!["assets/jiagu.dex".into()],
            message: "packed".into(),
        },
        Incomplete::ComponentsWithoutCode {
            components: 8,
            missing: 7,
            examples: vec!["com.example.demo.Hidden".into()],
            classes_read: 12,
            message: "missing".into(),
        },
    ];
    let text = std::fs::read_to_string(format!("{ROOT}/samples/demo-policy.md")).unwrap();
    let policy = parse_policy(&text, Kind::Markdown, &Vocabulary::embedded());
    let k = Knowledge::embedded();
    let r = audit(k, &scan, policy);
    for (lang, packed, components) in [
        (Lang::En, "real code is encrypted", "7 of the 8 components"),
        (Lang::Zh, "真实代码加密", "清单声明的 8 个组件中有 7 个"),
    ] {
        let outs = [
            ("table", audit_table(&r, &scan, k, style(400, lang))),
            ("markdown", audit_markdown(&r, &scan, k, lang)),
            (
                "html",
                apkaudit::report::audit_html(&r, &scan, k, lang, Err("none".into())),
            ),
            (
                "scan",
                apkaudit::report::scan_table(&scan, k, style(400, lang)),
            ),
        ];
        for (name, out) in outs {
            assert!(out.contains(packed), "{name} {lang:?}: packer\n{out}");
            assert!(
                out.contains(components),
                "{name} {lang:?}: components\n{out}"
            );
            assert!(out.contains("com.example.demo.Hidden"), "{name}: example");
        }
    }
}
