//! Asynchronous requests (`send_request`, `wait_response`, `receive_response`,
//! `check_response`, request id collections) and `start_monitor`, ported from OTP's
//! `lib/stdlib/test/gen_server_SUITE.erl` (otp-semantics §A2).
//!
//! [`Suite`] plays the suite's callback module for the requests the ported cases send
//! (`started_p`, `{delayed_answer, T}`, `{call_within, T}`, `next_call`, `stop_shutdown`,
//! `badreturn`), through the `#[gen_server]` handle and its generated `send_<call>` methods.
//! Every test runs on a node of its own and on tokio's paused clock, so the suite's timings
//! (a reply after 400 ms, a deadline 100 ms away) are exact.

use std::time::Duration;

use otp_runtime::prelude::*;
use otp_runtime::time::{sleep, Instant};

const MS: Duration = Duration::from_millis(1);

/// The suite's `delayed` reply.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Delayed;

#[derive(Default)]
pub struct Suite {
    /// `{call_within, T}` was called and `T` has not passed.
    call_within: bool,
    /// A `{delayed_answer, T}` waiting for its gen_server timeout.
    pending: Option<ReplyTo<Delayed>>,
    /// A request this server sent to itself.
    mine: Option<RequestId<()>>,
}

#[gen_server]
impl Suite {
    /// `started_p`: answers `ok`.
    #[call]
    pub fn started_p(&self) {}

    /// `{delayed_answer, T}`: no reply now; the gen_server timeout answers `delayed` after T.
    #[call]
    pub fn delayed_answer(
        &mut self,
        after: Duration,
        reply: ReplyTo<Delayed>,
        ctx: &mut Ctx<Self>,
    ) {
        self.pending = Some(reply);
        ctx.set_timeout(after);
    }

    /// `{call_within, T}`: a `next_call` within T answers `true` (OTP's `ok`).
    #[call]
    pub fn call_within(&mut self, within: Duration, ctx: &mut Ctx<Self>) {
        self.call_within = true;
        ctx.set_timeout(within);
    }

    /// `next_call`: whether it came within the last `call_within`'s time.
    #[call]
    pub fn next_call(&mut self) -> bool {
        std::mem::take(&mut self.call_within)
    }

    /// `stop_shutdown`: stops with `shutdown`, without replying.
    #[call]
    pub fn stop_shutdown(&mut self, reply: ReplyTo<()>, ctx: &mut Ctx<Self>) {
        drop(reply);
        ctx.stop(ExitReason::Shutdown);
    }

    /// `badreturn`: OTP crashes the server with `{bad_return_value, badreturn}`; a typed
    /// handler cannot return a bad value, so it crashes the way Rust does.
    #[call]
    pub fn badreturn(&self) {
        panic!("bad_return_value");
    }

    /// Whether the caller of the pending `delayed_answer` has given up on it.
    #[call]
    pub fn pending_abandoned(&self) -> Option<bool> {
        self.pending.as_ref().map(ReplyTo::is_closed)
    }

    /// Sends itself `started_p` and waits for it: it cannot be answered while this waits.
    #[call]
    pub async fn ask_myself(&mut self, ctx: &mut Ctx<Self>) -> Result<(), CallError> {
        let mut mine = SuiteRef::from(ctx.handle()).send_started_p();
        let waited = mine.wait_response(INFINITY).await;
        self.mine = Some(mine);
        waited
    }

    /// Checks the request `ask_myself` sent, which this server has handled since.
    #[call]
    pub fn check_mine(&mut self) -> Option<Result<(), CallError>> {
        self.mine.as_mut().and_then(RequestId::check_response)
    }

    #[info(timeout)]
    fn timeout(&mut self) {
        match self.pending.take() {
            Some(reply) => reply.reply(Delayed),
            None => self.call_within = false,
        }
    }
}

async fn suite() -> SuiteRef {
    Suite::default().start().await.unwrap()
}

async fn named_suite(name: &str) -> SuiteRef {
    Suite::default().start_named(name).await.unwrap()
}

// ---- send_request ------------------------------------------------------------------------------

