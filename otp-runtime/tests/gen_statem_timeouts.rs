//! gen_statem timeouts, ported from Erlang/OTP's `lib/stdlib/test/gen_statem_SUITE.erl`
//! (`state_timeout`, `timeout_cancel_and_update`, `generic_timers`) and otp-semantics §A4
//! step 6: the event timeout (cancelled by any event), the state timeout (cancelled by a
//! state change, one set during a change belongs to the new state), generic timeouts (never
//! cancelled by the runtime), zero timeouts (queued after inserted and postponed events,
//! before the mailbox, in the order set), restart, `INFINITY`, cancel and update.
//!
//! Every machine logs each event it handles as `"<ms since start> <state> <event>"` on a
//! channel; tests compare whole logs. All on tokio's paused clock, where a sleep is a jump of
//! the clock to the next timer: the times in the logs are exact.

mod statem_common;

use std::fmt::{Debug, Display};
use std::time::Duration;

use otp_runtime::prelude::*;
use statem_common::{in_process, no_message_within, recv};
use tokio::sync::mpsc;
use tokio::time::Instant;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ---- the log -------------------------------------------------------------------------------

#[derive(Clone)]
struct Log {
    t0: Instant,
    tx: mpsc::UnboundedSender<String>,
}

struct Logged {
    t0: Instant,
    rx: mpsc::UnboundedReceiver<String>,
}

fn log() -> (Log, Logged) {
    let (tx, rx) = mpsc::unbounded_channel();
    let t0 = Instant::now();
    (Log { t0, tx }, Logged { t0, rx })
}

impl Log {
    fn put(&self, state: &dyn Debug, what: impl Display) {
        let ms = self.t0.elapsed().as_millis();
        let _ = self.tx.send(format!("{ms} {state:?} {what}"));
    }
}

impl Logged {
    /// What was logged so far.
    fn take(&mut self) -> Vec<String> {
        std::iter::from_fn(|| self.rx.try_recv().ok()).collect()
    }

    /// Sleeps until `n` ms after the start.
    async fn at(&self, n: u64) {
        tokio::time::sleep_until(self.t0 + ms(n)).await;
    }
}

/// How an event's content shows in the log.
trait Show {
    fn show(&self) -> String;
}

impl Show for u32 {
    fn show(&self) -> String {
        format!(" {self}")
    }
}

fn describe<M: GenStatem>(e: &Event<M>) -> String
where
    M::Internal: Show,
    M::Timeout: Show,
{
    match e {
        Event::Internal(c) => format!("internal{}", c.show()),
        Event::Timeout(c) => format!("timeout{}", c.show()),
        Event::StateTimeout(c) => format!("state_timeout{}", c.show()),
        Event::GenericTimeout(name, c) => format!("{{timeout,{name}}}{}", c.show()),
        other => other.kind().to_string(),
    }
}

fn unexpected<S>(state: impl Debug, what: String) -> Transition<S> {
    Transition::stop(ExitReason::other(format!("unexpected {what} in {state:?}")))
}

// ---- state_timeout ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum P {
    Start,
    State1,
    State2,
    State3,
}

enum PCall {
    Go(Duration),
    Check,
}

/// The suite's `state_timeout` machine; `step` is the suite's `{ok, N, Data}`.
struct StateTimeoutSuite {
    log: Log,
    step: u32,
    time: Duration,
    from: Option<ReplyTo<()>>,
}

impl GenStatem for StateTimeoutSuite {
    type State = P;
    type Call = PCall;
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Internal = u32;
    type Timeout = u32;

    async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<P> {
        StatemInit::Ok(P::Start)
    }

