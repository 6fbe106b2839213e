//! Batch inputs: expand files, directories (recursively, by extension or content sniffing)
//! and `@LIST` files into a flat, de-duplicated list; and the deterministic `--shard K/N`
//! split, or `--shard auto` taken from a Slurm job array or a Kubernetes Indexed Job.

use crate::input::open::{file_type_name, open_nonblocking};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// File extensions always taken from a directory walk (the content decides the rest).
pub const APP_EXTENSIONS: &[&str] = &["apk", "aab", "aar", "jar", "apks", "xapk", "apkm"];

/// Largest number of lines read from one `@LIST` file.
const MAX_LIST_LINES: usize = 10_000_000;
/// Largest `@LIST` file read.
const MAX_LIST_BYTES: u64 = 2 << 30;

/// One input of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Path to open.
    pub path: PathBuf,
    /// The path as shown in the record's `file` field (lossy UTF-8).
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

    /// An input known to fail before opening; the error names the path, as I/O errors do.
    fn failed(path: PathBuf, key: String, error: String) -> Input {
        let i = Input::file(path, key);
        Input {
            error: Some(format!("{}: {error}", i.display)),
            ..i
        }
    }

    /// The exact bytes of the path, escaped (`\xff`), when it is not valid UTF-8 and
    /// `display` is therefore lossy: the record's `file_raw`, so names differing only in
    /// invalid bytes stay distinct.
    pub fn raw_name(&self) -> Option<String> {
        raw_name(&self.path)
    }

    /// The key `--resume` knows this input by: its exact path bytes (see
    /// [`super::resume::done_key`]), so names that differ only in invalid UTF-8 stay apart.
    pub fn done_key(&self) -> String {
        super::resume::done_key(&self.display, self.raw_name().as_deref())
    }
}

/// The escaped bytes of `path` when it is not valid UTF-8.
pub fn raw_name(path: &Path) -> Option<String> {
    match path.to_str() {
        Some(_) => None,
        None => Some(path.as_os_str().as_bytes().escape_ascii().to_string()),
    }
}

fn has_app_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| APP_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// True when `path` has an app extension or is a regular file that starts like a ZIP or
/// a binary manifest. Never blocks (special files are not opened for sniffing).
pub fn sniff(path: &Path) -> bool {
    has_app_extension(path) || sniff_content(path).unwrap_or(false)
}

/// Whether a regular file starts like a ZIP or a binary manifest; `Err` when it cannot be
/// opened or read. Opened without blocking; anything but a regular file is `Ok(false)`.
fn sniff_content(path: &Path) -> std::io::Result<bool> {
    let f = open_nonblocking(path)?;
    if !f.metadata()?.is_file() {
        return Ok(false);
    }
    let mut head = [0u8; 16];
    let mut n = 0;
    let mut r = f.take(16);
    while n < head.len() {
        match r.read(head.get_mut(n..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let head = head.get(..n).unwrap_or_default();
    Ok(head.starts_with(b"PK\x03\x04")
        || head.starts_with(b"PK\x05\x06")
        || crate::formats::axml::looks_like_axml(head))
}

/// Expand command-line arguments: plain files are taken as they are (whatever their
/// content), directories are walked recursively in name order (symbolic links to
/// directories are not followed, so the walk ends) except that a folder of split APKs of
/// one app (`bundle::is_split_folder`) is one input, `@LIST` reads one path per line
/// (blank lines and lines starting with `#` skipped). Duplicates are dropped, keeping the
/// first (by the exact path bytes, so names differing only in invalid UTF-8 stay apart).
/// A path that does not exist becomes an input with an `error`; so do special files,
/// unreadable files and unlistable directories met in a walk, with the reason.
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
                    error: Some(format!("{list}: cannot read list: {e}")),
                    split_folder: false,
                }),
            }
        } else {
            expand(a, &mut out);
        }
    }
    let mut seen = HashSet::new();
    out.retain(|i| seen.insert(i.path.clone()));
    out
}

