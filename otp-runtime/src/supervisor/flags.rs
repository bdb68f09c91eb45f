//! A supervisor's flags and children: [`SupervisorSpec`], checked before it starts.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::server::{Kind, Supervisor};
use super::spec::{ChildSpec, Restart};
use super::SupervisorRef;
use crate::registry::Name;
use crate::{GenServer, StartError, StartOpts};

/// Which children a supervisor restarts when one of them ends and must be restarted.
///
/// # Examples
///
/// ```
/// use otp_runtime::supervisor::{Strategy, SupervisorSpec};
/// assert_eq!(Strategy::default(), Strategy::OneForOne);
/// let spec = SupervisorSpec::new(Strategy::RestForOne);
/// assert_eq!(spec.strategy(), Strategy::RestForOne);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub enum Strategy {
    /// Only the child that ended (the default).
    #[default]
    OneForOne,
    /// All of them: the others are stopped in reverse start order, then all are started
    /// again in start order.
    OneForAll,
    /// The child and those started after it: those are stopped in reverse order, then it and
    /// they are started again in order.
    RestForOne,
}

/// When a supervisor stops by itself because its *significant* children ended
/// (OTP's `auto_shutdown`).
///
/// # Examples
///
/// ```
/// use otp_runtime::supervisor::{AutoShutdown, SupervisorSpec};
/// assert_eq!(AutoShutdown::default(), AutoShutdown::Never);
/// let spec = SupervisorSpec::one_for_one().auto_shutdown(AutoShutdown::AnySignificant);
/// assert_eq!(spec.auto_shutdown_setting(), AutoShutdown::AnySignificant);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub enum AutoShutdown {
    /// Never (the default); no child may be significant.
    #[default]
    Never,
    /// When any significant child ends on its own and is not restarted.
    AnySignificant,
    /// When the last running significant child ends on its own and is not restarted.
    AllSignificant,
}

/// A supervisor: its strategy, restart intensity, auto_shutdown, name and children. Start it
/// with [`start_link`](SupervisorSpec::start_link), or nest it with
/// [`ChildSpec::supervisor`]. `supervision_tree!` writes these for you.
///
/// Defaults are OTP's: one_for_one, at most 1 restart in 5 s, auto_shutdown never.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::supervisor::{ChildSpec, ChildState, SupervisorSpec};
/// use std::time::Duration;
///
/// #[derive(Default)]
/// struct Counter(u64);
/// #[gen_server]
/// impl Counter {
///     #[call]
///     fn bump(&mut self) -> u64 { self.0 += 1; self.0 }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let sup = SupervisorSpec::one_for_one()
///     .intensity(5, Duration::from_secs(10))
///     .child(ChildSpec::worker("counter", Counter::default).name("counter"))
///     .start_link()
///     .await
///     .unwrap();
/// let counter = Counter::named("counter");
/// assert_eq!(counter.bump().await, Ok(1));
/// let children = sup.which_children().await.unwrap();
/// assert_eq!(children[0].state, ChildState::Running(counter.pid().unwrap()));
/// sup.stop().await.unwrap();
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct SupervisorSpec {
    pub(crate) strategy: Strategy,
    pub(crate) intensity: u32,
    pub(crate) period: Duration,
    pub(crate) auto_shutdown: AutoShutdown,
    pub(crate) children: Vec<ChildSpec>,
    pub(crate) name: Option<Name>,
}

impl SupervisorSpec {
    /// A supervisor with this strategy and OTP's defaults otherwise.
    ///
    /// # Examples
    ///
    /// See [`Strategy`].
    pub fn new(strategy: Strategy) -> Self {
        SupervisorSpec {
            strategy,
            intensity: 1,
            period: Duration::from_secs(5),
            auto_shutdown: AutoShutdown::Never,
            children: Vec::new(),
            name: None,
        }
    }

    /// `SupervisorSpec::new(Strategy::OneForOne)`.
    ///
    /// # Examples
    ///
    /// See [`SupervisorSpec`].
    pub fn one_for_one() -> Self {
        Self::new(Strategy::OneForOne)
    }

    /// `SupervisorSpec::new(Strategy::OneForAll)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{Strategy, SupervisorSpec};
    /// assert_eq!(SupervisorSpec::one_for_all().strategy(), Strategy::OneForAll);
    /// ```
    pub fn one_for_all() -> Self {
        Self::new(Strategy::OneForAll)
    }

    /// `SupervisorSpec::new(Strategy::RestForOne)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{Strategy, SupervisorSpec};
    /// assert_eq!(SupervisorSpec::rest_for_one().strategy(), Strategy::RestForOne);
    /// ```
    pub fn rest_for_one() -> Self {
        Self::new(Strategy::RestForOne)
    }

    /// At most `restarts` restarts within any `period`; one more and the supervisor stops
    /// its children and exits `Shutdown`. A zero period is refused at start.
    ///
    /// # Examples
    ///
    /// See [`SupervisorSpec`].
    pub fn intensity(mut self, restarts: u32, period: Duration) -> Self {
        self.intensity = restarts;
        self.period = period;
        self
    }

    /// When significant children stopping stops the supervisor.
    ///
    /// # Examples
    ///
    /// See [`AutoShutdown`].
    pub fn auto_shutdown(mut self, auto_shutdown: AutoShutdown) -> Self {
        self.auto_shutdown = auto_shutdown;
        self
    }