    async fn handle_event(
        &mut self,
        s: &P,
        e: Event<Self>,
        ctx: &mut StatemCtx<'_, Self>,
    ) -> Transition<P> {
        let what = describe(&e);
        self.log.put(s, &what);
        match (*s, e) {
            (P::Start, Event::Call(PCall::Go(time), from)) => {
                ctx.handle().send(()); // message_to_self, behind everything below
                self.time = time;
                self.from = Some(from);
                // Both cancelled: the first by the inserted event, the second by the state
                // change it causes.
                ctx.event_timeout(time, 1);
                ctx.state_timeout(time, 1);
                ctx.next_event(Event::Internal(1));
                Transition::next(P::State1)
            }
            (P::State1, Event::Internal(1)) => {
                ctx.event_timeout(Duration::ZERO, 2);
                ctx.state_timeout(Duration::ZERO, 2);
                ctx.next_event(Event::Internal(2));
                Transition::next(P::State2)
            }
            (P::State2, Event::Internal(2)) => {
                // The zero state timeout comes after the inserted event, and cancels this
                // zero event timeout.
                self.step = 2;
                ctx.event_timeout(Duration::ZERO, 3);
                Transition::keep()
            }
            (P::State2, Event::StateTimeout(2)) if self.step == 2 => {
                // Zero timeouts are handled in the order set.
                self.step = 3;
                ctx.event_timeout(Duration::ZERO, 4);
                ctx.state_timeout(Duration::ZERO, 5);
                Transition::keep()
            }
            (P::State2, Event::Timeout(4)) if self.step == 3 => {
                // Restarting the state timeout replaces the queued zero one (5); the state
                // timeout event cancels this event timeout.
                self.step = 4;
                ctx.state_timeout(Duration::ZERO, 6);
                ctx.event_timeout(Duration::ZERO, 7);
                Transition::keep()
            }
            (P::State2, Event::StateTimeout(6)) if self.step == 4 => {
                self.from.take().expect("the go call").reply(());
                ctx.state_timeout(self.time, 8);
                self.step = 6;
                Transition::next(P::State3)
            }
            (P::State3, Event::Info(())) if self.step == 6 => {
                self.step = 7;
                Transition::keep()
            }
            (P::State3, Event::Call(PCall::Check, from)) if self.step == 7 => {
                self.from = Some(from);
                Transition::keep()
            }
            (P::State3, Event::StateTimeout(8)) => {
                self.from.take().expect("the check call").reply(());
                Transition::stop(ExitReason::Normal)
            }
            (s, _) => unexpected(s, what),
        }
    }
}

/// `state_timeout`: inserted events before the mailbox; a state change cancels the state
/// timeout; zero timeouts after inserted events, in the order set; a zero event timeout
/// cancelled by a zero state timeout before it; restarting a zero state timeout replaces
/// it; a state timeout set while changing state fires in the new state, after its time.
#[tokio::test(start_paused = true)]
async fn state_timeout_suite_case() {
    let reason = in_process(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let (log, mut logged) = log();
        let m = StateTimeoutSuite {
            log,
            step: 0,
            time: Duration::ZERO,
            from: None,
        }
        .start_link()
        .await
        .unwrap();
        let pid = m.pid().unwrap();
        let t0 = Instant::now();
        assert_eq!(m.call(PCall::Go(ms(500))).await, Ok(()));
        assert_eq!(t0.elapsed(), Duration::ZERO);
        assert_eq!(m.call(PCall::Check).await, Ok(()));
        assert_eq!(t0.elapsed(), ms(500));
        assert_eq!(
            recv(&mut ctx).await,
            Message::Exit {
                from: pid,
                reason: ExitReason::Normal
            }
        );
        assert_eq!(
            logged.take(),
            [
                "0 Start call",
                "0 State1 internal 1",
                "0 State2 internal 2",
                "0 State2 state_timeout 2",
                "0 State2 timeout 4",
                "0 State2 state_timeout 6",
                "0 State3 info",
                "0 State3 call",
                "500 State3 state_timeout 8",
            ]
        );
        no_message_within(&mut ctx, ms(500)).await;
    })
    .await;
    assert_eq!(reason, ExitReason::Normal);
}

// ---- timeout_cancel_and_update -------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum U {
    Start,
    State1,
    State2,
    State3,
}

enum UCall {
    Test,
    Stop,
}

/// The suite's `timeout_cancel_and_update` machine (the suite's atoms `a` and `b` are 100
/// and 200).
struct CancelAndUpdate {
    log: Log,
    from: Option<ReplyTo<()>>,
}

impl GenStatem for CancelAndUpdate {
    type State = U;
    type Call = UCall;
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Internal = u32;
    type Timeout = u32;

    async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<U> {
        StatemInit::Ok(U::Start)
    }

