//! Starting a gen_server and its receive loop.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tracing::Instrument;

use tokio::sync::oneshot;

use super::ack::{self, Ack, AckFrom, AckTo, Heard};
use super::ctx::NO_TIMEOUT;
use super::last;
use super::{CallResult, Ctx, GenServer, Info, Init, Outcome, Request, ServerRef};
use crate::deadlock;
use crate::node::{with_current, Node};
use crate::panics::Captured;
use crate::process::core::{Envelope, Shared};
use crate::process::run::catch_unwind_future;
use crate::process::{current, is_parent, Message, Prepared};
use crate::registry::Name;
use crate::sys::{Event, Host, Status, StatusParts, SupervisorView, SysDebug};
use crate::{ExitReason, MonitorRef, Pid, RegisterError, StartError};

/// How to start a gen_server: with a name, linked to the caller, with a start timeout.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use std::time::Duration;
///
/// struct Db;
/// impl GenServer for Db {
///     type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
///     async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
///         CallResult::Reply(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let opts = StartOpts::new().name("db").link().timeout(Duration::from_secs(1));
/// let db = Db.start_with(opts.clone()).await.unwrap();
/// assert_eq!(otp_runtime::whereis("db"), db.pid());
/// // The name is taken now.
/// assert_eq!(
///     Db.start_with(opts).await.unwrap_err(),
///     StartError::AlreadyStarted(db.pid().unwrap())
/// );
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct StartOpts {
    name: Option<Name>,
    /// A name in a registry of the user's (`{via, R, key}`).
    via: Option<std::sync::Arc<dyn crate::via::ViaName>>,
    link: bool,
    timeout: Option<Duration>,
    /// Set by `start_monitor`, which returns the monitor.
    monitor: bool,
}

impl StartOpts {
    /// Unnamed, unlinked, no start timeout (OTP's default is `infinity`).
    ///
    /// # Examples
    ///
    /// See [`StartOpts`].
    pub fn new() -> Self {
        StartOpts::default()
    }

    /// Registers the server under `name` before `init` runs.
    ///
    /// # Examples
    ///
    /// See [`StartOpts`].
    pub fn name(mut self, name: impl Into<Name>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Registers the server under `key` in `registry` before `init` runs (OTP's
    /// `{via, Module, Name}`): the start fails with [`StartError::AlreadyStarted`] if the key
    /// is taken, and the key is released when the server ends. Goes with a local
    /// [`name`](StartOpts::name) or without one. See [`via`](crate::via).
    ///
    /// # Examples
    ///
    /// See [`via`](crate::via).
    pub fn via<R: crate::via::Registry>(
        mut self,
        registry: std::sync::Arc<R>,
        key: R::Key,
    ) -> Self {
        self.via = Some(crate::via::Via::erased(registry, key));
        self
    }

    /// Links the server to the calling process (its parent), if there is one.
    ///
    /// # Examples
    ///
    /// See [`StartOpts`].
    pub fn link(mut self) -> Self {
        self.link = true;
        self
    }

    /// Kills the server and returns [`StartError::Timeout`] if `init` takes longer.
    ///
    /// # Examples
    ///
    /// See [`StartOpts`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// What the receive loop runs boxed: the rare paths, so that its state stays as wide as
/// without them.
type BoxedFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Starts `server` on the current node.
///
/// The start functions are plain functions around one `async fn`, [`launch`]: each `async`
/// layer keeps its own copy of the server and its options for its whole life, and a
/// dynamic supervisor boxes this future for every child it starts (576 bytes with three
/// layers).
pub(super) fn start<S: GenServer>(
    server: S,
    opts: StartOpts,
) -> impl Future<Output = Result<ServerRef<S>, StartError>> + Send {
    Unmonitored {
        inner: launch(server, opts, None),
    }
}

/// Starts `server` on the current node, monitored by the calling process.
pub(super) fn start_monitor<S: GenServer>(
    server: S,
    mut opts: StartOpts,
) -> impl Future<Output = Result<(ServerRef<S>, MonitorRef), StartError>> + Send {
    opts.monitor = true;
    Monitored {
        inner: launch(server, opts, None),
    }
}

/// Starts `server` on `node`.
pub(crate) fn start_on<'a, S: GenServer>(
    node: &'a Node,
    server: S,
    opts: StartOpts,
) -> impl Future<Output = Result<ServerRef<S>, StartError>> + Send + 'a {
    Unmonitored {
        inner: launch(server, opts, Some(node)),
    }
}

pin_project! {
    /// A start's outcome without its (unasked) monitor.
    struct Unmonitored<F> {
        #[pin]
        inner: F,
    }
}

impl<S: GenServer, F> Future for Unmonitored<F>
where
    F: Future<Output = Result<(ServerRef<S>, Option<MonitorRef>), StartError>>,
{
    type Output = Result<ServerRef<S>, StartError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(cx).map(|r| r.map(|(s, _)| s))
    }
}

pin_project! {
    /// A `start_monitor`'s outcome.
    struct Monitored<F> {
        #[pin]
        inner: F,
    }
}

impl<S: GenServer, F> Future for Monitored<F>
where
    F: Future<Output = Result<(ServerRef<S>, Option<MonitorRef>), StartError>>,
{
    type Output = Result<(ServerRef<S>, MonitorRef), StartError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(cx).map(|r| match r? {
            (s, Some(monitor)) => Ok((s, monitor)),
            // `launch` monitors whenever the caller is a process, and it checked it is one.
            (_, None) => Err(StartError::NotInProcess),
        })
    }
}

