//! Privacy-policy reader: turns a policy document (JSON, CSV, HTML, Markdown, plain text)
//! into a declared table of SDKs, permissions, data types and vague disclosures, each item
//! carrying the line and row/sentence it came from. Formats are described in
//! `docs/policy-formats.md`.

pub mod html;
pub mod merge;
pub mod recognize;
pub mod sections;
pub mod structured;
pub mod text;
pub mod vocab;

use crate::error::{Error, Format, ParseError};
pub use merge::merge;
pub use sections::UnreadSection;
use serde::Serialize;
use std::path::Path;
pub use vocab::Vocabulary;

/// Largest policy file read (bytes); larger files are rejected.
pub const MAX_POLICY_BYTES: u64 = 32 * 1024 * 1024;

/// Where a declared item came from: 1-based line and the row or sentence (trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// 1-based line number in the decoded text.
    pub line: usize,
    /// The row or sentence, trimmed to about 300 characters.
    pub text: String,
    /// The policy file, when several were merged ([`merge::merge`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl Source {
    /// Build a source, trimming the text to ~300 characters.
    pub fn new(line: usize, text: &str) -> Self {
        Source {
            line,
            text: crate::text::clip(text.trim(), 300),
            file: None,
        }
    }

    /// Where, for reports: `file:line` when the file is known, else the line number.
    pub fn at(&self) -> String {
        match &self.file {
            Some(f) => format!("{f}:{}", self.line),
            None => self.line.to_string(),
        }
    }
}

/// A third-party SDK row declared by the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeclaredSdk {
    /// Signature id, `None` when the name did not resolve (the row is kept).
    pub id: Option<String>,
    /// SDK name as written.
    pub name: String,
    /// Company / provider.
    pub company: Option<String>,
    /// Declared purpose.
    pub purpose: Option<String>,
    /// Resolved data-type ids.
    pub data_types: Vec<String>,
    /// Raw data cell.
    pub data_text: Option<String>,
    /// Resolved permission constants.
    pub permissions: Vec<String>,
    /// Privacy-policy link.
    pub link: Option<String>,
    /// Origin.
    pub source: Source,
    /// Other rows declaring the same SDK, from other files of a merged policy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Source>,
}

/// A permission declared by the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeclaredPermission {
    /// Permission constant when resolved, else the raw text.
    pub name: String,
    /// Whether `name` is a resolved constant.
    pub resolved: bool,
    /// Declared purpose.
    pub purpose: Option<String>,
    /// Platform the row is declared for ("android", "ios", "harmony") when the name or the
    /// section heading says so; display names in an iOS section still resolve to the
    /// Android constant of the same meaning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Origin.
    pub source: Source,
}

/// A data type declared by the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeclaredData {
    /// Data-type id.
    pub id: String,
    /// Origin.
    pub source: Source,
}

/// A category-level disclosure ("advertising partners") that names no SDK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VagueDisclosure {
    /// Category: ads, push, analytics, social, payment, location, crash, thirdparty.
    pub category: String,
    /// The matched term.
    pub text: String,
    /// Origin.
    pub source: Source,
}

/// Everything read from one policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeclaredPolicy {
    /// Declared SDK rows.
    pub sdks: Vec<DeclaredSdk>,
    /// Declared permissions.
    pub permissions: Vec<DeclaredPermission>,
    /// Declared data types.
    pub data_types: Vec<DeclaredData>,
    /// Category-level disclosures.
    pub vague: Vec<VagueDisclosure>,
    /// What was skipped or guessed.
    pub warnings: Vec<String>,
    /// Sections that look like a list but yielded nothing (also in `warnings`; shown in
    /// [`Coverage`]).
    #[serde(skip)]
    pub unread: Vec<UnreadSection>,
}

/// Input layout of a policy document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `apkaudit-declared/1` JSON.
    Json,
    /// CSV with a header row.
    Csv,
    /// HTML document or fragment.
    Html,
    /// Markdown / MDX.
    Markdown,
    /// Plain text.
    Text,
    /// Apple privacy manifest (plist XML).
    Plist,
}

