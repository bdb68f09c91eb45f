//! One run's world: its seed's random source, its clock's origin, the trace of what happened
//! (hashed, and the last events kept for a failure's report), the faults in force, the
//! invariants to check after every step, and the first failure.
//!
//! Everything of a run happens on one thread, so the locks here are never contended; they
//! exist because processes are `Send` futures and hold the world through `Arc`.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

use super::faults::Plan;
use super::rng::Rng;
use crate::time::Instant;
use crate::Pid;

/// How many of the last steps a failure's report shows.
const RECENT: usize = 16;
/// How many of the last notable events (faults, exits, the body's traces) it shows.
const NOTABLE: usize = 32;

/// A process as a run's trace names it: the index of its node among those the run has seen,
/// and its number there. (Not the `Pid`: a node's identity is random, so two runs of one seed
/// would print and compare it differently.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Proc {
    pub(crate) node: u32,
    pub(crate) number: u64,
}

impl fmt::Display for Proc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}.{}.0>", self.node, self.number)
    }
}

/// Something that happened in a run, as the trace records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A process ran (one poll of its future).
    Step(Proc),
    /// The test body ran (one poll).
    Body,
    /// A process ended, and why.
    Exit(Proc, String),
    /// The simulator killed a process.
    Kill(Proc, Option<String>),
    /// A `buggify!()` point panicked.
    Buggify(&'static str),
    /// A process was held back for a while before it ran.
    Slow(Proc, Duration),
    /// The faults started (with this plan) or stopped.
    Faults(bool),
    /// The network split: these nodes on one side, the others on the other.
    Partition(Vec<String>),
    /// The network healed.
    Heal,
    /// The connections between two nodes were reset.
    Disconnect(String, String),
    /// A node crashed.
    Crash(String),
    /// A child was stopped and restarted through its supervisor (its old pid, its id).
    Restart(Proc, String),
    /// Something the body traced.
    User(String),
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Step(p) => write!(f, "{p} ran"),
            Event::Body => write!(f, "the test body ran"),
            Event::Exit(p, r) => write!(f, "{p} exited: {r}"),
            Event::Kill(p, Some(n)) => write!(f, "fault: killed {p} ({n})"),
            Event::Kill(p, None) => write!(f, "fault: killed {p}"),
            Event::Buggify(site) => write!(f, "fault: buggify!() panicked at {site}"),
            Event::Slow(p, d) => write!(f, "fault: {p} held back {d:?}"),
            Event::Faults(true) => write!(f, "faults on"),
            Event::Faults(false) => write!(f, "faults off (calm)"),
            Event::Partition(side) => {
                write!(
                    f,
                    "fault: network partitioned: {} | the rest",
                    side.join(", ")
                )
            }
            Event::Heal => write!(f, "network healed"),
            Event::Disconnect(a, b) => write!(f, "fault: connection {a} <-> {b} reset"),
            Event::Crash(n) => write!(f, "fault: node {n} crashed"),
            Event::Restart(p, id) => {
                write!(
                    f,
                    "fault: child \"{id}\" ({p}) restarted through its supervisor"
                )
            }
            Event::User(s) => write!(f, "{s}"),
        }
    }
}

/// Events with their simulated time.
pub(crate) type Timeline = VecDeque<(Duration, Event)>;

/// Why a run failed.
#[derive(Clone, Debug)]
pub(crate) struct Failure {
    pub(crate) what: String,
    pub(crate) at: Duration,
    pub(crate) step: u64,
}

/// How often each fault struck in a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Struck {
    pub(crate) kills: u64,
    pub(crate) buggifies: u64,
    pub(crate) slows: u64,
    pub(crate) yields: u64,
    pub(crate) partitions: u64,
    pub(crate) disconnects: u64,
    pub(crate) restarts: u64,
}

pub(crate) type Invariant = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

pub(crate) struct State {
    pub(crate) rng: Rng,
    pub(crate) plan: Plan,
    pub(crate) faults_on: bool,
    pub(crate) steps: u64,
    pub(crate) hash: u64,
    recent: Timeline,
    notable: Timeline,
    /// Every event, when the run checks its determinism against another.
    full: Option<Vec<(Duration, Event)>>,
    pub(crate) invariants: Vec<(String, Invariant)>,
    pub(crate) failure: Option<Failure>,
    pub(crate) struck: Struck,
    /// Each `buggify!()` site met so far: whether it is on in this run (drawn once, at its
    /// first pass, as FoundationDB does), and how often it fired.
    pub(crate) sites: BTreeMap<&'static str, (bool, u64)>,
    /// The nodes whose processes this run has seen, in the order it first saw them.
    pub(crate) nodes: Vec<crate::node::Node>,
    /// Processes waiting on a call, and for whom (for a deadlock's report).
    pub(crate) waiting: BTreeMap<Pid, String>,
    /// Simulated time when the run ended.
    pub(crate) ended: Option<Duration>,
}

pub(crate) struct World {
    pub(crate) seed: u64,
    /// The run's network, for its distributed nodes.
    pub(crate) net: Arc<super::net::Net>,
    origin: Instant,
    state: Mutex<State>,
    /// Told at the first failure.
    pub(crate) failed: Notify,
    has_failed: AtomicBool,
    /// Sleeps and timeouts through the runtime's clock now pending: with none, and nothing
    /// run for a while, the run is deadlocked.
    pub(crate) timers: AtomicUsize,
    checking: AtomicBool,
}

thread_local! {
    /// The world of the run this thread is simulating.
    static CURRENT: RefCell<Option<Arc<World>>> = const { RefCell::new(None) };
}