fn prepare<S: GenServer>(
    node: &Node,
    name: Option<Name>,
    via: Option<std::sync::Arc<dyn crate::via::ViaName>>,
) -> Result<Prepared<Request<S>>, StartError> {
    let mut prepared = Prepared::<Request<S>>::on(node);
    if prepared.is_stillborn() {
        return Err(StartError::NodeStopped);
    }
    prepared.core().shared.set_behaviour(S::BEHAVIOUR.to_bits());
    let named = name.is_some();
    if let Some(name) = name {
        prepared.enter_table();
        if let Err(e) = node.0.names.register(name, prepared.core().clone()) {
            prepared.leave_table();
            return Err(match e {
                RegisterError::Taken(pid) => StartError::AlreadyStarted(pid),
                _ => unreachable!("a new process is alive and unnamed"),
            });
        }
    }
    if let Some(via) = via {
        register_via(node, &mut prepared, named, via)?;
    }
    // Before it runs: a message from another node to its name finds it ready.
    if let Some(fns) = S::remote_fns() {
        crate::dist::serve::install(node, prepared.core(), fns);
    }
    Ok(prepared)
}

/// Registers `prepared` through its via registry, and has its end release the key; on a
/// taken key, undoes what `prepare` did (its local name, its table entry).
#[cold]
fn register_via<M: Send + 'static>(
    node: &Node,
    prepared: &mut Prepared<M>,
    named: bool,
    via: std::sync::Arc<dyn crate::via::ViaName>,
) -> Result<(), StartError> {
    if !named {
        // In the node's table, so that the pid the registry gives out reaches it.
        prepared.enter_table();
    }
    let shared = &prepared.core().shared;
    let pid = shared.pid();
    if let Err(holder) = via.register(pid) {
        if named {
            if let Some(name) = shared.name() {
                node.0.names.remove_if(name.as_str(), pid);
            }
        }
        prepared.leave_table();
        return Err(StartError::AlreadyStarted(holder));
    }
    let release = std::sync::Arc::new(crate::via::Release(via));
    if shared
        .add_owned_resource(shared.next_ref(), release.clone())
        .is_err()
    {
        // Dead already: released now.
        crate::process::core::Owned::owner_exited(release, pid, &ExitReason::NoProc);
    }
    Ok(())
}

/// Prepares the process (on `node`, or the current node), links it to its starter and
/// monitors it from there if asked, runs it, and waits for its `init`. The monitor, if one
/// was asked for and the caller is a process.
async fn launch<S: GenServer>(
    server: S,
    opts: StartOpts,
    node: Option<&Node>,
) -> Result<(ServerRef<S>, Option<MonitorRef>), StartError> {
    // Taken apart, and the process prepared and run in a block: what is moved or used only
    // before the first await then takes no room in this future's state (see `start`).
    let StartOpts {
        name,
        via,
        link,
        timeout,
        monitor,
    } = opts;
    if monitor && current::pid().is_none() {
        return Err(StartError::NotInProcess);
    }
    let (process, parent, monitor, ack_rx) = {
        let prepared = match node {
            Some(node) => prepare::<S>(node, name, via)?,
            None => with_current(|node| prepare::<S>(node, name, via))?,
        };
        let parent = if link {
            current::with(|me| {
                prepared.link_with(me);
                // Killed during init, the server sends its starter no EXIT: `start` reports it.
                if !S::INIT_IS_DEFAULT {
                    prepared.core().shared.set_starter(me.shared().pid());
                }
                me.shared().pid()
            })
            .ok()
        } else {
            None
        };
        // Set before the process runs: start and monitor are one step (`spawn_monitor`). Dead
        // during init, the server sends its starter no DOWN either: `start` reports it.
        let monitor = if monitor {
            current::with(|me| prepared.monitor_by(me, !S::INIT_IS_DEFAULT)).ok()
        } else {
            None
        };
        if S::INIT_IS_DEFAULT {
            // Nothing to wait for: an `init` that cannot fail or take time has, in effect, run
            // the moment the process exists (named and linked already). A death before its
            // first poll is then a death after init, signalled to the linked starter like any
            // other.
            let process = prepared.run(move |proc| serve(server, Ctx::new(proc, parent), ()));
            if stillborn(&process) {
                return Err(StartError::NodeStopped);
            }
            return Ok((ServerRef::from_process(process), monitor));
        }
        let (ack_to, ack_rx) = ack::channel();
        let process = prepared.run(move |proc| serve(server, Ctx::new(proc, parent), ack_to));
        if stillborn(&process) {
            return Err(StartError::NodeStopped);
        }
        (process, parent, monitor, ack_rx)
    };
    // If this start is abandoned (its future dropped) before init answers, the starter must
    // hear of the server's death again, as from any linked process.
    let _starter = (parent.is_some() || monitor.is_some()).then(|| ClearStarter(process.clone()));
    // Woken once the server's first poll is over, answered or not (see `ack`): `init` has
    // usually answered by then.
    let mut ack_rx = ack_rx;
    let ack = match poll_fn(|cx| ack_rx.poll_first(cx)).await {
        Heard::Answer(ack) => Some(ack),
        Heard::Dead => None,
        Heard::Nothing => {
            match Box::pin(slow_ack(ack_rx, &process.core().shared, timeout)).await {
                Some(ack) => ack,
                None => {
                    // OTP 26: unlink, kill, and the starter never sees the EXIT.
                    if parent.is_some() {
                        let _ = crate::unlink(process.pid());
                    }
                    process.core().shared.kill(ExitReason::Killed, None);
                    process.wait_exit().await;
                    return Err(StartError::Timeout);
                }
            }
        }
    };
    match ack {
        Some(Ok(())) => Ok((ServerRef::from_process(process), monitor)),
        Some(Err(e)) => {
            // OTP 26: once start reports a failure, the process is dead and its name free.
            process.wait_exit().await;
            Err(e)
        }
        None => Err(StartError::Failed(process.wait_exit().await)),
    }
}

/// Waits for `init`'s answer once the first round has passed, for `timeout` (`None`: as
/// long as it takes); `None` at the timeout, `Some(None)` if the process died first.
///
/// After [`deadlock::CHECK_AFTER`] the starter is entered in the node's wait-for graph as
/// waiting on the new process, as a slow call is: an `init` that calls its starter (a child
/// calling its own supervisor, which waits on the child's start) then closes a cycle that
/// its call sees, and the call ends with `CallError::Deadlock` instead of its timeout. (The
/// start begins before the `init` it waits on, so it is entered first, and the call finds
/// the cycle. Should the start find one itself, the report is made and the start waits on.)
async fn slow_ack(
    mut ack_rx: AckFrom,
    child: &Shared,
    timeout: Option<Duration>,
) -> Option<Option<Ack>> {
    let answer = async {
        if let Some(ack) = crate::time::timeout(deadlock::CHECK_AFTER, &mut ack_rx).await {
            return ack;
        }
        let _waiting = deadlock::wait_on(child.node(), child.pid()).ok().flatten();
        (&mut ack_rx).await
    };
    match timeout {
        None => Some(answer.await),
        Some(t) => crate::time::timeout(t, answer).await,
    }
}

