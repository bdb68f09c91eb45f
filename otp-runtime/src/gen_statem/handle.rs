//! The client side of a state machine, and starting one.

use std::fmt;
use std::time::Duration;

use super::machine::{Machine, MachineInfo};
use super::GenStatem;
use crate::registry::Name;
use crate::supervisor::ChildPid;
use crate::{CallError, ExitReason, GenServer, Pid, ServerRef, StartError, StartOpts, INFINITY};

pub(super) async fn start<M: GenStatem>(
    data: M,
    opts: StartOpts,
) -> Result<StatemRef<M>, StartError> {
    Machine::new(data)
        .start_with(opts)
        .await
        .map(StatemRef::from_server)
}

/// A handle to a state machine: `Clone + Send + Sync`, bound to its pid or resolving its
/// name at each use. Calls wait without a timeout unless one is given
/// ([`StatemRef::with_timeout`]), as `gen_statem:call/2` does; casts never block.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use std::time::Duration;
///
/// struct Toggle;
/// impl GenStatem for Toggle {
///     type State = bool; type Call = (); type Reply = bool; type Cast = ();
///     type Info = (); type Internal = (); type Timeout = ();
///     async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<bool> {
///         StatemInit::Ok(false)
///     }
///     async fn handle_event(&mut self, on: &bool, e: Event<Self>, _: &mut StatemCtx<'_, Self>) -> Transition<bool> {
///         match e {
///             Event::Cast(()) => Transition::next(!on),
///             Event::Call((), reply) => { reply.reply(*on); Transition::keep() }
///             _ => Transition::keep(),
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let t = Toggle.start_with(StartOpts::new().name("toggle")).await.unwrap();
/// t.cast(());
/// let by_name = StatemRef::<Toggle>::named("toggle").with_timeout(Duration::from_secs(1));
/// assert_eq!(by_name.call(()).await, Ok(true));
/// t.stop(ExitReason::Normal, INFINITY).await.unwrap();
/// let err = by_name.call(()).await.unwrap_err();
/// assert_eq!(err.to_string(), "no process registered as \"toggle\"");
/// # }
/// ```
pub struct StatemRef<M: GenStatem> {
    server: ServerRef<Machine<M>>,
    timeout: Duration,
}

impl<M: GenStatem> Clone for StatemRef<M> {
    fn clone(&self) -> Self {
        StatemRef {
            server: self.server.clone(),
            timeout: self.timeout,
        }
    }
}

impl<M: GenStatem> fmt::Debug for StatemRef<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatemRef({:?})", self.server)
    }
}

impl<M: GenStatem> StatemRef<M> {
    pub(super) fn from_server(server: ServerRef<Machine<M>>) -> Self {
        StatemRef {
            server,
            timeout: INFINITY,
        }
    }

    /// A handle that resolves `name` at each use, so it reaches whichever incarnation is
    /// registered now.
    ///
    /// # Examples
    ///
    /// See [`StatemRef`].
    pub fn named(name: impl Into<Name>) -> Self {
        Self::from_server(ServerRef::named(name))
    }

    /// A handle to the machine registered under `key` in `registry` (`{via, Module, Name}`),
    /// looked up at each use, as [`ServerRef::via`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::via::MapRegistry;
    /// use std::sync::Arc;
    ///
    /// #[derive(PartialEq, Debug)]
    /// enum Door { Closed }
    /// struct D;
    /// impl GenStatem for D {
    ///     type State = Door; type Call = (); type Reply = (); type Cast = (); type Info = ();
    ///     type Internal = (); type Timeout = ();
    ///     async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<Door> {
    ///         StatemInit::Ok(Door::Closed)
    ///     }
    ///     async fn handle_event(&mut self, _: &Door, e: Event<Self>, _: &mut StatemCtx<'_, Self>) -> Transition<Door> {
    ///         if let Event::Call((), r) = e { r.reply(()) }
    ///         Transition::keep()
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let doors = Arc::new(MapRegistry::<&'static str>::new());
    /// D.start_with(StartOpts::new().via(doors.clone(), "front")).await.unwrap();
    /// let front = StatemRef::<D>::via(doors, "front");
    /// assert_eq!(front.call(()).await, Ok(()));
    /// # }
    /// ```
    pub fn via<R: crate::via::Registry>(registry: std::sync::Arc<R>, key: R::Key) -> Self {
        Self::from_server(ServerRef::via(registry, key))
    }

    /// A handle to the machine running as `pid`.
    ///
    /// # Errors
    ///
    /// [`CallError::NoProc`] if it is not alive, [`CallError::WrongType`] if it is not a
    /// `StatemRef<M>`'s machine.
    ///
    /// # Examples
    ///
    /// ```
    /// # use otp_runtime::prelude::*;
    /// # struct T;
    /// # impl GenStatem for T {
    /// #     type State = (); type Call = (); type Reply = (); type Cast = (); type Info = ();
    /// #     type Internal = (); type Timeout = ();
    /// #     async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<()> { StatemInit::Ok(()) }
    /// #     async fn handle_event(&mut self, _: &(), _: Event<Self>, _: &mut StatemCtx<'_, Self>) -> Transition<()> { Transition::keep() }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let t = T.start().await.unwrap();
    /// let again = StatemRef::<T>::from_pid(t.pid().unwrap()).unwrap();
    /// assert_eq!(again.pid(), t.pid());
    /// # }
    /// ```
    pub fn from_pid(pid: Pid) -> Result<Self, CallError> {
        ServerRef::from_pid(pid).map(Self::from_server)
    }

    /// The machine's pid: the bound one, or the one registered under the name now.
    ///
    /// # Examples
    ///
    /// See [`StatemRef`].
    pub fn pid(&self) -> Option<Pid> {
        self.server.pid()
    }

    /// A handle whose calls give up after `timeout` with [`CallError::Timeout`].
    ///
    /// # Examples
    ///
    /// See [`StatemRef`].
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        StatemRef {
            server: self.server.clone(),
            timeout,
        }
    }

