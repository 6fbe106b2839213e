//! Test kit: writers for binary XML, ZIP containers and dex files.
//!
//! Used by the tests (hostile and well-formed inputs made on the spot) and by
//! `cargo run --example make_samples --features testkit`, which writes the demo sample in
//! `samples/`. Compiled only with the `testkit` feature, so a release build carries none of it.

pub mod dex_builder;
pub mod policy_gen;

use crate::formats::axml::framework_attr_id;
use crate::formats::xml::ANDROID_NS;
use std::io::Write;

/// An attribute value to write.
#[derive(Debug, Clone)]
pub enum AttrValue {
    /// String value.
    Str(String),
    /// Decimal integer.
    Int(i32),
    /// Boolean.
    Bool(bool),
    /// Resource reference.
    Ref(u32),
}

/// An element to write as binary XML.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// Tag name.
    pub name: String,
    /// Attributes: (in android namespace?, name, value).
    pub attrs: Vec<(bool, String, AttrValue)>,
    /// Children.
    pub children: Vec<Node>,
}

impl Node {
    /// New element.
    pub fn new(name: &str) -> Self {
        Node {
            name: name.into(),
            ..Default::default()
        }
    }
    /// Add an `android:` attribute.
    pub fn android(mut self, name: &str, v: AttrValue) -> Self {
        self.attrs.push((true, name.into(), v));
        self
    }
    /// Add an attribute without namespace.
    pub fn plain(mut self, name: &str, v: AttrValue) -> Self {
        self.attrs.push((false, name.into(), v));
        self
    }
    /// Add a child.
    pub fn child(mut self, c: Node) -> Self {
        self.children.push(c);
        self
    }
}

/// Shorthand for a string value.
pub fn s(v: &str) -> AttrValue {
    AttrValue::Str(v.into())
}

struct Pool {
    strings: Vec<String>,
}

impl Pool {
    fn idx(&mut self, s: &str) -> u32 {
        if let Some(i) = self.strings.iter().position(|x| x == s) {
            return i as u32;
        }
        self.strings.push(s.to_string());
        (self.strings.len() - 1) as u32
    }
}

fn collect_attr_names(n: &Node, out: &mut Vec<String>) {
    for (android, name, _) in &n.attrs {
        if *android && framework_attr_id(name).is_some() && !out.contains(name) {
            out.push(name.clone());
        }
    }
    for c in &n.children {
        collect_attr_names(c, out);
    }
}

/// Encode an element tree as Android binary XML (UTF-16 string pool, resource map).
pub fn write_axml(root: &Node) -> Vec<u8> {
    // attribute names with resource ids come first so the resource map lines up
    let mut id_names = Vec::new();
    collect_attr_names(root, &mut id_names);
    let mut pool = Pool {
        strings: id_names.clone(),
    };
    let ns_prefix = pool.idx("android");
    let ns_uri = pool.idx(ANDROID_NS);
    let mut body = Vec::new();
    // start namespace
    node_chunk(&mut body, 0x0100, &[ns_prefix, ns_uri]);
    write_node(root, &mut pool, ns_uri, &mut body);
    node_chunk(&mut body, 0x0101, &[ns_prefix, ns_uri]);

    let mut sp = Vec::new();
    let n = pool.strings.len() as u32;
    let mut data = Vec::new();
    let mut offsets = Vec::new();
    for st in &pool.strings {
        offsets.push(data.len() as u32);
        let units: Vec<u16> = st.encode_utf16().collect();
        data.extend_from_slice(&(units.len() as u16).to_le_bytes());
        for u in units {
            data.extend_from_slice(&u.to_le_bytes());
        }
        data.extend_from_slice(&[0, 0]);
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let strings_start = 28 + 4 * n;
    let size = strings_start + data.len() as u32;
    sp.extend_from_slice(&1u16.to_le_bytes());
    sp.extend_from_slice(&28u16.to_le_bytes());
    sp.extend_from_slice(&size.to_le_bytes());
    sp.extend_from_slice(&n.to_le_bytes());
    sp.extend_from_slice(&0u32.to_le_bytes());
    sp.extend_from_slice(&0u32.to_le_bytes()); // flags: UTF-16
    sp.extend_from_slice(&strings_start.to_le_bytes());
    sp.extend_from_slice(&0u32.to_le_bytes());
    for o in offsets {
        sp.extend_from_slice(&o.to_le_bytes());
    }
    sp.extend_from_slice(&data);

    let mut rm = Vec::new();
    rm.extend_from_slice(&0x0180u16.to_le_bytes());
    rm.extend_from_slice(&8u16.to_le_bytes());
    rm.extend_from_slice(&(8 + 4 * id_names.len() as u32).to_le_bytes());
    for name in &id_names {
        rm.extend_from_slice(&framework_attr_id(name).unwrap_or(0).to_le_bytes());
    }

    let total = 8 + sp.len() + rm.len() + body.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&3u16.to_le_bytes());
    out.extend_from_slice(&8u16.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&sp);
    out.extend_from_slice(&rm);
    out.extend_from_slice(&body);
    out
}