/// Guess the layout from the extension and the content.
pub fn detect_kind(ext: &str, text: &str) -> Kind {
    let ext = ext.to_ascii_lowercase();
    let head: String = text
        .trim_start()
        .chars()
        .take(4096)
        .collect::<String>()
        .to_lowercase();
    match ext.as_str() {
        "json" => return Kind::Json,
        "csv" => return Kind::Csv,
        "xcprivacy" | "plist" => return Kind::Plist,
        "html" | "htm" => return Kind::Html,
        _ => {}
    }
    if head.starts_with('{') {
        return Kind::Json;
    }
    if head.contains("<plist") {
        return Kind::Plist;
    }
    if head.starts_with("<!doctype html") || head.starts_with("<html") {
        return Kind::Html;
    }
    if ext == "md" || ext == "mdx" || ext == "markdown" {
        return Kind::Markdown;
    }
    let lower_all = text.to_lowercase();
    if lower_all.contains("<table") || lower_all.contains("<p>") || lower_all.contains("<div") {
        return Kind::Html;
    }
    Kind::Text
}

/// Decode bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 with a warning.
pub fn decode(bytes: &[u8], warnings: &mut Vec<String>) -> Result<String, ParseError> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (s, _, bad) = enc.decode(bytes.get(bom..).unwrap_or(&[]));
        if bad {
            warnings.push(format!("{}: undecodable bytes replaced", enc.name()));
        }
        return check_text(s.into_owned(), bytes.len());
    }
    if let Some(enc) = utf16_without_bom(bytes) {
        let (s, bad) = enc.decode_without_bom_handling(bytes);
        warnings.push(format!(
            "no byte-order mark, but the bytes look like {}: decoded as {}{}",
            enc.name(),
            enc.name(),
            if bad {
                " (undecodable bytes replaced)"
            } else {
                ""
            }
        ));
        return check_text(s.into_owned(), bytes.len());
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return check_text(s.to_string(), bytes.len());
    }
    let (s, _, bad) = encoding_rs::GB18030.decode(bytes);
    if bad {
        let pos = std::str::from_utf8(bytes)
            .err()
            .map(|e| e.valid_up_to())
            .unwrap_or(0);
        return Err(ParseError::new(
            Format::Policy,
            pos,
            "not text: neither UTF-8, UTF-16 nor GB18030",
        ));
    }
    warnings.push("text is not UTF-8; decoded as GB18030/GBK".to_string());
    check_text(s.into_owned(), bytes.len())
}

