//! `apkaudit::formats::signing` against `apksigner verify --print-certs -v` (Debian package `apksigner`)
//! on every APK of the shared corpus (`apps/`, `edge/`, `split/`) that apksigner reads.
//!
//! apksigner reports schemes that *verify*; `read_signing` reports blocks that are *present*.
//! What is compared (see docs/signing.md):
//! * each scheme apksigner verified (v1, v2, v3; v3.1 and v4 when it prints them) is present;
//! * each scheme present but not verified is one that apksig skips by its own rule
//!   (v1 when minSdk >= 24 and a v2/v3 block exists; v2 when minSdk >= 28 and v3 exists);
//! * the signers (count and order), each signer's certificate SHA-256, subject DN, key
//!   algorithm and key size; the source-stamp certificate when apksigner prints one;
//! * Janus: an APK apksigner verified with v1 only and whose manifest minSdk < 24 is exposed.
//!
//! The corpus is `$APKAUDIT_CORPUS` or `../shared/corpus`. The comparison needs the corpus and
//! apksigner, so it is `#[ignore]`d (listed as ignored, never passed vacuously); run it with
//! `cargo test --test signing_corpus -- --include-ignored`. Run that way without the corpus or
//! without apksigner, it fails and says what is missing.

use apkaudit::formats::signing::{read_signing, SigningInfo};
use apkaudit::formats::zip::{Archive, Limits};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("APKAUDIT_CORPUS") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    p.is_dir().then_some(p)
}

/// APK-like files of the corpus: `.apk` and `.jar` under apps/, edge/, split/, sorted.
fn corpus_files(corpus: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["apps", "edge", "split"] {
        let Ok(rd) = std::fs::read_dir(corpus.join(dir)) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if matches!(p.extension().and_then(|x| x.to_str()), Some("apk" | "jar")) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `META-INF/` entries the scan would inflate for `read_signing`, read with the project's own
/// ZIP reader (it reads entries with unusual compression methods as Android does).
fn meta_inf_entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(zip) = Archive::parse(bytes, Limits::default()) else {
        return out;
    };
    for e in zip.entries() {
        let upper = e.name.to_ascii_uppercase();
        let wanted = e.name.starts_with("META-INF/")
            && [".SF", ".RSA", ".DSA", ".EC", "/MANIFEST.MF"]
                .iter()
                .any(|x| upper.ends_with(x));
        if wanted && e.size <= 16 << 20 {
            if let Ok(data) = zip.read(e) {
                out.push((e.name.clone(), data.into_owned()));
            }
        }
    }
    out
}

fn read_apk(path: &Path) -> (SigningInfo, Option<u32>) {
    let bytes = std::fs::read(path).expect("read corpus file");
    let entries = meta_inf_entries(&bytes);
    let v1: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let min_sdk = truth_min_sdk(path);
    (read_signing(&bytes, &v1, min_sdk), min_sdk)
}

/// minSdk from the corpus truth (`truth/<dir>/<file>.json`: aapt's sdkVersion, else
/// androguard's minSdkVersion, else 1 when aapt read a manifest without one).
fn truth_min_sdk(path: &Path) -> Option<u32> {
    let dir = path.parent()?.file_name()?.to_str()?;
    let name = path.file_name()?.to_str()?;
    let truth = path
        .parent()?
        .parent()?
        .join("truth")
        .join(dir)
        .join(format!("{name}.json"));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(truth).ok()?).ok()?;
    let num = |x: &serde_json::Value| -> Option<u32> {
        x.as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| x.as_u64().map(|n| n as u32))
    };
    num(&v["aapt"]["sdkVersion"])
        .or_else(|| num(&v["androguard"]["minSdkVersion"]))
        .or_else(|| {
            v["aapt_xmltree"]["minSdkVersion"]
                .as_str()
                .and_then(codename_sdk)
        })
        .or_else(|| (v["aapt"]["ok"] == serde_json::Value::Bool(true)).then_some(1))
}

