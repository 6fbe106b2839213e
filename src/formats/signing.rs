//! APK signing facts: which signature schemes an APK carries (v1 JAR signing, the APK
//! Signing Block's v2 / v3 / v3.1 / source-stamp blocks, a v4 `.idsig` file) and who signed
//! it (each signer's X.509 certificate: SHA-256, subject, issuer, validity, key type and size).
//!
//! This module *reads* signatures; it does not verify them (no digest or signature checks).
//! It reports blocks that are **present**, where `apksigner verify` reports schemes that
//! **verify**; `docs/signing.md` explains the difference and what is compared in the tests.
//!
//! Layouts (public sources; facts only):
//! * APK Signing Block, v2 and v3 signer layouts: <https://source.android.com/docs/security/features/apksigning/v2>
//!   and `/v3`; block ids and attribute ids from AOSP apksig
//!   (`github:yaap/tools_apksig src/main/java/com/android/apksig/internal/apk/v2/V2SchemeConstants.java`,
//!   `.../v3/V3SchemeConstants.java`, `.../stamp/SourceStampConstants.java`,
//!   `.../ApkSigningBlockUtils.java` @bb12ed7f06eb3f702cb03006643169db7e1c811d).
//! * v4 `.idsig`: `.../internal/apk/v4/V4Signature.java` (same commit).
//! * v1: PKCS#7 / CMS SignedData (RFC 5652) decoded with the RustCrypto `cms` crate;
//!   certificates decoded with `x509-parser`.
//!
//! Robustness: every length is checked against the bytes that remain before it is used, every
//! loop consumes input on each turn (or is capped), nothing panics on any input. Whatever cannot
//! be read becomes a line in [`SigningInfo::warnings`] naming the byte offset and the reason.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use x509_parser::prelude::{FromDer, X509Certificate};

/// APK Signing Block footer magic.
const SIG_BLOCK_MAGIC: &[u8; 16] = b"APK Sig Block 42";
/// APK Signature Scheme v2 block id.
pub const V2_BLOCK_ID: u32 = 0x7109_871a;
/// APK Signature Scheme v3 block id.
pub const V3_BLOCK_ID: u32 = 0xf053_68c0;
/// APK Signature Scheme v3.1 block id (key rotation targeting Android 13+).
pub const V31_BLOCK_ID: u32 = 0x1b93_ad61;
/// Source stamp v1 block id.
pub const SOURCE_STAMP_V1_BLOCK_ID: u32 = 0x2b09_189e;
/// Source stamp v2 block id.
pub const SOURCE_STAMP_V2_BLOCK_ID: u32 = 0x6dff_800d;
/// Verity padding block id (pads the signing block to 4096 bytes).
pub const VERITY_PADDING_BLOCK_ID: u32 = 0x4272_6577;

/// v2 signed-data attribute: the APK was also signed with v3 (stripping protection).
const ATTR_STRIPPING_PROTECTION: u32 = 0xbeef_f00d;
/// v3 signed-data attribute: proof-of-rotation lineage.
const ATTR_PROOF_OF_ROTATION: u32 = 0x3ba0_6f8c;
/// v3 signed-data attribute: minimum SDK of the v3.1 rotation.
const ATTR_ROTATION_MIN_SDK: u32 = 0x559f_8b02;
/// v3.1 signed-data attribute: rotation targets a development release.
const ATTR_ROTATION_ON_DEV_RELEASE: u32 = 0xc2a6_b3ba;

/// Most signers a scheme block may list before the rest is ignored with a warning.
const MAX_SIGNERS: usize = 64;
/// Most certificates read per signer / signature file.
const MAX_CERTS: usize = 64;
/// Most warnings kept; past this one summary line is added.
const MAX_WARNINGS: usize = 200;
/// Android's first release that verifies v2 signatures (7.0, API 24).
const FIRST_SDK_WITH_V2: u32 = 24;

/// Everything read about an APK's signatures.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SigningInfo {
    /// Which schemes are present (not: which verify).
    pub schemes: SchemesPresent,
    /// The APK Signing Block, when one sits before the central directory.
    pub signing_block: Option<SigningBlock>,
    /// v1 (JAR) signatures: one per `META-INF/*.RSA|DSA|EC` signature block file.
    pub v1: Vec<V1Signature>,
    /// v2 signers.
    pub v2: Vec<SchemeSigner>,
    /// v3 signers.
    pub v3: Vec<SchemeSigner>,
    /// v3.1 signers.
    pub v31: Vec<SchemeSigner>,
    /// v4 signature (from the `.idsig` file beside the APK), when given.
    pub v4: Option<V4Signature>,
    /// Source stamp certificate, when a source-stamp block is present.
    pub source_stamp: Option<CertInfo>,
    /// The scheme whose signers Android uses on current releases: the highest of v3, v2, v1
    /// that is present and has a readable signer (v3.1 is reported separately, as apksigner
    /// does: it only applies from its signer's min SDK on).
    pub effective_scheme: Option<String>,
    /// Signers of [`Self::effective_scheme`] (each signer's own certificate).
    pub effective_signers: Vec<CertInfo>,
    /// At least one signer certificate is an Android SDK debug certificate.
    pub debug_certificate: bool,
    /// Janus (CVE-2017-13156) exposure: v1 only (no v2/v3/v3.1 block) and `min_sdk` < 24.
    /// `None` when the APK is v1-only but the caller did not know `min_sdk`.
    pub janus_exposed: Option<bool>,
    /// The min SDK the caller passed (from the manifest).
    pub min_sdk: Option<u32>,
    /// Everything that could not be read, each with a byte offset and a reason.
    pub warnings: Vec<String>,
}

/// Presence of each scheme.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemesPresent {
    /// A `META-INF/*.SF` file with its signature block file (`.RSA`, `.DSA` or `.EC`).
    pub v1: bool,
    /// A v2 block in the APK Signing Block.
    pub v2: bool,
    /// A v3 block.
    pub v3: bool,
    /// A v3.1 block.
    pub v31: bool,
    /// A v4 `.idsig` was given and has the v4 layout.
    pub v4: bool,
    /// A source-stamp block (v1 or v2 stamp).
    pub source_stamp: bool,
}

/// Where the APK Signing Block sits and what it holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SigningBlock {
    /// File offset of the block's first byte.
    pub offset: u64,
    /// Total size in bytes (both size fields and the magic included).
    pub size: u64,
    /// The id-value pairs, in file order.
    pub entries: Vec<BlockEntry>,
}

/// One id-value pair of the APK Signing Block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlockEntry {
    /// Block id, as `0x` and 8 hex digits.
    pub id: String,
    /// Known name of the id (`v2`, `v3`, `v3.1`, `source-stamp-v2`, `verity-padding`, ...), or `unknown`.
    pub name: String,
    /// File offset of the value.
    pub offset: u64,
    /// Value size in bytes.
    pub size: u64,
}

/// A v2 / v3 / v3.1 signer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SchemeSigner {
    /// The certificates in signed data; the first is the signer's own.
    pub certificates: Vec<CertInfo>,
    /// Signature algorithms of the signatures (`RSA_PKCS1_V1_5_WITH_SHA256`, ...).
    pub signature_algorithms: Vec<String>,
    /// The signer's public key (SubjectPublicKeyInfo) equals the first certificate's.
    pub public_key_matches_certificate: Option<bool>,
    /// v3 / v3.1: lowest SDK this signer applies to.
    pub min_sdk: Option<u32>,
    /// v3 / v3.1: highest SDK this signer applies to.
    pub max_sdk: Option<u32>,
    /// Names of the additional attributes in signed data.
    pub attributes: Vec<String>,
    /// v3 / v3.1 proof-of-rotation: SHA-256 of each past and present certificate, oldest first.
    pub lineage: Vec<String>,
}

/// A v1 (JAR) signature: one signature block file and its `.SF`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct V1Signature {
    /// The signature block file (`META-INF/CERT.RSA`).
    pub block_file: String,
    /// The signature file it signs (`META-INF/CERT.SF`), when present.
    pub signature_file: Option<String>,
    /// `X-Android-APK-Signed` in the `.SF` main section: the schemes the signer also applied
    /// (`2`, `3`), which Android uses to detect stripped v2/v3 signatures.
    pub x_android_apk_signed: Option<String>,
    /// Signers' own certificates (one per PKCS#7 SignerInfo, matched by issuer and serial).
    pub signers: Vec<CertInfo>,
    /// All certificates carried in the PKCS#7 block (in DER SET order, as `cms` sorts them).
    pub certificates: Vec<CertInfo>,
}

/// A v4 signature (`<apk>.idsig`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct V4Signature {
    /// Format version (2 is the current one).
    pub version: u32,
    /// Hash algorithm id (1 = SHA-256).
    pub hash_algorithm: u32,
    /// log2 of the Merkle tree block size (12 = 4096 bytes).
    pub log2_block_size: u8,
    /// Root hash of the Merkle tree, hex.
    pub root_hash: String,
    /// The signer's APK digest (binds the `.idsig` to a v2/v3 signature), hex.
    pub apk_digest: String,
    /// The signer certificate.
    pub certificate: Option<CertInfo>,
    /// Signature algorithm.
    pub signature_algorithm: String,
    /// Ids of extra signing-info blocks (v4.1: one per v3.1 signer), `0x` hex.
    pub extra_signing_info_ids: Vec<String>,
    /// Size of the Merkle tree stored after the signature, when present.
    pub merkle_tree_size: Option<u64>,
    /// What could not be read.
    pub warnings: Vec<String>,
}

