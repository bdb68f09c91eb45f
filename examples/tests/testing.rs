//! The tests that the book's chapter "Testing servers and trees" shows: handlers tested as
//! plain methods, servers through their handles, timeouts on tokio's paused clock, crashes
//! injected from outside, restarts and restart intensity asserted, and the messenger's
//! `rest_for_one` checked. The capture of `tracing` reports is in `testing_reports.rs`.
//!
//! The tests of one file run in parallel threads of one program; `#[otp_runtime::test]` runs
//! each on a node of its own, so each has its own names: two tests may both register "kv".

use std::collections::VecDeque;
use std::time::Duration;

use examples::apps::FactorialService;
use examples::factorial::Factorial;
use examples::kv::Kv;
use examples::messenger::{self, MessengerError, MessengerSup};
use examples::supervision::show;
use otp_runtime::prelude::*;
use otp_runtime::testing::{restarted, state, wait_for};
use otp_runtime::time::Instant;

// ANCHOR: plain
// `#[gen_server]` leaves the methods as they are: the business logic is tested without
// processes, without a runtime, like any other Rust code.
#[test]
fn factorial_counts_what_it_computed() {
    let mut server = Factorial::default();
    assert_eq!(server.factorial(5), (120, 0));
    assert_eq!(server.factorial(20), (2432902008176640000, 1));
    server.reset();
    assert_eq!(server.factorial(0), (1, 0));
}

#[test]
#[should_panic(expected = "factorial overflow")]
fn factorial_panics_past_34() {
    Factorial::default().factorial(35);
}
// ANCHOR_END: plain

// ANCHOR: handle
#[otp_runtime::test]
async fn kv_serves_and_its_crash_reaches_the_caller() {
    let kv = Kv::default().start().await.unwrap();
    assert_eq!(kv.put("apple".into(), "red".into()).await, Ok(None));
    kv.delete("apple".into()); // a cast, handled before the next call
    assert_eq!(kv.size().await, Ok(0));

    let err = kv.get("crash".into()).await.unwrap_err();
    assert_eq!(
        err,
        CallError::Exited(ExitReason::Panic("asked to crash".into()))
    );
    let got = kv.size().await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}"); // the handle is bound to the dead pid
}
// ANCHOR_END: handle

// ANCHOR: session
/// Ends itself after `idle` without a request.
struct Session {
    idle: Duration,
}

#[gen_server]
impl Session {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) {
        ctx.set_timeout(self.idle);
    }

    /// Any request: the idle time starts again.
    #[call]
    fn touch(&mut self, ctx: &mut Ctx<Self>) {
        ctx.set_timeout(self.idle);
    }

    #[info(timeout)]
    fn idle(&mut self, ctx: &mut Ctx<Self>) {
        ctx.stop(ExitReason::shutdown_with("idle"));
    }
}

// Half an hour of waiting, in no time: the clock only moves when every task waits, and then
// it jumps to the next timer.
#[otp_runtime::test(start_paused = true)]
async fn an_idle_session_ends_after_half_an_hour() {
    let start = Instant::now();
    let session = Session {
        idle: Duration::from_secs(30 * 60),
    }
    .start()
    .await
    .unwrap();
    otp_runtime::time::sleep(Duration::from_secs(20 * 60)).await;
    session.touch().await.unwrap(); // 20 minutes in: the half hour starts again
    assert_eq!(session.wait_exit().await, ExitReason::shutdown_with("idle"));
    assert_eq!(start.elapsed(), Duration::from_secs(50 * 60));
}
// ANCHOR_END: session

// ANCHOR: queue
/// A queue whose `pop` waits until something is pushed: a deferred reply.
#[derive(Default)]
struct Queue {
    items: VecDeque<u32>,
    waiting: VecDeque<ReplyTo<u32>>,
}

#[gen_server]
impl Queue {
    #[call]
    fn pop(&mut self, reply: ReplyTo<u32>) {
        match self.items.pop_front() {
            Some(item) => reply.reply(item),
            None => self.waiting.push_back(reply),
        }
    }

    #[cast]
    fn push(&mut self, item: u32) {
        match self.waiting.pop_front() {
            Some(reply) => reply.reply(item),
            None => self.items.push_back(item),
        }
    }
}

#[otp_runtime::test(start_paused = true)]
async fn a_pop_waits_for_a_push_or_times_out() {
    let queue = Queue::default().start().await.unwrap();

    // Someone pushes a second later: the deferred reply comes then.
    let pusher = queue.clone();
    tokio::spawn(async move {
        otp_runtime::time::sleep(Duration::from_secs(1)).await;
        pusher.push(7);
    });
    let start = Instant::now();
    assert_eq!(queue.pop().await, Ok(7));
    assert_eq!(start.elapsed(), Duration::from_secs(1));

    // Nobody pushes: the call gives up after the default 5 seconds.
    let start = Instant::now();
    let got = queue.pop().await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert_eq!(start.elapsed(), DEFAULT_CALL_TIMEOUT);
}
// ANCHOR_END: queue

