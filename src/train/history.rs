//! A bounded metrics history.
//!
//! Points are recorded every `record_every·stride` steps. When the history
//! exceeds its capacity, every other point is dropped and the stride doubles,
//! so the kept points stay evenly spaced over the whole run and the memory
//! (and the cost of drawing it) stays bounded however long training goes.
//!
//! Between decimations the history only grows at its end, which lets live
//! snapshots send just the new points (`crate::live::delta`): `revision`
//! counts every other kind of change, so a receiver can tell whether the
//! points it holds are still a prefix of these.

use super::Metrics;
use serde::{Deserialize, Serialize};

/// Evenly spaced metrics over the run, at most `capacity` points (plus the final one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub points: Vec<Metrics>,
    /// Current spacing multiplier (a power of two).
    pub stride: u64,
    pub capacity: usize,
    /// Bumped by every change that is not an append at the end (decimation,
    /// clearing, truncation, replacing the last point): points held from an
    /// earlier view with the same revision are a prefix of these. Travels in
    /// saved states (absent in older ones: 0), so a restored history keeps it.
    #[serde(default)]
    pub revision: u64,
}

impl History {
    pub fn new(capacity: usize) -> History {
        History {
            points: Vec::with_capacity(capacity + 1),
            stride: 1,
            capacity,
            revision: 0,
        }
    }

    /// Whether the point with record index `r` (= steps / record_every) is to be kept.
    pub fn due(&self, r: u64) -> bool {
        r.is_multiple_of(self.stride)
    }

    /// Append a point; decimate when over capacity.
    pub fn push(&mut self, m: Metrics) {
        if self.points.last().is_some_and(|p| p.step == m.step) {
            *self.points.last_mut().expect("non-empty") = m;
            self.revision += 1;
            return;
        }
        self.points.push(m);
        if self.points.len() > self.capacity {
            let mut i = 0;
            self.points.retain(|_| {
                let keep = i % 2 == 0;
                i += 1;
                keep
            });
            self.stride *= 2;
            self.revision += 1;
        }
    }

    pub fn clear(&mut self) {
        self.points.clear();
        self.stride = 1;
        self.revision += 1;
    }

    /// Drop the points after `step` (training went back to a checkpoint there).
    pub fn truncate_after(&mut self, step: u64) {
        let keep = self.points.partition_point(|p| p.step <= step);
        if keep < self.points.len() {
            self.points.truncate(keep);
            self.revision += 1;
        }
    }
}
