//! The supervisor process: a gen_server that starts its children, hears their exits (it
//! traps exits) and restarts them by its strategy, within its restart intensity.
//!
//! This follows OTP's `supervisor.erl` step by step; the comments name its functions.

use std::any::Any;
use std::sync::{Arc, Mutex};

use super::children::{Child, Children};
use super::intensity::Restarts;
use super::spec::{ChildSpec, Restart, Shutdown, StartFn};
use super::{AutoShutdown, ChildCounts, ChildInfo, ChildState, ChildType, Strategy};
use super::{SupervisorError, SupervisorSpec};
use crate::process::core::{exit_signal, Entry};
use crate::process::run::catch_unwind_future;
use crate::process::{wait_shared_exit, yield_now};
use crate::time::{self, Instant};
use crate::{CallResult, Ctx, ExitReason, GenServer, Info, Init, Outcome, Pid, StartError};

/// A request to the supervisor, from [`SupervisorRef`](super::SupervisorRef) or
/// [`DynamicSupervisorRef`](super::DynamicSupervisorRef).
pub(crate) enum Request {
    StartChild(ChildSpec),
    StartDynamic(Box<dyn Any + Send>),
    TerminateChild(Arc<str>),
    TerminatePid(Pid),
    RestartChild(Arc<str>),
    DeleteChild(Arc<str>),
    WhichChildren,
    WhichChild(Arc<str>),
    WhichChildPid(Pid),
    CountChildren,
    GetChildspec(Arc<str>),
    ChildPid(Arc<str>),
}

impl Request {
    /// Whether the answer waits for a child to start (its `init`) or to stop: not within a
    /// scheduling round (but for an error, or a child already gone), so its caller waits
    /// at once (see `ServerRef::call_waiting`).
    pub(crate) fn waits_on_a_child(&self) -> bool {
        matches!(
            self,
            Request::StartChild(_)
                | Request::StartDynamic(_)
                | Request::TerminateChild(_)
                | Request::TerminatePid(_)
                | Request::RestartChild(_)
        )
    }
}

pub(crate) enum Response {
    Started(Option<Pid>),
    Done,
    Children(Vec<ChildInfo>),
    Child(ChildInfo),
    Counts(ChildCounts),
    Spec(ChildSpec),
    Pid(Pid),
}

/// The template of a dynamic supervisor's children, with the argument type erased.
pub(crate) struct Template {
    /// id, restart, shutdown and type of every child; its start function is unused.
    pub(crate) proto: ChildSpec,
    /// Builds a child's start function from `start_child`'s argument, and its own id if the
    /// spec gives children one (`None`: wrong type).
    #[allow(clippy::type_complexity)]
    pub(crate) bind:
        Arc<dyn Fn(Box<dyn Any + Send>) -> Option<(StartFn, Option<Arc<str>>)> + Send + Sync>,
}

pub(crate) enum Kind {
    Static(Strategy),
    Dynamic(Template),
}

pub(crate) struct Supervisor {
    kind: Kind,
    auto_shutdown: AutoShutdown,
    restarts: Restarts,
    children: Children,
    /// The children `init` starts.
    initial: Vec<ChildSpec>,
    /// Who we are in reports: the registered name, or the pid.
    label: Arc<str>,
    /// Where `init` leaves the error naming the child that failed to start.
    start_failure: Arc<Mutex<Option<StartError>>>,
}

/// A retry of a failed restart, sent to ourselves so that API calls queued meanwhile are
/// served first (OTP's `try_again_restart` cast).
pub(crate) struct TryAgain(u64);

impl Supervisor {
    pub(crate) fn new(
        kind: Kind,
        spec: &SupervisorSpec,
        start_failure: Arc<Mutex<Option<StartError>>>,
    ) -> Self {
        let dynamic = matches!(kind, Kind::Dynamic(_));
        Supervisor {
            kind,
            auto_shutdown: spec.auto_shutdown,
            restarts: Restarts::new(spec.intensity, spec.period),
            children: Children::new(dynamic),
            initial: spec.children.clone(),
            label: spec
                .name
                .as_ref()
                .map(|n| Arc::from(n.as_str()))
                .unwrap_or_else(|| "".into()),
            start_failure,
        }
    }

