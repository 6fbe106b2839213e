//! Columnar output: batch records and summaries as Apache Parquet (`--format parquet`),
//! for DuckDB, Spark, BigQuery or pandas. Schema in docs/parquet-schema.md.
//!
//! Written with the `parquet` crate's column writers (no Arrow arrays: the `arrow` feature
//! would add a dozen crates to compile and buys nothing for rows we already hold as
//! records). One row per record; SDKs, permissions, data access and findings are nested
//! `LIST<STRUCT>` columns. Rows are buffered up to [`ROW_GROUP_ROWS`] records or
//! [`ROW_GROUP_BYTES`] of strings and then flushed as a row group, so memory stays
//! bounded whatever the batch size. The file is written under a temporary name beside the
//! target and renamed only after its footer is written and synced: a run that fails (a
//! full disk, a kill) never leaves a file under the target name that looks complete.

use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use serde_json::Value;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Most records buffered before a row group is written.
pub const ROW_GROUP_ROWS: usize = 4096;
/// Most string bytes buffered before a row group is written.
pub const ROW_GROUP_BYTES: usize = 32 << 20;

/// Physical type of a leaf column.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
    Str,
    I64,
    F64,
    Bool,
}

/// A leaf column: (name, type, optional).
type LeafSpec = (&'static str, Ty, bool);

/// Top-level columns of the record table, in schema order.
const RECORD_COLUMNS: &[LeafSpec] = &[
    ("file", Ty::Str, false),
    ("sha256", Ty::Str, true),
    ("size", Ty::I64, true),
    ("kind", Ty::Str, true),
    ("package", Ty::Str, true),
    ("version_code", Ty::I64, true),
    ("version_name", Ty::Str, true),
    ("min_sdk", Ty::I64, true),
    ("target_sdk", Ty::I64, true),
    ("class_count", Ty::I64, true),
    ("error", Ty::Str, true),
    ("error_kind", Ty::Str, true),
    ("apkaudit", Ty::Str, true),
    ("knowledge", Ty::Str, true),
    ("audit_policy", Ty::Str, true),
    ("audit_error", Ty::Str, true),
];

/// Nested list columns of the record table: (column, element fields).
const RECORD_LISTS: &[(&str, &[LeafSpec])] = &[
    (
        "sdks",
        &[
            ("id", Ty::Str, false),
            ("name", Ty::Str, true),
            ("category", Ty::Str, true),
            ("confidence", Ty::Str, true),
            ("vendor", Ty::Str, true),
        ],
    ),
    (
        "permissions",
        &[
            ("name", Ty::Str, false),
            ("protection", Ty::Str, true),
            ("max_sdk", Ty::I64, true),
            ("sdk23_only", Ty::Bool, true),
        ],
    ),
    (
        "data_access",
        &[
            ("owner", Ty::Str, false),
            ("data_type", Ty::Str, false),
            ("count", Ty::I64, true),
            ("attribution", Ty::Str, true),
        ],
    ),
    (
        "findings",
        &[
            ("kind", Ty::Str, false),
            ("severity", Ty::Str, true),
            ("rule", Ty::Str, true),
            ("sdk", Ty::Str, true),
            ("permission", Ty::Str, true),
            ("data_type", Ty::Str, true),
        ],
    ),
];

/// Columns of the summary table.
const SUMMARY_COLUMNS: &[LeafSpec] = &[
    ("section", Ty::Str, false),
    ("id", Ty::Str, false),
    ("name", Ty::Str, true),
    ("apps", Ty::I64, false),
    ("percent", Ty::F64, false),
    ("total", Ty::I64, false),
];

/// A cell value.
enum Cell {
    S(String),
    I(i64),
    F(f64),
    B(bool),
}

/// Buffered levels and values of one leaf column.
struct Leaf {
    ty: Ty,
    max_def: i16,
    max_rep: i16,
    def: Vec<i16>,
    rep: Vec<i16>,
    strs: Vec<ByteArray>,
    ints: Vec<i64>,
    floats: Vec<f64>,
    bools: Vec<bool>,
}

impl Leaf {
    fn new(ty: Ty, optional: bool, in_list: bool) -> Leaf {
        Leaf {
            ty,
            max_def: i16::from(optional) + i16::from(in_list),
            max_rep: i16::from(in_list),
            def: Vec::new(),
            rep: Vec::new(),
            strs: Vec::new(),
            ints: Vec::new(),
            floats: Vec::new(),
            bools: Vec::new(),
        }
    }

    /// A value (or null) at repetition level `rep`; returns the string bytes buffered.
    fn put(&mut self, rep: i16, v: Option<Cell>) -> usize {
        self.rep.push(rep);
        let Some(v) = v else {
            // null optional field (a required one never gets None: see `cell`)
            self.def.push(self.max_def - 1);
            return 0;
        };
        self.def.push(self.max_def);
        match v {
            Cell::S(s) => {
                let n = s.len();
                self.strs.push(ByteArray::from(s.into_bytes()));
                return n;
            }
            Cell::I(i) => self.ints.push(i),
            Cell::F(f) => self.floats.push(f),
            Cell::B(b) => self.bools.push(b),
        }
        8
    }

    /// An empty list in this row.
    fn empty(&mut self) {
        self.rep.push(0);
        self.def.push(0);
    }

    fn clear(&mut self) {
        self.def.clear();
        self.rep.clear();
        self.strs.clear();
        self.ints.clear();
        self.floats.clear();
        self.bools.clear();
    }
}

/// The value of `v` as a cell of type `ty` (null when absent or of another JSON type).
/// A required field that is absent gets the type's empty value, so a hand-edited record
/// cannot make the levels inconsistent.
fn cell(v: Option<&Value>, ty: Ty, optional: bool) -> Option<Cell> {
    let c = match (ty, v) {
        (Ty::Str, Some(Value::String(s))) => Some(Cell::S(s.clone())),
        (Ty::I64, Some(v)) => v.as_i64().map(Cell::I),
        (Ty::F64, Some(v)) => v.as_f64().map(Cell::F),
        (Ty::Bool, Some(Value::Bool(b))) => Some(Cell::B(*b)),
        _ => None,
    };
    match c {
        None if !optional => Some(match ty {
            Ty::Str => Cell::S(String::new()),
            Ty::I64 => Cell::I(0),
            Ty::F64 => Cell::F(0.0),
            Ty::Bool => Cell::B(false),
        }),
        c => c,
    }
}

fn type_name(ty: Ty) -> &'static str {
    match ty {
        Ty::Str => "binary",
        Ty::I64 => "int64",
        Ty::F64 => "double",
        Ty::Bool => "boolean",
    }
}

