//! The gen_server behaviour: a process that serves calls, casts and out-of-band messages with
//! plain sequential code (otp-semantics §A2).
//!
//! Implement [`GenServer`] by hand, or let `#[gen_server]` generate it from an `impl` block.
//! The runtime owns the loop: it receives, dispatches to your handlers one message at a time,
//! replies, runs `terminate`, and contains crashes.
//!
//! | OTP | here |
//! |---|---|
//! | `init/1` → `{ok, S}` / `ignore` / `{stop, R}` | [`GenServer::init`] → [`Init`] |
//! | `handle_call/3` → `reply` / `noreply` / `stop` | [`GenServer::handle_call`] → [`CallResult`] |
//! | `handle_cast/2`, `handle_info/2`, `handle_continue/2` | → [`Outcome`] |
//! | `gen_server:reply(From, R)` | [`Ctx::defer_reply`] then [`ReplyTo::reply`] |
//! | the `Timeout`, `{continue, C}`, `hibernate` actions | [`Ctx::set_timeout`], [`Ctx::continue_with`], [`Ctx::hibernate`] (and [`GenServer::hibernate`]) |
//! | the `{timeout, T, Msg}`, `{hibernate, T, Msg}` actions | [`Ctx::set_timeout_with`] (and [`Ctx::hibernate`]) |
//! | `{stop, Reason, S}` / `exit(Reason)` in `handle_call` | [`CallResult::Stop`], [`Ctx::stop_without_reply`] |
//! | `terminate/2` | [`GenServer::terminate`] |
//! | `start_monitor/3,4` | [`GenServer::start_monitor`], [`GenServer::start_monitor_with`] |
//! | `send_request/2`, `wait_response/2`, `receive_response/2`, `check_response/2` | [`ServerRef::send_request`], [`RequestId`] |
//! | `reqids_new/0`, `reqids_add/3` and the `_response/3` functions | [`RequestIds`] |
//!
//! # The `#[gen_server]` macro
//!
//! On an inherent `impl` block of the server's type, `#[gen_server]` turns methods marked
//! `#[call]`, `#[cast]` and `#[info]` into messages, and generates everything around them:
//!
//! ```
//! use otp_runtime::prelude::*;
//!
//! #[derive(Default)]
//! pub struct Counter { n: u64 }
//!
//! #[gen_server]
//! impl Counter {
//!     /// The current count.
//!     #[call]
//!     pub fn get(&self) -> u64 { self.n }
//!
//!     /// Adds `k`; returns nothing, so the caller does not wait.
//!     #[cast]
//!     pub fn add(&mut self, k: u64) { self.n += k }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let c: CounterRef = Counter::default().start_named("counter").await.unwrap();
//! c.add(2);
//! assert_eq!(c.get().await, Ok(2));
//! // The generated pieces, by name:
//! let _: CounterCall = CounterCall::Get {};
//! let _: CounterCast = CounterCast::Add { k: 1 };
//! let by_name: CounterRef = Counter::named("counter"); // resolves the name at each call
//! assert_eq!(by_name.with_timeout(std::time::Duration::from_secs(1)).get().await, Ok(2));
//! # }
//! ```
//!
//! What the macro generates for that block (paths shortened):
//!
//! ```text
//! impl Counter { pub fn get(..); pub fn add(..) }          // your methods, unchanged
//! pub enum CounterCall { /// The current count.  Get {} }  // one variant per #[call]
//! pub enum CounterCast { Add { k: u64 } }                  // one per #[cast]
//! pub enum CounterInfo { .. }                              // one per #[info], if any
//! pub struct CounterRef { .. }                             // Clone + Send + Sync
//! impl CounterRef {
//!     pub async fn get(&self) -> Result<u64, CallError>;   // timeout 5 s
//!     pub fn send_get(&self) -> RequestId<u64>;            // the call, asynchronously
//!     pub fn add(&self, k: u64);                           // never blocks
//!     pub fn named(name) -> Self; pub fn with_timeout(&self, Duration) -> Self;
//!     pub fn pid(&self); pub async fn stop(..); pub async fn wait_exit(&self);
//!     pub fn send(&self, CounterInfo);                     // if there are #[info]s
//! }
//! impl Counter {
//!     pub async fn start(self) -> Result<CounterRef, StartError>;
//!     pub async fn start_link(self); start_named(self, name); start_link_named(self, name);
//!     pub async fn start_with(self, StartOpts); pub fn named(name) -> CounterRef;
//!     pub async fn start_monitor(self); start_monitor_with(self, StartOpts);
//! }
//! impl GenServer for Counter { type Call = CounterCall; type Cast = CounterCast; .. }
//! ```
//!
//! Handlers:
//! - `#[call]`: the return type is the reply. A parameter `reply: ReplyTo<T>` (and no return
//!   type) defers the reply: answer later, from anywhere, with `reply.reply(value)`. The
//!   handle's `send_<call>` sends the same request without waiting, and returns its
//!   [`RequestId`] (see [`ServerRef::send_request`]).
//! - `#[cast]`, `#[info]`: no return type. Infos arrive through the handle's `send` or a
//!   timer (`ctx.send_after(after, CounterInfo::Tick { .. })`).
//! - `#[info(down)]` `(monitor: MonitorRef, pid: Pid, reason: ExitReason)`,
//!   `#[info(exit)]` `(from: Pid, reason: ExitReason)` (when trapping exits),
//!   `#[info(timeout)]` (the gen_server timeout, set with [`Ctx::set_timeout`]).
//! - `#[hibernate]` is a plain `fn(&mut self)`: [`GenServer::hibernate`], run when the
//!   server hibernates ([`Ctx::hibernate`]) to give memory back.
//! - `#[init]` returns [`Init`] or nothing; `#[terminate]` takes `reason: &ExitReason`;
//!   `#[handle_continue]` takes the value a handler passed to [`Ctx::continue_with`] (or
//!   nothing) and runs before any other message.
//! - Any handler may be `async`, take `&self` or `&mut self`, and take
//!   `ctx: &mut Ctx<Self>` anywhere in its parameters; [`Ctx::stop`] stops the server after
//!   the handler (a call's reply is sent first).
//!
//! The generated types and start functions take the widest visibility among the handlers;
//! each client method takes its handler's visibility. `#[gen_server(crate = path)]` names
//! the runtime crate if you renamed it.
//!
//! `#[gen_server(remote)]` lets other nodes call the server, as Erlang calls it: each
//! handler `name(a, b)` is the request `{name, A, B}` (`name` alone without arguments),
//! with its arguments and reply mapped to terms ([`dist::mapping`](crate::dist::mapping));
//! the handle gets `FooRef::remote(name, node)` to call such a server on another node. See
//! [`dist`](crate::dist).