/// One path a line, kept as bytes (a name need not be UTF-8); read without blocking on a
/// FIFO that has no writer, and up to [`MAX_LIST_BYTES`].
fn read_list(path: &Path) -> Result<Vec<PathBuf>, String> {
    let text =
        crate::input::open::read_capped(path, MAX_LIST_BYTES, None).map_err(|e| match e {
            crate::error::Error::Io { source, .. } => source.to_string(),
            e => e.to_string(),
        })?;
    Ok(text
        .split(|&b| b == b'\n')
        .take(MAX_LIST_LINES)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| {
            let t = l.trim_ascii();
            !t.is_empty() && !t.starts_with(b"#")
        })
        .map(|l| PathBuf::from(std::ffi::OsStr::from_bytes(l)))
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
                let key = rel_key(root, &dir);
                out.push(Input::failed(
                    dir,
                    key,
                    format!("cannot list directory: {e}"),
                ));
                continue;
            }
        };
        let mut names = Vec::new();
        for e in entries {
            match e {
                Ok(e) => names.push(e.path()),
                Err(e) => out.push(Input::failed(
                    dir.clone(),
                    rel_key(root, &dir),
                    format!("cannot read a directory entry: {e}"),
                )),
            }
        }
        names.sort();
        let mut subdirs = Vec::new();
        for p in names {
            let key = rel_key(root, &p);
            let lm = match std::fs::symlink_metadata(&p) {
                Ok(m) => m,
                Err(e) => {
                    out.push(Input::failed(p, key, format!("cannot stat: {e}")));
                    continue;
                }
            };
            if lm.is_dir() && is_app_folder(&p) {
                let mut i = Input::file(p, key);
                i.split_folder = true;
                out.push(i);
            } else if lm.is_dir() {
                subdirs.push(p);
            } else {
                // a symbolic link is followed to a file, never to a directory
                match std::fs::metadata(&p) {
                    Ok(m) if m.is_file() && has_app_extension(&p) => out.push(Input::file(p, key)),
                    Ok(m) if m.is_file() => match sniff_content(&p) {
                        Ok(yes) if yes || has_app_extension(&p) => out.push(Input::file(p, key)),
                        Ok(_) => {}
                        Err(e) => out.push(Input::failed(p, key, format!("cannot read: {e}"))),
                    },
                    Ok(m) if m.is_dir() => {}
                    Ok(m) => {
                        let what = file_type_name(&m);
                        out.push(Input::failed(
                            p,
                            key,
                            format!("{what}: not a regular file, not read (name it to read it)"),
                        ));
                    }
                    Err(e) if has_app_extension(&p) => {
                        out.push(Input::failed(p, key, format!("cannot stat: {e}")))
                    }
                    Err(_) => {}
                }
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
        // a subfolder or a special file: walk it as a directory so each gets its record
        if p.is_dir() || !p.is_file() {
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

/// Environment variable that gives the shard count to `--shard auto` under a Kubernetes
/// Indexed Job (Kubernetes exports the index, `JOB_COMPLETION_INDEX`, but not
/// `spec.completions`).
pub const SHARD_COUNT_VAR: &str = "APKAUDIT_SHARD_COUNT";

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Shard::auto(|name| std::env::var(name).ok());
        }
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

/// A whole number read from the variable `name`, if set.
fn env_number(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Result<Option<u64>, String> {
    match lookup(name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("--shard auto: {name}={v:?} is not a whole number")),
    }
}

impl Shard {
    /// `--shard auto`: the shard of this task from the environment, read through `lookup`
    /// (`std::env::var` in the binary; a map in tests).
    ///
    /// * Slurm job array (`SLURM_ARRAY_TASK_ID` set): the array must be a range with an
    ///   optional step (`--array=0-15`, `1-16`, `0-30:2`, a throttle `%4` is fine).
    ///   k = (`SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN`) / `SLURM_ARRAY_TASK_STEP` + 1
    ///   (step 1 when unset), n = `SLURM_ARRAY_TASK_COUNT`, or
    ///   (`SLURM_ARRAY_TASK_MAX` − `SLURM_ARRAY_TASK_MIN`) / step + 1 when the count is
    ///   unset. A list that is not such a range (`--array=1,4,9`) is refused: its tasks
    ///   would not map onto 1..=n.
    /// * Kubernetes Indexed Job (`JOB_COMPLETION_INDEX` set, 0-based):
    ///   k = `JOB_COMPLETION_INDEX` + 1, n = `APKAUDIT_SHARD_COUNT` (set it to the Job's
    ///   `spec.completions`).
    ///
    /// Slurm is looked at first. Neither set, or inconsistent values: an error (the CLI
    /// reports it as a usage error, exit 2).
    pub fn auto(lookup: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        if let Some(id) = env_number(&lookup, "SLURM_ARRAY_TASK_ID")? {
            return Shard::from_slurm(id, &lookup);
        }
        if let Some(index) = env_number(&lookup, "JOB_COMPLETION_INDEX")? {
            let n = env_number(&lookup, SHARD_COUNT_VAR)?.ok_or_else(|| {
                format!(
                    "--shard auto: JOB_COMPLETION_INDEX={index} is set (Kubernetes Indexed \
                     Job) but {SHARD_COUNT_VAR} is not; set it to the Job's spec.completions"
                )
            })?;
            if n == 0 || index >= n {
                return Err(format!(
                    "--shard auto: JOB_COMPLETION_INDEX={index} is not below \
                     {SHARD_COUNT_VAR}={n}"
                ));
            }
            return Ok(Shard { k: index + 1, n });
        }
        Err(format!(
            "--shard auto: neither SLURM_ARRAY_TASK_ID (Slurm job array) nor \
             JOB_COMPLETION_INDEX (Kubernetes Indexed Job, with {SHARD_COUNT_VAR}) is set; \
             give the shard as --shard K/N"
        ))
    }

    fn from_slurm(id: u64, lookup: &impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let min = env_number(lookup, "SLURM_ARRAY_TASK_MIN")?.ok_or_else(|| {
            format!("--shard auto: SLURM_ARRAY_TASK_ID={id} is set but SLURM_ARRAY_TASK_MIN is not")
        })?;
        let step = env_number(lookup, "SLURM_ARRAY_TASK_STEP")?.unwrap_or(1);
        let max = env_number(lookup, "SLURM_ARRAY_TASK_MAX")?;
        let count = env_number(lookup, "SLURM_ARRAY_TASK_COUNT")?;
        if step == 0 {
            return Err("--shard auto: SLURM_ARRAY_TASK_STEP=0".into());
        }
        let n = match (count, max) {
            (Some(c), _) => c,
            (None, Some(m)) if m >= min => (m - min) / step + 1,
            _ => {
                return Err(format!(
                    "--shard auto: SLURM_ARRAY_TASK_ID={id} is set but neither \
                     SLURM_ARRAY_TASK_COUNT nor a SLURM_ARRAY_TASK_MAX >= SLURM_ARRAY_TASK_MIN"
                ))
            }
        };
        let sparse = || {
            format!(
                "--shard auto: the job array is not a range with a fixed step \
                 (SLURM_ARRAY_TASK_ID={id}, MIN={min}, MAX={}, STEP={step}, COUNT={}); \
                 submit --array=A-B[:S] or give the shard as --shard K/N",
                max.map_or("unset".to_string(), |m| m.to_string()),
                count.map_or("unset".to_string(), |c| c.to_string()),
            )
        };
        // the tasks are MIN, MIN+STEP, ..., MIN+STEP*(n-1) and nothing else
        let last = (n.checked_sub(1))
            .and_then(|i| i.checked_mul(step))
            .and_then(|d| d.checked_add(min));
        if n == 0 || id < min || (id - min) % step != 0 || max.is_some_and(|m| Some(m) != last) {
            return Err(sparse());
        }
        let k = (id - min) / step + 1;
        if k > n {
            return Err(sparse());
        }
        Ok(Shard { k, n })
    }

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

    /// `Shard::auto` over a fixed set of variables.
    fn auto(vars: &[(&str, &str)]) -> Result<(u64, u64), String> {
        let map: std::collections::HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Shard::auto(|name| map.get(name).cloned()).map(|s| (s.k, s.n))
    }

    fn slurm<'a>(
        id: &'a str,
        min: &'a str,
        max: &'a str,
        step: &'a str,
        count: &'a str,
    ) -> Vec<(&'a str, &'a str)> {
        [
            ("SLURM_ARRAY_TASK_ID", id),
            ("SLURM_ARRAY_TASK_MIN", min),
            ("SLURM_ARRAY_TASK_MAX", max),
            ("SLURM_ARRAY_TASK_STEP", step),
            ("SLURM_ARRAY_TASK_COUNT", count),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    #[test]
    fn shard_auto_slurm() {
        // --array=0-2
        assert_eq!(auto(&slurm("0", "0", "2", "1", "3")), Ok((1, 3)));
        assert_eq!(auto(&slurm("2", "0", "2", "1", "3")), Ok((3, 3)));
        // --array=1-16: the first task is shard 1, the last shard 16
        assert_eq!(auto(&slurm("1", "1", "16", "1", "16")), Ok((1, 16)));
        assert_eq!(auto(&slurm("16", "1", "16", "1", "16")), Ok((16, 16)));
        // --array=5-7, started anywhere
        assert_eq!(auto(&slurm("6", "5", "7", "1", "3")), Ok((2, 3)));
        // --array=0-30:10 → tasks 0,10,20,30
        assert_eq!(auto(&slurm("20", "0", "30", "10", "4")), Ok((3, 4)));
        // count from MAX when COUNT is unset; step 1 when STEP is unset
        assert_eq!(auto(&slurm("4", "3", "9", "", "")), Ok((2, 7)));
        assert_eq!(auto(&slurm("10", "2", "14", "4", "")), Ok((3, 4)));
        // a single-task array
        assert_eq!(auto(&slurm("7", "7", "7", "1", "1")), Ok((1, 1)));
        // every task of a range maps to a distinct shard, covering 1..=n
        let ks: Vec<u64> = (10..=40)
            .step_by(3)
            .map(|id| {
                auto(&slurm(&id.to_string(), "10", "40", "3", "11"))
                    .unwrap()
                    .0
            })
            .collect();
        assert_eq!(ks, (1..=11).collect::<Vec<u64>>());
        // Slurm wins when both are set
        let mut both = slurm("1", "0", "1", "1", "2");
        both.extend([("JOB_COMPLETION_INDEX", "0"), ("APKAUDIT_SHARD_COUNT", "5")]);
        assert_eq!(auto(&both), Ok((2, 2)));
    }

    #[test]
    fn shard_auto_slurm_refused() {
        let err = |v: Vec<(&str, &str)>| auto(&v).unwrap_err();
        // --array=1,4,9: COUNT 3 but MAX is not MIN + STEP*2
        assert!(err(slurm("4", "1", "9", "1", "3")).contains("not a range"));
        // off the step
        assert!(err(slurm("5", "0", "30", "10", "4")).contains("not a range"));
        // below MIN, past the count
        assert!(err(slurm("0", "1", "3", "1", "3")).contains("not a range"));
        assert!(err(slurm("9", "0", "", "1", "3")).contains("not a range"));
        // MIN missing, count missing, not numbers, zero step
        assert!(err(slurm("1", "", "3", "1", "3")).contains("SLURM_ARRAY_TASK_MIN"));
        assert!(err(slurm("1", "0", "", "1", "")).contains("SLURM_ARRAY_TASK_COUNT"));
        assert!(err(slurm("x", "0", "2", "1", "3")).contains("not a whole number"));
        assert!(err(slurm("1", "0", "2", "1", "-3")).contains("not a whole number"));
        assert!(err(slurm("1", "0", "2", "0", "3")).contains("STEP=0"));
        assert!(err(slurm("0", "0", "", "1", "0")).contains("not a range"));
    }

    #[test]
    fn shard_auto_kubernetes() {
        let k8s = |i: &'static str, n: &'static str| {
            let mut v = vec![("JOB_COMPLETION_INDEX", i)];
            if !n.is_empty() {
                v.push((SHARD_COUNT_VAR, n));
            }
            auto(&v)
        };
        assert_eq!(k8s("0", "16"), Ok((1, 16)));
        assert_eq!(k8s("15", "16"), Ok((16, 16)));
        assert_eq!(k8s(" 3 ", "4"), Ok((4, 4)));
        assert!(k8s("16", "16").unwrap_err().contains("not below"));
        assert!(k8s("0", "0").unwrap_err().contains("not below"));
        assert!(k8s("2", "").unwrap_err().contains(SHARD_COUNT_VAR));
        assert!(k8s("-1", "4").unwrap_err().contains("not a whole number"));
        // the count alone is not enough
        assert!(auto(&[(SHARD_COUNT_VAR, "4")])
            .unwrap_err()
            .contains("neither"));
        assert!(auto(&[]).unwrap_err().contains("neither"));
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
