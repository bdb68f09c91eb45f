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

/// This process's CPU time (user + system) so far, from `/proc/self/stat` (Linux; `None`
/// elsewhere), in clock ticks of 10 ms.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command's closing parenthesis; utime and stime are 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// One run: messages per second of wall time, and CPU ticks per million messages (what a
/// message costs, whatever share of the machine other programs take).
#[derive(Clone, Copy, Debug)]
struct Run {
    rate: f64,
    cpu_per_m: Option<f64>,
}

/// Requests per second over `window`, with a sampler taking a snapshot every `sample`, or
/// none.
async fn run(window: Duration, sample: Option<Duration>) -> Run {
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
    let sampler = sample.map(|every| {
        let (node, stop) = (node.clone(), stop.clone());
        tokio::spawn(async move {
            let mut before: Option<Snapshot> = None;
            let mut tick = tokio::time::interval(every);
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
    let (t0, c0) = (Instant::now(), cpu_ticks());
    tokio::time::sleep(window).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let (secs, c1) = (t0.elapsed().as_secs_f64(), cpu_ticks());
    if let Some(s) = sampler {
        s.abort();
    }
    node.stop().await;
    let msgs = done.load(Ordering::Relaxed) as f64;
    Run {
        rate: msgs / secs,
        cpu_per_m: c0.zip(c1).map(|(a, b)| (b - a) as f64 / msgs * 1e6),
    }
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
        // The observer's rate, and ten times it: a cost ten times larger stands out of the
        // noise of a shared machine, and a tenth of it is the cost at the default.
        let modes = [
            ("without observer", None),
            ("sampling every 1 s", Some(DEFAULT_REFRESH)),
            ("sampling every 100 ms", Some(DEFAULT_REFRESH / 10)),
        ];
        run(window / 2, None).await; // warm-up
        let mut results = vec![Vec::new(); modes.len()];
        for round in 0..rounds {
            // Each round in another order, so that drift falls on every mode alike.
            for k in 0..modes.len() {
                let m = (k + round) % modes.len();
                results[m].push(run(window, modes[m].1).await);
            }
        }
        println!(
            "busy node ({SERVERS} busy servers, {IDLE} idle, {CLIENTS} clients; 9 casts + 1 call each round), {rounds} runs of {window:?} each"
        );
        let rates = |runs: &Vec<Run>| runs.iter().map(|r| r.rate).collect::<Vec<_>>();
        let cpus = |runs: &Vec<Run>| runs.iter().filter_map(|r| r.cpu_per_m).collect::<Vec<_>>();
        let base = median(rates(&results[0]));
        let base_cpu = cpus(&results[0]);
        let base_cpu = (!base_cpu.is_empty()).then(|| median(base_cpu));
        for ((name, _), runs) in modes.iter().zip(&results) {
            let m = median(rates(runs));
            let cpu = match (base_cpu, cpus(runs)) {
                (Some(b), c) if !c.is_empty() => {
                    let c = median(c);
                    format!("  CPU {:.1} ticks per M msgs ({:+.2}%)", c, (c / b - 1.0) * 100.0)
                }
                _ => String::new(),
            };
            println!(
                "  {name:<22} median {m:>10.0} msgs/s ({:+.2}%){cpu}  runs {:.0?}",
                (m / base - 1.0) * 100.0,
                rates(runs)
            );
        }
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
