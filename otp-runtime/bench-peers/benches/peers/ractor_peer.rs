//! The workloads on ractor, written as its documentation shows: an `Actor` with a message
//! enum, `call!` with an `RpcReplyPort`, `cast`, `spawn_linked` for the tree. Ractor's
//! mailboxes are unbounded. Its core has no supervisor that restarts children (a linked
//! parent is told of a child's death and decides by hand), so the restart workloads are
//! not run on it.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ractor::{call, Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use tokio::sync::mpsc;

use crate::common::live_bytes;
use crate::{settle, SpawnResult, BREADTH, DEPTH, TREE_PROCESSES};

pub struct Counter;

pub enum CounterMsg {
    Bump(RpcReplyPort<u64>),
    Get(RpcReplyPort<u64>),
    Add(u64),
}

impl Actor for Counter {
    type Msg = CounterMsg;
    type State = u64;
    type Arguments = ();

    async fn pre_start(&self, _: ActorRef<CounterMsg>, _: ()) -> Result<u64, ActorProcessingErr> {
        Ok(0)
    }

    async fn handle(
        &self,
        _: ActorRef<CounterMsg>,
        msg: CounterMsg,
        n: &mut u64,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            CounterMsg::Bump(reply) => {
                *n += 1;
                let _ = reply.send(*n);
            }
            CounterMsg::Get(reply) => {
                let _ = reply.send(*n);
            }
            CounterMsg::Add(k) => *n += k,
        }
        Ok(())
    }
}

pub async fn call(calls: u64) -> f64 {
    let (c, _) = Actor::spawn(None, Counter, ()).await.unwrap();
    let t = Instant::now();
    for i in 1..=calls {
        assert_eq!(call!(c, CounterMsg::Bump).unwrap(), i);
    }
    let r = t.elapsed().as_nanos() as f64 / calls as f64;
    c.stop_and_wait(None, None).await.unwrap();
    r
}

