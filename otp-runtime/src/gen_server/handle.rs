//! The client side of a gen_server: call, cast, send, stop.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::sync::oneshot::error::TryRecvError;

use super::{GenServer, Request, RequestId};
use crate::deadlock;
use crate::node::{with_current, Node};
use crate::process::core::{Core, Entry, Envelope, Shared};
use crate::process::current::{self, Caller};
use crate::process::{wait_shared_exit, yield_now, ExitWatch, ProcessRef};
use crate::registry::Name;
use crate::{CallError, CallTarget, ExitReason, Pid};

/// The default call timeout: 5 seconds, as `gen_server:call/2`.
///
/// # Examples
///
/// ```
/// assert_eq!(otp_runtime::DEFAULT_CALL_TIMEOUT.as_secs(), 5);
/// ```
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// A timeout that never expires (OTP's `infinity`): `call_timeout(req, INFINITY)` waits
/// for the reply or the server's end, however long.
///
/// # Examples
///
/// ```
/// assert_eq!(otp_runtime::INFINITY, std::time::Duration::MAX);
/// ```
pub const INFINITY: Duration = Duration::MAX;

/// A typed handle to a gen_server: `Clone + Send + Sync`.
///
/// Two kinds:
/// - *pid-bound* (what `start` returns): reaches that one process; after it died, calls give
///   [`CallError::NoProc`];
/// - *named* ([`ServerRef::named`]): resolves the name at each call, on the node it was made
///   on, so it reaches whichever incarnation is registered there now and keeps working across
///   restarts.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// struct Echo;
/// impl GenServer for Echo {
///     type Call = String; type Reply = String; type Cast = (); type Info = (); type Continue = ();
///     async fn handle_call(&mut self, s: String, _ctx: &mut Ctx<Self>) -> CallResult<String> {
///         CallResult::Reply(s)
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// Echo.start_with(StartOpts::new().name("echo")).await.unwrap();
/// let echo = ServerRef::<Echo>::named("echo");
/// assert_eq!(echo.call("hi".into()).await, Ok("hi".to_string()));
/// echo.stop(ExitReason::Normal, INFINITY).await.unwrap();
/// let err = echo.call("hi".into()).await.unwrap_err();
/// assert_eq!(err, CallError::NoProc { target: CallTarget::Name("echo".into()) });
/// assert_eq!(err.to_string(), "no process registered as \"echo\"");
/// # }
/// ```
pub struct ServerRef<S: GenServer> {
    target: Target<S>,
}

/// Two words: a message that carries a handle (a ring's next node, a client's reply-to) is
/// no wider for it than for a word and a tag, and neither is every slot of the mailbox it
/// goes through. The targets other than a process are boxed: they are looked up at each use
/// anyway.
enum Target<S: GenServer> {
    Process(ProcessRef<Request<S>>),
    Other(Arc<Other>),
}

/// A target looked up at each use.
enum Other {
    Name(Name, Node),
    /// A server registered in a registry of the user's (`{via, R, key}`), looked up at each
    /// use; its pids are of `Node`.
    Via(Arc<dyn crate::via::ViaName>, Node),
    /// A server registered as `name` on another node, reached over distribution from
    /// `from`.
    Remote(Remote),
}

struct Remote {
    to: RemoteDest,
    from: Node,
}

enum RemoteDest {
    Name { name: String, node: String },
    Pid(Pid),
}

impl<S: GenServer> Clone for ServerRef<S> {
    fn clone(&self) -> Self {
        ServerRef {
            target: match &self.target {
                Target::Process(p) => Target::Process(p.clone()),
                Target::Other(o) => Target::Other(o.clone()),
            },
        }
    }
}

impl<S: GenServer> fmt::Debug for ServerRef<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Process(p) => write!(f, "ServerRef({})", p.pid()),
            Target::Other(o) => match &**o {
                Other::Name(n, _) => write!(f, "ServerRef({n:?})"),
                Other::Via(v, _) => write!(f, "ServerRef({v:?})"),
                Other::Remote(r) => match &r.to {
                    RemoteDest::Name { name, node } => write!(f, "ServerRef({{{name}, {node}}})"),
                    RemoteDest::Pid(p) => write!(f, "ServerRef({p})"),
                },
            },
        }
    }
}

