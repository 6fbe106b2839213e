//! Issue 15 item 8: a string pool's count is never trusted for an allocation.

use super::bounds_common::{arg, run_bounded, scratch};
use apkaudit::scan::{scan_bytes, ScanOptions};
use apkaudit::testkit::{demo_manifest, write_axml, write_zip_stored};
use std::time::{Duration, Instant};

/// Binary XML with one string pool of `count` real offsets (all to the string
/// "manifest") and a `<manifest>` element.
fn axml_with_pool(count: u32) -> Vec<u8> {
    let body = b"\x08\x08manifest\0\0\0\0";
    let pool_len = 28 + 4 * count as usize + body.len();
    let mut pool = Vec::with_capacity(pool_len);
    pool.extend(1u16.to_le_bytes());
    pool.extend(28u16.to_le_bytes());
    pool.extend((pool_len as u32).to_le_bytes());
    pool.extend(count.to_le_bytes());
    pool.extend(0u32.to_le_bytes());
    pool.extend(0x100u32.to_le_bytes());
    pool.extend((28 + 4 * count).to_le_bytes());
    pool.extend(0u32.to_le_bytes());
    pool.resize(28 + 4 * count as usize, 0);
    pool.extend(body);
    let mut el = Vec::new();
    for (ty, size) in [(0x0102u16, 36u32), (0x0103, 24)] {
        el.extend(ty.to_le_bytes());
        el.extend(16u16.to_le_bytes());
        el.extend(size.to_le_bytes());
        el.extend(1u32.to_le_bytes()); // line
        el.extend(u32::MAX.to_le_bytes()); // comment
        el.extend(u32::MAX.to_le_bytes()); // namespace
        el.extend(0u32.to_le_bytes()); // name: "manifest"
        if ty == 0x0102 {
            el.extend(20u16.to_le_bytes());
            el.extend(20u16.to_le_bytes());
            el.extend([0u8; 8]);
        }
    }
    let total = 8 + pool.len() + el.len();
    let mut out = Vec::with_capacity(total);
    out.extend(3u16.to_le_bytes());
    out.extend(8u16.to_le_bytes());
    out.extend((total as u32).to_le_bytes());
    out.extend(pool);
    out.extend(el);
    out
}

#[test]
fn axml_pool_claiming_1e8_strings_in_a_small_stored_entry_is_clamped() {
    let mut manifest = write_axml(&demo_manifest());
    // the first chunk after the XML header is the pool: its count is at +8
    manifest[8 + 8..8 + 12].copy_from_slice(&100_000_000u32.to_le_bytes());
    let apk = write_zip_stored(&[("AndroidManifest.xml", &manifest)]).unwrap();
    let start = Instant::now();
    let r = scan_bytes("pool.apk", &apk, &ScanOptions::default()).expect("scans");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("claims 100000000 strings")),
        "{:?}",
        r.warnings
    );
    assert!(r.package.is_some(), "the manifest still reads");
}

#[test]
fn axml_pool_of_1e7_real_strings_stays_well_under_15x_memory() {
    let dir = scratch("pool1e7");
    let data = axml_with_pool(10_000_000);
    let p = dir.join("big.xml");
    std::fs::write(&p, &data).unwrap();
    let base = dir.join("small.xml");
    std::fs::write(&base, axml_with_pool(1)).unwrap();
    let small = run_bounded(&["manifest".as_ref(), arg(&base)], Duration::from_secs(20));
    let run = run_bounded(&["manifest".as_ref(), arg(&p)], Duration::from_secs(20));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("<manifest"), "{}", run.stdout);
    // the pool is read lazily from the mapped file: at most the input once more
    let grown = run.max_rss.saturating_sub(small.max_rss);
    assert!(
        grown < 2 * data.len() as u64,
        "{} MiB more for a {} MiB pool",
        grown >> 20,
        data.len() >> 20
    );
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn arsc_pool_claiming_more_strings_than_it_holds_is_clamped_not_rejected() {
    // a resource table whose global pool lies about its count still parses
    let pool = {
        let mut c = Vec::new();
        c.extend(1u16.to_le_bytes());
        c.extend(28u16.to_le_bytes());
        c.extend(36u32.to_le_bytes());
        c.extend(100_000_000u32.to_le_bytes());
        c.extend(0u32.to_le_bytes());
        c.extend(0x100u32.to_le_bytes());
        c.extend(32u32.to_le_bytes());
        c.extend(0u32.to_le_bytes());
        c.extend(0u32.to_le_bytes());
        c.extend(b"\x01\x01a\0");
        c
    };
    let mut t = Vec::new();
    t.extend(2u16.to_le_bytes());
    t.extend(12u16.to_le_bytes());
    t.extend(((12 + pool.len()) as u32).to_le_bytes());
    t.extend(0u32.to_le_bytes());
    t.extend(pool);
    let table = apkaudit::formats::arsc::ResourceTable::parse(&t).expect("lenient");
    assert_eq!(table.string_count(), 2);
    assert_eq!(table.string(0).as_deref(), Some("a"));
    assert!(table
        .warnings()
        .iter()
        .any(|w| w.contains("claims 100000000")));
}
