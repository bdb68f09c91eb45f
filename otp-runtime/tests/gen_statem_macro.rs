//! The `#[gen_statem]` macro end to end: OTP's code lock, postponing, enter calls, the
//! three timeouts, internal events, calls that reply by returning or later.

use std::time::Duration;

use otp_runtime::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub enum Lock {
    Locked { entered: Vec<u8> },
    Open,
}

pub struct CodeLock {
    code: Vec<u8>,
    log: Vec<String>,
}

#[gen_statem(state = Lock)]
impl CodeLock {
    #[init]
    fn init(&mut self) -> Lock {
        Lock::Locked { entered: vec![] }
    }

    #[enter]
    fn entered(&mut self, old: &Lock, state: &Lock, ctx: &mut EnterCtx<Self>) {
        self.log.push(format!("enter {state:?} from {old:?}"));
        if *state == Lock::Open {
            ctx.state_timeout(Duration::from_secs(10), CodeLockTimeout::Relock {});
        }
    }

    /// Press a button.
    #[cast]
    pub fn button(&mut self, state: &Lock, digit: u8) -> Transition<Lock> {
        match state {
            Lock::Open => Transition::keep().postpone(),
            Lock::Locked { entered } => {
                let mut entered = entered.clone();
                entered.push(digit);
                if entered == self.code {
                    Transition::next(Lock::Open)
                } else if self.code.starts_with(&entered) {
                    Transition::next(Lock::Locked { entered })
                } else {
                    Transition::next(Lock::Locked { entered: vec![] })
                }
            }
        }
    }

    /// The code's length.
    #[call]
    pub fn code_length(&self) -> usize {
        self.code.len()
    }

    /// Whether it is open, and the log so far.
    #[call]
    pub fn status(&self, state: &Lock) -> (bool, Vec<String>) {
        (*state == Lock::Open, self.log.clone())
    }

    /// Waits until the lock is open: postponed while locked.
    #[call]
    pub fn wait_open(&mut self, state: &Lock) -> Transition<Lock, &'static str> {
        match state {
            Lock::Open => Transition::keep().reply("open"),
            Lock::Locked { .. } => Transition::keep().postpone(),
        }
    }

    #[timeout]
    fn relock(&mut self) -> Transition<Lock> {
        self.log.push("relock".into());
        Transition::next(Lock::Locked { entered: vec![] })
    }
}

fn lock() -> CodeLock {
    CodeLock {
        code: vec![1, 2, 3],
        log: vec![],
    }
}

#[tokio::test(start_paused = true)]
async fn the_code_lock_opens_relocks_and_postpones() {
    let l: CodeLockRef = lock().start().await.unwrap();
    assert_eq!(l.code_length().await, Ok(3));
    let waiter = {
        let l = l.clone();
        tokio::spawn(async move { l.wait_open().await })
    };
    l.button(1);
    l.button(2);
    l.button(3);
    // Postponed while open, retried after relocking.
    l.button(1);
    assert_eq!(waiter.await.unwrap(), Ok("open"));
    let (open, _) = l.status().await.unwrap();
    assert!(open);
    tokio::time::sleep(Duration::from_secs(11)).await;
    let (open, log) = l.status().await.unwrap();
    assert!(!open);
    assert_eq!(
        log,
        [
            "enter Locked { entered: [] } from Locked { entered: [] }",
            "enter Locked { entered: [1] } from Locked { entered: [] }",
            "enter Locked { entered: [1, 2] } from Locked { entered: [1] }",
            "enter Open from Locked { entered: [1, 2] }",
            "relock",
            "enter Locked { entered: [] } from Open",
            "enter Locked { entered: [1] } from Locked { entered: [] }",
        ]
    );
}

// A machine with every other kind of handler.

#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Idle,
    Busy(u32),
}

#[derive(Default)]
struct Worker {
    log: Vec<String>,
    later: Option<ReplyTo<u32>>,
    report: Option<tokio::sync::mpsc::UnboundedSender<String>>,
}

#[gen_statem(state = Phase)]
impl Worker {
    #[init]
    fn init(&mut self, ctx: &mut StatemCtx<Self>) -> StatemInit<Phase> {
        ctx.trap_exit(true);
        StatemInit::Ok(Phase::Idle)
    }

    /// Starts a job; inserted steps run before anything else.
    #[cast]
    async fn job(&mut self, steps: u32, ctx: &mut StatemCtx<Self>) -> Transition<Phase> {
        tokio::task::yield_now().await;
        for step in 1..=steps {
            ctx.next_event(Event::Internal(WorkerInternal::Step { n: step }));
        }
        Transition::next(Phase::Busy(steps))
    }

    #[internal]
    fn step(&mut self, state: &Phase, n: u32) -> Transition<Phase> {
        self.log.push(format!("step {n} in {state:?}"));
        match state {
            Phase::Busy(total) if n == *total => Transition::next(Phase::Idle),
            _ => Transition::keep(),
        }
    }

    /// Answered later, when `finish` is cast.
    #[call]
    fn deferred(&mut self, reply: ReplyTo<u32>) {
        self.later = Some(reply);
    }

    #[cast]
    fn finish(&mut self, value: u32) {
        if let Some(r) = self.later.take() {
            r.reply(value);
        }
    }

