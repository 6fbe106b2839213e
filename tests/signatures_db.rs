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
