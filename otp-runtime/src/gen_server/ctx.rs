//! The context a gen_server's handlers get.

use std::num::NonZeroU64;

use std::time::Duration;

use tokio::sync::oneshot;

use std::future::Future;

use super::{GenServer, ReplyTo, Request, ServerRef};
use crate::process::ProcessCtx;
use crate::{ExitReason, MonitorRef, Pid, TaskExit, TaskHandle, TimerRef};

/// `Ctx::timeout` when no gen_server timeout is set.
pub(super) const NO_TIMEOUT: u64 = u64::MAX;

/// A gen_server's process context: its pid and parent, links, monitors, timers, and the
/// actions a handler can ask for (gen_server timeout, continue, hibernate, deferred reply).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// struct Pinger;
/// impl GenServer for Pinger {
///     type Call = ();
///     type Reply = Pid;
///     type Cast = ();
///     type Info = ();
///     type Continue = ();
///     async fn handle_call(&mut self, _: (), ctx: &mut Ctx<Self>) -> CallResult<Pid> {
///         CallResult::Reply(ctx.pid())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = Pinger.start().await.unwrap();
/// assert_eq!(p.call(()).await.map(Some), Ok(p.pid()));
/// # }
/// ```
pub struct Ctx<S: GenServer> {
    pub(super) proc: ProcessCtx<Request<S>>,
    /// The parent's pid number (a parent is of the server's node): 8 bytes where a pid takes
    /// 16, in every idle server.
    parent: Option<NonZeroU64>,
    pub(super) reply: Option<oneshot::Sender<S::Reply>>,
    pub(super) cont: Option<S::Continue>,
    pub(super) hibernate: bool,
    /// Messages handled since the start, modulo 2^32 (`CtxRare::handled_high` counts the
    /// wraps): in the padding after the two flags above, so it costs an idle server nothing.
    pub(super) handled: u32,
    /// What the server handled last, for its crash report (`super::last`): in the two bytes
    /// of padding left after `handled`, so it costs an idle server nothing.
    pub(super) last: u16,
    /// What few servers need: a stop asked with [`Ctx::stop`], a gen_server timeout, `sys`
    /// trace and statistics. Boxed to keep every idle server's context small (the context
    /// is part of every idle server's task, whose cell tokio sizes in steps of 128 bytes:
    /// see `an_idle_server_stays_small`).
    pub(super) rare: Option<Box<CtxRare<S::Info>>>,
}

/// See `Ctx::rare`.
pub(super) struct CtxRare<I> {
    stop: Option<ExitReason>,
    /// The stop was asked with [`Ctx::stop_without_reply`]: a call's returned value is
    /// dropped quietly.
    no_reply: bool,
    pub(super) sys: Option<crate::sys::SysDebug>,
    handled_high: u64,
    /// The gen_server timeout in nanoseconds, or [`NO_TIMEOUT`]: here rather than in every
    /// idle server's context, since most servers never set one.
    timeout: u64,
    /// What the gen_server timeout delivers instead of [`Info::Timeout`](crate::Info::Timeout)
    /// (OTP's `{timeout, T, Msg}`), set with [`Ctx::set_timeout_with`].
    timeout_msg: Option<I>,
}

impl<I> Default for CtxRare<I> {
    fn default() -> Self {
        CtxRare {
            stop: None,
            no_reply: false,
            sys: None,
            handled_high: 0,
            timeout: NO_TIMEOUT,
            timeout_msg: None,
        }
    }
}

impl<S: GenServer> Ctx<S> {
    /// The stop a handler asked for with [`Ctx::stop`], if any.
    #[inline]
    pub(super) fn take_stop(&mut self) -> Option<ExitReason> {
        match &mut self.rare {
            None => None,
            Some(r) => r.stop.take(),
        }
    }

    /// Whether the stop asked for is [`Ctx::stop_without_reply`]'s (and forgets it).
    pub(super) fn take_no_reply(&mut self) -> bool {
        self.rare
            .as_mut()
            .is_some_and(|r| std::mem::take(&mut r.no_reply))
    }

    /// What the expired gen_server timeout delivers: its message, if one was set with
    /// [`Ctx::set_timeout_with`], or [`Info::Timeout`](crate::Info::Timeout).
    pub(super) fn timeout_info(&mut self) -> crate::Info<S::Info> {
        match self.rare.as_mut().and_then(|r| r.timeout_msg.take()) {
            Some(msg) => crate::Info::Msg(msg),
            None => crate::Info::Timeout,
        }
    }

