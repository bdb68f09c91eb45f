//! The workloads on kameo, written as its documentation shows: an `Actor` with one
//! `Message<T>` impl per message, `ask` and `tell`, supervised children (`supervise`, whose
//! `ActorRef` stays valid across restarts). Every actor gets an unbounded mailbox
//! (`spawn_with_mailbox(.., mailbox::unbounded())`; kameo's default is bounded).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kameo::actor::{Actor, ActorRef, Spawn, WeakActorRef};
use kameo::error::{ActorStopReason, Infallible};
use kameo::mailbox;
use kameo::message::{Context, Message};
use kameo::supervision::RestartPolicy;
use tokio::sync::mpsc;

use crate::common::live_bytes;
use crate::common::raw::CRASH;
use crate::{settle, SpawnResult, BREADTH, DEPTH, TREE_PROCESSES};

pub struct Counter {
    n: u64,
}

impl Actor for Counter {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(state: Self, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(state)
    }
}

pub struct Bump;
pub struct Get;
pub struct Add(u64);

impl Message<Bump> for Counter {
    type Reply = u64;

    async fn handle(&mut self, _: Bump, _: &mut Context<Self, u64>) -> u64 {
        self.n += 1;
        self.n
    }
}

impl Message<Get> for Counter {
    type Reply = u64;

    async fn handle(&mut self, _: Get, _: &mut Context<Self, u64>) -> u64 {
        self.n
    }
}

impl Message<Add> for Counter {
    type Reply = ();

    async fn handle(&mut self, Add(k): Add, _: &mut Context<Self, ()>) {
        self.n += k;
    }
}

fn counter() -> ActorRef<Counter> {
    Counter::spawn_with_mailbox(Counter { n: 0 }, mailbox::unbounded())
}

async fn stop<A: Actor>(a: &ActorRef<A>) {
    a.stop_gracefully().await.unwrap();
    a.wait_for_shutdown().await;
}

pub async fn call(calls: u64) -> f64 {
    let c = counter();
    let t = Instant::now();
    for i in 1..=calls {
        assert_eq!(c.ask(Bump).await.unwrap(), i);
    }
    let r = t.elapsed().as_nanos() as f64 / calls as f64;
    stop(&c).await;
    r
}

