//! Scale benchmarks, each beside the same work on raw tokio in one run:
//!
//! - children: `N` children started one by one under one dynamic supervisor (each a call to
//!   it), then the supervisor stopped. Raw tokio: a supervisor task holding `N` workers'
//!   `JoinHandle`s in a map, started by request, stopped by closing their channels and
//!   awaiting each.
//! - crash storm: `M` children crash at once; the time until every one has restarted. Raw
//!   tokio: the same workers in a `JoinSet`, respawned as each ends.
//! - timers: 10,000 processes each arm a 1 ms timer to themselves, until every one has been
//!   handled (timed from the arming; they end afterwards, outside the span: the workload is
//!   arm, fire, handle). Raw tokio: 10,000 tasks, each a 1 ms sleep. And the heap
//!   per pending timer: the same processes each arm a one-hour timer; raw tokio: a timer as a
//!   task that sleeps and then sends to its owner.
//! - memory after a spike: `N` idle processes started and stopped; the heap that stays
//!   allocated, against the heap before.
//!
//! Run: `cargo bench -p otp-runtime --bench scale`. Arguments: `quick` for a smaller run (what
//! CI does), `current` for tokio's current-thread runtime (default: multi-thread), other words
//! select workloads by a word of their name (`children`, `storm`, `timers`, `spike`); `once`,
//! `raw` and `otp` are for profilers (one run of the timers, one system's: the timers and the
//! children).

mod common;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::live_bytes;
use common::raw::{quiet_crashes, CRASH};
use otp_runtime::prelude::*;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinSet;

#[global_allocator]
static GLOBAL: common::Counting = common::Counting;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

// ---- children ---------------------------------------------------------------------------------

/// An idle worker that counts its starts and panics on a cast.
struct Idle {
    starts: Arc<AtomicUsize>,
}

impl GenServer for Idle {
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn init(&mut self, _ctx: &mut Ctx<Self>) -> Init {
        self.starts.fetch_add(1, Ordering::Relaxed);
        Init::Ok
    }

    async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
        CallResult::Reply(())
    }

    async fn handle_cast(&mut self, _: (), _ctx: &mut Ctx<Self>) -> Outcome {
        panic!("{}", CRASH)
    }
}

/// A child with no `init` to wait for, as the raw tokio worker has none.
struct Plain;

impl GenServer for Plain {
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
        CallResult::Reply(())
    }
}

fn idle_sup(starts: &Arc<AtomicUsize>, restarts: u32) -> DynamicSupervisorSpec<()> {
    let starts = starts.clone();
    DynamicSupervisorSpec::worker("idle", move |()| Idle {
        starts: starts.clone(),
    })
    .intensity(restarts, Duration::from_secs(3600))
}

/// Nanoseconds to start `n` children one by one, and to stop their supervisor.
async fn children_otp(n: usize) -> [f64; 2] {
    let sup = DynamicSupervisorSpec::worker("plain", |()| Plain)
        .start()
        .await
        .unwrap();
    let t = Instant::now();
    for _ in 0..n {
        sup.start_child(()).await.unwrap();
    }
    let start = t.elapsed().as_nanos() as f64;
    assert_eq!(otp_runtime::process_count(), n + 1);
    children_stop_begins();
    let t = Instant::now();
    sup.stop().await.unwrap();
    let stop = t.elapsed().as_nanos() as f64;
    assert_eq!(otp_runtime::process_count(), 0);
    [start, stop]
}

/// Called between the start and the stop of `children_otp`, for a profiler to split them:
/// `valgrind --tool=callgrind --dump-before='*children_stop_begins*' ...` writes the start
/// (with the setup) and the stop (with the teardown) to two files.
#[inline(never)]
fn children_stop_begins() {
    std::hint::black_box(());
}

enum RawSupReq {
    Start(oneshot::Sender<u64>),
    Stop(oneshot::Sender<()>),
}

/// A worker: idle until its channel closes.
async fn raw_idle(mut rx: mpsc::UnboundedReceiver<()>) {
    while rx.recv().await.is_some() {}
}

