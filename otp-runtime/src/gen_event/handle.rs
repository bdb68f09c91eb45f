//! Starting an event manager, and the client handle to one.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::erased::{erase, AnyBox, ErasedHandler};
use super::manager::{Manager, Owner, Request, Response};
use super::{AnyHandlerId, EventHandler, GenEventError, HandlerCallError, HandlerExit, HandlerId};
use crate::registry::Name;
use crate::supervisor::ChildPid;
use crate::{
    CallError, ExitReason, GenServer, Pid, ServerRef, StartError, StartOpts, DEFAULT_CALL_TIMEOUT,
    INFINITY,
};

/// Starts event managers for events of type `E` (OTP's `gen_event:start*`). Not a value:
/// only its functions are used, and they return an [`EventManagerRef`].
///
/// A new manager has no handlers. Like a gen_server, it can be named, linked to its
/// starter, and be the child of a supervisor (see [`EventManagerRef`]).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let alarms = EventManager::<String>::start_named("alarms").await.unwrap();
/// assert_eq!(otp_runtime::whereis("alarms"), alarms.pid());
/// assert_eq!(alarms.which_handlers().await, Ok(vec![]));
/// // The name is taken.
/// assert_eq!(
///     EventManager::<String>::start_named("alarms").await.unwrap_err(),
///     StartError::AlreadyStarted(alarms.pid().unwrap())
/// );
/// alarms.stop().await.unwrap();
/// # }
/// ```
pub struct EventManager<E> {
    _never: PhantomData<fn(E)>,
    _private: std::convert::Infallible,
}

impl<E: Send + Sync + 'static> EventManager<E> {
    /// Starts a manager, not linked to the caller.
    ///
    /// # Errors
    ///
    /// None in practice: a manager's `init` cannot fail. The `Result` is that of
    /// [`EventManager::start_with`].
    ///
    /// # Examples
    ///
    /// See [`EventHandler`].
    pub async fn start() -> Result<EventManagerRef<E>, StartError> {
        Self::start_with(StartOpts::new()).await
    }

    /// Starts a manager linked to the calling process, which becomes its parent: the
    /// parent's exit signal stops the manager, after every handler's `terminate`. Outside a
    /// process this is [`EventManager::start`]. This is the function to give a supervisor.
    ///
    /// # Errors
    ///
    /// As [`EventManager::start`].
    ///
    /// # Examples
    ///
    /// See [`EventManagerRef`].
    pub async fn start_link() -> Result<EventManagerRef<E>, StartError> {
        Self::start_with(StartOpts::new().link()).await
    }

    /// Starts a manager registered under `name`.
    ///
    /// # Errors
    ///
    /// [`StartError::AlreadyStarted`] if the name is taken.
    ///
    /// # Examples
    ///
    /// See [`EventManager`].
    pub async fn start_named(name: impl Into<Name>) -> Result<EventManagerRef<E>, StartError> {
        Self::start_with(StartOpts::new().name(name)).await
    }

    /// Starts a manager registered under `name` and linked to the calling process.
    ///
    /// # Errors
    ///
    /// [`StartError::AlreadyStarted`] if the name is taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let (tx, rx) = tokio::sync::oneshot::channel();
    /// otp_runtime::spawn(|_ctx: ProcessCtx<()>| async move {
    ///     let m = EventManager::<u8>::start_link_named("linked-events").await.unwrap();
    ///     tx.send(m).unwrap();
    ///     ExitReason::Shutdown // the linked manager stops with its parent
    /// });
    /// let m = rx.await.unwrap();
    /// assert_eq!(m.wait_exit().await, ExitReason::Shutdown);
    /// # }
    /// ```
    pub async fn start_link_named(name: impl Into<Name>) -> Result<EventManagerRef<E>, StartError> {
        Self::start_with(StartOpts::new().name(name).link()).await
    }

    /// Starts a manager with the options of a gen_server: a name, a link.
    ///
    /// # Errors
    ///
    /// [`StartError::AlreadyStarted`] if the name is taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let m = EventManager::<u8>::start_with(StartOpts::new().name("opts-events")).await.unwrap();
    /// assert_eq!(otp_runtime::whereis("opts-events"), m.pid());
    /// # }
    /// ```
    pub async fn start_with(opts: StartOpts) -> Result<EventManagerRef<E>, StartError> {
        let server = Manager::<E>::new().start_with(opts).await?;
        Ok(EventManagerRef {
            server,
            timeout: DEFAULT_CALL_TIMEOUT,
        })
    }

    /// A handle to the manager registered under `name`, resolved at each use (the same as
    /// [`EventManagerRef::named`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let by_name = EventManager::<u8>::named("later");
    /// // Not started yet:
    /// let err = by_name.which_handlers().await.unwrap_err();
    /// assert_eq!(err, CallError::NoProc { target: CallTarget::Name("later".into()) });
    /// EventManager::<u8>::start_named("later").await.unwrap();
    /// assert_eq!(by_name.which_handlers().await, Ok(vec![]));
    /// # }
    /// ```
    pub fn named(name: impl Into<Name>) -> EventManagerRef<E> {
        EventManagerRef::named(name)
    }
}

