//! `--resume`: read what an earlier (possibly killed) run wrote, drop a truncated or
//! otherwise unreadable line, and remember which inputs are done by (path, sha256).

use std::collections::{HashMap, HashSet};
use std::io::Write;
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

impl Done {
    /// True when some record has this path (the content must still be compared).
    pub fn has_path(&self, file: &str) -> bool {
        self.by_path.contains_key(file)
    }

    /// True when a record has this path and content hash.
    pub fn contains(&self, file: &str, sha256: Option<&str>) -> bool {
        self.by_path
            .get(file)
            .is_some_and(|s| s.contains(&sha256.map(str::to_string)))
    }

    /// Parse JSONL text; returns the set and the complete, valid lines (each with its
    /// newline). A last line without a newline is incomplete and dropped even if it parses.
    pub fn parse(text: &str) -> (Done, String) {
        let mut done = Done::default();
        let mut kept = String::with_capacity(text.len());
        let mut rest = text;
        while !rest.is_empty() {
            let (line, complete, next) = match rest.find('\n') {
                Some(i) => (
                    rest.get(..i).unwrap_or(""),
                    true,
                    rest.get(i + 1..).unwrap_or(""),
                ),
                None => (rest, false, ""),
            };
            rest = next;
            if line.trim().is_empty() {
                continue;
            }
            let key = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| {
                    let file = v.get("file")?.as_str()?.to_string();
                    let sha = v.get("sha256").and_then(|s| s.as_str()).map(str::to_string);
                    Some((file, sha))
                });
            match key {
                Some((file, sha)) if complete => {
                    done.by_path.entry(file).or_default().insert(sha);
                    done.records += 1;
                    kept.push_str(line);
                    kept.push('\n');
                }
                _ => done.dropped += 1,
            }
        }
        (done, kept)
    }

    /// Load `path` (absent: nothing done) and rewrite it without the dropped lines, so
    /// that appending continues a well-formed JSONL file.
    pub fn load_and_repair(path: &Path) -> std::io::Result<Done> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Done::default()),
            Err(e) => return Err(e),
        };
        let text = String::from_utf8_lossy(&bytes);
        let (done, kept) = Done::parse(&text);
        if kept.as_bytes() != bytes.as_slice() {
            let mut tmp = path.as_os_str().to_owned();
            tmp.push(".resume-tmp");
            let tmp = std::path::PathBuf::from(tmp);
            {
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(kept.as_bytes())?;
                f.sync_all()?;
            }
            std::fs::rename(&tmp, path)?;
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
        let (d, kept) = Done::parse(text);
        assert_eq!(d.records, 2);
        assert_eq!(d.dropped, 1);
        assert!(d.contains("a", Some("11")));
        assert!(!d.contains("a", Some("12")));
        assert!(d.contains("b", None));
        assert!(!d.has_path("c"));
        assert_eq!(kept.lines().count(), 2);
        assert!(kept.ends_with('\n'));
        // a complete-looking last line without newline is still dropped
        let (d, _) = Done::parse("{\"file\":\"a\",\"sha256\":\"11\"}");
        assert_eq!(d.records, 0);
    }
}
