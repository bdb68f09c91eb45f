//! Process groups on one node: the rules of Erlang's `pg`, case by case.
//!
//! Cases ported from OTP's `lib/kernel/test/pg_SUITE.erl` name their case in a comment;
//! the others test what the issue asks of this port (auto-leave on kill, notification order,
//! several scopes, a scope in a supervision tree, typed groups).

use std::time::Duration;

use otp_runtime::dist::mapping::{FromTerm, ToTerm};
use otp_runtime::dist::term::{Atom, Term};
use otp_runtime::node::Node;
use otp_runtime::pg::{self, Group, GroupEvent, GroupMonitor, PgError, Scope};
use otp_runtime::prelude::*;

/// A process that waits until it is killed.
fn idle() -> Pid {
    otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        loop {
            ctx.recv().await;
        }
    })
    .pid()
}

/// The next change, within a generous bound.
async fn next<G: Group>(m: &mut GroupMonitor<G>) -> GroupEvent<G> {
    tokio::time::timeout(Duration::from_secs(10), m.recv())
        .await
        .expect("a change within 10 s")
        .expect("the scope is alive")
}

fn join<G>(group: impl Into<G>, pids: &[Pid]) -> GroupEvent<G> {
    GroupEvent::Join {
        group: group.into(),
        pids: pids.to_vec(),
    }
}

fn leave<G>(group: impl Into<G>, pids: &[Pid]) -> GroupEvent<G> {
    GroupEvent::Leave {
        group: group.into(),
        pids: pids.to_vec(),
    }
}

fn atom(s: &str) -> Atom {
    Atom::new(s)
}

// pg_SUITE `pg`: the default scope, named `pg`.
#[otp_runtime::test]
async fn default_scope_join_leave_which_groups() {
    let me = idle();
    assert_eq!(otp_runtime::whereis("pg"), None, "not started before use");
    assert_eq!(pg::members("pg"), []);
    pg::join("pg", me).await.unwrap();
    assert!(otp_runtime::whereis("pg").is_some());
    assert_eq!(pg::local_members("pg"), [me]);
    assert_eq!(pg::which_groups(), [atom("pg")]);
    assert_eq!(pg::which_local_groups(), [atom("pg")]);
    assert_eq!(pg::leave("pg", me).await, Ok(true));
    assert_eq!(pg::members("pg"), []);
    assert_eq!(pg::which_groups(), []);
    assert_eq!(pg::which_local_groups(), []);
}

// pg_SUITE `single`: a pid joined n times is a member n times and leaves n times.
#[otp_runtime::test]
async fn single_multiset_join_and_leave() {
    let s: Scope<Atom> = Scope::start("single").unwrap();
    let me = idle();
    s.join("single", me).await.unwrap();
    s.join_many("single", [me, me]).await.unwrap();
    assert_eq!(s.local_members("single"), [me, me, me]);
    assert_eq!(s.members("single"), [me, me, me]);
    assert_eq!(s.leave("$missing$", me).await, Ok(false), "not_joined");
    assert_eq!(s.leave_many("single", [me, me]).await, Ok(true));
    assert_eq!(s.members("single"), [me]);
    assert_eq!(s.leave("single", me).await, Ok(true));
    assert_eq!(s.which_groups(), []);
    assert_eq!(s.local_members("single"), []);
    assert_eq!(s.members("single"), []);
    // "double": another process in the group, then it dies.
    s.join("single", me).await.unwrap();
    let other = idle();
    s.join("single", other).await.unwrap();
    assert_eq!(s.members("single"), [me, other], "join order");
    let (_, mut changes) = s.monitor("single").await.unwrap();
    otp_runtime::exit(other, ExitReason::Kill);
    assert_eq!(next(&mut changes).await, leave("single", &[other]));
    assert_eq!(s.local_members("single"), [me]);
    assert_eq!(s.leave("single", me).await, Ok(true));
}

// pg_SUITE `leave_exit_race`: a leave and the member's DOWN both in the scope's queue.
#[otp_runtime::test]
async fn leave_exit_race() {
    let s: Scope<Atom> = Scope::start("leave_exit_race").unwrap();
    for _ in 0..100 {
        let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async { ExitReason::Normal }).pid();
        s.join("test", p).await.unwrap();
        let _ = s.leave("test", p).await.unwrap();
    }
    assert!(s.is_alive());
    // Every DOWN handled (a round trip after them): nobody is left.
    let (groups, _) = s.monitor_scope().await.unwrap();
    assert_eq!(groups, []);
}

