//! Erlang's process semantics (otp-semantics §A1): spawn, messages, links, monitors, exit
//! signals, trap_exit, kill, the registry, timers, and crash containment.

use std::time::Duration;

use otp_runtime::prelude::*;
use otp_runtime::{
    exit, is_alive, links, register, registered, self_pid, spawn, spawn_link, trap_exit,
    unregister, wait_exit, whereis, NotInProcess, RegisterError,
};
use tokio::sync::mpsc;

/// A process that waits for messages forever; it only dies of signals.
fn idle<M: Send + 'static>() -> ProcessRef<M> {
    spawn(|mut ctx: ProcessCtx<M>| async move {
        loop {
            ctx.recv().await;
        }
    })
}

/// A process that reports everything it receives to the test, optionally trapping exits.
/// Returns once the process has set its trap flag.
async fn recorder(trap: bool) -> (ProcessRef<u32>, mpsc::UnboundedReceiver<Message<u32>>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let p = spawn(move |mut ctx: ProcessCtx<u32>| async move {
        ctx.trap_exit(trap);
        ready_tx.send(()).unwrap();
        loop {
            let m = ctx.recv().await;
            let _ = tx.send(m);
        }
    });
    ready_rx.await.unwrap();
    (p, rx)
}

/// Lets every ready task run (processes react to signals at their next poll).
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

// ---- spawn, messages, exit reasons -------------------------------------------------------------

#[tokio::test]
async fn process_returns_its_exit_reason() {
    let p = spawn(|_ctx: ProcessCtx<()>| async { ExitReason::other("finished") });
    assert_eq!(p.wait_exit().await, ExitReason::other("finished"));
    assert!(!p.is_alive());
}

#[tokio::test]
async fn messages_arrive_in_order() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let p = spawn(move |mut ctx: ProcessCtx<u32>| async move {
        for _ in 0..100 {
            if let Message::Msg(n) = ctx.recv().await {
                tx.send(n).unwrap();
            }
        }
        ExitReason::Normal
    });
    for n in 0..100 {
        p.send(n).unwrap();
    }
    assert_eq!(p.wait_exit().await, ExitReason::Normal);
    let got: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

#[tokio::test]
async fn send_to_dead_process_gives_message_back() {
    let p = spawn(|_ctx: ProcessCtx<String>| async { ExitReason::Normal });
    p.wait_exit().await;
    let err = p.send("lost".into()).unwrap_err();
    assert_eq!(err.0, "lost");
    assert_eq!(err.to_string(), "the process is not alive");
}

#[tokio::test]
async fn pids_are_unique_and_print_like_erlang() {
    let a = idle::<()>();
    let b = idle::<()>();
    assert_ne!(a.pid(), b.pid());
    let s = a.pid().to_string();
    assert!(s.starts_with("<0.") && s.ends_with(".0>"), "{s}");
    exit(a.pid(), ExitReason::Kill);
    exit(b.pid(), ExitReason::Kill);
}

#[tokio::test]
async fn panic_is_contained_as_exit_reason() {
    let p = spawn(|_ctx: ProcessCtx<()>| async { panic!("boom {}", 42) });
    assert_eq!(p.wait_exit().await, ExitReason::Panic("boom 42".into()));
    // The runtime is still fine.
    let q = spawn(|_ctx: ProcessCtx<()>| async { ExitReason::Normal });
    assert_eq!(q.wait_exit().await, ExitReason::Normal);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panic_after_await_is_contained_on_multi_thread() {
    let p = spawn(|mut ctx: ProcessCtx<u8>| async move {
        ctx.recv().await;
        let v: Vec<u8> = Vec::new();
        #[allow(clippy::out_of_bounds_indexing, unconditional_panic)]
        let x = v[3];
        ExitReason::other(x)
    });
    p.send(1).unwrap();
    assert!(
        matches!(p.wait_exit().await, ExitReason::Panic(m) if m.contains("index out of bounds"))
    );
}

#[tokio::test]
async fn self_pid_outside_a_process_is_an_error() {
    assert_eq!(self_pid(), Err(NotInProcess));
    assert_eq!(trap_exit(true), Err(NotInProcess));
    assert!(otp_runtime::link(Pid::clone(&idle::<()>().pid())).is_err());
    assert!(NotInProcess.to_string().contains("not inside a process"));
}

#[tokio::test]
async fn self_pid_inside_a_process() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let p = spawn(move |ctx: ProcessCtx<()>| async move {
        tx.send((self_pid(), ctx.pid())).unwrap();
        ExitReason::Normal
    });
    let (a, b) = rx.recv().await.unwrap();
    assert_eq!(a, Ok(p.pid()));
    assert_eq!(b, p.pid());
}

