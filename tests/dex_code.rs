//! Dex bytecode walker against independent truth.
//!
//! * Real dex files from `../shared/corpus` (skipped when absent): for every method with
//!   code, the (pc, kind, index) sequence of constant-pool references our walker yields
//!   must equal the `// method@…`, `// field@…`, `// string@…`, `// type@…` markers that
//!   `/usr/bin/dexdump -d` prints for the same code item (skipped when dexdump is absent),
//!   and the rendered targets (`Lpkg/Cls;.name:(sig)`, field, type, string bytes) must
//!   equal dexdump's text.
//! * Malformed code (truncated insns, instruction past end, bad payload size) gives a
//!   per-method error while the rest of the dex still walks.
//! * Fuzz-style loop over mutated dex (fixed seed) never panics.
//! * `DexBuilder` output reads back through `Dex::parse` + walker and through dexdump.

use apkaudit::apk::{Archive, Limits};
use apkaudit::dex::{walk_refs, Dex, InsnRef, RefKind};
use std::collections::{BTreeSet, HashMap};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");
const DEXDUMP: &str = "/usr/bin/dexdump";

fn corpus() -> Option<PathBuf> {
    let p = Path::new(SHARED).join("corpus");
    if p.exists() {
        Some(p)
    } else {
        eprintln!("SKIP: {SHARED} absent");
        None
    }
}

fn is_root_dex(name: &str) -> bool {
    name.strip_prefix("classes")
        .and_then(|s| s.strip_suffix(".dex"))
        .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
}

/// Root `classes*.dex` of an APK, inflated with the crate's own archive reader.
fn root_dex(apk: &Path) -> Vec<(String, Vec<u8>)> {
    let bytes = std::fs::read(apk).unwrap();
    let ar = Archive::parse(&bytes, Limits::default()).unwrap();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for e in ar.entries() {
        if is_root_dex(&e.name) && seen.insert(e.name.clone()) {
            out.push((e.name.clone(), ar.read(e).unwrap().into_owned()));
        }
    }
    out
}

/// One reference as dexdump printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DumpRef {
    pc: u32,
    kind: RefKind,
    index: u32,
    /// Operand text dexdump printed for it (empty when not compared).
    text: Vec<u8>,
}

fn hex(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 8 {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(b).ok()?, 16).ok()
}

fn rfind(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).rposition(|w| w == n)
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// `pppp: text` after the `|` of an instruction line, or `None`.
fn insn_line(line: &[u8]) -> Option<(u32, &[u8])> {
    if line.len() < 8 || line[6] != b':' || hex(&line[..6]).is_none() {
        return None;
    }
    let bar = line.iter().position(|&b| b == b'|')?;
    let rest = &line[bar + 1..];
    let colon = rest.iter().position(|&b| b == b':')?;
    let pc = hex(&rest[..colon])?;
    Some((pc, rest.get(colon + 2..)?))
}

/// Code offset from a `|[xxxxxx] cls.name:sig` method header line.
fn header_line(line: &[u8]) -> Option<u32> {
    let i = find(line, b"|[")?;
    let rest = &line[i + 2..];
    let j = rest.iter().position(|&b| b == b']')?;
    hex(&rest[..j])
}

/// Parse the `// kind@hex[, kind@hex]` marker of one instruction's text.
fn parse_insn(pc: u32, text: &[u8], out: &mut Vec<DumpRef>) {
    let Some(m) = rfind(text, b" // ") else {
        return;
    };
    let (before, marker) = (&text[..m], &text[m + 4..]);
    let mut parts = Vec::new();
    for p in marker.split(|&b| b == b',') {
        let p = p.strip_prefix(b" ").unwrap_or(p);
        let Some(at) = p.iter().position(|&b| b == b'@') else {
            return; // not a reference marker (e.g. `// +0006`, `// #0`)
        };
        let kind = match &p[..at] {
            b"method" => RefKind::Method,
            b"field" => RefKind::Field,
            b"string" => RefKind::String,
            b"type" => RefKind::Type,
            b"call_site" => RefKind::CallSite,
            b"method_handle" => RefKind::MethodHandle,
            b"proto" => RefKind::Proto,
            other => panic!(
                "unknown dexdump marker {:?}",
                String::from_utf8_lossy(other)
            ),
        };
        let index = hex(&p[at + 1..]).expect("marker index");
        parts.push((kind, index));
    }
    let texts: Vec<Vec<u8>> = match parts.first().map(|p| p.0) {
        Some(RefKind::Method) => {
            let t = find(before, b"}, ")
                .map(|i| &before[i + 3..])
                .unwrap_or(b"");
            if parts.len() == 2 {
                // invoke-polymorphic: `method, (proto)`
                let k = find(t, b", ").unwrap_or(t.len());
                vec![t[..k].to_vec(), t.get(k + 2..).unwrap_or(b"").to_vec()]
            } else {
                vec![t.to_vec()]
            }
        }
        Some(RefKind::Field) | Some(RefKind::Type) => {
            let t = rfind(before, b", ")
                .map(|i| &before[i + 2..])
                .unwrap_or(b"");
            vec![t.to_vec()]
        }
        Some(RefKind::String) => {
            let s = find(before, b", \"").map(|i| i + 3).unwrap_or(0);
            let t = before.get(s..before.len().saturating_sub(1)).unwrap_or(b"");
            vec![t.to_vec()]
        }
        _ => vec![],
    };
    for (i, (kind, index)) in parts.into_iter().enumerate() {
        out.push(DumpRef {
            pc,
            kind,
            index,
            text: texts.get(i).cloned().unwrap_or_default(),
        });
    }
}

