//! Stopping supervisors and their children, dynamic supervisors, trees and significant
//! children, ported from OTP's `supervisor_SUITE.erl` (groups `sup_stop`,
//! `restart_simple_one_for_one`, `significant`, and `tree`), otp-semantics §A3 "Shutting a
//! child down", "Strategies" (simple_one_for_one) and "Significant children and
//! auto_shutdown".
//!
//! Shutdown timeouts run on tokio's paused clock: the elapsed times asserted are exact.

mod common;

use std::time::Duration;

use common::*;
use otp_runtime::prelude::*;
use otp_runtime::supervisor::ChildState::{NotRunning, Restarting, Running};
use otp_runtime::time::Instant;

const HOUR: Duration = Duration::from_secs(3600);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

// ---- stopping a supervisor ------------------------------------------------------------------

/// `sup_stop_infinity`: children with an `infinity` shutdown, supervisor and worker alike,
/// are told `shutdown` and waited for; the supervisor exits `shutdown` when its parent does.
#[tokio::test]
async fn sup_stop_infinity() {
    let log = Log::new();
    let parent = under_parent(SupervisorSpec::one_for_one().intensity(2, HOUR)).await;
    let sup = parent.sup.clone();
    let c1 = sup
        .start_child(ChildSpec::supervisor(
            "child1",
            SupervisorSpec::one_for_one(),
        ))
        .await
        .unwrap()
        .unwrap();
    let c2 = sup
        .start_child(
            W::new()
                .trap()
                .spec("child2", &log)
                .shutdown(Shutdown::Infinity),
        )
        .await
        .unwrap()
        .unwrap();
    let w = watch(&[c1, c2]).await;
    parent.exit(ExitReason::Shutdown);
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(
        w.deaths().await,
        vec![(c2, ExitReason::Shutdown), (c1, ExitReason::Shutdown)]
    );
}

/// `sup_stop_timeout`: a child still busy when its shutdown time (1 s) is up is killed; the
/// other exits `shutdown`. The supervisor takes exactly that second.
#[tokio::test(start_paused = true)]
async fn sup_stop_timeout() {
    let log = Log::new();
    let parent = under_parent(SupervisorSpec::one_for_one().intensity(2, HOUR)).await;
    let sup = parent.sup.clone();
    let c1 = sup
        .start_child(worker("child1", &log).shutdown(Shutdown::Timeout(ms(1000))))
        .await
        .unwrap()
        .unwrap();
    let c2 = sup
        .start_child(
            W::new()
                .trap()
                .spec("child2", &log)
                .shutdown(Shutdown::Timeout(ms(1000))),
        )
        .await
        .unwrap()
        .unwrap();
    handle(c2).cast(WCast::Sleep(secs(200)));
    let w = watch(&[c1, c2]).await;
    let t0 = Instant::now();
    parent.exit(ExitReason::Shutdown);
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(t0.elapsed(), secs(1));
    assert_eq!(
        w.deaths().await,
        vec![(c2, ExitReason::Killed), (c1, ExitReason::Shutdown)]
    );
    // child2 never got to its terminate: it was busy, then killed.
    assert_eq!(log.terminations(), vec![]);
}

/// `sup_stop_brutal_kill`: a `brutal_kill` child is killed (even one that traps exits).
#[tokio::test]
async fn sup_stop_brutal_kill() {
    let log = Log::new();
    let parent = under_parent(SupervisorSpec::one_for_one().intensity(2, HOUR)).await;
    let sup = parent.sup.clone();
    let c1 = sup
        .start_child(worker("child1", &log).shutdown(Shutdown::Timeout(ms(1000))))
        .await
        .unwrap()
        .unwrap();
    let c2 = sup
        .start_child(
            W::new()
                .trap()
                .spec("child2", &log)
                .shutdown(Shutdown::BrutalKill),
        )
        .await
        .unwrap()
        .unwrap();
    let w = watch(&[c1, c2]).await;
    parent.exit(ExitReason::Shutdown);
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(
        w.deaths().await,
        vec![(c2, ExitReason::Killed), (c1, ExitReason::Shutdown)]
    );
}