#[tokio::test]
async fn plain_tokio_task_is_not_a_process() {
    let r = tokio::spawn(async { self_pid() }).await.unwrap();
    assert_eq!(r, Err(NotInProcess));
}

// ---- links ---------------------------------------------------------------------------------------

#[tokio::test]
async fn linked_process_dies_with_abnormal_reason() {
    let a = idle::<()>();
    let b = spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.link(a.pid());
        ctx.recv().await;
        ExitReason::Normal
    });
    settle().await;
    let a_pid = links(b.pid())[0];
    exit(a_pid, ExitReason::other("crash"));
    assert_eq!(b.wait_exit().await, ExitReason::other("crash"));
}

#[tokio::test]
async fn links_are_bidirectional() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let parent = spawn(move |mut ctx: ProcessCtx<()>| async move {
        let child = ctx.spawn_link(|mut c: ProcessCtx<()>| async move {
            c.recv().await;
            ExitReason::Normal
        });
        tx.send(child).unwrap();
        ctx.recv().await;
        ExitReason::Normal
    });
    let child = rx.recv().await.unwrap();
    assert_eq!(links(parent.pid()), vec![child.pid()]);
    assert_eq!(links(child.pid()), vec![parent.pid()]);
    // The parent's crash takes the child down.
    exit(parent.pid(), ExitReason::other("parent died"));
    assert_eq!(child.wait_exit().await, ExitReason::other("parent died"));
}

#[tokio::test]
async fn normal_exit_of_a_link_is_ignored_when_not_trapping() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let parent = spawn(move |mut ctx: ProcessCtx<u8>| async move {
        let child = ctx.spawn_link(|_c: ProcessCtx<()>| async { ExitReason::Normal });
        child.wait_exit().await;
        tx.send(()).unwrap();
        ctx.recv().await;
        ExitReason::other("survived")
    });
    rx.recv().await.unwrap();
    settle().await;
    assert!(parent.is_alive());
    parent.send(1).unwrap();
    assert_eq!(parent.wait_exit().await, ExitReason::other("survived"));
}

#[tokio::test]
async fn trapping_process_receives_exit_messages() {
    let (p, mut rx) = recorder(true).await;
    let (tx, mut child_rx) = mpsc::unbounded_channel();
    let p_pid = p.pid();
    let child = spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.link(p_pid);
        tx.send(()).unwrap();
        ctx.recv().await;
        ExitReason::Normal
    });
    child_rx.recv().await.unwrap();
    exit(child.pid(), ExitReason::other("bad"));
    assert_eq!(
        rx.recv().await.unwrap(),
        Message::Exit {
            from: child.pid(),
            reason: ExitReason::other("bad")
        }
    );
    assert!(p.is_alive());
    exit(p.pid(), ExitReason::Kill);
}

#[tokio::test]
async fn trapping_process_sees_normal_exits_of_links() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let p = spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let child = ctx.spawn_link(|_c: ProcessCtx<()>| async { ExitReason::Normal });
        tx.send(ctx.recv().await).unwrap();
        let _ = child;
        ExitReason::Normal
    });
    match rx.recv().await.unwrap() {
        Message::Exit { reason, .. } => assert_eq!(reason, ExitReason::Normal),
        other => panic!("expected an EXIT, got {other:?}"),
    }
    p.wait_exit().await;
}

#[tokio::test]
async fn link_to_dead_process_gives_noproc_exit() {
    let dead = spawn(|_ctx: ProcessCtx<()>| async { ExitReason::Normal });
    let dead_pid = dead.pid();
    dead.wait_exit().await;
    // Not trapping: the noproc exit signal kills the linker.
    let p = spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.link(dead_pid);
        ctx.recv().await;
        ExitReason::Normal
    });
    assert_eq!(p.wait_exit().await, ExitReason::NoProc);
    // Trapping: it arrives as a message.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let q = spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        ctx.link(dead_pid);
        tx.send(ctx.recv().await).unwrap();
        ExitReason::Normal
    });
    assert_eq!(
        rx.recv().await.unwrap(),
        Message::Exit {
            from: dead_pid,
            reason: ExitReason::NoProc
        }
    );
    q.wait_exit().await;
}

