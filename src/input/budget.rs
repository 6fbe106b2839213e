//! The budget of one input, the same for a single `scan`/`audit`/`manifest` as for each
//! file of a batch: cumulative inflated bytes (every entry read, nested archives
//! included, and the bytes an entry inflated before failing its own cap), resident
//! memory, and wall-clock time ([`Budget`], enforced by a [`FileGuard`] that the entry
//! reader charges as it inflates and the scan checks between stages). Batches also share
//! a counting semaphore bounding how many inflated dex buffers are alive at once.

use crate::error::{Format, ParseError};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A counting semaphore: at most `max` permits are held at once.
#[derive(Debug)]
pub struct Permits {
    used: Mutex<usize>,
    freed: Condvar,
    max: usize,
    peak: AtomicUsize,
}

/// A held permit; released on drop.
#[derive(Debug)]
pub struct Permit<'a> {
    owner: &'a Permits,
}

impl Permits {
    /// A semaphore with `max` permits (at least 1).
    pub fn new(max: usize) -> Arc<Permits> {
        Arc::new(Permits {
            used: Mutex::new(0),
            freed: Condvar::new(),
            max: max.max(1),
            peak: AtomicUsize::new(0),
        })
    }

    /// Wait for a permit. Holders must not wait on other permits or on rayon work, so
    /// that a holder always finishes and progress is guaranteed.
    pub fn acquire(&self) -> Permit<'_> {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used >= self.max {
            used = self.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += 1;
        self.peak.fetch_max(*used, Ordering::Relaxed);
        Permit { owner: self }
    }

    /// Number of permits.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Largest number of permits held at once so far.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut used = self.owner.used.lock().unwrap_or_else(|e| e.into_inner());
        *used = used.saturating_sub(1);
        drop(used);
        self.owner.freed.notify_one();
    }
}

/// The caps of one input (defaults: 2 GiB inflated, 768 MiB memory, 300 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Cumulative inflated bytes over every entry read (`--max-inflated`).
    pub max_inflated: u64,
    /// Anonymous resident memory of the process (`--max-memory`); `None` for no cap.
    pub max_memory: Option<u64>,
    /// Wall-clock time (`--timeout`); `None` for no cap.
    pub timeout: Option<Duration>,
}

impl Budget {
    /// Most bytes read from a special file (FIFO, device) named as an input: half the
    /// memory cap (384 MiB by default), at most the inflation cap.
    pub fn max_stream_size(&self) -> u64 {
        (self.max_memory.unwrap_or(u64::MAX) / 2).min(self.max_inflated)
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_inflated: 2 << 30,
            max_memory: Some(768 << 20),
            timeout: Some(Duration::from_secs(300)),
        }
    }
}

/// Why a file was stopped by its guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    /// More inflated bytes than the per-file cap.
    Inflated,
    /// More resident memory than the cap.
    Memory,
    /// Past the per-file deadline.
    Time,
}

/// The budget of one input while it is scanned; shared by the scan's parallel stages.
#[derive(Debug)]
pub struct FileGuard {
    permits: Option<Arc<Permits>>,
    inflated: AtomicU64,
    max_inflated: u64,
    max_memory: Option<u64>,
    start: Instant,
    timeout: Option<Duration>,
    over_bytes: AtomicBool,
    over_memory: AtomicU64,
}

impl FileGuard {
    /// A fresh budget starting now, with no memory cap.
    pub fn new(
        permits: Option<Arc<Permits>>,
        max_inflated: u64,
        timeout: Option<Duration>,
    ) -> FileGuard {
        FileGuard::with_budget(
            permits,
            Budget {
                max_inflated,
                max_memory: None,
                timeout,
            },
        )
    }

    /// A fresh guard enforcing `budget`, starting now.
    pub fn with_budget(permits: Option<Arc<Permits>>, budget: Budget) -> FileGuard {
        FileGuard {
            permits,
            inflated: AtomicU64::new(0),
            max_inflated: budget.max_inflated,
            max_memory: budget.max_memory,
            start: Instant::now(),
            timeout: budget.timeout,
            over_bytes: AtomicBool::new(false),
            over_memory: AtomicU64::new(0),
        }
    }