/// A development codename as minSdkVersion ("VanillaIceCream"), mapped as apksig does
/// (`ApkUtils.getMinSdkVersionForCodename`: by first letter, table up to 'O' = 25, then +1
/// per letter).
fn codename_sdk(s: &str) -> Option<u32> {
    const TABLE: [(char, u32); 13] = [
        ('C', 2),
        ('D', 3),
        ('E', 4),
        ('F', 7),
        ('G', 8),
        ('H', 10),
        ('I', 13),
        ('J', 15),
        ('K', 18),
        ('L', 20),
        ('M', 22),
        ('N', 23),
        ('O', 25),
    ];
    let c = s.chars().next().filter(char::is_ascii_uppercase)?;
    let (last_c, last_api) = TABLE
        .iter()
        .rev()
        .find(|(t, _)| *t <= c)
        .copied()
        .unwrap_or(('A', 1));
    Some(last_api + (c as u32 - last_c as u32))
}

/// What apksigner said about one file.
#[derive(Debug, Default)]
struct Apksigner {
    verified: BTreeMap<String, bool>,
    /// Signer number → field → value.
    signers: BTreeMap<u32, BTreeMap<String, String>>,
    stamp: BTreeMap<String, String>,
}

fn apksigner_available() -> bool {
    Command::new("apksigner")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run_apksigner(path: &Path) -> Option<Apksigner> {
    let out = Command::new("apksigner")
        .args(["verify", "--print-certs", "-v"])
        .arg(path)
        .output()
        .expect("run apksigner");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !stdout.lines().any(|l| l == "Verifies") {
        return None;
    }
    let mut r = Apksigner::default();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("Verified using ") {
            // "v2 scheme (APK Signature Scheme v2): true"
            if let (Some(scheme), Some(val)) = (rest.split(' ').next(), rest.rsplit(": ").next()) {
                r.verified.insert(scheme.to_string(), val == "true");
            }
        } else if let Some(rest) = line.strip_prefix("Signer #") {
            let Some((num, field)) = rest.split_once(' ') else {
                continue;
            };
            let Ok(num) = num.parse::<u32>() else {
                continue;
            };
            if let Some((k, v)) = field.split_once(": ") {
                r.signers
                    .entry(num)
                    .or_default()
                    .insert(k.to_string(), v.to_string());
            }
        } else if let Some(rest) = line.strip_prefix("Source Stamp Signer ") {
            if let Some((k, v)) = rest.split_once(": ") {
                r.stamp.insert(k.to_string(), v.to_string());
            }
        }
    }
    Some(r)
}

/// DN with escapes and quotes removed and spaces around separators collapsed: Java quotes
/// special values ("a, b") where RFC 4514 escapes them (a\, b); the content is compared.
fn norm_dn(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '"' => {}
            c => out.push(c),
        }
    }
    out.split(',').map(str::trim).collect::<Vec<_>>().join(",")
}

fn present(info: &SigningInfo, scheme: &str) -> Option<bool> {
    Some(match scheme {
        "v1" => info.schemes.v1,
        "v2" => info.schemes.v2,
        "v3" => info.schemes.v3,
        "v3.1" => info.schemes.v31,
        "v4" => info.schemes.v4,
        _ => return None,
    })
}