#[tokio::test]
async fn unlink_stops_propagation() {
    let target = idle::<()>();
    let t = target.pid();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let p = spawn(move |mut ctx: ProcessCtx<u8>| async move {
        ctx.link(t);
        ctx.unlink(t);
        tx.send(()).unwrap();
        ctx.recv().await;
        ExitReason::other("still here")
    });
    rx.recv().await.unwrap();
    assert!(links(t).is_empty());
    exit(t, ExitReason::other("boom"));
    assert_eq!(target.wait_exit().await, ExitReason::other("boom"));
    settle().await;
    p.send(0).unwrap();
    assert_eq!(p.wait_exit().await, ExitReason::other("still here"));
}

#[tokio::test]
async fn crash_propagates_through_a_chain_of_links() {
    // a - b - c: c crashes, a and b die with c's reason.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let a = spawn(move |mut ctx: ProcessCtx<()>| async move {
        let b = ctx.spawn_link(move |mut ctx: ProcessCtx<()>| async move {
            let c = ctx.spawn_link(|mut c: ProcessCtx<u8>| async move {
                c.recv().await;
                panic!("c failed")
            });
            tx.send(c).unwrap();
            ctx.recv().await;
            ExitReason::Normal
        });
        let _ = b;
        ctx.recv().await;
        ExitReason::Normal
    });
    let c = rx.recv().await.unwrap();
    c.send(1).unwrap();
    assert_eq!(a.wait_exit().await, ExitReason::Panic("c failed".into()));
}

#[tokio::test]
async fn spawn_link_outside_a_process_is_unlinked() {
    let p = spawn_link(|_c: ProcessCtx<()>| async { ExitReason::other("x") });
    assert_eq!(p.wait_exit().await, ExitReason::other("x"));
}

// ---- exit signals: kill, killed, normal, self ----------------------------------------------------

#[tokio::test]
async fn kill_cannot_be_trapped_and_gives_killed() {
    let (p, _rx) = recorder(true).await;
    exit(p.pid(), ExitReason::Kill);
    assert_eq!(p.wait_exit().await, ExitReason::Killed);
}

#[tokio::test]
async fn killed_propagates_to_links_as_killed() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let watcher = spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let victim = ctx.spawn_link(|mut c: ProcessCtx<()>| async move {
            c.recv().await;
            ExitReason::Normal
        });
        tx.send(victim.pid()).unwrap();
        match ctx.recv().await {
            Message::Exit { reason, .. } => reason,
            _ => ExitReason::Normal,
        }
    });
    let victim = rx.recv().await.unwrap();
    exit(victim, ExitReason::Kill);
    // OTP: the victim exits `killed`, and that is what its links see (trappable).
    assert_eq!(watcher.wait_exit().await, ExitReason::Killed);
}

#[tokio::test]
async fn kill_through_a_link_is_trappable() {
    // A process that exits with reason Kill itself: its links get an ordinary `kill` signal.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let watcher = spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        ctx.spawn_link(|_c: ProcessCtx<()>| async { ExitReason::Kill });
        tx.send(ctx.recv().await).unwrap();
        ExitReason::Normal
    });
    match rx.recv().await.unwrap() {
        Message::Exit { reason, .. } => assert_eq!(reason, ExitReason::Kill),
        other => panic!("{other:?}"),
    }
    assert_eq!(watcher.wait_exit().await, ExitReason::Normal);
}

#[tokio::test]
async fn normal_exit_signal_is_ignored_unless_trapping() {
    let p = idle::<()>();
    exit(p.pid(), ExitReason::Normal);
    settle().await;
    assert!(p.is_alive());
    let (q, mut rx) = recorder(true).await;
    exit(q.pid(), ExitReason::Normal);
    assert!(matches!(
        rx.recv().await.unwrap(),
        Message::Exit {
            reason: ExitReason::Normal,
            ..
        }
    ));
    exit(p.pid(), ExitReason::Kill);
    exit(q.pid(), ExitReason::Kill);
}

