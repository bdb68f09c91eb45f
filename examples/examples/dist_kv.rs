//! Calls across nodes, both ways. A `#[gen_server(remote)]` registered as `kv` on node
//! `kv@localhost` stores and looks up text by key; Erlang's `gen_server:call/2` reaches it as
//! it reaches any gen_server. A process-less caller on node `client@localhost` calls it
//! through a typed handle: a store, two lookups, a call to a name nobody has, an `rpc:call`
//! of a function the kv node serves, and a call once the kv node has stopped.
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

/// The kv server's node.
const KV_NODE: &str = "kv@localhost";

/// How long a call may take.
const TIMEOUT: Duration = Duration::from_secs(5);

// ANCHOR: kv
/// The atom `not_found`.
#[derive(ToTerm, FromTerm, Debug, PartialEq)]
pub struct NotFound;

/// Text by key. Keys and values are binaries on the Erlang side, `<<"fruit">>`.
#[derive(Default)]
pub struct Kv {
    store: BTreeMap<String, String>,
}

#[gen_server(remote)]
impl Kv {
    /// `{store, Key, Value}`, answered `ok`.
    #[call]
    pub fn store(&mut self, key: String, value: String) {
        self.store.insert(key, value);
    }

    /// `{lookup, Key}`, answered `{ok, Value}` or `{error, not_found}`.
    #[call]
    pub fn lookup(&self, key: String) -> Result<String, NotFound> {
        self.store.get(&key).cloned().ok_or(NotFound)
    }

    /// `size`, answered with the number of keys.
    #[call]
    pub fn size(&self) -> usize {
        self.store.len()
    }
}
// ANCHOR_END: kv

// ANCHOR: start_kv
/// Starts kv on `node`, registered as `kv`, and serves `kv:size()` to other nodes'
/// `rpc:call`: the function runs in a process of the kv node, which calls the server.
async fn start_kv(node: &Node) -> Result<KvRef, Box<dyn Error>> {
    let kv = node.scope(Kv::default().start_named("kv")).await?;
    node.register_function("kv", "size", |_args: Vec<Term>| async {
        let size = Kv::named("kv").size().await;
        size.map(|n| n.to_term())
            .map_err(|e| Term::Binary(e.to_string().into_bytes()))
    });
    Ok(kv)
}
// ANCHOR_END: start_kv

/// A node named `name` (`erl -sname name -setcookie tutorial`).
async fn start(name: &str) -> Result<Node, Box<dyn Error>> {
    let node = Node::named(name)?;
    node.start_distribution(DistOptions::new(COOKIE)).await?;
    Ok(node)
}

// ANCHOR: calls
/// The client's calls, as `gen_server:call({kv, 'kv@localhost'}, Request, 5000)` would make
/// them, through a typed handle to the server on the other node.
async fn calls(kv_node: &Node) {
    let kv = KvRef::remote("kv", KV_NODE).with_timeout(TIMEOUT);
    println!(
        "store fruit: {:?}",
        kv.store("fruit".into(), "apple".into()).await
    );
    for key in ["fruit", "bread"] {
        println!("lookup {key}: {:?}", kv.lookup(key.into()).await);
    }
    let nobody = KvRef::remote("nobody", KV_NODE);
    // The error names the target as Erlang writes it: `{nobody, 'kv@localhost'}`.
    println!(
        "a call to nobody: {}",
        nobody.lookup("fruit".into()).await.unwrap_err()
    );
    // rpc:call(kv@localhost, kv, size, []).
    let size = dist::rpc(KV_NODE, "kv", "size", vec![], TIMEOUT).await;
    println!("rpc kv:size(): {size:?}");

    kv_node.stop().await;
    println!(
        "once kv@localhost is down: {:?}",
        kv.lookup("fruit".into()).await
    );
}
// ANCHOR_END: calls

/// Both nodes in this program.
async fn both() -> Result<(), Box<dyn Error>> {
    // The client's node first: it serves EPMD, which must outlive the kv node.
    let client = start("client@localhost").await?;
    let kv_node = start(KV_NODE).await?;
    start_kv(&kv_node).await?;
    client.scope(calls(&kv_node)).await; // the calls act on the client's node
    client.stop().await;
    Ok(())
}

/// Only the kv node, until Ctrl-C.
async fn serve() -> Result<(), Box<dyn Error>> {
    let node = start(KV_NODE).await?;
    let kv = start_kv(&node).await?;
    eprintln!("{KV_NODE} is up (cookie {COOKIE}); Ctrl-C stops it");
    let exit = kv.wait_exit().await; // it runs until the program is stopped
    Err(format!("kv exited: {exit:?}").into())
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
