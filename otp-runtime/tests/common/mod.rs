//! Shared pieces of the supervisor tests (ported from OTP's `supervisor_SUITE.erl`).
//!
//! [`Worker`] plays the suite's `supervisor_1` / `supervisor_3` / `supervisor_deadlock`
//! modules: a gen_server child whose every start follows a [`Plan`] (start, ignore, fail,
//! fail slowly, panic), that can be told to crash or exit with any reason, that may trap exits
//! and linger in `terminate`, and that records its starts and terminations in a shared [`Log`].
//! [`watch`] records the order in which processes die (the suite's `dbg` tracer), and
//! [`Parent`] runs a supervisor under a parent process that can exit with any reason (the
//! suite's `exit(SupPid, shutdown)` from the test process, which is the supervisor's parent).
//!
//! Every test runs on one thread (`#[tokio::test]`), most on tokio's paused clock: a sleep
//! there is a deterministic jump of the clock, never a race.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otp_runtime::prelude::*;
use otp_runtime::supervisor::{ChildCounts, ChildInfo};
use tokio::sync::oneshot;

// ---- the log --------------------------------------------------------------------------------

/// What workers report.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Ev {
    /// `init` returned `Ok` in this process.
    Started(&'static str, Pid),
    /// `init` did not start (ignore, failure or panic).
    Refused(&'static str),
    /// `terminate` began with this reason (only trapping workers see a shutdown).
    Terminating(&'static str, Pid, ExitReason),
}

/// Events from every worker sharing it, in the order they happened.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Ev>>>);

impl Log {
    pub fn new() -> Log {
        Log::default()
    }

    fn push(&self, ev: Ev) {
        self.0.lock().unwrap().push(ev);
    }

    pub fn events(&self) -> Vec<Ev> {
        self.0.lock().unwrap().clone()
    }

    /// Every start attempt of `id`, successful or not.
    pub fn attempts(&self, id: &str) -> usize {
        self.events()
            .iter()
            .filter(|e| matches!(e, Ev::Started(i, _) | Ev::Refused(i) if *i == id))
            .count()
    }

    /// The pids of `id`'s incarnations, in start order.
    pub fn started(&self, id: &str) -> Vec<Pid> {
        self.events()
            .iter()
            .filter_map(|e| match e {
                Ev::Started(i, p) if *i == id => Some(*p),
                _ => None,
            })
            .collect()
    }

    /// The ids of the workers that started, in start order.
    pub fn start_order(&self) -> Vec<&'static str> {
        self.events()
            .iter()
            .filter_map(|e| match e {
                Ev::Started(i, _) => Some(*i),
                _ => None,
            })
            .collect()
    }

    /// The ids whose `terminate` ran, in order, with their reasons.
    pub fn terminations(&self) -> Vec<(&'static str, ExitReason)> {
        self.events()
            .iter()
            .filter_map(|e| match e {
                Ev::Terminating(i, _, r) => Some((*i, r.clone())),
                _ => None,
            })
            .collect()
    }
}

// ---- the plan of a child's starts -----------------------------------------------------------

/// How one start of a worker goes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Boot {
    Ok,
    /// `init` returns `Ignore` (OTP `ignore`).
    Ignore,
    /// `init` returns `Stop` (OTP `{stop, _}` / `{error, _}`).
    Fail,
    /// `init` sleeps this long, then fails (the suite's `supervisor_deadlock`, which delays
    /// a failing start by 2 s so that the restart loop does not exhaust the intensity).
    SlowFail(Duration),
    /// `init` panics.
    Panic,
}

/// The starts of one child: these first, then `then` for ever after. Shared by the
/// incarnations of a child (and the children of a dynamic supervisor's template), so a test can
/// change it while the supervisor runs.
#[derive(Clone)]
pub struct Plan(Arc<Mutex<(VecDeque<Boot>, Boot)>>);

impl Plan {
    pub fn new(first: impl IntoIterator<Item = Boot>, then: Boot) -> Plan {
        Plan(Arc::new(Mutex::new((first.into_iter().collect(), then))))
    }

    /// Starts every time.
    pub fn ok() -> Plan {
        Plan::new([], Boot::Ok)
    }

    /// Starts the first time, then `then` (the suite's `start_child(error)`).
    pub fn once_then(then: Boot) -> Plan {
        Plan::new([Boot::Ok], then)
    }

    /// From now on every start does `then`.
    pub fn set(&self, then: Boot) {
        let mut p = self.0.lock().unwrap();
        p.0.clear();
        p.1 = then;
    }

    fn next(&self) -> Boot {
        let mut p = self.0.lock().unwrap();
        p.0.pop_front().unwrap_or_else(|| p.1.clone())
    }
}

// ---- the worker -----------------------------------------------------------------------------