/// A child that lingers in `terminate` is killed at its deadline; one that finishes before it
/// exits `shutdown` after the time it took. `terminate_child` returns once it is dead.
#[tokio::test(start_paused = true)]
async fn stuck_child_is_killed_at_its_deadline() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .child(
            W::new()
                .linger(secs(60))
                .spec("stuck", &log)
                .shutdown(Shutdown::Timeout(secs(3))),
        )
        .child(
            W::new()
                .linger(secs(1))
                .spec("slow", &log)
                .shutdown(Shutdown::Timeout(secs(3))),
        )
        .start()
        .await
        .unwrap();
    let (stuck, slow) = (log.started("stuck")[0], log.started("slow")[0]);
    let w = watch(&[stuck, slow]).await;

    let t0 = Instant::now();
    sup.terminate_child("stuck").await.unwrap();
    assert_eq!(t0.elapsed(), secs(3));
    let t1 = Instant::now();
    sup.terminate_child("slow").await.unwrap();
    assert_eq!(t1.elapsed(), secs(1));

    assert_eq!(
        w.deaths().await,
        vec![(stuck, ExitReason::Killed), (slow, ExitReason::Shutdown)]
    );
    assert_eq!(
        log.terminations(),
        vec![
            ("stuck", ExitReason::Shutdown),
            ("slow", ExitReason::Shutdown)
        ]
    );
}

/// A child with an `infinity` shutdown is waited for however long its `terminate` takes.
#[tokio::test(start_paused = true)]
async fn infinity_shutdown_waits_for_the_child() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .child(
            W::new()
                .linger(secs(600))
                .spec("w", &log)
                .shutdown(Shutdown::Infinity),
        )
        .start()
        .await
        .unwrap();
    let w = log.started("w")[0];
    let t0 = Instant::now();
    sup.stop().await.unwrap();
    assert_eq!(t0.elapsed(), secs(600));
    assert_eq!(otp_runtime::wait_exit(w).await, ExitReason::NoProc);
    assert_eq!(log.terminations(), vec![("w", ExitReason::Shutdown)]);
}

/// Children are stopped one at a time in reverse start order, each by its own shutdown:
/// a static supervisor's stop takes the sum of their times.
#[tokio::test(start_paused = true)]
async fn children_stopped_in_reverse_start_order() {
    let log = Log::new();
    let mut spec = SupervisorSpec::one_for_one();
    for id in ["a", "b", "c", "d"] {
        spec = spec.child(W::new().linger(secs(1)).spec(id, &log));
    }
    let sup = spec.start().await.unwrap();
    let pids: Vec<Pid> = ["a", "b", "c", "d"]
        .iter()
        .map(|id| log.started(id)[0])
        .collect();
    let w = watch(&pids).await;
    let t0 = Instant::now();
    sup.stop().await.unwrap();
    assert_eq!(t0.elapsed(), secs(4), "one after the other");
    let order: Vec<Pid> = w.deaths().await.into_iter().map(|(p, _)| p).collect();
    assert_eq!(order, pids.iter().rev().copied().collect::<Vec<_>>());
    assert_eq!(
        log.terminations(),
        ["d", "c", "b", "a"].map(|id| (id, ExitReason::Shutdown))
    );
}

/// `sup_stop_race`: children that exit on their own, for any reason, while the supervisor
/// stops do not disturb the shutdown of the others.
#[tokio::test(start_paused = true)]
async fn sup_stop_race() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one().start().await.unwrap();
    let reasons = [
        ExitReason::Normal,
        ExitReason::Shutdown,
        ExitReason::shutdown_with("test"),
        ExitReason::other("other"),
    ];
    let ids = ["r0", "r1", "r2", "r3", "z"];
    let mut pids = Vec::new();
    for (i, id) in ids.into_iter().enumerate() {
        let restart = [Restart::Temporary, Restart::Transient, Restart::Permanent][i % 3];
        let w = if id == "z" {
            W::new().linger(secs(1))
        } else {
            W::new().trap()
        };
        let spec = w
            .spec(id, &log)
            .restart(restart)
            .shutdown(Shutdown::Timeout(secs(2)));
        pids.push(sup.start_child(spec).await.unwrap().unwrap());
    }
    // The last child takes a second to stop; meanwhile the others exit on their own.
    for (pid, reason) in pids.iter().zip(&reasons) {
        handle(*pid).cast(WCast::Sleep(ms(500)));
        handle(*pid).cast(WCast::Exit(reason.clone()));
    }
    let w = watch(&pids).await;
    let t0 = Instant::now();
    sup.stop().await.unwrap();
    assert_eq!(t0.elapsed(), secs(1));
    let mut deaths = w.deaths().await;
    deaths.sort_by_key(|(p, _)| *p);
    let mut expected: Vec<(Pid, ExitReason)> = pids[..4]
        .iter()
        .copied()
        .zip(reasons.iter().cloned())
        .collect();
    expected.push((pids[4], ExitReason::Shutdown));
    expected.sort_by_key(|(p, _)| *p);
    assert_eq!(deaths, expected);
}

