//! Shared pieces of the gen_statem tests (ported from OTP's `gen_statem_SUITE.erl`).
//!
//! [`Stm`] plays the suite's own callback module: the `idle` / `wfor_conf` / `connected`
//! protocol of `do_func_test` and `do_sync_func_test` (with a postponed `ping`), the
//! `timeout` / `timeout2` dance of `{timeout, T}`, `next_events`, the `hiber_*` states of
//! `hibernate`, and `handle_common_events`. What the suite's machine sends to the test
//! process (`Pid ! yes`, `accept`, `{pong, Tag}`, `{ack, R}`) arrives here as a [`Note`] on a
//! channel the test owns; so do `terminate`, trapped exits and monitors.
//!
//! The helpers ([`wfor`], [`in_process`], [`linked_parent`], …) mirror the suite's and
//! `gen_server.rs`'s. Every test runs on tokio's paused clock: a sleep is a deterministic
//! jump of the clock, never a race.

#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use otp_runtime::prelude::*;
use tokio::sync::{mpsc, oneshot};

// ---- the suite's machine ---------------------------------------------------------------

/// What the machine tells the test (the suite's `Pid ! Msg`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Note {
    /// `init` ran in this process.
    Started(Pid),
    Yes,
    Accept,
    Pong(u32),
    Ack(u32),
    /// An `Event::Info(StmInfo::Note(_))`.
    Info(&'static str),
    /// A trapped exit signal (`Event::Exit`).
    Exit(Pid, ExitReason),
    /// A monitored process ended (`Event::Down`).
    Down(Pid, ExitReason),
    /// `terminate` ran in this state, with this reason.
    Terminated(St, ExitReason),
}

pub type Notes = mpsc::UnboundedReceiver<Note>;

/// The suite's states (`idle`, `wfor_conf`, …).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum St {
    Idle,
    WforConf,
    Connected,
    Timeout,
    Timeout2,
    NextEvents,
    HiberIdle,
    HiberWakeup,
}

#[derive(Debug)]
pub enum Call {
    /// `get`: the state.
    Get,
    /// What is left of `next_events`' data.
    Letters,
    /// `'alive?'`
    Alive,
    Connect,
    Confirm,
    Msg(u32),
    Disconnect,
    /// `stop`: `stop_and_reply` with `normal`.
    Stop,
    /// `{stop, Reason}`
    StopWith(ExitReason),
    /// `{timeout, T}`: answered `Ok` after the suite's `timeout` / `timeout2` dance.
    Timeout(Duration),
    /// `{delayed_answer, T}`: the handler sleeps `T`, then answers `Delayed`.
    DelayedAnswer(Duration),
    Echo(u32),
    /// A panic in the handler.
    Panic,
    /// OTP's bad action, as a type-checked program can still make it: a transition that
    /// postpones without giving the event back.
    PostponeWithoutEvent,
    HibernateSync,
    WakeupSync,
    SnoozeSync,
    /// Answered `Later` from a timer event after this long (a deferred reply).
    ReplyAfter(Duration),
    Monitor(Pid),
    Link(Pid),
    /// An unknown request (OTP's `hej`).
    Hej,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Rep {
    State(St),
    Letters(Vec<char>),
    Yes,
    Accept,
    Ack(u32),
    Stopped,
    Ok,
    Delayed,
    N(u32),
    /// `'eh?'`: an unknown call.
    Eh,
    Hibernating,
    GoodMorning,
    FiveMore,
    Later,
}

#[derive(Debug)]
pub enum Cast {
    /// `{'alive?', Pid}`: notes `Yes`.
    Alive,
    Connect,
    Ping(u32),
    Confirm,
    Msg(u32),
    Disconnect,
    /// `next_event`: to `next_events` with three inserted events.
    NextEvent,
    Stop(ExitReason),
    HibernateAsync,
    WakeupAsync,
    SnoozeAsync,
    /// Keeps the machine busy.
    Sleep(Duration),
    Panic,
}

#[derive(Debug)]
pub enum StmInfo {
    /// The suite's `erlang:start_timer(Time, self(), ok)` of the `timeout` dance.
    TimerOk,
    HibernateNow,
    HibernateLater(Duration),
    HibernateTimer,
    /// The deferred answer of `Call::ReplyAfter`.
    Answer(ReplyTo<Rep>),
    /// Noted as `Note::Info`.
    Note(&'static str),
}

/// What the event timeouts of the `timeout` dance carry.
#[derive(Debug)]
pub enum Tmo {
    Idle,
    Zero,
    ShouldBeCancelled,
}

/// What `init` does (the suite's `init/1` clauses).
#[derive(Clone, Debug)]
pub enum InitMode {
    Idle,
    Hiber,
    HiberNow,
    Ignore,
    Stop(ExitReason),
    Panic,
    /// Postpones an event in `init`, where there is none: a bad action.
    PostponeInInit,
    Sleep(Duration),
}

pub struct Stm {
    notes: mpsc::UnboundedSender<Note>,
    init: InitMode,
    trap: bool,
    /// The caller of `Call::Timeout`.
    pending: Option<ReplyTo<Rep>>,
    timer_after: Duration,
    letters: Vec<char>,
}

/// The suite's machine, starting as `init` says, and its notes.
pub fn stm(init: InitMode) -> (Stm, Notes) {
    let (tx, rx) = mpsc::unbounded_channel();
    (stm_noting(init, tx), rx)
}

/// The suite's machine, noting to `tx`.
pub fn stm_noting(init: InitMode, tx: mpsc::UnboundedSender<Note>) -> Stm {
    Stm {
        notes: tx,
        init,
        trap: false,
        pending: None,
        timer_after: Duration::ZERO,
        letters: Vec::new(),
    }
}

impl Stm {
    /// The machine traps exits (set in `init`).
    pub fn trapping(mut self) -> Self {
        self.trap = true;
        self
    }