    /// Cancels the gen_server timeout, and drops its message if it had one.
    pub(super) fn clear_timeout(&mut self) {
        if let Some(r) = &mut self.rare {
            r.timeout = NO_TIMEOUT;
            r.timeout_msg = None;
        }
    }

    /// The gen_server timeout in nanoseconds, or [`NO_TIMEOUT`]; unset after (its message
    /// stays until it is delivered or dropped).
    #[inline]
    pub(super) fn take_timeout(&mut self) -> u64 {
        match &mut self.rare {
            None => NO_TIMEOUT,
            Some(r) => std::mem::replace(&mut r.timeout, NO_TIMEOUT),
        }
    }

    /// Sets the gen_server timeout again, to `nanos` (below [`NO_TIMEOUT`]).
    pub(super) fn restore_timeout(&mut self, nanos: u64) {
        self.rare.get_or_insert_with(Default::default).timeout = nanos;
    }

    /// Whether a gen_server timeout is set.
    #[inline]
    pub(super) fn timeout_set(&self) -> bool {
        matches!(&self.rare, Some(r) if r.timeout != NO_TIMEOUT)
    }

    /// Drops the gen_server timeout's message, if it had one: a message came first.
    #[inline]
    pub(super) fn drop_timeout_msg(&mut self) {
        if let Some(r) = &mut self.rare {
            r.timeout_msg = None;
        }
    }

    /// Whether a stop may have been asked with [`Ctx::stop`]: a test of one pointer, where
    /// [`take_stop`](Self::take_stop) builds an `Option<ExitReason>` in memory.
    #[inline]
    pub(super) fn stop_asked(&self) -> bool {
        self.rare.is_some()
    }

    /// Whether a stop was asked with [`Ctx::stop`] (or [`Ctx::stop_without_reply`]) and is
    /// still to be taken.
    pub(super) fn stop_pending(&self) -> bool {
        matches!(&self.rare, Some(r) if r.stop.is_some())
    }

    /// Whether `sys` trace or statistics are on.
    #[inline]
    pub(super) fn sys_on(&self) -> bool {
        matches!(&self.rare, Some(r) if r.sys.is_some())
    }

    pub(super) fn sys_debug(&self) -> Option<&crate::sys::SysDebug> {
        self.rare.as_ref()?.sys.as_ref()
    }

    pub(super) fn sys_debug_mut(&mut self) -> Option<&mut crate::sys::SysDebug> {
        self.rare.as_mut()?.sys.as_mut()
    }

    /// The `sys` debugging state, made on first use.
    pub(super) fn sys_debug_or_new(&mut self) -> &mut crate::sys::SysDebug {
        let rare = self.rare.get_or_insert_with(Default::default);
        if rare.sys.is_none() {
            // Tells `drain`, which reads the flag rather than this context, per poll.
            self.proc.shared().set_sys_traced(true);
        }
        rare.sys.get_or_insert_with(Default::default)
    }

    /// Drops the `sys` debugging state once nothing is on.
    pub(super) fn sys_tidy(&mut self) {
        if let Some(r) = &mut self.rare {
            if r.sys.as_ref().is_some_and(|d| d.is_idle()) {
                r.sys = None;
                self.proc.shared().set_sys_traced(false);
            }
            if r.stop.is_none()
                && r.sys.is_none()
                && r.handled_high == 0
                && r.timeout == NO_TIMEOUT
                && r.timeout_msg.is_none()
                && !r.no_reply
            {
                self.rare = None;
            }
        }
    }

    /// Counts a message handled.
    #[inline]
    pub(super) fn count_in(&mut self) {
        self.handled = self.handled.wrapping_add(1);
        if self.handled == 0 {
            self.rare.get_or_insert_with(Default::default).handled_high += 1;
        }
    }

    /// Messages handled since the start.
    pub(super) fn messages_handled(&self) -> u64 {
        let high = self.rare.as_ref().map_or(0, |r| r.handled_high);
        (high << 32) | u64::from(self.handled)
    }
}

