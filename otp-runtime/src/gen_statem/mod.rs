//! The gen_statem behaviour: a state machine with a typed state, typed events, postponing,
//! inserted events, the three kinds of timeout and state enter calls (otp-semantics §A4).
//!
//! Implement [`GenStatem`] by hand, or let `#[gen_statem]` generate it from an `impl` block.
//! The machine's *data* is `self`; its *state* is a separate value of type
//! [`GenStatem::State`] (usually an enum, so states can carry data) that the runtime owns
//! and hands to every callback. A state change is a new state that is not `==` to the old
//! one: that is what cancels the state timeout, retries postponed events and runs the enter
//! call.
//!
//! | OTP | here |
//! |---|---|
//! | `init/1` → `{ok, State, Data, Actions}` / `ignore` / `{stop, R}` | [`GenStatem::init`] → [`StatemInit`], actions through its [`StatemCtx`] |
//! | `handle_event(Type, Content, State, Data)` | [`GenStatem::handle_event`] with an [`Event`] |
//! | `{call, From}`, `cast`, `info`, `internal` | [`Event::Call`], [`Event::Cast`], [`Event::Info`], [`Event::Internal`] |
//! | `timeout`, `state_timeout`, `{timeout, Name}` | [`Event::Timeout`], [`Event::StateTimeout`], [`Event::GenericTimeout`] |
//! | `{next_state, S, D}`, `keep_state`, `repeat_state`, `{stop, R}` | [`Transition::next`], [`Transition::keep`], [`Transition::repeat`], [`Transition::stop`] |
//! | `{stop_and_reply, R, Replies}` | reply, then [`Transition::stop`]: replies go out before the exit |
//! | `{reply, From, R}` | [`ReplyTo::reply`](crate::ReplyTo::reply) on the call's handle (sent at once) |
//! | `postpone` | [`StatemCtx::postpone`] (give the event back) |
//! | `{next_event, Type, Content}` | [`StatemCtx::next_event`] |
//! | `{timeout, T, C}` / `{state_timeout, T, C}` / `{{timeout, N}, T, C}` | [`EnterCtx::event_timeout`] / [`EnterCtx::state_timeout`] / [`EnterCtx::generic_timeout`] |
//! | `{T, cancel}`, `{T, update, C}` | `cancel_*` and `update_*` on [`EnterCtx`] |
//! | `{abs, true}` in a timeout's options | [`EnterCtx::event_timeout_at`] / [`EnterCtx::state_timeout_at`] / [`EnterCtx::generic_timeout_at`] |
//! | `hibernate` | [`EnterCtx::hibernate`], then [`GenStatem::hibernate`] |
//! | `state_enter` and `(enter, Old, D)` | [`GenStatem::STATE_ENTER`] and [`GenStatem::state_enter`] → [`Enter`] |
//! | `terminate/3` | [`GenStatem::terminate`] |
//! | `gen_statem:call/2` (timeout `infinity`) | [`StatemRef::call`] (no timeout unless [`StatemRef::with_timeout`]) |
//!
//! # What happens after each event
//!
//! The runtime follows OTP's transition steps, in order:
//!
//! 1. The handler runs. Replies it sends go out at once; the actions it asks for through its
//!    context are collected.
//! 2. On a state change, the running state timeout is cancelled; then, if state enter calls
//!    are on, [`GenStatem::state_enter`] runs with the old state (also on
//!    [`Transition::repeat`], with the same state as both).
//! 3. A postponed event is kept; on a state change, every postponed event goes back to the
//!    front of the queue, oldest first.
//! 4. Events inserted with [`StatemCtx::next_event`] go before everything queued, in the
//!    order they were inserted.
//! 5. Timeouts start; of several actions on one timeout in one transition (say a start,
//!    then an update), only the last counts. A zero timeout is queued as an event after the
//!    inserted and postponed ones, before any message not yet received. An event timeout is cancelled by any event,
//!    so one set while events are queued never fires. A state timeout set during a state
//!    change belongs to the new state. Generic timeouts are never cancelled by the runtime.
//! 6. The next queued event is handled before the mailbox is read again.
//!
//! Enter calls get an [`EnterCtx`], which cannot postpone or insert events, and return an
//! [`Enter`], which cannot change the state: OTP's restrictions on enter calls are type
//! errors here.
//!
//! # The `#[gen_statem]` macro
//!
//! On an inherent `impl` block of the data type, `#[gen_statem(state = S)]` turns methods
//! marked `#[call]`, `#[cast]`, `#[info]`, `#[internal]` and `#[timeout]` into events, and
//! generates the enums, a client handle and the `GenStatem` impl:
//!
//! ```
//! use otp_runtime::prelude::*;
//! use std::time::Duration;
//!
//! #[derive(Clone, Debug, PartialEq)]
//! pub enum Door { Closed, Open }
//!
//! pub struct DoorData { code: String, opened: u32 }
//!
//! #[gen_statem(state = Door)]
//! impl DoorData {
//!     /// The first state.
//!     #[init]
//!     fn init(&mut self) -> Door { Door::Closed }
//!
//!     /// Opens the door with the right code; a code sent while it is open waits.
//!     #[cast]
//!     pub fn open(&mut self, state: &Door, code: &String, ctx: &mut StatemCtx<Self>) -> Transition<Door> {
//!         match state {
//!             Door::Open => Transition::keep().postpone(), // retried once closed
//!             Door::Closed if *code == self.code => {
//!                 self.opened += 1;
//!                 ctx.state_timeout(Duration::from_secs(5), DoorDataTimeout::Close {});
//!                 Transition::next(Door::Open)
//!             }
//!             Door::Closed => Transition::keep(),
//!         }
//!     }
//!
//!     /// The state, and how often the door opened: a reply, and the state is kept.
//!     #[call]
//!     pub fn status(&self, state: &Door) -> (Door, u32) { (state.clone(), self.opened) }
//!
//!     /// Waits until the door is open: postponed while it is closed.
//!     #[call]
//!     pub fn when_open(&self, state: &Door) -> Transition<Door, ()> {
//!         match state {
//!             Door::Open => Transition::keep().reply(()),
//!             Door::Closed => Transition::keep().postpone(),
//!         }
//!     }
//!
//!     /// The state timeout set by `open`.
//!     #[timeout]
//!     fn close(&mut self) -> Transition<Door> { Transition::next(Door::Closed) }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
//! let door: DoorDataRef = DoorData { code: "1234".into(), opened: 0 }.start().await.unwrap();
//! let waiting = tokio::spawn({ let door = door.clone(); async move { door.when_open().await } });
//! door.open("0000".into());
//! door.open("1234".into());
//! assert_eq!(waiting.await.unwrap(), Ok(()));
//! door.open("1234".into()); // postponed until the door closes, then opens it again
//! tokio::time::sleep(Duration::from_secs(6)).await;
//! assert_eq!(door.status().await, Ok((Door::Open, 2)));
//! # }
//! ```
//!
//! What the macro generates for that block (paths shortened):
//!
//! ```text
//! impl DoorData { fn init(..); pub fn open(..); .. }       // your methods, unchanged
//! pub enum DoorDataCall { Status {}, WhenOpen {} }         // one variant per #[call]
//! pub enum DoorDataCast { Open { code: String } }          // one per #[cast]
//! pub enum DoorDataTimeout { Close {} }                    // one per #[timeout]
//! pub enum DoorDataInfo { .. }  pub enum DoorDataInternal { .. }   // if any
//! pub struct DoorDataRef { .. }                            // Clone + Send + Sync
//! impl DoorDataRef {
//!     pub async fn status(&self) -> Result<(Door, u32), CallError>;  // no timeout
//!     pub async fn when_open(&self) -> Result<(), CallError>;
//!     pub fn open(&self, code: String);                    // never blocks
//!     pub fn named(name) -> Self; pub fn with_timeout(&self, Duration) -> Self;
//!     pub fn pid(&self); pub async fn stop(..); pub async fn wait_exit(&self);
//!     pub fn send(&self, DoorDataInfo);                    // if there are #[info]s
//! }
//! impl DoorData { pub async fn start(self) -> Result<DoorDataRef, StartError>; start_link; .. }
//! impl GenStatem for DoorData { type State = Door; type Call = DoorDataCall; .. }
//! ```
//!
//! Handlers:
//! - Any handler may take `state: &S` (the current state) and `ctx: &mut StatemCtx<Self>`,
//!   anywhere in its parameters, and be `async`; the other parameters are the message's
//!   fields.
//! - `#[cast]`, `#[info]`, `#[internal]`, `#[timeout]`, `#[info(down)]`, `#[info(exit)]`
//!   return a [`Transition`] or nothing (which keeps the state).
//! - `#[call]` returns its reply (the state is kept); or `Transition<S, R>`, replying with
//!   `.reply(r)` or postponing with `.postpone()`; or takes `reply: ReplyTo<R>` to answer
//!   later, from anywhere, and returns a `Transition<S>` or nothing.
//! - `#[init]` returns the first state, or a [`StatemInit`]; `#[enter]` takes
//!   `old: &S, state: &S` and an [`EnterCtx`], and returns nothing or an [`Enter`];
//!   `#[terminate]` takes `reason: &ExitReason`, and may take `state: &S` and an
//!   `EnterCtx`.
//! - `#[timeout]` methods are the variants of the `..Timeout` enum that every kind of timeout
//!   carries: set them with `ctx.state_timeout(after, DoorDataTimeout::Close {})`,
//!   [`EnterCtx::event_timeout`] or [`EnterCtx::generic_timeout`]. `#[internal]` methods
//!   are those of the `..Internal` enum, inserted with
//!   `ctx.next_event(Event::Internal(..))`.
//!
//! **Postponing keeps the event whole.** The runtime holds each event until its handler
//! returns, so that a `Transition` can postpone it: a field the handler takes as `&T` is
//! lent from the event, and one taken as `T` by a handler that returns a `Transition` is a
//! clone (free for `Copy` types; take `&T` to avoid copying a `String` or a `Vec`).
//!
//! # Examples
//!
//! A door that opens for a while, by hand (the `#[gen_statem]` macro writes all this):
//!
//! ```
//! use otp_runtime::prelude::*;
//! use std::time::Duration;
//!
//! #[derive(Clone, Copy, PartialEq, Debug)]
//! enum Door { Closed, Open }
//!
//! struct DoorData { opened: u32 }
//!
//! enum Call { State }
//! enum Cast { Open }
//!
//! impl GenStatem for DoorData {
//!     type State = Door;
//!     type Call = Call;
//!     type Reply = Door;
//!     type Cast = Cast;
//!     type Info = ();
//!     type Internal = ();
//!     type Timeout = ();
//!
//!     async fn init(&mut self, _ctx: &mut StatemCtx<'_, Self>) -> StatemInit<Door> {
//!         StatemInit::Ok(Door::Closed)
//!     }
//!
//!     async fn handle_event(
//!         &mut self,
//!         state: &Door,
//!         event: Event<Self>,
//!         ctx: &mut StatemCtx<'_, Self>,
//!     ) -> Transition<Door> {
//!         match event {
//!             Event::Call(Call::State, reply) => {
//!                 reply.reply(*state);
//!                 Transition::keep()
//!             }
//!             Event::Cast(Cast::Open) => {
//!                 self.opened += 1;
//!                 ctx.state_timeout(Duration::from_secs(3), ());
//!                 Transition::next(Door::Open)
//!             }
//!             Event::StateTimeout(()) => Transition::next(Door::Closed),
//!             _ => Transition::keep(),
//!         }
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
//! let door = DoorData { opened: 0 }.start().await.unwrap();
//! door.cast(Cast::Open);
//! assert_eq!(door.call(Call::State).await, Ok(Door::Open));
//! tokio::time::sleep(Duration::from_secs(4)).await;
//! assert_eq!(door.call(Call::State).await, Ok(Door::Closed));
//! # }
//! ```