impl<S: GenServer> ServerRef<S> {
    pub(crate) fn from_process(p: ProcessRef<Request<S>>) -> Self {
        ServerRef {
            target: Target::Process(p),
        }
    }

    /// A handle bound to the gen_server `pid` (for a pid learnt from a supervisor, a
    /// monitor or a message).
    ///
    /// # Errors
    ///
    /// [`CallError::NoProc`] if `pid` is not alive; [`CallError::WrongType`] if it is not a
    /// gen_server of type `S`; [`CallError::NoConnection`] if it is a process of another node
    /// than the [current one](crate::node::Node::current) that the current node does not
    /// know. A pid of a node the current one is [distributed](crate::dist) with gives a
    /// handle that calls and casts it over the connection, as
    /// [`ServerRef::remote`] does (its liveness and type are checked at each call there).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # struct Echo;
    /// # impl GenServer for Echo {
    /// #     type Call = u8; type Reply = u8; type Cast = (); type Info = (); type Continue = ();
    /// #     async fn handle_call(&mut self, n: u8, _ctx: &mut Ctx<Self>) -> CallResult<u8> {
    /// #         CallResult::Reply(n)
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let pid = Echo.start().await.unwrap().pid().unwrap();
    /// let echo = ServerRef::<Echo>::from_pid(pid).unwrap();
    /// assert_eq!(echo.call(7).await, Ok(7));
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal });
    /// assert_eq!(ServerRef::<Echo>::from_pid(p.pid()).unwrap_err(), CallError::WrongType(p.pid()));
    /// # }
    /// ```
    pub fn from_pid(pid: Pid) -> Result<Self, CallError> {
        with_current(|n| Self::from_pid_on(n, pid))
    }

    /// [`ServerRef::from_pid`] on `node` rather than the current one.
    pub(crate) fn from_pid_on(node: &Node, pid: Pid) -> Result<Self, CallError> {
        // A server of another node this one is connected to: reached over distribution.
        let remote =
            pid.node() != node.id() && node.0.dist.get().is_some_and(|d| d.node_of(pid).is_some());
        if remote {
            return Ok(ServerRef {
                target: Target::Other(Arc::new(Other::Remote(Remote {
                    to: RemoteDest::Pid(pid),
                    from: node.clone(),
                }))),
            });
        }
        let entry = live_entry(node, pid, || CallError::no_proc(pid))?;
        Ok(Self::from_process(typed(entry)?))
    }

    /// A handle that resolves `name` at each use, on the [current node](Node::current): the
    /// node it is made on, wherever it is used later.
    ///
    /// # Examples
    ///
    /// See [`ServerRef`].
    pub fn named(name: impl Into<Name>) -> Self {
        ServerRef {
            target: Target::Other(Arc::new(Other::Name(name.into(), Node::current()))),
        }
    }

    /// A handle to the server registered under `key` in `registry` (OTP's
    /// `{via, Module, Name}` as a server reference): looked up at each use, so it reaches
    /// whichever server holds the key now. The pids the registry gives must be of the
    /// [current node](Node::current).
    ///
    /// # Examples
    ///
    /// See [`via`](crate::via).
    pub fn via<R: crate::via::Registry>(registry: Arc<R>, key: R::Key) -> Self {
        ServerRef {
            target: Target::Other(Arc::new(Other::Via(
                crate::via::Via::erased(registry, key),
                Node::current(),
            ))),
        }
    }

    /// The node the handle reaches: its process's, or the one its name is looked up on.
    pub(crate) fn node(&self) -> &Node {
        match &self.target {
            Target::Process(p) => p.core().shared.node(),
            Target::Other(o) => match &**o {
                Other::Name(_, node) | Other::Via(_, node) => node,
                Other::Remote(r) => &r.from,
            },
        }
    }

    /// The server on another node the handle reaches, if it is one.
    fn remote_target(&self) -> Option<&Remote> {
        match &self.target {
            Target::Other(o) => match &**o {
                Other::Remote(r) => Some(r),
                _ => None,
            },
            Target::Process(_) => None,
        }
    }

    /// Whether the handle is bound to a local process (not a name, not a remote server).
    pub(crate) fn is_local(&self) -> bool {
        matches!(self.target, Target::Process(_))
    }

    /// The server's pid now: the bound one, or the one registered under the name
    /// (`None` if nobody has it).
    ///
    /// # Examples
    ///
    /// See [`StartOpts`](crate::StartOpts).
    pub fn pid(&self) -> Option<Pid> {
        match &self.target {
            Target::Process(p) => Some(p.pid()),
            Target::Other(o) => match &**o {
                Other::Name(n, node) => node.whereis(n.as_str()),
                Other::Via(v, _) => v.whereis(),
                Other::Remote(r) => match r.to {
                    RemoteDest::Pid(p) => Some(p),
                    RemoteDest::Name { .. } => None,
                },
            },
        }
    }

    // Inlined for a pid's handle (every call goes through here); a name's lookup is not.
    #[inline]
    fn resolve(&self) -> Result<Cow<'_, ProcessRef<Request<S>>>, CallError> {
        match &self.target {
            Target::Process(p) => Ok(Cow::Borrowed(p)),
            _ => self.resolve_name(),
        }
    }

    #[inline(never)]
    fn resolve_name(&self) -> Result<Cow<'_, ProcessRef<Request<S>>>, CallError> {
        let o = match &self.target {
            Target::Process(p) => return Ok(Cow::Borrowed(p)),
            Target::Other(o) => o,
        };
        match &**o {
            Other::Name(n, node) => {
                let entry = node
                    .0
                    .names
                    .lookup(n.as_str())
                    .ok_or_else(|| self.no_proc_error())?;
                Ok(Cow::Owned(typed(entry)?))
            }
            Other::Via(v, node) => {
                let pid = v.whereis().ok_or_else(|| self.no_proc_error())?;
                let entry = live_entry(node, pid, || self.no_proc_error())?;
                Ok(Cow::Owned(typed(entry)?))
            }
            Other::Remote(_) => Err(CallError::NotLocal),
        }
    }

    /// Whom the handle's calls are for, as its maker named it (for an error: never on the
    /// path of a call that succeeds).
    #[cold]
    #[inline(never)]
    fn call_target(&self) -> CallTarget {
        match &self.target {
            Target::Process(p) => CallTarget::Pid(p.pid()),
            Target::Other(o) => match &**o {
                Other::Name(n, _) => CallTarget::Name(n.clone()),
                Other::Via(v, _) => CallTarget::Via(v.key_text().into()),
                Other::Remote(r) => match &r.to {
                    RemoteDest::Name { name, node } => CallTarget::Remote {
                        name: name.as_str().into(),
                        node: node.as_str().into(),
                    },
                    RemoteDest::Pid(p) => CallTarget::Pid(*p),
                },
            },
        }
    }

    #[cold]
    #[inline(never)]
    fn no_proc_error(&self) -> CallError {
        CallError::NoProc {
            target: self.call_target(),
        }
    }

    #[cold]
    #[inline(never)]
    fn timeout_error(&self, after: Duration) -> CallError {
        CallError::Timeout {
            target: self.call_target(),
            after,
        }
    }

    /// A handle to the gen_server registered as `name` on node `node` (`{Name, Node}` in
    /// Erlang), an Erlang, Elixir or Rust one, reached over distribution from the
    /// [current node](Node::current), which must be distributed. Calls and casts go as
    /// `gen_server:call` and `gen_server:cast` send them, mapped as
    /// `#[gen_server(remote)]` maps `S`'s handlers (see [`dist`](crate::dist)); other
    /// operations (stop, wait_exit, send_request) need a local server and answer
    /// [`CallError::NotLocal`].
    ///
    /// # Examples
    ///
    /// See [`dist`](crate::dist).
    pub fn remote(name: &str, node: &str) -> Self {
        ServerRef {
            target: Target::Other(Arc::new(Other::Remote(Remote {
                to: RemoteDest::Name {
                    name: name.into(),
                    node: node.into(),
                },
                from: Node::current(),
            }))),
        }
    }

    /// A call over distribution.
    async fn remote_call(
        r: &Remote,
        request: S::Call,
        timeout: Duration,
    ) -> Result<S::Reply, CallError> {
        let fns = S::remote_fns().ok_or(CallError::NotLocal)?;
        let (term, read) = (fns.call_to_term)(request);
        let reply = match &r.to {
            RemoteDest::Name { name, node } => {
                crate::dist::call_term(&r.from, name, node, term, timeout).await?
            }
            RemoteDest::Pid(pid) => crate::dist::call_pid_on(&r.from, *pid, term, timeout).await?,
        };
        read(reply).map_err(|e| CallError::BadReply(e.to_string().into()))
    }

    /// Calls the server with the default timeout of 5 s.
    ///
    /// # Errors
    ///
    /// [`CallError::Timeout`], [`CallError::NoProc`], [`CallError::Exited`] (the server died
    /// during the call: reported at once), [`CallError::CallingSelf`],
    /// [`CallError::WrongType`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the call; a late reply is dropped.
    ///
    /// # Examples
    ///
    /// See [`ServerRef`].
    pub async fn call(&self, request: S::Call) -> Result<S::Reply, CallError> {
        self.call_timeout(request, DEFAULT_CALL_TIMEOUT).await
    }

    /// Calls the server, waiting at most `timeout` ([`INFINITY`] to wait forever). A reply
    /// that arrives after the timeout is dropped, never seen by a later call.
    ///
    /// # Errors
    ///
    /// As [`ServerRef::call`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    ///
    /// struct Sleepy;
    /// impl GenServer for Sleepy {
    ///     type Call = u64; type Reply = u64; type Cast = (); type Info = (); type Continue = ();
    ///     async fn handle_call(&mut self, ms: u64, _ctx: &mut Ctx<Self>) -> CallResult<u64> {
    ///         otp_runtime::time::sleep(Duration::from_millis(ms)).await;
    ///         CallResult::Reply(ms)
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let s = Sleepy.start().await.unwrap();
    /// let err = s.call_timeout(2000, Duration::from_secs(1)).await.unwrap_err();
    /// assert_eq!(err.to_string(), format!("call to {} timed out after 1s", s.pid().unwrap()));
    /// // The late reply to the first call is not mistaken for this one's.
    /// assert_eq!(s.call_timeout(10, Duration::from_secs(5)).await, Ok(10));
    /// # }
    /// ```
    // A plain function returning the future: an `async fn` around `call_with` would be a
    // state machine of its own, polled on every wait (20 instructions a call).
    pub fn call_timeout(
        &self,
        request: S::Call,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Result<S::Reply, CallError>> + Send + '_ {
        self.call_with::<true>(request, timeout)
    }

    /// A call whose reply rarely comes within a scheduling round (a supervisor's
    /// `start_child` waits for the child's `init`): it waits for the reply at once, without
    /// the yield by which [`ServerRef::call_timeout`] hopes to find it ready. That yield would
    /// cost a poll, and on the multi-thread runtime the self-wake would often wake an idle
    /// worker (a system call) to run nothing.
    pub(crate) fn call_waiting(
        &self,
        request: S::Call,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Result<S::Reply, CallError>> + Send + '_ {
        self.call_with::<false>(request, timeout)
    }

    /// A call, yielding once before it waits for the reply if `YIELD`.
    async fn call_with<const YIELD: bool>(
        &self,
        request: S::Call,
        timeout: Duration,
    ) -> Result<S::Reply, CallError> {
        if let Some(r) = self.remote_target() {
            if current::pid().is_none() && current::no_runtime() {
                return Err(CallError::NoRuntime);
            }
            return Box::pin(Self::remote_call(r, request, timeout)).await;
        }
        // As `resolve`, but with `self` rather than a `Cow` kept across the wait: the same
        // size, and `self` names the target if the call fails.
        let found;
        let target = match &self.target {
            Target::Process(p) => p,
            _ => {
                found = self.resolve_name()?.into_owned();
                &found
            }
        };
        let core = target.core();
        let shared = &core.shared;
        match current::caller(shared) {
            Caller::Itself => return Err(CallError::CallingSelf),
            Caller::Process => {}
            // Refused whether or not the reply would have come in time: the same answer
            // every time, not a panic only when the call has to wait.
            Caller::Outside if current::no_runtime() => return Err(CallError::NoRuntime),
            Caller::Outside => {}
        }
        if shared.is_exited() {
            return Err(self.no_proc_error());
        }
        let (tx, mut rx) = oneshot::channel();
        // Matched, not `is_err()`: the sent path then drops nothing (a call to the result's
        // destructor, out of line, would cost a call 10 instructions).
        if let Err(unsent) = core.mailbox.send(Envelope::Msg(Request::Call(request, tx))) {
            drop(unsent);
            return Err(self.no_proc_error());
        }
        // OTP's `call(S, R, 0)`: the request goes, and the caller has already given up.
        if timeout.is_zero() {
            return Err(self.timeout_error(timeout));
        }
        // Most replies come within one scheduling round: yield once before arming a timer,
        // which costs more than the whole round trip (see `yield_now`).
        if YIELD {
            yield_now().await;
            match rx.try_recv() {
                Ok(reply) => return Ok(reply),
                Err(TryRecvError::Closed) => {
                    return Err(Box::pin(async move {
                        closed(shared, timeout)
                            .await
                            .for_target(|| self.call_target())
                    })
                    .await)
                }
                Err(TryRecvError::Empty) => {}
            }
        }
        // The slow path, boxed so that its timer and exit wait do not widen every caller's
        // future (a process awaiting a call carries that future in its task). Its errors name
        // the pid; a call by name names the name: in the box too, so that `self` is not kept
        // across the wait.
        Box::pin(async move {
            slow_reply(rx, shared, timeout, !S::ANSWERS_IN_HANDLER)
                .await
                .map_err(|e| e.for_target(|| self.call_target()))
        })
        .await
    }

    /// Sends a call and returns at once with its [`RequestId`], to collect the reply later
    /// (OTP's `gen_server:send_request/2`): the server handles it exactly as a
    /// [`call`](ServerRef::call), and the reply waits in the request id until it is
    /// collected with [`wait_response`](RequestId::wait_response),
    /// [`receive_response`](RequestId::receive_response),
    /// [`check_response`](RequestId::check_response) or a [`RequestIds`](super::RequestIds)
    /// collection. Never blocks.
    ///
    /// A request that cannot be sent (no process has the name, the server is dead) is not an
    /// error here: as in OTP, its request id resolves with the error ([`CallError::NoProc`],
    /// [`CallError::WrongType`]). A server may send a request to itself, and check for its
    /// reply after it has handled it; waiting for it gives [`CallError::CallingSelf`].
    ///
    /// `#[gen_server]` handles have one such method per `#[call]`, `send_<call>`, typed with
    /// that call's reply.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// struct Doubler;
    /// impl GenServer for Doubler {
    ///     type Call = u32; type Reply = u32; type Cast = (); type Info = (); type Continue = ();
    ///     async fn handle_call(&mut self, n: u32, _ctx: &mut Ctx<Self>) -> CallResult<u32> {
    ///         CallResult::Reply(n * 2)
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let d = Doubler.start().await.unwrap();
    /// let ids: Vec<RequestId<u32>> = (1..=3).map(|n| d.send_request(n)).collect();
    /// let mut replies = Vec::new();
    /// for id in ids {
    ///     replies.push(id.receive_response(INFINITY).await.unwrap());
    /// }
    /// assert_eq!(replies, [2, 4, 6]);
    /// let nobody = ServerRef::<Doubler>::named("nobody");
    /// let err = nobody.send_request(1).receive_response(INFINITY).await.unwrap_err();
    /// assert_eq!(err, CallError::NoProc { target: CallTarget::Name("nobody".into()) });
    /// # }
    /// ```
    pub fn send_request(&self, request: S::Call) -> RequestId<S::Reply> {
        self.send_request_map(request, |reply| reply)
    }

    /// [`ServerRef::send_request`], with the reply converted by `f`: what the generated
    /// `send_<call>` methods use to give each request its own reply type. For generated code.
    #[doc(hidden)]
    pub fn send_request_map<T: Send + 'static>(
        &self,
        request: S::Call,
        f: impl FnOnce(S::Reply) -> T + Send + 'static,
    ) -> RequestId<T> {
        let target = match self.resolve() {
            Ok(target) => target,
            Err(e) => return RequestId::failed(e),
        };
        let core = target.core();
        if core.shared.is_exited() {
            return RequestId::failed(self.no_proc_error());
        }
        let (tx, rx) = oneshot::channel();
        if core
            .mailbox
            .send(Envelope::Msg(Request::Call(request, tx)))
            .is_err()
        {
            return RequestId::failed(self.no_proc_error());
        }
        RequestId::sent(rx, f, core.clone())
    }

    /// Sends a cast. Never blocks, never fails: a cast to a dead server is dropped, as in OTP.
    ///
    /// # Examples
    ///
    /// See [`GenServer`].
    #[inline]
    pub fn cast(&self, msg: S::Cast) {
        self.post(Request::Cast(msg));
    }

    #[inline]
    fn post(&self, request: Request<S>) {
        match &self.target {
            // Straight into the mailbox: a message to a dead process is dropped, as in OTP.
            Target::Process(p) => {
                let _ = p.core().mailbox.send(Envelope::Msg(request));
            }
            Target::Other(_) => self.post_other(request),
        }
    }

    /// [`post`](Self::post) to a target looked up at each use.
    #[inline(never)]
    fn post_other(&self, request: Request<S>) {
        if let Some(r) = self.remote_target() {
            // Casts go as gen_server:cast sends them; other messages need a local server.
            if let (Request::Cast(msg), Some(fns)) = (request, S::remote_fns()) {
                let msg = (fns.cast_to_term)(msg);
                match &r.to {
                    RemoteDest::Name { name, node } => {
                        crate::dist::cast_on(&r.from, name, node, msg)
                    }
                    RemoteDest::Pid(pid) => crate::dist::cast_pid_on(&r.from, *pid, msg),
                }
            }
        } else if let Ok(p) = self.resolve_name() {
            let _ = p.send(request);
        }
    }

    /// Sends an out-of-band message to `handle_info` (Erlang's `Pid ! Msg`). Never blocks;
    /// dropped if the server is dead.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// struct Last(Option<&'static str>);
    /// impl GenServer for Last {
    ///     type Call = (); type Reply = Option<&'static str>; type Cast = (); type Info = &'static str; type Continue = ();
    ///     async fn handle_info(&mut self, i: Info<&'static str>, _ctx: &mut Ctx<Self>) -> Outcome {
    ///         if let Info::Msg(m) = i { self.0 = Some(m) }
    ///         Outcome::NoReply
    ///     }
    ///     async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<Self::Reply> {
    ///         CallResult::Reply(self.0)
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = Last(None).start().await.unwrap();
    /// s.send("hello");
    /// assert_eq!(s.call(()).await, Ok(Some("hello")));
    /// # }
    /// ```
    #[inline]
    pub fn send(&self, info: S::Info) {
        self.post(Request::Info(info));
    }

    /// Stops the server (`gen_server:stop/3`): it runs `terminate(reason)` after the messages
    /// already queued, then exits with `reason`. Returns once it is dead.
    ///
    /// # Errors
    ///
    /// [`CallError::NoProc`] if it is not alive; [`CallError::Timeout`] if it is still alive
    /// after `timeout` (it is left running); [`CallError::Exited`] if it died with another
    /// reason (e.g. `terminate` panicked); [`CallError::CallingSelf`] from the server itself.
    ///
    /// # Examples
    ///
    /// See [`ServerRef`].
    pub async fn stop(&self, reason: ExitReason, timeout: Duration) -> Result<(), CallError> {
        let target = self.resolve()?;
        let shared = &target.core().shared;
        match current::caller(shared) {
            Caller::Itself => return Err(CallError::CallingSelf),
            Caller::Outside if current::no_runtime() => return Err(CallError::NoRuntime),
            _ => {}
        }
        if target.send(Request::Stop(reason.clone().into())).is_err() {
            return Err(self.no_proc_error());
        }
        // The request woke the server, which usually runs `terminate` and dies within the
        // round we yield: then no waiter (a oneshot and a watcher entry) and no timer are set
        // up. Its death counts once it is signalled (links told), as a waiter would see it.
        yield_now().await;
        let exited = match shared.signalled_exit() {
            Some(reason) => reason,
            None if timeout == INFINITY => wait_shared_exit(shared).await,
            // Boxed as a call's slow path is: its timer does not widen the caller's future.
            None => {
                if current::runtime_gone() {
                    return Err(CallError::NoRuntime);
                }
                Box::pin(async move {
                    crate::time::timeout(timeout, wait_shared_exit(shared))
                        .await
                        .ok_or_else(|| self.timeout_error(timeout))
                })
                .await?
            }
        };
        if exited == reason {
            Ok(())
        } else {
            Err(CallError::Exited(exited))
        }
    }

    /// Waits until the server has ended and returns its exit reason; `NoProc` at once for a
    /// name nobody holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # struct S;
    /// # impl GenServer for S {
    /// #     type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    /// #     async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
    /// #         CallResult::Stop(ExitReason::other("done"))
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = S.start().await.unwrap();
    /// let _ = s.call(()).await;
    /// assert_eq!(s.wait_exit().await, ExitReason::other("done"));
    /// # }
    /// ```
    pub async fn wait_exit(&self) -> ExitReason {
        match self.resolve() {
            Ok(p) => wait_shared_exit(&p.core().shared).await,
            Err(_) => ExitReason::NoProc,
        }
    }
}