async fn children_raw(n: usize) -> [f64; 2] {
    let (tx, mut rx) = mpsc::unbounded_channel::<RawSupReq>();
    tokio::spawn(async move {
        type Worker = (mpsc::UnboundedSender<()>, tokio::task::JoinHandle<()>);
        let mut children: HashMap<u64, Worker> = HashMap::new();
        let mut next = 0;
        while let Some(req) = rx.recv().await {
            match req {
                RawSupReq::Start(reply) => {
                    let (wtx, wrx) = mpsc::unbounded_channel();
                    next += 1;
                    children.insert(next, (wtx, tokio::spawn(raw_idle(wrx))));
                    let _ = reply.send(next);
                }
                RawSupReq::Stop(reply) => {
                    for (_, (wtx, task)) in children.drain() {
                        drop(wtx);
                        let _ = task.await;
                    }
                    let _ = reply.send(());
                    return;
                }
            }
        }
    });
    let t = Instant::now();
    for _ in 0..n {
        let (reply, answer) = oneshot::channel();
        tx.send(RawSupReq::Start(reply)).unwrap();
        answer.await.unwrap();
    }
    let start = t.elapsed().as_nanos() as f64;
    let t = Instant::now();
    let (reply, answer) = oneshot::channel();
    tx.send(RawSupReq::Stop(reply)).unwrap();
    answer.await.unwrap();
    [start, t.elapsed().as_nanos() as f64]
}

// ---- crash storm --------------------------------------------------------------------------------

/// Nanoseconds from crashing `m` children at once until every one has started again.
async fn storm_otp(m: usize) -> f64 {
    let starts = Arc::new(AtomicUsize::new(0));
    let sup = idle_sup(&starts, 2 * m as u32).start().await.unwrap();
    let mut children = Vec::with_capacity(m);
    for _ in 0..m {
        let pid = sup.start_child(()).await.unwrap().unwrap();
        children.push(ServerRef::<Idle>::from_pid(pid).unwrap());
    }
    let t = Instant::now();
    for c in &children {
        c.cast(());
    }
    while starts.load(Ordering::Relaxed) < 2 * m {
        tokio::task::yield_now().await;
    }
    let storm = t.elapsed().as_nanos() as f64;
    sup.stop().await.unwrap();
    storm
}

async fn storm_raw(m: usize) -> f64 {
    let starts = Arc::new(AtomicUsize::new(0));
    let (crashes_tx, crashes) = mpsc::unbounded_channel::<Vec<mpsc::UnboundedSender<()>>>();
    let worker = |starts: Arc<AtomicUsize>| {
        let (tx, mut rx) = mpsc::unbounded_channel::<()>();
        starts.fetch_add(1, Ordering::Relaxed);
        let task = async move {
            if rx.recv().await.is_some() {
                panic!("{}", CRASH);
            }
        };
        (tx, task)
    };
    let sup_starts = starts.clone();
    let sup = tokio::spawn(async move {
        let mut set = JoinSet::new();
        let mut senders = Vec::with_capacity(m);
        for _ in 0..m {
            let (tx, task) = worker(sup_starts.clone());
            senders.push(tx);
            set.spawn(task);
        }
        crashes_tx.send(senders).unwrap();
        // Restart every worker that ends, once.
        let mut restarted = Vec::with_capacity(m);
        while restarted.len() < m {
            let _ = set.join_next().await;
            let (tx, task) = worker(sup_starts.clone());
            restarted.push(tx);
            set.spawn(task);
        }
        drop(restarted);
        while set.join_next().await.is_some() {}
    });
    let mut crashes = crashes;
    let senders = crashes.recv().await.unwrap();
    let t = Instant::now();
    for tx in &senders {
        let _ = tx.send(());
    }
    while starts.load(Ordering::Relaxed) < 2 * m {
        tokio::task::yield_now().await;
    }
    let storm = t.elapsed().as_nanos() as f64;
    drop(senders);
    sup.await.unwrap();
    storm
}

// ---- timers ---------------------------------------------------------------------------------------

/// `n` processes waiting for "go", then each arming a timer of `after` to itself; `done`
/// counts the timers handled.
fn timer_processes(
    n: usize,
    after: Duration,
    done: &Arc<(AtomicUsize, Notify)>,
) -> Vec<ProcessRef<bool>> {
    (0..n)
        .map(|_| {
            let done = done.clone();
            otp_runtime::spawn(move |mut ctx: ProcessCtx<bool>| async move {
                // true: arm the timer, whose message is false; false before that: nothing (a
                // warm-up, see `timer_heap_otp`). Once it is handled, the next message ends
                // the process (outside the timed span: the workload is arm, fire, handle).
                while let Message::Msg(false) = ctx.recv().await {}
                ctx.send_after(after, false);
                if matches!(ctx.recv().await, Message::Msg(false)) {
                    let (count, all) = &*done;
                    if count.fetch_add(1, Ordering::AcqRel) + 1 == n {
                        all.notify_one();
                    }
                    ctx.recv().await;
                }
                ExitReason::Normal
            })
        })
        .collect()
}