/// `send_request`: each kind of answer through `send_request` + `wait_response(_, infinity)`
/// (the suite's `Async`), `check_response` before and after the reply is there, a
/// `wait_response` that times out and is waited on again, a crash, and requests to a server
/// that is gone, by pid and by name. (Its remote-node, `global` and `via` parts wait for
/// distribution and the registry trait.)
#[otp_runtime::test(start_paused = true)]
async fn send_request() {
    let s = named_suite("my_test_name").await;
    let named = Suite::named("my_test_name");
    assert_eq!(named.send_started_p().wait_response(INFINITY).await, Ok(()));
    assert_eq!(
        s.send_delayed_answer(MS).wait_response(INFINITY).await,
        Ok(Delayed)
    );

    // Two requests within a specified time.
    let mut p1 = named.send_call_within(Duration::from_secs(1));
    let mut p2 = named.send_next_call();
    assert_eq!(p1.wait_response(INFINITY).await, Ok(()));
    assert_eq!(p2.wait_response(INFINITY).await, Ok(true));

    // `check_response`: no reply yet (the server has not run), then the reply.
    let mut p3 = named.send_call_within(Duration::from_secs(1));
    assert_eq!(p3.check_response(), None);
    sleep(MS).await;
    assert_eq!(p3.check_response(), Some(Ok(())));
    sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        named.send_next_call().wait_response(INFINITY).await,
        Ok(false)
    );

    // A timeout leaves the request pending.
    let mut p5 = named.send_delayed_answer(Duration::from_millis(50));
    let got = p5.wait_response(Duration::ZERO).await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert_eq!(p5.wait_response(INFINITY).await, Ok(Delayed));
    // Answered: nothing more to wait for.
    assert_eq!(p5.wait_response(INFINITY).await, Err(CallError::NoRequest));
    assert_eq!(p5.check_response(), Some(Err(CallError::NoRequest)));

    // A crash in the handler (the suite's bad return value).
    assert_eq!(
        named.send_badreturn().wait_response(INFINITY).await,
        Err(CallError::Exited(ExitReason::Panic(
            "bad_return_value".into()
        )))
    );
    // Other error cases: the server is gone, by pid and by name.
    let got = s.send_started_p().wait_response(INFINITY).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    let got = named.send_started_p().wait_response(INFINITY).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    // A stop without a reply: the stop's reason.
    let s = suite().await;
    assert_eq!(
        s.send_stop_shutdown().wait_response(INFINITY).await,
        Err(CallError::Exited(ExitReason::Shutdown))
    );
}

/// `send_request` on the untyped `ServerRef`: the reply enum, and the request ids of a name
/// of another type.
#[otp_runtime::test(start_paused = true)]
async fn send_request_untyped() {
    let s = suite().await;
    let id = s.server().send_request(SuiteCall::NextCall {});
    assert!(matches!(
        id.receive_response(INFINITY).await,
        Ok(SuiteReply::NextCall(false))
    ));

    otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        otp_runtime::register("plain", ctx.pid()).unwrap();
        ctx.recv().await;
        ExitReason::Normal
    });
    sleep(MS).await;
    let plain = Suite::named("plain");
    let pid = otp_runtime::whereis("plain").unwrap();
    assert_eq!(
        plain.send_started_p().receive_response(INFINITY).await,
        Err(CallError::WrongType(pid))
    );
}

/// A server that dies while a request is pending resolves it at once with its reason, as a
/// call would be (the suite's `Async` after `exit(Pid, boom)`, `call_remote1`): no waiting
/// for the timeout.
#[otp_runtime::test(start_paused = true)]
async fn a_death_resolves_a_pending_request_at_once() {
    let s = suite().await;
    let mut id = s.send_delayed_answer(Duration::from_secs(60));
    assert_eq!(id.check_response(), None);
    let killer = s.pid().unwrap();
    otp_runtime::spawn(move |_ctx: ProcessCtx<()>| async move {
        sleep(Duration::from_secs(1)).await;
        otp_runtime::exit(killer, ExitReason::other("boom"));
        ExitReason::Normal
    });
    let t0 = Instant::now();
    assert_eq!(
        id.wait_response(Duration::from_secs(30)).await,
        Err(CallError::Exited(ExitReason::other("boom")))
    );
    assert_eq!(t0.elapsed(), Duration::from_secs(1));

    // Checked rather than waited for: the same error once the server is dead.
    let s = suite().await;
    let mut id = s.send_delayed_answer(Duration::from_secs(60));
    sleep(MS).await;
    otp_runtime::exit(s.pid().unwrap(), ExitReason::Kill);
    assert_eq!(s.wait_exit().await, ExitReason::Killed);
    assert_eq!(
        id.check_response(),
        Some(Err(CallError::Exited(ExitReason::Killed)))
    );
}