    fn note(&self, n: Note) {
        let _ = self.notes.send(n);
    }
}

fn keep() -> Transition<St> {
    Transition::keep()
}

impl GenStatem for Stm {
    type State = St;
    type Call = Call;
    type Reply = Rep;
    type Cast = Cast;
    type Info = StmInfo;
    type Internal = char;
    type Timeout = Tmo;

    async fn init(&mut self, ctx: &mut StatemCtx<'_, Self>) -> StatemInit<St> {
        if self.trap {
            ctx.trap_exit(true);
        }
        self.note(Note::Started(ctx.pid()));
        match self.init.clone() {
            InitMode::Idle => StatemInit::Ok(St::Idle),
            InitMode::Hiber => StatemInit::Ok(St::HiberIdle),
            InitMode::HiberNow => {
                ctx.hibernate();
                StatemInit::Ok(St::HiberIdle)
            }
            InitMode::Ignore => StatemInit::Ignore,
            InitMode::Stop(reason) => StatemInit::Stop(reason),
            InitMode::Panic => panic!("init crashed"),
            InitMode::PostponeInInit => {
                ctx.postpone(Event::Cast(Cast::Alive));
                StatemInit::Ok(St::Idle)
            }
            InitMode::Sleep(d) => {
                tokio::time::sleep(d).await;
                StatemInit::Ok(St::Idle)
            }
        }
    }