// pg_SUITE `process_owner_check` (and `nolocal`): only the scope's node's processes join.
#[otp_runtime::test]
async fn only_local_processes_join() {
    let s: Scope<Atom> = Scope::start("process_owner_check").unwrap();
    let other = Node::new();
    let remote = other
        .spawn(|mut ctx: ProcessCtx<()>| async move {
            ctx.recv().await;
            ExitReason::Normal
        })
        .pid();
    let local = idle();
    assert_eq!(s.join("g", remote).await, Err(PgError::NotLocal(remote)));
    assert_eq!(
        s.join_many("g", [remote, remote]).await,
        Err(PgError::NotLocal(remote))
    );
    assert_eq!(
        s.join_many("g", [local, remote]).await,
        Err(PgError::NotLocal(remote))
    );
    assert_eq!(s.members("g"), [], "nothing joined");
    assert_eq!(s.leave("g", remote).await, Err(PgError::NotLocal(remote)));
    other.stop().await;
}

// The issue: a member that exits leaves every group at once, and monitors see each leave in
// order (pg.erl notifies per group, in the member's join order).
#[otp_runtime::test]
async fn a_killed_member_leaves_every_group() {
    let s: Scope<String> = Scope::start("s").unwrap();
    let (w, stays) = (idle(), idle());
    s.join("a", w).await.unwrap();
    s.join("b", stays).await.unwrap();
    s.join("b", w).await.unwrap();
    s.join("a", w).await.unwrap();
    s.join("c", w).await.unwrap();
    let (now, mut changes) = s.monitor_scope().await.unwrap();
    assert_eq!(
        now,
        [
            ("a".to_string(), vec![w, w]),
            ("b".to_string(), vec![stays, w]),
            ("c".to_string(), vec![w]),
        ]
    );
    otp_runtime::exit(w, ExitReason::Kill);
    for g in ["a", "b", "a", "c"] {
        assert_eq!(next(&mut changes).await, leave(g, &[w]));
    }
    assert_eq!(s.which_groups(), ["b"]);
    assert_eq!(s.members("b"), [stays]);
    assert_eq!(s.members("a"), []);
    assert_eq!(changes.try_recv(), None);
}

// pg_SUITE `monitor` (OTP 25.1): the members now, then the group's changes in order; other
// groups' changes do not come; after demonitor nothing comes.
#[otp_runtime::test]
async fn monitor_a_group() {
    let s: Scope<String> = Scope::start("monitor").unwrap();
    let (a, b, c) = (idle(), idle(), idle());
    s.join("g", a).await.unwrap();
    let (members, mut changes) = s.monitor("g").await.unwrap();
    assert_eq!(members, [a]);
    s.join("other", b).await.unwrap();
    s.join_many("g", [b, c]).await.unwrap();
    s.leave("g", a).await.unwrap();
    s.leave("other", b).await.unwrap();
    otp_runtime::exit(c, ExitReason::Kill);
    assert_eq!(next(&mut changes).await, join("g", &[b, c]));
    assert_eq!(next(&mut changes).await, leave("g", &[a]));
    assert_eq!(next(&mut changes).await, leave("g", &[c]));
    // A second monitor of the same group, and the first one dropped.
    let (members, mut second) = s.monitor("g").await.unwrap();
    assert_eq!(members, [b]);
    drop(changes);
    s.join("g", a).await.unwrap();
    assert_eq!(next(&mut second).await, join("g", &[a]));
    second.demonitor();
    s.join("g", a).await.unwrap();
    // Both gone: the scope has no watcher left to fail on.
    let (_, mut third) = s.monitor("g").await.unwrap();
    s.leave("g", a).await.unwrap();
    assert_eq!(next(&mut third).await, leave("g", &[a]));
}

