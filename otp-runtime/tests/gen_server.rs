//! gen_server behaviour tests, ported from Erlang/OTP's `lib/stdlib/test/gen_server_SUITE.erl`
//! (otp-semantics §A1, §A2).
//!
//! One test server, [`Probe`], plays the part of the suite's callback module: its requests ask
//! for each return value and action a gen_server callback can give, and it reports what it
//! sees (init, handled messages, timeouts, `EXIT`/`DOWN`, terminate) on a channel the test
//! owns. Tests where time matters run on tokio's paused clock, so they are instant and
//! deterministic; a few run on the multi-thread runtime to exercise cross-thread paths.
//!
//! Names are global and tests run in parallel in one process: every test uses its own names.

use std::future::Future;
use std::task::Poll;
use std::time::Duration;

use otp_runtime::prelude::*;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

// ---- the test server ---------------------------------------------------------------------------

/// What the server reports to the test.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Ev {
    Init(Pid),
    Whereis(Option<Pid>),
    Parent(Option<Pid>),
    /// A tagged step (a handled info, a handler that started waiting, …).
    Step(&'static str),
    Cast(u32),
    Continue(&'static str),
    Timeout,
    Exit(Pid, ExitReason),
    Down(MonitorRef, Pid, ExitReason),
    Terminate(ExitReason),
}

/// What `init` does after reporting `Ev::Init`.
#[derive(Clone)]
enum InitMode {
    Ok,
    Ignore,
    Stop(ExitReason),
    Panic,
    Sleep(Duration),
    Whereis(String),
    Parent,
    Continue,
    Timeout(Duration),
}

#[derive(Debug)]
enum Call {
    Ping,
    Echo(u32),
    Id,
    Sleep(Duration),
    Stop(ExitReason),
    StopReply(ExitReason),
    Panic,
    /// Never returns.
    Hang,
    /// Waits for the test's gate, then panics.
    GateThenPanic,
    /// Answers `n * 2` from another process.
    DeferToProcess(u32),
    /// OTP `{delayed_answer, T}`: no reply now, the gen_server timeout answers `Delayed`.
    DelayedAnswer(Duration),
    /// OTP `{call_within, T}` / `next_call`.
    Within(Duration),
    Next,
    /// Calls and stops itself every way it can, with its name if it has one.
    Myself(Option<String>),
    Monitor(Pid),
    Link(Pid),
    SetTimeout(Duration),
    /// Sends itself a message, then asks for a zero gen_server timeout.
    TimeoutZeroWithMsg,
    ContinueReply,
    /// Replies from `handle_continue`.
    ContinueNoReply,
    /// Returns `NoReply` without taking the reply handle: nobody ever answers.
    NoReplyDropped,
    /// Takes the reply handle and drops it.
    DeferAndDrop,
    Parent,
    Hibernate,
    IsHibernating,
    SendAfter(Duration, &'static str),
    SendAfterThenCancel(Duration),
}

#[derive(PartialEq, Eq, Debug)]
enum Rep {
    Ok,
    Pong,
    N(u32),
    Bool(bool),
    Delayed,
    Mon(MonitorRef),
    Parent(Option<Pid>),
    Results(Vec<Result<(), CallError>>),
}

#[derive(Debug)]
enum Cast {
    Note(u32),
    Stop(ExitReason),
    SetTimeout(Duration),
    TimeoutZeroWithMsg,
    ContinueNoReply,
    Hang,
    Panic,
}

#[derive(Debug)]
enum Msg {
    Note(&'static str),
    Stop(ExitReason),
    SetTimeout(Duration),
    AfterContinue,
    ContinueNoReply,
    ContinueContinue,
    ContinueStop,
    ContinueTimeout(Duration),
    /// OTP `{From, delayed_info, T}`.
    DelayedInfo(Duration),
}

enum Cont {
    Message,
    MessageReply(ReplyTo<Rep>),
    Chain,
    Stop,
    SetTimeout(Duration),
}

struct Probe {
    ev: mpsc::UnboundedSender<Ev>,
    init: InitMode,
    init_gate: Option<oneshot::Receiver<()>>,
    trap: bool,
    id: u32,
    pending: Option<ReplyTo<Rep>>,
    call_within: bool,
    delayed_info: bool,
    call_gate: Option<oneshot::Receiver<()>>,
    terminate_gate: Option<oneshot::Receiver<()>>,
    terminate_panics: bool,
    /// Blocks the thread that drops the server's state (after the process is marked dead).
    slow_drop: Option<Duration>,
}

impl Drop for Probe {
    fn drop(&mut self) {
        if let Some(d) = self.slow_drop {
            self.emit(Ev::Step("dropping"));
            std::thread::sleep(d);
        }
    }
}

type Events = mpsc::UnboundedReceiver<Ev>;

fn probe() -> (Probe, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    let p = Probe {
        ev: tx,
        init: InitMode::Ok,
        init_gate: None,
        trap: false,
        id: 0,
        pending: None,
        call_within: false,
        delayed_info: false,
        call_gate: None,
        terminate_gate: None,
        terminate_panics: false,
        slow_drop: None,
    };
    (p, rx)
}

impl Probe {
    fn init_mode(mut self, m: InitMode) -> Self {
        self.init = m;
        self
    }
    fn trapping(mut self) -> Self {
        self.trap = true;
        self
    }
    fn id(mut self, id: u32) -> Self {
        self.id = id;
        self
    }
    fn emit(&self, e: Ev) {
        let _ = self.ev.send(e);
    }
}

impl GenServer for Probe {
    type Call = Call;
    type Reply = Rep;
    type Cast = Cast;
    type Info = Msg;
    type Continue = Cont;

    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        self.emit(Ev::Init(ctx.pid()));
        if self.trap {
            ctx.trap_exit(true);
        }
        if let Some(gate) = self.init_gate.take() {
            let _ = gate.await;
        }
        match std::mem::replace(&mut self.init, InitMode::Ok) {
            InitMode::Ok => Init::Ok,
            InitMode::Ignore => Init::Ignore,
            InitMode::Stop(r) => Init::Stop(r),
            InitMode::Panic => panic!("init boom"),
            InitMode::Sleep(d) => {
                otp_runtime::time::sleep(d).await;
                Init::Ok
            }
            InitMode::Whereis(name) => {
                self.emit(Ev::Whereis(otp_runtime::whereis(&name)));
                Init::Ok
            }
            InitMode::Parent => {
                self.emit(Ev::Parent(ctx.parent()));
                Init::Ok
            }
            InitMode::Continue => {
                ctx.handle().send(Msg::AfterContinue);
                ctx.continue_with(Cont::Message);
                Init::Ok
            }
            InitMode::Timeout(d) => {
                ctx.set_timeout(d);
                Init::Ok
            }
        }
    }

    async fn handle_call(&mut self, req: Call, ctx: &mut Ctx<Self>) -> CallResult<Rep> {
        match req {
            Call::Ping => CallResult::Reply(Rep::Pong),
            Call::Echo(n) => CallResult::Reply(Rep::N(n)),
            Call::Id => CallResult::Reply(Rep::N(self.id)),
            Call::Sleep(d) => {
                otp_runtime::time::sleep(d).await;
                CallResult::Reply(Rep::Ok)
            }
            Call::Stop(r) => CallResult::Stop(r),
            Call::StopReply(r) => CallResult::StopReply(r, Rep::Ok),
            Call::Panic => panic!("call boom"),
            Call::Hang => {
                self.emit(Ev::Step("hang"));
                std::future::pending().await
            }
            Call::GateThenPanic => {
                self.emit(Ev::Step("waiting"));
                if let Some(gate) = self.call_gate.take() {
                    let _ = gate.await;
                }
                panic!("boom after gate")
            }
            Call::DeferToProcess(n) => {
                let reply_to = ctx.defer_reply().expect("a reply handle in handle_call");
                otp_runtime::spawn(move |_c: ProcessCtx<()>| async move {
                    reply_to.reply(Rep::N(n * 2));
                    ExitReason::Normal
                });
                CallResult::NoReply
            }
            Call::DelayedAnswer(d) => {
                self.pending = ctx.defer_reply();
                ctx.set_timeout(d);
                CallResult::NoReply
            }
            Call::Within(d) => {
                self.call_within = true;
                ctx.set_timeout(d);
                CallResult::Reply(Rep::Ok)
            }
            Call::Next => CallResult::Reply(Rep::Bool(std::mem::take(&mut self.call_within))),
            Call::Myself(name) => {
                let me = ctx.handle();
                let mut results = vec![
                    me.call(Call::Ping).await.map(drop),
                    me.call_timeout(Call::Ping, INFINITY).await.map(drop),
                    me.stop(ExitReason::Normal, INFINITY).await,
                ];
                if let Some(name) = name {
                    let named = ServerRef::<Probe>::named(name);
                    results.push(named.call(Call::Ping).await.map(drop));
                    results.push(named.stop(ExitReason::Normal, INFINITY).await);
                }
                CallResult::Reply(Rep::Results(results))
            }
            Call::Monitor(pid) => CallResult::Reply(Rep::Mon(ctx.monitor(pid))),
            Call::Link(pid) => {
                ctx.link(pid);
                CallResult::Reply(Rep::Ok)
            }
            Call::SetTimeout(d) => {
                ctx.set_timeout(d);
                CallResult::Reply(Rep::Ok)
            }
            Call::TimeoutZeroWithMsg => {
                ctx.handle().send(Msg::Note("after_timeout_zero"));
                ctx.set_timeout(Duration::ZERO);
                CallResult::Reply(Rep::Ok)
            }
            Call::ContinueReply => {
                ctx.handle().send(Msg::AfterContinue);
                ctx.continue_with(Cont::Message);
                CallResult::Reply(Rep::Ok)
            }
            Call::ContinueNoReply => {
                let reply_to = ctx.defer_reply().expect("a reply handle in handle_call");
                ctx.handle().send(Msg::AfterContinue);
                ctx.continue_with(Cont::MessageReply(reply_to));
                CallResult::NoReply
            }
            Call::NoReplyDropped => CallResult::NoReply,
            Call::DeferAndDrop => {
                drop(ctx.defer_reply());
                CallResult::NoReply
            }
            Call::Parent => CallResult::Reply(Rep::Parent(ctx.parent())),
            Call::Hibernate => {
                ctx.hibernate();
                CallResult::Reply(Rep::Bool(ctx.hibernating()))
            }
            Call::IsHibernating => CallResult::Reply(Rep::Bool(ctx.hibernating())),
            Call::SendAfter(d, tag) => {
                ctx.send_after(d, Msg::Note(tag));
                CallResult::Reply(Rep::Ok)
            }
            Call::SendAfterThenCancel(d) => {
                let t = ctx.send_after(d, Msg::Note("cancelled timer"));
                CallResult::Reply(Rep::Bool(ctx.cancel_timer(t)))
            }
        }
    }

    async fn handle_cast(&mut self, msg: Cast, ctx: &mut Ctx<Self>) -> Outcome {
        match msg {
            Cast::Note(n) => self.emit(Ev::Cast(n)),
            Cast::Stop(r) => return Outcome::Stop(r),
            Cast::SetTimeout(d) => ctx.set_timeout(d),
            Cast::TimeoutZeroWithMsg => {
                ctx.handle().send(Msg::Note("after_timeout_zero"));
                ctx.set_timeout(Duration::ZERO);
            }
            Cast::ContinueNoReply => {
                ctx.handle().send(Msg::AfterContinue);
                ctx.continue_with(Cont::Message);
            }
            Cast::Hang => {
                self.emit(Ev::Step("hang"));
                std::future::pending::<()>().await;
            }
            Cast::Panic => panic!("cast boom"),
        }
        Outcome::NoReply
    }

    async fn handle_info(&mut self, info: Info<Msg>, ctx: &mut Ctx<Self>) -> Outcome {
        match info {
            Info::Msg(Msg::Note(tag)) => self.emit(Ev::Step(tag)),
            Info::Msg(Msg::Stop(r)) => return Outcome::Stop(r),
            Info::Msg(Msg::SetTimeout(d)) => ctx.set_timeout(d),
            Info::Msg(Msg::AfterContinue) => self.emit(Ev::Step("after_continue")),
            Info::Msg(Msg::ContinueNoReply) => {
                ctx.handle().send(Msg::AfterContinue);
                ctx.continue_with(Cont::Message);
            }
            Info::Msg(Msg::ContinueContinue) => ctx.continue_with(Cont::Chain),
            Info::Msg(Msg::ContinueStop) => ctx.continue_with(Cont::Stop),
            Info::Msg(Msg::ContinueTimeout(d)) => ctx.continue_with(Cont::SetTimeout(d)),
            Info::Msg(Msg::DelayedInfo(d)) => {
                self.delayed_info = true;
                ctx.set_timeout(d);
            }
            Info::Timeout => {
                self.emit(Ev::Timeout);
                self.call_within = false;
                if let Some(reply_to) = self.pending.take() {
                    reply_to.reply(Rep::Delayed);
                }
                if std::mem::take(&mut self.delayed_info) {
                    self.emit(Ev::Step("delayed_info"));
                }
            }
            Info::Exit { from, reason } => self.emit(Ev::Exit(from, reason)),
            Info::Down {
                monitor,
                pid,
                reason,
            } => self.emit(Ev::Down(monitor, pid, reason)),
        }
        Outcome::NoReply
    }

    async fn handle_continue(&mut self, cont: Cont, ctx: &mut Ctx<Self>) -> Outcome {
        match cont {
            Cont::Message => self.emit(Ev::Continue("continue")),
            Cont::MessageReply(reply_to) => {
                self.emit(Ev::Continue("continue"));
                reply_to.reply(Rep::Ok);
            }
            Cont::Chain => {
                self.emit(Ev::Continue("before_continue"));
                ctx.handle().send(Msg::AfterContinue);
                ctx.continue_with(Cont::Message);
            }
            Cont::Stop => return Outcome::Stop(ExitReason::Normal),
            Cont::SetTimeout(d) => ctx.set_timeout(d),
        }
        Outcome::NoReply
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Ctx<Self>) {
        self.emit(Ev::Terminate(reason.clone()));
        if let Some(gate) = self.terminate_gate.take() {
            let _ = gate.await;
        }
        if self.terminate_panics {
            panic!("terminate boom");
        }
    }
}

/// A second server type, for handles of the wrong type.
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

// ---- helpers -----------------------------------------------------------------------------------

/// A registered name of this suite; `tag` is unique per test.
fn name(tag: &str) -> String {
    format!("gen_server_SUITE.{tag}")
}

/// The next event; fails the test if none comes within 10 s (instant on the paused clock).
async fn next_ev(rx: &mut Events) -> Ev {
    match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
        Ok(Some(ev)) => ev,
        Ok(None) => panic!("the server is gone and sent no more events"),
        Err(_) => panic!("no event within 10 s"),
    }
}

/// Skips the `Init` event and returns the server's pid.
async fn init_pid(rx: &mut Events) -> Pid {
    match next_ev(rx).await {
        Ev::Init(pid) => pid,
        other => panic!("expected Init, got {other:?}"),
    }
}

/// The events already sent.
fn drain(rx: &mut Events) -> Vec<Ev> {
    let mut v = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        v.push(ev);
    }
    v
}

