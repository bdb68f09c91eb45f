//! Property tests of the supervisor against a model of OTP's rules (otp-semantics §A3).
//!
//! Random sequences of child crashes (with any exit reason), `terminate_child`,
//! `restart_child`, `start_child`, `delete_child` and waits run against a real static
//! supervisor and against [`Model`], a few lines of `supervisor.erl`'s rules written apart
//! from the runtime. After each step both must agree on the API's result, on
//! `which_children` (ids, order and which run), and on whether the supervisor is alive: it
//! must exit `shutdown` at exactly the restart that exceeds its intensity.
//!
//! Each case runs on its own current-thread runtime with tokio's paused clock, so waits are
//! exact and a case replays the same way every time.

mod common;

use std::collections::VecDeque;
use std::time::Duration;

use common::{Log, W};
use otp_runtime::prelude::*;
use otp_runtime::supervisor::{ChildInfo, Strategy};
use proptest::prelude::{prop_assert, prop_oneof, proptest, Just, ProptestConfig};
use proptest::strategy::Strategy as Gen;

const PERIOD: Duration = Duration::from_secs(10);
const IDS: [&str; 5] = ["a", "b", "c", "d", "e"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum How {
    Panic,
    Normal,
    Shutdown,
    Kill,
}

impl How {
    /// OTP: `normal`, `shutdown` and `{shutdown, _}` are clean; anything else is abnormal.
    fn is_clean(self) -> bool {
        matches!(self, How::Normal | How::Shutdown)
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// The `n`th child (in start order, modulo their number) ends this way, if running.
    End(usize, How),
    Terminate(usize),
    Restart(usize),
    Delete(usize),
    Start(usize, Restart),
    Wait(Duration),
}

/// The API's answer, without pids (the model has none).
#[derive(Clone, Debug, PartialEq)]
enum Answer {
    Done,
    Started,
    NotFound,
    Running,
    AlreadyStarted,
    AlreadyPresent,
    Other(String),
}

#[derive(Clone, Debug)]
struct Child {
    id: &'static str,
    restart: Restart,
    running: bool,
}

/// OTP's rules, for one static supervisor.
struct Model {
    strategy: Strategy,
    intensity: usize,
    /// In start order.
    children: Vec<Child>,
    restarts: VecDeque<Duration>,
    now: Duration,
    alive: bool,
}

impl Model {
    fn find(&self, id: &str) -> Option<usize> {
        self.children.iter().position(|c| c.id == id)
    }

    /// `terminate_child`'s effect on child `i` (`do_terminate` then `del_child`): a
    /// temporary child goes, another stays, not running.
    fn terminate_at(&mut self, i: usize) {
        if self.children[i].restart == Restart::Temporary {
            self.children.remove(i);
        } else {
            self.children[i].running = false;
        }
    }

    /// `add_restart`: false when this restart is one too many.
    fn add_restart(&mut self) -> bool {
        let now = self.now;
        self.restarts.retain(|&t| now - t <= PERIOD);
        self.restarts.push_back(now);
        self.restarts.len() <= self.intensity
    }

    /// Child `i` ended with `how` (`restart_child/3`).
    fn ended(&mut self, i: usize, how: How) {
        let restart = match self.children[i].restart {
            Restart::Permanent => true,
            Restart::Transient => !how.is_clean(),
            Restart::Temporary => false,
        };
        if !restart {
            self.terminate_at(i);
            return;
        }
        self.children[i].running = false;
        if !self.add_restart() {
            self.alive = false;
            return;
        }
        let from = match self.strategy {
            Strategy::OneForOne => {
                self.children[i].running = true;
                return;
            }
            Strategy::OneForAll => 0,
            Strategy::RestForOne => i,
        };
        // Stop the rest in reverse order (temporaries go), then start all of them in order.
        for j in (from..self.children.len()).rev() {
            self.terminate_at(j);
        }
        for c in &mut self.children[from..] {
            c.running = true;
        }
    }

    fn apply(&mut self, op: &Op) -> Answer {
        let id_at = |n: usize| IDS[n % IDS.len()];
        match *op {
            Op::End(n, how) => {
                if !self.children.is_empty() {
                    let i = n % self.children.len();
                    if self.children[i].running {
                        self.ended(i, how);
                    }
                }
                Answer::Done
            }
            Op::Terminate(n) => match self.find(id_at(n)) {
                None => Answer::NotFound,
                Some(i) => {
                    self.terminate_at(i);
                    Answer::Done
                }
            },
            Op::Restart(n) => match self.find(id_at(n)) {
                None => Answer::NotFound,
                Some(i) if self.children[i].running => Answer::Running,
                Some(i) => {
                    self.children[i].running = true;
                    Answer::Started
                }
            },
            Op::Delete(n) => match self.find(id_at(n)) {
                None => Answer::NotFound,
                Some(i) if self.children[i].running => Answer::Running,
                Some(i) => {
                    self.children.remove(i);
                    Answer::Done
                }
            },
            Op::Start(n, restart) => match self.find(id_at(n)) {
                Some(i) if self.children[i].running => Answer::AlreadyStarted,
                Some(_) => Answer::AlreadyPresent,
                None => {
                    self.children.push(Child {
                        id: id_at(n),
                        restart,
                        running: true,
                    });
                    Answer::Started
                }
            },
            Op::Wait(d) => {
                self.now += d;
                Answer::Done
            }
        }
    }

    /// What `which_children` must list: newest first.
    fn listed(&self) -> Vec<(String, bool)> {
        self.children
            .iter()
            .rev()
            .map(|c| (c.id.to_string(), c.running))
            .collect()
    }
}

fn listed(children: &[ChildInfo]) -> Vec<(String, bool)> {
    children
        .iter()
        .map(|c| {
            assert_ne!(c.state, ChildState::Restarting, "no start fails here");
            (c.id.to_string(), matches!(c.state, ChildState::Running(_)))
        })
        .collect()
}

fn answer<T>(r: Result<T, SupervisorError>) -> Answer {
    match r {
        Ok(_) => Answer::Done,
        Err(SupervisorError::NotFound) => Answer::NotFound,
        Err(SupervisorError::Running) => Answer::Running,
        Err(SupervisorError::AlreadyStarted(_)) => Answer::AlreadyStarted,
        Err(SupervisorError::AlreadyPresent) => Answer::AlreadyPresent,
        Err(e) => Answer::Other(e.to_string()),
    }
}

fn started(r: Result<Option<Pid>, SupervisorError>) -> Answer {
    match r {
        Ok(Some(_)) => Answer::Started,
        Ok(None) => Answer::Other("ignored".into()),
        Err(e) => answer::<()>(Err(e)),
    }
}

fn child(id: &'static str, restart: Restart, log: &Log) -> ChildSpec {
    W::new().spec(id, log).restart(restart)
}

/// Makes the child `pid` end with `how`, and waits until it is dead (its exit signal is in
/// the supervisor's mailbox then, ahead of the next request).
async fn end(pid: Pid, how: How) {
    let worker = common::handle(pid);
    match how {
        How::Panic => worker.cast(common::WCast::Crash),
        How::Normal => worker.cast(common::WCast::Exit(ExitReason::Normal)),
        How::Shutdown => worker.cast(common::WCast::Exit(ExitReason::Shutdown)),
        How::Kill => otp_runtime::exit(pid, ExitReason::Kill),
    }
    otp_runtime::wait_exit(pid).await;
}

/// Runs `ops` on a real supervisor and on the model; `Err` says where they part.
async fn run(
    strategy: Strategy,
    intensity: u32,
    initial: Vec<Restart>,
    ops: Vec<Op>,
) -> Result<(), String> {
    let log = Log::new();
    let mut spec = SupervisorSpec::new(strategy).intensity(intensity, PERIOD);
    let mut model = Model {
        strategy,
        intensity: intensity as usize,
        children: vec![],
        restarts: VecDeque::new(),
        now: Duration::ZERO,
        alive: true,
    };
    for (n, restart) in initial.into_iter().enumerate() {
        spec = spec.child(child(IDS[n], restart, &log));
        model.children.push(Child {
            id: IDS[n],
            restart,
            running: true,
        });
    }
    let sup = spec.start().await.map_err(|e| e.to_string())?;
    for (step, op) in ops.iter().enumerate() {
        let before = sup.which_children().await.map_err(|e| e.to_string())?;
        let id_at = |n: usize| IDS[n % IDS.len()];
        let real = match *op {
            Op::End(n, how) => {
                // `which_children` lists newest first; the model, start order.
                if !before.is_empty() {
                    let i = before.len() - 1 - n % before.len();
                    if let ChildState::Running(pid) = before[i].state {
                        end(pid, how).await;
                    }
                }
                Answer::Done
            }
            Op::Terminate(n) => answer(sup.terminate_child(id_at(n)).await),
            Op::Restart(n) => started(sup.restart_child(id_at(n)).await),
            Op::Delete(n) => answer(sup.delete_child(id_at(n)).await),
            Op::Start(n, restart) => started(sup.start_child(child(id_at(n), restart, &log)).await),
            Op::Wait(d) => {
                otp_runtime::time::sleep(d).await;
                Answer::Done
            }
        };
        let expected = model.apply(op);
        if real != expected {
            return Err(format!(
                "step {step} {op:?}: answered {real:?}, OTP {expected:?}"
            ));
        }
        if !model.alive {
            // It must give up: stop its children and exit `shutdown`.
            return match sup.wait_exit().await {
                ExitReason::Shutdown => Ok(()),
                other => Err(format!("step {step} {op:?}: gave up with {other:?}")),
            };
        }
        match sup.which_children().await {
            Ok(children) if listed(&children) == model.listed() => {}
            Ok(children) => {
                return Err(format!(
                    "step {step} {op:?}: children {:?}, OTP {:?}",
                    listed(&children),
                    model.listed()
                ))
            }
            Err(e) => return Err(format!("step {step} {op:?}: supervisor gone: {e}")),
        }
    }
    sup.stop().await.map_err(|e| e.to_string())
}

fn how() -> impl Gen<Value = How> {
    prop_oneof![
        3 => Just(How::Panic),
        1 => Just(How::Normal),
        1 => Just(How::Shutdown),
        1 => Just(How::Kill),
    ]
}

fn restart() -> impl Gen<Value = Restart> {
    prop_oneof![
        Just(Restart::Permanent),
        Just(Restart::Transient),
        Just(Restart::Temporary),
    ]
}

fn op() -> impl Gen<Value = Op> {
    prop_oneof![
        6 => (0..8usize, how()).prop_map(|(n, h)| Op::End(n, h)),
        2 => (0..8usize).prop_map(Op::Terminate),
        2 => (0..8usize).prop_map(Op::Restart),
        1 => (0..8usize).prop_map(Op::Delete),
        2 => (0..8usize, restart()).prop_map(|(n, r)| Op::Start(n, r)),
        2 => (1..7u64).prop_map(|s| Op::Wait(Duration::from_secs(s))),
    ]
}

fn strategy() -> impl Gen<Value = Strategy> {
    prop_oneof![
        Just(Strategy::OneForOne),
        Just(Strategy::OneForAll),
        Just(Strategy::RestForOne),
    ]
}

proptest! {
    // 128 cases of up to 40 steps; PROPTEST_CASES=5000 for a longer search.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(128),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_supervisor_follows_otps_rules(
        strategy in strategy(),
        intensity in 0..5u32,
        initial in proptest::collection::vec(restart(), 0..5),
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        let outcome = runtime.block_on(run(strategy, intensity, initial, ops));
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}
