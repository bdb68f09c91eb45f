//! The raw tokio baseline: a task, an unbounded mpsc and a oneshot per call, and supervision
//! done by hand through `JoinHandle`s.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

/// The message of every panic a benchmark causes on purpose; the benches' panic hooks keep
/// quiet about those only.
pub const CRASH: &str = "crash requested by the benchmark";

/// Installs a panic hook that drops the benchmark's own panics ([`CRASH`]) and reports any
/// other.
pub fn quiet_crashes() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let ours = info.payload().downcast_ref::<String>().map(String::as_str) == Some(CRASH)
            || info.payload().downcast_ref::<&str>() == Some(&CRASH);
        if !ours {
            report(info);
        }
    }));
}

// ---- a counter server ------------------------------------------------------------------------

pub enum RawMsg {
    Add(u64),
    Get(oneshot::Sender<u64>),
    /// Adds one and answers the new count.
    Bump(oneshot::Sender<u64>),
}

/// A counter task; it ends when the last sender is dropped.
pub fn raw_spawn() -> mpsc::UnboundedSender<RawMsg> {
    raw_spawn_joined().0
}

/// A counter task and its `JoinHandle`.
pub fn raw_spawn_joined() -> (mpsc::UnboundedSender<RawMsg>, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let mut n = 0u64;
        while let Some(m) = rx.recv().await {
            match m {
                RawMsg::Add(k) => n += k,
                RawMsg::Get(reply) => {
                    let _ = reply.send(n);
                }
                RawMsg::Bump(reply) => {
                    n += 1;
                    let _ = reply.send(n);
                }
            }
        }
    });
    (tx, task)
}

/// Reads the count.
pub async fn raw_call(tx: &mpsc::UnboundedSender<RawMsg>) -> u64 {
    let (reply, rx) = oneshot::channel();
    tx.send(RawMsg::Get(reply)).unwrap();
    rx.await.unwrap()
}

/// Adds one and answers the new count.
pub async fn raw_bump(tx: &mpsc::UnboundedSender<RawMsg>) -> u64 {
    let (reply, rx) = oneshot::channel();
    tx.send(RawMsg::Bump(reply)).unwrap();
    rx.await.unwrap()
}

// ---- a supervised worker that crashes on request ----------------------------------------------

pub enum RawReq {
    /// Answers with the incarnation's number.
    Ping(oneshot::Sender<u64>),
    Crash,
    Stop,
}

/// Where the current incarnation's sender is published (the registered name).
pub type Slot = Arc<Mutex<Option<mpsc::UnboundedSender<RawReq>>>>;

/// Incarnation `incarnation` of a worker, to spawn: its sender is published in `slot` at
/// once.
pub fn raw_worker(slot: &Slot, incarnation: u64) -> impl Future<Output = ()> + Send + 'static {
    let (tx, mut rx) = mpsc::unbounded_channel();
    *slot.lock().unwrap() = Some(tx);
    async move {
        while let Some(req) = rx.recv().await {
            match req {
                RawReq::Ping(reply) => {
                    let _ = reply.send(incarnation);
                }
                RawReq::Crash => panic!("{}", CRASH),
                RawReq::Stop => return,
            }
        }
    }
}

/// The raw "supervisor" of one worker: awaits the task, respawns it if it panicked, ends
/// when it returns.
pub async fn raw_supervise(slot: Slot) {
    for incarnation in 0u64.. {
        match tokio::spawn(raw_worker(&slot, incarnation)).await {
            Err(e) if e.is_panic() => continue,
            _ => return,
        }
    }
}

/// Sends `req` to the current incarnation.
pub fn raw_send(slot: &Slot, req: RawReq) {
    let tx = slot.lock().unwrap().clone().unwrap();
    tx.send(req).map_err(drop).unwrap();
}

/// A call through the slot: `None` if the incarnation it reached is gone.
///
/// The sender is dropped before the reply is awaited. A send can succeed while the
/// incarnation is dying: tokio's `send` checks that the channel is open, then pushes, and the
/// receiver's drop can close and drain the channel in between. The request (and the reply
/// sender in it) then stays in the channel until its last sender is dropped; had this call
/// held one while awaiting the reply, it would wait forever. Dropped here, the last one is
/// the slot's, which the supervisor replaces when it restarts the worker: the request is
/// dropped then, and the reply fails.
pub async fn raw_ping(slot: &Slot) -> Option<u64> {
    let (reply, rx) = oneshot::channel();
    {
        let tx = slot.lock().unwrap().clone()?;
        tx.send(RawReq::Ping(reply)).ok()?;
    }
    rx.await.ok()
}

/// Pings until an incarnation answers.
pub async fn raw_ping_until_up(slot: &Slot) -> u64 {
    loop {
        match raw_ping(slot).await {
            Some(n) => return n,
            None => tokio::task::yield_now().await,
        }
    }
}

// ---- a tree of supervisors ---------------------------------------------------------------------

/// A raw tree node: told to stop by `stop`, awaited through `task`.
pub struct RawNode {
    pub stop: oneshot::Sender<()>,
    pub task: tokio::task::JoinHandle<()>,
}

/// Starts a node `depth` levels tall with `breadth` children a level (depth 0: a worker)
/// and returns once it and all below it have started, as a supervisor's start does.
pub fn raw_start(depth: u32, breadth: usize) -> Pin<Box<dyn Future<Output = RawNode> + Send>> {
    Box::pin(async move {
        let (stop, stop_rx) = oneshot::channel::<()>();
        let (ready, ready_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut children = Vec::new();
            if depth > 0 {
                for _ in 0..breadth {
                    children.push(raw_start(depth - 1, breadth).await);
                }
            }
            let _ = ready.send(());
            let _ = stop_rx.await;
            // Children stop in reverse start order, each awaited before the next.
            for child in children.into_iter().rev() {
                drop(child.stop);
                child.task.await.unwrap();
            }
        });
        ready_rx.await.unwrap();
        RawNode { stop, task }
    })
}

impl RawNode {
    /// Stops the node and everything below it; returns once all have ended.
    pub async fn stop(self) {
        drop(self.stop);
        self.task.await.unwrap();
    }
}
