//! gen_event behaviour tests, ported from Erlang/OTP's `lib/stdlib/test/gen_event_SUITE.erl`
//! (otp-semantics §A5).
//!
//! [`Probe`] plays the suite's handler modules: `Probe<'h'>` is `dummy_h`, `Probe<'1'>` is
//! `dummy1_h`. Probes report what they see (events, infos, their `terminate`) on a channel
//! the test owns, as the suite's handlers send `{dummy_h, Event}` to the test process. An
//! [`Owner`] plays the test process when it adds supervised handlers: a process that runs
//! the jobs it is given, whose handlers' `gen_event_EXIT` notices land on another channel.
//!
//! No test waits on a clock: every check follows a request the manager answers after the
//! work it checks (`sync_notify`, `which_handlers`, `delete_handler`, `stop`), and the
//! reports of that work are already on their channel. Tests that sleep run on tokio's paused
//! clock. Names are global and tests run in parallel: every test uses its own names.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otp_runtime::prelude::*;
use tokio::sync::{mpsc, oneshot};

// ---- the handlers ------------------------------------------------------------------------------

/// The events of the suite.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Ev {
    /// `{event, self()}`: reported.
    Note(&'static str),
    /// `error_event`: a bad return.
    Error,
    /// `do_crash`.
    Crash,
    /// `delete_event`: `remove_handler`.
    Delete,
    /// Sleeps, then reports (for `sync_notify`'s ordering).
    Slow(&'static str, Duration),
}

/// The calls of the suite.
#[derive(Debug)]
enum Call {
    /// `hejsan` → `hejhopp`.
    Hejsan,
    /// `error_call`: a bad return.
    Error,
    /// `exit_call`: a crash.
    Exit,
    /// `delete_call` → `{remove_handler, ok}`.
    Delete,
    /// The events seen so far (the handler's state).
    Seen,
    /// `{delayed_answer, T}`.
    Delayed(Duration),
    /// Monitors a process from inside the manager.
    Monitor(Pid),
}

#[derive(PartialEq, Eq, Debug)]
enum Rep {
    Hejhopp,
    Ok,
    Seen(Vec<&'static str>),
    Mon(MonitorRef),
}

/// What probes report to the test.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Seen {
    Event(char, &'static str),
    Info(char, &'static str),
    Exit(char, Pid, ExitReason),
    Down(char, Pid, ExitReason),
    Terminate(char, Removal),
}

/// What a probe's `init` does.
#[derive(Clone, Debug)]
enum InitMode {
    Ok,
    /// `make_error`.
    Error(&'static str),
    Panic,
}

/// The suite's `dummy_h` (`K = 'h'`) and `dummy1_h` (`K = '1'`).
struct Probe<const K: char> {
    to: mpsc::UnboundedSender<Seen>,
    init: InitMode,
    /// The notes seen, inherited through swaps (the suite's `{swap, {ok, State}}`).
    seen: Vec<&'static str>,
    /// Panics in `terminate`.
    crash_in_terminate: bool,
}

type DummyH = Probe<'h'>;
type Dummy1H = Probe<'1'>;

impl<const K: char> Probe<K> {
    fn new(to: &mpsc::UnboundedSender<Seen>) -> Self {
        Probe {
            to: to.clone(),
            init: InitMode::Ok,
            seen: Vec::new(),
            crash_in_terminate: false,
        }
    }

    fn init_with(mut self, init: InitMode) -> Self {
        self.init = init;
        self
    }

    /// The successor of a swap: keeps the predecessor's notes, or refuses to start if there
    /// was none (the suite's `dummy1_h:init({_, error}) -> non_existing`).
    fn successor(to: &mpsc::UnboundedSender<Seen>, old: Option<Vec<&'static str>>) -> Self {
        match old {
            Some(seen) => Probe {
                seen,
                ..Probe::new(to)
            },
            None => Probe::new(to).init_with(InitMode::Error("non_existing")),
        }
    }

    fn report(&self, seen: Seen) {
        let _ = self.to.send(seen);
    }
}

impl<const K: char> EventHandler<Ev> for Probe<K> {
    type Call = Call;
    type Reply = Rep;
    type Terminated = Vec<&'static str>;

    async fn init(&mut self) -> Result<(), ExitReason> {
        match self.init {
            InitMode::Ok => Ok(()),
            InitMode::Error(e) => Err(ExitReason::other(e)),
            InitMode::Panic => panic!("init crashed"),
        }
    }

    async fn handle_event(&mut self, event: &Ev) -> Handled {
        match event {
            Ev::Note(n) => {
                self.seen.push(n);
                self.report(Seen::Event(K, n));
                Handled::Ok
            }
            Ev::Error => Handled::Fail(ExitReason::other("faulty")),
            Ev::Crash => panic!("badmatch"),
            Ev::Delete => Handled::Remove,
            Ev::Slow(n, d) => {
                otp_runtime::time::sleep(*d).await;
                self.report(Seen::Event(K, n));
                Handled::Ok
            }
        }
    }

    async fn handle_call(&mut self, request: Call) -> HandlerReply<Rep> {
        match request {
            Call::Hejsan => HandlerReply::Reply(Rep::Hejhopp),
            Call::Error => HandlerReply::Fail(ExitReason::other("faulty")),
            Call::Exit => panic!("badmatch"),
            Call::Delete => HandlerReply::Remove(Rep::Ok),
            Call::Seen => HandlerReply::Reply(Rep::Seen(self.seen.clone())),
            Call::Delayed(d) => {
                otp_runtime::time::sleep(d).await;
                HandlerReply::Reply(Rep::Ok)
            }
            Call::Monitor(pid) => HandlerReply::Reply(Rep::Mon(otp_runtime::monitor(pid).unwrap())),
        }
    }

    async fn handle_info(&mut self, info: &HandlerInfo) -> Handled {
        match info {
            HandlerInfo::Msg(_) => match info.msg::<&'static str>() {
                Some(&"delete_info") => Handled::Remove,
                Some(&"error_info") => Handled::Fail(ExitReason::other("faulty")),
                Some(&"do_crash") => panic!("badmatch"),
                Some(other) => {
                    self.report(Seen::Info(K, other));
                    Handled::Ok
                }
                None => Handled::Ok,
            },
            HandlerInfo::Exit { from, reason } => {
                self.report(Seen::Exit(K, *from, reason.clone()));
                Handled::Ok
            }
            HandlerInfo::Down { pid, reason, .. } => {
                self.report(Seen::Down(K, *pid, reason.clone()));
                Handled::Ok
            }
        }
    }

    async fn terminate(&mut self, why: Removal) -> Vec<&'static str> {
        self.report(Seen::Terminate(K, why));
        assert!(!self.crash_in_terminate, "terminate crashed");
        std::mem::take(&mut self.seen)
    }
}

// ---- helpers -----------------------------------------------------------------------------------

/// A probe channel.
fn probe_channel() -> (mpsc::UnboundedSender<Seen>, mpsc::UnboundedReceiver<Seen>) {
    mpsc::unbounded_channel()
}

/// Everything on a channel now.
fn drain<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> Vec<T> {
    let mut all = Vec::new();
    while let Ok(x) = rx.try_recv() {
        all.push(x);
    }
    all
}

fn h() -> HandlerId<DummyH> {
    HandlerId::new()
}

fn h_id(id: impl std::fmt::Display) -> HandlerId<DummyH> {
    HandlerId::with_id(id)
}

fn h1() -> HandlerId<Dummy1H> {
    HandlerId::new()
}

fn h1_id(id: impl std::fmt::Display) -> HandlerId<Dummy1H> {
    HandlerId::with_id(id)
}

fn ids(ids: &[AnyHandlerId]) -> Vec<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

async fn which(m: &EventManagerRef<Ev>) -> Vec<String> {
    ids(&m.which_handlers().await.unwrap())
}

type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

enum Cmd {
    Run(Job),
    Exit(ExitReason),
}

/// The suite's test process, when it owns supervised handlers: a process that runs the jobs
/// it is given, in order, and exits when told. The notices its handlers' `on_exit` gets are
/// on `told`.
struct Owner {
    proc: ProcessRef<Cmd>,
    tx: mpsc::UnboundedSender<HandlerExit>,
    told: mpsc::UnboundedReceiver<HandlerExit>,
}

impl Owner {
    fn spawn() -> Owner {
        let proc = otp_runtime::spawn(|mut ctx: ProcessCtx<Cmd>| async move {
            loop {
                match ctx.recv().await {
                    Message::Msg(Cmd::Run(job)) => job().await,
                    Message::Msg(Cmd::Exit(reason)) => return reason,
                    _ => {}
                }
            }
        });
        let (tx, told) = mpsc::unbounded_channel();
        Owner { proc, tx, told }
    }

    fn pid(&self) -> Pid {
        self.proc.pid()
    }

    /// Runs `f` in the owner process and returns its result.
    async fn run<T, F>(&self, f: impl FnOnce() -> F + Send + 'static) -> T
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            Box::pin(async move {
                let _ = done.send(f().await);
            })
        });
        assert!(self.proc.send(Cmd::Run(job)).is_ok(), "the owner is dead");
        result.await.expect("the owner died during the job")
    }

    /// The `on_exit` callback that reports to this owner's `told`.
    fn on_exit(&self) -> impl Fn(HandlerExit) + Send + Sync + 'static {
        let tx = self.tx.clone();
        move |exit| {
            let _ = tx.send(exit);
        }
    }

    /// `add_sup_handler` from the owner.
    async fn add_sup<H: EventHandler<Ev>>(
        &self,
        m: &EventManagerRef<Ev>,
        id: HandlerId<H>,
        handler: H,
    ) -> Result<(), GenEventError> {
        let (m, on_exit) = (m.clone(), self.on_exit());
        self.run(move || async move { m.add_sup_handler_with_id(id, handler, on_exit).await })
            .await
    }

    fn told(&mut self) -> Vec<HandlerExit> {
        drain(&mut self.told)
    }

    async fn exit(&self, reason: ExitReason) -> ExitReason {
        let _ = self.proc.send(Cmd::Exit(reason));
        self.proc.wait_exit().await
    }
}