/// `receive_response` abandons a request that times out, `wait_response` does not (the
/// suite's `send_request_receive_reqid_collection_timeout` and
/// `send_request_wait_reqid_collection_timeout`, for one request): the late reply still
/// comes to a request that was waited for, while the server sees the caller of an abandoned
/// one gone, and its late reply is dropped. (Asking the server cancels its gen_server
/// timeout, which would answer: so it is asked only once its request is abandoned.)
#[otp_runtime::test(start_paused = true)]
async fn receive_response_abandons_wait_response_does_not() {
    let s = suite().await;
    let mut waited = s.send_delayed_answer(Duration::from_secs(1));
    let got = waited.wait_response(Duration::from_millis(100)).await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert_eq!(waited.wait_response(INFINITY).await, Ok(Delayed));

    let received = s.send_delayed_answer(Duration::from_secs(1));
    let got = received.receive_response(Duration::from_millis(100)).await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert_eq!(s.pending_abandoned().await, Ok(Some(true)));
    // Dropping a request id abandons it too.
    drop(s.send_delayed_answer(Duration::from_secs(1)));
    assert_eq!(s.pending_abandoned().await, Ok(Some(true)));
}

/// A server may send a request to itself, as in OTP; waiting for it from inside gives
/// `calling_self` at once (it could never be answered while the server waits), and the
/// request stays pending: checked after the server has handled it, it has its reply.
#[otp_runtime::test(start_paused = true)]
async fn a_request_to_oneself() {
    let s = suite().await;
    assert_eq!(s.ask_myself().await, Ok(Err(CallError::CallingSelf)));
    assert_eq!(s.check_mine().await, Ok(Some(Ok(()))));
    assert_eq!(s.check_mine().await, Ok(Some(Err(CallError::NoRequest))));
}

// ---- request id collections --------------------------------------------------------------------

/// Three servers, as the collection cases start them.
async fn three() -> (SuiteRef, SuiteRef, SuiteRef) {
    (
        named_suite("my_test_name1").await,
        named_suite("my_test_name2").await,
        named_suite("my_test_name3").await,
    )
}

/// `send_request_receive_reqid_collection`: the responses come in the order they resolve,
/// each with its label, until the collection is empty (`no_request`); a request outside the
/// collection is unaffected.
#[otp_runtime::test(start_paused = true)]
async fn send_request_receive_reqid_collection() {
    let (p1, p2, p3) = three().await;
    let req0 = p1.send_started_p();
    let mut ids = RequestIds::new();
    ids.add(p1.send_delayed_answer(Duration::from_millis(400)), "req1");
    assert_eq!(ids.len(), 1);
    ids.add(p2.send_delayed_answer(MS), "req2");
    assert_eq!(ids.len(), 2);
    ids.add(p3.send_delayed_answer(Duration::from_millis(200)), "req3");
    assert_eq!(ids.len(), 3);

    assert_eq!(
        ids.receive_response(INFINITY).await,
        Collected::Response(Ok(Delayed), "req2")
    );
    assert_eq!(ids.len(), 2);
    let timeout = Duration::from_millis(5678);
    assert_eq!(
        ids.receive_response(timeout).await,
        Collected::Response(Ok(Delayed), "req3")
    );
    assert_eq!(ids.len(), 1);
    let timeout = Duration::from_secs(5);
    assert_eq!(
        ids.receive_response(timeout).await,
        Collected::Response(Ok(Delayed), "req1")
    );
    assert_eq!(ids.len(), 0);
    assert_eq!(ids.receive_response(timeout).await, Collected::NoRequest);
    assert_eq!(req0.receive_response(INFINITY).await, Ok(()));
}

