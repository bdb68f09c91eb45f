//! Dynamic supervisors (OTP's `simple_one_for_one`): children started on demand, each from
//! the same template with its own argument.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::flags::{check, start_supervisor, SupervisorSpec};
use super::server::{Kind, Request, Response, Template};
use super::spec::{started, ChildPid, ChildSpec, ChildType, Restart, Shutdown, StartFn};
use super::{ChildCounts, ChildInfo, SupervisorError, SupervisorRef};
use crate::registry::Name;
use crate::{CallError, ExitReason, GenServer, Pid, StartError, StartOpts};

type MakeFn<A> = Arc<dyn Fn(A) -> crate::BoxFuture<'static, Result<Pid, StartError>> + Send + Sync>;

/// A dynamic supervisor: no children at start; [`DynamicSupervisorRef::start_child`] starts
/// one from the template with an argument of type `A` (OTP's `simple_one_for_one`, where
/// `start_child(Sup, Extra)` appends `Extra` to the template's arguments). Its children are
/// stopped all at once when it stops. A restarted child gets its argument again, so `A` is
/// `Clone`.
///
/// Defaults are OTP's: at most 1 restart in 5 s; the children are permanent workers with a
/// 5 s shutdown.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::supervisor::{DynamicSupervisorSpec, Restart};
///
/// struct Session { user: String }
/// #[gen_server]
/// impl Session {
///     #[call]
///     fn user(&self) -> String { self.user.clone() }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let sessions = DynamicSupervisorSpec::worker("session", |user: String| Session { user })
///     .restart(Restart::Temporary)
///     .start_link()
///     .await
///     .unwrap();
/// let pid = sessions.start_child("ada".to_string()).await.unwrap().unwrap();
/// let ada = SessionRef::from(ServerRef::<Session>::from_pid(pid).unwrap());
/// assert_eq!(ada.user().await, Ok("ada".to_string()));
/// assert_eq!(sessions.count_children().await.unwrap().active, 1);
/// sessions.terminate_child(pid).await.unwrap();
/// assert_eq!(sessions.count_children().await.unwrap().active, 0);
/// # }
/// ```
pub struct DynamicSupervisorSpec<A> {
    id: Arc<str>,
    make: MakeFn<A>,
    kind: ChildType,
    restart: Restart,
    shutdown: Option<Shutdown>,
    flags: SupervisorSpec,
    /// Each child's own id, from its argument (`child_id`).
    child_id: Option<IdFn<A>>,
}

type IdFn<A> = Arc<dyn Fn(&A) -> String + Send + Sync>;

impl<A> Clone for DynamicSupervisorSpec<A> {
    fn clone(&self) -> Self {
        DynamicSupervisorSpec {
            id: self.id.clone(),
            make: self.make.clone(),
            kind: self.kind,
            restart: self.restart,
            shutdown: self.shutdown,
            flags: self.flags.clone(),
            child_id: self.child_id.clone(),
        }
    }
}

impl<A> fmt::Debug for DynamicSupervisorSpec<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicSupervisorSpec")
            .field("id", &self.id)
            .field("type", &self.kind)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown)
            .field("flags", &self.flags)
            .finish_non_exhaustive()
    }
}

