//! A bounded metrics history.
//!
//! Points are recorded every `record_every·stride` steps. When the history
//! exceeds its capacity, every other point is dropped and the stride doubles,
//! so the kept points stay evenly spaced over the whole run and the memory
//! (and the cost of drawing it) stays bounded however long training goes.

use super::Metrics;
use serde::{Deserialize, Serialize};

/// Evenly spaced metrics over the run, at most `capacity` points (plus the final one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub points: Vec<Metrics>,
    /// Current spacing multiplier (a power of two).
    pub stride: u64,
    pub capacity: usize,
}

impl History {
    pub fn new(capacity: usize) -> History {
        History {
            points: Vec::with_capacity(capacity + 1),
            stride: 1,
            capacity,
        }
    }

    /// Whether the point with record index `r` (= steps / record_every) is to be kept.
    pub fn due(&self, r: u64) -> bool {
        r % self.stride == 0
    }

    /// Append a point; decimate when over capacity.
    pub fn push(&mut self, m: Metrics) {
        if self.points.last().is_some_and(|p| p.step == m.step) {
            *self.points.last_mut().expect("non-empty") = m;
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
        }
    }

    pub fn clear(&mut self) {
        self.points.clear();
        self.stride = 1;
    }
}
