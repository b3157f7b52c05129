//! The benchmark's shared parts (`make bench`, `lowrank-lab bench`): the
//! standard workloads ([`workloads`]) and one direct step's matrix products
//! alone ([`products`]).

pub mod products;
pub mod workloads;
