//! The benchmark's shared parts (`make bench`, `lowrank-lab bench`): the
//! standard workloads ([`workloads`]), one direct step's matrix products
//! alone ([`products`]) and one thread's multiply–add peak ([`peak`]).

pub mod peak;
pub mod products;
pub mod workloads;
