//! Restarts, ported from OTP's `supervisor_SUITE.erl` (groups `normal_termination`,
//! `shutdown_termination`, `abnormal_termination`, `restart_one_for_one`,
//! `restart_one_for_all`, `restart_rest_for_one`, and `temporary_bystander`,
//! `multiple_restarts`, `order_of_children`, `hanging_restart_loop*`,
//! `do_not_save_child_specs_for_temporary_children`), otp-semantics §A3 "Strategies",
//! "Intensity" and "Restart types".
//!
//! To wait for a restart, a test waits for the old child to be dead, then asks the
//! supervisor: its exit signal reached the supervisor's mailbox before the death was visible,
//! so the supervisor has handled it (and restarted) before it serves the request. Time-based
//! tests run on tokio's paused clock.

mod common;

use std::time::Duration;

use common::*;
use otp_runtime::prelude::*;
use otp_runtime::supervisor::ChildState::{NotRunning, Restarting, Running};
use otp_runtime::time::{sleep, Instant};

const HOUR: Duration = Duration::from_secs(3600);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A one_for_one supervisor (2 restarts an hour, as the suite's) with one worker `child1` of
/// this restart type.
async fn one_child(restart: Restart) -> (SupervisorRef, Pid, Log) {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(2, HOUR)
        .child(worker("child1", &log).restart(restart))
        .start()
        .await
        .unwrap();
    let pid = log.started("child1")[0];
    (sup, pid, log)
}

/// The child was restarted: a new pid, running.
async fn assert_restarted(sup: &SupervisorRef, old: Pid) -> Pid {
    let new = child_pid(sup, "child1").await;
    assert_ne!(new, old, "not restarted");
    assert!(otp_runtime::is_alive(new));
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));
    new
}

// ---- restart types --------------------------------------------------------------------------

/// `permanent_normal`: a permanent child is restarted even after a normal exit.
#[tokio::test]
async fn permanent_normal() {
    let (sup, c1, _) = one_child(Restart::Permanent).await;
    exit_with(c1, ExitReason::Normal).await;
    assert_restarted(&sup, c1).await;
}

/// `permanent_shutdown`: ... and after `shutdown` and `{shutdown, _}`.
#[tokio::test]
async fn permanent_shutdown() {
    let (sup, c1, _) = one_child(Restart::Permanent).await;
    exit_with(c1, ExitReason::Shutdown).await;
    let c2 = assert_restarted(&sup, c1).await;
    exit_with(c2, ExitReason::shutdown_with("some_info")).await;
    assert_restarted(&sup, c2).await;
}

/// `permanent_abnormal`: ... and after a crash or a kill.
#[tokio::test]
async fn permanent_abnormal() {
    let (sup, c1, _) = one_child(Restart::Permanent).await;
    crash(c1).await;
    let c2 = assert_restarted(&sup, c1).await;
    kill(c2).await;
    assert_restarted(&sup, c2).await;
}

/// `transient_normal`: a transient child that exits normally is not restarted; its spec
/// stays, not running.
#[tokio::test]
async fn transient_normal() {
    let (sup, c1, log) = one_child(Restart::Transient).await;
    exit_with(c1, ExitReason::Normal).await;
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child1", NotRunning)]
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 0, 0, 1));
    assert_eq!(log.attempts("child1"), 1);
}

/// `transient_shutdown`: nor after `shutdown` or `{shutdown, _}`; `restart_child` starts it
/// again.
#[tokio::test]
async fn transient_shutdown() {
    let (sup, c1, _) = one_child(Restart::Transient).await;
    exit_with(c1, ExitReason::Shutdown).await;
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child1", NotRunning)]
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 0, 0, 1));
    let c2 = sup.restart_child("child1").await.unwrap().unwrap();
    exit_with(c2, ExitReason::shutdown_with("some_info")).await;
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child1", NotRunning)]
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 0, 0, 1));
}

/// `transient_abnormal`: a transient child is restarted after a crash or a kill.
#[tokio::test]
async fn transient_abnormal() {
    let (sup, c1, _) = one_child(Restart::Transient).await;
    crash(c1).await;
    let c2 = assert_restarted(&sup, c1).await;
    kill(c2).await;
    assert_restarted(&sup, c2).await;
}

