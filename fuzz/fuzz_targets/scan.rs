//! Whole-file scan: any input (APK, AAB, AAR, JAR, split set, raw binary manifest) through
//! `scan_bytes` with the embedded knowledge (loaded once), under a small per-file budget.
#![no_main]
use apkaudit::formats::zip::Limits;
use apkaudit::input::budget::FileGuard;
use apkaudit::scan::{scan_bytes, ScanOptions};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let opts = ScanOptions {
        limits: Limits {
            max_entry_size: 4 << 20,
            max_ratio: 1000,
            max_entries: 10_000,
        },
        knowledge: None,
        guard: Some(Arc::new(FileGuard::new(None, 32 << 20, None))),
        split_depth: 0,
        ..Default::default()
    };
    if let Ok(r) = scan_bytes("fuzz.apk", data, &opts) {
        let _ = std::hint::black_box(r.sdks.len() + r.errors.len());
    }
});