fn leaf_decl(out: &mut String, indent: &str, (name, ty, optional): &LeafSpec) {
    let rep = if *optional { "optional" } else { "required" };
    let ann = if *ty == Ty::Str { " (STRING)" } else { "" };
    out.push_str(&format!("{indent}{rep} {} {name}{ann};\n", type_name(*ty)));
}

/// The Parquet message type of a table (top-level leaves, then lists in the standard
/// three-level `LIST` layout).
fn message(name: &str, columns: &[LeafSpec], lists: &[(&str, &[LeafSpec])]) -> String {
    let mut m = format!("message {name} {{\n");
    for c in columns {
        leaf_decl(&mut m, "  ", c);
    }
    for (list, fields) in lists {
        m.push_str(&format!(
            "  required group {list} (LIST) {{\n    repeated group list {{\n      required group element {{\n"
        ));
        for f in *fields {
            leaf_decl(&mut m, "        ", f);
        }
        m.push_str("      }\n    }\n  }\n");
    }
    m.push_str("}\n");
    m
}

/// The Parquet schema of `scan --format parquet` (the record table), as message text.
pub fn record_schema() -> String {
    message("apkaudit_record", RECORD_COLUMNS, RECORD_LISTS)
}

/// The Parquet schema of `summary --format parquet`, as message text.
pub fn summary_schema() -> String {
    message("apkaudit_summary", SUMMARY_COLUMNS, &[])
}

