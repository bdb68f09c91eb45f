//! Service children (`ChildSpec::service`, `service ID => FN` in `supervision_tree!`): an
//! async function that runs until its supervisor stops it, drains within the child's
//! shutdown budget and is killed at the deadline (otp-semantics §A3 "Shutting a child down":
//! `exit(shutdown)`, wait T for the `DOWN`, then `exit(kill)`), and whose early return or
//! crash the supervisor restarts by the child's restart type (§A3 "Restart types").
//!
//! Time runs on tokio's paused clock: an elapsed time asserted is exact.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otp_runtime::prelude::*;
use otp_runtime::supervisor::ChildState;
use tokio::sync::Semaphore;
use tokio::time::Instant;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The pid of a running child.
async fn pid_of(sup: &SupervisorRef, id: &str) -> Pid {
    let children = sup.which_children().await.unwrap();
    match children.iter().find(|c| &*c.id == id).map(|c| c.state) {
        Some(ChildState::Running(pid)) => pid,
        other => panic!("{id} is not running: {other:?}"),
    }
}

/// Waits (on the paused clock, which only jumps when everything waits) until `f` holds.
async fn until(mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "the condition never held");
        otp_runtime::time::sleep(ms(1)).await;
    }
}

/// A service that, told to stop, spends `drain` finishing its in-flight work, then returns.
fn draining(drain: Duration, done: Arc<AtomicBool>) -> ChildSpec {
    ChildSpec::service("svc", move |stop: StopSignal| {
        let done = done.clone();
        async move {
            stop.await;
            otp_runtime::time::sleep(drain).await;
            done.store(true, Ordering::SeqCst);
            Ok::<(), String>(())
        }
    })
}

/// Told to stop, the service has its budget to drain: it finishes its work, and ends with
/// the `shutdown` its supervisor sent (an expected end: no report).
#[tokio::test(start_paused = true)]
async fn within_its_budget_a_service_drains() {
    let done = Arc::new(AtomicBool::new(false));
    let sup = SupervisorSpec::one_for_one()
        .child(draining(ms(300), done.clone()).shutdown(Shutdown::Timeout(ms(1000))))
        .start()
        .await
        .unwrap();
    let pid = pid_of(&sup, "svc").await;
    let asked = Instant::now();
    let (reason, stopped) = tokio::join!(otp_runtime::wait_exit(pid), sup.terminate_child("svc"));
    stopped.unwrap();
    assert_eq!(asked.elapsed(), ms(300));
    assert!(done.load(Ordering::SeqCst));
    assert_eq!(reason, ExitReason::Shutdown);
}