/// Whether `process` never ran: its node stopped while it was being started.
fn stillborn<M: Send + 'static>(process: &crate::process::ProcessRef<M>) -> bool {
    let shared = &process.core().shared;
    shared.node().is_stopped() && shared.exit_reason() == Some(ExitReason::NoConnection)
}

/// Clears the starter mark (see `start`) when dropped.
struct ClearStarter<S: GenServer>(crate::process::ProcessRef<Request<S>>);

impl<S: GenServer> Drop for ClearStarter<S> {
    fn drop(&mut self) {
        self.0.core().shared.clear_starter();
    }
}

/// What `serve` tells the starter waiting for `init`: nothing (`()`) when `init` is the
/// default and not run (`GenServer::INIT_IS_DEFAULT`), or `init`'s answer ([`AckTo`]). A
/// type rather than an `Option` of the answer's end, which would take room in every idle
/// server's state where the default `init` takes none.
trait Starter: Send + 'static {
    fn into_ack(self) -> Option<AckTo>;
}

impl Starter for () {
    #[inline]
    fn into_ack(self) -> Option<AckTo> {
        None
    }
}

pin_project! {
    /// `fut`, telling `starter` if its first poll leaves it pending (see `ack`).
    struct FirstPoll<'a, F> {
        #[pin]
        fut: F,
        starter: Option<&'a AckTo>,
    }
}

impl<F: Future> Future for FirstPoll<'_, F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let polled = this.fut.poll(cx);
        if polled.is_pending() {
            // Still in `init` after its first poll: the starter arms its timers.
            if let Some(starter) = this.starter.take() {
                starter.still_running();
            }
        }
        polled
    }
}

impl Starter for AckTo {
    #[inline]
    fn into_ack(self) -> Option<AckTo> {
        Some(self)
    }
}

/// Runs `f` with its panic caught, as the exit reason it makes.
#[inline(always)]
fn guard<T>(f: impl FnOnce() -> T) -> Result<T, ExitReason> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(ExitReason::from_panic)
}

/// The value of `$e` (a `Result<T, ExitReason>`), or the end of the receive loop with the
/// panic it caught.
macro_rules! or_crash {
    ($e:expr, $life:lifetime) => {
        match $e {
            Ok(v) => v,
            Err(panic) => break $life Err(panic),
        }
    };
}