/// One X.509 certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertInfo {
    /// SHA-256 of the DER encoding, lower-case hex (apksigner's "certificate SHA-256 digest").
    pub sha256: String,
    /// Subject DN, most specific attribute first (as Java and apksigner print it).
    pub subject: Option<String>,
    /// Issuer DN, same form.
    pub issuer: Option<String>,
    /// Serial number, hex.
    pub serial: Option<String>,
    /// Start of validity, RFC 3339 UTC.
    pub not_before: Option<String>,
    /// End of validity, RFC 3339 UTC.
    pub not_after: Option<String>,
    /// Validity end had passed when the APK was read (Android itself ignores validity).
    pub expired: bool,
    /// Subject and issuer are the same name.
    pub self_signed: bool,
    /// Key algorithm as Java names it (`RSA`, `EC`, `DSA`), else the registry name or OID.
    pub key_algorithm: Option<String>,
    /// Key size in bits: RSA modulus, DSA prime p, EC curve order.
    pub key_size: Option<u32>,
    /// EC named curve (`P-256`, ...) or its OID.
    pub ec_curve: Option<String>,
    /// Certificate signature algorithm (`sha256WithRSAEncryption`, ...) or OID.
    pub signature_algorithm: Option<String>,
    /// Subject is exactly CN=Android Debug, O=Android, C=US (the Android SDK debug keystore).
    pub debug: bool,
    /// Why the certificate could not be read in full, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Observations on a readable certificate: expired or not yet valid, key algorithm or
    /// curve without a known size (the latter also in the warnings, with the offset).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Bounded little-endian reader over a slice, with absolute offsets for messages.

/// A read failure: absolute offset and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fault {
    offset: u64,
    reason: String,
}

impl Fault {
    fn new(offset: u64, reason: impl Into<String>) -> Self {
        Fault {
            offset,
            reason: reason.into(),
        }
    }
}

#[derive(Clone, Copy)]
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Absolute offset of `buf[0]` in the file.
    base: u64,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], base: u64) -> Self {
        Reader { buf, pos: 0, base }
    }
    fn offset(&self) -> u64 {
        self.base.saturating_add(self.pos as u64)
    }
    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }
    fn is_empty(&self) -> bool {
        self.remaining() == 0
    }
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Fault> {
        if n > self.remaining() {
            return Err(Fault::new(
                self.offset(),
                format!("{what}: needs {n} bytes, {} left", self.remaining()),
            ));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u32(&mut self, what: &str) -> Result<u32, Fault> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A uint32-length-prefixed slice, as a reader of its own.
    fn prefixed(&mut self, what: &str) -> Result<Reader<'a>, Fault> {
        let at = self.offset();
        let len = self.u32(what)? as usize;
        if len > self.remaining() {
            return Err(Fault::new(
                at,
                format!(
                    "{what}: length {len} exceeds the {} bytes left",
                    self.remaining()
                ),
            ));
        }
        let base = self.offset();
        let s = self.take(len, what)?;
        Ok(Reader::new(s, base))
    }
    fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos.min(self.buf.len())..]
    }
}

use crate::formats::bytes::{u16_at as le_u16, u32_at as le_u32, u64_at as le_u64};

struct Warnings<'w>(&'w mut Vec<String>);

impl Warnings<'_> {
    fn push(&mut self, offset: u64, reason: impl AsRef<str>) {
        let n = self.0.len();
        if n < MAX_WARNINGS {
            self.0.push(format!("at {offset:#x}: {}", reason.as_ref()));
        } else if n == MAX_WARNINGS {
            self.0.push("more warnings left out".to_string());
        }
    }
    fn fault(&mut self, context: &str, f: Fault) {
        self.push(f.offset, format!("{context}: {}", f.reason));
    }
}

// ---------------------------------------------------------------------------------------------
// ZIP end of central directory.

/// Central directory offset and the EOCD offset, found with a bounded backwards search.
fn find_central_directory(file: &[u8]) -> Result<(u64, u64), Fault> {
    const EOCD_SIG: u32 = 0x0605_4b50;
    const EOCD_MIN: usize = 22;
    if file.len() < EOCD_MIN {
        return Err(Fault::new(
            0,
            format!("file of {} bytes has no ZIP end record", file.len()),
        ));
    }
    // The comment is at most 65535 bytes: the record starts within the last 65557 bytes.
    let last = file.len() - EOCD_MIN;
    let first = last.saturating_sub(u16::MAX as usize);
    let mut eocd = None;
    for at in (first..=last).rev() {
        if le_u32(file, at) == Some(EOCD_SIG)
            && le_u16(file, at + 20).map(|c| at + EOCD_MIN + c as usize) == Some(file.len())
        {
            eocd = Some(at);
            break;
        }
    }
    let eocd = eocd.ok_or_else(|| {
        Fault::new(
            file.len() as u64,
            "no ZIP end-of-central-directory record in the last 64 KiB",
        )
    })?;
    let cd_offset = le_u32(file, eocd + 16).unwrap_or(0);
    if cd_offset != u32::MAX {
        return Ok((cd_offset as u64, eocd as u64));
    }
    // Zip64: locator right before the EOCD, pointing at the zip64 end record.
    const LOC_SIG: u32 = 0x0706_4b50;
    const Z64_SIG: u32 = 0x0606_4b50;
    let loc = eocd
        .checked_sub(20)
        .filter(|&l| le_u32(file, l) == Some(LOC_SIG))
        .ok_or_else(|| {
            Fault::new(
                eocd as u64,
                "central directory offset 0xffffffff without a zip64 locator",
            )
        })?;
    let z64 = le_u64(file, loc + 8).unwrap_or(u64::MAX);
    let z64 = usize::try_from(z64)
        .ok()
        .filter(|&z| le_u32(file, z) == Some(Z64_SIG))
        .ok_or_else(|| Fault::new(loc as u64, "zip64 locator points outside the file"))?;
    let cd = le_u64(file, z64 + 48)
        .ok_or_else(|| Fault::new(z64 as u64, "truncated zip64 end record"))?;
    Ok((cd, eocd as u64))
}

// ---------------------------------------------------------------------------------------------
// Entry points.

/// Read every signature fact of an APK.
///
/// * `file`: the whole APK.
/// * `v1_files`: the `META-INF/` entries the caller inflated: `MANIFEST.MF`, `*.SF`,
///   `*.RSA`, `*.DSA`, `*.EC` (other names are ignored), with their full entry names.
/// * `min_sdk`: the manifest's `minSdkVersion`, for the Janus rule.
///
/// Never panics; whatever cannot be read is in [`SigningInfo::warnings`].
pub fn read_signing(file: &[u8], v1_files: &[(&str, &[u8])], min_sdk: Option<u32>) -> SigningInfo {
    read_signing_at(file, v1_files, min_sdk, unix_now())
}

/// [`read_signing`] with the clock given (Unix seconds), for reproducible `expired` flags.
pub fn read_signing_at(
    file: &[u8],
    v1_files: &[(&str, &[u8])],
    min_sdk: Option<u32>,
    now: i64,
) -> SigningInfo {
    let mut info = SigningInfo {
        min_sdk,
        ..Default::default()
    };
    let mut warnings = Vec::new();
    {
        let mut w = Warnings(&mut warnings);
        read_signing_block(file, &mut info, &mut w, now);
        read_v1(v1_files, &mut info, &mut w, now);
    }
    info.warnings = warnings;
    info.finish();
    info
}

impl SigningInfo {
    /// Add a v4 signature read from the `.idsig` file that sits beside the APK.
    pub fn add_v4(&mut self, idsig: &[u8]) {
        self.add_v4_at(idsig, unix_now());
    }

    /// [`Self::add_v4`] with the clock given (Unix seconds).
    pub fn add_v4_at(&mut self, idsig: &[u8], now: i64) {
        let v4 = read_v4_signature_at(idsig, now);
        self.schemes.v4 = v4.version != 0 && v4.certificate.is_some();
        for w in &v4.warnings {
            if self.warnings.len() < MAX_WARNINGS {
                self.warnings.push(format!("idsig {w}"));
            }
        }
        self.v4 = Some(v4);
        self.finish();
    }

    /// Derived fields: effective signers, debug flag, Janus.
    fn finish(&mut self) {
        let first_certs = |signers: &[SchemeSigner]| -> Vec<CertInfo> {
            signers
                .iter()
                .filter_map(|s| s.certificates.first().cloned())
                .collect()
        };
        let (scheme, signers) = if !self.v3.is_empty() && !first_certs(&self.v3).is_empty() {
            (Some("v3"), first_certs(&self.v3))
        } else if !first_certs(&self.v2).is_empty() {
            (Some("v2"), first_certs(&self.v2))
        } else {
            // A signature block without its .SF is a partial signature: Android ignores it.
            let v1: Vec<CertInfo> = self
                .v1
                .iter()
                .filter(|s| s.signature_file.is_some())
                .flat_map(|s| s.signers.iter().cloned())
                .collect();
            if v1.is_empty() {
                (None, v1)
            } else {
                (Some("v1"), v1)
            }
        };
        self.effective_scheme = scheme.map(str::to_string);
        self.effective_signers = signers;
        let any_debug = |c: &CertInfo| c.debug;
        self.debug_certificate = self.effective_signers.iter().any(any_debug)
            || self
                .v1
                .iter()
                .filter(|s| s.signature_file.is_some())
                .flat_map(|s| &s.signers)
                .any(any_debug)
            || [&self.v2, &self.v3, &self.v31]
                .iter()
                .flat_map(|v| v.iter())
                .filter_map(|s| s.certificates.first())
                .any(any_debug);
        let block_schemes = self.schemes.v2 || self.schemes.v3 || self.schemes.v31;
        self.janus_exposed = if self.schemes.v1 && !block_schemes {
            self.min_sdk.map(|m| m < FIRST_SDK_WITH_V2)
        } else {
            Some(false)
        };
    }
}

