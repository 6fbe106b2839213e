//! `apkaudit summary`: aggregate a batch JSONL file into the prevalence of each SDK,
//! permission and audit-finding kind across the apps, and the errors by reason.

use super::provenance::Provenance;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Output formats of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFormat {
    /// Terminal tables.
    Table,
    /// One JSON object.
    Json,
    /// `section,id,name,apps,percent,total` rows.
    Csv,
    /// The same rows as a Parquet table ([`super::parquet::write_summary`]); `render`
    /// gives the CSV text for it.
    Parquet,
}

/// One counted item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    /// SDK id, permission name, finding kind or error kind.
    pub id: String,
    /// Display name (SDK name), if any.
    pub name: Option<String>,
    /// Apps (records) having it; for errors, records with that reason.
    pub apps: usize,
    /// Share of the scanned apps (of all records for errors), in percent.
    pub percent: f64,
    /// Total occurrences (findings of that kind over all apps); equals `apps` elsewhere.
    pub total: usize,
}

/// Version of the `summary --format json` layout (and of `summary --stale --format json`).
pub const SUMMARY_SCHEMA_VERSION: u32 = 1;

/// The aggregate of a batch.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Records read (after keeping the last record of each file and content).
    pub records: usize,
    /// Records scanned (`error` null).
    pub scanned: usize,
    /// Records with an `error`.
    pub errors: usize,
    /// Lines that were not JSON records (skipped).
    pub invalid_lines: usize,
    /// Input kinds (`apk`, `aab`, ...).
    pub kinds: Vec<Count>,
    /// SDK prevalence, most frequent first.
    pub sdks: Vec<Count>,
    /// Permission prevalence, most frequent first.
    pub permissions: Vec<Count>,
    /// Who reads what: `owner:data_type` pairs from the records' `data_access` (an SDK id,
    /// `app` or `unknown`, then the data type), in how many apps.
    pub data_access: Vec<Count>,
    /// Audit finding kinds (records written with `--policy-dir`).
    pub findings: Vec<Count>,
    /// Errors by reason (`error_kind`).
    pub errors_by_reason: Vec<Count>,
    /// Records by provenance (`Provenance::label`: version, knowledge digest prefix,
    /// options; `none` for records written before records carried one), of all records.
    pub provenance: Vec<Count>,
}

#[derive(Default)]
struct Tally {
    apps: usize,
    total: usize,
    name: Option<String>,
}

fn finish(map: HashMap<String, Tally>, base: usize) -> Vec<Count> {
    let mut v: Vec<Count> = map
        .into_iter()
        .map(|(id, t)| Count {
            id,
            name: t.name,
            apps: t.apps,
            percent: if base == 0 {
                0.0
            } else {
                (t.apps as f64) * 100.0 / (base as f64)
            },
            total: t.total,
        })
        .collect();
    v.sort_by(|a, b| b.apps.cmp(&a.apps).then_with(|| a.id.cmp(&b.id)));
    v
}

/// Count each distinct id of one record once in `apps`, every occurrence in `total`.
fn tally<'a>(
    map: &mut HashMap<String, Tally>,
    items: impl Iterator<Item = (&'a str, Option<&'a str>)>,
) {
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for (id, name) in items {
        let t = map.entry(id.to_string()).or_default();
        t.total += 1;
        if t.name.is_none() {
            t.name = name.map(str::to_string);
        }
        if seen.insert(id, ()).is_none() {
            t.apps += 1;
        }
    }
}

/// The fields of a record the summary needs (others are skipped by the parser).
#[derive(Deserialize)]
struct Rec {
    file: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_kind: Option<String>,
    #[serde(default)]
    sdks: Vec<IdName>,
    #[serde(default)]
    permissions: Vec<Named>,
    #[serde(default)]
    data_access: Vec<AccessPart>,
    #[serde(default)]
    audit: Option<AuditPart>,
    #[serde(default)]
    sha256: Option<String>,
    #[serde(default)]
    provenance: Option<Provenance>,
}

#[derive(Deserialize)]
struct AccessPart {
    owner: String,
    #[serde(default)]
    data_types: Vec<AccessType>,
}

#[derive(Deserialize)]
struct AccessType {
    data_type: String,
}

