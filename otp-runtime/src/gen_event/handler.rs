//! The handler side of gen_event: the [`EventHandler`] trait and what its callbacks give and
//! get.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::{ExitReason, MonitorRef, Pid};

/// An event handler: plain sequential code that an event manager runs for each event,
/// together with the manager's other handlers (OTP's `gen_event` callback module).
///
/// `E` is the manager's event type. Every callback runs in the manager's process, one at a
/// time, and may be `async`. A panic in any of them is contained: the handler is removed
/// (after its `terminate`, with [`Removal::Crashed`]) and the manager and the other handlers
/// go on.
///
/// The associated types:
/// - `Call` and `Reply`: the requests [`EventManagerRef::call`] sends to this one handler,
///   and their answer (`()` if there are none);
/// - `Terminated`: what `terminate` gives back, returned by
///   [`EventManagerRef::delete_handler`] and handed to a successor by
///   [`EventManagerRef::swap_handler`] (OTP's `terminate/2` return value). It needs a
///   `Default`, which the default `terminate` returns.
///
/// [`EventManagerRef::call`]: super::EventManagerRef::call
/// [`EventManagerRef::delete_handler`]: super::EventManagerRef::delete_handler
/// [`EventManagerRef::swap_handler`]: super::EventManagerRef::swap_handler
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// /// Counts the alarms it sees; says how many on request.
/// #[derive(Default)]
/// struct AlarmCount { n: u32 }
///
/// impl EventHandler<&'static str> for AlarmCount {
///     type Call = ();
///     type Reply = u32;
///     type Terminated = u32;
///
///     async fn handle_event(&mut self, _alarm: &&'static str) -> Handled {
///         self.n += 1;
///         Handled::Ok
///     }
///     async fn handle_call(&mut self, _: ()) -> HandlerReply<u32> {
///         HandlerReply::Reply(self.n)
///     }
///     async fn terminate(&mut self, _why: Removal) -> u32 {
///         self.n
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let alarms = EventManager::start().await.unwrap();
/// alarms.add_handler(AlarmCount::default()).await.unwrap();
/// alarms.notify("disk full");
/// alarms.notify("fan stopped");
/// let id = HandlerId::<AlarmCount>::new();
/// assert_eq!(alarms.call(id.clone(), ()).await, Ok(2));
/// assert_eq!(alarms.delete_handler(id).await, Ok(2)); // what terminate returned
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an event handler for events of type `{E}`",
    label = "not an `EventHandler<{E}>`",
    note = "implement `EventHandler<{E}>` for `{Self}`: the event type is the manager's"
)]
pub trait EventHandler<E>: Send + 'static {
    /// Requests for [`handle_call`](EventHandler::handle_call).
    type Call: Send + 'static;
    /// The answer to a call.
    type Reply: Send + 'static;
    /// What [`terminate`](EventHandler::terminate) returns.
    type Terminated: Default + Send + 'static;

    /// Runs when the handler is added, before any event; `add_handler` waits for it.
    /// `Err(reason)` (or a panic) refuses: the handler is not added and `add_handler`
    /// returns [`GenEventError::InitFailed`](super::GenEventError::InitFailed). Default:
    /// `Ok(())`.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// struct NeedsConfig(Option<String>);
    /// impl EventHandler<u32> for NeedsConfig {
    ///     type Call = (); type Reply = (); type Terminated = ();
    ///     async fn init(&mut self) -> Result<(), ExitReason> {
    ///         match self.0 {
    ///             Some(_) => Ok(()),
    ///             None => Err(ExitReason::other("no config")),
    ///         }
    ///     }
    ///     async fn handle_event(&mut self, _: &u32) -> Handled { Handled::Ok }
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let m = EventManager::<u32>::start().await.unwrap();
    /// assert_eq!(
    ///     m.add_handler(NeedsConfig(None)).await,
    ///     Err(GenEventError::InitFailed(ExitReason::other("no config")))
    /// );
    /// assert_eq!(m.which_handlers().await, Ok(vec![]));
    /// # }
    /// ```
    fn init(&mut self) -> impl Future<Output = Result<(), ExitReason>> + Send {
        async { Ok(()) }
    }

    /// Handles an event sent with [`notify`](super::EventManagerRef::notify) or
    /// [`sync_notify`](super::EventManagerRef::sync_notify). Every handler of the manager
    /// gets the same event, by reference, newest handler first.
    ///
    /// # Examples
    ///
    /// See [`EventHandler`].
    fn handle_event(&mut self, event: &E) -> impl Future<Output = Handled> + Send;

    /// Answers a request sent to this handler alone with
    /// [`call`](super::EventManagerRef::call). Default: fails, which removes the handler
    /// (in OTP, calling a handler without `handle_call` crashes it).
    ///
    /// # Examples
    ///
    /// See [`EventHandler`].
    fn handle_call(
        &mut self,
        request: Self::Call,
    ) -> impl Future<Output = HandlerReply<Self::Reply>> + Send {
        drop(request);
        async {
            HandlerReply::Fail(ExitReason::other(format_args!(
                "{} has no handle_call",
                std::any::type_name::<Self>()
            )))
        }
    }

    /// Handles any other message the manager receives: a raw message sent with
    /// [`send_info`](super::EventManagerRef::send_info), an exit signal from a linked
    /// process, a `DOWN`. Every handler gets each one. Default: ignores it.
    ///
    /// # Examples
    ///
    /// See [`HandlerInfo`].
    fn handle_info(&mut self, info: &HandlerInfo) -> impl Future<Output = Handled> + Send {
        let _ = info;
        async { Handled::Ok }
    }

    /// Runs once when the handler leaves the manager, whatever the reason ([`Removal`]
    /// says which); what it returns goes to whoever removed it: `delete_handler`'s caller,
    /// or the successor a swap makes. A panic here is contained too. Default: returns
    /// `Terminated::default()`.
    ///
    /// # Examples
    ///
    /// See [`EventHandler`] and [`Removal`].
    fn terminate(&mut self, why: Removal) -> impl Future<Output = Self::Terminated> + Send {
        let _ = why;
        async { Self::Terminated::default() }
    }
}

