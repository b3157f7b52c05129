//! The page's live snapshots: deltas that carry only new history points
//! ([`delta`]), and snapshots of wide nets taken off the training worker by a
//! second one ([`analyst`]).

pub mod analyst;
pub mod delta;
