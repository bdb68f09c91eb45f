//! Reliability edge cases (issue 8): a mailbox growing under a slow server, a server that
//! blocks its thread, panics in `terminate`, in `init` during a restart, in a timer's and a
//! state timeout's handler and in a supervisor's start function, and servers outliving
//! their handles. (Dropping the runtime is in `runtime_drop.rs`, alone in its binary.)
//!
//! Time-dependent tests run on tokio's paused clock, except the one that blocks a worker
//! thread of the multi-threaded runtime, which needs real threads and uses generous bounds.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use otp_runtime::prelude::*;
use otp_runtime::supervisor::ChildState;
use tokio::sync::oneshot;

// ---- a mailbox growing under a slow server -----------------------------------------------

/// A server that can be held in a handler until released, and reports how long its mailbox
/// was when it got going again.
#[derive(Default)]
struct Slow {
    handled: u64,
}

#[gen_server]
impl Slow {
    /// Waits for `go`, then tells `report` how many messages wait behind this one.
    #[cast]
    async fn hold(
        &mut self,
        go: oneshot::Receiver<()>,
        report: oneshot::Sender<usize>,
        ctx: &mut Ctx<Self>,
    ) {
        let _ = go.await;
        let _ = report.send(ctx.message_queue_len());
    }

    #[cast]
    fn work(&mut self) {
        self.handled += 1;
    }

    /// How many `work` casts it handled, and how many messages wait now.
    #[call]
    fn status(&self, ctx: &mut Ctx<Self>) -> (u64, usize) {
        (self.handled, ctx.message_queue_len())
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_slow_servers_mailbox_grows_without_bound_and_its_length_is_observable() {
    let slow = Slow::default().start().await.unwrap();
    let (go, held) = oneshot::channel();
    let (report, reported) = oneshot::channel();
    slow.hold(held, report);
    // Casts never block and never fail, however far behind the server is (as in Erlang).
    const BEHIND: usize = 100_000;
    for _ in 0..BEHIND {
        slow.work();
    }
    let status = slow.with_timeout(Duration::from_secs(60));
    let pending_call = tokio::spawn(async move { status.status().await });
    tokio::task::yield_now().await; // the call is queued behind the casts
    go.send(()).unwrap();
    // The held handler sees every cast and the call waiting behind it.
    assert_eq!(reported.await.unwrap(), BEHIND + 1);
    // Then the server catches up, in order: the call comes after all the casts.
    assert_eq!(pending_call.await.unwrap(), Ok((BEHIND as u64, 0)));
}

#[tokio::test(flavor = "current_thread")]
async fn a_process_sees_its_own_mailbox_length() {
    let (tx, rx) = oneshot::channel();
    let p = otp_runtime::spawn(|mut ctx: ProcessCtx<u32>| async move {
        let mut seen = vec![ctx.message_queue_len()];
        // The test sends a 0, then seven more at once: after the 0, seven wait.
        while let Message::Msg(n) = ctx.recv().await {
            if n == 0 {
                break;
            }
        }
        seen.push(ctx.message_queue_len());
        while ctx.try_recv().is_some() {}
        seen.push(ctx.message_queue_len());
        let _ = tx.send(seen);
        ExitReason::Normal
    });
    tokio::task::yield_now().await; // the process runs and waits
    p.send(0).unwrap();
    for n in 1..=7 {
        p.send(n).unwrap();
    }
    assert_eq!(rx.await.unwrap(), vec![0, 7, 0]);
}

// ---- a server that blocks its thread -----------------------------------------------------

/// Blocks the worker thread it runs on when asked (a synchronous sleep: what not to do).
#[derive(Default)]
struct Blocker;

#[gen_server]
impl Blocker {
    #[cast]
    fn block(&mut self, d: Duration, started: oneshot::Sender<()>) {
        let _ = started.send(());
        std::thread::sleep(d);
    }

    #[call]
    fn ping(&self) {}
}

/// Counts its timer's ticks and answers calls.
#[derive(Default)]
struct Ticker {
    ticks: u64,
}

#[gen_server]
impl Ticker {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) {
        ctx.send_after(Duration::from_millis(20), TickerInfo::Tick {});
    }

    #[info]
    fn tick(&mut self, ctx: &mut Ctx<Self>) {
        self.ticks += 1;
        ctx.send_after(Duration::from_millis(20), TickerInfo::Tick {});
    }

    #[call]
    fn ticks(&self) -> u64 {
        self.ticks
    }
}

/// On the multi-threaded runtime, a server that blocks one worker thread stalls only the
/// tasks on that thread: the other worker serves the other servers' calls and timers, and
/// callers of the blocked server time out cleanly, on time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_thread_does_not_stop_the_other_servers_and_its_callers_time_out() {
    const BLOCKED: Duration = Duration::from_millis(1500);
    let blocker = Blocker.start().await.unwrap();
    let ticker = Ticker::default().start().await.unwrap();
    let (started, blocked) = oneshot::channel();
    let since = std::time::Instant::now();
    blocker.block(BLOCKED, started);
    blocked.await.unwrap();