fn perr(e: parquet::errors::ParquetError) -> std::io::Error {
    match e {
        parquet::errors::ParquetError::External(inner) => std::io::Error::other(inner),
        e => std::io::Error::other(e.to_string()),
    }
}

/// A file written under a temporary name in the target's folder and renamed onto the
/// target only by [`AtomicFile::commit`]; dropped uncommitted, the temporary file is
/// removed.
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    file: Option<BufWriter<File>>,
    committed: bool,
}

impl AtomicFile {
    /// Create `.<name>.<pid>.partial` beside `target`.
    pub fn create(target: &Path) -> std::io::Result<AtomicFile> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let temp = target.with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let file = File::create(&temp)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temp,
            file: Some(BufWriter::new(file)),
            committed: false,
        })
    }

    /// The temporary path being written.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Flush, sync and rename onto the target; on error the temporary file is removed.
    pub fn commit(mut self) -> std::io::Result<()> {
        if let Some(f) = self.file.take() {
            let f = f.into_inner().map_err(|e| e.into_error())?;
            f.sync_all()?;
        }
        std::fs::rename(&self.temp, &self.target)?;
        self.committed = true;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            self.file = None;
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// A table being written: leaves buffered row by row, flushed as row groups.
struct Table<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    columns: &'static [LeafSpec],
    lists: &'static [(&'static str, &'static [LeafSpec])],
    leaves: Vec<Leaf>,
    rows: usize,
    bytes: usize,
    written: usize,
}

impl<W: Write + Send> Table<W> {
    fn new(
        out: W,
        name: &str,
        columns: &'static [LeafSpec],
        lists: &'static [(&'static str, &'static [LeafSpec])],
    ) -> std::io::Result<Table<W>> {
        let schema = parquet::schema::parser::parse_message_type(&message(name, columns, lists))
            .map_err(perr)?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("apkaudit {}", super::provenance::VERSION))
            .build();
        let writer =
            SerializedFileWriter::new(out, Arc::new(schema), Arc::new(props)).map_err(perr)?;
        let mut leaves: Vec<Leaf> = columns
            .iter()
            .map(|(_, ty, opt)| Leaf::new(*ty, *opt, false))
            .collect();
        for (_, fields) in lists {
            leaves.extend(fields.iter().map(|(_, ty, opt)| Leaf::new(*ty, *opt, true)));
        }
        Ok(Table {
            writer,
            columns,
            lists,
            leaves,
            rows: 0,
            bytes: 0,
            written: 0,
        })
    }

    /// Add one row: top-level values from `get(name)`, list elements from `items(list)`.
    fn push(
        &mut self,
        get: impl Fn(&str) -> Option<Value>,
        items: impl Fn(&str) -> Vec<serde_json::Map<String, Value>>,
    ) -> std::io::Result<()> {
        let mut i = 0;
        for (name, ty, opt) in self.columns {
            let v = get(name);
            self.bytes += self.leaves[i].put(0, cell(v.as_ref(), *ty, *opt));
            i += 1;
        }
        for (list, fields) in self.lists {
            let elems = items(list);
            if elems.is_empty() {
                for leaf in &mut self.leaves[i..i + fields.len()] {
                    leaf.empty();
                }
            }
            for (n, e) in elems.iter().enumerate() {
                let rep = i16::from(n > 0);
                for (k, (name, ty, opt)) in fields.iter().enumerate() {
                    self.bytes += self.leaves[i + k].put(rep, cell(e.get(*name), *ty, *opt));
                }
            }
            i += fields.len();
        }
        self.rows += 1;
        if self.rows >= ROW_GROUP_ROWS || self.bytes >= ROW_GROUP_BYTES {
            self.flush_group()?;
        }
        Ok(())
    }

    /// Write the buffered rows as one row group.
    fn flush_group(&mut self) -> std::io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut rg = self.writer.next_row_group().map_err(perr)?;
        for leaf in &mut self.leaves {
            let Some(mut col) = rg.next_column().map_err(perr)? else {
                return Err(std::io::Error::other("parquet schema has fewer columns"));
            };
            let def = (leaf.max_def > 0).then_some(leaf.def.as_slice());
            let rep = (leaf.max_rep > 0).then_some(leaf.rep.as_slice());
            match leaf.ty {
                Ty::Str => col
                    .typed::<ByteArrayType>()
                    .write_batch(&leaf.strs, def, rep),
                Ty::I64 => col.typed::<Int64Type>().write_batch(&leaf.ints, def, rep),
                Ty::F64 => col
                    .typed::<DoubleType>()
                    .write_batch(&leaf.floats, def, rep),
                Ty::Bool => col.typed::<BoolType>().write_batch(&leaf.bools, def, rep),
            }
            .map_err(perr)?;
            col.close().map_err(perr)?;
            leaf.clear();
        }
        rg.close().map_err(perr)?;
        self.written += self.rows;
        self.rows = 0;
        self.bytes = 0;
        Ok(())
    }

    /// Flush the last row group and write the footer; returns the writer.
    fn finish(mut self) -> std::io::Result<(W, usize)> {
        self.flush_group()?;
        let n = self.written;
        let w = self.writer.into_inner().map_err(perr)?;
        Ok((w, n))
    }
}

