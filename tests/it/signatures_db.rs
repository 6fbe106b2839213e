//! Every shipped signature: valid, and its own match / no-match examples behave.

use apkaudit::knowledge::signatures::{SignatureDb, TestItem};
use apkaudit::knowledge::Knowledge;

#[test]
fn every_signature_matches_its_examples_and_not_its_look_alikes() {
    let k = Knowledge::load(None).expect("embedded knowledge must validate");
    let (db, m) = (&k.signatures, &k.matcher);
    let mut failures = Vec::new();
    for s in db.all() {
        for item in &s.test.matches {
            let ev = TestItem::parse(item).unwrap().to_evidence();
            if !m.match_app(&ev).iter().any(|f| f.id == s.id) {
                failures.push(format!("{}: `{item}` does not match", s.id));
            }
        }
        for item in &s.test.no_match {
            let ev = TestItem::parse(item).unwrap().to_evidence();
            if m.match_app(&ev).iter().any(|f| f.id == s.id) {
                failures.push(format!("{}: look-alike `{item}` matches", s.id));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn database_covers_the_required_sdks() {
    let db = SignatureDb::embedded();
    assert!(db.all().len() >= 150, "only {} signatures", db.all().len());
    for id in [
        "pangle",
        "gdt",
        "bugly",
        "tinker",
        "jpush",
        "getui",
        "umeng",
        "kuaishou",
        "baidu-mobads",
        "huawei-push",
        "xiaomi-push",
        "oppo-push",
        "vivo-push",
        "meizu-push",
        "honor-push",
        "tencent-tpns",
        "weibo",
        "wechat",
        "qq",
        "alipay",
        "amap",
        "tencent-x5",
        "mobtech",
        "douyin-open",
        "tapad",
        "mimo-ads",
        "beizi",
        "inmobi",
        "zxing",
        "line",
        "firebase",
        "facebook",
        "sigmob",
        "mintegral",
        "baidu-map",
        "baidu-location",
        "tencent-map",
        "shanyan",
        "umeng-share",
        "jverification",
        "alibaba-oneclick",
        "wechat-pay",
        "unionpay",
        "sensors-analytics",
        "growingio",
        "talkingdata",
        "appsflyer",
        "adjust",
    ] {
        assert!(db.get(id).is_some(), "missing fixed id {id}");
    }
}

#[test]
fn string_only_evidence_is_low_confidence() {
    use apkaudit::detect::sdk::AppEvidence;
    let db = SignatureDb::embedded();
    let m = db.compile();
    // the strings the Facebook signature itself lists, many times over: still only strings
    let fb = db.get("facebook").expect("facebook signature");
    assert!(
        !fb.rules.strings.is_empty(),
        "facebook has no string patterns"
    );
    let strings: Vec<String> = fb
        .rules
        .strings
        .iter()
        .flat_map(|s| (0..4).map(move |i| format!("https://{s}/v{i}")))
        .collect();
    let ev = AppEvidence {
        strings: strings.clone().into(),
        ..Default::default()
    };
    let f = m.match_app(&ev);
    let f = f
        .iter()
        .find(|f| f.id == "facebook")
        .expect("facebook found");
    assert_eq!(f.confidence, "low", "{f:?}");
    // the same strings plus one class of the SDK are code evidence: no longer low
    let pkg = fb.rules.packages.first().expect("facebook package");
    let ev = AppEvidence {
        strings: strings.into(),
        classes: vec![format!("{pkg}.Probe")],
        ..Default::default()
    };
    let f = m.match_app(&ev);
    let f = f
        .iter()
        .find(|f| f.id == "facebook")
        .expect("facebook found");
    assert_ne!(f.confidence, "low", "{f:?}");
}

#[test]
fn every_signature_with_a_chinese_name_names_its_legal_entity_and_privacy_policy() {
    // policies in China name the SDK's operator as MIIT tables write it and link its privacy
    // policy; a signature that carries a Chinese product name (only SDKs of Chinese vendors
    // do) must carry both. Plain libraries (`disclosure = "library"`: open-source code,
    // packers) process no personal data and may have no privacy policy to link.
    let db = SignatureDb::embedded();
    let mut failures = Vec::new();
    let mut checked = 0;
    for s in db
        .all()
        .iter()
        .filter(|s| s.name_zh.is_some() && s.requires_disclosure())
    {
        checked += 1;
        match s.vendor_zh.as_deref().map(str::trim) {
            None | Some("") => failures.push(format!("{}: no vendor_zh", s.id)),
            // one entity per signature: "A / B" mixes brand and company
            Some(v) if v.contains(" / ") => {
                failures.push(format!("{}: vendor_zh `{v}` is not one legal entity", s.id))
            }
            _ => {}
        }
        if s.privacy_url
            .as_deref()
            .map_or(true, |u| u.trim().is_empty())
        {
            failures.push(format!("{}: no privacy_url", s.id));
        }
    }
    assert!(checked >= 100, "only {checked} signatures with name_zh");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn bundled_sdks_are_signatures_of_their_own() {
    // `bundles` names SDKs shipped inside another (the market SDK inside MiMo ads, the
    // carrier login SDKs inside one-click login SDKs): each must be reported as itself, so
    // the parent's own examples must not match as the bundled SDK and vice versa
    let db = SignatureDb::embedded();
    let m = db.compile();
    let mut failures = Vec::new();
    let mut pairs = 0;
    for s in db.all() {
        for b in &s.bundles {
            pairs += 1;
            let Some(child) = db.get(b) else {
                failures.push(format!("{}: bundles unknown `{b}`", s.id));
                continue;
            };
            for item in &child.test.matches {
                let ev = TestItem::parse(item).unwrap().to_evidence();
                if m.match_app(&ev).iter().any(|f| f.id == s.id) {
                    failures.push(format!(
                        "{}: `{item}` of bundled {b} is reported as {}",
                        s.id, s.id
                    ));
                }
            }
        }
    }
    assert!(pairs >= 5, "only {pairs} bundles");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The basis a signature's notes give for its `data_types` (`data_types basis: X.`).
fn basis(notes: &str) -> Vec<&str> {
    notes
        .match_indices("data_types basis: ")
        .filter_map(|(i, m)| notes.get(i + m.len()..))
        .filter_map(|rest| rest.split('.').next())
        .collect()
}

#[test]
fn every_signature_states_where_its_data_types_come_from() {
    let db = SignatureDb::embedded();
    let mut failures = Vec::new();
    for s in db.all() {
        let notes = s.notes.as_deref().unwrap_or("");
        let b = basis(notes);
        let [b] = b.as_slice() else {
            failures.push(format!("{}: {} data_types basis markers", s.id, b.len()));
            continue;
        };
        let vendor = s.sources.iter().any(|x| x.starts_with("vendor http"));
        let table = s
            .sources
            .iter()
            .any(|x| x.starts_with("app table ../shared/"));
        let ok = match *b {
            "library" => !s.requires_disclosure() && s.data_types.is_empty(),
            "vendor" => s.requires_disclosure() && vendor && !s.data_types.is_empty(),
            "observed" => s.requires_disclosure() && table && !vendor && !s.data_types.is_empty(),
            "baseline" => s.requires_disclosure() && !vendor,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{}: basis `{b}` does not fit (disclosure {}, vendor source {vendor}, app table {table}, {} data types)",
                s.id,
                s.disclosure,
                s.data_types.len()
            ));
        }
        if s.sources.is_empty() {
            failures.push(format!("{}: no sources", s.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn data_types_cited_from_app_tables_are_in_the_signature() {
    // a source line `app table FILE, row "LABEL": id, id ; permissions: A, B` records what
    // that table row lists; the signature's data_types and permissions must include it
    let db = SignatureDb::embedded();
    let known = apkaudit::knowledge::data_types::DATA_TYPE_IDS;
    let mut failures = Vec::new();
    let mut rows = 0;
    // library entries (ZXing, Glide, ...) keep no data types on purpose: their rows only
    // record what a table said about them
    for s in db.all().iter().filter(|s| s.requires_disclosure()) {
        for src in s.sources.iter().filter(|x| x.starts_with("app table ")) {
            rows += 1;
            let Some((_, cited)) = src.rsplit_once("\": ") else {
                failures.push(format!("{}: unparsable source `{src}`", s.id));
                continue;
            };
            let (ids, perms) = cited.split_once(" ; permissions: ").unwrap_or((cited, ""));
            if !ids.starts_with("only generic wording") {
                for id in ids.split(", ") {
                    if !known.contains(&id) {
                        failures.push(format!("{}: `{id}` is not a data type id", s.id));
                    } else if !s.data_types.iter().any(|d| d == id) {
                        failures.push(format!("{}: table lists `{id}`, data_types lack it", s.id));
                    }
                }
            }
            for p in perms.split(", ").filter(|p| !p.is_empty()) {
                let full = format!("android.permission.{p}");
                if !s.permissions.contains(&full) {
                    failures.push(format!("{}: table lists {full}, permissions lack it", s.id));
                }
            }
        }
    }
    assert!(rows >= 100, "only {rows} app-table rows cited");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn qq_wallet_rows_resolve_to_the_wallet_sdk_not_qq_connect() {
    // the QQ app's sharing list has a row "QQ钱包支付" (third party 财付通支付科技有限公司);
    // it names the QQ Wallet pay SDK (com.tencent.mobileqq.openpay), not QQ Connect
    let v = apkaudit::policy::Vocabulary::embedded();
    for name in ["QQ钱包支付", "QQ钱包", "QQ钱包SDK"] {
        assert_eq!(
            v.resolve_sdk(name, &[], Some("财付通支付科技有限公司"))
                .as_deref(),
            Some("qq-wallet"),
            "{name}"
        );
        assert_eq!(
            v.resolve_sdk(name, &[], None).as_deref(),
            Some("qq-wallet"),
            "{name}"
        );
    }
    let pkg = vec!["com.tencent.mobileqq.openpay.api".to_string()];
    assert_eq!(
        v.resolve_sdk("支付", &pkg, None).as_deref(),
        Some("qq-wallet")
    );
    // QQ Connect names still go to qq
    assert_eq!(v.resolve_sdk("QQ互联SDK", &[], None).as_deref(), Some("qq"));
}

#[test]
fn chinese_exodus_trackers_map_to_signatures_that_claim_their_code() {
    // data/exodus_trackers_china.toml: each εxodus tracker of a Chinese vendor names one
    // signature (or an exclusion reason); the signature exists and claims the tracker's
    // code signature, or a narrower package inside it
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/exodus_trackers_china.toml"
    ))
    .expect("data/exodus_trackers_china.toml");
    let file: toml::Value = toml::from_str(&text).expect("parses");
    assert!(file["source"]
        .as_str()
        .is_some_and(|s| s.contains("exodus_trackers@")));
    let db = SignatureDb::embedded();
    let m = db.compile();
    let mut seen = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    let trackers = file["tracker"].as_array().expect("[[tracker]]");
    for t in trackers {
        let id = t["exodus_id"].as_integer().expect("exodus_id");
        if !seen.insert(id) {
            failures.push(format!("{id}: listed twice"));
        }
        let sdk = t.get("sdk").and_then(|v| v.as_str());
        let excluded = t.get("excluded").and_then(|v| v.as_str());
        let Some(sdk) = sdk else {
            if excluded.map_or(true, |r| r.trim().is_empty()) {
                failures.push(format!("{id}: neither sdk nor an exclusion reason"));
            }
            continue;
        };
        if excluded.is_some() {
            failures.push(format!("{id}: both sdk and excluded"));
        }
        let Some(sig) = db.get(sdk) else {
            failures.push(format!("{id}: unknown sdk `{sdk}`"));
            continue;
        };
        let code = t["code_signature"].as_str().unwrap_or("");
        let claims = code
            .split('|')
            .map(|p| p.trim().trim_end_matches('.'))
            .filter(|p| !p.starts_with('.') && p.contains('.'))
            .any(|p| {
                m.owner_of_class(&format!("{p}.ExodusProbe"))
                    .is_some_and(|(s, _)| s.id == sdk)
                    || sig
                        .rules
                        .packages
                        .iter()
                        .any(|q| q == p || q.starts_with(&format!("{p}.")))
            });
        if !claims {
            failures.push(format!("{id}: `{sdk}` claims nothing of `{code}`"));
        }
    }
    assert!(trackers.len() >= 40, "only {} trackers", trackers.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn signatures_check_rejects_paths_of_a_development_machine() {
    use apkaudit::knowledge::signatures::local_path;
    for bad in [
        "corpus /work/shared/corpus/apps/x.apk: 3 classes",
        "see /home/dev/sdk/readme.txt",
        "(/Users/me/x.jar)",
        "C:\\sdk\\jpush.jar",
        "D:/sdk/jpush.jar",
        "~/Downloads/sdk.aar",
        "file:///tmp/x.html",
        "/work",
    ] {
        assert!(local_path(bad).is_some(), "{bad}");
    }
    for good in [
        "corpus apps/cn_pangle-gdt__miiad-app-test0817.apk: 196 classes",
        "app table ../shared/policies/x.mdx, row \"smsdk\"",
        "https://www.ishumei.com/legal/cn/privacy.html?productHelp=/docs/tw/sdk/guide/",
        "https://github.com/x/y/blob/main/home/work/a.java",
        "reads /proc/self/maps and /sdcard/Android/data",
        "config file: kept",
        "/workflow/x and /homes/y are not those roots",
    ] {
        assert_eq!(local_path(good), None, "{good}");
    }
    // the embedded database passes; a copy of a signature naming a local path fails
    // `signatures --check DIR` with the path in the message
    let dir = std::env::temp_dir().join(format!("apkaudit-sigcheck-{}", std::process::id()));
    let sub = dir.join("push");
    std::fs::create_dir_all(&sub).unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/signatures/push/jcore.toml"
    ))
    .unwrap();
    let check = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_apkaudit"))
            .args(["signatures", "--check"])
            .arg(&dir)
            .output()
            .unwrap()
    };
    std::fs::write(sub.join("jcore.toml"), &text).unwrap();
    let ok = check();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    for (n, path) in [
        "/work/shared/corpus/x.jar",
        "/home/dev/x.jar",
        "C:\\sdk\\x.jar",
    ]
    .iter()
    .enumerate()
    {
        let bad = text.replacen("sources = [", &format!("sources = [{:?}, ", path), 1);
        assert_ne!(bad, text);
        std::fs::write(sub.join("jcore.toml"), &bad).unwrap();
        let out = check();
        let err = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "case {n}: {err}");
        assert!(err.contains("development machine"), "case {n}: {err}");
        // and in notes
        let bad = text.replacen(
            "notes = \"",
            &format!("notes = \"built from {} ", path.replace('\\', "\\\\")),
            1,
        );
        std::fs::write(sub.join("jcore.toml"), &bad).unwrap();
        assert!(!check().status.success(), "notes case {n}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// docs/sdk-coverage.md is generated (tools/gen_sdk_coverage.py): its table lists every
/// signature once, with the signature's category, so the page an auditor cites cannot fall
/// behind the database.
#[test]
fn sdk_coverage_page_lists_every_signature() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sdk-coverage.md"))
        .expect("docs/sdk-coverage.md");
    let rows: std::collections::HashMap<&str, Vec<&str>> = doc
        .lines()
        .skip_while(|l| !l.starts_with("| id | name |"))
        .skip(2)
        .take_while(|l| l.starts_with("| "))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            (cells[0], cells)
        })
        .collect();
    let db = SignatureDb::embedded();
    let mut missing = Vec::new();
    for s in db.all() {
        match rows.get(s.id.as_str()) {
            Some(cells) if cells.get(3) == Some(&s.category.as_str()) => {}
            Some(cells) => {
                missing.push(format!("{}: category {:?} on the page", s.id, cells.get(3)))
            }
            None => missing.push(format!("{}: not on the page", s.id)),
        }
    }
    assert!(
        missing.is_empty(),
        "run tools/gen_sdk_coverage.py: {}",
        missing.join(", ")
    );
    assert_eq!(
        rows.len(),
        db.all().len(),
        "the page lists signatures the database lacks"
    );
}
