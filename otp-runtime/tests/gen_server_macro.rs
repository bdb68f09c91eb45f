//! `#[gen_server]` behaviour: every kind of handler, the generated handle and start
//! functions, generics, and the OTP semantics underneath (init results, terminate, infos,
//! DOWN/EXIT, the gen_server timeout, restarts under a name).

use std::time::Duration;

use otp_runtime::prelude::*;
use tokio::sync::mpsc;

/// Everything the lifecycle server saw, for the test to check.
#[derive(Debug, PartialEq)]
enum Seen {
    Init,
    Tick(u32),
    Down(ExitReason),
    Exit(ExitReason),
    Timeout,
    Terminate(ExitReason),
}

struct Lifecycle {
    seen: mpsc::UnboundedSender<Seen>,
    refuse: Option<ExitReason>,
    ticks: u32,
}

#[gen_server]
impl Lifecycle {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        ctx.trap_exit(true);
        self.seen.send(Seen::Init).unwrap();
        match self.refuse.take() {
            Some(reason) => Init::Stop(reason),
            None => Init::Ok,
        }
    }

    /// Counts ticks (an out-of-band message, from timers or `send`).
    #[info]
    fn tick(&mut self, n: u32) {
        self.ticks += n;
        self.seen.send(Seen::Tick(n)).unwrap();
    }

    #[info(down)]
    fn down(&mut self, _monitor: MonitorRef, _pid: Pid, reason: ExitReason) {
        self.seen.send(Seen::Down(reason)).unwrap();
    }

    #[info(exit)]
    fn exit(&mut self, _from: Pid, reason: ExitReason) {
        self.seen.send(Seen::Exit(reason)).unwrap();
    }

    #[info(timeout)]
    fn idle(&mut self) {
        self.seen.send(Seen::Timeout).unwrap();
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        self.seen.send(Seen::Terminate(reason.clone())).unwrap();
    }

    #[call]
    fn ticks(&self) -> u32 {
        self.ticks
    }

    #[call]
    fn tick_later(&mut self, n: u32, after_ms: u64, ctx: &mut Ctx<Self>) {
        ctx.send_after(Duration::from_millis(after_ms), LifecycleInfo::Tick { n });
    }

    #[call]
    fn watch(&mut self, pid: Pid, ctx: &mut Ctx<Self>) -> MonitorRef {
        ctx.monitor(pid)
    }

    #[call]
    fn link_to(&mut self, pid: Pid, ctx: &mut Ctx<Self>) {
        ctx.link(pid);
    }

    #[call]
    fn go_idle(&mut self, ms: u64, ctx: &mut Ctx<Self>) {
        ctx.set_timeout(Duration::from_millis(ms));
    }

    /// Replies, then stops.
    #[call]
    fn quit(&mut self, ctx: &mut Ctx<Self>) -> &'static str {
        ctx.stop(ExitReason::shutdown_with("quit"));
        "bye"
    }

    #[cast]
    fn crash(&mut self) {
        panic!("asked to crash");
    }
}

fn lifecycle() -> (Lifecycle, mpsc::UnboundedReceiver<Seen>) {
    let (seen, rx) = mpsc::unbounded_channel();
    (
        Lifecycle {
            seen,
            refuse: None,
            ticks: 0,
        },
        rx,
    )
}