/// A child gen_server (see the module's doc).
pub struct Worker {
    id: &'static str,
    log: Log,
    boot: Boot,
    trap: bool,
    linger: Option<Duration>,
}

#[derive(Debug)]
pub enum WCall {
    /// Answers the worker's pid.
    Ping,
    /// Answers, then stops with the reason.
    Stop(ExitReason),
    /// Panics: the caller gets the crash.
    Crash,
}

#[derive(Debug)]
pub enum WCast {
    /// Panics (an abnormal exit, OTP's `die`).
    Crash,
    /// Stops with the reason.
    Exit(ExitReason),
    /// Sleeps in the handler: a trapped shutdown waits in the mailbox meanwhile.
    Sleep(Duration),
}

impl GenServer for Worker {
    type Call = WCall;
    type Reply = Pid;
    type Cast = WCast;
    type Info = ();
    type Continue = ();

    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        if self.trap {
            ctx.trap_exit(true);
        }
        match self.boot.clone() {
            Boot::Ok => {
                self.log.push(Ev::Started(self.id, ctx.pid()));
                Init::Ok
            }
            Boot::Ignore => {
                self.log.push(Ev::Refused(self.id));
                Init::Ignore
            }
            Boot::Fail => {
                self.log.push(Ev::Refused(self.id));
                Init::Stop(ExitReason::other("start failed"))
            }
            Boot::SlowFail(d) => {
                otp_runtime::time::sleep(d).await;
                self.log.push(Ev::Refused(self.id));
                Init::Stop(ExitReason::other("start failed"))
            }
            Boot::Panic => {
                self.log.push(Ev::Refused(self.id));
                panic!("start panicked")
            }
        }
    }

    async fn handle_call(&mut self, req: WCall, ctx: &mut Ctx<Self>) -> CallResult<Pid> {
        match req {
            WCall::Ping => CallResult::Reply(ctx.pid()),
            WCall::Stop(reason) => CallResult::StopReply(reason, ctx.pid()),
            WCall::Crash => panic!("asked to crash"),
        }
    }

    async fn handle_cast(&mut self, msg: WCast, _ctx: &mut Ctx<Self>) -> Outcome {
        match msg {
            WCast::Crash => panic!("asked to crash"),
            WCast::Exit(reason) => Outcome::Stop(reason),
            WCast::Sleep(d) => {
                otp_runtime::time::sleep(d).await;
                Outcome::NoReply
            }
        }
    }

    async fn terminate(&mut self, reason: &ExitReason, ctx: &mut Ctx<Self>) {
        self.log
            .push(Ev::Terminating(self.id, ctx.pid(), reason.clone()));
        if let Some(d) = self.linger {
            otp_runtime::time::sleep(d).await;
        }
    }
}

/// How to build a worker child: its plan, whether it traps exits, how long its `terminate`
/// lingers.
#[derive(Clone)]
pub struct W {
    pub plan: Plan,
    pub trap: bool,
    pub linger: Option<Duration>,
}

impl W {
    pub fn new() -> W {
        W {
            plan: Plan::ok(),
            trap: false,
            linger: None,
        }
    }

    pub fn plan(mut self, plan: &Plan) -> W {
        self.plan = plan.clone();
        self
    }

    /// Traps exits: a shutdown runs `terminate` (logged) instead of killing at once.
    pub fn trap(mut self) -> W {
        self.trap = true;
        self
    }

    /// Traps exits and lingers this long in `terminate`.
    pub fn linger(mut self, d: Duration) -> W {
        self.trap = true;
        self.linger = Some(d);
        self
    }

