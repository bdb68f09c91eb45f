//! Every kind of `#[gen_statem]` handler, in one generic `pub(crate)` machine: `#[init]`,
//! `#[enter]`, the three forms of `#[call]`, `#[cast]`, `#[info]`, `#[info(down)]`,
//! `#[info(exit)]`, `#[internal]`, `#[timeout]` and `#[terminate]`, sync and async, with
//! owned and borrowed (`&T`, `&str`, `&[T]`) fields; then run.

use std::fmt::Debug;
use std::time::Duration;

use otp_runtime::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Phase {
    Idle,
    Busy { job: String },
    Stopping,
}

pub(crate) struct Worker<T> {
    items: Vec<T>,
    log: Vec<String>,
    watched: Vec<Pid>,
}

#[gen_statem(state = Phase)]
impl<T> Worker<T>
where
    T: Clone + Debug + Send + Sync + 'static,
{
    /// Gives a `StatemInit`, and inserts an event handled before any message.
    #[init]
    async fn init(&mut self, ctx: &mut StatemCtx<'_, Self>) -> StatemInit<Phase> {
        ctx.trap_exit(true);
        ctx.next_event(Event::Internal(WorkerInternal::Booted { at: 0 }));
        StatemInit::Ok(Phase::Idle)
    }

    #[enter]
    async fn entered(&mut self, old: &Phase, state: &Phase, ctx: &mut EnterCtx<'_, Self>) -> Enter {
        self.log.push(format!("{old:?} -> {state:?}"));
        match state {
            Phase::Busy { .. } => {
                ctx.state_timeout(Duration::from_millis(50), WorkerTimeout::GiveUp {});
                Enter::Keep
            }
            Phase::Stopping => Enter::Stop(ExitReason::Normal),
            Phase::Idle => Enter::Keep,
        }
    }

    /// A plain reply.
    #[call]
    pub(crate) fn len(&self, state: &Phase) -> (usize, Phase) {
        (self.items.len(), state.clone())
    }

    /// A reply carried by the transition; postponed while busy.
    #[call]
    pub(crate) async fn begin(&mut self, job: &str, state: &Phase) -> Transition<Phase, bool> {
        match state {
            Phase::Idle => Transition::next(Phase::Busy { job: job.to_string() }).reply(true),
            _ => Transition::keep().postpone(),
        }
    }

    /// A deferred reply.
    #[call]
    pub(crate) fn items(&self, reply: ReplyTo<Vec<T>>) {
        reply.reply(self.items.clone());
    }

    /// A deferred reply, with a transition.
    #[call]
    pub(crate) fn log(&mut self, reply: ReplyTo<Vec<String>>) -> Transition<Phase> {
        reply.reply(self.log.clone());
        Transition::keep()
    }

    #[call]
    pub(crate) fn watch(&mut self, pid: Pid, ctx: &mut StatemCtx<'_, Self>) -> MonitorRef {
        self.watched.push(pid);
        ctx.monitor(pid)
    }

    /// An owned field, cloned out of the event because the handler returns a transition.
    #[cast]
    pub(crate) fn push(&mut self, item: T, ctx: &mut StatemCtx<'_, Self>) -> Transition<Phase> {
        self.items.push(item);
        ctx.event_timeout(Duration::from_secs(60), WorkerTimeout::Idle { after: 60 });
        Transition::keep()
    }

    /// Borrowed `&str` and `&[T]`: the messages hold a `String` and a `Vec<T>`.
    #[cast]
    pub(crate) async fn note(&mut self, line: &str, more: &[T]) {
        self.log.push(line.to_string());
        self.items.extend_from_slice(more);
    }

    #[cast]
    pub(crate) fn finish(&mut self, state: &Phase) -> Transition<Phase> {
        match state {
            Phase::Busy { .. } => Transition::next(Phase::Idle),
            _ => Transition::keep(),
        }
    }

    #[cast]
    pub(crate) fn shut_down(&mut self) -> Transition<Phase> {
        Transition::next(Phase::Stopping)
    }

    #[info]
    pub(crate) fn ping(&mut self, from: &Pid) {
        self.log.push(format!("ping from {from:?}"));
    }

    #[info(down)]
    fn down(&mut self, monitor: MonitorRef, pid: Pid, reason: ExitReason) -> Transition<Phase> {
        let _ = monitor;
        self.log.push(format!("down: {reason:?}"));
        self.watched.retain(|p| *p != pid);
        Transition::keep()
    }

    #[info(exit)]
    async fn exit(&mut self, from: Pid, reason: ExitReason, ctx: &mut StatemCtx<'_, Self>) {
        let _ = (from, reason, ctx.pid());
    }

    #[internal]
    fn booted(&mut self, at: u64) {
        self.log.push(format!("booted at {at}"));
    }

    #[timeout]
    fn give_up(&mut self, state: &Phase) -> Transition<Phase> {
        self.log.push(format!("gave up in {state:?}"));
        Transition::next(Phase::Idle)
    }

    #[timeout]
    async fn idle(&mut self, after: &u32) -> Transition<Phase> {
        self.log.push(format!("idle after {after}"));
        Transition::repeat()
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason, state: &Phase, ctx: &mut EnterCtx<'_, Self>) {
        let _ = (reason, state, ctx.pid(), self.summary());
    }

    /// An ordinary method, left alone.
    fn summary(&self) -> usize {
        self.log.len()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let w: WorkerRef<u8> = Worker {
        items: vec![],
        log: vec![],
        watched: vec![],
    }
    .start()
    .await
    .unwrap();
    w.push(1);
    w.note("hello".to_string(), vec![2, 3]);
    assert_eq!(w.len().await, Ok((3, Phase::Idle)));

    // Busy: a second `begin` waits (postponed) until the machine is idle again.
    assert_eq!(w.begin("one".to_string()).await, Ok(true));
    let second = {
        let w = w.clone();
        tokio::spawn(async move { w.begin("two".to_string()).await })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    w.finish();
    assert_eq!(second.await.unwrap(), Ok(true));
    assert_eq!(w.items().await, Ok(vec![1, 2, 3]));

    // The state timeout of `Busy` gives up.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(w.len().await, Ok((3, Phase::Idle)));

    if let Some(pid) = w.pid() {
        w.send(WorkerInfo::Ping { from: pid });
    }
    let log = w.log().await.unwrap();
    assert_eq!(log[0], "Idle -> Idle");
    assert!(log.contains(&"booted at 0".to_string()));
    assert!(log.contains(&"hello".to_string()));
    assert!(log.iter().any(|l| l.starts_with("gave up in Busy")));

    // `#[info(down)]`: another machine, watched, stops.
    let other: WorkerRef<u8> = Worker {
        items: vec![],
        log: vec![],
        watched: vec![],
    }
    .start()
    .await
    .unwrap();
    let _: MonitorRef = w.watch(other.pid().unwrap()).await.unwrap();
    other.shut_down();
    assert_eq!(other.wait_exit().await, ExitReason::Normal);
    let mut down = false;
    for _ in 0..100 {
        down = w.log().await.unwrap().contains(&"down: Normal".to_string());
        if down {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(down);

    w.shut_down();
    assert_eq!(w.wait_exit().await, ExitReason::Normal);
}