    // The blocked server's caller gets a typed timeout after its 200 ms, long before the
    // server's thread is free again.
    let call = blocker
        .with_timeout(Duration::from_millis(200))
        .ping()
        .await;
    assert!(matches!(call, Err(CallError::Timeout { .. })), "{:?}", call);
    assert!(
        since.elapsed() < BLOCKED - Duration::from_millis(300),
        "the timeout came after {:?}",
        since.elapsed()
    );

    // Meanwhile the other server answers, and its timer keeps firing.
    let before = ticker.ticks().await.unwrap();
    otp_runtime::time::sleep(Duration::from_millis(300)).await;
    let after = ticker.ticks().await.unwrap();
    assert!(
        since.elapsed() < BLOCKED,
        "the other server answered only after {:?}",
        since.elapsed()
    );
    assert!(after >= before + 3, "ticks {before} -> {after} in 300 ms");

    // Once the thread is free the blocked server serves again.
    let blocker = blocker.with_timeout(Duration::from_secs(10));
    assert_eq!(blocker.ping().await, Ok(()));
}

/// Runs blocking work off the runtime's threads, as the guidance says: the handler awaits
/// `spawn_blocking`, so the thread is free for others (here the only thread there is).
#[derive(Default)]
struct Offloader;

#[gen_server]
impl Offloader {
    #[call]
    async fn crunch(&self, d: Duration) -> u64 {
        tokio::task::spawn_blocking(move || {
            std::thread::sleep(d);
            42
        })
        .await
        .expect("the blocking task does not panic")
    }
}

/// On the real clock: tokio's paused clock does not move while blocking work runs.
#[tokio::test(flavor = "current_thread")]
async fn spawn_blocking_keeps_the_thread_free_and_callers_still_time_out_cleanly() {
    const WORK: Duration = Duration::from_millis(1500);
    let offloader = Offloader.start().await.unwrap();
    let ticker = Ticker::default().start().await.unwrap();
    let since = std::time::Instant::now();
    let slow = offloader.with_timeout(Duration::from_millis(200));
    let crunching = tokio::spawn(async move { slow.crunch(WORK).await });
    tokio::task::yield_now().await;
    // One thread, and yet the other server answers while the work runs.
    assert!(ticker.ticks().await.is_ok());
    // The caller of the busy server gets its timeout, on time, not a hang.
    let got = crunching.await.unwrap();
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert!(
        since.elapsed() < WORK - Duration::from_millis(500),
        "the timeout came after {:?}",
        since.elapsed()
    );
    // The work finishes; the server answers again.
    let patient = offloader.with_timeout(Duration::from_secs(60));
    assert_eq!(patient.crunch(Duration::from_millis(1)).await, Ok(42));
}

// ---- panics where they hurt ----------------------------------------------------------------

/// The pid of child `id` once it runs again: a failed restart is retried through the
/// supervisor's mailbox, after the requests already queued, so this asks until then.
async fn running(sup: &SupervisorRef, id: &str) -> Pid {
    for _ in 0..100 {
        let children = sup.which_children().await.unwrap();
        match children.iter().find(|c| &*c.id == id).map(|c| c.state) {
            Some(ChildState::Running(pid)) => return pid,
            Some(ChildState::Restarting) => tokio::task::yield_now().await,
            other => panic!("child {id} is {other:?}"),
        }
    }
    panic!("child {id} never ran again")
}

/// A server whose `terminate` panics, and whose handlers panic on request.
#[derive(Default)]
struct BadEnd {
    trap: bool,
}