mod ack;
mod ctx;
mod handle;
pub(crate) mod last;
mod reply;
mod request;
mod server;

use std::future::Future;

pub use self::ctx::Ctx;
pub use self::handle::{ServerRef, DEFAULT_CALL_TIMEOUT, INFINITY};
pub use self::last::{MessageKind, NO_VARIANT};
pub use self::reply::ReplyTo;
pub use self::request::{Collected, RequestId, RequestIds};
pub(crate) use self::server::start_on;
pub use self::server::StartOpts;
use crate::{ExitReason, MonitorRef, Pid, StartError};

/// What `init` decided.
///
/// # Examples
///
/// ```
/// use otp_runtime::{ExitReason, Init};
/// let refuse = Init::Stop(ExitReason::other("no config"));
/// assert_ne!(refuse, Init::Ok);
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Init {
    /// Start serving (`{ok, State}`).
    Ok,
    /// Do not start; `start` returns [`StartError::Ignored`] and the process exits `Normal`.
    Ignore,
    /// Do not start; `start` returns [`StartError::Failed`] with the reason, which is also the
    /// process's exit reason.
    Stop(ExitReason),
}

/// What `handle_call` decided.
///
/// # Examples
///
/// ```
/// use otp_runtime::{CallResult, ExitReason};
/// let r: CallResult<u32> = CallResult::StopReply(ExitReason::Normal, 7);
/// assert!(matches!(r, CallResult::StopReply(_, 7)));
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum CallResult<R> {
    /// Answer now (`{reply, R, S}`).
    Reply(R),
    /// Answer later through [`Ctx::defer_reply`], or never (`{noreply, S}`).
    NoReply,
    /// Stop without answering (`{stop, Reason, S}`); the caller gets
    /// [`CallError::Exited`](crate::CallError::Exited) unless the reply was deferred and sent.
    Stop(ExitReason),
    /// Answer, then stop (`{stop, Reason, Reply, S}`): the reply is sent before `terminate`.
    StopReply(ExitReason, R),
}

