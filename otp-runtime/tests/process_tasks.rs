//! Tasks owned by a process (`ProcessCtx::spawn_task`, `Ctx::spawn_task`, and their linked
//! kind): they die with their process whatever its reason, before its death is told, and a
//! linked task's failure is an exit signal to its owner, with Erlang's rules for a linked
//! process (otp-semantics §A1 "What a receiver does with an exit signal"; OTP's
//! `proc_lib`/Elixir's `Task.async` links are the model: a failing task takes its owner down,
//! a trapping owner gets `{'EXIT', TaskPid, Reason}`).
//!
//! Time runs on tokio's paused clock where it matters: an elapsed time asserted is exact.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use otp_runtime::node::Node;
use otp_runtime::prelude::*;
use otp_runtime::{NotInProcess, TaskError};
use tokio::sync::{mpsc, oneshot};

/// Set when dropped: a task holding one has ended (finished or aborted).
#[derive(Clone, Default)]
struct Dropped(Arc<AtomicBool>);

struct Guard(Dropped);

impl Drop for Guard {
    fn drop(&mut self) {
        (self.0).0.store(true, Ordering::SeqCst);
    }
}

impl Dropped {
    fn guard(&self) -> Guard {
        Guard(self.clone())
    }
    fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A panic, as a task's body: `async { panic!(..) }` would have the never type.
fn crash(message: &str) {
    panic!("{message}")
}

/// A task that runs until aborted, holding `dropped`'s guard; `started` is told once it runs.
async fn forever(dropped: Dropped, started: oneshot::Sender<()>) {
    let _guard = dropped.guard();
    let _ = started.send(());
    std::future::pending::<()>().await
}

/// How each test ends the process that owns a task.
#[derive(Clone, Copy, Debug)]
enum End {
    Returns,
    Panics,
    Killed,
    ExitSignal,
}

/// Whatever the reason its process ends, a task is aborted, and the death is told (to
/// `wait_exit` here) only once the task is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_dies_with_its_process_whatever_the_reason() {
    for end in [End::Returns, End::Panics, End::Killed, End::ExitSignal] {
        let dropped = Dropped::default();
        let (started_tx, started) = oneshot::channel();
        let d = dropped.clone();
        let p = otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
            ctx.spawn_task(forever(d, started_tx));
            ctx.recv().await;
            match end {
                End::Panics => panic!("asked to"),
                _ => ExitReason::Normal,
            }
        });
        started.await.unwrap();
        match end {
            End::Returns | End::Panics => p.send(()).unwrap(),
            End::Killed => otp_runtime::exit(p.pid(), ExitReason::Kill),
            End::ExitSignal => otp_runtime::exit(p.pid(), ExitReason::Shutdown),
        }
        let reason = p.wait_exit().await;
        assert!(dropped.is_set(), "{end:?}: the task outlived its process");
        let expected = match end {
            End::Returns => ExitReason::Normal,
            End::Panics => ExitReason::Panic("asked to".into()),
            End::Killed => ExitReason::Killed,
            End::ExitSignal => ExitReason::Shutdown,
        };
        assert_eq!(reason, expected);
    }
}

/// A linked process that traps exits (a supervisor) gets the dead process's `EXIT` after the
/// process's tasks are gone: a restart never runs beside the old incarnation's tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_linked_process_learns_of_the_death_after_the_tasks_are_gone() {
    let dropped = Dropped::default();
    let d = dropped.clone();
    let watcher = otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let (started_tx, started) = oneshot::channel();
        let child = ctx.spawn_link(move |mut c: ProcessCtx<()>| async move {
            c.spawn_task(forever(d, started_tx));
            c.recv().await;
            ExitReason::other("done")
        });
        started.await.unwrap();
        child.send(()).unwrap();
        match ctx.recv().await {
            Message::Exit { from, reason } if from == child.pid() => {
                assert!(dropped.is_set(), "EXIT told before the task was gone");
                reason
            }
            other => panic!("unexpected {other:?}"),
        }
    });
    assert_eq!(watcher.wait_exit().await, ExitReason::other("done"));
}

#[derive(Default)]
struct Slow {
    /// Results of the work the tasks finished.
    done: Arc<AtomicUsize>,
    trap: bool,
}

#[gen_server]
impl Slow {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) {
        ctx.trap_exit(self.trap);
    }

    /// Starts one second of work in a task and returns at once.
    #[call]
    fn work(&mut self, ctx: &mut Ctx<Self>) {
        let done = self.done.clone();
        ctx.spawn_task(async move {
            otp_runtime::time::sleep(Duration::from_secs(1)).await;
            done.fetch_add(1, Ordering::SeqCst);
        });
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason, ctx: &mut Ctx<Self>) {
        ctx.wait_tasks().await;
    }
}

