//! Opening what the user names, without ever blocking and with a size cap for anything
//! that is not a regular file.
//!
//! Files are opened with `O_NONBLOCK`, so a FIFO with no writer opens at once instead of
//! waiting for one; the type is checked on the open descriptor (no race with a rename).
//! A regular file is memory-mapped. A special file (FIFO, character or block device,
//! socket) named explicitly is read as a stream up to a cap and a deadline: a FIFO whose
//! writer never writes times out, `/dev/zero` stops at the cap. Every error names the path.

use crate::error::Error;
use crate::formats::zip::Mapped;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{ErrorKind, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

/// Inputs up to this size are read into memory instead of mapped: for small files a
/// `read` is cheaper than `mmap` + page fault + `munmap`.
pub const READ_BELOW: u64 = 1 << 20;

/// What kind of file a path is, for messages and batch records.
pub fn file_type_name(m: &Metadata) -> &'static str {
    let t = m.file_type();
    if t.is_file() {
        "regular file"
    } else if t.is_dir() {
        "directory"
    } else if t.is_fifo() {
        "FIFO"
    } else if t.is_char_device() {
        "character device"
    } else if t.is_block_device() {
        "block device"
    } else if t.is_socket() {
        "socket"
    } else if t.is_symlink() {
        "symbolic link"
    } else {
        "special file"
    }
}

/// Open `path` read-only without blocking (a FIFO with no writer opens at once).
pub fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The bytes of an input named by the user: a regular file is mapped (small ones read);
/// a special file is read up to `cap` bytes within `timeout`; a directory is an error.
pub fn read_input(path: &Path, cap: u64, timeout: Option<Duration>) -> Result<Mapped, Error> {
    let file = open_nonblocking(path).map_err(|e| io_error(path, e))?;
    let meta = file.metadata().map_err(|e| io_error(path, e))?;
    if meta.is_file() {
        if meta.len() <= READ_BELOW {
            return read_regular(file, meta.len(), path).map(Mapped::Vec);
        }
        // SAFETY: the map is read-only; apkaudit never writes the file. A concurrent
        // truncation by another process could fault; that is the accepted mmap trade-off.
        return match unsafe { memmap2::Mmap::map(&file) } {
            Ok(m) => Ok(Mapped::Map(m)),
            Err(_) => read_regular(file, meta.len(), path).map(Mapped::Vec),
        };
    }
    if meta.is_dir() {
        return Err(io_error(path, std::io::Error::other("is a directory")));
    }
    read_stream(file, &meta, cap, timeout)
        .map(Mapped::Vec)
        .map_err(|e| io_error(path, e))
}

/// Read at most `cap` bytes of `path` (any file type) within `timeout`; `Err` naming the
/// path when it holds more, cannot be opened, or is a directory. For policies and lists.
pub fn read_capped(path: &Path, cap: u64, timeout: Option<Duration>) -> Result<Vec<u8>, Error> {
    let file = open_nonblocking(path).map_err(|e| io_error(path, e))?;
    let meta = file.metadata().map_err(|e| io_error(path, e))?;
    if meta.is_dir() {
        return Err(io_error(path, std::io::Error::other("is a directory")));
    }
    if meta.is_file() && meta.len() > cap {
        return Err(io_error(path, too_large(&meta, cap)));
    }
    read_stream(file, &meta, cap, timeout).map_err(|e| io_error(path, e))
}

/// The error of a file holding more than its cap (see [`is_too_large`]).
#[derive(Debug)]
pub struct TooLarge(String);

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TooLarge {}

/// True when `e` says a file held more than its cap.
pub fn is_too_large(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<TooLarge>())
}

fn too_large(meta: &Metadata, cap: u64) -> std::io::Error {
    std::io::Error::other(TooLarge(format!(
        "{} holds more than {cap} bytes",
        file_type_name(meta)
    )))
}

fn read_regular(mut file: File, len: u64, path: &Path) -> Result<Vec<u8>, Error> {
    let mut v = Vec::with_capacity(len.min(READ_BELOW) as usize);
    file.read_to_end(&mut v).map_err(|e| io_error(path, e))?;
    Ok(v)
}

/// Read a (possibly non-blocking) descriptor to its end: at most `cap` bytes, waiting for
/// data at most until `timeout` has passed since the start.
fn read_stream(
    mut file: File,
    meta: &Metadata,
    cap: u64,
    timeout: Option<Duration>,
) -> std::io::Result<Vec<u8>> {
    let start = Instant::now();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => {
                if out.len() as u64 + n as u64 > cap {
                    return Err(too_large(meta, cap));
                }
                out.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                let left = match timeout {
                    Some(t) => t.saturating_sub(start.elapsed()),
                    None => Duration::from_secs(3600),
                };
                if left.is_zero() || !wait_readable(&file, left)? {
                    return Err(std::io::Error::new(
                        ErrorKind::TimedOut,
                        format!(
                            "{}: no data within {:.1} s",
                            file_type_name(meta),
                            timeout.map_or(0.0, |t| t.as_secs_f64())
                        ),
                    ));
                }
            }
            Err(e) => return Err(e),
        }
        if timeout.is_some_and(|t| start.elapsed() > t) {
            return Err(std::io::Error::new(
                ErrorKind::TimedOut,
                format!(
                    "{}: still sending data after the time cap",
                    file_type_name(meta)
                ),
            ));
        }
    }
}

/// Wait until `file` is readable (or hung up) for at most `left`; false on timeout.
fn wait_readable(file: &File, left: Duration) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    let mut fd = libc::pollfd {
        fd: file.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = left.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
    // SAFETY: one valid pollfd for the duration of the call.
    let r = unsafe { libc::poll(&mut fd, 1, ms) };
    if r < 0 {
        let e = std::io::Error::last_os_error();
        return if e.kind() == ErrorKind::Interrupted {
            Ok(true)
        } else {
            Err(e)
        };
    }
    Ok(r > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_device_stops_at_the_cap_and_names_the_path() {
        let p = Path::new("/dev/zero");
        if !p.exists() {
            return;
        }
        let e = read_capped(p, 1 << 20, Some(Duration::from_secs(5))).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("/dev/zero") && msg.contains("character device"),
            "{msg}"
        );
        assert!(read_input(p, 1 << 20, None).is_err());
    }

    #[test]
    fn regular_file_and_directory() {
        let dir = std::env::temp_dir().join(format!("apkaudit-open-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("a.txt");
        std::fs::write(&f, b"hello").unwrap();
        assert_eq!(&*read_input(&f, 1, None).unwrap(), b"hello");
        assert_eq!(read_capped(&f, 10, None).unwrap(), b"hello");
        assert!(read_capped(&f, 2, None).is_err());
        assert!(read_input(&dir, 1, None).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