// pg_SUITE `monitor_scope` / `monitor_nonempty_scope`: every group now, oldest first, then
// every change.
#[otp_runtime::test]
async fn monitor_the_whole_scope() {
    let s: Scope<String> = Scope::start("monitor_scope").unwrap();
    let (a, b) = (idle(), idle());
    s.join("z", a).await.unwrap();
    s.join("y", b).await.unwrap();
    s.join("z", b).await.unwrap();
    let (now, mut changes) = s.monitor_scope().await.unwrap();
    assert_eq!(
        now,
        [("z".to_string(), vec![a, b]), ("y".to_string(), vec![b])]
    );
    s.join("x", a).await.unwrap();
    s.leave("y", b).await.unwrap();
    assert_eq!(next(&mut changes).await, join("x", &[a]));
    assert_eq!(next(&mut changes).await, leave("y", &[b]));
    assert_eq!(s.which_groups(), ["z", "x"]);
}

// The issue: scopes are independent; the same group in two scopes is two groups.
#[otp_runtime::test]
async fn several_scopes_are_independent() {
    let one: Scope<String> = Scope::start("one").unwrap();
    let two: Scope<String> = Scope::start("two").unwrap();
    let p = idle();
    one.join("g", p).await.unwrap();
    assert_eq!(one.members("g"), [p]);
    assert_eq!(two.members("g"), []);
    two.join("g", p).await.unwrap();
    two.join("g", p).await.unwrap();
    assert_eq!(one.members("g"), [p]);
    assert_eq!(two.members("g"), [p, p]);
    assert!(matches!(
        Scope::<String>::start("one"),
        Err(StartError::AlreadyStarted(pid)) if pid == one.pid()
    ));
    // A scope of another group type under that name is a typed error.
    assert!(matches!(
        Scope::<u64>::named("one"),
        Err(PgError::WrongType { .. })
    ));
    // The default scope is one more.
    pg::join("g", p).await.unwrap();
    assert_eq!(pg::members("g"), [p]);
    assert_eq!(one.members("g"), [p]);
}

// Nodes are values: the default scopes of two nodes of one program are two scopes.
#[tokio::test]
async fn each_node_has_its_own_default_scope() {
    let (a, b) = (Node::new(), Node::new());
    let pa = a.scope(async { idle() }).await;
    a.scope(pg::join("g", pa)).await.unwrap();
    assert_eq!(a.scope(async { pg::members("g") }).await, [pa]);
    assert_eq!(b.scope(async { pg::members("g") }).await, []);
    assert_eq!(b.whereis("pg"), None);
    a.stop().await;
    b.stop().await;
}

// pg_SUITE `scope_restart` (locally): a scope that dies takes its table with it; a
// handle to it says so; the default scope starts anew on next use, empty.
#[otp_runtime::test]
async fn a_dead_scope_says_so_and_the_default_one_restarts() {
    let p = idle();
    pg::join("g", p).await.unwrap();
    let old = pg::default_scope().unwrap();
    let (_, mut changes) = old.monitor("g").await.unwrap();
    otp_runtime::exit(old.pid(), ExitReason::Kill);
    old.process_exit().await;
    assert_eq!(changes.recv().await, None, "its monitors end with it");
    assert_eq!(old.members("g"), [], "its table is gone");
    assert_eq!(old.join("g", p).await, Err(PgError::ScopeDown("pg".into())));
    assert_eq!(pg::members("g"), [], "reads do not start it");
    assert_eq!(otp_runtime::whereis("pg"), None);
    pg::join("g", p).await.unwrap();
    let new = pg::default_scope().unwrap();
    assert_ne!(new.pid(), old.pid());
    assert_eq!(pg::members("g"), [p]);
}

/// Waits for the scope's process to end.
trait ProcessExit {
    async fn process_exit(&self);
}

impl<G: Group> ProcessExit for Scope<G> {
    async fn process_exit(&self) {
        otp_runtime::wait_exit(self.pid()).await;
    }
}