    fn is_dynamic(&self) -> bool {
        matches!(self.kind, Kind::Dynamic(_))
    }

    fn push(&mut self, spec: ChildSpec, state: ChildState) {
        self.children.push(spec, state);
    }

    fn find_id(&self, id: &str) -> Option<usize> {
        self.children.find_id(id)
    }

    fn find_pid(&self, pid: Pid) -> Option<usize> {
        self.children.find_pid(pid)
    }

    /// Starts one incarnation of a child (`do_start_child`): a panic in the start function
    /// is a failed start, and the child is linked to us whatever its start function did.
    async fn start_one(&self, spec: &ChildSpec) -> Result<Pid, StartError> {
        let start = spec.start.clone();
        let name = spec.name.clone();
        let result = catch_unwind_future(async move { start(name).await })
            .await
            .unwrap_or_else(|panic| Err(StartError::Failed(panic)));
        match &result {
            Ok(pid) => {
                let _ = crate::link(*pid);
                tracing::debug!(
                    supervisor = %self.label, child = %spec.id, pid = %pid,
                    "child started"
                );
            }
            Err(StartError::Ignored) => {}
            Err(error) => tracing::error!(
                supervisor = %self.label, child = %spec.id, %error,
                "child failed to start"
            ),
        }
        result
    }

    /// Stops a running child by its shutdown setting (`shutdown/2`) and reports an
    /// unexpected exit reason.
    async fn shutdown(&self, pid: Pid, spec: &ChildSpec) {
        let policy = spec.shutdown_policy();
        crate::exit(pid, signal(policy));
        let reason = wait_until(pid, deadline(policy)).await;
        self.stopped(pid, spec, reason);
    }

    /// After a child told to stop has ended: unlinks it and reports an unexpected reason.
    fn stopped(&self, pid: Pid, spec: &ChildSpec, reason: ExitReason) {
        let _ = crate::unlink(pid);
        self.report_stopped(pid, spec, reason);
    }

    /// Reports a child told to stop that ended with an unexpected reason.
    fn report_stopped(&self, pid: Pid, spec: &ChildSpec, reason: ExitReason) {
        if !expected_shutdown(spec.shutdown_policy(), spec.restart, &reason) {
            tracing::error!(
                supervisor = %self.label, child = %spec.id, %pid, %reason,
                "child exited with an unexpected reason while shutting down"
            );
        }
    }

    /// Stops child `i` if it runs, then forgets it as `del_child` does (`do_terminate` and
    /// `terminate_children`).
    async fn terminate_at(&mut self, i: usize) {
        if let ChildState::Running(pid) = self.children.get(i).state() {
            self.shutdown(pid, &self.children.get(i).spec).await;
        }
        self.del_child(i);
    }

    /// Stops the children from `from` on, in reverse start order.
    async fn terminate_from(&mut self, from: usize) {
        for i in (from..self.children.len()).rev() {
            self.terminate_at(i).await;
        }
    }

    /// Stops every child: in reverse start order, or for a dynamic supervisor all at once.
    async fn terminate_all(&mut self) {
        let Kind::Dynamic(template) = &self.kind else {
            return self.terminate_from(0).await;
        };
        let policy = template.proto.shutdown_policy();
        let node = crate::node::Node::current();
        // Each child looked up once: it is signalled, then waited for, through its entry.
        let children: Vec<(Pid, Arc<dyn Entry>)> = self
            .children
            .drain()
            .into_iter()
            .filter_map(|c| match c.state() {
                ChildState::Running(pid) => Some((pid, node.entry(pid).ok().flatten()?)),
                _ => None,
            })
            .collect();
        // Unlinked first, as OTP's shutdown does (`monitor_child`): a death then sends us no
        // `EXIT` to queue and drop, a million times over. Both ends through the entries at
        // hand (`unlink` would look the child up in the node's table again).
        let me = crate::process::current::with(|me| {
            let shared = me.shared();
            let me = shared.pid();
            for (pid, child) in &children {
                shared.unlink(*pid);
                child.shared().remove_link(me);
                exit_signal(me, &**child, signal(policy), false);
            }
            me
        });
        if me.is_err() {
            // Not in a process (never so: `terminate` runs in ours): signalled all the same.
            for (_, child) in &children {
                exit_signal(Pid::nobody(), &**child, signal(policy), false);
            }
        }
        // One deadline for all: they were all told at the same time. Most are dead by the
        // time their turn comes: then nothing is set up to wait for them.
        let deadline = deadline(policy);
        yield_now().await;
        for (pid, child) in &children {
            let reason = match child.shared().signalled_exit() {
                Some(reason) => reason,
                None => wait_entry(&**child, deadline).await,
            };
            // Unlinked above, once: OTP's shutdown unlinks once too.
            self.report_stopped(*pid, &template.proto, reason);
        }
    }