mod ctx;
#[doc(hidden)]
pub mod generated;
mod handle;
mod machine;
mod transition;

use std::borrow::Cow;
use std::fmt;
use std::future::Future;

pub use self::ctx::{EnterCtx, StatemCtx};
pub use self::handle::StatemRef;
#[doc(hidden)]
pub use self::machine::{Machine, MachineInfo};
pub use self::transition::{Enter, StatemInit, Transition};
use crate::{ExitReason, MonitorRef, Pid, ReplyTo, StartError, StartOpts};

/// An event, as [`GenStatem::handle_event`] gets it.
///
/// To postpone an event, give it back with [`StatemCtx::postpone`]: it is handled again
/// after the next state change.
///
/// # Examples
///
/// ```
/// use otp_runtime::gen_statem::{Event, GenStatem};
/// # use otp_runtime::prelude::*;
/// # struct M;
/// # impl GenStatem for M {
/// #     type State = (); type Call = (); type Reply = (); type Cast = u8; type Info = ();
/// #     type Internal = (); type Timeout = ();
/// #     async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<()> { StatemInit::Ok(()) }
/// #     async fn handle_event(&mut self, _: &(), _: Event<Self>, _: &mut StatemCtx<'_, Self>) -> Transition<()> { Transition::keep() }
/// # }
/// let e: Event<M> = Event::Cast(7);
/// assert_eq!(e.kind(), "cast");
/// ```
pub enum Event<M: GenStatem> {
    /// A call (`{call, From}`): answer it through its [`ReplyTo`], now or later.
    Call(M::Call, ReplyTo<M::Reply>),
    /// A cast.
    Cast(M::Cast),
    /// An out-of-band message, sent with [`StatemRef::send`] or a timer
    /// ([`EnterCtx::send_after`]).
    Info(M::Info),
    /// An event the machine inserted with [`StatemCtx::next_event`].
    Internal(M::Internal),
    /// The event timeout expired: no event came in time.
    Timeout(M::Timeout),
    /// The state timeout expired: the machine stayed in its state that long.
    StateTimeout(M::Timeout),
    /// A named generic timeout expired.
    GenericTimeout(TimeoutName, M::Timeout),
    /// An exit signal from a linked process other than the parent, received because the
    /// machine traps exits.
    Exit {
        /// The process that sent it.
        from: Pid,
        /// Its reason.
        reason: ExitReason,
    },
    /// A monitored process ended.
    Down {
        /// The monitor.
        monitor: MonitorRef,
        /// The process.
        pid: Pid,
        /// Its reason.
        reason: ExitReason,
    },
}

