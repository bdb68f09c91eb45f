//! Running seeds: the [`Simulation`] builder, the [`Sim`] handle a run's body gets, and what
//! a run reports.

use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use super::faults::{disconnecter, killer, partitioner, restarter, Faults};
use super::world::{self, Event, Struck, World};
use super::{Check, FORMAT};
use crate::node::Node;

/// How long nothing may run, with no timer pending, before a run is called deadlocked.
const DEADLOCK_AFTER: Duration = Duration::from_secs(60);
/// How long the node's stop may take at the end of a run.
const STOP_LIMIT: Duration = Duration::from_secs(60);

/// A simulation: how many seeds, on how many threads, for how long each.
///
/// [`run`](Simulation::run) runs the body once per seed, each run on a thread of its own
/// (several at once), and panics with the first failure's report;
/// [`try_run`](Simulation::try_run) returns it instead. Environment variables override the builder:
/// `OTP_SIM_SEED=<seed>` replays one seed (as a failure prints it), `OTP_SIM_SEEDS=<n>`
/// runs `n` seeds, `OTP_SIM_JOBS=<n>` on `n` threads.
///
/// # Examples
///
/// ```
/// use otp_runtime::sim::Simulation;
///
/// let failure = Simulation::new()
///     .seeds(50)
///     .try_run(|sim| async move {
///         // A bug that shows in some seeds only.
///         assert!(otp_runtime::sim::random_u64() % 8 != 0, "unlucky");
///         let _ = sim;
///     })
///     .unwrap_err();
/// assert!(failure.to_string().contains("OTP_SIM_SEED="));
/// ```
#[derive(Clone, Debug)]
pub struct Simulation {
    seeds: u64,
    first: u64,
    jobs: usize,
    time_limit: Duration,
    determinism_checks: u64,
    name: Option<String>,
}

impl Default for Simulation {
    fn default() -> Simulation {
        Simulation::new()
    }
}

impl Simulation {
    /// 100 seeds from seed 0, on every core, each run limited to an hour of simulated time,
    /// the first seed run twice to check determinism.
    pub fn new() -> Simulation {
        Simulation {
            seeds: 100,
            first: 0,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            time_limit: Duration::from_secs(3600),
            determinism_checks: 1,
            name: None,
        }
    }

    /// Runs `n` seeds (`OTP_SIM_SEEDS` overrides it).
    pub fn seeds(mut self, n: u64) -> Simulation {
        self.seeds = n;
        self
    }

    /// Starts from seed `first` instead of 0: another set of seeds, for a longer hunt.
    pub fn first_seed(mut self, first: u64) -> Simulation {
        self.first = first;
        self
    }

    /// Runs on `n` threads at once (`OTP_SIM_JOBS` overrides it).
    pub fn jobs(mut self, n: usize) -> Simulation {
        self.jobs = n.max(1);
        self
    }

    /// Fails a run still going after `limit` of simulated time.
    pub fn time_limit(mut self, limit: Duration) -> Simulation {
        self.time_limit = limit;
        self
    }

    /// Runs the first `n` seeds twice and fails if a run's trace differs from its twin's
    /// (1 by default; `OTP_SIM_CHECK_DETERMINISM=1` checks every seed).
    pub fn check_determinism(mut self, n: u64) -> Simulation {
        self.determinism_checks = n;
        self
    }

    /// The name the replay line gives (the test's name); by default, the running thread's
    /// name, which is the test's under `cargo test`.
    pub fn name(mut self, name: impl Into<String>) -> Simulation {
        self.name = Some(name.into());
        self
    }

    /// Runs the body once per seed; panics with the first failure's report.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = otp_runtime::sim::Simulation::new().seeds(3).run(|_sim| async {});
    /// assert_eq!(s.seeds, 3);
    /// ```
    pub fn run<F, Fut>(self, body: F) -> Summary
    where
        F: Fn(Sim) -> Fut + Sync,
        Fut: Future<Output = ()> + 'static,
    {
        match self.try_run(body) {
            Ok(summary) => summary,
            Err(failure) => panic!("{failure}"),
        }
    }