/// UTF-16 without a byte-order mark: in the first 4 KiB, most bytes at odd (LE) or even
/// (BE) offsets are NUL and almost none at the others (ASCII and Latin text; CJK text in
/// UTF-16 has no such pattern and is left to the other checks).
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = bytes.get(..bytes.len().min(4096))?;
    if head.len() < 8 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, b) in head.iter().enumerate() {
        if *b == 0 {
            if i % 2 == 0 {
                even += 1;
            } else {
                odd += 1;
            }
        }
    }
    let half = head.len() / 2;
    if odd * 10 >= half * 4 && even * 20 <= half {
        Some(encoding_rs::UTF_16LE)
    } else if even * 10 >= half * 4 && odd * 20 <= half {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

fn check_text(s: String, len: usize) -> Result<String, ParseError> {
    let ctrl = s
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        .count();
    if ctrl * 20 > s.chars().count().max(1) {
        return Err(ParseError::new(
            Format::Policy,
            0,
            "binary data, not a text document",
        ));
    }
    if s.trim().is_empty() {
        return Err(ParseError::new(Format::Policy, len, "empty document"));
    }
    Ok(s)
}

/// Read and parse a policy file with the given vocabulary.
pub fn read_policy_with(path: &Path, vocab: &Vocabulary) -> Result<DeclaredPolicy, Error> {
    let p = path.display().to_string();
    // any file type, without blocking; FIFOs and devices stop at the same 32 MiB cap
    let bytes = match crate::input::open::read_capped(
        path,
        MAX_POLICY_BYTES,
        Some(std::time::Duration::from_secs(300)),
    ) {
        Ok(b) => b,
        Err(Error::Io { source, .. }) if crate::input::open::is_too_large(&source) => {
            return Err(Error::Parse {
                path: p,
                part: None,
                error: ParseError::new(
                    Format::Policy,
                    0,
                    format!("{source}: larger than 32 MiB, not read"),
                ),
            })
        }
        Err(e) => return Err(e),
    };
    let mut warnings = Vec::new();
    let text = decode(&bytes, &mut warnings).map_err(|error| Error::Parse {
        path: p.clone(),
        part: None,
        error,
    })?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let kind = detect_kind(ext, &text);
    if kind == Kind::Json {
        let mut pol = structured::parse_json(&text, vocab).map_err(|error| Error::Parse {
            path: p.clone(),
            part: None,
            error,
        })?;
        warnings.append(&mut pol.warnings);
        pol.warnings = warnings;
        return Ok(pol);
    }
    let mut pol = parse_policy(&text, kind, vocab);
    warnings.append(&mut pol.warnings);
    pol.warnings = warnings;
    Ok(pol)
}

/// Read and parse a policy file with [`Vocabulary::embedded`].
pub fn read_policy(path: impl AsRef<Path>) -> Result<DeclaredPolicy, Error> {
    read_policy_with(path.as_ref(), &Vocabulary::embedded())
}

/// Parse decoded policy text of a known layout. Never fails: problems become warnings.
pub fn parse_policy(text: &str, kind: Kind, vocab: &Vocabulary) -> DeclaredPolicy {
    // lines the section finder looks at: (reported line, text)
    let mut html_lines = Vec::new();
    let mut pol = match kind {
        Kind::Json => structured::parse_json(text, vocab).unwrap_or_else(|e| DeclaredPolicy {
            warnings: vec![format!("json: {e}")],
            ..Default::default()
        }),
        Kind::Csv => structured::parse_csv(text, vocab),
        Kind::Html => {
            let (p, lines) = html::parse_html_lines(text, vocab);
            html_lines = lines;
            p
        }
        Kind::Plist => structured::parse_plist(text, vocab),
        Kind::Markdown | Kind::Text => {
            let (mut p, skip) = text::read_text(text, vocab);
            if text.to_ascii_lowercase().contains("<table") {
                html::html_tables(text, vocab, &mut p);
            }
            recognize::recognise(text, vocab, &mut p, &skip);
            p
        }
    };
    recognize::tidy(&mut pol, vocab);
    assign_platforms(text, &mut pol);
    dedup(&mut pol);
    let lines: Vec<(usize, &str)> = match kind {
        Kind::Html => html_lines.iter().map(|(l, t)| (*l, t.as_str())).collect(),
        Kind::Markdown | Kind::Text => text.lines().enumerate().map(|(k, l)| (k + 1, l)).collect(),
        _ => Vec::new(),
    };
    sections::read_sections(&lines, vocab, &mut pol);
    for u in &pol.unread {
        pol.warnings.push(sections::warning(u));
    }
    if kind != Kind::Json && pol.is_empty() {
        let n = text.lines().count();
        pol.warnings.push(format!(
            "nothing recognised: no SDK, permission, data type or third-party disclosure in {n} line{} of {} text{}; the whole document was skipped (is it the app's privacy policy, in a supported layout? see docs/policy-formats.md)",
            if n == 1 { "" } else { "s" },
            kind.name(),
            if pol.unread.is_empty() {
                ", and no section that reads like an SDK, permission or data list"
            } else {
                ""
            }
        ));
    }
    pol
}

/// Platform of each line from short section headings ("Android", "iOS 应用权限列表",
/// "当您使用iOS系统时…", "鸿蒙应用权限列表"); table rows and long lines are not headings.
pub fn platform_marks(text: &str) -> Vec<(usize, &'static str)> {
    let mut marks = Vec::new();
    for (k, l) in text.lines().enumerate() {
        if l.contains("<td") || l.contains('|') {
            continue;
        }
        let mut t = String::new();
        let mut in_tag = false;
        for c in l.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ if !in_tag => t.push(c),
                _ => {}
            }
        }
        let t = t.trim().trim_start_matches(['#', '*', ' ']);
        let lower = t.to_ascii_lowercase();
        // A long line counts only when it starts with the platform ("android版本：…").
        if t.is_empty()
            || (t.chars().count() > 40
                && !["ios", "android", "安卓", "harmony", "鸿蒙"]
                    .iter()
                    .any(|w| lower.starts_with(w)))
        {
            continue;
        }
        let find = |w: &str| {
            let mut from = 0usize;
            while let Some(p) = lower.get(from..).and_then(|s| s.find(w)) {
                let at = from + p;
                let before = lower.get(..at).and_then(|s| s.chars().next_back());
                let after = lower.get(at + w.len()..).and_then(|s| s.chars().next());
                if !before.is_some_and(|c| c.is_ascii_alphanumeric())
                    && !after.is_some_and(|c| c.is_ascii_alphabetic())
                {
                    return Some(at);
                }
                from = at + w.len();
            }
            None
        };
        let cands = [
            (find("ios"), "ios"),
            (find("android").or_else(|| find("安卓")), "android"),
            (find("harmony").or_else(|| find("鸿蒙")), "harmony"),
        ];
        if let Some((_, p)) = cands
            .iter()
            .filter_map(|(at, p)| at.map(|a| (a, *p)))
            .min_by_key(|(a, _)| *a)
        {
            marks.push((k + 1, p));
        }
    }
    marks
}

