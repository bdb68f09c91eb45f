//! The workloads on otp-runtime, written as its users would: `#[gen_server]` servers,
//! supervisors built with `SupervisorSpec` and `ChildSpec`, named children.

use std::hint::black_box;
use std::time::{Duration, Instant};

use otp_runtime::prelude::*;
use tokio::sync::mpsc;

use crate::common::live_bytes;
use crate::common::raw::CRASH;
use crate::{settle, SpawnResult, BREADTH, DEPTH, TREE_PROCESSES};

/// The counter every throughput workload uses.
pub struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    /// Adds one and answers the new count.
    #[call]
    pub fn bump(&mut self) -> u64 {
        self.n += 1;
        self.n
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

pub async fn call(calls: u64) -> f64 {
    let c = Counter { n: 0 }.start().await.unwrap();
    let t = Instant::now();
    for i in 1..=calls {
        assert_eq!(c.bump().await.unwrap(), i);
    }
    let r = t.elapsed().as_nanos() as f64 / calls as f64;
    c.stop(ExitReason::Normal, INFINITY).await.unwrap();
    r
}

/// `clients` tasks each make `calls / clients` calls to one counter at once; each checks
/// that its replies increase and returns their sum, which over all clients must be
/// 1 + 2 + ... + calls (every count answered exactly once), and a last call reads `calls`.
pub async fn contended(clients: u64, calls: u64) -> f64 {
    let c = Counter { n: 0 }.start().await.unwrap();
    let t = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                let (mut sum, mut last) = (0, 0);
                for _ in 0..calls / clients {
                    let n = c.bump().await.unwrap();
                    assert!(n > last);
                    (sum, last) = (sum + n, n);
                }
                sum
            })
        })
        .collect();
    let mut sum = 0;
    for task in tasks {
        sum += task.await.unwrap();
    }
    assert_eq!(c.get().await.unwrap(), calls);
    let r = t.elapsed().as_nanos() as f64 / calls as f64;
    assert_eq!(sum, calls * (calls + 1) / 2);
    c.stop(ExitReason::Normal, INFINITY).await.unwrap();
    r
}