#[test]
#[cfg_attr(
    not(all(shared, has_apksigner)),
    ignore = "needs ../shared/corpus and apksigner"
)]
fn signing_agrees_with_apksigner() {
    let corpus = corpus_dir().expect(
        "corpus not found: set APKAUDIT_CORPUS or place the shared corpus at ../shared/corpus",
    );
    assert!(
        apksigner_available(),
        "apksigner not found: apt-get install apksigner"
    );
    let files = corpus_files(&corpus);
    assert!(
        !files.is_empty(),
        "no .apk/.jar files under {}",
        corpus.display()
    );

    let (mut compared, mut fields_checked) = (0, 0);
    let mut not_read = Vec::new();
    let mut skipped_by_rule = Vec::new();
    let mut failures = Vec::new();
    for path in &files {
        let rel = path
            .strip_prefix(&corpus)
            .unwrap_or(path)
            .display()
            .to_string();
        let (info, min_sdk) = read_apk(path);
        let Some(a) = run_apksigner(path) else {
            not_read.push(rel);
            continue;
        };
        compared += 1;
        let mut fail = |m: String| failures.push(format!("{rel}: {m}"));

        // Schemes: verified ⇒ present; present ∧ ¬verified ⇒ apksig's skip rule applies.
        let min = min_sdk;
        for (scheme, &verified) in &a.verified {
            let Some(p) = present(&info, scheme) else {
                continue;
            };
            fields_checked += 1;
            if verified && !p {
                fail(format!(
                    "apksigner verified {scheme}, read_signing finds no {scheme}"
                ));
            } else if p && !verified {
                let skipped = match (scheme.as_str(), min) {
                    ("v1", Some(m)) => m >= 24 && (info.schemes.v2 || info.schemes.v3),
                    ("v2", Some(m)) => m >= 28 && info.schemes.v3,
                    // v3.1 and v4: only compared when apksigner verified them.
                    ("v3.1" | "v4", _) => true,
                    _ => false,
                };
                if skipped {
                    skipped_by_rule.push(format!(
                        "{rel}: {scheme} present, not checked by apksigner (minSdk {min:?})"
                    ));
                } else {
                    fail(format!(
                        "{scheme} present but apksigner did not verify it (minSdk {min:?})"
                    ));
                }
            }
        }

        // Signers.
        let ours = &info.effective_signers;
        if a.signers.len() != ours.len() {
            fail(format!(
                "{} signers per apksigner, {} per read_signing ({:?})",
                a.signers.len(),
                ours.len(),
                info.effective_scheme
            ));
        }
        for (i, (num, fields)) in a.signers.iter().enumerate() {
            let Some(c) = ours.get(i) else { break };
            let mut check = |what: &str, theirs: Option<&String>, mine: Option<String>| {
                fields_checked += 1;
                if theirs.map(String::as_str) != mine.as_deref() {
                    fail(format!(
                        "signer #{num} {what}: apksigner {theirs:?}, read_signing {mine:?}"
                    ));
                }
            };
            check(
                "SHA-256",
                fields.get("certificate SHA-256 digest"),
                Some(c.sha256.clone()),
            );
            check(
                "DN",
                fields.get("certificate DN").map(|d| norm_dn(d)).as_ref(),
                c.subject.as_deref().map(norm_dn),
            );
            check(
                "key algorithm",
                fields.get("key algorithm"),
                c.key_algorithm.clone(),
            );
            check(
                "key size",
                fields.get("key size (bits)"),
                c.key_size.map(|k| k.to_string()),
            );
        }
        if let Some(d) = a.stamp.get("certificate SHA-256 digest") {
            fields_checked += 1;
            let mine = info.source_stamp.as_ref().map(|c| c.sha256.as_str());
            if mine != Some(d.as_str()) {
                fail(format!(
                    "source stamp SHA-256: apksigner {d}, read_signing {mine:?}"
                ));
            }
        }

        // Janus: verified with v1 only, manifest minSdk < 24.
        let v1_only =
            a.verified.get("v1") == Some(&true) && !a.verified.iter().any(|(s, v)| s != "v1" && *v);
        if v1_only && !info.schemes.v2 && !info.schemes.v3 && !info.schemes.v31 {
            if let Some(m) = min_sdk {
                fields_checked += 1;
                if info.janus_exposed != Some(m < 24) {
                    fail(format!(
                        "janus_exposed {:?} with v1 only and minSdk {m}",
                        info.janus_exposed
                    ));
                }
            }
        }
    }
    eprintln!(
        "signing vs apksigner: {} files, {compared} read by apksigner and compared ({fields_checked} facts), {} not verified by apksigner, {} schemes present but skipped by apksig's rule, {} disagreements",
        files.len(),
        not_read.len(),
        skipped_by_rule.len(),
        failures.len()
    );
    for s in &skipped_by_rule {
        eprintln!("  {s}");
    }
    eprintln!("  not verified by apksigner: {}", not_read.join(", "));
    assert!(compared >= 1, "apksigner read no corpus file");
    assert!(
        failures.is_empty(),
        "disagreements with apksigner:\n{}",
        failures.join("\n")
    );
}