impl<S: GenServer> Drop for Ctx<S> {
    /// `sys` requests still queued for a dying server are dropped with it: their senders
    /// learn of its death. One atomic load when there are none.
    fn drop(&mut self) {
        let sh = self.proc.shared();
        if sh.sys_attention() && sh.take_sys() {
            drop(sh.node().0.sys.take(sh.pid()));
        }
    }
}

impl<S: GenServer> Ctx<S> {
    /// The context of a server starting in `proc`, started by `parent`.
    pub(super) fn new(proc: ProcessCtx<Request<S>>, parent: Option<Pid>) -> Self {
        Ctx {
            proc,
            parent: parent.map(Pid::number),
            reply: None,
            cont: None,
            hibernate: false,
            handled: 0,
            last: super::last::NONE,
            rare: None,
        }
    }

    /// This server's pid.
    ///
    /// # Examples
    ///
    /// See [`Ctx`].
    pub fn pid(&self) -> Pid {
        self.proc.pid()
    }

    /// The process that started this server with `start_link`, if any. Its exit signal stops
    /// the server (running `terminate` only if the server traps exits).
    ///
    /// # Examples
    ///
    /// ```
    /// # use otp_runtime::prelude::*;
    /// # struct S;
    /// # impl GenServer for S {
    /// #     type Call = (); type Reply = Option<Pid>; type Cast = (); type Info = (); type Continue = ();
    /// async fn handle_call(&mut self, _: (), ctx: &mut Ctx<Self>) -> CallResult<Option<Pid>> {
    ///     CallResult::Reply(ctx.parent())
    /// }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = S.start().await.unwrap(); // started from outside a process: no parent
    /// assert_eq!(s.call(()).await, Ok(None));
    /// # }
    /// ```
    pub fn parent(&self) -> Option<Pid> {
        let node = self.proc.shared().node().id();
        self.parent.map(|n| Pid::from_number(node, n))
    }

    /// How many messages wait in this server's mailbox: calls, casts, infos and signals
    /// not handled yet (Erlang's `process_info(self(), message_queue_len)`).
    ///
    /// Mailboxes are unbounded, as in Erlang: casts to a server slower than its clients pile
    /// up without limit. A handler can check this and shed load (answer "busy", drop
    /// low-value casts) before memory runs out; calls, which wait for their reply, bound
    /// the queue by the number of callers.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// /// Refuses work while more than 100 requests wait.
    /// struct Guarded;
    /// impl GenServer for Guarded {
    ///     type Call = u64; type Reply = Result<u64, &'static str>;
    ///     type Cast = (); type Info = (); type Continue = ();
    ///     async fn handle_call(&mut self, n: u64, ctx: &mut Ctx<Self>) -> CallResult<Self::Reply> {
    ///         if ctx.message_queue_len() > 100 {
    ///             return CallResult::Reply(Err("busy"));
    ///         }
    ///         CallResult::Reply(Ok(n * 2))
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let g = Guarded.start().await.unwrap();
    /// assert_eq!(g.call(21).await, Ok(Ok(42)));
    /// # }
    /// ```
    pub fn message_queue_len(&self) -> usize {
        self.proc.message_queue_len()
    }

    /// A pid-bound handle to this server.
    ///
    /// # Examples
    ///
    /// ```
    /// # use otp_runtime::prelude::*;
    /// # struct S;
    /// # impl GenServer for S {
    /// #     type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    /// async fn handle_call(&mut self, _: (), ctx: &mut Ctx<Self>) -> CallResult<()> {
    ///     ctx.handle().cast(()); // a message to ourselves, handled after this call
    ///     CallResult::Reply(())
    /// }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// # let s = S.start().await.unwrap();
    /// # assert_eq!(s.call(()).await, Ok(()));
    /// # }
    /// ```
    pub fn handle(&self) -> ServerRef<S> {
        ServerRef::from_process(self.proc.handle())
    }

    /// Takes the current call's reply handle, to answer later with [`ReplyTo::reply`] (from
    /// this or any process); return [`CallResult::NoReply`](crate::CallResult::NoReply) then.
    /// `None` outside `handle_call` or if already taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// struct Slow;
    /// impl GenServer for Slow {
    ///     type Call = u32; type Reply = u32; type Cast = (); type Info = (); type Continue = ();
    ///     async fn handle_call(&mut self, n: u32, ctx: &mut Ctx<Self>) -> CallResult<u32> {
    ///         let reply_to = ctx.defer_reply().unwrap();
    ///         // Another process answers; the server is free at once.
    ///         otp_runtime::spawn(move |_c: ProcessCtx<()>| async move {
    ///             reply_to.reply(n * 2);
    ///             ExitReason::Normal
    ///         });
    ///         CallResult::NoReply
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = Slow.start().await.unwrap();
    /// assert_eq!(s.call(21).await, Ok(42));
    /// # }
    /// ```
    pub fn defer_reply(&mut self) -> Option<ReplyTo<S::Reply>> {
        self.reply.take().map(ReplyTo::new)
    }