/// Asserts that no event arrives within `d`.
async fn no_ev_within(rx: &mut Events, d: Duration) {
    otp_runtime::time::sleep(d).await;
    assert_eq!(drain(rx), vec![], "unexpected events");
}

/// Starts waiting for `pid`'s exit now (the waiter is registered before this returns), and
/// gives a task that yields its reason.
async fn watch(pid: Pid) -> tokio::task::JoinHandle<ExitReason> {
    let mut fut = Box::pin(otp_runtime::wait_exit(pid));
    let first = std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await;
    match first {
        Poll::Ready(reason) => tokio::spawn(async move { reason }),
        Poll::Pending => tokio::spawn(fut),
    }
}

/// Runs `f` as the body of a new process and returns the process's exit reason: `Normal` if
/// `f` completed, `Panic(msg)` if an assertion in it failed.
async fn in_process<M, F, Fut>(f: F) -> ExitReason
where
    M: Send + 'static,
    F: FnOnce(ProcessCtx<M>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    otp_runtime::spawn(move |ctx: ProcessCtx<M>| {
        let body = f(ctx);
        async move {
            body.await;
            ExitReason::Normal
        }
    })
    .wait_exit()
    .await
}

/// A raw process that exits with the reason it is sent.
fn exits_on_request() -> ProcessRef<ExitReason> {
    otp_runtime::spawn(|mut ctx: ProcessCtx<ExitReason>| async move {
        match ctx.recv().await {
            Message::Msg(reason) => reason,
            other => ExitReason::other(format!("unexpected {other:?}")),
        }
    })
}

/// A parent process that starts `server` linked, hands out its handle, then exits with the
/// reason it is sent.
async fn linked_parent(server: Probe) -> (ProcessRef<ExitReason>, ServerRef<Probe>) {
    let (tx, rx) = oneshot::channel();
    let parent = otp_runtime::spawn(move |mut ctx: ProcessCtx<ExitReason>| async move {
        let s = server.start_link().await.expect("start_link");
        let _ = tx.send(s);
        match ctx.recv().await {
            Message::Msg(reason) => reason,
            other => ExitReason::other(format!("unexpected {other:?}")),
        }
    });
    (parent, rx.await.expect("the parent started the server"))
}

