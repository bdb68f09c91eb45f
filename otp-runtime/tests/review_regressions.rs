//! Regression tests from the runtime review: leaks of monitors and waiters, a dead server
//! whose reply handle lives on, a panicking spawn closure, a kill during init, a timeout set
//! beside a continue, and unlink cancelling a signal that arrived through the link.

use std::time::Duration;

use otp_runtime::prelude::*;

fn idle() -> ProcessRef<()> {
    otp_runtime::spawn(|mut c: ProcessCtx<()>| async move {
        c.recv().await;
        ExitReason::Normal
    })
}

/// A monitor set by a process that then dies leaves the target's table with it.
#[tokio::test]
async fn monitors_of_dead_watchers_are_removed() {
    let target = idle();
    let t = target.pid();
    for _ in 0..1000 {
        let w = otp_runtime::spawn(move |ctx: ProcessCtx<()>| async move {
            ctx.monitor(t);
            ExitReason::Normal
        });
        w.wait_exit().await;
    }
    println!(
        "monitors held by target after 1000 dead watchers: {}",
        otp_runtime::process_info(t).unwrap().monitored_by
    );
    assert_eq!(
        otp_runtime::process_info(t).unwrap().monitored_by,
        0,
        "leaked monitor entries"
    );
}

/// A cancelled `wait_exit` leaves no waiter behind.
#[tokio::test(start_paused = true)]
async fn cancelled_wait_exit_leaves_no_waiter() {
    let target = idle();
    for _ in 0..1000 {
        let _ = tokio::time::timeout(Duration::from_millis(1), target.wait_exit()).await;
    }
    println!(
        "waiters after 1000 cancelled wait_exit: {}",
        otp_runtime::process_info(target.pid())
            .unwrap()
            .monitored_by
    );
    assert_eq!(
        otp_runtime::process_info(target.pid())
            .unwrap()
            .monitored_by,
        0,
        "leaked waiters"
    );
}

struct Dropper;
impl GenServer for Dropper {
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();
    async fn handle_call(&mut self, _: (), ctx: &mut Ctx<Self>) -> CallResult<()> {
        drop(ctx.defer_reply()); // never answered
        CallResult::NoReply
    }
}

/// A call whose reply handle is dropped leaves no waiter behind.
#[tokio::test(start_paused = true)]
async fn call_after_dropped_reply_leaves_no_waiter() {
    let s = Dropper.start().await.unwrap();
    for _ in 0..100 {
        assert_eq!(
            s.call_timeout((), Duration::from_millis(5)).await,
            Err(CallError::ReplyDropped)
        );
    }
    let n = otp_runtime::process_info(s.pid().unwrap())
        .unwrap()
        .monitored_by;
    println!("waiters on server after 100 dropped calls: {n}");
    assert_eq!(n, 0);
}

/// A `demonitor(.., flush)` of a monitor whose DOWN was already received must not swallow
/// anything later, and a live monitor's flush drops exactly its own DOWN.
#[tokio::test]
async fn demonitor_flush_after_down_is_a_no_op() {
    let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        for _ in 0..100 {
            let t = otp_runtime::spawn(|_c: ProcessCtx<()>| async { ExitReason::Normal });
            let m = ctx.monitor(t.pid());
            let _ = ctx.recv().await; // the DOWN
            assert!(!ctx.demonitor(m, true)); // OTP: a no-op here
        }
        let info = otp_runtime::process_info(ctx.pid()).unwrap();
        ExitReason::other(info.monitors.len())
    });
    assert_eq!(p.wait_exit().await, ExitReason::other(0));
}

struct Forwarder;
impl GenServer for Forwarder {
    type Call = ();
    type Reply = u32;
    type Cast = ();
    type Info = ();
    type Continue = ();
    async fn handle_call(&mut self, _: (), ctx: &mut Ctx<Self>) -> CallResult<u32> {
        let r = ctx.defer_reply().unwrap();
        // A worker will answer "later" (never, here); the server then crashes.
        otp_runtime::spawn(move |mut c: ProcessCtx<()>| async move {
            c.recv().await;
            r.reply(1);
            ExitReason::Normal
        });
        panic!("server crashed after handing its reply to a worker");
    }
}

/// The caller learns of the server's death at once even if its reply handle lives on.
#[tokio::test(start_paused = true)]
async fn server_death_with_forwarded_reply_is_reported() {
    let s = Forwarder.start().await.unwrap();
    let t0 = tokio::time::Instant::now();
    let r = s.call_timeout((), Duration::from_secs(30)).await;
    println!("call result {r:?} after {:?}", t0.elapsed());
    assert!(
        matches!(r, Err(CallError::Exited(ExitReason::Panic(_)))),
        "{r:?}"
    );
}

struct SlowInit;
impl GenServer for SlowInit {
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();
    async fn init(&mut self, _ctx: &mut Ctx<Self>) -> Init {
        otp_runtime::time::sleep(Duration::from_secs(10)).await;
        Init::Ok
    }
    async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
        CallResult::Reply(())
    }
}

/// A trapping starter gets no stray EXIT when the child is killed during init (OTP 26
/// flushes it: proc_lib:sync_start's 'DOWN' branch calls flush_EXIT).
#[tokio::test(start_paused = true)]
async fn killed_during_init_leaves_no_exit_in_trapping_parent() {
    let parent = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let me = ctx.pid();
        // Kill whatever the parent links to next, in 1 s.
        otp_runtime::spawn(move |_c: ProcessCtx<()>| async move {
            otp_runtime::time::sleep(Duration::from_secs(1)).await;
            for p in otp_runtime::links(me) {
                otp_runtime::exit(p, ExitReason::Kill);
            }
            ExitReason::Normal
        });
        let r = SlowInit.start_link().await;
        assert_eq!(r.unwrap_err(), StartError::Failed(ExitReason::Killed));
        match ctx.recv_timeout(Duration::from_millis(10)).await {
            None => ExitReason::Normal,
            Some(m) => ExitReason::other(format!("stray message after failed start: {m:?}")),
        }
    });
    assert_eq!(parent.wait_exit().await, ExitReason::Normal);
}