    async fn handle_event(
        &mut self,
        s: &U,
        e: Event<Self>,
        ctx: &mut StatemCtx<'_, Self>,
    ) -> Transition<U> {
        let what = describe(&e);
        self.log.put(s, &what);
        match (*s, e) {
            (U::Start, Event::Call(UCall::Test, from)) => {
                ctx.handle().send(());
                self.from = Some(from);
                ctx.state_timeout(ms(17), 1);
                ctx.next_event(Event::Internal(1));
                Transition::next(U::State1)
            }
            (U::State1, Event::Internal(1)) => {
                ctx.cancel_state_timeout();
                ctx.generic_timeout("a", ms(17), 1);
                Transition::keep()
            }
            (U::State1, Event::Info(())) => {
                ctx.update_generic_timeout("a", 100);
                Transition::keep()
            }
            (U::State1, Event::GenericTimeout(name, 100)) if name.as_str() == "a" => {
                ctx.state_timeout(ms(17), 2);
                ctx.next_event(Event::Internal(2));
                Transition::next(U::State2)
            }
            (U::State2, Event::Internal(2)) => {
                // Meanwhile the state timeout expires; the update still changes what it
                // brings, and its event cancels the event timeout.
                tokio::time::sleep(ms(50)).await;
                ctx.update_state_timeout(200);
                ctx.event_timeout(ms(17), 2);
                Transition::keep()
            }
            (U::State2, Event::StateTimeout(200)) => {
                self.from.take().expect("the test call").reply(());
                ctx.event_timeout(ms(17000), 3);
                Transition::next(U::State3)
            }
            (U::State3, Event::Timeout(3)) => Transition::keep(),
            (U::State3, Event::Call(UCall::Stop, r)) => {
                r.reply(());
                Transition::stop(ExitReason::Normal)
            }
            (s, _) => unexpected(s, what),
        }
    }
}

/// `timeout_cancel_and_update`: a cancelled state timeout never fires; an update of a
/// generic timeout keeps its time; an update of a state timeout that expired but whose event
/// is not yet handled changes its content; the state timeout event cancels the event timeout
/// set with the update; the last event timeout (17 s) runs, and fires when nothing comes.
#[tokio::test(start_paused = true)]
async fn timeout_cancel_and_update_suite_case() {
    let (log, mut logged) = log();
    let m = CancelAndUpdate { log, from: None }.start().await.unwrap();
    assert_eq!(m.call(UCall::Test).await, Ok(()));
    assert_eq!(logged.t0.elapsed(), ms(67));
    assert_eq!(
        logged.take(),
        [
            "0 Start call",
            "0 State1 internal 1",
            "0 State1 info",
            "17 State1 {timeout,a} 100",
            "17 State2 internal 2",
            "67 State2 state_timeout 200",
        ]
    );
    logged.at(17066).await;
    assert_eq!(logged.take(), Vec::<String>::new());
    logged.at(17068).await;
    assert_eq!(logged.take(), ["17067 State3 timeout 3"]);
    assert_eq!(m.call(UCall::Stop).await, Ok(()));
    assert_eq!(m.wait_exit().await, ExitReason::Normal);
}

// ---- generic_timers --------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum G {
    Start,
    State1,
    State2,
    State3,
    State4,
}

/// A timeout's content: a number, or the call the suite keeps in `{timeout, a}`.
enum T {
    N(u32),
    Call(Box<Event<GenericTimers>>),
}

impl Show for T {
    fn show(&self) -> String {
        match self {
            T::N(n) => format!(" {n}"),
            T::Call(e) => format!(" {}", e.kind()),
        }
    }
}

impl Show for () {
    fn show(&self) -> String {
        String::new()
    }
}

struct GenericTimers {
    log: Log,
}

impl GenStatem for GenericTimers {
    type State = G;
    type Call = ();
    type Reply = &'static str;
    type Cast = ();
    type Info = ();
    type Internal = ();
    type Timeout = T;

    async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<G> {
        StatemInit::Ok(G::Start)
    }