    async fn handle_event(
        &mut self,
        state: &St,
        event: Event<Self>,
        ctx: &mut StatemCtx<'_, Self>,
    ) -> Transition<St> {
        use St::*;
        match (*state, event) {
            // ---- handle_common_events
            (s, Event::Call(Call::Get, r)) => {
                r.reply(Rep::State(s));
                keep()
            }
            (_, Event::Call(Call::Letters, r)) => {
                r.reply(Rep::Letters(self.letters.clone()));
                keep()
            }
            (_, Event::Call(Call::Alive, r)) => {
                r.reply(Rep::Yes);
                keep()
            }
            (_, Event::Cast(Cast::Alive)) => {
                self.note(Note::Yes);
                keep()
            }
            (_, Event::Call(Call::Stop, r)) => {
                r.reply(Rep::Stopped);
                Transition::stop(ExitReason::Normal)
            }
            (_, Event::Call(Call::StopWith(reason), r)) => {
                r.reply(Rep::Stopped);
                Transition::stop(reason)
            }
            (_, Event::Cast(Cast::Stop(reason))) => Transition::stop(reason),
            (_, Event::Call(Call::Echo(n), r)) => {
                r.reply(Rep::N(n));
                keep()
            }
            (_, Event::Call(Call::DelayedAnswer(d), r)) => {
                tokio::time::sleep(d).await;
                r.reply(Rep::Delayed);
                keep()
            }
            (_, Event::Call(Call::Panic, _)) | (_, Event::Cast(Cast::Panic)) => panic!("boom"),
            (_, Event::Cast(Cast::Sleep(d))) => {
                tokio::time::sleep(d).await;
                keep()
            }
            (_, Event::Call(Call::ReplyAfter(d), r)) => {
                ctx.send_after(d, StmInfo::Answer(r));
                keep()
            }
            (_, Event::Info(StmInfo::Answer(r))) => {
                r.reply(Rep::Later);
                keep()
            }
            (_, Event::Call(Call::Monitor(pid), r)) => {
                ctx.monitor(pid);
                r.reply(Rep::Ok);
                keep()
            }
            (_, Event::Call(Call::Link(pid), r)) => {
                ctx.link(pid);
                r.reply(Rep::Ok);
                keep()
            }
            (_, Event::Info(StmInfo::Note(what))) => {
                self.note(Note::Info(what));
                keep()
            }
            (_, Event::Exit { from, reason }) => {
                self.note(Note::Exit(from, reason));
                keep()
            }
            (_, Event::Down { pid, reason, .. }) => {
                self.note(Note::Down(pid, reason));
                keep()
            }

            // ---- idle
            (Idle, Event::Cast(Cast::Connect)) => {
                self.note(Note::Accept);
                // A no-op timeout, "just to test the API".
                ctx.event_timeout(INFINITY, Tmo::Idle);
                Transition::next(WforConf)
            }
            (Idle, Event::Call(Call::Connect, r)) => {
                r.reply(Rep::Accept);
                ctx.event_timeout(INFINITY, Tmo::Idle);
                Transition::next(WforConf)
            }
            (Idle, Event::Call(Call::PostponeWithoutEvent, _)) => Transition::keep().postpone(),
            (Idle, Event::Call(Call::Timeout(t), r)) => {
                self.pending = Some(r);
                self.timer_after = t;
                ctx.event_timeout(t, Tmo::Idle);
                Transition::next(Timeout)
            }
            (Idle, Event::Cast(Cast::NextEvent)) => {
                self.letters = vec!['a', 'b', 'c'];
                for c in ['a', 'b', 'c'] {
                    ctx.next_event(Event::Internal(c));
                }
                Transition::next(NextEvents)
            }
            (Idle, Event::Call(_, r)) => {
                r.reply(Rep::Eh);
                keep()
            }
            (Idle, e) => Transition::stop(ExitReason::other(format!(
                "unexpected {} in idle",
                e.kind()
            ))),

            // ---- timeout, timeout2
            (Timeout, Event::Timeout(Tmo::Idle)) => {
                ctx.send_after(self.timer_after, StmInfo::TimerOk);
                ctx.event_timeout(Duration::ZERO, Tmo::Zero);
                keep()
            }
            (Timeout, e @ Event::Timeout(Tmo::Zero)) => {
                // The retried event cancels this timeout in timeout2.
                ctx.event_timeout(Duration::from_millis(1), Tmo::ShouldBeCancelled);
                ctx.postpone(e);
                Transition::next(Timeout2)
            }
            (Timeout, _) => keep(),
            (Timeout2, Event::Timeout(Tmo::Zero)) => keep(),
            (Timeout2, Event::Timeout(other)) => {
                Transition::stop(ExitReason::other(format!("{other:?}")))
            }
            (Timeout2, Event::Info(StmInfo::TimerOk)) => {
                if let Some(r) = self.pending.take() {
                    r.reply(Rep::Ok);
                }
                Transition::next(Idle)
            }
            (Timeout2, _) => keep(),

            // ---- wfor_conf
            (WforConf, Event::Call(Call::Confirm, r)) => {
                r.reply(Rep::Yes);
                Transition::next(Connected)
            }
            (WforConf, e @ Event::Cast(Cast::Ping(_))) => {
                ctx.postpone(e);
                keep()
            }
            (WforConf, Event::Cast(Cast::Confirm)) => Transition::next(Connected),
            (WforConf, Event::Call(_, r)) => {
                r.reply(Rep::Eh);
                Transition::next(Idle)
            }
            (WforConf, _) => keep(),

            // ---- connected
            (Connected, Event::Call(Call::Msg(n), r)) => {
                r.reply(Rep::Ack(n));
                keep()
            }
            (Connected, Event::Cast(Cast::Msg(n))) => {
                self.note(Note::Ack(n));
                keep()
            }
            (Connected, Event::Call(Call::Disconnect, r)) => {
                r.reply(Rep::Yes);
                Transition::next(Idle)
            }
            (Connected, Event::Cast(Cast::Disconnect)) => Transition::next(Idle),
            (Connected, Event::Cast(Cast::Ping(n))) => {
                self.note(Note::Pong(n));
                keep()
            }
            (Connected, Event::Call(_, r)) => {
                r.reply(Rep::Eh);
                keep()
            }
            (Connected, _) => keep(),

            // ---- next_events
            (NextEvents, Event::Internal(c)) if self.letters.first() == Some(&c) => {
                self.letters.remove(0);
                keep()
            }
            (NextEvents, _) => keep(),

            // ---- hiber_idle, hiber_wakeup
            (HiberIdle, Event::Call(Call::HibernateSync, r)) => {
                r.reply(Rep::Hibernating);
                ctx.hibernate();
                Transition::next(HiberWakeup)
            }
            (HiberIdle, Event::Info(StmInfo::HibernateLater(d))) => {
                ctx.send_after(d, StmInfo::HibernateTimer);
                keep()
            }
            (HiberIdle, Event::Info(StmInfo::HibernateNow | StmInfo::HibernateTimer)) => {
                ctx.hibernate();
                keep()
            }
            (HiberIdle, Event::Cast(Cast::HibernateAsync)) => {
                ctx.hibernate();
                Transition::next(HiberWakeup)
            }
            (HiberIdle, _) => keep(),
            (HiberWakeup, Event::Call(Call::WakeupSync, r)) => {
                r.reply(Rep::GoodMorning);
                Transition::next(HiberIdle)
            }
            (HiberWakeup, Event::Call(Call::SnoozeSync, r)) => {
                r.reply(Rep::FiveMore);
                ctx.hibernate();
                keep()
            }
            (HiberWakeup, Event::Cast(Cast::WakeupAsync)) => Transition::next(HiberIdle),
            (HiberWakeup, Event::Cast(Cast::SnoozeAsync)) => {
                ctx.hibernate();
                keep()
            }
            (HiberWakeup, _) => keep(),
        }
    }