fn exit_notice(handler: impl Into<AnyHandlerId>, why: HandlerExitReason) -> HandlerExit {
    HandlerExit {
        handler: handler.into(),
        why,
    }
}

fn faulty() -> ExitReason {
    ExitReason::other("faulty")
}

fn badmatch() -> ExitReason {
    ExitReason::Panic("badmatch".into())
}

// ---- start -------------------------------------------------------------------------------------

/// `start/1`: anonymous managers, started and linked, have no handlers and stop.
#[tokio::test]
async fn start_anonymous() {
    let m = EventManager::<Ev>::start().await.unwrap();
    assert_eq!(which(&m).await, Vec::<String>::new());
    m.stop().await.unwrap();
    assert_eq!(m.wait_exit().await, ExitReason::Normal);
    let got = m.which_handlers().await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");

    let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async {
        let m = EventManager::<Ev>::start_link().await.unwrap();
        let me = otp_runtime::self_pid().unwrap();
        assert_eq!(otp_runtime::links(me), vec![m.pid().unwrap()]);
        assert_eq!(m.which_handlers().await, Ok(vec![]));
        m.stop().await.unwrap();
        ExitReason::Normal
    });
    assert_eq!(p.wait_exit().await, ExitReason::Normal);
}

/// `start/1`: named managers are reached by name; a name in use is `already_started`, for
/// `start` and `start_link` alike.
#[tokio::test]
async fn start_named_and_already_started() {
    let m = EventManager::<Ev>::start_named("ge_start_named")
        .await
        .unwrap();
    let by_name = EventManagerRef::<Ev>::named("ge_start_named");
    assert_eq!(by_name.pid(), m.pid());
    assert_eq!(by_name.which_handlers().await, Ok(vec![]));
    assert_eq!(
        EventManager::<Ev>::start_named("ge_start_named")
            .await
            .unwrap_err(),
        StartError::AlreadyStarted(m.pid().unwrap())
    );
    assert_eq!(
        EventManager::<Ev>::start_link_named("ge_start_named")
            .await
            .unwrap_err(),
        StartError::AlreadyStarted(m.pid().unwrap())
    );
    by_name.stop().await.unwrap();
    assert_eq!(otp_runtime::whereis("ge_start_named"), None);

    // The name is free again.
    let again = EventManager::<Ev>::start_link_named("ge_start_named")
        .await
        .unwrap();
    assert_ne!(again.pid(), m.pid());
    again.stop().await.unwrap();
}

/// `start/1`: `stop(M, shutdown, T)` and `exit(M, shutdown)` from the parent; the parent,
/// trapping exits, gets the manager's `EXIT` with `shutdown`.
#[tokio::test]
async fn start_link_stop_and_parent_exit() {
    let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let m = EventManager::<Ev>::start_link_named("ge_start_link_stop")
            .await
            .unwrap();
        let pid = m.pid().unwrap();
        m.stop_with(ExitReason::Shutdown, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(
            ctx.recv().await,
            Message::Exit {
                from: pid,
                reason: ExitReason::Shutdown
            }
        );

        let m = EventManager::<Ev>::start_link().await.unwrap();
        let pid = m.pid().unwrap();
        otp_runtime::exit(pid, ExitReason::Shutdown);
        assert_eq!(
            ctx.recv().await,
            Message::Exit {
                from: pid,
                reason: ExitReason::Shutdown
            }
        );
        ExitReason::Normal
    });
    assert_eq!(p.wait_exit().await, ExitReason::Normal);
}

