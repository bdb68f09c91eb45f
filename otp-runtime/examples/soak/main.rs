//! A chaos soak: a supervision tree of 1,000 workers under load from client tasks while a
//! fault injector crashes, kills and stops parts of it. It checks, and prints:
//! - no call hangs: each returns a reply or a typed error within its timeout and a margin;
//! - every cast to a process that stays alive is handled once, in order per sender;
//! - each supervisor restarts and gives up exactly as OTP's rules say (see `model.rs`);
//! - once the root is stopped no process, timer or task is left, and memory is back to its
//!   starting level within a stated margin;
//! - no panic other than the injected ones happened, and none escaped.
//!
//! The exit code is 0 when every check passed, 1 otherwise.
//!
//! ```console
//! $ cargo run --release -p otp-runtime --example soak -- --secs 30
//! $ cargo run --release -p otp-runtime --example soak -- --secs 600 --progress 60
//! ```
//!
//! Options (defaults in brackets): `--secs` [30], `--seed` [1], `--clients` [16],
//! `--panic-ppm` handler panics per million handler runs [20], `--faults` injected faults
//! per second [20], `--call-timeout-ms` [1000], `--margin-ms` [500], `--progress` seconds
//! between progress lines [10], `--only` one kind of fault (0-8, in the order the figures
//! list them) [all but 6], `--threads` tokio worker threads [one per core].
//!
//! The tree, three levels of supervisors above the workers:
//!
//! ```text
//! root (one_for_one, 200 restarts in 10 s)
//! └─ g0..g9: groups (even: one_for_one, odd: rest_for_one; 5 restarts in 5 s)
//!    └─ tG.0..tG.9: teams (one_for_one, rest_for_one, one_for_all in turn; 5 in 1 s)
//!       └─ wG.T.0..wG.T.9: workers, registered under their id:
//!          0-5 gen_servers (5 transient, the others permanent) with a timer each,
//!          6-7 gen_statems with a state timeout, 8-9 gen_event managers with two handlers
//! ```

mod alloc;
mod model;
mod workers;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use otp_runtime::prelude::*;
use otp_runtime::supervisor::{ChildSpec, Restart, Strategy, SupervisorSpec};

use model::{Level3, Model, Rules};
use workers::{Account, AccountRef, Flaky, Note, Rng, Tally, Turnstile, TurnstileRef};

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

const GROUPS: usize = 10;
const TEAMS: usize = 10;
const WORKERS: usize = 10;
const ALL_WORKERS: usize = GROUPS * TEAMS * WORKERS;

/// What memory may be left over at the end, above the starting level: the process table and
/// the name registry keep the capacity their hash maps grew to (the tree has 1,111
/// processes), and so does tokio's scheduler. A leak of a few bytes per call, cast or
/// restart would be many megabytes by the end of a run.
const MEMORY_MARGIN: usize = 1 << 20;

/// The level's intensity: (restarts, period). The model reads the same table.
fn intensity(level: Level3) -> (usize, Duration) {
    match level {
        Level3::Root => (200, Duration::from_secs(10)),
        Level3::Group => (5, Duration::from_secs(5)),
        Level3::Team => (5, Duration::from_secs(1)),
    }
}

/// The level of a child's supervisor and whether the child is permanent (else transient),
/// from the child's id.
fn child_rule(id: &str) -> Option<(Level3, bool)> {
    match id.as_bytes().first()? {
        b'w' => Some((Level3::Team, !id.ends_with(".5"))),
        b't' => Some((Level3::Group, true)),
        b'g' => Some((Level3::Root, true)),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Server,
    Statem,
    Events,
}

fn kind(i: usize) -> Kind {
    match i {
        0..=5 => Kind::Server,
        6..=7 => Kind::Statem,
        _ => Kind::Events,
    }
}

fn worker_id(w: usize) -> String {
    let (g, t, i) = (w / (TEAMS * WORKERS), (w / WORKERS) % TEAMS, w % WORKERS);
    format!("w{g}.{t}.{i}")
}

// ---- the configuration -------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Config {
    secs: u64,
    seed: u64,
    clients: usize,
    panic_ppm: u32,
    faults: u32,
    call_timeout: Duration,
    margin: Duration,
    progress: u64,
    /// Inject only this kind of fault (an index into `FAULT_NAMES`).
    only: Option<usize>,
    /// tokio worker threads (default: one per core).
    threads: Option<usize>,
}