    async fn handle_event(
        &mut self,
        s: &G,
        e: Event<Self>,
        ctx: &mut StatemCtx<'_, Self>,
    ) -> Transition<G> {
        let what = describe(&e);
        self.log.put(s, &what);
        match (*s, e) {
            (G::Start, call @ Event::Call(..)) => {
                ctx.generic_timeout("a", ms(1500), T::N(1));
                ctx.state_timeout(ms(1500), T::N(1));
                ctx.generic_timeout("b", ms(1000), T::N(1));
                ctx.next_event(call);
                Transition::next(G::State1)
            }
            (G::State1, call @ Event::Call(..)) => {
                // The suite's `{abs, true}`: 500 ms from now, as a deadline.
                let at = otp_runtime::time::Instant::now() + ms(500);
                ctx.generic_timeout_at("c", at, T::N(2));
                ctx.generic_timeout("d", Duration::ZERO, T::N(2));
                ctx.event_timeout(Duration::ZERO, T::N(2));
                ctx.generic_timeout("b", INFINITY, T::N(2));
                ctx.generic_timeout("a", ms(1000), T::Call(Box::new(call)));
                Transition::next(G::State2)
            }
            (G::State2, Event::GenericTimeout(n, T::N(2))) if n.as_str() == "d" => {
                Transition::next(G::State3)
            }
            (G::State3, Event::GenericTimeout(n, T::N(2))) if n.as_str() == "c" => {
                Transition::next(G::State4)
            }
            (G::State4, Event::GenericTimeout(n, T::Call(call))) if n.as_str() == "a" => {
                let Event::Call((), r) = *call else {
                    return unexpected(G::State4, what);
                };
                r.reply("stopped");
                Transition::stop(ExitReason::Shutdown)
            }
            (s, _) => unexpected(s, what),
        }
    }
}

/// `generic_timers`: named timeouts run side by side; restarting `a` replaces its time and
/// content (here the call itself, answered from the timeout); `INFINITY` cancels `b`; a
/// state change cancels the state timeout but no generic one; the zero `d` comes first and
/// cancels the zero event timeout set after it.
#[tokio::test(start_paused = true)]
async fn generic_timers_suite_case() {
    let reason = in_process(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let (log, mut logged) = log();
        let m = GenericTimers { log }.start_link().await.unwrap();
        let pid = m.pid().unwrap();
        assert_eq!(m.call(()).await, Ok("stopped"));
        assert_eq!(logged.t0.elapsed(), ms(1000));
        assert_eq!(
            recv(&mut ctx).await,
            Message::Exit {
                from: pid,
                reason: ExitReason::Shutdown
            }
        );
        assert_eq!(
            logged.take(),
            [
                "0 Start call",
                "0 State1 call",
                "0 State2 {timeout,d} 2",
                "500 State3 {timeout,c} 2",
                "1000 State4 {timeout,a} call",
            ]
        );
        let got = m.call(()).await;
        assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
        no_message_within(&mut ctx, ms(2000)).await;
    })
    .await;
    assert_eq!(reason, ExitReason::Normal);
}

// ---- a machine to set timeouts on demand -------------------------------------------------------