    /// Runs the body once per seed; the first failure (the lowest seed among those that
    /// failed before the others stopped) if any.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = otp_runtime::sim::Simulation::new().seeds(5).try_run(|_sim| async {
    ///     panic!("always")
    /// });
    /// assert_eq!(r.unwrap_err().seed, 0);
    /// ```
    pub fn try_run<F, Fut>(self, body: F) -> Result<Summary, Box<SimFailure>>
    where
        F: Fn(Sim) -> Fut + Sync,
        Fut: Future<Output = ()> + 'static,
    {
        let started = std::time::Instant::now();
        let name = self
            .name
            .clone()
            .or_else(|| std::thread::current().name().map(str::to_owned))
            .filter(|n| n != "main");
        QuietPanics::install();
        let replay = std::env::var("OTP_SIM_SEED").ok();
        let (seeds, checks): (Vec<u64>, u64) = match &replay {
            Some(text) => {
                let (seed, note) = parse_replay(text).map_err(|what| {
                    Box::new(SimFailure {
                        seed: 0,
                        what,
                        passed: 0,
                        at: Duration::ZERO,
                        step: 0,
                        plan: String::new(),
                        recent: String::new(),
                        replay: String::new(),
                    })
                })?;
                if let Some(note) = note {
                    eprintln!("{note}");
                }
                eprintln!("replaying seed {seed}");
                (vec![seed], 1)
            }
            None => {
                let n = env_u64("OTP_SIM_SEEDS").unwrap_or(self.seeds);
                let all = std::env::var("OTP_SIM_CHECK_DETERMINISM").is_ok_and(|v| v == "1");
                let checks = if all { n } else { self.determinism_checks };
                ((self.first..self.first.saturating_add(n)).collect(), checks)
            }
        };
        let jobs = env_u64("OTP_SIM_JOBS").map_or(self.jobs, |j| j.max(1) as usize);
        let next = AtomicU64::new(0);
        let stop = AtomicBool::new(false);
        let results: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for j in 0..jobs.min(seeds.len()).max(1) {
                let (next, stop, results, seeds, body) = (&next, &stop, &results, &seeds, &body);
                let limit = self.time_limit;
                std::thread::Builder::new()
                    .name(format!("sim-{j}"))
                    .spawn_scoped(s, move || loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&seed) = seeds.get(i as usize) else {
                            return;
                        };
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let twice = i < checks;
                        let mut outcome = run_one(seed, body, limit, false);
                        if twice && outcome.failure.is_none() {
                            let again = run_one(seed, body, limit, false);
                            if again.hash != outcome.hash {
                                outcome.failure = Some(nondeterministic(seed, body, limit));
                            }
                        }
                        if outcome.failure.is_some() {
                            stop.store(true, Ordering::Relaxed);
                        }
                        results
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(outcome);
                    })
                    .expect("a thread for the simulation");
            }
        });
        let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
        results.sort_by_key(|o| o.seed);
        let passed = results.iter().take_while(|o| o.failure.is_none()).count();
        if let Some(failed) = results.iter().find(|o| o.failure.is_some()) {
            let f = failed.failure.clone().unwrap_or_default();
            return Err(Box::new(SimFailure {
                seed: failed.seed,
                what: f.what,
                passed: passed as u64,
                at: f.at,
                step: f.step,
                plan: failed.plan.clone(),
                recent: failed.recent.clone(),
                replay: replay_line(failed.seed, name.as_deref()),
            }));
        }
        let mut summary = Summary {
            seeds: results.len() as u64,
            steps: results.iter().map(|o| o.steps).sum(),
            simulated: results.iter().map(|o| o.simulated).sum(),
            wall: started.elapsed(),
            kills: 0,
            buggifies: 0,
            slows: 0,
            yields: 0,
            partitions: 0,
            disconnects: 0,
            restarts: 0,
        };
        for o in &results {
            summary.kills += o.struck.kills;
            summary.buggifies += o.struck.buggifies;
            summary.slows += o.struck.slows;
            summary.yields += o.struck.yields;
            summary.partitions += o.struck.partitions;
            summary.disconnects += o.struck.disconnects;
            summary.restarts += o.struck.restarts;
        }
        // A fault switched on that never struck would let a test pass falsely.
        if replay.is_none() {
            let asked = |f: fn(&Faults) -> bool| results.iter().any(|o| o.asked.iter().any(f));
            let silent = [
                ("kill", asked(|f| f.kill_on()), summary.kills),
                ("buggify", asked(|f| f.buggify_on()), summary.buggifies),
                ("slow", asked(|f| f.slow_on()), summary.slows),
                ("partition", asked(|f| f.partition_on()), summary.partitions),
                (
                    "disconnect",
                    asked(|f| f.disconnect_on()),
                    summary.disconnects,
                ),
                ("restart", asked(|f| f.restart_on()), summary.restarts),
            ];
            for (fault, on, struck) in silent {
                if on && struck == 0 {
                    return Err(Box::new(SimFailure {
                        seed: self.first,
                        passed: 0,
                        what: format!(
                            "the {fault} fault was switched on but never struck in {} seeds: \
                             the test may pass falsely (raise its rate, run longer{})",
                            summary.seeds,
                            if fault == "buggify" {
                                ", or check that a buggify!() point is reached"
                            } else {
                                ""
                            }
                        ),
                        at: Duration::ZERO,
                        step: 0,
                        plan: String::new(),
                        recent: String::new(),
                        replay: String::new(),
                    }));
                }
            }
        }
        Ok(summary)
    }
}

