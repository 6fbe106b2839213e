//! Every shipped signature: valid, and its own match / no-match examples behave.

use apkaudit::signatures::{SignatureDb, TestItem};

#[test]
fn every_signature_matches_its_examples_and_not_its_look_alikes() {
    let db = SignatureDb::embedded().expect("embedded signatures must validate");
    let m = db.compile();
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
    let db = SignatureDb::embedded().unwrap();
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
    ] {
        assert!(db.get(id).is_some(), "missing fixed id {id}");
    }
}

#[test]
fn string_only_evidence_is_low_confidence() {
    use apkaudit::signatures::AppEvidence;
    let db = SignatureDb::embedded().unwrap();
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
        strings: strings.clone(),
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
        strings,
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
