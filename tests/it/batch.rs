//! Batch scans through the binary: one record per input, resume after a simulated kill,
//! disjoint shards, caps, policy directory, summary. Inputs are generated here; the corpus
//! tests skip with a message when ../shared is absent.

use apkaudit::testkit::{self, AttrValue};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_apkaudit");

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: {} is absent", p.display());
        None
    }
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("apkaudit-batch-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> Output {
    let out = Command::new(BIN).args(args).output().expect("run apkaudit");
    assert!(
        out.status.code().is_some(),
        "killed by a signal: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn records(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect()
}

fn read_records(path: &Path) -> Vec<Value> {
    records(&std::fs::read_to_string(path).unwrap())
}

fn sha_hex(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// The demo manifest with another package name.
fn apk_with_package(pkg: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut m = testkit::demo_manifest();
    for a in &mut m.attrs {
        if a.1 == "package" {
            a.2 = AttrValue::Str(pkg.into());
        }
    }
    let manifest = testkit::write_axml(&m);
    let mut entries: Vec<(&str, &[u8])> = vec![("AndroidManifest.xml", &manifest)];
    entries.extend_from_slice(extra);
    testkit::write_zip(&entries).unwrap()
}

/// A generated dump: `n` distinct APKs in nested folders, a broken APK, a ZIP without an
/// app extension (found by sniffing), a binary manifest, and a text file (not an input).
/// Returns the dir and the paths expected as inputs.
fn make_dump(tag: &str, n: usize) -> (PathBuf, BTreeSet<String>) {
    let dir = tempdir(tag);
    let mut expect = BTreeSet::new();
    for i in 0..n {
        let sub = dir.join(format!("store{}", i % 3));
        std::fs::create_dir_all(&sub).unwrap();
        let p = sub.join(format!("app{i:03}.apk"));
        let note = format!("asset {i}");
        std::fs::write(
            &p,
            apk_with_package(
                &format!("com.example.app{i}"),
                &[("assets/n.txt", note.as_bytes())],
            ),
        )
        .unwrap();
        expect.insert(p.display().to_string());
    }
    let broken = dir.join("broken.apk");
    std::fs::write(&broken, b"PK\x03\x04 this is not really a zip").unwrap();
    expect.insert(broken.display().to_string());
    let sniffed = dir.join("store0/download.bin");
    std::fs::write(&sniffed, testkit::demo_apk().unwrap()).unwrap();
    expect.insert(sniffed.display().to_string());
    let axml = dir.join("AndroidManifest.xml");
    std::fs::write(&axml, testkit::write_axml(&testkit::demo_manifest())).unwrap();
    expect.insert(axml.display().to_string());
    std::fs::write(dir.join("README.txt"), b"not an app").unwrap();
    (dir, expect)
}

fn files_of(recs: &[Value]) -> BTreeSet<String> {
    recs.iter()
        .map(|r| r["file"].as_str().unwrap().to_string())
        .collect()
}

/// Lines keyed by file, for set comparison of whole records.
fn by_file(recs: &[Value]) -> BTreeMap<String, Value> {
    recs.iter()
        .map(|r| (r["file"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

#[test]
fn generated_dump_one_record_per_input() {
    let (dir, expect) = make_dump("dump", 12);
    let out = run(&["scan", dir.to_str().unwrap(), "--sorted"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = records(&String::from_utf8_lossy(&out.stdout));
    // stderr is a pipe here: no progress bar, only the closing count line
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("files/s") && !err.contains('\u{2588}'),
        "{err}"
    );
    assert!(
        err.contains(&format!("{} records written", expect.len())),
        "{err}"
    );
    assert_eq!(recs.len(), expect.len());
    assert_eq!(files_of(&recs), expect);
    // --sorted: path order
    let order: Vec<&str> = recs.iter().map(|r| r["file"].as_str().unwrap()).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    for r in &recs {
        let f = r["file"].as_str().unwrap();
        let bytes = std::fs::read(f).unwrap();
        assert_eq!(r["sha256"].as_str(), Some(sha_hex(&bytes).as_str()), "{f}");
        assert_eq!(r["size"].as_u64(), Some(bytes.len() as u64));
        if f.ends_with("broken.apk") {
            assert!(r["error"].is_string(), "{r}");
            assert_eq!(r["error_kind"], "zip");
        } else {
            assert!(r["error"].is_null(), "{f}: {}", r["error"]);
        }
        if let Some(i) = f.strip_suffix(".apk").and_then(|s| s.rsplit("app").next()) {
            if let Ok(i) = i.parse::<usize>() {
                assert_eq!(r["package"], format!("com.example.app{i}"));
                assert_eq!(r["kind"], "apk");
            }
        }
    }
    let axml = recs
        .iter()
        .find(|r| r["file"].as_str().unwrap().ends_with("AndroidManifest.xml"))
        .unwrap();
    assert_eq!(axml["kind"], "axml");
    assert_eq!(axml["package"], "com.example.demo");
    // unsorted output has the same records
    let out2 = run(&["scan", dir.to_str().unwrap(), "-j", "2"]);
    assert_eq!(
        by_file(&records(&String::from_utf8_lossy(&out2.stdout))),
        by_file(&recs)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn missing_inputs_and_lists_get_error_records() {
    let (dir, _) = make_dump("list", 2);
    let list = dir.join("inputs.txt");
    let a = dir.join("store0/app000.apk");
    let missing = dir.join("gone.apk");
    std::fs::write(
        &list,
        format!("# a list\n{}\n\n{}\n", a.display(), missing.display()),
    )
    .unwrap();
    let out = run(&["scan", &format!("@{}", list.display())]);
    assert_eq!(out.status.code(), Some(0));
    let recs = records(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(recs.len(), 2);
    let m = by_file(&recs);
    assert!(m[&a.display().to_string()]["error"].is_null());
    let gone = &m[&missing.display().to_string()];
    assert_eq!(gone["error_kind"], "io");
    assert!(gone["sha256"].is_null());
    // single-file behaviour is unchanged: exit 2 on an unreadable file
    let single = run(&["scan", missing.to_str().unwrap()]);
    assert_eq!(single.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

/// Clean run, then a run "killed" after k records with half a line written, resumed.
fn check_resume(inputs: &[&str], tmp: &Path, k: usize) {
    let clean = tmp.join("clean.jsonl");
    let out = run(&[&["scan", "-o", clean.to_str().unwrap()], inputs].concat());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&clean).unwrap();
    let full = records(&text);
    assert!(full.len() > k);
    let lines: Vec<&str> = text.lines().collect();
    let next = lines[k];
    let mut cut: String = lines[..k].iter().map(|l| format!("{l}\n")).collect();
    cut.push_str(&next[..next.len() / 2]);
    let resumed = tmp.join("resumed.jsonl");
    std::fs::write(&resumed, &cut).unwrap();
    let out = run(&[
        &["scan", "-o", resumed.to_str().unwrap(), "--resume"],
        inputs,
    ]
    .concat());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = read_records(&resumed);
    assert_eq!(got.len(), full.len(), "one record per input, no duplicate");
    assert_eq!(by_file(&got), by_file(&full));
    // resuming a complete file adds nothing
    let out = run(&[
        &["scan", "-o", resumed.to_str().unwrap(), "--resume"],
        inputs,
    ]
    .concat());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(read_records(&resumed).len(), full.len());
}

#[test]
fn resume_after_simulated_kill() {
    let (dir, _) = make_dump("resume", 10);
    let tmp = tempdir("resume-out");
    check_resume(&[dir.to_str().unwrap(), "--sorted"], &tmp, 4);
    check_resume(&[dir.to_str().unwrap()], &tmp, 0);
    // a changed file under the same path is scanned again
    let resumed = tmp.join("resumed.jsonl");
    let p = dir.join("store1/app001.apk");
    std::fs::write(&p, apk_with_package("com.example.changed", &[])).unwrap();
    let out = run(&[
        "scan",
        "-o",
        resumed.to_str().unwrap(),
        "--resume",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let recs = read_records(&resumed);
    assert!(recs.iter().any(|r| r["package"] == "com.example.changed"));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&tmp).ok();
}

/// Two inputs whose names differ only in invalid UTF-8 bytes (both shown as the same lossy
/// `file`) and hold the same bytes: a run killed after the first record resumes the
/// second, and a complete output resumes nothing.
#[test]
fn resume_keys_inputs_by_their_exact_name() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempdir("resume-raw");
    let apps = dir.join("apps");
    std::fs::create_dir_all(&apps).unwrap();
    let apk = apk_with_package("com.example.same", &[]);
    for b in [0xfeu8, 0xff] {
        let name = [b"app-".as_slice(), &[b], b".apk"].concat();
        std::fs::write(apps.join(std::ffi::OsStr::from_bytes(&name)), &apk).unwrap();
    }
    let out_path = dir.join("out.jsonl");
    let out = run(&[
        "scan",
        "--sorted",
        "-o",
        out_path.to_str().unwrap(),
        apps.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&out_path).unwrap();
    let full = records(&text);
    assert_eq!(full.len(), 2);
    assert_eq!(full[0]["file"], full[1]["file"], "the same lossy name");
    assert_eq!(full[0]["sha256"], full[1]["sha256"], "the same content");
    let raws: BTreeSet<String> = full
        .iter()
        .map(|r| r["file_raw"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(raws.len(), 2, "the exact names differ");
    // killed after the first record
    let first = text.lines().next().unwrap();
    std::fs::write(&out_path, format!("{first}\n")).unwrap();
    let resume = || {
        let out = run(&[
            "scan",
            "--resume",
            "-o",
            out_path.to_str().unwrap(),
            apps.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        read_records(&out_path)
    };
    let got = resume();
    assert_eq!(
        got.len(),
        2,
        "the second name is scanned, the first is not again"
    );
    let got_raws: BTreeSet<String> = got
        .iter()
        .map(|r| r["file_raw"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got_raws, raws);
    assert_eq!(resume().len(), 2, "a complete output resumes nothing");
    std::fs::remove_dir_all(&dir).ok();
}

fn check_shards(input: &str, by: &str) {
    let all = records(&String::from_utf8_lossy(&run(&["scan", input]).stdout));
    let mut union = BTreeMap::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = run(&["scan", input, "--shard", &shard, "--shard-by", by]);
        assert_eq!(out.status.code(), Some(0));
        for r in records(&String::from_utf8_lossy(&out.stdout)) {
            let f = r["file"].as_str().unwrap().to_string();
            assert!(
                union.insert(f.clone(), r).is_none(),
                "{f} in two shards ({by})"
            );
        }
    }
    assert_eq!(
        union,
        by_file(&all),
        "shards by {by} cover the input exactly once"
    );
}

#[test]
fn shards_are_disjoint_and_cover() {
    let (dir, _) = make_dump("shard", 15);
    check_shards(dir.to_str().unwrap(), "path");
    check_shards(dir.to_str().unwrap(), "content");
    // path shards depend on the path below the directory given, not on where it is mounted
    let moved = tempdir("shard-moved");
    let target = moved.join("elsewhere");
    std::fs::rename(&dir, &target).unwrap();
    let keys = |d: &Path| -> BTreeSet<String> {
        let out = run(&["scan", d.to_str().unwrap(), "--shard", "2/3"]);
        records(&String::from_utf8_lossy(&out.stdout))
            .iter()
            .map(|r| {
                Path::new(r["file"].as_str().unwrap())
                    .strip_prefix(d)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect()
    };
    let a = keys(&target);
    std::fs::rename(&target, &dir).unwrap();
    assert_eq!(a, keys(&dir));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&moved).ok();
}

#[test]
fn caps_turn_into_error_records() {
    let dir = tempdir("caps");
    let dex = vec![0u8; 256 << 10];
    let big = dir.join("big.apk");
    std::fs::write(
        &big,
        apk_with_package("com.example.big", &[("classes.dex", &dex)]),
    )
    .unwrap();
    let small = dir.join("small.apk");
    std::fs::write(&small, apk_with_package("com.example.small", &[])).unwrap();
    let out = run(&["scan", dir.to_str().unwrap(), "--max-inflated", "64K"]);
    assert_eq!(out.status.code(), Some(0));
    let m = by_file(&records(&String::from_utf8_lossy(&out.stdout)));
    let b = &m[&big.display().to_string()];
    assert_eq!(b["error_kind"], "inflate-cap", "{b}");
    assert!(m[&small.display().to_string()]["error"].is_null());
    // without the cap, the big file scans (its zero dex is a per-part error only)
    let out = run(&["scan", dir.to_str().unwrap()]);
    let m = by_file(&records(&String::from_utf8_lossy(&out.stdout)));
    assert!(m[&big.display().to_string()]["error"].is_null());
    // time cap
    let out = run(&["scan", dir.to_str().unwrap(), "--timeout", "0.000000001"]);
    assert_eq!(out.status.code(), Some(0));
    for r in records(&String::from_utf8_lossy(&out.stdout)) {
        assert_eq!(r["error_kind"], "time-cap", "{r}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn dex_buffers_are_bounded() {
    use apkaudit::batch::{collect_inputs, run as batch_run, BatchOptions};
    let dir = tempdir("permits");
    let dex = vec![0u8; 4096];
    for i in 0..8 {
        let names: Vec<String> = (0..4)
            .map(|j| {
                if j == 0 {
                    "classes.dex".into()
                } else {
                    format!("classes{}.dex", j + 1)
                }
            })
            .collect();
        let entries: Vec<(&str, &[u8])> =
            names.iter().map(|n| (n.as_str(), dex.as_slice())).collect();
        std::fs::write(
            dir.join(format!("a{i}.apk")),
            apk_with_package("com.example.p", &entries),
        )
        .unwrap();
    }
    let inputs = collect_inputs(std::slice::from_ref(&dir));
    assert_eq!(inputs.len(), 8);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    for bound in [1usize, 3] {
        let opts = BatchOptions {
            dex_buffers: bound,
            ..Default::default()
        };
        let mut out = Vec::new();
        let stats = batch_run(&inputs, &opts, Some(&pool), &mut out).unwrap();
        assert_eq!(stats.written, 8);
        assert!(
            stats.peak_dex_buffers >= 1 && stats.peak_dex_buffers <= bound,
            "{stats:?}"
        );
        for r in records(&String::from_utf8_lossy(&out)) {
            assert_eq!(r["dex_files"].as_array().unwrap().len(), 4);
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn policy_dir_adds_audit_findings() {
    let dir = tempdir("policy");
    let apps = dir.join("apps");
    let pols = dir.join("policies");
    std::fs::create_dir_all(&apps).unwrap();
    std::fs::create_dir_all(&pols).unwrap();
    std::fs::write(apps.join("demo.apk"), testkit::demo_apk().unwrap()).unwrap();
    std::fs::write(
        apps.join("other.apk"),
        apk_with_package("com.example.nopolicy", &[]),
    )
    .unwrap();
    std::fs::write(
        apps.join("evil.apk"),
        apk_with_package("../policies/com.example.demo", &[]),
    )
    .unwrap();
    std::fs::write(
        pols.join("com.example.demo.md"),
        "# Privacy policy\n\nWe collect your email address to create your account.\n",
    )
    .unwrap();
    let out_file = dir.join("out.jsonl");
    let out = run(&[
        "scan",
        apps.to_str().unwrap(),
        "--policy-dir",
        pols.to_str().unwrap(),
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = read_records(&out_file);
    let m: BTreeMap<String, Value> = recs
        .iter()
        .map(|r| (r["package"].as_str().unwrap_or("").to_string(), r.clone()))
        .collect();
    let demo = &m["com.example.demo"];
    assert!(demo["audit"]["policy"]
        .as_str()
        .unwrap()
        .ends_with("com.example.demo.md"));
    let findings = demo["audit"]["findings"].as_array().unwrap();
    // the demo app has SDKs (JPush, Youlianghui, Pangle) the policy does not name
    let undeclared: Vec<&str> = findings
        .iter()
        .filter(|f| f["kind"] == "undeclared_sdk")
        .filter_map(|f| f["sdk"].as_str())
        .collect();
    let sdks: Vec<&str> = demo["sdks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(!sdks.is_empty());
    for s in &sdks {
        assert!(
            undeclared.contains(s),
            "{s} not reported undeclared: {undeclared:?}"
        );
    }
    assert!(m["com.example.nopolicy"]["audit"]["error"].is_string());
    // a package name with a path in it never reaches outside the directory
    let evil = &m["../policies/com.example.demo"];
    assert!(evil["audit"]["policy"].is_null(), "{evil}");
    // summary counts the finding kinds
    let sum = run(&["summary", out_file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(sum.status.code(), Some(0));
    let s: Value = serde_json::from_slice(&sum.stdout).unwrap();
    assert_eq!(s["records"], 3);
    let f = s["findings"].as_array().unwrap();
    let und = f.iter().find(|c| c["id"] == "undeclared_sdk").unwrap();
    assert_eq!(und["apps"], 1);
    assert_eq!(und["total"].as_u64().unwrap() as usize, undeclared.len());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn corpus_batch_matches_truth() {
    let Some(corpus) = shared() else { return };
    let tmp = tempdir("corpus");
    let out_file = tmp.join("all.jsonl");
    let out = run(&[
        "scan",
        corpus.to_str().unwrap(),
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = read_records(&out_file);
    // truth: one JSON per corpus input, written by aapt/androguard tooling, with sha256/size
    let mut truth = BTreeMap::new();
    for sub in std::fs::read_dir(corpus.join("truth")).unwrap().flatten() {
        if !sub.path().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(sub.path()).unwrap().flatten() {
            let t: Value = serde_json::from_slice(&std::fs::read(f.path()).unwrap()).unwrap();
            let file = corpus
                .join(t["file"].as_str().unwrap())
                .display()
                .to_string();
            truth.insert(file, t);
        }
    }
    let got = by_file(&recs);
    assert_eq!(recs.len(), got.len(), "one record per input");
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        truth.keys().collect::<Vec<_>>(),
        "records are exactly the corpus inputs"
    );
    for (f, t) in &truth {
        let r = &got[f];
        assert_eq!(r["sha256"], t["sha256"], "{f}");
        assert_eq!(r["size"], t["size"], "{f}");
        assert!(r["error"].is_null() || r["error"].is_string());
        if r["error"].is_null() {
            assert!(r["kind"].is_string(), "{f}");
        }
    }
    // resume and shards over the real corpus
    check_resume(&[corpus.to_str().unwrap(), "--sorted"], &tmp, 37);
    check_shards(corpus.to_str().unwrap(), "path");
    // summary agrees with the records
    let sum = run(&["summary", out_file.to_str().unwrap(), "--format", "json"]);
    let s: Value = serde_json::from_slice(&sum.stdout).unwrap();
    let errors = recs.iter().filter(|r| !r["error"].is_null()).count();
    assert_eq!(s["records"].as_u64(), Some(recs.len() as u64));
    assert_eq!(s["errors"].as_u64(), Some(errors as u64));
    std::fs::remove_dir_all(&tmp).ok();
}

#[test]
fn split_folder_is_one_input() {
    let dir = tempdir("splitdir");
    let app = dir.join("com.example.split");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("base.apk"),
        apk_with_package("com.example.split", &[]),
    )
    .unwrap();
    let mut m = testkit::Node::new("manifest")
        .plain("package", AttrValue::Str("com.example.split".into()))
        .plain("split", AttrValue::Str("config.xhdpi".into()));
    m = m.child(testkit::Node::new("application"));
    let split = testkit::write_zip(&[("AndroidManifest.xml", &testkit::write_axml(&m))]).unwrap();
    std::fs::write(app.join("split_config.xhdpi.apk"), split).unwrap();
    std::fs::write(
        dir.join("other.apk"),
        apk_with_package("com.example.other", &[]),
    )
    .unwrap();
    let out = run(&["scan", dir.to_str().unwrap(), "--sorted"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = records(&String::from_utf8_lossy(&out.stdout));
    let m = by_file(&recs);
    assert_eq!(m.len(), 2, "{:?}", m.keys());
    let folder = &m[&app.display().to_string()];
    assert_eq!(folder["kind"], "split-set", "{folder}");
    assert_eq!(folder["package"], "com.example.split");
    assert_eq!(folder["splits"].as_array().map(Vec::len), Some(2));
    // resume recognises the folder by its set hash
    let o = dir.join("out.jsonl");
    run(&["scan", dir.to_str().unwrap(), "-o", o.to_str().unwrap()]);
    let before = std::fs::read_to_string(&o).unwrap();
    run(&[
        "scan",
        dir.to_str().unwrap(),
        "-o",
        o.to_str().unwrap(),
        "--resume",
    ]);
    assert_eq!(std::fs::read_to_string(&o).unwrap(), before);
    // given alone, the folder is one app: the single-file table
    let single = run(&["scan", app.to_str().unwrap()]);
    assert_eq!(single.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&single.stdout).contains("com.example.split"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Every record (scanned or not) and the single-scan JSON carry the provenance: the
/// version, `Knowledge::digest` of the database in use, the result-changing options;
/// `summary` counts provenances and `summary --stale` lists the records another version
/// or database made (and those without provenance).
#[test]
fn provenance_in_records_and_stale_listing() {
    let (dir, expect) = make_dump("prov", 3);
    let out_a = dir.join("a.jsonl");
    let out = run(&[
        "scan",
        dir.to_str().unwrap(),
        "--sorted",
        "--timeout",
        "60",
        "-o",
        out_a.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let recs = read_records(&out_a);
    assert_eq!(files_of(&recs), expect);
    let digest = &apkaudit::Knowledge::embedded().digest;
    for r in &recs {
        let p = &r["provenance"];
        assert_eq!(p["apkaudit"], env!("CARGO_PKG_VERSION"), "{r}");
        assert_eq!(p["knowledge"].as_str(), Some(digest.as_str()), "{r}");
        assert_eq!(p["options"]["max_inflated"], 2u64 << 30);
        assert_eq!(p["options"]["timeout_ms"], 60_000);
        assert_eq!(p["options"]["policy_dir"], false);
    }
    assert!(
        recs.iter().any(|r| r["error"].is_string()),
        "an error record too"
    );

    // another database: one extra signature file, in a folder elsewhere
    let sigs = dir.join("sigs");
    std::fs::create_dir_all(&sigs).unwrap();
    std::fs::write(sigs.join("probe-sdk.toml"), crate::common::PROBE_SIG).unwrap();
    let out_b = dir.join("b.jsonl");
    let app = dir.join("store0/app000.apk");
    let out = run(&[
        "scan",
        app.to_str().unwrap(),
        "--signatures",
        sigs.to_str().unwrap(),
        "-o",
        out_b.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b = read_records(&out_b);
    let other = b[0]["provenance"]["knowledge"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(&other, digest);
    // the digest names signature files relative to their folder: a copy elsewhere agrees
    let sigs2 = dir.join("elsewhere/sigs");
    std::fs::create_dir_all(&sigs2).unwrap();
    std::fs::copy(sigs.join("probe-sdk.toml"), sigs2.join("probe-sdk.toml")).unwrap();
    let out = run(&[
        "scan",
        app.to_str().unwrap(),
        "--format",
        "json",
        "--signatures",
        sigs2.to_str().unwrap(),
    ]);
    let single: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        single["provenance"]["knowledge"].as_str(),
        Some(other.as_str())
    );
    // a single scan has the same budget as each file of a batch
    assert_eq!(single["provenance"]["options"]["max_inflated"], 2u64 << 30);

    // a merged file: current records, one from the other database, one hand-aged, one
    // from before provenance
    let mut text = std::fs::read_to_string(&out_a).unwrap();
    let mut old = records(text.lines().next().unwrap())[0].clone();
    old["file"] = "old-version.apk".into();
    old["provenance"]["apkaudit"] = "0.0.1".into();
    let mut bare = old.clone();
    bare["file"] = "no-provenance.apk".into();
    bare.as_object_mut().unwrap().remove("provenance");
    let mut moved = b[0].clone();
    moved["file"] = "other-db.apk".into();
    for r in [&old, &bare, &moved] {
        text.push_str(&format!("{r}\n"));
    }
    let merged = dir.join("merged.jsonl");
    std::fs::write(&merged, text).unwrap();
    let out = run(&[
        "summary",
        merged.to_str().unwrap(),
        "--stale",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stale: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stale["schema_version"], 1);
    let got: BTreeMap<String, Vec<String>> = stale["stale"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let d = s["differs"].as_array().unwrap();
            let d = d.iter().map(|x| x.as_str().unwrap().to_string()).collect();
            (s["file"].as_str().unwrap().to_string(), d)
        })
        .collect();
    let want: BTreeMap<String, Vec<String>> = [
        ("old-version.apk", vec!["apkaudit"]),
        ("no-provenance.apk", vec!["provenance"]),
        ("other-db.apk", vec!["knowledge"]),
    ]
    .into_iter()
    .map(|(f, d)| (f.to_string(), d.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(got, want);
    // against the other database, every record but the one it made is stale
    let out = run(&[
        "summary",
        merged.to_str().unwrap(),
        "--stale",
        "--signatures",
        sigs.to_str().unwrap(),
    ]);
    let listed: BTreeSet<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(listed.len(), recs.len() + 2);
    assert!(!listed.contains("other-db.apk"));
    // summary counts records by provenance
    let out = run(&["summary", merged.to_str().unwrap(), "--format", "json"]);
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    let prov: BTreeMap<String, u64> = s["provenance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["apps"].as_u64().unwrap(),
            )
        })
        .collect();
    let cur = format!(
        "{} knowledge {} max_inflated=2147483648 timeout_ms=60000",
        env!("CARGO_PKG_VERSION"),
        &digest[..12]
    );
    assert_eq!(prov.get(&cur), Some(&(recs.len() as u64)), "{prov:?}");
    assert_eq!(prov.get("none"), Some(&1));
    assert_eq!(prov.values().sum::<u64>(), recs.len() as u64 + 3);
    std::fs::remove_dir_all(&dir).ok();
}
