//! Child specifications: what a supervisor starts, and how it restarts and stops it.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::{DynamicSupervisorRef, SupervisorRef, SupervisorSpec};
use crate::gen_statem::{GenStatem, Machine};
use crate::registry::Name;
use crate::{GenServer, Pid, ProcessRef, ServerRef, StartError, StartOpts};

use crate::BoxFuture;

/// Starts one incarnation of a child, linked to the calling process (the supervisor) and
/// registered under the name, if one is given. `Err(StartError::Ignored)` is OTP's `ignore`.
pub(crate) type StartFn =
    Arc<dyn Fn(Option<Name>) -> BoxFuture<'static, Result<Pid, StartError>> + Send + Sync>;

/// When a child that ended is restarted (OTP's `restart` key).
///
/// # Examples
///
/// ```
/// use otp_runtime::supervisor::{ChildSpec, Restart};
/// # struct W; impl otp_runtime::GenServer for W {
/// #   type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
/// #   async fn handle_call(&mut self, _: (), _: &mut otp_runtime::Ctx<Self>) -> otp_runtime::CallResult<()> { otp_runtime::CallResult::Reply(()) }
/// # }
/// let spec = ChildSpec::worker("job", || W).restart(Restart::Transient);
/// assert_eq!(spec.restart_type(), Restart::Transient);
/// assert_eq!(Restart::default(), Restart::Permanent);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub enum Restart {
    /// Always restarted (the default).
    #[default]
    Permanent,
    /// Restarted only after an abnormal exit: not after `Normal`, `Shutdown` or
    /// `ShutdownWith(_)`. When not restarted, its spec stays, as not running.
    Transient,
    /// Never restarted; its spec is removed when it ends, whatever the reason.
    Temporary,
}

/// How a child is stopped (OTP's `shutdown` key).
///
/// # Examples
///
/// ```
/// use otp_runtime::supervisor::{ChildSpec, ChildType, Shutdown};
/// use std::time::Duration;
/// # struct W; impl otp_runtime::GenServer for W {
/// #   type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
/// #   async fn handle_call(&mut self, _: (), _: &mut otp_runtime::Ctx<Self>) -> otp_runtime::CallResult<()> { otp_runtime::CallResult::Reply(()) }
/// # }
/// // Workers default to 5 s, supervisors to infinity.
/// assert_eq!(ChildSpec::worker("w", || W).shutdown_policy(), Shutdown::Timeout(Duration::from_secs(5)));
/// assert_eq!(Shutdown::default_for(ChildType::Supervisor), Shutdown::Infinity);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Shutdown {
    /// Killed at once with an untrappable [`Kill`](crate::ExitReason::Kill).
    BrutalKill,
    /// Sent a `Shutdown` exit signal; killed if it has not ended after this long.
    Timeout(Duration),
    /// Sent a `Shutdown` exit signal and waited for, however long it takes.
    Infinity,
}

impl Shutdown {
    /// OTP's default: 5000 ms for a worker, infinity for a supervisor.
    ///
    /// # Examples
    ///
    /// See [`Shutdown`].
    pub fn default_for(kind: ChildType) -> Shutdown {
        match kind {
            ChildType::Worker => Shutdown::Timeout(Duration::from_millis(5000)),
            ChildType::Supervisor => Shutdown::Infinity,
        }
    }
}

/// Whether a child is a worker or a supervisor (OTP's `type` key). It sets the default
/// shutdown and what [`count_children`](SupervisorRef::count_children) counts.
///
/// # Examples
///
/// ```
/// use otp_runtime::supervisor::{ChildType, SupervisorSpec, ChildSpec};
/// let spec = ChildSpec::supervisor("sub", SupervisorSpec::one_for_one());
/// assert_eq!(spec.child_type(), ChildType::Supervisor);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub enum ChildType {
    /// A worker (the default).
    #[default]
    Worker,
    /// A supervisor.
    Supervisor,
}

/// What a start function may return: anything that names the started process.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::supervisor::ChildPid;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal });
/// assert_eq!(p.child_pid(), Some(p.pid()));
/// assert_eq!(p.pid().child_pid(), Some(p.pid()));
/// # }
/// ```
pub trait ChildPid {
    /// The started process, if it is alive.
    fn child_pid(&self) -> Option<Pid>;
}

impl ChildPid for Pid {
    fn child_pid(&self) -> Option<Pid> {
        Some(*self)
    }
}

impl<S: GenServer> ChildPid for ServerRef<S> {
    fn child_pid(&self) -> Option<Pid> {
        self.pid()
    }
}

