//! The benchmark's shared parts (`make bench`, `lowrank-lab bench`): the
//! standard workloads ([`workloads`]), one direct step's matrix products
//! alone ([`products`]), one thread's multiply–add peak ([`peak`]) and a
//! probe of W1's step with its rows owned by two threads ([`row_owned`]).

pub mod peak;
pub mod products;
pub mod row_owned;
pub mod workloads;