    /// A child ended on its own (`restart_child/3` and `do_restart`). `Err` is the reason
    /// this supervisor must stop with.
    async fn child_exited(
        &mut self,
        i: usize,
        reason: ExitReason,
        ctx: &mut Ctx<Self>,
    ) -> Result<(), ExitReason> {
        if let ChildState::Running(pid) = self.children.get(i).state() {
            self.children.get_mut(i).last_pid = Some(pid);
        }
        self.children.get_mut(i).note_exit(&reason);
        let child = &self.children.get(i);
        let restart = match child.spec.restart {
            Restart::Permanent => true,
            Restart::Transient => !reason.is_clean(),
            Restart::Temporary => false,
        };
        if child.spec.restart == Restart::Permanent || !reason.is_clean() {
            if let ChildState::Running(pid) = child.state() {
                tracing::error!(
                    supervisor = %self.label, child = %child.spec.id, %pid, %reason,
                    "child terminated"
                );
            }
        }
        if restart {
            self.restart(i, ctx).await
        } else {
            self.del_child_and_maybe_shutdown(i)
        }
    }

    /// Forgets a child that ended and is not restarted: a temporary (or dynamic) child's
    /// spec goes, another's stays as not running. A significant child may stop us.
    fn del_child_and_maybe_shutdown(&mut self, i: usize) -> Result<(), ExitReason> {
        let significant = self.children.get(i).spec.significant;
        self.del_child(i);
        let stop = significant
            && match self.auto_shutdown {
                AutoShutdown::Never => false,
                AutoShutdown::AnySignificant => true,
                // OTP counts every significant child whose pid is not `undefined`: one
                // being restarted still counts as alive.
                AutoShutdown::AllSignificant => !self
                    .children
                    .iter()
                    .any(|c| c.spec.significant && c.state() != ChildState::NotRunning),
            };
        if stop {
            tracing::info!(supervisor = %self.label, "significant child ended: auto shutdown");
            return Err(ExitReason::Shutdown);
        }
        Ok(())
    }

    fn del_child(&mut self, i: usize) {
        if self.children.get(i).spec.restart == Restart::Temporary || self.is_dynamic() {
            self.children.remove(i);
        } else {
            self.children.set_state(i, ChildState::NotRunning);
        }
    }

    /// Restarts child `i`, which is not running, by the strategy (`restart/2`).
    async fn restart(&mut self, i: usize, ctx: &mut Ctx<Self>) -> Result<(), ExitReason> {
        // Every restart, retries included, counts against the intensity from here: reported
        // at debug level so that a test can replay OTP's rule on a supervisor's restarts.
        tracing::debug!(
            supervisor = %self.label, child = %self.children.get(i).spec.id,
            "restart counted"
        );
        if !self.restarts.add(Instant::now()) {
            let child = &self.children.get(i);
            let pid = child
                .last_pid
                .map_or_else(|| "undefined".into(), |p| p.to_string());
            tracing::error!(
                supervisor = %self.label, child = %child.spec.id, %pid,
                reason = "reached_max_restart_intensity",
                "reached max restart intensity: shutting down"
            );
            self.del_child(i);
            return Err(ExitReason::Shutdown);
        }
        self.children.set_state(i, ChildState::NotRunning);
        match &self.kind {
            Kind::Dynamic(_) | Kind::Static(Strategy::OneForOne) => {
                let spec = self.children.get(i).spec.clone();
                match self.start_one(&spec).await {
                    Ok(pid) => {
                        self.children.set_state(i, ChildState::Running(pid));
                        self.children.get_mut(i).note_restart();
                        report_restart(&self.label, &spec.id, pid);
                    }
                    Err(StartError::Ignored) => self.del_child(i),
                    Err(_) => {
                        self.children.set_state(i, ChildState::Restarting);
                        try_again(ctx, self.children.get(i).key);
                    }
                }
            }
            Kind::Static(Strategy::RestForOne) => self.restart_from(i, ctx).await,
            Kind::Static(Strategy::OneForAll) => self.restart_from(0, ctx).await,
        }
        Ok(())
    }