fn drain(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Vec<Seen> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

#[tokio::test]
async fn init_runs_before_start_returns() {
    let (l, mut rx) = lifecycle();
    let s = l.start().await.unwrap();
    assert_eq!(drain(&mut rx), vec![Seen::Init]);
    assert_eq!(s.ticks().await, Ok(0));
}

#[tokio::test]
async fn init_stop_is_a_start_error_and_no_terminate() {
    let (mut l, mut rx) = lifecycle();
    l.refuse = Some(ExitReason::other("no config"));
    let err = l.start().await.unwrap_err();
    assert_eq!(err, StartError::Failed(ExitReason::other("no config")));
    assert_eq!(drain(&mut rx), vec![Seen::Init]);
}

#[tokio::test(start_paused = true)]
async fn info_from_send_and_from_a_timer() {
    let (l, mut rx) = lifecycle();
    let s = l.start().await.unwrap();
    s.send(LifecycleInfo::Tick { n: 2 });
    assert_eq!(s.ticks().await, Ok(2));
    s.tick_later(5, 1000).await.unwrap();
    otp_runtime::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(s.ticks().await, Ok(7));
    assert_eq!(
        drain(&mut rx),
        vec![Seen::Init, Seen::Tick(2), Seen::Tick(5)]
    );
}

#[tokio::test]
async fn down_and_exit_reach_their_handlers() {
    let (l, mut rx) = lifecycle();
    let s = l.start().await.unwrap();
    let idle = || {
        otp_runtime::spawn(|mut c: ProcessCtx<()>| async move {
            c.recv().await;
            ExitReason::Normal
        })
    };
    let watched = idle();
    let linked = idle();
    s.watch(watched.pid()).await.unwrap();
    s.link_to(linked.pid()).await.unwrap();
    otp_runtime::exit(watched.pid(), ExitReason::other("w"));
    otp_runtime::exit(linked.pid(), ExitReason::other("l"));
    watched.wait_exit().await;
    linked.wait_exit().await;
    // A call after both: the DOWN and the EXIT were queued before it.
    assert_eq!(s.ticks().await, Ok(0));
    let seen = drain(&mut rx);
    assert!(
        seen.contains(&Seen::Down(ExitReason::other("w"))),
        "{seen:?}"
    );
    assert!(
        seen.contains(&Seen::Exit(ExitReason::other("l"))),
        "{seen:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_gen_server_timeout_reaches_info_timeout() {
    let (l, mut rx) = lifecycle();
    let s = l.start().await.unwrap();
    s.go_idle(100).await.unwrap();
    otp_runtime::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(s.ticks().await, Ok(0));
    assert_eq!(drain(&mut rx), vec![Seen::Init, Seen::Timeout]);
}

#[tokio::test]
async fn ctx_stop_in_a_call_replies_then_terminates() {
    let (l, mut rx) = lifecycle();
    let s = l.start().await.unwrap();
    assert_eq!(s.quit().await, Ok("bye"));
    assert_eq!(s.wait_exit().await, ExitReason::shutdown_with("quit"));
    assert_eq!(
        drain(&mut rx),
        vec![
            Seen::Init,
            Seen::Terminate(ExitReason::shutdown_with("quit"))
        ]
    );
}

#[tokio::test]
async fn a_panicking_cast_runs_terminate_with_the_panic() {
    let (l, mut rx) = lifecycle();
    let s = l.start().await.unwrap();
    s.crash();
    let reason = s.wait_exit().await;
    assert_eq!(reason, ExitReason::Panic("asked to crash".into()));
    assert_eq!(drain(&mut rx), vec![Seen::Init, Seen::Terminate(reason)]);
}

#[tokio::test]
async fn stop_through_the_handle() {
    let (l, mut rx) = lifecycle();
    let s = l.start().await.unwrap();
    s.stop(ExitReason::Shutdown, INFINITY).await.unwrap();
    let got = s.ticks().await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    assert_eq!(
        drain(&mut rx),
        vec![Seen::Init, Seen::Terminate(ExitReason::Shutdown)]
    );
}

// ---- names and restarts ---------------------------------------------------------------------

#[derive(Default)]
struct Store {
    items: Vec<String>,
}

#[gen_server]
impl Store {
    #[call]
    fn push(&mut self, item: String) -> usize {
        self.items.push(item);
        self.items.len()
    }

    #[call]
    fn get(&self, index: usize) -> Result<String, String> {
        self.items
            .get(index)
            .cloned()
            .ok_or_else(|| format!("no item {index}"))
    }

    #[call]
    fn pair(&self, indices: (usize, usize)) -> (Option<String>, Option<String>) {
        let (a, b) = indices;
        (self.items.get(a).cloned(), self.items.get(b).cloned())
    }
}

#[tokio::test]
async fn a_named_handle_survives_a_restart() {
    let name = "macro-store-restart";
    let first = Store::default().start_named(name).await.unwrap();
    let store = Store::named(name);
    assert_eq!(store.push("a".into()).await, Ok(1));
    assert_eq!(store.get(0).await, Ok(Ok("a".to_string())));
    assert_eq!(store.get(5).await, Ok(Err("no item 5".to_string())));
    first.stop(ExitReason::Normal, INFINITY).await.unwrap();
    let got = store.get(0).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    // A new incarnation under the same name: the named handle reaches it, the old pid-bound
    // one does not.
    Store::default().start_named(name).await.unwrap();
    assert_eq!(store.push("b".into()).await, Ok(1));
    let got = first.push("c".into()).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    assert_eq!(
        Store::default().start_named(name).await.unwrap_err(),
        StartError::AlreadyStarted(store.pid().unwrap())
    );
}

#[tokio::test]
async fn tuples_as_arguments_and_replies() {
    let s = Store::default().start().await.unwrap();
    s.push("x".into()).await.unwrap();
    assert_eq!(s.pair((0, 1)).await, Ok((Some("x".to_string()), None)));
}

#[tokio::test]
async fn start_link_from_a_process_links_the_server() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let parent = otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let s = Store::default().start_link().await.unwrap();
        tx.send(s.pid().unwrap()).unwrap();
        match ctx.recv().await {
            Message::Exit { reason, .. } => reason,
            _ => ExitReason::Normal,
        }
    });
    let server = rx.recv().await.unwrap();
    assert_eq!(otp_runtime::links(server), vec![parent.pid()]);
    otp_runtime::exit(server, ExitReason::other("gone"));
    assert_eq!(parent.wait_exit().await, ExitReason::other("gone"));
}