#[derive(Deserialize)]
struct IdName {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct AuditPart {
    #[serde(default)]
    findings: Vec<Kinded>,
}

#[derive(Deserialize)]
struct Kinded {
    kind: String,
}

fn parse_line(line: &[u8]) -> Option<Rec> {
    serde_json::from_slice(line).ok()
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// Running counts.
#[derive(Default)]
struct Acc {
    s: Summary,
    kinds: HashMap<String, Tally>,
    sdks: HashMap<String, Tally>,
    perms: HashMap<String, Tally>,
    finds: HashMap<String, Tally>,
    access: HashMap<String, Tally>,
    errs: HashMap<String, Tally>,
    provs: HashMap<String, Tally>,
}

impl Acc {
    fn add(&mut self, r: &Rec) {
        self.s.records += 1;
        let label = r
            .provenance
            .as_ref()
            .map_or_else(|| "none".into(), Provenance::label);
        tally(&mut self.provs, std::iter::once((label.as_str(), None)));
        if r.error.is_some() {
            self.s.errors += 1;
            let kind = r.error_kind.as_deref().unwrap_or("unknown");
            tally(&mut self.errs, std::iter::once((kind, None)));
            return;
        }
        self.s.scanned += 1;
        if let Some(k) = &r.kind {
            tally(&mut self.kinds, std::iter::once((k.as_str(), None)));
        }
        tally(
            &mut self.sdks,
            r.sdks.iter().map(|x| (x.id.as_str(), x.name.as_deref())),
        );
        tally(
            &mut self.perms,
            r.permissions.iter().map(|x| (x.name.as_str(), None)),
        );
        let pairs: Vec<String> = r
            .data_access
            .iter()
            .flat_map(|a| {
                a.data_types
                    .iter()
                    .map(move |d| format!("{}:{}", a.owner, d.data_type))
            })
            .collect();
        tally(&mut self.access, pairs.iter().map(|p| (p.as_str(), None)));
        if let Some(a) = &r.audit {
            tally(
                &mut self.finds,
                a.findings.iter().map(|x| (x.kind.as_str(), None)),
            );
        }
    }

    fn finish(mut self) -> Summary {
        let scanned = self.s.scanned;
        self.s.kinds = finish(self.kinds, scanned);
        self.s.sdks = finish(self.sdks, scanned);
        self.s.permissions = finish(self.perms, scanned);
        self.s.data_access = finish(self.access, scanned);
        self.s.findings = finish(self.finds, scanned);
        self.s.errors_by_reason = finish(self.errs, self.s.records);
        self.s.provenance = finish(self.provs, self.s.records);
        self.s
    }
}

/// Read the lines of `r`, calling `f(index, line)` for each non-blank line.
fn each_line(mut r: impl BufRead, mut f: impl FnMut(usize, &[u8])) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut i = 0usize;
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        if !is_blank(&buf) {
            f(i, &buf);
            i += 1;
        }
    }
}

/// Feeds every non-blank line of a source, with its index, to a callback.
type Source<'a> = dyn FnMut(&mut dyn FnMut(usize, &[u8])) -> std::io::Result<()> + 'a;

/// Calls `on` with the last record of each file of `read`, streaming it twice (first to
/// find the last line of each file, then to parse those), so memory holds only the paths.
/// Returns the number of lines that are not JSON records with a `file`.
fn last_records(read: &mut Source<'_>, mut on: impl FnMut(Rec)) -> std::io::Result<usize> {
    #[derive(Deserialize)]
    struct FileOnly {
        file: String,
    }
    let mut last: HashMap<String, usize> = HashMap::new();
    let mut invalid = 0usize;
    read(
        &mut |i, line| match serde_json::from_slice::<FileOnly>(line) {
            Ok(k) => {
                last.insert(k.file, i);
            }
            Err(_) => invalid += 1,
        },
    )?;
    read(&mut |i, line| {
        if let Some(rec) = parse_line(line) {
            if last.get(&rec.file) == Some(&i) {
                on(rec);
            }
        }
    })?;
    Ok(invalid)
}

/// A consumer of numbered lines.
type LineSink<'s> = &'s mut dyn FnMut(usize, &[u8]);