impl<A: Clone + Send + Sync + 'static> DynamicSupervisorSpec<A> {
    fn with_make(id: impl Into<Arc<str>>, kind: ChildType, make: MakeFn<A>) -> Self {
        DynamicSupervisorSpec {
            id: id.into(),
            make,
            kind,
            restart: Restart::Permanent,
            shutdown: None,
            flags: SupervisorSpec::one_for_one(),
            child_id: None,
        }
    }

    /// Children that are gen_servers, made by `make` from `start_child`'s argument.
    ///
    /// # Examples
    ///
    /// See [`DynamicSupervisorSpec`].
    pub fn worker<S, F>(id: impl Into<Arc<str>>, make: F) -> Self
    where
        S: GenServer,
        F: Fn(A) -> S + Send + Sync + 'static,
    {
        let make: MakeFn<A> = Arc::new(move |args| {
            let server = make(args);
            Box::pin(async move { started(server.start_with(StartOpts::new().link()).await) })
        });
        Self::with_make(id, ChildType::Worker, make)
    }

    /// Children that are supervisors, made from `start_child`'s argument.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{DynamicSupervisorSpec, SupervisorSpec};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let teams = DynamicSupervisorSpec::supervisor("team", |_team: u32| SupervisorSpec::one_for_all())
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// teams.start_child(7).await.unwrap();
    /// assert_eq!(teams.count_children().await.unwrap().supervisors, 1);
    /// # }
    /// ```
    pub fn supervisor<F>(id: impl Into<Arc<str>>, make: F) -> Self
    where
        F: Fn(A) -> SupervisorSpec + Send + Sync + 'static,
    {
        let make: MakeFn<A> = Arc::new(move |args| {
            let spec = make(args);
            Box::pin(async move { started(spec.start_link().await) })
        });
        Self::with_make(id, ChildType::Supervisor, make)
    }

    /// Children started by an async function of `start_child`'s argument, which must start a
    /// process linked to its caller.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::supervisor::DynamicSupervisorSpec;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = DynamicSupervisorSpec::from_fn("sleeper", |_: ()| async {
    ///     Ok(otp_runtime::spawn_link(|mut ctx: ProcessCtx<()>| async move {
    ///         ctx.recv().await;
    ///         ExitReason::Normal
    ///     }))
    /// })
    /// .start()
    /// .await
    /// .unwrap();
    /// assert!(sup.start_child(()).await.unwrap().is_some());
    /// # }
    /// ```
    pub fn from_fn<F, Fut, P>(id: impl Into<Arc<str>>, start: F) -> Self
    where
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<P, StartError>> + Send + 'static,
        P: ChildPid,
    {
        let make: MakeFn<A> = Arc::new(move |args| {
            let fut = start(args);
            Box::pin(async move { started(fut.await) })
        });
        Self::with_make(id, ChildType::Worker, make)
    }

    /// Gives each child an id of its own, made from its `start_child` argument: it names the
    /// child in the supervisor's reports ("child terminated", "child restarted"), in
    /// `which_children` and in the observer. Without it every child has the template's id,
    /// and a report tells children apart by pid only (OTP's `simple_one_for_one` children
    /// have no id; its reports give the start arguments instead).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::supervisor::DynamicSupervisorSpec;
    ///
    /// struct Session;
    /// #[gen_server]
    /// impl Session {
    ///     #[call]
    ///     fn ping(&self) {}
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sessions = DynamicSupervisorSpec::worker("session", |_user: String| Session)
    ///     .child_id(|user| format!("session {user}"))
    ///     .start_link()
    ///     .await
    ///     .unwrap();
    /// sessions.start_child("ada".to_string()).await.unwrap();
    /// let children = sessions.which_children().await.unwrap();
    /// assert_eq!(&*children[0].id, "session ada");
    /// # }
    /// ```
    pub fn child_id(mut self, id: impl Fn(&A) -> String + Send + Sync + 'static) -> Self {
        self.child_id = Some(Arc::new(id));
        self
    }

    /// The children's restart type (default permanent).
    ///
    /// # Examples
    ///
    /// See [`DynamicSupervisorSpec`].
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// How the children are stopped (default: 5 s for workers, infinity for supervisors).
    /// When the supervisor stops, they are all told at once and share the one deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{DynamicSupervisorSpec, Shutdown, SupervisorSpec};
    /// let spec = DynamicSupervisorSpec::supervisor("s", |_: ()| SupervisorSpec::one_for_one())
    ///     .shutdown(Shutdown::BrutalKill);
    /// # let _ = spec;
    /// ```
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    /// Worker or supervisor, for [`DynamicSupervisorSpec::from_fn`] children.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{ChildType, DynamicSupervisorSpec, SupervisorSpec};
    /// let spec = DynamicSupervisorSpec::from_fn("s", |_: ()| SupervisorSpec::one_for_one().start_link())
    ///     .kind(ChildType::Supervisor);
    /// # let _ = spec;
    /// ```
    pub fn kind(mut self, kind: ChildType) -> Self {
        self.kind = kind;
        self
    }

    /// At most `restarts` restarts within any `period` (default 1 in 5 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{DynamicSupervisorSpec, SupervisorSpec};
    /// use std::time::Duration;
    /// let spec = DynamicSupervisorSpec::supervisor("s", |_: ()| SupervisorSpec::one_for_one())
    ///     .intensity(10, Duration::from_secs(1));
    /// # let _ = spec;
    /// ```
    pub fn intensity(mut self, restarts: u32, period: Duration) -> Self {
        self.flags = self.flags.intensity(restarts, period);
        self
    }

    /// Registers the supervisor under `name`.
    ///
    /// # Examples
    ///
    /// See [`ChildSpec::dynamic_supervisor`].
    pub fn name(mut self, name: impl Into<Name>) -> Self {
        self.flags = self.flags.name(name);
        self
    }

    /// Starts the supervisor linked to the calling process, with no children.
    ///
    /// # Errors
    ///
    /// [`StartError::InvalidSpec`] for a zero period; [`StartError::AlreadyStarted`] if the
    /// name is taken.
    ///
    /// # Examples
    ///
    /// See [`DynamicSupervisorSpec`].
    pub async fn start_link(self) -> Result<DynamicSupervisorRef<A>, StartError> {
        self.start_with(true).await
    }

    /// Starts the supervisor unlinked.
    ///
    /// # Errors
    ///
    /// As [`DynamicSupervisorSpec::start_link`].
    ///
    /// # Examples
    ///
    /// See [`DynamicSupervisorSpec::supervisor`].
    pub async fn start(self) -> Result<DynamicSupervisorRef<A>, StartError> {
        self.start_with(false).await
    }

    async fn start_with(self, link: bool) -> Result<DynamicSupervisorRef<A>, StartError> {
        // The flags have no children: this checks the period.
        check(&self.flags).map_err(StartError::InvalidSpec)?;
        let unused: StartFn = Arc::new(|_| Box::pin(async { Err(StartError::Ignored) }));
        let mut proto = ChildSpec::from_start(self.id.clone(), unused)
            .kind(self.kind)
            .restart(self.restart);
        proto.shutdown = self.shutdown;
        let make = self.make.clone();
        let child_id = self.child_id.clone();
        let template = Template {
            proto,
            bind: Arc::new(move |args: Box<dyn Any + Send>| {
                let args: A = *args.downcast::<A>().ok()?;
                let id = child_id.as_ref().map(|f| Arc::from(f(&args)));
                let make = make.clone();
                let start: StartFn = Arc::new(move |_name| make(args.clone()));
                Some((start, id))
            }),
        };
        let server = start_supervisor(Kind::Dynamic(template), &self.flags, link).await?;
        Ok(DynamicSupervisorRef {
            sup: SupervisorRef::from_server(server),
            args: PhantomData,
        })
    }
}

