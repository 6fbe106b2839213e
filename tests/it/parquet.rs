//! `--format parquet`: the Parquet of a batch, read back by a real engine (DuckDB's and
//! pyarrow's Python packages; the test is ignored with the reason where they are absent),
//! gives the same per-SDK, per-permission, data-access and finding counts as the JSONL of
//! the same batch; a run that cannot finish leaves no file under the target name.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_apkaudit");

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("apkaudit-parquet-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn apkaudit(args: &[&str]) -> std::process::Output {
    let out = Command::new(BIN).args(args).output().expect("run apkaudit");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

type Counts = BTreeMap<String, BTreeMap<String, u64>>;

/// Apps per SDK id, permission, owner:data type and finding kind, plus rows and errors,
/// counted from the JSONL records (the last record of each file).
fn jsonl_counts(path: &Path) -> Counts {
    let text = std::fs::read_to_string(path).unwrap();
    let mut last: BTreeMap<String, Value> = BTreeMap::new();
    for l in text.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        last.insert(v["file"].as_str().unwrap().to_string(), v);
    }
    let mut c = Counts::new();
    let mut add = |sec: &str, keys: std::collections::BTreeSet<String>| {
        for k in keys {
            *c.entry(sec.into()).or_default().entry(k).or_default() += 1;
        }
    };
    for r in last.values() {
        add("rows", ["all".to_string()].into());
        if r["error"].is_string() {
            add("rows", ["error".to_string()].into());
        }
        let arr = |v: &Value| v.as_array().cloned().unwrap_or_default();
        add(
            "sdks",
            arr(&r["sdks"])
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_string())
                .collect(),
        );
        add(
            "permissions",
            arr(&r["permissions"])
                .iter()
                .map(|s| s["name"].as_str().unwrap().to_string())
                .collect(),
        );
        add(
            "data_access",
            arr(&r["data_access"])
                .iter()
                .flat_map(|a| {
                    arr(&a["data_types"])
                        .into_iter()
                        .map(|t| {
                            format!(
                                "{}:{}",
                                a["owner"].as_str().unwrap(),
                                t["data_type"].as_str().unwrap()
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .collect(),
        );
        add(
            "findings",
            arr(&r["audit"]["findings"])
                .iter()
                .map(|f| f["kind"].as_str().unwrap().to_string())
                .collect(),
        );
    }
    c
}

/// The same counts from the Parquet file, by DuckDB (SQL over the nested columns) and
/// checked for rows and schema by pyarrow.
const READ_BACK: &str = r#"
import json, sys
import duckdb, pyarrow.parquet as pq
p = sys.argv[1]
src = "read_parquet('" + p.replace("'", "''") + "')"
con = duckdb.connect()
def q(sql):
    return {str(k): int(v) for k, v in con.execute(sql).fetchall()}
out = {
  "rows": q(f"select 'all', count(*) from {src} union all select 'error', count(*) from {src} where error is not null having count(*) > 0"),
  "sdks": q(f"select e.id, count(distinct file) from (select file, unnest(sdks) as e from {src}) group by 1"),
  "permissions": q(f"select e.name, count(distinct file) from (select file, unnest(permissions) as e from {src}) group by 1"),
  "data_access": q(f"select e.owner || ':' || e.data_type, count(distinct file) from (select file, unnest(data_access) as e from {src}) group by 1"),
  "findings": q(f"select e.kind, count(distinct file) from (select file, unnest(findings) as e from {src}) group by 1"),
}
t = pq.read_table(p)
assert t.num_rows == out["rows"]["all"], (t.num_rows, out["rows"])
names = set(t.schema.names)
for col in ["file", "sha256", "package", "error", "apkaudit", "knowledge", "sdks", "permissions", "data_access", "findings"]:
    assert col in names, col
print(json.dumps({k: v for k, v in out.items() if v}))
"#;

fn parquet_counts(path: &Path) -> Counts {
    let out = Command::new("python3")
        .args(["-c", READ_BACK, path.to_str().unwrap()])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "read-back failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Scan `inputs` to JSONL and to Parquet (same options) and compare the counts.
fn check_same_counts(tag: &str, inputs: &[&str], extra: &[&str]) -> Counts {
    let dir = tempdir(tag);
    let jsonl = dir.join("out.jsonl");
    let pq = dir.join("out.parquet");
    let mut a: Vec<&str> = vec!["scan"];
    a.extend_from_slice(inputs);
    a.extend_from_slice(extra);
    let mut j = a.clone();
    j.extend_from_slice(&["-o", jsonl.to_str().unwrap()]);
    apkaudit(&j);
    let mut p = a.clone();
    p.extend_from_slice(&["-o", pq.to_str().unwrap(), "--format", "parquet"]);
    apkaudit(&p);
    let want = jsonl_counts(&jsonl);
    let got = parquet_counts(&pq);
    assert_eq!(got, want);
    // no temporary file is left beside the output
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    // summary --format parquet: the summary counts as rows
    let sp = dir.join("summary.parquet");
    apkaudit(&[
        "summary",
        jsonl.to_str().unwrap(),
        "--format",
        "parquet",
        "-o",
        sp.to_str().unwrap(),
    ]);
    let js: Value = serde_json::from_slice(
        &apkaudit(&["summary", jsonl.to_str().unwrap(), "--format", "json"]).stdout,
    )
    .unwrap();
    let sql = format!(
        "import duckdb; print(duckdb.sql(\"select apps from read_parquet('{}') where section = 'sdk' order by apps desc, id limit 1\").fetchall())",
        sp.display()
    );
    let out = Command::new("python3").args(["-c", &sql]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(top) = js["sdks"].as_array().and_then(|a| a.first()) {
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("[({},)]", top["apps"])
        );
    }
    std::fs::remove_dir_all(&dir).ok();
    want
}

/// Generated apps (the demo app under many packages, with and without a policy), a broken
/// file and a missing path.
#[test]
#[cfg_attr(
    not(all(has_duckdb, has_pyarrow)),
    ignore = "needs python3 with duckdb and pyarrow (pip install duckdb pyarrow)"
)]
fn generated_batch_parquet_counts_equal_jsonl() {
    use apkaudit::testkit;
    let dir = tempdir("gen-in");
    let apps = dir.join("apps");
    let pols = dir.join("policies");
    std::fs::create_dir_all(&apps).unwrap();
    std::fs::create_dir_all(&pols).unwrap();
    std::fs::write(apps.join("demo.apk"), testkit::demo_apk().unwrap()).unwrap();
    for i in 0..40 {
        let mut m = testkit::demo_manifest();
        for a in &mut m.attrs {
            if a.1 == "package" {
                a.2 = testkit::AttrValue::Str(format!("com.example.gen{i}"));
            }
        }
        let manifest = testkit::write_axml(&m);
        let apk = testkit::write_zip(&[("AndroidManifest.xml", &manifest)]).unwrap();
        std::fs::write(apps.join(format!("gen{i:02}.apk")), apk).unwrap();
        if i % 3 == 0 {
            std::fs::write(
                pols.join(format!("com.example.gen{i}.md")),
                "# Privacy\n\nWe collect nothing.\n",
            )
            .unwrap();
        }
    }
    std::fs::write(
        pols.join("com.example.demo.md"),
        "# Privacy\n\nWe collect your email address.\n",
    )
    .unwrap();
    std::fs::write(apps.join("broken.apk"), b"PK\x03\x04 not a zip").unwrap();
    let missing = dir.join("missing.apk");
    let c = check_same_counts(
        "gen",
        &[apps.to_str().unwrap(), missing.to_str().unwrap()],
        &["--policy-dir", pols.to_str().unwrap()],
    );
    assert_eq!(c["rows"]["all"], 43);
    assert_eq!(c["rows"]["error"], 2);
    assert!(!c["sdks"].is_empty() && !c["permissions"].is_empty() && !c["findings"].is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

/// The corpus (real apps, split sets, hostile files).
#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
#[cfg_attr(
    not(all(has_duckdb, has_pyarrow)),
    ignore = "needs python3 with duckdb and pyarrow (pip install duckdb pyarrow)"
)]
fn corpus_parquet_counts_equal_jsonl() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");
    let c = check_same_counts("corpus", &[corpus], &[]);
    assert!(c["rows"]["all"] > 100);
    assert!(!c["data_access"].is_empty());
}

/// A full disk (here: a file-size limit, `ulimit -f`, with SIGXFSZ ignored so the write
/// fails with EFBIG): exit 2, and neither the target nor a temporary file is left.
#[test]
fn parquet_out_of_space_leaves_no_complete_looking_file() {
    let dir = tempdir("full");
    let apps = dir.join("apps");
    std::fs::create_dir_all(&apps).unwrap();
    for i in 0..30 {
        std::fs::write(
            apps.join(format!("d{i}.apk")),
            apkaudit::testkit::demo_apk().unwrap(),
        )
        .unwrap();
    }
    let out = dir.join("out/o.parquet");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let script = format!(
        "trap '' XFSZ; ulimit -f 4; exec '{BIN}' scan '{}' --format parquet -o '{}' --no-progress",
        apps.display(),
        out.display()
    );
    let r = Command::new("bash").args(["-c", &script]).output().unwrap();
    assert_eq!(
        r.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let left: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    // the same run without the limit writes a complete file
    apkaudit(&[
        "scan",
        apps.to_str().unwrap(),
        "--format",
        "parquet",
        "-o",
        out.to_str().unwrap(),
    ]);
    let b = std::fs::read(&out).unwrap();
    assert!(b.len() > 4096 && b.starts_with(b"PAR1") && b.ends_with(b"PAR1"));
    std::fs::remove_dir_all(&dir).ok();
}
