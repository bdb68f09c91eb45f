//! gen_statem behaviour tests, ported from Erlang/OTP's `lib/stdlib/test/gen_statem_SUITE.erl`
//! (otp-semantics §A4): start and stop, `do_func_test` with postpone, the `abnormal*` cases,
//! `shutdown`, `stop_and_reply`, `state_enter`, `event_order`, `event_types`, `next_events`,
//! `hibernate`, `loop_start_fail`; and what the suite gets from Erlang itself: calls without a
//! default timeout, casts that never block, info messages, monitors, trapped exits, the
//! parent's exit, names, and a machine under a supervisor. The timeout cases are in
//! `gen_statem_timeouts.rs`.
//!
//! The suite's own machine is [`Stm`] (in `statem_common`); its `map_statem` machines are
//! small machines here, each next to its test. Every test runs on tokio's paused clock.
//! Names are global and tests run in parallel: every test uses its own names.

mod statem_common;

use std::time::Duration;

use otp_runtime::prelude::*;
use statem_common::*;
use tokio::sync::mpsc;
use tokio::time::Instant;

const MS: Duration = Duration::from_millis(1);
const SEC: Duration = Duration::from_secs(1);

// ---- start -------------------------------------------------------------------------------

/// `start1` / `start2`: an anonymous machine runs `do_func_test` (casts, a postponed ping)
/// and `do_sync_func_test` (calls, the `{timeout, 200}` dance), then stops.
#[tokio::test(start_paused = true)]
async fn start_anonymous_runs_the_func_tests_then_stops() {
    let (m, mut rx) = stm(InitMode::Idle);
    let m = m.start().await.unwrap();
    let pid = started(&mut rx).await;
    assert_eq!(m.pid(), Some(pid));
    do_func_test(&m, &mut rx).await;
    do_sync_func_test(&m, &mut rx).await;
    stop_it(&m, &mut rx).await;
    assert!(!otp_runtime::is_alive(pid));
}

/// `start6`: linked to a process, its parent; the parent survives the normal stop and gets
/// no exit signal it did not trap.
#[tokio::test(start_paused = true)]
async fn start_link_from_a_process_makes_it_the_parent() {
    let reason = in_process(|mut ctx: ProcessCtx<()>| async move {
        let (m, mut rx) = stm(InitMode::Idle);
        let m = m.start_link().await.unwrap();
        let pid = started(&mut rx).await;
        assert!(otp_runtime::links(pid).contains(&ctx.pid()));
        do_func_test(&m, &mut rx).await;
        do_sync_func_test(&m, &mut rx).await;
        stop_it(&m, &mut rx).await;
        no_message_within(&mut ctx, SEC).await;
    })
    .await;
    assert_eq!(reason, ExitReason::Normal);
}

/// `start8` / `start9`: a named machine; a second start with the name gives
/// `already_started` with the first one's pid; the func tests by name; once stopped the name
/// is free again.
#[tokio::test(start_paused = true)]
async fn named_machine_is_reachable_by_name_and_unique() {
    let n = name("start8");
    let (m, mut rx) = stm(InitMode::Idle);
    let m = m
        .start_with(StartOpts::new().name(n.clone()))
        .await
        .unwrap();
    let pid = started(&mut rx).await;
    let (again, _) = stm(InitMode::Idle);
    assert_eq!(
        again
            .start_with(StartOpts::new().name(n.clone()).link())
            .await
            .unwrap_err(),
        StartError::AlreadyStarted(pid)
    );
    assert_eq!(otp_runtime::whereis(n.as_str()), Some(pid));

    let by_name = StatemRef::<Stm>::named(n.clone());
    assert_eq!(by_name.pid(), Some(pid));
    do_func_test(&by_name, &mut rx).await;
    do_sync_func_test(&m, &mut rx).await;
    stop_it(&by_name, &mut rx).await;
    assert_eq!(otp_runtime::whereis(n.as_str()), None);

    // start11: the name can be taken again.
    let (m2, mut rx2) = stm(InitMode::Idle);
    let m2 = m2.start_with(StartOpts::new().name(n)).await.unwrap();
    let pid2 = started(&mut rx2).await;
    assert_ne!(pid2, pid);
    assert_eq!(by_name.pid(), Some(pid2));
    check_state(&by_name, St::Idle).await;
    stop_it(&m2, &mut rx2).await;
}

/// `start4`: `init` returns `ignore`: `start` gives `Ignored`, the process is gone.
#[tokio::test(start_paused = true)]
async fn init_ignore_gives_ignored() {
    let (m, mut rx) = stm(InitMode::Ignore);
    assert_eq!(m.start().await.unwrap_err(), StartError::Ignored);
    let pid = started(&mut rx).await;
    assert!(!otp_runtime::is_alive(pid));
    assert_eq!(
        drain(&mut rx),
        vec![],
        "no terminate for a machine that never started"
    );
}

/// `start5a`: `init` returns `{stop, stopped}`: `start` gives the reason, which is also the
/// process's exit reason; `terminate` does not run. A panic in `init` is the same with a
/// `Panic` reason.
#[tokio::test(start_paused = true)]
async fn init_stop_or_panic_gives_failed() {
    let stopped = ExitReason::other("stopped");
    let (m, mut rx) = stm(InitMode::Stop(stopped.clone()));
    assert_eq!(m.start().await.unwrap_err(), StartError::Failed(stopped));
    let pid = started(&mut rx).await;
    assert!(!otp_runtime::is_alive(pid));

    let (m, mut rx) = stm(InitMode::Panic);
    match m.start().await.unwrap_err() {
        StartError::Failed(ExitReason::Panic(msg)) => assert!(msg.contains("init crashed")),
        other => panic!("expected a panic, got {other:?}"),
    }
    started(&mut rx).await;
    assert_eq!(drain(&mut rx), vec![]);
}

/// `start3`: a start timeout that `init` meets, and one it does not: `Timeout`, the process
/// is killed.
#[tokio::test(start_paused = true)]
async fn start_timeout_kills_a_slow_init() {
    let (m, _rx) = stm(InitMode::Idle);
    let m = m
        .start_with(StartOpts::new().timeout(5 * MS))
        .await
        .unwrap();
    check_state(&m, St::Idle).await;

    let (slow, mut rx) = stm(InitMode::Sleep(SEC));
    let t0 = Instant::now();
    assert_eq!(
        slow.start_with(StartOpts::new().timeout(5 * MS))
            .await
            .unwrap_err(),
        StartError::Timeout
    );
    assert_eq!(t0.elapsed(), 5 * MS);
    let pid = started(&mut rx).await;
    assert!(!otp_runtime::is_alive(pid));
}

