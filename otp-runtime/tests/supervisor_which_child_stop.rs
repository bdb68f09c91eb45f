//! `which_child` (OTP 27), `supervisor:stop/3`, and `terminate_child` by pid on a static
//! supervisor, ported from OTP's `supervisor_SUITE.erl` (`which_children`,
//! `which_children_simple_one_for_one`, `child_adm`, `sup_stop_timeout`,
//! `sup_stop_timeout_dynamic`), otp-semantics §A3 "API".

mod common;

use std::time::Duration;

use common::*;
use otp_runtime::prelude::*;
use otp_runtime::supervisor::ChildState::{NotRunning, Running};
use otp_runtime::supervisor::{ChildInfo, ChildType};

const HOUR: Duration = Duration::from_secs(3600);

fn info(id: &str, state: ChildState) -> ChildInfo {
    ChildInfo {
        id: id.into(),
        state,
        kind: ChildType::Worker,
    }
}

/// `which_children`: `which_child` answers one child by id as `which_children` lists it,
/// running or not, and `not_found` for an id no child has (any more).
#[otp_runtime::test(start_paused = true)]
async fn which_children() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one().start().await.unwrap();
    assert_eq!(sup.which_children().await.unwrap(), vec![]);
    assert_eq!(
        sup.which_child("childx").await,
        Err(SupervisorError::NotFound)
    );

    let child1 = sup
        .start_child(worker("child1", &log))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        sup.which_children().await.unwrap(),
        vec![info("child1", Running(child1))]
    );
    assert_eq!(
        sup.which_child("child1").await,
        Ok(info("child1", Running(child1)))
    );
    assert_eq!(
        sup.which_child("childx").await,
        Err(SupervisorError::NotFound)
    );

    let child2 = sup
        .start_child(worker("child2", &log))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        sup.which_children().await.unwrap(),
        vec![
            info("child2", Running(child2)),
            info("child1", Running(child1))
        ]
    );
    assert_eq!(
        sup.which_child("child1").await,
        Ok(info("child1", Running(child1)))
    );
    assert_eq!(
        sup.which_child("child2").await,
        Ok(info("child2", Running(child2)))
    );
    assert_eq!(
        sup.which_child("childx").await,
        Err(SupervisorError::NotFound)
    );

    sup.terminate_child("child1").await.unwrap();
    assert_eq!(
        sup.which_children().await.unwrap(),
        vec![info("child2", Running(child2)), info("child1", NotRunning)]
    );
    assert_eq!(
        sup.which_child("child1").await,
        Ok(info("child1", NotRunning))
    );
    assert_eq!(
        sup.which_child("child2").await,
        Ok(info("child2", Running(child2)))
    );

    sup.delete_child("child1").await.unwrap();
    assert_eq!(
        sup.which_children().await.unwrap(),
        vec![info("child2", Running(child2))]
    );
    assert_eq!(
        sup.which_child("child1").await,
        Err(SupervisorError::NotFound)
    );
    assert_eq!(
        sup.which_child("child2").await,
        Ok(info("child2", Running(child2)))
    );
    assert_eq!(
        sup.which_child("childx").await,
        Err(SupervisorError::NotFound)
    );

    // A supervisor that does not exist: `noproc`.
    let foo = SupervisorRef::named("foo");
    let got = foo.which_child("child2").await;
    assert!(
        matches!(got, Err(SupervisorError::Call(CallError::NoProc { .. }))),
        "{got:?}"
    );
}

/// `which_children_simple_one_for_one`: a dynamic supervisor answers `which_child` by pid,
/// `not_found` for a pid that is not (or no longer) a child, and refuses it by id
/// (`{error, simple_one_for_one}`).
#[otp_runtime::test(start_paused = true)]
async fn which_children_simple_one_for_one() {
    let log = Log::new();
    let sup = W::new()
        .template("child", &log)
        .restart(Restart::Temporary)
        .name("sup_test")
        .start()
        .await
        .unwrap();
    let stranger = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        ExitReason::Normal
    })
    .pid();
    assert_eq!(sup.which_children().await.unwrap(), vec![]);
    assert_eq!(
        sup.which_child(stranger).await,
        Err(SupervisorError::NotFound)
    );

    let child1 = sup.start_child(None).await.unwrap().unwrap();
    assert_eq!(
        sup.which_children().await.unwrap(),
        vec![info("child", Running(child1))]
    );
    assert_eq!(
        sup.which_child(child1).await,
        Ok(info("child", Running(child1)))
    );
    assert_eq!(
        sup.which_child(stranger).await,
        Err(SupervisorError::NotFound)
    );

    let child2 = sup.start_child(None).await.unwrap().unwrap();
    assert_eq!(sup.which_children().await.unwrap().len(), 2);
    assert_eq!(
        sup.which_child(child1).await,
        Ok(info("child", Running(child1)))
    );
    assert_eq!(
        sup.which_child(child2).await,
        Ok(info("child", Running(child2)))
    );

    sup.terminate_child(child1).await.unwrap();
    assert_eq!(
        sup.which_children().await.unwrap(),
        vec![info("child", Running(child2))]
    );
    assert_eq!(
        sup.which_child(child1).await,
        Err(SupervisorError::NotFound)
    );
    assert_eq!(
        sup.which_child(child2).await,
        Ok(info("child", Running(child2)))
    );
    assert_eq!(
        sup.which_child(stranger).await,
        Err(SupervisorError::NotFound)
    );

    // By id, on a dynamic supervisor: OTP's `{error, simple_one_for_one}`.
    let by_id = SupervisorRef::named("sup_test");
    assert!(matches!(
        by_id.which_child("child").await,
        Err(SupervisorError::InvalidSpec(_))
    ));
}