/// What `handle_event` and `handle_info` decided (OTP's `{ok, State}`, `remove_handler`, or
/// a bad return value).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// /// Sees one event, then leaves.
/// struct Once;
/// impl EventHandler<u8> for Once {
///     type Call = (); type Reply = (); type Terminated = ();
///     async fn handle_event(&mut self, _: &u8) -> Handled { Handled::Remove }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let m = EventManager::<u8>::start().await.unwrap();
/// m.add_handler(Once).await.unwrap();
/// m.sync_notify(1).await.unwrap();
/// assert_eq!(m.which_handlers().await, Ok(vec![]));
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Handled {
    /// Keep the handler (`{ok, State}`).
    Ok,
    /// Remove the handler (`remove_handler`): its `terminate` runs with
    /// [`Removal::Removed`]; an owner is told [`HandlerExitReason::Normal`].
    ///
    /// [`HandlerExitReason::Normal`]: super::HandlerExitReason::Normal
    Remove,
    /// The handler failed (OTP: it returned a bad value): it is removed after its
    /// `terminate` runs with [`Removal::Failed`], and the failure is reported as an error.
    Fail(ExitReason),
    /// Replace this handler with another (`{swap_handler, Args1, State, Handler2, Args2}`):
    /// see [`Swap`].
    Swap(Swap),
}

