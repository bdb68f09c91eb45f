//! What the observer costs the node it watches: a busy node's throughput (casts and calls
//! across servers, as the soak's load) with and without a sampler taking a snapshot at the
//! observer's default refresh (1 s), and what one snapshot costs by itself.
//!
//! Run: `cargo bench -p otp-observer --bench observer` (add `-- quick` for a smaller run, as
//! CI). Runs alternate off/on so that drift of a shared machine falls on both; the ratio is
//! of the medians.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use otp_observer::{Rates, Snapshot, DEFAULT_REFRESH};
use otp_runtime::node::Node;
use otp_runtime::prelude::*;

/// A server that counts; casts add, calls read.
#[derive(Default)]
pub struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[cast]
    pub fn add(&mut self, k: u64) {
        self.n += k;
    }

    #[call]
    pub fn get(&self) -> u64 {
        self.n
    }
}

const SERVERS: usize = 16;
const CLIENTS: usize = 8;
/// Idle servers beside the busy ones: a listing asks every behaviour.
const IDLE: usize = 200;

/// Requests per second over `window`, with a sampler or not.
async fn run(window: Duration, sample: bool) -> f64 {
    let node = Node::new();
    let servers: Vec<CounterRef> = node
        .scope(async {
            let sup = SupervisorSpec::one_for_one().start().await.unwrap();
            let mut v = Vec::new();
            for i in 0..SERVERS + IDLE {
                let id = format!("c{i}");
                sup.start_child(ChildSpec::worker(id.clone(), Counter::default).name(id.clone()))
                    .await
                    .unwrap();
                v.push(Counter::named(id));
            }
            v
        })
        .await;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (servers, stop, done) = (servers[..SERVERS].to_vec(), stop.clone(), done.clone());
        clients.push(node.spawn_task(async move {
            let mut i = c;
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                // Nine casts and a call, to servers in turn.
                for _ in 0..9 {
                    servers[i % SERVERS].add(1);
                    i += 1;
                }
                servers[i % SERVERS].get().await.unwrap();
                i += 1;
                n += 10;
            }
            done.fetch_add(n, Ordering::Relaxed);
        }));
    }
    let sampler = sample.then(|| {
        let (node, stop) = (node.clone(), stop.clone());
        tokio::spawn(async move {
            let mut before: Option<Snapshot> = None;
            let mut tick = tokio::time::interval(DEFAULT_REFRESH);
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let now = Snapshot::take(&node).await;
                if let Some(b) = &before {
                    std::hint::black_box(Rates::between(b, &now));
                }
                before = Some(now);
            }
        })
    });
    let t0 = Instant::now();
    tokio::time::sleep(window).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let secs = t0.elapsed().as_secs_f64();
    if let Some(s) = sampler {
        s.abort();
    }
    node.stop().await;
    done.load(Ordering::Relaxed) as f64 / secs
}

/// What one snapshot of a node of `n` idle servers takes, wall clock, median of `rounds`.
async fn snapshot_cost(n: usize, rounds: usize) -> Duration {
    let node = Node::new();
    node.scope(async {
        for _ in 0..n {
            Counter::default().start().await.unwrap();
        }
    })
    .await;
    let mut times = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        std::hint::black_box(Snapshot::take(&node).await);
        times.push(t.elapsed());
    }
    node.stop().await;
    times.sort();
    times[times.len() / 2]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let (window, rounds) = if quick {
        (Duration::from_secs(2), 3)
    } else {
        (Duration::from_secs(5), 7)
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (mut off, mut on) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            off.push(run(window, false).await);
            on.push(run(window, true).await);
        }
        let (off_m, on_m) = (median(off.clone()), median(on.clone()));
        println!(
            "busy node ({SERVERS} busy servers, {IDLE} idle, {CLIENTS} clients; 9 casts + 1 call each round), {rounds} runs of {window:?} each"
        );
        println!("  without observer: median {off_m:>10.0} msgs/s   runs {off:.0?}");
        println!("  sampling at 1 s:  median {on_m:>10.0} msgs/s   runs {on:.0?}");
        println!(
            "  throughput with / without: {:.4} ({:+.2}%)",
            on_m / off_m,
            (on_m / off_m - 1.0) * 100.0
        );
        for n in [100, 1_000, 10_000] {
            if quick && n > 1_000 {
                continue;
            }
            let t = snapshot_cost(n, if quick { 5 } else { 11 }).await;
            println!(
                "  one snapshot of {n:>6} idle servers: {:>9.3} ms (at 1 s: {:.3}% of one core, at most)",
                t.as_secs_f64() * 1e3,
                t.as_secs_f64() * 100.0
            );
        }
    });
}
