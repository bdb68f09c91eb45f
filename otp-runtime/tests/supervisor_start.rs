//! Starting supervisors and children, ported from OTP's `supervisor_SUITE.erl` (groups
//! `sup_start`, `sup_start_map`, `sup_flags`, and `child_specs` / `already_started_outside_supervisor`),
//! otp-semantics §A3 "Failures", "Start function results" and the spec checks.
//!
//! Names are global and the tests of a file run in parallel: every test uses its own names.

mod common;

use std::time::Duration;

use common::*;
use otp_runtime::prelude::*;
use otp_runtime::supervisor::ChildState::{NotRunning, Running};

const HOUR: Duration = Duration::from_secs(3600);

/// `sup_start_normal`: a supervisor with no children starts, and exits `shutdown` when its
/// parent does.
#[tokio::test]
async fn sup_start_normal() {
    let parent = under_parent(SupervisorSpec::one_for_one().intensity(2, HOUR)).await;
    let sup = parent.sup.clone();
    assert_eq!(sup.which_children().await.unwrap(), vec![]);
    assert_eq!(sup.count_children().await.unwrap(), counts(0, 0, 0, 0));
    parent.exit(ExitReason::Shutdown);
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
}

/// `sup_start_ignore_child`: a permanent child whose start is ignored is kept, not running.
#[tokio::test]
async fn sup_start_ignore_child() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(2, HOUR)
        .start()
        .await
        .unwrap();
    let ignore = W::new().plan(&Plan::new([], Boot::Ignore));
    assert_eq!(sup.start_child(ignore.spec("child1", &log)).await, Ok(None));
    let c2 = sup
        .start_child(worker("child2", &log))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child2", Running(c2)), ("child1", NotRunning)]
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(2, 1, 0, 2));
}

/// `sup_start_ignore_temporary_child`: a temporary child ignored at the supervisor's start is
/// not kept.
#[tokio::test]
async fn sup_start_ignore_temporary_child() {
    let log = Log::new();
    let ignore = W::new().plan(&Plan::new([], Boot::Ignore));
    let sup = SupervisorSpec::one_for_one()
        .intensity(2, HOUR)
        .child(ignore.spec("child1", &log).restart(Restart::Temporary))
        .child(worker("child2", &log).restart(Restart::Temporary))
        .start()
        .await
        .unwrap();
    let c2 = log.started("child2")[0];
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child2", Running(c2))]
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));
}

/// `sup_start_ignore_temporary_child_start_child`: the same through `start_child`.
#[tokio::test]
async fn sup_start_ignore_temporary_child_start_child() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(2, HOUR)
        .start()
        .await
        .unwrap();
    let ignore = W::new().plan(&Plan::new([], Boot::Ignore));
    let child1 = ignore.spec("child1", &log).restart(Restart::Temporary);
    assert_eq!(sup.start_child(child1).await, Ok(None));
    let c2 = sup
        .start_child(worker("child2", &log).restart(Restart::Temporary))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child2", Running(c2))]
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));
    // Not kept: the id is free again.
    assert!(sup
        .start_child(worker("child1", &log).restart(Restart::Temporary))
        .await
        .unwrap()
        .is_some());
}

/// `sup_start_ignore_{temporary,permanent}_child_start_child_simple`: under a dynamic
/// supervisor an ignored start is never kept, whatever the restart type; the supervisor then
/// stops without trouble.
#[tokio::test]
async fn sup_start_ignore_child_start_child_simple() {
    for restart in [Restart::Temporary, Restart::Permanent] {
        let log = Log::new();
        let plan = Plan::new([Boot::Ignore], Boot::Ok);
        let sup = W::new()
            .plan(&plan)
            .template("child", &log)
            .restart(restart)
            .intensity(2, HOUR)
            .start()
            .await
            .unwrap();
        assert_eq!(sup.start_child(None).await, Ok(None));
        let c2 = sup.start_child(None).await.unwrap().unwrap();
        assert_eq!(
            states(&sup.which_children().await.unwrap()),
            vec![("child", Running(c2))]
        );
        // OTP counts a simple_one_for_one supervisor's one template as its only spec.
        assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));
        let w = watch(&[c2]).await;
        sup.stop().await.unwrap();
        assert_eq!(w.deaths().await, vec![(c2, ExitReason::Shutdown)]);
    }
}