/// The lines of several JSONL files, numbered across them; a failing file is named in
/// the error.
fn read_paths<'a>(
    paths: &'a [PathBuf],
    failed: &'a mut Option<PathBuf>,
) -> impl FnMut(LineSink<'_>) -> std::io::Result<()> + 'a {
    move |f| {
        let mut base = 0usize;
        for p in paths {
            let mut n = 0usize;
            let file = std::fs::File::open(p).inspect_err(|_| *failed = Some(p.clone()))?;
            each_line(BufReader::new(file), |i, line| {
                f(base + i, line);
                n = i + 1;
            })
            .inspect_err(|_| *failed = Some(p.clone()))?;
            base += n;
        }
        Ok(())
    }
}

/// A record whose provenance differs from the current one (`summary --stale`).
#[derive(Debug, Clone, Serialize)]
pub struct Stale {
    /// The record's `file`.
    pub file: String,
    /// The record's `sha256`, if any.
    pub sha256: Option<String>,
    /// The parts that differ: `apkaudit`, `knowledge`, or `provenance` when the record
    /// has none (written before records carried one).
    pub differs: Vec<&'static str>,
    /// The record's provenance, if any.
    pub provenance: Option<Provenance>,
}

/// The records (the last of each file) of the JSONL `paths` that were not made by `now`'s
/// apkaudit version and knowledge, in file order of the input. Errors name the file.
pub fn stale_records(
    paths: &[PathBuf],
    now: &Provenance,
) -> Result<Vec<Stale>, (PathBuf, std::io::Error)> {
    let mut failed = None;
    let mut out = Vec::new();
    let res = last_records(&mut read_paths(paths, &mut failed), |r| {
        let differs = match &r.provenance {
            Some(p) => p.differs(now),
            None => vec!["provenance"],
        };
        if !differs.is_empty() {
            out.push(Stale {
                file: r.file,
                sha256: r.sha256,
                differs,
                provenance: r.provenance,
            });
        }
    });
    match res {
        Ok(_) => Ok(out),
        Err(e) => Err((failed.unwrap_or_default(), e)),
    }
}

/// Render stale records: `table` one path a line (an `@LIST` for a rescan), `json`
/// `{schema_version, stale: [...]}`, `csv` `file,sha256,differs,apkaudit,knowledge` rows.
pub fn render_stale(list: &[Stale], format: SummaryFormat) -> String {
    match format {
        SummaryFormat::Table => list.iter().map(|s| format!("{}\n", s.file)).collect(),
        SummaryFormat::Json => {
            let v = serde_json::json!({
                "schema_version": SUMMARY_SCHEMA_VERSION,
                "stale": list,
            });
            let mut t = serde_json::to_string_pretty(&v).unwrap_or_default();
            t.push('\n');
            t
        }
        SummaryFormat::Csv | SummaryFormat::Parquet => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(["file", "sha256", "differs", "apkaudit", "knowledge"]);
            for s in list {
                let p = s.provenance.as_ref();
                let _ = w.write_record([
                    s.file.as_str(),
                    s.sha256.as_deref().unwrap_or(""),
                    &s.differs.join("+"),
                    p.map_or("", |p| p.apkaudit.as_str()),
                    p.map_or("", |p| p.knowledge.as_str()),
                ]);
            }
            w.into_inner()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        }
    }
}

impl Summary {
    /// Aggregate JSONL text. Lines that are not JSON records with a `file` are counted in
    /// `invalid_lines`; when a file appears several times (a resumed run after the file
    /// changed), its last record counts.
    pub fn from_jsonl(text: &str) -> Summary {
        Summary::two_pass(&mut |f| each_line(text.as_bytes(), f)).unwrap_or_default()
    }

    /// Aggregate a JSONL file, streaming it twice (first to find the last record of each
    /// file, then to count), so memory holds only the paths.
    pub fn from_path(path: &Path) -> std::io::Result<Summary> {
        Summary::two_pass(&mut |f| each_line(BufReader::new(std::fs::File::open(path)?), f))
    }

    /// Aggregate several JSONL files as one (the shards of a sharded run): a file scanned
    /// in two shards' outputs counts once, with its last record.
    pub fn from_paths(paths: &[PathBuf]) -> Result<Summary, (PathBuf, std::io::Error)> {
        let mut failed: Option<PathBuf> = None;
        let res = Summary::two_pass(&mut read_paths(paths, &mut failed));
        res.map_err(|e| (failed.unwrap_or_default(), e))
    }