fn stopped() -> ExitReason {
    ExitReason::other("stopped")
}

// ---- start -------------------------------------------------------------------------------------

/// `start/1`, anonymous: start, call, stop with `{stop, stopped, ok, S}`, then `noproc`.
#[tokio::test(start_paused = true)]
async fn start_anonymous() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let pid = init_pid(&mut rx).await;
    assert_eq!(s.pid(), Some(pid));
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
    assert_eq!(s.call(Call::StopReply(stopped())).await, Ok(Rep::Ok));
    assert_eq!(s.wait_exit().await, stopped());
    assert!(!otp_runtime::is_alive(pid));
    let got = s.call_timeout(Call::Ping, Duration::from_millis(1)).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    assert_eq!(drain(&mut rx), vec![Ev::Terminate(stopped())]);
}

/// `start/1`, anonymous with a start timeout that `init` meets.
#[tokio::test(start_paused = true)]
async fn start_with_timeout_that_init_meets() {
    let (p, _rx) = probe();
    let s = p
        .start_with(StartOpts::new().timeout(Duration::from_secs(1)))
        .await
        .unwrap();
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
    assert_eq!(s.call(Call::StopReply(stopped())).await, Ok(Rep::Ok));
    assert_eq!(s.wait_exit().await, stopped());
}

/// `start/1`: `init` sleeping past `{timeout, 100}` gives `{error, timeout}`; the process is
/// killed.
#[tokio::test(start_paused = true)]
async fn start_timeout_kills_slow_init() {
    let (p, mut rx) = probe();
    let t0 = Instant::now();
    let r = p
        .init_mode(InitMode::Sleep(Duration::from_secs(1)))
        .start_with(StartOpts::new().timeout(Duration::from_millis(100)))
        .await;
    assert_eq!(r.unwrap_err(), StartError::Timeout);
    assert!(
        t0.elapsed() < Duration::from_secs(1),
        "start waited for init"
    );
    let pid = init_pid(&mut rx).await;
    assert!(!otp_runtime::is_alive(pid));
    // Killed: terminate never ran.
    assert_eq!(drain(&mut rx), vec![]);
}

/// Starts a probe whose `init` does `mode` and fails: what `start` returned, the process's
/// exit reason, and the events after init. The gate holds init until the exit is watched.
async fn failed_start(mode: InitMode) -> (StartError, ExitReason, Vec<Ev>) {
    let (mut p, mut rx) = probe();
    let (gate, gate_rx) = oneshot::channel();
    p.init_gate = Some(gate_rx);
    let start = tokio::spawn(p.init_mode(mode).start());
    let pid = init_pid(&mut rx).await;
    let exit = watch(pid).await;
    gate.send(()).unwrap();
    let error = start.await.unwrap().unwrap_err();
    // OTP 26: once start has returned the failure, the process is dead.
    assert!(!otp_runtime::is_alive(pid));
    (error, exit.await.unwrap(), drain(&mut rx))
}

/// `start/1`: `init` returning `ignore` gives `ignore`; the process exits `normal`.
#[tokio::test(start_paused = true)]
async fn start_init_ignore() {
    let (error, exit, events) = failed_start(InitMode::Ignore).await;
    assert_eq!(error, StartError::Ignored);
    assert_eq!(exit, ExitReason::Normal);
    assert_eq!(events, vec![], "terminate must not run after init");
}

/// `start/1`: `init` returning `{stop, stopped}` gives `{error, stopped}`; the process exits
/// with `stopped`.
#[tokio::test(start_paused = true)]
async fn start_init_stop() {
    let (error, exit, events) = failed_start(InitMode::Stop(stopped())).await;
    assert_eq!(error, StartError::Failed(stopped()));
    assert_eq!(exit, stopped());
    assert_eq!(events, vec![]);
}

/// `loop_start_fail`'s `{crash, error, bailout}`: a panic in `init` is a failed start.
#[tokio::test(start_paused = true)]
async fn start_init_panic() {
    let (error, exit, _) = failed_start(InitMode::Panic).await;
    let boom = ExitReason::Panic("init boom".into());
    assert_eq!(error, StartError::Failed(boom.clone()));
    assert_eq!(exit, boom);
}

/// `start/1`, anonymous linked: the caller is the parent, and gets `{'EXIT', Pid, stopped}`.
#[tokio::test(start_paused = true)]
async fn start_link_from_process() {
    let (p, mut rx) = probe();
    let r = in_process(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let me = ctx.pid();
        let s = p.start_link().await.unwrap();
        let spid = s.pid().unwrap();
        assert_eq!(s.call(Call::Parent).await, Ok(Rep::Parent(Some(me))));
        assert!(otp_runtime::links(me).contains(&spid));
        assert!(otp_runtime::links(spid).contains(&me));
        assert_eq!(s.call(Call::StopReply(stopped())).await, Ok(Rep::Ok));
        let msg = ctx.recv_timeout(Duration::from_secs(5)).await;
        assert_eq!(
            msg,
            Some(Message::Exit {
                from: spid,
                reason: stopped()
            })
        );
    })
    .await;
    assert_eq!(r, ExitReason::Normal);
    let _ = init_pid(&mut rx).await;
    assert_eq!(drain(&mut rx), vec![Ev::Terminate(stopped())]);
}

/// Outside a process there is nobody to link to: no parent.
#[tokio::test(start_paused = true)]
async fn start_link_outside_process_has_no_parent() {
    let (p, mut rx) = probe();
    let s = p.init_mode(InitMode::Parent).start_link().await.unwrap();
    let _ = init_pid(&mut rx).await;
    assert_eq!(next_ev(&mut rx).await, Ev::Parent(None));
    assert_eq!(s.call(Call::Parent).await, Ok(Rep::Parent(None)));
}

/// `start/1`, local register: `{error, {already_started, Pid}}` for a taken name; after the
/// stop the name is free and the pid `noproc`.
#[tokio::test(start_paused = true)]
async fn start_named_and_already_started() {
    let n = name("start_named");
    let (p, _rx) = probe();
    let s = p.start_with(StartOpts::new().name(&*n)).await.unwrap();
    let pid = s.pid().unwrap();
    assert_eq!(otp_runtime::whereis(&n), Some(pid));
    let named = ServerRef::<Probe>::named(&*n);
    assert_eq!(named.call(Call::Ping).await, Ok(Rep::Pong));

    let (p2, mut rx2) = probe();
    assert_eq!(
        p2.start_with(StartOpts::new().name(&*n)).await.unwrap_err(),
        StartError::AlreadyStarted(pid)
    );
    // The second server never ran.
    assert_eq!(drain(&mut rx2), vec![]);
    // Linked or not, the answer is the same.
    let (p3, _rx3) = probe();
    assert_eq!(
        p3.start_with(StartOpts::new().name(&*n).link())
            .await
            .unwrap_err(),
        StartError::AlreadyStarted(pid)
    );

    assert_eq!(named.call(Call::StopReply(stopped())).await, Ok(Rep::Ok));
    assert_eq!(s.wait_exit().await, stopped());
    assert_eq!(otp_runtime::whereis(&n), None);
    let got = s.call(Call::Ping).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    let got = named.call(Call::Ping).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}

/// The name is registered before `init` runs (OTP registers, then calls `init/1`).
#[tokio::test(start_paused = true)]
async fn start_named_registers_before_init() {
    let n = name("registers_before_init");
    let (p, mut rx) = probe();
    let s = p
        .init_mode(InitMode::Whereis(n.clone()))
        .start_with(StartOpts::new().name(&*n))
        .await
        .unwrap();
    let pid = init_pid(&mut rx).await;
    assert_eq!(next_ev(&mut rx).await, Ev::Whereis(Some(pid)));
    s.stop(ExitReason::Normal, INFINITY).await.unwrap();
}

/// The failures `loop_start_fail` cycles through, with what `start` must return.
fn failing_starts() -> Vec<(InitMode, StartOpts, StartError)> {
    let mut v = failing_inits();
    v.push(slow_init());
    v
}

/// `{wait, 1000, void}` with `{timeout, 200}`.
fn slow_init() -> (InitMode, StartOpts, StartError) {
    (
        InitMode::Sleep(Duration::from_secs(1)),
        StartOpts::new().timeout(Duration::from_millis(200)),
        StartError::Timeout,
    )
}

/// The failures `init` itself reports.
fn failing_inits() -> Vec<(InitMode, StartOpts, StartError)> {
    vec![
        (
            InitMode::Stop(ExitReason::other("failed_to_start")),
            StartOpts::new(),
            StartError::Failed(ExitReason::other("failed_to_start")),
        ),
        (InitMode::Ignore, StartOpts::new(), StartError::Ignored),
        (
            InitMode::Panic,
            StartOpts::new(),
            StartError::Failed(ExitReason::Panic("init boom".into())),
        ),
    ]
}

