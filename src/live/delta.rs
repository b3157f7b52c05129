//! Live snapshots without resending the history.
//!
//! A [`Snapshot`] carries every task's whole metrics history: for a W2-sized
//! net at its 512-point capacity that is ~1.8 MB of JSON, most of it the
//! per-layer spectra of points the page already holds. Serialising, posting
//! and parsing that 10–15 times a second cost training a quarter of its speed
//! on two cores. Between its decimations a [`History`] only grows at the end,
//! so a live snapshot needs only the points added since the last one:
//!
//! - the sender ([`DeltaEncoder`]) remembers, per task, the history revision,
//!   stride and length it last sent, and sends the points from that length on
//!   (`from`), or all of them (`from` = 0) when the revision or stride changed;
//! - the receiver ([`SnapshotStore`]) keeps the last snapshot and applies a
//!   delta only if it still fits: same revision and stride, at least `from`
//!   points, and its point `from − 1` at the step the sender had there. A
//!   delta that does not fit is refused whole, and the receiver asks for a
//!   full snapshot; nothing is ever merged wrongly.
//!
//! Everything else in a snapshot (current metrics, merge report, overlap) is
//! small and sent whole. The store's snapshot equals [`Run::snapshot`] at the
//! delta's step (tests below, and tests/snapshot_delta.rs on trained runs).

use crate::run::{Run, Snapshot, TaskSnapshot};
use crate::train::{History, Metrics};
use serde::{Deserialize, Serialize};

/// Why a [`SnapshotStore`] refused a delta: its histories do not continue
/// the held ones (the sender must then send a full snapshot).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeltaError {
    /// The delta continues a history the store does not hold.
    #[error("snapshot delta: task {task} starts at point {from} but no history is held for it")]
    NoHistory { task: String, from: usize },
    /// The sender's history was decimated or restarted since the held one.
    #[error(
        "snapshot delta: task {task}'s history changed (revision {held_revision} stride {held_stride} held, {revision} and {stride} sent)"
    )]
    Changed {
        task: String,
        held_revision: u64,
        held_stride: u64,
        revision: u64,
        stride: u64,
    },
    /// The delta's first point does not follow the held history's points.
    #[error(
        "snapshot delta: task {task} continues after point {after} at step {prev_step:?}, the held history has {held_points} points (step {held_step:?} there)"
    )]
    Gap {
        task: String,
        after: usize,
        prev_step: Option<u64>,
        held_points: usize,
        held_step: Option<u64>,
    },
}

/// The points of one task's history from index `from` on, and what the
/// receiver's points before `from` must match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryDelta {
    /// [`History::revision`] of the sender's history.
    pub revision: u64,
    /// [`History::stride`] (a power of two).
    pub stride: u64,
    /// [`History::capacity`].
    pub capacity: usize,
    /// Index of the first point sent; 0 means the whole history.
    pub from: usize,
    /// Step of the sender's point `from − 1` (absent when `from` is 0).
    pub prev_step: Option<u64>,
    /// The points `from..`, in step order.
    pub points: Vec<Metrics>,
}

/// One task in a [`SnapshotDelta`]: a [`TaskSnapshot`] with its history as a delta.
pub type TaskDelta = TaskSnapshot<HistoryDelta>;

/// A [`Snapshot`] whose histories hold only the points the receiver lacks
/// (the same JSON, each `history` a [`HistoryDelta`]).
pub type SnapshotDelta = Snapshot<HistoryDelta>;

impl SnapshotDelta {
    /// Whether every history is sent whole (the delta is a full snapshot).
    pub fn is_full(&self) -> bool {
        self.tasks.iter().all(|t| t.history.from == 0)
    }
}

/// What a sender last sent of one history.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sent {
    revision: u64,
    stride: u64,
    len: usize,
}

/// The sender's side: remembers what it sent, to send only what is new.
#[derive(Debug, Clone, Default)]
pub struct DeltaEncoder {
    sent: Vec<Option<Sent>>,
}

impl DeltaEncoder {
    pub fn new() -> DeltaEncoder {
        DeltaEncoder::default()
    }

    /// Forget what was sent: the next delta is full.
    pub fn reset(&mut self) {
        self.sent.clear();
    }

