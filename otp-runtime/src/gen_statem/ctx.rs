//! The contexts a state machine's callbacks get, and the actions they collect.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use super::machine::{Machine, MachineInfo};
use super::{Event, GenStatem, StatemRef, TimeoutName};
use crate::{Ctx, MonitorRef, Pid, TimerRef};

/// A timer operation, in the order the callback asked for it.
pub(super) enum TimerOp<C> {
    /// Start (or restart) with this time and content; `INFINITY` cancels.
    Set(Duration, C),
    /// Start (or restart) to expire at this instant (`{abs, true}`): a timer even if the
    /// instant has passed (then it fires at once), never a zero-time timeout.
    SetAt(crate::time::Instant, C),
    Cancel,
    /// Change the content, keeping the time; fires at once if the timer is not running.
    Update(C),
}

/// The kind of a timeout; compared by the engine, which keeps the last action of each kind.
#[derive(PartialEq)]
pub(super) enum Which {
    Event,
    State,
    Generic(TimeoutName),
}

/// What one callback asked for besides its transition.
pub(super) struct Actions<M: GenStatem> {
    pub(super) postponed: Option<Event<M>>,
    pub(super) next_events: Vec<Event<M>>,
    pub(super) timers: Vec<(Which, TimerOp<M::Timeout>)>,
    pub(super) hibernate: bool,
}

impl<M: GenStatem> Actions<M> {
    pub(super) fn new() -> Self {
        Actions {
            postponed: None,
            next_events: Vec::new(),
            timers: Vec::new(),
            hibernate: false,
        }
    }

    pub(super) fn clear(&mut self) {
        self.postponed = None;
        self.next_events.clear();
        self.timers.clear();
        self.hibernate = false;
    }
}

/// The context of a state enter call and of `terminate`: the machine's process, its timers
/// and timeouts, but no postponing or inserted events (OTP forbids them in enter calls).
/// [`StatemCtx`] has all of this too.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use std::time::Duration;
///
/// #[derive(PartialEq, Clone, Copy, Debug)]
/// enum Light { Red, Green }
/// struct Lights;
///
/// impl GenStatem for Lights {
///     type State = Light; type Call = (); type Reply = Light; type Cast = ();
///     type Info = (); type Internal = (); type Timeout = ();
///     const STATE_ENTER: bool = true;
///
///     async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<Light> {
///         StatemInit::Ok(Light::Red)
///     }
///     // Every state lasts one second: the enter call sets the state timeout.
///     async fn state_enter(&mut self, _old: &Light, _new: &Light, ctx: &mut EnterCtx<'_, Self>) -> Enter {
///         ctx.state_timeout(Duration::from_secs(1), ());
///         Enter::Keep
///     }
///     async fn handle_event(&mut self, s: &Light, e: Event<Self>, _: &mut StatemCtx<'_, Self>) -> Transition<Light> {
///         match e {
///             Event::StateTimeout(()) if *s == Light::Red => Transition::next(Light::Green),
///             Event::StateTimeout(()) => Transition::next(Light::Red),
///             Event::Call((), reply) => { reply.reply(*s); Transition::keep() }
///             _ => Transition::keep(),
///         }
///     }
/// }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let l = Lights.start().await.unwrap();
/// tokio::time::sleep(Duration::from_millis(1500)).await;
/// assert_eq!(l.call(()).await, Ok(Light::Green));
/// tokio::time::sleep(Duration::from_secs(1)).await;
/// assert_eq!(l.call(()).await, Ok(Light::Red));
/// # }
/// ```
pub struct EnterCtx<'a, M: GenStatem> {
    pub(super) gs: &'a mut Ctx<Machine<M>>,
    pub(super) acts: &'a mut Actions<M>,
}

