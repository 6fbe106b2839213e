//! `scan --shard auto` through the binary, with the variables a Slurm job array or a
//! Kubernetes Indexed Job sets: each task takes exactly the inputs of the `--shard K/N` it
//! maps to, the tasks together cover the dump once, and a missing or unusable environment
//! is a usage error (exit 2). The real cluster run (`tools/slurm/run-cluster-test.sh`) is
//! the ignored test at the end.

use apkaudit::testkit;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_apkaudit");

/// Every variable `--shard auto` reads; removed from each child so the test's own
/// environment (a test run inside a Slurm job, say) cannot leak in.
const AUTO_VARS: &[&str] = &[
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_STEP",
    "SLURM_ARRAY_TASK_COUNT",
    "JOB_COMPLETION_INDEX",
    "APKAUDIT_SHARD_COUNT",
];

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("apkaudit-shard-auto-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A dump of `n` distinct demo APKs (the demo app plus a numbered asset) in a few folders.
fn make_dump(tag: &str, n: usize) -> PathBuf {
    let dir = tempdir(tag);
    let manifest = testkit::write_axml(&testkit::demo_manifest());
    let dex = testkit::demo_dex().unwrap();
    for i in 0..n {
        let sub = dir.join("dump").join(format!("store{}", i % 4));
        std::fs::create_dir_all(&sub).unwrap();
        let note = format!("copy {i}");
        let apk = testkit::write_zip(&[
            ("AndroidManifest.xml", &manifest),
            ("classes.dex", &dex),
            ("assets/n.txt", note.as_bytes()),
        ])
        .unwrap();
        std::fs::write(sub.join(format!("app{i:03}.apk")), apk).unwrap();
    }
    // the plain demo APK too
    std::fs::write(dir.join("dump/demo.apk"), testkit::demo_apk().unwrap()).unwrap();
    dir
}

/// Run the binary with exactly `vars` of the auto variables set.
fn run(args: &[&str], vars: &[(&str, String)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args);
    for v in AUTO_VARS {
        c.env_remove(v);
    }
    for (k, v) in vars {
        c.env(k, v);
    }
    let out = c.output().expect("run apkaudit");
    assert!(out.status.code().is_some(), "killed by a signal");
    out
}

/// Records of a JSONL file, by `file`.
fn records(path: &Path) -> BTreeMap<String, Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["file"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

/// `scan DUMP -o OUT [--shard SHARD]` (no `--shard` when `shard` is empty) must succeed.
fn scan_ok(dump: &Path, shard: &str, out: &Path, extra: &[&str], vars: &[(&str, String)]) {
    let mut args = vec![
        "scan",
        dump.to_str().unwrap(),
        "--no-progress",
        "-o",
        out.to_str().unwrap(),
    ];
    if !shard.is_empty() {
        args.extend(["--shard", shard]);
    }
    args.extend_from_slice(extra);
    let o = run(&args, vars);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{shard} {vars:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Run one task per `vars` with `--shard auto`; each must equal `--shard k/n` for the k
/// given beside it; together they must cover a whole run once. Returns the task outputs.
fn check_tasks(
    tag: &str,
    tasks: &[(u64, Vec<(&str, String)>)],
    n: u64,
    extra: &[&str],
) -> Vec<PathBuf> {
    let dir = make_dump(tag, 24);
    let dump = dir.join("dump");
    let whole = dir.join("whole.jsonl");
    scan_ok(&dump, "", &whole, extra, &[]);
    let whole = records(&whole);
    assert_eq!(whole.len(), 25);
    let mut union = BTreeMap::new();
    let mut outs = Vec::new();
    for (k, vars) in tasks {
        let auto = dir.join(format!("auto.{k}.jsonl"));
        let explicit = dir.join(format!("explicit.{k}.jsonl"));
        scan_ok(&dump, "auto", &auto, extra, vars);
        scan_ok(&dump, &format!("{k}/{n}"), &explicit, extra, &[]);
        let got = records(&auto);
        assert_eq!(
            got,
            records(&explicit),
            "task {vars:?} is not shard {k}/{n}"
        );
        for (f, r) in got {
            assert!(union.insert(f.clone(), r).is_none(), "{f} in two shards");
        }
        outs.push(auto);
    }
    assert_eq!(
        union, whole,
        "the shards do not cover the dump exactly once"
    );
    // the summary of the concatenated shards is the summary of the one-machine run
    let merged = dir.join("merged.jsonl");
    let mut text = String::new();
    for o in &outs {
        text.push_str(&std::fs::read_to_string(o).unwrap());
    }
    std::fs::write(&merged, text).unwrap();
    let one = run(
        &[
            "summary",
            dir.join("whole.jsonl").to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    let all = run(
        &["summary", merged.to_str().unwrap(), "--format", "json"],
        &[],
    );
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&all.stdout),
        String::from_utf8_lossy(&one.stdout)
    );
    // and `summary` given the shard files themselves merges them the same way
    let mut args = vec!["summary".to_string()];
    args.extend(outs.iter().map(|o| o.to_str().unwrap().to_string()));
    args.extend(["--format".to_string(), "json".to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let files = run(&args, &[]);
    assert_eq!(
        String::from_utf8_lossy(&files.stdout),
        String::from_utf8_lossy(&one.stdout),
        "summary of the shard files"
    );
    let s: Value = serde_json::from_slice(&all.stdout).unwrap();
    assert_eq!(s["records"], 25);
    std::fs::remove_dir_all(&dir).ok();
    outs
}

fn slurm(id: u64, min: u64, max: u64, step: u64, count: u64) -> Vec<(&'static str, String)> {
    vec![
        ("SLURM_ARRAY_TASK_ID", id.to_string()),
        ("SLURM_ARRAY_TASK_MIN", min.to_string()),
        ("SLURM_ARRAY_TASK_MAX", max.to_string()),
        ("SLURM_ARRAY_TASK_STEP", step.to_string()),
        ("SLURM_ARRAY_TASK_COUNT", count.to_string()),
    ]
}

#[test]
fn slurm_array_from_zero() {
    // sbatch --array=0-2
    let tasks: Vec<_> = (0..3).map(|id| (id + 1, slurm(id, 0, 2, 1, 3))).collect();
    check_tasks("slurm0", &tasks, 3, &[]);
}

#[test]
fn slurm_array_with_offset_and_step() {
    // sbatch --array=1-7:2 → tasks 1, 3, 5, 7 are shards 1..4 of 4
    let tasks: Vec<_> = [1u64, 3, 5, 7]
        .iter()
        .enumerate()
        .map(|(i, &id)| (i as u64 + 1, slurm(id, 1, 7, 2, 4)))
        .collect();
    check_tasks("slurm-step", &tasks, 4, &["--sorted"]);
}

#[test]
fn kubernetes_indexed_job_by_content() {
    // completions: 4; JOB_COMPLETION_INDEX 0..3; APKAUDIT_SHARD_COUNT=4
    let tasks: Vec<_> = (0..4u64)
        .map(|i| {
            (
                i + 1,
                vec![
                    ("JOB_COMPLETION_INDEX", i.to_string()),
                    ("APKAUDIT_SHARD_COUNT", "4".to_string()),
                ],
            )
        })
        .collect();
    check_tasks("k8s", &tasks, 4, &["--shard-by", "content"]);
}

#[test]
fn unusable_environment_is_a_usage_error() {
    let dir = make_dump("bad", 3);
    let dump = dir.join("dump");
    let out = dir.join("out.jsonl");
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (vec![], "neither SLURM_ARRAY_TASK_ID"),
        (
            vec![("APKAUDIT_SHARD_COUNT", "4".into())],
            "neither SLURM_ARRAY_TASK_ID",
        ),
        (
            vec![("JOB_COMPLETION_INDEX", "1".into())],
            "APKAUDIT_SHARD_COUNT is not",
        ),
        (
            vec![
                ("JOB_COMPLETION_INDEX", "4".into()),
                ("APKAUDIT_SHARD_COUNT", "4".into()),
            ],
            "not below",
        ),
        // sbatch --array=0,1,5
        (slurm(5, 0, 5, 1, 3), "not a range with a fixed step"),
        (
            vec![("SLURM_ARRAY_TASK_ID", "2".into())],
            "SLURM_ARRAY_TASK_MIN is not",
        ),
        (
            vec![
                ("SLURM_ARRAY_TASK_ID", "two".into()),
                ("SLURM_ARRAY_TASK_MIN", "0".into()),
            ],
            "not a whole number",
        ),
    ];
    for (vars, msg) in cases {
        let o = run(
            &[
                "scan",
                dump.to_str().unwrap(),
                "--shard",
                "auto",
                "-o",
                out.to_str().unwrap(),
            ],
            &vars,
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{vars:?}: {err}");
        assert!(err.contains(msg), "{vars:?}: expected {msg:?} in {err}");
        assert!(!out.exists(), "{vars:?}: wrote an output");
    }
    // `auto` is a word of its own, not a K/N
    let o = run(&["scan", dump.to_str().unwrap(), "--shard", "autox"], &[]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

/// The real thing: a single-node Slurm cluster (Debian's slurm-wlm and munge) running job
/// arrays with `--shard auto` over ../shared/corpus (or `$APKAUDIT_CORPUS`); see
/// tools/slurm/run-cluster-test.sh. Any exit but 0, a skip (77) included, fails it.
#[test]
#[ignore = "needs root and slurm: run tools/slurm/run-cluster-test.sh"]
fn real_slurm_cluster() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tools/slurm/run-cluster-test.sh"
    );
    let out = Command::new("bash")
        .arg(script)
        .output()
        .expect("run the script");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("PASS"), "{text}");
}