#[tokio::test]
async fn exit_signal_from_outside_comes_from_nobody() {
    let (q, mut rx) = recorder(true).await;
    exit(q.pid(), ExitReason::Shutdown);
    match rx.recv().await.unwrap() {
        Message::Exit { from, reason } => {
            assert_eq!(from.to_string(), "<0.0.0>");
            assert_eq!(reason, ExitReason::Shutdown);
        }
        other => panic!("{other:?}"),
    }
    exit(q.pid(), ExitReason::Kill);
}

#[tokio::test]
async fn exit_self_normal_kills_the_caller() {
    let p = spawn(|mut ctx: ProcessCtx<()>| async move {
        exit(ctx.pid(), ExitReason::Normal);
        ctx.recv().await;
        ExitReason::other("not reached")
    });
    assert_eq!(p.wait_exit().await, ExitReason::Normal);
}

#[tokio::test]
async fn abnormal_exit_signal_kills_non_trapping_process() {
    let p = idle::<()>();
    exit(p.pid(), ExitReason::shutdown_with("maintenance"));
    assert_eq!(
        p.wait_exit().await,
        ExitReason::shutdown_with("maintenance")
    );
}

#[tokio::test(start_paused = true)]
async fn exit_signal_interrupts_a_process_awaiting_something_else() {
    let p = spawn(|_ctx: ProcessCtx<()>| async {
        otp_runtime::time::sleep(Duration::from_secs(3600)).await;
        ExitReason::Normal
    });
    settle().await;
    exit(p.pid(), ExitReason::Shutdown);
    assert_eq!(p.wait_exit().await, ExitReason::Shutdown);
}

#[tokio::test]
async fn exit_signal_does_not_wait_behind_a_long_mailbox() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let p = spawn(move |mut ctx: ProcessCtx<u32>| async move {
        let mut handled = 0u32;
        loop {
            ctx.recv().await;
            handled += 1;
            let _ = tx.send(handled);
            tokio::task::yield_now().await;
        }
    });
    for n in 0..100_000 {
        p.send(n).unwrap();
    }
    exit(p.pid(), ExitReason::Shutdown);
    assert_eq!(p.wait_exit().await, ExitReason::Shutdown);
    let handled = std::iter::from_fn(|| rx.try_recv().ok())
        .last()
        .unwrap_or(0);
    assert!(handled < 1000, "handled {handled} messages before dying");
}

#[tokio::test]
async fn exit_to_a_dead_pid_does_nothing() {
    let p = spawn(|_c: ProcessCtx<()>| async { ExitReason::Normal });
    let pid = p.pid();
    p.wait_exit().await;
    exit(pid, ExitReason::Kill);
    assert!(!is_alive(pid));
}

#[tokio::test]
async fn first_exit_signal_wins() {
    let p = idle::<()>();
    exit(p.pid(), ExitReason::other("first"));
    exit(p.pid(), ExitReason::other("second"));
    assert_eq!(p.wait_exit().await, ExitReason::other("first"));
}

// ---- monitors --------------------------------------------------------------------------------------

#[tokio::test]
async fn monitor_delivers_down_with_reason() {
    let target = idle::<()>();
    let t = target.pid();
    let (tx, mut rx) = mpsc::unbounded_channel();
    spawn(move |mut ctx: ProcessCtx<()>| async move {
        let m = ctx.monitor(t);
        tx.send(None).unwrap();
        let got = ctx.recv().await;
        tx.send(Some((m, got))).unwrap();
        ExitReason::Normal
    });
    assert!(rx.recv().await.unwrap().is_none());
    exit(t, ExitReason::other("gone"));
    let (m, got) = rx.recv().await.unwrap().unwrap();
    assert_eq!(m.target(), t);
    assert_eq!(
        got,
        Message::Down {
            monitor: m,
            pid: t,
            reason: ExitReason::other("gone")
        }
    );
}