fn assign_platforms(text: &str, pol: &mut DeclaredPolicy) {
    let marks = platform_marks(text);
    if marks.is_empty() {
        return;
    }
    for p in pol.permissions.iter_mut().filter(|p| p.platform.is_none()) {
        p.platform = marks
            .iter()
            .rev()
            .find(|(l, _)| *l <= p.source.line)
            .map(|(_, x)| x.to_string());
    }
}

fn dedup(pol: &mut DeclaredPolicy) {
    let mut seen = std::collections::HashSet::new();
    pol.data_types
        .retain(|d| seen.insert((d.id.clone(), d.source.line)));
    let mut seen = std::collections::HashSet::new();
    pol.vague
        .retain(|v| seen.insert((v.category.clone(), v.source.line)));
    let mut seen = std::collections::HashSet::new();
    pol.permissions
        .retain(|p| seen.insert((p.name.clone(), p.source.line)));
}

impl Kind {
    /// Lowercase name ("html", "markdown", ...).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Json => "json",
            Kind::Csv => "csv",
            Kind::Html => "html",
            Kind::Markdown => "markdown",
            Kind::Text => "plain",
            Kind::Plist => "plist",
        }
    }
}

/// Version of the `policy --format json` layout (docs/policy-formats.md).
pub const POLICY_SCHEMA_VERSION: u32 = 1;

/// How much of a policy was read: counts and the list sections that yielded nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// SDK rows read.
    pub sdk_rows: usize,
    /// SDK rows resolved to a known SDK.
    pub sdk_rows_resolved: usize,
    /// SDK rows whose collected-data field was read (data types or a data cell).
    pub sdk_rows_with_data: usize,
    /// Permissions read (permission lists and SDK rows).
    pub permissions: usize,
    /// Data-type mentions read outside SDK rows.
    pub data_types: usize,
    /// Category-level disclosures ("advertising partners").
    pub vague: usize,
    /// Sections that look like an SDK, permission or data list but yielded nothing.
    pub unread_sections: Vec<UnreadSection>,
}

/// The `policy --format json` object: the declared policy, its coverage and the layout
/// version.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyJson<'a> {
    /// [`POLICY_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What was read.
    #[serde(flatten)]
    pub policy: &'a DeclaredPolicy,
    /// How much was read.
    pub coverage: Coverage,
}

impl DeclaredPolicy {
    /// Sections that look like an SDK, permission or data list but yielded nothing.
    pub fn unread_sections(&self) -> &[UnreadSection] {
        &self.unread
    }

    /// Whether nothing at all was read.
    pub fn is_empty(&self) -> bool {
        self.sdks.is_empty()
            && self.permissions.is_empty()
            && self.data_types.is_empty()
            && self.vague.is_empty()
    }

    /// Counts of what was read, and the unread sections.
    pub fn coverage(&self) -> Coverage {
        Coverage {
            sdk_rows: self.sdks.len(),
            sdk_rows_resolved: self.sdks.iter().filter(|s| s.id.is_some()).count(),
            sdk_rows_with_data: self
                .sdks
                .iter()
                .filter(|s| !s.data_types.is_empty() || s.data_text.is_some())
                .count(),
            permissions: self.permissions.len()
                + self.sdks.iter().map(|s| s.permissions.len()).sum::<usize>(),
            data_types: self.data_types.len(),
            vague: self.vague.len(),
            unread_sections: self.unread.clone(),
        }
    }

    /// The `policy --format json` object.
    pub fn to_json(&self) -> PolicyJson<'_> {
        PolicyJson {
            schema_version: POLICY_SCHEMA_VERSION,
            policy: self,
            coverage: self.coverage(),
        }
    }
}
