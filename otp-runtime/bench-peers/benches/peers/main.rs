//! otp-runtime beside raw tokio, ractor and kameo: the same workloads on each, interleaved
//! round-robin in one process, reported as medians and ratios to raw tokio.
//!
//! Run: `cargo bench -p bench-peers` (add `-- quick` for a smoke run with fewer rounds and
//! smaller workloads, `-- current` for tokio's current-thread runtime instead of the
//! multi-threaded one, and words of workload names to run only those, e.g. `-- call ring`).
//! For profilers: `raw`, `otp`, `ractor` or `kameo` run only those systems, and `once` one
//! run of each without warm-up, e.g. under callgrind:
//! `valgrind --tool=callgrind target/release/deps/peers-<hash> current once otp ring`.
//!
//! Every workload checks its own result (the exact count, the incarnation that answered,
//! the processes left alive), so a system cannot win by doing less. book/src/performance.md
//! explains the method and how to read the table.

#[path = "../../../benches/common/mod.rs"]
mod common;
mod kameo_peer;
mod otp;
mod ractor_peer;
mod raw;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use common::{live_bytes, median};

#[global_allocator]
static GLOBAL: common::Counting = common::Counting;

/// The supervision tree: a root, 10 supervisors under it, 10 under each of those, 10 workers
/// under each of those.
pub const DEPTH: u32 = 3;
pub const BREADTH: usize = 10;
/// 1 + 10 + 100 supervisors and 1000 workers.
pub const TREE_PROCESSES: usize = 1 + BREADTH + BREADTH * BREADTH + BREADTH * BREADTH * BREADTH;

/// The clients of the contended call workload.
const CLIENTS: u64 = 16;

/// What the spawn workload measures.
pub struct SpawnResult {
    /// Start, one call and stop, per server.
    ns_per_server: f64,
    /// Heap bytes per live, idle server (after its first call).
    heap_per_server: f64,
}

impl SpawnResult {
    pub fn new(elapsed: Duration, servers: usize, heap_per_server: f64) -> Self {
        SpawnResult {
            ns_per_server: elapsed.as_nanos() as f64 / servers as f64,
            heap_per_server,
        }
    }
}

/// Lets every spawned server reach its idle receive, then returns the heap bytes allocated
/// since `before`. Not part of any timing.
pub async fn settle(before: isize) -> f64 {
    tokio::time::sleep(Duration::from_millis(50)).await;
    (live_bytes() - before) as f64
}

const SYSTEMS: [&str; 4] = ["raw tokio", "otp-runtime", "ractor", "kameo"];
const RAW: usize = 0;
const OTP: usize = 1;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// The workload `$f($args)` on system `$sys`, as a boxed future.
macro_rules! on {
    ($sys:expr, $f:ident($($arg:expr),*)) => {{
        let fut: BoxFuture<_> = match $sys {
            0 => Box::pin(raw::$f($($arg),*)),
            1 => Box::pin(otp::$f($($arg),*)),
            2 => Box::pin(ractor_peer::$f($($arg),*)),
            _ => Box::pin(kameo_peer::$f($($arg),*)),
        };
        fut
    }};
}

/// How big each workload is.
struct Sizes {
    rounds: usize,
    calls: u64,
    casts: u64,
    spawns: usize,
    ring_nodes: usize,
    hops: u64,
    restarts: usize,
    storm_workers: usize,
    storm_rounds: usize,
    tree_rounds: usize,
}

const FULL: Sizes = Sizes {
    rounds: 7,
    calls: 100_000,
    casts: 1_000_000,
    spawns: 100_000,
    ring_nodes: 1_000,
    hops: 1_000_000,
    restarts: 1_000,
    storm_workers: 1_000,
    storm_rounds: 3,
    tree_rounds: 21,
};

const QUICK: Sizes = Sizes {
    rounds: 2,
    calls: 10_000,
    casts: 100_000,
    spawns: 10_000,
    ring_nodes: 1_000,
    hops: 100_000,
    restarts: 100,
    storm_workers: 1_000,
    storm_rounds: 1,
    tree_rounds: 3,
};

/// One line of the table; `values[system]` is `None` where the system cannot run it.
struct Row {
    name: String,
    unit: &'static str,
    /// Throughput rows: higher is better, and the ratio is a throughput ratio.
    higher_is_better: bool,
    target: &'static str,
    values: [Option<f64>; 4],
}

struct Bench {
    rt: tokio::runtime::Runtime,
    /// Workloads to run (words of their names); all if empty.
    only: Vec<String>,
    /// Systems to run (indices in `SYSTEMS`); all if empty.
    systems: Vec<usize>,
    /// One run per system, no warm-up: for profilers.
    once: bool,
    rows: Vec<Row>,
}