    /// Stops the children from `from` on, then starts them again in order; a start that
    /// fails leaves that child restarting and the later ones not running, to be retried
    /// (`restart_multiple_children`).
    async fn restart_from(&mut self, from: usize, ctx: &mut Ctx<Self>) {
        self.terminate_from(from).await;
        let mut i = from;
        while i < self.children.len() {
            let spec = self.children.get(i).spec.clone();
            match self.start_one(&spec).await {
                Ok(pid) => {
                    self.children.set_state(i, ChildState::Running(pid));
                    self.children.get_mut(i).note_restart();
                    report_restart(&self.label, &spec.id, pid);
                }
                Err(StartError::Ignored) if spec.restart == Restart::Temporary => {
                    self.children.remove(i);
                    continue;
                }
                Err(StartError::Ignored) => {}
                Err(_) => {
                    self.children.set_state(i, ChildState::Restarting);
                    try_again(ctx, self.children.get(i).key);
                    return;
                }
            }
            i += 1;
        }
    }

    async fn call(&mut self, request: Request) -> Result<Response, SupervisorError> {
        match request {
            Request::StartChild(spec) => self.start_child(spec).await,
            Request::StartDynamic(args) => {
                let Kind::Dynamic(template) = &self.kind else {
                    return Err(SupervisorError::InvalidSpec(
                        "this supervisor is not dynamic".into(),
                    ));
                };
                let (start, id) = (template.bind)(args).ok_or_else(|| {
                    SupervisorError::InvalidSpec(
                        "start_child's argument is not of this supervisor's type".into(),
                    )
                })?;
                let mut spec = template.proto.clone();
                spec.start = start;
                if let Some(id) = id {
                    spec.id = id;
                }
                match self.start_one(&spec).await {
                    Ok(pid) => {
                        self.push(spec, ChildState::Running(pid));
                        Ok(Response::Started(Some(pid)))
                    }
                    Err(StartError::Ignored) => Ok(Response::Started(None)),
                    Err(e) => Err(SupervisorError::Start(e)),
                }
            }
            Request::TerminateChild(id) => {
                self.by_id_allowed()?;
                let i = self.find_id(&id).ok_or(SupervisorError::NotFound)?;
                self.terminate_at(i).await;
                Ok(Response::Done)
            }
            // A static supervisor's children are found by id only. OTP takes the pid for an id
            // there, which no child has: `not_found`, and the child runs on (`child_adm`).
            Request::TerminatePid(_) if !self.is_dynamic() => Err(SupervisorError::NotFound),
            Request::TerminatePid(pid) => {
                // OTP's `find_child` for simple_one_for_one: the running child `pid`, else the
                // child being restarted after `pid` died, else, if `pid` is no longer alive,
                // nothing to do (`ok`); only a live process that is not a child is `not_found`.
                let restarting =
                    |c: &Child| c.state() == ChildState::Restarting && c.last_pid == Some(pid);
                match self
                    .find_pid(pid)
                    .or_else(|| self.children.iter().position(restarting))
                {
                    Some(i) => {
                        self.terminate_at(i).await;
                    }
                    None if crate::is_alive(pid) => return Err(SupervisorError::NotFound),
                    None => {}
                }
                Ok(Response::Done)
            }
            Request::RestartChild(id) => {
                self.by_id_allowed()?;
                let i = self.find_id(&id).ok_or(SupervisorError::NotFound)?;
                match self.children.get(i).state() {
                    ChildState::Running(_) => return Err(SupervisorError::Running),
                    ChildState::Restarting => return Err(SupervisorError::Restarting),
                    ChildState::NotRunning => {}
                }
                let spec = self.children.get(i).spec.clone();
                match self.start_one(&spec).await {
                    Ok(pid) => {
                        self.children.set_state(i, ChildState::Running(pid));
                        Ok(Response::Started(Some(pid)))
                    }
                    Err(StartError::Ignored) => Ok(Response::Started(None)),
                    Err(e) => Err(SupervisorError::Start(e)),
                }
            }
            Request::DeleteChild(id) => {
                self.by_id_allowed()?;
                let i = self.find_id(&id).ok_or(SupervisorError::NotFound)?;
                match self.children.get(i).state() {
                    ChildState::Running(_) => Err(SupervisorError::Running),
                    ChildState::Restarting => Err(SupervisorError::Restarting),
                    ChildState::NotRunning => {
                        self.children.remove(i);
                        Ok(Response::Done)
                    }
                }
            }
            Request::WhichChildren => Ok(Response::Children(
                // OTP lists the newest child first.
                self.children
                    .newest_first()
                    .into_iter()
                    .map(child_info)
                    .collect(),
            )),
            Request::WhichChild(id) => {
                self.by_id_allowed()?;
                let i = self.find_id(&id).ok_or(SupervisorError::NotFound)?;
                Ok(Response::Child(self.info(i)))
            }
            // By pid, a dynamic supervisor's running child, or the one being restarted after
            // `pid` died; a static supervisor's children are found by id only (`not_found`).
            Request::WhichChildPid(pid) => {
                let restarting =
                    |c: &Child| c.state() == ChildState::Restarting && c.last_pid == Some(pid);
                let i = self
                    .is_dynamic()
                    .then(|| {
                        self.find_pid(pid)
                            .or_else(|| self.children.iter().position(restarting))
                    })
                    .flatten()
                    .ok_or(SupervisorError::NotFound)?;
                Ok(Response::Child(self.info(i)))
            }
            Request::CountChildren => {
                let mut counts = ChildCounts::default();
                // OTP counts a simple_one_for_one supervisor's template as its one spec,
                // however many children it started from it.
                if self.is_dynamic() {
                    counts.specs = 1;
                }
                for c in self.children.iter() {
                    if !self.is_dynamic() {
                        counts.specs += 1;
                    }
                    if matches!(c.state(), ChildState::Running(_)) {
                        counts.active += 1;
                    }
                    match c.spec.kind {
                        ChildType::Worker => counts.workers += 1,
                        ChildType::Supervisor => counts.supervisors += 1,
                    }
                }
                Ok(Response::Counts(counts))
            }
            Request::GetChildspec(id) => {
                self.by_id_allowed()?;
                let i = self.find_id(&id).ok_or(SupervisorError::NotFound)?;
                Ok(Response::Spec(self.children.get(i).spec.clone()))
            }
            Request::ChildPid(id) => {
                self.by_id_allowed()?;
                let i = self.find_id(&id).ok_or(SupervisorError::NotFound)?;
                match self.children.get(i).state() {
                    ChildState::Running(pid) => Ok(Response::Pid(pid)),
                    ChildState::Restarting => Err(SupervisorError::Restarting),
                    ChildState::NotRunning => Err(SupervisorError::NotRunning),
                }
            }
        }
    }

