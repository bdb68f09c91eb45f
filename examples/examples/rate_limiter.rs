//! A rate limiter whose counts survive the crash of its worker: the worker owns a table of
//! requests per client, and a keeper is the table's heir. When the worker crashes, the table
//! passes to the keeper (a transfer message), and the restarted worker asks for it back: a
//! client over its limit stays over it, restart or not. Clients read their counts from the
//! table directly, with no call to anyone.
//!
//! Run it with `cargo run --example rate_limiter`.

use std::error::Error;

use otp_runtime::ets::{Recipient, Table, Transfer, TransferCause};
use otp_runtime::prelude::*;

// ANCHOR: table
/// Requests per client: protected, so the worker writes and anyone reads.
type Hits = Table<String, u64>;

/// How many requests a client may make.
const LIMIT: u64 = 3;
// ANCHOR_END: table

// ANCHOR: keeper
/// Makes the table, is its heir, and lends it to the worker: it never crashes, since it
/// does nothing that could.
#[derive(Default)]
struct Keeper {
    table: Option<Hits>,
}

#[gen_server]
impl Keeper {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        // The transfer arrives as an info message of ours: `KeeperInfo::Inherit { t }`.
        let me =
            Recipient::server(&ctx.handle(), |t| KeeperInfo::Inherit { t }).expect("we are alive");
        let table = Hits::options().named("hits").heir(&me, ()).create();
        self.table = Some(table.expect("the name is free"));
        Init::Ok
    }

    /// Gives the table to `to` (the worker); `None` if it is lent already.
    #[call]
    fn lend(&mut self, to: Recipient<Hits>) -> Option<Hits> {
        let table = self.table.take()?;
        table.give_away(&to, ()).ok()?; // the heir stays: us
        Some(table)
    }

    /// The worker died (`t.cause` says of what): the table is ours again until it asks.
    #[info]
    fn inherit(&mut self, t: Transfer<Hits>) {
        debug_assert!(matches!(t.cause, TransferCause::OwnerExited(_)));
        self.table = Some(t.table);
    }
}
// ANCHOR_END: keeper

// ANCHOR: limiter
/// Counts requests in the table it borrows from the keeper.
#[derive(Default)]
struct Limiter {
    table: Option<Hits>,
}

#[gen_server]
impl Limiter {
    #[init]
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        let me = Recipient::server(&ctx.handle(), |t| LimiterInfo::Received { t })
            .expect("we are alive");
        match Keeper::named("keeper").lend(me).await {
            Ok(Some(table)) => {
                self.table = Some(table);
                Init::Ok
            }
            _ => Init::Stop(ExitReason::other("no table to borrow")),
        }
    }

    /// The keeper's transfer: the table is ours (we have it already, from `lend`).
    #[info]
    fn received(&mut self, t: Transfer<Hits>) {
        debug_assert_eq!(t.cause, TransferCause::GiveAway);
    }

    /// Whether `client` may make one more request; counts it.
    #[call]
    fn allow(&mut self, client: String) -> bool {
        let table = self.table.as_ref().expect("init took the table");
        table.update_counter(client, 1, 0).expect("we own it") <= LIMIT
    }

    /// A bug, for the demonstration.
    #[call]
    fn crash(&mut self) {
        panic!("a bug in the limiter");
    }
}
// ANCHOR_END: limiter

// ANCHOR: tree
supervision_tree! {
    /// The keeper first: the worker borrows the table from it at start.
    LimiterSup: one_for_one, intensity 5 per 10s {
        worker "keeper" => Keeper::default(), name: "keeper";
        worker "limiter" => Limiter::default(), name: "limiter";
    }
}
// ANCHOR_END: tree

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // ANCHOR: main
    let sup = LimiterSup::start().await?;
    let limiter = Limiter::named("limiter");
    for _ in 0..4 {
        let allowed = limiter.allow("alice".into()).await?;
        println!("alice: {}", if allowed { "allowed" } else { "refused" });
    }
    println!("bob: allowed {}", limiter.allow("bob".into()).await?);

    // Anyone reads the table, without a call.
    let hits = Hits::named("hits")?;
    println!(
        "alice has made {:?} requests",
        hits.lookup(&"alice".into())?
    );

    // The worker crashes; its supervisor restarts it; the counts are still there.
    let err = limiter.crash().await.unwrap_err();
    println!("limiter crashed: {err}");
    while Limiter::named("limiter").pid().is_none() {
        tokio::task::yield_now().await;
    }
    println!(
        "after the restart, alice: {}",
        if limiter.allow("alice".into()).await? {
            "allowed"
        } else {
            "refused"
        }
    );
    println!(
        "alice has made {:?} requests",
        hits.lookup(&"alice".into())?
    );
    // ANCHOR_END: main
    sup.stop().await?;
    println!(
        "stopped; the table went with its owner: {}",
        hits.is_deleted()
    );
    Ok(())
}
