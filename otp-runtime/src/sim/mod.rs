//! Deterministic simulation: run a whole application (a supervision tree, a node, any async
//! test body) under a seed, with faults, and replay any failure exactly.
//!
//! A behaviour is a function from (message, state) to (state, outputs), and this runtime owns
//! every send, link, exit and timer; so it can run a whole tree in a simulated world where
//! the seed decides what happens when. A run is:
//!
//! - **one thread**: a current-thread tokio runtime of its own, and a node made for the run
//!   (nodes are values: nothing leaks from one run to the next);
//! - **virtual time**: tokio's paused clock, which jumps to the next timer whenever nothing
//!   can run, so a simulated hour of timeouts takes milliseconds;
//! - **seeded choices**: before each step of a process (one poll of its future) the seed
//!   decides whether it yields its turn to the other ready processes, which reorders
//!   the messages of different senders (the messages of one sender to one receiver stay in
//!   order, as Erlang guarantees); and the [`Faults`] the body switches on (kills, panics at
//!   [`buggify!`](crate::buggify) points, processes held back, children restarted through
//!   their supervisors; for a cluster, partitions and reset connections) strike when the
//!   seed says;
//! - **a network**: nodes started with [`Sim::dist_options`] talk over in-memory
//!   connections that the simulation partitions, resets and crashes;
//! - **checks**: invariants ([`Sim::always`]) after every step, properties
//!   ([`Sim::eventually`]) once the faults are off, and the runtime's own: a run that
//!   deadlocks (nothing can run and no timer is pending) or outlives its time limit fails,
//!   with who waits for what;
//! - **replay**: a failure prints its seed, the fault plan the seed expanded to, and the
//!   last events; `OTP_SIM_SEED=<seed>` runs exactly that run again. The first seed of every
//!   simulation runs twice and the two traces' hashes must match (a determinism self-check).
//!
//! The simulator needs the crate's `sim` feature (it turns on tokio's `test-util` for the
//! paused clock); [`buggify!`](crate::buggify) and [`random_u64`] are always there, and cost
//! a thread-local read outside a simulation.
//!
//! ```
//! use std::time::Duration;
//! use otp_runtime::prelude::*;
//! use otp_runtime::sim::{Faults, Simulation};
//!
//! #[derive(Default)]
//! struct Counter(u64);
//!
//! #[gen_server]
//! impl Counter {
//!     #[call]
//!     fn bump(&mut self) -> u64 { self.0 += 1; self.0 }
//! }
//!
//! let summary = Simulation::new().seeds(20).run(|sim| async move {
//!     let counter = Counter::default().start().await.unwrap();
//!     sim.faults(Faults::new().slow(0.1, Duration::from_millis(50)));
//!     for i in 1..=10 {
//!         assert_eq!(counter.bump().await, Ok(i));
//!     }
//!     sim.calm();
//! });
//! assert_eq!(summary.seeds, 20);
//! ```
//!
//! What determinism asks of the code under test (the book's "Simulation testing" chapter
//! says more): time from [`crate::time`] (or tokio's clock, which is the simulated one), not
//! `std::time`; randomness from [`random_u64`], not a generator seeded from the OS; no
//! decision taken from a `HashMap`'s iteration order; no real I/O (sockets, files, threads).

// The simulator's items exist with the `sim` feature only; without it (a plain `cargo doc`)
// the links above to them have nothing to point to. docs.rs and CI build with every feature.
#![cfg_attr(not(feature = "sim"), allow(rustdoc::broken_intra_doc_links))]

mod check;
#[cfg(feature = "sim")]
mod faults;
#[cfg(feature = "sim")]
mod hooks;
#[cfg(feature = "sim")]
mod net;
#[cfg(feature = "sim")]
mod rng;
#[cfg(feature = "sim")]
mod runner;
#[cfg(feature = "sim")]
mod world;

pub use check::Check;
#[cfg(feature = "sim")]
pub use faults::Faults;
#[cfg(feature = "sim")]
pub use runner::{Sim, SimFailure, Simulation, Summary};

#[cfg(feature = "sim")]
pub(crate) use hooks::{ProcHook, TimerGuard, WaitGuard};

/// What a recorded seed must be replayed with: a seed recorded by another version of the
/// simulator (a different `FORMAT`) may not replay, and replaying one says so.
///
/// # Examples
///
/// A replay line's tag, after the seed: `OTP_SIM_SEED=17@otp-runtime-0.1.0.sim1`.
///
/// ```
/// assert_eq!(otp_runtime::sim::FORMAT, 1);
/// ```
pub const FORMAT: u32 = 1;

/// A random number: the simulation's seeded source inside a simulation (so a run that uses it
/// replays), the standard library's random keys outside one.
///
/// # Examples
///
/// ```
/// let a = otp_runtime::sim::random_u64();
/// let b = otp_runtime::sim::random_u64();
/// assert_ne!(a, b); // outside a simulation: two draws (equal once in 2^64)
/// ```
pub fn random_u64() -> u64 {
    #[cfg(feature = "sim")]
    if let Some(world) = world::current() {
        return world.state().rng.next_u64();
    }
    use std::hash::{BuildHasher, RandomState};
    thread_local! {
        static COUNTER: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }
    let n = COUNTER.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    RandomState::new().hash_one(n)
}

/// What [`buggify!`](crate::buggify) calls.
#[doc(hidden)]
#[inline]
#[track_caller]
pub fn __buggify(site: &'static str) {
    #[cfg(feature = "sim")]
    hooks::buggify_point(site);
    #[cfg(not(feature = "sim"))]
    let _ = site;
}

/// A fault point: in a [simulation](crate::sim) whose [`Faults`](crate::sim) switch
/// `buggify` on, it panics now and then (each point is on in about half the seeds, and then
/// fires at the rate asked); everywhere else it does nothing. Put one where a failure
/// could happen in production (after a write, before an acknowledgement), as FoundationDB
/// does with its `BUGGIFY`: the simulation then tests the recovery paths too.
///
/// # Examples
///
/// ```
/// fn store(log: &mut Vec<u64>, x: u64) {
///     log.push(x);
///     otp_runtime::buggify!(); // a crash between the write and the acknowledgement
/// }
/// let mut log = Vec::new();
/// store(&mut log, 1); // outside a simulation: never fires
/// assert_eq!(log, [1]);
/// ```
#[macro_export]
macro_rules! buggify {
    () => {
        $crate::sim::__buggify(::core::concat!(
            ::core::file!(),
            ":",
            ::core::line!(),
            ":",
            ::core::column!()
        ))
    };
}