impl<M: GenStatem> EnterCtx<'_, M> {
    /// This machine's pid.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn pid(&self) -> Pid {
        self.gs.pid()
    }

    /// The process that started this machine linked (`start_link`), if any.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn parent(&self) -> Option<Pid> {
        self.gs.parent()
    }

    /// How many messages wait in this machine's mailbox, not yet turned into events
    /// (Erlang's `process_info(self(), message_queue_len)`). Postponed and inserted events
    /// are not in the mailbox and do not count. Mailboxes are unbounded, as in Erlang: this
    /// is how a machine sees that it is falling behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// #[derive(Clone, Debug, PartialEq)]
    /// pub enum Gate { Open }
    ///
    /// /// Records how far behind it was at each cast.
    /// pub struct Meter { behind: Vec<usize> }
    ///
    /// #[gen_statem(state = Gate)]
    /// impl Meter {
    ///     #[init]
    ///     fn init(&mut self) -> Gate { Gate::Open }
    ///     #[cast]
    ///     pub fn tick(&mut self, ctx: &mut StatemCtx<Self>) {
    ///         self.behind.push(ctx.message_queue_len());
    ///     }
    ///     #[call]
    ///     pub fn behind(&self) -> Vec<usize> { self.behind.clone() }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let m = Meter { behind: vec![] }.start().await.unwrap();
    /// m.tick();
    /// m.tick();
    /// m.tick();
    /// // At each cast, the later casts and the call were waiting.
    /// assert_eq!(m.behind().await, Ok(vec![3, 2, 1]));
    /// # }
    /// ```
    pub fn message_queue_len(&self) -> usize {
        self.gs.message_queue_len()
    }

    /// A handle to this machine, bound to its pid.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn handle(&self) -> StatemRef<M> {
        StatemRef::from_server(self.gs.handle())
    }

    /// Starts the event timeout (`{timeout, T, C}`): `content` comes back as
    /// [`Event::Timeout`] if no event arrives within `after`. Any event cancels it, so it
    /// never fires while events are queued. Zero fires before any message not yet received;
    /// [`INFINITY`](crate::INFINITY) cancels it. The last one set wins.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn event_timeout(&mut self, after: Duration, content: M::Timeout) {
        self.acts
            .timers
            .push((Which::Event, TimerOp::Set(after, content)));
    }

    /// The event timeout with an absolute time (`{timeout, T, C, [{abs, true}]}`): `content`
    /// comes back as [`Event::Timeout`] at `deadline` if no event arrives before. A deadline
    /// already past fires as soon as the machine is idle, unless an event comes first (OTP
    /// starts a timer that expires at once). The last event timeout set wins.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::time::Instant;
    /// use std::time::Duration;
    ///
    /// #[derive(PartialEq, Debug)]
    /// enum Door { Open, Closed }
    /// /// Closes itself at a fixed time, whatever the clock says when it is told.
    /// struct Auto { at: Instant }
    /// impl GenStatem for Auto {
    ///     type State = Door; type Call = (); type Reply = bool; type Cast = (); type Info = ();
    ///     type Internal = (); type Timeout = ();
    ///     async fn init(&mut self, ctx: &mut StatemCtx<'_, Self>) -> StatemInit<Door> {
    ///         ctx.event_timeout_at(self.at, ());
    ///         StatemInit::Ok(Door::Open)
    ///     }
    ///     async fn handle_event(&mut self, s: &Door, e: Event<Self>, _: &mut StatemCtx<'_, Self>) -> Transition<Door> {
    ///         match e {
    ///             Event::Timeout(()) => Transition::next(Door::Closed),
    ///             Event::Call((), r) => { r.reply(*s == Door::Open); Transition::keep() }
    ///             _ => Transition::keep(),
    ///         }
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let d = Auto { at: Instant::now() + Duration::from_secs(10) }.start().await.unwrap();
    /// otp_runtime::time::sleep(Duration::from_secs(11)).await;
    /// assert_eq!(d.call(()).await, Ok(false)); // closed at 10 s
    /// # }
    /// ```
    pub fn event_timeout_at(&mut self, deadline: crate::time::Instant, content: M::Timeout) {
        self.acts
            .timers
            .push((Which::Event, TimerOp::SetAt(deadline, content)));
    }

    /// Cancels the event timeout.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn cancel_event_timeout(&mut self) {
        self.acts.timers.push((Which::Event, TimerOp::Cancel));
    }

    /// Starts (or restarts) the state timeout (`{state_timeout, T, C}`): `content` comes
    /// back as [`Event::StateTimeout`] if the machine is still in its state after `after`.
    /// A state change cancels it; one set during a state change belongs to the new state.
    /// Zero queues the event at once; [`INFINITY`](crate::INFINITY) cancels.
    ///
    /// # Examples
    ///
    /// See [`EnterCtx`].
    pub fn state_timeout(&mut self, after: Duration, content: M::Timeout) {
        self.acts
            .timers
            .push((Which::State, TimerOp::Set(after, content)));
    }

    /// The state timeout with an absolute time (`{state_timeout, T, C, [{abs, true}]}`):
    /// `content` comes back as [`Event::StateTimeout`] at `deadline` if the machine is still
    /// in its state. A deadline already past fires at once, as a timer (after the messages
    /// already received), not as a zero-time timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::time::Instant;
    /// use std::time::Duration;
    ///
    /// #[derive(PartialEq, Debug, Clone, Copy)]
    /// enum Shop { Open, Closed }
    /// struct Hours { closing: Instant }
    /// impl GenStatem for Hours {
    ///     type State = Shop; type Call = (); type Reply = Shop; type Cast = (); type Info = ();
    ///     type Internal = (); type Timeout = ();
    ///     async fn init(&mut self, ctx: &mut StatemCtx<'_, Self>) -> StatemInit<Shop> {
    ///         ctx.state_timeout_at(self.closing, ());
    ///         StatemInit::Ok(Shop::Open)
    ///     }
    ///     async fn handle_event(&mut self, s: &Shop, e: Event<Self>, _: &mut StatemCtx<'_, Self>) -> Transition<Shop> {
    ///         match e {
    ///             Event::StateTimeout(()) => Transition::next(Shop::Closed),
    ///             // Calls do not move the closing time: it is absolute.
    ///             Event::Call((), r) => { r.reply(*s); Transition::keep() }
    ///             _ => Transition::keep(),
    ///         }
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let h = Hours { closing: Instant::now() + Duration::from_secs(60) }.start().await.unwrap();
    /// otp_runtime::time::sleep(Duration::from_secs(59)).await;
    /// assert_eq!(h.call(()).await, Ok(Shop::Open));
    /// otp_runtime::time::sleep(Duration::from_secs(2)).await;
    /// assert_eq!(h.call(()).await, Ok(Shop::Closed));
    /// # }
    /// ```
    pub fn state_timeout_at(&mut self, deadline: crate::time::Instant, content: M::Timeout) {
        self.acts
            .timers
            .push((Which::State, TimerOp::SetAt(deadline, content)));
    }

    /// Cancels the state timeout (`{state_timeout, cancel}`).
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn cancel_state_timeout(&mut self) {
        self.acts.timers.push((Which::State, TimerOp::Cancel));
    }

    /// Changes what the running state timeout carries, keeping its time
    /// (`{state_timeout, update, C}`); if none is running, the event comes at once.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn update_state_timeout(&mut self, content: M::Timeout) {
        self.acts
            .timers
            .push((Which::State, TimerOp::Update(content)));
    }

    /// Starts (or restarts) the generic timeout `name` (`{{timeout, Name}, T, C}`):
    /// `content` comes back as [`Event::GenericTimeout`] after `after`, whatever happens
    /// meanwhile. Only cancelling, restarting or the machine's end stops it.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn generic_timeout(
        &mut self,
        name: impl Into<TimeoutName>,
        after: Duration,
        content: M::Timeout,
    ) {
        self.acts
            .timers
            .push((Which::Generic(name.into()), TimerOp::Set(after, content)));
    }

    /// The generic timeout `name` with an absolute time (`{{timeout, Name}, T, C,
    /// [{abs, true}]}`): `content` comes back as [`Event::GenericTimeout`] at `deadline`
    /// (at once, as a timer, if it has passed).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::time::Instant;
    /// use std::time::Duration;
    ///
    /// #[derive(PartialEq, Debug)]
    /// enum Run { Going }
    /// struct Job { started: Instant, expired: bool }
    /// impl GenStatem for Job {
    ///     type State = Run; type Call = (); type Reply = bool; type Cast = (); type Info = ();
    ///     type Internal = (); type Timeout = ();
    ///     async fn init(&mut self, ctx: &mut StatemCtx<'_, Self>) -> StatemInit<Run> {
    ///         // An hour from when the job was created, not from now.
    ///         ctx.generic_timeout_at("budget", self.started + Duration::from_secs(3600), ());
    ///         StatemInit::Ok(Run::Going)
    ///     }
    ///     async fn handle_event(&mut self, _: &Run, e: Event<Self>, _: &mut StatemCtx<'_, Self>) -> Transition<Run> {
    ///         match e {
    ///             Event::GenericTimeout(..) => self.expired = true,
    ///             Event::Call((), r) => r.reply(self.expired),
    ///             _ => {}
    ///         }
    ///         Transition::keep()
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let started = Instant::now();
    /// otp_runtime::time::sleep(Duration::from_secs(3000)).await;
    /// let j = Job { started, expired: false }.start().await.unwrap();
    /// otp_runtime::time::sleep(Duration::from_secs(601)).await;
    /// assert_eq!(j.call(()).await, Ok(true));
    /// # }
    /// ```
    pub fn generic_timeout_at(
        &mut self,
        name: impl Into<TimeoutName>,
        deadline: crate::time::Instant,
        content: M::Timeout,
    ) {
        self.acts.timers.push((
            Which::Generic(name.into()),
            TimerOp::SetAt(deadline, content),
        ));
    }

    /// Cancels the generic timeout `name` (`{{timeout, Name}, cancel}`).
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn cancel_generic_timeout(&mut self, name: impl Into<TimeoutName>) {
        self.acts
            .timers
            .push((Which::Generic(name.into()), TimerOp::Cancel));
    }

    /// Changes what the generic timeout `name` carries, keeping its time; if it is not
    /// running, the event comes at once.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn update_generic_timeout(&mut self, name: impl Into<TimeoutName>, content: M::Timeout) {
        self.acts
            .timers
            .push((Which::Generic(name.into()), TimerOp::Update(content)));
    }

    /// Hibernate after this event if nothing is queued, as a gen_server's
    /// [`Ctx::hibernate`](crate::Ctx::hibernate): once the mailbox is empty the machine
    /// shrinks its event queues, calls [`GenStatem::hibernate`](crate::GenStatem::hibernate),
    /// and the runtime gives back what it holds for the process and no longer needs.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn hibernate(&mut self) {
        self.acts.hibernate = true;
    }

    /// Sends `info` to this machine after `after`, as [`Event::Info`]; a plain timer,
    /// unrelated to the timeouts.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn send_after(&mut self, after: Duration, info: M::Info) -> TimerRef {
        self.gs.send_after(after, MachineInfo::User(info))
    }

    /// Cancels a timer of [`EnterCtx::send_after`]; true if it was pending.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn cancel_timer(&mut self, timer: TimerRef) -> bool {
        self.gs.cancel_timer(timer)
    }

    /// Turns exit trapping on or off; returns the old setting. Trapped exit signals arrive
    /// as [`Event::Exit`].
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn trap_exit(&self, on: bool) -> bool {
        self.gs.trap_exit(on)
    }

    /// Links this machine to `pid`.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn link(&self, pid: Pid) {
        self.gs.link(pid)
    }

    /// Removes the link to `pid`.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn unlink(&self, pid: Pid) {
        self.gs.unlink(pid)
    }

    /// Monitors `pid`; its end arrives as [`Event::Down`].
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn monitor(&self, pid: Pid) -> MonitorRef {
        self.gs.monitor(pid)
    }

    /// Removes a monitor; with `flush`, a `Down` already received is dropped too.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn demonitor(&mut self, monitor: MonitorRef, flush: bool) -> bool {
        self.gs.demonitor(monitor, flush)
    }
}

