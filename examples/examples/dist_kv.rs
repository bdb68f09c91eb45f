//! Calls across nodes, both ways. A plain process registered as `kv` on node `kv@localhost`
//! answers `gen_server:call/2` as a gen_server would: it stores and looks up text by key. A
//! process-less caller on node `client@localhost` calls it with `dist::call`: a store, two
//! lookups, a call to a name nobody has, and one after the kv node has stopped.
//!
//! Run it with `cargo run --example dist_kv`. With `-- serve` it runs only the kv node, until
//! Ctrl-C, for Erlang to call (`gen_server:call({kv, 'kv@localhost'}, {lookup, <<"fruit">>})`);
//! with `-- apps NODE` it calls an Erlang node's `application_controller`, a gen_server, for
//! the applications it runs. The cookie is `tutorial`; EPMD is the one on `ERL_EPMD_PORT`
//! (4369 by default), served by this program if none runs.

use std::collections::BTreeMap;
use std::error::Error;
use std::time::Duration;

use otp_runtime::dist::mapping::{Charlist, FromTerm, ToTerm};
use otp_runtime::dist::term::{Atom, Term};
use otp_runtime::dist::{self, DistOptions};
use otp_runtime::prelude::*;

/// The cookie of every node of the tutorial: `erl -setcookie tutorial`.
const COOKIE: &str = "tutorial";

/// The kv process's node.
const KV_NODE: &str = "kv@localhost";

/// How long a call may take.
const TIMEOUT: Duration = Duration::from_secs(5);

// ANCHOR: messages
/// What the kv process receives: what `gen_server:call(Kv, Request)` sends,
/// `{'$gen_call', {From, Tag}, Request}`.
#[derive(FromTerm, Debug)]
enum KvMsg {
    #[term(rename = "$gen_call")]
    Call((Pid, Term), Request),
}

/// The requests: `{store, Key, Value}` (answered `ok`) and `{lookup, Key}` (answered
/// `{ok, Value}` or `{error, not_found}`). Keys and values are binaries, `<<"fruit">>`.
#[derive(ToTerm, FromTerm, Debug)]
enum Request {
    Store(String, String),
    Lookup(String),
}

/// The atom `not_found`.
#[derive(ToTerm, FromTerm, Debug, PartialEq)]
struct NotFound;
// ANCHOR_END: messages

// ANCHOR: kv
/// Answers calls until the node stops.
async fn kv(mut ctx: ProcessCtx<KvMsg>) -> ExitReason {
    let mut store = BTreeMap::new();
    loop {
        let Message::Msg(KvMsg::Call((from, tag), request)) = ctx.recv().await else {
            continue;
        };
        match request {
            Request::Store(key, value) => {
                store.insert(key, value);
                reply(from, tag, &());
            }
            Request::Lookup(key) => {
                let found: Result<String, NotFound> = store.get(&key).cloned().ok_or(NotFound);
                reply(from, tag, &found);
            }
        }
    }
}

/// What `gen_server:reply/2` sends the caller: `{Tag, Reply}`, the tag as it came.
fn reply(caller: Pid, tag: Term, reply: &impl ToTerm) {
    let _ = dist::send(caller, &(tag, reply));
}

/// Starts kv on `node`, registered as `kv`.
fn start_kv(node: &Node) -> Result<ProcessRef<KvMsg>, Box<dyn Error>> {
    let kv = node.spawn(|ctx| {
        ctx.accept_remote();
        kv(ctx)
    });
    node.register("kv", kv.pid())?;
    Ok(kv)
}
// ANCHOR_END: kv

/// A node named `name` (`erl -sname name -setcookie tutorial`).
async fn start(name: &str) -> Result<Node, Box<dyn Error>> {
    let node = Node::named(name)?;
    node.start_distribution(DistOptions::new(COOKIE)).await?;
    Ok(node)
}

// ANCHOR: calls
/// The client's calls, as `gen_server:call({kv, 'kv@localhost'}, Request, 5000)` would make
/// them.
async fn calls(kv_node: &Node) {
    let store = Request::Store("fruit".into(), "apple".into());
    let stored = dist::call::<()>("kv", KV_NODE, &store, TIMEOUT).await;
    println!("store fruit: {stored:?}");
    for key in ["fruit", "bread"] {
        let lookup = Request::Lookup(key.into());
        let found = dist::call::<Result<String, NotFound>>("kv", KV_NODE, &lookup, TIMEOUT).await;
        println!("lookup {key}: {found:?}");
    }
    let lookup = Request::Lookup("fruit".into());
    let nobody = dist::call::<Result<String, NotFound>>("nobody", KV_NODE, &lookup, TIMEOUT).await;
    println!("a call to nobody: {nobody:?}");

    kv_node.stop().await;
    let down = dist::call::<Result<String, NotFound>>("kv", KV_NODE, &lookup, TIMEOUT).await;
    println!("once kv@localhost is down: {down:?}");
}
// ANCHOR_END: calls

/// Both nodes in this program.
async fn both() -> Result<(), Box<dyn Error>> {
    // The client's node first: it serves EPMD, which must outlive the kv node.
    let client = start("client@localhost").await?;
    let kv_node = start(KV_NODE).await?;
    start_kv(&kv_node)?;
    client.scope(calls(&kv_node)).await; // the calls act on the client's node
    client.stop().await;
    Ok(())
}

/// Only the kv node, until Ctrl-C.
async fn serve() -> Result<(), Box<dyn Error>> {
    let node = start(KV_NODE).await?;
    let kv = start_kv(&node)?;
    eprintln!("{KV_NODE} is up (cookie {COOKIE}); Ctrl-C stops it");
    let exit = kv.wait_exit().await; // it runs until the program is stopped
    Err(format!("kv exited: {exit}").into())
}

// ANCHOR: apps
/// `application:which_applications()` of an Erlang node: a call to its
/// `application_controller`, which answers `[{Name, Description, Version}]`.
async fn apps(erlang_node: &str) -> Result<(), Box<dyn Error>> {
    let _node = start("client@localhost").await?;
    let which = Atom::new("which_applications");
    let apps: Vec<(Atom, Charlist, Charlist)> =
        dist::call("application_controller", erlang_node, &which, TIMEOUT).await?;
    for (name, description, version) in apps {
        println!("{name} {} ({})", version.0, description.0);
    }
    Ok(())
}
// ANCHOR_END: apps

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // Reports on stderr, in OTP's style: a message from another node that does not fit the
    // receiver's type is dropped with a warning there.
    otp_runtime::report::install();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => both().await,
        ["serve"] => serve().await,
        ["apps", node] => apps(node).await,
        _ => Err("usage: dist_kv [serve | apps NODE]".into()),
    }
}