/// `loop_start_fail`: failed starts, repeated, linked or not, from a process that traps
/// exits: each gives its error, the starter gets no exit signal and lives on.
#[tokio::test(start_paused = true)]
async fn loop_start_fail_leaves_the_starter_alone() {
    let reason = in_process(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let failed = ExitReason::other("failed_to_start");
        for opts in [StartOpts::new(), StartOpts::new().link()] {
            for _ in 0..5 {
                let cases = [
                    (
                        InitMode::Stop(failed.clone()),
                        StartError::Failed(failed.clone()),
                    ),
                    (InitMode::Ignore, StartError::Ignored),
                ];
                for (mode, want) in cases {
                    let (m, _rx) = stm(mode);
                    assert_eq!(m.start_with(opts.clone()).await.unwrap_err(), want);
                }
                let (m, _rx) = stm(InitMode::Panic);
                assert!(matches!(
                    m.start_with(opts.clone()).await.unwrap_err(),
                    StartError::Failed(ExitReason::Panic(_))
                ));
                let (m, _rx) = stm(InitMode::Sleep(SEC));
                assert_eq!(
                    m.start_with(opts.clone().timeout(200 * MS))
                        .await
                        .unwrap_err(),
                    StartError::Timeout
                );
            }
        }
        no_message_within(&mut ctx, SEC).await;
    })
    .await;
    assert_eq!(reason, ExitReason::Normal);
}

// ---- stop --------------------------------------------------------------------------------

/// `stop1`, `stop2`, `stop4`: `stop` with `normal`, with another reason, and by name:
/// `terminate` runs with the reason, the process is gone, a second stop finds no process.
#[tokio::test(start_paused = true)]
async fn stop_runs_terminate_then_noproc() {
    for (reason, named) in [
        (ExitReason::Normal, None),
        (ExitReason::other("other_reason"), None),
        (ExitReason::Normal, Some(name("stop4"))),
    ] {
        let (m, mut rx) = stm(InitMode::Idle);
        let opts = match &named {
            Some(n) => StartOpts::new().name(n.clone()),
            None => StartOpts::new(),
        };
        let m = m.start_with(opts).await.unwrap();
        let m = match &named {
            Some(n) => StatemRef::<Stm>::named(n.clone()),
            None => m,
        };
        let pid = started(&mut rx).await;
        assert_eq!(m.stop(reason.clone(), INFINITY).await, Ok(()));
        assert!(!otp_runtime::is_alive(pid));
        assert_eq!(drain(&mut rx), vec![Note::Terminated(St::Idle, reason)]);
        let got = m.stop(ExitReason::Normal, INFINITY).await;
        assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
    }
}

/// `shutdown`: a machine linked to a trapping process stops with `{shutdown, reason}` from a
/// call: the caller gets `stopped`, `terminate` runs, the parent gets the exit signal, and
/// the next call finds no process. Nothing else arrives.
#[tokio::test(start_paused = true)]
async fn shutdown_reason_reaches_the_trapping_parent() {
    let reason = in_process(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let (m, mut rx) = stm(InitMode::Idle);
        let m = m.start_link().await.unwrap();
        let pid = started(&mut rx).await;
        do_func_test(&m, &mut rx).await;
        do_sync_func_test(&m, &mut rx).await;
        let why = ExitReason::shutdown_with("reason");
        assert_eq!(m.call(Call::StopWith(why.clone())).await, Ok(Rep::Stopped));
        assert_eq!(
            recv(&mut ctx).await,
            Message::Exit {
                from: pid,
                reason: why.clone()
            }
        );
        assert_eq!(drain(&mut rx), vec![Note::Terminated(St::Idle, why)]);
        ctx.trap_exit(false);
        check_stopped(&m).await;
        no_message_within(&mut ctx, 500 * MS).await;
    })
    .await;
    assert_eq!(reason, ExitReason::Normal);
}

// ---- stop_and_reply ----------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sr {
    Start,
    Wait,
}

enum SrCall {
    /// Held unanswered (the suite's `{echo, From1, Reply1}`).
    Echo(u32),
    State,
    /// Answers the held call and this one, then stops.
    StopAndReply(ExitReason, u32),
}

struct StopAndReply {
    held: Option<(ReplyTo<u32>, u32)>,
}

impl GenStatem for StopAndReply {
    type State = Sr;
    type Call = SrCall;
    type Reply = u32;
    type Cast = ();
    type Info = ();
    type Internal = ();
    type Timeout = ();

    async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<Sr> {
        StatemInit::Ok(Sr::Start)
    }

    async fn handle_event(
        &mut self,
        s: &Sr,
        e: Event<Self>,
        _: &mut StatemCtx<'_, Self>,
    ) -> Transition<Sr> {
        match (s, e) {
            (_, Event::Call(SrCall::State, r)) => {
                r.reply(*s as u32);
                Transition::keep()
            }
            (Sr::Start, Event::Call(SrCall::Echo(n), r)) => {
                self.held = Some((r, n));
                Transition::next(Sr::Wait)
            }
            (Sr::Wait, Event::Call(SrCall::StopAndReply(reason, n), r)) => {
                let (held, m) = self.held.take().expect("a held call");
                held.reply(m);
                r.reply(n);
                Transition::stop(reason)
            }
            _ => Transition::stop(ExitReason::other("unexpected")),
        }
    }
}

/// `stop_and_reply`: a machine that answers two callers and stops in the same transition:
/// both callers get their replies, not the exit; the trapping parent, one of the callers,
/// gets its reply before the exit signal.
#[tokio::test(start_paused = true)]
async fn stop_and_reply_answers_before_the_exit() {
    let reason = in_process(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let m = StopAndReply { held: None }.start_link().await.unwrap();
        let pid = m.pid().unwrap();
        let first = {
            let m = m.clone();
            tokio::spawn(async move { m.call(SrCall::Echo(1)).await })
        };
        // Wait, by calls, until the first call is held.
        while m.call(SrCall::State).await != Ok(Sr::Wait as u32) {
            tokio::task::yield_now().await;
        }
        // This process gets its reply, and only then the exit signal; the held call was
        // answered too. Had the machine ended before answering, the calls would give
        // `Exited`.
        assert_eq!(
            m.call(SrCall::StopAndReply(ExitReason::other("reason"), 2))
                .await,
            Ok(2)
        );
        assert_eq!(
            recv(&mut ctx).await,
            Message::Exit {
                from: pid,
                reason: ExitReason::other("reason")
            }
        );
        assert_eq!(first.await.unwrap(), Ok(1));
        let got = m.call(SrCall::State).await;
        assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
        no_message_within(&mut ctx, 500 * MS).await;
    })
    .await;
    assert_eq!(reason, ExitReason::Normal);
}

