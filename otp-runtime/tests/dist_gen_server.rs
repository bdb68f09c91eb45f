//! `#[gen_server(remote)]`: a Rust gen_server called from another node, Rust or Erlang,
//! with requests mapped as Erlang writes them (`{get, Key}`, `count`); and a typed handle
//! to a server of another node. Cases after gen_server_SUITE's call/cast tests, across
//! nodes.

mod ports;
use ports::free_port;

use std::collections::HashMap;
use std::time::Duration;

use otp_runtime::dist::term::{Atom, Term};
use otp_runtime::dist::{self, DistOptions};
use otp_runtime::node::Node;
use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Kv {
    map: HashMap<String, i64>,
}

#[gen_server(remote)]
impl Kv {
    /// `{get, Key}` → the value or `undefined`.
    #[call]
    pub fn get(&self, key: String) -> Option<i64> {
        self.map.get(&key).copied()
    }

    /// `count` → how many keys.
    #[call]
    pub fn count(&self) -> usize {
        self.map.len()
    }

    /// `{put, Key, Value}`, a cast.
    #[cast]
    pub fn put(&mut self, key: String, value: i64) {
        self.map.insert(key, value);
    }

    /// `whoami`: the server's pid.
    #[call]
    pub fn whoami(&self, ctx: &mut Ctx<Self>) -> Pid {
        ctx.pid()
    }

    /// `{crash, Why}`: the server dies during the call.
    #[call]
    pub fn crash(&self, why: String) -> bool {
        panic!("{why}")
    }
}

async fn node(name: &str, epmd: u16) -> Node {
    let n = Node::named(name).unwrap();
    n.start_distribution(
        DistOptions::new("c")
            .epmd_port(epmd)
            .ip([127, 0, 0, 1].into()),
    )
    .await
    .unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typed_handle_calls_and_casts_a_server_of_another_node() {
    let epmd = free_port();
    let a = node("ga@localhost", epmd).await;
    let b = node("gb@localhost", epmd).await;
    b.scope(Kv::default().start_named("kv")).await.unwrap();

    let kv = a.scope(async { KvRef::remote("kv", "gb@localhost") }).await;
    assert_eq!(kv.count().await, Ok(0));
    kv.put("x".into(), 1);
    kv.put("y".into(), 2);
    // Casts and calls from one process keep their order, across the connection too.
    assert_eq!(kv.get("x".into()).await, Ok(Some(1)));
    assert_eq!(kv.get("z".into()).await, Ok(None));
    assert_eq!(kv.count().await, Ok(2));

    // The request as Erlang writes it, sent untyped.
    let r = a
        .scope(dist::call::<Option<i64>>(
            "kv",
            "gb@localhost",
            &(Atom::new("get"), "y".to_string()),
            Duration::from_secs(5),
        ))
        .await;
    assert_eq!(r, Ok(Some(2)));

    // A handle by pid: the pid came over the wire, so it is a process of b.
    let pid = kv.whoami().await.unwrap();
    assert_ne!(pid.node(), a.id());
    let by_pid: KvRef = a
        .scope(async { ServerRef::<Kv>::from_pid(pid) })
        .await
        .unwrap()
        .into();
    assert_eq!(by_pid.pid(), Some(pid));
    by_pid.put("z".into(), 3);
    assert_eq!(by_pid.get("z".into()).await, Ok(Some(3)));
    assert_eq!(kv.count().await, Ok(3));
    kv.put("z".into(), 3);

    // A request the server does not know: a clear error reply, and the server lives on.
    let r = a
        .scope(dist::call::<Term>(
            "kv",
            "gb@localhost",
            &Atom::new("nonsense"),
            Duration::from_secs(5),
        ))
        .await
        .unwrap();
    let text = r.to_string();
    assert!(text.starts_with("{error,{bad_request,"), "{text}");
    assert!(text.contains("get"), "{text}");
    assert_eq!(kv.count().await, Ok(3));

    // A server that dies during the call: the caller learns it at once (gen_server_SUITE's
    // call_remote_n1-like case).
    let r = kv
        .with_timeout(Duration::from_secs(60))
        .crash("boom".into())
        .await;
    assert_eq!(r, Err(CallError::Exited(ExitReason::Panic("boom".into()))));
    // Nobody has the name now: the error names it as the caller wrote it, `{kv, Node}`.
    let err = kv.count().await.unwrap_err();
    let target = CallTarget::Remote {
        name: "kv".into(),
        node: "gb@localhost".into(),
    };
    assert_eq!(err, CallError::NoProc { target });
    assert_eq!(
        err.to_string(),
        "no process registered as kv on 'gb@localhost'"
    );
    // Operations that need a local server say so.
    assert_eq!(
        kv.stop(ExitReason::Normal, Duration::from_secs(1)).await,
        Err(CallError::NotLocal)
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_call_and_abcast_reach_every_node_and_name_the_bad_ones() {
    // gen_server_SUITE: multicall, abcast (the local node aside: it is called locally).
    let epmd = free_port();
    let a = node("ma@localhost", epmd).await;
    let b = node("mb@localhost", epmd).await;
    let c = node("mc@localhost", epmd).await;
    b.scope(Kv::default().start_named("kv")).await.unwrap();
    c.scope(Kv::default().start_named("kv")).await.unwrap();
    let nodes = ["mb@localhost", "mc@localhost", "nobody@localhost"];
    a.scope(async { dist::abcast(&nodes, "kv", &(Atom::new("put"), "k".to_string(), 7)) })
        .await;
    // abcast and the calls after it travel in order on each connection.
    let (replies, bad) = a
        .scope(dist::multi_call::<Option<i64>>(
            &nodes,
            "kv",
            &(Atom::new("get"), "k".to_string()),
            Duration::from_secs(10),
        ))
        .await;
    assert_eq!(
        replies,
        vec![
            ("mb@localhost".to_string(), Some(7)),
            ("mc@localhost".to_string(), Some(7))
        ]
    );
    assert_eq!(bad, vec!["nobody@localhost".to_string()]);
    for n in [a, b, c] {
        n.stop().await;
    }
}

/// A server that answers, then stops.
#[derive(Default)]
pub struct Once;

#[gen_server(remote)]
impl Once {
    /// `last`: answered 42, then the server stops (`{stop, normal, 42, S}`).
    #[call]
    pub fn last(&self, ctx: &mut Ctx<Self>) -> u32 {
        ctx.stop(ExitReason::Normal);
        42
    }
}

/// gen_server_SUITE's `{stop, Reason, Reply, State}` across nodes: the reply goes out before
/// the server's DOWN, so the caller gets the reply, every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_made_before_the_server_stops_reaches_the_other_node() {
    let epmd = free_port();
    let a = node("oa@localhost", epmd).await;
    let b = node("ob@localhost", epmd).await;
    for i in 0..100 {
        let name = format!("once{i}");
        b.scope(Once.start_named(name.as_str())).await.unwrap();
        let once = a
            .scope(async { OnceRef::remote(&name, "ob@localhost") })
            .await;
        assert_eq!(once.last().await, Ok(42), "call {i}");
    }
    a.stop().await;
    b.stop().await;
}