/// A handler's request, from its own callback, to be replaced by another (OTP's
/// `{swap_handler, ..}` return): the handler's `terminate` runs with [`Removal::Swapped`],
/// the successor is made from what it returned, and takes its place, after its `init`,
/// with its supervision (an owner is told
/// [`HandlerExitReason::Swapped`](super::HandlerExitReason::Swapped), the owner unchanged).
/// The successor does not see the event that asked for the swap; the handlers after it do.
///
/// If the successor cannot be installed (its `init` refuses or panics, another handler has
/// its id, or `make` takes another type than the handler's `terminate` returns), the
/// handler is gone all the same and the failure is reported, as OTP does.
///
/// A `Swap` is a one-shot value: clones share the one successor, and equal only each other.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::gen_event::Swap;
///
/// /// Buffers lines until it sees "flush", then hands them to a counter and leaves.
/// #[derive(Default)]
/// struct Buffer(Vec<String>);
/// impl EventHandler<String> for Buffer {
///     type Call = (); type Reply = (); type Terminated = Vec<String>;
///     async fn handle_event(&mut self, line: &String) -> Handled {
///         if line == "flush" {
///             return Handled::Swap(Swap::to(HandlerId::<Count>::new(), |lines: Option<Vec<String>>| {
///                 Count(lines.map_or(0, |l| l.len()))
///             }));
///         }
///         self.0.push(line.clone());
///         Handled::Ok
///     }
///     async fn terminate(&mut self, _why: Removal) -> Vec<String> {
///         std::mem::take(&mut self.0)
///     }
/// }
///
/// struct Count(usize);
/// impl EventHandler<String> for Count {
///     type Call = (); type Reply = usize; type Terminated = ();
///     async fn handle_event(&mut self, _: &String) -> Handled { self.0 += 1; Handled::Ok }
///     async fn handle_call(&mut self, _: ()) -> HandlerReply<usize> { HandlerReply::Reply(self.0) }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let m = EventManager::<String>::start().await.unwrap();
/// m.add_handler(Buffer::default()).await.unwrap();
/// m.notify("a".into());
/// m.notify("b".into());
/// m.notify("flush".into());
/// m.notify("c".into());
/// assert_eq!(m.call(HandlerId::<Count>::new(), ()).await, Ok(3)); // a, b, then c
/// assert_eq!(m.which_handlers().await.unwrap(), [HandlerId::<Count>::new()]);
/// # }
/// ```
#[derive(Clone)]
pub struct Swap {
    pub(super) new: super::AnyHandlerId,
    /// The `TypeId` of what `make` takes: the predecessor's `Terminated`.
    pub(super) takes: std::any::TypeId,
    pub(super) takes_name: &'static str,
    /// A `MakeHandler<E>`, for the `E` of the successor's `EventHandler` impl; taken once.
    #[allow(clippy::type_complexity)]
    pub(super) make: std::sync::Arc<std::sync::Mutex<Option<Box<dyn Any + Send>>>>,
}

impl Swap {
    /// Asks for the handler `new`, made by `make` from what this handler's `terminate`
    /// returns (`None` if `terminate` panicked). `T` is this handler's
    /// [`Terminated`](EventHandler::Terminated); `E`, the event type, is inferred from the
    /// successor's `EventHandler` impl (name it, `Swap::to::<MyEvent, _, _>`, if the
    /// successor handles several).
    ///
    /// # Examples
    ///
    /// See [`Swap`].
    pub fn to<E, T, H2>(
        new: super::HandlerId<H2>,
        make: impl FnOnce(Option<T>) -> H2 + Send + 'static,
    ) -> Swap
    where
        E: Send + Sync + 'static,
        T: Send + 'static,
        H2: EventHandler<E>,
    {
        let make: super::manager::MakeHandler<E> = Box::new(move |state| {
            let state = state.and_then(|b| b.downcast::<T>().ok()).map(|b| *b);
            super::erased::erase(make(state))
        });
        Swap {
            new: new.any(),
            takes: std::any::TypeId::of::<T>(),
            takes_name: std::any::type_name::<T>(),
            make: std::sync::Arc::new(std::sync::Mutex::new(Some(Box::new(make)))),
        }
    }

    /// The handler asked for.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::gen_event::Swap;
    /// use otp_runtime::prelude::*;
    /// # struct B;
    /// # impl EventHandler<u8> for B {
    /// #     type Call = (); type Reply = (); type Terminated = ();
    /// #     async fn handle_event(&mut self, _: &u8) -> Handled { Handled::Ok }
    /// # }
    /// let s = Swap::to(HandlerId::<B>::with_id("b"), |_: Option<()>| B);
    /// assert_eq!(*s.new_handler(), HandlerId::<B>::with_id("b"));
    /// ```
    pub fn new_handler(&self) -> &super::AnyHandlerId {
        &self.new
    }