fn node_chunk(out: &mut Vec<u8>, ty: u16, fields: &[u32]) {
    out.extend_from_slice(&ty.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(&(16 + 4 * fields.len() as u32).to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes()); // line
    out.extend_from_slice(&u32::MAX.to_le_bytes()); // comment
    for f in fields {
        out.extend_from_slice(&f.to_le_bytes());
    }
}

fn write_node(n: &Node, pool: &mut Pool, ns_uri: u32, out: &mut Vec<u8>) {
    let name = pool.idx(&n.name);
    let mut attrs = Vec::new();
    for (android, an, v) in &n.attrs {
        let ns = if *android { ns_uri } else { u32::MAX };
        let ai = pool.idx(an);
        let (raw, ty, data) = match v {
            AttrValue::Str(sv) => {
                let i = pool.idx(sv);
                (i, 0x03u8, i)
            }
            AttrValue::Int(i) => (u32::MAX, 0x10, *i as u32),
            AttrValue::Bool(b) => (u32::MAX, 0x12, if *b { u32::MAX } else { 0 }),
            AttrValue::Ref(r) => (u32::MAX, 0x01, *r),
        };
        attrs.extend_from_slice(&ns.to_le_bytes());
        attrs.extend_from_slice(&ai.to_le_bytes());
        attrs.extend_from_slice(&raw.to_le_bytes());
        attrs.extend_from_slice(&8u16.to_le_bytes());
        attrs.push(0);
        attrs.push(ty);
        attrs.extend_from_slice(&data.to_le_bytes());
    }
    let count = n.attrs.len() as u16;
    out.extend_from_slice(&0x0102u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(&(36 + attrs.len() as u32).to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&u32::MAX.to_le_bytes());
    out.extend_from_slice(&u32::MAX.to_le_bytes()); // ns
    out.extend_from_slice(&name.to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&[0u8; 6]);
    out.extend_from_slice(&attrs);
    for c in &n.children {
        write_node(c, pool, ns_uri, out);
    }
    node_chunk(out, 0x0103, &[u32::MAX, name]);
}

/// Write a ZIP archive from (name, bytes) pairs; entries are deflated.
pub fn write_zip(entries: &[(&str, &[u8])]) -> std::io::Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).map_err(std::io::Error::other)?;
        w.write_all(data)?;
    }
    Ok(w.finish().map_err(std::io::Error::other)?.into_inner())
}

/// Write a ZIP archive from (name, bytes) pairs; entries are stored (not compressed).
pub fn write_zip_stored(entries: &[(&str, &[u8])]) -> std::io::Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(entries.iter().any(|(_, d)| d.len() >= u32::MAX as usize));
    for (name, data) in entries {
        w.start_file(*name, opts).map_err(std::io::Error::other)?;
        w.write_all(data)?;
    }
    Ok(w.finish().map_err(std::io::Error::other)?.into_inner())
}

