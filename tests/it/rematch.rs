//! `scan --evidence DIR` and `apkaudit rematch`: records made from evidence equal the
//! records a scan makes (byte for byte, apart from `provenance`), with the same or a
//! changed signature folder; bad evidence files give one error record each and the rest
//! goes on. Inputs are generated here; the corpus test and the timing need ../shared.

use crate::common;
use apkaudit::scan::evidence::EVIDENCE_VERSION;
use apkaudit::testkit::{self, dex_builder::DexBuilder, dex_builder::Insn, AttrValue};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_apkaudit");

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("apkaudit-rematch-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    let out = Command::new(BIN).args(args).output().expect("run apkaudit");
    assert!(
        out.status.code().is_some(),
        "killed by a signal: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

/// The records of a JSONL file by `file` (+ `file_raw`): the text before `provenance`
/// (the report, byte for byte) and the record without `provenance` as a value.
fn by_file(path: &Path) -> BTreeMap<String, (String, Value)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut v: Value = serde_json::from_str(line).unwrap();
        let key = format!("{} {}", v["file"], v["file_raw"]);
        v.as_object_mut().unwrap().remove("provenance");
        let at = line.find(",\"provenance\":").expect("a provenance member");
        let prefix = line[..at].to_string();
        assert!(
            out.insert(key, (prefix, v)).is_none(),
            "two records for one file"
        );
    }
    out
}

fn assert_same(scanned: &Path, rematched: &Path) {
    let a = by_file(scanned);
    let b = by_file(rematched);
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same inputs"
    );
    for (k, (pa, va)) in &a {
        let (pb, vb) = &b[k];
        assert!(
            pa == pb,
            "{k}: report text differs:\nscan    {pa}\nrematch {pb}"
        );
        assert_eq!(va, vb, "{k}: record differs");
    }
}

/// An app whose code holds an SDK of the embedded database (Umeng), a probe SDK only a
/// test signature folder knows, renamed code that only the probe SDK references, and
/// sensitive calls from each.
fn coded_apk(pkg: &str) -> Vec<u8> {
    const TM: &str = "Landroid/telephony/TelephonyManager;";
    const STR: &str = "()Ljava/lang/String;";
    let mut b = DexBuilder::new();
    let read = |b: &mut DexBuilder, class: &str| {
        b.class(class, Some("Ljava/lang/Object;"))
            .constructor()
            .virtual_method(
                "read",
                "(Landroid/telephony/TelephonyManager;)V",
                vec![
                    Insn::invoke_virtual(TM, "getDeviceId", STR),
                    Insn::ReturnVoid,
                ],
            );
    };
    read(&mut b, "Lcom/umeng/analytics/MobclickAgent;");
    read(&mut b, "Lcom/probe/sdk/Main;");
    read(&mut b, "La/b/c;");
    b.class("Lcom/probe/sdk/Loader;", Some("Ljava/lang/Object;"))
        .static_method(
            "go",
            "()V",
            vec![
                Insn::const_string("api.probe.example"),
                Insn::invoke_static("La/b/c;", "x", "()V"),
                Insn::ReturnVoid,
            ],
        );
    read(&mut b, &format!("L{}/Main;", pkg.replace('.', "/")));
    let dex = b.build().unwrap();
    let mut m = testkit::demo_manifest();
    for a in &mut m.attrs {
        if a.1 == "package" {
            a.2 = AttrValue::Str(pkg.into());
        }
    }
    let manifest = testkit::write_axml(&m);
    testkit::write_zip(&[("AndroidManifest.xml", &manifest), ("classes.dex", &dex)]).unwrap()
}