    /// The delta of `run`'s snapshot against what this encoder sent last
    /// (whole histories if `full`, or for tasks whose history changed other
    /// than by appending). Matrices must be current (`Run::sync_matrices`).
    pub fn encode(&mut self, run: &Run, full: bool) -> SnapshotDelta {
        self.sent.resize(run.trainers().len(), None);
        run.snapshot_with(|i, h| delta_of(h, full, &mut self.sent[i]))
    }

    /// As [`DeltaEncoder::encode`], for a snapshot already taken (the analysis
    /// worker's, which restores a whole history each time).
    pub fn encode_snapshot(&mut self, snap: Snapshot, full: bool) -> SnapshotDelta {
        self.sent.resize(snap.tasks.len(), None);
        snap.map_histories(|i, h| delta_of(&h, full, &mut self.sent[i]))
    }
}

/// The delta of `h` against what `sent` says went out last (all of it if
/// `full`), and `sent` updated to `h`.
fn delta_of(h: &History, full: bool, sent: &mut Option<Sent>) -> HistoryDelta {
    let from = match *sent {
        Some(s) if !full && s.revision == h.revision && s.stride == h.stride && s.len <= h.points.len() => s.len,
        _ => 0,
    };
    *sent = Some(Sent {
        revision: h.revision,
        stride: h.stride,
        len: h.points.len(),
    });
    HistoryDelta {
        revision: h.revision,
        stride: h.stride,
        capacity: h.capacity,
        from,
        prev_step: from.checked_sub(1).map(|i| h.points[i].step),
        points: h.points[from..].to_vec(),
    }
}

/// The receiver's side: the last snapshot, updated by deltas.
#[derive(Debug, Clone, Default)]
pub struct SnapshotStore {
    snap: Option<Snapshot>,
}

impl SnapshotStore {
    pub fn new() -> SnapshotStore {
        SnapshotStore::default()
    }

