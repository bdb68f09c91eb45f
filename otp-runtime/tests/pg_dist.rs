//! Process groups across Rust nodes: scopes of the same name share their groups over
//! Erlang's `pg` protocol (the same messages a BEAM node's scope exchanges; pg_erlang.rs
//! runs them against a real `erl`).
//!
//! Cases follow OTP's `pg_SUITE.erl` cluster group: `initial` (members joined before the
//! nodes connect), `two` (joins both ways, a member's death, the peer going down),
//! `empty_group_by_remote_leave`, and a scope started before its node's distribution.

mod ports;
use ports::free_port;

use std::time::Duration;

use otp_runtime::dist::mapping::{FromTerm, ToTerm};
use otp_runtime::dist::term::Atom;
use otp_runtime::dist::DistOptions;
use otp_runtime::node::Node;
use otp_runtime::pg::{self, Group, GroupEvent, GroupMonitor, Scope};
use otp_runtime::prelude::*;

async fn node(name: &str, epmd: u16) -> Node {
    let n = Node::named(name).unwrap();
    n.start_distribution(DistOptions::new("pg").epmd_port(epmd))
        .await
        .unwrap();
    n
}

/// A process of `on` that waits until it is killed.
fn idle(on: &Node) -> Pid {
    on.spawn(|mut ctx: ProcessCtx<()>| async move {
        loop {
            ctx.recv().await;
        }
    })
    .pid()
}

/// `pid`, a process of `home`, as node `there` names it (a pid crosses as a term).
fn seen_from(there: &Node, home: &Node, pid: Pid) -> Pid {
    let term = home.sync_scope(|| pid.to_term());
    there.sync_scope(|| Pid::from_term(term)).unwrap()
}

async fn next<G: Group>(m: &mut GroupMonitor<G>) -> GroupEvent<G> {
    tokio::time::timeout(Duration::from_secs(20), m.recv())
        .await
        .expect("a change within 20 s")
        .expect("the scope is alive")
}

fn join(group: &str, pids: &[Pid]) -> GroupEvent<Atom> {
    GroupEvent::Join {
        group: Atom::new(group),
        pids: pids.to_vec(),
    }
}

fn leave(group: &str, pids: &[Pid]) -> GroupEvent<Atom> {
    GroupEvent::Leave {
        group: Atom::new(group),
        pids: pids.to_vec(),
    }
}

// pg_SUITE `initial` and `two`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_the_default_scope() {
    let epmd = free_port();
    let a = node("pga@localhost", epmd).await;
    let b = node("pgb@localhost", epmd).await;
    // initial: a member joined before the nodes know each other.
    let early = idle(&a);
    a.scope(pg::join("workers", early)).await.unwrap();
    let (now, mut on_b) = b.scope(pg::monitor("workers")).await.unwrap();
    assert_eq!(now, []);
    let (_, mut on_a) = a.scope(pg::monitor("workers")).await.unwrap();
    b.connect_node("pga@localhost").await.unwrap();
    let early_b = seen_from(&b, &a, early);
    assert_eq!(next(&mut on_b).await, join("workers", &[early_b]));
    assert_eq!(b.scope(async { pg::members("workers") }).await, [early_b]);
    assert_eq!(b.scope(async { pg::local_members("workers") }).await, []);

    // two: a join on b reaches a.
    let pb = idle(&b);
    b.scope(pg::join("workers", pb)).await.unwrap();
    let pb_a = seen_from(&a, &b, pb);
    assert_eq!(next(&mut on_a).await, join("workers", &[pb_a]));
    assert_eq!(
        next(&mut on_b).await,
        join("workers", &[pb]),
        "b's own join"
    );
    assert_eq!(
        a.scope(async { pg::members("workers") }).await,
        [early, pb_a]
    );
    // A member that dies leaves on both nodes.
    a.sync_scope(|| otp_runtime::exit(early, ExitReason::Kill));
    assert_eq!(next(&mut on_a).await, leave("workers", &[early]));
    assert_eq!(next(&mut on_b).await, leave("workers", &[early_b]));
    assert_eq!(b.scope(async { pg::members("workers") }).await, [pb]);
    // A leave on a reaches b, and a join of two at once.
    let (x, y) = (idle(&a), idle(&a));
    a.scope(pg::join_many("workers", [x, y])).await.unwrap();
    let (xb, yb) = (seen_from(&b, &a, x), seen_from(&b, &a, y));
    assert_eq!(next(&mut on_b).await, join("workers", &[xb, yb]));
    // pg_SUITE `empty_group_by_remote_leave`: join [x, y], leave [y, x]: gone there too.
    a.scope(pg::leave_many("workers", [y, x])).await.unwrap();
    assert_eq!(next(&mut on_b).await, leave("workers", &[yb, xb]));
    assert_eq!(b.scope(async { pg::members("workers") }).await, [pb]);
    let (_, mut scope_a) = a.scope(pg::monitor_scope()).await.unwrap();
    b.scope(pg::join("only_b", pb)).await.unwrap();
    assert_eq!(next(&mut scope_a).await, join("only_b", &[pb_a]));

    // The peer goes down: its members leave, group by group in the order a learnt of them.
    b.stop().await;
    assert_eq!(next(&mut scope_a).await, leave("workers", &[pb_a]));
    assert_eq!(next(&mut scope_a).await, leave("only_b", &[pb_a]));
    assert_eq!(a.scope(async { pg::members("workers") }).await, []);
    assert_eq!(a.scope(async { pg::which_groups() }).await, []);
    a.stop().await;
}

/// `lobby` and `{room, N}`, on both nodes.
#[derive(ToTerm, FromTerm, Clone, PartialEq, Eq, Hash, Debug)]
enum Room {
    Lobby,
    Room(u32),
}

// A scope started before its node is distributed joins the cluster when it is; a scope of
// another name is another overlay network; typed groups cross.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_started_before_distribution_and_typed_groups() {
    let epmd = free_port();
    let a = Node::named("pgc@localhost").unwrap();
    let rooms_a: Scope<Room> = a.sync_scope(|| Scope::start("rooms")).unwrap();
    let other_a: Scope<Room> = a.sync_scope(|| Scope::start("other")).unwrap();
    let p = idle(&a);
    rooms_a.join(Room::Room(1), p).await.unwrap();
    other_a.join(Room::Lobby, p).await.unwrap();
    a.start_distribution(DistOptions::new("pg").epmd_port(epmd))
        .await
        .unwrap();
    let b = node("pgd@localhost", epmd).await;
    let rooms_b: Scope<Room> = b.sync_scope(|| Scope::start("rooms")).unwrap();
    let (_, mut watch) = rooms_b.monitor(Room::Room(1)).await.unwrap();
    a.connect_node("pgd@localhost").await.unwrap();
    let pb = seen_from(&b, &a, p);
    assert_eq!(
        next(&mut watch).await,
        GroupEvent::Join {
            group: Room::Room(1),
            pids: vec![pb]
        }
    );
    assert_eq!(rooms_b.which_groups(), [Room::Room(1)]);
    // "other" runs on a only: b's "rooms" never hears of its lobby.
    assert_eq!(rooms_b.members(&Room::Lobby), []);
    a.stop().await;
    b.stop().await;
}