/// `send_request_receive_reqid_collection_timeout`: at the deadline the requests left are
/// abandoned (waiting again gets nothing, even after their replies were due), and their
/// servers see their callers gone.
#[otp_runtime::test(start_paused = true)]
async fn send_request_receive_reqid_collection_timeout() {
    let (p1, p2, p3) = three().await;
    let req0 = p1.send_started_p();
    let mut ids = RequestIds::new();
    ids.add(p1.send_delayed_answer(Duration::from_secs(1)), "req1");
    ids.add(p2.send_delayed_answer(MS), "req2");
    ids.add(p3.send_delayed_answer(Duration::from_millis(500)), "req3");
    let deadline = Instant::now() + Duration::from_millis(100);
    let left = || deadline.saturating_duration_since(Instant::now());

    assert_eq!(
        ids.receive_response(left()).await,
        Collected::Response(Ok(Delayed), "req2")
    );
    assert_eq!(ids.len(), 2);
    assert_eq!(ids.labels().copied().collect::<Vec<_>>(), ["req1", "req3"]);
    assert_eq!(ids.receive_response(left()).await, Collected::Timeout);
    assert_eq!(Instant::now(), deadline);
    // Abandoned.
    assert!(ids.is_empty());
    assert_eq!(p1.pending_abandoned().await, Ok(Some(true)));
    assert_eq!(p3.pending_abandoned().await, Ok(Some(true)));
    assert_eq!(
        ids.receive_response(Duration::from_secs(1)).await,
        Collected::NoRequest
    );
    assert_eq!(req0.receive_response(INFINITY).await, Ok(()));
}

/// `send_request_receive_reqid_collection_error`: a server that stops without replying
/// resolves its request with its reason; the others resolve in turn. (OTP's `badarg` for a
/// request id added twice has no counterpart: `add` takes the id by value.)
#[otp_runtime::test(start_paused = true)]
async fn send_request_receive_reqid_collection_error() {
    let (p1, p2, p3) = three().await;
    let req0 = p1.send_started_p();
    let mut ids = RequestIds::new();
    ids.add(p1.send_delayed_answer(Duration::from_millis(400)), "req1");
    ids.add(p2.send_stop_shutdown().map(|()| Delayed), "req2");
    ids.add(p3.send_delayed_answer(Duration::from_millis(200)), "req3");
    assert_eq!(ids.len(), 3);

    assert_eq!(
        ids.receive_response(Duration::from_secs(2)).await,
        Collected::Response(Err(CallError::Exited(ExitReason::Shutdown)), "req2")
    );
    assert_eq!(ids.len(), 2);
    assert_eq!(
        ids.receive_response(INFINITY).await,
        Collected::Response(Ok(Delayed), "req3")
    );
    assert_eq!(
        ids.receive_response(INFINITY).await,
        Collected::Response(Ok(Delayed), "req1")
    );
    assert_eq!(req0.receive_response(INFINITY).await, Ok(()));
}

/// `send_request_wait_reqid_collection`: as the `receive` case, with `wait_response`.
#[otp_runtime::test(start_paused = true)]
async fn send_request_wait_reqid_collection() {
    let (p1, p2, p3) = three().await;
    let mut req0 = p1.send_started_p();
    let mut ids = RequestIds::new();
    ids.add(p1.send_delayed_answer(Duration::from_millis(400)), "req1");
    ids.add(p2.send_delayed_answer(MS), "req2");
    ids.add(p3.send_delayed_answer(Duration::from_millis(200)), "req3");
    assert_eq!(ids.len(), 3);

    assert_eq!(
        ids.wait_response(INFINITY).await,
        Collected::Response(Ok(Delayed), "req2")
    );
    let timeout = Duration::from_millis(5678);
    assert_eq!(
        ids.wait_response(timeout).await,
        Collected::Response(Ok(Delayed), "req3")
    );
    let timeout = Duration::from_secs(5);
    assert_eq!(
        ids.wait_response(timeout).await,
        Collected::Response(Ok(Delayed), "req1")
    );
    assert_eq!(ids.wait_response(timeout).await, Collected::NoRequest);
    assert_eq!(req0.wait_response(INFINITY).await, Ok(()));
}