/// Without an `#[init]` there is nothing for `start` to wait for: it returns without
/// suspending, the server named and linked already, and a message sent at once is served.
#[tokio::test]
async fn a_server_without_init_is_started_without_a_handshake() {
    use futures_util::FutureExt;
    let s = Store::default()
        .start_named("no-handshake")
        .now_or_never()
        .expect("start suspended")
        .unwrap();
    assert_eq!(otp_runtime::whereis("no-handshake"), s.pid());
    assert_eq!(s.push("a".into()).await, Ok(1));
    // With an `#[init]`, start waits for it to run in the new process.
    let (l, _rx) = lifecycle();
    assert!(l.start().now_or_never().is_none());
}

/// A server without `init` is running from the moment it exists: killed before its first
/// poll, it died after its (empty) init, so its start succeeded and the linked starter gets
/// its `EXIT` (a server killed *during* init sends none: its start fails instead).
#[tokio::test]
async fn a_server_without_init_killed_at_once_signals_its_starter() {
    let parent = otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let s = Store::default().start_link().await.unwrap();
        let pid = s.pid().unwrap();
        otp_runtime::exit(pid, ExitReason::Kill);
        match ctx.recv().await {
            Message::Exit { from, reason } if from == pid => reason,
            _ => ExitReason::other("no EXIT from the server"),
        }
    });
    assert_eq!(parent.wait_exit().await, ExitReason::Killed);
}

// ---- generics --------------------------------------------------------------------------------

struct Cell<T> {
    value: T,
}

#[gen_server]
impl<T> Cell<T>
where
    T: Clone + Send + 'static,
{
    #[call]
    fn read(&self) -> T {
        self.value.clone()
    }

    #[cast]
    fn write(&mut self, value: T) {
        self.value = value;
    }

    #[call]
    async fn swap(&mut self, value: T) -> T {
        std::mem::replace(&mut self.value, value)
    }
}