    /// The successor's maker, for the manager of events `E`; `None` once taken, or if the
    /// successor handles another event type.
    pub(super) fn take_make<E: 'static>(&self) -> Option<super::manager::MakeHandler<E>> {
        let mut slot = self.make.lock().unwrap_or_else(|p| p.into_inner());
        match slot.take()?.downcast::<super::manager::MakeHandler<E>>() {
            Ok(make) => Some(*make),
            Err(other) => {
                *slot = Some(other);
                None
            }
        }
    }
}

impl PartialEq for Swap {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.make, &other.make)
    }
}

impl Eq for Swap {}

impl std::fmt::Debug for Swap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Swap")
            .field("new", &self.new)
            .finish_non_exhaustive()
    }
}

/// What `handle_call` decided: answer and stay, answer and leave, or fail.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// struct Quota { left: u32 }
/// impl EventHandler<()> for Quota {
///     type Call = (); type Reply = u32; type Terminated = ();
///     async fn handle_event(&mut self, _: &()) -> Handled { Handled::Ok }
///     async fn handle_call(&mut self, _: ()) -> HandlerReply<u32> {
///         match self.left {
///             0 => HandlerReply::Fail(ExitReason::other("no quota left")),
///             1 => { self.left = 0; HandlerReply::Remove(0) } // the last one: answer, then leave
///             n => { self.left -= 1; HandlerReply::Reply(n - 1) }
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let m = EventManager::<()>::start().await.unwrap();
/// m.add_handler(Quota { left: 2 }).await.unwrap();
/// let id = HandlerId::<Quota>::new();
/// assert_eq!(m.call(id.clone(), ()).await, Ok(1));
/// assert_eq!(m.call(id.clone(), ()).await, Ok(0));
/// assert_eq!(m.call(id.clone(), ()).await, Err(HandlerCallError::UnknownHandler(id.any())));
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum HandlerReply<R> {
    /// Answer and keep the handler (`{ok, Reply, State}`).
    Reply(R),
    /// Answer, then remove the handler (`{remove_handler, Reply}`): its `terminate` runs
    /// with [`Removal::Removed`] before the caller gets the answer.
    Remove(R),
    /// The handler failed: it is removed after its `terminate` runs with
    /// [`Removal::Failed`], and the caller gets
    /// [`HandlerCallError::HandlerFailed`](super::HandlerCallError::HandlerFailed).
    Fail(ExitReason),
    /// Answer, then be replaced by another handler (`{swap_handler, Reply, ..}`): the swap
    /// happens before the caller gets the answer (see [`Swap`]).
    Swap(R, Swap),
}

/// A message for [`EventHandler::handle_info`]: anything the manager receives that is not an
/// event, a call or a request to the manager itself.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// #[derive(Default)]
/// struct Ticks(u32);
/// impl EventHandler<()> for Ticks {
///     type Call = (); type Reply = u32; type Terminated = ();
///     async fn handle_event(&mut self, _: &()) -> Handled { Handled::Ok }
///     async fn handle_info(&mut self, info: &HandlerInfo) -> Handled {
///         if let Some(&"tick") = info.msg::<&str>() {
///             self.0 += 1;
///         }
///         Handled::Ok
///     }
///     async fn handle_call(&mut self, _: ()) -> HandlerReply<u32> { HandlerReply::Reply(self.0) }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let m = EventManager::<()>::start().await.unwrap();
/// m.add_handler(Ticks::default()).await.unwrap();
/// m.send_info("tick");
/// m.send_info(42_u64); // not a tick: ignored
/// assert_eq!(m.call(HandlerId::<Ticks>::new(), ()).await, Ok(1));
/// # }
/// ```
#[derive(Clone)]
pub enum HandlerInfo {
    /// A raw message sent with [`send_info`](super::EventManagerRef::send_info) (Erlang's
    /// `Manager ! Msg`); [`HandlerInfo::msg`] reads it.
    Msg(Arc<dyn Any + Send + Sync>),
    /// An exit signal from a linked process other than the manager's parent (the manager
    /// traps exits). Owners of supervised handlers are such processes: their handlers are
    /// removed first, then the other handlers get this, as in OTP.
    Exit {
        /// The process that sent it.
        from: Pid,
        /// Its reason.
        reason: ExitReason,
    },
    /// A process monitored from a handler (with [`monitor`](crate::monitor): handlers run
    /// in the manager's process) ended.
    Down {
        /// The monitor.
        monitor: MonitorRef,
        /// The process.
        pid: Pid,
        /// Its reason.
        reason: ExitReason,
    },
}

