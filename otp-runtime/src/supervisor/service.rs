//! Service children: an async function that runs until its supervisor stops it, then drains.
//!
//! Most of a Rust service is not a gen_server but a loop someone else wrote: an HTTP server,
//! a queue consumer, a gRPC endpoint. [`ChildSpec::service`](super::ChildSpec::service)
//! puts one in a supervision tree. The function runs in a process of its own, linked to the
//! supervisor, which traps exits for it:
//!
//! ```text
//!   supervisor ── shutdown ──▶ service process ── StopSignal fires ──▶ the service drains
//!              ◀── EXIT shutdown ─┘  (when the function returns, or killed at the deadline)
//! ```
//!
//! - When its supervisor stops it (a restart of its siblings, `terminate_child`, the tree's or
//!   the node's shutdown), the [`StopSignal`] the function was given resolves, and the
//!   function has the child's shutdown budget to finish in-flight work and return. Past the
//!   budget it is killed: its future is dropped, and the tasks it spawned with
//!   [`spawn_task`](crate::spawn_task) are aborted.
//! - Its return before it was told to stop ends the child: `Ok` (or `()`) as `normal`, an
//!   `Err` as an abnormal exit with the error's text ([`TaskExit`]). A panic is a crash. The
//!   supervisor restarts it by its restart type, as any child.
//! - A linked process's (or linked task's) abnormal exit kills it, as it would a process that
//!   does not trap exits.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use tokio::sync::futures::OwnedNotified;
use tokio::sync::Notify;

use super::spec::{started, StartFn};
use crate::process::{current, is_parent, Message, Prepared, ProcessCtx};
use crate::registry::Name;
use crate::{ExitReason, Pid, RegisterError, StartError, TaskExit};

/// What a [service](super::ChildSpec::service) is given: a future that resolves when its
/// supervisor tells it to stop, at which point it should stop taking work, finish what is in
/// flight, and return. `Clone`: every clone resolves at the same moment, so one can go to the
/// HTTP server's graceful shutdown and another to a background loop.
///
/// It is `Send + Sync + 'static` and `Unpin`, so it can be handed to whatever takes a
/// shutdown future, such as axum's `serve(..).with_graceful_shutdown(stop)`.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use std::time::Duration;
///
/// /// Counts ticks until told to stop.
/// async fn ticker(stop: StopSignal) {
///     let mut ticks = 0u64;
///     let mut stopped = std::pin::pin!(stop.clone());
///     loop {
///         tokio::select! {
///             _ = &mut stopped => break,
///             _ = otp_runtime::time::sleep(Duration::from_millis(100)) => ticks += 1,
///         }
///     }
///     assert!(stop.is_stopping());
///     assert_eq!(stop.reason(), Some(ExitReason::Shutdown));
///     let _ = ticks;
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let sup = SupervisorSpec::one_for_one()
///     .child(ChildSpec::service("ticker", ticker))
///     .start()
///     .await
///     .unwrap();
/// otp_runtime::time::sleep(Duration::from_secs(1)).await;
/// sup.stop().await.unwrap();
/// # }
/// ```
pub struct StopSignal {
    shared: Arc<StopShared>,
    /// The wait in progress, made at the first poll that finds no stop yet.
    wait: Option<Pin<Box<OwnedNotified>>>,
}

struct StopShared {
    /// Set once, by the service's process, when its supervisor stops it.
    reason: OnceLock<ExitReason>,
    notify: Arc<Notify>,
}

impl StopSignal {
    fn new() -> StopSignal {
        StopSignal {
            shared: Arc::new(StopShared {
                reason: OnceLock::new(),
                notify: Arc::new(Notify::new()),
            }),
            wait: None,
        }
    }

    /// Fires every clone: the service is told to stop, for `reason`.
    fn fire(&self, reason: ExitReason) {
        if self.shared.reason.set(reason).is_ok() {
            self.shared.notify.notify_waiters();
        }
    }

    /// Whether the service has been told to stop.
    ///
    /// # Examples
    ///
    /// See [`StopSignal`].
    pub fn is_stopping(&self) -> bool {
        self.shared.reason.get().is_some()
    }

    /// Why the service was told to stop: the reason of its supervisor's exit signal
    /// (`Shutdown` from a supervisor; another if the supervisor itself died of one).
    ///
    /// # Examples
    ///
    /// See [`StopSignal`].
    pub fn reason(&self) -> Option<ExitReason> {
        self.shared.reason.get().cloned()
    }
}