fn env_u64(key: &str) -> Option<u64> {
    std::env::var(key).ok()?.trim().parse().ok()
}

fn tag() -> String {
    format!("otp-runtime-{}.sim{}", env!("CARGO_PKG_VERSION"), FORMAT)
}

fn replay_line(seed: u64, name: Option<&str>) -> String {
    let test = name.map_or(String::new(), |n| format!(" -- {n} --exact"));
    format!("OTP_SIM_SEED={seed}@{} cargo test{test}", tag())
}

/// `<seed>` or `<seed>@<tag>`: the seed, and a note if the tag is not this build's.
fn parse_replay(text: &str) -> Result<(u64, Option<String>), String> {
    let (seed, recorded) = match text.trim().split_once('@') {
        Some((s, t)) => (s, Some(t)),
        None => (text.trim(), None),
    };
    let seed: u64 = seed.parse().map_err(|_| {
        format!(
            "OTP_SIM_SEED={text:?}: expected a seed such as 17 or 17@{}",
            tag()
        )
    })?;
    let note = recorded.filter(|t| *t != tag()).map(|t| {
        format!(
            "warning: seed {seed} was recorded by {t}; this is {}: it may not replay the same run",
            tag()
        )
    });
    Ok((seed, note))
}

/// What one run left.
struct Outcome {
    seed: u64,
    hash: u64,
    failure: Option<world::Failure>,
    plan: String,
    recent: String,
    steps: u64,
    simulated: Duration,
    struck: Struck,
    asked: Vec<Faults>,
    /// Every event, when the run was asked to keep them (`full`).
    trace: Vec<(Duration, Event)>,
}

impl Default for world::Failure {
    fn default() -> Self {
        world::Failure {
            what: String::new(),
            at: Duration::ZERO,
            step: 0,
        }
    }
}