/// The live process `pid` of `node`: `NoConnection` for a pid of a node it does not know,
/// `no_proc()` for one that is not alive.
fn live_entry(
    node: &Node,
    pid: Pid,
    no_proc: impl FnOnce() -> CallError,
) -> Result<Arc<dyn Entry>, CallError> {
    node.entry(pid)
        .map_err(|()| CallError::NoConnection(pid))?
        .filter(|e| !e.shared().is_exited())
        .ok_or_else(no_proc)
}

/// The server behind `entry`, if it is a server of `S` (`WrongType` otherwise).
fn typed<S: GenServer>(entry: Arc<dyn Entry>) -> Result<ProcessRef<Request<S>>, CallError> {
    let pid = entry.shared().pid();
    entry
        .into_any()
        .downcast::<Core<Request<S>>>()
        .map(ProcessRef::from_core)
        .map_err(|_| CallError::WrongType(pid))
}

/// The reply sender was dropped. By the server's end (a crash, a stop: see
/// `Shared::is_ending`, marked before the drop): its exit reason, which is recorded or about
/// to be. By choice, while the server lives on: `ReplyDropped`, at once.
pub(super) async fn closed(shared: &Shared, timeout: Duration) -> CallError {
    if shared.is_ending() {
        exited(shared, timeout).await
    } else {
        CallError::ReplyDropped
    }
}