    /// After this handler, if no message arrives within `after`, `handle_info` gets
    /// [`Info::Timeout`](crate::Info::Timeout) (the gen_server timeout). Any message cancels
    /// it; zero fires only if the mailbox is empty. Applies to the current handler's return.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    ///
    /// struct Idle { timeouts: u32 }
    /// impl GenServer for Idle {
    ///     type Call = (); type Reply = u32; type Cast = (); type Info = (); type Continue = ();
    ///     async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
    ///         ctx.set_timeout(Duration::from_secs(1));
    ///         Init::Ok
    ///     }
    ///     async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<u32> {
    ///         CallResult::Reply(self.timeouts)
    ///     }
    ///     async fn handle_info(&mut self, info: Info<()>, _ctx: &mut Ctx<Self>) -> Outcome {
    ///         if info == Info::Timeout { self.timeouts += 1 }
    ///         Outcome::NoReply
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let s = Idle { timeouts: 0 }.start().await.unwrap();
    /// otp_runtime::time::sleep(Duration::from_secs(2)).await;
    /// assert_eq!(s.call(()).await, Ok(1));
    /// # }
    /// ```
    ///
    /// [`INFINITY`](crate::INFINITY) means no timeout, as OTP's `infinity`.
    pub fn set_timeout(&mut self, after: Duration) {
        self.clear_timeout();
        if after != crate::INFINITY {
            // 584 years saturate to just below the sentinel.
            let nanos =
                u64::try_from(after.as_nanos()).map_or(NO_TIMEOUT - 1, |n| n.min(NO_TIMEOUT - 1));
            self.restore_timeout(nanos);
        }
    }

    /// As [`Ctx::set_timeout`], but the expired timeout delivers `msg` to `handle_info` as
    /// [`Info::Msg`](crate::Info::Msg) instead of [`Info::Timeout`](crate::Info::Timeout)
    /// (OTP's `{timeout, T, Msg}` action; with [`Ctx::hibernate`], `{hibernate, T, Msg}`).
    /// Any message that arrives first cancels it, and `msg` is dropped; zero delivers it only
    /// if the mailbox is empty; [`INFINITY`](crate::INFINITY) never delivers it. Setting
    /// another timeout in the same handler replaces this one.
    ///
    /// With `#[gen_server]`, `msg` is one of the server's `#[info]` messages, and its
    /// handler runs.
    ///
    /// # Examples
    ///
    /// A session that expires when idle for a minute:
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    ///
    /// #[derive(Default)]
    /// pub struct Session { hits: u32, expired: bool }
    ///
    /// #[gen_server]
    /// impl Session {
    ///     #[call]
    ///     pub fn hit(&mut self, ctx: &mut Ctx<Self>) -> u32 {
    ///         self.hits += 1;
    ///         ctx.set_timeout_with(Duration::from_secs(60), SessionInfo::Expire {});
    ///         self.hits
    ///     }
    ///     #[call]
    ///     pub fn expired(&self) -> bool { self.expired }
    ///     #[info]
    ///     fn expire(&mut self) { self.expired = true }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let s = Session::default().start().await.unwrap();
    /// s.hit().await.unwrap();
    /// otp_runtime::time::sleep(Duration::from_secs(59)).await;
    /// s.hit().await.unwrap(); // in time: the timeout starts again
    /// otp_runtime::time::sleep(Duration::from_secs(59)).await;
    /// assert_eq!(s.expired().await, Ok(false)); // this call cancelled it
    /// otp_runtime::time::sleep(Duration::from_secs(61)).await;
    /// assert_eq!(s.expired().await, Ok(false)); // and nobody set it again
    /// s.hit().await.unwrap();
    /// otp_runtime::time::sleep(Duration::from_secs(61)).await;
    /// assert_eq!(s.expired().await, Ok(true));
    /// # }
    /// ```
    pub fn set_timeout_with(&mut self, after: Duration, msg: S::Info) {
        self.set_timeout(after);
        if let Some(r) = self.rare.as_mut().filter(|r| r.timeout != NO_TIMEOUT) {
            r.timeout_msg = Some(msg);
        }
    }