/// `clients` tasks each make `calls / clients` calls to one counter at once; each checks
/// that its replies increase and returns their sum, which over all clients must be
/// 1 + 2 + ... + calls (every count answered exactly once), and a last call reads `calls`.
pub async fn contended(clients: u64, calls: u64) -> f64 {
    let c = counter();
    let t = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                let (mut sum, mut last) = (0, 0);
                for _ in 0..calls / clients {
                    let n = c.ask(Bump).await.unwrap();
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
    assert_eq!(c.ask(Get).await.unwrap(), calls);
    let r = t.elapsed().as_nanos() as f64 / calls as f64;
    assert_eq!(sum, calls * (calls + 1) / 2);
    stop(&c).await;
    r
}

pub async fn cast(producers: u64, casts: u64) -> f64 {
    let c = counter();
    let t = Instant::now();
    let tasks: Vec<_> = (0..producers)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                for _ in 0..casts / producers {
                    c.tell(Add(1)).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(c.ask(Get).await.unwrap(), casts);
    let r = t.elapsed().as_nanos() as f64 / casts as f64;
    stop(&c).await;
    r
}

pub async fn spawn(servers: usize) -> SpawnResult {
    let mut live = Vec::with_capacity(servers);
    let before = live_bytes();
    let t = Instant::now();
    for _ in 0..servers {
        let c = counter();
        assert_eq!(c.ask(Bump).await.unwrap(), 1);
        live.push(c);
    }
    let up = t.elapsed();
    let heap = settle(before).await / servers as f64;
    let t = Instant::now();
    for c in &live {
        stop(c).await;
    }
    let down = t.elapsed();
    SpawnResult::new(up + down, servers, heap)
}

// ---- ring ----------------------------------------------------------------------------------------

pub struct RingNode {
    index: usize,
    next: Option<ActorRef<RingNode>>,
    done: mpsc::UnboundedSender<usize>,
}

impl Actor for RingNode {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(state: Self, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(state)
    }
}

pub struct Next(ActorRef<RingNode>);
pub struct Token(u64);

impl Message<Next> for RingNode {
    type Reply = ();

    async fn handle(&mut self, Next(next): Next, _: &mut Context<Self, ()>) {
        self.next = Some(next);
    }
}

impl Message<Token> for RingNode {
    type Reply = ();

    async fn handle(&mut self, Token(hops): Token, _: &mut Context<Self, ()>) {
        match hops {
            0 => self.done.send(self.index).unwrap(),
            _ => {
                let next = self.next.as_ref().unwrap();
                next.tell(Token(hops - 1)).await.unwrap();
            }
        }
    }
}

pub async fn ring(nodes: usize, hops: u64) -> f64 {
    let (done, mut finished) = mpsc::unbounded_channel();
    let ring: Vec<_> = (0..nodes)
        .map(|index| {
            let node = RingNode {
                index,
                next: None,
                done: done.clone(),
            };
            RingNode::spawn_with_mailbox(node, mailbox::unbounded())
        })
        .collect();
    for (i, node) in ring.iter().enumerate() {
        node.tell(Next(ring[(i + 1) % nodes].clone()))
            .await
            .unwrap();
    }
    let t = Instant::now();
    ring[0].tell(Token(hops)).await.unwrap();
    let last = finished.recv().await.unwrap();
    let r = t.elapsed().as_nanos() as f64 / hops as f64;
    assert_eq!(last, hops as usize % nodes);
    for node in &ring {
        stop(node).await;
    }
    r
}

// ---- supervision ---------------------------------------------------------------------------------

/// A supervisor: an actor whose children are `supervise`d under it.
pub struct Sup;

impl Actor for Sup {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(state: Self, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(state)
    }
}

/// Answers `Ping` with its incarnation's number (counted across restarts through the shared
/// argument) and panics on `Crash`.
pub struct Crasher {
    incarnation: u64,
}

impl Actor for Crasher {
    type Args = Arc<AtomicU64>;
    type Error = Infallible;

    async fn on_start(starts: Arc<AtomicU64>, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(Crasher {
            incarnation: starts.fetch_add(1, Ordering::Relaxed),
        })
    }
}

pub struct Ping;
pub struct Crash;

impl Message<Ping> for Crasher {
    type Reply = u64;

    async fn handle(&mut self, _: Ping, _: &mut Context<Self, u64>) -> u64 {
        self.incarnation
    }
}

impl Message<Crash> for Crasher {
    type Reply = ();

    async fn handle(&mut self, _: Crash, _: &mut Context<Self, ()>) {
        panic!("{}", CRASH)
    }
}

async fn supervised(sup: &ActorRef<Sup>, restarts: usize) -> ActorRef<Crasher> {
    Crasher::supervise(sup, Arc::new(AtomicU64::new(0)))
        .restart_policy(RestartPolicy::Permanent)
        .restart_limit(restarts as u32 + 1, Duration::from_secs(60))
        .spawn_with_mailbox(mailbox::unbounded())
        .await
}

/// Asks until the next incarnation answers. The mailbox outlives the crash, so an ask
/// queued behind it is usually answered by the restarted actor.
async fn until_restarted(c: &ActorRef<Crasher>, last: u64) -> u64 {
    loop {
        match c.ask(Ping).await {
            Ok(n) => {
                assert_eq!(n, last + 1, "answered by the incarnation that was to crash");
                return n;
            }
            Err(_) => tokio::task::yield_now().await,
        }
    }
}

async fn first_answer(c: &ActorRef<Crasher>) -> u64 {
    loop {
        match c.ask(Ping).await {
            Ok(n) => return n,
            Err(_) => tokio::task::yield_now().await,
        }
    }
}

pub async fn restart(restarts: usize) -> Option<Vec<f64>> {
    let sup = Sup::spawn_with_mailbox(Sup, mailbox::unbounded());
    let c = supervised(&sup, restarts).await;
    let mut last = first_answer(&c).await;
    let mut samples = Vec::with_capacity(restarts);
    for _ in 0..restarts {
        let t = Instant::now();
        c.tell(Crash).await.unwrap();
        last = until_restarted(&c, last).await;
        samples.push(t.elapsed().as_nanos() as f64);
    }
    stop(&sup).await;
    Some(samples)
}

pub async fn storm(workers: usize, rounds: usize) -> Option<f64> {
    let sup = Sup::spawn_with_mailbox(Sup, mailbox::unbounded());
    let mut crashers = Vec::with_capacity(workers);
    let mut last = Vec::with_capacity(workers);
    for _ in 0..workers {
        let c = supervised(&sup, rounds).await;
        last.push(first_answer(&c).await);
        crashers.push(c);
    }
    let t = Instant::now();
    for _ in 0..rounds {
        for c in &crashers {
            c.tell(Crash).await.unwrap();
        }
        for (c, last) in crashers.iter().zip(&mut last) {
            *last = until_restarted(c, *last).await;
        }
    }
    let r = t.elapsed().as_nanos() as f64 / (workers * rounds) as f64;
    stop(&sup).await;
    Some(r)
}

/// Tree nodes alive now: the tree's shutdown must bring it back to zero.
static ALIVE: AtomicUsize = AtomicUsize::new(0);

/// A node `depth` levels tall; depth 0 is a worker. Children are supervised by their parent,
/// which stops them, and waits for them, when it stops.
pub struct TreeNode;

impl Actor for TreeNode {
    type Args = u32;
    type Error = Infallible;

    async fn on_start(depth: u32, me: ActorRef<Self>) -> Result<Self, Infallible> {
        ALIVE.fetch_add(1, Ordering::Relaxed);
        if depth > 0 {
            for _ in 0..BREADTH {
                TreeNode::supervise(&me, depth - 1)
                    .spawn_with_mailbox(mailbox::unbounded())
                    .await;
            }
        }
        Ok(TreeNode)
    }

    async fn on_stop(
        &mut self,
        _: WeakActorRef<Self>,
        _: ActorStopReason,
    ) -> Result<(), Infallible> {
        ALIVE.fetch_sub(1, Ordering::Relaxed);
        Ok(())
    }
}

pub async fn tree() -> f64 {
    let root = black_box(TreeNode::spawn_with_mailbox(DEPTH, mailbox::unbounded()));
    // Children start on their own after `supervise(..).spawn()` returns: wait for all.
    while ALIVE.load(Ordering::Relaxed) < TREE_PROCESSES {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let t = Instant::now();
    stop(&root).await;
    // A child's `on_stop` may run just after its parent saw it close: the tree is down when
    // every node's has run.
    while ALIVE.load(Ordering::Relaxed) > 0 {
        tokio::task::yield_now().await;
    }
    t.elapsed().as_nanos() as f64
}