// ---- abnormal ----------------------------------------------------------------------------

/// `abnormal1`: a call whose handler takes 100 ms, within a 2 s timeout, is answered; one
/// that takes 2 s, with a 100 ms timeout, gives `Timeout` after 100 ms. The machine
/// survives: it finishes the slow call, answers the next, and stops normally.
#[tokio::test(start_paused = true)]
async fn abnormal1_call_timeout_leaves_the_machine_running() {
    let n = name("abnormal1");
    let (m, mut rx) = stm(InitMode::Idle);
    m.start_with(StartOpts::new().name(n.clone()))
        .await
        .unwrap();
    started(&mut rx).await;
    let m = StatemRef::<Stm>::named(n);
    assert_eq!(
        m.call_timeout(Call::DelayedAnswer(100 * MS), 2 * SEC).await,
        Ok(Rep::Delayed)
    );
    let t0 = Instant::now();
    let got = m.call_timeout(Call::DelayedAnswer(2 * SEC), 100 * MS).await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert_eq!(t0.elapsed(), 100 * MS);
    assert_eq!(m.call(Call::Alive).await, Ok(Rep::Yes));
    assert_eq!(
        t0.elapsed(),
        2 * SEC,
        "the next call waited for the slow one"
    );
    assert_eq!(m.stop(ExitReason::Normal, INFINITY).await, Ok(()));
    assert_eq!(
        drain(&mut rx),
        vec![Note::Terminated(St::Idle, ExitReason::Normal)]
    );
}

/// `abnormal1clean` / `abnormal1dirty`: the reply to a call that timed out is dropped: the
/// caller's mailbox stays empty, and its next call gets its own reply.
#[tokio::test(start_paused = true)]
async fn abnormal1clean_late_reply_is_dropped() {
    let reason = in_process(|mut ctx: ProcessCtx<u32>| async move {
        let (m, _rx) = stm(InitMode::Idle);
        let m = m.start().await.unwrap();
        assert_eq!(
            m.call_timeout(Call::DelayedAnswer(MS), 100 * MS).await,
            Ok(Rep::Delayed)
        );
        let got = m.call_timeout(Call::DelayedAnswer(SEC), 10 * MS).await;
        assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
        no_message_within(&mut ctx, 1100 * MS).await;
        assert_eq!(m.call(Call::Echo(7)).await, Ok(Rep::N(7)));
        m.stop(ExitReason::Normal, INFINITY).await.unwrap();
    })
    .await;
    assert_eq!(reason, ExitReason::Normal);
}

/// `abnormal2` / `abnormal3`: a bad action ends the machine with
/// `bad_action_from_state_function`. With types, the bad action left is a transition that
/// postpones without giving the event back. The caller gets the exit reason, `terminate`
/// runs, the trapping parent gets the exit signal.
#[tokio::test(start_paused = true)]
async fn abnormal2_postpone_without_the_event_is_a_bad_action() {
    let reason = in_process(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let (m, mut rx) = stm(InitMode::Idle);
        let m = m.start_link().await.unwrap();
        let pid = started(&mut rx).await;
        let reason = match m.call(Call::PostponeWithoutEvent).await {
            Err(CallError::Exited(reason)) => reason,
            other => panic!("expected the machine's exit, got {other:?}"),
        };
        assert!(
            reason_text(&reason).starts_with("bad_action_from_state_function"),
            "{reason}"
        );
        assert_eq!(
            recv(&mut ctx).await,
            Message::Exit {
                from: pid,
                reason: reason.clone()
            }
        );
        assert_eq!(drain(&mut rx), vec![Note::Terminated(St::Idle, reason)]);
        no_message_within(&mut ctx, 500 * MS).await;
    })
    .await;
    assert_eq!(reason, ExitReason::Normal);
}

/// A crash in a handler: the caller gets `Exited(Panic(..))` at once, although its call has
/// a long timeout; `terminate` runs with the panic; the trapping parent gets it as the exit
/// reason.
#[tokio::test(start_paused = true)]
async fn abnormal3_panic_in_a_handler_reaches_the_caller_at_once() {
    let reason = in_process(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let (m, mut rx) = stm(InitMode::Idle);
        let m = m.start_link().await.unwrap();
        let pid = started(&mut rx).await;
        let t0 = Instant::now();
        let reason = match m.with_timeout(60 * SEC).call(Call::Panic).await {
            Err(CallError::Exited(reason @ ExitReason::Panic(_))) => reason,
            other => panic!("expected a panic, got {other:?}"),
        };
        assert_eq!(t0.elapsed(), Duration::ZERO);
        assert!(reason_text(&reason).contains("boom"));
        assert_eq!(
            recv(&mut ctx).await,
            Message::Exit {
                from: pid,
                reason: reason.clone()
            }
        );
        assert_eq!(drain(&mut rx), vec![Note::Terminated(St::Idle, reason)]);
        check_stopped(&m).await;
    })
    .await;
    assert_eq!(reason, ExitReason::Normal);
}

/// `abnormal4`, for `init`: a bad action there (postponing, with no event) fails the start
/// with `bad_action_from_state_function`; the process is gone, `terminate` did not run.
#[tokio::test(start_paused = true)]
async fn abnormal4_bad_action_in_init_fails_the_start() {
    let (m, mut rx) = stm(InitMode::PostponeInInit);
    let reason = match m.start().await {
        Err(StartError::Failed(reason)) => reason,
        other => panic!("expected a failed start, got {other:?}"),
    };
    assert!(
        reason_text(&reason).starts_with("bad_action_from_state_function"),
        "{reason}"
    );
    let pid = started(&mut rx).await;
    assert!(!otp_runtime::is_alive(pid));
    assert_eq!(drain(&mut rx), vec![]);
}

// ---- calls, casts, infos -----------------------------------------------------------------