/// `temporary_{normal,shutdown,abnormal}`: a temporary child is never restarted and its
/// spec is forgotten, whatever the reason; the same spec can be started again.
#[tokio::test]
async fn temporary_never_restarted() {
    let reasons = [
        ExitReason::Normal,
        ExitReason::Shutdown,
        ExitReason::shutdown_with("some_info"),
        ExitReason::other("abnormal"),
    ];
    for reason in reasons {
        let (sup, c1, log) = one_child(Restart::Temporary).await;
        exit_with(c1, reason.clone()).await;
        assert_eq!(sup.which_children().await.unwrap(), vec![], "{reason}");
        assert_eq!(sup.count_children().await.unwrap(), counts(0, 0, 0, 0));
        let again = worker("child1", &log).restart(Restart::Temporary);
        assert!(sup.start_child(again).await.unwrap().is_some());
        assert_eq!(log.attempts("child1"), 2);
    }
    // Killed and crashed alike.
    let (sup, c1, _) = one_child(Restart::Temporary).await;
    kill(c1).await;
    assert_eq!(sup.which_children().await.unwrap(), vec![]);
    let (sup, c1, _) = one_child(Restart::Temporary).await;
    crash(c1).await;
    assert_eq!(sup.which_children().await.unwrap(), vec![]);
}

/// `temporary_bystander`: a temporary child stopped as a bystander of a one_for_all or
/// rest_for_one restart is not restarted (its start arguments are not kept), so the
/// supervisor does not exhaust its intensity trying.
#[tokio::test]
async fn temporary_bystander() {
    for strategy in [Strategy::OneForAll, Strategy::RestForOne] {
        let log = Log::new();
        let sup = SupervisorSpec::new(strategy)
            .intensity(2, secs(300))
            .start()
            .await
            .unwrap();
        let c1 = sup
            .start_child(worker("child1", &log))
            .await
            .unwrap()
            .unwrap();
        let c2 = sup
            .start_child(worker("child2", &log).restart(Restart::Temporary))
            .await
            .unwrap()
            .unwrap();
        let w = watch(&[c2]).await;
        exit_with(c1, ExitReason::Normal).await;
        let children = sup.which_children().await.unwrap();
        assert_eq!(states(&children).len(), 1, "{strategy:?}: {children:?}");
        assert_ne!(pid_of(&children, "child1"), c1);
        assert_eq!(w.deaths().await, vec![(c2, ExitReason::Shutdown)]);
        assert_eq!(log.attempts("child2"), 1);
        assert!(serving(&sup).await);
    }
}

/// `do_not_save_child_specs_for_temporary_children`: under every strategy and however the
/// child ends, a permanent child is restarted (`already_started`), a transient one that ends
/// cleanly or is terminated is kept (`already_present`, restartable), and a temporary one is
/// forgotten (its spec can be started again).
#[tokio::test]
async fn do_not_save_child_specs_for_temporary_children() {
    #[derive(Clone, Copy, Debug)]
    enum How {
        Kill,
        Normal,
        Abnormal,
        Supervisor,
    }
    async fn end(sup: &SupervisorRef, id: &str, pid: Pid, how: How) {
        match how {
            How::Kill => kill(pid).await,
            How::Normal => exit_with(pid, ExitReason::Normal).await,
            How::Abnormal => crash(pid).await,
            How::Supervisor => sup.terminate_child(id).await.unwrap(),
        }
    }
    for strategy in [
        Strategy::OneForAll,
        Strategy::OneForOne,
        Strategy::RestForOne,
    ] {
        for how in [How::Kill, How::Normal, How::Abnormal, How::Supervisor] {
            let log = Log::new();
            let sup = SupervisorSpec::new(strategy)
                .intensity(10, HOUR)
                .start()
                .await
                .unwrap();
            let case = format!("{strategy:?} {how:?}");

            let permanent = || worker("child1", &log);
            let pid = sup.start_child(permanent()).await.unwrap().unwrap();
            end(&sup, "child1", pid, how).await;
            match (how, sup.start_child(permanent()).await) {
                (How::Supervisor, r) => assert_eq!(r, Err(SupervisorError::AlreadyPresent)),
                (_, Err(SupervisorError::AlreadyStarted(p))) => assert_ne!(p, pid, "{case}"),
                (_, r) => panic!("{case}: {r:?}"),
            }
            if let How::Supervisor = how {
                sup.restart_child("child1").await.unwrap().unwrap();
            }

            let transient = || worker("child2", &log).restart(Restart::Transient);
            let pid = sup.start_child(transient()).await.unwrap().unwrap();
            end(&sup, "child2", pid, how).await;
            match (how, sup.start_child(transient()).await) {
                (How::Supervisor | How::Normal, r) => {
                    assert_eq!(r, Err(SupervisorError::AlreadyPresent), "{case}");
                    assert!(sup.restart_child("child2").await.unwrap().is_some());
                }
                (_, Err(SupervisorError::AlreadyStarted(p))) => assert_ne!(p, pid, "{case}"),
                (_, r) => panic!("{case}: {r:?}"),
            }

            let temporary = || worker("child3", &log).restart(Restart::Temporary);
            let pid = sup.start_child(temporary()).await.unwrap().unwrap();
            end(&sup, "child3", pid, how).await;
            assert!(
                sup.start_child(temporary()).await.unwrap().is_some(),
                "{case}"
            );
            sup.stop().await.unwrap();
        }
    }
}