// ---- dynamic supervisors (simple_one_for_one) -----------------------------------------------

/// `simple_one_for_one`: a dead child is replaced by a new one with the same argument, the
/// others are untouched; restarts count against the intensity like any others.
#[tokio::test]
async fn simple_one_for_one() {
    let log = Log::new();
    let sup = W::new()
        .template("child", &log)
        .intensity(2, HOUR)
        .start()
        .await
        .unwrap();
    let c1 = sup.start_child(None).await.unwrap().unwrap();
    let c2 = sup.start_child(None).await.unwrap().unwrap();
    crash(c1).await;
    let which = sup.which_children().await.unwrap();
    let children = states(&which);
    assert_eq!(children.len(), 2);
    assert!(children.contains(&("child", Running(c2))));
    assert!(!children.contains(&("child", Running(c1))));
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 2, 0, 2));

    crash(c2).await;
    let Running(p) = sup.which_children().await.unwrap()[0].state else {
        panic!("not running")
    };
    crash(p).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
}

/// A restarted dynamic child gets its start argument again.
#[tokio::test(start_paused = true)]
async fn simple_one_for_one_restart_keeps_the_argument() {
    let log = Log::new();
    let sup = W::new()
        .template("child", &log)
        .shutdown(Shutdown::Timeout(secs(10)))
        .start()
        .await
        .unwrap();
    let c1 = sup.start_child(Some(secs(3))).await.unwrap().unwrap();
    crash(c1).await;
    let Running(c2) = sup.which_children().await.unwrap()[0].state else {
        panic!("not running")
    };
    // The argument is the child's linger: the new one lingers 3 s too.
    let t0 = Instant::now();
    sup.terminate_child(c2).await.unwrap();
    assert_eq!(t0.elapsed(), secs(3));
}

/// `simple_one_for_one_escalation`: a dynamic child whose restarts fail exhausts the
/// intensity; the supervisor stops its other children and exits `shutdown`.
#[tokio::test]
async fn simple_one_for_one_escalation() {
    let log = Log::new();
    let plan = Plan::new([Boot::Ok, Boot::Ok], Boot::Fail);
    let sup = W::new()
        .plan(&plan)
        .template("child", &log)
        .intensity(4, HOUR)
        .start()
        .await
        .unwrap();
    let c1 = sup.start_child(None).await.unwrap().unwrap();
    let c2 = sup.start_child(None).await.unwrap().unwrap();
    let w = watch(&[c2]).await;
    crash(c1).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(w.deaths().await, vec![(c2, ExitReason::Shutdown)]);
    assert_eq!(log.attempts("child"), 2 + 4);
}

/// `simple_one_for_one_restart_ignore`: a dynamic child whose restart is ignored is dropped
/// (transient and permanent alike); the supervisor goes on.
#[tokio::test]
async fn simple_one_for_one_restart_ignore() {
    for restart in [Restart::Transient, Restart::Permanent] {
        let log = Log::new();
        let plan = Plan::new([Boot::Ok, Boot::Ok], Boot::Ignore);
        let sup = W::new()
            .plan(&plan)
            .template("child", &log)
            .restart(restart)
            .intensity(10, HOUR)
            .start()
            .await
            .unwrap();
        let c1 = sup.start_child(None).await.unwrap().unwrap();
        assert_eq!(
            states(&sup.which_children().await.unwrap()),
            vec![("child", Running(c1))]
        );
        kill(c1).await;
        let c2 = log.started("child")[1];
        assert_eq!(
            states(&sup.which_children().await.unwrap()),
            vec![("child", Running(c2))]
        );
        kill(c2).await;
        assert_eq!(sup.which_children().await.unwrap(), vec![]);
        assert_eq!(log.attempts("child"), 3);
        sup.stop().await.unwrap();
    }
}