/// `sup_start_child_returns_error`: a start that fails, however it fails, is an error and the
/// child is not added.
#[tokio::test]
async fn sup_start_child_returns_error() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(2, HOUR)
        .start()
        .await
        .unwrap();
    // The start function returns an error ({error, reason}).
    let returns_error = ChildSpec::from_fn("child1", || async {
        Err::<Pid, _>(StartError::Failed(ExitReason::other("reason")))
    });
    assert_eq!(
        sup.start_child(returns_error).await,
        Err(SupervisorError::Start(StartError::Failed(
            ExitReason::other("reason")
        )))
    );
    // The child's init refuses to start.
    let fails = W::new()
        .plan(&Plan::new([], Boot::Fail))
        .spec("child2", &log);
    assert_eq!(
        sup.start_child(fails).await,
        Err(SupervisorError::Start(StartError::Failed(
            ExitReason::other("start failed")
        )))
    );
    // The child's init panics.
    let panics = W::new()
        .plan(&Plan::new([], Boot::Panic))
        .spec("child3", &log);
    assert!(matches!(
        sup.start_child(panics).await,
        Err(SupervisorError::Start(StartError::Failed(
            ExitReason::Panic(_)
        )))
    ));
    // The start function itself panics.
    let start_panics = ChildSpec::from_fn("child4", || async {
        panic!("start function panicked");
        #[allow(unreachable_code)]
        Ok::<Pid, StartError>(unreachable!())
    });
    assert!(matches!(
        sup.start_child(start_panics).await,
        Err(SupervisorError::Start(StartError::Failed(
            ExitReason::Panic(_)
        )))
    ));
    assert_eq!(sup.which_children().await.unwrap(), vec![]);
    assert_eq!(sup.count_children().await.unwrap(), counts(0, 0, 0, 0));
}

/// `sup_start_restart_child_returns_error`: `restart_child` reports a failed start and the
/// child stays as it was, not running.
#[tokio::test]
async fn sup_start_restart_child_returns_error() {
    let log = Log::new();
    let plan = Plan::once_then(Boot::Fail);
    let sup = SupervisorSpec::one_for_one()
        .intensity(2, HOUR)
        .child(W::new().plan(&plan).spec("child1", &log))
        .start()
        .await
        .unwrap();
    sup.terminate_child("child1").await.unwrap();
    assert_eq!(
        sup.restart_child("child1").await,
        Err(SupervisorError::Start(StartError::Failed(
            ExitReason::other("start failed")
        )))
    );
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child1", NotRunning)]
    );
    assert_eq!(log.attempts("child1"), 2);
}

/// `sup_start_child_returns_error_simple`: the same under a dynamic supervisor.
#[tokio::test]
async fn sup_start_child_returns_error_simple() {
    let log = Log::new();
    let sup = W::new()
        .plan(&Plan::new([], Boot::Fail))
        .template("child1", &log)
        .intensity(2, HOUR)
        .start()
        .await
        .unwrap();
    assert_eq!(
        sup.start_child(None).await,
        Err(SupervisorError::Start(StartError::Failed(
            ExitReason::other("start failed")
        )))
    );
    let by_fn = DynamicSupervisorSpec::from_fn("child1", |reason: &'static str| async move {
        Err::<Pid, _>(StartError::Failed(ExitReason::other(reason)))
    })
    .start()
    .await
    .unwrap();
    assert_eq!(
        by_fn.start_child("error_reason").await,
        Err(SupervisorError::Start(StartError::Failed(
            ExitReason::other("error_reason")
        )))
    );
    assert_eq!(sup.which_children().await.unwrap(), vec![]);
    assert_eq!(by_fn.which_children().await.unwrap(), vec![]);
}

/// A child that fails to start makes the supervisor's start fail naming it
/// (`{shutdown, {failed_to_start_child, Id, R}}`): the children started before it are stopped,
/// those after it are never started, and the supervisor's name is free again.
#[tokio::test]
async fn start_failure_names_the_child_and_stops_the_others() {
    let log = Log::new();
    let err = SupervisorSpec::one_for_one()
        .name("start_fail_sup")
        .child(W::new().trap().spec("a", &log))
        .child(W::new().plan(&Plan::new([], Boot::Fail)).spec("b", &log))
        .child(worker("c", &log))
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StartError::ChildFailed {
            id: "b".into(),
            error: Box::new(StartError::Failed(ExitReason::other("start failed"))),
        }
    );
    let a = log.started("a")[0];
    assert_eq!(
        log.events(),
        vec![
            Ev::Started("a", a),
            Ev::Refused("b"),
            Ev::Terminating("a", a, ExitReason::Shutdown),
        ]
    );
    assert!(!otp_runtime::is_alive(a));
    assert_eq!(log.attempts("c"), 0);
    assert_eq!(otp_runtime::whereis("start_fail_sup"), None);
}