// ---- strategies -----------------------------------------------------------------------------

/// `one_for_one`: only the child that died is restarted; restarts of any child count
/// against the one intensity (2 per hour here), and one more stops the supervisor.
#[tokio::test]
async fn one_for_one() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(2, HOUR)
        .child(worker("child1", &log))
        .child(worker("child2", &log))
        .start()
        .await
        .unwrap();
    let (c1, c2) = (log.started("child1")[0], log.started("child2")[0]);
    crash(c1).await;
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 2);
    assert_eq!(pid_of(&children, "child2"), c2);
    assert_ne!(pid_of(&children, "child1"), c1);
    assert_eq!(sup.count_children().await.unwrap(), counts(2, 2, 0, 2));

    crash(c2).await;
    let newest = sup.which_children().await.unwrap()[0].clone();
    let ChildState::Running(p) = newest.state else {
        panic!("{newest:?}")
    };
    crash(p).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    for p in [log.started("child1")[1], log.started("child2")[1]] {
        assert!(!otp_runtime::is_alive(p));
    }
}

/// `one_for_one_escalation`: a child whose restarts fail is retried until the intensity is
/// exhausted; then the supervisor stops its other children and exits `shutdown`.
#[tokio::test]
async fn one_for_one_escalation() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(4, HOUR)
        .child(
            W::new()
                .plan(&Plan::once_then(Boot::Fail))
                .spec("child1", &log),
        )
        .child(worker("child2", &log))
        .start()
        .await
        .unwrap();
    let (c1, c2) = (log.started("child1")[0], log.started("child2")[0]);
    let w = watch(&[c2]).await;
    crash(c1).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(w.deaths().await, vec![(c2, ExitReason::Shutdown)]);
    // The first start, then 4 failed restarts; the 5th restart is over the intensity.
    assert_eq!(log.attempts("child1"), 5);
}

/// `one_for_all`: when one child dies, the others are stopped and all are restarted; then
/// the intensity property.
#[tokio::test]
async fn one_for_all() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_all()
        .intensity(2, HOUR)
        .child(worker("child1", &log))
        .child(worker("child2", &log))
        .start()
        .await
        .unwrap();
    let (c1, c2) = (log.started("child1")[0], log.started("child2")[0]);
    let w = watch(&[c2]).await;
    crash(c1).await;
    assert_eq!(w.deaths().await, vec![(c2, ExitReason::Shutdown)]);
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 2);
    for old in [c1, c2] {
        assert!(!children.iter().any(|c| c.state == Running(old)));
    }
    assert_eq!(sup.count_children().await.unwrap(), counts(2, 2, 0, 2));
    assert_eq!(
        log.start_order(),
        vec!["child1", "child2", "child1", "child2"]
    );

    let p3 = child_pid(&sup, "child2").await;
    crash(p3).await;
    let p4 = child_pid(&sup, "child2").await;
    crash(p4).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
}

