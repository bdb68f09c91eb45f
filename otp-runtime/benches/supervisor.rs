//! Supervisor benchmarks, each beside the same work done on raw tokio, interleaved in one run:
//!
//! - restart latency: a one_for_one supervisor's named gen_server child is made to panic;
//!   the time from the crash request to the first answer of its restarted incarnation,
//!   as median and p99 over every restart. Raw tokio: a task that panics, seen through its
//!   `JoinHandle` by a looping "supervisor" task, respawned, and answering a oneshot call.
//! - tree start and shutdown: a tree of depth 3 and breadth 10 (a root supervisor, 10
//!   supervisors under it, 10 under each of those, 10 gen_server workers under each of
//!   those: 111 supervisors, 1000 workers) started, then stopped from its root. Raw tokio:
//!   the same tree of tasks, each started in order with an ack and stopped in reverse order,
//!   each stop awaited through its `JoinHandle`, as a supervisor does.
//!
//! Run: `cargo bench -p otp-runtime --bench supervisor`. Arguments: `quick` for fewer rounds;
//! `current` or `multi` for one runtime only (the default runs both tokio's multi-threaded
//! and current-thread runtimes); other words select workloads by a word of their name
//! (`restart`, `tree`).

mod common;

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::time::{Duration, Instant};

use common::quantile;
use common::raw::{
    quiet_crashes, raw_ping_until_up, raw_send, raw_start, raw_supervise, RawReq, Slot, CRASH,
};
use otp_runtime::prelude::*;

// ---- restart latency ---------------------------------------------------------------------------

/// A server that answers a call with its pid (so an answer names its incarnation) and
/// panics on a cast.
struct Crasher;

impl GenServer for Crasher {
    type Call = ();
    type Reply = Pid;
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn handle_call(&mut self, _: (), ctx: &mut Ctx<Self>) -> CallResult<Pid> {
        CallResult::Reply(ctx.pid())
    }

    async fn handle_cast(&mut self, _: (), _ctx: &mut Ctx<Self>) -> Outcome {
        panic!("{}", CRASH)
    }
}

/// Nanoseconds from each crash request to the first answer of the next incarnation.
async fn restart_otp(restarts: usize) -> Vec<f64> {
    let sup = SupervisorSpec::one_for_one()
        .intensity(1_000_000, Duration::from_secs(1))
        .child(ChildSpec::worker("crasher", || Crasher).name("crasher"))
        .start()
        .await
        .unwrap();
    let crasher = ServerRef::<Crasher>::named("crasher");
    let mut last = crasher.call(()).await.unwrap();
    let mut samples = Vec::with_capacity(restarts);
    for _ in 0..restarts {
        let t = Instant::now();
        crasher.cast(());
        // A call queued behind the crash fails with `Exited`; then the name is free
        // (`NoProc`) until the supervisor has started the next incarnation under it.
        let pid = loop {
            match crasher.call(()).await {
                Ok(pid) => break pid,
                Err(CallError::NoProc { .. } | CallError::Exited(_)) => {
                    tokio::task::yield_now().await
                }
                Err(e) => panic!("restart: {e}"),
            }
        };
        samples.push(t.elapsed().as_nanos() as f64);
        assert_ne!(pid, last, "answered by the incarnation that was to crash");
        last = pid;
    }
    let base = otp_runtime::process_count();
    sup.stop().await.unwrap();
    assert_eq!(otp_runtime::process_count(), base - 2);
    samples
}

async fn restart_raw(restarts: usize) -> Vec<f64> {
    let slot = Slot::default();
    let sup = tokio::spawn(raw_supervise(slot.clone()));
    let mut last = raw_ping_until_up(&slot).await;
    let mut samples = Vec::with_capacity(restarts);
    for _ in 0..restarts {
        let t = Instant::now();
        raw_send(&slot, RawReq::Crash);
        let n = raw_ping_until_up(&slot).await;
        samples.push(t.elapsed().as_nanos() as f64);
        assert_eq!(n, last + 1, "answered by the incarnation that was to crash");
        last = n;
    }
    raw_send(&slot, RawReq::Stop);
    sup.await.unwrap();
    samples
}

// ---- tree start and shutdown ------------------------------------------------------------------

const DEPTH: u32 = 3;
const BREADTH: usize = 10;
/// 1 + 10 + 100 supervisors and 1000 workers.
const TREE_PROCESSES: usize = 1 + BREADTH + BREADTH * BREADTH + BREADTH * BREADTH * BREADTH;

#[derive(Default)]
struct Worker(u64);

impl GenServer for Worker {
    type Call = ();
    type Reply = u64;
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<u64> {
        CallResult::Reply(self.0)
    }
}

/// A supervisor `depth` levels tall: supervisors down to the last level, whose children
/// are workers.
fn tree_spec(depth: u32) -> SupervisorSpec {
    (0..BREADTH).fold(SupervisorSpec::one_for_one(), |spec, i| {
        let id = format!("c{i}");
        spec.child(if depth == 1 {
            ChildSpec::worker(id, Worker::default)
        } else {
            ChildSpec::supervisor(id, tree_spec(depth - 1))
        })
    })
}