    /// Stops, answering first.
    #[call]
    fn quit(&mut self) -> Transition<Phase, &'static str> {
        Transition::stop(ExitReason::other("quit")).reply("bye")
    }

    #[call]
    fn log(&self) -> Vec<String> {
        self.log.clone()
    }

    #[info]
    fn note(&mut self, text: String) {
        self.log.push(format!("note {text}"));
    }

    #[info(down)]
    fn down(&mut self, _monitor: MonitorRef, pid: Pid, reason: ExitReason) {
        self.log.push(format!(
            "down {} {reason}",
            pid.node() == Node::current().id()
        ));
    }

    #[info(exit)]
    fn exit(&mut self, _from: Pid, reason: ExitReason) {
        self.log.push(format!("exit {reason}"));
    }

    #[call]
    fn watch(&mut self, pid: Pid, ctx: &mut StatemCtx<Self>) {
        ctx.monitor(pid);
        ctx.link(pid);
    }

    #[call]
    fn set_report(&mut self, to: tokio::sync::mpsc::UnboundedSender<String>) {
        self.report = Some(to);
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason, state: &Phase) {
        if let Some(r) = &self.report {
            let _ = r.send(format!("terminate {reason} in {state:?}"));
        }
    }
}

#[tokio::test]
async fn inserted_events_run_before_queued_ones_and_in_order() {
    let w = Worker::default().start().await.unwrap();
    w.job(3);
    w.send(WorkerInfo::Note {
        text: "after".into(),
    });
    assert_eq!(
        w.log().await.unwrap(),
        [
            "step 1 in Busy(3)",
            "step 2 in Busy(3)",
            "step 3 in Busy(3)",
            "note after",
        ]
    );
}

#[tokio::test]
async fn a_call_taking_its_reply_to_answers_later() {
    let w = Worker::default().start().await.unwrap();
    let pending = tokio::spawn({
        let w = w.clone();
        async move { w.deferred().await }
    });
    tokio::task::yield_now().await;
    assert_eq!(w.log().await.unwrap(), Vec::<String>::new());
    w.finish(42);
    assert_eq!(pending.await.unwrap(), Ok(42));
}

#[tokio::test]
async fn stop_with_a_reply_answers_then_terminates_in_its_state() {
    let w = Worker::default().start().await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    w.set_report(tx).await.unwrap();
    assert_eq!(w.quit().await, Ok("bye"));
    assert_eq!(w.wait_exit().await, ExitReason::other("quit"));
    assert_eq!(rx.recv().await.unwrap(), "terminate quit in Idle");
}

#[tokio::test]
async fn monitors_and_trapped_exits_arrive_as_events() {
    let w = Worker::default().start().await.unwrap();
    let other = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        ExitReason::other("gone")
    });
    w.watch(other.pid()).await.unwrap();
    other.send(()).unwrap();
    other.wait_exit().await;
    // Both the DOWN and the trapped EXIT come, in some order.
    let mut log = w.log().await.unwrap();
    while log.len() < 2 {
        tokio::task::yield_now().await;
        log = w.log().await.unwrap();
    }
    log.sort();
    assert_eq!(log, ["down true gone", "exit gone"]);
}

#[tokio::test]
async fn calls_wait_without_a_timeout_unless_given_one() {
    let w = Worker::default().start().await.unwrap();
    assert_eq!(w.timeout(), INFINITY);
    let quick = w.with_timeout(Duration::from_millis(10));
    let got = quick.deferred().await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
}

#[tokio::test]
async fn a_named_machine_is_reached_by_name() {
    let _w = Worker::default().start_named("worker-1").await.unwrap();
    let by_name = Worker::named("worker-1");
    by_name.send(WorkerInfo::Note { text: "x".into() });
    assert_eq!(by_name.log().await.unwrap(), ["note x"]);
    assert!(matches!(
        Worker::default().start_named("worker-1").await,
        Err(StartError::AlreadyStarted(_))
    ));
}

// A generic machine.

#[derive(Clone, Debug, PartialEq)]
pub enum Slot {
    Empty,
    Full,
}

pub struct Cell<T> {
    value: Option<T>,
}

#[gen_statem(state = Slot)]
impl<T: Clone + Send + Sync + 'static> Cell<T> {
    #[init]
    fn init(&mut self) -> Slot {
        if self.value.is_some() {
            Slot::Full
        } else {
            Slot::Empty
        }
    }

    /// Puts a value in an empty cell; waits (postponed) while it is full.
    #[cast]
    pub fn put(&mut self, state: &Slot, value: &T) -> Transition<Slot> {
        match state {
            Slot::Full => Transition::keep().postpone(),
            Slot::Empty => {
                self.value = Some(value.clone());
                Transition::next(Slot::Full)
            }
        }
    }

    /// Takes the value, waiting for one.
    #[call]
    pub fn take(&mut self, state: &Slot) -> Transition<Slot, T> {
        match (state, self.value.take()) {
            (Slot::Full, Some(v)) => Transition::next(Slot::Empty).reply(v),
            _ => Transition::keep().postpone(),
        }
    }
}

#[tokio::test]
async fn a_generic_cell_hands_values_over_in_order() {
    let c: CellRef<String> = Cell { value: None }.start().await.unwrap();
    let taker = tokio::spawn({
        let c = c.clone();
        async move { (c.take().await.unwrap(), c.take().await.unwrap()) }
    });
    c.put("a".to_string());
    c.put("b".to_string()); // postponed until "a" is taken
    assert_eq!(taker.await.unwrap(), ("a".to_string(), "b".to_string()));
}
