//! Tests of the sensitive-API knowledge base (`data/sensitive_apis.toml`,
//! `src/sensitive.rs`): every entry is reachable by its own lookup and look-alikes are
//! not, bad files are rejected, and real corpus dex reference the core entries where
//! `dexdump` shows them.

use apkaudit::formats::dex::Dex;
use apkaudit::formats::zip::{Archive, Limits};
use apkaudit::knowledge::permissions::PermissionDb;
use apkaudit::knowledge::sensitive_apis::{ApiKind, Certainty, Lang, SensitiveApiDb, StringMatch};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn db() -> SensitiveApiDb {
    SensitiveApiDb::parse(SensitiveApiDb::embedded_text())
        .unwrap_or_else(|e| panic!("embedded sensitive_apis.toml invalid: {e}"))
}

#[test]
fn embedded_loads_and_matches_parse() {
    let parsed = db();
    let emb = SensitiveApiDb::embedded();
    assert_eq!(emb.all().len(), parsed.all().len());
    assert!(!emb.all().is_empty());
}

/// Every entry is found by its own lookup, under its own id.
#[test]
fn every_entry_found_by_its_lookup() {
    let db = db();
    let mut checked = 0;
    for a in db.all() {
        for n in &a.names {
            let got = match a.kind {
                ApiKind::Method => {
                    db.lookup_method(a.class.as_ref().unwrap().as_bytes(), n.as_bytes())
                }
                ApiKind::Field => {
                    db.lookup_field(a.class.as_ref().unwrap().as_bytes(), n.as_bytes())
                }
                ApiKind::String => db.lookup_string(n.as_bytes()),
            };
            assert_eq!(
                got.map(|g| g.id.as_str()),
                Some(a.id.as_str()),
                "{} / {n}",
                a.id
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        db.all().iter().map(|a| a.names.len()).sum::<usize>()
    );
}

/// Look-alikes are not found: the same name on another class, another name on the same
/// class, a method looked up as a field (and vice versa), a string with a changed case
/// or a non-boundary extension.
#[test]
fn look_alikes_not_found() {
    let db = db();
    for a in db.all() {
        match a.kind {
            ApiKind::Method | ApiKind::Field => {
                let class = a.class.as_ref().unwrap().as_bytes();
                let lookup = |c: &[u8], n: &[u8]| match a.kind {
                    ApiKind::Method => db.lookup_method(c, n),
                    _ => db.lookup_field(c, n),
                };
                let other = |c: &[u8], n: &[u8]| match a.kind {
                    ApiKind::Method => db.lookup_field(c, n),
                    _ => db.lookup_method(c, n),
                };
                for n in &a.names {
                    // Same name on a look-alike class (subclass-like name, other package).
                    let fake = format!("{}Impl;", a.class.as_ref().unwrap().trim_end_matches(';'));
                    assert!(
                        lookup(fake.as_bytes(), n.as_bytes()).is_none(),
                        "{} {n} on {fake}",
                        a.id
                    );
                    assert!(lookup(b"Lcom/example/Fake;", n.as_bytes()).is_none());
                    // Dotted class name is not a descriptor.
                    let dotted = a
                        .class
                        .as_ref()
                        .unwrap()
                        .trim_start_matches('L')
                        .trim_end_matches(';')
                        .replace('/', ".");
                    assert!(lookup(dotted.as_bytes(), n.as_bytes()).is_none());
                    // Another name on the same class.
                    let changed = format!("{n}X");
                    assert!(
                        lookup(class, changed.as_bytes()).is_none(),
                        "{} {changed}",
                        a.id
                    );
                    let prefix = &n.as_bytes()[..n.len() - 1];
                    assert!(lookup(class, prefix).is_none());
                    // Wrong member kind.
                    assert!(other(class, n.as_bytes()).map_or(true, |o| o.kind != a.kind));
                }
            }
            ApiKind::String => {
                for n in &a.names {
                    let upper = n.to_uppercase();
                    if &upper != n {
                        assert!(db.lookup_string(upper.as_bytes()).is_none(), "{upper}");
                    }
                    let ext = format!("{n}x");
                    assert!(db.lookup_string(ext.as_bytes()).is_none(), "{ext}");
                    assert!(db.lookup_string(&n.as_bytes()[1..]).is_none());
                    let sub = format!("{n}/inbox?x=1");
                    let hit = db.lookup_string(sub.as_bytes()).map(|h| h.id.as_str());
                    match a.matching {
                        StringMatch::UriPrefix => assert_eq!(hit, Some(a.id.as_str()), "{sub}"),
                        StringMatch::Exact => assert_eq!(hit, None, "{sub}"),
                    }
                }
            }
        }
    }
}

#[test]
fn uri_prefix_boundaries() {
    let db = db();
    let id = |s: &str| db.lookup_string(s.as_bytes()).map(|a| a.id.clone());
    assert_eq!(id("content://sms").as_deref(), Some("uri.sms"));
    assert_eq!(id("content://sms/").as_deref(), Some("uri.sms"));
    assert_eq!(id("content://sms/inbox").as_deref(), Some("uri.sms"));
    assert_eq!(
        id("content://call_log/calls").as_deref(),
        Some("uri.call_log")
    );
    assert_eq!(
        id("content://com.android.contacts/data/phones").as_deref(),
        Some("uri.contacts")
    );
    assert_eq!(
        id("content://com.vivo.vms.IdProvider/IdentifierId/OAID").as_deref(),
        Some("oaid.vendor.uris")
    );
    assert_eq!(id("content://smsx/inbox"), None);
    assert_eq!(id("content://"), None);
    assert_eq!(id("content:///sms"), None);
    assert_eq!(id("sms"), None);
    assert_eq!(id("android_id").as_deref(), Some("settings.key.android_id"));
    assert_eq!(id("android_id2"), None);
}

#[test]
fn display_and_labels() {
    let db = db();
    assert_eq!(
        db.display("telephony.getDeviceId", Lang::Zh),
        "读取设备识别码IMEI"
    );
    assert_eq!(db.display("clipboard.read", Lang::Zh), "读取剪切板");
    assert_eq!(
        db.display("packagemanager.getInstalledPackages", Lang::Zh),
        "获取已安装应用列表"
    );
    assert!(db
        .display("telephony.getDeviceId", Lang::En)
        .contains("IMEI"));
    assert!(db.display("no.such", Lang::En).contains("unknown"));
    assert!(db.display("no.such", Lang::Zh).contains("未知"));
}

/// Cross-checks against the permission table: every named permission exists there.
#[test]
fn permissions_are_known() {
    let db = db();
    let perms = PermissionDb::embedded();
    for a in db.all() {
        for p in &a.permissions {
            assert!(
                perms.get(p).is_some(),
                "{}: permission {p} not in data/permissions.toml",
                a.id
            );
        }
    }
}

/// The Settings getString / "android_id" pair is modelled as mutually confirming
/// conditional entries.
#[test]
fn android_id_pairing() {
    let db = db();
    let get = db
        .lookup_method(b"Landroid/provider/Settings$Secure;", b"getString")
        .unwrap();
    let key = db.lookup_string(b"android_id").unwrap();
    assert_eq!(get.certainty, Certainty::Conditional);
    assert_eq!(key.certainty, Certainty::Conditional);
    assert!(get.confirm.contains(&key.id));
    assert!(key.confirm.contains(&get.id));
    assert_eq!(get.data_type, "android_id");
    // getInt on the same class is not sensitive.
    assert!(db
        .lookup_method(b"Landroid/provider/Settings$Secure;", b"getInt")
        .is_none());
}

const GOOD: &str = r#"
[[api]]
id = "a.b"
data_type = "imei"
kind = "method"
class = "Landroid/telephony/TelephonyManager;"
names = ["getDeviceId"]
label_en = "x"
label_zh = "读取"
"#;

fn with(extra: &str) -> String {
    format!("{GOOD}\n{extra}")
}

fn err_of(text: &str) -> String {
    match SensitiveApiDb::parse(text) {
        Ok(_) => panic!("accepted a bad file:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn validation_errors() {
    assert!(SensitiveApiDb::parse(GOOD).is_ok());
    // Unknown field.
    assert!(err_of(&GOOD.replace("label_en", "lable_en")).contains("lable_en"));
    assert!(err_of(&GOOD.replace("names =", "extra = 1\nnames =")).contains("extra"));
    // Duplicate id.
    let dup = with(&GOOD.replace("getDeviceId", "getImei"));
    assert!(err_of(&dup).contains("duplicate id a.b"));
    // Duplicate (class, name) under another id.
    let dup_pair = with(&GOOD.replace("\"a.b\"", "\"a.c\""));
    assert!(err_of(&dup_pair).contains("already listed by a.b"));
    // Same name listed twice in one entry.
    assert!(
        err_of(&GOOD.replace("[\"getDeviceId\"]", "[\"getDeviceId\", \"getDeviceId\"]"))
            .contains("already listed")
    );
    // Unknown data type.
    assert!(err_of(&GOOD.replace("\"imei\"", "\"imei_number\"")).contains("unknown data type"));
    // Malformed descriptors.
    for bad in [
        "android.telephony.TelephonyManager",
        "Landroid/telephony/TelephonyManager",
        "Landroid.telephony.TelephonyManager;",
        "L;",
        "Landroid//X;",
    ] {
        let t = GOOD.replace("Landroid/telephony/TelephonyManager;", bad);
        assert!(err_of(&t).contains("malformed class descriptor"), "{bad}");
    }
    // Malformed member name.
    assert!(
        err_of(&GOOD.replace("\"getDeviceId\"", "\"getDeviceId()\""))
            .contains("malformed member name")
    );
    // Unknown kind.
    assert!(err_of(&GOOD.replace("\"method\"", "\"constructor\"")).contains("constructor"));
    // Method without class; string with class.
    assert!(
        err_of(&GOOD.replace("class = \"Landroid/telephony/TelephonyManager;\"\n", ""))
            .contains("without class")
    );
    assert!(err_of(&GOOD.replace("\"method\"", "\"string\"")).contains("string entry with a class"));
    // No names; no Chinese label.
    assert!(err_of(&GOOD.replace("[\"getDeviceId\"]", "[]")).contains("no names"));
    assert!(err_of(&GOOD.replace("读取", "read")).contains("no Chinese"));
    // Dangling confirm.
    assert!(err_of(&GOOD.replace("names =", "confirm = [\"nope\"]\nnames =")).contains("confirm"));
    // match on a method; uri_prefix on a non-URI; duplicate strings.
    assert!(
        err_of(&GOOD.replace("names =", "match = \"uri_prefix\"\nnames ="))
            .contains("only for string")
    );
    let s = "[[api]]\nid = \"s\"\ndata_type = \"sms\"\nkind = \"string\"\nnames = [\"sms\"]\nmatch = \"uri_prefix\"\nlabel_en = \"x\"\nlabel_zh = \"短信\"\n";
    assert!(err_of(s).contains("must be content://"));
    let s2 = s.replace("[\"sms\"]", "[\"content://sms/\"]");
    assert!(err_of(&s2).contains("must be content://"));
    let ok = s.replace("[\"sms\"]", "[\"content://sms\"]");
    assert!(SensitiveApiDb::parse(&ok).is_ok());
    let twice = format!("{ok}\n{}", ok.replace("id = \"s\"", "id = \"t\""));
    assert!(err_of(&twice).contains("already listed by s"));
    // Bad permission name; not TOML at all.
    assert!(
        err_of(&GOOD.replace("names =", "permissions = [\"READ_PHONE_STATE\"]\nnames ="))
            .contains("permission")
    );
    assert!(SensitiveApiDb::parse("[[api]\nid=").is_err());
    assert!(SensitiveApiDb::parse("").is_err());
}

// ───────────────────────────── corpus evidence ─────────────────────────────

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared"));
    if p.join("corpus/apps").is_dir() {
        Some(p)
    } else {
        eprintln!("SKIP: ../shared/corpus/apps not present");
        None
    }
}

fn apps(shared: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(shared.join("corpus/apps"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "apk"));
    v.sort();
    v
}

/// Entry ids referenced by the `method_ids`/`field_ids`/`string_ids` of an APK's dex files.
fn referenced_ids(path: &Path, db: &SensitiveApiDb) -> BTreeSet<String> {
    let data = std::fs::read(path).unwrap();
    let zip = Archive::parse(&data, Limits::default()).unwrap();
    let mut ids = BTreeSet::new();
    for e in zip.entries() {
        let n = &e.name;
        if !(n.starts_with("classes") && n.ends_with(".dex") && !n.contains('/')) {
            continue;
        }
        let bytes = zip.read(e).unwrap();
        let Ok(dex) = Dex::parse(&bytes) else {
            continue;
        };
        let refs = db.index_dex(&dex);
        assert_eq!(refs.errors, 0, "{} {n}", path.display());
        for a in refs.entries() {
            ids.insert(a.id.clone());
        }
    }
    ids
}

/// `Lcls;.name` pairs (and sget/iget fields) that `dexdump -d` shows as instruction
/// operands, per APK: independent evidence for the method/field entries.
fn dexdump_refs(path: &Path) -> Option<BTreeSet<String>> {
    let tmp = std::env::temp_dir().join(format!("apkaudit-sensapi-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&tmp);
    let data = std::fs::read(path).ok()?;
    let zip = Archive::parse(&data, Limits::default()).ok()?;
    let mut out = BTreeSet::new();
    for e in zip.entries() {
        let n = &e.name;
        if !(n.starts_with("classes") && n.ends_with(".dex") && !n.contains('/')) {
            continue;
        }
        let f = tmp.join(n);
        std::fs::write(&f, zip.read(e).ok()?).ok()?;
        let o = Command::new("dexdump").arg("-d").arg(&f).output().ok()?;
        let _ = std::fs::remove_file(&f);
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            // "... invoke-virtual {v0}, Landroid/...;.getDeviceId:()Ljava/lang/String; // method@0012"
            let Some(op) = line.split('|').nth(1) else {
                continue;
            };
            let op = op.trim_start_matches(|c: char| c.is_ascii_hexdigit() || c == ':' || c == ' ');
            if !(op.starts_with("invoke-") || op.starts_with("sget") || op.starts_with("iget")) {
                continue;
            }
            if let Some(pos) = op.find(", L") {
                let r = &op[pos + 2..];
                if let Some(colon) = r.find(':') {
                    out.insert(r[..colon].to_string());
                }
            }
        }
    }
    Some(out)
}

fn dexdump_available() -> bool {
    Command::new("dexdump").arg("-h").output().is_ok()
}

#[test]
#[cfg_attr(not(all(shared, has_dexdump)), ignore = "needs ../shared and dexdump")]
fn corpus_references() {
    let Some(shared) = shared() else { return };
    let db = db();
    let apps = apps(&shared);
    assert!(!apps.is_empty());
    let mut per_entry: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut per_app: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let started = std::time::Instant::now();
    for p in &apps {
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        let ids = referenced_ids(p, &db);
        for id in &ids {
            per_entry.entry(id.clone()).or_default().push(name.clone());
        }
        per_app.insert(name, ids);
    }
    eprintln!(
        "sensitive entries referenced in {} corpus apps (read + index_dex: {:?}):",
        apps.len(),
        started.elapsed()
    );
    for a in db.all() {
        let seen = per_entry.get(&a.id).map_or(0, Vec::len);
        eprintln!(
            "  {:40} {:>2} {}",
            a.id,
            seen,
            per_entry
                .get(&a.id)
                .map(|v| v.join(","))
                .unwrap_or_default()
        );
    }
    // Core entries must be referenced somewhere in the corpus.
    for core in [
        "telephony.getDeviceId",
        "telephony.getSubscriberId",
        "telephony.getSimSerialNumber",
        "telephony.getLine1Number",
        "wifiinfo.getMacAddress",
        "networkinterface.getHardwareAddress",
        "packagemanager.getInstalledPackages",
        "settings.secure.getString",
        "settings.key.android_id",
        "build.SERIAL",
        "clipboard.read",
        "locationmanager.location",
        "activitymanager.getRunningAppProcesses",
        "oaid.msa.supplier",
        "accountmanager.getAccounts",
        "wifimanager.getScanResults",
        "telephony.cellLocation",
        "smsmessage.read",
        "camera.open",
        "mediarecorder.setAudioSource",
        "sensormanager.register",
        "bluetoothadapter.getAddress",
    ] {
        assert!(
            per_entry.contains_key(core),
            "core entry {core} not referenced in any corpus app"
        );
    }

    // Independent check with dexdump: for method/field entries, the apps whose code
    // dexdump shows operating on the (class, name) pair must be exactly those where
    // index_dex reports the entry — or a superset on our side only when the ref is a
    // method_id without an instruction using it (reported, not failed).
    if !dexdump_available() {
        eprintln!("SKIP dexdump cross-check: dexdump not installed");
        return;
    }
    let mut compared = 0;
    for p in &apps {
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        let Some(dd) = dexdump_refs(p) else { continue };
        let ours = &per_app[&name];
        for a in db.all() {
            if a.kind == ApiKind::String {
                continue;
            }
            let class = a.class.as_ref().unwrap();
            let in_dd = a.names.iter().any(|n| dd.contains(&format!("{class}.{n}")));
            let in_ours = ours.contains(&a.id);
            if in_dd {
                assert!(
                    in_ours,
                    "{name}: dexdump shows {} but index_dex misses it",
                    a.id
                );
                compared += 1;
            } else if in_ours {
                eprintln!("  note: {name}: {} is a method/field id with no instruction operand in dexdump", a.id);
            }
        }
    }
    eprintln!("dexdump confirmed {compared} (app, entry) pairs");
    assert!(compared >= 50, "only {compared} dexdump-confirmed pairs");
}

// ─────────────────────── synthetic dex (no corpus needed) ───────────────────────

/// Builds a minimal dex (header, string/type/proto/field/method ids, string data) with
/// the given method and field refs as (class type idx, name string idx).
fn tiny_dex(
    strings: &[&str],
    types: &[u32],
    fields: &[(u16, u32)],
    methods: &[(u16, u32)],
) -> Vec<u8> {
    let n = |x: usize| x as u32;
    let str_off = 0x70;
    let type_off = str_off + 4 * strings.len();
    let proto_off = type_off + 4 * types.len();
    let field_off = proto_off + 12;
    let method_off = field_off + 8 * fields.len();
    let data_off = method_off + 8 * methods.len();
    let mut data = Vec::new();
    let mut string_offs = Vec::new();
    for s in strings {
        string_offs.push(n(data_off + data.len()));
        assert!(s.len() < 128);
        data.push(s.len() as u8); // uleb128 utf16 length (ASCII)
        data.extend_from_slice(s.as_bytes());
        data.push(0);
    }
    let size = data_off + data.len();
    let mut d = vec![0u8; data_off];
    d[..8].copy_from_slice(b"dex\n035\0");
    let put =
        |d: &mut Vec<u8>, off: usize, v: u32| d[off..off + 4].copy_from_slice(&v.to_le_bytes());
    put(&mut d, 0x20, n(size));
    put(&mut d, 0x24, 0x70);
    put(&mut d, 0x28, 0x1234_5678);
    for (i, (cnt, off)) in [
        (strings.len(), str_off),
        (types.len(), type_off),
        (1, proto_off),
        (fields.len(), field_off),
        (methods.len(), method_off),
        (0, 0),
    ]
    .into_iter()
    .enumerate()
    {
        put(&mut d, 0x38 + 8 * i, n(cnt));
        put(&mut d, 0x3C + 8 * i, if cnt == 0 { 0 } else { n(off) });
    }
    put(&mut d, 0x68, n(data.len()));
    put(&mut d, 0x6C, n(data_off));
    for (i, o) in string_offs.iter().enumerate() {
        put(&mut d, str_off + 4 * i, *o);
    }
    for (i, t) in types.iter().enumerate() {
        put(&mut d, type_off + 4 * i, *t);
    }
    // proto 0: shorty = string 0 (any), return type 0, no parameters.
    for (i, (c, name)) in fields.iter().enumerate() {
        let o = field_off + 8 * i;
        d[o..o + 2].copy_from_slice(&c.to_le_bytes());
        put(&mut d, o + 4, *name);
    }
    for (i, (c, name)) in methods.iter().enumerate() {
        let o = method_off + 8 * i;
        d[o..o + 2].copy_from_slice(&c.to_le_bytes());
        put(&mut d, o + 4, *name);
    }
    d.extend_from_slice(&data);
    d
}

#[test]
fn index_dex_on_synthetic_dex() {
    let db = db();
    let strings = [
        "Landroid/telephony/TelephonyManager;", // 0
        "getDeviceId",                          // 1
        "Lcom/fake/TelephonyManager;",          // 2
        "getCallState",                         // 3
        "Landroid/os/Build;",                   // 4
        "SERIAL",                               // 5
        "MODEL",                                // 6
        "content://sms/inbox",                  // 7
        "android_id",                           // 8
        "content://smsx",                       // 9
    ];
    // type 0 = TelephonyManager, 1 = fake, 2 = Build
    let types = [0, 2, 4];
    let fields = [(2, 5), (2, 6), (1, 5)];
    let methods = [(0, 1), (1, 1), (0, 3), (0, 999)];
    let bytes = tiny_dex(&strings, &types, &fields, &methods);
    let dex = Dex::parse(&bytes).expect("synthetic dex parses");
    assert_eq!(dex.method_count(), 4);
    let refs = db.index_dex(&dex);
    let id =
        |a: Option<&apkaudit::knowledge::sensitive_apis::SensitiveApi>| a.map(|a| a.id.clone());
    assert_eq!(id(refs.method(0)).as_deref(), Some("telephony.getDeviceId"));
    assert_eq!(id(refs.method(1)), None, "same name on a look-alike class");
    assert_eq!(id(refs.method(2)), None, "another name on the same class");
    assert_eq!(id(refs.method(3)), None, "unreadable name");
    assert_eq!(
        refs.errors, 1,
        "the out-of-range name index is counted, not a panic"
    );
    assert_eq!(id(refs.field(0)).as_deref(), Some("build.SERIAL"));
    assert_eq!(id(refs.field(1)), None);
    assert_eq!(id(refs.field(2)), None);
    assert_eq!(id(refs.string(7)).as_deref(), Some("uri.sms"));
    assert_eq!(
        id(refs.string(8)).as_deref(),
        Some("settings.key.android_id")
    );
    assert_eq!(id(refs.string(9)), None);
    assert_eq!(id(refs.string(1)), None);
    let ids: Vec<String> = refs.entries().into_iter().map(|a| a.id.clone()).collect();
    assert_eq!(
        ids,
        [
            "telephony.getDeviceId",
            "build.SERIAL",
            "settings.key.android_id",
            "uri.sms"
        ]
    );
    assert!(!refs.is_empty());
    // Truncated copies never panic.
    for cut in (0..bytes.len()).step_by(7) {
        if let Ok(d) = Dex::parse(&bytes[..cut]) {
            let _ = db.index_dex(&d);
        }
    }
}