/// A handle to an event manager for events of type `E`: `Clone + Send + Sync`.
///
/// Pid-bound (what the start functions return) or named ([`EventManagerRef::named`], which
/// resolves the name at each use and so reaches a restarted manager), like a
/// [`ServerRef`]. Requests to the manager (add, delete, swap, which_handlers, sync_notify)
/// wait as long as the manager takes, as OTP's do; a [`call`](EventManagerRef::call) to a
/// handler waits 5 seconds by default ([`EventManagerRef::with_timeout`]). All of them
/// report the manager's death at once.
///
/// A manager is supervisable: [`ChildSpec::from_fn`](crate::ChildSpec::from_fn) takes
/// [`EventManager::start_link`] (the handle names the started process), and the start
/// function may add the handlers, so that every incarnation has them.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// struct Echo(tokio::sync::mpsc::UnboundedSender<u32>);
/// impl EventHandler<u32> for Echo {
///     type Call = (); type Reply = (); type Terminated = ();
///     async fn handle_event(&mut self, n: &u32) -> Handled {
///         let _ = self.0.send(*n);
///         Handled::Ok
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
/// let sup = SupervisorSpec::one_for_one()
///     .child(
///         ChildSpec::from_fn("events", move || {
///             let tx = tx.clone();
///             async move {
///                 let m = EventManager::<u32>::start_link().await?;
///                 m.add_handler(Echo(tx))
///                     .await
///                     .map_err(|e| StartError::Failed(ExitReason::other(e)))?;
///                 Ok(m)
///             }
///         })
///         .name("events"),
///     )
///     .start()
///     .await
///     .unwrap();
/// let events = EventManagerRef::<u32>::named("events");
/// events.notify(7);
/// assert_eq!(seen.recv().await, Some(7));
/// sup.stop().await.unwrap(); // stops the manager too
/// assert_eq!(events.pid(), None);
/// # }
/// ```
pub struct EventManagerRef<E: Send + Sync + 'static> {
    server: ServerRef<Manager<E>>,
    /// The timeout of `call`.
    timeout: Duration,
}

impl<E: Send + Sync + 'static> Clone for EventManagerRef<E> {
    fn clone(&self) -> Self {
        EventManagerRef {
            server: self.server.clone(),
            timeout: self.timeout,
        }
    }
}

impl<E: Send + Sync + 'static> fmt::Debug for EventManagerRef<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.server.pid() {
            Some(pid) => write!(f, "EventManagerRef({pid})"),
            None => f.write_str("EventManagerRef(not running)"),
        }
    }
}

impl<E: Send + Sync + 'static> ChildPid for EventManagerRef<E> {
    fn child_pid(&self) -> Option<Pid> {
        self.pid()
    }
}