    /// Child `i` as `which_children` lists it.
    fn info(&self, i: usize) -> ChildInfo {
        child_info(self.children.get(i))
    }

    /// A dynamic supervisor's children share their template's id: OTP refuses to terminate,
    /// restart or delete them by id (`{error, simple_one_for_one}`).
    fn by_id_allowed(&self) -> Result<(), SupervisorError> {
        if self.is_dynamic() {
            return Err(SupervisorError::InvalidSpec(
                "a dynamic supervisor's children share their template's id: they are found \
                 by pid (terminated, looked up), and not restarted or deleted"
                    .into(),
            ));
        }
        Ok(())
    }

    /// `start_child` on a static supervisor (`handle_start_child`).
    async fn start_child(&mut self, spec: ChildSpec) -> Result<Response, SupervisorError> {
        if self.is_dynamic() {
            return Err(SupervisorError::InvalidSpec(
                "a dynamic supervisor starts children from its template".into(),
            ));
        }
        super::flags::check_child(&spec, self.auto_shutdown)
            .map_err(SupervisorError::InvalidSpec)?;
        if let Some(i) = self.find_id(&spec.id) {
            return Err(match self.children.get(i).state() {
                ChildState::Running(pid) => SupervisorError::AlreadyStarted(pid),
                _ => SupervisorError::AlreadyPresent,
            });
        }
        match self.start_one(&spec).await {
            Ok(pid) => {
                self.push(spec, ChildState::Running(pid));
                Ok(Response::Started(Some(pid)))
            }
            Err(StartError::Ignored) => {
                if spec.restart != Restart::Temporary {
                    self.push(spec, ChildState::NotRunning);
                }
                Ok(Response::Started(None))
            }
            Err(e) => Err(SupervisorError::Start(e)),
        }
    }
}

