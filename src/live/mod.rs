//! The page's live snapshots: deltas that carry only new history points
//! ([`delta`]), and snapshots of wide nets taken off the training worker by a
//! second one ([`analyst`]), and a snapshot rewound to an earlier recorded
//! step ([`rewind`]), with what needs the weights there replayed from the
//! run's start ([`replay`]).

pub mod analyst;
pub mod delta;
pub mod replay;
pub mod rewind;