/// `simple_one_for_one_shutdown`: a dynamic supervisor tells all its children at once and
/// gives them one shared deadline (2 s here): two that take 1 s exit `shutdown`, one that
/// would take 5 s is killed at 2 s. The whole stop takes 2 s, not the sum.
#[tokio::test(start_paused = true)]
async fn simple_one_for_one_shutdown() {
    let log = Log::new();
    let sup = W::new()
        .template("child", &log)
        .shutdown(Shutdown::Timeout(secs(2)))
        .intensity(2, HOUR)
        .start()
        .await
        .unwrap();
    let c1 = sup.start_child(Some(secs(1))).await.unwrap().unwrap();
    let c2 = sup.start_child(Some(secs(1))).await.unwrap().unwrap();
    let c3 = sup.start_child(Some(secs(5))).await.unwrap().unwrap();
    let w = watch(&[c1, c2, c3]).await;
    let t0 = Instant::now();
    sup.stop().await.unwrap();
    assert_eq!(t0.elapsed(), secs(2));
    let mut deaths = w.deaths().await;
    deaths.sort_by_key(|(p, _)| *p);
    assert_eq!(
        deaths,
        vec![
            (c1, ExitReason::Shutdown),
            (c2, ExitReason::Shutdown),
            (c3, ExitReason::Killed)
        ]
    );
    assert_eq!(log.terminations().len(), 3, "all three were told at once");
}

/// `sup_stop_timeout_dynamic` and `sup_stop_brutal_kill_dynamic`.
#[tokio::test(start_paused = true)]
async fn sup_stop_dynamic_timeout_and_brutal_kill() {
    let log = Log::new();
    let sup = W::new()
        .template("child", &log)
        .restart(Restart::Temporary)
        .shutdown(Shutdown::Timeout(ms(1000)))
        .start()
        .await
        .unwrap();
    let c1 = sup.start_child(None).await.unwrap().unwrap();
    let c2 = sup.start_child(Some(ms(1))).await.unwrap().unwrap();
    handle(c2).cast(WCast::Sleep(secs(200)));
    let w = watch(&[c1, c2]).await;
    let t0 = Instant::now();
    sup.stop().await.unwrap();
    assert_eq!(t0.elapsed(), secs(1));
    let mut deaths = w.deaths().await;
    deaths.sort_by_key(|(p, _)| *p);
    assert_eq!(
        deaths,
        vec![(c1, ExitReason::Shutdown), (c2, ExitReason::Killed)]
    );

    let brutal = W::new()
        .trap()
        .template("child", &log)
        .restart(Restart::Temporary)
        .shutdown(Shutdown::BrutalKill)
        .start()
        .await
        .unwrap();
    let mut pids = Vec::new();
    for _ in 0..10 {
        pids.push(brutal.start_child(None).await.unwrap().unwrap());
    }
    let w = watch(&pids).await;
    let t0 = Instant::now();
    brutal.stop().await.unwrap();
    assert_eq!(t0.elapsed(), Duration::ZERO);
    let deaths = w.deaths().await;
    assert_eq!(deaths.len(), 10);
    assert!(deaths.iter().all(|(_, r)| *r == ExitReason::Killed));
}

// ---- a supervision tree ---------------------------------------------------------------------