impl Config {
    fn from_args() -> Result<Config, String> {
        let mut c = Config {
            secs: 30,
            seed: 1,
            clients: 16,
            panic_ppm: 20,
            faults: 20,
            call_timeout: Duration::from_millis(1000),
            margin: Duration::from_millis(500),
            progress: 10,
            only: None,
            threads: None,
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        for pair in args.chunks(2) {
            let [key, value] = pair else {
                return Err(format!("{} has no value", pair[0]));
            };
            let n: u64 = value
                .parse()
                .map_err(|_| format!("{key}: {value:?} is not a number"))?;
            match key.as_str() {
                "--secs" => c.secs = n,
                "--seed" => c.seed = n,
                "--clients" => c.clients = n.clamp(1, 64) as usize,
                "--panic-ppm" => c.panic_ppm = n.min(1_000_000) as u32,
                "--faults" => c.faults = n as u32,
                "--call-timeout-ms" => c.call_timeout = Duration::from_millis(n.max(1)),
                "--margin-ms" => c.margin = Duration::from_millis(n),
                "--progress" => c.progress = n.max(1),
                "--only" => c.only = Some(n as usize % FAULT_NAMES.len()),
                "--threads" => c.threads = Some(n.clamp(1, 64) as usize),
                _ => return Err(format!("unknown option {key}")),
            }
        }
        Ok(c)
    }
}

// ---- what the run counts -----------------------------------------------------------------

static CALLS_OK: AtomicU64 = AtomicU64::new(0);
static CALL_TIMEOUTS: AtomicU64 = AtomicU64::new(0);
static CALL_NOPROC: AtomicU64 = AtomicU64::new(0);
static CALL_EXITED: AtomicU64 = AtomicU64::new(0);
static CALL_OTHER: AtomicU64 = AtomicU64::new(0);
/// Calls whose answer came later than their timeout plus the margin.
static CALLS_LATE: AtomicU64 = AtomicU64::new(0);
/// Calls that never answered (cut off by the soak's own guard).
static CALLS_HUNG: AtomicU64 = AtomicU64::new(0);
static MAX_CALL_US: AtomicU64 = AtomicU64::new(0);
/// The longest a call that got its reply waited (timeouts excluded).
static MAX_REPLY_US: AtomicU64 = AtomicU64::new(0);
/// Answered calls by latency: bucket `b` counts those that took `[2^b, 2^(b+1))` µs.
static REPLY_BUCKETS: [AtomicU64; 40] = [const { AtomicU64::new(0) }; 40];

/// Records the latency of a call that got its reply.
fn replied(took: Duration) {
    let us = took.as_micros() as u64;
    MAX_REPLY_US.fetch_max(us, Relaxed);
    let bucket = (64 - us.leading_zeros() as usize).saturating_sub(1).min(39);
    REPLY_BUCKETS[bucket].fetch_add(1, Relaxed);
}

/// The latency under which a fraction `q` of the answered calls came back, to within the
/// factor of 2 of a bucket (its upper bound).
fn reply_quantile(q: f64) -> Duration {
    let counts: Vec<u64> = REPLY_BUCKETS.iter().map(|b| b.load(Relaxed)).collect();
    let total: u64 = counts.iter().sum();
    let mut seen = 0;
    for (b, n) in counts.iter().enumerate() {
        seen += n;
        if seen as f64 >= q * total as f64 {
            return Duration::from_micros(1 << (b + 1));
        }
    }
    Duration::ZERO
}
static CASTS_SENT: AtomicU64 = AtomicU64::new(0);
/// Casts to a process that answered a later call but had not handled them.
static CASTS_LOST: AtomicU64 = AtomicU64::new(0);
static UNRESOLVED: AtomicU64 = AtomicU64::new(0);
static API_CALLS: AtomicU64 = AtomicU64::new(0);
static API_ERRORS: AtomicU64 = AtomicU64::new(0);
static MAX_API_US: AtomicU64 = AtomicU64::new(0);
static INJECTED_PANICS: AtomicU64 = AtomicU64::new(0);
static OTHER_PANICS: AtomicU64 = AtomicU64::new(0);
static PEAK_PROCESSES: AtomicUsize = AtomicUsize::new(0);
static PEAK_TIMERS: AtomicUsize = AtomicUsize::new(0);
static NEXT_SEED: AtomicU64 = AtomicU64::new(0);

const FAULT_NAMES: [&str; 9] = [
    "kill a worker",
    "shutdown a worker",
    "restart storm on a team",
    "terminate_child + restart_child a team",
    "terminate + delete + start_child a team",
    "kill a team supervisor",
    "kill a group supervisor",
    "stall a gen_server past the call timeout",
    "terminate_child + restart_child a group",
];
/// Killing a group is off by default (`--only 6` runs it): its restart is retried until
/// the old group's 100 workers are gone, and each retry counts against the root's
/// intensity (see the book's Reliability chapter).
const FAULT_WEIGHTS: [u64; 9] = [40, 25, 10, 10, 5, 9, 0, 3, 1];
static FAULTS: [AtomicU64; 9] = [const { AtomicU64::new(0) }; 9];

fn seed() -> u64 {
    NEXT_SEED.fetch_add(1, Relaxed)
}

// ---- the tree ----------------------------------------------------------------------------

fn worker_spec(g: usize, t: usize, i: usize) -> ChildSpec {
    let id = format!("w{g}.{t}.{i}");
    let spec = match kind(i) {
        Kind::Server => ChildSpec::worker(id.clone(), || Account::new(seed())),
        Kind::Statem => ChildSpec::statem(id.clone(), || Turnstile::new(seed())),
        Kind::Events => ChildSpec::from_fn(id.clone(), || async {
            let manager = EventManager::<Note>::start_link().await?;
            let failed = |e: GenEventError| StartError::Failed(ExitReason::other(e));
            manager.add_handler(Tally::new()).await.map_err(failed)?;
            manager
                .add_handler(Flaky::new(seed()))
                .await
                .map_err(failed)?;
            Ok(manager)
        }),
    };
    let restart = if i == 5 {
        Restart::Transient
    } else {
        Restart::Permanent
    };
    spec.name(id).restart(restart)
}

fn team_spec(g: usize, t: usize) -> ChildSpec {
    let strategy = [
        Strategy::OneForOne,
        Strategy::RestForOne,
        Strategy::OneForAll,
    ][t % 3];
    let (n, period) = intensity(Level3::Team);
    let mut spec = SupervisorSpec::new(strategy).intensity(n as u32, period);
    for i in 0..WORKERS {
        spec = spec.child(worker_spec(g, t, i));
    }
    ChildSpec::supervisor(format!("t{g}.{t}"), spec)
}

fn root_spec() -> SupervisorSpec {
    let (n, period) = intensity(Level3::Root);
    let mut root = SupervisorSpec::one_for_one().intensity(n as u32, period);
    for g in 0..GROUPS {
        let strategy = if g % 2 == 0 {
            Strategy::OneForOne
        } else {
            Strategy::RestForOne
        };
        let (n, period) = intensity(Level3::Group);
        let mut group = SupervisorSpec::new(strategy).intensity(n as u32, period);
        for t in 0..TEAMS {
            group = group.child(team_spec(g, t));
        }
        root = root.child(ChildSpec::supervisor(format!("g{g}"), group));
    }
    root
}

// ---- clients -----------------------------------------------------------------------------

enum Bound {
    Server(AccountRef),
    Statem(TurnstileRef),
    Events(EventManagerRef<Note>),
}

/// A client's handle on one incarnation of a worker, and the casts it sent it.
struct Target {
    pid: Pid,
    bound: Bound,
    sent: u64,
}

fn bind(w: usize, timeout: Duration) -> Option<Target> {
    let pid = otp_runtime::whereis(&worker_id(w))?;
    let bound = match kind(w % WORKERS) {
        Kind::Server => Bound::Server(
            AccountRef::from(ServerRef::<Account>::from_pid(pid).ok()?).with_timeout(timeout),
        ),
        Kind::Statem => Bound::Statem(
            TurnstileRef::from(StatemRef::<Turnstile>::from_pid(pid).ok()?).with_timeout(timeout),
        ),
        Kind::Events => Bound::Events(
            EventManagerRef::<Note>::from_pid(pid)
                .ok()?
                .with_timeout(timeout),
        ),
    };
    Some(Target {
        pid,
        bound,
        sent: 0,
    })
}

fn count_error(e: &CallError) {
    match e {
        CallError::Timeout { .. } => &CALL_TIMEOUTS,
        CallError::NoProc { .. } => &CALL_NOPROC,
        CallError::Exited(_) => &CALL_EXITED,
        _ => &CALL_OTHER,
    }
    .fetch_add(1, Relaxed);
}

/// Times a call, guards it against hanging, and checks it answered in time.
async fn timed<T>(
    cfg: &Config,
    call: impl std::future::Future<Output = T>,
) -> Option<(T, Duration)> {
    let started = Instant::now();
    let guard = cfg.call_timeout + cfg.margin + Duration::from_secs(10);
    let result = tokio::time::timeout(guard, call).await;
    let took = started.elapsed();
    MAX_CALL_US.fetch_max(took.as_micros() as u64, Relaxed);
    if took > cfg.call_timeout + cfg.margin && CALLS_LATE.fetch_add(1, Relaxed) < 10 {
        eprintln!("VIOLATION (calls): a call answered after {took:?}");
    }
    match result {
        Ok(v) => Some((v, took)),
        Err(_) => {
            if CALLS_HUNG.fetch_add(1, Relaxed) < 10 {
                eprintln!("VIOLATION (calls): a call hung for {took:?}");
            }
            None
        }
    }
}

async fn client(me: usize, cfg: Arc<Config>, stop: Arc<AtomicBool>) {
    let mut rng = Rng::new(cfg.seed.wrapping_mul(1000).wrapping_add(me as u64));
    let mut targets: HashMap<usize, Target> = HashMap::new();
    while !stop.load(Relaxed) {
        let w = rng.below(ALL_WORKERS as u64) as usize;
        if !targets
            .get(&w)
            .is_some_and(|t| otp_runtime::is_alive(t.pid))
        {
            match bind(w, cfg.call_timeout) {
                Some(t) => {
                    targets.insert(w, t);
                }
                None => {
                    // Being restarted: try another.
                    targets.remove(&w);
                    UNRESOLVED.fetch_add(1, Relaxed);
                    tokio::task::yield_now().await;
                    continue;
                }
            }
        }
        let target = targets.get_mut(&w).expect("bound above");
        for _ in 0..rng.below(4) {
            target.sent += 1;
            let seq = target.sent;
            match &target.bound {
                Bound::Server(s) => s.deposit(me, seq),
                Bound::Statem(s) => s.push(me, seq),
                Bound::Events(m) => m.notify(Note { client: me, seq }),
            }
            CASTS_SENT.fetch_add(1, Relaxed);
        }
        // The call queues behind the casts: if it is answered, they were handled.
        let answer = match &target.bound {
            Bound::Server(s) => timed(&cfg, s.check(me)).await,
            Bound::Statem(s) => timed(&cfg, s.check(me)).await,
            Bound::Events(m) => match timed(&cfg, m.call(HandlerId::<Tally>::new(), me)).await {
                Some((Ok(seen), took)) => Some((Ok(seen), took)),
                Some((Err(HandlerCallError::Manager(e)), took)) => Some((Err(e), took)),
                Some((Err(other), _)) => {
                    // The tally never fails: a finding.
                    CALL_OTHER.fetch_add(1, Relaxed);
                    eprintln!("VIOLATION (calls): the tally answered {other}");
                    None
                }
                None => None,
            },
        };
        match answer {
            Some((Ok(seen), took)) => {
                CALLS_OK.fetch_add(1, Relaxed);
                replied(took);
                if seen != target.sent {
                    let lost = target.sent.saturating_sub(seen).max(1);
                    if CASTS_LOST.fetch_add(lost, Relaxed) < 10 {
                        eprintln!(
                            "VIOLATION (casts): {} handled {seen} of client {me}'s {} casts",
                            worker_id(w),
                            target.sent
                        );
                    }
                }
                // Put the crashing handler back into an event manager now and then.
                if let Bound::Events(m) = &target.bound {
                    if rng.below(8) == 0 {
                        if let Some((Err(GenEventError::Manager(e)), _)) =
                            timed(&cfg, m.add_handler(Flaky::new(seed()))).await
                        {
                            count_error(&e);
                        }
                    }
                }
            }
            Some((Err(e), _)) => count_error(&e),
            None => {}
        }
        if !otp_runtime::is_alive(target.pid) {
            targets.remove(&w);
        }
    }
}

// ---- the fault injector ------------------------------------------------------------------

async fn api<T, E>(call: impl std::future::Future<Output = Result<T, E>>) -> Option<T> {
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(60), call).await;
    let took = started.elapsed();
    MAX_API_US.fetch_max(took.as_micros() as u64, Relaxed);
    API_CALLS.fetch_add(1, Relaxed);
    match result {
        Ok(Ok(v)) => Some(v),
        Ok(Err(_)) => {
            API_ERRORS.fetch_add(1, Relaxed);
            None
        }
        Err(_) => {
            if CALLS_HUNG.fetch_add(1, Relaxed) < 10 {
                eprintln!("VIOLATION (calls): a supervisor API call hung for {took:?}");
            }
            None
        }
    }
}