/// `one_for_all_escalation`: every retry restarts the whole group, so the supervisor runs out
/// of intensity and exits `shutdown`.
#[tokio::test]
async fn one_for_all_escalation() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_all()
        .intensity(4, HOUR)
        .child(worker("child1", &log))
        .child(
            W::new()
                .plan(&Plan::once_then(Boot::Fail))
                .spec("child2", &log),
        )
        .start()
        .await
        .unwrap();
    let (c1, c2) = (log.started("child1")[0], log.started("child2")[0]);
    let w = watch(&[c2]).await;
    crash(c1).await;
    assert_eq!(w.deaths().await, vec![(c2, ExitReason::Shutdown)]);
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    // The first start, then one per restart attempt: 4 attempts, the 5th is over the limit.
    assert_eq!(log.attempts("child1"), 5);
    assert_eq!(log.attempts("child2"), 5);
    assert!(log
        .started("child1")
        .iter()
        .all(|p| !otp_runtime::is_alive(*p)));
}

/// `one_for_all_other_child_fails_restart`: when a sibling fails to restart, the children
/// already restarted are stopped again before the retry, which restarts the whole group.
/// Meanwhile the failed child shows as restarting.
#[tokio::test(start_paused = true)]
async fn one_for_all_other_child_fails_restart() {
    let log = Log::new();
    let c2_plan = Plan::new([Boot::Ok, Boot::SlowFail(secs(1))], Boot::Ok);
    let sup = SupervisorSpec::one_for_all()
        .intensity(3, HOUR)
        .child(W::new().trap().spec("child1", &log))
        .child(W::new().plan(&c2_plan).spec("child2", &log))
        .start()
        .await
        .unwrap();
    let c1 = log.started("child1")[0];
    kill(c1).await;
    // child2's failing start takes a second: this request is queued behind it, and the
    // retry is queued behind this request.
    let during = sup.which_children().await.unwrap();
    let c1_second = log.started("child1")[1];
    assert_eq!(
        states(&during),
        vec![("child2", Restarting), ("child1", Running(c1_second))]
    );
    let after = sup.which_children().await.unwrap();
    let c1_third = log.started("child1")[2];
    let c2_second = log.started("child2")[1];
    assert_eq!(
        states(&after),
        vec![
            ("child2", Running(c2_second)),
            ("child1", Running(c1_third))
        ]
    );
    // The retry stopped the child1 that had been restarted.
    assert!(log
        .events()
        .contains(&Ev::Terminating("child1", c1_second, ExitReason::Shutdown)));
    assert_eq!(log.attempts("child2"), 3);
}

/// `rest_for_one`: the child that died and those started after it are restarted; those
/// before it are left alone.
#[tokio::test]
async fn rest_for_one() {
    let log = Log::new();
    let sup = SupervisorSpec::rest_for_one()
        .intensity(2, HOUR)
        .child(worker("child1", &log))
        .child(worker("child2", &log))
        .child(worker("child3", &log))
        .start()
        .await
        .unwrap();
    assert_eq!(sup.count_children().await.unwrap(), counts(3, 3, 0, 3));
    let [c1, c2, c3] = ["child1", "child2", "child3"].map(|id| log.started(id)[0]);
    let w = watch(&[c1, c3]).await;
    crash(c2).await;
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 3);
    assert_eq!(pid_of(&children, "child1"), c1);
    assert_ne!(pid_of(&children, "child2"), c2);
    assert_ne!(pid_of(&children, "child3"), c3);
    assert_eq!(sup.count_children().await.unwrap(), counts(3, 3, 0, 3));
    assert!(otp_runtime::is_alive(c1));
    assert!(!otp_runtime::is_alive(c3));

    let p3 = child_pid(&sup, "child3").await;
    crash(p3).await;
    let p2 = child_pid(&sup, "child2").await;
    crash(p2).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    // child1 lived until the supervisor gave up; child3 was stopped by the first restart.
    assert_eq!(
        w.deaths().await,
        vec![(c3, ExitReason::Shutdown), (c1, ExitReason::Shutdown)]
    );
}

/// `rest_for_one_escalation`.
#[tokio::test]
async fn rest_for_one_escalation() {
    let log = Log::new();
    let sup = SupervisorSpec::rest_for_one()
        .intensity(4, HOUR)
        .child(worker("child1", &log))
        .child(
            W::new()
                .plan(&Plan::once_then(Boot::Fail))
                .spec("child2", &log),
        )
        .start()
        .await
        .unwrap();
    let (c1, c2) = (log.started("child1")[0], log.started("child2")[0]);
    let w = watch(&[c2]).await;
    crash(c1).await;
    assert_eq!(w.deaths().await, vec![(c2, ExitReason::Shutdown)]);
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(log.attempts("child2"), 5);
}

