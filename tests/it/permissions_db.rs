//! Checks the embedded permission table against its source snapshots, parsed here
//! independently of tools/gen_permissions.py: the digest of AOSP's per-API-level
//! permission lists (tools/permission-sources/aosp_permissions.tsv) and the AOSP zh-CN
//! label strings (tools/permission-sources/aosp_zh_CN_permlab.tsv). Also checks documented
//! API levels of well-known permissions and, when ../shared is present, that the Chinese
//! policy names are the ones real policies use.

use apkaudit::knowledge::permissions::{protection_of, Lang, PermissionDb};
use std::collections::{BTreeSet, HashMap};

const SNAP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tools/permission-sources/aosp_permissions.tsv"
);
const ZH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tools/permission-sources/aosp_zh_CN_permlab.tsv"
);

struct Row {
    name: String,
    present: Vec<u32>,
    /// (level, raw protectionLevel) history
    prot: Vec<(u32, String)>,
    label_ptr: String,
}

fn snapshot() -> (Vec<u32>, Vec<Row>) {
    let text = std::fs::read_to_string(SNAP).expect("snapshot present");
    let mut levels: Vec<u32> = Vec::new();
    let mut rows = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f[0] == "levels" {
            levels = f[1].split(' ').map(|x| x.parse().unwrap()).collect();
            continue;
        }
        assert!(f.len() >= 3, "short line {line}");
        let mut present = Vec::new();
        for part in f[1].split(',') {
            let (lo, hi) = match part.split_once('-') {
                Some((a, b)) => (a.parse::<u32>().unwrap(), b.parse::<u32>().unwrap()),
                None => {
                    let a = part.parse::<u32>().unwrap();
                    (a, a)
                }
            };
            present.extend(levels.iter().copied().filter(|l| (lo..=hi).contains(l)));
        }
        let prot = f[2]
            .split(';')
            .map(|h| {
                let (l, p) = h.split_once(':').unwrap();
                (l.parse().unwrap(), p.to_string())
            })
            .collect();
        rows.push(Row {
            name: f[0].to_string(),
            present,
            prot,
            label_ptr: f.get(4).unwrap_or(&"").to_string(),
        });
    }
    assert!(!levels.is_empty() && rows.len() > 500);
    (levels, rows)
}

const ZH_LEGACY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tools/permission-sources/aosp_zh_CN_permlab_legacy.tsv"
);

fn read_tsv(path: &str) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).expect("zh labels present");
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('\t').expect("key<TAB>label");
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// Current AOSP zh-CN labels, falling back to the older file for keys AOSP dropped.
fn zh_labels() -> HashMap<String, String> {
    let mut zh = read_tsv(ZH);
    for (k, v) in read_tsv(ZH_LEGACY) {
        zh.entry(k).or_insert(v);
    }
    zh
}

/// Raw AOSP protectionLevel -> (base, flags as a set); the legacy spellings
/// `signatureOrSystem` and `system` mean signature + privileged.
fn parse_level(raw: &str) -> (String, BTreeSet<String>) {
    let mut base = String::from("normal");
    let mut flags = BTreeSet::new();
    for t in raw.split('|').map(str::trim).filter(|t| !t.is_empty()) {
        match t {
            "normal" | "dangerous" | "signature" | "internal" => base = t.to_string(),
            "signatureOrSystem" => {
                base = "signature".into();
                flags.insert("privileged".to_string());
            }
            "system" => {
                flags.insert("privileged".to_string());
            }
            f => {
                flags.insert(f.to_string());
            }
        }
    }
    (base, flags)
}