/// Nanoseconds from arming `n` timers of 1 ms until all have been handled.
async fn timers_otp(n: usize) -> f64 {
    let done = Arc::new((AtomicUsize::new(0), Notify::new()));
    let procs = timer_processes(n, Duration::from_millis(1), &done);
    tokio::time::sleep(Duration::from_millis(20)).await; // all idle
    let all = done.1.notified();
    let t = Instant::now();
    for p in &procs {
        p.send(true).unwrap();
    }
    all.await;
    let elapsed = t.elapsed().as_nanos() as f64;
    for p in &procs {
        p.send(true).unwrap();
        p.wait_exit().await;
    }
    elapsed
}

async fn timers_raw(n: usize) -> f64 {
    let done = Arc::new((AtomicUsize::new(0), Notify::new()));
    // Each task told to go by a message of its own, as each process is.
    let (gos, tasks): (Vec<_>, Vec<_>) = (0..n)
        .map(|_| {
            let done = done.clone();
            let (go, mut rx) = mpsc::unbounded_channel::<()>();
            let task = tokio::spawn(async move {
                let _ = rx.recv().await;
                tokio::time::sleep(Duration::from_millis(1)).await;
                let (count, all) = &*done;
                if count.fetch_add(1, Ordering::AcqRel) + 1 == n {
                    all.notify_one();
                }
                // Ends when told, outside the timed span, as a process does.
                let _ = rx.recv().await;
            });
            (go, task)
        })
        .unzip();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let all = done.1.notified();
    let t = Instant::now();
    for go in &gos {
        go.send(()).unwrap();
    }
    all.await;
    let elapsed = t.elapsed().as_nanos() as f64;
    drop(gos);
    for task in tasks {
        task.await.unwrap();
    }
    elapsed
}

