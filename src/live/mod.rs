//! The page's live snapshots: deltas that carry only new history points
//! ([`delta`]), and snapshots of wide nets taken off the training worker by a
//! second one ([`analyst`]), and a snapshot rewound to an earlier recorded
//! step ([`rewind`]).

pub mod analyst;
pub mod delta;
pub mod rewind;