impl<M: GenStatem> Event<M> {
    /// OTP's name for the event's type: `call`, `cast`, `info`, `internal`, `timeout`,
    /// `state_timeout`, `generic_timeout`, `exit` or `down`.
    ///
    /// # Examples
    ///
    /// See [`Event`].
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Call(..) => "call",
            Event::Cast(_) => "cast",
            Event::Info(_) => "info",
            Event::Internal(_) => "internal",
            Event::Timeout(_) => "timeout",
            Event::StateTimeout(_) => "state_timeout",
            Event::GenericTimeout(..) => "generic_timeout",
            Event::Exit { .. } => "exit",
            Event::Down { .. } => "down",
        }
    }
}

impl<M: GenStatem> fmt::Debug for Event<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::GenericTimeout(name, _) => write!(f, "Event::GenericTimeout({name:?}, ..)"),
            Event::Exit { from, reason } => write!(f, "Event::Exit({from}, {reason})"),
            Event::Down { pid, reason, .. } => write!(f, "Event::Down({pid}, {reason})"),
            other => write!(f, "Event({})", other.kind()),
        }
    }
}

/// The name of a generic timeout (`{timeout, Name}`): timeouts with different names run
/// side by side; setting one with a running name restarts it.
///
/// # Examples
///
/// ```
/// use otp_runtime::gen_statem::TimeoutName;
/// let n: TimeoutName = "retry".into();
/// assert_eq!(n, TimeoutName::from(String::from("retry")));
/// assert_eq!(n.to_string(), "retry");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TimeoutName(Cow<'static, str>);