/// `send_request_wait_reqid_collection_timeout`: at the deadline the requests left stay in
/// the collection, pending: a later wait gets their replies.
#[otp_runtime::test(start_paused = true)]
async fn send_request_wait_reqid_collection_timeout() {
    let (p1, p2, p3) = three().await;
    let req0 = p1.send_started_p();
    let mut ids = RequestIds::new();
    ids.add(p1.send_delayed_answer(Duration::from_secs(1)), "req1");
    ids.add(p2.send_delayed_answer(MS), "req2");
    ids.add(p3.send_delayed_answer(Duration::from_millis(500)), "req3");
    let deadline = Instant::now() + Duration::from_millis(100);
    let until = |d: Instant| d.saturating_duration_since(Instant::now());

    assert_eq!(
        ids.wait_response(until(deadline)).await,
        Collected::Response(Ok(Delayed), "req2")
    );
    assert_eq!(ids.wait_response(until(deadline)).await, Collected::Timeout);
    assert_eq!(ids.labels().copied().collect::<Vec<_>>(), ["req1", "req3"]);
    // Not abandoned: their replies come.
    let later = deadline + Duration::from_millis(1500);
    assert_eq!(
        ids.wait_response(until(later)).await,
        Collected::Response(Ok(Delayed), "req3")
    );
    assert_eq!(
        ids.wait_response(until(later)).await,
        Collected::Response(Ok(Delayed), "req1")
    );
    assert_eq!(req0.receive_response(INFINITY).await, Ok(()));
}

/// `send_request_wait_reqid_collection_error`: as the `receive` case, with `wait_response`.
#[otp_runtime::test(start_paused = true)]
async fn send_request_wait_reqid_collection_error() {
    let (p1, p2, p3) = three().await;
    let mut req0 = p1.send_started_p();
    let mut ids = RequestIds::new();
    ids.add(p1.send_delayed_answer(Duration::from_millis(400)), "req1");
    ids.add(p2.send_stop_shutdown().map(|()| Delayed), "req2");
    ids.add(p3.send_delayed_answer(Duration::from_millis(200)), "req3");

    assert_eq!(
        ids.wait_response(Duration::from_secs(2)).await,
        Collected::Response(Err(CallError::Exited(ExitReason::Shutdown)), "req2")
    );
    assert_eq!(
        ids.wait_response(INFINITY).await,
        Collected::Response(Ok(Delayed), "req3")
    );
    assert_eq!(
        ids.wait_response(INFINITY).await,
        Collected::Response(Ok(Delayed), "req1")
    );
    assert_eq!(req0.wait_response(INFINITY).await, Ok(()));
}

/// `send_request_check_reqid_collection`: checked as time passes (OTP checks each message
/// as it arrives), each request shows up once it has resolved, in the order they resolve;
/// an empty collection answers `no_request`.
#[otp_runtime::test(start_paused = true)]
async fn send_request_check_reqid_collection() {
    let (p1, p2, p3) = three().await;
    let mut req0 = p1.send_started_p();
    sleep(Duration::from_millis(100)).await;
    let mut ids = RequestIds::new();
    ids.add(p1.send_delayed_answer(Duration::from_millis(400)), "req1");
    ids.add(p2.send_delayed_answer(MS), "req2");
    ids.add(p3.send_delayed_answer(Duration::from_millis(200)), "req3");
    assert_eq!(ids.len(), 3);

    assert_eq!(ids.check_response(), Collected::NoReply);
    sleep(Duration::from_millis(100)).await;
    assert_eq!(
        ids.check_response(),
        Collected::Response(Ok(Delayed), "req2")
    );
    assert_eq!(ids.check_response(), Collected::NoReply);
    sleep(Duration::from_millis(150)).await;
    assert_eq!(
        ids.check_response(),
        Collected::Response(Ok(Delayed), "req3")
    );
    sleep(Duration::from_millis(200)).await;
    assert_eq!(
        ids.check_response(),
        Collected::Response(Ok(Delayed), "req1")
    );
    assert_eq!(ids.len(), 0);
    assert_eq!(ids.check_response(), Collected::NoRequest);
    assert_eq!(req0.check_response(), Some(Ok(())));
}

