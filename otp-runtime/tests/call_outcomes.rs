//! Calls that end the same way in every case (issue 16, "Calls that behave the same in every
//! case"): a reply handle dropped unanswered is said at once (`ReplyDropped`), unless the
//! server is crashing or stopping, when its caller gets the exit reason as in OTP; and a call
//! made where no tokio runtime runs is refused with `NoRuntime` every time, never a panic.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use otp_runtime::prelude::*;
use tokio::time::Instant;

/// Every way a server can let a call go, and every way it can end while holding one.
#[derive(Default)]
struct Keeper {
    kept: Vec<ReplyTo<u32>>,
}

#[gen_server]
impl Keeper {
    /// Takes the handle and drops it.
    #[call]
    fn drop_it(&mut self, reply: ReplyTo<u32>) {
        drop(reply);
    }

    /// Keeps the handle, unanswered.
    #[call]
    fn keep(&mut self, reply: ReplyTo<u32>) {
        self.kept.push(reply);
    }

    /// Hands the handle to a process that ends without answering; `crash`: by a panic.
    #[call]
    fn hand_off(&mut self, crash: bool, reply: ReplyTo<u32>) {
        otp_runtime::spawn(move |_ctx: ProcessCtx<()>| async move {
            let _held = reply;
            if crash {
                panic!("the helper crashed");
            }
            ExitReason::Normal
        });
    }

    /// Panics while the handle is a local of a synchronous handler.
    #[call]
    fn panic_holding(&mut self, reply: ReplyTo<u32>) {
        let _held = reply;
        panic!("boom");
    }

    /// Panics after an await, with the handle in the handler's future.
    #[call]
    async fn panic_later(&mut self, reply: ReplyTo<u32>) {
        let _held = reply;
        otp_runtime::time::sleep(Duration::from_millis(1)).await;
        panic!("later");
    }

    /// Drops the handle, then stops in the same handler (a gen_statem's "unexpected: stop").
    #[call]
    fn drop_and_stop(&mut self, reply: ReplyTo<u32>, ctx: &mut Ctx<Self>) {
        drop(reply);
        // Some work between the drop and the stop: time for a caller on the other thread to
        // look at the server in between.
        std::thread::sleep(Duration::from_millis(2));
        ctx.stop(ExitReason::other("unexpected"));
    }

    /// Stops; every kept handle goes with the state.
    #[cast]
    fn quit(&mut self, ctx: &mut Ctx<Self>) {
        ctx.stop(ExitReason::other("bye"));
    }

    /// How many handles it keeps.
    #[call]
    fn count(&mut self) -> usize {
        self.kept.len()
    }
}

/// A hand-written server whose handler returns `NoReply` without taking the handle (the
/// macro's handlers always answer or take it).
struct Ignorer;

impl GenServer for Ignorer {
    type Call = bool;
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn handle_call(&mut self, stop: bool, ctx: &mut Ctx<Self>) -> CallResult<()> {
        if stop {
            ctx.stop(ExitReason::other("asked"));
        }
        CallResult::NoReply
    }
}

fn assert_at_once(t0: Instant) {
    assert_eq!(t0.elapsed(), Duration::ZERO, "not at once");
}

/// OTP's caller of a `noreply` that nobody answers waits for its timeout (or forever); here
/// it learns at once, and the server lives on.
#[tokio::test(start_paused = true)]
async fn a_call_returned_noreply_without_its_handle_is_dropped_at_once() {
    let s = Ignorer.start().await.unwrap();
    let t0 = Instant::now();
    assert_eq!(
        s.call_timeout(false, INFINITY).await,
        Err(CallError::ReplyDropped)
    );
    assert_at_once(t0);
    assert!(s.pid().is_some_and(otp_runtime::is_alive));
    // Asked to stop as well: the exit reason, as in OTP.
    assert_eq!(
        s.call(true).await,
        Err(CallError::Exited(ExitReason::other("asked")))
    );
}

/// As `Ignorer`, after arming a gen_server timeout with a message: the context then holds
/// some of its rarely used state (the message), which is no stop request.
struct TimedIgnorer;

impl GenServer for TimedIgnorer {
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn handle_call(&mut self, (): (), ctx: &mut Ctx<Self>) -> CallResult<()> {
        ctx.set_timeout_with(Duration::from_secs(60), ());
        CallResult::NoReply
    }
}