/// `loop_start_fail` with `start`: each failed start leaves the process dead and its name
/// free, so the next attempt can take the name at once.
#[tokio::test(start_paused = true)]
async fn loop_start_fail_unlinked() {
    let n = name("loop_start_fail_unlinked");
    for _ in 0..5 {
        for (mode, opts, expected) in failing_starts() {
            let (p, mut rx) = probe();
            let r = p.init_mode(mode).start_with(opts.name(&*n)).await;
            assert_eq!(r.unwrap_err(), expected);
            let pid = init_pid(&mut rx).await;
            assert!(!otp_runtime::is_alive(pid), "{expected:?}: still alive");
            assert_eq!(otp_runtime::whereis(&n), None, "{expected:?}: name taken");
        }
    }
    // And a good start takes the name.
    let (p, _rx) = probe();
    let s = p.start_with(StartOpts::new().name(&*n)).await.unwrap();
    assert_eq!(otp_runtime::whereis(&n), s.pid());
}

/// `loop_start_fail` with `start_link` from a starter that does not trap exits: a failed
/// start never kills the starter (OTP 26 unlinks before reporting).
#[tokio::test(start_paused = true)]
async fn loop_start_fail_linked_starter_survives() {
    loop_start_fail_linked_survives(name("loop_start_fail_linked"), failing_inits()).await;
}

/// `loop_start_fail`'s `{wait, 1000, void}` with `{timeout, 200}` and `start_link`: the
/// server is killed, but the starter is not (OTP 26: unlink, kill, flush the `'EXIT'`).
#[tokio::test(start_paused = true)]
async fn loop_start_fail_linked_timeout_starter_survives() {
    loop_start_fail_linked_survives(name("loop_start_fail_linked_tmo"), vec![slow_init()]).await;
}

async fn loop_start_fail_linked_survives(n: String, cases: Vec<(InitMode, StartOpts, StartError)>) {
    let r = in_process(move |ctx: ProcessCtx<()>| async move {
        let me = ctx.pid();
        for _ in 0..5 {
            for (mode, opts, expected) in cases.iter().cloned() {
                let (p, mut rx) = probe();
                let r = p.init_mode(mode).start_with(opts.name(&*n).link()).await;
                assert_eq!(r.unwrap_err(), expected);
                let pid = init_pid(&mut rx).await;
                assert!(!otp_runtime::is_alive(pid), "{expected:?}: still alive");
                assert_eq!(otp_runtime::whereis(&n), None, "{expected:?}: name taken");
                assert!(!otp_runtime::links(me).contains(&pid));
                // Give a pending exit signal its chance to act.
                otp_runtime::time::sleep(Duration::from_millis(1)).await;
            }
        }
    })
    .await;
    assert_eq!(r, ExitReason::Normal, "the starter was killed");
}

/// `loop_start_fail` with a starter that traps exits: once `start` has returned a failure,
/// the `'EXIT'` from the failed server has been consumed; none reaches the mailbox.
#[tokio::test(start_paused = true)]
async fn loop_start_fail_linked_trapping_starter_gets_no_exit() {
    loop_start_fail_linked_no_exit(name("loop_start_fail_trapping"), failing_inits()).await;
}

/// As above, for a start timeout.
#[tokio::test(start_paused = true)]
async fn loop_start_fail_linked_timeout_trapping_starter_gets_no_exit() {
    loop_start_fail_linked_no_exit(name("loop_start_fail_trapping_tmo"), vec![slow_init()]).await;
}

async fn loop_start_fail_linked_no_exit(n: String, cases: Vec<(InitMode, StartOpts, StartError)>) {
    let r = in_process(move |mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        for _ in 0..5 {
            for (mode, opts, expected) in cases.iter().cloned() {
                let (p, _rx) = probe();
                let r = p.init_mode(mode).start_with(opts.name(&*n).link()).await;
                assert_eq!(r.unwrap_err(), expected);
                assert_eq!(
                    ctx.recv_timeout(Duration::from_millis(10)).await,
                    None,
                    "{expected:?}: an EXIT reached the starter"
                );
            }
        }
    })
    .await;
    assert_eq!(r, ExitReason::Normal);
}

// ---- stop (stop1–stop7) ------------------------------------------------------------------------

/// `stop1`: anonymous, reason `normal`; a second stop gives `noproc`.
#[tokio::test(start_paused = true)]
async fn stop1_normal_then_noproc() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let pid = init_pid(&mut rx).await;
    assert_eq!(s.stop(ExitReason::Normal, INFINITY).await, Ok(()));
    assert!(!otp_runtime::is_alive(pid));
    assert_eq!(drain(&mut rx), vec![Ev::Terminate(ExitReason::Normal)]);
    let got = s.stop(ExitReason::Normal, INFINITY).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}

/// `stop2`: anonymous, another reason; `terminate` gets it and the process exits with it.
#[tokio::test(start_paused = true)]
async fn stop2_other_reason() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let pid = init_pid(&mut rx).await;
    let reason = ExitReason::other("other_reason");
    let exit = watch(pid).await;
    assert_eq!(s.stop(reason.clone(), INFINITY).await, Ok(()));
    assert!(!otp_runtime::is_alive(pid));
    assert_eq!(exit.await.unwrap(), reason);
    assert_eq!(drain(&mut rx), vec![Ev::Terminate(reason)]);
}

/// `stop4`: by registered name; the name is freed; a second stop by name gives `noproc`.
#[tokio::test(start_paused = true)]
async fn stop4_named() {
    let n = name("stop4");
    let (p, _rx) = probe();
    let s = p.start_with(StartOpts::new().name(&*n)).await.unwrap();
    let named = ServerRef::<Probe>::named(&*n);
    assert_eq!(named.stop(ExitReason::Normal, INFINITY).await, Ok(()));
    assert!(!otp_runtime::is_alive(s.pid().unwrap()));
    assert_eq!(otp_runtime::whereis(&n), None);
    let got = named.stop(ExitReason::Normal, INFINITY).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}

/// `stop/3` with a timeout on a server stuck in a handler: `timeout`, and the server lives.
#[tokio::test(start_paused = true)]
async fn stop_timeout_on_stuck_server() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let pid = init_pid(&mut rx).await;
    s.cast(Cast::Hang);
    assert_eq!(next_ev(&mut rx).await, Ev::Step("hang"));
    let t0 = Instant::now();
    let got = s.stop(ExitReason::Normal, Duration::from_millis(500)).await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert!(t0.elapsed() >= Duration::from_millis(500));
    assert!(otp_runtime::is_alive(pid));
    otp_runtime::exit(pid, ExitReason::Kill);
    assert_eq!(s.wait_exit().await, ExitReason::Killed);
    assert_eq!(drain(&mut rx), vec![], "killed: no terminate");
}

/// `stop` is handled after the messages already queued.
#[tokio::test(start_paused = true)]
async fn stop_after_queued_messages() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let _ = init_pid(&mut rx).await;
    for n in 1..=3 {
        s.cast(Cast::Note(n));
    }
    assert_eq!(s.stop(ExitReason::Shutdown, INFINITY).await, Ok(()));
    assert_eq!(
        drain(&mut rx),
        vec![
            Ev::Cast(1),
            Ev::Cast(2),
            Ev::Cast(3),
            Ev::Terminate(ExitReason::Shutdown)
        ]
    );
}

/// A `terminate` that crashes replaces the reason; `stop` reports the reason the server
/// really died with.
#[tokio::test(start_paused = true)]
async fn stop_reports_terminate_crash() {
    let (mut p, _rx) = probe();
    p.terminate_panics = true;
    let s = p.start().await.unwrap();
    let boom = ExitReason::Panic("terminate boom".into());
    assert_eq!(
        s.stop(ExitReason::Normal, INFINITY).await,
        Err(CallError::Exited(boom.clone()))
    );
    assert_eq!(s.wait_exit().await, boom);
}

// ---- crash -------------------------------------------------------------------------------------

/// `crash/1`: a crash in `handle_call` reaches the caller at once as the server's exit reason;
/// `terminate` runs with it.
#[tokio::test(start_paused = true)]
async fn crash_in_handle_call() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let pid = init_pid(&mut rx).await;
    let boom = ExitReason::Panic("call boom".into());
    let t0 = Instant::now();
    assert_eq!(
        s.call(Call::Panic).await,
        Err(CallError::Exited(boom.clone()))
    );
    assert_eq!(
        t0.elapsed(),
        Duration::ZERO,
        "the caller waited for its timeout"
    );
    assert_eq!(s.wait_exit().await, boom);
    assert!(!otp_runtime::is_alive(pid));
    assert_eq!(drain(&mut rx), vec![Ev::Terminate(boom)]);
    let got = s.call(Call::Ping).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}