/// `tree`, three levels deep: a one_for_all root over two one_for_one supervisors (one with
/// a nested supervisor of its own) and a transient one. A worker's death is handled by its
/// own supervisor alone; a supervisor that gives up (a child it cannot restart) exits
/// `shutdown` and its parent restarts the whole tree from its specs, without the children
/// added at run time.
#[tokio::test]
async fn tree() {
    let log = Log::new();
    let sup1 = SupervisorSpec::one_for_one()
        .intensity(4, HOUR)
        .child(worker("child1", &log))
        .child(worker("child2", &log));
    let leaf = SupervisorSpec::one_for_one().child(worker("leafw", &log));
    let sup2 = SupervisorSpec::one_for_one()
        .intensity(4, HOUR)
        .child(ChildSpec::supervisor("leaf", leaf).name("tree_leaf"));
    let root = SupervisorSpec::one_for_all()
        .intensity(4, HOUR)
        .start()
        .await
        .unwrap();
    let s1 = root
        .start_child(ChildSpec::supervisor("supchild1", sup1).name("tree_s1"))
        .await
        .unwrap()
        .unwrap();
    let s2 = root
        .start_child(ChildSpec::supervisor("supchild2", sup2).name("tree_s2"))
        .await
        .unwrap()
        .unwrap();
    root.start_child(
        ChildSpec::supervisor("supchild3", SupervisorSpec::one_for_one())
            .restart(Restart::Transient)
            .name("tree_s3"),
    )
    .await
    .unwrap();
    root.terminate_child("supchild3").await.unwrap();
    assert_eq!(root.count_children().await.unwrap(), counts(3, 2, 3, 0));

    let (sup1_ref, sup2_ref) = (
        SupervisorRef::named("tree_s1"),
        SupervisorRef::named("tree_s2"),
    );
    let [c1, c2] = ["child1", "child2"].map(|id| log.started(id)[0]);
    assert_eq!(
        states(&sup1_ref.which_children().await.unwrap()),
        vec![("child2", Running(c2)), ("child1", Running(c1))]
    );
    assert_eq!(sup1_ref.count_children().await.unwrap(), counts(2, 2, 0, 2));
    assert_eq!(sup2_ref.count_children().await.unwrap(), counts(1, 1, 1, 0));
    let leafw = log.started("leafw")[0];
    assert_eq!(
        child_pid(&SupervisorRef::named("tree_leaf"), "leafw").await,
        leafw
    );

    // Children added at run time.
    let c3 = sup2_ref
        .start_child(
            W::new()
                .plan(&Plan::once_then(Boot::Fail))
                .spec("child3", &log),
        )
        .await
        .unwrap()
        .unwrap();
    let c4 = sup2_ref
        .start_child(worker("child4", &log))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sup2_ref.count_children().await.unwrap(), counts(3, 3, 1, 2));

    // Only the process that dies is restarted.
    crash(c4).await;
    let which2 = sup2_ref.which_children().await.unwrap();
    assert_eq!(pid_of(&which2, "child3"), c3);
    assert_ne!(pid_of(&which2, "child4"), c4);
    assert_eq!(
        states(&sup1_ref.which_children().await.unwrap()),
        vec![("child2", Running(c2)), ("child1", Running(c1))]
    );
    assert_eq!(log.started("leafw"), vec![leafw]);

    // child3 cannot be restarted: supchild2 gives up, the root restarts everything.
    let w = watch(&[s2, s1, c1, c2, leafw]).await;
    crash(c3).await;
    let deaths: Vec<Pid> = w
        .deaths()
        .await
        .into_iter()
        .map(|(p, r)| {
            assert_eq!(r, ExitReason::Shutdown, "{p}");
            p
        })
        .collect();
    // supchild2 stopped its own children (the leaf's worker) and gave up; then the root
    // stopped supchild1, which stopped its children first.
    assert_eq!(deaths, [leafw, s2, c2, c1, s1]);
    // Intensity 4: child4's restart was one, child3's three failed attempts the others.
    assert_eq!(log.attempts("child3"), 1 + 3);
    let which = root.which_children().await.unwrap();
    let ids: Vec<&str> = which.iter().map(|c| &*c.id).collect();
    assert_eq!(ids, ["supchild3", "supchild2", "supchild1"]);
    assert!(which.iter().all(|c| matches!(c.state, Running(_))));
    assert_ne!(pid_of(&which, "supchild1"), s1);
    assert_ne!(pid_of(&which, "supchild2"), s2);
    assert_eq!(root.count_children().await.unwrap(), counts(3, 3, 3, 0));

    let new1 = sup1_ref.which_children().await.unwrap();
    assert_eq!(states(&new1).len(), 2);
    assert_ne!(pid_of(&new1, "child1"), c1);
    assert_ne!(pid_of(&new1, "child2"), c2);
    assert_eq!(
        states(&sup2_ref.which_children().await.unwrap())
            .iter()
            .map(|(id, _)| *id)
            .collect::<Vec<_>>(),
        ["leaf"]
    );
    assert_ne!(
        child_pid(&SupervisorRef::named("tree_leaf"), "leafw").await,
        leafw
    );
    let s3 = SupervisorRef::named("tree_s3");
    assert_eq!(s3.pid(), Some(pid_of(&which, "supchild3")));
    assert_eq!(s3.count_children().await.unwrap(), counts(0, 0, 0, 0));
}

