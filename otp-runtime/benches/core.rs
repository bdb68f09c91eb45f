//! Hot-path benchmarks: each workload on otp-runtime beside the same workload on raw tokio
//! (a task, an unbounded mpsc, a oneshot per call), interleaved in one run, reported as
//! medians and ratios. The last rows compare a `#[gen_server]` server with the same server
//! written by hand.
//!
//! Run: `cargo bench -p otp-runtime --bench core` (add `-- quick` for fewer rounds).

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::raw::{raw_call, raw_spawn, RawMsg};
use common::{live_bytes, median};
use otp_runtime::prelude::*;
use tokio::sync::mpsc;

#[global_allocator]
static GLOBAL: common::Counting = common::Counting;

// ---- the counter server, as a GenServer ------------------------------------------------------

struct Counter {
    n: u64,
}

impl GenServer for Counter {
    type Call = ();
    type Reply = u64;
    type Cast = u64;
    type Info = ();
    type Continue = ();

    async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<u64> {
        CallResult::Reply(self.n)
    }

    async fn handle_cast(&mut self, k: u64, _ctx: &mut Ctx<Self>) -> Outcome {
        self.n += k;
        Outcome::NoReply
    }
}

/// The same counter, written with the macro: it must cost what the hand-written one does.
pub struct MacroCounter {
    n: u64,
}

#[gen_server]
impl MacroCounter {
    #[call]
    pub fn get(&self) -> u64 {
        self.n
    }

    #[cast]
    pub fn add(&mut self, k: u64) {
        self.n += k;
    }
}

/// The same counter as a state machine: every event goes through the transition steps.
pub struct StatemCounter {
    n: u64,
}

/// Its one state.
#[derive(PartialEq)]
pub struct Tally;

#[gen_statem(state = Tally)]
impl StatemCounter {
    #[init]
    fn init(&mut self) -> Tally {
        Tally
    }

    #[call]
    pub fn get(&self) -> u64 {
        self.n
    }

    #[cast]
    pub fn add(&mut self, k: u64) {
        self.n += k;
    }
}

// ---- workloads: each returns nanoseconds per operation ---------------------------------------

const CALLS: u64 = 100_000;
const CASTS: u64 = 1_000_000;
const SPAWNS: u64 = 100_000;
const IDLE: usize = 10_000;

async fn call_raw() -> f64 {
    let tx = raw_spawn();
    let t = Instant::now();
    for _ in 0..CALLS {
        black_box(raw_call(&tx).await);
    }
    t.elapsed().as_nanos() as f64 / CALLS as f64
}

async fn call_otp() -> f64 {
    let s = Counter { n: 0 }.start().await.unwrap();
    let t = Instant::now();
    let to = std::env::var("INF")
        .map(|_| INFINITY)
        .unwrap_or(DEFAULT_CALL_TIMEOUT);
    for _ in 0..CALLS {
        black_box(s.call_timeout((), to).await.unwrap());
    }
    let r = t.elapsed().as_nanos() as f64 / CALLS as f64;
    s.stop(ExitReason::Normal, INFINITY).await.unwrap();
    r
}

async fn call_macro() -> f64 {
    let s = MacroCounter { n: 0 }.start().await.unwrap();
    let t = Instant::now();
    for _ in 0..CALLS {
        black_box(s.get().await.unwrap());
    }
    let r = t.elapsed().as_nanos() as f64 / CALLS as f64;
    s.stop(ExitReason::Normal, INFINITY).await.unwrap();
    r
}

async fn call_statem() -> f64 {
    let s = StatemCounter { n: 0 }.start().await.unwrap();
    let t = Instant::now();
    for _ in 0..CALLS {
        black_box(s.get().await.unwrap());
    }
    let r = t.elapsed().as_nanos() as f64 / CALLS as f64;
    s.stop(ExitReason::Normal, INFINITY).await.unwrap();
    r
}

async fn cast_statem() -> f64 {
    let s = StatemCounter { n: 0 }.start().await.unwrap();
    let t = Instant::now();
    let producer = {
        let s = s.clone();
        tokio::spawn(async move {
            for _ in 0..CASTS {
                s.add(1);
            }
        })
    };
    producer.await.unwrap();
    assert_eq!(s.get().await.unwrap(), CASTS);
    let r = t.elapsed().as_nanos() as f64 / CASTS as f64;
    s.stop(ExitReason::Normal, INFINITY).await.unwrap();
    r
}

async fn cast_macro() -> f64 {
    let s = MacroCounter { n: 0 }.start().await.unwrap();
    let t = Instant::now();
    let producer = {
        let s = s.clone();
        tokio::spawn(async move {
            for _ in 0..CASTS {
                s.add(1);
            }
        })
    };
    producer.await.unwrap();
    assert_eq!(s.get().await.unwrap(), CASTS);
    let r = t.elapsed().as_nanos() as f64 / CASTS as f64;
    s.stop(ExitReason::Normal, INFINITY).await.unwrap();
    r
}