/// `gen_statem:call/2` waits forever: a reply that takes 10 s (longer than gen_server's
/// default 5 s) arrives, on a bound handle and on a named one.
#[tokio::test(start_paused = true)]
async fn calls_have_no_timeout_by_default() {
    let n = name("call_infinity");
    let (m, _rx) = stm(InitMode::Idle);
    let m = m
        .start_with(StartOpts::new().name(n.clone()))
        .await
        .unwrap();
    let by_name = StatemRef::<Stm>::named(n);
    assert_eq!(m.timeout(), INFINITY);
    assert_eq!(by_name.timeout(), INFINITY);
    for h in [&m, &by_name] {
        let t0 = Instant::now();
        assert_eq!(h.call(Call::ReplyAfter(10 * SEC)).await, Ok(Rep::Later));
        assert_eq!(t0.elapsed(), 10 * SEC);
    }
}

/// A timeout for one call (`call_timeout`), or for every call of a handle (`with_timeout`):
/// `Timeout` after that long; the machine is unharmed, and a long enough timeout gets the
/// reply.
#[tokio::test(start_paused = true)]
async fn call_timeout_overrides_the_default() {
    let (m, _rx) = stm(InitMode::Idle);
    let m = m.start().await.unwrap();
    let t0 = Instant::now();
    let got = m.call_timeout(Call::ReplyAfter(10 * SEC), SEC).await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert_eq!(t0.elapsed(), SEC);
    let impatient = m.with_timeout(2 * SEC);
    assert_eq!(impatient.timeout(), 2 * SEC);
    assert_eq!(m.timeout(), INFINITY, "the original handle is unchanged");
    let got = impatient.call(Call::ReplyAfter(10 * SEC)).await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert_eq!(t0.elapsed(), 3 * SEC);
    assert_eq!(impatient.call(Call::Alive).await, Ok(Rep::Yes));
    assert_eq!(
        m.with_timeout(20 * SEC)
            .call(Call::ReplyAfter(10 * SEC))
            .await,
        Ok(Rep::Later)
    );
    assert_eq!(t0.elapsed(), 13 * SEC);
}

/// Casts never block: a thousand casts to a machine busy for an hour return at once (a
/// call to it times out meanwhile), and are all handled once it is free; casts to a machine
/// that is gone, or to a name nobody has, are dropped.
#[tokio::test(start_paused = true)]
async fn casts_never_block() {
    let (m, mut rx) = stm(InitMode::Idle);
    let m = m.start().await.unwrap();
    started(&mut rx).await;
    m.cast(Cast::Sleep(Duration::from_secs(3600)));
    let t0 = Instant::now();
    for _ in 0..1000 {
        m.cast(Cast::Alive);
    }
    assert_eq!(t0.elapsed(), Duration::ZERO);
    let got = m.call_timeout(Call::Alive, SEC).await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    assert_eq!(m.call(Call::Alive).await, Ok(Rep::Yes));
    assert_eq!(t0.elapsed(), Duration::from_secs(3600));
    assert_eq!(drain(&mut rx), vec![Note::Yes; 1000]);

    m.stop(ExitReason::Normal, INFINITY).await.unwrap();
    drain(&mut rx);
    m.cast(Cast::Alive);
    StatemRef::<Stm>::named(name("casts_nobody")).cast(Cast::Alive);
    tokio::time::sleep(SEC).await;
    assert_eq!(drain(&mut rx), vec![]);
}

/// Out-of-band messages arrive as `Event::Info`; the end of a monitored process as
/// `Event::Down` with its reason (`NoProc` for one already dead).
#[tokio::test(start_paused = true)]
async fn info_messages_and_monitors() {
    let (m, mut rx) = stm(InitMode::Idle);
    let m = m.start().await.unwrap();
    started(&mut rx).await;
    m.send(StmInfo::Note("hello"));
    wfor(&mut rx, Note::Info("hello")).await;

    let p = exits_on_request();
    assert_eq!(m.call(Call::Monitor(p.pid())).await, Ok(Rep::Ok));
    p.send(ExitReason::other("bye")).unwrap();
    wfor(&mut rx, Note::Down(p.pid(), ExitReason::other("bye"))).await;

    assert_eq!(m.call(Call::Monitor(p.pid())).await, Ok(Rep::Ok));
    wfor(&mut rx, Note::Down(p.pid(), ExitReason::NoProc)).await;
    check_state(&m, St::Idle).await;
}

/// A machine that traps exits gets a linked process's exit as `Event::Exit` and lives on;
/// one that does not trap dies with the linked process's reason, without `terminate`.
#[tokio::test(start_paused = true)]
async fn exits_of_linked_processes() {
    let (m, mut rx) = stm(InitMode::Idle);
    let m = m.trapping().start().await.unwrap();
    let pid = started(&mut rx).await;
    let p = exits_on_request();
    assert_eq!(m.call(Call::Link(p.pid())).await, Ok(Rep::Ok));
    p.send(ExitReason::other("boom")).unwrap();
    wfor(&mut rx, Note::Exit(p.pid(), ExitReason::other("boom"))).await;
    assert!(otp_runtime::is_alive(pid));
    check_state(&m, St::Idle).await;

    let (m, mut rx) = stm(InitMode::Idle);
    let m = m.start().await.unwrap();
    started(&mut rx).await;
    let p = exits_on_request();
    assert_eq!(m.call(Call::Link(p.pid())).await, Ok(Rep::Ok));
    p.send(ExitReason::other("boom")).unwrap();
    assert_eq!(m.wait_exit().await, ExitReason::other("boom"));
    assert_eq!(drain(&mut rx), vec![]);
}