/// `rest_for_one_other_child_fails_restart`: the retry starts from the child that failed,
/// not from the one that died first (which is running again and left alone).
#[tokio::test(start_paused = true)]
async fn rest_for_one_other_child_fails_restart() {
    let log = Log::new();
    let c2_plan = Plan::new([Boot::Ok, Boot::SlowFail(secs(1))], Boot::Ok);
    let sup = SupervisorSpec::rest_for_one()
        .intensity(3, HOUR)
        .child(W::new().trap().spec("child1", &log))
        .child(W::new().plan(&c2_plan).spec("child2", &log))
        .start()
        .await
        .unwrap();
    kill(log.started("child1")[0]).await;
    let c1_second = log.started("child1")[1];
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child2", Restarting), ("child1", Running(c1_second))]
    );
    let c2_second = log.started("child2")[1];
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![
            ("child2", Running(c2_second)),
            ("child1", Running(c1_second))
        ]
    );
    assert_eq!(
        log.started("child1").len(),
        2,
        "child1 is not restarted again"
    );
    assert_eq!(log.terminations(), vec![]);
}

/// `order_of_children`: children start in the order given (whatever their ids), a restart
/// stops the later ones newest first and starts them again in order, and a stopping
/// supervisor stops them all newest first.
#[tokio::test]
async fn order_of_children() {
    let log = Log::new();
    let ids = ["ch7", "ch3", "ch10", "ch2", "ch5"];
    let mut spec = SupervisorSpec::rest_for_one().intensity(2, HOUR);
    for id in ids {
        spec = spec.child(worker(id, &log));
    }
    let sup = spec.start().await.unwrap();
    let which = sup.which_children().await.unwrap();
    let listed: Vec<&str> = which.iter().map(|c| &*c.id).collect();
    assert_eq!(listed, ["ch5", "ch2", "ch10", "ch3", "ch7"], "newest first");
    assert_eq!(log.start_order(), ids);
    let pids: Vec<Pid> = ids.iter().map(|id| pid_of(&which, id)).collect();
    assert!(
        pids.windows(2).all(|w| w[0] < w[1]),
        "pids grow in start order"
    );

    let w = watch(&[pids[3], pids[4]]).await;
    crash(pids[2]).await;
    assert_eq!(
        w.deaths().await,
        vec![
            (pids[4], ExitReason::Shutdown),
            (pids[3], ExitReason::Shutdown)
        ]
    );
    let which = sup.which_children().await.unwrap();
    let new: Vec<Pid> = ids.iter().map(|id| pid_of(&which, id)).collect();
    assert_eq!(new[..2], pids[..2]);
    assert!(new.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(log.start_order()[5..], ["ch10", "ch2", "ch5"]);

    let w = watch(&new).await;
    sup.stop().await.unwrap();
    let order: Vec<Pid> = w.deaths().await.into_iter().map(|(p, _)| p).collect();
    assert_eq!(order, new.iter().rev().copied().collect::<Vec<_>>());
}

// ---- intensity ------------------------------------------------------------------------------

/// Exactly `intensity` restarts within the period are allowed; one more stops the
/// supervisor, which stops its other children (newest first) and exits `shutdown`.
#[tokio::test(start_paused = true)]
async fn intensity_exactly_at_the_limit_and_one_over() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(3, secs(10))
        .child(worker("a", &log))
        .child(worker("b", &log))
        .child(worker("c", &log))
        .start()
        .await
        .unwrap();
    for _ in 0..3 {
        let p = child_pid(&sup, "b").await;
        crash(p).await;
        sleep(secs(1)).await;
    }
    assert!(serving(&sup).await, "3 restarts in 10 s are allowed");
    assert_eq!(log.attempts("b"), 4);
    let (a, c) = (log.started("a")[0], log.started("c")[0]);
    let w = watch(&[a, c]).await;
    let b = child_pid(&sup, "b").await;
    crash(b).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(
        w.deaths().await,
        vec![(c, ExitReason::Shutdown), (a, ExitReason::Shutdown)]
    );
    assert_eq!(log.attempts("b"), 4, "the 4th restart is not attempted");
}

