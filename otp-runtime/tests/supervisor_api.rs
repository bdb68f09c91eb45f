//! The supervisor API, ported from OTP's `supervisor_SUITE.erl` (`child_adm`,
//! `child_adm_simple`, `extra_return`, `sup_start_map`, `sup_start_map_simple`,
//! `count_children*`, `count_restarting_children`, `which_children*`, `child_unlink`),
//! otp-semantics §A3 "API".

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use otp_runtime::prelude::*;
use otp_runtime::supervisor::ChildState::{NotRunning, Restarting, Running};
use otp_runtime::supervisor::ChildType;

const HOUR: Duration = Duration::from_secs(3600);

/// The error of a call to the supervisor registered as nobody's `name`: it names it.
fn noproc(name: &str) -> SupervisorError {
    SupervisorError::Call(CallError::NoProc {
        target: CallTarget::Name(name.into()),
    })
}

/// `child_adm`: start_child, terminate_child, restart_child, delete_child, which_children and
/// count_children on a one_for_one supervisor, and each of them on a supervisor that does
/// not exist (OTP: the caller exits `noproc`; here a `NoProc` error).
#[tokio::test]
async fn child_adm() {
    let log = Log::new();
    let child = || worker("child1", &log);
    let sup = SupervisorSpec::one_for_one()
        .intensity(2, HOUR)
        .child(child())
        .start()
        .await
        .unwrap();
    let foo = SupervisorRef::named("child_adm_no_such_sup");
    let cpid = child_pid(&sup, "child1").await;
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));

    // Starting one that runs.
    assert_eq!(
        sup.start_child(child()).await,
        Err(SupervisorError::AlreadyStarted(cpid))
    );

    // Termination.
    assert_eq!(
        sup.terminate_child("hej").await,
        Err(SupervisorError::NotFound)
    );
    assert_eq!(
        foo.terminate_child("child1").await,
        Err(noproc("child_adm_no_such_sup"))
    );
    let w = watch(&[cpid]).await;
    sup.terminate_child("child1").await.unwrap();
    assert_eq!(w.deaths().await, vec![(cpid, ExitReason::Shutdown)]);
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child1", NotRunning)]
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 0, 0, 1));
    // Like deleting something that does not exist, it succeeds.
    sup.terminate_child("child1").await.unwrap();

    // Starting one that exists but does not run.
    assert_eq!(
        sup.start_child(child()).await,
        Err(SupervisorError::AlreadyPresent)
    );

    // Restart.
    let cpid2 = sup.restart_child("child1").await.unwrap().unwrap();
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child1", Running(cpid2))]
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));
    assert_eq!(
        sup.restart_child("child1").await,
        Err(SupervisorError::Running)
    );
    assert_eq!(
        sup.restart_child("child2").await,
        Err(SupervisorError::NotFound)
    );

    // Deletion.
    assert_eq!(
        sup.delete_child("child1").await,
        Err(SupervisorError::Running)
    );
    assert_eq!(
        sup.delete_child("hej").await,
        Err(SupervisorError::NotFound)
    );
    assert_eq!(
        foo.delete_child("child1").await,
        Err(noproc("child_adm_no_such_sup"))
    );
    sup.terminate_child("child1").await.unwrap();
    sup.delete_child("child1").await.unwrap();
    assert_eq!(
        sup.restart_child("child1").await,
        Err(SupervisorError::NotFound)
    );
    assert_eq!(sup.which_children().await.unwrap(), vec![]);
    assert_eq!(sup.count_children().await.unwrap(), counts(0, 0, 0, 0));

    // Start.
    assert_eq!(
        foo.start_child(child()).await,
        Err(noproc("child_adm_no_such_sup"))
    );
    let cpid3 = sup.start_child(child()).await.unwrap().unwrap();
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child1", Running(cpid3))]
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));

    assert_eq!(
        foo.which_children().await,
        Err(noproc("child_adm_no_such_sup"))
    );
    assert_eq!(
        foo.count_children().await,
        Err(noproc("child_adm_no_such_sup"))
    );
    assert_eq!(
        foo.restart_child("child1").await,
        Err(noproc("child_adm_no_such_sup"))
    );
    assert!(
        matches!(foo.get_childspec("child1").await, Err(e) if e == noproc("child_adm_no_such_sup"))
    );
    let got = foo.stop().await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}