fn run_one<F, Fut>(seed: u64, body: &F, limit: Duration, full: bool) -> Outcome
where
    F: Fn(Sim) -> Fut + Sync,
    Fut: Future<Output = ()> + 'static,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a current-thread tokio runtime for the simulation");
    let world = {
        let _rt = rt.enter();
        Arc::new(World::new(seed, full))
    };
    let _world = world::enter(world.clone());
    let node = Node::new();
    let sim = Sim {
        world: world.clone(),
        node: node.clone(),
        asked: Arc::new(Mutex::new(Vec::new())),
    };
    let asked = sim.asked.clone();
    let ran = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(node.scope(drive(sim, body, limit)))
    }));
    if let Err(panic) = ran {
        world.fail(format!(
            "the test body panicked: {}",
            crate::panics::describe(&*panic)
        ));
    }
    // Whatever still runs dies with the runtime (as `killed`).
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| drop(rt))) {
        world.fail(format!(
            "dropping the run's runtime panicked: {}",
            crate::panics::describe(&*panic)
        ));
    }
    let mut st = world.state();
    let simulated = st.ended.unwrap_or_default();
    let (steps_seen, notable) = st.recent();
    let line = |(at, e): &(Duration, Event)| format!("  {:>12.6} s  {e}\n", at.as_secs_f64());
    let mut recent: String = "last faults, exits and traces:\n".into();
    recent.extend(notable.iter().map(line));
    recent.push_str("last steps:\n");
    recent.extend(steps_seen.iter().map(line));
    let mut plan = st.plan.to_string();
    for (site, (on, fired)) in &st.sites {
        plan.push_str(&format!(
            "  buggify!() at {site}: {}\n",
            if *on {
                format!("on, fired {fired} times")
            } else {
                "off".to_string()
            }
        ));
    }
    let struck = st.struck;
    plan.push_str(&format!(
        "  struck: {} kills, {} buggify panics, {} hold-backs, {} yields, {} partitions, {} \
         disconnections, {} restarts\n",
        struck.kills,
        struck.buggifies,
        struck.slows,
        struck.yields,
        struck.partitions,
        struck.disconnects,
        struck.restarts
    ));
    let failure = st.failure.clone();
    let steps = st.steps;
    let hash = st.hash;
    let trace = st.take_full().unwrap_or_default();
    st.invariants.clear();
    st.nodes.clear();
    drop(st);
    let asked = std::mem::take(&mut *asked.lock().unwrap_or_else(|e| e.into_inner()));
    Outcome {
        seed,
        hash,
        failure,
        plan,
        recent,
        steps,
        simulated,
        struck,
        asked,
        trace,
    }
}

/// Runs a seed twice more, recording every event, to say where the two runs parted.
fn nondeterministic<F, Fut>(seed: u64, body: &F, limit: Duration) -> world::Failure
where
    F: Fn(Sim) -> Fut + Sync,
    Fut: Future<Output = ()> + 'static,
{
    let traces: Vec<Vec<(Duration, Event)>> = (0..2)
        .map(|_| run_one(seed, body, limit, true).trace)
        .collect();
    let (a, b) = (&traces[0], &traces[1]);
    // Where they parted: the first event that differs, or where the shorter one ended.
    let i = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let event = |t: &[(Duration, Event)]| match t.get(i) {
        Some((at, e)) => format!("{e} at {at:?}"),
        None => "the end of the run".to_string(),
    };
    let what = format!(
        "the run is not deterministic: seed {seed} ran twice and parted at event {i}: {} \
         against {} (something outside the simulation's control decided: std time, an \
         OS-seeded random number, a HashMap's order, state kept between runs, real I/O, \
         another thread)",
        event(a),
        event(b)
    );
    world::Failure {
        what,
        at: a.get(i).or(b.get(i)).map_or(Duration::ZERO, |(at, _)| *at),
        step: i as u64,
    }
}

async fn drive<F, Fut>(sim: Sim, body: &F, limit: Duration)
where
    F: Fn(Sim) -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let world = sim.world.clone();
    let mut body = pin!(body(sim.clone()));
    let counted = std::future::poll_fn(|cx| {
        let r = match catch_unwind(AssertUnwindSafe(|| body.as_mut().poll(cx))) {
            Ok(r) => r,
            Err(panic) => {
                world.fail(format!(
                    "the test body panicked: {}",
                    crate::panics::describe(&*panic)
                ));
                Poll::Ready(())
            }
        };
        world.stepped(Event::Body);
        r
    });
    // The watchdog is a task of its own: in the select below, its wake-ups would poll the
    // body again, and count steps that are not.
    let dog = tokio::spawn(watchdog(world.clone(), limit));
    let finished = {
        let failed = world.failed.notified();
        tokio::select! {
            biased;
            _ = failed => false,
            _ = counted => true,
        }
    };
    world.state().faults_on = false;
    if !finished || world.has_failed() {
        world.state().ended = Some(world.now());
        dog.abort();
        return;
    }
    // The body is done: its nodes stop, as a program's would, and must within the limit.
    let nodes = world.state().nodes.clone();
    for node in nodes {
        if node.is_stopped() {
            continue;
        }
        let stop = crate::time::timeout(STOP_LIMIT, node.stop());
        if stop.await.is_none() {
            world.fail(format!(
                "the node {} did not stop within {STOP_LIMIT:?} once the body had ended",
                node.name()
            ));
            break;
        }
    }
    world.state().ended = Some(world.now());
    dog.abort();
}