/// Every corpus file, whole and cut short at many points, reads without a panic; every
/// certificate digest is of a certificate really present in the file's signature data.
#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn corpus_files_read_without_panic() {
    let Some(corpus) = corpus_dir() else {
        eprintln!("skipping: no corpus (APKAUDIT_CORPUS or ../shared/corpus)");
        return;
    };
    for path in corpus_files(&corpus) {
        let bytes = std::fs::read(&path).expect("read corpus file");
        let entries = meta_inf_entries(&bytes);
        let v1: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        let info = read_signing(&bytes, &v1, None);
        serde_json::to_string(&info).expect("SigningInfo serializes");
        if let Some(b) = &info.signing_block {
            assert!(
                b.offset + b.size <= bytes.len() as u64,
                "{}",
                path.display()
            );
            assert_eq!(
                &bytes[(b.offset + b.size - 16) as usize..(b.offset + b.size) as usize],
                b"APK Sig Block 42"
            );
        }
        // Truncations: drop the tail (lose the EOCD), then cut inside the signing block.
        let mut cuts: Vec<usize> = (1..8).map(|k| bytes.len() * k / 8).collect();
        if let Some(b) = &info.signing_block {
            cuts.extend((0..16).map(|k| (b.offset + b.size * k / 16) as usize));
        }
        for cut in cuts {
            let _ = read_signing(&bytes[..cut.min(bytes.len())], &v1, Some(1));
        }
        // v1 block files cut short.
        for (name, data) in &v1 {
            for k in [1, 2, 3, 5, 8] {
                let cut = &data[..data.len() * k / 9];
                let _ = read_signing(&[], &[(name, cut)], Some(1));
            }
        }
    }
}

/// Standard base64 (PEM bodies), whitespace skipped.
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// SHA-256 of each certificate `openssl pkcs7 -print_certs` finds in a PKCS#7 block.
fn openssl_pkcs7_cert_digests(block: &[u8]) -> Option<Vec<String>> {
    use sha2::{Digest, Sha256};
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(["pkcs7", "-inform", "DER", "-print_certs"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(block).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut digests = Vec::new();
    for pem in text.split("-----BEGIN CERTIFICATE-----").skip(1) {
        let body = pem.split("-----END CERTIFICATE-----").next()?;
        let der = base64_decode(body);
        digests.push(
            Sha256::digest(&der)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        );
    }
    digests.sort();
    Some(digests)
}

/// Every v1 signature block in the corpus, verified by apksigner or not: the certificates
/// `read_signing` lists are the ones OpenSSL finds in the same PKCS#7 bytes.
#[test]
#[cfg_attr(
    not(all(shared, has_openssl)),
    ignore = "needs ../shared/corpus and openssl"
)]
fn v1_certificates_agree_with_openssl() {
    let corpus = corpus_dir().expect(
        "corpus not found: set APKAUDIT_CORPUS or place the shared corpus at ../shared/corpus",
    );
    let openssl_ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(openssl_ok, "openssl not found: apt-get install openssl");
    let (mut blocks, mut certs) = (0, 0);
    let mut failures = Vec::new();
    for path in corpus_files(&corpus) {
        let rel = path
            .strip_prefix(&corpus)
            .unwrap_or(&path)
            .display()
            .to_string();
        let bytes = std::fs::read(&path).expect("read corpus file");
        let entries = meta_inf_entries(&bytes);
        let v1: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        let info = read_signing(&bytes, &v1, None);
        for sig in &info.v1 {
            let Some((_, data)) = v1.iter().find(|(n, _)| *n == sig.block_file) else {
                continue;
            };
            let theirs = openssl_pkcs7_cert_digests(data);
            let mut ours: Vec<String> = sig.certificates.iter().map(|c| c.sha256.clone()).collect();
            ours.sort();
            blocks += 1;
            certs += ours.len();
            if theirs.as_ref() != Some(&ours) {
                failures.push(format!(
                    "{rel} {}: openssl {theirs:?}, read_signing {ours:?}",
                    sig.block_file
                ));
            }
            if sig.signature_file.is_some() && sig.signers.is_empty() {
                failures.push(format!(
                    "{rel} {}: no signer certificate found",
                    sig.block_file
                ));
            }
        }
    }
    eprintln!(
        "v1 vs openssl: {blocks} signature blocks, {certs} certificates, {} disagreements",
        failures.len()
    );
    assert!(blocks > 0, "no v1 signature block in the corpus");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