fn child_info(c: &Child) -> ChildInfo {
    ChildInfo {
        id: c.spec.id.clone(),
        state: c.state(),
        kind: c.spec.kind,
    }
}

fn try_again(ctx: &mut Ctx<Supervisor>, key: u64) {
    ctx.handle().send(TryAgain(key));
}

fn report_restart(sup: &str, id: &str, pid: Pid) {
    tracing::info!(supervisor = %sup, child = %id, %pid, "child restarted");
}

/// The exit signal a shutdown starts with.
fn signal(policy: Shutdown) -> ExitReason {
    match policy {
        Shutdown::BrutalKill => ExitReason::Kill,
        _ => ExitReason::Shutdown,
    }
}

/// When a child told to stop now is killed, if it has not ended by then.
fn deadline(policy: Shutdown) -> Option<Instant> {
    match policy {
        Shutdown::Timeout(t) => Instant::now().checked_add(t),
        Shutdown::BrutalKill | Shutdown::Infinity => None,
    }
}

/// Waits for a child told to stop, killing it at `deadline`.
///
/// The signal woke the child, so it usually dies within the scheduling round we yield:
/// then neither a timer (a tokio timer costs two driver locks) nor a waiter is set up,
/// which made a tree's shutdown cost about a timer per worker.
async fn wait_until(pid: Pid, deadline: Option<Instant>) -> ExitReason {
    let Some(child) = crate::node::with_current(|n| n.entry(pid)).ok().flatten() else {
        return ExitReason::NoProc;
    };
    yield_now().await;
    // Its death fully signalled (links told first): what a waiter set now would be told.
    if let Some(reason) = child.shared().signalled_exit() {
        return reason;
    }
    wait_entry(&*child, deadline).await
}

/// Waits for `child`, killing it at `deadline`. Waited for through the entry held since
/// before the signal: by now the pid may have left the table, and a lookup would say
/// `noproc` instead of the reason.
async fn wait_entry(child: &dyn Entry, deadline: Option<Instant>) -> ExitReason {
    if let Some(d) = deadline {
        let left = d.saturating_duration_since(Instant::now());
        if let Some(reason) = time::timeout(left, wait_shared_exit(child.shared())).await {
            return reason;
        }
        child.shared().kill(ExitReason::Killed, None);
    }
    wait_shared_exit(child.shared()).await
}

/// Whether a child stopped by its supervisor ended as OTP's `shutdown/2` expects: by the
/// signal it was sent, or cleanly on its own if it is not permanent. `NoProc`: it had
/// already ended, and its exit was handled (or is about to be) as its own.
fn expected_shutdown(policy: Shutdown, restart: Restart, reason: &ExitReason) -> bool {
    match reason {
        ExitReason::NoProc => true,
        ExitReason::Killed => policy == Shutdown::BrutalKill,
        // Sent `Kill`, a permanent child that ended `shutdown` on its own is reported.
        ExitReason::Shutdown => policy != Shutdown::BrutalKill || restart != Restart::Permanent,
        r if r.is_clean() => restart != Restart::Permanent,
        _ => false,
    }
}

