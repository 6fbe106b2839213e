//! Corpus test for the resources.arsc parser: for every corpus APK whose truth records a
//! versionName (aapt, or androguard when aapt failed), that text must appear among the
//! resolved string values when the manifest's versionName is not the literal itself.
//! Truth: `../shared/corpus/truth/<path>.json` (aapt dump badging / androguard).

use apkaudit::formats::arsc::ResourceTable;
use std::io::Read;
use std::path::Path;

fn shared() -> Option<&'static Path> {
    let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared"));
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: ../shared not present");
        None
    }
}

fn read_arsc(apk: &Path) -> Option<Vec<u8>> {
    let bytes = std::fs::read(apk).ok()?;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut f = z.by_name("resources.arsc").ok()?;
    let mut out = Vec::new();
    f.read_to_end(&mut out).ok()?;
    Some(out)
}

/// Every corpus APK with a resources.arsc parses without error, and resolving every id
/// never panics; prints a summary.
#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn corpus_parses_and_resolves() {
    let Some(shared) = shared() else { return };
    let mut parsed = 0;
    let mut failed = Vec::new();
    for dir in ["apps", "edge"] {
        let Ok(rd) = std::fs::read_dir(shared.join("corpus").join(dir)) else {
            continue;
        };
        let mut files: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let Some(arsc) = read_arsc(&f) else { continue };
            match ResourceTable::parse(&arsc) {
                Ok(t) => {
                    parsed += 1;
                    let ids = t.ids();
                    let strings = ids.iter().filter_map(|&id| t.resolve(id)).count();
                    let names = ids.iter().filter_map(|&id| t.name(id)).count();
                    eprintln!(
                        "{}: {} ids, {} resolved, {} named, {} warnings",
                        f.display(),
                        ids.len(),
                        strings,
                        names,
                        t.warnings().len()
                    );
                    for w in t.warnings().iter().take(3) {
                        eprintln!("   warn: {w}");
                    }
                }
                Err(e) => failed.push(format!("{}: {e}", f.display())),
            }
        }
    }
    eprintln!("parsed {parsed}, failed {}", failed.len());
    for f in &failed {
        eprintln!("FAIL {f}");
    }
    assert!(parsed > 0);
}

/// The compact-entry table (aapt fails on it with "ResTable_entry size 0x0 is too small")
/// parses with no warnings and every one of its entries resolves and has a name.
#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn compact_entries_all_resolve() {
    let Some(shared) = shared() else { return };
    let rel = "edge/apktool_issue3705_no-dex.apk";
    let arsc = read_arsc(&shared.join("corpus").join(rel)).expect("arsc");
    let table = ResourceTable::parse(&arsc).expect("parse");
    assert!(table.len() > 1000);
    assert!(table.warnings().is_empty(), "{:?}", table.warnings());
    let resolved = table
        .ids()
        .iter()
        .filter(|&&id| table.resolve(id).is_some() && table.name(id).is_some())
        .count();
    assert_eq!(resolved, table.len());
}