struct ContTimeout {
    log: tokio::sync::mpsc::UnboundedSender<&'static str>,
}
impl GenServer for ContTimeout {
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        ctx.set_timeout(Duration::from_secs(1));
        ctx.continue_with(());
        Init::Ok
    }
    async fn handle_continue(&mut self, _: (), _ctx: &mut Ctx<Self>) -> Outcome {
        self.log.send("continue").unwrap();
        Outcome::NoReply // sets no timeout
    }
    async fn handle_info(&mut self, i: Info<()>, _ctx: &mut Ctx<Self>) -> Outcome {
        if i == Info::Timeout {
            self.log.send("timeout").unwrap();
        }
        Outcome::NoReply
    }
    async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
        CallResult::Reply(())
    }
}

/// A timeout set beside a continue does not outlive handle_continue's NoReply.
#[tokio::test(start_paused = true)]
async fn timeout_does_not_survive_continue() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _s = ContTimeout { log: tx }.start().await.unwrap();
    otp_runtime::time::sleep(Duration::from_secs(2)).await;
    let mut seen = vec![];
    while let Ok(e) = rx.try_recv() {
        seen.push(e);
    }
    println!("events: {seen:?}");
    assert_eq!(seen, vec!["continue"]);
}

/// An exit signal that arrived through a link while the receiver was busy does not kill it
/// once it has unlinked (OTP: once unlink/1 returns the link has no effect).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unlink_cancels_a_signal_from_the_old_link() {
    let mut killed_after_unlink = 0;
    for _ in 0..500 {
        let b = otp_runtime::spawn(|ctx: ProcessCtx<()>| async move {
            let a = ctx.spawn_link(|mut c: ProcessCtx<()>| async move {
                c.recv().await;
                ExitReason::other("x")
            });
            tokio::task::yield_now().await; // let A park on recv
            let ap = a.pid();
            std::thread::spawn(move || otp_runtime::exit(ap, ExitReason::other("x")));
            // Give A time to die on another worker while we are still in this poll.
            let t = std::time::Instant::now();
            while t.elapsed() < std::time::Duration::from_micros(200) {
                std::hint::spin_loop();
            }
            ctx.unlink(a.pid());
            // unlink returned: the link must no longer matter.
            tokio::task::yield_now().await;
            ExitReason::Normal
        });
        if b.wait_exit().await == ExitReason::other("x") {
            killed_after_unlink += 1;
        }
    }
    println!("killed after unlink returned: {killed_after_unlink}/500");
    assert_eq!(killed_after_unlink, 0);
}

/// Holds a resource whose release takes a while (a socket closing, a file lock).
struct SlowRelease(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Drop for SlowRelease {
    fn drop(&mut self) {
        std::thread::sleep(Duration::from_millis(50));
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Holds the resource only to drop it with its state.
struct Holder(#[allow(dead_code)] SlowRelease);

#[gen_server]
impl Holder {
    #[call]
    fn ping(&self) {}
}

/// A killed process's state (and what it holds) is dropped before its death is signalled:
/// whoever learns of the death, on any thread, may reuse what it held (a supervisor restarting
/// it on the same port).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_releases_its_state_before_its_death_is_known() {
    for _ in 0..5 {
        let released = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let h = Holder(SlowRelease(released.clone())).start().await.unwrap();
        h.ping().await.unwrap();
        let pid = h.pid().unwrap();
        let watcher = tokio::spawn(async move { otp_runtime::wait_exit(pid).await });
        tokio::task::yield_now().await;
        otp_runtime::exit(pid, ExitReason::Shutdown);
        let reason = watcher.await.unwrap();
        assert!(matches!(reason, ExitReason::Shutdown | ExitReason::NoProc));
        assert!(released.load(std::sync::atomic::Ordering::SeqCst));
    }
}

struct SlowStart;

#[gen_server]
impl SlowStart {
    #[init]
    async fn init(&mut self) {
        otp_runtime::time::sleep(Duration::from_secs(60)).await;
    }

    #[call]
    fn ping(&self) {}
}

/// A start abandoned before init answers (its future dropped) leaves a plain link: the
/// starter hears of the server's death like any linked process's.
#[tokio::test(start_paused = true)]
async fn an_abandoned_start_leaves_an_ordinary_link() {
    let parent = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let start = SlowStart.start_link();
        assert!(otp_runtime::time::timeout(Duration::from_secs(1), start)
            .await
            .is_none());
        let child = otp_runtime::links(ctx.pid())[0];
        otp_runtime::exit(child, ExitReason::Kill);
        match ctx.recv().await {
            Message::Exit { from, reason } if from == child => reason,
            _ => ExitReason::other("no EXIT from the abandoned child"),
        }
    });
    assert_eq!(parent.wait_exit().await, ExitReason::Killed);
}

/// A zero shutdown time is refused at start, as OTP refuses `shutdown => 0`.
#[tokio::test]
async fn a_zero_shutdown_time_is_an_invalid_spec() {
    use otp_runtime::supervisor::{ChildSpec, Shutdown, SupervisorSpec};
    let err = SupervisorSpec::one_for_one()
        .child(ChildSpec::worker("h", || SlowStart).shutdown(Shutdown::Timeout(Duration::ZERO)))
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, StartError::InvalidSpec(_)), "{err:?}");
}