    /// After this handler, run [`GenServer::handle_continue`] with `cont` before any other
    /// message (OTP's `{continue, C}`), e.g. to finish a slow start after `start` returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// struct Loader { loaded: bool }
    /// impl GenServer for Loader {
    ///     type Call = (); type Reply = bool; type Cast = (); type Info = (); type Continue = ();
    ///     async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
    ///         ctx.continue_with(());
    ///         Init::Ok
    ///     }
    ///     async fn handle_continue(&mut self, _: (), _ctx: &mut Ctx<Self>) -> Outcome {
    ///         self.loaded = true;
    ///         Outcome::NoReply
    ///     }
    ///     async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<bool> {
    ///         CallResult::Reply(self.loaded)
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = Loader { loaded: false }.start().await.unwrap();
    /// assert_eq!(s.call(()).await, Ok(true)); // the continue ran before this call
    /// # }
    /// ```
    pub fn continue_with(&mut self, cont: S::Continue) {
        self.cont = Some(cont);
    }

    /// Asks to hibernate after this handler (OTP's `hibernate` action): once the server has
    /// nothing left to do (its mailbox empty), it calls [`GenServer::hibernate`], the server's
    /// own hook to give memory back (`shrink_to_fit` its buffers, drop caches), releases what
    /// the runtime holds for it and no longer needs (timer and monitor bookkeeping left empty,
    /// its context's spare parts, its mailbox's buffers), and waits. If messages wait
    /// already, they are handled first, and the next handler decides again. With
    /// [`Ctx::set_timeout_with`] this is OTP's `{hibernate, T, Msg}`.
    ///
    /// A tokio task has no heap of its own to compact: what is shrunk is what the hook and
    /// the runtime know of.
    ///
    /// # Examples
    ///
    /// ```
    /// # use otp_runtime::prelude::*;
    /// # struct S;
    /// # impl GenServer for S {
    /// #     type Call = (); type Reply = bool; type Cast = (); type Info = (); type Continue = ();
    /// async fn handle_call(&mut self, _: (), ctx: &mut Ctx<Self>) -> CallResult<bool> {
    ///     ctx.hibernate();
    ///     CallResult::Reply(ctx.hibernating())
    /// }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// # let s = S.start().await.unwrap();
    /// # assert_eq!(s.call(()).await, Ok(true));
    /// # }
    /// ```
    pub fn hibernate(&mut self) {
        self.hibernate = true;
    }

    /// Whether the current handler asked to hibernate.
    ///
    /// # Examples
    ///
    /// See [`Ctx::hibernate`].
    pub fn hibernating(&self) -> bool {
        self.hibernate
    }