// ---------------------------------------------------------------------------------------------
// APK Signing Block.

fn block_name(id: u32) -> &'static str {
    match id {
        V2_BLOCK_ID => "v2",
        V3_BLOCK_ID => "v3",
        V31_BLOCK_ID => "v3.1",
        SOURCE_STAMP_V1_BLOCK_ID => "source-stamp-v1",
        SOURCE_STAMP_V2_BLOCK_ID => "source-stamp-v2",
        VERITY_PADDING_BLOCK_ID => "verity-padding",
        // Android Gradle plugin's encrypted dependency metadata (apkzlib SigningExtension
        // DEPENDENCY_INFO_BLOCK_ID) and Google Play's "frosting" metadata.
        0x504b_4453 => "dependency-info",
        0x2146_444e => "play-frosting",
        // Distribution-channel markers common in Chinese builds: Meituan Walle
        // (github:Meituan-Dianping/walle payload_reader ApkUtil.java APK_CHANNEL_BLOCK_ID) and
        // Tencent VasDolly (github:Tencent/VasDolly common ChannelConstants.java CHANNEL_BLOCK_ID).
        0x7177_7777 => "walle-channel",
        0x8811_55ff => "vasdolly-channel",
        _ => "unknown",
    }
}

fn read_signing_block(file: &[u8], info: &mut SigningInfo, w: &mut Warnings, now: i64) {
    let (cd, eocd) = match find_central_directory(file) {
        Ok(x) => x,
        Err(f) => {
            w.fault("zip", f);
            return;
        }
    };
    if cd > eocd {
        w.push(
            eocd + 16,
            format!("central directory offset {cd:#x} is past the end record"),
        );
        return;
    }
    let cd = cd as usize; // cd <= eocd < file.len()
    if cd < 32 {
        return; // no room for a signing block
    }
    let footer = cd - 24;
    if &file[footer + 8..cd] != SIG_BLOCK_MAGIC {
        return; // no APK Signing Block
    }
    let size_footer = le_u64(file, footer).unwrap_or(0);
    // Size excludes the leading 8-byte size field: total = size + 8.
    let total = match size_footer.checked_add(8) {
        Some(t) if size_footer >= 24 && t <= cd as u64 => t as usize,
        _ => {
            w.push(
                footer as u64,
                format!("APK Signing Block size {size_footer} does not fit before the central directory at {cd:#x}"),
            );
            return;
        }
    };
    let start = cd - total;
    let size_header = le_u64(file, start).unwrap_or(0);
    if size_header != size_footer {
        w.push(
            start as u64,
            format!(
                "APK Signing Block size fields differ: header {size_header}, footer {size_footer}"
            ),
        );
        return;
    }
    let mut block = SigningBlock {
        offset: start as u64,
        size: total as u64,
        entries: Vec::new(),
    };
    let pairs = &file[start + 8..footer];
    let mut r = Reader::new(pairs, (start + 8) as u64);
    let mut seen: Vec<u32> = Vec::new();
    while !r.is_empty() {
        let at = r.offset();
        if r.remaining() < 8 {
            w.push(
                at,
                format!("{} stray bytes after the last id-value pair", r.remaining()),
            );
            break;
        }
        let len = le_u64(r.rest(), 0).unwrap_or(0);
        if len < 4 || len > (r.remaining() - 8) as u64 {
            w.push(
                at,
                format!(
                    "id-value pair length {len} is out of range ({} bytes left)",
                    r.remaining() - 8
                ),
            );
            break;
        }
        let _ = r.take(8, "pair length");
        let id = match r.u32("pair id") {
            Ok(id) => id,
            Err(f) => {
                w.fault("signing block", f);
                break;
            }
        };
        let value_at = r.offset();
        let value = match r.take(len as usize - 4, "pair value") {
            Ok(v) => v,
            Err(f) => {
                w.fault("signing block", f);
                break;
            }
        };
        block.entries.push(BlockEntry {
            id: format!("{id:#010x}"),
            name: block_name(id).to_string(),
            offset: value_at,
            size: value.len() as u64,
        });
        let value = Reader::new(value, value_at);
        // Only the few known ids are tracked, so this stays linear in the number of pairs.
        let known = block_name(id) != "unknown" && id != VERITY_PADDING_BLOCK_ID;
        let repeated = known && seen.contains(&id);
        if known && !repeated {
            seen.push(id);
        }
        if repeated {
            // Android and apksig read the first pair with an id; a later one is never verified
            // (F-Droid issue 1128: tools that read the last one can be shown another signer).
            w.push(
                at,
                format!(
                    "second {} block ignored: Android reads only the first one with an id",
                    block_name(id)
                ),
            );
            continue;
        }
        match id {
            V2_BLOCK_ID => {
                info.schemes.v2 = true;
                info.v2.extend(read_scheme_block(value, Scheme::V2, w, now));
            }
            V3_BLOCK_ID => {
                info.schemes.v3 = true;
                info.v3.extend(read_scheme_block(value, Scheme::V3, w, now));
            }
            V31_BLOCK_ID => {
                info.schemes.v31 = true;
                info.v31
                    .extend(read_scheme_block(value, Scheme::V31, w, now));
            }
            SOURCE_STAMP_V1_BLOCK_ID | SOURCE_STAMP_V2_BLOCK_ID => {
                info.schemes.source_stamp = true;
                info.source_stamp = read_stamp(value, w, now);
            }
            _ => {}
        }
    }
    info.signing_block = Some(block);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scheme {
    V2,
    V3,
    V31,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::V2 => "v2",
            Scheme::V3 => "v3",
            Scheme::V31 => "v3.1",
        }
    }
}

fn read_scheme_block(
    mut value: Reader,
    scheme: Scheme,
    w: &mut Warnings,
    now: i64,
) -> Vec<SchemeSigner> {
    let ctx = format!("{} block", scheme.name());
    let mut out = Vec::new();
    let mut signers = match value.prefixed("signers") {
        Ok(s) => s,
        Err(f) => {
            w.fault(&ctx, f);
            return out;
        }
    };
    while !signers.is_empty() {
        if out.len() >= MAX_SIGNERS {
            w.push(
                signers.offset(),
                format!("{ctx}: more than {MAX_SIGNERS} signers, rest ignored"),
            );
            break;
        }
        let signer = match signers.prefixed("signer") {
            Ok(s) => s,
            Err(f) => {
                w.fault(&ctx, f);
                break;
            }
        };
        let n = out.len() + 1;
        match read_scheme_signer(signer, scheme, w, now) {
            Ok(s) => out.push(s),
            Err(f) => w.fault(&format!("{ctx} signer #{n}"), f),
        }
    }
    if out.is_empty() {
        w.push(value.base, format!("{ctx} has no readable signer"));
    }
    out
}

fn read_scheme_signer(
    mut signer: Reader,
    scheme: Scheme,
    w: &mut Warnings,
    now: i64,
) -> Result<SchemeSigner, Fault> {
    let mut out = SchemeSigner::default();
    let mut signed = signer.prefixed("signed data")?;
    let mut digests = signed.prefixed("digests")?;
    while !digests.is_empty() {
        let mut d = digests.prefixed("digest")?;
        d.u32("digest algorithm")?;
        d.prefixed("digest value")?;
    }
    let mut certs = signed.prefixed("certificates")?;
    let mut raw_certs: Vec<&[u8]> = Vec::new();
    while !certs.is_empty() {
        let c = certs.prefixed("certificate")?;
        if raw_certs.len() < MAX_CERTS {
            raw_certs.push(c.buf);
            out.certificates.push(cert_info(c.buf, now, c.base, w));
        }
    }
    if scheme != Scheme::V2 {
        let smin = signed.u32("signed min SDK")?;
        let smax = signed.u32("signed max SDK")?;
        out.min_sdk = Some(smin);
        out.max_sdk = Some(smax);
    }
    let mut attrs = signed.prefixed("additional attributes")?;
    while !attrs.is_empty() {
        let mut a = attrs.prefixed("attribute")?;
        let id = a.u32("attribute id")?;
        let name = match id {
            ATTR_STRIPPING_PROTECTION => "stripping-protection".to_string(),
            ATTR_PROOF_OF_ROTATION => "proof-of-rotation".to_string(),
            ATTR_ROTATION_MIN_SDK => "rotation-min-sdk-version".to_string(),
            ATTR_ROTATION_ON_DEV_RELEASE => "rotation-on-dev-release".to_string(),
            other => format!("{other:#010x}"),
        };
        if id == ATTR_PROOF_OF_ROTATION && scheme != Scheme::V2 {
            match read_lineage(a) {
                Ok(l) => out.lineage = l,
                Err(f) => w.fault("proof-of-rotation", f),
            }
        }
        if out.attributes.len() < MAX_CERTS {
            out.attributes.push(name);
        }
    }
    if scheme != Scheme::V2 {
        let at = signer.offset();
        let min = signer.u32("min SDK")?;
        let max = signer.u32("max SDK")?;
        if Some(min) != out.min_sdk || Some(max) != out.max_sdk {
            w.push(
                at,
                format!(
                    "{} signer SDK range {min}..{max} differs from signed data's",
                    scheme.name()
                ),
            );
        }
        out.min_sdk = Some(min);
        out.max_sdk = Some(max);
    }
    let mut sigs = signer.prefixed("signatures")?;
    while !sigs.is_empty() {
        let mut s = sigs.prefixed("signature")?;
        let alg = s.u32("signature algorithm")?;
        s.prefixed("signature value")?;
        if out.signature_algorithms.len() < MAX_CERTS {
            out.signature_algorithms.push(signature_algorithm_name(alg));
        }
    }
    let key = signer.prefixed("public key")?;
    if let Some(first) = raw_certs.first() {
        out.public_key_matches_certificate = X509Certificate::from_der(first)
            .ok()
            .map(|(_, c)| c.public_key().raw == key.buf);
    }
    Ok(out)
}