    /// Hold a dex-buffer permit (if the batch bounds them) while an inflated dex is alive.
    pub fn dex_permit(&self) -> Option<Permit<'_>> {
        self.permits.as_ref().map(|p| p.acquire())
    }

    /// Count `n` inflated bytes against the cap.
    pub fn charge(&self, n: u64) -> Result<(), ParseError> {
        let total = self
            .inflated
            .fetch_add(n, Ordering::Relaxed)
            .saturating_add(n);
        if total > self.max_inflated {
            self.over_bytes.store(true, Ordering::Relaxed);
        }
        self.check()
    }

    /// Bytes inflated so far.
    pub fn inflated(&self) -> u64 {
        self.inflated.load(Ordering::Relaxed)
    }

    /// Which cap is exceeded, if any (memory is measured now).
    pub fn exceeded(&self) -> Option<Exceeded> {
        if self.over_bytes.load(Ordering::Relaxed) {
            return Some(Exceeded::Inflated);
        }
        if self.over_memory.load(Ordering::Relaxed) > 0 {
            return Some(Exceeded::Memory);
        }
        if let Some(cap) = self.max_memory {
            if let Some(used) = anon_resident_bytes().filter(|&u| u > cap) {
                self.over_memory.store(used, Ordering::Relaxed);
                return Some(Exceeded::Memory);
            }
        }
        match self.timeout {
            Some(t) if self.start.elapsed() > t => Some(Exceeded::Time),
            _ => None,
        }
    }

    /// `Err` once a cap is exceeded; the scan calls this between stages and entries.
    pub fn check(&self) -> Result<(), ParseError> {
        match self.exceeded() {
            None => Ok(()),
            Some(Exceeded::Inflated) => Err(ParseError::new(
                Format::Zip,
                0,
                format!(
                    "cap on inflated bytes exceeded ({} > {} bytes, --max-inflated)",
                    self.inflated(),
                    self.max_inflated
                ),
            )),
            Some(Exceeded::Memory) => Err(ParseError::new(
                Format::Zip,
                0,
                format!(
                    "memory cap exceeded ({} MiB resident > {} MiB, --max-memory)",
                    self.over_memory.load(Ordering::Relaxed) >> 20,
                    self.max_memory.unwrap_or(0) >> 20
                ),
            )),
            Some(Exceeded::Time) => Err(ParseError::new(
                Format::Zip,
                0,
                format!(
                    "time cap exceeded ({:.1} s > {:.1} s, --timeout)",
                    self.start.elapsed().as_secs_f64(),
                    self.timeout.map_or(0.0, |t| t.as_secs_f64())
                ),
            )),
        }
    }
}

impl crate::formats::zip::InflateBudget for FileGuard {
    fn charge(&self, n: u64) -> Result<(), ParseError> {
        FileGuard::charge(self, n)
    }
}

/// Anonymous resident memory of this process (resident minus file-backed pages, so a
/// memory-mapped input does not count), from `/proc/self/statm`; `None` where unavailable.
pub fn anon_resident_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/statm").ok()?;
    let mut f = text.split_ascii_whitespace().skip(1);
    let resident: u64 = f.next()?.parse().ok()?;
    let shared: u64 = f.next()?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    let page = u64::try_from(page).ok().filter(|&p| p > 0)?;
    Some(resident.saturating_sub(shared).saturating_mul(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_bound_concurrency() {
        let p = Permits::new(2);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..20 {
                        let _g = p.acquire();
                        std::thread::sleep(Duration::from_micros(200));
                    }
                });
            }
        });
        assert!(p.peak() <= 2, "peak {}", p.peak());
        assert!(p.peak() >= 1);
    }

    #[test]
    fn guard_trips_on_bytes_and_time() {
        let g = FileGuard::new(None, 100, None);
        assert!(g.charge(60).is_ok());
        assert!(g.charge(60).is_err());
        assert_eq!(g.exceeded(), Some(Exceeded::Inflated));
        let g = FileGuard::new(None, u64::MAX, Some(Duration::from_millis(1)));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(g.exceeded(), Some(Exceeded::Time));
        assert!(g.check().is_err());
        let g = FileGuard::with_budget(
            None,
            Budget {
                max_memory: Some(1),
                ..Budget::default()
            },
        );
        if anon_resident_bytes().is_some() {
            assert_eq!(g.exceeded(), Some(Exceeded::Memory));
            assert!(g.check().unwrap_err().reason.contains("--max-memory"));
        }
    }
}
