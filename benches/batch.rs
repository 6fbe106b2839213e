//! Batch throughput: files per second over `../shared/corpus/` with 1 thread and with all
//! threads, in the same run (each on its own rayon pool); and per-file overhead on many
//! tiny generated APKs (batch vs. calling `scan_bytes` on the same bytes in memory).
//!
//! `cargo bench --bench batch`. Criterion prints throughput in files/s (elem/s); a plain
//! timing of one pass of each is printed first with the speed-up.

use apkaudit::batch::{collect_inputs, run, BatchOptions, Input};
use apkaudit::scan::{scan_bytes, ScanOptions};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::Path;
use std::time::{Duration, Instant};

fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .expect("thread pool")
}

fn pass(inputs: &[Input], p: &rayon::ThreadPool) -> usize {
    let opts = BatchOptions {
        dex_buffers: p.current_num_threads(),
        ..Default::default()
    };
    run(inputs, &opts, Some(p), &mut std::io::sink())
        .map(|s| s.written)
        .unwrap_or(0)
}

fn corpus(c: &mut Criterion) {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !dir.is_dir() {
        eprintln!("skipping corpus bench: {} is absent", dir.display());
        return;
    }
    let inputs = collect_inputs(&[dir.to_path_buf()]);
    let all = rayon::current_num_threads();
    let (p1, pn) = (pool(1), pool(all));
    // warm the page cache and the embedded signature matcher
    pass(&inputs, &pn);
    let t = Instant::now();
    pass(&inputs, &p1);
    let one = t.elapsed().as_secs_f64();
    let t = Instant::now();
    pass(&inputs, &pn);
    let many = t.elapsed().as_secs_f64();
    let n = inputs.len() as f64;
    eprintln!(
        "corpus: {} files; 1 thread {:.1} files/s, {all} threads {:.1} files/s, speed-up {:.2}x",
        inputs.len(),
        n / one,
        n / many,
        one / many
    );
    let mut g = c.benchmark_group("batch-corpus");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(inputs.len() as u64));
    g.bench_function("1-thread", |b| b.iter(|| pass(&inputs, &p1)));
    g.bench_function(format!("{all}-threads"), |b| b.iter(|| pass(&inputs, &pn)));
    g.finish();
}

fn tiny(c: &mut Criterion) {
    const N: usize = 1000;
    let dir = std::env::temp_dir().join(format!("apkaudit-bench-tiny-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let apk = apkaudit::testkit::demo_apk().expect("demo apk");
    for i in 0..N {
        std::fs::write(dir.join(format!("t{i:04}.apk")), &apk).expect("write");
    }
    let inputs = collect_inputs(std::slice::from_ref(&dir));
    let all = rayon::current_num_threads();
    let (p1, pn) = (pool(1), pool(all));
    let opts = ScanOptions::default();
    let mut g = c.benchmark_group("batch-tiny");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("scan_bytes-in-memory", |b| {
        b.iter(|| {
            (0..N)
                .filter(|_| scan_bytes("t.apk", &apk, &opts).is_ok())
                .count()
        })
    });
    g.bench_function("scan_bytes+json-in-memory", |b| {
        b.iter(|| {
            (0..N)
                .filter_map(|_| scan_bytes("t.apk", &apk, &opts).ok())
                .map(|r| serde_json::to_string(&r).map_or(0, |s| s.len()))
                .sum::<usize>()
        })
    });
    g.bench_function("open+map+read-files", |b| {
        b.iter(|| {
            inputs
                .iter()
                .filter_map(|i| apkaudit::formats::zip::map_file(&i.path).ok())
                .map(|m| m.iter().map(|&x| x as usize).sum::<usize>())
                .sum::<usize>()
        })
    });
    g.bench_function("batch-1-thread", |b| b.iter(|| pass(&inputs, &p1)));
    g.bench_function(format!("batch-{all}-threads"), |b| {
        b.iter(|| pass(&inputs, &pn))
    });
    g.finish();
    std::fs::remove_dir_all(&dir).ok();
}

criterion_group!(benches, corpus, tiny);
criterion_main!(benches);
