//! Robustness: mutated and truncated manifests and APKs never panic.
//! Runs on the project's own fixtures always, and on the corpus when `../shared` exists.

use apkaudit::scan::{scan_bytes, ScanOptions};
use std::path::Path;

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Flip, overwrite and truncate `data` in `cases` ways, feeding each to `f`.
fn mutate(data: &[u8], cases: usize, seed: u64, mut f: impl FnMut(&[u8])) {
    let mut rng = XorShift(seed);
    for i in 0..cases {
        let mut d = data.to_vec();
        match i % 4 {
            0 => {
                let cut = rng.below(d.len());
                d.truncate(cut);
            }
            1 => {
                for _ in 0..1 + rng.below(8) {
                    let p = rng.below(d.len());
                    d[p] ^= 1 << rng.below(8);
                }
            }
            2 => {
                // plant a lying 32-bit size or count
                let p = rng.below(d.len().saturating_sub(4)) & !3;
                let v: u32 = [0, 0xffff_ffff, 0x7fff_ffff, 8, rng.next() as u32][rng.below(5)];
                if p + 4 <= d.len() {
                    d[p..p + 4].copy_from_slice(&v.to_le_bytes());
                }
            }
            _ => {
                let p = rng.below(d.len());
                let n = rng.below(64).min(d.len() - p);
                for b in &mut d[p..p + n] {
                    *b = rng.next() as u8;
                }
            }
        }
        f(&d);
    }
}

fn exercise(name: &str, data: &[u8], cases: usize, seed: u64) -> usize {
    let opts = ScanOptions::default();
    let mut n = 0;
    mutate(data, cases, seed, |d| {
        let _ = apkaudit::formats::axml::parse(d);
        let _ = scan_bytes(name, d, &opts);
        n += 1;
    });
    n
}

#[test]
fn fixture_manifest_and_apk_survive_mutation() {
    let axml = apkaudit::testkit::write_axml(&apkaudit::testkit::demo_manifest());
    // every truncation point of the manifest
    for cut in 0..axml.len() {
        let _ = apkaudit::formats::axml::parse(&axml[..cut]);
    }
    let apk = apkaudit::testkit::demo_apk().unwrap();
    let n = exercise("demo.axml", &axml, 3000, 7) + exercise("demo.apk", &apk, 2000, 11);
    assert_eq!(n, 5000);
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn corpus_survives_mutation() {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !corpus.is_dir() {
        eprintln!("skipping: ../shared/corpus is absent");
        return;
    }
    let mut total = 0;
    let mut files: Vec<_> = std::fs::read_dir(corpus.join("axml"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for (i, f) in files.iter().enumerate() {
        let d = std::fs::read(f).unwrap();
        total += exercise(&f.display().to_string(), &d, 200, 100 + i as u64);
    }
    for small in [
        "edge/fdroid_janus.apk",
        "edge/apksig_weird-compression-method.apk",
        "edge/apksig_v1-only-with-nul-in-entry-name.apk",
        "edge/multidex_tiny.apk",
        "edge/manifest_short-name.apk",
    ] {
        let d = std::fs::read(corpus.join(small)).unwrap();
        total += exercise(small, &d, 400, 999);
    }
    eprintln!("{total} mutated corpus inputs, no panic");
    assert!(total >= 6000);
}

#[test]
fn deep_nesting_is_bounded() {
    use apkaudit::testkit::{write_axml, Node};
    let mut n = Node::new("leaf");
    for _ in 0..1000 {
        n = Node::new("x").child(n);
    }
    let root = Node::new("manifest").child(n);
    let doc = apkaudit::formats::axml::parse(&write_axml(&root)).unwrap();
    assert!(doc.warnings.iter().any(|w| w.contains("nesting deeper")));
    // walking and printing the tree must not overflow the stack
    assert_eq!(doc.root.count(), 1002);
    assert!(apkaudit::formats::xml::to_text_xml(&doc.root).contains("<leaf/>"));
}