/// The parent's exit stops the manager: the manager traps exits, so every handler's
/// `terminate` runs, newest first.
#[tokio::test]
async fn parent_exit_stops_the_manager_and_its_handlers() {
    let (to, mut seen) = probe_channel();
    let (tx, started) = oneshot::channel();
    let parent = otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
        let m = EventManager::<Ev>::start_link().await.unwrap();
        m.add_handler(DummyH::new(&to)).await.unwrap();
        m.add_handler(Dummy1H::new(&to)).await.unwrap();
        tx.send(m).unwrap();
        ctx.recv().await;
        ExitReason::Normal
    });
    let m = started.await.unwrap();
    otp_runtime::exit(parent.pid(), ExitReason::Kill);
    assert_eq!(m.wait_exit().await, ExitReason::Killed);
    // `killed` arrives through the link as an ordinary reason: the manager stops with it.
    assert_eq!(
        drain(&mut seen),
        [
            Seen::Terminate('1', Removal::Stopped),
            Seen::Terminate('h', Removal::Stopped)
        ]
    );
}

// ---- add_handler -------------------------------------------------------------------------------

/// `add_handler/1`: an `init` error is returned and nothing is added; handlers with and
/// without an id are listed newest first.
#[tokio::test]
async fn add_handler() {
    let (to, _seen) = probe_channel();
    let m = EventManager::<Ev>::start_named("ge_add_handler")
        .await
        .unwrap();
    assert_eq!(
        m.add_handler(DummyH::new(&to).init_with(InitMode::Error("my_error")))
            .await,
        Err(GenEventError::InitFailed(ExitReason::other("my_error")))
    );
    assert_eq!(which(&m).await, Vec::<String>::new());
    m.add_handler(DummyH::new(&to)).await.unwrap();
    assert_eq!(m.which_handlers().await.unwrap(), [h()]);

    assert_eq!(
        m.add_handler_with_id(
            h_id("self"),
            DummyH::new(&to).init_with(InitMode::Error("my_error"))
        )
        .await,
        Err(GenEventError::InitFailed(ExitReason::other("my_error")))
    );
    assert_eq!(m.which_handlers().await.unwrap(), [h()]);
    m.add_handler_with_id(h_id("self"), DummyH::new(&to))
        .await
        .unwrap();
    assert_eq!(m.which_handlers().await.unwrap(), [h_id("self"), h()]);
    assert_eq!(which(&m).await, ["Probe<'h'>:self", "Probe<'h'>"]);
    m.stop().await.unwrap();
}

/// A panic in `init` is the handler's failure, not the manager's.
#[tokio::test]
async fn add_handler_init_panic_is_contained() {
    let (to, _seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    assert_eq!(
        m.add_handler(DummyH::new(&to).init_with(InitMode::Panic))
            .await,
        Err(GenEventError::InitFailed(ExitReason::Panic(
            "init crashed".into()
        )))
    );
    assert_eq!(which(&m).await, Vec::<String>::new());
    m.add_handler(DummyH::new(&to)).await.unwrap();
    assert_eq!(m.which_handlers().await.unwrap(), [h()]);
}

/// Ids tell handlers of one type apart; an id already present is refused, and the handler
/// there is untouched.
#[tokio::test]
async fn add_handler_ids_are_unique() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.add_handler_with_id(h_id(1), DummyH::new(&to))
        .await
        .unwrap();
    m.add_handler_with_id(h_id(2), DummyH::new(&to))
        .await
        .unwrap();
    m.add_handler_with_id(h1_id(1), Dummy1H::new(&to))
        .await
        .unwrap();
    assert_eq!(
        m.add_handler(DummyH::new(&to)).await,
        Err(GenEventError::AlreadyAdded(h().any()))
    );
    assert_eq!(
        m.add_handler_with_id(h_id(1), DummyH::new(&to)).await,
        Err(GenEventError::AlreadyAdded(h_id(1).any()))
    );
    assert_eq!(
        m.which_handlers().await.unwrap(),
        [h1_id(1).any(), h_id(2).any(), h_id(1).any(), h().any()]
    );
    // The refused handlers never ran: no terminate.
    assert_eq!(drain(&mut seen), []);
}

/// A dead manager answers every request with its own error.
#[tokio::test]
async fn requests_to_a_dead_manager() {
    let (to, _seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.stop().await.unwrap();
    let got = m.add_handler(DummyH::new(&to)).await;
    assert!(
        matches!(got, Err(GenEventError::Manager(CallError::NoProc { .. }))),
        "{got:?}"
    );
    let got = m.delete_handler(h()).await;
    assert!(
        matches!(got, Err(GenEventError::Manager(CallError::NoProc { .. }))),
        "{got:?}"
    );
    let got = m.call(h(), Call::Hejsan).await;
    assert!(
        matches!(
            got,
            Err(HandlerCallError::Manager(CallError::NoProc { .. }))
        ),
        "{got:?}"
    );
    let got = m.sync_notify(Ev::Note("x")).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    m.notify(Ev::Note("dropped")); // never blocks, never fails
    m.send_info("dropped");
    let got = m.stop().await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    // A name nobody holds, the same way (OTP: `call(non_exist, ..)` exits `noproc`).
    let nobody = EventManagerRef::<Ev>::named("ge_nobody");
    let got = nobody.call(h(), Call::Hejsan).await;
    assert!(
        matches!(
            got,
            Err(HandlerCallError::Manager(CallError::NoProc { .. }))
        ),
        "{got:?}"
    );
}

// ---- add_sup_handler ---------------------------------------------------------------------------

/// `add_sup_handler/1`: outside a process there is no owner to supervise the handler.
#[tokio::test]
async fn add_sup_handler_needs_a_process() {
    let (to, _seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    assert_eq!(
        m.add_sup_handler(DummyH::new(&to), |_| {}).await,
        Err(GenEventError::NotInProcess)
    );
    assert_eq!(which(&m).await, Vec::<String>::new());
}

/// `add_sup_handler/1`: an `init` error is returned; the owner's exit signal (the suite's
/// `exit(Pid, sup_died)`) removes its handler, whose `terminate` hears why; the owner is
/// told nothing about its own death.
#[tokio::test]
async fn add_sup_handler_owner_exit_removes_the_handler() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start_named("ge_add_sup").await.unwrap();
    let mut owner = Owner::spawn();
    assert_eq!(
        owner
            .add_sup(
                &m,
                h(),
                DummyH::new(&to).init_with(InitMode::Error("my_error"))
            )
            .await,
        Err(GenEventError::InitFailed(ExitReason::other("my_error")))
    );
    assert_eq!(which(&m).await, Vec::<String>::new());
    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    assert_eq!(m.which_handlers().await.unwrap(), [h()]);
    assert!(otp_runtime::links(m.pid().unwrap()).contains(&owner.pid()));

    // The owner sends the manager an exit signal, as the suite does.
    let pid = m.pid().unwrap();
    owner
        .run(move || async move { otp_runtime::exit(pid, ExitReason::other("sup_died")) })
        .await;
    assert_eq!(which(&m).await, Vec::<String>::new());
    assert_eq!(
        drain(&mut seen),
        [Seen::Terminate(
            'h',
            Removal::OwnerExited(ExitReason::other("sup_died"))
        )]
    );
    assert_eq!(owner.told(), []);

    // And a real death.
    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    owner
        .add_sup(&m, h_id("self"), DummyH::new(&to))
        .await
        .unwrap();
    assert_eq!(m.which_handlers().await.unwrap(), [h_id("self"), h()]);
    assert_eq!(
        owner.exit(ExitReason::other("gone")).await,
        ExitReason::other("gone")
    );
    // The exit signal was in the manager's mailbox before the owner's end was known.
    assert_eq!(which(&m).await, Vec::<String>::new());
    let gone = Removal::OwnerExited(ExitReason::other("gone"));
    assert_eq!(
        drain(&mut seen),
        [
            Seen::Terminate('h', gone.clone()),
            Seen::Terminate('h', gone)
        ]
    );
    assert_eq!(owner.told(), []);
    assert_eq!(m.pid(), Some(pid), "the manager lives on");
}

/// `add_sup_handler/1`: stopping the manager tells each owner `shutdown`, newest handler
/// first, and unlinks the owners, so that the manager's end does not take them down.
#[tokio::test]
async fn add_sup_handler_owner_told_shutdown_on_stop() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    let mut owner = Owner::spawn();
    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    owner
        .add_sup(&m, h_id("self"), DummyH::new(&to))
        .await
        .unwrap();
    // Stopped with an abnormal reason: an owner still linked would die of it.
    m.stop_with(ExitReason::other("going"), INFINITY)
        .await
        .unwrap();
    assert_eq!(
        owner.told(),
        [
            exit_notice(h_id("self"), HandlerExitReason::Shutdown),
            exit_notice(h(), HandlerExitReason::Shutdown),
        ]
    );
    assert_eq!(
        drain(&mut seen),
        [
            Seen::Terminate('h', Removal::Stopped),
            Seen::Terminate('h', Removal::Stopped)
        ]
    );
    assert!(otp_runtime::is_alive(owner.pid()));
    assert!(otp_runtime::links(owner.pid()).is_empty());
}