/// A timeout action, applied in order.
#[derive(Clone, Debug)]
enum Act {
    Ev(Duration, u32),
    CancelEv,
    St(Duration, u32),
    CancelSt,
    UpdSt(u32),
    Gen(&'static str, Duration, u32),
    CancelGen(&'static str),
    UpdGen(&'static str, u32),
    /// Inserts `Internal::N`.
    Insert(u32),
    /// Inserts `Internal::Goto`: its handler changes state.
    InsertGoto(u8),
    Hibernate,
}

#[derive(Clone, Copy, Debug)]
enum To {
    Keep,
    Next(u8),
    Repeat,
}

/// Apply these, then go there.
struct Do(Vec<Act>, To);

fn act(acts: impl Into<Vec<Act>>) -> Do {
    Do(acts.into(), To::Keep)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct S(u8);

enum Internal {
    N(u32),
    Goto(u8),
}

impl Show for Internal {
    fn show(&self) -> String {
        match self {
            Internal::N(n) => format!(" {n}"),
            Internal::Goto(s) => format!(" goto {s}"),
        }
    }
}

/// Logs every event; casts and calls (`Do`) set timeouts and move; `on_enter` gives the
/// enter call's actions per state (enter calls with actions are logged as `enter`).
struct Timers {
    log: Log,
    init: Vec<Act>,
    on_enter: Vec<(u8, Vec<Act>)>,
}

fn timers(init: Vec<Act>) -> (Timers, Logged) {
    let (log, logged) = log();
    (
        Timers {
            log,
            init,
            on_enter: vec![],
        },
        logged,
    )
}

fn apply_timer(a: &Act, ctx: &mut EnterCtx<'_, Timers>) {
    match a {
        Act::Ev(t, n) => ctx.event_timeout(*t, *n),
        Act::CancelEv => ctx.cancel_event_timeout(),
        Act::St(t, n) => ctx.state_timeout(*t, *n),
        Act::CancelSt => ctx.cancel_state_timeout(),
        Act::UpdSt(n) => ctx.update_state_timeout(*n),
        Act::Gen(name, t, n) => ctx.generic_timeout(*name, *t, *n),
        Act::CancelGen(name) => ctx.cancel_generic_timeout(*name),
        Act::UpdGen(name, n) => ctx.update_generic_timeout(*name, *n),
        Act::Hibernate => ctx.hibernate(),
        Act::Insert(_) | Act::InsertGoto(_) => panic!("not in an enter call"),
    }
}

fn apply(acts: &[Act], ctx: &mut StatemCtx<'_, Timers>) {
    for a in acts {
        match a {
            Act::Insert(n) => ctx.next_event(Event::Internal(Internal::N(*n))),
            Act::InsertGoto(s) => ctx.next_event(Event::Internal(Internal::Goto(*s))),
            timer => apply_timer(timer, ctx),
        }
    }
}

fn go(to: To) -> Transition<S> {
    match to {
        To::Keep => Transition::keep(),
        To::Next(s) => Transition::next(S(s)),
        To::Repeat => Transition::repeat(),
    }
}

impl GenStatem for Timers {
    type State = S;
    type Call = Do;
    type Reply = ();
    type Cast = Do;
    type Info = u32;
    type Internal = Internal;
    type Timeout = u32;
    const STATE_ENTER: bool = true;

    async fn init(&mut self, ctx: &mut StatemCtx<'_, Self>) -> StatemInit<S> {
        let acts = std::mem::take(&mut self.init);
        apply(&acts, ctx);
        StatemInit::Ok(S(0))
    }

    async fn state_enter(&mut self, old: &S, new: &S, ctx: &mut EnterCtx<'_, Self>) -> Enter {
        if let Some((_, acts)) = self.on_enter.iter().find(|(s, _)| *s == new.0) {
            self.log.put(new, format!("enter from {}", old.0));
            for a in acts.clone() {
                apply_timer(&a, ctx);
            }
        }
        Enter::Keep
    }

    async fn handle_event(
        &mut self,
        s: &S,
        e: Event<Self>,
        ctx: &mut StatemCtx<'_, Self>,
    ) -> Transition<S> {
        self.log.put(s, describe(&e));
        match e {
            Event::Cast(Do(acts, to)) => {
                apply(&acts, ctx);
                go(to)
            }
            Event::Call(Do(acts, to), r) => {
                r.reply(());
                apply(&acts, ctx);
                go(to)
            }
            Event::Internal(Internal::Goto(s)) => Transition::next(S(s)),
            _ => Transition::keep(),
        }
    }
}

// ---- event timeout ---------------------------------------------------------------------------

/// An event timeout fires when no event comes in time; one set again by a later event
/// starts over; set in `init`, it runs from the start.
#[tokio::test(start_paused = true)]
async fn event_timeout_fires_when_no_event_comes() {
    let (t, mut logged) = timers(vec![Act::Ev(ms(50), 1)]);
    let m = t.start().await.unwrap();
    logged.at(100).await;
    m.cast(act([Act::Ev(ms(100), 2)]));
    logged.at(150).await;
    m.cast(act([Act::Ev(ms(100), 3)]));
    logged.at(1000).await;
    assert_eq!(
        logged.take(),
        [
            "50 S(0) timeout 1",
            "100 S(0) cast",
            "150 S(0) cast",
            "250 S(0) timeout 3",
        ]
    );
}

/// Any event cancels the event timeout: a cast, an info, a call, an inserted event; so does
/// `cancel_event_timeout` and `INFINITY`.
#[tokio::test(start_paused = true)]
async fn event_timeout_is_cancelled_by_any_event() {
    let (t, mut logged) = timers(vec![]);
    let m = t.start().await.unwrap();
    m.cast(act([Act::Ev(ms(100), 1)]));
    logged.at(50).await;
    m.cast(act([]));
    m.cast(act([Act::Ev(ms(100), 2)]));
    logged.at(100).await;
    m.send(7);
    m.cast(act([Act::Ev(ms(100), 3)]));
    logged.at(150).await;
    m.call(act([])).await.unwrap();
    m.cast(act([Act::Ev(ms(100), 4), Act::Insert(9)]));
    m.cast(act([Act::Ev(ms(100), 5), Act::CancelEv]));
    m.cast(act([Act::Ev(ms(100), 6), Act::Ev(INFINITY, 6)]));
    logged.at(1000).await;
    assert_eq!(
        logged.take(),
        [
            "0 S(0) cast",
            "50 S(0) cast",
            "50 S(0) cast",
            "100 S(0) info",
            "100 S(0) cast",
            "150 S(0) call",
            "150 S(0) cast",
            "150 S(0) internal 9",
            "150 S(0) cast",
            "150 S(0) cast",
        ]
    );
}

/// Of several actions on one kind of timeout in one transition, only the last counts (OTP
/// walks them backwards, skipping kinds it has seen): the later event timeout wins; an
/// update after a start acts on the timer running before the transition, or fires at once
/// if there is none.
#[tokio::test(start_paused = true)]
async fn only_the_last_timeout_action_of_a_kind_counts() {
    let (t, mut logged) = timers(vec![]);
    let m = t.start().await.unwrap();
    m.cast(act([Act::Ev(ms(100), 1), Act::Ev(ms(200), 2)]));
    logged.at(300).await;
    m.cast(act([Act::St(ms(100), 3), Act::UpdSt(4)]));
    m.cast(act([Act::St(ms(300), 5)]));
    logged.at(400).await;
    m.cast(act([Act::St(ms(100), 6), Act::UpdSt(7)]));
    logged.at(1000).await;
    assert_eq!(
        logged.take(),
        [
            "0 S(0) cast",
            "200 S(0) timeout 2",
            "300 S(0) cast",
            "300 S(0) state_timeout 4",
            "300 S(0) cast",
            "400 S(0) cast",
            "600 S(0) state_timeout 7",
        ]
    );
}

// ---- zero timeouts ---------------------------------------------------------------------------

/// Zero timeouts are handled after the inserted events and before any message not yet
/// received, in the order they were set, whatever their kind; a zero event timeout is
/// cancelled by any event handled before it: a zero timeout set before it, an inserted event.
#[tokio::test(start_paused = true)]
async fn zero_timeouts_come_in_the_order_set_before_the_mailbox() {
    let (t, mut logged) = timers(vec![]);
    let m = t.start().await.unwrap();
    let zero = Duration::ZERO;
    m.cast(act([
        Act::Ev(zero, 1),
        Act::St(zero, 2),
        Act::Gen("g", zero, 3),
    ]));
    m.send(4);
    m.cast(act([
        Act::Gen("g", zero, 5),
        Act::St(zero, 6),
        Act::Ev(zero, 7),
    ]));
    m.cast(act([Act::Ev(zero, 8), Act::St(zero, 9), Act::Insert(10)]));
    m.send(11);
    logged.at(10).await;
    assert_eq!(
        logged.take(),
        [
            "0 S(0) cast",
            "0 S(0) timeout 1",
            "0 S(0) state_timeout 2",
            "0 S(0) {timeout,g} 3",
            "0 S(0) info",
            "0 S(0) cast",
            "0 S(0) {timeout,g} 5",
            "0 S(0) state_timeout 6",
            "0 S(0) cast",
            "0 S(0) internal 10",
            "0 S(0) state_timeout 9",
            "0 S(0) info",
        ]
    );
}

/// A zero timeout waiting in the queue belongs to its timer: restarting the timer replaces
/// it, cancelling removes it, an update changes its content, and a state change removes a
/// zero state timeout (but not a generic one).
#[tokio::test(start_paused = true)]
async fn queued_zero_timeouts_are_restarted_cancelled_and_updated_in_place() {
    let (t, mut logged) = timers(vec![]);
    let m = t.start().await.unwrap();
    let zero = Duration::ZERO;
    m.cast(act([Act::St(zero, 1), Act::St(zero, 2)]));
    m.cast(act([Act::Gen("g", zero, 3), Act::Gen("g", zero, 4)]));
    m.cast(act([Act::St(zero, 5), Act::CancelSt]));
    m.cast(act([Act::Gen("g", zero, 6), Act::CancelGen("g")]));
    m.cast(act([Act::St(zero, 7), Act::UpdSt(8)]));
    m.cast(act([Act::Gen("g", zero, 9), Act::UpdGen("g", 10)]));
    m.cast(act([
        Act::St(zero, 11),
        Act::Gen("g", zero, 12),
        Act::InsertGoto(1),
    ]));
    logged.at(10).await;
    assert_eq!(
        logged.take(),
        [
            "0 S(0) cast",
            "0 S(0) state_timeout 2",
            "0 S(0) cast",
            "0 S(0) {timeout,g} 4",
            "0 S(0) cast",
            "0 S(0) cast",
            "0 S(0) cast",
            "0 S(0) state_timeout 8",
            "0 S(0) cast",
            "0 S(0) {timeout,g} 10",
            "0 S(0) cast",
            "0 S(0) internal goto 1",
            "0 S(1) {timeout,g} 12",
        ]
    );
}

// ---- state timeout ---------------------------------------------------------------------------

/// A state timeout fires after its time in the state it was set for: one set with a state
/// change (by the handler or by the enter call, whose setting wins) belongs to the new state;
/// set in `init`, to the initial state.
#[tokio::test(start_paused = true)]
async fn state_timeout_belongs_to_the_state_it_was_set_for() {
    let (mut t, mut logged) = timers(vec![Act::St(ms(100), 1)]);
    t.on_enter = vec![(2, vec![Act::St(ms(300), 3)])];
    let m = t.start().await.unwrap();
    logged.at(200).await;
    m.cast(Do(vec![Act::St(ms(100), 2)], To::Next(1)));
    logged.at(400).await;
    m.cast(Do(vec![Act::St(ms(100), 4)], To::Next(2)));
    logged.at(1000).await;
    assert_eq!(
        logged.take(),
        [
            "100 S(0) state_timeout 1",
            "200 S(0) cast",
            "300 S(1) state_timeout 2",
            "400 S(1) cast",
            "400 S(2) enter from 1",
            "700 S(2) state_timeout 3",
        ]
    );
    m.call(act([])).await.unwrap();
}

/// Only a state change cancels the state timeout: `keep`, a `next` to the same state,
/// `repeat` and other events leave it running (as they leave a generic one); a change
/// cancels it.
#[tokio::test(start_paused = true)]
async fn state_timeout_is_cancelled_by_a_state_change_only() {
    let (t, mut logged) = timers(vec![]);
    let m = t.start().await.unwrap();
    m.cast(act([Act::St(ms(100), 1), Act::Gen("g", ms(110), 9)]));
    logged.at(20).await;
    m.cast(act([]));
    logged.at(40).await;
    m.cast(Do(vec![], To::Next(0)));
    logged.at(60).await;
    m.cast(Do(vec![], To::Repeat));
    m.send(1);
    logged.at(200).await;
    m.cast(act([Act::St(ms(100), 2)]));
    logged.at(250).await;
    m.cast(Do(vec![], To::Next(1)));
    logged.at(1000).await;
    assert_eq!(
        logged.take(),
        [
            "0 S(0) cast",
            "20 S(0) cast",
            "40 S(0) cast",
            "60 S(0) cast",
            "60 S(0) info",
            "100 S(0) state_timeout 1",
            "110 S(0) {timeout,g} 9",
            "200 S(0) cast",
            "250 S(0) cast",
        ]
    );
}

/// Setting the state timeout again restarts it with the new time and content;
/// `INFINITY` and `cancel_state_timeout` stop it.
#[tokio::test(start_paused = true)]
async fn state_timeout_restart_infinity_and_cancel() {
    let (t, mut logged) = timers(vec![]);
    let m = t.start().await.unwrap();
    m.cast(act([Act::St(ms(100), 1)]));
    logged.at(50).await;
    m.cast(act([Act::St(ms(100), 2)]));
    logged.at(300).await;
    m.cast(act([Act::St(ms(100), 3)]));
    logged.at(350).await;
    m.cast(act([Act::St(INFINITY, 4)]));
    logged.at(600).await;
    m.cast(act([Act::St(ms(100), 5)]));
    logged.at(650).await;
    m.cast(act([Act::CancelSt]));
    logged.at(2000).await;
    assert_eq!(
        logged.take(),
        [
            "0 S(0) cast",
            "50 S(0) cast",
            "150 S(0) state_timeout 2",
            "300 S(0) cast",
            "350 S(0) cast",
            "600 S(0) cast",
            "650 S(0) cast",
        ]
    );
}

/// `update_state_timeout` changes what a running state timeout brings and keeps its time;
/// with none running, the event comes at once, before the next message.
#[tokio::test(start_paused = true)]
async fn state_timeout_update_keeps_the_time_or_fires_at_once() {
    let (t, mut logged) = timers(vec![]);
    let m = t.start().await.unwrap();
    m.cast(act([Act::St(ms(100), 1)]));
    logged.at(50).await;
    m.cast(act([Act::UpdSt(2)]));
    logged.at(200).await;
    m.cast(act([Act::UpdSt(3)]));
    m.send(4);
    logged.at(300).await;
    assert_eq!(
        logged.take(),
        [
            "0 S(0) cast",
            "50 S(0) cast",
            "100 S(0) state_timeout 2",
            "200 S(0) cast",
            "200 S(0) state_timeout 3",
            "200 S(0) info",
        ]
    );
}

// ---- generic timeouts ------------------------------------------------------------------------

/// Generic timeouts with different names run side by side, and neither events nor state
/// changes cancel them.
#[tokio::test(start_paused = true)]
async fn generic_timeouts_are_independent_of_events_and_states() {
    let (t, mut logged) = timers(vec![]);
    let m = t.start().await.unwrap();
    m.cast(act([Act::Gen("a", ms(100), 1), Act::Gen("b", ms(200), 2)]));
    logged.at(50).await;
    m.cast(Do(vec![], To::Next(1)));
    m.send(0);
    logged.at(150).await;
    m.cast(Do(vec![Act::Insert(3)], To::Next(2)));
    logged.at(1000).await;
    assert_eq!(
        logged.take(),
        [
            "0 S(0) cast",
            "50 S(0) cast",
            "50 S(1) info",
            "100 S(1) {timeout,a} 1",
            "150 S(1) cast",
            "150 S(2) internal 3",
            "200 S(2) {timeout,b} 2",
        ]
    );
}

/// A generic timeout is cancelled by its name only (`cancel_generic_timeout` or `INFINITY`);
/// setting a running name again restarts it with the new time and content.
#[tokio::test(start_paused = true)]
async fn generic_timeouts_cancel_and_restart_by_name() {
    let (t, mut logged) = timers(vec![]);
    let m = t.start().await.unwrap();
    m.cast(act([
        Act::Gen("a", ms(100), 1),
        Act::Gen("b", ms(100), 2),
        Act::Gen("c", ms(100), 3),
    ]));
    logged.at(50).await;
    m.cast(act([
        Act::CancelGen("a"),
        Act::Gen("b", ms(100), 4),
        Act::Gen("c", INFINITY, 5),
    ]));
    logged.at(1000).await;
    assert_eq!(
        logged.take(),
        ["0 S(0) cast", "50 S(0) cast", "150 S(0) {timeout,b} 4"]
    );
}

/// `update_generic_timeout` keeps the running timeout's time; for a name not running, the
/// event comes at once.
#[tokio::test(start_paused = true)]
async fn generic_timeout_update_keeps_the_time_or_fires_at_once() {
    let (t, mut logged) = timers(vec![]);
    let m = t.start().await.unwrap();
    m.cast(act([Act::Gen("a", ms(100), 1)]));
    logged.at(50).await;
    m.cast(act([Act::UpdGen("a", 2)]));
    logged.at(200).await;
    m.cast(act([Act::UpdGen("z", 3)]));
    m.send(4);
    logged.at(300).await;
    assert_eq!(
        logged.take(),
        [
            "0 S(0) cast",
            "50 S(0) cast",
            "100 S(0) {timeout,a} 2",
            "200 S(0) cast",
            "200 S(0) {timeout,z} 3",
            "200 S(0) info",
        ]
    );
}

/// Hibernating does not lose timeouts: a state timeout, a generic one and an event timeout
/// set with `hibernate` all fire.
#[tokio::test(start_paused = true)]
async fn hibernate_keeps_the_timeouts() {
    let (t, mut logged) = timers(vec![]);
    let m = t.start().await.unwrap();
    m.cast(act([
        Act::Hibernate,
        Act::St(ms(100), 1),
        Act::Gen("g", ms(200), 2),
    ]));
    logged.at(300).await;
    m.cast(act([Act::Ev(ms(100), 3), Act::Hibernate]));
    logged.at(1000).await;
    assert_eq!(
        logged.take(),
        [
            "0 S(0) cast",
            "100 S(0) state_timeout 1",
            "200 S(0) {timeout,g} 2",
            "300 S(0) cast",
            "400 S(0) timeout 3",
        ]
    );
}