/// `extra_return` (minus the extra info, which has no counterpart): the pid a start or a
/// restart reports is the child's, and a child started by `start_child` is restarted like
/// the others.
#[tokio::test]
async fn started_pids_are_the_childrens() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(2, HOUR)
        .start()
        .await
        .unwrap();
    let c1 = sup
        .start_child(worker("child1", &log))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(handle(c1).call(WCall::Ping).await, Ok(c1));
    sup.terminate_child("child1").await.unwrap();
    let c2 = sup.restart_child("child1").await.unwrap().unwrap();
    assert_eq!(handle(c2).call(WCall::Ping).await, Ok(c2));
    assert_eq!(log.started("child1"), vec![c1, c2]);
    crash(c2).await;
    let c3 = child_pid(&sup, "child1").await;
    assert_eq!(log.started("child1"), vec![c1, c2, c3]);
}

/// `child_adm_simple`: a dynamic supervisor's children are started with an argument and
/// terminated by pid. Terminating a pid that is no longer alive is fine; a live process that
/// is not a child is `not_found` and left alone. Addressing its children by id, as a static
/// supervisor's, is an error (OTP's `{error, simple_one_for_one}`).
#[tokio::test]
async fn child_adm_simple() {
    let log = Log::new();
    let sup = W::new()
        .template("child", &log)
        .name("child_adm_simple_sup")
        .intensity(2, HOUR)
        .start()
        .await
        .unwrap();
    assert_eq!(sup.which_children().await.unwrap(), vec![]);
    // OTP counts the template as the one spec of a simple_one_for_one supervisor.
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 0, 0, 0));

    let foo = DynamicSupervisorRef::<Option<Duration>>::named("child_adm_simple_no_sup");
    assert_eq!(
        foo.start_child(None).await,
        Err(noproc("child_adm_simple_no_sup"))
    );
    let c1 = sup.start_child(None).await.unwrap().unwrap();
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child", Running(c1))]
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));
    let c2 = sup.start_child(None).await.unwrap().unwrap();
    let which = sup.which_children().await.unwrap();
    let children = states(&which);
    assert_eq!(children.len(), 2);
    assert!(children.contains(&("child", Running(c1))));
    assert!(children.contains(&("child", Running(c2))));
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 2, 0, 2));

    // Termination.
    let as_static = SupervisorRef::named("child_adm_simple_sup");
    assert!(matches!(
        as_static.terminate_child("child").await,
        Err(SupervisorError::InvalidSpec(_))
    ));
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 2, 0, 2));
    sup.terminate_child(c1).await.unwrap();
    assert_eq!(sup.which_children().await.unwrap().len(), 1);
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));
    assert!(!otp_runtime::is_alive(c1));
    // Terminating a process that is not alive is fine.
    sup.terminate_child(c1).await.unwrap();
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));
    // Terminating a live process that is not a child is not.
    let stranger = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        ExitReason::Normal
    });
    assert_eq!(
        sup.terminate_child(stranger.pid()).await,
        Err(SupervisorError::NotFound)
    );
    assert!(stranger.is_alive());

    // Restart and deletion by id.
    assert!(matches!(
        as_static.restart_child("child").await,
        Err(SupervisorError::InvalidSpec(_))
    ));
    assert!(matches!(
        as_static.delete_child("child").await,
        Err(SupervisorError::InvalidSpec(_))
    ));
    assert!(matches!(
        as_static.start_child(worker("x", &log)).await,
        Err(SupervisorError::InvalidSpec(_))
    ));
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child", Running(c2))]
    );
}

/// A dynamic supervisor's `start_child` with another argument type than its children take
/// (reachable through a handle by name) is refused.
#[tokio::test]
async fn dynamic_start_child_with_the_wrong_argument_type() {
    let log = Log::new();
    let _sup = W::new()
        .template("child", &log)
        .name("wrong_arg_sup")
        .start()
        .await
        .unwrap();
    let wrong = DynamicSupervisorRef::<u8>::named("wrong_arg_sup");
    assert!(matches!(
        wrong.start_child(1).await,
        Err(SupervisorError::InvalidSpec(_))
    ));
    assert_eq!(wrong.count_children().await.unwrap(), counts(1, 0, 0, 0));
}