impl Bench {
    fn selected(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|w| name.contains(w.as_str()))
    }

    /// Runs `make(system)` once on each system to warm up, then `rounds` times each,
    /// round-robin, the first system of each round rotating; returns each system's
    /// results. Each run is a task on a worker thread, as application code is.
    fn interleave<T: Send + 'static>(
        &self,
        rounds: usize,
        make: impl Fn(usize) -> BoxFuture<T>,
    ) -> [Vec<T>; 4] {
        let run = |sys: usize| {
            self.rt
                .block_on(async { tokio::spawn(make(sys)).await.unwrap() })
        };
        let on = |sys: usize| self.systems.is_empty() || self.systems.contains(&sys);
        if !self.once {
            (0..SYSTEMS.len())
                .filter(|&s| on(s))
                .for_each(|s| drop(run(s)));
        }
        let mut out: [Vec<T>; 4] = Default::default();
        for round in 0..if self.once { 1 } else { rounds } {
            for k in 0..SYSTEMS.len() {
                let sys = (round + k) % SYSTEMS.len();
                if on(sys) {
                    out[sys].push(run(sys));
                }
            }
        }
        out
    }

    fn row(
        &mut self,
        name: impl Into<String>,
        unit: &'static str,
        target: &'static str,
        values: [Option<f64>; 4],
    ) {
        self.rows.push(Row {
            name: name.into(),
            unit,
            higher_is_better: false,
            target,
            values,
        });
    }
}

/// Medians of per-run values, each scaled by `f`; `None` for systems not run.
fn medians(runs: [Vec<f64>; 4], f: impl Fn(f64) -> f64) -> [Option<f64>; 4] {
    runs.map(|v| (!v.is_empty()).then(|| f(median(v))))
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let quick = args.iter().any(|a| a == "quick");
    let current = args.iter().any(|a| a == "current");
    let sizes = if quick { QUICK } else { FULL };
    let rt = if current {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    }
    .enable_all()
    .build()
    .unwrap();
    common::raw::quiet_crashes();
    // System keys (`raw`, `otp`, `ractor`, `kameo`) select systems, `once` makes one run of
    // each without warm-up: `-- current once otp call` under a profiler.
    let keys = ["raw", "otp", "ractor", "kameo"];
    let flags = ["quick", "current", "once"];
    let mut b = Bench {
        rt,
        only: args
            .iter()
            .filter(|a| !flags.contains(&a.as_str()) && !keys.contains(&a.as_str()))
            .cloned()
            .collect(),
        systems: (0..keys.len())
            .filter(|&i| args.iter().any(|a| a == keys[i]))
            .collect(),
        once: args.iter().any(|a| a == "once"),
        rows: Vec::new(),
    };
    let s = &sizes;

    let name = format!("call round trip ({}k sequential calls)", s.calls / 1000);
    if b.selected(&name) {
        let runs = b.interleave(s.rounds, |sys| on!(sys, call(s.calls)));
        b.row(name, "ns/call", "≤ 1.1×", medians(runs, |ns| ns));
    }
    let name = format!(
        "contended call ({CLIENTS} clients, {}k calls to one server)",
        s.calls / 1000
    );
    if b.selected(&name) {
        let runs = b.interleave(s.rounds, |sys| on!(sys, contended(CLIENTS, s.calls)));
        b.row(name, "ns/call", "≤ 1.25×", medians(runs, |ns| ns));
    }
    for producers in [1, 4] {
        let name = format!(
            "cast throughput, {producers} producer{} ({}M casts, then a call reads the count)",
            if producers == 1 { "" } else { "s" },
            s.casts as f64 / 1e6
        );
        if b.selected(&name) {
            let runs = b.interleave(s.rounds, |sys| on!(sys, cast(producers, s.casts)));
            let target = if producers == 1 { "≥ 0.8×" } else { "-" };
            b.row(name, "M casts/s", target, medians(runs, |ns| 1e3 / ns));
            b.rows.last_mut().unwrap().higher_is_better = true;
        }
    }
    let name = format!(
        "spawn + call + stop ({}k servers alive at once, one call each)",
        s.spawns / 1000
    );
    if b.selected(&name) || b.selected("heap") {
        let runs = b.interleave(s.rounds, |sys| on!(sys, spawn(s.spawns)));
        let time = runs
            .each_ref()
            .map(|v| v.iter().map(|r| r.ns_per_server).collect());
        let heap = runs
            .each_ref()
            .map(|v| v.iter().map(|r| r.heap_per_server).collect());
        b.row(name, "ns/server", "≤ 1.3×", medians(time, |ns| ns));
        b.row(
            "heap per live idle server (same run)",
            "bytes",
            "≤ 1.1×",
            medians(heap, |bytes| bytes),
        );
    }
    let name = format!(
        "ring ({} servers, a token passed {}M hops)",
        s.ring_nodes,
        s.hops as f64 / 1e6
    );
    if b.selected(&name) {
        let runs = b.interleave(s.rounds, |sys| on!(sys, ring(s.ring_nodes, s.hops)));
        b.row(name, "ns/hop", "≤ 1.25×", medians(runs, |ns| ns));
    }
    let name = "restart latency (a supervised child panics; until its next incarnation answers)";
    if b.selected(name) {
        let runs = b.interleave(s.rounds, |sys| on!(sys, restart(s.restarts)));
        // The median of every restart of every round. (Tails are left out: on a shared
        // machine they measure the OS scheduler, and swing by 1000x between runs.)
        let values = runs.map(|v| {
            let v: Vec<f64> = v.into_iter().flatten().flatten().collect();
            (!v.is_empty()).then(|| median(v) / 1e3)
        });
        b.row(name, "µs", "-", values);
    }
    let name = format!("tree shutdown (depth {DEPTH}, breadth {BREADTH}: {TREE_PROCESSES} processes, stopped from the root)");
    if b.selected(&name) {
        let runs = b.interleave(s.tree_rounds, |sys| on!(sys, tree()));
        b.row(name, "ms", "-", medians(runs, |ns| ns / 1e6));
    }
    let name = format!(
        "restart storm ({} workers under one supervisor, each crashing {} time{})",
        s.storm_workers,
        s.storm_rounds,
        if s.storm_rounds == 1 { "" } else { "s" }
    );
    if b.selected(&name) {
        let runs = b.interleave(s.rounds, |sys| {
            on!(sys, storm(s.storm_workers, s.storm_rounds))
        });
        let values = runs.map(|v| {
            let v: Vec<f64> = v.into_iter().flatten().collect();
            (!v.is_empty()).then(|| median(v) / 1e3)
        });
        b.row(name, "µs/restart", "-", values);
    }
    if b.rows.is_empty() {
        // Words that name no workload (nor a system or a flag) would run nothing, silently.
        // Not an error: `cargo bench --workspace -- <a row of another bench>` passes the
        // words to every bench, and must not stop at this one.
        eprintln!(
            "peers: no workload matches {:?}; nothing measured. Words select workloads by \
             part of their name (e.g. call, contended, cast, spawn, heap, ring, restart, \
             tree, storm), systems ({}) and modes ({})",
            b.only,
            keys.join(", "),
            flags.join(", ")
        );
        return;
    }
    print_table(&b.rows, current, quick);
}

