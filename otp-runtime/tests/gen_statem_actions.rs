//! gen_statem absolute timeouts (`{abs, true}`, issue 17): a deadline instead of a delay, for
//! the event, state and generic timeouts (otp-semantics §A4, step 6). The suite's
//! `generic_timers` case, with its absolute timeout, is in `gen_statem_timeouts.rs`; these
//! cover what it does not: a deadline that has passed, a deadline set again, and the event
//! timeout.
//!
//! Time runs on tokio's paused clock: the tests are instant and deterministic.

use std::time::Duration;

use otp_runtime::prelude::*;
use otp_runtime::time::Instant;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum S {
    Waiting,
}

/// What the test asks the machine to set.
enum Set {
    /// A state timeout at this deadline (`{state_timeout, T, C, [{abs, true}]}`).
    StateAt(Instant),
    /// A relative zero state timeout, for comparison.
    StateZero,
    /// An event timeout at this deadline.
    EventAt(Instant),
    /// A generic timeout at this deadline.
    GenericAt(Instant),
}

/// Logs every event it gets (with the time since `t0`, in ms); sets timeouts when cast to.
struct Clock {
    t0: Instant,
    log: Vec<String>,
}

impl GenStatem for Clock {
    type State = S;
    type Call = ();
    type Reply = Vec<String>;
    type Cast = (Set, &'static str);
    type Info = &'static str;
    type Internal = ();
    type Timeout = &'static str;

    async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<S> {
        StatemInit::Ok(S::Waiting)
    }

    async fn handle_event(
        &mut self,
        _: &S,
        e: Event<Self>,
        ctx: &mut StatemCtx<'_, Self>,
    ) -> Transition<S> {
        let at = self.t0.elapsed().as_millis();
        match e {
            Event::Call((), reply) => reply.reply(std::mem::take(&mut self.log)),
            Event::Cast((set, tag)) => {
                self.log.push(format!("{at} cast {tag}"));
                match set {
                    Set::StateAt(t) => ctx.state_timeout_at(t, tag),
                    Set::StateZero => ctx.state_timeout(Duration::ZERO, tag),
                    Set::EventAt(t) => ctx.event_timeout_at(t, tag),
                    Set::GenericAt(t) => ctx.generic_timeout_at("g", t, tag),
                }
            }
            Event::Info(tag) => self.log.push(format!("{at} info {tag}")),
            Event::Timeout(tag) => self.log.push(format!("{at} timeout {tag}")),
            Event::StateTimeout(tag) => self.log.push(format!("{at} state_timeout {tag}")),
            Event::GenericTimeout(_, tag) => self.log.push(format!("{at} generic {tag}")),
            _ => {}
        }
        Transition::keep()
    }
}

async fn clock() -> (StatemRef<Clock>, Instant) {
    let t0 = Instant::now();
    let m = Clock {
        t0,
        log: Vec::new(),
    }
    .start()
    .await
    .unwrap();
    (m, t0)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A deadline that has passed is a timer that expires at once: its event comes after the
/// messages already received, where a relative zero timeout comes before them (OTP starts a
/// timer for any `{abs, true}` time, and queues only relative zero times ahead of the
/// mailbox).
#[tokio::test(start_paused = true)]
async fn a_passed_deadline_fires_at_once_as_a_timer() {
    let (m, t0) = clock().await;
    otp_runtime::time::sleep(ms(100)).await;
    m.cast((Set::StateAt(t0), "abs"));
    m.send("queued");
    otp_runtime::time::sleep(ms(1)).await;
    m.cast((Set::StateZero, "zero"));
    m.send("queued");
    otp_runtime::time::sleep(ms(1)).await;
    assert_eq!(
        m.call(()).await.unwrap(),
        [
            "100 cast abs",
            "100 info queued",
            "100 state_timeout abs",
            "101 cast zero",
            "101 state_timeout zero",
            "101 info queued",
        ]
    );
}

/// A deadline is a point in time: setting it again later does not move it, where a relative
/// time restarts from each setting.
#[tokio::test(start_paused = true)]
async fn a_deadline_set_again_does_not_move() {
    let (m, t0) = clock().await;
    let deadline = t0 + ms(1000);
    m.cast((Set::StateAt(deadline), "a"));
    otp_runtime::time::sleep(ms(600)).await;
    m.cast((Set::StateAt(deadline), "b")); // restarts the timer, same deadline, new content
    otp_runtime::time::sleep(ms(500)).await;
    assert_eq!(
        m.call(()).await.unwrap(),
        ["0 cast a", "600 cast b", "1000 state_timeout b"]
    );
    // Generic timeouts too.
    m.cast((Set::GenericAt(t0 + ms(2000)), "g"));
    otp_runtime::time::sleep(ms(1000)).await;
    assert_eq!(m.call(()).await.unwrap(), ["1100 cast g", "2000 generic g"]);
}

/// The absolute event timeout fires at its deadline when no event comes, and any event
/// before it cancels it, as the relative one.
#[tokio::test(start_paused = true)]
async fn the_absolute_event_timeout_is_cancelled_by_any_event() {
    let (m, t0) = clock().await;
    m.cast((Set::EventAt(t0 + ms(500)), "e"));
    otp_runtime::time::sleep(ms(600)).await;
    assert_eq!(m.call(()).await.unwrap(), ["0 cast e", "500 timeout e"]);
    m.cast((Set::EventAt(t0 + ms(1000)), "e2"));
    otp_runtime::time::sleep(ms(100)).await;
    m.send("first");
    otp_runtime::time::sleep(ms(1000)).await;
    assert_eq!(m.call(()).await.unwrap(), ["600 cast e2", "700 info first"]);
}