    /// Adds a child, started after those added before.
    ///
    /// # Examples
    ///
    /// See [`SupervisorSpec`].
    pub fn child(mut self, child: ChildSpec) -> Self {
        self.children.push(child);
        self
    }

    /// Registers the supervisor under `name` before it starts its children.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{SupervisorRef, SupervisorSpec};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = SupervisorSpec::one_for_one().name("root").start().await.unwrap();
    /// assert_eq!(SupervisorRef::named("root").pid(), sup.pid());
    /// # }
    /// ```
    pub fn name(mut self, name: impl Into<Name>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The strategy.
    ///
    /// # Examples
    ///
    /// See [`Strategy`].
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// The auto_shutdown setting.
    ///
    /// # Examples
    ///
    /// See [`AutoShutdown`].
    pub fn auto_shutdown_setting(&self) -> AutoShutdown {
        self.auto_shutdown
    }

    /// The children, in start order.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::supervisor::{ChildSpec, SupervisorSpec};
    /// let spec = SupervisorSpec::one_for_one()
    ///     .child(ChildSpec::supervisor("a", SupervisorSpec::one_for_one()));
    /// assert_eq!(spec.children()[0].id(), "a");
    /// ```
    pub fn children(&self) -> &[ChildSpec] {
        &self.children
    }

    /// Starts the supervisor linked to the calling process, and its children in order.
    ///
    /// # Errors
    ///
    /// [`StartError::InvalidSpec`] (nothing started), [`StartError::ChildFailed`] naming
    /// the first child that failed (those started before it were stopped),
    /// [`StartError::AlreadyStarted`] if the name is taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::supervisor::{ChildSpec, SupervisorSpec};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let err = SupervisorSpec::one_for_one()
    ///     .child(ChildSpec::from_fn("db", || async {
    ///         Err::<Pid, _>(StartError::Failed(ExitReason::other("no disk")))
    ///     }))
    ///     .start_link()
    ///     .await
    ///     .unwrap_err();
    /// assert!(matches!(err, StartError::ChildFailed { ref id, .. } if &**id == "db"));
    /// # }
    /// ```
    pub async fn start_link(self) -> Result<SupervisorRef, StartError> {
        self.start_with(true).await
    }

    /// Starts the supervisor unlinked (for a root started outside any process, or one that
    /// must outlive its starter).
    ///
    /// # Errors
    ///
    /// As [`SupervisorSpec::start_link`].
    ///
    /// # Examples
    ///
    /// See [`SupervisorSpec::name`].
    pub async fn start(self) -> Result<SupervisorRef, StartError> {
        self.start_with(false).await
    }

    async fn start_with(self, link: bool) -> Result<SupervisorRef, StartError> {
        check(&self).map_err(StartError::InvalidSpec)?;
        let kind = Kind::Static(self.strategy);
        start_supervisor(kind, &self, link)
            .await
            .map(SupervisorRef::from_server)
    }
}

/// Starts a supervisor process: static, or dynamic with its template.
pub(crate) async fn start_supervisor(
    kind: Kind,
    spec: &SupervisorSpec,
    link: bool,
) -> Result<crate::ServerRef<Supervisor>, StartError> {
    let failure = Arc::new(Mutex::new(None));
    let mut opts = StartOpts::new();
    if link {
        opts = opts.link();
    }
    if let Some(name) = &spec.name {
        opts = opts.name(name.clone());
    }
    let sup = Supervisor::new(kind, spec, failure.clone());
    match sup.start_with(opts).await {
        Ok(server) => Ok(server),
        Err(StartError::Failed(reason)) => Err(failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or(StartError::Failed(reason))),
        Err(e) => Err(e),
    }
}

/// OTP's checks of the flags and the child specs (`init_state` and `check_childspecs`).
pub(crate) fn check(spec: &SupervisorSpec) -> Result<(), Arc<str>> {
    if spec.period.is_zero() {
        return Err("the restart period must be greater than zero".into());
    }
    let mut ids = HashSet::new();
    for child in &spec.children {
        if !ids.insert(&child.id) {
            return Err(format!("duplicate child id {:?}", child.id).into());
        }
        check_child(child, spec.auto_shutdown)?;
    }
    Ok(())
}

/// A shutdown time must be positive; a significant child must be transient or temporary,
/// under a supervisor with an auto_shutdown other than never (OTP's `bad_combination`).
pub(crate) fn check_child(child: &ChildSpec, auto_shutdown: AutoShutdown) -> Result<(), Arc<str>> {
    if child.shutdown == Some(super::spec::Shutdown::Timeout(Duration::ZERO)) {
        return Err(format!(
            "child {:?}: a shutdown time must be greater than zero (use BrutalKill)",
            child.id
        )
        .into());
    }
    if child.significant && child.restart == Restart::Permanent {
        return Err(format!(
            "child {:?}: a significant child cannot be permanent",
            child.id
        )
        .into());
    }
    if child.significant && auto_shutdown == AutoShutdown::Never {
        return Err(format!(
            "child {:?}: a significant child needs an auto_shutdown other than never",
            child.id
        )
        .into());
    }
    Ok(())
}