impl HandlerInfo {
    /// The raw message, if this is a [`HandlerInfo::Msg`] holding a `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::gen_event::HandlerInfo;
    /// use std::sync::Arc;
    /// let info = HandlerInfo::Msg(Arc::new(7_u32));
    /// assert_eq!(info.msg::<u32>(), Some(&7));
    /// assert_eq!(info.msg::<i64>(), None);
    /// ```
    pub fn msg<T: Any>(&self) -> Option<&T> {
        match self {
            HandlerInfo::Msg(m) => m.downcast_ref(),
            _ => None,
        }
    }
}

impl fmt::Debug for HandlerInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerInfo::Msg(_) => f.write_str("Msg(..)"),
            HandlerInfo::Exit { from, reason } => f
                .debug_struct("Exit")
                .field("from", from)
                .field("reason", reason)
                .finish(),
            HandlerInfo::Down {
                monitor,
                pid,
                reason,
            } => f
                .debug_struct("Down")
                .field("monitor", monitor)
                .field("pid", pid)
                .field("reason", reason)
                .finish(),
        }
    }
}

/// Why a handler leaves its manager: what [`EventHandler::terminate`] is told (OTP's
/// `terminate/2` first argument).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use tokio::sync::mpsc;
///
/// struct Fragile(mpsc::UnboundedSender<Removal>);
/// impl EventHandler<i32> for Fragile {
///     type Call = (); type Reply = (); type Terminated = ();
///     async fn handle_event(&mut self, n: &i32) -> Handled {
///         assert!(*n >= 0, "negative event");
///         Handled::Ok
///     }
///     async fn terminate(&mut self, why: Removal) {
///         let _ = self.0.send(why);
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (tx, mut why) = mpsc::unbounded_channel();
/// let m = EventManager::<i32>::start().await.unwrap();
/// m.add_handler(Fragile(tx)).await.unwrap();
/// m.sync_notify(-1).await.unwrap(); // the handler panics: removed, the manager goes on
/// assert_eq!(why.recv().await, Some(Removal::Crashed(ExitReason::Panic("negative event".into()))));
/// assert_eq!(m.which_handlers().await, Ok(vec![]));
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Removal {
    /// [`delete_handler`](super::EventManagerRef::delete_handler) removed it.
    Deleted,
    /// It returned [`Handled::Remove`] or [`HandlerReply::Remove`] (`remove_handler`).
    Removed,
    /// The manager is stopping (OTP's `stop`).
    Stopped,
    /// One of its callbacks panicked (OTP's `{error, {'EXIT', Reason}}`).
    Crashed(ExitReason),
    /// It returned [`Handled::Fail`] or [`HandlerReply::Fail`] (OTP's `{error, Bad}`).
    Failed(ExitReason),
    /// [`swap_handler`](super::EventManagerRef::swap_handler) replaces it; what `terminate`
    /// returns goes to the successor.
    Swapped,
    /// The process that added it with
    /// [`add_sup_handler`](super::EventManagerRef::add_sup_handler) exited with this reason
    /// (OTP's `{stop, Reason}`).
    OwnerExited(ExitReason),
}