/// What a cast, info or continue handler decided.
///
/// # Examples
///
/// ```
/// use otp_runtime::{ExitReason, Outcome};
/// assert_ne!(Outcome::NoReply, Outcome::Stop(ExitReason::Normal));
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// Go on serving (`{noreply, S}`).
    NoReply,
    /// Stop with this reason (`{stop, Reason, S}`): `terminate` runs, then the process exits.
    Stop(ExitReason),
}

/// An out-of-band message for [`GenServer::handle_info`].
///
/// # Examples
///
/// ```
/// use otp_runtime::Info;
/// let i: Info<&str> = Info::Msg("tick");
/// assert!(matches!(i, Info::Msg("tick")));
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Info<I> {
    /// A typed message sent with [`ServerRef::send`] or a timer ([`Ctx::send_after`]).
    Msg(I),
    /// An exit signal from a linked process (other than the parent), received because the
    /// server traps exits.
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
    /// The gen_server timeout set by [`Ctx::set_timeout`] expired with no message.
    Timeout,
}

/// A gen_server: sequential handlers around a state (`self`), run by the runtime.
///
/// Handlers take `&mut self` and the server's [`Ctx`], and may be `async`. A panic in any of
/// them is a crash: `terminate` runs with [`ExitReason::Panic`], the process exits with it, and
/// a caller waiting on the crashed call gets [`CallError::Exited`](crate::CallError::Exited)
/// at once.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// #[derive(Default)]
/// struct Counter { n: u64 }
///
/// enum Call { Get }
/// enum Cast { Add(u64) }
///
/// impl GenServer for Counter {
///     type Call = Call;
///     type Reply = u64;
///     type Cast = Cast;
///     type Info = ();
///     type Continue = ();
///
///     async fn handle_call(&mut self, req: Call, _ctx: &mut Ctx<Self>) -> CallResult<u64> {
///         match req { Call::Get => CallResult::Reply(self.n) }
///     }
///     async fn handle_cast(&mut self, msg: Cast, _ctx: &mut Ctx<Self>) -> Outcome {
///         match msg { Cast::Add(k) => self.n += k }
///         Outcome::NoReply
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let c = Counter::default().start().await.unwrap();
/// c.cast(Cast::Add(2));
/// c.cast(Cast::Add(3));
/// assert_eq!(c.call(Call::Get).await, Ok(5));
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a gen_server",
    label = "not a gen_server",
    note = "put `#[gen_server]` on an `impl {Self}` block with `#[call]`/`#[cast]` methods, or implement `GenServer` by hand"
)]
pub trait GenServer: Sized + Send + 'static {
    /// Requests that get a reply.
    type Call: Send + 'static;
    /// The reply to a call.
    type Reply: Send + 'static;
    /// Requests that get no reply.
    type Cast: Send + 'static;
    /// Out-of-band messages (timers, raw sends).
    type Info: Send + 'static;
    /// What [`Ctx::continue_with`] carries to [`GenServer::handle_continue`].
    type Continue: Send + 'static;

    /// For generated code: `true` when `init` is the default (`#[gen_server]` without an
    /// `#[init]` handler). `start` then neither runs `init` nor waits for it: a process
    /// with nothing to initialise is ready the moment it exists, which saves each start a
    /// handshake (see the peer benchmark's spawn row). An impl that sets it and overrides
    /// `init` has its `init` ignored.
    #[doc(hidden)]
    const INIT_IS_DEFAULT: bool = false;

    /// For the runtime's own servers: `true` when every call is answered by its handler, or
    /// its reply handle dropped by the server's death, never handed to another process to
    /// answer. A caller that waits then needs no watch on the server's death (a watcher
    /// entered in the server's lock-protected state, and removed, per call): the dropped
    /// handle tells it, and only then does it look for the exit reason. A supervisor's
    /// calls are so (a `start_child` waits for the child's start on every call).
    #[doc(hidden)]
    const ANSWERS_IN_HANDLER: bool = false;

    /// For generated code: how the server's calls, casts and replies map to Erlang terms,
    /// for `#[gen_server(remote)]`; `None` (the default) for a server other nodes cannot
    /// reach.
    #[doc(hidden)]
    fn remote_fns() -> Option<crate::dist::RemoteFns<Self>> {
        None
    }

    /// Runs in the new process before any message; `start` waits for it. Default: `Init::Ok`.
    fn init(&mut self, ctx: &mut Ctx<Self>) -> impl Future<Output = Init> + Send {
        let _ = ctx;
        async { Init::Ok }
    }

    /// Handles a call.
    fn handle_call(
        &mut self,
        request: Self::Call,
        ctx: &mut Ctx<Self>,
    ) -> impl Future<Output = CallResult<Self::Reply>> + Send;

    /// Handles a cast. Default: drops it.
    fn handle_cast(
        &mut self,
        msg: Self::Cast,
        ctx: &mut Ctx<Self>,
    ) -> impl Future<Output = Outcome> + Send {
        let _ = (msg, ctx);
        async { Outcome::NoReply }
    }

    /// For generated code: runs the cast's handler at once if it is synchronous, and gives
    /// the message back if it is not. The default gives every message back. `#[gen_server]`
    /// knows which of its handlers are synchronous: their casts then cost the receive loop no
    /// future (see the peer benchmark's cast and ring rows).
    #[doc(hidden)]
    #[inline]
    fn handle_cast_now(
        &mut self,
        msg: Self::Cast,
        ctx: &mut Ctx<Self>,
    ) -> Result<Outcome, Self::Cast> {
        let _ = ctx;
        Err(msg)
    }

    /// For generated code: as [`handle_cast_now`](GenServer::handle_cast_now), for a call
    /// (whose reply handle is in `ctx`, as for `handle_call`).
    #[doc(hidden)]
    #[inline]
    fn handle_call_now(
        &mut self,
        request: Self::Call,
        ctx: &mut Ctx<Self>,
    ) -> Result<CallResult<Self::Reply>, Self::Call> {
        let _ = ctx;
        Err(request)
    }

    /// Handles an out-of-band message, exit signal, `DOWN` or the gen_server timeout.
    /// Default: logs it at debug level and goes on (OTP logs unexpected infos too).
    fn handle_info(
        &mut self,
        info: Info<Self::Info>,
        ctx: &mut Ctx<Self>,
    ) -> impl Future<Output = Outcome> + Send {
        // Logged now, so that the future holds nothing: it is part of every idle server.
        unhandled_info(ctx.pid(), &info);
        async { Outcome::NoReply }
    }

    /// Runs the work a handler deferred with [`Ctx::continue_with`], before any other message.
    /// Default: nothing.
    fn handle_continue(
        &mut self,
        cont: Self::Continue,
        ctx: &mut Ctx<Self>,
    ) -> impl Future<Output = Outcome> + Send {
        let _ = (cont, ctx);
        async { Outcome::NoReply }
    }

    /// Runs once when the server stops: on a `Stop` result, a crash in a handler, a
    /// [`ServerRef::stop`], and its parent's exit signal if the server traps exits (without
    /// trapping, the parent's shutdown kills it at once, as in OTP). Default: nothing.
    fn terminate(
        &mut self,
        reason: &ExitReason,
        ctx: &mut Ctx<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (reason, ctx);
        async {}
    }

    /// Gives memory back when the server hibernates (see [`Ctx::hibernate`]): runs once the
    /// handler that asked to hibernate has returned and the mailbox is empty, before the
    /// server waits. Shrink buffers (`shrink_to_fit`), drop caches you can rebuild. Default:
    /// nothing. A panic here is a crash, as in any handler.
    ///
    /// `#[gen_server]` servers implement it with a `#[hibernate]` method.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// struct Buffer { items: Vec<u64> }
    /// impl GenServer for Buffer {
    ///     type Call = (); type Reply = usize; type Cast = (); type Info = (); type Continue = ();
    ///     async fn handle_call(&mut self, _: (), ctx: &mut Ctx<Self>) -> CallResult<usize> {
    ///         self.items.clear(); // done with the burst
    ///         ctx.hibernate();
    ///         CallResult::Reply(self.items.capacity())
    ///     }
    ///     fn hibernate(&mut self) {
    ///         self.items.shrink_to_fit();
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let b = Buffer { items: (0..1000).collect() }.start().await.unwrap();
    /// assert_eq!(b.call(()).await, Ok(1000)); // cleared, not yet shrunk
    /// assert_eq!(b.call(()).await, Ok(0)); // the server hibernated in between
    /// # }
    /// ```
    fn hibernate(&mut self) {}

    /// The state as [`sys::get_state`](crate::sys::get_state) and
    /// [`sys::get_status`](crate::sys::get_status) show it (OTP's `format_status/1`): `None`,
    /// "no text form", by default. `#[gen_server]` on a type that implements `Debug` shows
    /// its `Debug` form; implement this (or `Debug` by hand) to hide secrets.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// #[allow(dead_code)] // the password is only checked, elsewhere
    /// struct Login { user: String, password: String }
    /// impl GenServer for Login {
    ///     type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    ///     async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
    ///         CallResult::Reply(())
    ///     }
    ///     fn format_status(&self) -> Option<String> {
    ///         Some(format!("Login {{ user: {:?}, password: <hidden> }}", self.user))
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let l = Login { user: "ann".into(), password: "hunter2".into() }.start().await.unwrap();
    /// let state = otp_runtime::sys::get_state(&l).await.unwrap();
    /// assert_eq!(state, r#"Login { user: "ann", password: <hidden> }"#);
    /// # }
    /// ```
    fn format_status(&self) -> Option<String> {
        None
    }

    /// The index of a call's variant, which [`GenServer::variant_name`] names: the crash
    /// report's `last_message` line says which request the server was handling (its variant,
    /// never its fields: they may hold secrets, and formatting every message would cost every
    /// message). `#[gen_server]` and `#[gen_statem]` implement it; by default
    /// [`NO_VARIANT`], and the report says only "a call". Called for each
    /// message: keep it a `match` on the discriminant.
    ///
    /// # Examples
    ///
    /// A hand-written server names its requests:
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::MessageKind;
    ///
    /// enum Req { Get, Put(u64) }
    /// struct Store(u64);
    /// impl GenServer for Store {
    ///     type Call = Req; type Reply = u64; type Cast = (); type Info = (); type Continue = ();
    ///     async fn handle_call(&mut self, req: Req, _ctx: &mut Ctx<Self>) -> CallResult<u64> {
    ///         match req {
    ///             Req::Get => CallResult::Reply(self.0),
    ///             Req::Put(v) => { self.0 = v; CallResult::Reply(v) }
    ///         }
    ///     }
    ///     fn call_variant(req: &Req) -> u16 {
    ///         match req { Req::Get => 0, Req::Put(_) => 1 }
    ///     }
    ///     fn variant_name(kind: MessageKind, index: u16) -> Option<&'static str> {
    ///         match kind {
    ///             MessageKind::Call => ["Get", "Put"].get(usize::from(index)).copied(),
    ///             _ => None,
    ///         }
    ///     }
    /// }
    /// assert_eq!(Store::call_variant(&Req::Get), 0);
    /// assert_eq!(Store::variant_name(MessageKind::Call, Store::call_variant(&Req::Put(1))), Some("Put"));
    /// ```
    #[inline(always)]
    fn call_variant(request: &Self::Call) -> u16 {
        let _ = request;
        last::NO_VARIANT
    }

    /// The index of a cast's variant: see [`GenServer::call_variant`].
    ///
    /// # Examples
    ///
    /// See [`GenServer::call_variant`].
    #[inline(always)]
    fn cast_variant(msg: &Self::Cast) -> u16 {
        let _ = msg;
        last::NO_VARIANT
    }

    /// The index of an info message's variant: see [`GenServer::call_variant`].
    ///
    /// # Examples
    ///
    /// See [`GenServer::call_variant`].
    #[inline(always)]
    fn info_variant(msg: &Self::Info) -> u16 {
        let _ = msg;
        last::NO_VARIANT
    }

    /// The index of a continue's variant: see [`GenServer::call_variant`].
    ///
    /// # Examples
    ///
    /// See [`GenServer::call_variant`].
    #[inline(always)]
    fn continue_variant(cont: &Self::Continue) -> u16 {
        let _ = cont;
        last::NO_VARIANT
    }

    /// The name of variant `index` of the message type `kind` (`None`: not named). Only crash
    /// reports and tracing spans call it. `#[gen_server]` generates it from its enums' variant
    /// names.
    ///
    /// # Examples
    ///
    /// See [`GenServer::call_variant`].
    fn variant_name(kind: MessageKind, index: u16) -> Option<&'static str> {
        let _ = (kind, index);
        None
    }

    /// For the behaviours built on this trait: what `sys` and the process listing call the
    /// process.
    #[doc(hidden)]
    const BEHAVIOUR: crate::sys::Behaviour = crate::sys::Behaviour::GenServer;

    /// For the behaviours built on this trait: the state `sys::inspect` and
    /// `sys::replace_state` reach (a gen_statem's, not its machine's), and its type's name.
    #[doc(hidden)]
    fn sys_state(&mut self) -> (&mut dyn std::any::Any, &'static str) {
        (crate::sys::as_any(self), std::any::type_name::<Self>())
    }

    /// For the behaviours built on this trait: the behaviour's own data in a status (a
    /// gen_statem's state, a supervisor's restarts).
    #[doc(hidden)]
    fn sys_data(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// For the behaviours built on this trait: a supervisor's children, for the tree walk.
    #[doc(hidden)]
    fn sys_children(&self) -> Option<crate::sys::SupervisorView> {
        None
    }

    /// Starts the server in a new process, unlinked; returns once `init` has run.
    ///
    /// # Errors
    ///
    /// What `init` decided against starting, as [`StartError`].
    ///
    /// # Examples
    ///
    /// See [`GenServer`].
    fn start(self) -> impl Future<Output = Result<ServerRef<Self>, StartError>> + Send {
        server::start(self, StartOpts::new())
    }

    /// Starts the server linked to the calling process, which becomes its parent. Outside a
    /// process there is nothing to link to and this is [`GenServer::start`].
    ///
    /// # Errors
    ///
    /// As [`GenServer::start`]. A failed start never kills the caller: the server unlinks
    /// before it exits.
    ///
    /// # Examples
    ///
    /// See [`StartOpts`].
    fn start_link(self) -> impl Future<Output = Result<ServerRef<Self>, StartError>> + Send {
        server::start(self, StartOpts::new().link())
    }

    /// Starts the server monitored by the calling process, in one step (OTP's
    /// `gen_server:start_monitor/3`): the monitor is set before the server runs, so its
    /// `DOWN` comes whenever it ends, even during `init`. A start that fails leaves no `DOWN`
    /// behind (OTP 26): the error says what happened. Returns the server and the monitor.
    ///
    /// # Errors
    ///
    /// As [`GenServer::start`]; [`StartError::NotInProcess`] outside a process, where no
    /// one could receive the `DOWN` (nothing is started).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// struct Job;
    /// impl GenServer for Job {
    ///     type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    ///     async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
    ///         CallResult::StopReply(ExitReason::other("done"), ())
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let watcher = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
    ///     let (job, monitor) = Job.start_monitor().await.unwrap();
    ///     job.call(()).await.unwrap();
    ///     match ctx.recv().await {
    ///         Message::Down { monitor: m, reason, .. } if m == monitor => reason,
    ///         other => panic!("unexpected {other:?}"),
    ///     }
    /// });
    /// assert_eq!(watcher.wait_exit().await, ExitReason::other("done"));
    /// # }
    /// ```
    fn start_monitor(
        self,
    ) -> impl Future<Output = Result<(ServerRef<Self>, MonitorRef), StartError>> + Send {
        server::start_monitor(self, StartOpts::new())
    }

    /// [`GenServer::start_monitor`] with options: a name, a link as well, a start timeout.
    ///
    /// # Errors
    ///
    /// As [`GenServer::start_with`] and [`GenServer::start_monitor`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # struct Job;
    /// # impl GenServer for Job {
    /// #     type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    /// #     async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
    /// #         CallResult::Reply(())
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async move {
    ///     let (job, monitor) = Job.start_monitor_with(StartOpts::new().name("job")).await.unwrap();
    ///     assert_eq!(otp_runtime::whereis("job"), job.pid());
    ///     assert_eq!(Some(monitor.target()), job.pid());
    ///     // The name is taken: no server, no monitor, no DOWN.
    ///     let again = Job.start_monitor_with(StartOpts::new().name("job")).await;
    ///     assert_eq!(again.unwrap_err(), StartError::AlreadyStarted(job.pid().unwrap()));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// // Outside a process nobody could get the DOWN.
    /// assert_eq!(Job.start_monitor().await.unwrap_err(), StartError::NotInProcess);
    /// # }
    /// ```
    fn start_monitor_with(
        self,
        opts: StartOpts,
    ) -> impl Future<Output = Result<(ServerRef<Self>, MonitorRef), StartError>> + Send {
        server::start_monitor(self, opts)
    }

    /// Starts the server with options: a name, a link, a start timeout.
    ///
    /// # Errors
    ///
    /// As [`GenServer::start`], and [`StartError::AlreadyStarted`] if the name is taken,
    /// [`StartError::Timeout`] if `init` outlives the start timeout.
    ///
    /// # Examples
    ///
    /// See [`StartOpts`].
    fn start_with(
        self,
        opts: StartOpts,
    ) -> impl Future<Output = Result<ServerRef<Self>, StartError>> + Send {
        server::start(self, opts)
    }
}

/// Logs an info no handler takes, as the default `handle_info` does. For generated code.
#[doc(hidden)]
pub fn unhandled_info<I>(pid: Pid, info: &Info<I>) {
    tracing::debug!(%pid, kind = info_kind(info), "gen_server dropped an unhandled info");
}

fn info_kind<I>(info: &Info<I>) -> &'static str {
    match info {
        Info::Msg(_) => "message",
        Info::Exit { .. } => "exit",
        Info::Down { .. } => "down",
        Info::Timeout => "timeout",
    }
}

/// The messages of a gen_server's mailbox. Public for generated code; not for direct use.
#[doc(hidden)]
pub enum Request<S: GenServer> {
    Call(S::Call, tokio::sync::oneshot::Sender<S::Reply>),
    Cast(S::Cast),
    Info(S::Info),
    Stop(StopReason),
}

/// The reason of a `stop` request, one word wide (a box's null is `Normal`): the mailbox's
/// slots are as wide as the widest message, and a second word here would widen the
/// slots, and so every mailbox's first block, whenever a call message has a tag of its own
/// (as the macro's have). Reasons other than `Normal` cost a box, once per stop.
#[doc(hidden)]
pub enum StopReason {
    Normal,
    Other(Box<ExitReason>),
}

impl From<ExitReason> for StopReason {
    fn from(reason: ExitReason) -> Self {
        match reason {
            ExitReason::Normal => StopReason::Normal,
            other => StopReason::Other(Box::new(other)),
        }
    }
}

impl From<StopReason> for ExitReason {
    fn from(reason: StopReason) -> Self {
        match reason {
            StopReason::Normal => ExitReason::Normal,
            StopReason::Other(r) => *r,
        }
    }
}