/// A dump of test-kit inputs: the demo app, coded apps (one under a name that is not
/// UTF-8), a split set, a raw binary manifest, and a policy directory for the demo app.
fn make_inputs(dir: &Path) -> (PathBuf, PathBuf) {
    let apps = dir.join("apps");
    std::fs::create_dir_all(&apps).unwrap();
    std::fs::write(apps.join("demo.apk"), testkit::demo_apk().unwrap()).unwrap();
    std::fs::write(apps.join("coded.apk"), coded_apk("com.example.coded")).unwrap();
    let odd = std::ffi::OsStr::from_bytes(b"coded-\xff.apk");
    std::fs::write(apps.join(odd), coded_apk("com.example.odd")).unwrap();
    let base = coded_apk("com.example.split");
    let other = testkit::demo_apk().unwrap();
    let set = testkit::write_zip(&[("base.apk", &base), ("split_config.en.apk", &other)]).unwrap();
    std::fs::write(apps.join("set.apks"), set).unwrap();
    std::fs::write(
        apps.join("manifest.axml"),
        testkit::write_axml(&testkit::demo_manifest()),
    )
    .unwrap();
    let policies = dir.join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/demo-policy.md"),
        policies.join("com.example.demo.md"),
    )
    .unwrap();
    (apps, policies)
}

fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn rematch_equals_rescan_on_test_kit_apps() {
    let dir = tempdir("kit");
    let (apps, policies) = make_inputs(&dir);
    let ev = dir.join("evidence");
    let scanned = dir.join("scan.jsonl");
    ok(&run(&[
        os("scan"),
        apps.as_os_str(),
        os("--evidence"),
        ev.as_os_str(),
        os("--policy-dir"),
        policies.as_os_str(),
        os("-o"),
        scanned.as_os_str(),
    ]));
    let files: Vec<_> = std::fs::read_dir(&ev).unwrap().flatten().collect();
    assert_eq!(files.len(), 5, "one evidence file per input");
    let rematched = dir.join("rematch.jsonl");
    ok(&run(&[
        os("rematch"),
        ev.as_os_str(),
        os("--policy-dir"),
        policies.as_os_str(),
        os("-o"),
        rematched.as_os_str(),
    ]));
    assert_same(&scanned, &rematched);
    // what the comparison covers: SDKs, attributed call sites, an audit, a split set,
    // a non-UTF-8 name
    let recs = by_file(&rematched);
    let all: Vec<&Value> = recs.values().map(|(_, v)| v).collect();
    assert!(all.iter().any(|v| v["sdks"]
        .as_array()
        .is_some_and(|s| s.iter().any(|f| f["id"] == "umeng"))));
    assert!(all
        .iter()
        .any(|v| v["data_access"].as_array().is_some_and(|d| d.len() >= 2)));
    assert!(all.iter().any(|v| v["audit"]["findings"]
        .as_array()
        .is_some_and(|f| !f.is_empty())));
    assert!(all.iter().any(|v| v["kind"] == "split-set"));
    assert!(all.iter().any(|v| v["file_raw"].is_string()));
    let text = std::fs::read_to_string(&rematched).unwrap();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(v["provenance"]["rematch"]["evidence"].is_string());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rematch_with_a_changed_signature_folder_equals_rescan_with_it() {
    let dir = tempdir("sigs");
    let (apps, _) = make_inputs(&dir);
    let sigs = dir.join("sigs");
    std::fs::create_dir_all(&sigs).unwrap();
    std::fs::write(sigs.join("probe-sdk.toml"), common::PROBE_SIG).unwrap();
    // evidence made without the probe signature
    let ev = dir.join("evidence");
    let plain = dir.join("plain.jsonl");
    ok(&run(&[
        os("scan"),
        apps.as_os_str(),
        os("--evidence"),
        ev.as_os_str(),
        os("-o"),
        plain.as_os_str(),
    ]));
    // add the SDK: rematch with the folder == scan with the folder
    let with = dir.join("with.jsonl");
    ok(&run(&[
        os("scan"),
        apps.as_os_str(),
        os("--signatures"),
        sigs.as_os_str(),
        os("-o"),
        with.as_os_str(),
    ]));
    let rm_with = dir.join("rm-with.jsonl");
    ok(&run(&[
        os("rematch"),
        ev.as_os_str(),
        os("--signatures"),
        sigs.as_os_str(),
        os("-o"),
        rm_with.as_os_str(),
    ]));
    assert_same(&with, &rm_with);
    let found = |p: &Path| {
        std::fs::read_to_string(p)
            .unwrap()
            .contains("\"id\":\"probe-sdk\"")
    };
    assert!(
        found(&rm_with) && !found(&plain),
        "the probe SDK is found only with the folder"
    );
    // remove it again: evidence made with the folder, rematched without == plain scan
    let ev2 = dir.join("evidence2");
    ok(&run(&[
        os("scan"),
        apps.as_os_str(),
        os("--signatures"),
        sigs.as_os_str(),
        os("--evidence"),
        ev2.as_os_str(),
        os("-o"),
        dir.join("unused.jsonl").as_os_str(),
    ]));
    let rm_plain = dir.join("rm-plain.jsonl");
    ok(&run(&[
        os("rematch"),
        ev2.as_os_str(),
        os("-o"),
        rm_plain.as_os_str(),
    ]));
    assert_same(&plain, &rm_plain);
    let _ = std::fs::remove_dir_all(&dir);
}

fn gunzip(p: &Path) -> Vec<u8> {
    let mut d = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(p).unwrap())
        .read_to_end(&mut d)
        .unwrap();
    d
}