/// The children already started are stopped in reverse start order when a later one fails.
#[tokio::test]
async fn start_failure_stops_started_children_in_reverse_order() {
    let log = Log::new();
    let err = SupervisorSpec::rest_for_one()
        .child(W::new().trap().spec("a", &log))
        .child(W::new().trap().spec("b", &log))
        .child(W::new().trap().spec("c", &log))
        .child(W::new().plan(&Plan::new([], Boot::Panic)).spec("d", &log))
        .start()
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StartError::ChildFailed { ref id, ref error }
            if &**id == "d" && matches!(**error, StartError::Failed(ExitReason::Panic(_)))
    ));
    assert_eq!(
        log.terminations(),
        vec![
            ("c", ExitReason::Shutdown),
            ("b", ExitReason::Shutdown),
            ("a", ExitReason::Shutdown),
        ]
    );
}

/// A nested supervisor that fails to start fails its parent's start, naming both levels.
#[tokio::test]
async fn nested_start_failure_names_both_levels() {
    let log = Log::new();
    let inner = SupervisorSpec::one_for_one()
        .child(W::new().plan(&Plan::new([], Boot::Fail)).spec("w", &log));
    let err = SupervisorSpec::one_for_one()
        .child(ChildSpec::supervisor("sub", inner))
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StartError::ChildFailed {
            id: "sub".into(),
            error: Box::new(StartError::ChildFailed {
                id: "w".into(),
                error: Box::new(StartError::Failed(ExitReason::other("start failed"))),
            }),
        }
    );
}

/// `sup_flags` / `child_specs`: invalid specs are refused before anything starts — a zero
/// period (`invalid_period`), duplicate ids (`duplicate_child_name`), a permanent significant
/// child and a significant child under `auto_shutdown => never` (`bad_combination`).
#[tokio::test]
async fn invalid_specs_start_nothing() {
    let log = Log::new();
    let cases = [
        SupervisorSpec::one_for_one()
            .intensity(2, Duration::ZERO)
            .child(worker("a", &log)),
        SupervisorSpec::one_for_one()
            .child(worker("a", &log))
            .child(worker("b", &log))
            .child(worker("a", &log)),
        SupervisorSpec::one_for_one()
            .auto_shutdown(AutoShutdown::AnySignificant)
            .child(worker("a", &log))
            .child(worker("b", &log).significant(true)),
        SupervisorSpec::one_for_all()
            .child(worker("a", &log))
            .child(
                worker("b", &log)
                    .restart(Restart::Transient)
                    .significant(true),
            ),
    ];
    for spec in cases {
        let err = spec.start().await.unwrap_err();
        assert!(matches!(err, StartError::InvalidSpec(_)), "{err:?}");
    }
    let dynamic = W::new()
        .template("d", &log)
        .intensity(1, Duration::ZERO)
        .start()
        .await;
    assert!(matches!(dynamic, Err(StartError::InvalidSpec(_))));
    assert_eq!(log.events(), vec![], "nothing was started");
}

/// A valid significant child: transient or temporary, under any_significant or
/// all_significant.
#[tokio::test]
async fn valid_significant_specs_start() {
    let log = Log::new();
    for mode in [AutoShutdown::AnySignificant, AutoShutdown::AllSignificant] {
        for restart in [Restart::Transient, Restart::Temporary] {
            let sup = SupervisorSpec::one_for_one()
                .auto_shutdown(mode)
                .child(worker("a", &log).restart(restart).significant(true))
                .start()
                .await
                .unwrap();
            assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));
            sup.stop().await.unwrap();
        }
    }
}

/// `child_specs_map` (`bad_combination` through `start_child`): an invalid significant child
/// is refused by a running supervisor and not added.
#[tokio::test]
async fn start_child_refuses_invalid_significant_children() {
    let log = Log::new();
    let never = SupervisorSpec::one_for_one().start().await.unwrap();
    let sig = worker("a", &log)
        .restart(Restart::Transient)
        .significant(true);
    assert!(matches!(
        never.start_child(sig).await,
        Err(SupervisorError::InvalidSpec(_))
    ));
    let any = SupervisorSpec::one_for_one()
        .auto_shutdown(AutoShutdown::AnySignificant)
        .start()
        .await
        .unwrap();
    assert!(matches!(
        any.start_child(worker("b", &log).significant(true)).await,
        Err(SupervisorError::InvalidSpec(_))
    ));
    assert_eq!(never.which_children().await.unwrap(), vec![]);
    assert_eq!(any.which_children().await.unwrap(), vec![]);
    assert_eq!(log.events(), vec![]);
}