/// `send_request_check_reqid_collection_error`: a server that stops without replying shows
/// up with its reason.
#[otp_runtime::test(start_paused = true)]
async fn send_request_check_reqid_collection_error() {
    let (p1, p2, p3) = three().await;
    let mut req0 = p1.send_started_p();
    sleep(Duration::from_millis(100)).await;
    let mut ids = RequestIds::new();
    ids.add(p1.send_delayed_answer(Duration::from_millis(400)), "req1");
    ids.add(p2.send_stop_shutdown().map(|()| Delayed), "req2");
    ids.add(p3.send_delayed_answer(Duration::from_millis(200)), "req3");

    assert_eq!(ids.check_response(), Collected::NoReply);
    sleep(MS).await;
    assert_eq!(
        ids.check_response(),
        Collected::Response(Err(CallError::Exited(ExitReason::Shutdown)), "req2")
    );
    sleep(Duration::from_millis(250)).await;
    assert_eq!(
        ids.check_response(),
        Collected::Response(Ok(Delayed), "req3")
    );
    sleep(Duration::from_millis(200)).await;
    assert_eq!(
        ids.check_response(),
        Collected::Response(Ok(Delayed), "req1")
    );
    assert_eq!(req0.check_response(), Some(Ok(())));
}

// ---- start_monitor -----------------------------------------------------------------------------

/// `start`'s "anonymous monitored" and "local register monitored" parts: the monitor's
/// `DOWN` carries the reason the server stopped with, and a second `start_monitor` under a
/// taken name gives `already_started`, with no `DOWN` for it.
#[otp_runtime::test(start_paused = true)]
async fn start_monitored() {
    let r = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        let (s, m) = Suite::default().start_monitor().await.unwrap();
        let pid = s.pid().unwrap();
        assert_eq!(m.target(), pid);
        assert_eq!(s.started_p().await, Ok(()));
        assert_eq!(s.stop(ExitReason::other("stopped"), INFINITY).await, Ok(()));
        let down = Message::Down {
            monitor: m,
            pid,
            reason: ExitReason::other("stopped"),
        };
        assert_eq!(ctx.recv_timeout(Duration::from_secs(5)).await, Some(down));

        let opts = || StartOpts::new().name("my_test_name");
        let (s, m) = Suite::default().start_monitor_with(opts()).await.unwrap();
        let pid = s.pid().unwrap();
        assert_eq!(Suite::named("my_test_name").started_p().await, Ok(()));
        assert_eq!(
            Suite::default()
                .start_monitor_with(opts())
                .await
                .unwrap_err(),
            StartError::AlreadyStarted(pid)
        );
        assert_eq!(s.stop(ExitReason::other("stopped"), INFINITY).await, Ok(()));
        let down = Message::Down {
            monitor: m,
            pid,
            reason: ExitReason::other("stopped"),
        };
        assert_eq!(ctx.recv_timeout(Duration::from_secs(5)).await, Some(down));
        // Nothing else: no DOWN for the start that failed.
        assert_eq!(ctx.recv_timeout(Duration::from_secs(1)).await, None);
        ExitReason::Normal
    });
    assert_eq!(r.wait_exit().await, ExitReason::Normal);
}

/// The monitor is set before the server runs (OTP's `spawn_monitor`): a server that stops
/// right after `init` still gives its `DOWN`.
#[otp_runtime::test(start_paused = true)]
async fn start_monitor_sees_a_death_right_after_init() {
    struct Brief;
    #[gen_server]
    impl Brief {
        #[init]
        fn init(&mut self, ctx: &mut Ctx<Self>) {
            ctx.continue_with(());
        }
        #[handle_continue]
        fn stop_now(&mut self, ctx: &mut Ctx<Self>) {
            ctx.stop(ExitReason::other("brief"));
        }
        #[call]
        fn ping(&self) {}
    }
    let r = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        let (s, m) = Brief.start_monitor().await.unwrap();
        let pid = s.pid().unwrap();
        let down = Message::Down {
            monitor: m,
            pid,
            reason: ExitReason::other("brief"),
        };
        assert_eq!(ctx.recv().await, down);
        ExitReason::Normal
    });
    assert_eq!(r.wait_exit().await, ExitReason::Normal);
}