/// The receive loop: init, then one message at a time until a handler stops or crashes,
/// then `terminate`.
///
/// Written for the size of the future, which is most of every idle server's task (see
/// `an_idle_server_stays_small`): the arguments are captured by an `async move` block (an
/// `async fn` would copy them into its state a second time), and the loop runs in this
/// block itself rather than in a future of its own, which would hold its own references to
/// `server` and `ctx` and its own state number. `init`, the loop's awaits and `terminate`
/// share their space; the rare `handle_continue` and gen_server timeout (a tokio `Sleep` is
/// 112 bytes) run boxed.
///
/// Panics are caught where they can happen, around each await and each step that runs the
/// server's code, rather than around the whole loop (which would have to be a future of
/// its own): a panic ends the loop with `server` and `ctx` intact enough for `terminate`,
/// and drops the handler's future that panicked.
#[allow(clippy::manual_async_fn)] // deliberately not `async fn`: see above
fn serve<S: GenServer, A: Starter>(
    mut server: S,
    mut ctx: Ctx<S>,
    starter: A,
) -> impl Future<Output = ExitReason> + Send {
    async move {
        // No ack: `init` is the default (`GenServer::INIT_IS_DEFAULT`), and not run.
        if let Some(ack) = starter.into_ack() {
            // Matched in place, not bound with `let`: a `let` here would keep its storage
            // (a `StartError` and an `ExitReason`) in the future's state for the server's life.
            // Told to the starter if the first poll leaves it running (see `ack`).
            let init = FirstPoll {
                fut: catch_unwind_future(server.init(&mut ctx)),
                starter: Some(&ack),
            };
            if let Some((error, reason)) = init_failure(init.await) {
                // A failed start never takes the starter down: the starter learns from the error.
                if let Some(parent) = ctx.parent() {
                    ctx.proc.unlink(parent);
                }
                if !reason.is_clean() {
                    let panicked = crate::panics::take_for(&reason);
                    tracing::error!(
                        pid = %ctx.pid(),
                        %reason,
                        server = std::any::type_name::<S>(),
                        location = panicked.as_ref().map(|p| p.location.as_str()),
                        "gen_server init failed"
                    );
                }
                ack.send(Err(error));
                return reason;
            }
            ctx.proc.shared().clear_starter();
            ack.send(Ok(()));
        }
        // In a block of its own: `ended` (the loop's value, partly moved from) would
        // otherwise stay in the future's state, alive through `terminate`.
        let (reason, panicked) = {
            // `Ok`: the reason a handler stopped with; `Err`: the panic that crashed the server.
            let ended: Result<ExitReason, ExitReason> = 'serve: loop {
                if let Some(cont) = ctx.cont.take() {
                    let work = or_crash!(
                        guard(|| continue_work(&mut server, &mut ctx, cont)),
                        'serve
                    );
                    let out = or_crash!(catch_unwind_future(work).await, 'serve);
                    if let Some(reason) = outcome(out).or_else(|| ctx.take_stop()) {
                        break Ok(reason);
                    }
                    continue;
                }
                // A system request, or suspended: served here, ahead of the mailbox
                // (`crate::sys`).
                if ctx.proc.shared().sys_attention() {
                    poll_fn(|_| sys_ready(&mut ctx)).await;
                    or_crash!(guard(|| serve_sys(&mut server, &mut ctx)), 'serve);
                    continue;
                }
                // `None`: the gen_server timeout expired.
                let msg = match ctx.take_timeout() {
                    NO_TIMEOUT => {
                        let drained = poll_fn(|cx| drain(&mut server, &mut ctx, cx));
                        match or_crash!(catch_unwind_future(drained).await, 'serve) {
                            Drained::Stop(reason) => break Ok(reason),
                            Drained::Again => continue,
                            Drained::Sys => continue,
                            Drained::Hibernate => {
                                or_crash!(guard(|| hibernate_now(&mut server, &mut ctx)), 'serve);
                                continue;
                            }
                            Drained::Next(msg) => Some(msg),
                        }
                    }
                    nanos => {
                        // `{hibernate, T, Msg}`: hibernate while the timeout runs, if nothing
                        // waits.
                        if std::mem::take(&mut ctx.hibernate) && ctx.message_queue_len() == 0 {
                            or_crash!(guard(|| hibernate_now(&mut server, &mut ctx)), 'serve);
                        }
                        let recv = recv_timeout_or_sys(&mut ctx, nanos);
                        match or_crash!(catch_unwind_future(recv).await, 'serve) {
                            Some(msg) => or_crash!(guard(|| timed_in(&mut ctx, msg)), 'serve),
                            None => {
                                // Served at the loop's top; the timeout starts again after,
                                // as in OTP.
                                ctx.restore_timeout(nanos);
                                continue;
                            }
                        }
                    }
                };
                let work = or_crash!(guard(|| dispatch(&mut server, &mut ctx, msg)), 'serve);
                let done = or_crash!(catch_unwind_future(work).await, 'serve);
                let stop = or_crash!(guard(|| after(&server, &mut ctx, done)), 'serve);
                if let Some(reason) = stop {
                    break Ok(reason);
                }
            };
            match ended {
                Ok(reason) => (reason, None),
                Err(panic) => crashed(&mut ctx, panic),
            }
        };
        // `terminate`; a crash in it replaces the reason, as in OTP. Reply handles dropped
        // from here on (by `terminate`, or with the state) are dropped by the server's end:
        // their callers get its exit reason.
        ctx.proc.shared().set_ending();
        let (reason, panicked) =
            match catch_unwind_future(server.terminate(&reason, &mut ctx)).await {
                Ok(()) => (reason, panicked),
                Err(panic) => {
                    let panicked = crate::panics::take_for(&panic).map(Box::new);
                    (panic, panicked)
                }
            };
        if !reason.is_clean() {
            report_crash(&mut server, &ctx, &reason, panicked.as_deref());
        }
        reason
    }
}

/// A handler's `handle_continue` future, boxed (few servers continue: the loop's state stays
/// as wide as without it), in a `handle` span when a subscriber wants spans.
#[cold]
#[inline(never)]
fn continue_work<'a, S: GenServer>(
    server: &'a mut S,
    ctx: &'a mut Ctx<S>,
    cont: S::Continue,
) -> BoxedFuture<'a, Outcome> {
    // OTP: one action per return; the continue's own return decides what follows.
    ctx.clear_timeout();
    ctx.hibernate = false;
    ctx.last = last::record(last::CONTINUE, S::continue_variant(&cont));
    if crate::spans::on() {
        let span = handle_span(ctx);
        Box::pin(server.handle_continue(cont, ctx).instrument(span))
    } else {
        Box::pin(server.handle_continue(cont, ctx))
    }
}

/// A message (or the timeout, `None`) received while a gen_server timeout ran.
fn timed_in<S: GenServer>(
    ctx: &mut Ctx<S>,
    msg: Option<Message<Request<S>>>,
) -> Option<Message<Request<S>>> {
    if msg.is_some() {
        // A message came first: the timeout's own message is not delivered.
        ctx.drop_timeout_msg();
    }
    note_in(ctx, &msg);
    msg
}

/// A handler panicked with `panic`: the exit reason and where it panicked.
#[cold]
#[inline(never)]
fn crashed<S: GenServer>(
    ctx: &mut Ctx<S>,
    panic: ExitReason,
) -> (ExitReason, Option<Box<Captured>>) {
    // The crashed call's caller is told at once, and waits for our exit reason: marked as
    // ending first. (A `ReplyTo` dropped with the handler's future is released at the end of
    // this poll, after the mark: `current::drop_late`.)
    ctx.proc.shared().set_ending();
    ctx.reply = None;
    // Where it panicked, for the crash report (boxed: the future stays small).
    let panicked = crate::panics::take_for(&panic).map(Box::new);
    (panic, panicked)
}

/// What a failed `init` tells its starter, and the process's exit reason.
fn init_failure(init: Result<Init, ExitReason>) -> Option<(StartError, ExitReason)> {
    match init {
        Ok(Init::Ok) => None,
        Ok(Init::Ignore) => Some((StartError::Ignored, ExitReason::Normal)),
        Ok(Init::Stop(reason)) => Some((StartError::Failed(reason.clone()), reason)),
        Err(panic) => Some((StartError::Failed(panic.clone()), panic)),
    }
}

/// After a handler on the general path: its call's reply, the state's trace, and the stop it
/// asked for, if any.
#[inline]
fn after<S: GenServer>(server: &S, ctx: &mut Ctx<S>, done: Done<S::Reply>) -> Option<ExitReason> {
    let stop = match done {
        Done::Handled(Outcome::NoReply) => None,
        Done::Handled(Outcome::Stop(reason)) | Done::Stop(reason) => Some(reason),
        Done::Call(result) => finish_call(ctx, result),
    };
    if ctx.sys_on() {
        traced_state(server, ctx);
    }
    // A stop the handler asked for with `Ctx::stop` (after its reply, if it had one).
    stop.or_else(|| ctx.take_stop())
}

/// Receives with the gen_server timeout, or gives up (`None` inside) when a system request
/// arrives or the server is suspended: the loop serves it and starts the timeout again.
/// Boxed: the receive holds a tokio `Sleep`, and the loop's state stays as wide as without.
fn recv_timeout_or_sys<S: GenServer>(
    ctx: &mut Ctx<S>,
    nanos: u64,
) -> BoxedFuture<'_, Option<Option<Message<Request<S>>>>> {
    let core = ctx.proc.core().clone();
    let recv = ctx.proc.recv_timeout(Duration::from_nanos(nanos));
    Box::pin(async move {
        // Pinned inside the box, with the closure that polls it.
        let mut recv = std::pin::pin!(recv);
        std::future::poll_fn(|cx| {
            if core.shared.sys_attention() {
                return Poll::Ready(None);
            }
            recv.as_mut().poll(cx).map(Some)
        })
        .await
    })
}

/// Hibernates (see [`Ctx::hibernate`]): the server's hook, then what the runtime holds for
/// it and no longer needs.
#[cold]
#[inline(never)]
fn hibernate_now<S: GenServer>(server: &mut S, ctx: &mut Ctx<S>) {
    ctx.hibernate = false;
    server.hibernate();
    ctx.proc.shrink();
    ctx.sys_tidy();
}

/// Ready when a system request waits; pending while the server is only suspended (the
/// request's sender wakes it).
fn sys_ready<S: GenServer>(ctx: &mut Ctx<S>) -> Poll<()> {
    if ctx.proc.shared().sys_pending() {
        Poll::Ready(())
    } else {
        Poll::Pending
    }
}

/// Runs the system requests waiting for this server, in the order they came.
#[cold]
#[inline(never)]
fn serve_sys<S: GenServer>(server: &mut S, ctx: &mut Ctx<S>) {
    while ctx.proc.shared().take_sys() {
        let requests = ctx.proc.shared().node().0.sys.take(ctx.pid());
        for request in requests {
            request(&mut ServerHost {
                server: &mut *server,
                ctx: &mut *ctx,
            });
        }
    }
    ctx.sys_tidy();
}

/// A server as its system requests see it.
struct ServerHost<'a, S: GenServer> {
    server: &'a mut S,
    ctx: &'a mut Ctx<S>,
}

impl<S: GenServer> Host for ServerHost<'_, S> {
    fn shared(&self) -> &Shared {
        self.ctx.proc.shared()
    }

    fn format_state(&self) -> Option<String> {
        self.server.format_status()
    }

    fn state(&mut self) -> (&mut dyn std::any::Any, &'static str) {
        self.server.sys_state()
    }

    fn module(&mut self) -> &'static str {
        self.server.sys_state().1
    }

    fn status(&mut self) -> Status {
        StatusParts {
            module: self.module(),
            parent: self.ctx.parent(),
            message_queue_len: self.ctx.message_queue_len(),
            messages_handled: self.ctx.messages_handled(),
            state: self.server.format_status(),
            data: self.server.sys_data(),
            debug: self.ctx.sys_debug().map(|d| d.view()),
        }
        .into_status(self.ctx.proc.shared())
    }

    fn supervisor(&self) -> Option<SupervisorView> {
        self.server.sys_children()
    }

    fn status_parent(&self) -> Option<Pid> {
        self.ctx.parent()
    }

    fn messages_handled(&self) -> (usize, u64) {
        (self.ctx.message_queue_len(), self.ctx.messages_handled())
    }

    fn debug_mut(&mut self) -> &mut SysDebug {
        self.ctx.sys_debug_or_new()
    }
}

/// Counts a message in, and traces it if asked.
#[inline]
fn note_in<S: GenServer>(ctx: &mut Ctx<S>, msg: &Option<Message<Request<S>>>) {
    ctx.count_in();
    if ctx.sys_on() {
        note_in_debug(ctx, msg);
    }
}

#[cold]
#[inline(never)]
fn note_in_debug<S: GenServer>(ctx: &mut Ctx<S>, msg: &Option<Message<Request<S>>>) {
    let event = match msg {
        Some(Message::Msg(Request::Call(..))) => Event::Call,
        Some(Message::Msg(Request::Cast(..))) => Event::Cast,
        Some(Message::Msg(Request::Info(..))) => Event::Info,
        Some(Message::Msg(Request::Stop(..))) => Event::Stop,
        Some(_) => Event::Signal,
        None => Event::Timeout,
    };
    let pid = ctx.pid();
    if let Some(d) = ctx.sys_debug_mut() {
        d.on_in(pid, event);
    }
}

/// Traces the state after a message, if tracing is on.
#[cold]
#[inline(never)]
fn traced_state<S: GenServer>(server: &S, ctx: &Ctx<S>) {
    if let Some(d) = ctx.sys_debug() {
        d.on_state(ctx.pid(), || server.format_status());
    }
}

/// What [`drain`] stopped at.
enum Drained<S: GenServer> {
    /// A message for the general path: a signal, an info, a stop request, or a request whose
    /// handler is `async`.
    Next(Message<Request<S>>),
    /// A handler asked for a continue or a gen_server timeout: the loop's top handles it.
    Again,
    /// A handler stopped the server.
    Stop(ExitReason),
    /// A system request waits, or the server is suspended: the loop's top serves it.
    Sys,
    /// The mailbox is empty and the last handler asked to hibernate.
    Hibernate,
}

/// Receives and handles messages, within one poll, for as long as they are casts and calls
/// whose handlers are synchronous (`handle_cast_now`, `handle_call_now`): such a message
/// costs no handler future, no `Work` and no trip through the loop's state machine. Returns
/// `Pending` when the mailbox is empty, or when tokio's budget for this poll is spent (the
/// mailbox's receive counts against it, so a busy server still yields).
///
/// `sys` is looked at once a poll, not once a message, which keeps both checks out of the
/// per-message loop (they cost a cast about 4% of its instructions there): a system request
/// sets its flag and wakes the task, so it is served at the next poll, before the mailbox,
/// at most a budget's worth of messages (128) later; and tracing is turned on only by a
/// system request, served outside this loop, so it cannot change within a batch.
#[inline]
fn drain<S: GenServer>(server: &mut S, ctx: &mut Ctx<S>, cx: &mut Context<'_>) -> Poll<Drained<S>> {
    // One load for the three: a request waiting, suspended, traced; and, once a poll,
    // whether a subscriber wants spans. Traced or in spans, messages take the general path,
    // which does both.
    if ctx.proc.shared().sys_any() || crate::spans::on() {
        if ctx.proc.shared().sys_attention() {
            return Poll::Ready(Drained::Sys);
        }
        return drain_traced(ctx, cx);
    }
    loop {
        // A plain message is matched where the mailbox's receive left it, through the envelope to
        // the request in one match: taking the envelope off first, then the request, copied
        // the message out at each step (10 instructions a cast; more through a `Message`).
        let env = match ctx.proc.poll_envelope(cx) {
            Poll::Ready(env) => env,
            // Idle now: the time to hibernate, if the last handler asked to.
            Poll::Pending if ctx.hibernate => return Poll::Ready(Drained::Hibernate),
            Poll::Pending => return Poll::Pending,
        };
        let stop = match env {
            Envelope::Msg(Request::Cast(msg)) => {
                ctx.hibernate = false;
                ctx.count_in();
                ctx.last = last::record(last::CAST, S::cast_variant(&msg));
                match server.handle_cast_now(msg, ctx) {
                    Ok(out) => outcome(out),
                    Err(msg) => {
                        return Poll::Ready(Drained::Next(Message::Msg(Request::Cast(msg))))
                    }
                }
            }
            Envelope::Msg(Request::Call(request, reply)) => {
                ctx.hibernate = false;
                ctx.count_in();
                ctx.reply = Some(reply);
                ctx.last = last::record(last::CALL, S::call_variant(&request));
                match server.handle_call_now(request, ctx) {
                    Ok(result) => send_result(ctx, result),
                    Err(request) => {
                        let reply = ctx
                            .reply
                            .take()
                            .expect("the reply handle of a call not run");
                        let msg = Message::Msg(Request::Call(request, reply));
                        return Poll::Ready(Drained::Next(msg));
                    }
                }
            }
            Envelope::Msg(other) => {
                ctx.hibernate = false;
                ctx.count_in();
                return Poll::Ready(Drained::Next(Message::Msg(other)));
            }
            env => match ctx.proc.open(env) {
                Some(msg) => {
                    ctx.hibernate = false;
                    ctx.count_in();
                    return Poll::Ready(Drained::Next(msg));
                }
                // A cancelled timer's, a flushed monitor's: gone on receipt.
                None => continue,
            },
        };
        if let Some(reason) = stop {
            return Poll::Ready(Drained::Stop(reason));
        }
        // A stop the handler asked for with `Ctx::stop` (after its reply, if it had one),
        // or a gen_server timeout: both in the context's rarely used part.
        if ctx.stop_asked() {
            if let Some(reason) = ctx.take_stop() {
                return Poll::Ready(Drained::Stop(reason));
            }
            if ctx.timeout_set() {
                return Poll::Ready(Drained::Again);
            }
        }
        if ctx.cont.is_some() {
            return Poll::Ready(Drained::Again);
        }
    }
}

/// [`drain`] while `sys` trace or statistics are on: every message takes the general path,
/// which traces it.
#[cold]
#[inline(never)]
fn drain_traced<S: GenServer>(ctx: &mut Ctx<S>, cx: &mut Context<'_>) -> Poll<Drained<S>> {
    let Poll::Ready(msg) = ctx.proc.poll_recv(cx) else {
        // Idle now: the time to hibernate, if the last handler asked to.
        if ctx.hibernate {
            return Poll::Ready(Drained::Hibernate);
        }
        return Poll::Pending;
    };
    ctx.hibernate = false;
    let msg = Some(msg);
    note_in(ctx, &msg);
    let Some(msg) = msg else { unreachable!() };
    Poll::Ready(Drained::Next(msg))
}

/// Sends a call's reply; the stop reason its result asks for, if any.
#[inline]
fn finish_call<S: GenServer>(ctx: &mut Ctx<S>, result: CallResult<S::Reply>) -> Option<ExitReason> {
    if ctx.sys_on() && matches!(result, CallResult::Reply(_) | CallResult::StopReply(..)) {
        noted_reply(ctx);
    }
    send_result(ctx, result)
}

/// [`finish_call`] without the trace: for [`drain`], which runs only with tracing off.
#[inline]
fn send_result<S: GenServer>(ctx: &mut Ctx<S>, result: CallResult<S::Reply>) -> Option<ExitReason> {
    let reply = ctx.reply.take();
    match result {
        CallResult::Reply(r) => {
            send_reply(ctx, reply, r);
            None
        }
        CallResult::NoReply => {
            if reply.is_some() {
                unanswered(ctx, reply);
            }
            None
        }
        CallResult::StopReply(reason, r) => {
            send_reply(ctx, reply, r);
            Some(reason)
        }
        CallResult::Stop(reason) => {
            ctx.proc.shared().set_ending();
            drop(reply);
            Some(reason)
        }
    }
}

/// A call's handler returned `NoReply` without taking its reply handle: nobody can answer
/// it. Its caller learns it now (`CallError::ReplyDropped`), or, when the handler also asked
/// to stop, gets the server's exit reason.
#[cold]
#[inline(never)]
fn unanswered<S: GenServer>(ctx: &mut Ctx<S>, reply: Option<oneshot::Sender<S::Reply>>) {
    // A stop asked for with `Ctx::stop`, not merely the rarely used state that holds it.
    if ctx.stop_pending() {
        ctx.proc.shared().set_ending();
    }
    if let Some(reply) = reply {
        current::drop_late(Box::new(reply));
    }
}

#[cold]
#[inline(never)]
fn noted_reply<S: GenServer>(ctx: &mut Ctx<S>) {
    let pid = ctx.pid();
    if let Some(d) = ctx.sys_debug_mut() {
        d.on_reply(pid);
    }
}

/// The span of the message `ctx.last` names.
#[cold]
#[inline(never)]
fn handle_span<S: GenServer>(ctx: &Ctx<S>) -> tracing::Span {
    crate::spans::handle::<S>(ctx.pid(), ctx.proc.shared().name(), ctx.last)
}

/// [`plain_dispatch`] in a `handle` span (`crate::spans`), boxed: the span is only paid for
/// when a subscriber wants it, and the loop's state stays as wide as without it.
#[cold]
#[inline(never)]
fn traced_dispatch<'a, S: GenServer>(
    server: &'a mut S,
    ctx: &'a mut Ctx<S>,
    msg: Option<Message<Request<S>>>,
) -> BoxedFuture<'a, Done<S::Reply>> {
    let what = match &msg {
        Some(Message::Msg(Request::Call(request, _))) => {
            last::record(last::CALL, S::call_variant(request))
        }
        Some(Message::Msg(Request::Cast(msg))) => last::record(last::CAST, S::cast_variant(msg)),
        Some(Message::Msg(Request::Info(info))) => last::record(last::INFO, S::info_variant(info)),
        Some(Message::Msg(Request::Stop(_))) => last::STOP,
        Some(Message::Exit { .. }) => last::EXIT,
        Some(Message::Down { .. }) => last::DOWN,
        None => last::TIMEOUT,
    };
    let span = crate::spans::handle::<S>(ctx.pid(), ctx.proc.shared().name(), what);
    // Never `Work::Traced` here: its type is a stand-in.
    let work = plain_dispatch::<S, std::future::Pending<Done<S::Reply>>>(server, ctx, msg);
    Box::pin(work.instrument(span))
}

