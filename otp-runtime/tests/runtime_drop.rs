//! Dropping the tokio runtime shuts everything down without hanging: every process dies
//! `killed`, every timer task ends, and nothing is left in the process table. Alone in its
//! test binary, because it counts every live process and timer in the program.

use std::time::Duration;

use otp_runtime::prelude::*;

/// Holds a far timer (it never fires during the test, so the counts hold still).
#[derive(Default)]
struct Sleeper;

#[gen_server]
impl Sleeper {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) {
        ctx.trap_exit(true); // a supervisor's shutdown would run terminate; a drop cannot
        ctx.send_after(Duration::from_secs(3600), SleeperInfo::Wake {});
    }

    #[info]
    fn wake(&mut self) {}

    #[call]
    fn ping(&self) {}
}

fn tree() -> SupervisorSpec {
    let mut root = SupervisorSpec::one_for_one();
    for s in 0..3 {
        let mut sub = SupervisorSpec::one_for_all();
        for w in 0..10 {
            sub = sub.child(ChildSpec::worker(format!("w{s}.{w}"), Sleeper::default));
        }
        root = root.child(ChildSpec::supervisor(format!("s{s}"), sub));
    }
    root
}

#[test]
fn dropping_the_runtime_ends_every_process_and_timer_without_hanging() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (root, waiter) = runtime.block_on(async {
        let root = tree().start().await.unwrap();
        // A process waiting for a message that never comes, and a far timer of its own.
        let (ready, set) = tokio::sync::oneshot::channel();
        let waiter = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
            ctx.send_after(Duration::from_secs(3600), ());
            let _ = ready.send(());
            ctx.recv().await;
            ctx.recv().await;
            ExitReason::Normal
        });
        set.await.unwrap();
        (root, waiter)
    });
    // 1 root + 3 supervisors + 30 workers + the waiter; a timer per worker and the waiter's.
    assert_eq!(otp_runtime::process_count(), 35);
    assert_eq!(otp_runtime::timer_count(), 31);

    // Drop the runtime from a plain thread, and give it a deadline.
    let (done, dropped) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(runtime);
        let _ = done.send(());
    });
    dropped
        .recv_timeout(Duration::from_secs(10))
        .expect("dropping the runtime hung");

    assert_eq!(otp_runtime::process_count(), 0);
    assert_eq!(otp_runtime::timer_count(), 0);
    assert!(!waiter.is_alive());
    let later = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    later.block_on(async {
        // The handles held outside see them dead, `killed`, and typed errors, not hangs.
        assert_eq!(waiter.wait_exit().await, ExitReason::Killed);
        assert_eq!(root.wait_exit().await, ExitReason::Killed);
        assert!(matches!(
            root.count_children().await,
            Err(SupervisorError::Call(CallError::NoProc { .. }))
        ));
    });
}
