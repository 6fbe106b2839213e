//! End-to-end scan of the 18 MB, 16-dex corpus APK against a baseline measured in the same
//! run: only inflating its dex entries and manifest. Skips when ../shared is absent.
//!
//! `cargo bench --bench scan`; the ratio scan / inflate-only is printed by criterion as the
//! two timings of the `large-multidex` group.

use apkaudit::formats::zip::{Archive, Limits};
use apkaudit::scan::{scan_bytes, ScanOptions};
use criterion::{criterion_group, criterion_main, Criterion};
use std::path::Path;

fn bench(c: &mut Criterion) {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/apps/large-multidex__appium-uiautomator2-server-v10.6.6.apk"
    ));
    let Ok(data) = std::fs::read(path) else {
        eprintln!("skipping: {} is absent", path.display());
        return;
    };
    let mut g = c.benchmark_group("large-multidex");
    g.sample_size(10);
    g.bench_function("inflate-only", |b| {
        b.iter(|| {
            let a = Archive::parse(&data, Limits::default()).unwrap();
            let mut total = 0usize;
            for e in a.entries() {
                if apkaudit::scan::is_root_dex(&e.name) || e.name == "AndroidManifest.xml" {
                    total += a.read(e).map(|d| d.len()).unwrap_or(0);
                }
            }
            total
        })
    });
    let opts = ScanOptions::default();
    g.bench_function("scan", |b| {
        b.iter(|| scan_bytes("large.apk", &data, &opts).unwrap().sdks.len())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