fn gzip(p: &Path, data: &[u8]) {
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(p).unwrap(),
        flate2::Compression::fast(),
    );
    e.write_all(data).unwrap();
    e.finish().unwrap();
}

#[test]
fn bad_evidence_files_give_one_error_record_each_and_the_rest_goes_on() {
    let dir = tempdir("bad");
    let (apps, _) = make_inputs(&dir);
    let ev = dir.join("evidence");
    ok(&run(&[
        os("scan"),
        apps.as_os_str(),
        os("--evidence"),
        ev.as_os_str(),
        os("-o"),
        dir.join("scan.jsonl").as_os_str(),
    ]));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&ev)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let good = files[0].clone();
    let text = gunzip(&good);
    // truncated: the compressed file cut in half
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.join("truncated.evidence.jsonl.gz");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    // another format version: a later one, and version 1 (graph names and strings
    // spelled out, a SHA-256 end line), which this apkaudit refuses with the same reason
    let s = String::from_utf8(text.clone()).unwrap();
    let current = format!("\"version\":{EVIDENCE_VERSION},");
    assert!(
        s.contains(&current),
        "the header names version {EVIDENCE_VERSION}"
    );
    let other = dir.join("other.evidence.jsonl.gz");
    gzip(
        &other,
        s.replacen(&current, "\"version\":99,", 1).as_bytes(),
    );
    let v1 = dir.join("v1.evidence.jsonl.gz");
    gzip(&v1, s.replacen(&current, "\"version\":1,", 1).as_bytes());
    // edited: a class name changed, recompressed
    let edited = dir.join("edited.evidence.jsonl.gz");
    let at = s.find("\"classes\":[\"").expect("a class list") + 12;
    let mut e = s.clone().into_bytes();
    e[at] = if e[at] == b'x' { b'y' } else { b'x' };
    gzip(&edited, &e);
    // the last line lost after decompression
    let cut = dir.join("cut.evidence.jsonl.gz");
    let keep = s.trim_end().rfind('\n').unwrap() + 1;
    gzip(&cut, &s.as_bytes()[..keep]);
    // not gzip at all
    let garbage = dir.join("garbage.evidence.jsonl.gz");
    std::fs::write(&garbage, b"PK\x03\x04 not evidence").unwrap();
    let out = run(&[
        os("rematch"),
        truncated.as_os_str(),
        good.as_os_str(),
        other.as_os_str(),
        edited.as_os_str(),
        cut.as_os_str(),
        garbage.as_os_str(),
        v1.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2), "some evidence was unusable");
    let text = String::from_utf8(out.stdout).unwrap();
    let recs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 7, "{text}");
    assert!(recs[1]["error"].is_null(), "the good file is rematched");
    let expect = [
        (0, "truncated", "gzip"),
        (2, "other", "version 99"),
        (3, "edited", "changed after it was written"),
        (4, "cut", "truncated"),
        (5, "garbage", "gzip"),
        (
            6,
            "v1",
            &format!("evidence format version 1 (written by apkaudit {}); this apkaudit reads version {EVIDENCE_VERSION}: scan the input again", env!("CARGO_PKG_VERSION")),
        ),
    ];
    for (i, name, why) in expect {
        let r = &recs[i];
        let err = r["error"].as_str().unwrap_or_else(|| panic!("{name}: {r}"));
        assert_eq!(r["error_kind"], "evidence", "{name}");
        assert!(err.contains(name) && err.contains(why), "{name}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg_attr(not(shared), ignore = "needs ../shared/corpus")]
#[test]
fn rematch_equals_rescan_on_the_corpus() {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    let dir = tempdir("corpus");
    let ev = dir.join("evidence");
    let scanned = dir.join("scan.jsonl");
    let out = run(&[
        os("scan"),
        corpus.as_os_str(),
        os("--evidence"),
        ev.as_os_str(),
        os("-o"),
        scanned.as_os_str(),
    ]);
    assert!(out.status.code().is_some_and(|c| c <= 2));
    let rematched = dir.join("rematch.jsonl");
    let out = run(&[
        os("rematch"),
        ev.as_os_str(),
        os("-o"),
        rematched.as_os_str(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // scan records with an error have no evidence: compare the others
    let errors: Vec<String> = by_file(&scanned)
        .into_iter()
        .filter(|(_, (_, v))| !v["error"].is_null())
        .map(|(k, _)| k)
        .collect();
    let a: BTreeMap<_, _> = by_file(&scanned)
        .into_iter()
        .filter(|(k, _)| !errors.contains(k))
        .collect();
    let b = by_file(&rematched);
    assert!(a.len() >= 20, "the corpus has apps: {}", a.len());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, (pa, va)) in &a {
        let (pb, vb) = &b[k];
        assert!(pa == pb, "{k}: report text differs");
        assert_eq!(va, vb, "{k}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// CPU seconds of the calling thread.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Rematching the corpus's evidence against re-scanning the corpus, both on one thread
/// (a one-thread pool runs every nested parallel step on that thread, so its CPU time is
/// the whole work, whatever else the machine runs). Prints the ratio; docs/benchmarks.md
/// records it.
#[cfg_attr(not(shared), ignore = "needs ../shared/corpus")]
#[test]
fn rematch_is_faster_than_rescan_on_the_corpus() {
    use apkaudit::batch::rematch::{collect_evidence, RematchOptions};
    use apkaudit::batch::{collect_inputs, BatchOptions};
    let corpus = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    let dir = tempdir("speed");
    let ev = dir.join("evidence");
    std::fs::create_dir_all(&ev).unwrap();
    let inputs = collect_inputs(&[corpus]);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    // knowledge loaded once before either is timed
    let _ = apkaudit::knowledge::Knowledge::embedded()
        .matcher
        .match_app(&Default::default());
    let mut keep = BatchOptions {
        evidence_dir: Some(ev.clone()),
        ..Default::default()
    };
    keep.scan.keep_evidence = true;
    apkaudit::batch::run(&inputs, &keep, Some(&pool), &mut std::io::sink()).unwrap();
    let files = collect_evidence(&[ev]);
    let rescan_opts = BatchOptions::default();
    let rm_opts = RematchOptions::default();
    let mut best = (f64::MAX, f64::MAX);
    // best of 5: other load on a shared core (a sibling hyper-thread, caches) stretches
    // a thread's CPU time too; the least stretched run of each is compared
    for _ in 0..5 {
        let (scan_s, written) = pool.install(|| {
            let t = thread_cpu();
            let s =
                apkaudit::batch::run(&inputs, &rescan_opts, None, &mut std::io::sink()).unwrap();
            (thread_cpu() - t, s.written)
        });
        let (rm_s, rm_written) = pool.install(|| {
            let t = thread_cpu();
            let s = apkaudit::batch::rematch::run(&files, &rm_opts, None, &mut std::io::sink())
                .unwrap();
            (thread_cpu() - t, s.written)
        });
        assert!(rm_written == files.len() && written >= files.len());
        best = (best.0.min(scan_s), best.1.min(rm_s));
    }
    let ratio = best.0 / best.1;
    println!(
        "rescan {} inputs: {:.3} CPU s; rematch {} evidence files: {:.3} CPU s; rematch is {ratio:.1}x faster",
        inputs.len(),
        best.0,
        files.len(),
        best.1
    );
    assert!(
        ratio >= 20.0,
        "rematch must be at least 20x faster than a rescan (issue 16): {ratio:.1}x"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