/// The world of the run on this thread, if any.
pub(crate) fn current() -> Option<Arc<World>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Makes `world` this thread's until the guard is dropped.
pub(crate) fn enter(world: Arc<World>) -> impl Drop {
    struct Leave(Option<Arc<World>>);
    impl Drop for Leave {
        fn drop(&mut self) {
            let prev = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = prev);
        }
    }
    Leave(CURRENT.with(|c| c.borrow_mut().replace(world)))
}

fn fold(hash: u64, bytes: &[u8]) -> u64 {
    // FNV-1a: fixed, order-sensitive, and needs no keys.
    let mut h = hash;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl World {
    pub(crate) fn new(seed: u64, full_trace: bool) -> World {
        let mut rng = Rng::new(seed);
        let plan = Plan::scheduling(&mut rng);
        World {
            seed,
            net: Arc::default(),
            origin: Instant::now(),
            state: Mutex::new(State {
                rng,
                plan,
                faults_on: false,
                steps: 0,
                hash: 0xcbf2_9ce4_8422_2325,
                recent: VecDeque::with_capacity(RECENT),
                notable: VecDeque::with_capacity(NOTABLE),
                full: full_trace.then(Vec::new),
                invariants: Vec::new(),
                failure: None,
                struck: Struck::default(),
                sites: BTreeMap::new(),
                nodes: Vec::new(),
                waiting: BTreeMap::new(),
                ended: None,
            }),
            failed: Notify::new(),
            has_failed: AtomicBool::new(false),
            timers: AtomicUsize::new(0),
            checking: AtomicBool::new(false),
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Simulated time since the run began.
    pub(crate) fn now(&self) -> Duration {
        Instant::now().saturating_duration_since(self.origin)
    }

    pub(crate) fn record(&self, event: Event) {
        let at = self.now();
        let mut st = self.state();
        st.record(at, event);
    }

    pub(crate) fn has_failed(&self) -> bool {
        self.has_failed.load(Ordering::Relaxed)
    }

    /// Records the run's first failure and tells the driver.
    pub(crate) fn fail(&self, what: String) {
        let at = self.now();
        let mut st = self.state();
        if st.failure.is_none() {
            let step = st.steps;
            st.failure = Some(Failure { what, at, step });
            self.has_failed.store(true, Ordering::Relaxed);
            drop(st);
            self.failed.notify_one();
        }
    }

    /// After every step: counts it, traces it, and checks the invariants.
    pub(crate) fn stepped(&self, event: Event) {
        let at = self.now();
        let invariants = {
            let mut st = self.state();
            st.steps += 1;
            st.record(at, event);
            if st.invariants.is_empty() || st.failure.is_some() {
                return;
            }
            st.invariants.clone()
        };
        self.check(&invariants);
    }

    fn check(&self, invariants: &[(String, Invariant)]) {
        // An invariant that runs runtime code may step nothing, but one that awaits cannot
        // exist (they are plain functions); this guards against one that re-enters anyway.
        if self.checking.swap(true, Ordering::Relaxed) {
            return;
        }
        for (name, check) in invariants {
            let verdict = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check()));
            let broke = match verdict {
                Ok(Ok(())) => None,
                Ok(Err(why)) => Some(format!("invariant \"{name}\" broke: {why}")),
                Err(panic) => Some(format!(
                    "invariant \"{name}\" panicked: {}",
                    crate::panics::describe(&*panic)
                )),
            };
            if let Some(what) = broke {
                self.fail(what);
                break;
            }
        }
        self.checking.store(false, Ordering::Relaxed);
    }

    pub(crate) fn add_invariant(&self, name: String, check: Invariant) {
        self.state().invariants.push((name, check));
    }

    /// Notes the node of a process this run has just seen; its index among the run's nodes.
    pub(crate) fn saw_node(&self, node: &crate::node::Node) -> u32 {
        self.state().node_index(node)
    }
}

impl State {
    pub(crate) fn node_index(&mut self, node: &crate::node::Node) -> u32 {
        match self.nodes.iter().position(|n| n.id() == node.id()) {
            Some(i) => i as u32,
            None => {
                self.nodes.push(node.clone());
                (self.nodes.len() - 1) as u32
            }
        }
    }

    /// How the trace names `pid` of `node`.
    pub(crate) fn proc_of(&mut self, node: &crate::node::Node, pid: Pid) -> Proc {
        Proc {
            node: self.node_index(node),
            number: pid.number().get(),
        }
    }

    fn record(&mut self, at: Duration, event: Event) {
        let mut h = fold(self.hash, &at.as_nanos().to_le_bytes());
        match &event {
            Event::Step(p) => h = fold(fold(h, b"s"), &p.number.to_le_bytes()),
            Event::Body => h = fold(h, b"b"),
            other => h = fold(h, other.to_string().as_bytes()),
        }
        self.hash = h;
        if let Some(full) = &mut self.full {
            full.push((at, event.clone()));
        }
        let (ring, cap) = match event {
            // In the hash and the full trace only: the body is polled all the time.
            Event::Body => return,
            Event::Step(_) => (&mut self.recent, RECENT),
            _ => (&mut self.notable, NOTABLE),
        };
        if ring.len() == cap {
            ring.pop_front();
        }
        ring.push_back((at, event));
    }

    /// The last steps, and the last notable events.
    pub(crate) fn recent(&self) -> (&Timeline, &Timeline) {
        (&self.recent, &self.notable)
    }

    pub(crate) fn take_full(&mut self) -> Option<Vec<(Duration, Event)>> {
        self.full.take()
    }
}