/// `crash/1`'s stops without a reply: `{stop, {shutdown, stop_reason}, S}`,
/// `{stop, shutdown, S}`, … reach the caller at once as the server's exit reason.
#[tokio::test(start_paused = true)]
async fn crash_stop_reason_reaches_caller() {
    for reason in stop_reasons() {
        let (p, mut rx) = probe();
        let s = p.start().await.unwrap();
        let _ = init_pid(&mut rx).await;
        let t0 = Instant::now();
        assert_eq!(
            s.call(Call::Stop(reason.clone())).await,
            Err(CallError::Exited(reason.clone()))
        );
        assert_eq!(t0.elapsed(), Duration::ZERO);
        assert_eq!(s.wait_exit().await, reason);
        assert_eq!(drain(&mut rx), vec![Ev::Terminate(reason)]);
    }
}

fn stop_reasons() -> [ExitReason; 4] {
    [
        ExitReason::shutdown_with("stop_reason"),
        ExitReason::Shutdown,
        ExitReason::Normal,
        ExitReason::other("stopped"),
    ]
}

/// `crash/1` with `start_link`: the linked, trapping parent gets `{'EXIT', Pid, Reason}`.
#[tokio::test(start_paused = true)]
async fn crash_stop_reason_reaches_linked_parent() {
    let r = in_process(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        for reason in stop_reasons() {
            let (p, mut rx) = probe();
            let s = p.start_link().await.unwrap();
            let spid = s.pid().unwrap();
            assert_eq!(
                s.call(Call::Stop(reason.clone())).await,
                Err(CallError::Exited(reason.clone()))
            );
            assert_eq!(
                ctx.recv_timeout(Duration::from_secs(1)).await,
                Some(Message::Exit {
                    from: spid,
                    reason: reason.clone()
                })
            );
            let _ = init_pid(&mut rx).await;
            assert_eq!(drain(&mut rx), vec![Ev::Terminate(reason)]);
        }
    })
    .await;
    assert_eq!(r, ExitReason::Normal);
}

/// A crash in `handle_cast` runs `terminate` with the panic and the server exits with it.
#[tokio::test(start_paused = true)]
async fn crash_in_handle_cast() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let _ = init_pid(&mut rx).await;
    s.cast(Cast::Panic);
    let boom = ExitReason::Panic("cast boom".into());
    assert_eq!(s.wait_exit().await, boom);
    assert_eq!(drain(&mut rx), vec![Ev::Terminate(boom)]);
}

/// A server killed during a call: the caller gets `killed` at once; no `terminate`.
#[tokio::test(start_paused = true)]
async fn killed_during_call() {
    let (p, mut rx) = probe();
    let s = p.trapping().start().await.unwrap();
    let pid = init_pid(&mut rx).await;
    let t0 = Instant::now();
    let (answer, ()) = tokio::join!(s.call(Call::Hang), async {
        assert_eq!(next_ev(&mut rx).await, Ev::Step("hang"));
        otp_runtime::exit(pid, ExitReason::Kill);
    });
    assert_eq!(answer, Err(CallError::Exited(ExitReason::Killed)));
    assert_eq!(t0.elapsed(), Duration::ZERO);
    assert_eq!(
        drain(&mut rx),
        vec![],
        "kill cannot be trapped: no terminate"
    );
}

/// `call_remote1`-like: after `exit(Pid, boom)` a call gives `noproc` or `boom`.
#[tokio::test(start_paused = true)]
async fn call_after_exit_signal() {
    let (p, _rx) = probe();
    let s = p.start().await.unwrap();
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
    let boom = ExitReason::other("boom");
    otp_runtime::exit(s.pid().unwrap(), boom.clone());
    let r = s.call_timeout(Call::Ping, INFINITY).await;
    assert!(
        matches!(r, Err(CallError::NoProc { .. })) || r == Err(CallError::Exited(boom.clone())),
        "got {r:?}"
    );
    assert_eq!(s.wait_exit().await, boom);
}

// ---- call --------------------------------------------------------------------------------------

/// `call/1`'s `{delayed_answer, 1}`: `noreply` with a timeout, answered from `handle_info`.
#[tokio::test(start_paused = true)]
async fn call_delayed_answer() {
    let (p, _rx) = probe();
    let s = p.start().await.unwrap();
    assert_eq!(
        s.call(Call::DelayedAnswer(Duration::from_millis(1))).await,
        Ok(Rep::Delayed)
    );
    assert_eq!(
        s.call_timeout(
            Call::DelayedAnswer(Duration::from_millis(1)),
            Duration::from_millis(30)
        )
        .await,
        Ok(Rep::Delayed)
    );
    let got = s
        .call_timeout(
            Call::DelayedAnswer(Duration::from_millis(30)),
            Duration::from_millis(1),
        )
        .await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    // The late answer is dropped; the next call gets its own.
    assert_eq!(s.call(Call::Echo(7)).await, Ok(Rep::N(7)));
}

/// `call/1`'s `{call_within, 1000}` / `next_call`: a call within the window cancels the
/// gen_server timeout; after the window the timeout has fired.
#[tokio::test(start_paused = true)]
async fn call_within_window() {
    let (p, _rx) = probe();
    let s = p.start().await.unwrap();
    assert_eq!(
        s.call(Call::Within(Duration::from_secs(1))).await,
        Ok(Rep::Ok)
    );
    otp_runtime::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(s.call(Call::Next).await, Ok(Rep::Bool(true)));
    assert_eq!(
        s.call(Call::Within(Duration::from_secs(1))).await,
        Ok(Rep::Ok)
    );
    otp_runtime::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(s.call(Call::Next).await, Ok(Rep::Bool(false)));
}

/// A reply that comes after the caller's timeout is never seen by a later call.
#[tokio::test(start_paused = true)]
async fn call_timeout_late_reply_dropped() {
    let (p, _rx) = probe();
    let s = p.start().await.unwrap();
    let t0 = Instant::now();
    let got = s
        .call_timeout(Call::Sleep(Duration::from_secs(2)), Duration::from_secs(1))
        .await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    // Queued behind the sleep: answered after the late reply was sent and dropped.
    assert_eq!(s.call(Call::Echo(42)).await, Ok(Rep::N(42)));
    assert_eq!(s.call(Call::Echo(43)).await, Ok(Rep::N(43)));
}

/// `call(S, R, 0)` always times out, even to an idle server that would answer at once, and
/// the request is still handled (gen.erl's `receive ... after 0`).
#[tokio::test(start_paused = true)]
async fn call_with_zero_timeout_always_times_out() {
    let (p, _rx) = probe();
    let s = p.start().await.unwrap();
    let got = s.call_timeout(Call::Echo(1), Duration::ZERO).await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    let got = s.call_timeout(Call::Ping, Duration::ZERO).await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    // The server is fine, and the late replies were dropped, never taken for this one.
    assert_eq!(s.call(Call::Echo(2)).await, Ok(Rep::N(2)));
}

/// `call/2` defaults to 5 s: a server that keeps the reply handle and never answers in time
/// gives `timeout` after 5 s. One that drops the handle, or returns `NoReply` without taking
/// it, is said at once with `ReplyDropped` (OTP's caller would wait for its timeout: see
/// `call_outcomes.rs`).
#[tokio::test(start_paused = true)]
async fn call_default_timeout_when_never_answered() {
    let (p, _rx) = probe();
    let s = p.start().await.unwrap();
    let t0 = Instant::now();
    let got = s.call(Call::DelayedAnswer(Duration::from_secs(60))).await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert!(t0.elapsed() >= DEFAULT_CALL_TIMEOUT, "{:?}", t0.elapsed());
    for req in [Call::NoReplyDropped, Call::DeferAndDrop] {
        let t0 = Instant::now();
        assert_eq!(s.call(req).await, Err(CallError::ReplyDropped));
        assert_eq!(t0.elapsed(), Duration::ZERO);
    }
    // The server is fine.
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
}

/// `gen_server:reply/2` from another process.
#[tokio::test(start_paused = true)]
async fn call_deferred_reply_from_other_process() {
    let (p, _rx) = probe();
    let s = p.start().await.unwrap();
    assert_eq!(s.call(Call::DeferToProcess(21)).await, Ok(Rep::N(42)));
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
}

/// `calling_self`: a server that calls or stops itself gets `calling_self`, by pid or name,
/// whatever the timeout.
#[tokio::test(start_paused = true)]
async fn calling_self() {
    let n = name("calling_self");
    let (p, _rx) = probe();
    let s = p.start_with(StartOpts::new().name(&*n)).await.unwrap();
    let t0 = Instant::now();
    assert_eq!(
        s.call(Call::Myself(Some(n.clone()))).await,
        Ok(Rep::Results(vec![Err(CallError::CallingSelf); 5]))
    );
    assert_eq!(t0.elapsed(), Duration::ZERO);
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
}