/// A ZIP whose `names.len()` central-directory entries all point at one local header and
/// one deflate stream of `kernel` (the overlapping-entry zip bomb): each entry, read on
/// its own, inflates the whole kernel.
pub fn overlapping_zip(names: &[String], kernel: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(kernel)?;
    let data = enc.finish()?;
    let crc = {
        let mut h = flate2::Crc::new();
        h.update(kernel);
        h.sum()
    };
    let csize = u32::try_from(data.len()).map_err(std::io::Error::other)?;
    let usize_ = u32::try_from(kernel.len()).map_err(std::io::Error::other)?;
    let first = names.first().map(String::as_bytes).unwrap_or(b"k");
    let mut out = Vec::new();
    let fixed = |out: &mut Vec<u8>, name_len: usize| {
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&8u16.to_le_bytes()); // deflate
        out.extend_from_slice(&[0u8; 4]); // time, date
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&csize.to_le_bytes());
        out.extend_from_slice(&usize_.to_le_bytes());
        out.extend_from_slice(&(name_len as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra
    };
    out.extend_from_slice(b"PK\x03\x04");
    fixed(&mut out, first.len());
    out.extend_from_slice(first);
    out.extend_from_slice(&data);
    let cd_start = out.len();
    for n in names {
        out.extend_from_slice(b"PK\x01\x02");
        out.extend_from_slice(&20u16.to_le_bytes()); // version made by
        fixed(&mut out, n.len());
        out.extend_from_slice(&[0u8; 8]); // comment len, disk, internal attrs, external attrs (first 2)
        out.extend_from_slice(&[0u8; 2]); // external attrs (last 2)
        out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
        out.extend_from_slice(n.as_bytes());
    }
    let cd_len = out.len() - cd_start;
    let count = u16::try_from(names.len()).map_err(std::io::Error::other)?;
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0u8; 4]);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(cd_len as u32).to_le_bytes());
    out.extend_from_slice(&(cd_start as u32).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

/// The manifest of the demo app shipped in `samples/demo.apk`.
pub fn demo_manifest() -> Node {
    let perm = |n: &str| Node::new("uses-permission").android("name", s(n));
    Node::new("manifest")
        .plain("package", s("com.example.demo"))
        .android("versionCode", AttrValue::Int(3))
        .android("versionName", s("1.2.0"))
        .child(
            Node::new("uses-sdk")
                .android("minSdkVersion", AttrValue::Int(21))
                .android("targetSdkVersion", AttrValue::Int(33)),
        )
        .child(perm("android.permission.INTERNET"))
        .child(perm("android.permission.READ_PHONE_STATE"))
        .child(perm("android.permission.ACCESS_FINE_LOCATION"))
        .child(perm("android.permission.CAMERA"))
        .child(perm("android.permission.QUERY_ALL_PACKAGES"))
        .child(
            perm("android.permission.WRITE_EXTERNAL_STORAGE")
                .android("maxSdkVersion", AttrValue::Int(28)),
        )
        .child(
            Node::new("application")
                .android("label", s("Demo"))
                .android("allowBackup", AttrValue::Bool(true))
                .android("debuggable", AttrValue::Bool(false))
                .child(
                    Node::new("activity")
                        .android("name", s(".MainActivity"))
                        .child(
                            Node::new("intent-filter")
                                .child(
                                    Node::new("action")
                                        .android("name", s("android.intent.action.MAIN")),
                                )
                                .child(
                                    Node::new("category")
                                        .android("name", s("android.intent.category.LAUNCHER")),
                                ),
                        ),
                )
                .child(
                    Node::new("activity")
                        .android(
                            "name",
                            s("com.bytedance.sdk.openadsdk.activity.TTLandingPageActivity"),
                        )
                        .android("exported", AttrValue::Bool(false)),
                )
                .child(
                    Node::new("service")
                        .android("name", s("cn.jpush.android.service.PushService"))
                        .android("exported", AttrValue::Bool(false)),
                )
                .child(
                    Node::new("provider")
                        .android("name", s("com.qq.e.comm.GDTFileProvider"))
                        .android("authorities", s("com.example.demo.gdt.fileprovider"))
                        .android("exported", AttrValue::Bool(false)),
                )
                .child(
                    Node::new("meta-data")
                        .android("name", s("JPUSH_APPKEY"))
                        .android("value", s("0123456789abcdef")),
                ),
        )
}

/// The demo app's code: its own classes plus a few classes of Pangle, Youlianghui (GDT),
/// JPush, Umeng and Bugly, some of which call privacy-sensitive APIs, and one obfuscated
/// class with no owner. Every call here is what the scan's `data_access` must report.
pub fn demo_dex() -> std::io::Result<Vec<u8>> {
    use crate::testkit::dex_builder::{DexBuilder, Insn};
    const TM: &str = "Landroid/telephony/TelephonyManager;";
    const PM: &str = "Landroid/content/pm/PackageManager;";
    const STR: &str = "()Ljava/lang/String;";
    let mut b = DexBuilder::new();
    b.class(
        "Lcom/example/demo/MainActivity;",
        Some("Landroid/app/Activity;"),
    )
    .constructor()
    .virtual_method(
        "onLocate",
        "()V",
        vec![
            Insn::invoke_virtual(
                "Landroid/location/LocationManager;",
                "getLastKnownLocation",
                "(Ljava/lang/String;)Landroid/location/Location;",
            ),
            Insn::return_void(),
        ],
    );
    b.class(
        "Lcom/bytedance/sdk/openadsdk/core/DeviceUtils;",
        Some("Ljava/lang/Object;"),
    )
    .static_method(
        "collect",
        "()V",
        vec![
            Insn::invoke_virtual(TM, "getDeviceId", STR),
            Insn::invoke_virtual("Landroid/net/wifi/WifiInfo;", "getMacAddress", STR),
            Insn::invoke_virtual(PM, "getInstalledPackages", "(I)Ljava/util/List;"),
            Insn::return_void(),
        ],
    );
    b.class(
        "Lcom/bytedance/sdk/openadsdk/TTAdSdk;",
        Some("Ljava/lang/Object;"),
    )
    .static_method("init", "()V", vec![Insn::return_void()]);
    b.class(
        "Lcom/qq/e/comm/managers/status/DeviceStatus;",
        Some("Ljava/lang/Object;"),
    )
    .static_method(
        "getUid",
        "()V",
        vec![
            Insn::const_string("android_id"),
            Insn::invoke_static(
                "Landroid/provider/Settings$Secure;",
                "getString",
                "(Landroid/content/ContentResolver;Ljava/lang/String;)Ljava/lang/String;",
            ),
            Insn::invoke_virtual(TM, "getSubscriberId", STR),
            Insn::return_void(),
        ],
    );
    b.class("Lcom/qq/e/ads/ADActivity;", Some("Landroid/app/Activity;"))
        .constructor();
    b.class(
        "Lcn/jpush/android/service/PushService;",
        Some("Landroid/app/Service;"),
    )
    .virtual_method(
        "onCreate",
        "()V",
        vec![
            Insn::invoke_virtual(
                "Landroid/net/wifi/WifiManager;",
                "getScanResults",
                "()Ljava/util/List;",
            ),
            Insn::return_void(),
        ],
    );
    b.class(
        "Lcn/jpush/android/api/JPushInterface;",
        Some("Ljava/lang/Object;"),
    )
    .static_method("init", "()V", vec![Insn::return_void()]);
    b.class(
        "Lcom/umeng/analytics/MobclickAgent;",
        Some("Ljava/lang/Object;"),
    )
    .static_method(
        "onResume",
        "()V",
        vec![
            Insn::invoke_virtual(
                "Landroid/content/ClipboardManager;",
                "getPrimaryClip",
                "()Landroid/content/ClipData;",
            ),
            Insn::return_void(),
        ],
    );
    b.class(
        "Lcom/tencent/bugly/crashreport/CrashReport;",
        Some("Ljava/lang/Object;"),
    )
    .static_method("initCrashReport", "()V", vec![Insn::return_void()]);
    b.class("La/a/b;", Some("Ljava/lang/Object;"))
        .static_method(
            "a",
            "()V",
            vec![
                Insn::invoke_virtual(TM, "getLine1Number", STR),
                Insn::return_void(),
            ],
        );
    b.build().map_err(|e| std::io::Error::other(e.0))
}

/// Build the demo APK (manifest and dex) as bytes.
pub fn demo_apk() -> std::io::Result<Vec<u8>> {
    let manifest = write_axml(&demo_manifest());
    let dex = demo_dex()?;
    write_zip(&[("AndroidManifest.xml", &manifest), ("classes.dex", &dex)])
}