    /// Aggregate a stream in one pass (every record counts, no de-duplication).
    pub fn from_reader(r: impl BufRead) -> std::io::Result<Summary> {
        let mut acc = Acc::default();
        let mut invalid = 0;
        each_line(r, |_, line| match parse_line(line) {
            Some(rec) => acc.add(&rec),
            None => invalid += 1,
        })?;
        let mut s = acc.finish();
        s.invalid_lines = invalid;
        Ok(s)
    }

    fn two_pass(read: &mut Source<'_>) -> std::io::Result<Summary> {
        let mut acc = Acc::default();
        let invalid = last_records(read, |rec| acc.add(&rec))?;
        let mut s = acc.finish();
        s.invalid_lines = invalid;
        Ok(s)
    }

    pub(crate) fn sections(&self) -> [(&'static str, &Vec<Count>); 7] {
        [
            ("kind", &self.kinds),
            ("sdk", &self.sdks),
            ("permission", &self.permissions),
            ("data_access", &self.data_access),
            ("finding", &self.findings),
            ("error", &self.errors_by_reason),
            ("provenance", &self.provenance),
        ]
    }

    /// Render in the chosen format (tables in English).
    pub fn render(&self, format: SummaryFormat) -> String {
        self.render_in(format, crate::knowledge::Lang::En)
    }

    /// The display name of a counted item in `lang`, from the knowledge tables: SDK
    /// names, permission labels, `owner: data type` pairs.
    fn label(section: &str, c: &Count, lang: crate::knowledge::Lang) -> String {
        use crate::report::text;
        let k = crate::knowledge::Knowledge::embedded();
        match section {
            "sdk" if k.signatures.get(&c.id).is_some() => text::sdk_label(k, &c.id, lang),
            "permission" => text::permission_label(k, &c.id, lang),
            "data_access" => match c.id.split_once(':') {
                Some((owner, dt)) => format!(
                    "{}: {} [{}]",
                    text::owner_label(k, owner, lang),
                    text::data_label(k, dt, lang),
                    text::cap(dt, 80)
                ),
                None => c.id.clone(),
            },
            _ => match &c.name {
                Some(n) if n != &c.id => format!("{} ({n})", c.id),
                _ => c.id.clone(),
            },
        }
    }

    /// Render in the chosen format, the table's titles and names in `lang`, tables at
    /// their natural width (for a file). JSON carries `schema_version`
    /// ([`SUMMARY_SCHEMA_VERSION`]).
    pub fn render_in(&self, format: SummaryFormat, lang: crate::knowledge::Lang) -> String {
        let style = crate::report::TableStyle {
            width: usize::MAX / 4,
            color: false,
            lang,
        };
        self.render_styled(format, style)
    }

    /// Render in the chosen format; the tables fit `style.width` as the scan table does
    /// ([`crate::report::fit_table`]: a list below [`crate::report::MIN_TABLE_WIDTH`]),
    /// titles and names in `style.lang`.
    pub fn render_styled(&self, format: SummaryFormat, style: crate::report::TableStyle) -> String {
        use crate::report::text::pick;
        let lang = style.lang;
        match format {
            SummaryFormat::Json => {
                #[derive(Serialize)]
                struct Versioned<'a> {
                    schema_version: u32,
                    #[serde(flatten)]
                    summary: &'a Summary,
                }
                let v = Versioned {
                    schema_version: SUMMARY_SCHEMA_VERSION,
                    summary: self,
                };
                let mut t = serde_json::to_string_pretty(&v).unwrap_or_default();
                t.push('\n');
                t
            }
            SummaryFormat::Csv | SummaryFormat::Parquet => {
                let mut w = csv::Writer::from_writer(Vec::new());
                let mut rows =
                    vec![["section", "id", "name", "apps", "percent", "total"].map(String::from)];
                for (sec, list) in self.sections() {
                    for c in list {
                        rows.push([
                            sec.to_string(),
                            c.id.clone(),
                            c.name.clone().unwrap_or_default(),
                            c.apps.to_string(),
                            format!("{:.2}", c.percent),
                            c.total.to_string(),
                        ]);
                    }
                }
                for r in rows {
                    // writing to a Vec cannot fail for I/O; a record error would be a bug
                    let _ = w.write_record(&r);
                }
                w.into_inner()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default()
            }
            SummaryFormat::Table => {
                let wrap = |s: &str| crate::report::wrap(s, style.width.max(20));
                let mut t = match lang {
                    crate::knowledge::Lang::En => format!(
                        "{} records: {} scanned, {} with error{}\n",
                        self.records,
                        self.scanned,
                        self.errors,
                        if self.invalid_lines > 0 {
                            format!(", {} invalid lines skipped", self.invalid_lines)
                        } else {
                            String::new()
                        }
                    ),
                    crate::knowledge::Lang::Zh => format!(
                        "{} 条记录：{} 个已扫描，{} 个出错{}\n",
                        self.records,
                        self.scanned,
                        self.errors,
                        if self.invalid_lines > 0 {
                            format!("，跳过 {} 行无效内容", self.invalid_lines)
                        } else {
                            String::new()
                        }
                    ),
                };
                t = format!("{}\n", wrap(t.trim_end()));
                let titles = [
                    pick(lang, "Input kinds", "输入类型"),
                    "SDKs",
                    pick(lang, "Permissions", "权限"),
                    pick(
                        lang,
                        "Who reads which personal data (owner:data type, from call sites)",
                        "谁读取哪些个人信息（代码归属：信息类型，来自调用点）",
                    ),
                    pick(lang, "Audit findings", "审计发现"),
                    pick(lang, "Errors by reason", "错误原因"),
                    pick(
                        lang,
                        "Provenance (apkaudit version, knowledge digest, result-changing options)",
                        "来源（apkaudit 版本、知识库摘要、影响结果的选项）",
                    ),
                ];
                for ((sec, list), title) in self.sections().into_iter().zip(titles) {
                    if list.is_empty() {
                        continue;
                    }
                    let total_col = sec == "finding";
                    let mut header = vec![
                        sec.to_string(),
                        pick(lang, "apps", "应用数").into(),
                        "%".into(),
                    ];
                    if total_col {
                        header.push(pick(lang, "findings", "发现数").into());
                    }
                    let header: Vec<&str> = header.iter().map(String::as_str).collect();
                    let mut rows = Vec::with_capacity(list.len());
                    for c in list {
                        let id = Self::label(sec, c, lang);
                        let mut row = vec![id, c.apps.to_string(), format!("{:.1}", c.percent)];
                        if total_col {
                            row.push(c.total.to_string());
                        }
                        rows.push(row);
                    }
                    let table = crate::report::fit_table(&header, &rows, style);
                    t.push_str(&format!("\n{}\n{table}", wrap(title)));
                }
                t
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn counts_prevalence_and_errors() {
        let text = r#"{"file":"a","kind":"apk","error":null,"sdks":[{"id":"umeng","name":"Umeng"}],"permissions":[{"name":"P1"},{"name":"P2"}],"audit":{"findings":[{"kind":"undeclared_sdk"},{"kind":"undeclared_sdk"}]}}
{"file":"b","kind":"apk","error":null,"sdks":[{"id":"umeng","name":"Umeng"},{"id":"jpush","name":"JPush"}],"permissions":[{"name":"P1"}]}
{"file":"c","sha256":null,"error":"c: No such file","error_kind":"io"}
{"file":"d","error":"bad","error_kind":"zip"}
{"file":"d","error":"bad","error_kind":"zip"}
{"file":"e","sha2"#;
        let s = Summary::from_jsonl(text);
        assert_eq!(
            (s.records, s.scanned, s.errors, s.invalid_lines),
            (4, 2, 2, 1)
        );
        assert_eq!(s.sdks[0].id, "umeng");
        assert_eq!(s.sdks[0].apps, 2);
        assert!((s.sdks[0].percent - 100.0).abs() < 1e-9);
        assert_eq!(s.sdks[1].apps, 1);
        assert_eq!(s.permissions[0].id, "P1");
        assert_eq!(s.findings[0].apps, 1);
        assert_eq!(s.findings[0].total, 2);
        let e: Vec<(&str, usize)> = s
            .errors_by_reason
            .iter()
            .map(|c| (c.id.as_str(), c.apps))
            .collect();
        assert_eq!(e, [("io", 1), ("zip", 1)]);
        let csv = s.render(SummaryFormat::Csv);
        assert!(csv.contains("sdk,umeng,Umeng,2,100.00,2\n"), "{csv}");
        let t = s.render(SummaryFormat::Table);
        // the SDK is named from the signature database, its id in brackets
        assert!(t.contains("Umeng Analytics [umeng]"), "{t}");
        let j: Value = serde_json::from_str(&s.render(SummaryFormat::Json)).unwrap();
        assert_eq!(j["scanned"], 2);
    }
}
