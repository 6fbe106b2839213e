//! `--resume`: read what an earlier (possibly killed) run wrote, drop a truncated or
//! otherwise unreadable line, and remember which inputs are done by (path, sha256). The
//! path is the exact one: a record's `file_raw` (the path's bytes, escaped) when it has
//! one, else its `file`, so two names that differ only in invalid UTF-8 (and show as the
//! same lossy `file`) are resumed apart.
//!
//! The output is streamed line by line (it can be many gigabytes); only the (path,
//! sha256) pairs are kept in memory.

use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

/// Inputs already present in an output file.
#[derive(Debug, Default, Clone)]
pub struct Done {
    /// `file` → every `sha256` recorded for it (`None` for unreadable files).
    by_path: HashMap<String, HashSet<Option<String>>>,
    /// Number of complete records kept.
    pub records: usize,
    /// Number of lines dropped (truncated or not a JSON object with a `file`).
    pub dropped: usize,
}

/// What to do with the file after reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repair {
    /// Every line is good.
    None,
    /// Only the tail is bad: cut the file at this length.
    Truncate(u64),
    /// A bad line sits between good ones: copy the good lines to a new file.
    Rewrite,
}

#[derive(Deserialize)]
struct Key {
    file: String,
    #[serde(default)]
    file_raw: Option<String>,
    #[serde(default)]
    sha256: Option<String>,
}

/// The exact key of a path: `raw:` and the escaped bytes when the path is not UTF-8
/// (`file_raw`), else `utf8:` and the path (the prefixes keep a UTF-8 name that spells
/// `\xff` apart from a name holding the byte 0xff).
pub fn done_key(file: &str, file_raw: Option<&str>) -> String {
    match file_raw {
        Some(raw) => format!("raw:{raw}"),
        None => format!("utf8:{file}"),
    }
}

/// The key of a complete record line, or `None` when the line is not one.
fn line_key(line: &[u8]) -> Option<Key> {
    let body = line.strip_suffix(b"\n")?;
    serde_json::from_slice::<Key>(body).ok()
}

fn blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

impl Done {
    /// True when some record has this path (the content must still be compared); `key`
    /// is [`done_key`] of the path.
    pub fn has_path(&self, key: &str) -> bool {
        self.by_path.contains_key(key)
    }

    /// True when a record has this path ([`done_key`]) and content hash.
    pub fn contains(&self, key: &str, sha256: Option<&str>) -> bool {
        self.by_path
            .get(key)
            .is_some_and(|s| s.contains(&sha256.map(str::to_string)))
    }

    /// Read JSONL records. A last line without its newline is incomplete and dropped even
    /// if it parses (the writer always ends a record with one).
    fn read(mut r: impl BufRead) -> std::io::Result<(Done, Repair)> {
        let mut done = Done::default();
        let mut buf = Vec::new();
        let mut pos = 0u64;
        let mut good_end = 0u64;
        let mut bad_seen = false;
        let mut repair = Repair::None;
        loop {
            buf.clear();
            let n = r.read_until(b'\n', &mut buf)?;
            if n == 0 {
                break;
            }
            pos += n as u64;
            if blank(&buf) && buf.ends_with(b"\n") {
                if !bad_seen {
                    good_end = pos;
                }
                continue;
            }
            match line_key(&buf) {
                Some(k) => {
                    done.by_path
                        .entry(done_key(&k.file, k.file_raw.as_deref()))
                        .or_default()
                        .insert(k.sha256);
                    done.records += 1;
                    if bad_seen {
                        repair = Repair::Rewrite;
                    } else {
                        good_end = pos;
                    }
                }
                None => {
                    done.dropped += 1;
                    bad_seen = true;
                }
            }
        }
        if bad_seen && repair != Repair::Rewrite {
            repair = Repair::Truncate(good_end);
        }
        Ok((done, repair))
    }

    /// Parse JSONL text (as [`Done::load_and_repair`] reads a file).
    pub fn parse(text: &str) -> Done {
        Done::read(text.as_bytes()).map(|d| d.0).unwrap_or_default()
    }

    /// Load `path` (absent: nothing done) and repair it so that appending continues a
    /// well-formed JSONL file: a bad tail is cut off; bad lines between good ones (not
    /// written by apkaudit) are removed by copying the good lines to a new file.
    pub fn load_and_repair(path: &Path) -> std::io::Result<Done> {
        let f = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Done::default()),
            Err(e) => return Err(e),
        };
        let (done, repair) = Done::read(BufReader::new(f))?;
        match repair {
            Repair::None => {}
            Repair::Truncate(len) => {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)?
                    .set_len(len)?;
            }
            Repair::Rewrite => {
                let mut tmp = path.as_os_str().to_owned();
                tmp.push(".resume-tmp");
                let tmp = std::path::PathBuf::from(tmp);
                {
                    let mut r = BufReader::new(std::fs::File::open(path)?);
                    let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
                    let mut buf = Vec::new();
                    loop {
                        buf.clear();
                        if r.read_until(b'\n', &mut buf)? == 0 {
                            break;
                        }
                        if line_key(&buf).is_some() {
                            w.write_all(&buf)?;
                        }
                    }
                    w.flush()?;
                    w.get_ref().sync_all()?;
                }
                std::fs::rename(&tmp, path)?;
            }
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_last_line_is_dropped() {
        let text = "{\"file\":\"a\",\"sha256\":\"11\"}\n{\"file\":\"b\",\"sha256\":null}\n{\"file\":\"c\",\"sha2";
        let (d, repair) = Done::read(text.as_bytes()).unwrap();
        assert_eq!(d.records, 2);
        assert_eq!(d.dropped, 1);
        assert!(d.contains(&done_key("a", None), Some("11")));
        assert!(!d.contains(&done_key("a", None), Some("12")));
        assert!(d.contains(&done_key("b", None), None));
        assert!(!d.has_path(&done_key("c", None)));
        let cut = text.rfind('\n').unwrap() as u64 + 1;
        assert_eq!(repair, Repair::Truncate(cut));
        // a complete-looking last line without newline is still dropped
        let d = Done::parse("{\"file\":\"a\",\"sha256\":\"11\"}");
        assert_eq!(d.records, 0);
        // a bad line in the middle needs a rewrite
        let (d, repair) = Done::read(&b"{\"file\":\"a\"}\nxx\n{\"file\":\"b\"}\n"[..]).unwrap();
        assert_eq!((d.records, d.dropped, repair), (2, 1, Repair::Rewrite));
    }

    #[test]
    fn repair_on_disk() {
        let dir = std::env::temp_dir().join(format!("apkaudit-resume-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("o.jsonl");
        std::fs::write(&p, "{\"file\":\"a\"}\nxx\n{\"file\":\"b\"}\n{\"fi").unwrap();
        let d = Done::load_and_repair(&p).unwrap();
        assert_eq!((d.records, d.dropped), (2, 2));
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "{\"file\":\"a\"}\n{\"file\":\"b\"}\n"
        );
        std::fs::write(&p, "{\"file\":\"a\"}\n{\"fi").unwrap();
        Done::load_and_repair(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{\"file\":\"a\"}\n");
        std::fs::remove_dir_all(&dir).ok();
    }
}