    async fn terminate(&mut self, reason: &ExitReason, state: &St, _ctx: &mut EnterCtx<'_, Self>) {
        self.note(Note::Terminated(*state, reason.clone()));
    }
}

// ---- the suite's helpers ---------------------------------------------------------------

/// A registered name of this suite; `tag` is unique per test (tests share one registry).
pub fn name(tag: &str) -> String {
    format!("gen_statem_SUITE.{tag}")
}

/// The next note; fails the test if none comes within 10 s (instant on the paused clock).
pub async fn next_note(rx: &mut Notes) -> Note {
    match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
        Ok(Some(n)) => n,
        Ok(None) => panic!("the machine is gone and sent no more notes"),
        Err(_) => panic!("no note within 10 s"),
    }
}

/// The suite's `wfor(Msg)`, stricter: the next note must be `want`.
pub async fn wfor(rx: &mut Notes, want: Note) {
    assert_eq!(next_note(rx).await, want);
}

/// Skips the `Started` note and gives the machine's pid.
pub async fn started(rx: &mut Notes) -> Pid {
    match next_note(rx).await {
        Note::Started(pid) => pid,
        other => panic!("expected Started, got {other:?}"),
    }
}

/// The notes already sent.
pub fn drain(rx: &mut Notes) -> Vec<Note> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

/// The suite's `check_state`.
pub async fn check_state(m: &StatemRef<Stm>, state: St) {
    assert_eq!(m.call(Call::Get).await, Ok(Rep::State(state)));
}

/// The suite's `do_func_test`: the connect protocol by casts, with a postponed ping.
pub async fn do_func_test(m: &StatemRef<Stm>, rx: &mut Notes) {
    m.cast(Cast::Alive);
    wfor(rx, Note::Yes).await;
    // do_connect
    check_state(m, St::Idle).await;
    m.cast(Cast::Connect);
    wfor(rx, Note::Accept).await;
    check_state(m, St::WforConf).await;
    m.cast(Cast::Ping(1)); // postponed in wfor_conf
    m.cast(Cast::Confirm);
    wfor(rx, Note::Pong(1)).await;
    check_state(m, St::Connected).await;
    m.cast(Cast::Alive);
    wfor(rx, Note::Yes).await;
    // do_msg, three times
    for r in 10..13 {
        check_state(m, St::Connected).await;
        m.cast(Cast::Msg(r));
        wfor(rx, Note::Ack(r)).await;
    }
    m.cast(Cast::Alive);
    wfor(rx, Note::Yes).await;
    // do_disconnect
    m.cast(Cast::Disconnect);
    check_state(m, St::Idle).await;
    m.cast(Cast::Alive);
    wfor(rx, Note::Yes).await;
}

/// The suite's `do_sync_func_test`: the same by calls, then the `{timeout, 200}` dance.
pub async fn do_sync_func_test(m: &StatemRef<Stm>, rx: &mut Notes) {
    assert_eq!(m.call(Call::Alive).await, Ok(Rep::Yes));
    // do_sync_connect
    check_state(m, St::Idle).await;
    assert_eq!(m.call(Call::Connect).await, Ok(Rep::Accept));
    check_state(m, St::WforConf).await;
    m.cast(Cast::Ping(2));
    assert_eq!(m.call(Call::Confirm).await, Ok(Rep::Yes));
    wfor(rx, Note::Pong(2)).await;
    check_state(m, St::Connected).await;
    assert_eq!(m.call(Call::Alive).await, Ok(Rep::Yes));
    // do_sync_msg, three times
    for r in 20..23 {
        check_state(m, St::Connected).await;
        assert_eq!(m.call(Call::Msg(r)).await, Ok(Rep::Ack(r)));
    }
    assert_eq!(m.call(Call::Alive).await, Ok(Rep::Yes));
    // do_sync_disconnect
    assert_eq!(m.call(Call::Disconnect).await, Ok(Rep::Yes));
    check_state(m, St::Idle).await;
    assert_eq!(m.call(Call::Alive).await, Ok(Rep::Yes));
    check_state(m, St::Idle).await;
    // Event timeout 200 ms, a 200 ms timer, a zero timeout postponed across a state change
    // (its retry cancels the 1 ms event timeout set with it), then the timer answers.
    let t0 = tokio::time::Instant::now();
    assert_eq!(
        m.call(Call::Timeout(Duration::from_millis(200))).await,
        Ok(Rep::Ok)
    );
    assert_eq!(t0.elapsed(), Duration::from_millis(400));
    assert_eq!(m.call(Call::Alive).await, Ok(Rep::Yes));
    check_state(m, St::Idle).await;
}

/// The suite's `stop_it`: `stop` answers `stopped`, the machine ends `normal` (terminate
/// runs), then calls find no process.
pub async fn stop_it(m: &StatemRef<Stm>, rx: &mut Notes) {
    // Bound to the pid: a named handle stops resolving once the name goes with the machine.
    let bound = StatemRef::<Stm>::from_pid(m.pid().expect("running")).unwrap();
    assert_eq!(m.call(Call::Stop).await, Ok(Rep::Stopped));
    assert_eq!(bound.wait_exit().await, ExitReason::Normal);
    let terminated = drain(rx);
    assert!(
        matches!(
            terminated.as_slice(),
            [Note::Terminated(_, ExitReason::Normal)]
        ),
        "{terminated:?}"
    );
    check_stopped(m).await;
}

/// The suite's `check_stopped`.
pub async fn check_stopped(m: &StatemRef<Stm>) {
    let got = m.call(Call::Hej).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}

/// Runs `f` as the body of a new process and returns the process's exit reason: `Normal`
/// if `f` completed, `Panic(msg)` if an assertion in it failed.
pub async fn in_process<M, F, Fut>(f: F) -> ExitReason
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

/// Asserts that `ctx` receives nothing within `d`.
pub async fn no_message_within<M: std::fmt::Debug + Send + 'static>(
    ctx: &mut ProcessCtx<M>,
    d: Duration,
) {
    if let Some(m) = ctx.recv_timeout(d).await {
        panic!("unexpected message {m:?}");
    }
}