/// `simple_global_supervisor` (OTP-9212, with local names): a killed middle supervisor is
/// restarted by its parent with a new worker under the same names; a killed or normally
/// exiting worker is restarted by the middle supervisor; `terminate_child` and
/// `restart_child` through the middle supervisor's name give a new worker too.
#[tokio::test]
async fn restart_of_a_named_middle_supervisor() {
    let log = Log::new();
    let middle = SupervisorSpec::one_for_all()
        .intensity(3, Duration::from_secs(60))
        .child(worker("child", &log).name("otp9212_server"));
    let top = SupervisorSpec::one_for_all()
        .intensity(3, Duration::from_secs(60))
        .child(
            ChildSpec::supervisor("middle", middle)
                .shutdown(Shutdown::Timeout(secs(2)))
                .name("otp9212_sup2"),
        )
        .start()
        .await
        .unwrap();
    let sup2 = SupervisorRef::named("otp9212_sup2");
    let server = ServerRef::<Worker>::named("otp9212_server");

    // kill_supervisor
    let (sup2_1, server_1) = (sup2.pid().unwrap(), server.pid().unwrap());
    kill(sup2_1).await;
    assert_eq!(child_pid(&top, "middle").await, sup2.pid().unwrap());
    assert_ne!(sup2.pid(), Some(sup2_1));
    let server_2 = server.call(WCall::Ping).await.unwrap();
    assert_ne!(server_2, server_1);
    assert!(!otp_runtime::is_alive(server_1));

    // kill_worker
    kill(server_2).await;
    let server_3 = server.call(WCall::Ping).await.unwrap();
    assert_ne!(server_3, server_2);

    // exit_worker
    exit_with(server_3, ExitReason::Normal).await;
    let server_4 = child_pid(&sup2, "child").await;
    assert_eq!(server.call(WCall::Ping).await, Ok(server_4));
    assert_ne!(server_4, server_3);

    // restart_worker
    sup2.terminate_child("child").await.unwrap();
    assert_eq!(server.pid(), None);
    let server_5 = sup2.restart_child("child").await.unwrap().unwrap();
    assert_eq!(server.pid(), Some(server_5));

    // The top gone, all names are free.
    let w = watch(&[sup2.pid().unwrap(), server_5]).await;
    kill(top.pid().unwrap()).await;
    let deaths = w.deaths().await;
    assert_eq!(deaths.len(), 2);
    assert_eq!(otp_runtime::whereis("otp9212_sup2"), None);
    assert_eq!(otp_runtime::whereis("otp9212_server"), None);
}

/// A dynamic supervisor nested in a static one is restarted empty: the children it had
/// started are not part of any spec.
#[tokio::test]
async fn nested_dynamic_supervisor_restarts_empty() {
    let log = Log::new();
    let pool = W::new().template("conn", &log).name("nested_pool");
    let top = SupervisorSpec::one_for_one()
        .child(ChildSpec::dynamic_supervisor("pool", pool))
        .start()
        .await
        .unwrap();
    let pool = DynamicSupervisorRef::<Option<Duration>>::named("nested_pool");
    let first = pool.pid().unwrap();
    let c1 = pool.start_child(None).await.unwrap().unwrap();
    let c2 = pool.start_child(None).await.unwrap().unwrap();
    assert_eq!(top.count_children().await.unwrap(), counts(1, 1, 1, 0));
    let w = watch(&[c1, c2]).await;
    kill(first).await;
    assert_eq!(w.deaths().await.len(), 2);
    assert_ne!(child_pid(&top, "pool").await, first);
    assert_eq!(pool.which_children().await.unwrap(), vec![]);
    assert!(pool.start_child(None).await.unwrap().is_some());
}

// ---- significant children and auto_shutdown --------------------------------------------------

/// Three children: child1 and child2 significant, child3 not; all of this restart type.
async fn significant_sup(mode: AutoShutdown, restart: Restart) -> (SupervisorRef, [Pid; 3], Log) {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(5, HOUR)
        .auto_shutdown(mode)
        .child(worker("child1", &log).restart(restart).significant(true))
        .child(worker("child2", &log).restart(restart).significant(true))
        .child(worker("child3", &log).restart(restart))
        .start()
        .await
        .unwrap();
    let pids = ["child1", "child2", "child3"].map(|id| log.started(id)[0]);
    (sup, pids, log)
}

/// `significant_temporary` (any_significant): a temporary significant child that ends on its
/// own, whatever the reason, stops the supervisor, which stops the others; one terminated
/// through the supervisor does not.
#[tokio::test]
async fn significant_temporary_any() {
    let (sup, [_, c2, c3], log) =
        significant_sup(AutoShutdown::AnySignificant, Restart::Temporary).await;
    sup.terminate_child("child1").await.unwrap();
    assert!(serving(&sup).await);
    assert!(otp_runtime::is_alive(c2) && otp_runtime::is_alive(c3));
    let c1 = sup
        .start_child(
            worker("child1", &log)
                .restart(Restart::Temporary)
                .significant(true),
        )
        .await
        .unwrap()
        .unwrap();
    let w = watch(&[c2, c3]).await;
    kill(c1).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(
        w.deaths().await,
        vec![(c3, ExitReason::Shutdown), (c2, ExitReason::Shutdown)]
    );

    for reason in [ExitReason::other("abnormal"), ExitReason::Normal] {
        let (sup, [c1, c2, c3], _) =
            significant_sup(AutoShutdown::AnySignificant, Restart::Temporary).await;
        let w = watch(&[c2, c3]).await;
        exit_with(c1, reason).await;
        assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
        assert_eq!(w.deaths().await.len(), 2);
    }
}