/// The owner hears of every way its handler leaves: deleted and removed (`normal`), crashed
/// (`{'EXIT', R}`), failed (the bad return).
#[tokio::test]
async fn add_sup_handler_owner_told_why_the_handler_left() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    let mut owner = Owner::spawn();

    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    m.delete_handler(h()).await.unwrap();
    assert_eq!(owner.told(), [exit_notice(h(), HandlerExitReason::Normal)]);

    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    m.sync_notify(Ev::Delete).await.unwrap();
    assert_eq!(owner.told(), [exit_notice(h(), HandlerExitReason::Normal)]);

    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    m.notify(Ev::Crash);
    assert_eq!(which(&m).await, Vec::<String>::new());
    assert_eq!(
        owner.told(),
        [exit_notice(h(), HandlerExitReason::Crashed(badmatch()))]
    );

    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    m.notify(Ev::Error);
    assert_eq!(which(&m).await, Vec::<String>::new());
    assert_eq!(
        owner.told(),
        [exit_notice(h(), HandlerExitReason::Failed(faulty()))]
    );

    assert_eq!(
        drain(&mut seen),
        [
            Seen::Terminate('h', Removal::Deleted),
            Seen::Terminate('h', Removal::Removed),
            Seen::Terminate('h', Removal::Crashed(badmatch())),
            Seen::Terminate('h', Removal::Failed(faulty())),
        ]
    );
}

/// A panicking `on_exit` callback is contained: the manager goes on.
#[tokio::test]
async fn add_sup_handler_panicking_callback_is_contained() {
    let (to, _seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    let owner = Owner::spawn();
    let m2 = m.clone();
    owner
        .run(move || async move {
            m2.add_sup_handler(DummyH::new(&to), |_| panic!("callback crashed"))
                .await
        })
        .await
        .unwrap();
    assert_eq!(m.delete_handler(h()).await, Ok(vec![]));
    assert_eq!(which(&m).await, Vec::<String>::new());
}

// ---- delete_handler ----------------------------------------------------------------------------

/// `delete_handler/1`: an unknown handler is `module_not_found`; otherwise the handler's
/// `terminate` runs and its value is returned, with or without an id.
#[tokio::test]
async fn delete_handler() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(DummyH::new(&to)).await.unwrap();
    assert_eq!(
        m.delete_handler(h1()).await,
        Err(GenEventError::UnknownHandler(h1().any()))
    );
    m.sync_notify(Ev::Note("a")).await.unwrap();
    m.sync_notify(Ev::Note("b")).await.unwrap();
    // terminate returns the handler's state: what it saw.
    assert_eq!(m.delete_handler(h()).await, Ok(vec!["a", "b"]));
    assert_eq!(which(&m).await, Vec::<String>::new());
    m.add_handler(DummyH::new(&to)).await.unwrap();
    assert_eq!(m.delete_handler(h()).await, Ok(vec![]));

    m.add_handler_with_id(h_id(1), DummyH::new(&to))
        .await
        .unwrap();
    m.add_handler_with_id(h_id(2), DummyH::new(&to))
        .await
        .unwrap();
    assert_eq!(
        m.delete_handler(h1_id(1)).await,
        Err(GenEventError::UnknownHandler(h1_id(1).any()))
    );
    assert_eq!(
        m.delete_handler(h()).await,
        Err(GenEventError::UnknownHandler(h().any()))
    );
    m.sync_notify(Ev::Note("c")).await.unwrap();
    assert_eq!(m.delete_handler(h_id(1)).await, Ok(vec!["c"]));
    assert_eq!(m.delete_handler(h_id(2)).await, Ok(vec!["c"]));
    assert_eq!(which(&m).await, Vec::<String>::new());
    let terminated: Vec<Seen> = drain(&mut seen)
        .into_iter()
        .filter(|s| matches!(s, Seen::Terminate(..)))
        .collect();
    assert_eq!(terminated, vec![Seen::Terminate('h', Removal::Deleted); 4]);
}