/// Fails the run when it deadlocks (nothing ran for [`DEADLOCK_AFTER`] and no timer of the
/// runtime's clock is pending) or outlives its time limit.
async fn watchdog(world: Arc<World>, limit: Duration) {
    let mut last = u64::MAX;
    let mut idle = Duration::ZERO;
    let tick = Duration::from_secs(1);
    loop {
        tokio::time::sleep(tick).await;
        if world.now() > limit {
            world.fail(format!(
                "the run did not finish within {limit:?} of simulated time"
            ));
            return;
        }
        let steps = world.state().steps;
        let timers = world.timers.load(Ordering::Relaxed);
        if steps == last && timers == 0 {
            idle += tick;
            if idle >= DEADLOCK_AFTER {
                world.fail(deadlock(&world));
                return;
            }
        } else {
            idle = Duration::ZERO;
        }
        last = steps;
    }
}

fn deadlock(world: &World) -> String {
    let mut st = world.state();
    let mut lines = vec![format!(
        "deadlock: nothing ran for {DEADLOCK_AFTER:?} of simulated time and no timer is \
         pending, and the test body has not finished (a sleep through tokio::time directly \
         is invisible here: use otp_runtime::time). Processes alive:"
    )];
    for node in st.nodes.clone() {
        for e in node.0.table.all() {
            let sh = e.shared();
            let pid = sh.pid();
            let proc = st.proc_of(&node, pid);
            let name = sh.name().map_or(String::new(), |n| format!(" \"{n}\""));
            let what = st
                .waiting
                .get(&pid)
                .cloned()
                .unwrap_or_else(|| "waiting for a message".to_string());
            lines.push(format!("    {proc}{name}: {what}"));
        }
    }
    if lines.len() == 1 {
        lines.push("    none".into());
    }
    lines.join("\n")
}

/// The handle a run's body gets: its node, its seed, its checks and its faults.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use otp_runtime::sim::{Faults, Simulation};
///
/// Simulation::new().seeds(4).run(|sim| async move {
///     let node = sim.node();
///     sim.always("the node has at most 10 processes", move || node.process_count() <= 10);
///     sim.faults(Faults::new().slow(0.5, Duration::from_millis(10)));
///     // A process that wakes every 100 ms for a second, held back now and then.
///     otp_runtime::spawn(|_ctx: otp_runtime::ProcessCtx<()>| async {
///         for _ in 0..10 {
///             otp_runtime::time::sleep(Duration::from_millis(100)).await;
///         }
///         otp_runtime::ExitReason::Normal
///     });
///     otp_runtime::time::sleep(Duration::from_secs(1)).await;
///     sim.calm();
///     sim.eventually("nothing is left running", Duration::from_secs(5), || async {
///         otp_runtime::process_count() == 0
///     })
///     .await;
/// });
/// ```
#[derive(Clone)]
pub struct Sim {
    world: Arc<World>,
    node: Node,
    asked: Arc<Mutex<Vec<Faults>>>,
}

impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sim")
            .field("seed", &self.world.seed)
            .finish_non_exhaustive()
    }
}