/// The handler a message goes to, as one future: in a `handle` span when a subscriber wants
/// spans (`crate::spans`).
#[inline(always)]
#[allow(clippy::type_complexity)] // the handlers' futures have no names to alias
fn dispatch<'a, S: GenServer>(
    server: &'a mut S,
    ctx: &'a mut Ctx<S>,
    msg: Option<Message<Request<S>>>,
) -> Work<
    impl Future<Output = CallResult<S::Reply>> + 'a,
    impl Future<Output = Outcome> + 'a,
    impl Future<Output = Outcome> + 'a,
    BoxedFuture<'a, Done<S::Reply>>,
> {
    if crate::spans::on() {
        return Work::Traced {
            f: traced_dispatch(server, ctx, msg),
        };
    }
    plain_dispatch(server, ctx, msg)
}

/// The handler a message goes to, as one future. Building it in a plain function, and
/// awaiting it as a single value, keeps the message and the handler's future from each
/// taking their own space in the loop's state (async state machines keep moved-from
/// values), which would widen every idle server.
#[inline(always)]
fn plain_dispatch<'a, S: GenServer, T>(
    server: &'a mut S,
    ctx: &'a mut Ctx<S>,
    msg: Option<Message<Request<S>>>,
) -> Work<
    impl Future<Output = CallResult<S::Reply>> + 'a,
    impl Future<Output = Outcome> + 'a,
    impl Future<Output = Outcome> + 'a,
    T,