impl<M: Send + 'static> ChildPid for ProcessRef<M> {
    fn child_pid(&self) -> Option<Pid> {
        Some(self.pid())
    }
}

impl ChildPid for SupervisorRef {
    fn child_pid(&self) -> Option<Pid> {
        self.pid()
    }
}

impl<A: Send + 'static> ChildPid for DynamicSupervisorRef<A> {
    fn child_pid(&self) -> Option<Pid> {
        self.pid()
    }
}

/// One child of a supervisor: its id, how to start it, and OTP's `restart`, `shutdown`,
/// `type` and `significant` settings (defaults: permanent, 5 s for workers and infinity for
/// supervisors, worker, not significant).
///
/// A child is started in one of three ways:
/// - [`ChildSpec::worker`]: a gen_server made by a function, called anew for every
///   incarnation (a restarted child starts from a fresh state);
/// - [`ChildSpec::supervisor`]: a nested supervisor;
/// - [`ChildSpec::from_fn`]: any async start function that starts a process linked to the
///   caller (the supervisor links it anyway).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::supervisor::{ChildSpec, Restart, Shutdown};
/// use std::time::Duration;
///
/// #[derive(Default)]
/// struct Cache;
/// #[gen_server]
/// impl Cache {
///     #[call]
///     fn size(&self) -> usize { 0 }
/// }
///
/// let spec = ChildSpec::worker("cache", Cache::default)
///     .name("cache")
///     .restart(Restart::Transient)
///     .shutdown(Shutdown::Timeout(Duration::from_millis(500)));
/// assert_eq!(spec.id(), "cache");
/// # let _ = CacheRef::size;
/// ```
#[derive(Clone)]
pub struct ChildSpec {
    pub(crate) id: Arc<str>,
    pub(crate) start: StartFn,
    pub(crate) restart: Restart,
    pub(crate) shutdown: Option<Shutdown>,
    pub(crate) kind: ChildType,
    pub(crate) significant: bool,
    pub(crate) name: Option<Name>,
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown_policy())
            .field("type", &self.kind)
            .field("significant", &self.significant)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ChildSpec {
    fn with_start(id: impl Into<Arc<str>>, kind: ChildType, start: StartFn) -> Self {
        ChildSpec {
            id: id.into(),
            start,
            restart: Restart::Permanent,
            shutdown: None,
            kind,
            significant: false,
            name: None,
        }
    }

    /// A gen_server worker: `make` builds the server value for each incarnation, which
    /// is started linked to the supervisor (and registered under [`ChildSpec::name`], if set).
    ///
    /// # Examples
    ///
    /// See [`ChildSpec`].
    pub fn worker<S, F>(id: impl Into<Arc<str>>, make: F) -> Self
    where
        S: GenServer,
        F: Fn() -> S + Send + Sync + 'static,
    {
        Self::with_start(id, ChildType::Worker, server_start(make))
    }

    /// A gen_statem worker: `make` builds the machine's data for each incarnation, which is
    /// started linked to the supervisor (and registered under [`ChildSpec::name`], if set).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// #[derive(Clone, Debug, PartialEq)]
    /// pub enum Light { Off, On }
    /// pub struct Switch;
    ///
    /// #[gen_statem(state = Light)]
    /// impl Switch {
    ///     #[init]
    ///     fn init(&mut self) -> Light { Light::Off }
    ///     #[call]
    ///     pub fn light(&self, state: &Light) -> Light { state.clone() }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let spec = SupervisorSpec::one_for_one()
    ///     .child(ChildSpec::statem("switch", || Switch).name("switch"));
    /// let _sup = spec.start().await.unwrap();
    /// assert_eq!(Switch::named("switch").light().await, Ok(Light::Off));
    /// # }
    /// ```
    pub fn statem<M, F>(id: impl Into<Arc<str>>, make: F) -> Self
    where
        M: GenStatem,
        F: Fn() -> M + Send + Sync + 'static,
    {
        Self::worker(id, move || Machine::new(make()))
    }

    /// A nested supervisor, started linked to this one.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{ChildSpec, Shutdown, SupervisorSpec};
    /// let sub = ChildSpec::supervisor("sub", SupervisorSpec::one_for_all());
    /// assert_eq!(sub.shutdown_policy(), Shutdown::Infinity);
    /// ```
    pub fn supervisor(id: impl Into<Arc<str>>, spec: SupervisorSpec) -> Self {
        let start: StartFn = Arc::new(move |name| {
            let mut spec = spec.clone();
            if let Some(name) = name {
                spec = spec.name(name);
            }
            Box::pin(async move { started(spec.start_link().await) })
        });
        Self::with_start(id, ChildType::Supervisor, start)
    }

    /// A nested dynamic supervisor, started linked to this one.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{ChildSpec, ChildType, DynamicSupervisorSpec};
    /// # struct W; impl otp_runtime::GenServer for W {
    /// #   type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    /// #   async fn handle_call(&mut self, _: (), _: &mut otp_runtime::Ctx<Self>) -> otp_runtime::CallResult<()> { otp_runtime::CallResult::Reply(()) }
    /// # }
    /// let pool = DynamicSupervisorSpec::worker("conn", |_: u32| W).name("pool");
    /// let spec = ChildSpec::dynamic_supervisor("pool", pool);
    /// assert_eq!(spec.child_type(), ChildType::Supervisor);
    /// ```
    pub fn dynamic_supervisor<A>(
        id: impl Into<Arc<str>>,
        spec: super::DynamicSupervisorSpec<A>,
    ) -> Self
    where
        A: Clone + Send + Sync + 'static,
    {
        let start: StartFn = Arc::new(move |name| {
            let mut spec = spec.clone();
            if let Some(name) = name {
                spec = spec.name(name);
            }
            Box::pin(async move { started(spec.start_link().await) })
        });
        Self::with_start(id, ChildType::Supervisor, start)
    }

    /// A child started by an async function, which must start a process linked to its
    /// caller and return it (a [`Pid`], a [`ServerRef`], a [`SupervisorRef`]...). An
    /// `Err(StartError::Ignored)` is OTP's `ignore`: the child is kept, not running.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::supervisor::ChildSpec;
    /// let spec = ChildSpec::from_fn("ticker", || async {
    ///     Ok(otp_runtime::spawn_link(|mut ctx: ProcessCtx<()>| async move {
    ///         ctx.recv().await;
    ///         ExitReason::Normal
    ///     }))
    /// });
    /// assert_eq!(spec.id(), "ticker");
    /// ```
    pub fn from_fn<F, Fut, P>(id: impl Into<Arc<str>>, start: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<P, StartError>> + Send + 'static,
        P: ChildPid,
    {
        let start: StartFn = Arc::new(move |name: Option<Name>| {
            let fut = start();
            Box::pin(async move {
                let pid = started(fut.await)?;
                if let Some(name) = name {
                    crate::register(name, pid).map_err(|e| {
                        // The child is linked to us: it must not outlive a failed start.
                        crate::exit(pid, crate::ExitReason::Kill);
                        StartError::Failed(crate::ExitReason::other(e))
                    })?;
                }
                Ok(pid)
            })
        });
        Self::with_start(id, ChildType::Worker, start)
    }

    /// A service: an async function that runs until the supervisor stops it, then drains
    /// ("run this until told to stop"), such as an HTTP server. It runs in a process of its
    /// own, started linked to the supervisor, and is called anew for each incarnation with a
    /// [`StopSignal`](super::StopSignal) that resolves when the supervisor stops it:
    ///
    /// - told to stop (a shutdown of the tree or the node, `terminate_child`, a restart of
    ///   its siblings), it has the child's [`shutdown`](ChildSpec::shutdown) budget (5 s by
    ///   default) to finish in-flight work and return, and is killed at the deadline (its
    ///   future dropped, its [tasks](crate::spawn_task) aborted);
    /// - returning before it was told to stop ends the child, `normal` for `Ok(_)` or `()`,
    ///   abnormal for an `Err` (its text is the exit reason, see
    ///   [`TaskExit`](crate::TaskExit)); a panic is a crash. The supervisor restarts it by its
    ///   [`restart`](ChildSpec::restart) type, as any child.
    ///
    /// The service needs no `trap_exit`: its process traps exits for it, and turns its
    /// supervisor's exit signal into the stop signal. An axum server is
    /// `axum::serve(listener, app).with_graceful_shutdown(stop).await`. See
    /// [`supervisor::service`](super::service) for the whole story.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    ///
    /// /// Takes jobs until told to stop, then finishes the one in hand.
    /// async fn worker_loop(stop: StopSignal) -> Result<(), String> {
    ///     while !stop.is_stopping() {
    ///         otp_runtime::time::sleep(Duration::from_millis(300)).await; // a job
    ///     }
    ///     Ok(())
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let sup = SupervisorSpec::one_for_one()
    ///     .child(ChildSpec::service("jobs", worker_loop).shutdown(Shutdown::Timeout(Duration::from_secs(1))))
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// otp_runtime::time::sleep(Duration::from_millis(400)).await; // in the second job
    /// let asked = tokio::time::Instant::now();
    /// sup.terminate_child("jobs").await.unwrap();
    /// // It finished the job in hand (200 ms left of it) rather than being killed.
    /// assert_eq!(asked.elapsed(), Duration::from_millis(200));
    /// # }
    /// ```
    pub fn service<F, Fut>(id: impl Into<Arc<str>>, service: F) -> Self
    where
        F: Fn(super::StopSignal) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: crate::TaskExit,
    {
        Self::with_start(
            id,
            ChildType::Worker,
            super::service::service_start(service),
        )
    }

    pub(crate) fn from_start(id: Arc<str>, start: StartFn) -> Self {
        Self::with_start(id, ChildType::Worker, start)
    }

    /// The restart type (default [`Restart::Permanent`]).
    ///
    /// # Examples
    ///
    /// See [`Restart`].
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// How the child is stopped (default: 5 s for workers, infinity for supervisors).
    ///
    /// # Examples
    ///
    /// See [`ChildSpec`].
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    /// Whether the child is a worker or a supervisor; [`ChildSpec::from_fn`] children are
    /// workers unless told otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{ChildSpec, ChildType, SupervisorSpec};
    /// let spec = ChildSpec::from_fn("sub", || SupervisorSpec::one_for_one().start_link())
    ///     .kind(ChildType::Supervisor);
    /// assert_eq!(spec.child_type(), ChildType::Supervisor);
    /// ```
    pub fn kind(mut self, kind: ChildType) -> Self {
        self.kind = kind;
        self
    }

    /// Marks the child significant for the supervisor's [`AutoShutdown`](super::AutoShutdown):
    /// its ending on its own may stop the supervisor. Only for transient and temporary
    /// children of a supervisor whose auto_shutdown is not `Never` (checked at start).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{ChildSpec, Restart, SupervisorSpec};
    /// let spec = ChildSpec::supervisor("job", SupervisorSpec::one_for_one())
    ///     .restart(Restart::Transient)
    ///     .significant(true);
    /// assert!(spec.is_significant());
    /// ```
    pub fn significant(mut self, significant: bool) -> Self {
        self.significant = significant;
        self
    }

    /// Registers each incarnation under `name`, so a [`ServerRef::named`] handle reaches
    /// whichever one is alive. For [`ChildSpec::worker`] and supervisor children the name is
    /// taken before `init` runs; for [`ChildSpec::from_fn`] children, right after the start
    /// function returns (a start fails if the process already has another name).
    ///
    /// # Examples
    ///
    /// See [`ChildSpec`].
    pub fn name(mut self, name: impl Into<Name>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The child's id, unique within its supervisor.
    ///
    /// # Examples
    ///
    /// See [`ChildSpec`].
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The restart type.
    ///
    /// # Examples
    ///
    /// See [`Restart`].
    pub fn restart_type(&self) -> Restart {
        self.restart
    }

    /// The shutdown, with the default for the child's type filled in.
    ///
    /// # Examples
    ///
    /// See [`Shutdown`].
    pub fn shutdown_policy(&self) -> Shutdown {
        self.shutdown
            .unwrap_or_else(|| Shutdown::default_for(self.kind))
    }

    /// Worker or supervisor.
    ///
    /// # Examples
    ///
    /// See [`ChildType`].
    pub fn child_type(&self) -> ChildType {
        self.kind
    }

    /// Whether the child is significant.
    ///
    /// # Examples
    ///
    /// See [`ChildSpec::significant`].
    pub fn is_significant(&self) -> bool {
        self.significant
    }

    /// The name each incarnation is registered under, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{ChildSpec, SupervisorSpec};
    /// let spec = ChildSpec::supervisor("sub", SupervisorSpec::one_for_one()).name("sub");
    /// assert_eq!(spec.registered_name().map(|n| n.as_str()), Some("sub"));
    /// ```
    pub fn registered_name(&self) -> Option<&Name> {
        self.name.as_ref()
    }
}

/// The start function of a gen_server child.
pub(crate) fn server_start<S, F>(make: F) -> StartFn
where
    S: GenServer,
    F: Fn() -> S + Send + Sync + 'static,
{
    Arc::new(move |name| {
        let server = make();
        let mut opts = StartOpts::new().link();
        if let Some(name) = name {
            opts = opts.name(name);
        }
        Box::pin(async move { started(server.start_with(opts).await) })
    })
}

/// The pid a start function's result names; a result naming no live process is a failure.
pub(crate) fn started<P: ChildPid>(result: Result<P, StartError>) -> Result<Pid, StartError> {
    let p = result?;
    p.child_pid().ok_or_else(|| {
        StartError::Failed(crate::ExitReason::other(
            "the start function returned no live process",
        ))
    })
}