async fn group(root: &SupervisorRef, g: usize) -> Option<SupervisorRef> {
    api(root.child_supervisor(&format!("g{g}"))).await
}

async fn inject(root: SupervisorRef, cfg: Arc<Config>, stop: Arc<AtomicBool>) {
    if cfg.faults == 0 {
        return;
    }
    let mut rng = Rng::new(cfg.seed ^ 0xFA17);
    let total: u64 = FAULT_WEIGHTS.iter().sum();
    let mean = 1_000_000 / u64::from(cfg.faults);
    while !stop.load(Relaxed) {
        otp_runtime::time::sleep(Duration::from_micros(rng.below(2 * mean) + 1)).await;
        let mut pick = rng.below(total);
        let fault = FAULT_WEIGHTS
            .iter()
            .position(|&w| {
                let hit = pick < w;
                pick = pick.saturating_sub(w);
                hit
            })
            .unwrap_or(0);
        let fault = cfg.only.unwrap_or(fault);
        FAULTS[fault].fetch_add(1, Relaxed);
        let (g, t) = (
            rng.below(GROUPS as u64) as usize,
            rng.below(TEAMS as u64) as usize,
        );
        let team_id = format!("t{g}.{t}");
        match fault {
            0 | 1 => {
                let reason = if fault == 0 {
                    ExitReason::Kill
                } else {
                    ExitReason::Shutdown
                };
                let w = rng.below(ALL_WORKERS as u64) as usize;
                if let Some(pid) = otp_runtime::whereis(&worker_id(w)) {
                    otp_runtime::exit(pid, reason);
                }
            }
            2 => {
                // Up to 8 crashes in a row on one team, each after the last one's restart:
                // more than its 5 within a second makes it give up (the model checks each
                // restart's decision, whichever it is).
                for _ in 0..1 + rng.below(8) {
                    let name = format!("w{g}.{t}.{}", rng.below(WORKERS as u64));
                    let Some(pid) = otp_runtime::whereis(&name) else {
                        break;
                    };
                    otp_runtime::exit(pid, ExitReason::Kill);
                    let since = Instant::now();
                    while otp_runtime::whereis(&name).is_none_or(|p| p == pid)
                        && since.elapsed() < Duration::from_millis(300)
                    {
                        otp_runtime::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            }
            3 => {
                if let Some(group) = group(&root, g).await {
                    api(group.terminate_child(&team_id)).await;
                    otp_runtime::time::sleep(Duration::from_millis(rng.below(50))).await;
                    api(group.restart_child(&team_id)).await;
                }
            }
            4 => {
                if let Some(group) = group(&root, g).await {
                    if let Some(spec) = api(group.get_childspec(&team_id)).await {
                        api(group.terminate_child(&team_id)).await;
                        api(group.delete_child(&team_id)).await;
                        api(group.start_child(spec)).await;
                    }
                }
            }
            5 => {
                if let Some(group) = group(&root, g).await {
                    if let Some(team) = api(group.child_supervisor(&team_id)).await {
                        if let Some(pid) = team.pid() {
                            otp_runtime::exit(pid, ExitReason::Kill);
                        }
                    }
                }
            }
            6 => {
                if let Some(group) = group(&root, g).await.and_then(|g| g.pid()) {
                    otp_runtime::exit(group, ExitReason::Kill);
                }
            }
            8 => {
                let group_id = format!("g{g}");
                api(root.terminate_child(&group_id)).await;
                otp_runtime::time::sleep(Duration::from_millis(rng.below(50))).await;
                api(root.restart_child(&group_id)).await;
            }
            _ => {
                // Its callers meanwhile get `Timeout`, on time.
                let name = format!("w{g}.{t}.{}", rng.below(6));
                let server = otp_runtime::whereis(&name)
                    .and_then(|pid| ServerRef::<Account>::from_pid(pid).ok());
                if let Some(server) = server {
                    let stall = cfg.call_timeout + cfg.call_timeout / 2;
                    AccountRef::from(server).stall(stall.as_millis() as u64);
                }
            }
        }
    }
}

// ---- the run -----------------------------------------------------------------------------

fn mib(bytes: usize) -> String {
    if bytes < 1 << 20 {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
    }
}

fn ms(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        format!("{} µs", d.as_micros())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    }
}

fn calls_total() -> u64 {
    [
        &CALLS_OK,
        &CALL_TIMEOUTS,
        &CALL_NOPROC,
        &CALL_EXITED,
        &CALL_OTHER,
    ]
    .iter()
    .map(|c| c.load(Relaxed))
    .sum()
}

fn total(counters: &[AtomicU64]) -> u64 {
    counters.iter().map(|c| c.load(Relaxed)).sum()
}

struct Check {
    failed: Vec<String>,
}

impl Check {
    fn that(&mut self, ok: bool, what: String) {
        println!("  [{}] {what}", if ok { "ok" } else { "FAIL" });
        if !ok {
            self.failed.push(what);
        }
    }
}

async fn run(cfg: Config, model: &'static Model) -> bool {
    // Warm up what the runtime and tokio allocate once and keep (the process table, the
    // registry, the report callsites), so the baseline is the runtime at rest.
    let warm = SupervisorSpec::one_for_one()
        .child(ChildSpec::worker("warm", || Account::new(0)).name("warm"))
        .start()
        .await
        .expect("a one-child tree starts");
    warm.stop().await.expect("and stops");
    let baseline = alloc::live();
    alloc::reset_peak();

    println!(
        "soak: {} s, seed {}, {} clients, {} workers under 110 supervisors, \
         handler panics {} per million, {} faults/s, call timeout {} + margin {}",
        cfg.secs,
        cfg.seed,
        cfg.clients,
        ALL_WORKERS,
        cfg.panic_ppm,
        cfg.faults,
        ms(cfg.call_timeout),
        ms(cfg.margin)
    );
    let started = Instant::now();
    let root = root_spec().start().await.expect("the tree starts");
    let tree_started = started.elapsed();
    println!(
        "tree started in {}: {} processes, {} timers, {} live",
        ms(tree_started),
        otp_runtime::process_count(),
        otp_runtime::timer_count(),
        mib(alloc::live())
    );

    let cfg = Arc::new(cfg);
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..cfg.clients)
        .map(|c| tokio::spawn(client(c, cfg.clone(), stop.clone())))
        .collect();
    let injector = tokio::spawn(inject(root.clone(), cfg.clone(), stop.clone()));
    let load_started = Instant::now();
    let deadline = load_started + Duration::from_secs(cfg.secs);
    let mut next_progress = load_started + Duration::from_secs(cfg.progress);
    while Instant::now() < deadline {
        otp_runtime::time::sleep(Duration::from_millis(100)).await;
        PEAK_PROCESSES.fetch_max(otp_runtime::process_count(), Relaxed);
        PEAK_TIMERS.fetch_max(otp_runtime::timer_count(), Relaxed);
        if Instant::now() >= next_progress {
            next_progress += Duration::from_secs(cfg.progress);
            let f = model.figures();
            println!(
                "  t={:>4}s calls {} casts {} faults {} panics {} restarts {} gave up {} \
                 processes {} timers {} memory {}",
                load_started.elapsed().as_secs(),
                calls_total(),
                CASTS_SENT.load(Relaxed),
                total(&FAULTS),
                INJECTED_PANICS.load(Relaxed),
                f.restarts.values().sum::<u64>(),
                f.gave_up.values().sum::<u64>(),
                otp_runtime::process_count(),
                otp_runtime::timer_count(),
                mib(alloc::live())
            );
        }
    }
    stop.store(true, Relaxed);
    let load_time = load_started.elapsed();
    let mut joined = true;
    for task in clients.into_iter().chain([injector]) {
        joined &= tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .is_ok_and(|r| r.is_ok());
    }
    let root_alive = root.pid().is_some_and(otp_runtime::is_alive);

    let stopping = Instant::now();
    let stopped = tokio::time::timeout(Duration::from_secs(60), root.stop()).await;
    let stop_time = stopping.elapsed();
    drop(root);
    // The last tasks end right after their processes leave the table.
    let settle = Instant::now();
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    while (otp_runtime::process_count() > 0 || otp_runtime::timer_count() > 0 || tasks() > 0)
        && settle.elapsed() < Duration::from_secs(10)
    {
        otp_runtime::time::sleep(Duration::from_millis(10)).await;
    }
    let (processes, timers, tasks) = (
        otp_runtime::process_count(),
        otp_runtime::timer_count(),
        tasks(),
    );
    let figures = model.finish();
    let end = alloc::live();
    let peak = alloc::peak();

    let calls_ok = CALLS_OK.load(Relaxed);
    let calls = calls_total();
    let per_level = |m: &HashMap<Level3, u64>, l| m.get(&l).copied().unwrap_or(0);
    println!("\nfigures after {:.1} s of load:", load_time.as_secs_f64());
    println!(
        "  calls: {calls} ({:.0}/s): {calls_ok} answered; errors: {} timeout, {} noproc, \
         {} exited, {} other; max latency {}; answered calls: 50% within {}, 99% within {}, \
         99.9% within {}, the slowest in {}",
        calls as f64 / load_time.as_secs_f64(),
        CALL_TIMEOUTS.load(Relaxed),
        CALL_NOPROC.load(Relaxed),
        CALL_EXITED.load(Relaxed),
        CALL_OTHER.load(Relaxed),
        ms(Duration::from_micros(MAX_CALL_US.load(Relaxed))),
        ms(reply_quantile(0.5)),
        ms(reply_quantile(0.99)),
        ms(reply_quantile(0.999)),
        ms(Duration::from_micros(MAX_REPLY_US.load(Relaxed)))
    );
    println!(
        "  casts: {} sent, {} handled; {} lookups found a worker being restarted",
        CASTS_SENT.load(Relaxed),
        workers::CASTS_HANDLED.load(Relaxed),
        UNRESOLVED.load(Relaxed)
    );
    println!(
        "  faults injected: {} ({}), handler panics {} (timer messages handled: {}); \
         a fault whose target is gone by then counts too",
        total(&FAULTS),
        FAULT_NAMES
            .iter()
            .zip(&FAULTS)
            .map(|(n, c)| format!("{n}: {}", c.load(Relaxed)))
            .collect::<Vec<_>>()
            .join(", "),
        INJECTED_PANICS.load(Relaxed),
        workers::TIMER_MESSAGES.load(Relaxed)
    );
    println!(
        "  restarts: {} by teams, {} by groups, {} by the root; gave up: {} teams, {} groups, \
         {} root; {} decisions checked ({} near a window's edge), {} exits checked",
        per_level(&figures.restarts, Level3::Team),
        per_level(&figures.restarts, Level3::Group),
        per_level(&figures.restarts, Level3::Root),
        per_level(&figures.gave_up, Level3::Team),
        per_level(&figures.gave_up, Level3::Group),
        per_level(&figures.gave_up, Level3::Root),
        figures.decisions,
        figures.near_edge,
        figures.exits
    );
    println!(
        "  supervisor API: {} calls, {} errors (not found, running, gone...), max latency {}",
        API_CALLS.load(Relaxed),
        API_ERRORS.load(Relaxed),
        ms(Duration::from_micros(MAX_API_US.load(Relaxed)))
    );
    println!(
        "  processes: peak {}, timers: peak {}; memory: start {}, peak {}, end {}",
        PEAK_PROCESSES.load(Relaxed),
        PEAK_TIMERS.load(Relaxed),
        mib(baseline),
        mib(peak),
        mib(end)
    );

    println!("\nchecks:");
    let mut check = Check { failed: vec![] };
    check.that(
        CALLS_HUNG.load(Relaxed) == 0
            && CALLS_LATE.load(Relaxed) == 0
            && CALL_OTHER.load(Relaxed) == 0
            && joined,
        format!(
            "no call hung: every call answered within its timeout + {}, with a reply or a \
             timeout, noproc or exit ({} late, {} hung, {} other errors)",
            ms(cfg.margin),
            CALLS_LATE.load(Relaxed),
            CALLS_HUNG.load(Relaxed),
            CALL_OTHER.load(Relaxed)
        ),
    );
    check.that(
        calls_ok > 0 && CASTS_LOST.load(Relaxed) == 0 && workers::OUT_OF_ORDER.load(Relaxed) == 0,
        format!(
            "casts to live processes handled once and in order ({} lost, {} out of order)",
            CASTS_LOST.load(Relaxed),
            workers::OUT_OF_ORDER.load(Relaxed)
        ),
    );
    check.that(
        figures.violations == 0 && figures.decisions > 0,
        format!(
            "restarts and give-ups follow OTP's intensity rules ({} violations)",
            figures.violations
        ),
    );
    check.that(
        root_alive,
        if root_alive || per_level(&figures.gave_up, Level3::Root) == 0 {
            "the root supervisor lived through the run".to_string()
        } else {
            "the root supervisor lived through the run (it gave up, as its intensity says it \
             must at this fault rate: see the restarts above)"
                .to_string()
        },
    );
    check.that(
        matches!(stopped, Ok(Ok(()))),
        format!("stopping the root returned Ok after {}", ms(stop_time)),
    );
    check.that(
        processes == 0 && timers == 0 && tasks == 0,
        format!("nothing left: {processes} processes, {timers} timers, {tasks} tasks"),
    );
    check.that(
        end <= baseline + MEMORY_MARGIN,
        format!(
            "memory back to its starting level: {:+} bytes (margin {})",
            end as i64 - baseline as i64,
            mib(MEMORY_MARGIN)
        ),
    );
    check.that(
        OTHER_PANICS.load(Relaxed) == 0,
        format!(
            "no panic but the {} injected ones",
            INJECTED_PANICS.load(Relaxed)
        ),
    );
    if check.failed.is_empty() {
        println!("\nsoak passed");
        true
    } else {
        println!("\nsoak FAILED: {}", check.failed.join("; "));
        false
    }
}

fn main() {
    let cfg = match Config::from_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("soak: {e}");
            std::process::exit(2);
        }
    };
    workers::PANIC_PPM.store(cfg.panic_ppm, Relaxed);
    workers::CLIENTS.store(cfg.clients as u32, Relaxed);
    NEXT_SEED.store(cfg.seed << 32, Relaxed);
    // Injected panics are counted, not printed; any other panic is printed and fails the run.
    std::panic::set_hook(Box::new(|info| {
        if info.payload().downcast_ref::<&str>() == Some(&workers::INJECTED) {
            INJECTED_PANICS.fetch_add(1, Relaxed);
        } else if OTHER_PANICS.fetch_add(1, Relaxed) < 10 {
            eprintln!("VIOLATION (panics): {info}");
        }
    }));
    let model: &'static Model = Box::leak(Box::new(Model::new(Rules {
        intensity,
        child: child_rule,
    })));
    tracing::subscriber::set_global_default(model).expect("the first subscriber");
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = cfg.threads {
        builder.worker_threads(n);
    }
    let runtime = builder.enable_all().build().expect("a tokio runtime");
    let passed = runtime.block_on(run(cfg, model));
    drop(runtime);
    std::process::exit(if passed { 0 } else { 1 });
}