/// A handle to a dynamic supervisor whose children take an `A` to start.
/// `Clone + Send + Sync`.
///
/// # Examples
///
/// See [`DynamicSupervisorSpec`].
pub struct DynamicSupervisorRef<A> {
    sup: SupervisorRef,
    args: PhantomData<fn(A)>,
}

impl<A> Clone for DynamicSupervisorRef<A> {
    fn clone(&self) -> Self {
        DynamicSupervisorRef {
            sup: self.sup.clone(),
            args: PhantomData,
        }
    }
}

impl<A> fmt::Debug for DynamicSupervisorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DynamicSupervisorRef")
            .field(&self.sup)
            .finish()
    }
}

impl<A: Send + 'static> DynamicSupervisorRef<A> {
    /// A handle to the dynamic supervisor registered under `name`. If that supervisor's
    /// children take another type, `start_child` returns
    /// [`SupervisorError::InvalidSpec`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{DynamicSupervisorRef, DynamicSupervisorSpec, SupervisorSpec};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// DynamicSupervisorSpec::supervisor("s", |_: u8| SupervisorSpec::one_for_one())
    ///     .name("pool")
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let pool = DynamicSupervisorRef::<u8>::named("pool");
    /// assert!(pool.start_child(1).await.unwrap().is_some());
    /// # }
    /// ```
    pub fn named(name: impl Into<Name>) -> Self {
        DynamicSupervisorRef {
            sup: SupervisorRef::named(name),
            args: PhantomData,
        }
    }

    /// The supervisor's pid.
    ///
    /// # Examples
    ///
    /// See [`DynamicSupervisorRef::named`].
    pub fn pid(&self) -> Option<Pid> {
        self.sup.pid()
    }

    /// Starts a child from the template with `args`. `Ok(None)` if its start was ignored
    /// (nothing is kept).
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Start`] (nothing is kept); [`SupervisorError::Call`].
    ///
    /// # Examples
    ///
    /// See [`DynamicSupervisorSpec`].
    pub async fn start_child(&self, args: A) -> Result<Option<Pid>, SupervisorError> {
        match self
            .sup
            .request(Request::StartDynamic(Box::new(args)))
            .await?
        {
            Response::Started(pid) => Ok(pid),
            _ => unreachable!("start_child answers Started"),
        }
    }

    /// Stops the child `pid` by the template's shutdown and forgets it. A child being
    /// restarted after `pid` died is forgotten (its restart loop ends); a `pid` that is no
    /// longer alive is fine (nothing to do), as in OTP.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`] if `pid` is a live process that is not a child, or if
    /// the supervisor is not a dynamic one after all (a handle made with
    /// [`named`](DynamicSupervisorRef::named): a static supervisor finds its children by id,
    /// so OTP answers `not_found` there and the child runs on); [`SupervisorError::Call`].
    ///
    /// # Examples
    ///
    /// See [`DynamicSupervisorSpec`].
    pub async fn terminate_child(&self, pid: Pid) -> Result<(), SupervisorError> {
        self.sup.request(Request::TerminatePid(pid)).await.map(drop)
    }

    /// Every child, in no defined order.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Call`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{ChildState, DynamicSupervisorSpec, SupervisorSpec};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = DynamicSupervisorSpec::supervisor("s", |_: ()| SupervisorSpec::one_for_one())
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let pid = sup.start_child(()).await.unwrap().unwrap();
    /// assert_eq!(sup.which_children().await.unwrap()[0].state, ChildState::Running(pid));
    /// # }
    /// ```
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, SupervisorError> {
        self.sup.which_children().await
    }

    /// The child `pid`, as [`which_children`](DynamicSupervisorRef::which_children) lists
    /// it (OTP 27's `supervisor:which_child/2`, which a `simple_one_for_one` supervisor
    /// answers by pid): running, or being restarted after `pid` died.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NotFound`] if `pid` is no child of this supervisor (any more);
    /// [`SupervisorError::Call`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{ChildState, DynamicSupervisorSpec, SupervisorError, SupervisorSpec};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = DynamicSupervisorSpec::supervisor("team", |_: ()| SupervisorSpec::one_for_one())
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let pid = sup.start_child(()).await.unwrap().unwrap();
    /// assert_eq!(sup.which_child(pid).await.unwrap().state, ChildState::Running(pid));
    /// sup.terminate_child(pid).await.unwrap();
    /// assert_eq!(sup.which_child(pid).await, Err(SupervisorError::NotFound));
    /// # }
    /// ```
    pub async fn which_child(&self, pid: Pid) -> Result<ChildInfo, SupervisorError> {
        match self.sup.request(Request::WhichChildPid(pid)).await? {
            Response::Child(c) => Ok(c),
            _ => unreachable!("which_child answers Child"),
        }
    }

    /// How many children there are.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Call`].
    ///
    /// # Examples
    ///
    /// See [`DynamicSupervisorSpec`].
    pub async fn count_children(&self) -> Result<ChildCounts, SupervisorError> {
        self.sup.count_children().await
    }

    /// Stops the supervisor; its children are all stopped at once.
    ///
    /// # Errors
    ///
    /// [`CallError::NoProc`] if it is not alive.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{DynamicSupervisorSpec, SupervisorSpec};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = DynamicSupervisorSpec::supervisor("s", |_: ()| SupervisorSpec::one_for_one())
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let child = sup.start_child(()).await.unwrap().unwrap();
    /// sup.stop().await.unwrap();
    /// assert!(!otp_runtime::is_alive(child));
    /// # }
    /// ```
    pub async fn stop(&self) -> Result<(), CallError> {
        self.sup.stop().await
    }

    /// Stops the supervisor with `reason`, waiting at most `timeout`; its children are
    /// stopped all the same (see [`SupervisorRef::stop_with`]).
    ///
    /// # Errors
    ///
    /// As [`SupervisorRef::stop_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ExitReason;
    /// use otp_runtime::supervisor::{DynamicSupervisorSpec, SupervisorSpec};
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = DynamicSupervisorSpec::supervisor("s", |_: ()| SupervisorSpec::one_for_one())
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let reason = ExitReason::shutdown_with("done");
    /// sup.stop_with(reason.clone(), Duration::from_secs(5)).await.unwrap();
    /// assert_eq!(sup.wait_exit().await, reason);
    /// # }
    /// ```
    pub async fn stop_with(&self, reason: ExitReason, timeout: Duration) -> Result<(), CallError> {
        self.sup.stop_with(reason, timeout).await
    }

    /// Waits for the supervisor to end and returns its reason.
    ///
    /// # Examples
    ///
    /// See [`SupervisorRef::wait_exit`].
    pub async fn wait_exit(&self) -> ExitReason {
        self.sup.wait_exit().await
    }
}