#[tokio::test]
async fn monitor_of_dead_process_gives_immediate_noproc() {
    let dead = spawn(|_c: ProcessCtx<()>| async { ExitReason::Normal });
    let pid = dead.pid();
    dead.wait_exit().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    spawn(move |mut ctx: ProcessCtx<()>| async move {
        let m = ctx.monitor(pid);
        tx.send((m, ctx.recv().await)).unwrap();
        ExitReason::Normal
    });
    let (m, got) = rx.recv().await.unwrap();
    assert_eq!(
        got,
        Message::Down {
            monitor: m,
            pid,
            reason: ExitReason::NoProc
        }
    );
}

#[tokio::test]
async fn monitors_are_one_way_and_do_not_kill() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let watcher = spawn(move |mut ctx: ProcessCtx<()>| async move {
        let t = spawn(|_c: ProcessCtx<()>| async { panic!("target crashed") });
        ctx.monitor(t.pid());
        tx.send(ctx.recv().await).unwrap();
        ExitReason::other("watcher fine")
    });
    assert!(matches!(
        rx.recv().await.unwrap(),
        Message::Down {
            reason: ExitReason::Panic(_),
            ..
        }
    ));
    assert_eq!(watcher.wait_exit().await, ExitReason::other("watcher fine"));
}

#[tokio::test]
async fn two_monitors_give_two_downs() {
    let target = idle::<()>();
    let t = target.pid();
    let (tx, mut rx) = mpsc::unbounded_channel();
    spawn(move |mut ctx: ProcessCtx<()>| async move {
        let m1 = ctx.monitor(t);
        let m2 = ctx.monitor(t);
        assert_ne!(m1, m2);
        tx.send(()).unwrap();
        let a = ctx.recv().await;
        let b = ctx.recv().await;
        tx.send(()).unwrap();
        assert!(matches!(
            (a, b),
            (Message::Down { .. }, Message::Down { .. })
        ));
        ExitReason::Normal
    });
    rx.recv().await.unwrap();
    exit(t, ExitReason::Kill);
    rx.recv().await.unwrap();
}

#[tokio::test]
async fn demonitor_prevents_down() {
    let target = idle::<()>();
    let t = target.pid();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let w = spawn(move |mut ctx: ProcessCtx<u8>| async move {
        let m = ctx.monitor(t);
        assert!(ctx.demonitor(m, false));
        tx.send(()).unwrap();
        tx.send(()).unwrap();
        match ctx.recv().await {
            Message::Msg(n) => ExitReason::other(n),
            other => ExitReason::other(format!("{other:?}")),
        }
    });
    rx.recv().await.unwrap();
    exit(t, ExitReason::Kill);
    target.wait_exit().await;
    settle().await;
    w.send(9).unwrap();
    assert_eq!(w.wait_exit().await, ExitReason::other(9));
}

#[tokio::test]
async fn demonitor_flush_drops_a_down_already_delivered() {
    let p = spawn(|mut ctx: ProcessCtx<u8>| async move {
        let t = spawn(|_c: ProcessCtx<()>| async { ExitReason::Normal });
        let m = ctx.monitor(t.pid());
        t.wait_exit().await;
        assert!(!ctx.demonitor(m, true));
        ctx.handle().send(7).unwrap();
        match ctx.recv().await {
            Message::Msg(7) => ExitReason::Normal,
            other => ExitReason::other(format!("{other:?}")),
        }
    });
    assert_eq!(p.wait_exit().await, ExitReason::Normal);
}

#[tokio::test]
async fn message_sent_before_death_arrives_before_down() {
    let p = spawn(|mut ctx: ProcessCtx<&'static str>| async move {
        let me = ctx.handle();
        let worker = spawn(move |_c: ProcessCtx<()>| async move {
            me.send("result").unwrap();
            ExitReason::Normal
        });
        ctx.monitor(worker.pid());
        let first = ctx.recv().await;
        let second = ctx.recv().await;
        match (first, second) {
            // The worker may have died before the monitor was set: then the DOWN is noproc,
            // but the message still comes first.
            (Message::Msg("result"), Message::Down { .. }) => ExitReason::Normal,
            other => ExitReason::other(format!("{other:?}")),
        }
    });
    assert_eq!(p.wait_exit().await, ExitReason::Normal);
}

#[tokio::test]
async fn wait_exit_by_pid_from_outside() {
    let p = idle::<()>();
    let pid = p.pid();
    let waiter = tokio::spawn(wait_exit(pid));
    settle().await;
    exit(pid, ExitReason::other("done"));
    assert_eq!(waiter.await.unwrap(), ExitReason::other("done"));
    assert_eq!(wait_exit(pid).await, ExitReason::NoProc);
}

