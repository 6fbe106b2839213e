//! Policy reading time on generated worst cases (issue 15 items 1–4) and on three real
//! policies; each case is reported by criterion, and divided by its size in
//! docs/benchmarks.md as time per MB. `cargo bench --bench policy`.

use apkaudit::policy::{detect_kind, parse_policy, Kind, Vocabulary};
use apkaudit::testkit::policy_gen as g;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::Path;

fn bench(c: &mut Criterion) {
    let v = Vocabulary::embedded();
    let mut cases: Vec<(String, String, Kind)> = vec![
        ("1MB-prose".into(), g::prose(1 << 20), Kind::Text),
        (
            "100000-nested-divs".into(),
            g::nested_divs(100_000),
            Kind::Html,
        ),
        (
            "20000-row-span-table".into(),
            g::span_table(20_000),
            Kind::Html,
        ),
        (
            "100-unclosed-tables".into(),
            g::unclosed_tables(100),
            Kind::Markdown,
        ),
        (
            "1MB-single-line".into(),
            g::single_line(1 << 20),
            Kind::Text,
        ),
        ("1MB-cell".into(), g::huge_cell(1 << 20), Kind::Markdown),
        ("20000-row-csv".into(), g::csv_rows(20_000), Kind::Csv),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/policies");
    for f in [
        "01_en_rikka_apps_privacy_policy.md",
        "08_zh_dibisi_partner_table_company_first.txt",
        "20_zh_gaoqiu_sports_permission_details_labels.txt",
    ] {
        if let Ok(t) = std::fs::read_to_string(root.join(f)) {
            let ext = f.rsplit('.').next().unwrap_or("");
            let kind = detect_kind(ext, &t);
            cases.push((f.to_string(), t, kind));
        }
    }
    let mut grp = c.benchmark_group("policy");
    grp.sample_size(10);
    for (name, text, kind) in &cases {
        grp.throughput(Throughput::Bytes(text.len() as u64));
        grp.bench_function(name.as_str(), |b| {
            b.iter(|| parse_policy(text, *kind, &v).sdks.len())
        });
    }
    grp.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
