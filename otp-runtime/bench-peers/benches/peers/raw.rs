//! The workloads on raw tokio: a task, an unbounded mpsc and a oneshot per call; supervision
//! done by hand through `JoinHandle`s. The baseline every ratio is taken against.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

use crate::common::live_bytes;
use crate::common::raw::{
    raw_bump, raw_call, raw_ping_until_up, raw_send, raw_spawn, raw_spawn_joined, raw_start,
    raw_supervise, raw_worker, RawMsg, RawReq, Slot,
};
use crate::{settle, SpawnResult, BREADTH, DEPTH};

pub async fn call(calls: u64) -> f64 {
    let tx = raw_spawn();
    let t = Instant::now();
    for i in 1..=calls {
        assert_eq!(raw_bump(&tx).await, i);
    }
    t.elapsed().as_nanos() as f64 / calls as f64
}

/// `clients` tasks each make `calls / clients` calls to one counter at once; each checks
/// that its replies increase and returns their sum, which over all clients must be
/// 1 + 2 + ... + calls (every count answered exactly once), and a last call reads `calls`.
pub async fn contended(clients: u64, calls: u64) -> f64 {
    let tx = raw_spawn();
    let t = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (mut sum, mut last) = (0, 0);
                for _ in 0..calls / clients {
                    let n = raw_bump(&tx).await;
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
    assert_eq!(raw_call(&tx).await, calls);
    let r = t.elapsed().as_nanos() as f64 / calls as f64;
    assert_eq!(sum, calls * (calls + 1) / 2);
    r
}

pub async fn cast(producers: u64, casts: u64) -> f64 {
    let tx = raw_spawn();
    let t = Instant::now();
    let tasks: Vec<_> = (0..producers)
        .map(|_| {
            let tx = tx.clone();
            tokio::spawn(async move {
                for _ in 0..casts / producers {
                    tx.send(RawMsg::Add(1)).unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(raw_call(&tx).await, casts);
    t.elapsed().as_nanos() as f64 / casts as f64
}

pub async fn spawn(servers: usize) -> SpawnResult {
    let mut live = Vec::with_capacity(servers);
    let before = live_bytes();
    let t = Instant::now();
    for _ in 0..servers {
        let (tx, task) = raw_spawn_joined();
        assert_eq!(raw_bump(&tx).await, 1);
        live.push((tx, task));
    }
    let up = t.elapsed();
    let heap = settle(before).await / servers as f64;
    let t = Instant::now();
    for (tx, task) in live {
        drop(tx);
        task.await.unwrap();
    }
    let down = t.elapsed();
    SpawnResult::new(up + down, servers, heap)
}

enum RingMsg {
    Next(mpsc::UnboundedSender<RingMsg>),
    Token(u64),
}

pub async fn ring(nodes: usize, hops: u64) -> f64 {
    let (done, mut finished) = mpsc::unbounded_channel();
    let mut ring = Vec::with_capacity(nodes);
    let mut tasks = Vec::with_capacity(nodes);
    for index in 0..nodes {
        let (tx, mut rx) = mpsc::unbounded_channel::<RingMsg>();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let mut next = None;
            while let Some(m) = rx.recv().await {
                match m {
                    RingMsg::Next(tx) => next = Some(tx),
                    RingMsg::Token(0) => done.send(index).unwrap(),
                    RingMsg::Token(k) => {
                        let next: &mpsc::UnboundedSender<RingMsg> = next.as_ref().unwrap();
                        next.send(RingMsg::Token(k - 1)).map_err(drop).unwrap();
                    }
                }
            }
        }));
        ring.push(tx);
    }
    for (i, node) in ring.iter().enumerate() {
        let next = ring[(i + 1) % nodes].clone();
        node.send(RingMsg::Next(next)).map_err(drop).unwrap();
    }
    let t = Instant::now();
    ring[0].send(RingMsg::Token(hops)).map_err(drop).unwrap();
    let last = finished.recv().await.unwrap();
    let r = t.elapsed().as_nanos() as f64 / hops as f64;
    assert_eq!(last, hops as usize % nodes);
    // Each node holds the next one's sender: abort the tasks to break the cycle.
    for task in tasks {
        task.abort();
    }
    r
}

pub async fn restart(restarts: usize) -> Option<Vec<f64>> {
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
    Some(samples)
}

/// One supervisor task over many workers: a `JoinSet`, each panicked worker respawned in
/// its slot with the next incarnation number.
async fn supervise_all(slots: Vec<Slot>, ready: oneshot::Sender<()>) {
    let mut set = JoinSet::new();
    let mut index = HashMap::new();
    for (i, slot) in slots.iter().enumerate() {
        let id = set.spawn(raw_worker(slot, 0)).id();
        index.insert(id, (i, 0u64));
    }
    let _ = ready.send(());
    while let Some(ended) = set.join_next_with_id().await {
        match ended {
            Err(e) if e.is_panic() => {
                let (i, incarnation) = index.remove(&e.id()).unwrap();
                let id = set.spawn(raw_worker(&slots[i], incarnation + 1)).id();
                index.insert(id, (i, incarnation + 1));
            }
            Ok((id, ())) => {
                index.remove(&id);
            }
            Err(e) => panic!("worker: {e}"),
        }
    }
}

pub async fn storm(workers: usize, rounds: usize) -> Option<f64> {
    let slots: Vec<Slot> = (0..workers).map(|_| Slot::default()).collect();
    let (ready, up) = oneshot::channel();
    let sup = tokio::spawn(supervise_all(slots.clone(), ready));
    up.await.unwrap();
    let mut last = Vec::with_capacity(workers);
    for slot in &slots {
        last.push(raw_ping_until_up(slot).await);
    }
    let t = Instant::now();
    for _ in 0..rounds {
        for slot in &slots {
            raw_send(slot, RawReq::Crash);
        }
        for (slot, last) in slots.iter().zip(&mut last) {
            let n = raw_ping_until_up(slot).await;
            assert_eq!(
                n,
                *last + 1,
                "answered by the incarnation that was to crash"
            );
            *last = n;
        }
    }
    let r = t.elapsed().as_nanos() as f64 / (workers * rounds) as f64;
    for slot in &slots {
        raw_send(slot, RawReq::Stop);
    }
    sup.await.unwrap();
    Some(r)
}

pub async fn tree() -> f64 {
    let root = black_box(raw_start(DEPTH, BREADTH).await);
    let t = Instant::now();
    root.stop().await;
    t.elapsed().as_nanos() as f64
}