/// `already_started_outside_supervisor`: a child whose name another process holds fails to
/// start with `already_started` and that process, and is not added.
#[tokio::test]
async fn already_started_outside_supervisor() {
    let log = Log::new();
    let other = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        ExitReason::Normal
    });
    otp_runtime::register("outside_name", other.pid()).unwrap();
    let sup = SupervisorSpec::one_for_one().start().await.unwrap();
    let child = worker("child", &log)
        .restart(Restart::Transient)
        .name("outside_name");
    assert_eq!(
        sup.start_child(child).await,
        Err(SupervisorError::Start(StartError::AlreadyStarted(
            other.pid()
        )))
    );
    assert_eq!(sup.which_children().await.unwrap(), vec![]);
    assert!(other.is_alive());
    assert_eq!(otp_runtime::whereis("outside_name"), Some(other.pid()));
}

/// A named supervisor is reachable by its name; a second one under the same name does not
/// start (`{error, {already_started, Pid}}`).
#[tokio::test]
async fn named_supervisor_and_name_taken() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .name("named_sup_test")
        .start()
        .await
        .unwrap();
    let by_name = SupervisorRef::named("named_sup_test");
    assert_eq!(by_name.pid(), sup.pid());
    by_name.start_child(worker("w", &log)).await.unwrap();
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));
    let again = SupervisorSpec::one_for_one()
        .name("named_sup_test")
        .child(worker("x", &log))
        .start()
        .await;
    assert_eq!(
        again.unwrap_err(),
        StartError::AlreadyStarted(sup.pid().unwrap())
    );
    assert_eq!(log.attempts("x"), 0);
}

/// A named child is registered before its `init` runs, so it is reachable by name at once
/// and again after every restart.
#[tokio::test]
async fn named_child_is_registered_and_re_registered_after_a_restart() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .child(worker("w", &log).name("named_child_test"))
        .start()
        .await
        .unwrap();
    let by_name = ServerRef::<Worker>::named("named_child_test");
    let first = by_name.call(WCall::Ping).await.unwrap();
    assert_eq!(child_pid(&sup, "w").await, first);
    crash(first).await;
    let second = child_pid(&sup, "w").await;
    assert_ne!(first, second);
    assert_eq!(by_name.call(WCall::Ping).await, Ok(second));
}

/// A `from_fn` child is any process its function starts linked to the caller; it is
/// supervised like a gen_server (here: restarted after a crash).
#[tokio::test]
async fn from_fn_child_is_supervised() {
    let sup = SupervisorSpec::one_for_one()
        .child(ChildSpec::from_fn("plain", || async {
            Ok(otp_runtime::spawn_link(
                |mut ctx: ProcessCtx<()>| async move {
                    ctx.recv().await;
                    ExitReason::Normal
                },
            ))
        }))
        .start()
        .await
        .unwrap();
    let first = child_pid(&sup, "plain").await;
    assert!(otp_runtime::links(first).contains(&sup.pid().unwrap()));
    otp_runtime::exit(first, ExitReason::other("died"));
    assert_eq!(
        otp_runtime::wait_exit(first).await,
        ExitReason::other("died")
    );
    let second = child_pid(&sup, "plain").await;
    assert_ne!(first, second);
}

/// A `start_child` waiting on a child's start learns at once that its supervisor was
/// killed meanwhile, with the reason, as OTP's caller learns through its monitor. (The
/// caller watches the supervisor's death only once its call's reply handle is dropped: the
/// supervisor never hands one on.)
#[tokio::test(start_paused = true)]
async fn start_child_waiting_on_a_start_learns_the_supervisors_death() {
    // A child whose `init` takes a minute (then fails: the supervisor dies before).
    let slow = Plan::new([], Boot::SlowFail(Duration::from_secs(60)));
    let sup = W::new()
        .plan(&slow)
        .template("slow", &Log::new())
        .start()
        .await
        .unwrap();
    let starting = tokio::spawn({
        let sup = sup.clone();
        async move { sup.start_child(None).await }
    });
    // The supervisor is inside the child's start.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!starting.is_finished());
    otp_runtime::exit(sup.pid().unwrap(), ExitReason::Kill);
    let r = tokio::time::timeout(Duration::from_secs(5), starting)
        .await
        .expect("the caller learned of the death")
        .unwrap();
    assert!(
        matches!(
            r,
            Err(SupervisorError::Call(CallError::Exited(ExitReason::Killed)))
        ),
        "{r:?}"
    );
}