impl GenServer for Supervisor {
    type Call = Request;
    type Reply = Result<Response, SupervisorError>;
    type Cast = ();
    type Info = TryAgain;
    type Continue = ();
    // No handler keeps a reply handle: each answers, or the supervisor dies.
    const ANSWERS_IN_HANDLER: bool = true;

    /// Starts the children in order; if one fails, stops those started, in reverse order,
    /// and does not start (`init_children`).
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        ctx.trap_exit(true);
        if self.label.is_empty() {
            self.label = ctx.pid().to_string().into();
        }
        let initial = std::mem::take(&mut self.initial);
        if let Kind::Dynamic(_) = self.kind {
            return Init::Ok;
        }
        for spec in initial {
            match self.start_one(&spec).await {
                Ok(pid) => self.push(spec, ChildState::Running(pid)),
                Err(StartError::Ignored) if spec.restart == Restart::Temporary => {}
                Err(StartError::Ignored) => self.push(spec, ChildState::NotRunning),
                Err(error) => {
                    self.terminate_all().await;
                    let reason = ExitReason::shutdown_with(format_args!(
                        "failed_to_start_child {}: {error}",
                        spec.id
                    ));
                    *self.start_failure.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some(StartError::ChildFailed {
                            id: spec.id.clone(),
                            error: Box::new(error),
                        });
                    return Init::Stop(reason);
                }
            }
        }
        Init::Ok
    }

    async fn handle_call(
        &mut self,
        request: Request,
        _ctx: &mut Ctx<Self>,
    ) -> CallResult<Self::Reply> {
        CallResult::Reply(self.call(request).await)
    }

    async fn handle_info(&mut self, info: Info<TryAgain>, ctx: &mut Ctx<Self>) -> Outcome {
        let result = match info {
            Info::Exit { from, reason } => match self.find_pid(from) {
                Some(i) => self.child_exited(i, reason, ctx).await,
                // A child we already stopped or forgot, or a stray process: OTP ignores it.
                None => Ok(()),
            },
            Info::Msg(TryAgain(key)) => {
                match self.children.find_key(key) {
                    Some(i) if self.children.get(i).state() == ChildState::Restarting => {
                        self.restart(i, ctx).await
                    }
                    // Terminated or deleted meanwhile: nothing to retry.
                    _ => Ok(()),
                }
            }
            Info::Down { .. } | Info::Timeout => Ok(()),
        };
        match result {
            Ok(()) => Outcome::NoReply,
            Err(reason) => Outcome::Stop(reason),
        }
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut Ctx<Self>) {
        self.terminate_all().await;
    }

    const BEHAVIOUR: crate::sys::Behaviour = crate::sys::Behaviour::Supervisor;

    fn sys_data(&self) -> Vec<(&'static str, String)> {
        let (total, recent, intensity, period) = self.restarts.view(Instant::now());
        vec![
            ("restarts", total.to_string()),
            (
                "intensity",
                format!("{recent} of {intensity} within {period:?}"),
            ),
            ("children", self.children.newest_first().len().to_string()),
        ]
    }

    fn sys_children(&self) -> Option<crate::sys::SupervisorView> {
        let (restarts, recent_restarts, intensity, period) = self.restarts.view(Instant::now());
        let mut children: Vec<_> = self
            .children
            .newest_first()
            .into_iter()
            .map(|c| {
                let (restarts, last_exit) = c.history();
                crate::sys::ChildView {
                    id: c.spec.id.clone(),
                    state: c.state(),
                    kind: c.spec.kind,
                    restarts,
                    last_exit: last_exit.cloned(),
                }
            })
            .collect();
        children.reverse();
        Some(crate::sys::SupervisorView {
            restarts,
            recent_restarts,
            intensity,
            period,
            children,
        })
    }
}