pub async fn cast(producers: u64, casts: u64) -> f64 {
    let c = Counter { n: 0 }.start().await.unwrap();
    let t = Instant::now();
    let tasks: Vec<_> = (0..producers)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                for _ in 0..casts / producers {
                    c.add(1);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(c.get().await.unwrap(), casts);
    let r = t.elapsed().as_nanos() as f64 / casts as f64;
    c.stop(ExitReason::Normal, INFINITY).await.unwrap();
    r
}

pub async fn spawn(servers: usize) -> SpawnResult {
    let mut live = Vec::with_capacity(servers);
    let before = live_bytes();
    let t = Instant::now();
    for _ in 0..servers {
        let c = Counter { n: 0 }.start().await.unwrap();
        assert_eq!(c.bump().await.unwrap(), 1);
        live.push(c);
    }
    let up = t.elapsed();
    let heap = settle(before).await / servers as f64;
    let t = Instant::now();
    for c in &live {
        c.stop(ExitReason::Normal, INFINITY).await.unwrap();
    }
    let down = t.elapsed();
    SpawnResult::new(up + down, servers, heap)
}

// ---- ring ----------------------------------------------------------------------------------------

pub struct RingNode {
    index: usize,
    next: Option<RingNodeRef>,
    done: mpsc::UnboundedSender<usize>,
}

#[gen_server]
impl RingNode {
    #[cast]
    pub fn link_to(&mut self, next: RingNodeRef) {
        self.next = Some(next);
    }

    /// Passes the token on, `hops` more times.
    #[cast]
    pub fn token(&mut self, hops: u64) {
        match hops {
            0 => self.done.send(self.index).unwrap(),
            _ => self.next.as_ref().unwrap().token(hops - 1),
        }
    }
}

pub async fn ring(nodes: usize, hops: u64) -> f64 {
    let (done, mut finished) = mpsc::unbounded_channel();
    let mut ring = Vec::with_capacity(nodes);
    for index in 0..nodes {
        let node = RingNode {
            index,
            next: None,
            done: done.clone(),
        };
        ring.push(node.start().await.unwrap());
    }
    for (i, node) in ring.iter().enumerate() {
        node.link_to(ring[(i + 1) % nodes].clone());
    }
    let t = Instant::now();
    ring[0].token(hops);
    let last = finished.recv().await.unwrap();
    let r = t.elapsed().as_nanos() as f64 / hops as f64;
    assert_eq!(last, hops as usize % nodes);
    for node in &ring {
        node.stop(ExitReason::Normal, INFINITY).await.unwrap();
    }
    r
}

// ---- supervision ---------------------------------------------------------------------------------

/// Answers a call with its pid (so an answer names its incarnation); panics on a cast.
pub struct Crasher;

#[gen_server]
impl Crasher {
    #[call]
    pub fn incarnation(&self, ctx: &mut Ctx<Self>) -> Pid {
        ctx.pid()
    }

    #[cast]
    pub fn crash(&mut self) {
        panic!("{}", CRASH)
    }
}

/// Calls until a new incarnation answers: a call queued behind the crash fails with
/// `Exited`, then the name is free (`NoProc`) until the supervisor has restarted the child.
async fn until_restarted(c: &CrasherRef, last: Pid) -> Pid {
    loop {
        match c.incarnation().await {
            Ok(pid) => {
                assert_ne!(pid, last, "answered by the incarnation that was to crash");
                return pid;
            }
            Err(CallError::NoProc { .. } | CallError::Exited(_)) => tokio::task::yield_now().await,
            Err(e) => panic!("restart: {e}"),
        }
    }
}

pub async fn restart(restarts: usize) -> Option<Vec<f64>> {
    let sup = SupervisorSpec::one_for_one()
        .intensity(restarts as u32 + 1, Duration::from_secs(60))
        .child(ChildSpec::worker("crasher", || Crasher).name("crasher"))
        .start()
        .await
        .unwrap();
    let c = Crasher::named("crasher");
    let mut last = c.incarnation().await.unwrap();
    let mut samples = Vec::with_capacity(restarts);
    for _ in 0..restarts {
        let t = Instant::now();
        c.crash();
        last = until_restarted(&c, last).await;
        samples.push(t.elapsed().as_nanos() as f64);
    }
    sup.stop().await.unwrap();
    Some(samples)
}

pub async fn storm(workers: usize, rounds: usize) -> Option<f64> {
    let sup = (0..workers)
        .fold(SupervisorSpec::one_for_one(), |spec, i| {
            spec.child(ChildSpec::worker(format!("w{i}"), || Crasher).name(format!("storm{i}")))
        })
        .intensity((workers * rounds) as u32, Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let crashers: Vec<_> = (0..workers)
        .map(|i| Crasher::named(format!("storm{i}")))
        .collect();
    let mut last = Vec::with_capacity(workers);
    for c in &crashers {
        last.push(c.incarnation().await.unwrap());
    }
    let t = Instant::now();
    for _ in 0..rounds {
        for c in &crashers {
            c.crash();
        }
        for (c, last) in crashers.iter().zip(&mut last) {
            *last = until_restarted(c, *last).await;
        }
    }
    let r = t.elapsed().as_nanos() as f64 / (workers * rounds) as f64;
    // Still up: every crash was within the intensity limit.
    sup.stop().await.unwrap();
    Some(r)
}

#[derive(Default)]
pub struct Worker;

#[gen_server]
impl Worker {
    #[call]
    pub fn ping(&self) {}
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

pub async fn tree() -> f64 {
    let base = otp_runtime::process_count();
    let root = black_box(tree_spec(DEPTH).start().await.unwrap());
    assert_eq!(otp_runtime::process_count(), base + TREE_PROCESSES);
    let t = Instant::now();
    root.stop().await.unwrap();
    let r = t.elapsed().as_nanos() as f64;
    // Every process has left the table by the time the root's stop returns.
    assert_eq!(otp_runtime::process_count(), base);
    r
}