/// Three significant figures, about.
fn num(v: f64) -> String {
    match v.abs() {
        x if x >= 100.0 => format!("{v:.0}"),
        x if x >= 10.0 => format!("{v:.1}"),
        _ => format!("{v:.2}"),
    }
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{model}, {cores} cores")
}

fn print_table(rows: &[Row], current: bool, quick: bool) {
    println!(
        "machine: {}; tokio {} runtime{}",
        machine(),
        if current {
            "current-thread"
        } else {
            "multi-thread"
        },
        if quick {
            "; quick run (small sizes, 2 rounds): not for comparison"
        } else {
            ""
        }
    );
    println!();
    print!("| workload | unit |");
    for sys in SYSTEMS {
        print!(" {sys} |");
    }
    println!(" otp-runtime target | otp-runtime vs best peer |");
    println!("|---|---|---|---|---|---|---|---|");
    for r in rows {
        print!("| {} | {} |", r.name, r.unit);
        for v in r.values {
            match (v, r.values[RAW]) {
                (Some(v), Some(raw)) => print!(" {} ({:.2}×) |", num(v), v / raw),
                (Some(v), None) => print!(" {} |", num(v)),
                (None, _) => print!(" n/a |"),
            }
        }
        // How many times better than the better of ractor and kameo (> 1: ahead).
        let peers = r.values[2..].iter().flatten().copied();
        let best = if r.higher_is_better {
            peers.fold(None, |b: Option<f64>, v| Some(b.map_or(v, |b| b.max(v))))
        } else {
            peers.fold(None, |b: Option<f64>, v| Some(b.map_or(v, |b| b.min(v))))
        };
        let lead = match (r.values[OTP], best) {
            (Some(otp), Some(best)) if r.higher_is_better => format!("{:.2}×", otp / best),
            (Some(otp), Some(best)) => format!("{:.2}×", best / otp),
            _ => "n/a".into(),
        };
        println!(" {} | {} |", r.target, lead);
    }
}