/// A handler that set a gen_server timeout with a message and asked for no stop lets its
/// call go as any other: `ReplyDropped` at once, and the server lives on. (It used to be
/// taken for a server stopping: the caller waited for an exit that never came.)
#[tokio::test(start_paused = true)]
async fn a_noreply_with_a_timeout_message_is_dropped_at_once() {
    let s = TimedIgnorer.start().await.unwrap();
    let t0 = Instant::now();
    assert_eq!(s.call(()).await, Err(CallError::ReplyDropped));
    assert_at_once(t0);
    assert_eq!(s.call(()).await, Err(CallError::ReplyDropped));
    assert!(s.pid().is_some_and(otp_runtime::is_alive));
}

#[tokio::test(start_paused = true)]
async fn a_dropped_reply_handle_is_said_at_once() {
    let k = Keeper::default().start().await.unwrap();
    let t0 = Instant::now();
    assert_eq!(k.drop_it().await, Err(CallError::ReplyDropped));
    // Also without a timeout, where it used to wait forever.
    assert_eq!(
        k.with_timeout(INFINITY).drop_it().await,
        Err(CallError::ReplyDropped)
    );
    assert_at_once(t0);
    assert_eq!(k.count().await, Ok(0));
    assert_eq!(
        CallError::ReplyDropped.to_string(),
        "the server dropped the call without replying: its handler returned NoReply without \
         keeping the ReplyTo, or the ReplyTo was dropped unanswered"
    );
}

/// A kept handle is not dropped: its caller waits for its timeout, as in OTP.
#[tokio::test(start_paused = true)]
async fn a_kept_reply_handle_waits_for_the_timeout() {
    let k = Keeper::default().start().await.unwrap();
    let t0 = Instant::now();
    assert!(matches!(
        k.with_timeout(Duration::from_secs(2)).keep().await,
        Err(CallError::Timeout { .. })
    ));
    assert_eq!(t0.elapsed(), Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn a_handle_handed_off_and_dropped_by_another_process() {
    let k = Keeper::default().start().await.unwrap();
    assert_eq!(k.hand_off(false).await, Err(CallError::ReplyDropped));
    // The helper crashed, not the server: the call was still dropped.
    assert_eq!(k.hand_off(true).await, Err(CallError::ReplyDropped));
    assert_eq!(k.count().await, Ok(0));
}

/// A crash with the handle on the stack or in the handler's future: the exit reason, never
/// `ReplyDropped`, on a runtime where caller and server run on two threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_holding_the_handle_gives_the_exit_reason() {
    for _ in 0..50 {
        let k = Keeper::default().start().await.unwrap();
        assert_eq!(
            k.panic_holding().await,
            Err(CallError::Exited(ExitReason::Panic("boom".into())))
        );
        let k = Keeper::default().start().await.unwrap();
        assert_eq!(
            k.panic_later().await,
            Err(CallError::Exited(ExitReason::Panic("later".into())))
        );
    }
}

/// Dropped and stopped in one handler: the exit reason (OTP's caller gets the server's
/// reason through its monitor).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_then_stopped_in_one_handler_gives_the_exit_reason() {
    for _ in 0..50 {
        let k = Keeper::default().start().await.unwrap();
        assert_eq!(
            k.drop_and_stop().await,
            Err(CallError::Exited(ExitReason::other("unexpected")))
        );
    }
}

/// Callers whose handles the server keeps when it stops get its reason.
#[tokio::test(start_paused = true)]
async fn kept_handles_of_a_stopping_server_give_its_reason() {
    let k = Keeper::default().start().await.unwrap();
    let waiting: Vec<_> = (0..3)
        .map(|_| {
            let k = k.with_timeout(INFINITY);
            tokio::spawn(async move { k.keep().await })
        })
        .collect();
    while k.count().await != Ok(3) {
        tokio::task::yield_now().await;
    }
    k.quit();
    for w in waiting {
        assert_eq!(
            w.await.unwrap(),
            Err(CallError::Exited(ExitReason::other("bye")))
        );
    }
}

/// `send_request`'s `wait_response` and `check_response` say it the same way.
#[tokio::test(start_paused = true)]
async fn request_ids_see_a_dropped_reply_too() {
    let s = Ignorer.start().await.unwrap();
    let mut waited = s.send_request(false);
    assert_eq!(
        waited.wait_response(INFINITY).await,
        Err(CallError::ReplyDropped)
    );
    let mut checked = s.send_request(false);
    // Once the server has run, the check says it without waiting.
    assert_eq!(
        s.call_timeout(false, INFINITY).await,
        Err(CallError::ReplyDropped)
    );
    assert_eq!(checked.check_response(), Some(Err(CallError::ReplyDropped)));
}