// ---- registry ------------------------------------------------------------------------------------

#[tokio::test]
async fn register_whereis_unregister() {
    let p = idle::<()>();
    register("proc-reg-1", p.pid()).unwrap();
    assert_eq!(whereis("proc-reg-1"), Some(p.pid()));
    assert!(registered().iter().any(|n| n.as_str() == "proc-reg-1"));
    unregister("proc-reg-1").unwrap();
    assert_eq!(whereis("proc-reg-1"), None);
    assert_eq!(unregister("proc-reg-1"), Err(RegisterError::NotRegistered));
    exit(p.pid(), ExitReason::Kill);
}

#[tokio::test]
async fn registering_a_taken_name_is_a_typed_error() {
    let a = idle::<()>();
    let b = idle::<()>();
    register("proc-reg-2", a.pid()).unwrap();
    assert_eq!(
        register("proc-reg-2", b.pid()),
        Err(RegisterError::Taken(a.pid()))
    );
    assert_eq!(
        register("proc-reg-2b", a.pid()),
        Err(RegisterError::AlreadyNamed("proc-reg-2".into()))
    );
    assert!(RegisterError::Taken(a.pid())
        .to_string()
        .contains("already registered"));
    exit(a.pid(), ExitReason::Kill);
    exit(b.pid(), ExitReason::Kill);
}

#[tokio::test]
async fn registering_a_dead_process_fails() {
    let p = spawn(|_c: ProcessCtx<()>| async { ExitReason::Normal });
    let pid = p.pid();
    p.wait_exit().await;
    assert_eq!(register("proc-reg-3", pid), Err(RegisterError::NoProc));
    assert_eq!(whereis("proc-reg-3"), None);
}

#[tokio::test]
async fn dying_process_frees_its_name_before_its_signals_go_out() {
    // The trapping parent re-registers the name the moment it sees the EXIT: it must be free.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let parent = spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let child = ctx.spawn_link(|mut c: ProcessCtx<()>| async move {
            c.recv().await;
            panic!("crash")
        });
        register("proc-reg-4", child.pid()).unwrap();
        tx.send(child.clone()).unwrap();
        let _ = ctx.recv().await; // the EXIT
        let again = ctx.spawn_link(|mut c: ProcessCtx<()>| async move {
            c.recv().await;
            ExitReason::Normal
        });
        tx.send(again.clone()).unwrap();
        match register("proc-reg-4", again.pid()) {
            Ok(()) => ExitReason::Normal,
            Err(e) => ExitReason::other(e),
        }
    });
    let child = rx.recv().await.unwrap();
    child.send(()).unwrap();
    assert_eq!(parent.wait_exit().await, ExitReason::Normal);
}

#[tokio::test]
async fn name_is_freed_when_down_is_seen() {
    let p = idle::<()>();
    register("proc-reg-5", p.pid()).unwrap();
    let pid = p.pid();
    let (tx, mut rx) = mpsc::unbounded_channel();
    spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.monitor(pid);
        tx.send(()).unwrap();
        ctx.recv().await;
        tx.send(()).unwrap();
        assert_eq!(whereis("proc-reg-5"), None);
        ExitReason::Normal
    });
    rx.recv().await.unwrap();
    exit(pid, ExitReason::Kill);
    rx.recv().await.unwrap();
    assert_eq!(whereis("proc-reg-5"), None);
}