/// Run `dexdump -d` on `path`; references per code_item offset.
fn dexdump_refs(path: &Path) -> HashMap<u32, Vec<DumpRef>> {
    let mut child = Command::new(DEXDUMP)
        .arg("-d")
        .arg(path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run dexdump");
    let mut rd = std::io::BufReader::with_capacity(1 << 20, child.stdout.take().unwrap());
    let mut map: HashMap<u32, Vec<DumpRef>> = HashMap::new();
    let mut cur: Option<u32> = None;
    let mut pending: Option<(u32, Vec<u8>)> = None;
    let mut line = Vec::new();
    let mut refs = Vec::new();
    loop {
        line.clear();
        if rd.read_until(b'\n', &mut line).unwrap() == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        // A const-string whose value contains newlines continues on the next lines.
        if let Some((pc, mut t)) = pending.take() {
            t.push(b'\n');
            t.extend_from_slice(&line);
            if ends_with_string_marker(&t) {
                refs.clear();
                parse_insn(pc, &t, &mut refs);
                if let Some(c) = cur {
                    map.entry(c).or_default().append(&mut refs);
                }
            } else {
                pending = Some((pc, t));
            }
            continue;
        }
        if let Some(off) = header_line(&line) {
            cur = Some(off);
            map.entry(off).or_default();
            continue;
        }
        if let Some((pc, text)) = insn_line(&line) {
            if text.starts_with(b"const-string") && !ends_with_string_marker(text) {
                pending = Some((pc, text.to_vec()));
                continue;
            }
            refs.clear();
            parse_insn(pc, text, &mut refs);
            if let Some(c) = cur {
                map.entry(c).or_default().append(&mut refs);
            }
        }
    }
    assert!(
        child.wait().unwrap().success(),
        "dexdump failed on {path:?}"
    );
    map
}

fn ends_with_string_marker(t: &[u8]) -> bool {
    rfind(t, b" // string@").is_some_and(|i| hex(&t[i + 11..]).is_some())
}

/// Render a reference the way dexdump prints it (bytes: names are raw MUTF-8).
fn render(dex: &Dex, r: &InsnRef) -> Vec<u8> {
    let proto = |p: u32| dex.proto_signature(p).unwrap().into_bytes();
    match r.kind {
        RefKind::Method => {
            let m = dex.method_id(r.index).unwrap();
            let mut v = dex.type_descriptor(m.class_idx as u32).unwrap().to_vec();
            v.push(b'.');
            v.extend_from_slice(dex.string_bytes(m.name_idx).unwrap());
            v.push(b':');
            v.extend(proto(m.proto_idx as u32));
            v
        }
        RefKind::Field => {
            let f = dex.field_id(r.index).unwrap();
            let mut v = dex.type_descriptor(f.class_idx as u32).unwrap().to_vec();
            v.push(b'.');
            v.extend_from_slice(dex.string_bytes(f.name_idx).unwrap());
            v.push(b':');
            v.extend_from_slice(dex.type_descriptor(f.type_idx as u32).unwrap());
            v
        }
        RefKind::Type => dex.type_descriptor(r.index).unwrap().to_vec(),
        RefKind::String => dex.string_bytes(r.index).unwrap().to_vec(),
        RefKind::Proto => proto(r.index),
        _ => Vec::new(),
    }
}

#[derive(Default, Debug)]
struct Tally {
    dex_files: usize,
    classes: u64,
    methods: u64,
    refs: u64,
    invokes: u64,
    strings: u64,
    texts: u64,
}

/// Compare our walk of `bytes` with dexdump's disassembly. Returns mismatch descriptions.
fn compare_with_dexdump(label: &str, bytes: &[u8], tally: &mut Tally) -> Vec<String> {
    let path = std::env::temp_dir().join(format!(
        "apkaudit-dexcode-{}-{}",
        std::process::id(),
        label.replace('/', "_")
    ));
    std::fs::write(&path, bytes).unwrap();
    let truth = dexdump_refs(&path);
    let _ = std::fs::remove_file(&path);
    let dex = Dex::parse(bytes).unwrap();
    let mut bad = Vec::new();
    let mut seen = BTreeSet::new();
    let mut ours = Vec::new();
    let summary = dex.for_each_method_code(|def, m, code| {
        let code = match code {
            Ok(c) => c,
            Err(e) => {
                bad.push(format!("{label}: method {} code: {e}", m.method_idx));
                return;
            }
        };
        if !seen.insert(code.offset) {
            return; // shared code item: compared once
        }
        ours.clear();
        if let Err(e) = walk_refs(&code, |r| ours.push(r)) {
            bad.push(format!("{label}: method {} walk: {e}", m.method_idx));
        }
        let Some(want) = truth.get(&code.offset) else {
            bad.push(format!(
                "{label}: dexdump printed no code for {:#x} ({})",
                code.offset,
                dex.method_dexdump_name(m.method_idx).unwrap_or_default()
            ));
            return;
        };
        let got: Vec<(u32, RefKind, u32)> = ours.iter().map(|r| (r.pc, r.kind, r.index)).collect();
        let exp: Vec<(u32, RefKind, u32)> = want.iter().map(|r| (r.pc, r.kind, r.index)).collect();
        if got != exp {
            bad.push(format!(
                "{label}: class {} method {} @{:#x}: walker {:?} vs dexdump {:?}",
                def.index,
                m.method_idx,
                code.offset,
                &got[..got.len().min(6)],
                &exp[..exp.len().min(6)]
            ));
            return;
        }
        for (r, w) in ours.iter().zip(want) {
            if w.text.is_empty() && !matches!(r.kind, RefKind::Method | RefKind::Field) {
                continue;
            }
            let mine = render(&dex, r);
            tally.texts += 1;
            if mine != w.text {
                bad.push(format!(
                    "{label} @{:#x} pc {:#x}: ours {:?} dexdump {:?}",
                    code.offset,
                    r.pc,
                    String::from_utf8_lossy(&mine),
                    String::from_utf8_lossy(&w.text)
                ));
            }
        }
        tally.methods += 1;
        tally.refs += ours.len() as u64;
        tally.invokes += ours.iter().filter(|r| r.kind == RefKind::Method).count() as u64;
        tally.strings += ours.iter().filter(|r| r.kind == RefKind::String).count() as u64;
    });
    bad.extend(summary.class_errors.iter().map(|e| format!("{label}: {e}")));
    // Every code item dexdump disassembled was visited by for_each_method_code.
    for off in truth.keys() {
        if !seen.contains(off) {
            bad.push(format!("{label}: we did not visit code item {off:#x}"));
        }
    }
    tally.dex_files += 1;
    tally.classes += summary.classes as u64;
    bad
}

#[test]
fn walker_matches_dexdump_on_corpus() {
    let Some(root) = corpus() else { return };
    if !Path::new(DEXDUMP).exists() {
        eprintln!("SKIP: {DEXDUMP} absent");
        return;
    }
    let apks = [
        "apps/large-multidex__appium-uiautomator2-server-v10.6.6.apk",
        "apps/cn_pangle-gdt__miiad-app-test0817.apk",
        "apps/cn_bugly-tinker__hotfix-demo-release.apk",
        "apps/cn_jpush__jbox-release.apk",
        "apps/com.teleca.jamendo_35.apk",
        "apps/souch.smsbypass_9.apk",
    ];
    let mut tally = Tally::default();
    let mut bad = Vec::new();
    for a in apks {
        let p = root.join(a);
        if !p.exists() {
            eprintln!("SKIP {a}: absent");
            continue;
        }
        for (name, bytes) in root_dex(&p) {
            let label = format!("{}/{name}", p.file_name().unwrap().to_string_lossy());
            bad.extend(compare_with_dexdump(&label, &bytes, &mut tally));
        }
    }
    eprintln!("{tally:?}");
    for b in bad.iter().take(20) {
        eprintln!("MISMATCH {b}");
    }
    assert!(bad.is_empty(), "{} mismatches", bad.len());
    assert!(tally.dex_files >= 16, "{tally:?}");
    assert!(tally.classes >= 200 && tally.methods > 10_000, "{tally:?}");
    assert!(
        tally.invokes > 100_000 && tally.strings > 10_000,
        "{tally:?}"
    );
}