/// The trap: a gen_server that does not trap exits dies at once when its supervisor
/// stops it. Its tasks die with it (their work is cut), and `terminate_child` returns at once
/// with nothing of the server left running.
#[tokio::test(start_paused = true)]
async fn a_server_that_does_not_trap_exits_takes_its_tasks_down_with_it() {
    let done = Arc::new(AtomicUsize::new(0));
    let d = done.clone();
    let sup = SupervisorSpec::one_for_one()
        .child(
            ChildSpec::worker("slow", move || Slow {
                done: d.clone(),
                trap: false,
            })
            .name("slow"),
        )
        .start()
        .await
        .unwrap();
    let slow = Slow::named("slow");
    slow.work().await.unwrap();
    slow.work().await.unwrap();
    let pid = slow.pid().unwrap();
    assert_eq!(otp_runtime::process_info(pid).unwrap().tasks, 2);
    let asked = tokio::time::Instant::now();
    sup.terminate_child("slow").await.unwrap();
    assert_eq!(asked.elapsed(), Duration::ZERO);
    // Long after the work would have been done: it never was.
    otp_runtime::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(done.load(Ordering::SeqCst), 0);
}

/// Trapping exits, a server waits for its tasks in `terminate` (`Ctx::wait_tasks`), within
/// its shutdown budget: inside it, the work is done; past it, the server is killed and its
/// tasks with it.
#[tokio::test(start_paused = true)]
async fn a_trapping_server_drains_its_tasks_within_its_shutdown_budget() {
    for (budget, finished) in [(Duration::from_secs(2), 3), (Duration::from_millis(500), 0)] {
        let done = Arc::new(AtomicUsize::new(0));
        let d = done.clone();
        let sup = SupervisorSpec::one_for_one()
            .child(
                ChildSpec::worker("slow", move || Slow {
                    done: d.clone(),
                    trap: true,
                })
                .name("slow")
                .shutdown(Shutdown::Timeout(budget)),
            )
            .start()
            .await
            .unwrap();
        let slow = Slow::named("slow");
        for _ in 0..3 {
            slow.work().await.unwrap();
        }
        let asked = tokio::time::Instant::now();
        sup.terminate_child("slow").await.unwrap();
        assert_eq!(asked.elapsed(), budget.min(Duration::from_secs(1)));
        otp_runtime::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(done.load(Ordering::SeqCst), finished, "budget {budget:?}");
    }
}

/// A linked task's panic or error kills an owner that does not trap exits, with the
/// failure's reason.
#[tokio::test]
async fn a_linked_task_failure_kills_its_owner() {
    let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.spawn_linked_task(async { crash("lost the feed") });
        ctx.recv().await;
        ExitReason::Normal
    });
    assert_eq!(
        p.wait_exit().await,
        ExitReason::Panic("lost the feed".into())
    );

    let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.spawn_linked_task(async { Err::<u32, _>(std::io::Error::other("reset by peer")) });
        ctx.recv().await;
        ExitReason::Normal
    });
    assert_eq!(p.wait_exit().await, ExitReason::other("reset by peer"));
}

/// Trapping exits, the owner gets the failure as a message from the task's pid, and lives.
#[tokio::test]
async fn a_trapping_owner_gets_the_failure_as_an_exit_message_from_the_task() {
    let p = otp_runtime::spawn(|mut ctx: ProcessCtx<u8>| async move {
        ctx.trap_exit(true);
        let task = ctx.spawn_linked_task(async { crash("oops") });
        let msg = ctx.recv().await;
        assert_eq!(
            msg,
            Message::Exit {
                from: task.pid(),
                reason: ExitReason::Panic("oops".into())
            }
        );
        // The task's handle tells the same.
        assert_eq!(task.await, Err(TaskError::Panicked("oops".into())));
        ExitReason::Normal
    });
    assert_eq!(p.wait_exit().await, ExitReason::Normal);
}

#[derive(Default)]
struct Reader {
    failures: Vec<(Pid, ExitReason)>,
    task: Option<Pid>,
}

#[gen_server]
impl Reader {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) {
        ctx.trap_exit(true);
    }

    #[call]
    fn start_reading(&mut self, ctx: &mut Ctx<Self>) -> Pid {
        let task = ctx.spawn_linked_task(async { Err::<(), _>("connection closed") });
        self.task = Some(task.pid());
        task.pid()
    }

    #[call]
    fn failures(&self) -> Vec<(Pid, ExitReason)> {
        self.failures.clone()
    }

    #[info(exit)]
    fn exit(&mut self, from: Pid, reason: ExitReason) {
        self.failures.push((from, reason));
    }
}