/// Intensity 0: the first restart already stops the supervisor.
#[tokio::test]
async fn intensity_zero_stops_at_the_first_restart() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(0, secs(5))
        .child(worker("a", &log))
        .child(worker("b", &log))
        .start()
        .await
        .unwrap();
    let a = log.started("a")[0];
    let w = watch(&[a]).await;
    exit_with(log.started("b")[0], ExitReason::Normal).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(w.deaths().await, vec![(a, ExitReason::Shutdown)]);
    assert_eq!(log.attempts("b"), 1);
}

/// Only the restarts within the last period count: older ones are forgotten, so restarts
/// spread out never stop the supervisor (`multiple_restarts`: intensity 1 per second, a
/// crash every 2.1 s).
#[tokio::test(start_paused = true)]
async fn multiple_restarts() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(1, secs(1))
        .start()
        .await
        .unwrap();
    let spec = worker("child1", &log).shutdown(Shutdown::BrutalKill);
    let first = sup.start_child(spec).await.unwrap().unwrap();
    crash(first).await;
    for _ in 0..3 {
        sleep(Duration::from_millis(2100)).await;
        let p = child_pid(&sup, "child1").await;
        crash(p).await;
    }
    assert!(serving(&sup).await);
    assert_eq!(log.attempts("child1"), 5);
    sup.terminate_child("child1").await.unwrap();
    sup.delete_child("child1").await.unwrap();
    assert_eq!(sup.which_children().await.unwrap(), vec![]);
}

/// The window's edge: a restart exactly one period old still counts (OTP keeps the restarts
/// with `T >= Now - Period`); a moment later it is forgotten.
#[tokio::test(start_paused = true)]
async fn intensity_window_edge() {
    for (wait, survives) in [(secs(5), false), (secs(5) + Duration::from_millis(1), true)] {
        let log = Log::new();
        let sup = SupervisorSpec::one_for_one()
            .intensity(1, secs(5))
            .child(worker("w", &log))
            .start()
            .await
            .unwrap();
        let t0 = Instant::now();
        crash(log.started("w")[0]).await;
        let p = child_pid(&sup, "w").await;
        sleep(wait).await;
        assert_eq!(t0.elapsed(), wait);
        crash(p).await;
        assert_eq!(serving(&sup).await, survives, "after {wait:?}");
    }
}

/// Failed restart attempts count as restarts: a child that cannot be restarted exhausts the
/// intensity by its retries alone.
#[tokio::test]
async fn failed_restart_attempts_count() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(3, HOUR)
        .child(W::new().plan(&Plan::once_then(Boot::Fail)).spec("w", &log))
        .start()
        .await
        .unwrap();
    crash(log.started("w")[0]).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    // 3 attempts allowed (all failing); the 4th restart is over the intensity.
    assert_eq!(log.attempts("w"), 4);
}

// ---- a restart that keeps failing ------------------------------------------------------------

/// `hanging_restart_loop`: while a child's restart keeps failing, the supervisor goes on
/// serving requests between attempts, shows the child as restarting, refuses to restart or
/// delete it, can terminate it (ending the loop), and can be stopped in the middle of the loop.
#[tokio::test(start_paused = true)]
async fn hanging_restart_loop() {
    let log = Log::new();
    let plan = Plan::ok();
    let sup = SupervisorSpec::one_for_one()
        .intensity(8, secs(10))
        .start()
        .await
        .unwrap();
    let child1 = || {
        W::new()
            .plan(&plan)
            .spec("child1", &log)
            .shutdown(Shutdown::BrutalKill)
    };
    let c1 = sup.start_child(child1()).await.unwrap().unwrap();

    // Each failing start takes 2 s, so at most 5 attempts fall in any 10 s: under intensity 8.
    plan.set(Boot::SlowFail(secs(2)));
    kill(c1).await;
    assert_eq!(
        sup.start_child(child1()).await,
        Err(SupervisorError::AlreadyPresent)
    );
    assert_eq!(
        sup.restart_child("child1").await,
        Err(SupervisorError::Restarting)
    );
    assert_eq!(
        sup.delete_child("child1").await,
        Err(SupervisorError::Restarting)
    );
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child1", Restarting)]
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 0, 0, 1));
    assert!(matches!(
        sup.child::<Worker>("child1").await,
        Err(SupervisorError::Restarting)
    ));

    sup.terminate_child("child1").await.unwrap();
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child1", NotRunning)]
    );
    let attempts = log.attempts("child1");
    sleep(secs(10)).await;
    assert_eq!(log.attempts("child1"), attempts, "the loop ended");

    plan.set(Boot::Ok);
    let c2 = sup.restart_child("child1").await.unwrap().unwrap();
    plan.set(Boot::SlowFail(secs(2)));
    kill(c2).await;
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child1", Restarting)]
    );
    // Stopping the supervisor in the middle of the loop: it does not hang.
    sup.stop().await.unwrap();
    assert!(!otp_runtime::is_alive(sup.pid().unwrap()));
    assert_eq!(log.started("child1"), vec![c1, c2]);
}