/// Past its budget the service is killed: its future is dropped, and the tasks it spawned
/// are aborted, at the deadline.
#[tokio::test(start_paused = true)]
async fn past_its_budget_a_service_is_killed() {
    #[derive(Clone, Default)]
    struct Dropped(Arc<AtomicUsize>);
    struct Guard(Dropped);
    impl Drop for Guard {
        fn drop(&mut self) {
            (self.0).0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let dropped = Dropped::default();
    let d = dropped.clone();
    let sup = SupervisorSpec::one_for_one()
        .child(
            ChildSpec::service("svc", move |_stop: StopSignal| {
                let d = d.clone();
                async move {
                    let _mine = Guard(d.clone());
                    let task_guard = Guard(d.clone());
                    otp_runtime::spawn_task(async move {
                        let _g = task_guard;
                        std::future::pending::<()>().await
                    })
                    .unwrap();
                    std::future::pending::<()>().await // ignores the stop signal
                }
            })
            .shutdown(Shutdown::Timeout(ms(500))),
        )
        .start()
        .await
        .unwrap();
    let pid = pid_of(&sup, "svc").await;
    let asked = Instant::now();
    let (reason, stopped) = tokio::join!(otp_runtime::wait_exit(pid), sup.terminate_child("svc"));
    stopped.unwrap();
    assert_eq!(asked.elapsed(), ms(500));
    assert_eq!(reason, ExitReason::Killed);
    assert_eq!(dropped.0.load(Ordering::SeqCst), 2);
}

/// What each incarnation of a test service does.
#[derive(Clone, Copy, Debug)]
enum Then {
    ReturnOk,
    ReturnErr,
    Panic,
    LinkedTaskFails,
    RunUntilStopped,
}

/// A service whose incarnation `n` does `plan[n]` (the last one from then on), counting
/// its starts. The first waits for a permit of `gate` first.
fn planned(plan: Vec<Then>, starts: Arc<AtomicUsize>, gate: Arc<Semaphore>) -> ChildSpec {
    ChildSpec::service("svc", move |stop: StopSignal| {
        let n = starts.fetch_add(1, Ordering::SeqCst);
        let then = plan[n.min(plan.len() - 1)];
        let gate = gate.clone();
        async move {
            if n == 0 {
                gate.acquire().await.unwrap().forget();
            }
            match then {
                Then::ReturnOk => Ok(()),
                Then::ReturnErr => Err("cannot bind 0.0.0.0:80".to_string()),
                Then::Panic => panic!("service panicked"),
                Then::LinkedTaskFails => {
                    otp_runtime::spawn_linked_task(async { Err::<(), _>("upstream lost") })
                        .unwrap();
                    stop.await;
                    Ok(())
                }
                Then::RunUntilStopped => {
                    stop.await;
                    Ok(())
                }
            }
        }
    })
}

/// An early return, an error, a panic, or a linked task's failure ends the child, and the
/// supervisor restarts it by its restart type (permanent: always; transient: unless the end
/// was `normal`; temporary: never).
#[tokio::test(start_paused = true)]
async fn a_service_that_ends_is_restarted_by_its_restart_type() {
    use Restart::*;
    use Then::*;
    for (first, restart, restarted, reason) in [
        (
            ReturnErr,
            Permanent,
            true,
            ExitReason::other("cannot bind 0.0.0.0:80"),
        ),
        (
            Panic,
            Permanent,
            true,
            ExitReason::Panic("service panicked".into()),
        ),
        (
            LinkedTaskFails,
            Permanent,
            true,
            ExitReason::other("upstream lost"),
        ),
        (ReturnOk, Permanent, true, ExitReason::Normal),
        (ReturnOk, Transient, false, ExitReason::Normal),
        (
            ReturnErr,
            Transient,
            true,
            ExitReason::other("cannot bind 0.0.0.0:80"),
        ),
        (
            ReturnErr,
            Temporary,
            false,
            ExitReason::other("cannot bind 0.0.0.0:80"),
        ),
    ] {
        let starts = Arc::new(AtomicUsize::new(0));
        let ended = Arc::new(Mutex::new(None));
        let e = ended.clone();
        // A watcher learns the first incarnation's exit reason through a monitor.
        let gate = Arc::new(Semaphore::new(0));
        let spec =
            planned(vec![first, RunUntilStopped], starts.clone(), gate.clone()).restart(restart);
        let sup = SupervisorSpec::one_for_one()
            .intensity(10, Duration::from_secs(1))
            .start()
            .await
            .unwrap();
        let s = sup.clone();
        let watcher = otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
            let pid = s.start_child(spec).await.unwrap();
            ctx.monitor(pid.unwrap());
            gate.add_permits(1); // the first incarnation ends once it is watched
            if let Message::Down { reason, .. } = ctx.recv().await {
                *e.lock().unwrap() = Some(reason);
            }
            ExitReason::Normal
        });
        watcher.wait_exit().await;
        assert_eq!(
            ended.lock().unwrap().clone(),
            Some(reason.clone()),
            "{first:?}"
        );
        let expected = if restarted { 2 } else { 1 };
        until(|| starts.load(Ordering::SeqCst) >= expected).await;
        let children = sup.which_children().await.unwrap();
        let running = children
            .iter()
            .any(|c| matches!(c.state, ChildState::Running(_)));
        assert_eq!(running, restarted, "{first:?} {restart:?}");
        assert_eq!(
            starts.load(Ordering::SeqCst),
            expected,
            "{first:?} {restart:?}"
        );
        sup.stop().await.unwrap();
    }
}

type Log = Arc<Mutex<Vec<String>>>;

/// A service that logs its stop signal and the end of its drain.
fn logged(id: &'static str, drain: Duration, log: Log) -> ChildSpec {
    ChildSpec::service(id, move |stop: StopSignal| {
        let log = log.clone();
        async move {
            stop.await;
            log.lock().unwrap().push(format!("{id} stopping"));
            otp_runtime::time::sleep(drain).await;
            log.lock().unwrap().push(format!("{id} drained"));
        }
    })
}

