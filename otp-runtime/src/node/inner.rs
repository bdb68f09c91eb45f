//! What a node is made of: its identity, process table, names, counters, the configurations
//! of its applications, and where it is in its life.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

use super::boot::Plan;
use super::controller::Controller;
use super::env::Envs;
use super::names::Names;
use super::table::Table;
use super::NodeExit;
use crate::{NodeId, Pid, ServerRef};

/// The node's state, shared by its handles and its processes (each process holds its node).
pub(crate) struct NodeInner {
    counters: Counters,
    ident: Ident,
    pub(crate) table: Table,
    pub(crate) names: Names,
    pub(crate) envs: Envs,
    /// The other nodes this one has printed a pid of, in the order it first did: their
    /// index, plus one, is the first number of the pid as this node prints it.
    seen: Mutex<Vec<NodeId>>,
    life: Mutex<Life>,
    /// Told when the node has stopped.
    ended: Notify,
    /// Its distribution, once started.
    pub(crate) dist: OnceLock<Arc<crate::dist::local::Dist>>,
    /// Its processes that take messages from other nodes.
    pub(crate) sinks: crate::dist::sinks::Sinks,
    /// The functions it serves to other nodes' `rpc:call`.
    pub(crate) functions: crate::dist::rpc::Functions,
    /// Its process groups' scopes.
    pub(crate) pg: crate::pg::registry::NodeScopes,
    /// Its named tables.
    pub(crate) tables: crate::ets::named::Named,
    /// The captures of its reports (`testing::Reports`).
    pub(crate) reports: crate::testing::reports::Sinks,
    /// `sys` requests on their way to its processes, beside their mailboxes.
    pub(crate) sys: crate::sys::Queues,
    /// When it was made, for its uptime.
    pub(crate) started: crate::time::Instant,
    /// Who waits on whom among its calls that have waited a while (`crate::deadlock`).
    pub(crate) waits: crate::deadlock::Waits,
}

/// What spawns and timers write, on a cache line of its own.
#[repr(align(64))]
struct Counters {
    next_pid: AtomicU64,
    next_ref: AtomicU64,
    /// Timers of its processes pending (see `process::timer`).
    timers: AtomicIsize,
    /// Set once the node's stop has reached its processes: it takes no new ones.
    stopped: AtomicBool,
}

/// What every pid made from a process reads (`Shared::pid`), on a line nothing writes.
#[repr(align(64))]
struct Ident {
    id: NodeId,
    creation: u32,
    name: Box<str>,
}

/// Where a node is in its life.
pub(crate) enum Phase {
    /// Created: it runs processes; its applications (if any) are a plan.
    Idle,
    /// `start` is booting its applications.
    Booting,
    /// Its applications run under this controller.
    Running(ServerRef<Controller>),
    /// Stopping: its applications, then its other processes.
    Stopping,
    /// Stopped, and how.
    Stopped(NodeExit),
}

pub(crate) struct Life {
    pub(crate) phase: Phase,
    pub(crate) plan: Plan,
    /// How long the node's stop waits for the processes left once its applications have
    /// stopped to end on their `shutdown` before it kills them.
    pub(crate) shutdown_timeout: Duration,
}

/// A random number, never 0, from the standard library's per-thread random keys: no
/// program-wide state of ours is needed to tell nodes apart.
fn random_nonzero() -> u64 {
    loop {
        let n = RandomState::new().hash_one(0x6f74_705f_6e6f_6465_u64);
        if n != 0 {
            return n;
        }
    }
}

impl NodeInner {
    pub(crate) fn new(name: Box<str>) -> Arc<NodeInner> {
        Arc::new(NodeInner {
            counters: Counters {
                next_pid: AtomicU64::new(1),
                next_ref: AtomicU64::new(1),
                timers: AtomicIsize::new(0),
                stopped: AtomicBool::new(false),
            },
            ident: Ident {
                id: NodeId::new(random_nonzero()),
                // Erlang's creations are 32-bit and never 0 since OTP 23.
                creation: (random_nonzero() as u32).max(1),
                name,
            },
            table: Table::new(),
            names: Names::default(),
            envs: Envs::default(),
            seen: Mutex::new(Vec::new()),
            life: Mutex::new(Life {
                phase: Phase::Idle,
                plan: Plan::default(),
                shutdown_timeout: Duration::from_secs(5),
            }),
            ended: Notify::new(),
            dist: OnceLock::new(),
            sinks: Default::default(),
            functions: Default::default(),
            pg: Default::default(),
            tables: Default::default(),
            reports: Default::default(),
            sys: Default::default(),
            started: crate::time::Instant::now(),
            waits: Default::default(),
        })
    }

    #[inline]
    pub(crate) fn id(&self) -> NodeId {
        self.ident.id
    }

    pub(crate) fn name(&self) -> &str {
        &self.ident.name
    }

    pub(crate) fn creation(&self) -> u32 {
        self.ident.creation
    }

    /// A fresh pid of this node. Relaxed is enough: only uniqueness matters.
    #[inline]
    pub(crate) fn next_pid(&self) -> Pid {
        let n = self.counters.next_pid.fetch_add(1, Ordering::Relaxed);
        Pid::new(self.ident.id, n)
    }

    /// A fresh reference number (monitors, timers, waiters), unique on this node.
    #[inline]
    pub(crate) fn next_ref(&self) -> u64 {
        self.counters.next_ref.fetch_add(1, Ordering::Relaxed)
    }

    /// Counts timers armed (`delta` > 0) or gone (< 0).
    pub(crate) fn timers_pending(&self, delta: isize) {
        self.counters.timers.fetch_add(delta, Ordering::Relaxed);
    }

    pub(crate) fn timer_count(&self) -> usize {
        self.counters.timers.load(Ordering::Relaxed).max(0) as usize
    }

    #[inline]
    pub(crate) fn is_stopped(&self) -> bool {
        self.counters.stopped.load(Ordering::Acquire)
    }

    pub(crate) fn set_stopped(&self) {
        self.counters.stopped.store(true, Ordering::Release);
    }

    pub(crate) fn life(&self) -> MutexGuard<'_, Life> {
        // Nothing panics while holding the lock.
        self.life.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn ended(&self) -> &Notify {
        &self.ended
    }

    /// The first number of a pid of node `other` as this node prints it.
    pub(crate) fn print_index(&self, other: NodeId) -> usize {
        if other == self.ident.id {
            return 0;
        }
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        match seen.iter().position(|n| *n == other) {
            Some(i) => i + 1,
            None => {
                seen.push(other);
                seen.len()
            }
        }
    }
}