impl<E: Send + Sync + 'static> EventManagerRef<E> {
    /// A handle to the manager registered under `name`, resolved at each use.
    ///
    /// # Examples
    ///
    /// See [`EventManager::named`].
    pub fn named(name: impl Into<Name>) -> Self {
        EventManagerRef {
            server: ServerRef::named(name),
            timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    /// A handle bound to the manager `pid` (learnt from a supervisor, say).
    ///
    /// # Errors
    ///
    /// [`CallError::NoProc`] if `pid` is not alive; [`CallError::WrongType`] if it is not an
    /// event manager for events of type `E`.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let pid = EventManager::<u8>::start().await.unwrap().pid().unwrap();
    /// let m = EventManagerRef::<u8>::from_pid(pid).unwrap();
    /// assert_eq!(m.which_handlers().await, Ok(vec![]));
    /// assert_eq!(EventManagerRef::<String>::from_pid(pid).unwrap_err(), CallError::WrongType(pid));
    /// # }
    /// ```
    pub fn from_pid(pid: Pid) -> Result<Self, CallError> {
        Ok(EventManagerRef {
            server: ServerRef::from_pid(pid)?,
            timeout: DEFAULT_CALL_TIMEOUT,
        })
    }

    /// The manager's pid now (`None` if a named handle's name is free).
    ///
    /// # Examples
    ///
    /// See [`EventManager`].
    pub fn pid(&self) -> Option<Pid> {
        self.server.pid()
    }

    /// The same handle with another timeout for [`call`](EventManagerRef::call)
    /// ([`INFINITY`] to wait forever).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    ///
    /// struct Slow;
    /// impl EventHandler<()> for Slow {
    ///     type Call = u64; type Reply = u64; type Terminated = ();
    ///     async fn handle_event(&mut self, _: &()) -> Handled { Handled::Ok }
    ///     async fn handle_call(&mut self, ms: u64) -> HandlerReply<u64> {
    ///         otp_runtime::time::sleep(Duration::from_millis(ms)).await;
    ///         HandlerReply::Reply(ms)
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let m = EventManager::<()>::start().await.unwrap();
    /// m.add_handler(Slow).await.unwrap();
    /// let impatient = m.with_timeout(Duration::from_secs(1));
    /// let err = impatient.call(HandlerId::<Slow>::new(), 2000).await.unwrap_err();
    /// assert!(matches!(err, HandlerCallError::Manager(CallError::Timeout { .. })), "{err:?}");
    /// let pid = m.pid().unwrap();
    /// let says = format!("the event manager did not answer: call to {pid} timed out after 1s");
    /// assert_eq!(err.to_string(), says);
    /// assert_eq!(m.call(HandlerId::<Slow>::new(), 10).await, Ok(10));
    /// # }
    /// ```
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        EventManagerRef {
            server: self.server.clone(),
            timeout,
        }
    }

    async fn request(&self, request: Request<E>) -> Result<Response, CallError> {
        self.server.call_timeout(request, INFINITY).await
    }

    /// Adds a handler (OTP's `add_handler`) under its type alone; returns once its `init`
    /// has run.
    ///
    /// # Errors
    ///
    /// [`GenEventError::InitFailed`] if `init` refused or panicked;
    /// [`GenEventError::AlreadyAdded`] if a handler of this type without an id is there
    /// already; [`GenEventError::Manager`] if the manager is not alive.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future after the request went out does not stop the handler being
    /// added; this holds for every request to the manager.
    ///
    /// # Examples
    ///
    /// See [`EventHandler`].
    pub async fn add_handler<H: EventHandler<E>>(&self, handler: H) -> Result<(), GenEventError> {
        self.add_handler_with_id(HandlerId::new(), handler).await
    }

    /// Adds a handler under `id` (OTP's `{Module, Id}`), so that several handlers of one type
    /// can be told apart.
    ///
    /// # Errors
    ///
    /// As [`EventManagerRef::add_handler`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// struct Sink;
    /// impl EventHandler<u8> for Sink {
    ///     type Call = (); type Reply = (); type Terminated = ();
    ///     async fn handle_event(&mut self, _: &u8) -> Handled { Handled::Ok }
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let m = EventManager::<u8>::start().await.unwrap();
    /// m.add_handler(Sink).await.unwrap();
    /// m.add_handler_with_id(HandlerId::with_id("b"), Sink).await.unwrap();
    /// assert_eq!(
    ///     m.add_handler_with_id(HandlerId::with_id("b"), Sink).await,
    ///     Err(GenEventError::AlreadyAdded(HandlerId::<Sink>::with_id("b").any()))
    /// );
    /// let names: Vec<String> = m.which_handlers().await.unwrap().iter().map(|h| h.to_string()).collect();
    /// assert_eq!(names, ["Sink:b", "Sink"]); // newest first
    /// # }
    /// ```
    pub async fn add_handler_with_id<H: EventHandler<E>>(
        &self,
        id: HandlerId<H>,
        handler: H,
    ) -> Result<(), GenEventError> {
        self.add(id.any(), erase(handler), None).await
    }

    async fn add(
        &self,
        id: AnyHandlerId,
        handler: Box<dyn ErasedHandler<E>>,
        owner: Option<Owner>,
    ) -> Result<(), GenEventError> {
        match self.request(Request::Add { id, handler, owner }).await? {
            Response::Added(result) => result,
            _ => unreachable!("the manager answers an add with Added"),
        }
    }

    /// Adds a handler supervised by the calling process, its *owner* (OTP's
    /// `add_sup_handler`). The manager links to the owner:
    /// - when the owner exits, the handler is removed (`terminate` gets
    ///   [`Removal::OwnerExited`](super::Removal::OwnerExited));
    /// - when the handler leaves for any other reason (deleted, removed itself, crashed,
    ///   failed, swapped, manager stopped), `on_exit` is called with a [`HandlerExit`]
    ///   saying which and why (OTP's `gen_event_EXIT` message).
    ///
    /// `on_exit` runs in the manager's process, after the handler's `terminate`: keep it
    /// short, typically a message to the owner. A panic in it is contained. As in OTP, the
    /// link goes both ways: a manager that is killed takes down an owner that does not trap
    /// exits. A manager that stops unlinks its owners first.
    ///
    /// # Errors
    ///
    /// [`GenEventError::NotInProcess`] outside a process; otherwise as
    /// [`EventManagerRef::add_handler`].
    ///
    /// # Examples
    ///
    /// See [`HandlerExit`].
    pub async fn add_sup_handler<H: EventHandler<E>>(
        &self,
        handler: H,
        on_exit: impl Fn(HandlerExit) + Send + Sync + 'static,
    ) -> Result<(), GenEventError> {
        self.add_sup_handler_with_id(HandlerId::new(), handler, on_exit)
            .await
    }

    /// [`EventManagerRef::add_sup_handler`] with an id.
    ///
    /// # Errors
    ///
    /// As [`EventManagerRef::add_sup_handler`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # struct Sink;
    /// # impl EventHandler<u8> for Sink {
    /// #     type Call = (); type Reply = (); type Terminated = ();
    /// #     async fn handle_event(&mut self, _: &u8) -> Handled { Handled::Ok }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let m = EventManager::<u8>::start().await.unwrap();
    /// // Outside a process there is no owner.
    /// assert_eq!(
    ///     m.add_sup_handler_with_id(HandlerId::with_id(1), Sink, |_| {}).await,
    ///     Err(GenEventError::NotInProcess)
    /// );
    /// # }
    /// ```
    pub async fn add_sup_handler_with_id<H: EventHandler<E>>(
        &self,
        id: HandlerId<H>,
        handler: H,
        on_exit: impl Fn(HandlerExit) + Send + Sync + 'static,
    ) -> Result<(), GenEventError> {
        let owner = owner(on_exit)?;
        self.add(id.any(), erase(handler), Some(owner)).await
    }

    /// Removes a handler (OTP's `delete_handler`): its `terminate` runs with
    /// [`Removal::Deleted`](super::Removal::Deleted), and what it returned is returned here.
    ///
    /// # Errors
    ///
    /// [`GenEventError::UnknownHandler`] if there is no such handler;
    /// [`GenEventError::TerminateCrashed`] if `terminate` panicked (the handler is gone);
    /// [`GenEventError::Manager`] if the manager is not alive.
    ///
    /// # Examples
    ///
    /// See [`EventHandler`].
    pub async fn delete_handler<H: EventHandler<E>>(
        &self,
        id: HandlerId<H>,
    ) -> Result<H::Terminated, GenEventError> {
        match self.request(Request::Delete(id.any())).await? {
            Response::Deleted(result) => result.map(downcast::<H::Terminated>),
            _ => unreachable!("the manager answers a delete with Deleted"),
        }
    }

    /// Replaces a handler (OTP's `swap_handler`): `old`'s `terminate` runs with
    /// [`Removal::Swapped`](super::Removal::Swapped), `make` builds the new handler from what
    /// it returned (`None` if there was no `old`, or its `terminate` panicked), and the new
    /// handler is added under `new` and initialised. If `old` was supervised, the new
    /// handler has the same owner, and the owner's callback hears of the swap
    /// ([`HandlerExitReason::Swapped`](super::HandlerExitReason::Swapped)).
    ///
    /// `make` runs in the manager's process. As in OTP, the new handler is added even if
    /// `old` is missing, and `old` is gone even if the new one's `init` fails.
    ///
    /// # Errors
    ///
    /// [`GenEventError::InitFailed`] if the new handler's `init` refused or panicked (or
    /// `make` panicked); [`GenEventError::AlreadyAdded`] if another handler has the id `new`
    /// (then nothing changed); [`GenEventError::Manager`] if the manager is not alive.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// /// Keeps lines in memory; hands them over when it leaves.
    /// #[derive(Default)]
    /// struct Memory(Vec<String>);
    /// impl EventHandler<String> for Memory {
    ///     type Call = (); type Reply = (); type Terminated = Vec<String>;
    ///     async fn handle_event(&mut self, line: &String) -> Handled {
    ///         self.0.push(line.clone());
    ///         Handled::Ok
    ///     }
    ///     async fn terminate(&mut self, _why: Removal) -> Vec<String> {
    ///         std::mem::take(&mut self.0)
    ///     }
    /// }
    ///
    /// /// Counts lines, starting from what it took over.
    /// struct Count(usize);
    /// impl EventHandler<String> for Count {
    ///     type Call = (); type Reply = usize; type Terminated = ();
    ///     async fn handle_event(&mut self, _: &String) -> Handled { self.0 += 1; Handled::Ok }
    ///     async fn handle_call(&mut self, _: ()) -> HandlerReply<usize> { HandlerReply::Reply(self.0) }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let m = EventManager::<String>::start().await.unwrap();
    /// m.add_handler(Memory::default()).await.unwrap();
    /// m.notify("one".into());
    /// m.notify("two".into());
    /// m.swap_handler(HandlerId::<Memory>::new(), HandlerId::<Count>::new(), |old| {
    ///     Count(old.map_or(0, |lines| lines.len()))
    /// })
    /// .await
    /// .unwrap();
    /// m.notify("three".into());
    /// assert_eq!(m.call(HandlerId::<Count>::new(), ()).await, Ok(3));
    /// assert_eq!(m.which_handlers().await.unwrap(), [HandlerId::<Count>::new()]);
    /// # }
    /// ```
    pub async fn swap_handler<H1, H2>(
        &self,
        old: HandlerId<H1>,
        new: HandlerId<H2>,
        make: impl FnOnce(Option<H1::Terminated>) -> H2 + Send + 'static,
    ) -> Result<(), GenEventError>
    where
        H1: EventHandler<E>,
        H2: EventHandler<E>,
    {
        self.swap(old, new, make, None).await
    }

    /// [`EventManagerRef::swap_handler`], with the new handler supervised by the calling
    /// process (OTP's `swap_sup_handler`): the old owner, if any, is told
    /// [`HandlerExitReason::Swapped`](super::HandlerExitReason::Swapped) with the caller as
    /// the new owner, and `on_exit` is the new handler's callback.
    ///
    /// # Errors
    ///
    /// [`GenEventError::NotInProcess`] outside a process; otherwise as
    /// [`EventManagerRef::swap_handler`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # struct A;
    /// # impl EventHandler<u8> for A {
    /// #     type Call = (); type Reply = (); type Terminated = ();
    /// #     async fn handle_event(&mut self, _: &u8) -> Handled { Handled::Ok }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let m = EventManager::<u8>::start().await.unwrap();
    /// let owner = otp_runtime::spawn(move |_ctx: ProcessCtx<()>| async move {
    ///     m.add_handler(A).await.unwrap();
    ///     m.swap_sup_handler(HandlerId::<A>::new(), HandlerId::<A>::with_id(2), |_| A, |_| {})
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(m.which_handlers().await.unwrap(), [HandlerId::<A>::with_id(2)]);
    ///     ExitReason::Normal // the handler goes with its owner
    /// });
    /// assert_eq!(owner.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub async fn swap_sup_handler<H1, H2>(
        &self,
        old: HandlerId<H1>,
        new: HandlerId<H2>,
        make: impl FnOnce(Option<H1::Terminated>) -> H2 + Send + 'static,
        on_exit: impl Fn(HandlerExit) + Send + Sync + 'static,
    ) -> Result<(), GenEventError>
    where
        H1: EventHandler<E>,
        H2: EventHandler<E>,
    {
        let owner = owner(on_exit)?;
        self.swap(old, new, make, Some(owner)).await
    }

    async fn swap<H1, H2>(
        &self,
        old: HandlerId<H1>,
        new: HandlerId<H2>,
        make: impl FnOnce(Option<H1::Terminated>) -> H2 + Send + 'static,
        owner: Option<Owner>,
    ) -> Result<(), GenEventError>
    where
        H1: EventHandler<E>,
        H2: EventHandler<E>,
    {
        let make = Box::new(move |state: Option<AnyBox>| {
            erase(make(state.map(downcast::<H1::Terminated>)))
        });
        let request = Request::Swap {
            old: old.any(),
            new: new.any(),
            make,
            owner,
        };
        match self.request(request).await? {
            Response::Added(result) => result,
            _ => unreachable!("the manager answers a swap with Added"),
        }
    }

    /// The handlers, newest first (OTP's `which_handlers`).
    ///
    /// # Errors
    ///
    /// [`CallError`] if the manager is not alive.
    ///
    /// # Examples
    ///
    /// See [`EventManagerRef::add_handler_with_id`].
    pub async fn which_handlers(&self) -> Result<Vec<AnyHandlerId>, CallError> {
        match self.request(Request::Which).await? {
            Response::Handlers(handlers) => Ok(handlers),
            _ => unreachable!("the manager answers which_handlers with Handlers"),
        }
    }

    /// Sends an event to every handler, and returns at once (OTP's `notify`): never blocks,
    /// and an event for a dead manager is dropped.
    ///
    /// # Examples
    ///
    /// See [`EventHandler`].
    pub fn notify(&self, event: E) {
        self.server.cast(event);
    }

    /// Sends an event to every handler, and returns once they all handled it (OTP's
    /// `sync_notify`).
    ///
    /// # Errors
    ///
    /// [`CallError`] if the manager is not alive, or died meanwhile.
    ///
    /// # Examples
    ///
    /// See [`Handled`](super::Handled).
    pub async fn sync_notify(&self, event: E) -> Result<(), CallError> {
        match self.request(Request::SyncNotify(event)).await? {
            Response::Notified => Ok(()),
            _ => unreachable!("the manager answers sync_notify with Notified"),
        }
    }

    /// Sends `msg` to every handler's `handle_info`, as
    /// [`HandlerInfo::Msg`](super::HandlerInfo::Msg) (Erlang's `Manager ! Msg`). Never
    /// blocks; dropped if the manager is dead.
    ///
    /// # Examples
    ///
    /// See [`HandlerInfo`](super::HandlerInfo).
    pub fn send_info<T: Any + Send + Sync>(&self, msg: T) {
        self.server.send(Arc::new(msg));
    }

    /// Calls one handler (OTP's `gen_event:call`), waiting at most the handle's timeout (5 s
    /// unless set with [`EventManagerRef::with_timeout`]). While the handler works, the
    /// manager waits: no other handler gets an event meanwhile.
    ///
    /// # Errors
    ///
    /// [`HandlerCallError::UnknownHandler`], [`HandlerCallError::HandlerCrashed`] and
    /// [`HandlerCallError::HandlerFailed`] (the handler is removed in both cases), and
    /// [`HandlerCallError::Manager`] for a timeout or a manager that is not alive.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the call; a late reply is dropped.
    ///
    /// # Examples
    ///
    /// See [`HandlerReply`](super::HandlerReply).
    pub async fn call<H: EventHandler<E>>(
        &self,
        id: HandlerId<H>,
        request: H::Call,
    ) -> Result<H::Reply, HandlerCallError> {
        let request = Request::Call(id.any(), Box::new(request));
        match self.server.call_timeout(request, self.timeout).await? {
            Response::Called(result) => result.map(downcast::<H::Reply>),
            _ => unreachable!("the manager answers a call with Called"),
        }
    }

    /// Stops the manager (OTP's `gen_event:stop/1`): every handler's `terminate` runs with
    /// [`Removal::Stopped`](super::Removal::Stopped) and owners are told
    /// [`HandlerExitReason::Shutdown`](super::HandlerExitReason::Shutdown); returns once the
    /// manager has exited `Normal`.
    ///
    /// # Errors
    ///
    /// As [`ServerRef::stop`].
    ///
    /// # Examples
    ///
    /// See [`EventManager`].
    pub async fn stop(&self) -> Result<(), CallError> {
        self.server.stop(ExitReason::Normal, INFINITY).await
    }

    /// Stops the manager with `reason`, waiting at most `timeout` (OTP's
    /// `gen_event:stop/3`).
    ///
    /// # Errors
    ///
    /// As [`ServerRef::stop`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let m = EventManager::<u8>::start().await.unwrap();
    /// m.stop_with(ExitReason::Shutdown, INFINITY).await.unwrap();
    /// let err = m.stop().await.unwrap_err();
    /// assert!(matches!(err, CallError::NoProc { .. }), "{err:?}");
    /// # }
    /// ```
    pub async fn stop_with(&self, reason: ExitReason, timeout: Duration) -> Result<(), CallError> {
        self.server.stop(reason, timeout).await
    }

    /// Waits until the manager has ended and returns its exit reason.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let m = EventManager::<u8>::start().await.unwrap();
    /// otp_runtime::exit(m.pid().unwrap(), ExitReason::Kill);
    /// assert_eq!(m.wait_exit().await, ExitReason::Killed);
    /// # }
    /// ```
    pub async fn wait_exit(&self) -> ExitReason {
        self.server.wait_exit().await
    }
}

/// The calling process as the owner of a supervised handler.
fn owner(on_exit: impl Fn(HandlerExit) + Send + Sync + 'static) -> Result<Owner, GenEventError> {
    let pid = crate::self_pid().map_err(|_| GenEventError::NotInProcess)?;
    Ok(Owner {
        pid,
        on_exit: Arc::new(on_exit),
    })
}

/// A value of the type the manager was asked for. Ids carry their handler's type, and the
/// handle only asks a handler for its own types, so this always succeeds.
fn downcast<T: 'static>(value: AnyBox) -> T {
    match value.downcast::<T>() {
        Ok(value) => *value,
        Err(_) => unreachable!("a handler answered with another type than its own"),
    }
}
