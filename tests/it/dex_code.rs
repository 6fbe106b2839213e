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

use apkaudit::formats::dex::{walk_refs, Dex, InsnRef, RefKind};
use apkaudit::formats::zip::{Archive, Limits};
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
    // dexdump prints call sites and method handles as a bare last operand
    // (`invoke-custom {}, call_site@0000`), every other reference as a `// kind@hex`
    // comment.
    let (before, marker) = match rfind(text, b", ") {
        Some(i)
            if text[i + 2..].starts_with(b"call_site@")
                || text[i + 2..].starts_with(b"method_handle@") =>
        {
            (&text[..i], &text[i + 2..])
        }
        _ => match rfind(text, b" // ") {
            Some(m) => (&text[..m], &text[m + 4..]),
            None => return,
        },
    };
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
            let i = got.iter().zip(&exp).take_while(|(a, b)| a == b).count();
            let s = i.saturating_sub(1);
            bad.push(format!(
                "{label}: class {} method {} @{:#x}: first difference at ref #{i}: walker {:?} vs dexdump {:?} ({} vs {} refs)",
                def.index,
                m.method_idx,
                code.offset,
                &got[s..got.len().min(i + 3)],
                &exp[s..exp.len().min(i + 3)],
                got.len(),
                exp.len()
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
#[cfg_attr(not(all(shared, has_dexdump)), ignore = "needs ../shared and dexdump")]
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

// ---------------------------------------------------------------------------------------
// DexBuilder round trips

use apkaudit::testkit::dex_builder::{DexBuilder, Insn};

const TM: &str = "Landroid/telephony/TelephonyManager;";

/// A small app: an Activity-like class calling sensitive APIs, a helper with a long
/// invoke (range form), raw payloads, non-ASCII strings.
fn sample_dex() -> Vec<u8> {
    let mut b = DexBuilder::new();
    b.class("Lcom/example/app/Main;", Some("Lcom/example/app/Base;"))
        .constructor()
        .virtual_method(
            "collect",
            "()V",
            vec![
                Insn::sget_object("Landroid/os/Build;", "MODEL", "Ljava/lang/String;"),
                Insn::invoke_virtual(TM, "getDeviceId", "()Ljava/lang/String;"),
                Insn::const_string("https://ads.example.com/v1/track"),
                Insn::invoke_static(
                    "Lcom/example/app/Net;",
                    "post",
                    "(Ljava/lang/String;JJLjava/lang/String;)V",
                ),
                Insn::const_string("caf\u{e9} \u{1F600} nul\0 end"),
                Insn::ConstClass("[Ljava/lang/Object;".into()),
                Insn::return_void(),
            ],
        )
        .static_method(
            "switchy",
            "(I)V",
            vec![
                // packed-switch v1 (the parameter), payload at +4; then return; payload
                Insn::Raw(vec![0x012b, 4, 0]),
                Insn::return_void(),
                Insn::Raw(vec![0x0100, 1, 0, 0, 3, 0]),
                // fill-array-data payload (width 1, 3 elements) just skipped
                Insn::Raw(vec![0x0300, 1, 3, 0, 0x0201, 0x0003]),
            ],
        );
    b.class("Lcom/example/app/Base;", Some("Ljava/lang/Object;"))
        .constructor();
    b.build().unwrap()
}

/// (kind, rendered target) in walk order for every method of `bytes`.
fn walk_all(bytes: &[u8]) -> Vec<(String, Vec<(RefKind, String)>)> {
    let dex = Dex::parse(bytes).unwrap();
    let mut out = Vec::new();
    let s = dex.for_each_method_code(|_, m, code| {
        let code = code.unwrap();
        let mut v = Vec::new();
        walk_refs(&code, |r| {
            v.push((
                r.kind,
                String::from_utf8_lossy(&render(&dex, &r)).into_owned(),
            ))
        })
        .unwrap();
        out.push((dex.method_dexdump_name(m.method_idx).unwrap(), v));
    });
    assert!(s.class_errors.is_empty());
    out
}

#[test]
fn builder_output_reads_back() {
    let bytes = sample_dex();
    let dex = Dex::parse(&bytes).unwrap();
    // Base is the superclass of Main, so it is defined first.
    let names: Vec<String> = dex.class_names().map(|n| n.unwrap()).collect();
    assert_eq!(names, ["com.example.app.Base", "com.example.app.Main"]);
    let got = walk_all(&bytes);
    let find = |n: &str| got.iter().find(|(m, _)| m == n).unwrap().1.clone();
    let collect = find("Lcom/example/app/Main;.collect:()V");
    let want: Vec<(RefKind, String)> = vec![
        (
            RefKind::Field,
            "Landroid/os/Build;.MODEL:Ljava/lang/String;".into(),
        ),
        (
            RefKind::Method,
            format!("{TM}.getDeviceId:()Ljava/lang/String;"),
        ),
        (RefKind::String, "https://ads.example.com/v1/track".into()),
        (
            RefKind::Method,
            "Lcom/example/app/Net;.post:(Ljava/lang/String;JJLjava/lang/String;)V".into(),
        ),
        (
            RefKind::String,
            String::from_utf8_lossy(&mutf8_of("caf\u{e9} \u{1F600} nul\0 end")).into_owned(),
        ),
        (RefKind::Type, "[Ljava/lang/Object;".into()),
    ];
    assert_eq!(collect, want);
    assert_eq!(
        find("Lcom/example/app/Main;.<init>:()V"),
        vec![(
            RefKind::Method,
            "Lcom/example/app/Base;.<init>:()V".to_string()
        )]
    );
    assert!(find("Lcom/example/app/Main;.switchy:(I)V").is_empty());
    // The decoded string value is exact.
    let s = (0..dex.string_count())
        .map(|i| dex.string(i).unwrap())
        .find(|s| s.starts_with("caf"))
        .unwrap();
    assert_eq!(s, "caf\u{e9} \u{1F600} nul\0 end");
    // Header checksum (adler32 of bytes 12..) is correct.
    assert_eq!(
        u32::from_le_bytes(bytes[8..12].try_into().unwrap()),
        adler32_ref(&bytes[12..])
    );
}

/// MUTF-8 of `s`, written independently of the builder (for byte comparisons).
fn mutf8_of(s: &str) -> Vec<u8> {
    let mut v = Vec::new();
    for u in s.encode_utf16() {
        let c = char::from_u32(u as u32);
        match (u, c) {
            (1..=0x7f, _) => v.push(u as u8),
            (0, _) | (0x80..=0x7ff, _) => {
                v.extend([0xc0 | (u >> 6) as u8, 0x80 | (u & 0x3f) as u8])
            }
            _ => v.extend([
                0xe0 | (u >> 12) as u8,
                0x80 | ((u >> 6) & 0x3f) as u8,
                0x80 | (u & 0x3f) as u8,
            ]),
        }
    }
    v
}

/// Textbook adler32, independent of the builder's.
fn adler32_ref(d: &[u8]) -> u32 {
    let (mut a, mut b) = (1u64, 0u64);
    for &x in d {
        a = (a + x as u64) % 65521;
        b = (b + a) % 65521;
    }
    ((b << 16) | a) as u32
}

#[test]
#[cfg_attr(not(has_dexdump), ignore = "needs dexdump")]
fn builder_output_passes_dexdump() {
    if !Path::new(DEXDUMP).exists() {
        eprintln!("SKIP: {DEXDUMP} absent");
        return;
    }
    let bytes = sample_dex();
    let path =
        std::env::temp_dir().join(format!("apkaudit-dexcode-{}-built.dex", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    // -c verifies the checksum; a plain run verifies the file (DexFileVerifier).
    for args in [&["-c"][..], &["-d"][..]] {
        let o = Command::new(DEXDUMP)
            .args(args)
            .arg(&path)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success() && err.trim().is_empty(),
            "dexdump {args:?}: {err}"
        );
    }
    let _ = std::fs::remove_file(&path);
    // dexdump's disassembly of our file equals our walk of it.
    let mut tally = Tally::default();
    let bad = compare_with_dexdump("built.dex", &bytes, &mut tally);
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(tally.methods, 4);
    assert_eq!(tally.invokes, 4);
    assert_eq!(tally.strings, 2);
}

/// Every used opcode once (index 0, registers 0, branch offsets 0), so dexdump's own
/// instruction widths and reference markers check ours for all formats, including
/// invoke-polymorphic/custom and const-method-handle/type that the corpus lacks.
#[test]
#[cfg_attr(not(has_dexdump), ignore = "needs dexdump")]
fn every_opcode_width_agrees_with_dexdump() {
    if !Path::new(DEXDUMP).exists() {
        eprintln!("SKIP: {DEXDUMP} absent");
        return;
    }
    let mut units = Vec::new();
    let mut n_ops = 0;
    for op in 1..=255u8 {
        let Some(w) = apkaudit::formats::dex::code::opcode_width(op) else {
            continue;
        };
        if op == 0x0e || (0x28..=0x2c).contains(&op) || op == 0x26 {
            continue; // return-void / branches / payload refs are placed below
        }
        units.push(op as u16);
        units.extend(std::iter::repeat(0).take(w as usize - 1));
        n_ops += 1;
    }
    units.push(0x0e);
    let mut b = DexBuilder::new();
    b.class("Lcom/example/Ops;", Some("Ljava/lang/Object;"))
        .static_method(
            "all",
            "()V",
            vec![
                // references so that index 0 of each id section exists
                Insn::sget_object("La/A;", "f", "La/A;"),
                Insn::const_string("s"),
                Insn::Raw(units),
            ],
        )
        .static_method(
            "payloads",
            "()V",
            vec![
                // goto +1, goto/16 +2, goto/32 +3: each lands on the next instruction
                Insn::Raw(vec![0x0128, 0x0029, 2, 0x002a, 3, 0]),
                // at pc 6/9/12: fill-array-data v0 → pc 16, packed-switch v0 → pc 24,
                // sparse-switch v0 → pc 32 (the payloads below)
                Insn::Raw(vec![0x0026, 10, 0, 0x002b, 15, 0, 0x002c, 20, 0, 0x000e]),
                Insn::Raw(vec![0x0300, 2, 2, 0, 1, 2]), // 6 units
                Insn::const_string("after array"),
                Insn::Raw(vec![0x0100, 1, 0, 0, 1, 0]), // 6 units
                Insn::const_string("after packed"),
                Insn::Raw(vec![0x0200, 1, 5, 0, 1, 0]), // 6 units
                Insn::const_string("after sparse"),
                Insn::Raw(vec![0x0300, 1, 5, 0, 0x0201, 0x0403, 0x05]), // 7 units
                Insn::const_string("after odd array"),
            ],
        );
    let bytes = b.build().unwrap();
    let mut tally = Tally::default();
    let bad = compare_with_dexdump("ops.dex", &bytes, &mut tally);
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(tally.methods, 2);
    assert!(n_ops > 200);
    let dex = Dex::parse(&bytes).unwrap();
    let mut kinds = std::collections::BTreeMap::new();
    dex.for_each_method_code(|_, _, c| {
        walk_refs(&c.unwrap(), |r| {
            *kinds.entry(format!("{:?}", r.kind)).or_insert(0) += 1
        })
        .unwrap()
    });
    eprintln!("{kinds:?}");
    assert_eq!(kinds["CallSite"], 2);
    assert_eq!(kinds["MethodHandle"], 1);
    assert_eq!(kinds["Proto"], 3);
    // 5 invoke-kind, 5 invoke-kind/range, 2 invoke-polymorphic(/range)
    assert_eq!(kinds["Method"], 12);
    assert_eq!(kinds["String"], 3 + 4);
}

// ---------------------------------------------------------------------------------------
// Malformed code: per-method errors, the rest of the dex still walks

type Walked = std::collections::BTreeMap<u32, Result<Vec<(u32, RefKind, u32)>, u64>>;

/// Per method (by code offset): its refs, or the error offset. Plus class-level errors.
fn outcomes(bytes: &[u8]) -> (Walked, usize) {
    let dex = Dex::parse(bytes).unwrap();
    let mut out = Walked::new();
    let s = dex.for_each_method_code(|_, m, code| {
        let r = code.and_then(|c| {
            let mut v = Vec::new();
            walk_refs(&c, |r| v.push((r.pc, r.kind, r.index))).map(|_| v)
        });
        out.insert(m.code_off, r.map_err(|e| e.offset));
    });
    (out, s.class_errors.len())
}

fn code_off_of(bytes: &[u8], name: &str) -> u32 {
    let dex = Dex::parse(bytes).unwrap();
    let mut found = 0;
    dex.for_each_method_code(|_, m, _| {
        if dex.method_dexdump_name(m.method_idx).unwrap() == name {
            found = m.code_off;
        }
    });
    assert_ne!(found, 0, "{name}");
    found
}

/// `bad` differs from `good` only in method at `off` (error at `err_at`).
fn assert_only_method_fails(good: &Walked, bad: &Walked, off: u32, err_at: u64) {
    assert_eq!(good.len(), bad.len());
    for (k, v) in good {
        if *k == off {
            assert_eq!(bad[k], Err(err_at), "method @{k:#x}");
        } else {
            assert_eq!(&bad[k], v, "method @{k:#x} must be unaffected");
        }
    }
}

#[test]
fn malformed_code_is_a_per_method_error() {
    let good_bytes = sample_dex();
    let (good, ce) = outcomes(&good_bytes);
    assert_eq!(ce, 0);
    assert_eq!(good.len(), 4);
    assert!(good.values().all(|r| r.is_ok()));
    let put = |b: &mut Vec<u8>, at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);

    // 1. insns_size far beyond the file: the code item itself is rejected.
    let off = code_off_of(&good_bytes, "Lcom/example/app/Main;.collect:()V");
    let mut b = good_bytes.clone();
    put(&mut b, off as usize + 12, &0x4000_0000u32.to_le_bytes());
    assert_only_method_fails(&good, &outcomes(&b).0, off, off as u64 + 12);

    // 2. Last instruction (return-void) turned into const-wide (5 units): runs past end.
    let mut b = good_bytes.clone();
    let dex = Dex::parse(&good_bytes).unwrap();
    let code = dex.code_item(off).unwrap();
    let last = code.insns_offset() as usize + code.insns.len() - 2;
    assert_eq!(&b[last..last + 2], &[0x0e, 0x00]);
    put(&mut b, last, &[0x18, 0x00]);
    let (bad, _) = outcomes(&b);
    assert_only_method_fails(&good, &bad, off, last as u64);

    // 3. Truncated insns: insns_size 1 keeps only the first unit of the 2-unit
    //    sget-object that starts the method.
    let mut b = good_bytes.clone();
    put(&mut b, off as usize + 12, &1u32.to_le_bytes());
    let (bad, _) = outcomes(&b);
    assert_only_method_fails(&good, &bad, off, code.insns_offset());

    // 4. Packed-switch payload claiming 0x7fff entries.
    let sw = code_off_of(&good_bytes, "Lcom/example/app/Main;.switchy:(I)V");
    let sc = dex.code_item(sw).unwrap();
    let payload = sc.insns_offset() as usize + 4 * 2; // pc 4
    assert_eq!(&good_bytes[payload..payload + 2], &[0x00, 0x01]);
    let mut b = good_bytes.clone();
    put(&mut b, payload + 2, &0x7fffu16.to_le_bytes());
    assert_only_method_fails(&good, &outcomes(&b).0, sw, payload as u64);
    // ... and a fill-array-data payload whose element count overflows the method.
    let mut b = good_bytes.clone();
    let arr = payload + 6 * 2;
    assert_eq!(&b[arr..arr + 2], &[0x00, 0x03]);
    put(&mut b, arr + 4, &u32::MAX.to_le_bytes());
    assert_only_method_fails(&good, &outcomes(&b).0, sw, arr as u64);

    // 5. Unused opcode.
    let mut b = good_bytes.clone();
    put(&mut b, code.insns_offset() as usize, &[0x73]);
    assert_only_method_fails(&good, &outcomes(&b).0, off, code.insns_offset());

    // 6. A class_data_off past the end: that class is skipped with an error, the other
    //    class still walks.
    let mut b = good_bytes.clone();
    let cd = dex.class_def(0).unwrap();
    let at = 0x70
        + 4 * (dex.string_count() + dex.type_count()) as usize
        + 12 * dex.proto_count() as usize
        + 8 * (dex.field_count() + dex.method_count()) as usize;
    assert_eq!(
        u32::from_le_bytes(b[at + 24..at + 28].try_into().unwrap()),
        cd.class_data_off
    );
    put(&mut b, at + 24, &0x00ff_fff0u32.to_le_bytes());
    let (bad, ce) = outcomes(&b);
    assert_eq!(ce, 1);
    // class 0 (Base) has one method; Main's three are intact.
    assert_eq!(bad.len(), 3);
    for (k, v) in &bad {
        assert_eq!(&good[k], v);
    }
}

// ---------------------------------------------------------------------------------------
// Fuzz-style robustness: mutated dex never panics

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Parse, walk every method and resolve every reference; errors are fine, panics not.
fn exercise(bytes: &[u8]) -> (u32, u32) {
    let Ok(dex) = Dex::parse(bytes) else {
        return (0, 0);
    };
    let (mut ok, mut err) = (0, 0);
    dex.for_each_method_code(|_, _, code| {
        let Ok(code) = code else {
            err += 1;
            return;
        };
        let r = walk_refs(&code, |r| {
            let _ = match r.kind {
                RefKind::Method => dex.method_dexdump_name(r.index).map(|_| ()),
                RefKind::Field => dex.field_id(r.index).map(|_| ()),
                RefKind::String => dex.string(r.index).map(|_| ()),
                RefKind::Type => dex.type_name(r.index).map(|_| ()),
                RefKind::Proto => dex.proto_signature(r.index).map(|_| ()),
                _ => Ok(()),
            };
        });
        if r.is_ok() {
            ok += 1
        } else {
            err += 1
        }
    });
    (ok, err)
}

fn fuzz(seed_dex: &[u8], cases: usize, seed: u64) -> (u32, u32) {
    let dex = Dex::parse(seed_dex).unwrap();
    // Offsets of code items, to aim half of the mutations at bytecode.
    let mut code_ranges = Vec::new();
    dex.for_each_method_code(|_, _, c| {
        if let Ok(c) = c {
            code_ranges.push((c.offset as usize, c.insns_offset() as usize + c.insns.len()));
        }
    });
    let mut rng = Rng(seed);
    let (mut ok, mut err) = (0, 0);
    for _ in 0..cases {
        let mut b = seed_dex.to_vec();
        for _ in 0..1 + rng.below(8) {
            let at = if rng.below(2) == 0 && !code_ranges.is_empty() {
                let (s, e) = code_ranges[rng.below(code_ranges.len())];
                s + rng.below(e - s)
            } else {
                rng.below(b.len())
            };
            match rng.below(4) {
                0 => b[at] ^= 1 << rng.below(8),
                1 => b[at] = rng.next() as u8,
                2 => {
                    let v = [0u32, u32::MAX, b.len() as u32, 0x7fff_ffff][rng.below(4)];
                    if let Some(s) = b.get_mut(at..at + 4) {
                        s.copy_from_slice(&v.to_le_bytes());
                    }
                }
                _ => {
                    // payload idents and wide opcodes at an instruction-ish position
                    let v = [0x0100u16, 0x0200, 0x0300, 0x0018, 0x00fa, 0x001b][rng.below(6)];
                    if let Some(s) = b.get_mut(at & !1..(at & !1) + 2) {
                        s.copy_from_slice(&v.to_le_bytes());
                    }
                }
            }
        }
        if rng.below(10) == 0 {
            b.truncate(rng.below(b.len()));
        }
        let (o, e) = exercise(&b);
        ok += o;
        err += e;
    }
    (ok, err)
}

#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn mutated_dex_never_panics() {
    let (ok, err) = fuzz(&sample_dex(), 4000, 0x5eed_0001);
    eprintln!("built sample: {ok} methods walked, {err} method errors");
    assert!(ok > 0 && err > 0);
    if let Some(root) = corpus() {
        let p = root.join("apps/souch.smsbypass_9.apk");
        if let Some((_, bytes)) = root_dex(&p).into_iter().next() {
            let (ok, err) = fuzz(&bytes, 1000, 0x5eed_0002);
            eprintln!("souch classes.dex: {ok} methods walked, {err} method errors");
            assert!(ok > 0 && err > 0);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Measurement (run: cargo test --release --test dex_code measure -- --ignored --nocapture)

#[test]
#[ignore]
fn measure_walk_vs_inflate() {
    let Some(root) = corpus() else { return };
    let p = root.join("apps/large-multidex__appium-uiautomator2-server-v10.6.6.apk");
    let apk = std::fs::read(&p).unwrap();
    let best = |f: &mut dyn FnMut() -> u64| {
        let mut t = f64::MAX;
        let mut out = 0;
        for _ in 0..5 {
            let s = std::time::Instant::now();
            out = f();
            t = t.min(s.elapsed().as_secs_f64());
        }
        (t * 1000.0, out)
    };
    let ar = Archive::parse(&apk, Limits::default()).unwrap();
    let entries: Vec<_> = ar
        .entries()
        .iter()
        .filter(|e| is_root_dex(&e.name))
        .cloned()
        .collect();
    let (inflate_ms, bytes) = best(&mut || {
        entries
            .iter()
            .map(|e| ar.read(e).unwrap().len() as u64)
            .sum()
    });
    let dexes: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| ar.read(e).unwrap().into_owned())
        .collect();
    let (walk_ms, refs) = best(&mut || {
        let mut n = 0u64;
        for d in &dexes {
            let dex = Dex::parse(d).unwrap();
            dex.for_each_method_code(|_, _, c| {
                if let Ok(c) = c {
                    let _ = walk_refs(&c, |_| n += 1);
                }
            });
        }
        n
    });
    // Realistic use: flag invokes of a set of sensitive API method names, resolved once
    // per dex over the method ids (not per call site).
    let sensitive = [
        "getDeviceId",
        "getLastKnownLocation",
        "getInstalledPackages",
        "query",
    ];
    let (flag_ms, hits) = best(&mut || {
        let mut n = 0u64;
        for d in &dexes {
            let dex = Dex::parse(d).unwrap();
            let wanted: Vec<bool> = (0..dex.method_count())
                .map(|i| {
                    dex.method_id(i)
                        .and_then(|m| dex.string_bytes(m.name_idx))
                        .is_ok_and(|s| sensitive.iter().any(|w| w.as_bytes() == s))
                })
                .collect();
            dex.for_each_method_code(|_, _, c| {
                if let Ok(c) = c {
                    let _ = walk_refs(&c, |r| {
                        if r.kind == RefKind::Method && wanted.get(r.index as usize) == Some(&true)
                        {
                            n += 1;
                        }
                    });
                }
            });
        }
        n
    });
    eprintln!(
        "{} dex, {:.1} MB inflated: inflate {inflate_ms:.1} ms; parse+walk all code {walk_ms:.1} ms \
         ({refs} refs); walk + flag {} sensitive names {flag_ms:.1} ms ({hits} call sites)",
        dexes.len(),
        bytes as f64 / 1e6,
        sensitive.len()
    );
}

/// More than 65,536 strings: the builder switches to const-string/jumbo, dexdump agrees
/// with our 32-bit indices and values.
#[test]
#[cfg_attr(not(has_dexdump), ignore = "needs dexdump")]
fn jumbo_strings_round_trip() {
    let mut b = DexBuilder::new();
    {
        let mut c = b.class("Lcom/example/Many;", Some("Ljava/lang/Object;"));
        for m in 0..70 {
            let code = (0..1000)
                .map(|i| Insn::const_string(&format!("string number {:05}", m * 1000 + i)))
                .chain([Insn::return_void()])
                .collect();
            c.static_method(&format!("m{m}"), "()V", code);
        }
    }
    let bytes = b.build().unwrap();
    let dex = Dex::parse(&bytes).unwrap();
    assert!(dex.string_count() > 70_000);
    let (mut jumbo, mut total) = (0, 0);
    dex.for_each_method_code(|_, _, c| {
        walk_refs(&c.unwrap(), |r| {
            total += 1;
            if r.opcode == 0x1b {
                jumbo += 1;
                assert!(r.index > 0xffff);
            }
            let name = dex.string(r.index).unwrap();
            assert!(name.starts_with("string number "), "{name}");
        })
        .unwrap()
    });
    assert_eq!(total, 70_000);
    assert!(jumbo > 1000, "{jumbo}");
    if !Path::new(DEXDUMP).exists() {
        eprintln!("SKIP dexdump part: {DEXDUMP} absent");
        return;
    }
    let mut tally = Tally::default();
    let bad = compare_with_dexdump("jumbo.dex", &bytes, &mut tally);
    assert!(bad.is_empty(), "{:#?}", &bad[..bad.len().min(5)]);
    assert_eq!(tally.strings, 70_000);
}