> {
    let info = match msg {
        Some(Message::Msg(Request::Call(request, reply))) => {
            ctx.last = last::record(last::CALL, S::call_variant(&request));
            ctx.reply = Some(reply);
            return Work::Call {
                f: server.handle_call(request, ctx),
            };
        }
        Some(Message::Msg(Request::Cast(msg))) => {
            ctx.last = last::record(last::CAST, S::cast_variant(&msg));
            return Work::Cast {
                f: server.handle_cast(msg, ctx),
            };
        }
        Some(Message::Msg(Request::Stop(reason))) => {
            ctx.last = last::STOP;
            return Work::Stop {
                reason: Some(reason.into()),
            };
        }
        // OTP: the parent's exit signal stops the server (it only arrives as a message when
        // the server traps exits; otherwise it has already killed the process).
        Some(Message::Exit { from, reason })
            if is_parent(ctx.proc.shared(), ctx.parent(), from) =>
        {
            ctx.last = last::EXIT;
            return Work::Stop {
                reason: Some(reason),
            };
        }
        Some(Message::Msg(Request::Info(info))) => {
            ctx.last = last::record(last::INFO, S::info_variant(&info));
            Info::Msg(info)
        }
        Some(Message::Exit { from, reason }) => {
            ctx.last = last::EXIT;
            Info::Exit { from, reason }
        }
        Some(Message::Down {
            monitor,
            pid,
            reason,
        }) => {
            ctx.last = last::DOWN;
            Info::Down {
                monitor,
                pid,
                reason,
            }
        }
        None => {
            ctx.last = last::TIMEOUT;
            ctx.timeout_info()
        }
    };
    Work::Info {
        f: server.handle_info(info, ctx),
    }
}