/// The parent's exit stops a machine that traps exits, as a stop: `terminate` runs with the
/// parent's reason, no `Event::Exit` is delivered. A machine that does not trap just dies.
#[tokio::test(start_paused = true)]
async fn parent_exit_stops_the_machine() {
    let (m, mut rx) = stm(InitMode::Idle);
    let (parent, m) = linked_parent(m.trapping()).await;
    started(&mut rx).await;
    check_state(&m, St::Idle).await;
    parent.send(ExitReason::Shutdown).unwrap();
    assert_eq!(m.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(
        drain(&mut rx),
        vec![Note::Terminated(St::Idle, ExitReason::Shutdown)]
    );

    let (m, mut rx) = stm(InitMode::Idle);
    let (parent, m) = linked_parent(m).await;
    started(&mut rx).await;
    parent.send(ExitReason::other("crash")).unwrap();
    assert_eq!(m.wait_exit().await, ExitReason::other("crash"));
    assert_eq!(drain(&mut rx), vec![]);
}

// ---- next_events, event_types ------------------------------------------------------------

/// `next_events`: three inserted events are handled in the order given, before the next
/// call (each must be the next expected letter to be consumed).
#[tokio::test(start_paused = true)]
async fn next_events_are_handled_in_order_before_the_mailbox() {
    let (m, mut rx) = stm(InitMode::Idle);
    let m = m.start().await.unwrap();
    started(&mut rx).await;
    m.cast(Cast::NextEvent);
    check_state(&m, St::NextEvents).await;
    assert_eq!(m.call(Call::Letters).await, Ok(Rep::Letters(vec![])));
    assert_eq!(m.stop(ExitReason::Normal, INFINITY).await, Ok(()));
    check_stopped(&m).await;
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Et {
    Start1,
    Start2,
    State(u8),
}

enum EtCall {
    Go,
    Stop,
}

/// The suite's `event_types` machine: every kind of event, inserted.
struct EventTypes {
    seen: Vec<&'static str>,
}

impl GenStatem for EventTypes {
    type State = Et;
    type Call = EtCall;
    type Reply = Vec<&'static str>;
    type Cast = u32;
    type Info = u32;
    type Internal = u32;
    type Timeout = u32;

    async fn init(&mut self, ctx: &mut StatemCtx<'_, Self>) -> StatemInit<Et> {
        ctx.next_event(Event::Internal(0));
        StatemInit::Ok(Et::Start1)
    }

    async fn handle_event(
        &mut self,
        s: &Et,
        e: Event<Self>,
        ctx: &mut StatemCtx<'_, Self>,
    ) -> Transition<Et> {
        self.seen.push(e.kind());
        match (*s, e) {
            (Et::Start1, Event::Internal(0)) => Transition::next(Et::Start2),
            (Et::Start2, call @ Event::Call(EtCall::Go, _)) => {
                ctx.next_event(Event::Internal(1));
                ctx.next_event(Event::StateTimeout(2));
                ctx.next_event(Event::Timeout(3));
                ctx.next_event(Event::Info(4));
                ctx.next_event(Event::Cast(5));
                ctx.next_event(Event::GenericTimeout("6".into(), 6));
                ctx.next_event(call);
                Transition::next(Et::State(1))
            }
            (Et::State(1), Event::Internal(1)) => Transition::next(Et::State(2)),
            (Et::State(2), Event::StateTimeout(2)) => Transition::next(Et::State(3)),
            (Et::State(3), Event::Timeout(3)) => Transition::next(Et::State(4)),
            (Et::State(4), Event::Info(4)) => Transition::next(Et::State(5)),
            (Et::State(5), Event::Cast(5)) => Transition::next(Et::State(6)),
            (Et::State(6), Event::GenericTimeout(n, 6)) if n.as_str() == "6" => {
                Transition::next(Et::State(7))
            }
            (Et::State(7), Event::Call(EtCall::Go, r)) => {
                r.reply(self.seen.clone());
                Transition::keep()
            }
            (Et::State(7), Event::Call(EtCall::Stop, r)) => {
                r.reply(vec![]);
                Transition::stop(ExitReason::Shutdown)
            }
            (_, e) => Transition::stop(ExitReason::other(format!("unexpected {e:?} in {s:?}"))),
        }
    }
}

/// `event_types`: events of every kind can be inserted, the call included (answered from
/// the last state); inserted timeout events are events like any other, not timers (state
/// changes do not cancel them).
#[tokio::test(start_paused = true)]
async fn event_types_every_kind_can_be_inserted() {
    let m = EventTypes { seen: vec![] }.start().await.unwrap();
    assert_eq!(
        m.call(EtCall::Go).await,
        Ok(vec![
            "internal",
            "call",
            "internal",
            "state_timeout",
            "timeout",
            "info",
            "cast",
            "generic_timeout",
            "call"
        ])
    );
    assert_eq!(m.call(EtCall::Stop).await, Ok(vec![]));
    assert_eq!(m.wait_exit().await, ExitReason::Shutdown);
    let got = m.call(EtCall::Go).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}

// ---- state_enter -------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Se {
    Start,
    Wait,
}

/// What the `state_enter` machine saw; `n` counts everything it did, in order.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Seen {
    Enter { n: u32, old: Se, new: Se },
    Internal { n: u32, state: Se, prev: Se },
    Timeout { n: u32, set_at: u32 },
    StateTimeout { n: u32, set_at: u32 },
    Terminate { n: u32, reason: ExitReason },
}

enum SeCall {
    Echo,
    Repeat,
    Keep,
    Same,
    Sync,
    Stop(ExitReason),
}

#[derive(PartialEq, Eq, Debug)]
enum SeRep {
    Echo(u32, Se),
    Repeat(u32, Se),
    Kept(u32),
    Same(u32),
    Synced,
    Stopped(u32),
}

/// The suite's `state_enter` machine. The enter call of `wait` sets a zero event timeout and
/// a zero state timeout (both with the count at entry); the handler's own event timeout on
/// the way in is replaced by the enter call's.
struct Enters {
    n: u32,
    seen: mpsc::UnboundedSender<Seen>,
}

impl Enters {
    fn tick(&mut self) -> u32 {
        self.n += 1;
        self.n
    }

    fn see(&self, s: Seen) {
        let _ = self.seen.send(s);
    }
}

impl GenStatem for Enters {
    type State = Se;
    type Call = SeCall;
    type Reply = SeRep;
    type Cast = ();
    type Info = ();
    type Internal = Se;
    type Timeout = u32;
    const STATE_ENTER: bool = true;

    async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<Se> {
        StatemInit::Ok(Se::Start)
    }

    async fn state_enter(&mut self, old: &Se, new: &Se, ctx: &mut EnterCtx<'_, Self>) -> Enter {
        let n = self.tick();
        self.see(Seen::Enter {
            n,
            old: *old,
            new: *new,
        });
        if *new == Se::Wait {
            ctx.event_timeout(Duration::ZERO, n);
            ctx.state_timeout(Duration::ZERO, n);
        }
        Enter::Keep
    }

