//! Held-out-style audit check: an app audited against a policy that declares everything
//! its scan found reports no `high` finding; against the same policy without one SDK, one
//! permission or one data type, the findings that appear are exactly about what was left
//! out. The policies are written three ways from the scan's disclosure draft: the
//! `disclose --format md` Markdown, a hand-shaped plain text (key:value blocks, a label
//! list, a collected-data list) and a hand-shaped HTML page (a table and a `<ul>`). The
//! generated demo app always; corpus apps under `cfg(shared)`.

use apkaudit::audit::{audit, AuditReport, Severity};
use apkaudit::knowledge::{Knowledge, Lang};
use apkaudit::policy::{parse_policy, vocab::Vocabulary, Kind};
use apkaudit::report::disclose::{disclosure, disclosure_markdown, Disclosure};
use apkaudit::scan::{scan_bytes, scan_file, ScanOptions, ScanReport};
use std::collections::BTreeSet;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What to leave out of the policy.
#[derive(Debug, Clone, Copy, Default)]
struct Omit<'a> {
    sdk: Option<&'a str>,
    permission: Option<&'a str>,
    data: Option<&'a str>,
}

/// The draft without the omitted items.
fn trimmed(d: &Disclosure, o: Omit<'_>) -> Disclosure {
    let mut d = d.clone();
    if let Some(id) = o.sdk {
        d.sdks.retain(|s| s.id != id);
    }
    if let Some(p) = o.permission {
        d.permissions.retain(|x| x.name != p);
        for s in &mut d.sdks {
            s.permissions.retain(|x| x != p);
        }
    }
    if let Some(t) = o.data {
        d.collected.retain(|x| x != t);
        for s in &mut d.sdks {
            s.data_types.retain(|x| x != t);
            s.observed_data_types.retain(|x| x.id != t);
            s.documented_data_types.retain(|x| x != t);
            s.permission_data_types.retain(|x| x != t);
        }
        d.data_safety.retain(|r| r.data_type != t);
    }
    d
}

fn data_names(k: &Knowledge, ids: &[String], lang: Lang) -> String {
    let v: Vec<&str> = ids
        .iter()
        .map(|id| k.data_types.display(id, lang))
        .collect();
    v.join("、")
}

/// A hand-shaped plain-text policy: SDK key:value blocks, a permission list by Android's
/// Chinese label and constant, a collected-data list.
fn text_policy(d: &Disclosure, k: &Knowledge) -> String {
    let mut s = String::from("隐私政策\n\n第三方SDK清单\n\n");
    for x in &d.sdks {
        s.push_str(&format!(
            "SDK名称：{}\n公司名称：{}\n使用目的：{}\n收集个人信息类型：{}\n",
            x.name,
            x.company.as_deref().unwrap_or("—"),
            x.purpose,
            data_names(k, &x.data_types, Lang::Zh)
        ));
        if !x.permissions.is_empty() {
            s.push_str(&format!("所需权限：{}\n", x.permissions.join("、")));
        }
        s.push('\n');
    }
    s.push_str("应用权限列表\n\n");
    for p in &d.permissions {
        s.push_str(&format!("- {}（{}）：实现相关功能\n", p.name_zh, p.name));
    }
    s.push_str("\n个人信息收集清单\n\n");
    for t in &d.collected {
        s.push_str(&format!("- {}\n", k.data_types.display(t, Lang::Zh)));
    }
    s
}

/// A hand-shaped English HTML page: an SDK table and a permission `<ul>`.
fn html_policy(d: &Disclosure, k: &Knowledge) -> String {
    let mut s = String::from(
        "<!DOCTYPE html><html><body>\n<h1>Privacy Policy</h1>\n<h2>Third-party SDKs</h2>\n<table>\n<tr><th>SDK name</th><th>Company</th><th>Purpose</th><th>Personal information</th><th>Permissions</th></tr>\n",
    );
    for x in &d.sdks {
        s.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            x.name,
            x.company.as_deref().unwrap_or("-"),
            x.category,
            data_names(k, &x.data_types, Lang::En).replace('、', ", "),
            x.permissions.join(", ")
        ));
    }
    s.push_str("</table>\n<h2>Permissions</h2>\n<ul>\n");
    for p in &d.permissions {
        s.push_str(&format!(
            "<li>{} ({}): used for the feature that needs it</li>\n",
            p.name_en, p.name
        ));
    }
    s.push_str("</ul>\n<h2>Information we collect</h2>\n<ul>\n");
    for t in &d.collected {
        s.push_str(&format!(
            "<li>We collect your {}.</li>\n",
            k.data_types.display(t, Lang::En)
        ));
    }
    s.push_str("</ul>\n</body></html>\n");
    s
}

/// The three policies of a draft: (name, text, kind).
fn policies(d: &Disclosure, k: &Knowledge) -> Vec<(&'static str, String, Kind)> {
    vec![
        (
            "disclose md",
            disclosure_markdown(d, k, Lang::Zh),
            Kind::Markdown,
        ),
        ("text", text_policy(d, k), Kind::Text),
        ("html", html_policy(d, k), Kind::Html),
    ]
}