#[gen_server]
impl BadEnd {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) {
        ctx.trap_exit(self.trap);
    }

    #[call]
    fn ping(&self) -> Pid {
        otp_runtime::self_pid().unwrap()
    }

    #[call]
    fn crash(&self) {
        panic!("handler boom");
    }

    #[terminate]
    fn terminate(&mut self, _reason: &ExitReason) {
        panic!("terminate boom");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_panic_in_terminate_replaces_the_exit_reason_and_is_contained() {
    // A stop: `terminate` panics, the server exits with that panic (OTP: the crash in
    // terminate is the exit reason), and the stopper is told so.
    let s = BadEnd::default().start().await.unwrap();
    let err = s.stop(ExitReason::Normal, INFINITY).await;
    assert_eq!(
        err,
        Err(CallError::Exited(ExitReason::Panic(
            "terminate boom".into()
        )))
    );

    // A crash in a handler, then a crash in terminate: the caller and the monitors see the
    // last one.
    let s = BadEnd::default().start().await.unwrap();
    assert_eq!(
        s.crash().await,
        Err(CallError::Exited(ExitReason::Panic(
            "terminate boom".into()
        )))
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_supervisor_restarts_a_child_whose_terminate_panics_and_shuts_it_down_cleanly() {
    let sup = SupervisorSpec::one_for_one()
        .intensity(5, Duration::from_secs(10))
        .child(ChildSpec::worker("bad", || BadEnd { trap: true }).name("bad_end"))
        .start()
        .await
        .unwrap();
    let bad = BadEnd::named("bad_end");
    let first = bad.ping().await.unwrap();
    assert!(bad.crash().await.is_err());
    // Restarted under its name, as for any crash.
    let second = bad.ping().await.unwrap();
    assert_ne!(first, second);
    // Shutting the tree down runs the trapping child's `terminate`, which panics: the
    // supervisor waits for it, reports it, and stops.
    let watch = watch(&[second]).await;
    assert_eq!(sup.stop().await, Ok(()));
    assert_eq!(
        watch.deaths().await,
        vec![(second, ExitReason::Panic("terminate boom".into()))]
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_panic_in_init_during_a_restart_is_a_failed_restart_retried_and_counted() {
    let log = Log::new();
    // Starts, then panics in init twice, then starts again.
    let plan = Plan::new([Boot::Ok, Boot::Panic, Boot::Panic], Boot::Ok);
    let sup = SupervisorSpec::one_for_one()
        .intensity(3, Duration::from_secs(10))
        .child(W::new().plan(&plan).spec("c", &log))
        .start()
        .await
        .unwrap();
    let first = child_pid(&sup, "c").await;
    crash(first).await;
    // The restart and its retry failed in init (a panic); the supervisor kept serving and
    // retried until the child started: three restarts, within the intensity of 3.
    let second = running(&sup, "c").await;
    assert_ne!(second, first);
    assert_eq!(log.attempts("c"), 4);
    assert_eq!(log.started("c"), vec![first, second]);

    // One more crash is a fourth restart in the period: the supervisor gives up.
    plan.set(Boot::Ok);
    crash(second).await;
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_panic_in_init_is_reported_with_its_message_by_restart_child() {
    let log = Log::new();
    let plan = Plan::once_then(Boot::Panic);
    let sup = SupervisorSpec::one_for_one()
        .child(W::new().plan(&plan).spec("c", &log))
        .start()
        .await
        .unwrap();
    sup.terminate_child("c").await.unwrap();
    assert_eq!(
        sup.restart_child("c").await,
        Err(SupervisorError::Start(StartError::Failed(
            ExitReason::Panic("start panicked".into())
        )))
    );
    // Still there, not running, and the supervisor serves on.
    let children = sup.which_children().await.unwrap();
    assert_eq!(states(&children), vec![("c", ChildState::NotRunning)]);
}

/// A server whose timer's message handler panics.
#[derive(Default)]
struct TimeBomb;

#[gen_server]
impl TimeBomb {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) {
        ctx.send_after(Duration::from_secs(1), TimeBombInfo::Fuse {});
    }

    #[info]
    fn fuse(&mut self) {
        panic!("timer boom");
    }

    #[call]
    fn ping(&self) -> Pid {
        otp_runtime::self_pid().unwrap()
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_panic_in_a_timers_handler_is_a_crash_with_its_reason_and_is_restarted() {
    let sup = SupervisorSpec::one_for_one()
        .intensity(10, Duration::from_secs(60))
        .child(ChildSpec::worker("bomb", TimeBomb::default).name("bomb"))
        .start()
        .await
        .unwrap();
    let bomb = TimeBomb::named("bomb");
    let first = bomb.ping().await.unwrap();
    // The timer fires a second later, in the handler: the process exits with that panic.
    assert_eq!(
        otp_runtime::wait_exit(first).await,
        ExitReason::Panic("timer boom".into())
    );
    // Its supervisor heard it first, and restarted it (with a new timer).
    let second = bomb.ping().await.unwrap();
    assert_ne!(first, second);
    assert_eq!(
        otp_runtime::wait_exit(second).await,
        ExitReason::Panic("timer boom".into())
    );
    sup.stop().await.unwrap();
}

#[derive(Clone, Debug, PartialEq)]
enum Fuse {
    Lit,
}

/// A gen_statem whose state timeout handler panics.
struct StatemBomb;

#[gen_statem(state = Fuse)]
impl StatemBomb {
    #[init]
    fn init(&mut self) -> Fuse {
        Fuse::Lit
    }

    #[enter]
    fn lit(&mut self, _old: &Fuse, _state: &Fuse, ctx: &mut EnterCtx<Self>) {
        ctx.state_timeout(Duration::from_secs(1), StatemBombTimeout::Boom {});
    }

    #[timeout]
    fn boom(&mut self) -> Transition<Fuse> {
        panic!("state timeout boom");
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_panic_in_a_state_timeout_handler_is_a_crash_with_its_reason() {
    let m = StatemBomb.start().await.unwrap();
    assert_eq!(
        m.wait_exit().await,
        ExitReason::Panic("state timeout boom".into())
    );
}

fn no_disk() -> Result<Pid, StartError> {
    panic!("no disk")
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_panic_in_a_supervisors_start_function_is_a_failed_start() {
    // In the start function's future...
    let err = SupervisorSpec::one_for_one()
        .child(ChildSpec::from_fn("db", || async { no_disk() }))
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StartError::ChildFailed {
            id: "db".into(),
            error: Box::new(StartError::Failed(ExitReason::Panic("no disk".into()))),
        }
    );

    // ...and in the function itself, before it returns a future, when the supervisor
    // calls it from start_child: a typed error, and the supervisor serves on.
    let sup = SupervisorSpec::one_for_one().start().await.unwrap();
    let panicking = ChildSpec::from_fn("cache", || -> std::future::Ready<Result<Pid, _>> {
        panic!("bad config")
    });
    assert_eq!(
        sup.start_child(panicking).await,
        Err(SupervisorError::Start(StartError::Failed(
            ExitReason::Panic("bad config".into())
        )))
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(0, 0, 0, 0));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_start_function_that_panics_on_a_restart_is_retried() {
    let calls = Arc::new(Mutex::new(0u32));
    let n = calls.clone();
    let sup = SupervisorSpec::one_for_one()
        .intensity(5, Duration::from_secs(60))
        .child(ChildSpec::from_fn("flaky", move || {
            let n = n.clone();
            async move {
                let call = {
                    let mut n = n.lock().unwrap();
                    *n += 1;
                    *n
                };
                // The first restart panics; every other start works.
                if call == 2 {
                    panic!("flaky start");
                }
                Ok(otp_runtime::spawn_link(
                    |mut ctx: ProcessCtx<()>| async move {
                        ctx.recv().await;
                        ExitReason::Normal
                    },
                ))
            }
        }))
        .start()
        .await
        .unwrap();
    let first = child_pid(&sup, "flaky").await;
    kill(first).await;
    let second = running(&sup, "flaky").await;
    assert_ne!(first, second);
    assert_eq!(*calls.lock().unwrap(), 3);
}

// ---- handles and ownership ---------------------------------------------------------------

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn dropping_every_handle_does_not_stop_a_server() {
    let ticker = Ticker::default().start_named("orphan").await.unwrap();
    let pid = ticker.pid().unwrap();
    drop(ticker);
    otp_runtime::time::sleep(Duration::from_millis(200)).await;
    // Still alive, its timer still firing: it runs until it is stopped.
    assert!(otp_runtime::is_alive(pid));
    let ticks = Ticker::named("orphan").ticks().await.unwrap();
    assert!(ticks >= 5, "{ticks} ticks");
    Ticker::named("orphan")
        .stop(ExitReason::Normal, INFINITY)
        .await
        .unwrap();
    assert!(!otp_runtime::is_alive(pid));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn dropping_a_supervisors_handle_leaves_its_tree_running() {
    let log = Log::new();
    let sup = SupervisorSpec::one_for_one()
        .name("owned")
        .child(worker("c", &log))
        .start()
        .await
        .unwrap();
    let child = child_pid(&sup, "c").await;
    drop(sup);
    // The supervisor owns the child, and still heals it.
    crash(child).await;
    let sup = SupervisorRef::named("owned");
    let again = child_pid(&sup, "c").await;
    assert_ne!(again, child);
    sup.stop().await.unwrap();
    assert!(!otp_runtime::is_alive(again));
}