    /// Stops the server after the current handler returns (OTP's `{stop, Reason, …}`): a call's
    /// reply is sent first, then `terminate` runs, then the process exits with `reason`. The
    /// same as returning [`CallResult::StopReply`](crate::CallResult::StopReply) or
    /// [`Outcome::Stop`](crate::Outcome::Stop), for handlers whose return value is their reply.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// struct Once;
    /// impl GenServer for Once {
    ///     type Call = (); type Reply = &'static str; type Cast = (); type Info = (); type Continue = ();
    ///     async fn handle_call(&mut self, _: (), ctx: &mut Ctx<Self>) -> CallResult<&'static str> {
    ///         ctx.stop(ExitReason::Normal);
    ///         CallResult::Reply("bye")
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = Once.start().await.unwrap();
    /// assert_eq!(s.call(()).await, Ok("bye"));
    /// assert_eq!(s.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn stop(&mut self, reason: ExitReason) {
        self.rare.get_or_insert_with(Default::default).stop = Some(reason);
    }

    /// Stops the server after the current handler returns, without answering the current
    /// call (OTP's `{stop, Reason, State}` from `handle_call`, or `exit(Reason)` in it): the
    /// caller gets [`CallError::Exited`](crate::CallError::Exited) with `reason` once the
    /// server has run `terminate` and ended. A value the handler returns is dropped, and so
    /// is the reply for good: a later [`Ctx::stop`] in the same handler changes the reason
    /// only. Outside a call it is [`Ctx::stop`]. For `#[gen_server]` handlers, whose return value is their
    /// reply; a hand-written `handle_call` can return
    /// [`CallResult::Stop`](crate::CallResult::Stop).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// #[derive(Default)]
    /// pub struct Vault { tries: u32 }
    ///
    /// #[gen_server]
    /// impl Vault {
    ///     #[call]
    ///     pub fn open(&mut self, pin: u32, ctx: &mut Ctx<Self>) -> bool {
    ///         self.tries += 1;
    ///         if self.tries > 2 {
    ///             ctx.stop_without_reply(ExitReason::other("too many tries"));
    ///         }
    ///         pin == 1234
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let v = Vault::default().start().await.unwrap();
    /// assert_eq!(v.open(1).await, Ok(false));
    /// assert_eq!(v.open(2).await, Ok(false));
    /// assert_eq!(
    ///     v.open(1234).await,
    ///     Err(CallError::Exited(ExitReason::other("too many tries")))
    /// );
    /// # }
    /// ```
    pub fn stop_without_reply(&mut self, reason: ExitReason) {
        // Its caller gets the exit reason, not `ReplyDropped`.
        self.proc.shared().set_ending();
        drop(self.reply.take());
        let rare = self.rare.get_or_insert_with(Default::default);
        rare.stop = Some(reason);
        rare.no_reply = true;
    }

    /// Sets whether this server traps exits; returns the previous setting.
    ///
    /// # Examples
    ///
    /// ```
    /// # use otp_runtime::prelude::*;
    /// # struct S;
    /// # impl GenServer for S {
    /// #     type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    /// async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
    ///     ctx.trap_exit(true); // so terminate runs when the parent shuts us down
    ///     Init::Ok
    /// }
    /// # async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> { CallResult::Reply(()) }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() { S.start().await.unwrap(); }
    /// ```
    pub fn trap_exit(&self, on: bool) -> bool {
        self.proc.trap_exit(on)
    }

    /// Links this server with `pid` (see [`ProcessCtx::link`]).
    ///
    /// # Examples
    ///
    /// See [`ProcessCtx::link`].
    pub fn link(&self, pid: Pid) {
        self.proc.link(pid)
    }

    /// Removes the link with `pid`.
    ///
    /// # Examples
    ///
    /// See [`ProcessCtx::unlink`].
    pub fn unlink(&self, pid: Pid) {
        self.proc.unlink(pid)
    }

    /// Monitors `pid`; its end arrives as [`Info::Down`](crate::Info::Down).
    ///
    /// # Examples
    ///
    /// See [`ProcessCtx::monitor`].
    pub fn monitor(&self, pid: Pid) -> MonitorRef {
        self.proc.monitor(pid)
    }

    /// Removes a monitor (see [`ProcessCtx::demonitor`]).
    ///
    /// # Examples
    ///
    /// See [`ProcessCtx::demonitor`].
    pub fn demonitor(&mut self, monitor: MonitorRef, flush: bool) -> bool {
        self.proc.demonitor(monitor, flush)
    }

    /// Sends `info` to this server's `handle_info` after `after`. The timer dies with the
    /// server; once cancelled it is never delivered.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    ///
    /// struct Ticker { ticks: u32 }
    /// impl GenServer for Ticker {
    ///     type Call = (); type Reply = u32; type Cast = (); type Info = &'static str; type Continue = ();
    ///     async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
    ///         ctx.send_after(Duration::from_secs(1), "tick");
    ///         Init::Ok
    ///     }
    ///     async fn handle_info(&mut self, info: Info<&'static str>, ctx: &mut Ctx<Self>) -> Outcome {
    ///         if info == Info::Msg("tick") {
    ///             self.ticks += 1;
    ///             ctx.send_after(Duration::from_secs(1), "tick");
    ///         }
    ///         Outcome::NoReply
    ///     }
    ///     async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<u32> {
    ///         CallResult::Reply(self.ticks)
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let t = Ticker { ticks: 0 }.start().await.unwrap();
    /// otp_runtime::time::sleep(Duration::from_millis(3500)).await;
    /// assert_eq!(t.call(()).await, Ok(3));
    /// # }
    /// ```
    pub fn send_after(&mut self, after: Duration, info: S::Info) -> TimerRef {
        self.proc.send_after(after, Request::Info(info))
    }

    /// Cancels a timer; true if it was pending. Its message is never delivered.
    ///
    /// # Examples
    ///
    /// See [`TimerRef`].
    pub fn cancel_timer(&mut self, timer: TimerRef) -> bool {
        self.proc.cancel_timer(timer)
    }

    /// Spawns a tokio task owned by this server: aborted when the server ends, whatever the
    /// reason (see [`ProcessCtx::spawn_task`]). The handler returns at once; the task's output
    /// is for whoever awaits its handle: hand it a [`ReplyTo`] to answer a call from the task.
    ///
    /// A server that does not trap exits dies the moment its supervisor stops it, and its
    /// tasks with it: their in-flight work is cut at its next await, and the server's death
    /// (which its supervisor, and a node's stop, wait for) comes after they are gone, so no
    /// task outlives it. To let them finish, trap exits and wait for them in `terminate`
    /// with [`Ctx::wait_tasks`], within the child's shutdown budget.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    ///
    /// /// Answers each lookup from a task: the server takes the next request at once.
    /// struct Lookup;
    /// impl GenServer for Lookup {
    ///     type Call = u64; type Reply = u64; type Cast = (); type Info = (); type Continue = ();
    ///     async fn handle_call(&mut self, key: u64, ctx: &mut Ctx<Self>) -> CallResult<u64> {
    ///         let reply_to = ctx.defer_reply().unwrap();
    ///         ctx.spawn_task(async move {
    ///             otp_runtime::time::sleep(Duration::from_millis(100)).await; // a slow backend
    ///             reply_to.reply(key * 10);
    ///         });
    ///         CallResult::NoReply
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let s = Lookup.start().await.unwrap();
    /// let (a, b) = tokio::join!(s.call(1), s.call(2));
    /// assert_eq!((a, b), (Ok(10), Ok(20)));
    /// # }
    /// ```
    pub fn spawn_task<F>(&self, fut: F) -> TaskHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.proc.spawn_task(fut)
    }

    /// Spawns a task owned by this server and linked to it: its panic or its error crashes
    /// the server, as a linked process's would (see [`ProcessCtx::spawn_linked_task`]).
    /// Trapping exits, the server gets it in `handle_info` as
    /// [`Info::Exit`](crate::Info::Exit) from the task's [pid](TaskHandle::pid).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// struct Feed;
    /// impl GenServer for Feed {
    ///     type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    ///     async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
    ///         // The feed's reader is part of the server: if it fails, the server does.
    ///         ctx.spawn_linked_task(async { Err::<(), _>("feed closed") });
    ///         Init::Ok
    ///     }
    ///     async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
    ///         CallResult::Reply(())
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let f = Feed.start().await.unwrap();
    /// assert_eq!(f.wait_exit().await, ExitReason::other("feed closed"));
    /// # }
    /// ```
    pub fn spawn_linked_task<F>(&self, fut: F) -> TaskHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: TaskExit + Send + 'static,
    {
        self.proc.spawn_linked_task(fut)
    }

    /// Waits until none of this server's tasks runs (see [`ProcessCtx::wait_tasks`]): in
    /// `terminate`, of a server that traps exits, it lets in-flight work finish.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    ///
    /// struct Uploader;
    /// impl GenServer for Uploader {
    ///     type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    ///     async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
    ///         ctx.trap_exit(true); // so that terminate runs when the supervisor stops us
    ///         Init::Ok
    ///     }
    ///     async fn handle_call(&mut self, _: (), ctx: &mut Ctx<Self>) -> CallResult<()> {
    ///         ctx.spawn_task(otp_runtime::time::sleep(Duration::from_secs(1))); // an upload
    ///         CallResult::Reply(())
    ///     }
    ///     async fn terminate(&mut self, _reason: &ExitReason, ctx: &mut Ctx<Self>) {
    ///         ctx.wait_tasks().await; // uploads in flight finish
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let u = Uploader.start().await.unwrap();
    /// u.call(()).await.unwrap();
    /// let started = tokio::time::Instant::now();
    /// u.stop(ExitReason::Shutdown, Duration::from_secs(5)).await.unwrap();
    /// assert!(started.elapsed() >= Duration::from_secs(1));
    /// # }
    /// ```
    pub async fn wait_tasks(&self) {
        self.proc.wait_tasks().await
    }
}