    /// The snapshot held (none before the first full delta or after [`SnapshotStore::clear`]).
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snap.as_ref()
    }

    /// Forget the snapshot (a new run follows): only a full delta applies next.
    pub fn clear(&mut self) {
        self.snap = None;
    }

    /// Apply `d`. Refuses, leaving the held snapshot as it was, a delta whose
    /// histories do not continue the held ones (the sender then has to send a
    /// full one); the message says which task and why.
    pub fn apply(&mut self, d: SnapshotDelta) -> Result<(), DeltaError> {
        let held = self.snap.as_ref().map(|s| s.tasks.as_slice()).unwrap_or(&[]);
        for (i, t) in d.tasks.iter().enumerate() {
            let h = &t.history;
            if h.from == 0 {
                continue;
            }
            let Some(mine) = held.get(i).map(|t| &t.history) else {
                return Err(DeltaError::NoHistory {
                    task: t.task.clone(),
                    from: h.from,
                });
            };
            if mine.revision != h.revision || mine.stride != h.stride {
                return Err(DeltaError::Changed {
                    task: t.task.clone(),
                    held_revision: mine.revision,
                    held_stride: mine.stride,
                    revision: h.revision,
                    stride: h.stride,
                });
            }
            let prev = mine.points.get(h.from - 1).map(|p| p.step);
            if prev.is_none() || prev != h.prev_step {
                return Err(DeltaError::Gap {
                    task: t.task.clone(),
                    after: h.from - 1,
                    prev_step: h.prev_step,
                    held_points: mine.points.len(),
                    held_step: prev,
                });
            }
        }
        let mut old: Vec<History> = self
            .snap
            .take()
            .map(|s| s.tasks.into_iter().map(|t| t.history).collect())
            .unwrap_or_default();
        old.resize_with(d.tasks.len(), || History::new(0));
        let mut old = old.into_iter();
        self.snap = Some(d.map_histories(|_, delta| {
            let mut h = old.next().expect("one held history per task (resized above)");
            h.points.truncate(delta.from);
            h.points.extend(delta.points);
            h.revision = delta.revision;
            h.stride = delta.stride;
            h.capacity = delta.capacity;
            h
        }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn run(steps: u64, history_len: usize) -> Run {
        let mut c = Config::default();
        c.train.steps = steps;
        c.train.record_every = 1;
        c.train.history_len = history_len;
        Run::new(&c.validate().unwrap())
    }

    /// Send a delta through JSON (as the page gets it) into `store`.
    fn send(store: &mut SnapshotStore, d: &SnapshotDelta) -> Result<(), DeltaError> {
        store.apply(serde_json::from_str(&serde_json::to_string(d).unwrap()).unwrap())
    }

    #[test]
    fn deltas_rebuild_the_full_snapshot_through_decimations() {
        let mut r = run(400, 16);
        let mut enc = DeltaEncoder::new();
        let mut store = SnapshotStore::new();
        let (mut partial, mut full) = (0, 0);
        for _ in 0..40 {
            r.advance(7);
            r.sync_matrices();
            let d = enc.encode(&r, false);
            if d.is_full() {
                full += 1;
            } else {
                partial += 1;
                // Only the new points travel: at most 7 steps' worth.
                assert!(d.tasks.iter().all(|t| t.history.points.len() <= 7), "{:?}", d.tasks[0].history.from);
            }
            send(&mut store, &d).unwrap();
            assert_eq!(store.snapshot().unwrap(), &r.snapshot());
        }
        // 16 points hold 7 steps' worth twice before a decimation: most deltas are partial.
        assert!(partial > 25 && full >= 3, "partial {partial}, full {full}");
    }

    #[test]
    fn a_delta_that_does_not_continue_the_held_history_is_refused_whole() {
        let mut r = run(200, 512);
        let mut enc = DeltaEncoder::new();
        let mut store = SnapshotStore::new();
        r.advance(10);
        let first = enc.encode(&r, false);
        r.advance(10);
        let second = enc.encode(&r, false);
        assert!(first.is_full() && !second.is_full());
        // Nothing held yet: only a full delta applies.
        assert!(send(&mut store, &second).unwrap_err().to_string().contains("no history is held"));
        assert!(store.snapshot().is_none());
        send(&mut store, &first).unwrap();
        let held = store.snapshot().unwrap().clone();
        // A held history of another revision (a reset in between) is not continued.
        let mut other = second.clone();
        other.tasks[0].history.revision += 1;
        assert!(send(&mut store, &other).unwrap_err().to_string().contains("changed"));
        // Nor one missing the point the delta continues after.
        let mut gap = second.clone();
        gap.tasks[0].history.from += 1;
        gap.tasks[0].history.prev_step = Some(11);
        assert!(send(&mut store, &gap).unwrap_err().to_string().contains("continues after point"));
        assert_eq!(store.snapshot().unwrap(), &held);
        send(&mut store, &second).unwrap();
        assert_eq!(store.snapshot().unwrap(), &r.snapshot());
    }

    #[test]
    fn reset_and_divergence_rollback_send_the_whole_history() {
        let mut r = run(200, 512);
        let mut enc = DeltaEncoder::new();
        let mut store = SnapshotStore::new();
        r.advance(20);
        send(&mut store, &enc.encode(&r, false)).unwrap();
        r.reset();
        r.advance(5);
        let d = enc.encode(&r, false);
        assert!(d.is_full());
        send(&mut store, &d).unwrap();
        assert_eq!(store.snapshot().unwrap(), &r.snapshot());
        // Truncation (what going back to a checkpoint does) also changes the revision.
        let mut h = r.trainers()[0].history().clone();
        let rev = h.revision;
        h.truncate_after(2);
        assert_eq!((h.points.len(), h.revision), (3, rev + 1));
        h.truncate_after(2);
        assert_eq!(h.revision, rev + 1, "nothing dropped, nothing changed");
    }

    #[test]
    fn a_forced_full_delta_replaces_whatever_is_held() {
        let mut r = run(200, 512);
        let mut enc = DeltaEncoder::new();
        let mut store = SnapshotStore::new();
        r.advance(10);
        send(&mut store, &enc.encode(&r, false)).unwrap();
        r.advance(10);
        let d = enc.encode(&r, true);
        assert!(d.is_full());
        send(&mut store, &d).unwrap();
        assert_eq!(store.snapshot().unwrap(), &r.snapshot());
        // The analyst's path: deltas of snapshots already taken.
        let mut enc2 = DeltaEncoder::new();
        let mut store2 = SnapshotStore::new();
        send(&mut store2, &enc2.encode_snapshot(r.snapshot(), false)).unwrap();
        r.advance(10);
        let d2 = enc2.encode_snapshot(r.snapshot(), false);
        assert!(!d2.is_full() && d2.tasks[0].history.points.len() == 10);
        send(&mut store2, &d2).unwrap();
        assert_eq!(store2.snapshot().unwrap(), &r.snapshot());
    }
}