    fn make(&self, id: &'static str, log: &Log) -> impl Fn() -> Worker + Send + Sync + 'static {
        let (w, log) = (self.clone(), log.clone());
        move || Worker {
            id,
            log: log.clone(),
            boot: w.plan.next(),
            trap: w.trap,
            linger: w.linger,
        }
    }

    /// The child spec of a worker with this id.
    pub fn spec(&self, id: &'static str, log: &Log) -> ChildSpec {
        ChildSpec::worker(id, self.make(id, log))
    }

    /// A dynamic supervisor's template: `start_child`'s argument is the `linger` of that
    /// child (`None`: this `W`'s).
    pub fn template(&self, id: &'static str, log: &Log) -> DynamicSupervisorSpec<Option<Duration>> {
        let (w, log) = (self.clone(), log.clone());
        DynamicSupervisorSpec::worker(id, move |linger: Option<Duration>| Worker {
            id,
            log: log.clone(),
            boot: w.plan.next(),
            trap: w.trap || linger.is_some(),
            linger: linger.or(w.linger),
        })
    }
}

impl Default for W {
    fn default() -> Self {
        W::new()
    }
}

/// A plain worker child: starts every time, does not trap exits.
pub fn worker(id: &'static str, log: &Log) -> ChildSpec {
    W::new().spec(id, log)
}

// ---- acting on children ---------------------------------------------------------------------

/// A handle on the worker `pid`.
pub fn handle(pid: Pid) -> ServerRef<Worker> {
    ServerRef::from_pid(pid).expect("a live worker")
}

/// Makes the worker panic and waits for it to be dead (OTP's `terminate(Pid, abnormal)`).
///
/// The waits below start polling before any other task runs (the tests run on one thread),
/// so they always see the death they wait for.
pub async fn crash(pid: Pid) {
    handle(pid).cast(WCast::Crash);
    let reason = otp_runtime::wait_exit(pid).await;
    assert!(matches!(reason, ExitReason::Panic(_)), "{reason:?}");
}

/// Makes the worker exit with `reason` and waits for it to be dead.
pub async fn exit_with(pid: Pid, reason: ExitReason) {
    handle(pid).cast(WCast::Exit(reason.clone()));
    assert_eq!(otp_runtime::wait_exit(pid).await, reason);
}

/// Kills any process and waits for it to be dead.
pub async fn kill(pid: Pid) {
    otp_runtime::exit(pid, ExitReason::Kill);
    assert_eq!(otp_runtime::wait_exit(pid).await, ExitReason::Killed);
}

// ---- reading a supervisor -------------------------------------------------------------------

/// `(id, state)` of each child, newest first, as `which_children` lists them.
pub fn states(children: &[ChildInfo]) -> Vec<(&str, ChildState)> {
    children.iter().map(|c| (&*c.id, c.state)).collect()
}

/// The pid of the running child `id`.
pub fn pid_of(children: &[ChildInfo], id: &str) -> Pid {
    match children.iter().find(|c| &*c.id == id).map(|c| c.state) {
        Some(ChildState::Running(pid)) => pid,
        other => panic!("child {id} is not running: {other:?}"),
    }
}

/// The pid of the running child `id` of `sup`.
pub async fn child_pid(sup: &SupervisorRef, id: &str) -> Pid {
    pid_of(&sup.which_children().await.unwrap(), id)
}

/// `ChildCounts` in OTP's order: specs, active, supervisors, workers.
pub fn counts(specs: usize, active: usize, supervisors: usize, workers: usize) -> ChildCounts {
    ChildCounts {
        specs,
        active,
        supervisors,
        workers,
    }
}

/// Whether the supervisor is still alive and serving: a request sent now is served after
/// every exit signal already in its mailbox (messages are ordered), so this is how a test
/// sees that those exits did *not* stop it (OTP's `error = check_exit([Sup], 1000)`).
pub async fn serving(sup: &SupervisorRef) -> bool {
    sup.count_children().await.is_ok()
}

// ---- watching deaths ------------------------------------------------------------------------

/// The order processes die in, seen by a process that monitors them (the suite traces exits
/// with `dbg` for this).
pub struct Watch(oneshot::Receiver<Vec<(Pid, ExitReason)>>);

/// Starts watching `pids`; returns once the monitors are in place.
pub async fn watch(pids: &[Pid]) -> Watch {
    let pids = pids.to_vec();
    let (ready_tx, ready_rx) = oneshot::channel();
    let (done_tx, done_rx) = oneshot::channel();
    otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
        for &p in &pids {
            ctx.monitor(p);
        }
        let _ = ready_tx.send(());
        let mut seen = Vec::new();
        while seen.len() < pids.len() {
            if let Message::Down { pid, reason, .. } = ctx.recv().await {
                seen.push((pid, reason));
            }
        }
        let _ = done_tx.send(seen);
        ExitReason::Normal
    });
    ready_rx.await.unwrap();
    Watch(done_rx)
}

impl Watch {
    /// The watched processes with their exit reasons, in the order they died.
    pub async fn deaths(self) -> Vec<(Pid, ExitReason)> {
        self.0.await.unwrap()
    }
}

// ---- a parent process -----------------------------------------------------------------------

/// A supervisor started linked to a parent process, which exits when told to.
pub struct Parent {
    process: ProcessRef<ExitReason>,
    pub sup: SupervisorRef,
}

/// Starts `spec` with `start_link` from a new parent process.
pub async fn under_parent(spec: SupervisorSpec) -> Parent {
    let (tx, rx) = oneshot::channel();
    let process = otp_runtime::spawn(move |mut ctx: ProcessCtx<ExitReason>| async move {
        let _ = tx.send(spec.start_link().await);
        match ctx.recv().await {
            Message::Msg(reason) => reason,
            _ => ExitReason::Normal,
        }
    });
    let sup = rx.await.unwrap().expect("the supervisor starts");
    Parent { process, sup }
}

impl Parent {
    /// The parent exits with `reason`; its link signals the supervisor.
    pub fn exit(&self, reason: ExitReason) {
        self.process.send(reason).unwrap();
    }
}