/// `loop_start_fail` with `{start_monitor, []}` and `{start_monitor, [link]}`: every failed
/// start (stop, ignore, crash, timeout), five times over, returns its error and leaves no
/// `DOWN` (and no `EXIT`) in the starter's mailbox (OTP 26 consumes it), the process dead.
#[otp_runtime::test(start_paused = true)]
async fn loop_start_fail_start_monitor() {
    #[derive(Clone)]
    enum Fail {
        Stop,
        Ignore,
        Panic,
        Sleep,
    }
    struct Failing(Fail);
    #[gen_server]
    impl Failing {
        #[init]
        async fn init(&mut self) -> Init {
            match self.0 {
                Fail::Stop => Init::Stop(ExitReason::other("failed_to_start")),
                Fail::Ignore => Init::Ignore,
                Fail::Panic => panic!("bailout"),
                Fail::Sleep => {
                    sleep(Duration::from_secs(1)).await;
                    Init::Ok
                }
            }
        }
        #[call]
        fn ping(&self) {}
    }
    let r = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        for link in [false, true] {
            for _ in 0..5 {
                for (fail, expected) in [
                    (
                        Fail::Stop,
                        StartError::Failed(ExitReason::other("failed_to_start")),
                    ),
                    (Fail::Ignore, StartError::Ignored),
                    (
                        Fail::Panic,
                        StartError::Failed(ExitReason::Panic("bailout".into())),
                    ),
                    (Fail::Sleep, StartError::Timeout),
                ] {
                    let mut opts = StartOpts::new().timeout(Duration::from_millis(200));
                    if link {
                        opts = opts.link();
                    }
                    let before = otp_runtime::process_count();
                    let r = Failing(fail).start_monitor_with(opts).await;
                    assert_eq!(r.unwrap_err(), expected);
                    assert_eq!(otp_runtime::process_count(), before, "{expected:?}: alive");
                    assert_eq!(
                        ctx.recv_timeout(Duration::from_millis(10)).await,
                        None,
                        "{expected:?}: a DOWN or EXIT reached the starter"
                    );
                    let info = otp_runtime::process_info(ctx.pid()).unwrap();
                    assert!(info.monitors.is_empty(), "{expected:?}: a monitor is left");
                }
            }
        }
        ExitReason::Normal
    });
    assert_eq!(r.wait_exit().await, ExitReason::Normal);
}

/// A server killed by someone else during `init`: `start_monitor` reports it, and its
/// `DOWN` is consumed like any failed start's.
#[otp_runtime::test(start_paused = true)]
async fn start_monitor_killed_during_init() {
    struct Slow;
    #[gen_server]
    impl Slow {
        #[init]
        async fn init(&mut self) {
            sleep(Duration::from_secs(10)).await;
        }
        #[call]
        fn ping(&self) {}
    }
    let r = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        let me = ctx.pid();
        let start = Slow.start_monitor();
        let killer = otp_runtime::spawn(move |_ctx: ProcessCtx<()>| async move {
            sleep(Duration::from_secs(1)).await;
            // The server the starter monitors, in its init.
            let info = otp_runtime::process_info(me).unwrap();
            otp_runtime::exit(info.monitors[0].target(), ExitReason::Kill);
            ExitReason::Normal
        });
        assert_eq!(
            start.await.unwrap_err(),
            StartError::Failed(ExitReason::Killed)
        );
        assert_eq!(killer.wait_exit().await, ExitReason::Normal);
        assert_eq!(ctx.recv_timeout(Duration::from_secs(1)).await, None);
        ExitReason::Normal
    });
    assert_eq!(r.wait_exit().await, ExitReason::Normal);
}

/// Outside a process there is no one to get the `DOWN`: `NotInProcess`, and nothing starts.
#[otp_runtime::test(start_paused = true)]
async fn start_monitor_outside_a_process() {
    let before = otp_runtime::process_count();
    assert_eq!(
        Suite::default().start_monitor().await.unwrap_err(),
        StartError::NotInProcess
    );
    assert_eq!(otp_runtime::process_count(), before);
}

/// Request ids and their waits can move to another task: a client spawns the wait (the
/// futures are `Send`), and a collection waited for there resolves as here.
#[otp_runtime::test(start_paused = true)]
async fn waits_run_in_other_tasks() {
    let (s, t) = (suite().await, suite().await);
    let mut one = t.send_delayed_answer(Duration::from_millis(20));
    let mut ids = RequestIds::new();
    ids.add(s.send_next_call(), "next");
    let task = tokio::spawn(async move {
        let first = ids.wait_response(INFINITY).await;
        let empty = ids.receive_response(INFINITY).await;
        (
            first,
            empty,
            ids.check_response(),
            one.wait_response(INFINITY).await,
        )
    });
    assert_eq!(
        task.await.unwrap(),
        (
            Collected::Response(Ok(false), "next"),
            Collected::NoRequest,
            Collected::NoRequest,
            Ok(Delayed)
        )
    );
}