    async fn handle_event(
        &mut self,
        s: &Se,
        e: Event<Self>,
        ctx: &mut StatemCtx<'_, Self>,
    ) -> Transition<Se> {
        match (*s, e) {
            (_, Event::Call(SeCall::Sync, r)) => {
                r.reply(SeRep::Synced);
                Transition::keep()
            }
            (Se::Start, Event::Call(SeCall::Echo, r)) => {
                let n = self.tick();
                r.reply(SeRep::Echo(n, Se::Start));
                ctx.event_timeout(Duration::ZERO, n); // replaced by the enter call's
                Transition::next(Se::Wait)
            }
            (Se::Wait, Event::Call(SeCall::Echo, r)) => {
                let n = self.tick();
                r.reply(SeRep::Echo(n, Se::Wait));
                ctx.next_event(Event::Internal(Se::Wait));
                Transition::next(Se::Start)
            }
            (s, Event::Call(SeCall::Repeat, r)) => {
                let n = self.tick();
                r.reply(SeRep::Repeat(n, s));
                Transition::repeat()
            }
            (_, Event::Call(SeCall::Keep, r)) => {
                let n = self.tick();
                r.reply(SeRep::Kept(n));
                Transition::keep()
            }
            (s, Event::Call(SeCall::Same, r)) => {
                let n = self.tick();
                r.reply(SeRep::Same(n));
                Transition::next(s)
            }
            (_, Event::Call(SeCall::Stop(reason), r)) => {
                let n = self.tick();
                r.reply(SeRep::Stopped(n));
                Transition::stop(reason)
            }
            (state, Event::Internal(prev)) => {
                let n = self.tick();
                self.see(Seen::Internal { n, state, prev });
                Transition::keep()
            }
            (_, Event::Timeout(set_at)) => {
                let n = self.tick();
                self.see(Seen::Timeout { n, set_at });
                Transition::keep()
            }
            (_, Event::StateTimeout(set_at)) => {
                let n = self.tick();
                self.see(Seen::StateTimeout { n, set_at });
                Transition::keep()
            }
            (_, e) => Transition::stop(ExitReason::other(format!("unexpected {e:?}"))),
        }
    }

    async fn terminate(&mut self, reason: &ExitReason, _: &Se, _: &mut EnterCtx<'_, Self>) {
        let n = self.tick();
        self.see(Seen::Terminate {
            n,
            reason: reason.clone(),
        });
    }
}

/// What the machine saw up to now: a call is handled after everything the previous ones
/// queued (inserted events, zero timeouts), so after `Sync` the log is complete.
async fn seen(m: &StatemRef<Enters>, rx: &mut mpsc::UnboundedReceiver<Seen>) -> Vec<Seen> {
    assert_eq!(m.call(SeCall::Sync).await, Ok(SeRep::Synced));
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

/// `state_enter`: the enter call runs on the initial state (old = the state itself), on each
/// state change (with the state left), and on `repeat` (old = new); not on `keep` nor on a
/// `next` to the same state. Its zero event timeout comes before its zero state timeout (the
/// order they were set), both before the next call; an event inserted by the handler comes
/// after the enter call.
#[tokio::test(start_paused = true)]
async fn state_enter_runs_on_init_change_and_repeat_only() {
    use Se::*;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let m = Enters { n: 0, seen: tx }.start_link().await.unwrap();
    assert_eq!(
        seen(&m, &mut rx).await,
        vec![Seen::Enter {
            n: 1,
            old: Start,
            new: Start
        }]
    );

    assert_eq!(m.call(SeCall::Echo).await, Ok(SeRep::Echo(2, Start)));
    assert_eq!(
        seen(&m, &mut rx).await,
        vec![
            Seen::Enter {
                n: 3,
                old: Start,
                new: Wait
            },
            Seen::Timeout { n: 4, set_at: 3 },
            Seen::StateTimeout { n: 5, set_at: 3 },
        ]
    );

    assert_eq!(m.call(SeCall::Repeat).await, Ok(SeRep::Repeat(6, Wait)));
    assert_eq!(
        seen(&m, &mut rx).await,
        vec![
            Seen::Enter {
                n: 7,
                old: Wait,
                new: Wait
            },
            Seen::Timeout { n: 8, set_at: 7 },
            Seen::StateTimeout { n: 9, set_at: 7 },
        ]
    );

    assert_eq!(m.call(SeCall::Echo).await, Ok(SeRep::Echo(10, Wait)));
    assert_eq!(
        seen(&m, &mut rx).await,
        vec![
            Seen::Enter {
                n: 11,
                old: Wait,
                new: Start
            },
            Seen::Internal {
                n: 12,
                state: Start,
                prev: Wait
            },
        ]
    );

    assert_eq!(m.call(SeCall::Repeat).await, Ok(SeRep::Repeat(13, Start)));
    assert_eq!(
        seen(&m, &mut rx).await,
        vec![Seen::Enter {
            n: 14,
            old: Start,
            new: Start
        }]
    );

    assert_eq!(m.call(SeCall::Keep).await, Ok(SeRep::Kept(15)));
    assert_eq!(m.call(SeCall::Same).await, Ok(SeRep::Same(16)));
    assert_eq!(seen(&m, &mut rx).await, vec![]);

    let bye = ExitReason::other("bye");
    assert_eq!(
        m.call(SeCall::Stop(bye.clone())).await,
        Ok(SeRep::Stopped(17))
    );
    assert_eq!(m.wait_exit().await, bye);
    assert_eq!(rx.try_recv(), Ok(Seen::Terminate { n: 18, reason: bye }));
    let got = m.call(SeCall::Sync).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}

/// A state enter call may stop the machine: on the initial state too, where the machine has
/// started (`start` succeeds) and `terminate` runs; and a stop in the enter call of a state
/// change happens after the handler's reply went out.
#[tokio::test(start_paused = true)]
async fn state_enter_can_stop_the_machine() {
    struct StopOnEnter {
        stop_in: u8,
        seen: mpsc::UnboundedSender<String>,
    }
    impl GenStatem for StopOnEnter {
        type State = u8;
        type Call = ();
        type Reply = u8;
        type Cast = ();
        type Info = ();
        type Internal = ();
        type Timeout = ();
        const STATE_ENTER: bool = true;

        async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<u8> {
            StatemInit::Ok(0)
        }
        async fn state_enter(&mut self, old: &u8, new: &u8, _: &mut EnterCtx<'_, Self>) -> Enter {
            let _ = self.seen.send(format!("enter {old}->{new}"));
            if *new == self.stop_in {
                Enter::Stop(ExitReason::other(format!("stop in {new}")))
            } else {
                Enter::Keep
            }
        }
        async fn handle_event(
            &mut self,
            s: &u8,
            e: Event<Self>,
            _: &mut StatemCtx<'_, Self>,
        ) -> Transition<u8> {
            if let Event::Call((), r) = e {
                r.reply(*s);
            }
            Transition::next(s + 1)
        }
        async fn terminate(&mut self, r: &ExitReason, s: &u8, _: &mut EnterCtx<'_, Self>) {
            let _ = self.seen.send(format!("terminate {s}: {r}"));
        }
    }

    let (tx, mut rx) = mpsc::unbounded_channel();
    let m = StopOnEnter {
        stop_in: 0,
        seen: tx,
    }
    .start()
    .await
    .expect("the machine started; its first enter call stops it");
    assert_eq!(m.wait_exit().await, ExitReason::other("stop in 0"));
    let all: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert_eq!(all, ["enter 0->0", "terminate 0: stop in 0"]);

    let (tx, mut rx) = mpsc::unbounded_channel();
    let m = StopOnEnter {
        stop_in: 1,
        seen: tx,
    }
    .start()
    .await
    .unwrap();
    assert_eq!(m.call(()).await, Ok(0));
    assert_eq!(m.wait_exit().await, ExitReason::other("stop in 1"));
    let all: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert_eq!(all, ["enter 0->0", "enter 0->1", "terminate 1: stop in 1"]);
}

// ---- event_order, postpone ---------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Eo {
    Start,
    Buffer,
    Stop,
}

