//! Resource guards for batch scans: a counting semaphore bounding how many inflated dex
//! buffers are alive at once across all files, and a per-file budget (inflated bytes,
//! wall-clock deadline) checked by the scan between stages.

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

/// Why a file was stopped by its guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    /// More inflated bytes than the per-file cap.
    Inflated,
    /// Past the per-file deadline.
    Time,
}

/// The per-file budget of one scan in a batch; shared by the scan's parallel stages.
#[derive(Debug)]
pub struct FileGuard {
    permits: Option<Arc<Permits>>,
    inflated: AtomicU64,
    max_inflated: u64,
    start: Instant,
    timeout: Option<Duration>,
    over_bytes: AtomicBool,
}

impl FileGuard {
    /// A fresh budget starting now.
    pub fn new(
        permits: Option<Arc<Permits>>,
        max_inflated: u64,
        timeout: Option<Duration>,
    ) -> FileGuard {
        FileGuard {
            permits,
            inflated: AtomicU64::new(0),
            max_inflated,
            start: Instant::now(),
            timeout,
            over_bytes: AtomicBool::new(false),
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

    /// Which cap is exceeded, if any.
    pub fn exceeded(&self) -> Option<Exceeded> {
        if self.over_bytes.load(Ordering::Relaxed) {
            return Some(Exceeded::Inflated);
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
                    "per-file cap on inflated bytes exceeded ({} > {} bytes)",
                    self.inflated(),
                    self.max_inflated
                ),
            )),
            Some(Exceeded::Time) => Err(ParseError::new(
                Format::Zip,
                0,
                format!(
                    "per-file time cap exceeded ({:.1} s > {:.1} s)",
                    self.start.elapsed().as_secs_f64(),
                    self.timeout.map_or(0.0, |t| t.as_secs_f64())
                ),
            )),
        }
    }
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
    }
}