impl Sim {
    /// The run's node: the [current node](Node::current) of the body, fresh for each run.
    /// The body may make more (`Node::new()`); the simulator sees every node whose processes
    /// run on the run's thread.
    pub fn node(&self) -> Node {
        self.node.clone()
    }

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.world.seed
    }

    /// Simulated time since the run began.
    pub fn elapsed(&self) -> Duration {
        self.world.now()
    }

    /// Checks `invariant` after every step of every process (and of the body) from now on;
    /// the first time it does not hold (or panics), the run fails.
    pub fn always<C: Check>(
        &self,
        name: impl Into<String>,
        invariant: impl Fn() -> C + Send + Sync + 'static,
    ) {
        self.world
            .add_invariant(name.into(), Arc::new(move || invariant().verdict()));
    }

    /// Switches the `faults` on from now (the seed expands them into this run's plan), in
    /// place of any before.
    pub fn faults(&self, faults: Faults) {
        let (kill, partition, disconnect, restart) = {
            let mut st = self.world.state();
            let st = &mut *st;
            st.plan.expand(&faults, &mut st.rng);
            st.faults_on = true;
            (
                st.plan.kill.is_some(),
                st.plan.partition.is_some(),
                st.plan.disconnect.is_some(),
                st.plan.restart.is_some(),
            )
        };
        self.asked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(faults);
        self.world.record(Event::Faults(true));
        // The simulator's own tasks, not processes: never victims themselves.
        if kill {
            tokio::spawn(killer(self.world.clone()));
        }
        if partition {
            tokio::spawn(partitioner(self.world.clone()));
        }
        if disconnect {
            tokio::spawn(disconnecter(self.world.clone()));
        }
        if restart {
            tokio::spawn(restarter(self.world.clone()));
        }
    }

    /// Options that put `node` on the run's simulated network, with `cookie`: in-memory
    /// connections instead of sockets, and the network's directory instead of EPMD. Start
    /// every node of a simulated cluster with them
    /// (`node.start_distribution(sim.dist_options(&node, "cookie"))`); the `partition` and
    /// `disconnect` faults, and [`partition`](Sim::partition), act on them.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::node::Node;
    /// use otp_runtime::sim::Simulation;
    ///
    /// Simulation::new().seeds(3).run(|sim| async move {
    ///     let (a, b) = (Node::named("a@sim").unwrap(), Node::named("b@sim").unwrap());
    ///     a.start_distribution(sim.dist_options(&a, "c")).await.unwrap();
    ///     b.start_distribution(sim.dist_options(&b, "c")).await.unwrap();
    ///     assert!(a.ping("b@sim").await);
    ///     a.stop().await;
    ///     b.stop().await;
    /// });
    /// ```
    pub fn dist_options(&self, node: &Node, cookie: impl Into<String>) -> crate::dist::DistOptions {
        self.world.state().node_index(node);
        let alive = node.name().split('@').next().unwrap_or_default();
        let mut opts =
            crate::dist::DistOptions::new(cookie).transport(self.world.net.transport(alive));
        opts.directory = Some(self.world.net.clone());
        opts
    }

    /// Splits the simulated network now: `side` on one side, every other node on the other,
    /// until [`heal`](Sim::heal).
    pub fn partition(&self, side: &[&Node]) {
        let side: Vec<String> = side
            .iter()
            .map(|n| n.name().split('@').next().unwrap_or_default().to_owned())
            .collect();
        self.world.record(Event::Partition(side.clone()));
        self.world.net.partition(side);
    }

    /// Ends a partition.
    pub fn heal(&self) {
        self.world.net.heal();
        self.world.record(Event::Heal);
    }

    /// Crashes `node` now, as a machine that loses power: its connections reset (its peers
    /// see it go down: `nodedown`, `noconnection`), every process of it is killed without
    /// its applications stopping, and it is stopped for good. Restarting it is starting a
    /// node of the same name again, as the program would boot (see the book's "Simulation
    /// testing").
    pub fn crash_node(&self, node: &Node) {
        let alive = node.name().split('@').next().unwrap_or_default().to_owned();
        self.world.record(Event::Crash(alive.clone()));
        self.world.net.disconnect_all(&alive);
        if let Some(dist) = node.0.dist.get() {
            dist.stop();
        }
        node.finish_now(crate::node::NodeExit::Aborted(crate::ExitReason::Killed));
    }

    /// Resets the connections between `a` and `b` now.
    pub fn disconnect(&self, a: &Node, b: &Node) {
        let alive = |n: &Node| n.name().split('@').next().unwrap_or_default().to_owned();
        self.world.record(Event::Disconnect(alive(a), alive(b)));
        self.world.net.disconnect(&alive(a), &alive(b));
    }

    /// Switches the faults off: from here on, the system should heal (check that it does
    /// with [`eventually`](Sim::eventually)).
    pub fn calm(&self) {
        self.world.state().faults_on = false;
        self.world.record(Event::Faults(false));
    }

    /// Waits until `property` holds, checking it every 100 ms of simulated time; if it does
    /// not within `within`, the run fails (and this never returns).
    pub async fn eventually<P, Fut, C>(&self, name: &str, within: Duration, mut property: P)
    where
        P: FnMut() -> Fut,
        Fut: Future<Output = C>,
        C: Check,
    {
        let deadline = crate::time::Instant::now() + within;
        loop {
            let why = match property().await.verdict() {
                Ok(()) => return,
                Err(why) => why,
            };
            if crate::time::Instant::now() >= deadline {
                self.world.fail(format!(
                    "property \"{name}\" did not hold within {within:?}: {why}"
                ));
                std::future::pending::<()>().await;
            }
            crate::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Adds `event` to the run's trace: it shows among a failure's last events, and counts in
    /// the determinism check.
    pub fn trace(&self, event: impl fmt::Display) {
        self.world.record(Event::User(event.to_string()));
    }
}

/// What a simulation ran, when every seed passed.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let s = otp_runtime::sim::Simulation::new().seeds(2).run(|_sim| async {
///     otp_runtime::time::sleep(Duration::from_secs(10)).await;
/// });
/// assert_eq!((s.seeds, s.kills), (2, 0));
/// assert!(s.simulated >= Duration::from_secs(20));
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Summary {
    /// Seeds run (the determinism checks' second runs not counted).
    pub seeds: u64,
    /// Steps taken (process and body polls), all seeds together.
    pub steps: u64,
    /// Simulated time, all seeds together.
    pub simulated: Duration,
    /// Wall-clock time the whole simulation took.
    pub wall: Duration,
    /// Processes killed by the `kill` fault.
    pub kills: u64,
    /// `buggify!()` panics.
    pub buggifies: u64,
    /// Steps held back by the `slow` fault.
    pub slows: u64,
    /// Turns yielded by the seeded scheduling.
    pub yields: u64,
    /// Network partitions.
    pub partitions: u64,
    /// Connections reset.
    pub disconnects: u64,
    /// Children stopped and restarted through their supervisors.
    pub restarts: u64,
}

/// A failed run: which seed, what failed, when, the plan the seed expanded to, the last
/// events, and the line that replays it. Its `Display` is the whole report.
///
/// # Examples
///
/// ```
/// let f = otp_runtime::sim::Simulation::new()
///     .seeds(3)
///     .try_run(|sim| async move { assert!(sim.seed() < 1, "seed {} fails", sim.seed()) })
///     .unwrap_err();
/// assert_eq!((f.seed, f.passed), (1, 1));
/// assert!(f.what.contains("seed 1 fails"));
/// assert!(f.to_string().contains("OTP_SIM_SEED=1@"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SimFailure {
    /// The seed that failed.
    pub seed: u64,
    /// What failed.
    pub what: String,
    /// How many seeds before it passed.
    pub passed: u64,
    /// When, in simulated time.
    pub at: Duration,
    /// At which step.
    pub step: u64,
    /// The fault plan the seed expanded to, and what struck.
    pub plan: String,
    /// The last events before the failure.
    pub recent: String,
    /// The command line that replays the run.
    pub replay: String,
}

impl fmt::Display for SimFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.replay.is_empty() {
            return writeln!(f, "simulation failed: {}", self.what);
        }
        writeln!(
            f,
            "simulation failed at seed {} ({} seed{} before it passed): {}",
            self.seed,
            self.passed,
            if self.passed == 1 { "" } else { "s" },
            self.what
        )?;
        writeln!(
            f,
            "  at {:.6} s of simulated time, step {}",
            self.at.as_secs_f64(),
            self.step
        )?;
        writeln!(f, "fault plan of seed {}:", self.seed)?;
        write!(f, "{}", self.plan)?;
        write!(f, "{}", self.recent)?;
        writeln!(f, "replay exactly: {}", self.replay)
    }
}

impl std::error::Error for SimFailure {}

/// Keeps panics on simulation threads quiet while a simulation runs (a buggify!() panic or a
/// crash is an event of the run, told in its report), and hands every other panic to the
/// hook that was there.
struct QuietPanics;

impl QuietPanics {
    fn install() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if world::current().is_none() {
                    previous(info);
                }
            }));
        });
    }
}