/// Nanoseconds to start the tree and to stop it.
async fn tree_otp() -> (f64, f64) {
    let spec = tree_spec(DEPTH);
    let base = otp_runtime::process_count();
    let t = Instant::now();
    let root = spec.start().await.unwrap();
    let start = t.elapsed().as_nanos() as f64;
    assert_eq!(otp_runtime::process_count(), base + TREE_PROCESSES);
    let t = Instant::now();
    root.stop().await.unwrap();
    let stop = t.elapsed().as_nanos() as f64;
    // Every process has left the table by the time the root's stop returns.
    assert_eq!(otp_runtime::process_count(), base);
    (start, stop)
}

async fn tree_raw() -> (f64, f64) {
    let t = Instant::now();
    let root = black_box(raw_start(DEPTH, BREADTH).await);
    let start = t.elapsed().as_nanos() as f64;
    let t = Instant::now();
    root.stop().await;
    let stop = t.elapsed().as_nanos() as f64;
    (start, stop)
}

// ---- harness ----------------------------------------------------------------------------------

struct Row {
    name: String,
    runtime: &'static str,
    unit: &'static str,
    /// Nanoseconds per unit.
    scale: f64,
    raw: f64,
    otp: f64,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let quick = args.iter().any(|a| a == "quick");
    let flags = ["quick", "current", "multi"];
    // Other arguments select workloads by a word of their name, e.g. `tree`.
    let only: Vec<&String> = args
        .iter()
        .filter(|a| !flags.contains(&a.as_str()))
        .collect();
    let selected = |name: &str| only.is_empty() || only.iter().any(|w| name.contains(w.as_str()));
    let rounds = if quick { 3 } else { 11 };
    let restarts = if quick { 500 } else { 5000 };
    // A tree run takes milliseconds: more rounds, for a steadier median.
    let tree_rounds = if quick { 5 } else { 51 };
    let current = args.iter().any(|a| a == "current");
    let multi = args.iter().any(|a| a == "multi");
    let runtimes: &[&'static str] = match (current, multi) {
        (true, false) => &["current-thread"],
        (false, true) => &["multi-thread"],
        _ => &["multi-thread", "current-thread"],
    };

    // The panics the restart workload causes are its point: keep them off stderr, and
    // report any other.
    quiet_crashes();

    let mut rows = Vec::new();
    for &runtime in runtimes {
        let rt = if runtime == "current-thread" {
            tokio::runtime::Builder::new_current_thread()
        } else {
            tokio::runtime::Builder::new_multi_thread()
        }
        .enable_all()
        .build()
        .unwrap();
        // Each run is a task on a worker thread, as application code is.
        let run = |f: Pin<Box<dyn Future<Output = Vec<f64>> + Send>>| {
            rt.block_on(async { tokio::spawn(f).await.unwrap() })
        };

        if selected("restart latency") {
            // A warm-up run each, then rounds interleaved; every restart is a sample.
            run(Box::pin(restart_raw(restarts / 10)));
            run(Box::pin(restart_otp(restarts / 10)));
            let (mut raw, mut otp) = (Vec::new(), Vec::new());
            for _ in 0..rounds {
                raw.extend(run(Box::pin(restart_raw(restarts))));
                otp.extend(run(Box::pin(restart_otp(restarts))));
            }
            for (label, q) in [("median", 0.5), ("p99", 0.99)] {
                rows.push(Row {
                    name: format!("restart latency, {label} ({} restarts)", raw.len()),
                    runtime,
                    unit: "µs/restart",
                    scale: 1e3,
                    raw: quantile(&mut raw, q),
                    otp: quantile(&mut otp, q),
                });
            }
        }

        if selected("tree start") || selected("tree shutdown") {
            let pair = |f: Pin<Box<dyn Future<Output = (f64, f64)> + Send>>| {
                let (start, stop) = rt.block_on(async { tokio::spawn(f).await.unwrap() });
                [start, stop]
            };
            pair(Box::pin(tree_raw()));
            pair(Box::pin(tree_otp()));
            let (mut raw, mut otp) = ([vec![], vec![]], [vec![], vec![]]);
            for _ in 0..tree_rounds {
                for (v, x) in raw.iter_mut().zip(pair(Box::pin(tree_raw()))) {
                    v.push(x);
                }
                for (v, x) in otp.iter_mut().zip(pair(Box::pin(tree_otp()))) {
                    v.push(x);
                }
            }
            let shape = format!("depth {DEPTH}, breadth {BREADTH}: {TREE_PROCESSES} processes");
            for (i, what) in ["tree start", "tree shutdown"].into_iter().enumerate() {
                if selected(what) {
                    rows.push(Row {
                        name: format!("{what} ({shape})"),
                        runtime,
                        unit: "ms/tree",
                        scale: 1e6,
                        raw: quantile(&mut raw[i], 0.5),
                        otp: quantile(&mut otp[i], 0.5),
                    });
                }
            }
        }
    }
    // Tree rows are medians over the rounds; restart rows pool every restart of every round.
    println!("| workload | runtime | unit | raw tokio | otp-runtime | ratio |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.2}× |",
            r.name,
            r.runtime,
            r.unit,
            r.raw / r.scale,
            r.otp / r.scale,
            r.otp / r.raw
        );
    }
}
