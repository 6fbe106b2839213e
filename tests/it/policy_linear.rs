//! Policy reading stays linear (issue 15 items 1–4): each generated worst case is read in
//! well under a generous bound even in a debug build (tables here have 5,000 rows; the
//! release benchmark `benches/policy.rs` reads 20,000). The inputs are made here
//! (`apkaudit::testkit::policy_gen`), not committed. Release figures: docs/benchmarks.md.

use apkaudit::policy::{parse_policy, Kind, Vocabulary};
use apkaudit::testkit::policy_gen as g;
use std::time::{Duration, Instant};

/// Generous: the release build reads each case in well under a second.
const BOUND: Duration = Duration::from_secs(5);

/// CPU time of the calling thread, so a loaded machine (parallel tests, other builds) does
/// not turn wall-clock waiting into a failure; a superlinear pass still costs CPU.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn timed(what: &str, text: &str, kind: Kind) -> apkaudit::policy::DeclaredPolicy {
    let v = Vocabulary::embedded();
    let t = Instant::now();
    let cpu = thread_cpu_time();
    let pol = parse_policy(text, kind, &v);
    let dt = thread_cpu_time().saturating_sub(cpu);
    eprintln!(
        "{what}: {} bytes in {dt:?} CPU ({:?} wall)",
        text.len(),
        t.elapsed()
    );
    assert!(dt < BOUND, "{what}: {dt:?} for {} bytes", text.len());
    pol
}

#[test]
fn html_nesting_of_100000_elements_is_linear() {
    let pol = timed("nested divs", &g::nested_divs(100_000), Kind::Html);
    assert!(pol.sdks.iter().any(|s| s.id.as_deref() == Some("jpush")));
    assert!(pol.warnings.iter().any(|w| w.contains("nested more than")));
}

#[test]
fn html_table_with_rowspan_and_colspan_is_linear() {
    let pol = timed("span table", &g::span_table(5_000), Kind::Html);
    assert_eq!(
        pol.sdks
            .iter()
            .filter(|s| s.id.as_deref() == Some("jpush"))
            .count(),
        5_000
    );
}

#[test]
fn markdown_with_100_unclosed_html_tables_is_linear() {
    let pol = timed("unclosed tables", &g::unclosed_tables(100), Kind::Markdown);
    assert!(pol.sdks.len() >= 1000, "{}", pol.sdks.len());
}

#[test]
fn one_megabyte_policy_is_linear() {
    let pol = timed("1 MB prose", &g::prose(1 << 20), Kind::Text);
    assert!(pol.sdks.iter().any(|s| s.id.as_deref() == Some("umeng")));
}

#[test]
fn one_megabyte_single_line_is_linear() {
    timed("1 MB line", &g::single_line(1 << 20), Kind::Text);
}

#[test]
fn one_megabyte_table_cell_is_linear() {
    timed("1 MB cell", &g::huge_cell(1 << 20), Kind::Markdown);
}

#[test]
fn csv_and_markdown_tables_are_linear_in_rows() {
    let pol = timed("csv rows", &g::csv_rows(5_000), Kind::Csv);
    assert_eq!(pol.sdks.len(), 5_000);
    let pol = timed("markdown rows", &g::markdown_rows(5_000), Kind::Markdown);
    assert_eq!(pol.sdks.len(), 5_000);
}
