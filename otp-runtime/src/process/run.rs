//! The future every process runs in: it contains crashes, acts on exit signals, and performs
//! the process's death.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::core::{mark_dead, signal_death, Core, Tombstone};
use super::current;
use super::task::TaskSet;
use crate::ExitReason;

#[cfg(feature = "sim")]
type SimHook = Option<Box<crate::sim::ProcHook>>;
#[cfg(not(feature = "sim"))]
type SimHook = ();

pin_project! {
    /// Wraps the user's process future `F`.
    ///
    /// Each poll: registers the task's waker if it changed (so exit signals can wake the
    /// process whatever it awaits), acts on a pending exit signal, then polls `F` with panics caught. When `F`
    /// ends, panics or is killed, the process dies: its reason is recorded, `F` (and with it
    /// the process's state, mailbox and timers) is dropped, then the world is told.
    pub(crate) struct ProcessFuture<M, F>
    where
        M: Send,
        M: 'static,
    {
        core: Arc<Core<M>>,
        #[pin]
        inner: Option<F>,
        // Its link to a deterministic simulation's world, when it runs in one.
        sim: SimHook,
    }

    impl<M, F> PinnedDrop for ProcessFuture<M, F>
    where
        M: Send,
        M: 'static,
    {
        fn drop(this: Pin<&mut Self>) {
            // Dropped before it finished: the tokio runtime is shutting down. The process dies
            // `killed`, so that its links, monitors and name do not outlive it.
            let mut this = this.project();
            if this.inner.is_some() {
                let mut tomb = mark_dead(&**this.core, ExitReason::Killed);
                // SAFETY: the future's drop is its process's registrant's last act.
                unsafe { this.core.shared.waker.clear() };
                // Its tasks are aborted; with the runtime going, nothing waits for them.
                if let Some(tasks) = tomb.take_tasks(&this.core.shared) {
                    tasks.close();
                }
                {
                    // Its state's destructors run as the process, on its node.
                    let _current = current::enter(&**this.core);
                    if catch_unwind(AssertUnwindSafe(|| this.inner.set(None))).is_err() {
                        crate::panics::report_dropped(this.core.shared.pid());
                    }
                }
                signal_death(&this.core.shared, &ExitReason::Killed, tomb);
            }
        }
    }
}

impl<M: Send + 'static, F> ProcessFuture<M, F> {
    pub(crate) fn new(core: Arc<Core<M>>, inner: F) -> Self {
        ProcessFuture {
            #[cfg(feature = "sim")]
            sim: crate::sim::ProcHook::new(core.shared.node()),
            #[cfg(not(feature = "sim"))]
            sim: (),
            core,
            inner: Some(inner),
        }
    }

    /// The process dies of `reason` without having run: its node stopped between its
    /// preparation and its spawn.
    pub(crate) fn abandon(self: Pin<&mut Self>, reason: ExitReason) {
        let mut this = self.project();
        if this.inner.is_some() {
            let tomb = mark_dead(&**this.core, reason.clone());
            let _ = catch_unwind(AssertUnwindSafe(|| this.inner.set(None)));
            signal_death(&this.core.shared, &reason, tomb);
        }
    }
}