/// `child_adm`'s "Terminate with Pid not allowed when not simple_one_for_one": a static
/// supervisor finds its children by id, so a pid finds nothing (`not_found`) and the child
/// runs on; `which_child` by pid, likewise. (`SupervisorRef::terminate_child` takes an id, so
/// only a dynamic supervisor's handle naming a static supervisor can ask.)
#[otp_runtime::test(start_paused = true)]
async fn child_adm_terminate_by_pid_on_a_static_supervisor() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .intensity(2, HOUR)
        .name("sup_test")
        .child(worker("child1", &log))
        .start()
        .await
        .unwrap();
    let cpid3 = child_pid(&sup, "child1").await;
    let by_pid = DynamicSupervisorRef::<()>::named("sup_test");
    assert_eq!(
        by_pid.terminate_child(cpid3).await,
        Err(SupervisorError::NotFound)
    );
    assert_eq!(
        by_pid.which_child(cpid3).await,
        Err(SupervisorError::NotFound)
    );
    assert_eq!(
        states(&sup.which_children().await.unwrap()),
        vec![("child1", Running(cpid3))]
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1, 0, 1));
    assert!(otp_runtime::is_alive(cpid3));
}

/// `sup_stop_timeout`, stopped with `supervisor:stop/3`: the children are stopped in
/// reverse start order by their shutdown settings (one ends `shutdown`, the one that
/// lingers past its 1 s is killed). The caller's 500 ms run out first: it gets a timeout,
/// and the supervisor goes on stopping its children, then ends with the stop's reason.
#[otp_runtime::test(start_paused = true)]
async fn sup_stop_timeout() {
    let log = Log::new();
    let second = Duration::from_secs(1);
    let sup = SupervisorSpec::one_for_one()
        .intensity(2, HOUR)
        .child(
            W::new()
                .trap()
                .spec("child1", &log)
                .shutdown(Shutdown::Timeout(second)),
        )
        .child(
            W::new()
                .linger(Duration::from_secs(200))
                .spec("child2", &log)
                .shutdown(Shutdown::Timeout(second)),
        )
        .start()
        .await
        .unwrap();
    let (cpid1, cpid2) = (
        child_pid(&sup, "child1").await,
        child_pid(&sup, "child2").await,
    );
    let spid = sup.pid().unwrap();
    let deaths = watch(&[cpid1, cpid2, spid]).await;

    let reason = ExitReason::other("other_reason");
    let t0 = otp_runtime::time::Instant::now();
    let got = sup
        .stop_with(reason.clone(), Duration::from_millis(500))
        .await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert_eq!(t0.elapsed(), Duration::from_millis(500));
    assert!(otp_runtime::is_alive(spid));
    assert_eq!(
        deaths.deaths().await,
        vec![
            (cpid2, ExitReason::Killed),
            (cpid1, ExitReason::Shutdown),
            (spid, reason)
        ]
    );
    assert_eq!(t0.elapsed(), second);
    // Both were told `shutdown`.
    assert_eq!(
        log.events()
            .into_iter()
            .filter(|e| matches!(e, Ev::Terminating(..)))
            .collect::<Vec<_>>(),
        vec![
            Ev::Terminating("child2", cpid2, ExitReason::Shutdown),
            Ev::Terminating("child1", cpid1, ExitReason::Shutdown),
        ]
    );
    let got = sup.stop_with(ExitReason::Normal, HOUR).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}

/// `supervisor:stop/3` in time: `ok` once the supervisor is dead with the reason, its
/// children ended `shutdown` (the suite's `sup_stop_infinity`, stopped by `stop/3`).
#[otp_runtime::test(start_paused = true)]
async fn sup_stop_within_the_timeout() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .child(worker("child1", &log))
        .child(W::new().linger(Duration::from_secs(1)).spec("child2", &log))
        .start()
        .await
        .unwrap();
    let (cpid1, cpid2) = (
        child_pid(&sup, "child1").await,
        child_pid(&sup, "child2").await,
    );
    let deaths = watch(&[cpid1, cpid2]).await;
    let reason = ExitReason::shutdown_with("maintenance");
    assert_eq!(
        sup.stop_with(reason.clone(), Duration::from_secs(5)).await,
        Ok(())
    );
    assert!(!otp_runtime::is_alive(sup.pid().unwrap()));
    assert_eq!(sup.wait_exit().await, reason);
    assert_eq!(
        deaths.deaths().await,
        vec![(cpid2, ExitReason::Shutdown), (cpid1, ExitReason::Shutdown)]
    );
}

/// `sup_stop_timeout_dynamic`, stopped with `supervisor:stop/3`: a dynamic supervisor's
/// children are all told at once; the caller's timeout changes nothing for them.
#[otp_runtime::test(start_paused = true)]
async fn sup_stop_timeout_dynamic() {
    let log = Log::new();
    let sup = W::new()
        .template("child", &log)
        .restart(Restart::Temporary)
        .shutdown(Shutdown::Timeout(Duration::from_secs(1)))
        .start()
        .await
        .unwrap();
    let cpid1 = sup.start_child(None).await.unwrap().unwrap();
    let cpid2 = sup
        .start_child(Some(Duration::from_secs(200)))
        .await
        .unwrap()
        .unwrap();
    let spid = sup.pid().unwrap();
    let deaths = watch(&[cpid1, cpid2, spid]).await;
    let reason = ExitReason::Shutdown;
    let got = sup
        .stop_with(reason.clone(), Duration::from_millis(10))
        .await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert_eq!(
        deaths.deaths().await,
        vec![
            (cpid1, ExitReason::Shutdown),
            (cpid2, ExitReason::Killed),
            (spid, reason)
        ]
    );
}
