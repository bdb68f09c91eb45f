//! OTP's restart intensity, replayed on what the supervisors report.
//!
//! Every supervisor reports, through `tracing`, each child that ends (`child terminated`,
//! for a permanent child or an abnormal exit), each restart it counts against its intensity
//! (`restart counted`, debug level), each failed start, and its giving up (`reached max
//! restart intensity`). This subscriber follows each supervisor's reports in the order it
//! made them and checks them against a model of OTP's `supervisor.erl` written apart from
//! the runtime:
//! - an ended child is restarted exactly when its restart type says so (permanent: always,
//!   transient: after an abnormal exit, temporary: never), or later after a failed restart;
//! - the supervisor gives up at the restart that makes more than `intensity` restarts within
//!   `period` (OTP's `add_restart`), and at no other time;
//! - a supervisor that ends `shutdown` on its own has reached its intensity first.
//!
//! The model stamps a restart when the report arrives, microseconds after the supervisor
//! read its clock; a decision that depends on a restart lying within [`EDGE`] of the edge of
//! the window is accepted either way, and counted as such.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::{self, Write as _};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// How close to the edge of a window a restart may lie for the decision to be accepted
/// either way (the model and the supervisor read the clock a few microseconds apart; a busy
/// machine can preempt a thread in between).
pub const EDGE: Duration = Duration::from_millis(20);

/// A level of the tree: what its supervisors' intensity is, and what a restart there is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level3 {
    /// The root, whose children are groups.
    Root,
    /// A group, whose children are teams.
    Group,
    /// A team, whose children are workers.
    Team,
}

/// Which kind of child an id names, its restart type, and so the level of its supervisor.
pub struct Rules {
    /// `(intensity, period)` of each level's supervisors.
    pub intensity: fn(Level3) -> (usize, Duration),
    /// The level of the supervisor of the child with this id, and whether the child is
    /// permanent (`true`) or transient (`false`); `None` for an id the soak did not make.
    pub child: fn(&str) -> Option<(Level3, bool)>,
}

#[derive(Default, Debug, Clone)]
pub struct Figures {
    /// Restarts counted, by the level of the supervisor that made them.
    pub restarts: HashMap<Level3, u64>,
    /// Supervisors that gave up, by level.
    pub gave_up: HashMap<Level3, u64>,
    /// Decisions (restart allowed or not) checked against the model.
    pub decisions: u64,
    /// Of those, decided by a restart within `EDGE` of the window's edge.
    pub near_edge: u64,
    /// Child exits checked against the restart types.
    pub exits: u64,
    pub violations: u64,
    /// The first few violations, in words.
    pub first: Vec<String>,
}

#[derive(Debug)]
enum Expect {
    Nothing,
    /// The next report must count a restart of this child.
    Restart(String),
    /// The next report must not count a restart of this child.
    NoRestart(String),
    /// The next report must be the supervisor giving up.
    GiveUp,
    /// Giving up or going on are both right (a restart near the window's edge).
    Either,
}

struct Sup {
    level: Level3,
    window: VecDeque<Instant>,
    expect: Expect,
    /// Children whose restart failed: a retry will be counted.
    failed: HashSet<String>,
    last: Instant,
}

struct State {
    sups: HashMap<String, Sup>,
    /// Supervisors (by pid) that gave up, until their parent reports their end.
    gave_up: HashSet<String>,
    figures: Figures,
    events: u64,
}

pub struct Model {
    rules: Rules,
    state: Mutex<State>,
}

impl Model {
    pub fn new(rules: Rules) -> Model {
        Model {
            rules,
            state: Mutex::new(State {
                sups: HashMap::new(),
                gave_up: HashSet::new(),
                figures: Figures::default(),
                events: 0,
            }),
        }
    }

    pub fn figures(&self) -> Figures {
        self.state.lock().unwrap().figures.clone()
    }

    /// The end of the run: a supervisor still owing a report is a violation. Then forgets
    /// everything, so that only the runtime's memory is left to measure.
    pub fn finish(&self) -> Figures {
        let mut st = self.state.lock().unwrap();
        let owing: Vec<String> = st
            .sups
            .iter()
            .filter(|(_, s)| matches!(s.expect, Expect::GiveUp | Expect::Restart(_)))
            .map(|(label, s)| {
                format!(
                    "supervisor {label} never made the report it owed: {:?}",
                    s.expect
                )
            })
            .collect();
        for v in owing {
            violation(&mut st.figures, v);
        }
        st.sups = HashMap::new();
        st.gave_up = HashSet::new();
        st.figures.clone()
    }