/// Heap bytes per pending timer: `n` idle processes each arm a one-hour timer.
async fn timer_heap_otp(n: usize) -> f64 {
    let done = Arc::new((AtomicUsize::new(0), Notify::new()));
    let procs = timer_processes(n, Duration::from_secs(3600), &done);
    // A message first, so that the heap counted is the timer's, not the buffer a mailbox
    // allocates at its first message (a raw tokio channel allocates its own when made).
    for p in &procs {
        p.send(false).unwrap();
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    let before = live_bytes();
    for p in &procs {
        p.send(true).unwrap();
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    let per = (live_bytes() - before) as f64 / n as f64;
    for p in &procs {
        otp_runtime::exit(p.pid(), ExitReason::Kill);
        p.wait_exit().await;
    }
    per
}

/// Raw tokio's timer of a process: a task that sleeps, then sends to the owner's channel
/// (what `send_after` was, before timers had a wheel of their own).
async fn timer_heap_raw(n: usize) -> f64 {
    let owners: Vec<_> = (0..n).map(|_| mpsc::unbounded_channel::<()>()).collect();
    let before = live_bytes();
    let timers: Vec<_> = owners
        .iter()
        .map(|(tx, _)| {
            let tx = tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                let _ = tx.send(());
            })
            .abort_handle()
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    // The abort handles are the owner's bookkeeping, as a process keeps its timers'.
    let per = (live_bytes() - before) as f64 / n as f64;
    for t in &timers {
        t.abort();
    }
    drop(timers);
    tokio::time::sleep(Duration::from_millis(20)).await;
    per
}

// ---- memory after a spike --------------------------------------------------------------------------

/// Heap bytes left allocated after `n` idle processes were started and stopped, and the peak.
async fn spike_otp(n: usize) -> [f64; 2] {
    tokio::time::sleep(Duration::from_millis(20)).await;
    let before = live_bytes();
    let procs: Vec<_> = (0..n)
        .map(|_| {
            otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
                ctx.recv().await;
                ExitReason::Normal
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let peak = live_bytes() - before;
    for p in &procs {
        let _ = p.send(());
    }
    for p in &procs {
        p.wait_exit().await;
    }
    drop(procs);
    tokio::time::sleep(Duration::from_millis(50)).await;
    [(live_bytes() - before) as f64, peak as f64]
}

async fn spike_raw(n: usize) -> [f64; 2] {
    tokio::time::sleep(Duration::from_millis(20)).await;
    let before = live_bytes();
    let procs: Vec<_> = (0..n)
        .map(|_| {
            let (tx, rx) = mpsc::unbounded_channel::<()>();
            (tx, tokio::spawn(raw_idle(rx)))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let peak = live_bytes() - before;
    for (tx, task) in procs {
        drop(tx);
        task.await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    [(live_bytes() - before) as f64, peak as f64]
}

// ---- harness ------------------------------------------------------------------------------------

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let quick = args.iter().any(|a| a == "quick");
    let current = args.iter().any(|a| a == "current");
    // For profilers: `once` runs the timers workload once, `raw` or `otp` only that system's
    // (`valgrind --tool=callgrind target/release/deps/scale-<hash> current once otp timers`;
    // the children run once anyway: `... quick current otp children`, with
    // `--dump-before='*children_stop_begins*'` to profile their start and stop apart).
    let once = args.iter().any(|a| a == "once");
    let (want_raw, want_otp) = match (
        args.iter().any(|a| a == "raw"),
        args.iter().any(|a| a == "otp"),
    ) {
        (false, false) => (true, true),
        both => both,
    };
    let only: Vec<&String> = args
        .iter()
        .filter(|a| !["quick", "current", "once", "raw", "otp"].contains(&a.as_str()))
        .collect();
    let selected = |name: &str| only.is_empty() || only.iter().any(|w| name.contains(w.as_str()));
    let (children, storm, timers, spike) = if quick {
        (100_000, 10_000, 10_000, 100_000)
    } else {
        (1_000_000, 100_000, 10_000, 1_000_000)
    };
    quiet_crashes();
    let rt = if current {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    }
    .enable_all()
    .build()
    .unwrap();
    let run = |f: BoxFuture<[f64; 2]>| rt.block_on(async { tokio::spawn(f).await.unwrap() });
    let one = |f: BoxFuture<f64>| rt.block_on(async { tokio::spawn(f).await.unwrap() });

    println!(
        "runtime: {}; {} cores",
        if current {
            "current-thread"
        } else {
            "multi-thread"
        },
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| workload | unit | raw tokio | otp-runtime | ratio |");
    println!("|---|---|---|---|---|");
    let row = |name: String, unit: &str, raw: f64, otp: f64| {
        println!(
            "| {name} | {unit} | {raw:.2} | {otp:.2} | {:.2}× |",
            otp / raw
        );
    };
    if selected("children") {
        let nan = [f64::NAN; 2];
        let raw = if want_raw {
            run(Box::pin(children_raw(children)))
        } else {
            nan
        };
        let otp = if want_otp {
            run(Box::pin(children_otp(children)))
        } else {
            nan
        };
        let k = children as f64 / 1000.0;
        row(
            format!("{k}k children started one by one"),
            "s",
            raw[0] / 1e9,
            otp[0] / 1e9,
        );
        row(
            format!("{k}k children, their supervisor stopped"),
            "s",
            raw[1] / 1e9,
            otp[1] / 1e9,
        );
    }
    if selected("storm") {
        let raw = one(Box::pin(storm_raw(storm)));
        let otp = one(Box::pin(storm_otp(storm)));
        let per = storm as f64 * 1e3;
        row(
            format!("crash storm: {storm} children crash at once, all restarted"),
            "µs/restart",
            raw / per,
            otp / per,
        );
    }
    if selected("timers") {
        let mut raw = Vec::new();
        let mut otp = Vec::new();
        for _ in 0..if once {
            1
        } else if quick {
            3
        } else {
            11
        } {
            if want_raw {
                raw.push(one(Box::pin(timers_raw(timers))));
            }
            if want_otp {
                otp.push(one(Box::pin(timers_otp(timers))));
            }
        }
        if once {
            return;
        }
        let (raw, otp) = (common::median(raw), common::median(otp));
        row(
            format!("timers: {timers} armed at once, 1 ms, until all handled"),
            "ms",
            raw / 1e6,
            otp / 1e6,
        );
        let raw = one(Box::pin(timer_heap_raw(timers)));
        let otp = one(Box::pin(timer_heap_otp(timers)));
        row("heap per pending timer".into(), "bytes", raw, otp);
    }
    if selected("spike") {
        let raw = run(Box::pin(spike_raw(spike)));
        let otp = run(Box::pin(spike_otp(spike)));
        let k = spike as f64 / 1000.0;
        row(
            format!("heap at the peak of {k}k idle processes"),
            "MiB",
            raw[1] / 1048576.0,
            otp[1] / 1048576.0,
        );
        println!(
            "| heap left after {k}k processes started and stopped | KiB | {:.1} | {:.1} | {:.2}% of the peak (raw {:.2}%) |",
            raw[0] / 1024.0,
            otp[0] / 1024.0,
            100.0 * otp[0] / otp[1],
            100.0 * raw[0] / raw[1]
        );
    }
}