#[tokio::test]
async fn a_generic_server() {
    let c = Cell { value: 1u8 }.start().await.unwrap();
    c.write(2);
    assert_eq!(c.read().await, Ok(2));
    assert_eq!(c.swap(3).await, Ok(2));
    let s = Cell {
        value: String::from("a"),
    }
    .start()
    .await
    .unwrap();
    assert_eq!(s.read().await, Ok("a".to_string()));
    // The generated enums carry the server's parameters.
    let _: CellCall<u8> = CellCall::Read {};
    let _: CellCast<u8> = CellCast::Write { value: 1 };
}

// ---- DOWN fields bound by name ------------------------------------------------------------------

struct Watcher {
    seen: mpsc::UnboundedSender<(Pid, ExitReason)>,
}

#[gen_server]
impl Watcher {
    /// The parameters use the field names in another order: they are bound by name.
    #[info(down)]
    fn down(&mut self, reason: ExitReason, pid: Pid, monitor: MonitorRef) {
        assert_eq!(monitor.target(), pid);
        self.seen.send((pid, reason)).unwrap();
    }

    #[call]
    fn watch(&mut self, pid: Pid, ctx: &mut Ctx<Self>) {
        ctx.monitor(pid);
    }
}

#[tokio::test]
async fn down_fields_bind_by_name_in_any_order() {
    let (seen, mut rx) = mpsc::unbounded_channel();
    let w = Watcher { seen }.start().await.unwrap();
    let target = otp_runtime::spawn(|mut c: ProcessCtx<()>| async move {
        c.recv().await;
        ExitReason::Normal
    });
    w.watch(target.pid()).await.unwrap();
    otp_runtime::exit(target.pid(), ExitReason::other("bye"));
    assert_eq!(
        rx.recv().await,
        Some((target.pid(), ExitReason::other("bye")))
    );
}

// ---- continue -----------------------------------------------------------------------------------

#[derive(Debug)]
enum Load {
    Rows(u32),
}

struct Loader {
    rows: u32,
}

#[gen_server]
impl Loader {
    /// Starts at once, loads after: `start` returns before the load runs, but no request is
    /// served before it.
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) {
        ctx.continue_with(Load::Rows(3));
    }

    #[handle_continue]
    async fn load(&mut self, what: Load, ctx: &mut Ctx<Self>) {
        let Load::Rows(n) = what;
        self.rows += n;
        if self.rows < 6 {
            ctx.continue_with(Load::Rows(n)); // chained: runs before any message too
        }
    }

    #[call]
    fn rows(&self) -> u32 {
        self.rows
    }
}

#[tokio::test]
async fn handle_continue_runs_before_any_request() {
    let l = Loader { rows: 0 }.start().await.unwrap();
    assert_eq!(l.rows().await, Ok(6));
}

/// Hands out jobs to callers waiting for one; skips callers that gave up.
#[derive(Default)]
struct JobQueue {
    waiting: Vec<ReplyTo<u32>>,
}

#[gen_server]
impl JobQueue {
    /// Waits for the next job.
    #[call]
    fn next_job(&mut self, reply: ReplyTo<u32>) {
        self.waiting.push(reply);
    }

    /// Gives `job` to the oldest caller still waiting; false if none is.
    #[call]
    fn push(&mut self, job: u32) -> bool {
        while !self.waiting.is_empty() {
            let caller = self.waiting.remove(0);
            if !caller.is_closed() {
                caller.reply(job);
                return true;
            }
        }
        false
    }
}

#[tokio::test(start_paused = true)]
async fn a_deferred_reply_knows_when_its_caller_has_given_up() {
    let queue = JobQueue::default().start().await.unwrap();
    let impatient = queue.with_timeout(Duration::from_millis(100));
    let got = impatient.next_job().await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    let patient = tokio::spawn({
        let queue = queue.clone();
        async move { queue.next_job().await }
    });
    tokio::task::yield_now().await;
    // The first job skips the caller that timed out and goes to the one still waiting.
    assert_eq!(queue.push(7).await, Ok(true));
    assert_eq!(patient.await.unwrap(), Ok(7));
    assert_eq!(queue.push(8).await, Ok(false));
}
