//! Helpers of the `bounds_*` regression tests: a scratch directory, and running the
//! binary with a wall-clock bound while measuring its peak resident memory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_apkaudit");

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("apkaudit-bounds-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// What a bounded run produced.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// Peak resident set size of the process, in bytes.
    pub max_rss: u64,
}

/// Run the binary with `args`; kill it and fail the test if it runs past `limit`.
/// The child is reaped with `wait4` (for its peak memory), not through `Child::wait`.
#[allow(clippy::zombie_processes)]
pub fn run_bounded(args: &[&std::ffi::OsStr], limit: Duration) -> Run {
    let out_path = scratch(&format!("run-{}", rand_tag()));
    let so = std::fs::File::create(out_path.join("out")).unwrap();
    let se = std::fs::File::create(out_path.join("err")).unwrap();
    let start = Instant::now();
    let child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(so)
        .stderr(se)
        .spawn()
        .expect("spawn apkaudit");
    let pid = child.id() as libc::pid_t;
    let (status, rusage) = loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r == pid {
            break (status, ru);
        }
        if start.elapsed() > limit {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let mut st = 0;
            unsafe { libc::waitpid(pid, &mut st, 0) };
            panic!("apkaudit {args:?} ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let read = |n: &str| std::fs::read_to_string(out_path.join(n)).unwrap_or_default();
    let run = Run {
        code,
        stdout: read("out"),
        stderr: read("err"),
        elapsed,
        max_rss: rusage.ru_maxrss as u64 * 1024,
    };
    let _ = std::fs::remove_dir_all(&out_path);
    assert!(
        code.is_some(),
        "apkaudit {args:?} died by a signal (status {status}): {}",
        run.stderr
    );
    run
}

fn rand_tag() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// `path` as an argument.
pub fn arg(path: &Path) -> &std::ffi::OsStr {
    path.as_os_str()
}

/// Make a FIFO at `path`.
pub fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    let r = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(r, 0, "mkfifo {}", path.display());
}