/// `significant_temporary` (all_significant): the supervisor stops when the last significant
/// child has ended, not before.
#[tokio::test]
async fn significant_temporary_all() {
    let (sup, [c1, c2, c3], _) =
        significant_sup(AutoShutdown::AllSignificant, Restart::Temporary).await;
    exit_with(c1, ExitReason::Normal).await;
    assert!(serving(&sup).await);
    assert!(otp_runtime::is_alive(c2) && otp_runtime::is_alive(c3));
    let w = watch(&[c3]).await;
    exit_with(c2, ExitReason::Normal).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(w.deaths().await, vec![(c3, ExitReason::Shutdown)]);
}

/// `significant_transient` (any_significant): a transient significant child that crashes or
/// is killed is restarted (not counted); terminated through the supervisor, not counted;
/// ending cleanly (normal, shutdown, `{shutdown, _}`) stops the supervisor.
#[tokio::test]
async fn significant_transient_any() {
    let (sup, [c1, c2, c3], _) =
        significant_sup(AutoShutdown::AnySignificant, Restart::Transient).await;
    sup.terminate_child("child1").await.unwrap();
    assert!(serving(&sup).await);
    let c1b = sup.restart_child("child1").await.unwrap().unwrap();
    assert_ne!(c1, c1b);
    kill(c1b).await;
    assert!(serving(&sup).await);
    let c1c = child_pid(&sup, "child1").await;
    crash(c1c).await;
    assert!(serving(&sup).await);
    let c1d = child_pid(&sup, "child1").await;
    assert!(otp_runtime::is_alive(c2) && otp_runtime::is_alive(c3));
    let w = watch(&[c2, c3]).await;
    exit_with(c1d, ExitReason::Normal).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(w.deaths().await.len(), 2);

    for reason in [ExitReason::Shutdown, ExitReason::shutdown_with("done")] {
        let (sup, [c1, ..], _) =
            significant_sup(AutoShutdown::AnySignificant, Restart::Transient).await;
        exit_with(c1, reason).await;
        assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    }
}

/// `significant_transient` (all_significant).
#[tokio::test]
async fn significant_transient_all() {
    let (sup, [c1, c2, c3], _) =
        significant_sup(AutoShutdown::AllSignificant, Restart::Transient).await;
    exit_with(c1, ExitReason::Normal).await;
    assert!(serving(&sup).await);
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![
            ("child3", Running(c3)),
            ("child2", Running(c2)),
            ("child1", NotRunning)
        ]
    );
    exit_with(c2, ExitReason::Normal).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert!(!otp_runtime::is_alive(c3));
}

/// all_significant: a significant child whose restart keeps failing is still there (OTP
/// counts every significant child whose pid is not `undefined`, `{restarting, _}` included),
/// so another one ending does not stop the supervisor; once the first is back and ends too,
/// it does.
#[tokio::test(start_paused = true)]
async fn all_significant_counts_a_restarting_child() {
    let log = Log::new();
    let plan = Plan::ok();
    let sup = SupervisorSpec::one_for_one()
        .intensity(10, secs(10))
        .auto_shutdown(AutoShutdown::AllSignificant)
        .child(
            W::new()
                .plan(&plan)
                .spec("child1", &log)
                .restart(Restart::Transient)
                .significant(true),
        )
        .child(
            worker("child2", &log)
                .restart(Restart::Transient)
                .significant(true),
        )
        .start()
        .await
        .unwrap();
    let (c1, c2) = (log.started("child1")[0], log.started("child2")[0]);
    plan.set(Boot::SlowFail(secs(2)));
    kill(c1).await;
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child2", Running(c2)), ("child1", Restarting)]
    );
    exit_with(c2, ExitReason::Normal).await;
    assert!(serving(&sup).await, "child1 is still being restarted");
    plan.set(Boot::Ok);
    // The next retry succeeds (this request is served after it).
    otp_runtime::time::sleep(secs(3)).await;
    let c1b = child_pid(&sup, "child1").await;
    exit_with(c1b, ExitReason::Normal).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
}