fn run(k: &Knowledge, scan: &ScanReport, text: &str, kind: Kind) -> AuditReport {
    audit(k, scan, parse_policy(text, kind, &Vocabulary::embedded()))
}

fn subjects(r: &AuditReport, min: Severity) -> BTreeSet<String> {
    r.findings
        .iter()
        .filter(|f| f.severity >= min)
        .map(|f| {
            format!(
                "{} {}",
                f.kind,
                f.data_type
                    .as_deref()
                    .or(f.permission.as_deref())
                    .or(f.sdk.as_deref())
                    .unwrap_or("-")
            )
        })
        .collect()
}

fn highs(r: &AuditReport) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.severity == Severity::High)
        .map(|f| format!("{} {}: {}", f.rule, f.kind, f.message))
        .collect()
}

/// Check one app; returns the problems found (empty when it behaves).
fn check_app(name: &str, scan: &ScanReport) -> Vec<String> {
    let k = Knowledge::embedded();
    let d = disclosure(scan, k, Lang::Zh);
    let mut problems = Vec::new();
    // what to leave out: the first SDK that must be disclosed, a dangerous permission, a
    // data type read in code
    let sdk = d
        .sdks
        .iter()
        .find(|s| {
            k.signatures
                .get(&s.id)
                .is_some_and(|x| x.requires_disclosure())
        })
        .map(|s| s.id.clone());
    let perm = d
        .permissions
        .iter()
        .find(|p| k.permissions.is_dangerous(&p.name))
        .map(|p| p.name.clone());
    let data = scan
        .data_access
        .iter()
        .flat_map(|a| a.data_types.iter())
        .map(|t| t.data_type.clone())
        .next();
    for (form, text, kind) in policies(&d, k) {
        let full = run(k, scan, &text, kind);
        let h = highs(&full);
        if !h.is_empty() {
            problems.push(format!("{name} [{form}] full policy: {h:#?}"));
            continue;
        }
        let base = subjects(&full, Severity::Low);
        let cases = [
            (
                "SDK",
                sdk.clone(),
                Omit {
                    sdk: sdk.as_deref(),
                    ..Default::default()
                },
            ),
            (
                "permission",
                perm.clone(),
                Omit {
                    permission: perm.as_deref(),
                    ..Default::default()
                },
            ),
            (
                "data",
                data.clone(),
                Omit {
                    data: data.as_deref(),
                    ..Default::default()
                },
            ),
        ];
        for (what, subject, omit) in cases {
            let Some(subject) = subject else { continue };
            let cut = trimmed(&d, omit);
            let text = policies(&cut, k)
                .into_iter()
                .find(|p| p.0 == form)
                .map(|p| p.1)
                .unwrap_or_default();
            let r = run(k, scan, &text, kind);
            let new: Vec<String> = subjects(&r, Severity::Low)
                .difference(&base)
                .cloned()
                .collect();
            let about = |s: &String| s.ends_with(&format!(" {subject}"));
            // the omitted SDK's own data findings name the data type: they are about
            // the SDK when its evidence says so
            let about_sdk = |s: &String| {
                what == "SDK"
                    && r.findings.iter().any(|f| {
                        f.sdk.as_deref() == Some(subject.as_str())
                            && s.ends_with(&format!(
                                " {}",
                                f.data_type.as_deref().unwrap_or("\u{0}")
                            ))
                    })
            };
            let reported = new.iter().any(about);
            let others: Vec<&String> = new.iter().filter(|s| !about(s) && !about_sdk(s)).collect();
            if !reported || !others.is_empty() {
                problems.push(format!(
                    "{name} [{form}] without {what} {subject}: new findings {new:?}"
                ));
            }
        }
    }
    problems
}

#[test]
fn demo_app_audits_clean_against_a_complete_policy_and_reports_each_omission() {
    let apk = apkaudit::testkit::demo_apk().unwrap();
    let scan = scan_bytes("demo.apk", &apk, &ScanOptions::default()).unwrap();
    assert!(!scan.sdks.is_empty() && !scan.permissions.is_empty() && !scan.data_access.is_empty());
    let problems = check_app("demo", &scan);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared/corpus")]
fn corpus_apps_audit_clean_against_a_complete_policy_and_report_each_omission() {
    let dir = std::path::Path::new(ROOT).join("../shared/corpus/apps");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "apk"))
        .filter(|p| p.metadata().is_ok_and(|m| m.len() < 40 << 20))
        .collect();
    files.sort();
    let mut checked = 0;
    let mut problems = Vec::new();
    for f in files.iter().take(12) {
        let Ok(scan) = scan_file(f, &ScanOptions::default()) else {
            continue;
        };
        if scan.sdks.is_empty() {
            continue;
        }
        checked += 1;
        let name = f.file_name().unwrap_or_default().to_string_lossy();
        problems.extend(check_app(&name, &scan));
    }
    assert!(checked >= 3, "only {checked} corpus apps with SDKs");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