/// The list elements of a record, flattened to one map per element: `data_access` gives
/// one element per (owner, data type).
fn record_items(rec: &Value, list: &str) -> Vec<serde_json::Map<String, Value>> {
    let arr = |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
    let maps = |v: Vec<Value>| -> Vec<serde_json::Map<String, Value>> {
        v.into_iter()
            .filter_map(|x| match x {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .collect()
    };
    match list {
        "sdks" | "permissions" => maps(arr(rec.get(list))),
        "findings" => maps(arr(rec.get("audit").and_then(|a| a.get("findings")))),
        "data_access" => {
            let mut out = Vec::new();
            for owner in maps(arr(rec.get("data_access"))) {
                for t in maps(arr(owner.get("data_types"))) {
                    let mut m = serde_json::Map::new();
                    for k in ["owner", "attribution"] {
                        if let Some(v) = owner.get(k) {
                            m.insert(k.into(), v.clone());
                        }
                    }
                    for k in ["data_type", "count"] {
                        if let Some(v) = t.get(k) {
                            m.insert(k.into(), v.clone());
                        }
                    }
                    out.push(m);
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The top-level value `name` of a record.
fn record_value(rec: &Value, name: &str) -> Option<Value> {
    let at = |a: &str, b: &str| rec.get(a).and_then(|x| x.get(b)).cloned();
    match name {
        "apkaudit" => at("provenance", "apkaudit"),
        "knowledge" => at("provenance", "knowledge"),
        "audit_policy" => at("audit", "policy"),
        "audit_error" => at("audit", "error"),
        n => rec.get(n).cloned(),
    }
}

/// Batch records (JSONL lines) to a Parquet file: [`Write`] the JSONL text (as
/// [`super::run`] does), then [`RecordWriter::finish`]. Lines that are not JSON objects
/// are an error (the batch never writes one).
pub struct RecordWriter<W: Write + Send> {
    table: Table<W>,
    line: Vec<u8>,
}

impl RecordWriter<AtomicFile> {
    /// Write to `path` (through a temporary file, renamed on [`RecordWriter::finish`]).
    pub fn create(path: &Path) -> std::io::Result<RecordWriter<AtomicFile>> {
        RecordWriter::new(AtomicFile::create(path)?)
    }
}

impl<W: Write + Send> RecordWriter<W> {
    /// Write the Parquet file to `out`.
    pub fn new(out: W) -> std::io::Result<RecordWriter<W>> {
        Ok(RecordWriter {
            table: Table::new(out, "apkaudit_record", RECORD_COLUMNS, RECORD_LISTS)?,
            line: Vec::new(),
        })
    }

    /// Add one record.
    pub fn push(&mut self, rec: &Value) -> std::io::Result<()> {
        if !rec.is_object() {
            return Err(std::io::Error::other("a batch record is not a JSON object"));
        }
        self.table
            .push(|n| record_value(rec, n), |l| record_items(rec, l))
    }

    fn push_line(&mut self) -> std::io::Result<()> {
        let line = std::mem::take(&mut self.line);
        if !line.iter().all(u8::is_ascii_whitespace) {
            let v: Value = serde_json::from_slice(&line).map_err(std::io::Error::other)?;
            self.push(&v)?;
        }
        self.line = line;
        self.line.clear();
        Ok(())
    }

    /// Write the last row group and the footer; returns the output and the row count.
    pub fn finish(mut self) -> std::io::Result<(W, usize)> {
        if !self.line.is_empty() {
            self.push_line()?;
        }
        self.table.finish()
    }
}

impl<W: Write + Send> Write for RecordWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            self.line.extend_from_slice(&rest[..i]);
            self.push_line()?;
            rest = &rest[i + 1..];
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Write a summary as a Parquet table of `section, id, name, apps, percent, total` rows.
pub fn write_summary<W: Write + Send>(
    s: &super::summary::Summary,
    out: W,
) -> std::io::Result<(W, usize)> {
    let mut t = Table::new(out, "apkaudit_summary", SUMMARY_COLUMNS, &[])?;
    for (section, list) in s.sections() {
        for c in list {
            t.push(
                |n| match n {
                    "section" => Some(Value::from(section)),
                    "id" => Some(Value::from(c.id.as_str())),
                    "name" => c.name.as_deref().map(Value::from),
                    "apps" => Some(Value::from(c.apps)),
                    "percent" => Some(Value::from(c.percent)),
                    "total" => Some(Value::from(c.total)),
                    _ => None,
                },
                |_| Vec::new(),
            )?;
        }
    }
    t.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_parse() {
        for m in [record_schema(), summary_schema()] {
            parquet::schema::parser::parse_message_type(&m).unwrap();
        }
        assert!(record_schema().contains("required group sdks (LIST)"));
    }

    /// A writer that fails after `left` bytes, like a full disk.
    struct Full {
        left: usize,
    }
    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.left == 0 {
                return Err(std::io::Error::other("no space left on device"));
            }
            let n = buf.len().min(self.left);
            self.left -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn rec(i: usize) -> String {
        format!(
            r#"{{"file":"a{i}.apk","sha256":"{:064x}","size":{i},"kind":"apk","package":"p{i}","sdks":[{{"id":"umeng","name":"Umeng"}}],"permissions":[{{"name":"android.permission.INTERNET","protection":"normal"}}],"data_access":[],"error":null}}
"#,
            i
        )
    }

    #[test]
    fn full_disk_is_an_error_not_a_short_file() {
        let mut w = RecordWriter::new(Full { left: 100 }).unwrap();
        let mut failed = false;
        for i in 0..(ROW_GROUP_ROWS + 10) {
            if w.write_all(rec(i).as_bytes()).is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed || w.finish().is_err());
    }

    #[test]
    fn atomic_file_appears_only_on_commit() {
        let dir = std::env::temp_dir().join(format!("apkaudit-pq-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("out.parquet");
        let mut w = RecordWriter::create(&target).unwrap();
        w.write_all(rec(1).as_bytes()).unwrap();
        let (f, n) = w.finish().unwrap();
        assert_eq!(n, 1);
        let temp = f.temp_path().to_path_buf();
        assert!(temp.is_file() && !target.exists());
        f.commit().unwrap();
        assert!(target.is_file() && !temp.exists());
        let bytes = std::fs::read(&target).unwrap();
        assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
        // dropped before commit: nothing left behind
        let target2 = dir.join("out2.parquet");
        let mut w = RecordWriter::create(&target2).unwrap();
        w.write_all(rec(2).as_bytes()).unwrap();
        let temp2 = w.table.writer.inner().temp_path().to_path_buf();
        drop(w);
        assert!(!temp2.exists() && !target2.exists());
        std::fs::remove_dir_all(&dir).ok();
    }
}