/// `significant_bystander`: significant children stopped because a sibling died (one_for_all,
/// rest_for_one) are restarted and do not count, in either auto_shutdown mode.
#[tokio::test]
async fn significant_bystander() {
    for strategy in [
        Strategy::OneForOne,
        Strategy::OneForAll,
        Strategy::RestForOne,
    ] {
        for mode in [AutoShutdown::AnySignificant, AutoShutdown::AllSignificant] {
            let log = Log::new();
            let sup = SupervisorSpec::new(strategy)
                .intensity(5, HOUR)
                .auto_shutdown(mode)
                .child(
                    worker("child1", &log)
                        .restart(Restart::Transient)
                        .significant(true),
                )
                .child(worker("child2", &log).restart(Restart::Transient))
                .child(
                    worker("child3", &log)
                        .restart(Restart::Transient)
                        .significant(true),
                )
                .start()
                .await
                .unwrap();
            let [c1, c2, c3] = ["child1", "child2", "child3"].map(|id| log.started(id)[0]);
            kill(c2).await;
            let case = format!("{strategy:?} {mode:?}");
            assert!(serving(&sup).await, "{case}");
            let which = sup.which_children().await.unwrap();
            assert!(
                which.iter().all(|c| matches!(c.state, Running(_))),
                "{case}"
            );
            let (same1, same3) = (
                pid_of(&which, "child1") == c1,
                pid_of(&which, "child3") == c3,
            );
            match strategy {
                Strategy::OneForOne => assert!(same1 && same3, "{case}"),
                Strategy::OneForAll => assert!(!same1 && !same3, "{case}"),
                Strategy::RestForOne => assert!(same1 && !same3, "{case}"),
            }
            sup.stop().await.unwrap();
        }
    }
}

/// `significant_escalation`: a supervisor that auto-shuts down is itself a significant child
/// ending cleanly (`shutdown`), so its parent with auto_shutdown stops too; if it is not
/// significant, the parent goes on (and, the child being transient, does not restart it).
#[tokio::test]
async fn significant_escalation() {
    for significant in [true, false] {
        let log = Log::new();
        let inner = SupervisorSpec::one_for_one()
            .auto_shutdown(AutoShutdown::AnySignificant)
            .child(
                worker("child1", &log)
                    .restart(Restart::Transient)
                    .significant(true),
            );
        let top = SupervisorSpec::one_for_one()
            .auto_shutdown(AutoShutdown::AnySignificant)
            .start()
            .await
            .unwrap();
        let sub = top
            .start_child(
                ChildSpec::supervisor("sup1", inner)
                    .restart(Restart::Transient)
                    .significant(significant),
            )
            .await
            .unwrap()
            .unwrap();
        let c = log.started("child1")[0];
        let w = watch(&[sub]).await;
        exit_with(c, ExitReason::Normal).await;
        assert_eq!(w.deaths().await, vec![(sub, ExitReason::Shutdown)]);
        if significant {
            assert_eq!(top.wait_exit().await, ExitReason::Shutdown);
        } else {
            assert!(serving(&top).await);
            assert_eq!(
                states(&top.which_children().await.unwrap()),
                vec![("sup1", NotRunning)]
            );
            top.stop().await.unwrap();
        }
    }
}

/// `nonsignificant_temporary` / `nonsignificant_transient`: children that are not significant
/// never stop the supervisor, in any auto_shutdown mode, however they end.
#[tokio::test]
async fn nonsignificant_children_never_stop_the_supervisor() {
    for mode in [
        AutoShutdown::Never,
        AutoShutdown::AnySignificant,
        AutoShutdown::AllSignificant,
    ] {
        for restart in [Restart::Temporary, Restart::Transient] {
            let log = Log::new();
            let sup = SupervisorSpec::one_for_one()
                .intensity(5, HOUR)
                .auto_shutdown(mode)
                .start()
                .await
                .unwrap();
            let spec = || worker("child1", &log).restart(restart);
            let case = format!("{mode:?} {restart:?}");

            sup.start_child(spec()).await.unwrap();
            sup.terminate_child("child1").await.unwrap();
            assert!(serving(&sup).await, "{case}");

            let start = || async {
                match restart {
                    Restart::Temporary => sup.start_child(spec()).await.unwrap().unwrap(),
                    _ => sup.restart_child("child1").await.unwrap().unwrap(),
                }
            };
            kill(start().await).await;
            assert!(serving(&sup).await, "{case}");
            let p = match restart {
                Restart::Temporary => start().await,
                _ => child_pid(&sup, "child1").await,
            };
            crash(p).await;
            assert!(serving(&sup).await, "{case}");
            let p = match restart {
                Restart::Temporary => start().await,
                _ => child_pid(&sup, "child1").await,
            };
            exit_with(p, ExitReason::Normal).await;
            assert!(serving(&sup).await, "{case}");
            sup.stop().await.unwrap();
        }
    }
}
