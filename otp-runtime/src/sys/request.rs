//! How a system request reaches a behaviour's process and comes back, and the debugging
//! state (trace, statistics) a server keeps once asked.

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;

use super::{
    Behaviour, LogEvent, LogFlag, RunStatus, Statistics, StatsFlag, Status, SysError,
    SysEvent as Event, Target, TargetInner,
};
use crate::node::Node;
use crate::process::core::{Entry, Shared};
use crate::process::wait_shared_exit;
use crate::Pid;

/// A request: runs inside the server, between two messages, and answers through the
/// oneshot it captured.
pub(crate) type Req = Box<dyn FnOnce(&mut dyn Host) + Send>;

/// A request's work, with its answer.
pub(super) type Work<R> = Box<dyn FnOnce(&mut dyn Host) -> R + Send>;

/// The node's side queues: requests by pid number, taken whole by the process when its
/// flag (`Shared::sys_signal`) tells it some wait. Empty (and never locked) while nobody
/// uses `sys`.
#[derive(Default)]
pub(crate) struct Queues(Mutex<HashMap<u64, Vec<Req>>>);

impl Queues {
    pub(super) fn push(&self, pid: Pid, req: Req) {
        self.lock().entry(pid.number().get()).or_default().push(req);
    }

    /// The requests waiting for `pid`.
    pub(crate) fn take(&self, pid: Pid) -> Vec<Req> {
        self.lock().remove(&pid.number().get()).unwrap_or_default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Vec<Req>>> {
        // Requests run outside the lock: nothing panics while holding it.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a behaviour's loop shows a request: the server and its context, untyped.
pub(crate) trait Host {
    fn shared(&self) -> &Shared;
    /// The callback module's type name.
    fn module(&mut self) -> &'static str;
    fn format_state(&self) -> Option<String>;
    /// The state `inspect` reaches, and its type's name.
    fn state(&mut self) -> (&mut dyn Any, &'static str);
    fn status(&mut self) -> Status;
    /// A supervisor's restarts and children.
    fn supervisor(&self) -> Option<super::SupervisorView>;
    /// The process that started it linked.
    fn status_parent(&self) -> Option<Pid>;
    /// Its mailbox's length and the messages it handled.
    fn messages_handled(&self) -> (usize, u64);
    fn debug_mut(&mut self) -> &mut SysDebug;
}

/// The fields of a [`Status`] every behaviour fills the same way.
pub(crate) struct StatusParts {
    pub(crate) module: &'static str,
    pub(crate) parent: Option<Pid>,
    pub(crate) message_queue_len: usize,
    pub(crate) messages_handled: u64,
    pub(crate) state: Option<String>,
    pub(crate) data: Vec<(&'static str, String)>,
    pub(crate) debug: Option<SysDebugView>,
}

/// A copy of the debugging flags for a status.
pub(crate) struct SysDebugView {
    trace: bool,
    stats: Option<Statistics>,
}

impl StatusParts {
    pub(crate) fn into_status(self, sh: &Shared) -> Status {
        Status {
            pid: sh.pid(),
            name: sh.name(),
            behaviour: Behaviour::from_bits(sh.behaviour()),
            module: self.module,
            status: if sh.is_suspended() {
                RunStatus::Suspended
            } else {
                RunStatus::Running
            },
            parent: self.parent,
            message_queue_len: self.message_queue_len,
            messages_handled: self.messages_handled,
            state: self.state,
            data: self.data,
            trace: self.debug.as_ref().is_some_and(|d| d.trace),
            statistics: self.debug.and_then(|d| d.stats),
        }
    }
}

/// What a server keeps once `trace` or `statistics` was asked for (boxed, in its context:
/// `None` until then).
#[derive(Default, Debug)]
pub(crate) struct SysDebug {
    trace: bool,
    stats: Option<Statistics>,
    /// The last events, at most `.0` of them, once `log` was turned on.
    log: Option<(usize, VecDeque<LogEvent>)>,
}

impl SysDebug {
    pub(crate) fn view(&self) -> SysDebugView {
        SysDebugView {
            trace: self.trace,
            stats: self.stats,
        }
    }

    pub(super) fn set_trace(&mut self, on: bool) {
        self.trace = on;
    }

    pub(super) fn statistics(&mut self, flag: StatsFlag) -> Option<Statistics> {
        match flag {
            StatsFlag::On => {
                self.stats = Some(Statistics {
                    since: crate::time::Instant::now(),
                    messages_in: 0,
                    replies: 0,
                });
                None
            }
            StatsFlag::Off => self.stats.take(),
            StatsFlag::Get => self.stats,
        }
    }

    pub(super) fn log(&mut self, flag: LogFlag) -> Option<Vec<LogEvent>> {
        match flag {
            LogFlag::On(n) => {
                let n = n.max(1);
                match &mut self.log {
                    // OTP keeps what it has when the log is on already, up to the new size.
                    Some((cap, events)) => {
                        *cap = n;
                        while events.len() > n {
                            events.pop_front();
                        }
                    }
                    None => self.log = Some((n, VecDeque::with_capacity(n.min(64)))),
                }
                None
            }
            LogFlag::Off => self.log.take().map(|(_, e)| e.into()),
            LogFlag::Get => self.log.as_ref().map(|(_, e)| e.iter().copied().collect()),
        }
    }

    /// Whether nothing is on any more: the box can go.
    pub(crate) fn is_idle(&self) -> bool {
        !self.trace && self.stats.is_none() && self.log.is_none()
    }

    #[cold]
    fn logged(&mut self, event: Event) {
        if let Some((cap, events)) = &mut self.log {
            if events.len() >= *cap {
                events.pop_front();
            }
            events.push_back(LogEvent {
                at: crate::time::Instant::now(),
                event,
            });
        }
    }

    /// A message arrived.
    #[cold]
    pub(crate) fn on_in(&mut self, pid: Pid, event: Event) {
        if let Some(s) = &mut self.stats {
            s.messages_in += 1;
        }
        self.logged(event);
        if self.trace {
            tracing::info!(target: "otp_runtime::sys", %pid, event = event.as_str(), "*DBG* {pid} got {}", event.as_str());
        }
    }

    /// A reply went out.
    #[cold]
    pub(crate) fn on_reply(&mut self, pid: Pid) {
        if let Some(s) = &mut self.stats {
            s.replies += 1;
        }
        self.logged(Event::Reply);
        if self.trace {
            tracing::info!(target: "otp_runtime::sys", %pid, event = "reply", "*DBG* {pid} sent reply");
        }
    }

    /// A message was handled; `state` is the state's text form, when tracing wants it.
    #[cold]
    pub(crate) fn on_state(&self, pid: Pid, state: impl FnOnce() -> Option<String>) {
        if self.trace {
            if let Some(state) = state() {
                tracing::info!(target: "otp_runtime::sys", %pid, event = "new state", %state, "*DBG* {pid} new state {state}");
            }
        }
    }
}

/// Sends `req` to `target` on `node` and waits for its answer, the target's death or the
/// timeout.
pub(super) async fn request<R: Send + 'static>(
    node: &Node,
    target: &Target,
    timeout: Duration,
    f: Work<R>,
) -> Result<R, SysError> {
    let entry = resolve(node, target)?;
    let sh = entry.shared();
    let pid = sh.pid();
    if Behaviour::from_bits(sh.behaviour()) == Behaviour::Plain {
        return Err(SysError::NotABehaviour(pid));
    }
    if crate::process::current::pid() == Some(pid) {
        return Err(SysError::OwnProcess);
    }
    let (tx, rx) = oneshot::channel();
    node.0.sys.push(
        pid,
        Box::new(move |h: &mut dyn Host| {
            let _ = tx.send(f(h));
        }),
    );
    sh.sys_signal();
    let answer = async {
        tokio::select! {
            biased;
            r = rx => r.map_err(|_| None),
            reason = wait_shared_exit(sh) => Err(Some(reason)),
        }
    };
    let result = match crate::time::timeout(timeout, answer).await {
        Some(Ok(r)) => Ok(r),
        // Dropped unanswered: the process died, and its context took the queue with it.
        Some(Err(None)) => Err(SysError::Exited(wait_shared_exit(sh).await)),
        Some(Err(Some(reason))) => Err(SysError::Exited(reason)),
        None => Err(SysError::Timeout(timeout)),
    };
    if result.is_err() && sh.is_exited() {
        // Nobody will take them now.
        drop(node.0.sys.take(pid));
    }
    result
}

pub(super) fn resolve(node: &Node, target: &Target) -> Result<std::sync::Arc<dyn Entry>, SysError> {
    let pid = match &target.0 {
        TargetInner::Pid(pid) => *pid,
        TargetInner::Name(name) => node.whereis(name.as_str()).ok_or(SysError::NoProc)?,
        TargetInner::Missing => return Err(SysError::NoProc),
    };
    match node.entry(pid) {
        Ok(Some(e)) if !e.shared().is_exited() => Ok(e),
        Ok(_) => Err(SysError::NoProc),
        Err(()) => Err(SysError::OtherNode(pid)),
    }
}