/// A gen_statem that ignores a call (drops its `ReplyTo`): the caller, who waits without a
/// timeout by default, hears at once instead of hanging for good.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Light {
    Off,
}

struct Switch;

#[gen_statem(state = Light)]
impl Switch {
    #[init]
    fn init(&mut self) -> StatemInit<Light> {
        StatemInit::Ok(Light::Off)
    }

    /// Ignored in every state.
    #[call]
    fn flip(&mut self, _state: &Light, reply: ReplyTo<bool>) -> Transition<Light> {
        drop(reply);
        Transition::keep()
    }
}

#[tokio::test(start_paused = true)]
async fn a_gen_statem_that_ignores_a_call() {
    let m = Switch.start().await.unwrap();
    assert_eq!(m.flip().await, Err(CallError::ReplyDropped));
}

/// Runs `fut` on this plain thread, outside any tokio runtime (as
/// `futures::executor::block_on` would).
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let std::task::Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

/// A call or a stop from a thread with no tokio runtime: `NoRuntime`, every time (it used
/// to succeed when the reply came within a yield, and panic otherwise).
#[test]
fn a_call_outside_any_runtime_is_refused_every_time() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let k = rt.block_on(Keeper::default().start()).unwrap();
    let (tx, rx) = std_mpsc::channel();
    let outside = k.clone();
    std::thread::spawn(move || {
        for _ in 0..200 {
            tx.send(block_on(outside.count())).unwrap();
        }
        tx.send(block_on(outside.stop(ExitReason::Normal, INFINITY)).map(|()| 0))
            .unwrap();
    });
    let answers: Vec<_> = rx.iter().collect();
    assert_eq!(answers.len(), 201);
    assert!(
        answers.iter().all(|a| *a == Err(CallError::NoRuntime)),
        "{answers:?}"
    );
    // Inside the runtime it works, and the server was never touched.
    assert_eq!(rt.block_on(k.count()), Ok(0));
    assert_eq!(
        CallError::NoRuntime.to_string(),
        "no tokio runtime on this thread: a call waits for its reply with tokio's timer, so \
         make it from inside a runtime"
    );
}

/// A thread that ran a runtime once and calls after leaving it: the call is not checked up
/// front (that check is cached per thread), but its slow path is: `NoRuntime` or, if the
/// reply came within the first round, the reply. Never tokio's panic.
#[test]
fn a_call_after_leaving_a_runtime_never_panics() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let k = rt.block_on(Keeper::default().start()).unwrap();
    let outside = k.clone();
    let answers = std::thread::spawn(move || {
        let own = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // A call from inside this thread's runtime: found, and remembered.
        assert_eq!(own.block_on(outside.count()), Ok(0));
        drop(own);
        (0..200)
            .map(|_| block_on(outside.count()))
            .collect::<Vec<_>>()
    })
    .join()
    .expect("no panic");
    assert!(
        answers
            .iter()
            .all(|a| matches!(a, Ok(0) | Err(CallError::NoRuntime))),
        "{answers:?}"
    );
}

/// Panics when dropped.
struct Grenade;

impl Drop for Grenade {
    fn drop(&mut self) {
        panic!("grenade");
    }
}

/// Drops a mapped reply handle whose conversion holds a value that panics when dropped.
struct Mapper;

impl GenServer for Mapper {
    type Call = ();
    type Reply = u32;
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn handle_call(&mut self, _: (), ctx: &mut Ctx<Self>) -> CallResult<u32> {
        let grenade = Grenade;
        let mapped: ReplyTo<u8> = ctx.defer_reply().unwrap().map(move |n: u8| {
            let _held = &grenade;
            u32::from(n)
        });
        drop(mapped);
        CallResult::NoReply
    }
}

/// The handle's release at the end of the poll contains a destructor's panic, as the drop
/// in the handler would have: the server lives on, and the caller hears `ReplyDropped`.
#[tokio::test(start_paused = true)]
async fn a_panicking_destructor_in_a_dropped_handle_is_contained() {
    let s = Mapper.start().await.unwrap();
    for _ in 0..3 {
        assert_eq!(s.call(()).await, Err(CallError::ReplyDropped));
    }
    assert!(s.pid().is_some_and(otp_runtime::is_alive));
}