// A scope as a child of a supervisor, as OTP's kernel supervises `pg`: restarted when it
// dies, empty; `Scope::named` finds the new incarnation; the default scope functions use a
// supervised `pg` scope when there is one.
#[otp_runtime::test]
async fn a_supervised_scope_restarts() {
    let _sup = SupervisorSpec::one_for_one()
        .child(Scope::<Atom>::child_spec("pg"))
        .child(Scope::<String>::child_spec("rooms"))
        .start()
        .await
        .unwrap();
    let supervised = otp_runtime::whereis("pg").unwrap();
    let p = idle();
    pg::join("g", p).await.unwrap();
    assert_eq!(pg::default_scope().unwrap().pid(), supervised);
    let rooms = Scope::<String>::named("rooms").unwrap();
    rooms.join("lobby", p).await.unwrap();
    otp_runtime::exit(rooms.pid(), ExitReason::Kill);
    let restarted = loop {
        match Scope::<String>::named("rooms") {
            Ok(s) if s.pid() != rooms.pid() => break s,
            _ => tokio::task::yield_now().await,
        }
    };
    assert_eq!(restarted.members("lobby"), []);
    restarted.join("lobby", p).await.unwrap();
    assert_eq!(restarted.members("lobby"), [p]);
    assert_eq!(pg::members("g"), [p], "the other scope is untouched");
}

/// Groups of a type of the program's: `lobby` and `{room, N}` in Erlang.
#[derive(ToTerm, FromTerm, Clone, PartialEq, Eq, Hash, Debug)]
enum Room {
    Lobby,
    Room(u32),
}

#[otp_runtime::test]
async fn typed_groups() {
    let s: Scope<Room> = Scope::start("rooms").unwrap();
    let p = idle();
    s.join(Room::Room(7), p).await.unwrap();
    s.join(Room::Lobby, p).await.unwrap();
    assert_eq!(s.members(&Room::Room(7)), [p]);
    assert_eq!(s.which_groups(), [Room::Room(7), Room::Lobby]);
    assert_eq!(
        Room::Room(7).to_term(),
        Term::Tuple(vec![Term::Atom(atom("room")), Term::Int(7)])
    );
}

// pg_SUITE `overlay_missing`: a join or leave from a scope that is not a peer changes
// nothing; a message that is not pg's is dropped, and the scope lives on (pg.erl crashes
// on it; a Rust scope warns).
#[otp_runtime::test]
async fn messages_from_strangers_change_nothing() {
    let s: Scope<Atom> = Scope::start("overlay_missing").unwrap();
    let (me, stranger, other) = (idle(), idle(), idle());
    s.join("group", me).await.unwrap();
    let send = |t: Term| otp_runtime::dist::send(s.pid(), &t).unwrap();
    let a = |s: &str| Term::Atom(atom(s));
    send(Term::Tuple(vec![
        a("join"),
        stranger.to_term(),
        a("group"),
        other.to_term(),
    ]));
    send(Term::Tuple(vec![
        a("leave"),
        stranger.to_term(),
        me.to_term(),
        Term::List(vec![a("group")]),
    ]));
    send(a("garbage"));
    send(Term::Tuple(vec![a("join"), Term::Int(1)]));
    // A round trip: the scope has handled them all.
    let (groups, _) = s.monitor_scope().await.unwrap();
    assert_eq!(groups, [(atom("group"), vec![me])]);
    assert!(s.is_alive());
}

// The issue: orders users observe are deterministic. Many groups, joined in one order,
// are listed in that order (not a hash map's).
#[otp_runtime::test]
async fn which_groups_lists_groups_in_the_order_they_appeared() {
    let s: Scope<u32> = Scope::start("order").unwrap();
    let p = idle();
    let order: Vec<u32> = (0..200).map(|i| (i * 7919) % 1000).collect();
    for g in &order {
        s.join(*g, p).await.unwrap();
    }
    assert_eq!(s.which_groups(), order);
    let ps: Vec<Pid> = (0..50).map(|_| idle()).collect();
    for q in &ps {
        s.join(1u32, *q).await.unwrap();
    }
    assert_eq!(s.members(&1), ps);
}

// A scope of a stopped node does not start; a stopped node's default scope is gone.
#[tokio::test]
async fn a_stopped_node_has_no_scope() {
    let n = Node::new();
    let p = n.scope(async { idle() }).await;
    n.scope(pg::join("g", p)).await.unwrap();
    n.stop().await;
    assert_eq!(n.scope(async { pg::members("g") }).await, []);
    assert_eq!(n.scope(pg::join("g", p)).await, Err(PgError::NodeStopped));
    assert!(matches!(
        n.sync_scope(|| Scope::<String>::start("s")),
        Err(StartError::NodeStopped)
    ));
}
