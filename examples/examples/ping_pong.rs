//! Two raw processes play ping-pong: the pinger spawns a linked ponger, monitors it, sends it
//! `PINGS` pings and waits for each pong, then tells it to stop. Both exit `normal`.
//!
//! Run it with `cargo run --example ping_pong`.

use otp_runtime::prelude::*;

/// How many round trips the pinger makes.
const PINGS: u32 = 3;

// ANCHOR: messages
/// What the ponger receives. A ping carries a handle to answer on: mailboxes are typed, so the
/// pinger's handle says what it accepts.
#[derive(Debug)]
enum Ping {
    Ping { n: u32, reply_to: ProcessRef<Pong> },
    Stop,
}

/// What the pinger receives.
#[derive(Debug)]
struct Pong(u32);
// ANCHOR_END: messages

// ANCHOR: ponger
/// Answers each ping until told to stop.
async fn ponger(mut ctx: ProcessCtx<Ping>) -> ExitReason {
    loop {
        match ctx.recv().await {
            Message::Msg(Ping::Ping { n, reply_to }) => {
                println!("ponger: ping {n}");
                // The pinger may be gone: then there is nobody to answer.
                let _ = reply_to.send(Pong(n));
            }
            Message::Msg(Ping::Stop) => return ExitReason::Normal,
            // Only a trapping process gets `Exit`, and the ponger monitors nobody.
            Message::Exit { .. } | Message::Down { .. } => {}
        }
    }
}
// ANCHOR_END: ponger

// ANCHOR: pinger
/// Spawns a linked ponger, plays `pings` rounds, stops the ponger and waits for its `DOWN`.
async fn pinger(mut ctx: ProcessCtx<Pong>, pings: u32) -> ExitReason {
    // Linked: if either crashes, the other dies with it. A `normal` exit is not a crash.
    let ponger = ctx.spawn_link(ponger);
    let watch = ctx.monitor(ponger.pid());
    println!("pinger {}: spawned ponger {}", ctx.pid(), ponger.pid());
    for n in 1..=pings {
        let ping = Ping::Ping {
            n,
            reply_to: ctx.handle(),
        };
        if ponger.send(ping).is_err() {
            return ExitReason::other("the ponger is gone");
        }
        match ctx.recv().await {
            Message::Msg(Pong(m)) if m == n => println!("pinger: pong {m}"),
            other => return ExitReason::other(format_args!("unexpected {other:?}")),
        }
    }
    let _ = ponger.send(Ping::Stop);
    loop {
        match ctx.recv().await {
            Message::Down {
                monitor, reason, ..
            } if monitor == watch => {
                println!("pinger: the ponger exited: {reason}");
                return ExitReason::Normal;
            }
            _ => {}
        }
    }
}
// ANCHOR_END: pinger

// ANCHOR: main
#[tokio::main]
async fn main() {
    let pinger = otp_runtime::spawn(|ctx| pinger(ctx, PINGS));
    println!("main: the pinger exited: {}", pinger.wait_exit().await);
}
// ANCHOR_END: main