#[test]
fn every_aosp_permission_matches_the_snapshot() {
    let db = PermissionDb::embedded();
    let (levels, rows) = snapshot();
    let latest = *levels.last().unwrap();
    let mut checked = 0;
    for r in &rows {
        let p = db
            .get(&r.name)
            .unwrap_or_else(|| panic!("{} missing from the table", r.name));
        assert_eq!(p.origin, "aosp", "{}", r.name);
        // protection at the latest level present
        let (want_base, want_flags) = parse_level(&r.prot.last().unwrap().1);
        assert_eq!(p.base_protection(), want_base, "{}", r.name);
        let got_flags: BTreeSet<String> = p.protection_flags().map(String::from).collect();
        assert_eq!(got_flags, want_flags, "{} {}", r.name, p.protection);
        // base-level history: recorded exactly when the base level changed
        let mut changes: Vec<(u32, String)> = Vec::new();
        for (lvl, raw) in &r.prot {
            let (base, _) = parse_level(raw);
            if changes.last().map_or(true, |(_, b)| *b != base) {
                changes.push((*lvl, base));
            }
        }
        let got: Vec<(u32, String)> = p
            .protection_history
            .iter()
            .map(|h| {
                let (l, prot) = h.split_once(':').unwrap();
                (
                    l.parse().unwrap(),
                    prot.split('|').next().unwrap().to_string(),
                )
            })
            .collect();
        if changes.len() > 1 {
            assert_eq!(got, changes, "{}", r.name);
        } else {
            assert!(got.is_empty(), "{}", r.name);
        }
        // added: the first level present; a documented earlier level is allowed only inside
        // the gap the snapshot has before it
        let first = r.present[0];
        let gap_lo = levels
            .iter()
            .rev()
            .find(|l| **l < first)
            .map_or(1, |l| l + 1);
        let added = p.added.unwrap_or_else(|| panic!("{} has no added", r.name));
        if gap_lo == first {
            assert_eq!(added, first, "{}", r.name);
            assert_eq!(p.added_min, None, "{}", r.name);
        } else {
            assert!(
                (gap_lo..=first).contains(&added),
                "{} added {added}",
                r.name
            );
            // either the gap is recorded (added_min) or a documented level inside it is used
            if let Some(m) = p.added_min {
                assert!(m == gap_lo && added == first, "{}", r.name);
            }
        }
        // removed: the first snapshot level after the last one present
        let last = *r.present.last().unwrap();
        if last == latest {
            assert_eq!(p.removed, None, "{}", r.name);
        } else {
            let next = *levels.iter().find(|l| **l > last).unwrap();
            assert_eq!(p.removed, Some(next), "{}", r.name);
            let want_min = (next > last + 1).then_some(last + 1);
            assert_eq!(p.removed_min, want_min, "{}", r.name);
            assert!(p.exists_at(last) && !p.exists_at(next), "{}", r.name);
        }
        checked += 1;
    }
    // nothing claims to be AOSP without being in the snapshot
    let names: BTreeSet<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    for p in db.all() {
        assert_eq!(
            p.origin == "aosp",
            names.contains(p.name.as_str()),
            "{} origin {}",
            p.name,
            p.origin
        );
    }
    assert_eq!(checked, rows.len());
    assert!(checked > 1000, "{checked}");
}

#[test]
fn zh_labels_match_the_aosp_strings() {
    let db = PermissionDb::embedded();
    let zh = zh_labels();
    let (_, rows) = snapshot();
    let mut with_label = 0;
    for r in &rows {
        let p = db.get(&r.name).unwrap();
        if let Some(want) = zh.get(&r.label_ptr) {
            assert_eq!(p.label_zh.as_deref(), Some(want.as_str()), "{}", r.name);
            with_label += 1;
        }
        if let (Some(key), Some(label)) = (&p.label_zh_key, &p.label_zh) {
            assert_eq!(zh.get(key), Some(label), "{}", r.name);
        }
    }
    assert!(with_label >= 250, "{with_label}");
    let cam = db.get("android.permission.CAMERA").unwrap();
    assert_eq!(cam.label_zh.as_deref(), Some("拍摄照片和视频"));
}

#[test]
fn every_dangerous_permission_has_a_chinese_name() {
    let db = PermissionDb::embedded();
    let is_cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let mut n = 0;
    for p in db
        .all()
        .iter()
        .filter(|p| p.base_protection() == "dangerous")
    {
        let zh = db.display(&p.name, Lang::Zh);
        assert!(is_cjk(&zh), "{} displays as {zh}", p.name);
        if p.removed.is_none() && p.is_platform() {
            assert!(p.label_zh.is_some(), "{} lacks the AOSP zh label", p.name);
            assert!(p.group.is_some(), "{} lacks a group", p.name);
            assert!(p.privacy_relevant, "{}", p.name);
        }
        n += 1;
    }
    assert!(n >= 45, "{n}");
    for p in db.all().iter().filter(|p| p.privacy_relevant) {
        let zh = db.display(&p.name, Lang::Zh);
        assert!(is_cjk(&zh), "privacy-relevant {} displays as {zh}", p.name);
    }
}