impl TimeoutName {
    /// The name as text.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::gen_statem::TimeoutName;
    /// assert_eq!(TimeoutName::from("a").as_str(), "a");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&'static str> for TimeoutName {
    fn from(name: &'static str) -> Self {
        TimeoutName(Cow::Borrowed(name))
    }
}

impl From<String> for TimeoutName {
    fn from(name: String) -> Self {
        TimeoutName(Cow::Owned(name))
    }
}

impl fmt::Display for TimeoutName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A state machine: sequential callbacks around a data value (`self`) and a state, run by
/// the runtime (OTP's `gen_statem` in `handle_event_function` mode).
///
/// Callbacks take `&mut self` and a context, and may be `async`. A panic in any of them is a
/// crash: `terminate` runs with [`ExitReason::Panic`], and the process exits with it. A
/// panic in `init` fails the start instead (`terminate` does not run, as in OTP).
///
/// # Examples
///
/// See the [module](self).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a gen_statem",
    label = "not a gen_statem",
    note = "put `#[gen_statem(state = YourState)]` on an `impl {Self}` block, or implement `GenStatem` by hand"
)]
pub trait GenStatem: Sized + Send + 'static {
    /// The states. Two states are the same state when `==`.
    type State: PartialEq + Send + Sync + 'static;
    /// Requests that get a reply.
    type Call: Send + 'static;
    /// The reply to a call.
    type Reply: Send + 'static;
    /// Requests that get no reply.
    type Cast: Send + 'static;
    /// Out-of-band messages.
    type Info: Send + 'static;
    /// Events the machine inserts itself ([`StatemCtx::next_event`]).
    type Internal: Send + 'static;
    /// What a timeout carries back when it fires.
    type Timeout: Send + 'static;

    /// Whether [`GenStatem::state_enter`] runs on state changes (OTP's `state_enter`
    /// callback mode). Default: off.
    const STATE_ENTER: bool = false;

    /// Runs in the new process before any event and gives the initial state; `start` waits
    /// for it. Actions (inserted events, timeouts) may be set through `ctx`; postponing is
    /// an error here (there is no event).
    fn init(
        &mut self,
        ctx: &mut StatemCtx<'_, Self>,
    ) -> impl Future<Output = StatemInit<Self::State>> + Send;

    /// Handles an event in a state and says what comes next.
    fn handle_event(
        &mut self,
        state: &Self::State,
        event: Event<Self>,
        ctx: &mut StatemCtx<'_, Self>,
    ) -> impl Future<Output = Transition<Self::State>> + Send;

    /// The state enter call, if [`GenStatem::STATE_ENTER`] is on: runs on the initial state
    /// (with `old` the state itself), on every state change, and on
    /// [`Transition::repeat`]. It may reply, set timeouts and stop, but neither postpone,
    /// insert events nor change the state. Default: nothing.
    fn state_enter(
        &mut self,
        old: &Self::State,
        state: &Self::State,
        ctx: &mut EnterCtx<'_, Self>,
    ) -> impl Future<Output = Enter> + Send {
        let _ = (old, state, ctx);
        async { Enter::Keep }
    }

    /// Runs once when the machine stops: on [`Transition::stop`], a crash, a
    /// [`StatemRef::stop`], and its parent's exit signal if the machine traps exits.
    /// Default: nothing.
    fn terminate(
        &mut self,
        reason: &ExitReason,
        state: &Self::State,
        ctx: &mut EnterCtx<'_, Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (reason, state, ctx);
        async {}
    }

    /// The machine as [`sys::get_state`](crate::sys::get_state) and
    /// [`sys::get_status`](crate::sys::get_status) show it (OTP's `format_status/1`): its
    /// state and data as text, or `None` (the default: no text form). Hide secrets here.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// #[derive(PartialEq, Debug)]
    /// # #[allow(dead_code)]
    /// enum Light { Off, On }
    /// #[derive(Debug)]
    /// # #[allow(dead_code)]
    /// struct Switch { flips: u32 }
    /// impl GenStatem for Switch {
    ///     type State = Light; type Call = (); type Reply = (); type Cast = (); type Info = ();
    ///     type Internal = (); type Timeout = ();
    ///     async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<Light> {
    ///         StatemInit::Ok(Light::Off)
    ///     }
    ///     async fn handle_event(&mut self, _: &Light, _: Event<Self>, _: &mut StatemCtx<'_, Self>) -> Transition<Light> {
    ///         Transition::keep()
    ///     }
    ///     fn format_status(&self, state: &Light) -> Option<String> {
    ///         Some(format!("{state:?} {self:?}"))
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = Switch { flips: 0 }.start().await.unwrap();
    /// assert_eq!(otp_runtime::sys::get_state(&s).await.unwrap(), "Off Switch { flips: 0 }");
    /// # }
    /// ```
    fn format_status(&self, state: &Self::State) -> Option<String> {
        let _ = state;
        None
    }

    /// Gives memory back when the machine hibernates (see [`EnterCtx::hibernate`]), as
    /// [`GenServer::hibernate`](crate::GenServer::hibernate) does for a server: runs once
    /// nothing is queued, before the machine waits. Default: nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// #[derive(PartialEq, Debug)]
    /// enum Phase { Idle }
    /// struct Log { lines: Vec<String> }
    /// impl GenStatem for Log {
    ///     type State = Phase; type Call = (); type Reply = usize; type Cast = (); type Info = ();
    ///     type Internal = (); type Timeout = ();
    ///     async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<Phase> {
    ///         StatemInit::Ok(Phase::Idle)
    ///     }
    ///     async fn handle_event(&mut self, _: &Phase, e: Event<Self>, ctx: &mut StatemCtx<'_, Self>) -> Transition<Phase> {
    ///         if let Event::Call((), r) = e {
    ///             r.reply(self.lines.capacity());
    ///         }
    ///         self.lines.clear();
    ///         ctx.hibernate();
    ///         Transition::keep()
    ///     }
    ///     fn hibernate(&mut self) {
    ///         self.lines.shrink_to_fit();
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let l = Log { lines: vec![String::new(); 100] }.start().await.unwrap();
    /// assert_eq!(l.call(()).await, Ok(100));
    /// assert_eq!(l.call(()).await, Ok(0)); // hibernated in between
    /// # }
    /// ```
    fn hibernate(&mut self) {}
    /// The index of a call's variant, for the crash report's `last_message` line: as
    /// [`GenServer::call_variant`](crate::GenServer::call_variant). `#[gen_statem]`
    /// implements it and its siblings.
    ///
    /// # Examples
    ///
    /// As [`GenServer::call_variant`](crate::GenServer::call_variant).
    #[inline(always)]
    fn call_variant(request: &Self::Call) -> u16 {
        let _ = request;
        crate::NO_VARIANT
    }

    /// The index of a cast's variant: see [`GenStatem::call_variant`].
    ///
    /// # Examples
    ///
    /// As [`GenServer::call_variant`](crate::GenServer::call_variant).
    #[inline(always)]
    fn cast_variant(msg: &Self::Cast) -> u16 {
        let _ = msg;
        crate::NO_VARIANT
    }

    /// The index of an info message's variant: see [`GenStatem::call_variant`].
    ///
    /// # Examples
    ///
    /// As [`GenServer::call_variant`](crate::GenServer::call_variant).
    #[inline(always)]
    fn info_variant(msg: &Self::Info) -> u16 {
        let _ = msg;
        crate::NO_VARIANT
    }

    /// The name of variant `index` of the message type `kind`: see
    /// [`GenServer::variant_name`](crate::GenServer::variant_name).
    ///
    /// # Examples
    ///
    /// As [`GenServer::call_variant`](crate::GenServer::call_variant).
    fn variant_name(kind: crate::MessageKind, index: u16) -> Option<&'static str> {
        let _ = (kind, index);
        None
    }

    /// Starts the machine in a new process, unlinked; returns once `init` has run.
    ///
    /// # Errors
    ///
    /// What `init` decided against starting, as [`StartError`].
    ///
    /// # Examples
    ///
    /// See the [module](self).
    fn start(self) -> impl Future<Output = Result<StatemRef<Self>, StartError>> + Send {
        handle::start(self, StartOpts::new())
    }

    /// Starts the machine linked to the calling process, which becomes its parent.
    ///
    /// # Errors
    ///
    /// As [`GenStatem::start`].
    ///
    /// # Examples
    ///
    /// See [`StatemRef`].
    fn start_link(self) -> impl Future<Output = Result<StatemRef<Self>, StartError>> + Send {
        handle::start(self, StartOpts::new().link())
    }

    /// Starts the machine with options: a name, a link, a start timeout.
    ///
    /// # Errors
    ///
    /// As [`GenStatem::start`], and [`StartError::AlreadyStarted`] if the name is taken.
    ///
    /// # Examples
    ///
    /// See [`StatemRef`].
    fn start_with(
        self,
        opts: StartOpts,
    ) -> impl Future<Output = Result<StatemRef<Self>, StartError>> + Send {
        handle::start(self, opts)
    }
}