/// A pid-bound handle reaches only its process: `noproc` after it died, even when a new
/// server took its name.
#[tokio::test(start_paused = true)]
async fn pid_bound_handle_noproc_after_death() {
    let n = name("pid_bound");
    let (p, _rx) = probe();
    let old = p.start_with(StartOpts::new().name(&*n)).await.unwrap();
    old.stop(ExitReason::Normal, INFINITY).await.unwrap();
    let (p, _rx) = probe();
    let new = p.start_with(StartOpts::new().name(&*n)).await.unwrap();
    assert_ne!(old.pid(), new.pid());
    let got = old.call(Call::Ping).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    let got = old.call_timeout(Call::Ping, INFINITY).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    let got = old.stop(ExitReason::Normal, INFINITY).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    assert_eq!(old.wait_exit().await, ExitReason::Normal);
    assert_eq!(new.call(Call::Ping).await, Ok(Rep::Pong));
    // Casts and sends to a dead server are dropped, never an error.
    old.cast(Cast::Note(1));
    old.send(Msg::Note("x"));
}

/// A named handle resolves the name at each use: it reaches each new incarnation.
#[tokio::test(start_paused = true)]
async fn named_handle_survives_restart() {
    let n = name("named_restart");
    let named = ServerRef::<Probe>::named(&*n);
    let got = named.call(Call::Id).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    assert_eq!(named.pid(), None);
    assert_eq!(named.wait_exit().await, ExitReason::NoProc);
    for id in 1..=3 {
        let (p, _rx) = probe();
        let s = p
            .id(id)
            .start_with(StartOpts::new().name(&*n))
            .await
            .unwrap();
        assert_eq!(named.pid(), s.pid());
        assert_eq!(named.call(Call::Id).await, Ok(Rep::N(id)));
        // A crash frees the name before the world hears of it.
        assert!(named.call(Call::Panic).await.is_err());
        assert_eq!(s.wait_exit().await, ExitReason::Panic("call boom".into()));
        let got = named.call(Call::Id).await;
        assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    }
}

/// A name registered to another server type, or to a raw process: `WrongType`.
#[tokio::test(start_paused = true)]
async fn wrong_type_for_name() {
    let n = name("wrong_type");
    let other = Other.start_with(StartOpts::new().name(&*n)).await.unwrap();
    let opid = other.pid().unwrap();
    let named = ServerRef::<Probe>::named(&*n);
    assert_eq!(
        named.call(Call::Ping).await,
        Err(CallError::WrongType(opid))
    );
    assert_eq!(
        named.stop(ExitReason::Normal, INFINITY).await,
        Err(CallError::WrongType(opid))
    );
    named.cast(Cast::Note(1)); // dropped
    named.send(Msg::Note("x")); // dropped
    assert_eq!(ServerRef::<Other>::named(&*n).call(()).await, Ok(()));
    other.stop(ExitReason::Normal, INFINITY).await.unwrap();

    let raw = exits_on_request();
    otp_runtime::register(&*n, raw.pid()).unwrap();
    assert_eq!(
        named.call(Call::Ping).await,
        Err(CallError::WrongType(raw.pid()))
    );
    raw.send(ExitReason::Normal).unwrap();
    raw.wait_exit().await;
}

// ---- continue ----------------------------------------------------------------------------------

/// `continue/1`: `handle_continue` runs before a message that was already queued, whichever
/// callback asked for it.
#[tokio::test(start_paused = true)]
async fn continue_runs_before_queued_messages() {
    let expect = vec![Ev::Continue("continue"), Ev::Step("after_continue")];
    let (p, mut rx) = probe();
    let s = p.init_mode(InitMode::Continue).start().await.unwrap();
    let _ = init_pid(&mut rx).await;
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
    assert_eq!(drain(&mut rx), expect, "from init");

    assert_eq!(s.call(Call::ContinueReply).await, Ok(Rep::Ok));
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
    assert_eq!(drain(&mut rx), expect, "from handle_call");

    // The reply comes from handle_continue.
    assert_eq!(s.call(Call::ContinueNoReply).await, Ok(Rep::Ok));
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
    assert_eq!(
        drain(&mut rx),
        expect,
        "from handle_call, replying in continue"
    );

    s.cast(Cast::ContinueNoReply);
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
    assert_eq!(drain(&mut rx), expect, "from handle_cast");

    s.send(Msg::ContinueNoReply);
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
    assert_eq!(drain(&mut rx), expect, "from handle_info");
}

/// `continue/1`'s `continue_continue`: a continue may ask for another; both run before the
/// queued message.
#[tokio::test(start_paused = true)]
async fn continue_chained() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let _ = init_pid(&mut rx).await;
    s.send(Msg::ContinueContinue);
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
    assert_eq!(
        drain(&mut rx),
        vec![
            Ev::Continue("before_continue"),
            Ev::Continue("continue"),
            Ev::Step("after_continue")
        ]
    );
}

/// `continue/1`'s `continue_stop`: `handle_continue` returning `{stop, normal, S}`.
#[tokio::test(start_paused = true)]
async fn continue_stop() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let _ = init_pid(&mut rx).await;
    s.send(Msg::ContinueStop);
    assert_eq!(s.wait_exit().await, ExitReason::Normal);
    assert_eq!(drain(&mut rx), vec![Ev::Terminate(ExitReason::Normal)]);
}

// ---- cast and info -----------------------------------------------------------------------------

/// `cast/1`: handled; `{noreply, S, T}` then the gen_server timeout; `{stop, R, S}` runs
/// `terminate(R)`.
#[tokio::test(start_paused = true)]
async fn cast() {
    let n = name("cast");
    let (p, mut rx) = probe();
    let s = p.start_with(StartOpts::new().name(&*n)).await.unwrap();
    let _ = init_pid(&mut rx).await;
    let named = ServerRef::<Probe>::named(&*n);
    named.cast(Cast::Note(1));
    assert_eq!(next_ev(&mut rx).await, Ev::Cast(1));
    named.cast(Cast::SetTimeout(Duration::from_millis(1)));
    assert_eq!(next_ev(&mut rx).await, Ev::Timeout);
    let reason = ExitReason::other("cast_stopped");
    named.cast(Cast::Stop(reason.clone()));
    assert_eq!(next_ev(&mut rx).await, Ev::Terminate(reason.clone()));
    assert_eq!(s.wait_exit().await, reason);
}

/// `info/1`: a plain send reaches `handle_info`; `{From, delayed_info, T}`; `{stop, R, S}`
/// from `handle_info`.
#[tokio::test(start_paused = true)]
async fn info() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let _ = init_pid(&mut rx).await;
    s.send(Msg::Note("handle_info"));
    assert_eq!(next_ev(&mut rx).await, Ev::Step("handle_info"));
    s.send(Msg::DelayedInfo(Duration::from_millis(1)));
    assert_eq!(next_ev(&mut rx).await, Ev::Timeout);
    assert_eq!(next_ev(&mut rx).await, Ev::Step("delayed_info"));
    let reason = ExitReason::other("stopped_info");
    s.send(Msg::Stop(reason.clone()));
    assert_eq!(next_ev(&mut rx).await, Ev::Terminate(reason.clone()));
    assert_eq!(s.wait_exit().await, reason);
}

/// Timers owned by the server deliver to `handle_info`; a cancelled one never arrives.
#[tokio::test(start_paused = true)]
async fn send_after_and_cancel_timer() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let _ = init_pid(&mut rx).await;
    assert_eq!(
        s.call(Call::SendAfterThenCancel(Duration::from_millis(100)))
            .await,
        Ok(Rep::Bool(true))
    );
    let t0 = Instant::now();
    assert_eq!(
        s.call(Call::SendAfter(Duration::from_millis(300), "tick"))
            .await,
        Ok(Rep::Ok)
    );
    assert_eq!(next_ev(&mut rx).await, Ev::Step("tick"));
    assert!(t0.elapsed() >= Duration::from_millis(300));
    no_ev_within(&mut rx, Duration::from_secs(1)).await;
}

/// `hibernate/1`: `{reply, true, S, hibernate}`; the server keeps its state and serves the
/// next call normally (the wish lasts one handler).
#[tokio::test(start_paused = true)]
async fn hibernate_keeps_serving() {
    let (p, _rx) = probe();
    let s = p.id(9).start().await.unwrap();
    assert_eq!(s.call(Call::Hibernate).await, Ok(Rep::Bool(true)));
    assert_eq!(s.call(Call::IsHibernating).await, Ok(Rep::Bool(false)));
    assert_eq!(s.call(Call::Id).await, Ok(Rep::N(9)));
}