/// The next message of `ctx`, within 10 s.
pub async fn recv<M: Send + 'static>(ctx: &mut ProcessCtx<M>) -> Message<M> {
    ctx.recv_timeout(Duration::from_secs(10))
        .await
        .expect("a message within 10 s")
}

/// A raw process that exits with the reason it is sent.
pub fn exits_on_request() -> ProcessRef<ExitReason> {
    otp_runtime::spawn(|mut ctx: ProcessCtx<ExitReason>| async move {
        match ctx.recv().await {
            Message::Msg(reason) => reason,
            other => ExitReason::other(format!("unexpected {other:?}")),
        }
    })
}

/// A parent process that starts `machine` linked, hands out its handle, then exits with the
/// reason it is sent.
pub async fn linked_parent<M: GenStatem>(machine: M) -> (ProcessRef<ExitReason>, StatemRef<M>) {
    let (tx, rx) = oneshot::channel();
    let parent = otp_runtime::spawn(move |mut ctx: ProcessCtx<ExitReason>| async move {
        let m = machine.start_link().await.expect("start_link");
        let _ = tx.send(m);
        match ctx.recv().await {
            Message::Msg(reason) => reason,
            other => ExitReason::other(format!("unexpected {other:?}")),
        }
    });
    (parent, rx.await.expect("the parent started the machine"))
}

/// The text of an `Other` or `Panic` reason.
pub fn reason_text(reason: &ExitReason) -> &str {
    match reason {
        ExitReason::Other(s) | ExitReason::Panic(s) => s,
        other => panic!("expected an Other or Panic reason, got {other:?}"),
    }
}