enum EoCall {
    Buffer,
    Stop(ExitReason),
}

enum EoInternal {
    N(u32),
    Stop(ExitReason),
}

/// The suite's `event_order` machine: casts are postponed in `start`; the `buffer` call
/// inserts two events and a zero event timeout; `buffer` records what it handles, and the
/// `stop` call sends it out (the suite's replies) and stops through an inserted event.
struct EventOrder {
    buffered: Vec<u32>,
    out: mpsc::UnboundedSender<u32>,
}

impl GenStatem for EventOrder {
    type State = Eo;
    type Call = EoCall;
    type Reply = ();
    type Cast = u32;
    type Info = ();
    type Internal = EoInternal;
    type Timeout = u32;

    async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<Eo> {
        StatemInit::Ok(Eo::Start)
    }

    async fn handle_event(
        &mut self,
        s: &Eo,
        e: Event<Self>,
        ctx: &mut StatemCtx<'_, Self>,
    ) -> Transition<Eo> {
        match (*s, e) {
            (Eo::Start, e @ Event::Cast(_)) => {
                ctx.postpone(e); // handled in buffer
                Transition::keep()
            }
            (Eo::Start, Event::Call(EoCall::Buffer, r)) => {
                ctx.next_event(Event::Internal(EoInternal::N(3)));
                ctx.next_event(Event::Internal(EoInternal::N(4)));
                // Never fires: the inserted and the postponed events cancel it.
                ctx.event_timeout(Duration::ZERO, 5);
                r.reply(());
                Transition::next(Eo::Buffer)
            }
            (
                Eo::Buffer,
                Event::Internal(EoInternal::N(n)) | Event::Timeout(n) | Event::Cast(n),
            ) => {
                self.buffered.push(n);
                Transition::keep()
            }
            (Eo::Buffer, Event::Call(EoCall::Stop(reason), r)) => {
                for n in self.buffered.drain(..) {
                    let _ = self.out.send(n);
                }
                r.reply(());
                ctx.next_event(Event::Internal(EoInternal::Stop(reason)));
                Transition::next(Eo::Stop)
            }
            (Eo::Stop, Event::Internal(EoInternal::Stop(reason))) => Transition::stop(reason),
            (s, e) => Transition::stop(ExitReason::other(format!("unexpected {e:?} in {s:?}"))),
        }
    }
}

/// `event_order`: inserted events go first, in the order inserted; then the postponed
/// events, oldest first; a zero event timeout set with them never fires (they cancel it).
/// The stop by an inserted event reaches the trapping parent after the replies.
#[tokio::test(start_paused = true)]
async fn event_order_inserted_then_postponed_and_zero_timeout_cancelled() {
    let reason = in_process(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let m = EventOrder {
            buffered: vec![],
            out: tx,
        }
        .start_link()
        .await
        .unwrap();
        let pid = m.pid().unwrap();
        m.cast(1);
        m.cast(2);
        assert_eq!(m.call(EoCall::Buffer).await, Ok(()));
        assert_eq!(
            m.call(EoCall::Stop(ExitReason::other("reason"))).await,
            Ok(())
        );
        assert_eq!(
            recv(&mut ctx).await,
            Message::Exit {
                from: pid,
                reason: ExitReason::other("reason")
            }
        );
        let out: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(out, [3, 4, 1, 2]);
        let got = m.call(EoCall::Buffer).await;
        assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
        no_message_within(&mut ctx, 500 * MS).await;
    })
    .await;
    assert_eq!(reason, ExitReason::Normal);
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Pp {
    A,
    B,
}

enum PpCall {
    Keep,
    Same,
    Repeat,
    Log,
}

enum PpCast {
    N(u32),
    Change,
}

/// Postpones every `N` in `A`; logs them in `B`.
struct Postponer {
    log: Vec<u32>,
}

impl GenStatem for Postponer {
    type State = Pp;
    type Call = PpCall;
    type Reply = Vec<u32>;
    type Cast = PpCast;
    type Info = ();
    type Internal = ();
    type Timeout = ();

    async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<Pp> {
        StatemInit::Ok(Pp::A)
    }

    async fn handle_event(
        &mut self,
        s: &Pp,
        e: Event<Self>,
        ctx: &mut StatemCtx<'_, Self>,
    ) -> Transition<Pp> {
        match (*s, e) {
            (Pp::A, e @ Event::Cast(PpCast::N(_))) => {
                ctx.postpone(e);
                Transition::keep()
            }
            (Pp::A, Event::Cast(PpCast::Change)) => Transition::next(Pp::B),
            (Pp::B, Event::Cast(PpCast::N(n))) => {
                self.log.push(n);
                Transition::keep()
            }
            (s, Event::Call(c, r)) => {
                r.reply(self.log.clone());
                match c {
                    PpCall::Keep | PpCall::Log => Transition::keep(),
                    PpCall::Same => Transition::next(s),
                    PpCall::Repeat => Transition::repeat(),
                }
            }
            _ => Transition::keep(),
        }
    }
}

/// Postponed events stay postponed through `keep`, a `next` to the same state and `repeat`;
/// on a state change they are all retried, oldest first, before a message that was already
/// in the mailbox.
#[tokio::test(start_paused = true)]
async fn postponed_events_are_retried_oldest_first_on_a_state_change_only() {
    let m = Postponer { log: vec![] }.start().await.unwrap();
    m.cast(PpCast::N(1));
    m.cast(PpCast::N(2));
    assert_eq!(m.call(PpCall::Keep).await, Ok(vec![]));
    m.cast(PpCast::N(3));
    assert_eq!(m.call(PpCall::Same).await, Ok(vec![]));
    assert_eq!(m.call(PpCall::Repeat).await, Ok(vec![]));
    assert_eq!(m.call(PpCall::Log).await, Ok(vec![]));
    m.cast(PpCast::Change);
    m.cast(PpCast::N(4));
    assert_eq!(m.call(PpCall::Log).await, Ok(vec![1, 2, 3, 4]));
}

