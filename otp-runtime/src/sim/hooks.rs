//! Where the runtime asks the simulation: before and after each step of a process, at each
//! `buggify!()` point, and for each sleep of the runtime's clock. Outside a simulation each
//! hook is one branch on a `None` (processes) or one thread-local read (the others).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::world::{current, Event, Proc, World};
use crate::{ExitReason, Pid};

/// A process's link to its run's world, taken when it is spawned on a simulating thread.
pub(crate) struct ProcHook {
    world: Arc<World>,
    /// Its node's index among the run's.
    node: u32,
    /// A hold-back in progress (the `slow` fault).
    held: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl ProcHook {
    /// The hook of a process spawned now, on `node`: `None` outside a simulation.
    pub(crate) fn new(node: &crate::node::Node) -> Option<Box<ProcHook>> {
        let world = current()?;
        let node = world.saw_node(node);
        Some(Box::new(ProcHook {
            world,
            node,
            held: None,
        }))
    }

    /// Before a step of process `pid`: `Pending` when the simulation makes it wait (it
    /// yields its turn to the other ready processes, or is held back a while).
    fn proc(&self, pid: Pid) -> Proc {
        Proc {
            node: self.node,
            number: pid.number().get(),
        }
    }

    pub(crate) fn before(&mut self, pid: Pid, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(held) = &mut self.held {
            if held.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.held = None;
            return Poll::Ready(());
        }
        let mut st = self.world.state();
        let yield_p = st.plan.yield_p;
        if st.rng.chance(yield_p) {
            st.struck.yields += 1;
            drop(st);
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let slow = st.plan.slow.filter(|_| st.faults_on);
        if let Some((p, max)) = slow {
            if st.rng.chance(p) {
                let nanos = 1 + st
                    .rng
                    .below(max.as_nanos().min(u128::from(u64::MAX)) as u64);
                let d = Duration::from_nanos(nanos);
                st.struck.slows += 1;
                drop(st);
                self.world.record(Event::Slow(self.proc(pid), d));
                let mut held = Box::pin(tokio::time::sleep(d));
                if held.as_mut().poll(cx).is_pending() {
                    self.held = Some(held);
                    return Poll::Pending;
                }
            }
        }
        Poll::Ready(())
    }

    /// After a step of process `pid`, which ended it if `exit` is given.
    pub(crate) fn after(&self, pid: Pid, exit: Option<&ExitReason>) {
        self.world.stepped(Event::Step(self.proc(pid)));
        if let Some(reason) = exit {
            self.world
                .record(Event::Exit(self.proc(pid), reason.to_string()));
        }
    }
}

/// A `buggify!()` point: panics when the simulation says so.
#[doc(hidden)]
#[track_caller]
pub fn buggify_point(site: &'static str) {
    let Some(world) = current() else { return };
    let fire = {
        let mut st = world.state();
        let Some(p) = st.plan.buggify.filter(|_| st.faults_on) else {
            return;
        };
        let on = match st.sites.get(site) {
            Some((on, _)) => *on,
            None => {
                let on = st.rng.chance(0.5);
                st.sites.insert(site, (on, 0));
                on
            }
        };
        let fire = on && st.rng.chance(p);
        if fire {
            st.struck.buggifies += 1;
            if let Some(s) = st.sites.get_mut(site) {
                s.1 += 1;
            }
        }
        fire
    };
    if fire {
        world.record(Event::Buggify(site));
        panic!("buggify!() at {site}");
    }
}

/// Counts a sleep of the runtime's clock as pending while it lives.
pub(crate) struct TimerGuard(Arc<World>);

impl TimerGuard {
    pub(crate) fn new() -> Option<TimerGuard> {
        let world = current()?;
        world.timers.fetch_add(1, Ordering::Relaxed);
        Some(TimerGuard(world))
    }
}

impl Drop for TimerGuard {
    fn drop(&mut self) {
        self.0.timers.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Marks the current process as waiting on a call to `target` while the guard lives (a
/// deadlock's report says who waits for whom).
pub(crate) struct WaitGuard(Arc<World>, Pid);

impl WaitGuard {
    pub(crate) fn new(target: &crate::process::core::Shared) -> Option<WaitGuard> {
        let world = current()?;
        let me = crate::process::current::pid()?;
        {
            let mut st = world.state();
            let proc = st.proc_of(target.node(), target.pid());
            let name = target.name().map_or(String::new(), |n| format!(" \"{n}\""));
            st.waiting.insert(me, format!("in a call to {proc}{name}"));
        }
        Some(WaitGuard(world, me))
    }
}

impl Drop for WaitGuard {
    fn drop(&mut self) {
        self.0.state().waiting.remove(&self.1);
    }
}