/// `terminate_child` is idempotent for a kept child; a temporary child's spec goes with it,
/// so a second terminate is `not_found`.
#[tokio::test]
async fn terminate_child_is_idempotent() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .child(worker("perm", &log))
        .child(worker("temp", &log).restart(Restart::Temporary))
        .start()
        .await
        .unwrap();
    for _ in 0..3 {
        sup.terminate_child("perm").await.unwrap();
    }
    assert!(!otp_runtime::is_alive(log.started("perm")[0]));
    sup.terminate_child("temp").await.unwrap();
    assert!(!otp_runtime::is_alive(log.started("temp")[0]));
    assert_eq!(
        sup.terminate_child("temp").await,
        Err(SupervisorError::NotFound)
    );
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("perm", NotRunning)]
    );
}

/// `restart_child`: `running`, `restarting`, `not_found`, a start error, and success (with
/// the child's new pid).
#[tokio::test(start_paused = true)]
async fn restart_child_results() {
    let log = Log::new();
    let plan = Plan::ok();
    let sup = SupervisorSpec::one_for_one()
        .intensity(8, Duration::from_secs(10))
        .child(W::new().plan(&plan).spec("w", &log))
        .start()
        .await
        .unwrap();
    assert_eq!(sup.restart_child("w").await, Err(SupervisorError::Running));
    assert_eq!(
        sup.restart_child("nope").await,
        Err(SupervisorError::NotFound)
    );
    plan.set(Boot::SlowFail(Duration::from_secs(2)));
    kill(log.started("w")[0]).await;
    assert_eq!(
        sup.restart_child("w").await,
        Err(SupervisorError::Restarting)
    );
    sup.terminate_child("w").await.unwrap();
    plan.set(Boot::Fail);
    assert_eq!(
        sup.restart_child("w").await,
        Err(SupervisorError::Start(StartError::Failed(
            ExitReason::other("start failed")
        )))
    );
    plan.set(Boot::Ignore);
    assert_eq!(sup.restart_child("w").await, Ok(None));
    plan.set(Boot::Ok);
    let pid = sup.restart_child("w").await.unwrap().unwrap();
    assert_eq!(log.started("w").last(), Some(&pid));
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("w", Running(pid))]
    );
}

/// `delete_child`: a running child cannot be deleted; a stopped one can, once; its id is then
/// free and a new child under it is the newest.
#[tokio::test]
async fn delete_child() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .child(worker("a", &log))
        .child(worker("b", &log))
        .start()
        .await
        .unwrap();
    assert_eq!(sup.delete_child("a").await, Err(SupervisorError::Running));
    sup.terminate_child("a").await.unwrap();
    sup.delete_child("a").await.unwrap();
    assert_eq!(sup.delete_child("a").await, Err(SupervisorError::NotFound));
    assert_eq!(
        sup.get_childspec("a").await.unwrap_err(),
        SupervisorError::NotFound
    );
    let b = log.started("b")[0];
    let a2 = sup.start_child(worker("a", &log)).await.unwrap().unwrap();
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("a", Running(a2)), ("b", Running(b))]
    );
}

/// `sup_start_map`: `get_childspec` gives the spec with OTP's defaults filled in: permanent,
/// 5000 ms for a worker, infinity for a supervisor, not significant.
#[tokio::test]
async fn get_childspec_defaults() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(worker("child1", &log))
        .child(worker("child2", &log).shutdown(Shutdown::BrutalKill))
        .child(ChildSpec::supervisor(
            "child3",
            SupervisorSpec::one_for_one(),
        ))
        .child(
            worker("child4", &log)
                .restart(Restart::Transient)
                .significant(true)
                .name("get_childspec_w4"),
        )
        .start()
        .await
        .unwrap();
    let c1 = sup.get_childspec("child1").await.unwrap();
    assert_eq!(c1.id(), "child1");
    assert_eq!(c1.restart_type(), Restart::Permanent);
    assert_eq!(
        c1.shutdown_policy(),
        Shutdown::Timeout(Duration::from_millis(5000))
    );
    assert_eq!(c1.child_type(), ChildType::Worker);
    assert!(!c1.is_significant());
    assert_eq!(c1.registered_name(), None);

    let c2 = sup.get_childspec("child2").await.unwrap();
    assert_eq!(c2.shutdown_policy(), Shutdown::BrutalKill);
    assert_eq!(c2.restart_type(), Restart::Permanent);

    let c3 = sup.get_childspec("child3").await.unwrap();
    assert_eq!(c3.child_type(), ChildType::Supervisor);
    assert_eq!(c3.shutdown_policy(), Shutdown::Infinity);
    assert_eq!(c3.restart_type(), Restart::Permanent);

    let c4 = sup.get_childspec("child4").await.unwrap();
    assert_eq!(c4.restart_type(), Restart::Transient);
    assert!(c4.is_significant());
    assert_eq!(
        c4.registered_name().map(|n| n.as_str()),
        Some("get_childspec_w4")
    );

    assert_eq!(
        sup.get_childspec("child5").await.unwrap_err(),
        SupervisorError::NotFound
    );
    // A spec read back can start the same child elsewhere.
    let other = SupervisorSpec::one_for_one().start().await.unwrap();
    assert!(other.start_child(c1).await.unwrap().is_some());
    assert_eq!(log.attempts("child1"), 2);
}