/// A postponed call keeps its caller waiting, and is answered after the state change that
/// retries it (the suite's `wfor_conf` with a call instead of a cast).
#[tokio::test(start_paused = true)]
async fn postponed_call_is_answered_after_the_state_change() {
    struct Gate;
    impl GenStatem for Gate {
        type State = bool;
        type Call = &'static str;
        type Reply = &'static str;
        type Cast = ();
        type Info = ();
        type Internal = ();
        type Timeout = ();
        async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<bool> {
            StatemInit::Ok(false)
        }
        async fn handle_event(
            &mut self,
            open: &bool,
            e: Event<Self>,
            ctx: &mut StatemCtx<'_, Self>,
        ) -> Transition<bool> {
            match (*open, e) {
                (false, e @ Event::Call("enter", _)) => {
                    ctx.postpone(e);
                    Transition::keep()
                }
                (_, Event::Cast(())) => Transition::next(true),
                (_, Event::Call(what, r)) => {
                    r.reply(what);
                    Transition::keep()
                }
                _ => Transition::keep(),
            }
        }
    }

    let m = Gate.start().await.unwrap();
    let waiting = {
        // A timeout long enough for the test, so that a machine that never answers fails it.
        let m = m.with_timeout(10 * SEC);
        tokio::spawn(async move { m.call("enter").await })
    };
    assert_eq!(m.call("ping").await, Ok("ping"));
    tokio::time::sleep(SEC).await;
    assert!(!waiting.is_finished(), "postponed, not answered");
    m.cast(());
    assert_eq!(waiting.await.unwrap(), Ok("enter"));
}

// ---- hibernate ---------------------------------------------------------------------------

/// `hibernate`: hibernating from `init`, from calls, casts, infos and a timer changes
/// nothing a client can see: every request is answered and every state change happens.
#[tokio::test(start_paused = true)]
async fn hibernate_keeps_the_machine_working() {
    let (m, mut rx) = stm(InitMode::HiberNow);
    let m = m.start_link().await.unwrap();
    started(&mut rx).await;
    check_state(&m, St::HiberIdle).await;
    assert_eq!(m.call(Call::Stop).await, Ok(Rep::Stopped));
    assert_eq!(m.wait_exit().await, ExitReason::Normal);

    let (m, mut rx) = stm(InitMode::Hiber);
    let m = m.start_link().await.unwrap();
    started(&mut rx).await;
    for _ in 0..2 {
        assert_eq!(m.call(Call::HibernateSync).await, Ok(Rep::Hibernating));
        check_state(&m, St::HiberWakeup).await;
        assert_eq!(m.call(Call::WakeupSync).await, Ok(Rep::GoodMorning));
        check_state(&m, St::HiberIdle).await;
        assert_eq!(m.call(Call::HibernateSync).await, Ok(Rep::Hibernating));
        assert_eq!(m.call(Call::SnoozeSync).await, Ok(Rep::FiveMore));
        check_state(&m, St::HiberWakeup).await;
        assert_eq!(m.call(Call::WakeupSync).await, Ok(Rep::GoodMorning));
        m.cast(Cast::HibernateAsync);
        check_state(&m, St::HiberWakeup).await;
        m.cast(Cast::WakeupAsync);
        check_state(&m, St::HiberIdle).await;
        m.cast(Cast::HibernateAsync);
        m.cast(Cast::SnoozeAsync);
        m.cast(Cast::WakeupAsync);
        check_state(&m, St::HiberIdle).await;

        m.send(StmInfo::HibernateLater(250 * MS));
        tokio::time::sleep(500 * MS).await;
        assert_eq!(m.call(Call::Alive).await, Ok(Rep::Yes));
        m.send(StmInfo::HibernateNow);
        assert_eq!(m.call(Call::Alive).await, Ok(Rep::Yes));
    }
    // Hibernating with a deferred reply pending: it still comes.
    assert_eq!(m.call(Call::HibernateSync).await, Ok(Rep::Hibernating));
    assert_eq!(m.call(Call::ReplyAfter(SEC)).await, Ok(Rep::Later));
    assert_eq!(m.call(Call::WakeupSync).await, Ok(Rep::GoodMorning));
    assert_eq!(m.call(Call::Stop).await, Ok(Rep::Stopped));
    assert_eq!(m.wait_exit().await, ExitReason::Normal);
}

// ---- supervised --------------------------------------------------------------------------

/// A named machine under a one_for_one supervisor: after a crash the supervisor restarts
/// it, and the same `StatemRef::named` handle reaches the new incarnation, in its initial
/// state.
#[tokio::test(start_paused = true)]
async fn named_ref_reaches_the_machine_restarted_by_its_supervisor() {
    let n = name("supervised");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sup = SupervisorSpec::one_for_one()
        .child(
            ChildSpec::from_fn("door", move || {
                stm_noting(InitMode::Idle, tx.clone()).start_link()
            })
            .name(n.clone()),
        )
        .start()
        .await
        .unwrap();
    let m = StatemRef::<Stm>::named(n);
    let first = started(&mut rx).await;
    assert_eq!(m.pid(), Some(first));
    assert_eq!(m.call(Call::Connect).await, Ok(Rep::Accept));
    check_state(&m, St::WforConf).await;

    match m.call(Call::Panic).await {
        Err(CallError::Exited(ExitReason::Panic(_))) => {}
        other => panic!("expected the crash, got {other:?}"),
    }
    assert!(matches!(
        next_note(&mut rx).await,
        Note::Terminated(St::WforConf, ExitReason::Panic(_))
    ));
    let second = started(&mut rx).await;
    assert_ne!(second, first);
    // The supervisor has handled the crash once it answers.
    sup.which_children().await.unwrap();
    assert_eq!(m.pid(), Some(second));
    check_state(&m, St::Idle).await;
    assert_eq!(m.call(Call::Alive).await, Ok(Rep::Yes));
    sup.stop().await.unwrap();
    let got = m.call(Call::Alive).await;
    assert!(matches!(got, Err(CallError::NoProc { .. })), "{got:?}");
}
