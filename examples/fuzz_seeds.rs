//! Write the seed corpora of the fuzz targets (`fuzz/`) into `fuzz/corpus/<target>/`:
//! the test kit's fixtures, the regression inputs in `tests/data/fuzz/`, and, when
//! `../shared/corpus` and `../shared/policies` exist, small files and entries extracted
//! from them. `cargo run --example fuzz_seeds --features testkit` (fuzz/run.sh does it).
use apkaudit::formats::zip::{Archive, Limits};
use apkaudit::testkit;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Largest seed kept per target. It may exceed the `-max_len` of fuzz/run.sh: libFuzzer
/// reads the first `-max_len` bytes of a longer seed, so a policy keeps its opening and a
/// dex or table seed of up to 64 KiB is still offered whole to a run with a larger limit.
fn max_len(target: &str) -> usize {
    match target {
        "classfile" | "aapt_pb" => 16 << 10,
        "axml" | "policy" => 32 << 10,
        _ => 64 << 10,
    }
}

/// Most seeds taken per target from the corpus (the smallest first).
const MAX_SEEDS: usize = 400;

#[derive(Default)]
struct Seeds(BTreeMap<&'static str, Vec<Vec<u8>>>);

impl Seeds {
    fn add(&mut self, target: &'static str, bytes: &[u8]) {
        if !bytes.is_empty() && bytes.len() <= max_len(target) {
            self.0.entry(target).or_default().push(bytes.to_vec());
        }
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Entries of a ZIP by where they go, one nested level (classes.jar in an AAR, APKs in
/// a split set).
fn from_zip(seeds: &mut Seeds, data: &[u8], depth: u8) {
    let Ok(a) = Archive::parse(data, Limits::default()) else {
        return;
    };
    let mut small = Vec::new();
    for e in a.entries() {
        if e.size > 8 << 20 {
            continue;
        }
        let Ok(b) = a.read(e) else { continue };
        let n = e.name.as_str();
        if (n == "AndroidManifest.xml" || (n.ends_with(".xml") && n.starts_with("res/")))
            && apkaudit::formats::axml::looks_like_axml(&b)
        {
            seeds.add("axml", &b);
        }
        if n.starts_with("base/") && n.ends_with(".xml") {
            seeds.add("aapt_pb", &b);
        }
        if n.ends_with(".arsc") {
            seeds.add("arsc", &b);
        }
        if n.ends_with(".dex") {
            seeds.add("dex", &b);
        }
        if n.ends_with(".class") {
            seeds.add("classfile", &b);
        }
        if n.ends_with(".so") {
            seeds.add("elf", &b);
        }
        if depth == 0 && (n.ends_with(".jar") || n.ends_with(".apk")) {
            from_zip(seeds, &b, 1);
        }
        if b.len() <= 4096 && small.len() < 6 {
            small.push((e.name.clone(), b.into_owned()));
        }
    }
    // a small ZIP of the container's small entries keeps its shape under -max_len
    let refs: Vec<(&str, &[u8])> = small.iter().map(|(n, b)| (n.as_str(), &b[..])).collect();
    if let Ok(z) = testkit::write_zip(&refs) {
        seeds.add("zip", &z);
        seeds.add("scan", &z);
    }
}

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Seeds::default();

    // the test kit's fixtures
    let manifest = testkit::write_axml(&testkit::demo_manifest());
    let dex = testkit::demo_dex()?;
    let apk = testkit::demo_apk()?;
    seeds.add("axml", &manifest);
    seeds.add("scan", &manifest);
    seeds.add("dex", &dex);
    seeds.add("zip", &apk);
    seeds.add("scan", &apk);
    from_zip(&mut seeds, &apk, 0);

    // the shared corpus: small files whole, entries of every container
    let shared = root.join("../shared");
    let mut corpus = Vec::new();
    files(&shared.join("corpus"), &mut corpus);
    corpus.sort();
    for p in &corpus {
        let Ok(b) = std::fs::read(p) else { continue };
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        match ext {
            "xml" => seeds.add("axml", &b),
            "apk" | "apks" | "aab" | "aar" | "jar" | "xapk" | "apkm" | "zip" => {
                seeds.add("zip", &b);
                seeds.add("scan", &b);
                from_zip(&mut seeds, &b, 0);
            }
            _ => {}
        }
    }

    // policies: each file as several layouts (the first byte selects; see the target)
    let mut policies = Vec::new();
    for d in ["policies", "seeds"] {
        files(&shared.join(d), &mut policies);
    }
    files(&root.join("tests/data/policies"), &mut policies);
    files(&root.join("samples"), &mut policies);
    policies.sort();
    for p in &policies {
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(
            ext,
            "md" | "mdx" | "txt" | "html" | "json" | "csv" | "xcprivacy"
        ) {
            continue;
        }
        let Ok(b) = std::fs::read(p) else { continue };
        let body = &b[..b.len().min(max_len("policy") - 1)];
        for sel in [0u8, 0x80 | 4] {
            let mut v = vec![sel];
            v.extend_from_slice(body);
            seeds.add("policy", &v);
        }
    }

    // regression inputs: tests/data/fuzz/<target>-<name>
    let mut regressions = Vec::new();
    files(&root.join("tests/data/fuzz"), &mut regressions);
    let targets = [
        "zip",
        "axml",
        "arsc",
        "aapt_pb",
        "dex",
        "classfile",
        "elf",
        "policy",
        "scan",
    ];

    for t in targets {
        let dir = root.join("fuzz/corpus").join(t);
        std::fs::create_dir_all(&dir)?;
        let mut list = seeds.0.remove(t).unwrap_or_default();
        list.sort_by_key(|b| b.len());
        list.dedup();
        list.truncate(MAX_SEEDS);
        for p in &regressions {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with(&format!("{t}-")) {
                list.push(std::fs::read(p)?);
            }
        }
        for b in &list {
            let h = Sha256::digest(b);
            let name: String = h[..10].iter().map(|x| format!("{x:02x}")).collect();
            std::fs::write(dir.join(name), b)?;
        }
        println!("{t}: {} seeds in {}", list.len(), dir.display());
    }
    Ok(())
}