/// `count_children`: specs, running children, and children by type, running or not.
#[tokio::test]
async fn count_children() {
    let log = Log::new();
    let ignore = W::new().plan(&Plan::new([], Boot::Ignore));
    let sup = SupervisorSpec::one_for_one()
        .child(worker("w1", &log))
        .child(ignore.spec("w2", &log))
        .child(ChildSpec::supervisor("s1", SupervisorSpec::one_for_one()))
        .child(ChildSpec::supervisor("s2", SupervisorSpec::one_for_all()))
        .start()
        .await
        .unwrap();
    assert_eq!(sup.count_children().await.unwrap(), counts(4, 3, 2, 2));
    sup.terminate_child("s2").await.unwrap();
    assert_eq!(sup.count_children().await.unwrap(), counts(4, 2, 2, 2));
    sup.delete_child("s2").await.unwrap();
    assert_eq!(sup.count_children().await.unwrap(), counts(3, 2, 1, 2));
}

/// `count_children` / `count_children_supervisor` on a dynamic supervisor with many
/// temporary children, of each type; which_children lists them all; killed, they are gone.
#[tokio::test]
async fn count_children_dynamic() {
    let log = Log::new();
    let workers = W::new()
        .template("child", &log)
        .restart(Restart::Temporary)
        .start()
        .await
        .unwrap();
    let sups = DynamicSupervisorSpec::supervisor("child", |_: ()| SupervisorSpec::one_for_one())
        .restart(Restart::Temporary)
        .start()
        .await
        .unwrap();
    for _ in 0..200 {
        workers.start_child(None).await.unwrap();
        sups.start_child(()).await.unwrap();
    }
    assert_eq!(
        workers.count_children().await.unwrap(),
        counts(1, 200, 0, 200)
    );
    assert_eq!(sups.count_children().await.unwrap(), counts(1, 200, 200, 0));
    for sup in [
        workers.which_children().await.unwrap(),
        sups.which_children().await.unwrap(),
    ] {
        assert_eq!(sup.len(), 200);
        for child in sup {
            let Running(pid) = child.state else {
                panic!("{child:?}")
            };
            kill(pid).await;
        }
    }
    assert_eq!(workers.count_children().await.unwrap(), counts(1, 0, 0, 0));
    assert_eq!(sups.count_children().await.unwrap(), counts(1, 0, 0, 0));
}

/// `count_restarting_children` / `hanging_restart_loop_simple`: a dynamic child whose restart
/// keeps failing shows as restarting and is counted (not as active); it can be terminated by
/// the pid it had, which ends the loop.
#[tokio::test(start_paused = true)]
async fn dynamic_child_restarting() {
    let log = Log::new();
    let plan = Plan::ok();
    let sup = W::new()
        .plan(&plan)
        .template("child", &log)
        .shutdown(Shutdown::BrutalKill)
        .intensity(8, Duration::from_secs(10))
        .start()
        .await
        .unwrap();
    let c1 = sup.start_child(None).await.unwrap().unwrap();
    let c2 = sup.start_child(None).await.unwrap().unwrap();
    plan.set(Boot::SlowFail(Duration::from_secs(2)));
    kill(c1).await;
    let which = sup.which_children().await.unwrap();
    let children = states(&which);
    assert_eq!(children.len(), 2);
    assert!(children.contains(&("child", Restarting)));
    assert!(children.contains(&("child", Running(c2))));
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 2));

    sup.terminate_child(c1).await.unwrap();
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child", Running(c2))]
    );
    let attempts = log.attempts("child");
    otp_runtime::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(log.attempts("child"), attempts, "the loop ended");
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));

    // Stopping it in the middle of a restart loop does not hang.
    kill(c2).await;
    sup.stop().await.unwrap();
}

