//! Batch inputs: expand files, directories (recursively, by extension or content sniffing)
//! and `@LIST` files into a flat, de-duplicated list; and the deterministic `--shard K/N`
//! split.

use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// File extensions always taken from a directory walk (the content decides the rest).
pub const APP_EXTENSIONS: &[&str] = &["apk", "aab", "aar", "jar", "apks", "xapk", "apkm"];

/// Largest number of lines read from one `@LIST` file.
const MAX_LIST_LINES: usize = 10_000_000;

/// One input of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Path to open.
    pub path: PathBuf,
    /// The path as shown in the record's `file` field.
    pub display: String,
    /// Stable key for `--shard-by path`: the path relative to the directory it was found
    /// under (`/`-separated), or the path as given for files named directly.
    pub key: String,
    /// Why this input cannot be scanned, known before opening it (e.g. a directory that
    /// could not be listed, an unreadable `@LIST`).
    pub error: Option<String>,
    /// A folder of split APKs of one app (`bundle::is_split_folder`), scanned as one input.
    pub split_folder: bool,
}

impl Input {
    fn file(path: PathBuf, key: String) -> Input {
        Input {
            display: path.display().to_string(),
            path,
            key,
            error: None,
            split_folder: false,
        }
    }
}

/// True when `path` has an app extension or starts like a ZIP or a binary manifest.
pub fn sniff(path: &Path) -> bool {
    let by_ext = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| APP_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)));
    if by_ext {
        return true;
    }
    let mut head = [0u8; 16];
    let n = match std::fs::File::open(path) {
        Ok(f) => {
            let mut n = 0;
            let mut r = f.take(16);
            while n < head.len() {
                match r.read(head.get_mut(n..).unwrap_or_default()) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => n += k,
                }
            }
            n
        }
        Err(_) => return false,
    };
    let head = head.get(..n).unwrap_or_default();
    head.starts_with(b"PK\x03\x04")
        || head.starts_with(b"PK\x05\x06")
        || crate::formats::axml::looks_like_axml(head)
}

/// Expand command-line arguments: plain files are taken as they are (whatever their
/// content), directories are walked recursively in name order (symbolic links to
/// directories are not followed, so the walk ends) except that a folder of split APKs of
/// one app (`bundle::is_split_folder`) is one input, `@LIST` reads one path per line
/// (blank lines and lines starting with `#` skipped). Duplicates are dropped, keeping the
/// first. A path that does not exist becomes an input with an `error`.
pub fn collect_inputs(args: &[PathBuf]) -> Vec<Input> {
    let mut out = Vec::new();
    for a in args {
        let s = a.to_string_lossy();
        if let Some(list) = s.strip_prefix('@') {
            match read_list(Path::new(list)) {
                Ok(paths) => {
                    for p in paths {
                        expand(&p, &mut out);
                    }
                }
                Err(e) => out.push(Input {
                    path: a.clone(),
                    display: s.to_string(),
                    key: s.to_string(),
                    error: Some(format!("cannot read list {list}: {e}")),
                    split_folder: false,
                }),
            }
        } else {
            expand(a, &mut out);
        }
    }
    let mut seen = HashSet::new();
    out.retain(|i| seen.insert(i.display.clone()));
    out
}

fn read_list(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let text = std::fs::read(path)?;
    Ok(String::from_utf8_lossy(&text)
        .lines()
        .take(MAX_LIST_LINES)
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(PathBuf::from)
        .collect())
}

fn expand(arg: &Path, out: &mut Vec<Input>) {
    let key = arg.to_string_lossy().replace('\\', "/");
    match std::fs::metadata(arg) {
        Ok(m) if m.is_dir() && is_app_folder(arg) => {
            let mut i = Input::file(arg.to_path_buf(), key);
            i.split_folder = true;
            out.push(i);
        }
        Ok(m) if m.is_dir() => walk(arg, out),
        // a file named directly (or a missing path: its record will carry the I/O error)
        _ => out.push(Input::file(arg.to_path_buf(), key)),
    }
}

/// Depth-first walk of `root` in name order, with an explicit stack.
fn walk(root: &Path, out: &mut Vec<Input>) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                out.push(Input {
                    display: dir.display().to_string(),
                    key: rel_key(root, &dir),
                    path: dir,
                    error: Some(format!("cannot list directory: {e}")),
                    split_folder: false,
                });
                continue;
            }
        };
        let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        let mut subdirs = Vec::new();
        for p in names {
            let Ok(lm) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if lm.is_dir() && is_app_folder(&p) {
                let key = rel_key(root, &p);
                let mut i = Input::file(p, key);
                i.split_folder = true;
                out.push(i);
            } else if lm.is_dir() {
                subdirs.push(p);
            } else if std::fs::metadata(&p).is_ok_and(|m| m.is_file()) && sniff(&p) {
                let key = rel_key(root, &p);
                out.push(Input::file(p, key));
            }
        }
        // visit subdirectories in name order after this directory's files
        stack.extend(subdirs.into_iter().rev());
    }
}