/// The server is ending: its exit reason, once recorded, or a timeout at the deadline.
async fn exited(shared: &Shared, timeout: Duration) -> CallError {
    let exit = wait_shared_exit(shared);
    let reason = if timeout == INFINITY {
        Some(exit.await)
    } else if current::runtime_gone() {
        return CallError::NoRuntime;
    } else {
        crate::time::timeout(timeout, exit).await
    };
    reason.map_or_else(
        || CallError::Timeout {
            target: CallTarget::Pid(shared.pid()),
            after: timeout,
        },
        CallError::Exited,
    )
}

/// Waits for a reply that did not come within a scheduling round: for the reply, the server's
/// death (OTP's caller monitors the server: a crash is reported at once even if a deferred
/// reply handle lives on elsewhere), a cycle of calls (`crate::deadlock`), or the deadline,
/// whichever is first.
///
/// One timer serves both the deadlock check and the deadline: armed for the check, then moved
/// to the deadline. A caller that is not a process closes no cycle and arms the deadline only
/// (a supervisor's `start_child` from a task waits here on every call: see the scale bench).
///
/// `watch`: whether to watch the server's death from the start, for a reply handle that may
/// outlive it elsewhere; without, the death is looked for once the handle is dropped.
async fn slow_reply<R>(
    mut rx: oneshot::Receiver<R>,
    shared: &Shared,
    timeout: Duration,
    watch: bool,
) -> Result<R, CallError> {
    #[cfg(feature = "sim")]
    let _waiting = crate::sim::WaitGuard::new(shared);
    // Its timer needs a runtime: see `current::no_runtime`.
    if current::runtime_gone() {
        return Err(CallError::NoRuntime);
    }
    let now = crate::time::Instant::now();
    // `None`: no deadline (`INFINITY`, or one past the clock's range).
    let deadline = match timeout {
        INFINITY => None,
        t => now.checked_add(t),
    };
    let mut check = timeout > deadlock::CHECK_AFTER && current::pid().is_some();
    let first = if check {
        Some(now + deadlock::CHECK_AFTER)
    } else {
        deadline
    };
    let mut armed = first.is_some();
    // Not registered with tokio until first polled, so an unarmed one costs nothing.
    let mut timer = std::pin::pin!(tokio::time::sleep_until(first.unwrap_or(now)));
    #[cfg(feature = "sim")]
    let mut _pending = armed.then(crate::sim::TimerGuard::new).flatten();
    let mut exit = ExitWatch::new(shared);
    let mut _in_graph = None;
    let mut open = true;
    loop {
        tokio::select! {
            biased;
            reply = &mut rx, if open => match reply {
                Ok(reply) => return Ok(reply),
                // Dropped by the server's end: its reason, next. By choice: said at once.
                Err(_) if shared.is_ending() => open = false,
                Err(_) => return Err(CallError::ReplyDropped),
            },
            // Not polled, so not entered, until needed.
            reason = &mut exit, if watch || !open => return match rx.try_recv() {
                // A reply sent just before the end (`StopReply`) still counts.
                Ok(reply) => Ok(reply),
                Err(_) => Err(CallError::Exited(reason)),
            },
            () = &mut timer, if armed => {
                if !std::mem::take(&mut check) {
                    return Err(CallError::Timeout {
                        target: CallTarget::Pid(shared.pid()),
                        after: timeout,
                    });
                }
                // Waited `CHECK_AFTER`: entered in the wait-for graph until the call ends.
                _in_graph = deadlock::wait_on(shared.node(), shared.pid())
                    .map_err(CallError::Deadlock)?;
                match deadline {
                    Some(d) => timer.as_mut().reset(d),
                    None => {
                        armed = false;
                        #[cfg(feature = "sim")]
                        {
                            _pending = None;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CallResult, Ctx};
    use std::mem::size_of_val;

    struct Echo;
    impl GenServer for Echo {
        type Call = u64;
        type Reply = u64;
        type Cast = ();
        type Info = ();
        type Continue = ();
        async fn handle_call(&mut self, n: u64, _ctx: &mut Ctx<Self>) -> CallResult<u64> {
            CallResult::Reply(n)
        }
    }

    /// A process awaiting a call carries the call's future in its task: naming the target in
    /// a `CallError` must not widen it (the target is built on the error path only, from the
    /// handle, which the future keeps in place of the resolved process). 112 and 192 bytes
    /// before `CallError` named its target (the stop's timed wait is boxed since).
    #[tokio::test]
    async fn a_call_future_stays_small() {
        let by_pid = Echo.start().await.unwrap();
        let by_name = ServerRef::<Echo>::named("nobody");
        let call = by_pid.call_timeout(1, DEFAULT_CALL_TIMEOUT);
        assert!(size_of_val(&call) <= 112, "{}", size_of_val(&call));
        let named = by_name.call_timeout(1, DEFAULT_CALL_TIMEOUT);
        assert!(size_of_val(&named) <= 112, "{}", size_of_val(&named));
        let stop = by_pid.stop(ExitReason::Normal, DEFAULT_CALL_TIMEOUT);
        assert!(size_of_val(&stop) <= 192, "{}", size_of_val(&stop));
        // 24 bytes before it named its target.
        assert!(std::mem::size_of::<CallError>() <= 56);
    }

    /// A handle is two words, so a message that carries one (a ring's next node, the
    /// `#[gen_server]` enum of a cast taking one) stays two words too, and so does every slot
    /// of the mailboxes it goes through (a handle was four words, a name's inline).
    #[test]
    fn a_handle_is_two_words() {
        assert_eq!(size_of::<ServerRef<Echo>>(), 16);
        #[allow(dead_code)] // only its layout matters
        enum Ring {
            Next(ServerRef<Echo>),
            Token(u64),
        }
        struct Node;
        impl GenServer for Node {
            type Call = ();
            type Reply = ();
            type Cast = Ring;
            type Info = ();
            type Continue = ();
            async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
                CallResult::Reply(())
            }
        }
        assert_eq!(size_of::<Ring>(), 16);
        assert_eq!(
            size_of::<crate::process::core::Envelope<Request<Node>>>(),
            16
        );
    }
}
