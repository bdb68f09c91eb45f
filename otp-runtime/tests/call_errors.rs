//! What a failed call says: `CallError`'s text names whom the call was for, as the caller
//! named it (a registered name, a pid), and what happened. OTP's caller exits with
//! `{noproc, {gen_server, call, [Name, Req]}}` or `{timeout, {gen_server, call, [..]}}`:
//! the target is in the reason; here it is in the error.

use std::time::Duration;

use otp_runtime::prelude::*;

/// Answers a call of `ms` after `ms` milliseconds.
struct Sleepy;

impl GenServer for Sleepy {
    type Call = u64;
    type Reply = u64;
    type Cast = ();
    type Info = ();
    type Continue = ();
    async fn handle_call(&mut self, ms: u64, _ctx: &mut Ctx<Self>) -> CallResult<u64> {
        otp_runtime::time::sleep(Duration::from_millis(ms)).await;
        CallResult::Reply(ms)
    }
}

/// A call by name that nobody has: the name, quoted as the caller wrote it.
#[tokio::test]
async fn a_call_by_name_to_nobody_names_the_name() {
    let fact1 = ServerRef::<Sleepy>::named("fact1");
    let err = fact1.call(0).await.unwrap_err();
    assert_eq!(
        err,
        CallError::NoProc {
            target: CallTarget::Name("fact1".into())
        }
    );
    assert_eq!(err.to_string(), "no process registered as \"fact1\"");
    // A request sent to nobody resolves with the same error; so does a stop.
    let err = fact1
        .send_request(0)
        .receive_response(INFINITY)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "no process registered as \"fact1\"");
    let err = fact1.stop(ExitReason::Normal, INFINITY).await.unwrap_err();
    assert_eq!(err.to_string(), "no process registered as \"fact1\"");
}

/// A pid-bound handle to a server that has ended: the pid, and that it is not alive.
#[tokio::test]
async fn a_call_by_pid_to_a_dead_process_names_the_pid() {
    let s = Sleepy.start().await.unwrap();
    let pid = s.pid().unwrap();
    s.stop(ExitReason::Normal, INFINITY).await.unwrap();
    let err = s.call(0).await.unwrap_err();
    assert_eq!(
        err,
        CallError::NoProc {
            target: CallTarget::Pid(pid)
        }
    );
    assert_eq!(
        err.to_string(),
        format!("no process {pid}: it is not alive")
    );
    // A handle made from the dead pid is refused with the same words.
    let err = ServerRef::<Sleepy>::from_pid(pid).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("no process {pid}: it is not alive")
    );
}

/// A call by name that found its server and then timed out: the name the caller wrote (not
/// the pid it found), and the timeout.
#[tokio::test(start_paused = true)]
async fn a_timeout_by_name_names_the_name_and_the_timeout() {
    Sleepy
        .start_with(StartOpts::new().name("kv"))
        .await
        .unwrap();
    let kv = ServerRef::<Sleepy>::named("kv");
    let err = kv.call(10_000).await.unwrap_err();
    assert_eq!(
        err,
        CallError::Timeout {
            target: CallTarget::Name("kv".into()),
            after: Duration::from_secs(5)
        }
    );
    assert_eq!(err.to_string(), "call to \"kv\" timed out after 5s");
    // OTP's `call(S, R, 0)`: times out at once, saying so.
    let err = kv.call_timeout(0, Duration::ZERO).await.unwrap_err();
    assert_eq!(err.to_string(), "call to \"kv\" timed out after 0ns");
    // A stop that outlasts its timeout.
    let err = kv
        .stop(ExitReason::Normal, Duration::from_millis(10))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "call to \"kv\" timed out after 10ms");
}

/// A pid-bound call that timed out: the pid.
#[tokio::test(start_paused = true)]
async fn a_timeout_by_pid_names_the_pid() {
    let s = Sleepy.start().await.unwrap();
    let pid = s.pid().unwrap();
    let err = s
        .call_timeout(1_000, Duration::from_millis(10))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CallError::Timeout {
            target: CallTarget::Pid(pid),
            after: Duration::from_millis(10)
        }
    );
    assert_eq!(
        err.to_string(),
        format!("call to {pid} timed out after 10ms")
    );
    // A request id knows the pid it was sent to.
    let err = s
        .send_request(1_000)
        .wait_response(Duration::from_millis(20))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("call to {pid} timed out after 20ms")
    );
}

/// Answers a call of `ms` after `ms` milliseconds.
struct Machine;

impl GenStatem for Machine {
    type State = ();
    type Call = u64;
    type Reply = u64;
    type Cast = ();
    type Info = ();
    type Internal = ();
    type Timeout = ();
    async fn init(&mut self, _: &mut StatemCtx<'_, Self>) -> StatemInit<()> {
        StatemInit::Ok(())
    }
    async fn handle_event(
        &mut self,
        _: &(),
        e: Event<Self>,
        _: &mut StatemCtx<'_, Self>,
    ) -> Transition<()> {
        if let Event::Call(ms, reply) = e {
            otp_runtime::time::sleep(Duration::from_millis(ms)).await;
            reply.reply(ms);
        }
        Transition::keep()
    }
}

/// A gen_statem's calls say the same.
#[tokio::test(start_paused = true)]
async fn a_gen_statem_call_names_its_target() {
    let by_name = StatemRef::<Machine>::named("door").with_timeout(Duration::from_secs(1));
    let err = by_name.call(0).await.unwrap_err();
    assert_eq!(err.to_string(), "no process registered as \"door\"");
    Machine
        .start_with(StartOpts::new().name("door"))
        .await
        .unwrap();
    let err = by_name.call(5_000).await.unwrap_err();
    assert_eq!(err.to_string(), "call to \"door\" timed out after 1s");
}

/// Answers a call of `ms` after `ms` milliseconds.
struct SlowHandler;

impl EventHandler<()> for SlowHandler {
    type Call = u64;
    type Reply = u64;
    type Terminated = ();
    async fn handle_event(&mut self, _: &()) -> Handled {
        Handled::Ok
    }
    async fn handle_call(&mut self, ms: u64) -> HandlerReply<u64> {
        otp_runtime::time::sleep(Duration::from_millis(ms)).await;
        HandlerReply::Reply(ms)
    }
}

/// An event manager's calls name the manager.
#[tokio::test(start_paused = true)]
async fn a_gen_event_manager_call_names_the_manager() {
    let log = EventManager::<()>::named("log");
    let err = log.which_handlers().await.unwrap_err();
    assert_eq!(err.to_string(), "no process registered as \"log\"");
    EventManager::<()>::start_named("log").await.unwrap();
    log.add_handler(SlowHandler).await.unwrap();
    let err = log
        .with_timeout(Duration::from_secs(1))
        .call(HandlerId::<SlowHandler>::new(), 5_000)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the event manager did not answer: call to \"log\" timed out after 1s"
    );
}