/// The context of [`GenStatem::init`] and [`GenStatem::handle_event`]: what an
/// [`EnterCtx`] has (through `Deref`), plus postponing and inserting events.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use std::time::Duration;
///
/// #[derive(PartialEq, Clone, Copy, Debug)]
/// enum Phase { Busy, Idle }
/// struct Worker { log: Vec<&'static str> }
///
/// impl GenStatem for Worker {
///     type State = Phase; type Call = (); type Reply = Vec<&'static str>; type Cast = &'static str;
///     type Info = (); type Internal = &'static str; type Timeout = ();
///
///     async fn init(&mut self, ctx: &mut StatemCtx<'_, Self>) -> StatemInit<Phase> {
///         ctx.event_timeout(Duration::from_secs(1), ()); // leave Busy after 1 s of quiet
///         StatemInit::Ok(Phase::Busy)
///     }
///     async fn handle_event(&mut self, s: &Phase, e: Event<Self>, ctx: &mut StatemCtx<'_, Self>) -> Transition<Phase> {
///         match (s, e) {
///             (Phase::Busy, e @ Event::Cast(_)) => {
///                 ctx.postpone(e); // handled once Idle
///                 ctx.event_timeout(Duration::from_secs(1), ());
///                 Transition::keep()
///             }
///             (Phase::Busy, Event::Timeout(())) => {
///                 ctx.next_event(Event::Internal("idle")); // before the postponed casts
///                 Transition::next(Phase::Idle)
///             }
///             (_, Event::Internal(what) | Event::Cast(what)) => { self.log.push(what); Transition::keep() }
///             (_, Event::Call((), reply)) => { reply.reply(self.log.clone()); Transition::keep() }
///             _ => Transition::keep(),
///         }
///     }
/// }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let w = Worker { log: vec![] }.start().await.unwrap();
/// w.cast("a");
/// w.cast("b");
/// tokio::time::sleep(Duration::from_secs(2)).await;
/// assert_eq!(w.call(()).await, Ok(vec!["idle", "a", "b"]));
/// # }
/// ```
pub struct StatemCtx<'a, M: GenStatem> {
    pub(super) base: EnterCtx<'a, M>,
}

impl<M: GenStatem> StatemCtx<'_, M> {
    /// Postpones `event`, the one being handled (`postpone`): it is handled again after the
    /// next state change, with the other postponed events, oldest first. A postponed call
    /// keeps its reply handle inside the event and gets no reply now.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn postpone(&mut self, event: Event<M>) {
        self.base.acts.postponed = Some(event);
    }

    /// Inserts `event` to be handled next (`{next_event, ..}`), before everything queued;
    /// several go in the order they were inserted.
    ///
    /// # Examples
    ///
    /// See [`StatemCtx`].
    pub fn next_event(&mut self, event: Event<M>) {
        self.base.acts.next_events.push(event);
    }
}

impl<'a, M: GenStatem> Deref for StatemCtx<'a, M> {
    type Target = EnterCtx<'a, M>;

    fn deref(&self) -> &Self::Target {
        &self.base
    }
}

impl<M: GenStatem> DerefMut for StatemCtx<'_, M> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.base
    }
}