/// API levels from the Android Manifest.permission reference (independent of the
/// snapshot), for the permissions the audit cares about most.
#[test]
fn documented_api_levels() {
    let db = PermissionDb::embedded();
    let cases: &[(&str, u32, &str)] = &[
        ("POST_NOTIFICATIONS", 33, "dangerous"),
        ("READ_MEDIA_IMAGES", 33, "dangerous"),
        ("READ_MEDIA_VIDEO", 33, "dangerous"),
        ("READ_MEDIA_AUDIO", 33, "dangerous"),
        ("READ_MEDIA_VISUAL_USER_SELECTED", 34, "dangerous"),
        ("NEARBY_WIFI_DEVICES", 33, "dangerous"),
        ("BODY_SENSORS_BACKGROUND", 33, "dangerous"),
        ("FOREGROUND_SERVICE_CAMERA", 34, "normal"),
        ("FOREGROUND_SERVICE_LOCATION", 34, "normal"),
        ("USE_EXACT_ALARM", 33, "normal"),
        ("SCHEDULE_EXACT_ALARM", 31, "signature"),
        ("BLUETOOTH_SCAN", 31, "dangerous"),
        ("BLUETOOTH_CONNECT", 31, "dangerous"),
        ("BLUETOOTH_ADVERTISE", 31, "dangerous"),
        ("UWB_RANGING", 31, "dangerous"),
        ("ACCESS_MEDIA_LOCATION", 29, "dangerous"),
        ("ACTIVITY_RECOGNITION", 29, "dangerous"),
        ("ACCESS_BACKGROUND_LOCATION", 29, "dangerous"),
        ("QUERY_ALL_PACKAGES", 30, "normal"),
        ("READ_PHONE_NUMBERS", 26, "dangerous"),
        ("ANSWER_PHONE_CALLS", 26, "dangerous"),
        ("READ_CALL_LOG", 16, "dangerous"),
        ("READ_EXTERNAL_STORAGE", 16, "dangerous"),
        ("BODY_SENSORS", 20, "dangerous"),
        ("CAMERA", 1, "dangerous"),
        ("READ_PHONE_STATE", 1, "dangerous"),
        ("ACCESS_FINE_LOCATION", 1, "dangerous"),
        ("WRITE_EXTERNAL_STORAGE", 4, "dangerous"),
    ];
    for (name, added, base) in cases {
        let p = db.get(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(p.added, Some(*added), "{name}");
        assert_eq!(p.base_protection(), *base, "{name} {}", p.protection);
        assert_eq!(p.removed, None, "{name}");
    }
    // SCHEDULE_EXACT_ALARM is granted through app-ops; SYSTEM_ALERT_WINDOW too
    for name in [
        "SCHEDULE_EXACT_ALARM",
        "SYSTEM_ALERT_WINDOW",
        "PACKAGE_USAGE_STATS",
    ] {
        let p = db.get(name).unwrap();
        assert!(p.protection_flags().any(|f| f == "appop"), "{name}");
    }
    assert_eq!(db.get("GET_TASKS").unwrap().deprecated, Some(21));
    // install-time "dangerous" before API 23, special access (appop) from 23
    let saw = db.get("SYSTEM_ALERT_WINDOW").unwrap();
    assert_eq!(
        saw.protection_history.first().map(String::as_str),
        Some("4:dangerous")
    );
    assert_eq!(
        db.get("PROCESS_OUTGOING_CALLS").unwrap().deprecated,
        Some(29)
    );
    let storage = |n: &str| db.get(n).unwrap().no_effect_from;
    assert_eq!(storage("READ_EXTERNAL_STORAGE"), Some(33));
    assert_eq!(storage("WRITE_EXTERNAL_STORAGE"), Some(30));
}

#[test]
fn custom_and_vendor_permissions() {
    let db = PermissionDb::embedded();
    for name in ["com.example.MY_PERM", "android.permission.NOT_A_REAL_ONE"] {
        assert!(db.get(name).is_none());
        assert_eq!(db.origin_of(name), "custom");
        assert_eq!(protection_of(name), "unknown");
        assert!(db.display(name, Lang::En).contains("custom/unknown"));
        assert!(db.display(name, Lang::Zh).contains("自定义/未知权限"));
        assert!(!db.is_dangerous(name) && !db.is_privacy_relevant(name));
    }
    let g = db.get("com.android.permission.GET_INSTALLED_APPS").unwrap();
    assert_eq!(g.origin, "vendor");
    assert_eq!(g.data_types, vec!["installed_apps".to_string()]);
    assert!(g.names_zh.iter().any(|n| n == "读取应用列表"));
    assert_eq!(
        db.origin_of("com.google.android.gms.permission.AD_ID"),
        "google"
    );
    assert_eq!(db.origin_of("android.permission.CAMERA"), "aosp");
    assert_eq!(
        db.origin_of("android.permission.READ_SETTINGS"),
        "undeclared"
    );
    let q = db.resolve_display_name("获取应用列表");
    let names: Vec<&str> = q.iter().map(|p| p.name.as_str()).collect();
    assert!(names.contains(&"android.permission.QUERY_ALL_PACKAGES"));
    assert!(names.contains(&"com.android.permission.GET_INSTALLED_APPS"));
}

#[test]
fn privacy_data_types() {
    let db = PermissionDb::embedded();
    let dt = |n: &str| db.get(n).unwrap().data_types.clone();
    assert!(dt("READ_PHONE_STATE").contains(&"imei".to_string()));
    assert!(dt("READ_PHONE_STATE").contains(&"imsi".to_string()));
    assert!(dt("ACCESS_FINE_LOCATION").contains(&"precise_location".to_string()));
    assert_eq!(dt("CAMERA"), vec!["camera".to_string()]);
    assert_eq!(dt("QUERY_ALL_PACKAGES"), vec!["installed_apps".to_string()]);
    // runtime permissions that unlock personal data name the data; the ones that only grant
    // an action (calls, notifications, voicemail, handover, SIP) carry none
    let action_only = [
        "CALL_PHONE",
        "ANSWER_PHONE_CALLS",
        "USE_SIP",
        "ACCEPT_HANDOVER",
        "POST_NOTIFICATIONS",
        "com.android.voicemail.permission.ADD_VOICEMAIL",
    ];
    for p in db.all() {
        if p.base_protection() == "dangerous" && p.removed.is_none() && p.is_platform() {
            let action = action_only.contains(&p.short_name());
            assert_eq!(p.data_types.is_empty(), action, "{}", p.name);
        }
    }
}

/// The Chinese names the brief's audit relies on occur in the real policies.
#[test]
#[cfg_attr(not(shared), ignore = "needs ../shared")]
fn policy_names_occur_in_real_policies() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");
    if !std::path::Path::new(root).exists() {
        eprintln!("skip: {root} absent");
        return;
    }
    let mut text = String::new();
    for dir in ["policies", "seeds"] {
        let Ok(rd) = std::fs::read_dir(format!("{root}/{dir}")) else {
            continue;
        };
        for e in rd.flatten() {
            if let Ok(t) = std::fs::read_to_string(e.path()) {
                text.push_str(&t);
            }
        }
    }
    assert!(text.len() > 10_000, "policy corpus too small");
    let db = PermissionDb::embedded();
    let pairs = [
        ("ACCESS_FINE_LOCATION", "位置信息"),
        ("CAMERA", "相机"),
        ("CAMERA", "摄像头"),
        ("RECORD_AUDIO", "麦克风"),
        ("READ_EXTERNAL_STORAGE", "存储"),
        ("READ_PHONE_STATE", "电话"),
        ("READ_PHONE_STATE", "读取电话状态"),
        ("READ_CONTACTS", "通讯录"),
        ("READ_SMS", "短信"),
        ("READ_CALENDAR", "日历"),
        ("BODY_SENSORS", "传感器"),
        ("QUERY_ALL_PACKAGES", "应用列表"),
        ("POST_NOTIFICATIONS", "通知"),
    ];
    for (perm, name) in pairs {
        let p = db.get(perm).unwrap();
        assert!(p.names_zh.iter().any(|n| n == name), "{perm} lacks {name}");
        assert!(text.contains(name), "{name} not in the policy corpus");
    }
    // how many curated names are attested (informational)
    let (mut seen, mut all) = (0, 0);
    for p in db.all() {
        for n in &p.names_zh {
            all += 1;
            if text.contains(n.as_str()) {
                seen += 1;
            }
        }
    }
    eprintln!("names_zh attested in shared policies/seeds: {seen}/{all}");
}

/// Declarations read directly from AOSP's core manifest agree with the table built from the
/// androguard lists; the only ones missing are flag-guarded declarations newer than API 36.
#[test]
fn aosp_manifest_spot_check() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tools/permission-sources/aosp_manifest_spotcheck.tsv"
    );
    let text = std::fs::read_to_string(path).expect("spot-check file present");
    let db = PermissionDb::embedded();
    let (mut matched, mut newer) = (0, 0);
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 3, "{line}");
        match db.get(f[0]) {
            Some(p) => {
                let (base, flags) = parse_level(f[1]);
                assert_eq!(p.base_protection(), base, "{}", f[0]);
                let got: BTreeSet<String> = p.protection_flags().map(String::from).collect();
                assert_eq!(got, flags, "{}", f[0]);
                matched += 1;
            }
            None => {
                assert_eq!(f[2], "1", "{} missing but not flag-guarded", f[0]);
                newer += 1;
            }
        }
    }
    assert!(matched >= 30, "{matched}");
    assert!(newer <= 3, "{newer}");
}