async fn cast_raw(producers: u64) -> f64 {
    let tx = raw_spawn();
    let t = Instant::now();
    let tasks: Vec<_> = (0..producers)
        .map(|_| {
            let tx = tx.clone();
            tokio::spawn(async move {
                for _ in 0..CASTS / producers {
                    tx.send(RawMsg::Add(1)).unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(raw_call(&tx).await, CASTS);
    t.elapsed().as_nanos() as f64 / CASTS as f64
}

async fn cast_otp(producers: u64) -> f64 {
    let s = Counter { n: 0 }.start().await.unwrap();
    let t = Instant::now();
    let tasks: Vec<_> = (0..producers)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                for _ in 0..CASTS / producers {
                    s.cast(1);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(s.call(()).await.unwrap(), CASTS);
    let r = t.elapsed().as_nanos() as f64 / CASTS as f64;
    s.stop(ExitReason::Normal, INFINITY).await.unwrap();
    r
}

async fn spawn_raw() -> f64 {
    let t = Instant::now();
    for _ in 0..SPAWNS {
        let (tx, mut rx) = mpsc::unbounded_channel::<RawMsg>();
        let task = tokio::spawn(async move {
            let n = 0u64;
            while let Some(m) = rx.recv().await {
                if let RawMsg::Get(reply) = m {
                    let _ = reply.send(n);
                }
            }
        });
        black_box(raw_call(&tx).await);
        drop(tx);
        task.await.unwrap();
    }
    t.elapsed().as_nanos() as f64 / SPAWNS as f64
}

async fn spawn_otp() -> f64 {
    let t = Instant::now();
    for _ in 0..SPAWNS {
        let s = Counter { n: 0 }.start().await.unwrap();
        black_box(s.call(()).await.unwrap());
        s.stop(ExitReason::Normal, INFINITY).await.unwrap();
    }
    t.elapsed().as_nanos() as f64 / SPAWNS as f64
}

/// Heap bytes per idle server; a settle pause lets every task reach its first `recv`.
async fn heap_raw() -> f64 {
    let before = live_bytes();
    let servers: Vec<_> = (0..IDLE).map(|_| raw_spawn()).collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let per = (live_bytes() - before) as f64 / IDLE as f64;
    drop(servers);
    tokio::time::sleep(Duration::from_millis(20)).await;
    per
}

async fn heap_otp() -> f64 {
    let mut servers = Vec::with_capacity(IDLE);
    let before = live_bytes();
    for _ in 0..IDLE {
        servers.push(Counter { n: 0 }.start().await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    // The Vec of handles is the caller's, not the servers': leave it out.
    let handles = (servers.capacity() * std::mem::size_of::<ServerRef<Counter>>()) as isize;
    let per = (live_bytes() - before - handles) as f64 / IDLE as f64;
    for s in &servers {
        s.stop(ExitReason::Normal, INFINITY).await.unwrap();
    }
    per
}

// ---- harness ----------------------------------------------------------------------------------

struct Row {
    name: &'static str,
    unit: &'static str,
    raw: f64,
    otp: f64,
    target: &'static str,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let quick = args.iter().any(|a| a == "quick");
    // Other arguments select workloads by a word of their name, e.g. `spawn`.
    let only: Vec<&String> = args
        .iter()
        .filter(|a| *a != "quick" && *a != "current")
        .collect();
    let rounds = if quick { 3 } else { 11 };
    // `current` in the arguments: one thread, which shows the per-message cost without
    // cross-core wakeups; the default is tokio's multi-threaded runtime, as applications use.
    let current = args.iter().any(|a| a == "current");
    let rt = if current {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    }
    .enable_all()
    .build()
    .unwrap();
    let mut rows = Vec::new();
    macro_rules! measure {
        ($name:expr, $unit:expr, $target:expr, $raw:expr, $otp:expr) => {{
            let name: &'static str = $name;
            if only.is_empty() || only.iter().any(|w| name.contains(w.as_str())) {
                let (mut raw, mut otp) = (Vec::new(), Vec::new());
                // Each run is a task on a worker thread, as application code is.
                let run_raw = || rt.block_on(async { tokio::spawn(async { $raw }).await.unwrap() });
                let run_otp = || rt.block_on(async { tokio::spawn(async { $otp }).await.unwrap() });
                run_raw();
                run_otp();
                for _ in 0..rounds {
                    raw.push(run_raw());
                    otp.push(run_otp());
                }
                rows.push(Row {
                    name,
                    unit: $unit,
                    raw: median(raw),
                    otp: median(otp),
                    target: $target,
                });
            }
        }};
    }
    measure!(
        "call round trip",
        "ns/call",
        "≤ 1.25×",
        call_raw().await,
        call_otp().await
    );
    measure!(
        "cast, 1 producer",
        "ns/cast",
        "≤ 1.43× (≥ 0.7× throughput)",
        cast_raw(1).await,
        cast_otp(1).await
    );
    measure!(
        "cast, 4 producers",
        "ns/cast",
        "≤ 1.43× (≥ 0.7× throughput)",
        cast_raw(4).await,
        cast_otp(4).await
    );
    measure!(
        "spawn + call + stop",
        "ns/server",
        "≤ 1.5×",
        spawn_raw().await,
        spawn_otp().await
    );
    measure!(
        "heap per idle server",
        "bytes",
        "≤ 1.2×",
        heap_raw().await,
        heap_otp().await
    );
    measure!(
        "call, #[gen_server] vs hand-written GenServer",
        "ns/call",
        "≤ 1.05×",
        call_otp().await,
        call_macro().await
    );
    measure!(
        "cast, #[gen_server] vs hand-written GenServer",
        "ns/cast",
        "≤ 1.05×",
        cast_otp(1).await,
        cast_macro().await
    );
    measure!(
        "call, #[gen_statem]",
        "ns/call",
        "-",
        call_raw().await,
        call_statem().await
    );
    measure!(
        "cast, #[gen_statem], 1 producer",
        "ns/cast",
        "-",
        cast_raw(1).await,
        cast_statem().await
    );
    // The baseline is raw tokio, except where the workload names another.
    println!("| workload | unit | baseline | otp-runtime | ratio | target |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.2}× | {} |",
            r.name,
            r.unit,
            r.raw,
            r.otp,
            r.otp / r.raw,
            r.target
        );
    }
}