/// A supervisor stops its children in reverse start order, each (a service's drain
/// included) before the next is told: an HTTP front drains while the pool behind it still
/// serves.
#[tokio::test(start_paused = true)]
async fn a_supervisor_stops_its_services_in_reverse_order_each_drained_first() {
    let log: Log = Log::default();
    let sup = SupervisorSpec::one_for_one()
        .child(logged("pool", ms(100), log.clone()))
        .child(logged("cache", ms(50), log.clone()))
        .child(logged("http", ms(200), log.clone()))
        .start()
        .await
        .unwrap();
    let asked = Instant::now();
    sup.stop().await.unwrap();
    assert_eq!(asked.elapsed(), ms(350));
    assert_eq!(
        *log.lock().unwrap(),
        [
            "http stopping",
            "http drained",
            "cache stopping",
            "cache drained",
            "pool stopping",
            "pool drained"
        ]
    );
}

/// Every clone of the stop signal fires, and says why.
#[tokio::test(start_paused = true)]
async fn every_clone_of_the_stop_signal_fires_with_the_reason() {
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    let sup = SupervisorSpec::one_for_one()
        .child(ChildSpec::service("svc", move |stop: StopSignal| {
            let s = s.clone();
            async move {
                assert!(!stop.is_stopping());
                let clones: Vec<StopSignal> = (0..3).map(|_| stop.clone()).collect();
                let handles: Vec<_> = clones
                    .into_iter()
                    .map(|c| {
                        let s = s.clone();
                        otp_runtime::spawn_task(async move {
                            c.clone().await;
                            assert_eq!(c.reason(), Some(ExitReason::Shutdown));
                            s.fetch_add(1, Ordering::SeqCst);
                        })
                        .unwrap()
                    })
                    .collect();
                stop.await;
                for h in handles {
                    h.await.unwrap();
                }
            }
        }))
        .start()
        .await
        .unwrap();
    sup.terminate_child("svc").await.unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

/// `brutal_kill` gives no drain at all.
#[tokio::test(start_paused = true)]
async fn brutal_kill_gives_a_service_no_drain() {
    let done = Arc::new(AtomicBool::new(false));
    let sup = SupervisorSpec::one_for_one()
        .child(draining(ms(300), done.clone()).shutdown(Shutdown::BrutalKill))
        .start()
        .await
        .unwrap();
    let pid = pid_of(&sup, "svc").await;
    let (reason, stopped) = tokio::join!(otp_runtime::wait_exit(pid), sup.terminate_child("svc"));
    stopped.unwrap();
    assert_eq!(reason, ExitReason::Killed);
    assert!(!done.load(Ordering::SeqCst));
}

async fn serve_until_stopped(stop: StopSignal) -> std::io::Result<()> {
    stop.await;
    Ok(())
}

supervision_tree! {
    /// A service declared in a tree, registered under a name.
    Front: one_for_one {
        service "http" => serve_until_stopped, name: "http", shutdown: 2s;
    }
}

/// `service ID => FN` in `supervision_tree!`: a worker child, named if asked.
#[tokio::test(start_paused = true)]
async fn a_service_in_a_supervision_tree() {
    let front = Front::start().await.unwrap();
    let children = front.which_children().await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].kind, ChildType::Worker);
    assert_eq!(
        children[0].state,
        ChildState::Running(otp_runtime::whereis("http").unwrap())
    );
    assert_eq!(
        Front::spec().children()[0].shutdown_policy(),
        Shutdown::Timeout(Duration::from_secs(2))
    );
    front.stop().await.unwrap();
    assert_eq!(otp_runtime::whereis("http"), None);
}

/// A service that crashes tells whatever still waits on its stop signal (axum's connection
/// tasks, which are not the service's own): nothing of the dead incarnation goes on serving
/// beside its restart.
#[tokio::test(start_paused = true)]
async fn a_crashed_service_fires_its_stop_signal() {
    let told = Arc::new(AtomicUsize::new(0));
    let t = told.clone();
    let sup = SupervisorSpec::one_for_one()
        .intensity(10, Duration::from_secs(5))
        .child(
            ChildSpec::service("svc", move |stop: StopSignal| {
                let t = t.clone();
                async move {
                    // A plain tokio task holding the signal, as axum's serve does.
                    tokio::spawn(async move {
                        stop.await;
                        t.fetch_add(1, Ordering::SeqCst);
                    });
                    otp_runtime::time::sleep(ms(10)).await;
                    Err::<(), String>("boom".into())
                }
            })
            .restart(Restart::Temporary),
        )
        .start()
        .await
        .unwrap();
    until(|| told.load(Ordering::SeqCst) == 1).await;
    sup.stop().await.unwrap();
}