/// `hanging_restart_loop_rest_for_one`: the children after the one that keeps failing stay
/// not running meanwhile; terminating the failing one leaves them so, and restarting it does
/// not start them.
#[tokio::test(start_paused = true)]
async fn hanging_restart_loop_rest_for_one() {
    let log = Log::new();
    let plan = Plan::ok();
    let sup = SupervisorSpec::rest_for_one()
        .intensity(8, secs(10))
        .child(worker("child1", &log).shutdown(Shutdown::BrutalKill))
        .child(
            W::new()
                .plan(&plan)
                .spec("child2", &log)
                .shutdown(Shutdown::BrutalKill),
        )
        .child(worker("child3", &log).shutdown(Shutdown::BrutalKill))
        .start()
        .await
        .unwrap();
    let [c1, c2, c3] = ["child1", "child2", "child3"].map(|id| log.started(id)[0]);
    plan.set(Boot::SlowFail(secs(2)));
    let w = watch(&[c3]).await;
    kill(c2).await;
    assert_eq!(
        sup.restart_child("child2").await,
        Err(SupervisorError::Restarting)
    );
    assert_eq!(
        sup.delete_child("child2").await,
        Err(SupervisorError::Restarting)
    );
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![
            ("child3", NotRunning),
            ("child2", Restarting),
            ("child1", Running(c1))
        ]
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(3, 1, 0, 3));
    assert_eq!(w.deaths().await, vec![(c3, ExitReason::Killed)]);

    sup.terminate_child("child2").await.unwrap();
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![
            ("child3", NotRunning),
            ("child2", NotRunning),
            ("child1", Running(c1))
        ]
    );
    plan.set(Boot::Ok);
    let c22 = sup.restart_child("child2").await.unwrap().unwrap();
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![
            ("child3", NotRunning),
            ("child2", Running(c22)),
            ("child1", Running(c1))
        ]
    );
    plan.set(Boot::SlowFail(secs(2)));
    kill(c22).await;
    sup.stop().await.unwrap();
    assert!(!otp_runtime::is_alive(c1));
}

/// The guarantee the other tests rely on, where it is hardest to keep: on the multi-thread
/// runtime, a caller that has seen the crash (its call failed, or `wait_exit` returned) and
/// then asks the supervisor finds the crash already handled, every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_seen_by_a_caller_is_already_handled_by_the_supervisor() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(1_000, Duration::from_secs(1))
        .child(worker("child1", &log))
        .start()
        .await
        .unwrap();
    for round in 0..300 {
        let old = child_pid(&sup, "child1").await;
        if round % 2 == 0 {
            // The call fails with the crash.
            let r = handle(old).call(WCall::Crash).await;
            assert!(
                matches!(r, Err(CallError::Exited(ExitReason::Panic(_)))),
                "{r:?}"
            );
        } else {
            // `wait_exit` returns the reason, or `NoProc` if the process was already gone.
            otp_runtime::exit(old, ExitReason::Kill);
            let r = otp_runtime::wait_exit(old).await;
            assert!(
                matches!(r, ExitReason::Killed | ExitReason::NoProc),
                "{r:?}"
            );
        }
        let new = child_pid(&sup, "child1").await;
        assert_ne!(
            new, old,
            "round {round}: the supervisor had not handled the crash"
        );
    }
    sup.stop().await.unwrap();
}