/// A folder that is one app: split APKs of one package (`bundle::is_split_folder`) and
/// nothing else a batch would take (no subfolder, no other input file), so treating it as
/// one input loses nothing.
pub fn is_app_folder(dir: &Path) -> bool {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return false;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            return false;
        }
        let apk = p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| x.eq_ignore_ascii_case("apk"));
        if !apk && sniff(&p) {
            return false;
        }
    }
    crate::input::split_set::is_split_folder(dir)
}

fn rel_key(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// A `--shard K/N` selection: this machine takes shard `k` (1-based) of `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, 1..=n.
    pub k: u64,
    /// Number of shards.
    pub n: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("shard `{s}`: expected K/N, e.g. 2/8"))?;
        let k: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("shard `{s}`: bad K"))?;
        let n: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("shard `{s}`: bad N"))?;
        if n == 0 || k == 0 || k > n {
            return Err(format!("shard `{s}`: need 1 <= K <= N"));
        }
        Ok(Shard { k, n })
    }
}

impl Shard {
    /// The shard (1..=n) a hash falls in: the first 8 bytes of a SHA-256, big-endian,
    /// modulo `n`. The same on every machine and every build.
    pub fn of_digest(digest: &[u8], n: u64) -> u64 {
        let mut b = [0u8; 8];
        for (d, s) in b.iter_mut().zip(digest) {
            *d = *s;
        }
        u64::from_be_bytes(b) % n.max(1) + 1
    }

    /// Shard of a path key (`--shard-by path`): SHA-256 of the key's UTF-8 bytes.
    pub fn of_key(key: &str, n: u64) -> u64 {
        Shard::of_digest(&Sha256::digest(key.as_bytes()), n)
    }

    /// Shard of content given its lowercase hex SHA-256 (`--shard-by content`).
    pub fn of_sha256_hex(hex: &str, n: u64) -> u64 {
        let bytes: Vec<u8> = (0..8)
            .filter_map(|i| hex.get(2 * i..2 * i + 2))
            .filter_map(|h| u8::from_str_radix(h, 16).ok())
            .collect();
        Shard::of_digest(&bytes, n)
    }

    /// True when an input with this key (or content hash) belongs to this shard.
    pub fn contains(&self, shard: u64) -> bool {
        shard == self.k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parse_and_cover() {
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
        let s: Shard = "2/3".parse().unwrap();
        assert_eq!((s.k, s.n), (2, 3));
        let mut counts = [0usize; 3];
        for i in 0..3000 {
            let k = Shard::of_key(&format!("dir/app{i}.apk"), 3);
            counts[(k - 1) as usize] += 1;
        }
        // every shard gets a fair part
        assert!(counts.iter().all(|&c| c > 800), "{counts:?}");
        // hex form agrees with the digest form
        let d = Sha256::digest(b"abc");
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(Shard::of_sha256_hex(&hex, 7), Shard::of_digest(&d, 7));
    }

    #[test]
    fn walk_sniffs_and_lists() {
        let dir = std::env::temp_dir().join(format!("apkaudit-input-{}", std::process::id()));
        let sub = dir.join("b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(dir.join("a.apk"), b"not a zip").unwrap();
        std::fs::write(dir.join("notes.txt"), b"hello").unwrap();
        std::fs::write(sub.join("blob.bin"), b"PK\x03\x04rest").unwrap();
        std::fs::write(
            dir.join("list"),
            format!("# c\n\n{}\n", sub.join("blob.bin").display()),
        )
        .unwrap();
        let got = collect_inputs(std::slice::from_ref(&dir));
        let keys: Vec<&str> = got.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["a.apk", "b/blob.bin"]);
        let listed = collect_inputs(&[PathBuf::from(format!("@{}", dir.join("list").display()))]);
        assert_eq!(listed.len(), 1);
        assert!(listed[0].display.ends_with("blob.bin"));
        let missing = collect_inputs(&[PathBuf::from("@/nonexistent/list")]);
        assert!(missing[0].error.is_some());
        std::fs::remove_dir_all(&dir).ok();
    }
}