/// A panic in `terminate` is `{'EXIT', R}` from `delete_handler`; the handler is gone.
#[tokio::test]
async fn delete_handler_terminate_panic() {
    let (to, _seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    let mut probe = DummyH::new(&to);
    probe.crash_in_terminate = true;
    m.add_handler(probe).await.unwrap();
    assert_eq!(
        m.delete_handler(h()).await,
        Err(GenEventError::TerminateCrashed(ExitReason::Panic(
            "terminate crashed".into()
        )))
    );
    assert_eq!(which(&m).await, Vec::<String>::new());
}

// ---- swap_handler ------------------------------------------------------------------------------

/// `swap_handler/1`: swapping from a missing handler still makes and adds the successor,
/// which here refuses (`{error, non_existing}`); swapping an installed one hands its
/// `terminate` value to the successor, with or without ids.
#[tokio::test]
async fn swap_handler() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(DummyH::new(&to)).await.unwrap();
    let to2 = to.clone();
    assert_eq!(
        m.swap_handler(HandlerId::<Dummy1H>::with_id("faulty"), h1(), move |old| {
            Dummy1H::successor(&to2, old)
        })
        .await,
        Err(GenEventError::InitFailed(ExitReason::other("non_existing")))
    );
    assert_eq!(m.which_handlers().await.unwrap(), [h()]);

    m.sync_notify(Ev::Note("before")).await.unwrap();
    let to2 = to.clone();
    m.swap_handler(h(), h1(), move |old| Dummy1H::successor(&to2, old))
        .await
        .unwrap();
    assert_eq!(m.which_handlers().await.unwrap(), [h1()]);
    assert_eq!(
        m.call(h1(), Call::Seen).await,
        Ok(Rep::Seen(vec!["before"]))
    );
    assert_eq!(m.delete_handler(h1()).await, Ok(vec!["before"]));

    m.add_handler_with_id(h_id(3), DummyH::new(&to))
        .await
        .unwrap();
    let to2 = to.clone();
    m.swap_handler(h_id(3), h1_id(4), move |old| Dummy1H::successor(&to2, old))
        .await
        .unwrap();
    assert_eq!(m.which_handlers().await.unwrap(), [h1_id(4)]);
    assert_eq!(m.delete_handler(h1_id(4)).await, Ok(vec![]));

    let terminated: Vec<Seen> = drain(&mut seen)
        .into_iter()
        .filter(|s| matches!(s, Seen::Terminate(..)))
        .collect();
    assert_eq!(
        terminated,
        [
            Seen::Terminate('h', Removal::Swapped),
            Seen::Terminate('1', Removal::Deleted),
            Seen::Terminate('h', Removal::Swapped),
            Seen::Terminate('1', Removal::Deleted),
        ]
    );
}

/// A swap to an id another handler has changes nothing; a swap to the same id replaces the
/// handler in place; a panic in the maker is an init failure, with the old handler gone.
#[tokio::test]
async fn swap_handler_ids_and_failures() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.add_handler(Dummy1H::new(&to)).await.unwrap();
    let to2 = to.clone();
    assert_eq!(
        m.swap_handler(h(), h1(), move |old| Dummy1H::successor(&to2, old))
            .await,
        Err(GenEventError::AlreadyAdded(h1().any()))
    );
    assert_eq!(m.which_handlers().await.unwrap(), [h1().any(), h().any()]);
    assert_eq!(drain(&mut seen), []);

    m.sync_notify(Ev::Note("kept")).await.unwrap();
    let to2 = to.clone();
    m.swap_handler(h(), h(), move |old| DummyH::successor(&to2, old))
        .await
        .unwrap();
    assert_eq!(m.call(h(), Call::Seen).await, Ok(Rep::Seen(vec!["kept"])));
    assert_eq!(m.which_handlers().await.unwrap(), [h().any(), h1().any()]);

    let result = m
        .swap_handler(h1(), h_id("new"), |_| -> DummyH { panic!("no successor") })
        .await;
    assert_eq!(
        result,
        Err(GenEventError::InitFailed(ExitReason::Panic(
            "no successor".into()
        )))
    );
    assert_eq!(m.which_handlers().await.unwrap(), [h()]);
}

/// `swap_sup_handler/1`: a supervised handler swapped with `swap_handler` keeps its owner,
/// who is told of the swap, then of the successor's deletion; with `swap_sup_handler` the
/// caller becomes the owner.
#[tokio::test]
async fn swap_sup_handler() {
    let (to, _seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    let mut owner = Owner::spawn();
    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    let to2 = to.clone();
    assert_eq!(
        m.swap_handler(HandlerId::<Dummy1H>::with_id("faulty"), h1(), move |old| {
            Dummy1H::successor(&to2, old)
        })
        .await,
        Err(GenEventError::InitFailed(ExitReason::other("non_existing")))
    );
    let to2 = to.clone();
    m.swap_handler(h(), h1(), move |old| Dummy1H::successor(&to2, old))
        .await
        .unwrap();
    assert_eq!(m.which_handlers().await.unwrap(), [h1()]);
    assert_eq!(
        owner.told(),
        [exit_notice(
            h(),
            HandlerExitReason::Swapped {
                new: h1().any(),
                owner: owner.pid()
            }
        )]
    );
    m.delete_handler(h1()).await.unwrap();
    assert_eq!(owner.told(), [exit_notice(h1(), HandlerExitReason::Normal)]);

    // swap_sup_handler, from the owner.
    owner.add_sup(&m, h_id(3), DummyH::new(&to)).await.unwrap();
    let (m2, to2, on_exit) = (m.clone(), to.clone(), owner.on_exit());
    owner
        .run(move || async move {
            m2.swap_sup_handler(
                h_id(3),
                h1_id(4),
                move |old| Dummy1H::successor(&to2, old),
                on_exit,
            )
            .await
        })
        .await
        .unwrap();
    assert_eq!(m.which_handlers().await.unwrap(), [h1_id(4)]);
    assert_eq!(
        owner.told(),
        [exit_notice(
            h_id(3),
            HandlerExitReason::Swapped {
                new: h1_id(4).any(),
                owner: owner.pid()
            }
        )]
    );
    m.delete_handler(h1_id(4)).await.unwrap();
    assert_eq!(
        owner.told(),
        [exit_notice(h1_id(4), HandlerExitReason::Normal)]
    );
    m.stop().await.unwrap();
}

/// Supervision carries over a swap: the owner's death removes the successor.
#[tokio::test]
async fn swap_sup_handler_owner_exit_removes_the_successor() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    let owner = Owner::spawn();
    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    m.add_handler(Dummy1H::new(&to)).await.unwrap();
    let to2 = to.clone();
    m.swap_handler(h(), h_id("next"), move |old| DummyH::successor(&to2, old))
        .await
        .unwrap();
    drain(&mut seen);
    owner.exit(ExitReason::other("gone")).await;
    assert_eq!(m.which_handlers().await.unwrap(), [h1()]);
    assert_eq!(
        drain(&mut seen),
        [
            Seen::Terminate('h', Removal::OwnerExited(ExitReason::other("gone"))),
            // The other handlers see the exit signal (OTP's handle_exit).
            Seen::Exit('1', owner.pid(), ExitReason::other("gone")),
        ]
    );
}

