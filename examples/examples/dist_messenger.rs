//! The messenger of Erlang's *Getting Started* guide across nodes
//! (`examples::dist_messenger`): a server node, `messenger@localhost`, and two client nodes,
//! `c1@localhost` and `c2@localhost`, in this program. Fred logs on at c2, Peter at c1; a
//! second fred is refused, so is a message to james, who is not logged on; Peter and Fred
//! exchange a message and log off. Every line says which node printed it.
//!
//! Run it with `cargo run --example dist_messenger`. With `-- server` it runs only the server,
//! as `messenger@localhost`, until Ctrl-C, for the clients of Erlang nodes
//! (`examples/erlang/messenger_client.erl`, or the tutorial's `messenger.erl`). The cookie is
//! `tutorial`; EPMD is the one on `ERL_EPMD_PORT` (4369 by default), served by this program if
//! none runs.

use std::error::Error;
use std::time::Duration;

use examples::dist_messenger::{self, say, Client, ToClient};
use otp_runtime::dist::DistOptions;
use otp_runtime::prelude::*;
use tokio::sync::oneshot;

/// The cookie of every node of the tutorial: `erl -setcookie tutorial`.
const COOKIE: &str = "tutorial";

/// The server's node.
const SERVER_NODE: &str = "messenger@localhost";

/// A node named `name` (`erl -sname name -setcookie tutorial`).
async fn start(name: &str) -> Result<Node, Box<dyn Error>> {
    let node = Node::named(name)?;
    node.start_distribution(DistOptions::new(COOKIE)).await?;
    Ok(node)
}

// ANCHOR: fred
/// Fred, at c2: logs on (and tells Peter), reads Peter's message, answers it, logs off.
async fn fred(ctx: ProcessCtx<ToClient>, logged_on: oneshot::Sender<()>) -> ExitReason {
    let mut fred = match Client::logon(ctx, SERVER_NODE, "fred").await {
        Ok(client) => client,
        Err(e) => return ExitReason::other(format_args!("fred: {e}")),
    };
    say("fred: logged_on");
    let _ = logged_on.send(());
    let Some(got) = fred.receive(Duration::from_secs(10)).await else {
        return ExitReason::other("fred got no message");
    };
    say(format_args!("fred: {got}"));
    match fred.message("peter", "go away, I'm busy").await {
        Ok(()) => say("fred: sent"),
        Err(e) => say(format_args!("fred: {e}")),
    }
    match fred.logoff().await {
        Ok(()) => say("fred: logged_off"),
        Err(e) => say(format_args!("fred: {e}")),
    }
    ExitReason::Normal
}
// ANCHOR_END: fred

// ANCHOR: peter
/// Peter, at c1, once Fred is on: logs on, sees a second fred refused, writes to james (who
/// is not logged on) and to Fred, reads Fred's answer, logs off.
async fn peter(ctx: ProcessCtx<ToClient>, fred_is_on: oneshot::Receiver<()>) -> ExitReason {
    let _ = fred_is_on.await;
    let mut peter = match Client::logon(ctx, SERVER_NODE, "peter").await {
        Ok(client) => client,
        Err(e) => return ExitReason::other(format_args!("peter: {e}")),
    };
    say("peter: logged_on");

    // Someone else on c1 tries the name fred, which c2 has.
    let impostor = otp_runtime::spawn(|ctx| async {
        match Client::logon(ctx, SERVER_NODE, "fred").await {
            Ok(_) => say("a second fred: logged_on"),
            Err(e) => say(format_args!("a second fred: {e}")),
        }
        ExitReason::Normal
    });
    impostor.wait_exit().await;

    for (to, text) in [("james", "are you there?"), ("fred", "hello")] {
        match peter.message(to, text).await {
            Ok(()) => say("peter: sent"),
            Err(e) => say(format_args!("peter: {e}")),
        }
    }
    let Some(got) = peter.receive(Duration::from_secs(10)).await else {
        return ExitReason::other("peter got no answer");
    };
    say(format_args!("peter: {got}"));
    match peter.logoff().await {
        Ok(()) => say("peter: logged_off"),
        Err(e) => say(format_args!("peter: {e}")),
    }
    ExitReason::Normal
}
// ANCHOR_END: peter

// ANCHOR: all
/// The server node and two client nodes, in this program.
async fn all_in_one() -> Result<(), Box<dyn Error>> {
    let server_node = start(SERVER_NODE).await?;
    dist_messenger::start_server(&server_node)?;
    let c1 = start("c1@localhost").await?;
    let c2 = start("c2@localhost").await?;

    let (fred_on, fred_is_on) = oneshot::channel();
    let fred = c2.spawn(|ctx| fred(ctx, fred_on));
    let peter = c1.spawn(|ctx| peter(ctx, fred_is_on));
    let exits = [peter.wait_exit().await, fred.wait_exit().await];

    for node in [c1, c2, server_node] {
        node.stop().await;
    }
    match exits {
        [ExitReason::Normal, ExitReason::Normal] => Ok(()),
        [peter, fred] => Err(format!("peter exited {peter}, fred exited {fred}").into()),
    }
}
// ANCHOR_END: all

/// Only the server, as `messenger@localhost`, until Ctrl-C.
async fn server_only() -> Result<(), Box<dyn Error>> {
    let node = start(SERVER_NODE).await?;
    let server = dist_messenger::start_server(&node)?;
    eprintln!("{SERVER_NODE} is up (cookie {COOKIE}); Ctrl-C stops it");
    let exit = server.wait_exit().await; // it runs until the program is stopped
    Err(format!("the server exited: {exit}").into())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // Reports on stderr, in OTP's style: a message from another node that does not fit the
    // receiver's type is dropped with a warning there.
    otp_runtime::report::install();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => all_in_one().await,
        ["server"] => server_only().await,
        _ => Err("usage: dist_messenger [server]".into()),
    }
}