impl<M, F> Future for ProcessFuture<M, F>
where
    M: Send + 'static,
    F: Future<Output = ExitReason>,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        let core: &Arc<Core<M>> = this.core;
        let Some(fut) = this.inner.as_mut().as_pin_mut() else {
            return Poll::Ready(());
        };
        // SAFETY: this poll is the only registrant of its process's waker (one future per
        // process, polled by its task).
        unsafe { core.shared.waker.register(cx.waker()) };
        let reason = match core.shared.pending_exit() {
            Some(reason) => reason,
            None => {
                // In a simulation, the seed may have it yield its turn or wait a while.
                #[cfg(feature = "sim")]
                if let Some(sim) = this.sim.as_mut() {
                    if sim.before(core.shared.pid(), cx).is_pending() {
                        return Poll::Pending;
                    }
                }
                let _current = current::enter(&**core);
                let polled = catch_unwind(AssertUnwindSafe(|| fut.poll(cx)));
                #[cfg(feature = "sim")]
                if let (Some(sim), Ok(Poll::Pending)) = (this.sim.as_ref(), &polled) {
                    sim.after(core.shared.pid(), None);
                }
                match polled {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(reason)) => reason,
                    Err(panic) => {
                        let reason = ExitReason::from_panic(panic);
                        // The runtime's panic hook kept this panic rather than print it: the
                        // crash is told here, as Erlang reports a plain process's error.
                        if let Some(p) = crate::panics::take_for(&reason) {
                            let name = core.shared.name();
                            tracing::error!(
                                pid = %core.shared.pid(),
                                name = name.as_ref().map(|n| n.as_str()),
                                %reason,
                                location = p.location.as_str(),
                                backtrace = p.backtrace.as_deref(),
                                "process terminating"
                            );
                        }
                        reason
                    }
                }
            }
        };
        #[cfg(feature = "sim")]
        if let Some(sim) = this.sim.as_ref() {
            sim.after(core.shared.pid(), Some(&reason));
        }
        let mut tomb = mark_dead(&**core, reason.clone());
        // SAFETY: as for `register` above. Nothing wakes a dead process; its task's memory
        // goes once the task is done, whoever still holds its core.
        unsafe { core.shared.waker.clear() };
        // Its tasks are aborted now, and their end awaited before the death is told below.
        let tasks = tomb.take_tasks(&core.shared);
        if let Some(tasks) = &tasks {
            tasks.close();
        }
        // The process's own state goes first (destructors may panic: contained too), so that
        // its resources (sockets, locks) are released before anyone learns of its death and
        // restarts it. A caller woken meanwhile by its dropped reply sender waits for the
        // death to be signalled (`wait_shared_exit` is queued until then), so it still finds
        // the linked processes (a supervisor) told first. The destructors run as the process,
        // on its node.
        {
            let _current = current::enter(&**core);
            if catch_unwind(AssertUnwindSafe(|| this.inner.set(None))).is_err() {
                crate::panics::report_dropped(core.shared.pid());
            }
        }
        match tasks {
            Some(tasks) if tasks.len() > 0 => reap_later(core.clone(), reason, tomb, tasks),
            _ => signal_death(&core.shared, &reason, tomb),
        }
        Poll::Ready(())
    }
}

/// Tells the death of a process whose aborted tasks have not all ended yet, once they have:
/// whoever learns of the death (a supervisor about to restart it, a `wait_exit`) can count on
/// nothing of it still running. An abort takes effect at the task's next await, so this is
/// usually a scheduling round later.
fn reap_later<M: Send + 'static>(
    core: Arc<Core<M>>,
    reason: ExitReason,
    tomb: Tombstone,
    tasks: Arc<TaskSet>,
) {
    /// Tells the death when dropped: also if the runtime shuts down first.
    struct Reaper<M: Send + 'static> {
        core: Arc<Core<M>>,
        reason: ExitReason,
        tomb: Option<Tombstone>,
    }
    impl<M: Send + 'static> Drop for Reaper<M> {
        fn drop(&mut self) {
            if let Some(tomb) = self.tomb.take() {
                signal_death(&self.core.shared, &self.reason, tomb);
            }
        }
    }
    let reaper = Reaper {
        core,
        reason,
        tomb: Some(tomb),
    };
    tokio::spawn(async move {
        // Bounded: an abort takes effect at a task's next await, and a task busy without
        // one (blocking code, a long loop) must not keep its process's death untold (its
        // supervisor would never restart it, or never finish its shutdown: a kill cannot
        // end a process that is already dead).
        if crate::time::timeout(REAP_LIMIT, tasks.wait_idle())
            .await
            .is_none()
        {
            tracing::warn!(
                pid = %reaper.core.shared.pid(),
                tasks = tasks.len(),
                "tasks of a dead process did not stop within {} ms of its death (busy \
                 without awaiting): its death is told now, and they run on until they await",
                REAP_LIMIT.as_millis()
            );
        }
        drop(reaper);
    });
}

/// How long a dead process's death waits for its aborted tasks to end.
const REAP_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);

pin_project! {
    /// Runs a future with its panics caught: `Err(reason)` with [`ExitReason::Panic`].
    /// The gen_server loop wraps each handler in one, so that `terminate` runs after a crash.
    pub(crate) struct CatchUnwind<F> {
        #[pin]
        inner: F,
    }
}

pub(crate) fn catch_unwind_future<F: Future>(inner: F) -> CatchUnwind<F> {
    CatchUnwind { inner }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ExitReason>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.project().inner;
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(panic) => Poll::Ready(Err(ExitReason::from_panic(panic))),
        }
    }
}