/// `swap_sup_handler` moves supervision to the caller: the old owner is told who took over,
/// and its death no longer touches the successor.
#[tokio::test]
async fn swap_sup_handler_to_a_new_owner() {
    let (to, _seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    let mut old_owner = Owner::spawn();
    let mut new_owner = Owner::spawn();
    old_owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    let (m2, to2, on_exit) = (m.clone(), to.clone(), new_owner.on_exit());
    new_owner
        .run(move || async move {
            m2.swap_sup_handler(h(), h1(), move |old| Dummy1H::successor(&to2, old), on_exit)
                .await
        })
        .await
        .unwrap();
    assert_eq!(
        old_owner.told(),
        [exit_notice(
            h(),
            HandlerExitReason::Swapped {
                new: h1().any(),
                owner: new_owner.pid()
            }
        )]
    );
    old_owner.exit(ExitReason::Normal).await;
    assert_eq!(m.which_handlers().await.unwrap(), [h1()]);
    new_owner.exit(ExitReason::Normal).await;
    assert_eq!(which(&m).await, Vec::<String>::new());
    assert_eq!(new_owner.told(), []);
}

// ---- notify ------------------------------------------------------------------------------------

/// `notify/1`: events reach the handlers; `remove_handler` and a bad return remove them;
/// with ids too.
#[tokio::test]
async fn notify() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start_named("ge_notify").await.unwrap();
    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.notify(Ev::Note("event"));
    assert_eq!(seen.recv().await, Some(Seen::Event('h', "event")));
    let to2 = to.clone();
    m.swap_handler(h(), h1(), move |old| Dummy1H::successor(&to2, old))
        .await
        .unwrap();
    assert_eq!(
        seen.recv().await,
        Some(Seen::Terminate('h', Removal::Swapped))
    );
    m.notify(Ev::Note("event"));
    assert_eq!(seen.recv().await, Some(Seen::Event('1', "event")));
    m.notify(Ev::Delete);
    assert_eq!(
        seen.recv().await,
        Some(Seen::Terminate('1', Removal::Removed))
    );
    assert_eq!(which(&m).await, Vec::<String>::new());

    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.notify(Ev::Error);
    assert_eq!(
        seen.recv().await,
        Some(Seen::Terminate('h', Removal::Failed(faulty())))
    );
    assert_eq!(which(&m).await, Vec::<String>::new());

    // With an id.
    m.add_handler_with_id(h_id(5), DummyH::new(&to))
        .await
        .unwrap();
    m.notify(Ev::Note("event"));
    assert_eq!(seen.recv().await, Some(Seen::Event('h', "event")));
    m.notify(Ev::Error);
    assert_eq!(
        seen.recv().await,
        Some(Seen::Terminate('h', Removal::Failed(faulty())))
    );
    assert_eq!(which(&m).await, Vec::<String>::new());
    m.stop().await.unwrap();
}

/// Every handler gets every event, newest handler first, and events in the order sent.
#[tokio::test]
async fn notify_reaches_every_handler_newest_first() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.add_handler(Dummy1H::new(&to)).await.unwrap();
    m.add_handler_with_id(h_id("x"), DummyH::new(&to))
        .await
        .unwrap();
    m.notify(Ev::Note("1"));
    m.notify(Ev::Note("2"));
    m.sync_notify(Ev::Note("3")).await.unwrap();
    let order: Vec<(char, &str)> = drain(&mut seen)
        .into_iter()
        .map(|s| match s {
            Seen::Event(k, n) => (k, n),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        order,
        [
            ('h', "1"),
            ('1', "1"),
            ('h', "1"),
            ('h', "2"),
            ('1', "2"),
            ('h', "2"),
            ('h', "3"),
            ('1', "3"),
            ('h', "3"),
        ]
    );
    assert_eq!(
        m.call(h_id("x"), Call::Seen).await,
        Ok(Rep::Seen(vec!["1", "2", "3"]))
    );
}

/// A handler that crashes is removed after its `terminate`; the manager and the other
/// handlers go on, and so does the handler behind it in the list.
#[tokio::test]
async fn notify_crash_is_contained() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    let pid = m.pid();
    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.add_handler(Dummy1H::new(&to)).await.unwrap();
    m.notify(Ev::Crash);
    m.notify(Ev::Note("after"));
    assert_eq!(which(&m).await, Vec::<String>::new());
    // Both handlers crash on `Crash`: the first one's removal does not skip the second.
    assert_eq!(
        drain(&mut seen),
        [
            Seen::Terminate('1', Removal::Crashed(badmatch())),
            Seen::Terminate('h', Removal::Crashed(badmatch())),
        ]
    );

    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.add_handler(Dummy1H::new(&to)).await.unwrap();
    // Only the newest fails; the other sees the next event.
    m.call(h1(), Call::Exit).await.unwrap_err();
    m.sync_notify(Ev::Note("still")).await.unwrap();
    assert_eq!(
        drain(&mut seen),
        [
            Seen::Terminate('1', Removal::Crashed(badmatch())),
            Seen::Event('h', "still"),
        ]
    );
    assert_eq!(m.pid(), pid);
}

// ---- sync_notify -------------------------------------------------------------------------------

/// `sync_notify/1`: the same as `notify/1`, and each check needs no waiting: when
/// `sync_notify` returns, the handlers have run.
#[tokio::test]
async fn sync_notify() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start_named("ge_sync_notify")
        .await
        .unwrap();
    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.sync_notify(Ev::Note("event")).await.unwrap();
    assert_eq!(drain(&mut seen), [Seen::Event('h', "event")]);
    m.sync_notify(Ev::Delete).await.unwrap();
    assert_eq!(drain(&mut seen), [Seen::Terminate('h', Removal::Removed)]);
    assert_eq!(which(&m).await, Vec::<String>::new());

    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.sync_notify(Ev::Error).await.unwrap();
    assert_eq!(
        drain(&mut seen),
        [Seen::Terminate('h', Removal::Failed(faulty()))]
    );

    // Supervised.
    let mut owner = Owner::spawn();
    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    m.sync_notify(Ev::Note("event")).await.unwrap();
    assert_eq!(drain(&mut seen), [Seen::Event('h', "event")]);
    m.sync_notify(Ev::Crash).await.unwrap();
    assert_eq!(
        owner.told(),
        [exit_notice(h(), HandlerExitReason::Crashed(badmatch()))]
    );
    assert_eq!(which(&m).await, Vec::<String>::new());
    m.stop().await.unwrap();
}

/// `sync_notify` returns only after every handler finished with the event, however long
/// each takes; `notify` returns at once.
#[tokio::test(start_paused = true)]
async fn sync_notify_waits_for_every_handler() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.add_handler(Dummy1H::new(&to)).await.unwrap();
    let start = tokio::time::Instant::now();
    m.notify(Ev::Slow("async", Duration::from_secs(1)));
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(drain(&mut seen), []);
    m.sync_notify(Ev::Slow("sync", Duration::from_secs(1)))
        .await
        .unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(4));
    assert_eq!(
        drain(&mut seen),
        [
            Seen::Event('1', "async"),
            Seen::Event('h', "async"),
            Seen::Event('1', "sync"),
            Seen::Event('h', "sync"),
        ]
    );
}