/// Proof-of-rotation: version, then length-prefixed nodes (signed data with a certificate).
fn read_lineage(mut r: Reader) -> Result<Vec<String>, Fault> {
    let version = r.u32("lineage version")?;
    if version != 1 {
        return Err(Fault::new(
            r.base,
            format!("lineage version {version} is not 1"),
        ));
    }
    let mut out = Vec::new();
    while !r.is_empty() {
        let mut node = r.prefixed("lineage node")?;
        let mut signed = node.prefixed("lineage signed data")?;
        let cert = signed.prefixed("lineage certificate")?;
        if out.len() < MAX_CERTS {
            out.push(hex(&Sha256::digest(cert.buf)));
        }
    }
    Ok(out)
}

fn read_stamp(mut value: Reader, w: &mut Warnings, now: i64) -> Option<CertInfo> {
    let r = value
        .prefixed("source stamp")
        .and_then(|mut d| d.prefixed("stamp certificate"));
    match r {
        Ok(c) => Some(cert_info(c.buf, now, c.base, w)),
        Err(f) => {
            w.fault("source stamp", f);
            None
        }
    }
}

/// Names of the APK signature algorithm ids (apksig `SignatureAlgorithm`).
pub fn signature_algorithm_name(id: u32) -> String {
    match id {
        0x0101 => "RSA_PSS_WITH_SHA256",
        0x0102 => "RSA_PSS_WITH_SHA512",
        0x0103 => "RSA_PKCS1_V1_5_WITH_SHA256",
        0x0104 => "RSA_PKCS1_V1_5_WITH_SHA512",
        0x0201 => "ECDSA_WITH_SHA256",
        0x0202 => "ECDSA_WITH_SHA512",
        0x0301 => "DSA_WITH_SHA256",
        0x0421 => "VERITY_RSA_PKCS1_V1_5_WITH_SHA256",
        0x0423 => "VERITY_ECDSA_WITH_SHA256",
        0x0425 => "VERITY_DSA_WITH_SHA256",
        other => return format!("unknown ({other:#06x})"),
    }
    .to_string()
}

// ---------------------------------------------------------------------------------------------
// v1 (JAR signing).

fn read_v1(files: &[(&str, &[u8])], info: &mut SigningInfo, w: &mut Warnings, now: i64) {
    for (name, data) in files {
        let Some(stem) = v1_block_stem(name) else {
            continue;
        };
        let sf_name = format!("{stem}.SF");
        let sf = files.iter().find(|(n, _)| *n == sf_name);
        if sf.is_some() {
            info.schemes.v1 = true;
        } else {
            w.push(
                0,
                format!("{name}: no matching {sf_name}: partial v1 signature"),
            );
        }
        let mut sig = V1Signature {
            block_file: name.to_string(),
            signature_file: sf.map(|(n, _)| n.to_string()),
            x_android_apk_signed: sf
                .and_then(|(_, d)| sf_main_attribute(d, "X-Android-APK-Signed")),
            ..Default::default()
        };
        if let Err(f) = read_pkcs7(data, &mut sig, w, now) {
            w.push(f.offset, format!("{name}: {}", f.reason));
        }
        info.v1.push(sig);
    }
}

/// `META-INF/CERT.RSA` → `META-INF/CERT` (signature block files directly under META-INF).
fn v1_block_stem(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("META-INF/")?;
    if rest.contains('/') {
        return None;
    }
    [".RSA", ".DSA", ".EC"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
}

/// A main-section attribute of a `.SF` file (lines end at CRLF/LF; continuation lines start with a space).
fn sf_main_attribute(sf: &[u8], key: &str) -> Option<String> {
    let text = String::from_utf8_lossy(sf);
    let mut lines = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .peekable();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            return None; // end of main section
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if k.eq_ignore_ascii_case(key) {
            let mut v = v.strip_prefix(' ').unwrap_or(v).to_string();
            while let Some(cont) = lines.peek().and_then(|l| l.strip_prefix(' ')) {
                v.push_str(cont);
                lines.next();
            }
            return Some(v);
        }
    }
    None
}