// ANCHOR: node
// The application runs on the test's node: the body finds its servers by name. Every test
// of the file may boot it at once, each on its own node.
#[otp_runtime::test]
async fn the_factorial_service_serves_by_name() {
    let node = Node::current()
        .application(FactorialService)
        .env_vars([("FACTORIAL__SERVERS", "3")])
        .start()
        .await
        .unwrap();
    let third = Factorial::named("factorial3");
    assert_eq!(third.factorial(5).await, Ok((120, 0)));
    assert_eq!(node.stop().await, NodeExit::Stopped);
    let got = third.factorial(5).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}
// ANCHOR_END: node

// ANCHOR: tree
supervision_tree! {
    /// The tree under test. Tests run in parallel, each on its node: the names are the
    /// program's own, not made unique.
    Stores: one_for_one, intensity 1 per 5s {
        worker "kv" => Kv::default(), name: "kv";
        worker "factorial" => Factorial::default(), name: "factorial";
    }
}
// ANCHOR_END: tree

// ANCHOR: inject
// On two threads: the supervisor and the test really run at the same time.
#[otp_runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_injected_crash_restarts_that_child_only() {
    let tree = Stores::start().await.unwrap();
    let before = tree.which_children().await.unwrap();
    let Some(ChildState::Running(kv)) = state(&before, "kv") else {
        panic!("kv is not running: {}", show(&before));
    };

    // A crash from outside: an exit signal with an abnormal reason kills a process that does
    // not trap exits, as a panic in a handler would.
    otp_runtime::exit(kv, ExitReason::other("injected"));

    // The restart comes a moment later: wait for it rather than sleep.
    let new_kv = restarted(&tree, "kv", kv).await.unwrap();
    assert_ne!(new_kv, kv);
    assert_eq!(Kv::named("kv").size().await, Ok(0)); // fresh state
    let after = tree.which_children().await.unwrap();
    assert_eq!(state(&after, "factorial"), state(&before, "factorial")); // untouched
    tree.stop().await.unwrap();
}
// ANCHOR_END: inject

// ANCHOR: intensity
supervision_tree! {
    /// At most 1 restart in 5 seconds.
    Fragile: one_for_one, intensity 1 per 5s {
        worker "kv" => Kv::default(), name: "kv";
    }
}

/// Crashes the child `kv` of `sup` and waits until the supervisor has handled it.
async fn crash_kv(sup: &SupervisorRef) {
    let children = sup.which_children().await.unwrap();
    let Some(ChildState::Running(kv)) = state(&children, "kv") else {
        panic!("kv is not running: {}", show(&children));
    };
    otp_runtime::exit(kv, ExitReason::other("injected"));
    let _ = wait_for(sup, |c| state(c, "kv") != Some(ChildState::Running(kv))).await;
}

#[otp_runtime::test(start_paused = true)]
async fn one_crash_per_six_seconds_is_fine_two_in_five_are_not() {
    let sup = Fragile::start().await.unwrap();
    for _ in 0..10 {
        crash_kv(&sup).await;
        otp_runtime::time::sleep(Duration::from_secs(6)).await; // a minute, in no time
    }
    assert!(sup.which_children().await.is_ok(), "still running");

    crash_kv(&sup).await;
    otp_runtime::time::sleep(Duration::from_secs(4)).await;
    crash_kv(&sup).await; // the second restart within 5 seconds: one too many
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
}
// ANCHOR_END: intensity

// ANCHOR: messenger
// The messenger registers fixed names: on a node of its own, this test has them to itself.
#[otp_runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_crash_logs_every_user_off() {
    let tree = MessengerSup::start().await.unwrap();
    let peter = messenger::logon("peter").await.unwrap();
    let _fred = messenger::logon("fred").await.unwrap();
    let before = tree.which_children().await.unwrap();
    let Some(ChildState::Running(server)) = state(&before, "server") else {
        panic!("no server: {}", show(&before));
    };
    let Some(ChildState::Running(clients)) = state(&before, "clients") else {
        panic!("no clients: {}", show(&before));
    };

    otp_runtime::exit(server, ExitReason::other("injected"));

    // rest_for_one: the server and everything after it start again.
    restarted(&tree, "clients", clients).await.unwrap();
    let after = tree.which_children().await.unwrap();
    assert_ne!(state(&after, "server"), Some(ChildState::Running(server)));
    assert_eq!(messenger::users().await, Ok(vec![]));
    assert_eq!(
        peter.message_to("fred", "hello").await,
        Err(MessengerError::NotLoggedOn)
    );
    // The users log on again, to the new server.
    let peter = messenger::logon("peter").await.unwrap();
    let fred = messenger::logon("fred").await.unwrap();
    peter.message_to("fred", "hello again").await.unwrap();
    assert_eq!(fred.read().await.unwrap().len(), 1);
    tree.stop().await.unwrap();
}
// ANCHOR_END: messenger