// ---- call --------------------------------------------------------------------------------------

/// `call/1`: replies by handler and id; `bad_module`; a timeout; `remove_handler` with a
/// reply; a bad return and a crash remove the handler and come back as errors.
#[tokio::test(start_paused = true)]
async fn call() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start_named("ge_call").await.unwrap();
    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.add_handler_with_id(h_id(1), DummyH::new(&to))
        .await
        .unwrap();
    assert_eq!(m.which_handlers().await.unwrap(), [h_id(1), h()]);
    assert_eq!(
        m.call(h1(), Call::Hejsan).await,
        Err(HandlerCallError::UnknownHandler(h1().any()))
    );
    assert_eq!(m.call(h(), Call::Hejsan).await, Ok(Rep::Hejhopp));
    assert_eq!(m.call(h_id(1), Call::Hejsan).await, Ok(Rep::Hejhopp));
    assert_eq!(
        m.with_timeout(Duration::from_secs(10))
            .call(h(), Call::Hejsan)
            .await,
        Ok(Rep::Hejhopp)
    );
    let got = m
        .with_timeout(Duration::from_millis(10))
        .call(h(), Call::Delayed(Duration::from_secs(1)))
        .await;
    assert!(
        matches!(
            got,
            Err(HandlerCallError::Manager(CallError::Timeout { .. }))
        ),
        "{got:?}"
    );
    m.delete_handler(h_id(1)).await.unwrap();

    m.add_handler(Dummy1H::new(&to)).await.unwrap();
    assert_eq!(m.call(h1(), Call::Delete).await, Ok(Rep::Ok));
    // The handler's terminate ran before the reply.
    assert!(drain(&mut seen).contains(&Seen::Terminate('1', Removal::Removed)));
    assert_eq!(m.which_handlers().await.unwrap(), [h()]);

    assert_eq!(
        m.call(h(), Call::Error).await,
        Err(HandlerCallError::HandlerFailed(faulty()))
    );
    assert_eq!(
        drain(&mut seen),
        [Seen::Terminate('h', Removal::Failed(faulty()))]
    );
    assert_eq!(which(&m).await, Vec::<String>::new());

    m.add_handler_with_id(h_id(4), DummyH::new(&to))
        .await
        .unwrap();
    assert_eq!(
        m.call(h_id(4), Call::Exit).await,
        Err(HandlerCallError::HandlerCrashed(badmatch()))
    );
    assert_eq!(
        drain(&mut seen),
        [Seen::Terminate('h', Removal::Crashed(badmatch()))]
    );
    assert_eq!(which(&m).await, Vec::<String>::new());
    m.stop().await.unwrap();
}

/// `call/1`, supervised: the owner is told of a removal by call, a bad return and a crash.
#[tokio::test]
async fn call_sup_handler() {
    let (to, _seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    let mut owner = Owner::spawn();
    owner.add_sup(&m, h1(), Dummy1H::new(&to)).await.unwrap();
    assert_eq!(m.call(h1(), Call::Hejsan).await, Ok(Rep::Hejhopp));
    assert_eq!(m.call(h1(), Call::Delete).await, Ok(Rep::Ok));
    assert_eq!(owner.told(), [exit_notice(h1(), HandlerExitReason::Normal)]);

    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    assert_eq!(
        m.call(h(), Call::Error).await,
        Err(HandlerCallError::HandlerFailed(faulty()))
    );
    assert_eq!(
        owner.told(),
        [exit_notice(h(), HandlerExitReason::Failed(faulty()))]
    );

    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    assert_eq!(
        m.call(h(), Call::Exit).await,
        Err(HandlerCallError::HandlerCrashed(badmatch()))
    );
    assert_eq!(
        owner.told(),
        [exit_notice(h(), HandlerExitReason::Crashed(badmatch()))]
    );
    assert_eq!(which(&m).await, Vec::<String>::new());
}

/// A handler without `handle_call` fails the call and is removed (OTP: `undef`).
#[tokio::test]
async fn call_without_handle_call() {
    struct Mute;
    impl EventHandler<Ev> for Mute {
        type Call = ();
        type Reply = ();
        type Terminated = ();
        async fn handle_event(&mut self, _: &Ev) -> Handled {
            Handled::Ok
        }
    }
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(Mute).await.unwrap();
    let err = m.call(HandlerId::<Mute>::new(), ()).await.unwrap_err();
    assert!(
        matches!(&err, HandlerCallError::HandlerFailed(r) if r.to_string().ends_with("Mute has no handle_call")),
        "{err}"
    );
    assert_eq!(which(&m).await, Vec::<String>::new());
}

/// A call waits for the handler, and a manager dying during the call is reported at once.
#[tokio::test(start_paused = true)]
async fn call_to_a_manager_that_dies() {
    let (to, _seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(DummyH::new(&to)).await.unwrap();
    let pid = m.pid().unwrap();
    let m2 = m.clone();
    let call = tokio::spawn(async move {
        m2.with_timeout(INFINITY)
            .call(h(), Call::Delayed(Duration::from_secs(60)))
            .await
    });
    tokio::task::yield_now().await;
    otp_runtime::exit(pid, ExitReason::Kill);
    assert_eq!(
        call.await.unwrap(),
        Err(HandlerCallError::Manager(CallError::Exited(
            ExitReason::Killed
        )))
    );
}

// ---- info --------------------------------------------------------------------------------------

/// `info/1`: raw messages reach every handler's `handle_info`; `remove_handler`, a bad
/// return and a crash from it remove the handler; supervised, the owner is told.
#[tokio::test]
async fn info() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start_named("ge_info").await.unwrap();
    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.send_info("info");
    assert_eq!(seen.recv().await, Some(Seen::Info('h', "info")));
    let to2 = to.clone();
    m.swap_handler(h(), h1_id(2), move |old| Dummy1H::successor(&to2, old))
        .await
        .unwrap();
    drain(&mut seen);
    m.send_info("info");
    assert_eq!(seen.recv().await, Some(Seen::Info('1', "info")));
    m.send_info("delete_info");
    assert_eq!(
        seen.recv().await,
        Some(Seen::Terminate('1', Removal::Removed))
    );
    assert_eq!(which(&m).await, Vec::<String>::new());

    m.add_handler_with_id(h_id(3), DummyH::new(&to))
        .await
        .unwrap();
    m.send_info("error_info");
    assert_eq!(
        seen.recv().await,
        Some(Seen::Terminate('h', Removal::Failed(faulty())))
    );
    assert_eq!(which(&m).await, Vec::<String>::new());

    // Supervised.
    let mut owner = Owner::spawn();
    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    m.send_info("delete_info");
    assert_eq!(which(&m).await, Vec::<String>::new());
    assert_eq!(owner.told(), [exit_notice(h(), HandlerExitReason::Normal)]);
    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    m.send_info("error_info");
    assert_eq!(which(&m).await, Vec::<String>::new());
    assert_eq!(
        owner.told(),
        [exit_notice(h(), HandlerExitReason::Failed(faulty()))]
    );
    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    m.send_info("do_crash");
    assert_eq!(which(&m).await, Vec::<String>::new());
    assert_eq!(
        owner.told(),
        [exit_notice(h(), HandlerExitReason::Crashed(badmatch()))]
    );
    // A message of another type is handled too (here: ignored).
    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.send_info(42_u64);
    assert_eq!(m.which_handlers().await.unwrap(), [h()]);
    m.stop().await.unwrap();
}

/// Exit signals from linked processes and `DOWN`s of monitors set by handlers reach the
/// handlers' `handle_info`; the manager (trapping exits) survives an abnormal one.
#[tokio::test]
async fn info_exit_and_down_reach_handlers() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(DummyH::new(&to)).await.unwrap();

    // A process that links itself to the manager, then crashes.
    let mgr = m.pid().unwrap();
    let linked = otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.link(mgr);
        ctx.recv().await;
        panic!("linked process crashed");
    });
    let watched = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        ExitReason::other("watched ends")
    });
    let Ok(Rep::Mon(monitor)) = m.call(h(), Call::Monitor(watched.pid())).await else {
        panic!("no monitor");
    };
    assert_eq!(monitor.target(), watched.pid());

    linked.send(()).unwrap();
    linked.wait_exit().await;
    watched.send(()).unwrap();
    watched.wait_exit().await;
    // Signals are in the mailbox before their sender's end is known; this call comes after.
    assert_eq!(m.which_handlers().await.unwrap(), [h()]);
    assert_eq!(
        drain(&mut seen),
        [
            Seen::Exit(
                'h',
                linked.pid(),
                ExitReason::Panic("linked process crashed".into())
            ),
            Seen::Down('h', watched.pid(), ExitReason::other("watched ends")),
        ]
    );
}

