//! Throughput and memory over a synthetic app-store dump (issue 16): at least 2,000 inputs
//! made from the corpus (`../shared/corpus`, hard-linked round after round, when present)
//! and generated apps (the test kit's manifest and dex builder: 10 to 3,000 classes, 1 KiB
//! to 4 MiB of assets), plus hostile files (truncated, garbage behind a ZIP header, empty,
//! a 32 MiB-of-zeros `classes.dex` compressed to a few KiB).
//!
//! `cargo bench --bench dump` (`APKAUDIT_DUMP_N` inputs, default 2000). Each run is a child
//! process (this binary again) so its peak memory is its own: `VmHWM` from
//! `/proc/self/status` at the end, and `RssAnon` (heap: inflated buffers, reports) sampled
//! every 5 ms. It prints files/s, files/s per core (wall and CPU), the 1 → 2 thread
//! speed-up, the peak memory and the bound `2 × largest app's inflated dex + 64 MB`, and the
//! load average before and after (the scaling figure means something only on an idle
//! machine). Records go to a sink (the JSONL text is still made).

use apkaudit::batch::{collect_inputs, run, BatchOptions, Input};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() {
    if let Ok(spec) = std::env::var("APKAUDIT_DUMP_CHILD") {
        child(&spec);
        return;
    }
    // cargo bench passes `--bench`; nothing else is taken from the arguments
    let n: usize = std::env::var("APKAUDIT_DUMP_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let dir = std::env::temp_dir().join(format!("apkaudit-dump-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let t = Instant::now();
    let made = make_dump(&dir, n);
    let inputs = collect_inputs(std::slice::from_ref(&dir));
    let largest = inputs
        .iter()
        .filter_map(|i| dex_inflated(&i.path))
        .max()
        .unwrap_or(0);
    let bytes: u64 = inputs
        .iter()
        .filter_map(|i| std::fs::metadata(&i.path).ok())
        .map(|m| m.len())
        .sum();
    eprintln!(
        "dump: {} inputs ({} from the corpus, {} generated, {} hostile), {:.1} MB on disk, largest app's inflated dex {:.1} MB; made in {:.1} s",
        inputs.len(),
        made.corpus,
        made.generated,
        made.hostile,
        bytes as f64 / 1e6,
        largest as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let load_before = loadavg();
    // warm the page cache once (and check the records)
    let warm = spawn(&dir, 2);
    eprintln!("warm-up: {warm:?}");
    let mut best: [Option<Run>; 3] = [None, None, None];
    for _round in 0..2 {
        for threads in [1usize, 2] {
            let r = spawn(&dir, threads);
            let slot = &mut best[threads];
            if slot.as_ref().map_or(true, |b| r.wall < b.wall) {
                *slot = Some(r);
            }
        }
    }
    let load_after = loadavg();
    let (Some(one), Some(two)) = (best[1].take(), best[2].take()) else {
        return;
    };
    let bound = 2 * largest + (64 << 20);
    println!("| run | records (errors) | wall s | files/s | files/s per core (wall) | CPU s | files per CPU-second | peak RssAnon MB | VmHWM MB |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, r, cores) in [("-j 1", &one, 1.0), ("-j 2", &two, 2.0)] {
        println!(
            "| {name} | {} ({}) | {:.2} | {:.1} | {:.1} | {:.2} | {:.1} | {:.1} | {:.1} |",
            r.records,
            r.errors,
            r.wall,
            r.records as f64 / r.wall,
            r.records as f64 / r.wall / cores,
            r.cpu,
            r.records as f64 / r.cpu.max(1e-9),
            r.rss_anon_kb as f64 / 1024.0,
            r.hwm_kb as f64 / 1024.0
        );
    }
    println!(
        "speed-up 1 -> 2 threads: {:.2}x (wall); CPU time -j2 / -j1: {:.2}",
        one.wall / two.wall,
        two.cpu / one.cpu
    );
    let peak = one.hwm_kb.max(two.hwm_kb) * 1024;
    println!(
        "peak VmHWM {:.1} MB vs bound 2 x {:.1} MB + 64 MB = {:.1} MB: {} ({:.2} of the bound)",
        peak as f64 / 1e6,
        largest as f64 / 1e6,
        bound as f64 / 1e6,
        if peak <= bound { "within" } else { "OVER" },
        peak as f64 / bound as f64
    );
    println!("load average before {load_before}, after {load_after}");
    std::fs::remove_dir_all(&dir).ok();
}

#[derive(Debug)]
struct Run {
    records: usize,
    errors: usize,
    wall: f64,
    cpu: f64,
    rss_anon_kb: u64,
    hwm_kb: u64,
}

fn spawn(dir: &Path, threads: usize) -> Run {
    let exe = std::env::current_exe().expect("own path");
    let out = std::process::Command::new(exe)
        .env(
            "APKAUDIT_DUMP_CHILD",
            format!("{threads}:{}", dir.display()),
        )
        .output()
        .expect("child");
    let text = String::from_utf8_lossy(&out.stdout);
    let f: Vec<f64> = text
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    assert!(
        f.len() == 6,
        "child failed: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Run {
        records: f[0] as usize,
        errors: f[1] as usize,
        wall: f[2],
        cpu: f[3],
        rss_anon_kb: f[4] as u64,
        hwm_kb: f[5] as u64,
    }
}

/// `/proc/self/status` field in kB.
fn status_kb(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// User + system CPU seconds of this process (`/proc/self/stat`, clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // fields 14 and 15 (utime, stime) are at 11 and 12 after the command name
    (tick(11) + tick(12)) / 100.0
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn child(spec: &str) {
    let (threads, dir) = spec.split_once(':').expect("threads:dir");
    let threads: usize = threads.parse().expect("threads");
    let inputs: Vec<Input> = collect_inputs(&[PathBuf::from(dir)]);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                peak.fetch_max(status_kb("RssAnon:"), std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        })
    };
    let opts = BatchOptions {
        dex_buffers: threads,
        ..Default::default()
    };
    let cpu0 = cpu_seconds();
    let t = Instant::now();
    let stats = run(&inputs, &opts, Some(&pool), &mut std::io::sink()).expect("batch");
    let wall = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.join();
    println!(
        "{} {} {wall} {cpu} {} {}",
        stats.written,
        stats.errors,
        peak.load(std::sync::atomic::Ordering::Relaxed),
        status_kb("VmHWM:")
    );
}

struct Made {
    corpus: usize,
    generated: usize,
    hostile: usize,
}

/// Sum of the inflated sizes of `classes*.dex` at the root of a ZIP input (0 otherwise).
fn dex_inflated(path: &Path) -> Option<u64> {
    let f = std::fs::File::open(path).ok()?;
    let mut z = zip::ZipArchive::new(f).ok()?;
    let mut sum = 0u64;
    for i in 0..z.len() {
        let e = z.by_index_raw(i).ok()?;
        let name = e.name().ok()?.to_string();
        if name.starts_with("classes") && name.ends_with(".dex") && !name.contains('/') {
            sum += e.size();
        }
    }
    Some(sum)
}

/// A deterministic pseudo-random sequence (xorshift), so every run builds the same dump.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// SDK packages the generated apps' classes live in (some match signatures, some not).
const PACKAGES: &[&str] = &[
    "com/umeng/analytics",
    "com/tencent/bugly/crashreport",
    "cn/jpush/android/api",
    "com/bytedance/sdk/openadsdk",
    "com/qq/e/ads",
    "com/amap/api/location",
    "com/example/app/ui",
    "a/b/c",
];

fn generated_apk(i: usize, rng: &mut Rng) -> Vec<u8> {
    use apkaudit::testkit::{self, dex_builder::DexBuilder, AttrValue};
    let mut m = testkit::demo_manifest();
    for a in &mut m.attrs {
        if a.1 == "package" {
            a.2 = AttrValue::Str(format!("com.example.gen{i}"));
        }
    }
    let manifest = testkit::write_axml(&m);
    // 10 .. 3000 classes, skewed small like a store (most apps small, a few large)
    let classes = match rng.next() % 100 {
        0..=69 => 10 + rng.next() % 200,
        70..=94 => 200 + rng.next() % 1000,
        _ => 1000 + rng.next() % 2000,
    } as usize;
    let mut b = DexBuilder::new();
    for c in 0..classes {
        let pkg = PACKAGES[(rng.next() as usize) % PACKAGES.len()];
        b.class(&format!("L{pkg}/C{c};"), Some("Ljava/lang/Object;"))
            .constructor();
    }
    let dex = b
        .build()
        .unwrap_or_else(|_| testkit::demo_dex().expect("demo dex"));
    let asset_len = 1024usize << (rng.next() % 13); // 1 KiB .. 4 MiB
    let mut asset = vec![0u8; asset_len];
    for x in asset.iter_mut().step_by(7) {
        *x = rng.next() as u8;
    }
    testkit::write_zip(&[
        ("AndroidManifest.xml", &manifest),
        ("classes.dex", &dex),
        ("assets/blob.bin", &asset),
    ])
    .expect("zip")
}

fn make_dump(dir: &Path, n: usize) -> Made {
    let mut made = Made {
        corpus: 0,
        generated: 0,
        hostile: 0,
    };
    // the corpus files, hard-linked (copied when links fail) round after round up to n/2
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if corpus.is_dir() {
        let files: Vec<PathBuf> = collect_inputs(&[corpus.to_path_buf()])
            .into_iter()
            .filter(|i| i.path.is_file())
            .map(|i| i.path)
            .collect();
        let mut round = 0;
        'outer: while !files.is_empty() {
            let d = dir.join(format!("corpus/r{round:03}"));
            std::fs::create_dir_all(&d).expect("dir");
            for (k, f) in files.iter().enumerate() {
                if made.corpus >= n / 2 {
                    break 'outer;
                }
                let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("bin");
                let to = d.join(format!("f{k:04}.{ext}"));
                if std::fs::hard_link(f, &to).is_err() {
                    std::fs::copy(f, &to).expect("copy");
                }
                made.corpus += 1;
            }
            round += 1;
        }
    }
    // hostile files
    let demo = apkaudit::testkit::demo_apk().expect("demo");
    let h = dir.join("hostile");
    std::fs::create_dir_all(&h).expect("dir");
    let zeros = vec![0u8; 32 << 20];
    let bomb = apkaudit::testkit::write_zip(&[
        (
            "AndroidManifest.xml",
            &apkaudit::testkit::write_axml(&apkaudit::testkit::demo_manifest()),
        ),
        ("classes.dex", &zeros),
    ])
    .expect("zip");
    let mut garbage = b"PK\x03\x04".to_vec();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    garbage.extend((0..65536).map(|_| rng.next() as u8));
    for (name, bytes) in [
        ("truncated.apk", &demo[..demo.len() / 2]),
        ("garbage.apk", &garbage[..]),
        ("empty.apk", &[][..]),
        ("bomb.apk", &bomb[..]),
    ] {
        std::fs::write(h.join(name), bytes).expect("write");
        made.hostile += 1;
    }
    // generated apps up to n
    let g = dir.join("generated");
    let mut i = 0;
    while made.corpus + made.generated + made.hostile < n {
        let sub = g.join(format!("s{:02}", i % 50));
        std::fs::create_dir_all(&sub).expect("dir");
        std::fs::write(sub.join(format!("g{i:05}.apk")), generated_apk(i, &mut rng))
            .expect("write");
        made.generated += 1;
        i += 1;
    }
    made
}
