//! Process groups shared with a real Erlang node (`erl`, OTP 25 or newer): the Rust node's
//! default scope and the BEAM's `pg` scope are one overlay network.
//!
//! A BEAM process joins a group: the Rust node sees it in its members and gets a join
//! notification; a Rust process joins: `pg:get_members/1` on the BEAM sees its pid; each
//! leaves when it dies, and the BEAM's members leave when its node goes down. A BEAM group
//! whose name is not an atom stays out of the Rust scope of atoms.
//!
//! The Rust node serves EPMD on a private port and `erl` registers there; every `erl` is
//! killed when its test ends. Without `erl` the test skips, saying so in one line.

mod erl_common;

use std::time::Duration;

use erl_common::{free_port, have_erl, Erl};

use otp_runtime::dist::mapping::ToTerm;
use otp_runtime::dist::term::{Atom, Term};
use otp_runtime::dist::DistOptions;
use otp_runtime::node::Node;
use otp_runtime::pg::{self, GroupEvent, GroupMonitor};
use otp_runtime::prelude::*;

async fn next(m: &mut GroupMonitor<Atom>) -> GroupEvent<Atom> {
    tokio::time::timeout(Duration::from_secs(30), m.recv())
        .await
        .expect("a change within 30 s")
        .expect("the scope is alive")
}

/// The node a pid belongs to, as the wire names it.
fn node_of(here: &Node, pid: Pid) -> String {
    match here.sync_scope(|| pid.to_term()) {
        Term::Pid(p) => p.node.as_str().to_string(),
        other => panic!("not a pid: {other}"),
    }
}

const SCRIPT: &str = "\
    {ok, _} = pg:start(pg), \
    register(ctl, self()), \
    W = spawn(fun () -> receive stop -> ok end end), \
    ok = pg:join(workers, W), \
    ok = pg:join({room, 1}, W), \
    io:format(\"ready~n\"), \
    Wait = fun Wait(F, N) -> case F() of true -> ok; \
        false when N > 0 -> timer:sleep(20), Wait(F, N - 1); false -> timeout end end, \
    Rust = fun () -> [P || P <- pg:get_members(workers), node(P) =:= 'pgr@localhost'] end, \
    ok = Wait(fun () -> Rust() =/= [] end, 1500), \
    io:format(\"beam sees ~p rust member(s)~n\", [length(Rust())]), \
    ok = Wait(fun () -> Rust() =:= [] end, 1500), \
    io:format(\"rust member left~n\"), \
    Ref = monitor(process, W), W ! stop, receive {'DOWN', Ref, _, _, _} -> ok end, \
    ok = Wait(fun () -> not lists:member(W, pg:get_members(workers)) end, 1500), \
    W2 = spawn(fun () -> receive stop -> ok end end), \
    ok = pg:join(workers, W2), \
    io:format(\"w2 joined~n\"), \
    receive halt -> halt() after 60000 -> halt() end.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_shared_with_a_beam_node() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = Node::named("pgr@localhost").unwrap();
    r.start_distribution(DistOptions::new("cookie").epmd_port(epmd))
        .await
        .unwrap();
    let (now, mut watch) = r.scope(pg::monitor("workers")).await.unwrap();
    assert_eq!(now, []);
    let mut erl = Erl::start("pge@localhost", "cookie", epmd, SCRIPT);
    erl.expect("ready").await;
    // The Rust node is hidden: its scope starts the discovery when the node comes up.
    r.connect_node("pge@localhost").await.unwrap();

    // A BEAM process joined: the Rust node sees it, and is told.
    let GroupEvent::Join { group, pids } = next(&mut watch).await else {
        panic!("a join first");
    };
    assert_eq!((group.as_str(), pids.len()), ("workers", 1));
    let w = pids[0];
    assert_eq!(node_of(&r, w), "pge@localhost");
    assert_eq!(r.scope(async { pg::members("workers") }).await, [w]);
    assert_eq!(r.scope(async { pg::local_members("workers") }).await, []);
    // {room, 1} is no atom: not a group of the Rust default scope.
    assert_eq!(
        r.scope(async { pg::which_groups() }).await,
        [Atom::new("workers")]
    );

    // A Rust process joins: pg:get_members/1 on the BEAM has its pid.
    let p = r
        .spawn(|mut ctx: ProcessCtx<()>| async move {
            loop {
                ctx.recv().await;
            }
        })
        .pid();
    r.scope(pg::join("workers", p)).await.unwrap();
    assert_eq!(
        next(&mut watch).await,
        GroupEvent::Join {
            group: Atom::new("workers"),
            pids: vec![p]
        }
    );
    erl.expect("beam sees 1 rust member(s)").await;
    // It dies: the BEAM sees it leave.
    r.sync_scope(|| otp_runtime::exit(p, ExitReason::Kill));
    assert_eq!(
        next(&mut watch).await,
        GroupEvent::Leave {
            group: Atom::new("workers"),
            pids: vec![p]
        }
    );
    erl.expect("rust member left").await;

    // The BEAM process ends: it leaves on the Rust node. Another joins.
    assert_eq!(
        next(&mut watch).await,
        GroupEvent::Leave {
            group: Atom::new("workers"),
            pids: vec![w]
        }
    );
    let GroupEvent::Join { pids, .. } = next(&mut watch).await else {
        panic!("W2 joins");
    };
    let w2 = pids[0];
    assert_eq!(node_of(&r, w2), "pge@localhost");

    // The BEAM node goes down: its members leave.
    erl.kill();
    assert_eq!(
        next(&mut watch).await,
        GroupEvent::Leave {
            group: Atom::new("workers"),
            pids: vec![w2]
        }
    );
    assert_eq!(r.scope(async { pg::members("workers") }).await, []);
    r.stop().await;
}