// ---- the gen_server timeout (handle_event_timeout) ---------------------------------------------

/// `start_event_timeout` / `handle_event_timeout` without interrupt: the timeout set by any
/// callback fires once the server has been idle for it.
#[tokio::test(start_paused = true)]
async fn timeout_fires_when_idle() {
    let t = Duration::from_millis(500);
    let (p, mut rx) = probe();
    let t0 = Instant::now();
    let s = p.init_mode(InitMode::Timeout(t)).start().await.unwrap();
    let _ = init_pid(&mut rx).await;
    assert_eq!(next_ev(&mut rx).await, Ev::Timeout, "from init");
    assert!(t0.elapsed() >= t);

    let check = |what: &'static str, t0: Instant| {
        let e = t0.elapsed();
        assert!(e >= t && e < t * 2, "{what}: fired after {e:?}");
    };
    let t0 = Instant::now();
    assert_eq!(s.call(Call::SetTimeout(t)).await, Ok(Rep::Ok));
    assert_eq!(next_ev(&mut rx).await, Ev::Timeout);
    check("call", t0);

    let t0 = Instant::now();
    s.cast(Cast::SetTimeout(t));
    assert_eq!(next_ev(&mut rx).await, Ev::Timeout);
    check("cast", t0);

    let t0 = Instant::now();
    s.send(Msg::SetTimeout(t));
    assert_eq!(next_ev(&mut rx).await, Ev::Timeout);
    check("info", t0);

    let t0 = Instant::now();
    s.send(Msg::ContinueTimeout(t));
    assert_eq!(next_ev(&mut rx).await, Ev::Timeout);
    check("continue", t0);

    // It fires once.
    no_ev_within(&mut rx, Duration::from_secs(2)).await;
}

/// `handle_event_timeout` with interrupt: any message (call, cast, info) cancels it.
#[tokio::test(start_paused = true)]
async fn timeout_cancelled_by_any_message() {
    let t = Duration::from_millis(500);
    let (p, mut rx) = probe();
    let s = p.init_mode(InitMode::Timeout(t)).start().await.unwrap();
    let _ = init_pid(&mut rx).await;
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
    no_ev_within(&mut rx, Duration::from_secs(1)).await;

    assert_eq!(s.call(Call::SetTimeout(t)).await, Ok(Rep::Ok));
    s.cast(Cast::Note(1));
    assert_eq!(next_ev(&mut rx).await, Ev::Cast(1));
    no_ev_within(&mut rx, Duration::from_secs(1)).await;

    s.cast(Cast::SetTimeout(t));
    otp_runtime::time::sleep(t / 2).await;
    s.send(Msg::Note("interrupt"));
    assert_eq!(next_ev(&mut rx).await, Ev::Step("interrupt"));
    no_ev_within(&mut rx, Duration::from_secs(1)).await;

    // An EXIT or DOWN is a message too.
    let target = exits_on_request();
    s.send(Msg::SetTimeout(t));
    let m = match s.call(Call::Monitor(target.pid())).await {
        Ok(Rep::Mon(m)) => m,
        other => panic!("{other:?}"),
    };
    s.send(Msg::SetTimeout(t));
    target.send(ExitReason::Normal).unwrap();
    assert_eq!(
        next_ev(&mut rx).await,
        Ev::Down(m, target.pid(), ExitReason::Normal)
    );
    no_ev_within(&mut rx, Duration::from_secs(1)).await;
}

/// `handle_event_timeout_zero` with the classic integer timeout: a zero timeout fires only if
/// the mailbox is empty; a message already there is handled instead.
#[tokio::test(start_paused = true)]
async fn timeout_zero_fires_only_on_empty_mailbox() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let _ = init_pid(&mut rx).await;

    let t0 = Instant::now();
    s.cast(Cast::SetTimeout(Duration::ZERO));
    assert_eq!(next_ev(&mut rx).await, Ev::Timeout);
    assert_eq!(t0.elapsed(), Duration::ZERO);

    assert_eq!(s.call(Call::TimeoutZeroWithMsg).await, Ok(Rep::Ok));
    assert_eq!(next_ev(&mut rx).await, Ev::Step("after_timeout_zero"));
    no_ev_within(&mut rx, Duration::from_secs(1)).await;

    s.cast(Cast::TimeoutZeroWithMsg);
    assert_eq!(next_ev(&mut rx).await, Ev::Step("after_timeout_zero"));
    no_ev_within(&mut rx, Duration::from_secs(1)).await;
}

// ---- exit signals: the parent, other links, monitors -------------------------------------------

