//! Ping-pong across nodes: tut17 of Erlang's *Getting Started* guide, over Erlang's own
//! distribution protocol. A process registered as `pong` on node `pong@localhost` answers
//! each `{ping, Ping_PID}` with `pong` until it gets `finished`; a process on node
//! `ping@localhost` sends it three pings, waits for each pong, then sends `finished`. Both
//! print what tut17 prints.
//!
//! Run it with `cargo run --example dist_ping_pong`: both nodes in this program. With
//! `-- pong` it runs only the pong side, as `pong@localhost`, for an Erlang node to ping
//! (`tut17:start_ping(pong@localhost)`); with `-- ping NODE` only the ping side, against the
//! pong of an Erlang node (`tut17:start_pong()`). The cookie is `tutorial`; EPMD is the one
//! on `ERL_EPMD_PORT` (4369 by default), served by this program if none runs.

use std::error::Error;
use std::time::Duration;

use otp_runtime::dist::mapping::{FromTerm, ToTerm};
use otp_runtime::dist::{self, DistOptions};
use otp_runtime::prelude::*;

/// The cookie of every node of the tutorial: `erl -setcookie tutorial`.
const COOKIE: &str = "tutorial";

/// How many pings ping sends.
const PINGS: u32 = 3;

// ANCHOR: messages
/// What pong receives: `{ping, Ping_PID}` or `finished`.
#[derive(ToTerm, FromTerm, Debug)]
enum ToPong {
    Ping(Pid),
    Finished,
}

/// What ping receives: the atom `pong`.
#[derive(ToTerm, FromTerm, Debug)]
struct Pong;
// ANCHOR_END: messages

// ANCHOR: pong
/// tut17's `pong/0`: answers pings until `finished`.
async fn pong(mut ctx: ProcessCtx<ToPong>) -> ExitReason {
    loop {
        match ctx.recv().await {
            Message::Msg(ToPong::Finished) => {
                println!("Pong finished");
                return ExitReason::Normal;
            }
            Message::Msg(ToPong::Ping(ping_pid)) => {
                println!("Pong received ping");
                // Ping_PID ! pong: the pid says which node the process is on.
                let _ = dist::send(ping_pid, &Pong);
            }
            Message::Exit { .. } | Message::Down { .. } => {}
        }
    }
}
// ANCHOR_END: pong

// ANCHOR: ping
/// tut17's `ping/2`: `n` pings to `{pong, pong_node}`, then `finished`.
async fn ping(mut ctx: ProcessCtx<Pong>, n: u32, pong_node: String) -> ExitReason {
    for _ in 0..n {
        // {pong, Pong_Node} ! {ping, self()}
        let ping = ToPong::Ping(ctx.pid());
        if let Err(e) = dist::send_named("pong", &pong_node, &ping) {
            return ExitReason::other(e);
        }
        // Erlang's ping waits for ever; this one gives up after 10 seconds.
        match ctx.recv_timeout(Duration::from_secs(10)).await {
            Some(Message::Msg(Pong)) => println!("Ping received pong"),
            _ => return ExitReason::other(format_args!("no pong from {pong_node}")),
        }
    }
    let _ = dist::send_named("pong", &pong_node, &ToPong::Finished);
    println!("ping finished");
    ExitReason::Normal
}
// ANCHOR_END: ping

// ANCHOR: start
/// A node named `name` (`erl -sname name -setcookie tutorial`).
async fn start(name: &str) -> Result<Node, Box<dyn Error>> {
    let node = Node::named(name)?;
    node.start_distribution(DistOptions::new(COOKIE)).await?;
    Ok(node)
}

/// Starts pong on `node`, registered as `pong` (tut17's `start_pong/0`).
fn start_pong(node: &Node) -> Result<ProcessRef<ToPong>, Box<dyn Error>> {
    // The closure runs now, before `spawn` returns: pong takes messages from other nodes
    // before anyone can find it by its name.
    let pong = node.spawn(|ctx| {
        ctx.accept_remote();
        pong(ctx)
    });
    node.register("pong", pong.pid())?;
    Ok(pong)
}

/// Starts ping on `node`, against the pong of `pong_node` (tut17's `start_ping/1`).
fn start_ping(node: &Node, pong_node: &str) -> ProcessRef<Pong> {
    let pong_node = pong_node.to_string();
    node.spawn(move |ctx| {
        ctx.accept_remote();
        ping(ctx, PINGS, pong_node)
    })
}
// ANCHOR_END: start

// ANCHOR: both
/// Both sides, each on a node of its own, in this program.
async fn both() -> Result<(), Box<dyn Error>> {
    let pong_node = start("pong@localhost").await?;
    let ping_node = start("ping@localhost").await?;
    let pong = start_pong(&pong_node)?;
    let ping = start_ping(&ping_node, "pong@localhost");
    let (ping_exit, pong_exit) = (ping.wait_exit().await, pong.wait_exit().await);
    ping_node.stop().await;
    pong_node.stop().await;
    ended(ping_exit, pong_exit)
}
// ANCHOR_END: both

/// Only pong, as `pong@localhost`, until it gets `finished`.
async fn pong_only() -> Result<(), Box<dyn Error>> {
    let node = start("pong@localhost").await?;
    let pong = start_pong(&node)?;
    eprintln!("pong@localhost is up (cookie {COOKIE}); waiting for ping");
    let exit = pong.wait_exit().await;
    node.stop().await;
    ended(ExitReason::Normal, exit)
}

/// Only ping, as `ping@localhost`, against the pong of `pong_node`.
async fn ping_only(pong_node: &str) -> Result<(), Box<dyn Error>> {
    let node = start("ping@localhost").await?;
    // Connecting first tells a pong node that is not there from one that does not answer.
    node.connect_node(pong_node).await?;
    let exit = start_ping(&node, pong_node).wait_exit().await;
    node.stop().await;
    ended(exit, ExitReason::Normal)
}

/// An error unless both processes ended `normal`.
fn ended(ping: ExitReason, pong: ExitReason) -> Result<(), Box<dyn Error>> {
    match (ping, pong) {
        (ExitReason::Normal, ExitReason::Normal) => Ok(()),
        (ping, pong) => Err(format!("ping exited {ping}, pong exited {pong}").into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // Reports on stderr, in OTP's style: a message from another node that does not fit the
    // receiver's type is dropped with a warning there.
    otp_runtime::report::install();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => both().await,
        ["pong"] => pong_only().await,
        ["ping", pong_node] => ping_only(pong_node).await,
        _ => Err("usage: dist_ping_pong [pong | ping NODE]".into()),
    }
}