/// `which_children` lists the children newest first: the spec's in reverse, with those
/// added later before them, and each child's type.
#[tokio::test]
async fn which_children_newest_first() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .child(worker("a", &log))
        .child(ChildSpec::supervisor("b", SupervisorSpec::one_for_one()))
        .start()
        .await
        .unwrap();
    sup.start_child(worker("c", &log)).await.unwrap();
    sup.start_child(worker("d", &log).restart(Restart::Transient))
        .await
        .unwrap();
    let children = sup.which_children().await.unwrap();
    let ids: Vec<(&str, ChildType)> = children.iter().map(|c| (&*c.id, c.kind)).collect();
    assert_eq!(
        ids,
        [
            ("d", ChildType::Worker),
            ("c", ChildType::Worker),
            ("b", ChildType::Supervisor),
            ("a", ChildType::Worker),
        ]
    );
    // A restarted child keeps its place.
    crash(pid_of(&children, "c")).await;
    let again: Vec<String> = sup
        .which_children()
        .await
        .unwrap()
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(again, ["d", "c", "b", "a"]);
}

/// Some other gen_server type, to ask for the wrong one.
struct Other;
impl GenServer for Other {
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();
    async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
        CallResult::Reply(())
    }
}

/// `child::<S>(id)`: a typed handle on the running child; `WrongType` if it is another
/// gen_server or no gen_server at all; `NotFound`, `NotRunning`. The handle is bound to one
/// incarnation: after a restart, ask again.
#[tokio::test]
async fn typed_child_access() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .child(worker("w", &log))
        .child(ChildSpec::worker("other", || Other))
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
    let w = sup.child::<Worker>("w").await.unwrap();
    let pid = w.call(WCall::Ping).await.unwrap();
    assert_eq!(w.pid(), Some(pid));
    sup.child::<Other>("other")
        .await
        .unwrap()
        .call(())
        .await
        .unwrap();

    assert_eq!(
        sup.child::<Other>("w").await.unwrap_err(),
        SupervisorError::Call(CallError::WrongType(pid))
    );
    let plain = child_pid(&sup, "plain").await;
    assert_eq!(
        sup.child::<Worker>("plain").await.unwrap_err(),
        SupervisorError::Call(CallError::WrongType(plain))
    );
    assert_eq!(
        sup.child::<Worker>("nope").await.unwrap_err(),
        SupervisorError::NotFound
    );

    crash(pid).await;
    let got = w.call(WCall::Ping).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    let w2 = sup.child::<Worker>("w").await.unwrap();
    let pid2 = w2.call(WCall::Ping).await.unwrap();
    assert_ne!(pid, pid2);

    sup.terminate_child("w").await.unwrap();
    assert_eq!(
        sup.child::<Worker>("w").await.unwrap_err(),
        SupervisorError::NotRunning
    );
}

/// `child_unlink`: a child that unlinks itself from its supervisor is still stopped by
/// `terminate_child` (the supervisor waits for its death, not for the link's exit signal),
/// and the supervisor goes on serving.
#[tokio::test(start_paused = true)]
async fn child_unlink() {
    let slot: Arc<Mutex<Option<ProcessRef<()>>>> = Arc::default();
    let keep = slot.clone();
    let sup = SupervisorSpec::one_for_one()
        .child(ChildSpec::from_fn("naughty_child", move || {
            let keep = keep.clone();
            async move {
                let sup = otp_runtime::self_pid().unwrap();
                let child = otp_runtime::spawn_link(move |mut ctx: ProcessCtx<()>| async move {
                    ctx.recv().await;
                    ctx.unlink(sup);
                    ctx.recv().await;
                    ExitReason::Normal
                });
                *keep.lock().unwrap() = Some(child.clone());
                Ok(child)
            }
        }))
        .start()
        .await
        .unwrap();
    let child = slot.lock().unwrap().clone().unwrap();
    assert_eq!(child_pid(&sup, "naughty_child").await, child.pid());
    child.send(()).unwrap();
    // The child has unlinked once it is waiting again.
    otp_runtime::time::sleep(Duration::from_millis(1)).await;
    assert!(!otp_runtime::links(child.pid()).contains(&sup.pid().unwrap()));
    let t0 = otp_runtime::time::Instant::now();
    sup.terminate_child("naughty_child").await.unwrap();
    assert_eq!(t0.elapsed(), Duration::ZERO);
    assert_eq!(child.wait_exit().await, ExitReason::Shutdown);
    assert!(serving(&sup).await);
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("naughty_child", NotRunning)]
    );
}
