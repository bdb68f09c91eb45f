//! A worker pool found through a process group: each worker joins the group `pool` when it
//! starts, clients pick a worker among the group's members, and a worker that crashes
//! leaves the group on its own; its supervisor restarts it, and the new one joins.
//!
//! Run it with `cargo run --example pg_pool`.

use std::error::Error;

use otp_runtime::dist::term::Atom;
use otp_runtime::pg::{self, GroupEvent, Scope};
use otp_runtime::prelude::*;

// ANCHOR: worker
/// A worker of the pool: squares numbers, and says which worker it is.
pub struct Worker {
    id: u32,
}

#[gen_server]
impl Worker {
    /// Joins the group as it starts: by the time `start` returns, clients can find it.
    /// Nothing makes it leave: when its process ends, the scope sees it and it leaves.
    #[init]
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        match pg::join("pool", ctx.pid()).await {
            Ok(()) => Init::Ok,
            Err(e) => Init::Stop(ExitReason::other(e)),
        }
    }

    /// `n * n`, and which worker computed it.
    #[call]
    pub fn square(&mut self, n: u64) -> (u32, u64) {
        (self.id, n * n)
    }

    /// Crashes the worker.
    #[call]
    pub fn crash(&mut self) {
        panic!("worker {} asked to crash", self.id)
    }
}
// ANCHOR_END: worker

// ANCHOR: client
/// Sends job `n` to a worker of the pool, taking the members in turn. Reading the members
/// is no message to anyone: the scope's table is read in place.
async fn square(n: u64, turn: &mut usize) -> Result<(u32, u64), CallError> {
    let workers = pg::members("pool");
    if workers.is_empty() {
        // Nobody in the group: as a call to a name nobody has.
        return Err(CallError::NoProc {
            target: CallTarget::Name("pool".into()),
        });
    }
    let worker = workers[*turn % workers.len()];
    *turn += 1;
    WorkerRef::from(ServerRef::<Worker>::from_pid(worker)?)
        .square(n)
        .await
}
// ANCHOR_END: client

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // ANCHOR: tree
    // The default scope (`pg`) first, then three workers; each worker is restarted alone.
    let sup = SupervisorSpec::one_for_one()
        .child(Scope::<Atom>::child_spec(pg::DEFAULT_SCOPE))
        .child(ChildSpec::worker("w1", || Worker { id: 1 }))
        .child(ChildSpec::worker("w2", || Worker { id: 2 }))
        .child(ChildSpec::worker("w3", || Worker { id: 3 }))
        .start()
        .await?;
    println!("pool: {} workers", pg::members("pool").len());
    // ANCHOR_END: tree

    // ANCHOR: jobs
    let mut turn = 0;
    for n in 1..=4 {
        let (worker, sq) = square(n, &mut turn).await?;
        println!("{n}² = {sq} (worker {worker})");
    }
    // ANCHOR_END: jobs

    // ANCHOR: crash
    // Watch the group: its members now, then every change, in order.
    let (members, mut changes) = pg::monitor("pool").await?;
    let w2 = WorkerRef::from(ServerRef::<Worker>::from_pid(members[1])?);
    let err = w2.crash().await.unwrap_err();
    println!("worker 2 crashed: {err}");
    for _ in 0..2 {
        match changes.recv().await {
            Some(GroupEvent::Leave { pids, .. }) => println!("left the pool: {}", pids.len()),
            Some(GroupEvent::Join { pids, .. }) => println!("joined the pool: {}", pids.len()),
            None => return Err("the scope ended".into()),
        }
    }
    // The restarted worker 2 is the newest member: it takes its turn last.
    let mut turn = 0;
    for n in 5..=7 {
        let (worker, sq) = square(n, &mut turn).await?;
        println!("{n}² = {sq} (worker {worker})");
    }
    // ANCHOR_END: crash
    sup.stop().await?;
    Ok(())
}