    fn report(&self, r: Report) {
        let mut guard = self.state.lock().unwrap();
        let st = &mut *guard;
        let now = Instant::now();
        st.events += 1;
        if st.events % 4096 == 0 {
            prune(&mut st.sups, now, &self.rules);
        }
        let Some(label) = r.supervisor.clone() else {
            return;
        };
        let child_rule = r.child.as_deref().and_then(self.rules.child);
        let level = match child_rule {
            Some((level, _)) => level,
            None => match st.sups.get(&label) {
                Some(s) => s.level,
                None => return,
            },
        };
        let sup = st.sups.entry(label.clone()).or_insert_with(|| Sup {
            level,
            window: VecDeque::new(),
            expect: Expect::Nothing,
            failed: HashSet::new(),
            last: now,
        });
        sup.last = now;
        let (intensity, period) = (self.rules.intensity)(sup.level);
        let child = r.child.clone().unwrap_or_default();
        let is = |m: &str| r.message == m;

        // First: was this the report the previous one called for?
        let mut violations = Vec::new();
        let mut restart_due = false;
        let prev = std::mem::replace(&mut sup.expect, Expect::Nothing);
        let may_give_up = matches!(prev, Expect::GiveUp | Expect::Either);
        match prev {
            Expect::Nothing => {}
            Expect::Restart(c) => {
                restart_due = is(RESTART) && child == c;
                if !restart_due {
                    violations.push(format!(
                        "{label}: child {c} ended and must be restarted, but the next report was {:?} {child}",
                        r.message
                    ));
                }
            }
            Expect::NoRestart(c) => {
                if is(RESTART) && child == c {
                    violations.push(format!(
                        "{label}: restarted {c}, which OTP would not restart"
                    ));
                }
            }
            Expect::GiveUp => {
                if !is(GAVE_UP) {
                    violations.push(format!(
                        "{label}: exceeded {intensity} restarts in {period:?} but went on ({:?})",
                        r.message
                    ));
                }
            }
            Expect::Either => {
                if !is(GAVE_UP) {
                    // It went on: its window holds at most `intensity` restarts now.
                    while sup.window.len() > intensity {
                        sup.window.pop_front();
                    }
                }
            }
        }

        if is(TERMINATED) {
            st.figures.exits += 1;
            match child_rule {
                Some((_, permanent)) => {
                    let clean = r.reason.as_deref().is_some_and(is_clean);
                    sup.expect = if permanent || !clean {
                        Expect::Restart(child.clone())
                    } else {
                        Expect::NoRestart(child.clone())
                    };
                }
                None => violations.push(format!("{label}: unknown child {child}")),
            }
        } else if is(RESTART) {
            // Due after an exit that calls for it, or as the retry of a failed restart.
            if !sup.failed.remove(&child) && !restart_due {
                violations.push(format!(
                    "{label}: counted a restart of {child} that nothing called for"
                ));
            }
            *st.figures.restarts.entry(sup.level).or_default() += 1;
            st.figures.decisions += 1;
            sup.window.push_back(now);
            while sup
                .window
                .front()
                .is_some_and(|&t| now.duration_since(t) > period + EDGE)
            {
                sup.window.pop_front();
            }
            let sure = sup
                .window
                .iter()
                .filter(|&&t| now.duration_since(t) + EDGE <= period)
                .count();
            sup.expect = if sure > intensity {
                Expect::GiveUp
            } else if sup.window.len() > intensity {
                st.figures.near_edge += 1;
                Expect::Either
            } else {
                Expect::Nothing
            };
        } else if is(GAVE_UP) {
            if !may_give_up {
                violations.push(format!(
                    "{label}: gave up, but its last restart left at most {intensity} in {period:?}"
                ));
            }
            let level = sup.level;
            *st.figures.gave_up.entry(level).or_default() += 1;
            st.sups.remove(&label);
            st.gave_up.insert(label.clone());
        } else if is(FAILED) {
            sup.failed.insert(child.clone());
        }

        // A supervisor child that ended: `shutdown` only after giving up (the soak kills
        // supervisors too: `killed` is theirs).
        if is(TERMINATED) && child_is_supervisor(&child) {
            let pid = r.pid.clone().unwrap_or_default();
            let reason = r.reason.clone().unwrap_or_default();
            let gave_up = st.gave_up.remove(&pid);
            let ok = match reason.as_str() {
                "killed" => true,
                "shutdown" => gave_up,
                _ => false,
            };
            if !ok {
                violations.push(format!(
                    "{label}: supervisor child {child} ({pid}) ended {reason:?} without reaching its intensity"
                ));
            }
        }
        for v in violations {
            violation(&mut st.figures, v);
        }
    }
}

const TERMINATED: &str = "child terminated";
const RESTART: &str = "restart counted";
const GAVE_UP: &str = "reached max restart intensity: shutting down";
const FAILED: &str = "child failed to start";

fn child_is_supervisor(id: &str) -> bool {
    id.starts_with('t') || id.starts_with('g')
}

fn is_clean(reason: &str) -> bool {
    reason == "normal" || reason == "shutdown" || reason.starts_with("shutdown: ")
}

fn violation(f: &mut Figures, what: String) {
    f.violations += 1;
    if f.first.len() < 10 {
        eprintln!("VIOLATION (intensity model): {what}");
        f.first.push(what);
    }
}

/// Forgets supervisors whose window is empty by now and that owe nothing: the next report
/// from them, if any, starts from an empty window anyway.
fn prune(sups: &mut HashMap<String, Sup>, now: Instant, rules: &Rules) {
    sups.retain(|_, s| {
        let (_, period) = (rules.intensity)(s.level);
        !(matches!(s.expect, Expect::Nothing | Expect::NoRestart(_))
            && s.failed.is_empty()
            && now.duration_since(s.last) > period + EDGE)
    });
}

/// The fields of one report.
#[derive(Default)]
struct Report {
    message: String,
    supervisor: Option<String>,
    child: Option<String>,
    pid: Option<String>,
    reason: Option<String>,
}

impl Visit for Report {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut s = String::new();
        let _ = write!(s, "{value:?}");
        match field.name() {
            "message" => self.message = s,
            "supervisor" => self.supervisor = Some(s),
            "child" => self.child = Some(s),
            "pid" => self.pid = Some(s),
            "reason" => self.reason = Some(s),
            _ => {}
        }
    }
}

/// Only the supervisors' reports reach the model; everything else is off (and costs
/// nothing: its callsites are never enabled).
fn wanted(meta: &Metadata<'_>) -> bool {
    meta.target().starts_with("otp_runtime::supervisor") && *meta.level() <= Level::DEBUG
}

impl Subscriber for &'static Model {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if wanted(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }
    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        wanted(meta)
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut r = Report::default();
        event.record(&mut r);
        self.report(r);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}
