//! The node's controller: one gen_server that starts the applications in order, is linked to
//! (and the parent of) each top process, applies the start types when one exits, and stops
//! them in reverse order (OTP's `application_controller` and `application_master` in one
//! process: there are no group leaders to keep apart here).

use std::sync::{Arc, Mutex, PoisonError};

use super::{ApplicationError, BootError, Node, NodeExit};
use crate::application::{AnyApplication, ApplicationInfo, Loaded, StartType};
use crate::process::run::catch_unwind_future;
use crate::{CallResult, Ctx, ExitReason, GenServer, Info, Init, Outcome, Pid, StartError};

/// What the node's handles and its `run` read once the controller is gone.
pub(crate) type OutcomeSlot = Arc<Mutex<Option<NodeExit>>>;

pub(crate) fn outcome_of(slot: &OutcomeSlot) -> Option<NodeExit> {
    slot.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

pub(crate) fn set_outcome(slot: &OutcomeSlot, exit: NodeExit) {
    let mut o = slot.lock().unwrap_or_else(PoisonError::into_inner);
    if o.is_none() {
        *o = Some(exit);
    }
}

/// One application, in start order.
pub(crate) struct Slot {
    pub(crate) app: Box<dyn AnyApplication>,
    pub(crate) info: ApplicationInfo,
    pub(crate) config: Loaded,
    pub(crate) state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Not started yet, or its start failed.
    NotStarted,
    /// Running as this top process.
    Running(Pid),
    /// Stopped, or exited on its own.
    Ended,
}

pub(crate) struct Controller {
    node: Node,
    pub(crate) apps: Vec<Slot>,
    pub(crate) outcome: OutcomeSlot,
    /// How many applications' configurations are registered (a prefix of `apps`).
    registered: usize,
}

pub(crate) enum Call {
    Which,
    Stop(String),
}

pub(crate) enum Reply {
    Which(Vec<ApplicationInfo>),
    Stopped(Result<(), ApplicationError>),
}

/// `Node::request_stop`: stop, without anyone waiting for it.
pub(crate) enum Cast {
    Stop,
}

impl Controller {
    pub(crate) fn new(node: Node, apps: Vec<Slot>, outcome: OutcomeSlot) -> Self {
        Controller {
            node,
            apps,
            outcome,
            registered: 0,
        }
    }

    /// Boots: registers every configuration, then starts the applications in order.
    async fn boot(&mut self, ctx: &mut Ctx<Self>) -> Result<(), BootError> {
        for slot in &self.apps {
            if !self.node.envs().register(slot.info.name, &slot.config) {
                return Err(BootError::AlreadyStarted);
            }
            self.registered += 1;
        }
        for i in 0..self.apps.len() {
            if let Err(e) = self.start_app(i, ctx).await {
                let info = &self.apps[i].info;
                tracing::error!(
                    application = info.name,
                    error = %e,
                    start_type = %info.start_type,
                    "application failed to start"
                );
                if info.start_type != StartType::Temporary {
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Starts application `i` (OTP's `start_appl`): its dependencies must run.
    async fn start_app(&mut self, i: usize, ctx: &mut Ctx<Self>) -> Result<(), BootError> {
        let name = self.apps[i].info.name;
        for &dep in self.apps[i].app.depends_on() {
            let running = self
                .apps
                .iter()
                .any(|s| s.info.name == dep && matches!(s.state, State::Running(_)));
            if !running {
                return Err(BootError::DependencyNotRunning {
                    application: name,
                    dependency: dep,
                });
            }
        }
        let slot = &self.apps[i];
        let failed = |error| BootError::StartFailed {
            application: name,
            error,
        };
        let top = match catch_unwind_future(slot.app.start(&slot.config)).await {
            Ok(Ok(Some(pid))) => pid,
            Ok(Ok(None)) => return Err(failed(StartError::Failed(ExitReason::NoProc))),
            Ok(Err(e)) => return Err(failed(e)),
            Err(panic) => return Err(failed(StartError::Failed(panic))),
        };
        if !crate::is_alive(top) {
            // It died as soon as it started: its exit reason, if it is still to be had.
            let reason = crate::wait_exit(top).await;
            return Err(failed(StartError::Failed(ExitReason::other(format_args!(
                "the top process exited during start: {reason}"
            )))));
        }
        // The node must be the top process's parent: its `shutdown` is how the application
        // stops. A process started unlinked would ignore it, and the node would wait forever.
        if !crate::links(top).contains(&ctx.pid()) {
            crate::exit(top, ExitReason::Kill);
            return Err(failed(StartError::Failed(ExitReason::other(
                "the top process is not linked to the node: start it with start_link",
            ))));
        }
        self.apps[i].state = State::Running(top);
        let info = &self.apps[i].info;
        tracing::info!(
            application = info.name,
            version = info.version,
            start_type = %info.start_type,
            pid = %top,
            "application started"
        );
        Ok(())
    }

    /// Stops application `i` if it runs (OTP's `stop_appl`): `prep_stop`, the top process
    /// shut down as its parent does it (exit signal `shutdown`, then as long as it takes),
    /// then `stop`.
    async fn stop_app(&mut self, i: usize) {
        let State::Running(top) = self.apps[i].state else {
            return;
        };
        // Its exit from here on is the stop, not a failure.
        self.apps[i].state = State::Ended;
        let slot = &self.apps[i];
        callback(slot.info.name, "prep_stop", slot.app.prep_stop()).await;
        crate::exit(top, ExitReason::Shutdown);
        let reason = crate::wait_exit(top).await;
        callback(slot.info.name, "stop", slot.app.stop()).await;
        let (name, start_type) = (slot.info.name, slot.info.start_type);
        match reason {
            // `NoProc`: it was gone already; its exit is in the mailbox, not handled since
            // this stop began.
            ExitReason::Shutdown | ExitReason::NoProc => {
                tracing::info!(application = name, exited = "stopped", %start_type, "application exited")
            }
            // It ended otherwise while it was being stopped (a crash during the stop).
            reason => tracing::error!(
                application = name,
                exited = "stopped",
                %reason,
                %start_type,
                "application exited"
            ),
        }
    }

    /// Stops every running application, the last started first, and forgets their
    /// configurations.
    async fn stop_all(&mut self) {
        for i in (0..self.apps.len()).rev() {
            self.stop_app(i).await;
        }
        for slot in &self.apps[..self.registered] {
            self.node.envs().unregister(slot.info.name);
        }
        self.registered = 0;
    }

    /// A top process exited on its own: the application's `prep_stop` and `stop` run (as
    /// OTP's `application_master` does), then what its start type says (OTP's
    /// `application_controller` on `{'EXIT', Pid, Reason}`).
    async fn exited(&mut self, top: Pid, reason: ExitReason) -> Outcome {
        let Some(slot) = self
            .apps
            .iter_mut()
            .find(|s| s.state == State::Running(top))
        else {
            // A top we stopped ourselves, or another linked process: nothing to decide.
            return Outcome::NoReply;
        };
        slot.state = State::Ended;
        let (name, start_type) = (slot.info.name, slot.info.start_type);
        callback(name, "prep_stop", slot.app.prep_stop()).await;
        callback(name, "stop", slot.app.stop()).await;
        let fatal = match start_type {
            StartType::Temporary => false,
            StartType::Transient => reason != ExitReason::Normal,
            StartType::Permanent => true,
        };
        if fatal || !reason.is_clean() {
            tracing::error!(application = name, exited = %reason, %start_type, "application exited");
        } else {
            tracing::info!(application = name, exited = %reason, %start_type, "application exited");
        }
        if !fatal {
            return Outcome::NoReply;
        }
        set_outcome(
            &self.outcome,
            NodeExit::ApplicationTerminated {
                application: name,
                reason,
            },
        );
        // A clean reason for the controller itself: the application's exit was reported.
        Outcome::Stop(ExitReason::shutdown_with(format_args!(
            "application {name} terminated"
        )))
    }
}

/// Runs an application's `prep_stop` or `stop`; a panic in it is reported, and the node goes
/// on stopping.
async fn callback(name: &'static str, which: &'static str, f: crate::BoxFuture<'_, ()>) {
    if let Err(panic) = catch_unwind_future(f).await {
        tracing::error!(application = name, callback = which, reason = %panic, "application callback panicked");
    }
}

impl GenServer for Controller {
    type Call = Call;
    type Reply = Reply;
    type Cast = Cast;
    type Info = ();
    type Continue = ();

    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        ctx.trap_exit(true);
        match self.boot(ctx).await {
            Ok(()) => Init::Ok,
            Err(e) => {
                // terminate does not run after a failed init: stop what started here.
                self.stop_all().await;
                set_outcome(&self.outcome, NodeExit::BootFailed(e));
                Init::Stop(ExitReason::shutdown_with("boot failed"))
            }
        }
    }

    async fn handle_call(&mut self, call: Call, _ctx: &mut Ctx<Self>) -> CallResult<Reply> {
        CallResult::Reply(match call {
            Call::Which => Reply::Which(
                self.apps
                    .iter()
                    .filter(|s| matches!(s.state, State::Running(_)))
                    .map(|s| s.info.clone())
                    .collect(),
            ),
            Call::Stop(name) => {
                let found = self.apps.iter().position(|s| s.info.name == name);
                Reply::Stopped(match found {
                    None => Err(ApplicationError::Unknown(name)),
                    Some(i) if !matches!(self.apps[i].state, State::Running(_)) => {
                        Err(ApplicationError::NotRunning(name))
                    }
                    Some(i) => {
                        self.stop_app(i).await;
                        Ok(())
                    }
                })
            }
        })
    }

    async fn handle_cast(&mut self, cast: Cast, _ctx: &mut Ctx<Self>) -> Outcome {
        match cast {
            Cast::Stop => Outcome::Stop(ExitReason::Normal),
        }
    }

    async fn handle_info(&mut self, info: Info<()>, _ctx: &mut Ctx<Self>) -> Outcome {
        match info {
            Info::Exit { from, reason } => self.exited(from, reason).await,
            _ => Outcome::NoReply,
        }
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut Ctx<Self>) {
        self.stop_all().await;
        set_outcome(&self.outcome, NodeExit::Stopped);
    }
}