/// The parent's exit signal runs `terminate` when the server traps exits.
#[tokio::test(start_paused = true)]
async fn parent_exit_runs_terminate_when_trapping() {
    let (p, mut rx) = probe();
    let (parent, s) = linked_parent(p.trapping()).await;
    let _ = init_pid(&mut rx).await;
    assert_eq!(
        s.call(Call::Parent).await,
        Ok(Rep::Parent(Some(parent.pid())))
    );
    parent.send(ExitReason::Shutdown).unwrap();
    assert_eq!(parent.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(s.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(drain(&mut rx), vec![Ev::Terminate(ExitReason::Shutdown)]);
}

/// Without trapping exits, the parent's shutdown kills the server at once: no `terminate`.
#[tokio::test(start_paused = true)]
async fn parent_exit_kills_without_terminate_when_not_trapping() {
    let (p, mut rx) = probe();
    let (parent, s) = linked_parent(p).await;
    let _ = init_pid(&mut rx).await;
    parent.send(ExitReason::Shutdown).unwrap();
    assert_eq!(s.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(drain(&mut rx), vec![]);
}

/// The parent's normal exit: ignored by a server that does not trap exits; a trapping server
/// stops with `terminate(normal)` (gen_server stops on any `'EXIT'` from its parent).
#[tokio::test(start_paused = true)]
async fn parent_normal_exit() {
    let (p, mut rx) = probe();
    let (parent, s) = linked_parent(p).await;
    let _ = init_pid(&mut rx).await;
    parent.send(ExitReason::Normal).unwrap();
    assert_eq!(parent.wait_exit().await, ExitReason::Normal);
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
    assert_eq!(drain(&mut rx), vec![]);

    let (p, mut rx) = probe();
    let (parent, s) = linked_parent(p.trapping()).await;
    let _ = init_pid(&mut rx).await;
    parent.send(ExitReason::Normal).unwrap();
    assert_eq!(s.wait_exit().await, ExitReason::Normal);
    assert_eq!(drain(&mut rx), vec![Ev::Terminate(ExitReason::Normal)]);
}

/// A supervisor's `exit(Child, shutdown)`: from the parent, so it stops a trapping server
/// through `terminate`.
#[tokio::test(start_paused = true)]
async fn parent_shutdown_signal_runs_terminate() {
    let (p, mut rx) = probe();
    let (tx, srv) = oneshot::channel();
    let r = in_process(move |mut ctx: ProcessCtx<()>| async move {
        // A supervisor traps exits.
        ctx.trap_exit(true);
        let s = p.trapping().start_link().await.unwrap();
        let spid = s.pid().unwrap();
        let _ = tx.send(s.clone());
        otp_runtime::exit(spid, ExitReason::Shutdown);
        assert_eq!(s.wait_exit().await, ExitReason::Shutdown);
        assert_eq!(
            ctx.recv_timeout(Duration::from_secs(1)).await,
            Some(Message::Exit {
                from: spid,
                reason: ExitReason::Shutdown
            })
        );
    })
    .await;
    assert_eq!(r, ExitReason::Normal);
    let s = srv.await.unwrap();
    assert!(!otp_runtime::is_alive(s.pid().unwrap()));
    let _ = init_pid(&mut rx).await;
    assert_eq!(drain(&mut rx), vec![Ev::Terminate(ExitReason::Shutdown)]);
}

/// `kill` cannot be trapped: the server dies `killed` without `terminate`.
#[tokio::test(start_paused = true)]
async fn kill_is_not_trapped() {
    let (p, mut rx) = probe();
    let s = p.trapping().start().await.unwrap();
    let pid = init_pid(&mut rx).await;
    otp_runtime::exit(pid, ExitReason::Kill);
    assert_eq!(s.wait_exit().await, ExitReason::Killed);
    assert_eq!(drain(&mut rx), vec![]);
}

/// Other processes' `'EXIT'`s go to `handle_info` when the server traps exits; the server
/// goes on.
#[tokio::test(start_paused = true)]
async fn exit_from_other_link_goes_to_handle_info() {
    let (p, mut rx) = probe();
    let s = p.trapping().start().await.unwrap();
    let _ = init_pid(&mut rx).await;
    let other = exits_on_request();
    assert_eq!(s.call(Call::Link(other.pid())).await, Ok(Rep::Ok));
    let bye = ExitReason::other("bye");
    other.send(bye.clone()).unwrap();
    assert_eq!(next_ev(&mut rx).await, Ev::Exit(other.pid(), bye));
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));

    // An explicit exit signal from outside any process arrives the same way.
    otp_runtime::exit(s.pid().unwrap(), ExitReason::Shutdown);
    match next_ev(&mut rx).await {
        Ev::Exit(_, ExitReason::Shutdown) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
}

/// Without trapping, a linked process's abnormal exit kills the server: no `terminate`.
#[tokio::test(start_paused = true)]
async fn exit_from_other_link_kills_when_not_trapping() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let _ = init_pid(&mut rx).await;
    let other = exits_on_request();
    assert_eq!(s.call(Call::Link(other.pid())).await, Ok(Rep::Ok));
    let bye = ExitReason::other("bye");
    other.send(bye.clone()).unwrap();
    assert_eq!(s.wait_exit().await, bye);
    assert_eq!(drain(&mut rx), vec![]);
}

/// A monitored process's end arrives in `handle_info` as `DOWN`; a dead target gives an
/// immediate `DOWN` with `noproc`.
#[tokio::test(start_paused = true)]
async fn down_goes_to_handle_info() {
    let (p, mut rx) = probe();
    let s = p.start().await.unwrap();
    let _ = init_pid(&mut rx).await;
    let target = exits_on_request();
    let m = match s.call(Call::Monitor(target.pid())).await {
        Ok(Rep::Mon(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(m.target(), target.pid());
    let bye = ExitReason::other("bye");
    target.send(bye.clone()).unwrap();
    assert_eq!(next_ev(&mut rx).await, Ev::Down(m, target.pid(), bye));

    let m2 = match s.call(Call::Monitor(target.pid())).await {
        Ok(Rep::Mon(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_ne!(m, m2);
    assert_eq!(
        next_ev(&mut rx).await,
        Ev::Down(m2, target.pid(), ExitReason::NoProc)
    );
    assert_eq!(s.call(Call::Ping).await, Ok(Rep::Pong));
}

// ---- stop with reply ---------------------------------------------------------------------------

/// `{stop, Reason, Reply, S}`: the reply is sent before `terminate` runs.
#[tokio::test(start_paused = true)]
async fn stop_reply_sent_before_terminate() {
    let (mut p, mut rx) = probe();
    let (release, gate) = oneshot::channel();
    p.terminate_gate = Some(gate);
    let s = p.start().await.unwrap();
    let pid = init_pid(&mut rx).await;
    // terminate is held until after the reply is seen: a reply sent after terminate would
    // never come, and the call would time out.
    assert_eq!(
        s.call(Call::StopReply(ExitReason::Shutdown)).await,
        Ok(Rep::Ok)
    );
    assert_eq!(next_ev(&mut rx).await, Ev::Terminate(ExitReason::Shutdown));
    assert!(otp_runtime::is_alive(pid), "terminate has not finished");
    release.send(()).unwrap();
    assert_eq!(s.wait_exit().await, ExitReason::Shutdown);
}

// ---- across threads ----------------------------------------------------------------------------

/// Many callers on several threads: each gets its own answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mt_concurrent_calls() {
    let (p, _rx) = probe();
    let s = p.start().await.unwrap();
    let tasks: Vec<_> = (0..8u32)
        .map(|t| {
            let s = s.clone();
            tokio::spawn(async move {
                for i in 0..200u32 {
                    let n = t * 1000 + i;
                    assert_eq!(s.call(Call::Echo(n)).await, Ok(Rep::N(n)));
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(s.stop(ExitReason::Normal, INFINITY).await, Ok(()));
}

/// Callers queued behind a crashing call all learn the crash reason, not a timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mt_crash_reaches_every_waiting_caller() {
    let (mut p, mut rx) = probe();
    let (open, gate) = oneshot::channel();
    p.call_gate = Some(gate);
    let s = p.start().await.unwrap();
    let _ = init_pid(&mut rx).await;
    let boom = Err(CallError::Exited(ExitReason::Panic(
        "boom after gate".into(),
    )));
    // join! polls each call once before the gate opens: all three are queued by then.
    let t0 = std::time::Instant::now();
    let (a, b, c, ()) = tokio::join!(
        s.call(Call::GateThenPanic),
        s.call(Call::Ping),
        s.call(Call::Echo(1)),
        async {
            assert_eq!(next_ev(&mut rx).await, Ev::Step("waiting"));
            open.send(()).unwrap();
        }
    );
    assert_eq!(a, boom);
    assert_eq!(b, boom);
    assert_eq!(c, boom);
    assert!(t0.elapsed() < DEFAULT_CALL_TIMEOUT);
}

/// Deferred replies from processes on other threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mt_deferred_replies() {
    let (p, _rx) = probe();
    let s = p.start().await.unwrap();
    let tasks: Vec<_> = (0..50u32)
        .map(|n| {
            let s = s.clone();
            tokio::spawn(async move { s.call(Call::DeferToProcess(n)).await })
        })
        .collect();
    for (n, t) in (0..50u32).zip(tasks) {
        assert_eq!(t.await.unwrap(), Ok(Rep::N(n * 2)));
    }
}

/// Start, use and stop a named server over and over: the name is always free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mt_named_restart_loop() {
    let n = name("mt_restart_loop");
    let named = ServerRef::<Probe>::named(&*n);
    for id in 0..50 {
        let (p, _rx) = probe();
        let s = p
            .id(id)
            .start_with(StartOpts::new().name(&*n))
            .await
            .unwrap();
        assert_eq!(named.call(Call::Id).await, Ok(Rep::N(id)));
        if id % 2 == 0 {
            assert_eq!(named.stop(ExitReason::Shutdown, INFINITY).await, Ok(()));
        } else {
            assert!(named.call(Call::Panic).await.is_err());
            s.wait_exit().await;
        }
        assert_eq!(otp_runtime::whereis(&n), None);
    }
}

/// A dying process frees its name before anyone can see it dead (otp-semantics §A1: before
/// its link and `DOWN` signals): once `wait_exit` has returned, the name is free and a new
/// incarnation can take it. The killed server's state is dropped slowly on its own thread,
/// to hold the process between "dead" and "gone".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_free_once_exit_observed() {
    let n = name("name_free_once_exit_observed");
    let (mut p, mut rx) = probe();
    p.slow_drop = Some(Duration::from_millis(300));
    let s = p.start_with(StartOpts::new().name(&*n)).await.unwrap();
    let pid = init_pid(&mut rx).await;
    // Not trapping: the exit signal kills it, and its state is dropped after it is marked
    // dead.
    otp_runtime::exit(pid, ExitReason::Shutdown);
    assert_eq!(next_ev(&mut rx).await, Ev::Step("dropping"));
    assert!(!otp_runtime::is_alive(pid));
    assert_eq!(s.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(
        otp_runtime::whereis(&n),
        None,
        "the name outlived the process"
    );
    let (p2, _rx2) = probe();
    let again = p2.start_with(StartOpts::new().name(&*n)).await;
    assert!(again.is_ok(), "restart under the same name: {again:?}");
}

/// The parent's shutdown, with the parent and the server on different threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mt_parent_exit_runs_terminate_when_trapping() {
    for _ in 0..20 {
        let (p, mut rx) = probe();
        let (parent, s) = linked_parent(p.trapping()).await;
        let _ = init_pid(&mut rx).await;
        parent.send(ExitReason::Shutdown).unwrap();
        assert_eq!(s.wait_exit().await, ExitReason::Shutdown);
        assert_eq!(drain(&mut rx), vec![Ev::Terminate(ExitReason::Shutdown)]);
    }
}

/// `Ctx::stop` from a cast: the server stops after the handler, `terminate` sees the reason,
/// and later calls get `NoProc`.
#[tokio::test(start_paused = true)]
async fn ctx_stop_from_cast_runs_terminate() {
    struct Stopper {
        log: mpsc::UnboundedSender<ExitReason>,
    }
    impl GenServer for Stopper {
        type Call = ();
        type Reply = ();
        type Cast = ();
        type Info = ();
        type Continue = ();
        async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
            CallResult::Reply(())
        }
        async fn handle_cast(&mut self, _: (), ctx: &mut Ctx<Self>) -> Outcome {
            ctx.stop(ExitReason::shutdown_with("asked"));
            Outcome::NoReply
        }
        async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Ctx<Self>) {
            self.log.send(reason.clone()).unwrap();
        }
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let s = Stopper { log: tx }.start().await.unwrap();
    s.cast(());
    assert_eq!(s.wait_exit().await, ExitReason::shutdown_with("asked"));
    assert_eq!(rx.recv().await, Some(ExitReason::shutdown_with("asked")));
    let got = s.call(()).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}