enum Done<R> {
    Call(CallResult<R>),
    Handled(Outcome),
    Stop(ExitReason),
}

pin_project! {
    #[project = WorkProj]
    enum Work<C, K, I, T> {
        Call { #[pin] f: C },
        Cast { #[pin] f: K },
        Info { #[pin] f: I },
        Stop { reason: Option<ExitReason> },
        // In a span (`traced_dispatch`).
        Traced { #[pin] f: T },
    }
}

impl<R, C, K, I, T> Future for Work<C, K, I, T>
where
    C: Future<Output = CallResult<R>>,
    K: Future<Output = Outcome>,
    I: Future<Output = Outcome>,
    T: Future<Output = Done<R>>,
{
    type Output = Done<R>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Done<R>> {
        match self.project() {
            WorkProj::Call { f } => f.poll(cx).map(Done::Call),
            WorkProj::Cast { f } => f.poll(cx).map(Done::Handled),
            WorkProj::Info { f } => f.poll(cx).map(Done::Handled),
            WorkProj::Stop { reason } => {
                Poll::Ready(Done::Stop(reason.take().unwrap_or(ExitReason::Normal)))
            }
            WorkProj::Traced { f } => f.poll(cx),
        }
    }
}

/// The stop reason a handler's result asks for, if any.
#[inline]
fn outcome(out: Outcome) -> Option<ExitReason> {
    match out {
        Outcome::NoReply => None,
        Outcome::Stop(reason) => Some(reason),
    }
}

#[inline]
fn send_reply<S: GenServer>(
    ctx: &mut Ctx<S>,
    reply: Option<oneshot::Sender<S::Reply>>,
    value: S::Reply,
) {
    match reply {
        Some(tx) => {
            let _ = tx.send(value);
        }
        None => lost_reply(ctx),
    }
}

/// A call's handler returned a reply, but its reply handle was gone.
#[cold]
#[inline(never)]
fn lost_reply<S: GenServer>(ctx: &mut Ctx<S>) {
    // `Ctx::stop_without_reply` dropped it on purpose.
    if !ctx.take_no_reply() {
        tracing::warn!(
            "handle_call returned a reply after taking its reply handle; the reply is dropped"
        );
    }
}

/// OTP's crash report: who (pid, registered name, behaviour, the server's type), what it was
/// handling (the last message's variant), its state (when it has a text form), why, and for
/// a panic, where (and its backtrace, when one was captured).
#[cold]
#[inline(never)]
fn report_crash<S: GenServer>(
    server: &mut S,
    ctx: &Ctx<S>,
    reason: &ExitReason,
    panicked: Option<&Captured>,
) {
    let name = ctx.proc.shared().name();
    // The panic the hook kept, if it is this reason's.
    let panicked = panicked.filter(|p| matches!(reason, ExitReason::Panic(m) if **m == *p.message));
    let last = last::describe::<S>(ctx.last);
    let state = crate::report::status_text(|| server.format_status());
    tracing::error!(
        pid = %ctx.pid(),
        name = name.as_ref().map(|n| n.as_str()),
        behaviour = S::BEHAVIOUR.as_str(),
        server = server.sys_state().1,
        last_message = last.as_deref(),
        state = state.as_deref(),
        %reason,
        location = panicked.map(|p| p.location.as_str()),
        backtrace = panicked.and_then(|p| p.backtrace.as_deref()),
        "{} terminating",
        S::BEHAVIOUR.as_str()
    );
}

#[cfg(test)]
mod size_tests {
    use super::*;
    use crate::process::run::ProcessFuture;
    use crate::{CallResult, Ctx, GenServer, Outcome};

    struct C(u64);
    impl GenServer for C {
        type Call = ();
        type Reply = u64;
        type Cast = u64;
        type Info = ();
        type Continue = ();
        async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<u64> {
            CallResult::Reply(self.0)
        }
        async fn handle_cast(&mut self, k: u64, _ctx: &mut Ctx<Self>) -> Outcome {
            self.0 += k;
            Outcome::NoReply
        }
    }

    /// Shaped as `#[gen_server]` shapes messages: a call enum with a tag of its own, a reply
    /// enum.
    struct Tagged(u64);
    #[allow(dead_code)] // only its layout matters
    enum TwoCalls {
        Get,
        Bump,
    }
    impl GenServer for Tagged {
        type Call = TwoCalls;
        type Reply = Result<u64, u64>;
        type Cast = u64;
        type Info = ();
        type Continue = ();
        async fn handle_call(
            &mut self,
            c: TwoCalls,
            _ctx: &mut Ctx<Self>,
        ) -> CallResult<Self::Reply> {
            match c {
                TwoCalls::Get => CallResult::Reply(Ok(self.0)),
                TwoCalls::Bump => CallResult::Reply(Err(self.0)),
            }
        }
    }

    /// A dynamic supervisor boxes a start future for every child: 576 bytes when each of
    /// `start` and `run` was an `async fn` keeping its own copy of the arguments.
    #[tokio::test]
    async fn a_start_future_stays_small() {
        let f = start(C(0), StartOpts::new().link());
        let size = std::mem::size_of_val(&f);
        assert!(size <= 352, "start future is {size} bytes");
    }

    /// The serve future is most of an idle server's task, and tokio's task cell is aligned
    /// (so sized) to 128 bytes: a header (32), the scheduler and task id (16), the future in
    /// a `Stage` (8 more, for its tag) and a trailer (48), i.e. the process future plus
    /// 104. A process future of up to 152 bytes takes a 256-byte cell; 8 bytes more take
    /// 384, as raw tokio's counter task takes 256 (see the heap row of the peer benchmark,
    /// issue 18). These bounds are exact: a server with a `u64` of state fits with 16 bytes
    /// to spare when `init` is the default, and with 8 when it is not. (With the `sim`
    /// feature, as these tests run, a process future holds its simulation hook too: 8 bytes
    /// more, and a 384-byte cell.)

    #[tokio::test]
    async fn an_idle_server_stays_small() {
        const SIM: usize = if cfg!(feature = "sim") { 8 } else { 0 };
        let p = Prepared::<Request<C>>::new();
        let ctx = Ctx::new(p.ctx_for_test(), None);
        assert!(
            std::mem::size_of_val(&ctx) <= 56,
            "{}",
            std::mem::size_of_val(&ctx)
        );
        let fut = serve(C(0), ctx, ack::channel().0);
        let size = std::mem::size_of_val(&fut);
        assert!(size <= 120, "serve future is {size} bytes");
        // The default `init`: no starter to answer, and 8 bytes less.
        let p = Prepared::<Request<C>>::new();
        let core = p.core().clone();
        let ctx = Ctx::new(p.ctx_for_test(), None);
        let fut = ProcessFuture::new(core, serve(C(0), ctx, ()));
        let size = std::mem::size_of_val(&fut);
        assert!(size <= 136 + SIM, "process future is {size} bytes");
        assert_eq!(
            std::mem::size_of::<crate::process::core::Envelope<Request<C>>>(),
            16
        );

        let p = Prepared::<Request<Tagged>>::new();
        let core = p.core().clone();
        let ctx = Ctx::new(p.ctx_for_test(), None);
        let fut = ProcessFuture::new(core, serve(Tagged(0), ctx, ack::channel().0));
        let size = std::mem::size_of_val(&fut);
        assert!(size <= 144 + SIM, "process future is {size} bytes");
        // A mailbox slot: 8 bytes more here cost every waiting message 8 more (a `Stop`
        // reason two words wide did that).
        assert_eq!(
            std::mem::size_of::<crate::process::core::Envelope<Request<Tagged>>>(),
            16
        );
    }
}