fn read_pkcs7(data: &[u8], sig: &mut V1Signature, w: &mut Warnings, now: i64) -> Result<(), Fault> {
    use cms::content_info::ContentInfo;
    use cms::signed_data::{SignedData, SignerIdentifier};
    use der::{Decode, Encode};

    const ID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
    let der_fault = |e: der::Error, what: &str| {
        let at = e.position().map(|p| u32::from(p) as u64).unwrap_or(0);
        Fault::new(at, format!("{what}: {e}"))
    };
    let ci = ContentInfo::from_der(data).map_err(|e| {
        if data.get(1) == Some(&0x80) {
            // Android's own parser accepts BER; the der crate reads DER only.
            Fault::new(
                1,
                "PKCS#7 in BER indefinite-length form is not read (DER only)",
            )
        } else {
            der_fault(e, "PKCS#7 ContentInfo")
        }
    })?;
    if ci.content_type.to_string() != ID_SIGNED_DATA {
        return Err(Fault::new(
            0,
            format!("PKCS#7 content type {} is not SignedData", ci.content_type),
        ));
    }
    let sd_der = ci
        .content
        .to_der()
        .map_err(|e| der_fault(e, "PKCS#7 content"))?;
    let sd = SignedData::from_der(&sd_der).map_err(|e| der_fault(e, "PKCS#7 SignedData"))?;
    // Certificates: re-encoded from the strictly-DER-decoded structure, so the bytes equal
    // the ones in the file (DER has one encoding per value).
    let mut raw: Vec<Vec<u8>> = Vec::new();
    if let Some(set) = &sd.certificates {
        for choice in set.0.iter().take(MAX_CERTS) {
            match choice {
                cms::cert::CertificateChoices::Certificate(c) => match c.to_der() {
                    Ok(b) => raw.push(b),
                    Err(e) => w.push(
                        0,
                        format!("{}: certificate re-encoding: {e}", sig.block_file),
                    ),
                },
                cms::cert::CertificateChoices::Other(_) => w.push(
                    0,
                    format!("{}: non-X.509 certificate format skipped", sig.block_file),
                ),
            }
        }
    }
    sig.certificates = raw.iter().map(|b| cert_info(b, now, 0, w)).collect();
    if raw.is_empty() {
        w.push(
            0,
            format!(
                "{}: PKCS#7 SignedData carries no certificate",
                sig.block_file
            ),
        );
    }
    for si in sd.signer_infos.0.iter().take(MAX_SIGNERS) {
        let found = match &si.sid {
            SignerIdentifier::IssuerAndSerialNumber(isn) => {
                // Names are compared by value, as Java's X500Principal does: signers may
                // encode the same issuer with another string type than the certificate.
                let issuer_der = isn.issuer.to_der().unwrap_or_default();
                let issuer = x509_parser::x509::X509Name::from_der(&issuer_der)
                    .ok()
                    .map(|(_, n)| name_key(&n));
                let serial = isn.serial_number.as_bytes();
                raw.iter().position(|b| {
                    X509Certificate::from_der(b).is_ok_and(|(_, c)| {
                        issuer.as_ref() == Some(&name_key(&c.tbs_certificate.issuer))
                            && strip_zeros(c.raw_serial()) == strip_zeros(serial)
                    })
                })
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                let want = ski.0.as_bytes();
                raw.iter().position(|b| {
                    X509Certificate::from_der(b).is_ok_and(|(_, c)| {
                        c.extensions().iter().any(|e| {
                            matches!(e.parsed_extension(),
                                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) if k.0 == want)
                        })
                    })
                })
            }
        };
        match found {
            Some(i) => sig.signers.push(sig.certificates[i].clone()),
            None => w.push(
                0,
                format!(
                    "{}: no certificate matches a SignerInfo's identifier",
                    sig.block_file
                ),
            ),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// v4 (.idsig).

/// Read a v4 signature file (`<apk>.idsig`). Never panics; problems are in its `warnings`.
pub fn read_v4_signature(idsig: &[u8]) -> V4Signature {
    read_v4_signature_at(idsig, unix_now())
}

/// [`read_v4_signature`] with the clock given (Unix seconds).
pub fn read_v4_signature_at(idsig: &[u8], now: i64) -> V4Signature {
    let mut out = V4Signature::default();
    let mut warnings = Vec::new();
    {
        let mut w = Warnings(&mut warnings);
        if let Err(f) = read_v4_inner(idsig, &mut out, &mut w, now) {
            w.fault("v4", f);
        }
    }
    out.warnings = warnings;
    out
}

fn read_v4_inner(
    idsig: &[u8],
    out: &mut V4Signature,
    w: &mut Warnings,
    now: i64,
) -> Result<(), Fault> {
    let mut r = Reader::new(idsig, 0);
    let version = r.u32("version")?;
    if version != 2 {
        return Err(Fault::new(
            0,
            format!("v4 signature version {version} (only 2 is known)"),
        ));
    }
    let mut hashing = r.prefixed("hashing info")?;
    let mut signing = r.prefixed("signing infos")?;
    out.version = version;
    out.hash_algorithm = hashing.u32("hash algorithm")?;
    out.log2_block_size = hashing.take(1, "log2 block size")?[0];
    hashing.prefixed("salt")?;
    out.root_hash = hex(hashing.prefixed("root hash")?.buf);
    out.apk_digest = hex(signing.prefixed("apk digest")?.buf);
    let cert = signing.prefixed("certificate")?;
    out.certificate = Some(cert_info(cert.buf, now, cert.base, w));
    signing.prefixed("additional data")?;
    signing.prefixed("public key")?;
    out.signature_algorithm = signature_algorithm_name(signing.u32("signature algorithm")?);
    signing.prefixed("signature")?;
    while !signing.is_empty() {
        let id = signing.u32("signing info block id")?;
        signing.prefixed("signing info block")?;
        if out.extra_signing_info_ids.len() < MAX_SIGNERS {
            out.extra_signing_info_ids.push(format!("{id:#010x}"));
        }
    }
    if !r.is_empty() {
        match r.prefixed("merkle tree") {
            Ok(t) => out.merkle_tree_size = Some(t.buf.len() as u64),
            Err(f) => w.fault("v4", f),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// X.509 certificates.

/// Facts of one DER certificate. `at` is the certificate's file offset (for warnings).
fn cert_info(der: &[u8], now: i64, at: u64, w: &mut Warnings) -> CertInfo {
    let mut ci = CertInfo {
        sha256: hex(&Sha256::digest(der)),
        ..Default::default()
    };
    let cert = match X509Certificate::from_der(der) {
        Ok((_, c)) => c,
        Err(e) => {
            let msg = format!("malformed X.509 certificate ({} bytes): {e}", der.len());
            w.push(at, &msg);
            ci.error = Some(msg);
            return ci;
        }
    };
    let tbs = &cert.tbs_certificate;
    ci.subject = Some(dn_string(&tbs.subject));
    ci.issuer = Some(dn_string(&tbs.issuer));
    ci.serial = Some(hex(tbs.raw_serial()));
    let nb = tbs.validity.not_before.timestamp();
    let na = tbs.validity.not_after.timestamp();
    ci.not_before = Some(rfc3339(nb));
    ci.not_after = Some(rfc3339(na));
    ci.expired = na < now;
    if ci.expired {
        ci.notes.push(format!(
            "expired on {} (Android does not check the validity of signing certificates)",
            rfc3339(na)
        ));
    } else if nb > now {
        ci.notes.push(format!("not valid before {}", rfc3339(nb)));
    }
    ci.self_signed = tbs.subject.as_raw() == tbs.issuer.as_raw();
    ci.signature_algorithm = Some(oid_name(&cert.signature_algorithm.algorithm));
    ci.debug = is_debug_subject(&tbs.subject);
    let spki = tbs.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    match alg.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            ci.key_algorithm = Some(
                if alg.ends_with(".1") {
                    "RSA"
                } else {
                    "RSASSA-PSS"
                }
                .to_string(),
            );
            // RSASSA-PSS keys carry the same RSAPublicKey; parse it as RSA.
            let key =
                x509_parser::public_key::RSAPublicKey::from_der(&spki.subject_public_key.data);
            match key {
                Ok((_, k)) => ci.key_size = Some(bit_length(k.modulus)),
                Err(e) => {
                    let msg = format!("unreadable RSA public key: {e}");
                    w.push(at, &msg);
                    ci.error = Some(msg);
                }
            }
        }
        "1.2.840.10045.2.1" => {
            ci.key_algorithm = Some("EC".to_string());
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok());
            match curve {
                Some(oid) => {
                    let id = oid.to_id_string();
                    let (name, bits) = ec_curve(&id);
                    ci.ec_curve = Some(name.map(str::to_string).unwrap_or(id));
                    ci.key_size = bits;
                    if bits.is_none() {
                        let msg = format!(
                            "EC key on an unknown curve {}",
                            ci.ec_curve.as_deref().unwrap_or("")
                        );
                        note(&mut ci, w, at, msg);
                    }
                }
                None => note(&mut ci, w, at, "EC key without a named curve".into()),
            }
        }
        "1.2.840.10040.4.1" => {
            ci.key_algorithm = Some("DSA".to_string());
            // Dss-Parms ::= SEQUENCE { p, q, g }: key size is p's length.
            let p = spki.algorithm.parameters.as_ref().and_then(|params| {
                x509_parser::der_parser::der::parse_der_integer(params.data)
                    .ok()
                    .and_then(|(_, o)| o.as_slice().ok().map(bit_length))
            });
            if p.is_none() {
                note(&mut ci, w, at, "DSA key without readable parameters".into());
            }
            ci.key_size = p;
        }
        "1.3.101.112" => {
            ci.key_algorithm = Some("Ed25519".to_string());
            ci.key_size = Some(255);
        }
        _ => {
            let name = oid_name(&spki.algorithm.algorithm);
            note(
                &mut ci,
                w,
                at,
                format!("unknown public key algorithm {name}"),
            );
            ci.key_algorithm = Some(name);
        }
    }
    ci
}

/// A note on a readable certificate that is also a warning (with the certificate's offset).
fn note(ci: &mut CertInfo, w: &mut Warnings, at: u64, msg: String) {
    w.push(at, &msg);
    ci.notes.push(msg);
}

/// Java-style name of an OID from x509-parser's registry, else the dotted form.
fn oid_name(oid: &x509_parser::oid_registry::Oid) -> String {
    x509_parser::objects::oid_registry()
        .get(oid)
        .map(|e| e.sn().to_string())
        .unwrap_or_else(|| oid.to_id_string())
}

/// Named EC curves: name and order bit length (what Java's `ECKey` reports as size).
fn ec_curve(oid: &str) -> (Option<&'static str>, Option<u32>) {
    match oid {
        "1.2.840.10045.3.1.1" => (Some("P-192"), Some(192)),
        "1.3.132.0.33" => (Some("P-224"), Some(224)),
        "1.2.840.10045.3.1.7" => (Some("P-256"), Some(256)),
        "1.3.132.0.34" => (Some("P-384"), Some(384)),
        "1.3.132.0.35" => (Some("P-521"), Some(521)),
        "1.3.132.0.10" => (Some("secp256k1"), Some(256)),
        _ => (None, None),
    }
}

/// Bit length of a big-endian unsigned integer (leading zero bytes and bits ignored).
fn bit_length(be: &[u8]) -> u32 {
    let mut i = 0;
    while i < be.len() && be[i] == 0 {
        i += 1;
    }
    match be.get(i) {
        None => 0,
        Some(&b) => {
            let bits = (be.len() - i - 1) as u64 * 8 + u64::from(8 - b.leading_zeros());
            u32::try_from(bits).unwrap_or(u32::MAX)
        }
    }
}

/// Short names for DN attribute types, as Java's X500Name prints them.
fn dn_keyword(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SURNAME",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "T",
        "2.5.4.42" => "GIVENNAME",
        "2.5.4.43" => "INITIALS",
        "2.5.4.44" => "GENERATION",
        "2.5.4.46" => "DNQ",
        "1.2.840.113549.1.9.1" => "EMAILADDRESS",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => return None,
    })
}

/// The text of a DN attribute value (string types decoded; anything else as `#` + hex).
fn attr_text(v: &x509_parser::der_parser::asn1_rs::Any) -> String {
    use x509_parser::der_parser::asn1_rs::Tag;
    let data = v.data;
    match v.tag() {
        Tag::BmpString => {
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        Tag::UniversalString => data
            .chunks_exact(4)
            .map(|c| {
                char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])).unwrap_or('\u{fffd}')
            })
            .collect(),
        Tag::T61String => match std::str::from_utf8(data) {
            Ok(s) => s.to_string(),
            Err(_) => data.iter().map(|&b| b as char).collect(), // Latin-1
        },
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString
        | Tag::GeneralString
        | Tag::GraphicString
        | Tag::VideotexString => String::from_utf8_lossy(data).into_owned(),
        _ => format!("#{}", hex(data)),
    }
}

/// DN as `CN=..., O=..., C=...`: RDNs in reverse encoding order (RFC 4514 and Java order),
/// multi-valued RDNs joined with ` + `, values escaped as RFC 4514 requires.
fn dn_string(name: &x509_parser::x509::X509Name) -> String {
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| {
                    let oid = atv.attr_type().to_id_string();
                    let key = dn_keyword(&oid).map(str::to_string).unwrap_or(oid);
                    format!("{key}={}", escape_dn_value(&attr_text(atv.attr_value())))
                })
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(", ")
}

