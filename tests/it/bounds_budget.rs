//! Issue 15 items 9 and 10: one cumulative budget for every input, single or batch.

use super::bounds_common::{arg, run_bounded, scratch};
use apkaudit::formats::zip::{Archive, Limits, QuirkKind};
use apkaudit::input::budget::Budget;
use apkaudit::scan::{scan_bytes, ScanOptions};
use apkaudit::testkit::{demo_manifest, overlapping_zip, write_axml, write_zip};
use std::time::{Duration, Instant};

/// 1,000 central-directory entries sharing one deflate stream of 64 MiB: each would
/// inflate the whole stream (64 GiB together); only the first is read.
#[test]
fn overlapping_entries_sharing_one_stream_are_refused_with_a_quirk() {
    let names: Vec<String> = std::iter::once("AndroidManifest.xml".to_string())
        .chain((0..999).map(|i| format!("lib/x86/lib{i}.so")))
        .collect();
    let zip = overlapping_zip(&names, &vec![0u8; 64 << 20]).unwrap();
    assert!(zip.len() < 1 << 20, "{} bytes", zip.len());
    let a = Archive::parse(&zip, Limits::default()).unwrap();
    let q: Vec<_> = a
        .quirks()
        .iter()
        .filter(|q| q.kind == QuirkKind::OverlappingEntries)
        .collect();
    assert_eq!(q.len(), 1, "{:?}", a.quirks());
    assert!(q[0].detail.starts_with("999 entries"), "{}", q[0].detail);
    let e = a.find("lib/x86/lib5.so").unwrap();
    assert!(a.read(e).unwrap_err().reason.contains("overlapping"));
    let start = Instant::now();
    let _ = scan_bytes("overlap.apk", &zip, &ScanOptions::default());
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

/// Set every declared uncompressed size (local headers and central directory) to `size`.
fn lie_about_sizes(zip: &mut [u8], size: u32) {
    let mut i = 0;
    while i + 30 <= zip.len() {
        let at = match &zip[i..i + 4] {
            b"PK\x03\x04" => Some(i + 22),
            b"PK\x01\x02" => Some(i + 24),
            _ => None,
        };
        if let Some(at) = at {
            zip[at..at + 4].copy_from_slice(&size.to_le_bytes());
        }
        i += 1;
    }
}

/// Entries that lie about their size each fail their own cap (8 MiB) after inflating it,
/// and still charge what they inflated: a budget of 16 MiB stops 100 such entries after
/// about two, not after 800 MiB.
#[test]
fn entries_failing_their_own_cap_charge_the_budget() {
    let big = vec![0u8; 9 << 20];
    let manifest = write_axml(&demo_manifest());
    let names: Vec<String> = (0..100).map(|i| format!("lib/x86/lib{i}.so")).collect();
    let mut entries: Vec<(&str, &[u8])> = vec![("AndroidManifest.xml", &manifest)];
    entries.extend(names.iter().map(|n| (n.as_str(), &big[..])));
    let mut apk = write_zip(&entries).unwrap();
    lie_about_sizes(&mut apk, 1000);
    let opts = ScanOptions {
        limits: Limits {
            max_entry_size: 8 << 20,
            ..Limits::default()
        },
        budget: Budget {
            max_inflated: 16 << 20,
            ..Budget::default()
        },
        ..ScanOptions::default()
    };
    let start = Instant::now();
    let err = scan_bytes("caps.apk", &apk, &opts).unwrap_err().to_string();
    assert!(err.contains("cap on inflated bytes exceeded"), "{err}");
    assert!(err.contains("--max-inflated"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

/// A jar nested in the APK inflates against the same budget as the APK's own entries.
#[test]
fn nested_archive_inflation_is_charged_to_the_outer_budget() {
    let dex = vec![0u8; 6 << 20];
    let names: Vec<String> = (0..40).map(|i| format!("classes{}.dex", i + 2)).collect();
    let inner: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &dex[..])).collect();
    let jar = write_zip(&inner).unwrap();
    let manifest = write_axml(&demo_manifest());
    let apk = write_zip(&[
        ("AndroidManifest.xml", &manifest[..]),
        ("assets/plugin.jar", &jar[..]),
    ])
    .unwrap();
    let opts = ScanOptions {
        budget: Budget {
            max_inflated: 32 << 20,
            ..Budget::default()
        },
        ..ScanOptions::default()
    };
    let start = Instant::now();
    let r = scan_bytes("nested.apk", &apk, &opts);
    let text = match r {
        Ok(r) => format!("{:?} {:?}", r.nested_code, r.errors),
        Err(e) => e.to_string(),
    };
    assert!(text.contains("cap on inflated bytes exceeded"), "{text}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

/// The single-file commands take the budget flags and stop with a clear error.
#[test]
fn single_scan_audit_and_manifest_stop_at_max_inflated() {
    let dir = scratch("single-budget");
    let big = vec![0u8; 4 << 20];
    let manifest = write_axml(&demo_manifest());
    let apk = write_zip(&[
        ("AndroidManifest.xml", &manifest[..]),
        ("classes.dex", &big[..]),
    ])
    .unwrap();
    let p = dir.join("big.apk");
    std::fs::write(&p, &apk).unwrap();
    let pol = dir.join("policy.txt");
    std::fs::write(&pol, "We collect nothing.").unwrap();
    for args in [
        vec![
            "scan".as_ref(),
            arg(&p),
            "--max-inflated".as_ref(),
            "1M".as_ref(),
        ],
        vec![
            "audit".as_ref(),
            arg(&p),
            "--policy".as_ref(),
            arg(&pol),
            "--max-inflated".as_ref(),
            "1M".as_ref(),
        ],
    ] {
        let run = run_bounded(&args, Duration::from_secs(30));
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            all.contains("cap on inflated bytes exceeded"),
            "{args:?}: {all}"
        );
    }
    let run = run_bounded(
        &[
            "manifest".as_ref(),
            arg(&p),
            "--max-inflated".as_ref(),
            "64K".as_ref(),
        ],
        Duration::from_secs(30),
    );
    assert_eq!(run.code, Some(0), "manifest is small: {}", run.stderr);
    let ok = run_bounded(&["scan".as_ref(), arg(&p)], Duration::from_secs(30));
    assert_eq!(ok.code, Some(0), "defaults let it through: {}", ok.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// In a batch, `--max-inflated` counts entries that fail at their own cap.
#[test]
fn batch_max_inflated_counts_failed_entries() {
    let dir = scratch("batch-budget");
    let big = vec![0u8; 3 << 20];
    let manifest = write_axml(&demo_manifest());
    let names: Vec<String> = (0..200).map(|i| format!("lib/x86/lib{i}.so")).collect();
    let mut entries: Vec<(&str, &[u8])> = vec![("AndroidManifest.xml", &manifest)];
    entries.extend(names.iter().map(|n| (n.as_str(), &big[..])));
    std::fs::write(dir.join("a.apk"), write_zip(&entries).unwrap()).unwrap();
    let run = run_bounded(
        &[
            "scan".as_ref(),
            arg(&dir),
            "--no-progress".as_ref(),
            "--max-inflated".as_ref(),
            "8M".as_ref(),
        ],
        Duration::from_secs(30),
    );
    assert!(
        run.stdout.contains("\"error_kind\":\"inflate-cap\""),
        "{}",
        run.stdout
    );
    let _ = std::fs::remove_dir_all(&dir);
}