impl Clone for StopSignal {
    fn clone(&self) -> Self {
        StopSignal {
            shared: self.shared.clone(),
            wait: None,
        }
    }
}

impl std::fmt::Debug for StopSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopSignal")
            .field("reason", &self.shared.reason.get())
            .finish()
    }
}

impl Future for StopSignal {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            if this.is_stopping() {
                this.wait = None;
                return Poll::Ready(());
            }
            // Made before the check above is repeated: a `fire` in between completes it.
            let shared = &this.shared;
            let wait = this
                .wait
                .get_or_insert_with(|| Box::pin(shared.notify.clone().notified_owned()));
            wait.as_mut().enable();
            if shared.reason.get().is_some() {
                continue;
            }
            match wait.as_mut().poll(cx) {
                Poll::Ready(()) => this.wait = None,
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The start function of a service child.
pub(crate) fn service_start<F, Fut>(service: F) -> StartFn
where
    F: Fn(StopSignal) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: TaskExit,
{
    let service = Arc::new(service);
    Arc::new(move |name: Option<Name>| {
        let service = service.clone();
        Box::pin(async move { started(start(service, name)) })
    })
}

/// Starts a service's process, linked to the caller (its supervisor), registered under
/// `name` before it runs.
fn start<F, Fut>(service: Arc<F>, name: Option<Name>) -> Result<Pid, StartError>
where
    F: Fn(StopSignal) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: TaskExit,
{
    let mut prepared = Prepared::<()>::new();
    if prepared.is_stillborn() {
        return Err(StartError::NodeStopped);
    }
    if let Some(name) = name {
        prepared.enter_table();
        let node = prepared.node().clone();
        if let Err(e) = node.0.names.register(name, prepared.core().clone()) {
            prepared.leave_table();
            return Err(match e {
                RegisterError::Taken(pid) => StartError::AlreadyStarted(pid),
                other => StartError::Failed(ExitReason::other(other)),
            });
        }
    }
    let parent = current::with(|me| {
        prepared.link_with(me);
        me.shared().pid()
    })
    .ok();
    // Trapping from the start: the parent's `shutdown` must become the stop signal, never a
    // death before the service ran.
    prepared.core().shared.set_trapping(true);
    let process = prepared.run(move |ctx| run(ctx, parent, service));
    Ok(process.pid())
}

/// The service's process: the service's future and the mailbox, polled together.
async fn run<F, Fut>(mut ctx: ProcessCtx<()>, parent: Option<Pid>, service: Arc<F>) -> ExitReason
where
    F: Fn(StopSignal) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: TaskExit,
{
    let stop = StopSignal::new();
    // However the process ends (a crash, a kill, a linked exit), whatever still waits on the
    // signal (axum's connections, a task the service handed it to) is told: nothing of this
    // incarnation goes on serving beside the next. Fired first by the cases below that know
    // their reason; fired at most once.
    struct FireOnEnd(StopSignal);
    impl Drop for FireOnEnd {
        fn drop(&mut self) {
            self.0.fire(ExitReason::Killed);
        }
    }
    let _fire_on_end = FireOnEnd(stop.clone());
    // A panic here or in the future is the process's crash, reported as such.
    let mut fut = std::pin::pin!(service(stop.clone()));
    let mut stopping: Option<ExitReason> = None;
    loop {
        let event = std::future::poll_fn(|cx| {
            if let Poll::Ready(out) = fut.as_mut().poll(cx) {
                return Poll::Ready(Ok(out));
            }
            ctx.poll_recv(cx).map(Err)
        })
        .await;
        match event {
            Ok(out) => {
                let reason = match (out.exit_reason(), stopping) {
                    (Some(failure), _) => failure,
                    // Drained: the reason it was stopped for, as its supervisor expects.
                    (None, Some(reason)) => reason,
                    (None, None) => ExitReason::Normal,
                };
                stop.fire(reason.clone());
                return reason;
            }
            Err(Message::Exit { from, reason }) if is_parent(ctx.shared(), parent, from) => {
                if stopping.is_none() {
                    stop.fire(reason.clone());
                    stopping = Some(reason);
                }
            }
            // Another link's: what it would do to a process that does not trap exits.
            Err(Message::Exit { reason, .. }) if !reason.is_normal() => {
                stop.fire(reason.clone());
                return reason;
            }
            Err(_) => {}
        }
    }
}