    /// The call timeout of this handle ([`INFINITY`] unless set).
    ///
    /// # Examples
    ///
    /// ```
    /// # use otp_runtime::prelude::*;
    /// # struct T;
    /// # impl GenStatem for T {
    /// #     type State = (); type Call = (); type Reply = (); type Cast = (); type Info = ();
    /// #     type Internal = (); type Timeout = ();
    /// #     async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<()> { StatemInit::Ok(()) }
    /// #     async fn handle_event(&mut self, _: &(), _: Event<Self>, _: &mut StatemCtx<'_, Self>) -> Transition<()> { Transition::keep() }
    /// # }
    /// assert_eq!(StatemRef::<T>::named("t").timeout(), INFINITY);
    /// ```
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends a call and waits for the reply, for this handle's timeout: **without a timeout**
    /// unless the handle was made with [`with_timeout`](Self::with_timeout), as
    /// `gen_statem:call/2` does (a gen_server's calls wait 5 s). A machine that drops the
    /// call's `ReplyTo` unanswered ends the wait at once with
    /// [`CallError::ReplyDropped`].
    ///
    /// # Errors
    ///
    /// [`CallError::NoProc`] if the machine is not running, [`CallError::Exited`] if it
    /// ended before replying, [`CallError::Timeout`], [`CallError::CallingSelf`].
    ///
    /// # Examples
    ///
    /// See [`StatemRef`].
    pub async fn call(&self, request: M::Call) -> Result<M::Reply, CallError> {
        self.server.call_timeout(request, self.timeout).await
    }

    /// Sends a call and waits at most `timeout` for the reply.
    ///
    /// # Errors
    ///
    /// As [`StatemRef::call`].
    ///
    /// # Examples
    ///
    /// See [`StatemRef`].
    pub async fn call_timeout(
        &self,
        request: M::Call,
        timeout: Duration,
    ) -> Result<M::Reply, CallError> {
        self.server.call_timeout(request, timeout).await
    }

    /// Sends a cast; never blocks, and is dropped if the machine is not running.
    ///
    /// # Examples
    ///
    /// See [`StatemRef`].
    #[inline]
    pub fn cast(&self, msg: M::Cast) {
        self.server.cast(msg);
    }

    /// Sends an out-of-band message, handled as [`Event::Info`](super::Event::Info).
    ///
    /// # Examples
    ///
    /// See [`StatemRef`].
    #[inline]
    pub fn send(&self, info: M::Info) {
        self.server.send(MachineInfo::User(info));
    }

    /// Stops the machine with `reason` and waits up to `timeout` for its end (`terminate`
    /// runs first).
    ///
    /// # Errors
    ///
    /// As [`ServerRef::stop`].
    ///
    /// # Examples
    ///
    /// See [`StatemRef`].
    pub async fn stop(&self, reason: ExitReason, timeout: Duration) -> Result<(), CallError> {
        self.server.stop(reason, timeout).await
    }

    /// Waits for the machine's end and gives its exit reason
    /// ([`ExitReason::NoProc`] if it is not running).
    ///
    /// # Examples
    ///
    /// ```
    /// # use otp_runtime::prelude::*;
    /// # struct T;
    /// # impl GenStatem for T {
    /// #     type State = (); type Call = (); type Reply = (); type Cast = (); type Info = ();
    /// #     type Internal = (); type Timeout = ();
    /// #     async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<()> { StatemInit::Ok(()) }
    /// #     async fn handle_event(&mut self, _: &(), _: Event<Self>, _: &mut StatemCtx<'_, Self>) -> Transition<()> {
    /// #         Transition::stop(ExitReason::other("done"))
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let t = T.start().await.unwrap();
    /// t.cast(());
    /// assert_eq!(t.wait_exit().await, ExitReason::other("done"));
    /// # }
    /// ```
    pub async fn wait_exit(&self) -> ExitReason {
        self.server.wait_exit().await
    }
}

impl<M: GenStatem> ChildPid for StatemRef<M> {
    fn child_pid(&self) -> Option<Pid> {
        self.pid()
    }
}