/// A trapping gen_server gets its linked task's failure in `handle_info`, from the task's
/// pid, as OTP's gen_server gets a linked process's `{'EXIT', Pid, Reason}`.
#[tokio::test]
async fn a_trapping_gen_server_gets_its_task_failure_in_handle_info() {
    let r = Reader::default().start().await.unwrap();
    let task = r.start_reading().await.unwrap();
    let failures = loop {
        let f = r.failures().await.unwrap();
        if !f.is_empty() {
            break f;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(
        failures,
        vec![(task, ExitReason::other("connection closed"))]
    );
}

/// A linked task that succeeds sends nothing (its output is its handle's), nor does one that
/// is aborted; an unlinked task's panic is its own.
#[tokio::test]
async fn success_abort_and_unlinked_panics_leave_the_owner_alone() {
    let p = otp_runtime::spawn(|mut ctx: ProcessCtx<u8>| async move {
        ctx.trap_exit(true);
        let ok = ctx.spawn_linked_task(async { Ok::<_, String>(5) });
        assert_eq!(ok.await, Ok(Ok(5)));
        let aborted = ctx.spawn_linked_task(async {
            std::future::pending::<()>().await;
            Err::<(), _>("never")
        });
        aborted.abort();
        assert_eq!(aborted.await, Err(TaskError::Aborted));
        let own = ctx.spawn_task(async { crash("mine") });
        assert_eq!(own.await, Err(TaskError::Panicked("mine".into())));
        // Nothing arrived: the next message is our own.
        ctx.handle().send(1).unwrap();
        assert_eq!(ctx.recv().await, Message::Msg(1));
        ExitReason::Normal
    });
    assert_eq!(p.wait_exit().await, ExitReason::Normal);
}

/// A task runs on its process's node: names resolve there.
#[tokio::test]
async fn a_task_runs_on_its_process_node() {
    let (_a, b) = (Node::new(), Node::new());
    let (tx, rx) = oneshot::channel();
    let p = b.spawn(|ctx: ProcessCtx<()>| async move {
        let t = ctx.spawn_task(async { Node::current().id() });
        let _ = tx.send(t.await.unwrap());
        ExitReason::Normal
    });
    assert_eq!(rx.await.unwrap(), b.id());
    assert_eq!(p.wait_exit().await, ExitReason::Normal);
}

/// Tasks that ended leave their process's set: `process_info` counts only the running ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ended_tasks_leave_nothing_behind() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let p = otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
        let handles: Vec<_> = (0..100u64)
            .map(|n| ctx.spawn_task(async move { n }))
            .collect();
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        assert_eq!(sum, 4950);
        let (started_tx, started) = oneshot::channel();
        ctx.spawn_task(forever(Dropped::default(), started_tx));
        started.await.unwrap();
        tx.send(()).unwrap();
        ctx.recv().await;
        ExitReason::Normal
    });
    rx.recv().await.unwrap();
    // The finished tasks' entries go as each ends, before its handle is told.
    assert_eq!(otp_runtime::process_info(p.pid()).unwrap().tasks, 1);
    assert_eq!(otp_runtime::process_info(p.pid()).unwrap().monitored_by, 0);
    p.send(()).unwrap();
    p.wait_exit().await;
}

/// Outside a process there is no owner.
#[tokio::test]
async fn outside_a_process_there_is_no_owner() {
    assert_eq!(otp_runtime::spawn_task(async {}).err(), Some(NotInProcess));
    assert_eq!(
        otp_runtime::spawn_linked_task(async {}).err(),
        Some(NotInProcess)
    );
}

/// A task spawned while its process is already dying never runs: a process's state dropped
/// at its death (here, a guard whose destructor spawns) cannot leave a task behind.
#[tokio::test]
async fn a_task_spawned_by_a_dying_process_never_runs() {
    struct SpawnsOnDrop(oneshot::Sender<Result<(), TaskError>>);
    impl Drop for SpawnsOnDrop {
        fn drop(&mut self) {
            let ran = Arc::new(AtomicBool::new(false));
            let r = ran.clone();
            let t = otp_runtime::spawn_task(async move { r.store(true, Ordering::SeqCst) })
                .expect("destructors run as the process");
            assert!(t.is_finished());
            let (tx, _) = oneshot::channel();
            let tx = std::mem::replace(&mut self.0, tx);
            tokio::spawn(async move {
                let _ = tx.send(t.await);
            });
            assert!(!ran.load(Ordering::SeqCst));
        }
    }
    let (tx, rx) = oneshot::channel();
    let p = otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
        let _guard = SpawnsOnDrop(tx);
        ctx.recv().await; // killed here: the guard goes with the dead process's state
        ExitReason::Normal
    });
    tokio::task::yield_now().await;
    otp_runtime::exit(p.pid(), ExitReason::Kill);
    assert_eq!(p.wait_exit().await, ExitReason::Killed);
    assert_eq!(rx.await.unwrap(), Err(TaskError::Aborted));
}

/// A task busy without awaiting (blocking code) cannot be aborted until it awaits: its
/// process's death is told anyway, within a second, so that a supervisor restarts it and a
/// shutdown ends (a kill cannot end a process that is already dead).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_stuck_in_blocking_code_does_not_keep_its_process_death_untold() {
    let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let f = finished.clone();
    let (started_tx, started) = oneshot::channel();
    let p = otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.spawn_task(async move {
            let _ = started_tx.send(());
            std::thread::sleep(Duration::from_millis(2500));
            f.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        ctx.recv().await;
        ExitReason::Normal
    });
    started.await.unwrap();
    otp_runtime::exit(p.pid(), ExitReason::Kill);
    assert_eq!(p.wait_exit().await, ExitReason::Killed);
    assert!(
        !finished.load(std::sync::atomic::Ordering::SeqCst),
        "the death waited for the blocked task"
    );
}