/// `clients` tasks each make `calls / clients` calls to one counter at once; each checks
/// that its replies increase and returns their sum, which over all clients must be
/// 1 + 2 + ... + calls (every count answered exactly once), and a last call reads `calls`.
pub async fn contended(clients: u64, calls: u64) -> f64 {
    let (c, _) = Actor::spawn(None, Counter, ()).await.unwrap();
    let t = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                let (mut sum, mut last) = (0, 0);
                for _ in 0..calls / clients {
                    let n = call!(c, CounterMsg::Bump).unwrap();
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
    assert_eq!(call!(c, CounterMsg::Get).unwrap(), calls);
    let r = t.elapsed().as_nanos() as f64 / calls as f64;
    assert_eq!(sum, calls * (calls + 1) / 2);
    c.stop_and_wait(None, None).await.unwrap();
    r
}

pub async fn cast(producers: u64, casts: u64) -> f64 {
    let (c, _) = Actor::spawn(None, Counter, ()).await.unwrap();
    let t = Instant::now();
    let tasks: Vec<_> = (0..producers)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                for _ in 0..casts / producers {
                    c.cast(CounterMsg::Add(1)).map_err(drop).unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(call!(c, CounterMsg::Get).unwrap(), casts);
    let r = t.elapsed().as_nanos() as f64 / casts as f64;
    c.stop_and_wait(None, None).await.unwrap();
    r
}

pub async fn spawn(servers: usize) -> SpawnResult {
    let mut live = Vec::with_capacity(servers);
    let before = live_bytes();
    let t = Instant::now();
    for _ in 0..servers {
        let (c, _) = Actor::spawn(None, Counter, ()).await.unwrap();
        assert_eq!(call!(c, CounterMsg::Bump).unwrap(), 1);
        live.push(c);
    }
    let up = t.elapsed();
    let heap = settle(before).await / servers as f64;
    let t = Instant::now();
    for c in &live {
        c.stop_and_wait(None, None).await.unwrap();
    }
    let down = t.elapsed();
    SpawnResult::new(up + down, servers, heap)
}

// ---- ring ----------------------------------------------------------------------------------------

pub struct RingNode {
    index: usize,
    done: mpsc::UnboundedSender<usize>,
}

pub enum RingMsg {
    Next(ActorRef<RingMsg>),
    Token(u64),
}

impl Actor for RingNode {
    type Msg = RingMsg;
    type State = Option<ActorRef<RingMsg>>;
    type Arguments = ();

    async fn pre_start(
        &self,
        _: ActorRef<RingMsg>,
        _: (),
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(None)
    }

    async fn handle(
        &self,
        _: ActorRef<RingMsg>,
        msg: RingMsg,
        next: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            RingMsg::Next(n) => *next = Some(n),
            RingMsg::Token(0) => self.done.send(self.index)?,
            RingMsg::Token(k) => next.as_ref().unwrap().cast(RingMsg::Token(k - 1))?,
        }
        Ok(())
    }
}

pub async fn ring(nodes: usize, hops: u64) -> f64 {
    let (done, mut finished) = mpsc::unbounded_channel();
    let mut ring = Vec::with_capacity(nodes);
    for index in 0..nodes {
        let node = RingNode {
            index,
            done: done.clone(),
        };
        ring.push(Actor::spawn(None, node, ()).await.unwrap().0);
    }
    for (i, node) in ring.iter().enumerate() {
        let next = ring[(i + 1) % nodes].clone();
        node.cast(RingMsg::Next(next)).map_err(drop).unwrap();
    }
    let t = Instant::now();
    ring[0].cast(RingMsg::Token(hops)).map_err(drop).unwrap();
    let last = finished.recv().await.unwrap();
    let r = t.elapsed().as_nanos() as f64 / hops as f64;
    assert_eq!(last, hops as usize % nodes);
    for node in &ring {
        node.stop_and_wait(None, None).await.unwrap();
    }
    r
}

// ---- the tree ------------------------------------------------------------------------------------

/// Tree nodes alive now: the tree's shutdown must bring it back to zero.
static ALIVE: AtomicUsize = AtomicUsize::new(0);

/// A node `depth` levels tall; depth 0 is a worker. Children are spawned linked in
/// `pre_start` and stopped, and waited for, in `post_stop`.
pub struct TreeNode;

impl Actor for TreeNode {
    type Msg = ();
    type State = ();
    type Arguments = u32;

    async fn pre_start(&self, me: ActorRef<()>, depth: u32) -> Result<(), ActorProcessingErr> {
        ALIVE.fetch_add(1, Ordering::Relaxed);
        if depth > 0 {
            for _ in 0..BREADTH {
                Actor::spawn_linked(None, TreeNode, depth - 1, me.get_cell()).await?;
            }
        }
        Ok(())
    }

    async fn post_stop(&self, me: ActorRef<()>, _: &mut ()) -> Result<(), ActorProcessingErr> {
        me.stop_children_and_wait(None, None).await;
        ALIVE.fetch_sub(1, Ordering::Relaxed);
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        _: ActorRef<()>,
        _: SupervisionEvent,
        _: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        // A supervisor that outlives its children's ends (the default stops the parent).
        Ok(())
    }
}

pub async fn tree() -> f64 {
    let (root, _) = Actor::spawn(None, TreeNode, DEPTH).await.unwrap();
    let root = black_box(root);
    assert_eq!(ALIVE.load(Ordering::Relaxed), TREE_PROCESSES);
    let t = Instant::now();
    root.stop_and_wait(None, None).await.unwrap();
    let r = t.elapsed().as_nanos() as f64;
    assert_eq!(ALIVE.load(Ordering::Relaxed), 0);
    r
}

/// Not run: ractor's core has no supervisor that restarts a child.
pub async fn restart(_restarts: usize) -> Option<Vec<f64>> {
    None
}

/// Not run: ractor's core has no supervisor that restarts a child.
pub async fn storm(_workers: usize, _rounds: usize) -> Option<f64> {
    None
}