fn escape_dn_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let n = v.chars().count();
    for (i, c) in v.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '))
            || (i + 1 == n && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A name as comparable values: per RDN, (type OID, trimmed lower-case text), sorted.
fn name_key(name: &x509_parser::x509::X509Name) -> Vec<Vec<(String, String)>> {
    name.iter_rdn()
        .map(|rdn| {
            let mut v: Vec<(String, String)> = rdn
                .iter()
                .map(|atv| {
                    let text = attr_text(atv.attr_value());
                    let text = text
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .to_lowercase();
                    (atv.attr_type().to_id_string(), text)
                })
                .collect();
            v.sort();
            v
        })
        .collect()
}

/// CN=Android Debug, O=Android, C=US, in any RDN order, and nothing else.
fn is_debug_subject(name: &x509_parser::x509::X509Name) -> bool {
    let mut seen = Vec::new();
    for rdn in name.iter_rdn() {
        for atv in rdn.iter() {
            seen.push((atv.attr_type().to_id_string(), attr_text(atv.attr_value())));
        }
    }
    seen.sort();
    let want = [
        ("2.5.4.10", "Android"),
        ("2.5.4.3", "Android Debug"),
        ("2.5.4.6", "US"),
    ];
    seen.len() == want.len()
        && seen
            .iter()
            .zip(want)
            .all(|((o, v), (wo, wv))| o == wo && v == wv)
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

/// A big-endian integer without its leading zero bytes (DER keeps one before a high bit).
fn strip_zeros(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&x| x == 0).count();
    &b[n..]
}

use crate::formats::bytes::hex;

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Unix seconds → `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, days-from-civil inverse).
fn rfc3339(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    //! Crafted inputs: well-formed blocks built here, then cut, lied about and scrambled.
    //! Certificates and PKCS#7 blocks come from `tests/fixtures/signing/` (see its make.py).
    use super::*;

    const RSA_DEBUG: &[u8] = include_bytes!("../../tests/fixtures/signing/rsa_debug.der");
    const EC_EXPIRED: &[u8] = include_bytes!("../../tests/fixtures/signing/ec_p256_expired.der");
    const DSA: &[u8] = include_bytes!("../../tests/fixtures/signing/dsa_2048.der");
    const ED448: &[u8] = include_bytes!("../../tests/fixtures/signing/ed448.der");
    const BRAINPOOL: &[u8] = include_bytes!("../../tests/fixtures/signing/ec_brainpool.der");
    const SF: &[u8] = include_bytes!("../../tests/fixtures/signing/CERT.SF");
    const P7: &[u8] = include_bytes!("../../tests/fixtures/signing/CERT.RSA");
    const P7_BER: &[u8] = include_bytes!("../../tests/fixtures/signing/CERT_BER.RSA");
    /// 2023-11-14T22:13:20Z.
    const NOW: i64 = 1_700_000_000;

    fn lp(b: &[u8]) -> Vec<u8> {
        let mut v = (b.len() as u32).to_le_bytes().to_vec();
        v.extend_from_slice(b);
        v
    }
    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }
    fn u32le(x: u32) -> [u8; 4] {
        x.to_le_bytes()
    }
    fn spki(cert: &[u8]) -> Vec<u8> {
        X509Certificate::from_der(cert)
            .unwrap()
            .1
            .public_key()
            .raw
            .to_vec()
    }
    fn sha256_hex(b: &[u8]) -> String {
        hex(&Sha256::digest(b))
    }

    /// One v2 (sdk = None) or v3 (sdk = Some((min, max))) signer.
    fn signer(
        certs: &[&[u8]],
        sdk: Option<(u32, u32)>,
        attrs: &[(u32, Vec<u8>)],
        alg: u32,
    ) -> Vec<u8> {
        let digest = lp(&cat(&[&u32le(alg), &lp(&[0xaa; 32])]));
        let certs: Vec<u8> = certs.iter().flat_map(|c| lp(c)).collect();
        let attrs: Vec<u8> = attrs
            .iter()
            .flat_map(|(id, v)| lp(&cat(&[&u32le(*id), v])))
            .collect();
        let sdk_bytes: Vec<u8> = sdk
            .map(|(a, b)| cat(&[&u32le(a), &u32le(b)]))
            .unwrap_or_default();
        let signed = cat(&[&lp(&digest), &lp(&certs), &sdk_bytes, &lp(&attrs)]);
        let sigs = lp(&lp(&cat(&[&u32le(alg), &lp(&[0x55; 256])])));
        let key = X509Certificate::from_der(first_cert(&signed))
            .map(|(_, c)| c.public_key().raw.to_vec())
            .unwrap_or_default();
        lp(&cat(&[&lp(&signed), &sdk_bytes, &sigs, &lp(&key)]))
    }
    /// The first certificate inside signed data built by `signer`.
    fn first_cert(signed: &[u8]) -> &[u8] {
        let mut r = Reader::new(signed, 0);
        r.prefixed("d").unwrap();
        let mut certs = r.prefixed("c").unwrap();
        certs.prefixed("c").unwrap().buf
    }
    fn scheme_value(signers: &[Vec<u8>]) -> Vec<u8> {
        lp(&signers.concat())
    }

    /// A minimal APK: some entry bytes, the signing block with `pairs`, an empty central
    /// directory and the end record.
    fn apk(pairs: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let mut body: Vec<u8> = Vec::new();
        for (id, v) in pairs {
            body.extend_from_slice(&((v.len() + 4) as u64).to_le_bytes());
            body.extend_from_slice(&u32le(*id));
            body.extend_from_slice(v);
        }
        let size = (body.len() + 8 + 16) as u64;
        let mut f = vec![b'x'; 64];
        f.extend_from_slice(&size.to_le_bytes());
        f.extend_from_slice(&body);
        f.extend_from_slice(&size.to_le_bytes());
        f.extend_from_slice(SIG_BLOCK_MAGIC);
        let cd = f.len() as u32;
        f.extend_from_slice(&eocd(cd, 0));
        f
    }
    fn eocd(cd: u32, comment: u16) -> Vec<u8> {
        let mut e = u32le(0x0605_4b50).to_vec();
        e.extend_from_slice(&[0; 8]);
        e.extend_from_slice(&u32le(0));
        e.extend_from_slice(&u32le(cd));
        e.extend_from_slice(&comment.to_le_bytes());
        e
    }
    fn read(file: &[u8]) -> SigningInfo {
        read_signing_at(file, &[], Some(21), NOW)
    }

    #[test]
    fn v2_v3_block_read_with_certificate_facts() {
        let v2 = scheme_value(&[signer(
            &[RSA_DEBUG],
            None,
            &[(ATTR_STRIPPING_PROTECTION, u32le(3).to_vec())],
            0x0103,
        )]);
        let v3 = scheme_value(&[signer(
            &[RSA_DEBUG],
            Some((24, i32::MAX as u32)),
            &[],
            0x0103,
        )]);
        let info = read(&apk(&[
            (V2_BLOCK_ID, v2),
            (V3_BLOCK_ID, v3),
            (VERITY_PADDING_BLOCK_ID, vec![0; 100]),
        ]));
        assert!(info.warnings.is_empty(), "{:?}", info.warnings);
        assert_eq!(
            info.schemes,
            SchemesPresent {
                v2: true,
                v3: true,
                ..Default::default()
            }
        );
        let block = info.signing_block.as_ref().unwrap();
        assert_eq!(block.offset, 64);
        let names: Vec<&str> = block.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["v2", "v3", "verity-padding"]);
        assert_eq!(info.effective_scheme.as_deref(), Some("v3"));
        let c = &info.effective_signers[0];
        assert_eq!(c.sha256, sha256_hex(RSA_DEBUG));
        assert_eq!(
            c.subject.as_deref(),
            Some("CN=Android Debug, O=Android, C=US")
        );
        assert_eq!(c.key_algorithm.as_deref(), Some("RSA"));
        assert_eq!(c.key_size, Some(2048));
        assert_eq!(c.not_before.as_deref(), Some("2010-01-01T00:00:00Z"));
        assert_eq!(c.not_after.as_deref(), Some("2040-01-01T00:00:00Z"));
        assert_eq!(c.serial.as_deref(), Some("1234"));
        assert!(c.debug && c.self_signed && !c.expired);
        assert!(info.debug_certificate);
        assert_eq!(info.v2[0].attributes, ["stripping-protection"]);
        assert_eq!(
            info.v2[0].signature_algorithms,
            ["RSA_PKCS1_V1_5_WITH_SHA256"]
        );
        assert_eq!(info.v2[0].public_key_matches_certificate, Some(true));
        assert_eq!(
            (info.v3[0].min_sdk, info.v3[0].max_sdk),
            (Some(24), Some(i32::MAX as u32))
        );
        assert_eq!(info.janus_exposed, Some(false));
        serde_json::to_string(&info).unwrap();
    }

    #[test]
    fn v1_only_pkcs7_janus_and_partial_signatures() {
        let files: [(&str, &[u8]); 2] = [("META-INF/CERT.SF", SF), ("META-INF/CERT.RSA", P7)];
        let info = read_signing_at(&apk(&[]), &files, Some(19), NOW);
        assert!(info.schemes.v1 && !info.schemes.v2);
        assert_eq!(info.janus_exposed, Some(true));
        assert_eq!(info.effective_scheme.as_deref(), Some("v1"));
        assert_eq!(info.v1[0].signers.len(), 1);
        assert_eq!(info.v1[0].signers[0].sha256, sha256_hex(RSA_DEBUG));
        assert_eq!(info.v1[0].x_android_apk_signed.as_deref(), Some("2"));
        assert!(info.debug_certificate);
        assert_eq!(
            read_signing_at(&[], &files, Some(24), NOW).janus_exposed,
            Some(false)
        );
        assert_eq!(read_signing_at(&[], &files, None, NOW).janus_exposed, None);
        // v1 next to a v2 block: not exposed under the v1-only rule.
        let v2 = scheme_value(&[signer(&[RSA_DEBUG], None, &[], 0x0103)]);
        assert_eq!(
            read_signing_at(&apk(&[(V2_BLOCK_ID, v2)]), &files, Some(19), NOW).janus_exposed,
            Some(false)
        );
        // A signature block without its .SF: listed, not a v1 signature, warned about.
        let partial = read_signing_at(&[], &[("META-INF/CERT.RSA", P7)], Some(19), NOW);
        assert!(!partial.schemes.v1 && partial.effective_signers.is_empty());
        assert!(partial
            .warnings
            .iter()
            .any(|w| w.contains("partial v1 signature")));
        assert_eq!(partial.janus_exposed, Some(false));
    }

    #[test]
    fn ber_pkcs7_and_garbage_v1_blocks_become_warnings() {
        for (name, data) in [
            ("META-INF/A.RSA", P7_BER),
            ("META-INF/B.EC", &b"\x30\x80garbage"[..]),
            ("META-INF/C.DSA", &[][..]),
        ] {
            let sf = name
                .replace(".RSA", ".SF")
                .replace(".EC", ".SF")
                .replace(".DSA", ".SF");
            let info = read_signing_at(&[], &[(sf.as_str(), SF), (name, data)], Some(19), NOW);
            assert!(info.schemes.v1, "{name}");
            assert!(info.v1[0].signers.is_empty());
            assert!(
                info.warnings.iter().any(|w| w.contains(name)),
                "{name}: {:?}",
                info.warnings
            );
        }
        let ber = read_signing_at(
            &[],
            &[("META-INF/A.SF", SF), ("META-INF/A.RSA", P7_BER)],
            None,
            NOW,
        );
        assert!(
            ber.warnings
                .iter()
                .any(|w| w.contains("BER indefinite-length")),
            "{:?}",
            ber.warnings
        );
        // A nested file or another extension is not a signature block file.
        let info = read_signing_at(
            &[],
            &[("META-INF/x/A.RSA", P7), ("META-INF/A.PEM", P7)],
            None,
            NOW,
        );
        assert!(info.v1.is_empty() && !info.warnings.iter().any(|w| w.contains("META-INF")));
    }

    #[test]
    fn certificate_kinds_expired_unknown_and_garbage() {
        let mut warnings = Vec::new();
        let mut w = Warnings(&mut warnings);
        let ec = cert_info(EC_EXPIRED, NOW, 0, &mut w);
        assert_eq!(
            (
                ec.key_algorithm.as_deref(),
                ec.key_size,
                ec.ec_curve.as_deref()
            ),
            (Some("EC"), Some(256), Some("P-256"))
        );
        assert!(ec.expired);
        assert_eq!(
            ec.notes,
            ["expired on 2001-01-01T00:00:00Z (Android does not check the validity of signing certificates)"]
        );
        assert_eq!(ec.not_after.as_deref(), Some("2001-01-01T00:00:00Z"));
        assert_eq!(
            ec.subject.as_deref(),
            Some(r#"CN=expired\, \"quoted\" \+ more"#)
        );
        assert_eq!(ec.signature_algorithm.as_deref(), Some("ecdsa-with-SHA256"));
        let dsa = cert_info(DSA, NOW, 0, &mut w);
        assert_eq!(
            (dsa.key_algorithm.as_deref(), dsa.key_size),
            (Some("DSA"), Some(2048))
        );
        assert!(warnings.is_empty(), "{warnings:?}");

        let mut w = Warnings(&mut warnings);
        let ed = cert_info(ED448, NOW, 0x40, &mut w);
        assert!(ed.key_size.is_none() && ed.subject.as_deref() == Some("CN=ed448"));
        let bp = cert_info(BRAINPOOL, NOW, 0x80, &mut w);
        assert_eq!(
            (bp.key_algorithm.as_deref(), bp.key_size),
            (Some("EC"), None)
        );
        assert_eq!(bp.ec_curve.as_deref(), Some("1.3.36.3.3.2.8.1.1.7"));
        // Not yet valid: the clock before not_before (a note, no warning).
        let early = cert_info(RSA_DEBUG, 0, 0, &mut w);
        assert_eq!(early.notes, ["not valid before 2010-01-01T00:00:00Z"]);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].starts_with("at 0x40: unknown public key algorithm"));
        assert!(warnings[1].starts_with("at 0x80: EC key on an unknown curve"));
        assert!(ed.notes[0].starts_with("unknown public key algorithm"));
        assert_eq!(
            bp.notes,
            ["EC key on an unknown curve 1.3.36.3.3.2.8.1.1.7"]
        );

        // Garbage and cut certificates: a digest of the bytes, an error, no panic.
        let mut warnings = Vec::new();
        let mut w = Warnings(&mut warnings);
        for cut in 0..RSA_DEBUG.len() {
            let c = cert_info(&RSA_DEBUG[..cut], NOW, 0, &mut w);
            assert_eq!(c.sha256, sha256_hex(&RSA_DEBUG[..cut]));
            assert!(c.error.is_some() && c.subject.is_none());
        }
        let junk: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        assert!(cert_info(&junk, NOW, 0, &mut w).error.is_some());
    }

    #[test]
    fn truncated_files_never_panic() {
        let v2 = scheme_value(&[signer(&[RSA_DEBUG, EC_EXPIRED], None, &[], 0x0103)]);
        let v3 = scheme_value(&[signer(&[DSA], Some((28, 33)), &[], 0x0301)]);
        let file = apk(&[
            (V2_BLOCK_ID, v2.clone()),
            (V3_BLOCK_ID, v3),
            (SOURCE_STAMP_V2_BLOCK_ID, lp(&lp(RSA_DEBUG))),
        ]);
        let whole = read(&file);
        assert!(
            whole.schemes.source_stamp && whole.warnings.is_empty(),
            "{:?}",
            whole.warnings
        );
        assert_eq!(
            whole.source_stamp.as_ref().unwrap().sha256,
            sha256_hex(RSA_DEBUG)
        );
        for cut in 0..file.len() {
            let _ = read(&file[..cut]);
        }
        // The v2 value cut at every length inside an otherwise sound block: warnings, no signer.
        for cut in 0..v2.len() {
            let info = read(&apk(&[(V2_BLOCK_ID, v2[..cut].to_vec())]));
            assert!(info.schemes.v2 && info.v2.is_empty(), "cut {cut}");
            assert!(!info.warnings.is_empty(), "cut {cut}");
        }
    }

    #[test]
    fn lying_sizes_are_reported_with_offsets() {
        let good = apk(&[(
            V2_BLOCK_ID,
            scheme_value(&[signer(&[RSA_DEBUG], None, &[], 0x0103)]),
        )]);
        let cd = good.len() - 22;
        let footer = cd - 24;
        // Header and footer sizes differ.
        let mut f = good.clone();
        f[64] ^= 1;
        let info = read(&f);
        assert!(info.signing_block.is_none());
        assert_eq!(
            info.warnings,
            [format!(
                "at 0x40: APK Signing Block size fields differ: header {}, footer {}",
                le_u64(&f, 64).unwrap(),
                le_u64(&f, footer).unwrap()
            )]
        );
        // Footer size larger than the file, and the largest u64.
        for lie in [cd as u64, u64::MAX, 0, 23] {
            let mut f = good.clone();
            f[footer..footer + 8].copy_from_slice(&lie.to_le_bytes());
            let info = read(&f);
            assert!(info.signing_block.is_none());
            assert!(
                info.warnings[0]
                    .starts_with(&format!("at {footer:#x}: APK Signing Block size {lie}")),
                "{:?}",
                info.warnings
            );
        }
        // A pair length larger than the block, or below 4.
        for lie in [u64::MAX, 1 << 40, 3] {
            let mut f = good.clone();
            f[72..80].copy_from_slice(&lie.to_le_bytes());
            let info = read(&f);
            assert!(info.signing_block.as_ref().unwrap().entries.is_empty());
            assert!(info.warnings[0].starts_with(&format!("at 0x48: id-value pair length {lie}")));
        }
        // An inner uint32 length that claims 4 GiB: the signers sequence at the value's start.
        let mut f = good.clone();
        f[84..88].copy_from_slice(&u32::MAX.to_le_bytes());
        let info = read(&f);
        assert!(info.v2.is_empty());
        assert!(
            info.warnings[0].starts_with("at 0x54: v2 block: signers: length 4294967295 exceeds"),
            "{:?}",
            info.warnings
        );
        // Central directory offset past the end record.
        let mut f = good;
        f[cd + 16..cd + 20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(!read(&f).warnings.is_empty());
    }

    #[test]
    fn huge_counts_are_capped() {
        // 100 000 empty signers: each fails, warnings stop at the cap.
        let many: Vec<Vec<u8>> = (0..100_000).map(|_| lp(&[])).collect();
        let info = read(&apk(&[(V2_BLOCK_ID, scheme_value(&many))]));
        assert!(info.v2.is_empty());
        assert_eq!(info.warnings.len(), MAX_WARNINGS + 1);
        // 5 000 garbage certificates in one signer: at most MAX_CERTS kept.
        let junk = [0x30u8, 0x03, 1, 2, 3];
        let certs: Vec<&[u8]> = (0..5_000).map(|_| &junk[..]).collect();
        let info = read(&apk(&[(
            V2_BLOCK_ID,
            scheme_value(&[signer(&certs, None, &[], 0x0103)]),
        )]));
        assert_eq!(info.v2[0].certificates.len(), MAX_CERTS);
        // 200 signers that read well: MAX_SIGNERS kept, one warning.
        let one = signer(&[RSA_DEBUG], None, &[], 0x0103);
        let info = read(&apk(&[(V2_BLOCK_ID, scheme_value(&vec![one; 200]))]));
        assert_eq!(info.v2.len(), MAX_SIGNERS);
        assert_eq!(info.warnings.len(), 1);
        // 50 000 tiny id-value pairs.
        let pairs: Vec<(u32, Vec<u8>)> = (0..50_000).map(|i| (i, vec![])).collect();
        assert_eq!(
            read(&apk(&pairs)).signing_block.unwrap().entries.len(),
            50_000
        );
    }

    #[test]
    fn repeated_scheme_block_uses_the_first_as_android_does() {
        let a = scheme_value(&[signer(&[RSA_DEBUG], None, &[], 0x0103)]);
        let b = scheme_value(&[signer(&[EC_EXPIRED], None, &[], 0x0201)]);
        let info = read(&apk(&[(V2_BLOCK_ID, a), (V2_BLOCK_ID, b)]));
        assert_eq!(info.v2.len(), 1);
        assert_eq!(info.effective_signers[0].sha256, sha256_hex(RSA_DEBUG));
        assert_eq!(info.signing_block.unwrap().entries.len(), 2);
        assert!(
            info.warnings[0].contains("second v2 block ignored"),
            "{:?}",
            info.warnings
        );
    }

    #[test]
    fn v3_lineage_and_unknown_ids() {
        let node = |c: &[u8]| {
            lp(&cat(&[
                &lp(&cat(&[&lp(c), &u32le(0x0103)])),
                &u32le(3),
                &u32le(0x0103),
                &lp(&[1; 8]),
            ]))
        };
        let lineage = cat(&[&u32le(1), &node(EC_EXPIRED), &node(RSA_DEBUG)]);
        let v3 = scheme_value(&[signer(
            &[RSA_DEBUG],
            Some((28, 40)),
            &[(ATTR_PROOF_OF_ROTATION, lineage), (0x1234_5678, vec![9])],
            0x9999,
        )]);
        let info = read(&apk(&[(V3_BLOCK_ID, v3), (0x0bad_cafe, vec![1, 2, 3])]));
        let s = &info.v3[0];
        assert_eq!(s.lineage, [sha256_hex(EC_EXPIRED), sha256_hex(RSA_DEBUG)]);
        assert_eq!(s.attributes, ["proof-of-rotation", "0x12345678"]);
        assert_eq!(s.signature_algorithms, ["unknown (0x9999)"]);
        assert_eq!(info.signing_block.unwrap().entries[1].name, "unknown");
        assert!(info.warnings.is_empty(), "{:?}", info.warnings);
        // v3 signer whose outer SDK range disagrees with signed data: warned.
        let mut s3 = signer(&[RSA_DEBUG], Some((28, 40)), &[], 0x0103);
        let n = s3.len();
        // outer max SDK sits after signed data: find it by re-reading.
        let mut r = Reader::new(&s3[4..], 4);
        r.prefixed("signed").unwrap();
        let at = r.pos + 4 + 4;
        s3[at..at + 4].copy_from_slice(&u32le(41));
        assert_eq!(s3.len(), n);
        let info = read(&apk(&[(V3_BLOCK_ID, scheme_value(&[s3]))]));
        assert_eq!(info.v3[0].max_sdk, Some(41));
        assert!(info.warnings[0].contains("differs from signed data"));
    }

    #[test]
    fn scrambled_blocks_never_panic() {
        let v2 = scheme_value(&[signer(&[RSA_DEBUG], None, &[], 0x0103)]);
        let v3 = scheme_value(&[signer(
            &[EC_EXPIRED],
            Some((24, 30)),
            &[(ATTR_PROOF_OF_ROTATION, u32le(1).to_vec())],
            0x0201,
        )]);
        let file = apk(&[(V2_BLOCK_ID, v2), (V3_BLOCK_ID, v3)]);
        let block = 64..file.len() - 22;
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..3_000 {
            let mut f = file.clone();
            for _ in 0..1 + next() % 4 {
                let at = block.start + (next() as usize) % block.len();
                f[at] = match next() % 3 {
                    0 => next() as u8,
                    1 => 0xff,
                    _ => 0,
                };
            }
            let _ = read(&f);
        }
    }

    #[test]
    fn eocd_with_comment_and_zip64() {
        let v2 = scheme_value(&[signer(&[RSA_DEBUG], None, &[], 0x0103)]);
        let mut f = apk(&[(V2_BLOCK_ID, v2.clone())]);
        let n = f.len();
        f[n - 2..].copy_from_slice(&u16::MAX.to_le_bytes());
        f.extend(std::iter::repeat_n(b'c', u16::MAX as usize));
        assert!(read(&f).schemes.v2);
        // One byte short of the declared comment: no end record.
        f.pop();
        let info = read(&f);
        assert!(
            info.signing_block.is_none()
                && info.warnings[0].contains("no ZIP end-of-central-directory")
        );
        // Zip64: the 32-bit offset is 0xffffffff and the zip64 record holds the real one.
        let f = apk(&[(V2_BLOCK_ID, v2)]);
        let cd = (f.len() - 22) as u64;
        let mut z = f[..f.len() - 22].to_vec();
        let z64_at = z.len() as u64;
        z.extend_from_slice(&u32le(0x0606_4b50));
        z.extend_from_slice(&[0; 44]);
        z.extend_from_slice(&cd.to_le_bytes());
        z.extend_from_slice(&u32le(0x0706_4b50));
        z.extend_from_slice(&u32le(0));
        z.extend_from_slice(&z64_at.to_le_bytes());
        z.extend_from_slice(&u32le(1));
        z.extend_from_slice(&eocd(u32::MAX, 0));
        let info = read(&z);
        assert!(info.schemes.v2, "{:?}", info.warnings);
    }

    #[test]
    fn v4_idsig() {
        let signing = cat(&[
            &lp(&[7; 32]),
            &lp(RSA_DEBUG),
            &lp(&[]),
            &lp(&spki(RSA_DEBUG)),
            &u32le(0x0103),
            &lp(&[8; 256]),
            &u32le(V31_BLOCK_ID),
            &lp(&[1, 2, 3]),
        ]);
        let hashing = cat(&[&u32le(1), &[12], &lp(&[]), &lp(&[9; 32])]);
        let idsig = cat(&[&u32le(2), &lp(&hashing), &lp(&signing), &lp(&[0; 4096])]);
        let v4 = read_v4_signature_at(&idsig, NOW);
        assert!(v4.warnings.is_empty(), "{:?}", v4.warnings);
        assert_eq!(
            (v4.version, v4.hash_algorithm, v4.log2_block_size),
            (2, 1, 12)
        );
        assert_eq!(v4.apk_digest, hex(&[7; 32]));
        assert_eq!(
            v4.certificate.as_ref().unwrap().sha256,
            sha256_hex(RSA_DEBUG)
        );
        assert_eq!(v4.extra_signing_info_ids, ["0x1b93ad61"]);
        assert_eq!(v4.merkle_tree_size, Some(4096));
        let mut info = read(&apk(&[]));
        info.add_v4_at(&idsig, NOW);
        assert!(info.schemes.v4);
        // Every cut before the (optional) Merkle tree's length prefix.
        for cut in 0..idsig.len() - 4100 {
            let v = read_v4_signature_at(&idsig[..cut], NOW);
            assert!(!v.warnings.is_empty(), "cut {cut}");
        }
        let mut v3 = idsig.clone();
        v3[0] = 3;
        assert!(read_v4_signature_at(&v3, NOW).warnings[0].contains("version 3"));
    }

    #[test]
    fn helpers() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(2_147_483_647), "2038-01-19T03:14:07Z");
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x01, 0xff]), 9);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(escape_dn_value(" #a,b "), r"\ #a\,b\ ");
        assert_eq!(strip_zeros(&[0, 0, 5, 0]), &[5, 0]);
        assert_eq!(v1_block_stem("META-INF/CERT.RSA"), Some("META-INF/CERT"));
        assert_eq!(v1_block_stem("META-INF/a/CERT.RSA"), None);
        assert_eq!(
            sf_main_attribute(
                b"A: 1\r\nX-Android-APK-Signed: 2,\r\n  3\r\n\r\nName: x\r\n",
                "x-android-apk-signed"
            )
            .as_deref(),
            Some("2, 3")
        );
        assert_eq!(
            sf_main_attribute(b"A: 1\n\nX-Android-APK-Signed: 2\n", "X-Android-APK-Signed"),
            None
        );
    }
}