/// An owner's death removes its handlers and then is an exit signal to the other handlers.
#[tokio::test]
async fn info_owner_exit_reaches_the_other_handlers() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(Dummy1H::new(&to)).await.unwrap();
    let owner = Owner::spawn();
    owner.add_sup(&m, h(), DummyH::new(&to)).await.unwrap();
    owner.exit(ExitReason::other("sup_died")).await;
    assert_eq!(m.which_handlers().await.unwrap(), [h1()]);
    assert_eq!(
        drain(&mut seen),
        [
            Seen::Terminate('h', Removal::OwnerExited(ExitReason::other("sup_died"))),
            Seen::Exit('1', owner.pid(), ExitReason::other("sup_died")),
        ]
    );
}

// ---- supervision -------------------------------------------------------------------------------

/// The manager as a supervisor's child: its start function adds the handlers, so a restarted
/// manager has them again; the supervisor's shutdown runs their `terminate`.
#[tokio::test]
async fn supervised_manager_is_restarted_with_its_handlers() {
    let (to, mut seen) = probe_channel();
    let starts = Arc::new(Mutex::new(0));
    let spec = {
        let starts = starts.clone();
        ChildSpec::from_fn("events", move || {
            let (to, starts) = (to.clone(), starts.clone());
            async move {
                let m = EventManager::<Ev>::start_link_named("ge_supervised").await?;
                m.add_handler(DummyH::new(&to))
                    .await
                    .map_err(|e| StartError::Failed(ExitReason::other(e)))?;
                *starts.lock().unwrap() += 1;
                Ok(m)
            }
        })
    };
    let sup = SupervisorSpec::one_for_one()
        .intensity(5, Duration::from_secs(10))
        .child(spec)
        .start()
        .await
        .unwrap();
    let m = EventManagerRef::<Ev>::named("ge_supervised");
    m.sync_notify(Ev::Note("first")).await.unwrap();
    let first = m.pid().unwrap();

    otp_runtime::exit(first, ExitReason::Kill);
    otp_runtime::wait_exit(first).await;
    // The supervisor has the manager's exit signal; once it answers, the restart is done.
    let children = sup.which_children().await.unwrap();
    let ChildState::Running(second) = children[0].state else {
        panic!("not restarted: {children:?}");
    };
    assert_ne!(second, first);
    assert_eq!(m.pid(), Some(second));
    assert_eq!(*starts.lock().unwrap(), 2);
    m.sync_notify(Ev::Note("second")).await.unwrap();
    assert_eq!(m.which_handlers().await.unwrap(), [h()]);

    sup.stop().await.unwrap();
    assert_eq!(
        drain(&mut seen),
        [
            Seen::Event('h', "first"),
            // Killed: no terminate for the first incarnation's handler.
            Seen::Event('h', "second"),
            Seen::Terminate('h', Removal::Stopped),
        ]
    );
    assert_eq!(m.pid(), None);
}

/// `EventManagerRef` is what a supervisor's start function may return, and a typed handle
/// can be made from the pid a supervisor reports.
#[tokio::test]
async fn supervised_manager_from_pid() {
    let sup = SupervisorSpec::one_for_one()
        .child(ChildSpec::from_fn("events", EventManager::<Ev>::start_link))
        .start()
        .await
        .unwrap();
    let ChildState::Running(pid) = sup.which_children().await.unwrap()[0].state else {
        panic!("not running");
    };
    let m = EventManagerRef::<Ev>::from_pid(pid).unwrap();
    assert_eq!(m.which_handlers().await, Ok(vec![]));
    assert_eq!(
        EventManagerRef::<u8>::from_pid(pid).unwrap_err(),
        CallError::WrongType(pid)
    );
    sup.stop().await.unwrap();
    assert_eq!(m.wait_exit().await, ExitReason::Shutdown);
}

/// Handlers of the multi-thread runtime: many clients notify at once; every event reaches
/// every handler exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_notifies() {
    let (to, mut seen) = probe_channel();
    let m = EventManager::<Ev>::start().await.unwrap();
    m.add_handler(DummyH::new(&to)).await.unwrap();
    m.add_handler(Dummy1H::new(&to)).await.unwrap();
    const NOTES: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "i"];
    let clients: Vec<_> = NOTES
        .iter()
        .map(|&n| {
            let m = m.clone();
            tokio::spawn(async move {
                for _ in 0..50 {
                    m.notify(Ev::Note(n));
                }
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    m.sync_notify(Ev::Note("end")).await.unwrap();
    let all = drain(&mut seen);
    assert_eq!(all.len(), 2 * (NOTES.len() * 50 + 1));
    for n in NOTES {
        for k in ['h', '1'] {
            let count = all.iter().filter(|s| **s == Seen::Event(k, n)).count();
            assert_eq!(count, 50, "{k} {n}");
        }
    }
}