// ---- timers ----------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn send_after_delivers_after_the_delay() {
    let start = otp_runtime::time::Instant::now();
    let p = spawn(move |mut ctx: ProcessCtx<&'static str>| async move {
        ctx.send_after(Duration::from_secs(3), "ping");
        match ctx.recv().await {
            Message::Msg("ping") => ExitReason::Normal,
            _ => ExitReason::other("wrong"),
        }
    });
    assert_eq!(p.wait_exit().await, ExitReason::Normal);
    assert!(start.elapsed() >= Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn timers_fire_in_deadline_order() {
    let p = spawn(move |mut ctx: ProcessCtx<u32>| async move {
        ctx.send_after(Duration::from_secs(3), 3);
        ctx.send_after(Duration::from_secs(1), 1);
        ctx.send_after(Duration::from_secs(2), 2);
        let mut got = Vec::new();
        for _ in 0..3 {
            if let Message::Msg(n) = ctx.recv().await {
                got.push(n);
            }
        }
        ExitReason::other(format!("{got:?}"))
    });
    assert_eq!(p.wait_exit().await, ExitReason::other("[1, 2, 3]"));
}

#[tokio::test(start_paused = true)]
async fn cancelled_timer_is_never_delivered() {
    let p = spawn(move |mut ctx: ProcessCtx<u32>| async move {
        let t = ctx.send_after(Duration::from_secs(1), 1);
        assert!(ctx.cancel_timer(t));
        assert!(!ctx.cancel_timer(t));
        ctx.send_after(Duration::from_secs(2), 2);
        match ctx.recv().await {
            Message::Msg(n) => ExitReason::other(n),
            _ => ExitReason::Normal,
        }
    });
    assert_eq!(p.wait_exit().await, ExitReason::other(2));
}

#[tokio::test(start_paused = true)]
async fn timer_cancelled_after_firing_is_not_delivered() {
    let p = spawn(move |mut ctx: ProcessCtx<u32>| async move {
        let t = ctx.send_after(Duration::from_secs(1), 1);
        // Let it fire: its envelope is in the mailbox now, behind nothing.
        otp_runtime::time::sleep(Duration::from_secs(2)).await;
        assert!(ctx.cancel_timer(t), "the timer was still ours to cancel");
        ctx.handle().send(2).unwrap();
        match ctx.recv().await {
            Message::Msg(n) => ExitReason::other(n),
            _ => ExitReason::Normal,
        }
    });
    assert_eq!(p.wait_exit().await, ExitReason::other(2));
}

#[tokio::test(start_paused = true)]
async fn timers_die_with_their_process() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let p = spawn(move |mut ctx: ProcessCtx<u32>| async move {
        ctx.send_after(Duration::from_secs(10), 1);
        tx.send(ctx.pending_timers()).unwrap();
        ctx.recv().await;
        ExitReason::Normal
    });
    assert_eq!(rx.recv().await, Some(1));
    exit(p.pid(), ExitReason::Kill);
    p.wait_exit().await;
    // Nothing is left running: advancing past the deadline sends nothing anywhere.
    otp_runtime::time::sleep(Duration::from_secs(20)).await;
    assert!(!p.is_alive());
}

#[tokio::test(start_paused = true)]
async fn recv_timeout_gives_none_when_idle() {
    let p = spawn(|mut ctx: ProcessCtx<u8>| async move {
        let none = ctx.recv_timeout(Duration::from_millis(500)).await;
        let zero = ctx.recv_timeout(Duration::ZERO).await;
        ctx.handle().send(1).unwrap();
        let some = ctx.recv_timeout(Duration::ZERO).await;
        ExitReason::other(format!("{none:?} {zero:?} {some:?}"))
    });
    assert_eq!(
        p.wait_exit().await,
        ExitReason::other("None None Some(Msg(1))")
    );
}

// ---- the table ---------------------------------------------------------------------------------------

#[tokio::test]
async fn dead_processes_leave_the_table() {
    let p = idle::<()>();
    let pid = p.pid();
    assert!(is_alive(pid));
    exit(pid, ExitReason::Kill);
    p.wait_exit().await;
    assert!(!is_alive(pid));
    assert!(links(pid).is_empty());
}

#[tokio::test]
async fn many_processes_with_links_all_die_together() {
    // A chain of 200 linked processes, each linking to the one before: one crash in the middle
    // takes every one down.
    let mut all: Vec<ProcessRef<()>> = Vec::new();
    for i in 0..200 {
        let prev = all.last().map(|p| p.pid());
        let (tx, mut rx) = mpsc::unbounded_channel();
        all.push(spawn(move |mut ctx: ProcessCtx<()>| async move {
            if let Some(prev) = prev {
                ctx.link(prev);
            }
            tx.send(i).unwrap();
            loop {
                ctx.recv().await;
            }
        }));
        rx.recv().await.unwrap();
    }
    exit(all[100].pid(), ExitReason::other("chain broke"));
    for p in &all {
        assert_eq!(p.wait_exit().await, ExitReason::other("chain broke"));
    }
}
