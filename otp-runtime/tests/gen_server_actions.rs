//! gen_server actions of newer OTP (issue 17): the gen_server timeout that delivers a chosen
//! message (`{timeout, T, Msg}`, `{hibernate, T, Msg}`), hibernation that gives memory back,
//! and a call handler that stops the server without replying. Ported from
//! `lib/stdlib/test/gen_server_SUITE.erl` where the suite has the case (named on each test);
//! semantics from otp-semantics §A2.
//!
//! Time runs on tokio's paused clock: the tests are instant and deterministic.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use otp_runtime::prelude::*;

// ---- {timeout, T, Msg} ---------------------------------------------------------------------

/// Records what reached `handle_info`, in order.
#[derive(Default)]
pub struct Idle {
    seen: Vec<String>,
}

#[gen_server]
impl Idle {
    /// Arms the timeout with a message (`{reply, ok, S, {timeout, T, Msg}}`).
    #[call]
    pub fn arm(&mut self, ms: u64, tag: String, ctx: &mut Ctx<Self>) {
        ctx.set_timeout_with(Duration::from_millis(ms), IdleInfo::Fired { tag });
    }

    /// Arms a plain timeout, then replaces it with one carrying a message: the last wins.
    #[call]
    pub fn arm_twice(&mut self, ctx: &mut Ctx<Self>) {
        ctx.set_timeout(Duration::from_millis(10));
        ctx.set_timeout_with(
            Duration::from_millis(20),
            IdleInfo::Fired {
                tag: "second".into(),
            },
        );
    }

    /// Arms the timeout with a message, then a plain one: `Info::Timeout` comes, no message.
    #[call]
    pub fn arm_then_plain(&mut self, ctx: &mut Ctx<Self>) {
        ctx.set_timeout_with(
            Duration::from_millis(10),
            IdleInfo::Fired { tag: "lost".into() },
        );
        ctx.set_timeout(Duration::from_millis(20));
    }

    /// `{timeout, infinity, Msg}`.
    #[call]
    pub fn arm_infinity(&mut self, ctx: &mut Ctx<Self>) {
        ctx.set_timeout_with(
            INFINITY,
            IdleInfo::Fired {
                tag: "never".into(),
            },
        );
    }

    /// Sends itself a message, then arms a zero timeout: the message is already queued.
    #[call]
    pub fn queue_then_zero(&mut self, ctx: &mut Ctx<Self>) {
        ctx.handle().send(IdleInfo::Other {});
        ctx.set_timeout_with(Duration::ZERO, IdleInfo::Fired { tag: "zero".into() });
    }

    /// `{noreply, S, {hibernate, T, Msg}}`.
    #[cast]
    pub fn hibernate_for(&mut self, ms: u64, ctx: &mut Ctx<Self>) {
        ctx.hibernate();
        ctx.set_timeout_with(
            Duration::from_millis(ms),
            IdleInfo::Fired { tag: "hib".into() },
        );
    }

    #[call]
    pub fn seen(&self) -> Vec<String> {
        self.seen.clone()
    }

    #[info]
    fn fired(&mut self, tag: String) {
        self.seen.push(tag);
    }

    #[info]
    fn other(&mut self) {
        self.seen.push("other".into());
    }

    #[info(timeout)]
    fn timeout(&mut self) {
        self.seen.push("timeout".into());
    }
}

/// gen_server_SUITE `call`, the `{call_within, T}` part, with the timeout's message: no
/// request within T delivers the message to `handle_info`.
#[tokio::test(start_paused = true)]
async fn timeout_with_message_fires_when_idle() {
    let s = Idle::default().start().await.unwrap();
    s.arm(1000, "idle".into()).await.unwrap();
    otp_runtime::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(s.seen().await.unwrap(), ["idle"]);
    // Once: nothing set it again.
    otp_runtime::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(s.seen().await.unwrap(), ["idle"]);
}

/// gen_server_SUITE `call` (`{call_within, 1000}` then `next_call` after 500 ms): a message
/// within T cancels the timeout, and its message is never delivered.
#[tokio::test(start_paused = true)]
async fn a_message_first_cancels_it() {
    let s = Idle::default().start().await.unwrap();
    s.arm(1000, "late".into()).await.unwrap();
    otp_runtime::time::sleep(Duration::from_millis(500)).await;
    assert!(s.seen().await.unwrap().is_empty());
    otp_runtime::time::sleep(Duration::from_secs(5)).await;
    assert!(s.seen().await.unwrap().is_empty());
    // A plain info cancels it too (any message does).
    s.arm(1000, "late".into()).await.unwrap();
    s.send(IdleInfo::Other {});
    otp_runtime::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(s.seen().await.unwrap(), ["other"]);
}

/// `{timeout, 0, Msg}` fires only on an empty mailbox (gen_server's `receive … after 0`):
/// a message already queued is handled instead, and the timeout's message dropped.
#[tokio::test(start_paused = true)]
async fn zero_fires_only_on_an_empty_mailbox() {
    let s = Idle::default().start().await.unwrap();
    s.queue_then_zero().await.unwrap();
    otp_runtime::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(s.seen().await.unwrap(), ["other"]);
    // With nothing queued it fires at once, before the next request.
    s.arm(0, "now".into()).await.unwrap();
    otp_runtime::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(s.seen().await.unwrap(), ["other", "now"]);
}

/// `{timeout, infinity, Msg}` never fires.
#[tokio::test(start_paused = true)]
async fn infinity_never_fires() {
    let s = Idle::default().start().await.unwrap();
    s.arm_infinity().await.unwrap();
    otp_runtime::time::sleep(Duration::from_secs(1_000_000)).await;
    assert!(s.seen().await.unwrap().is_empty());
}

/// One timeout per return: the last set wins, with or without a message.
#[tokio::test(start_paused = true)]
async fn the_last_timeout_set_wins() {
    let s = Idle::default().start().await.unwrap();
    s.arm_twice().await.unwrap();
    otp_runtime::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(s.seen().await.unwrap(), ["second"]);
    s.arm_then_plain().await.unwrap();
    otp_runtime::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(s.seen().await.unwrap(), ["second", "timeout"]);
}

/// `{hibernate, T, Msg}`: the server hibernates, and the message comes after T.
#[tokio::test(start_paused = true)]
async fn hibernate_with_timeout_message() {
    let s = Idle::default().start().await.unwrap();
    s.hibernate_for(1000);
    otp_runtime::time::sleep(Duration::from_millis(1001)).await;
    assert_eq!(s.seen().await.unwrap(), ["hib"]);
}

// ---- hibernate -----------------------------------------------------------------------------

/// A server that holds a large buffer between bursts, and counts its hibernations.
pub struct Burst {
    buf: Vec<u8>,
    hibernations: Arc<AtomicUsize>,
}

#[gen_server]
impl Burst {
    /// Fills the buffer, keeps the server awake.
    #[call]
    pub fn fill(&mut self, n: usize) {
        self.buf.resize(n, 1);
    }

    /// Done with the burst: clears the buffer and hibernates.
    #[call]
    pub fn done(&mut self, ctx: &mut Ctx<Self>) -> usize {
        self.buf.clear();
        ctx.hibernate();
        self.buf.capacity()
    }

    #[call]
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    #[cast]
    pub fn done_async(&mut self, ctx: &mut Ctx<Self>) {
        self.buf.clear();
        ctx.hibernate();
    }

    #[hibernate]
    fn shrink(&mut self) {
        self.buf.shrink_to_fit();
        self.hibernations.fetch_add(1, Ordering::SeqCst);
    }
}

/// gen_server_SUITE `hibernate`: a server asked to hibernate (from `handle_call`, from
/// `handle_cast`) does, and serves calls after as before. Here hibernating runs the server's
/// own hook, which gives its buffer back.
#[tokio::test(start_paused = true)]
async fn hibernate_runs_the_hook_once_idle() {
    let count = Arc::new(AtomicUsize::new(0));
    let s = Burst {
        buf: Vec::new(),
        hibernations: count.clone(),
    }
    .start()
    .await
    .unwrap();
    s.fill(1 << 20).await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 0);
    // The reply is sent before the server hibernates: not shrunk yet.
    assert!(s.done().await.unwrap() >= 1 << 20);
    assert_eq!(s.capacity().await.unwrap(), 0);
    assert_eq!(count.load(Ordering::SeqCst), 1);
    // Calls that do not ask for it do not hibernate.
    s.fill(1000).await.unwrap();
    assert_eq!(s.capacity().await.unwrap(), 1000);
    assert_eq!(count.load(Ordering::SeqCst), 1);
    // From a cast, once the server has gone idle.
    s.done_async();
    otp_runtime::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(s.capacity().await.unwrap(), 0);
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

/// With messages already waiting the server handles them first (the next handler decides
/// again): a cast that asks to hibernate, followed at once by one that refills the buffer.
#[tokio::test(start_paused = true)]
async fn hibernate_waits_for_an_empty_mailbox() {
    let count = Arc::new(AtomicUsize::new(0));
    let s = Burst {
        buf: vec![0; 4096],
        hibernations: count.clone(),
    }
    .start()
    .await
    .unwrap();
    // Both queued before the server runs: the hibernation asked by the first is not taken.
    s.done_async();
    let mut fill = s.send_fill(100);
    fill.wait_response(Duration::from_secs(1)).await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 0);
    assert_eq!(s.capacity().await.unwrap(), 4096);
}

/// The measured effect: the heap a hibernated server holds, before and after, with a
/// counting allocator (per thread, and the runtime is current-thread: see `counting`), with a
/// megabyte at stake.
#[tokio::test(start_paused = true)]
async fn hibernate_gives_the_heap_back() {
    let count = Arc::new(AtomicUsize::new(0));
    let s = Burst {
        buf: Vec::new(),
        hibernations: count,
    }
    .start()
    .await
    .unwrap();
    s.fill(1 << 20).await.unwrap();
    s.fill(0).await.unwrap(); // cleared, not shrunk: the megabyte is still held
    let before = counting::live();
    s.done().await.unwrap();
    s.capacity().await.unwrap(); // the server has hibernated
    let after = counting::live();
    let freed = before - after;
    eprintln!("live heap: {before} bytes before hibernating, {after} after ({freed} freed)");
    assert!(
        freed >= 1 << 20,
        "freed {freed} bytes (before {before}, after {after})"
    );
}

mod counting {
    //! A global allocator that counts live bytes per thread: the test's runtime is
    //! current-thread, so its server runs on the test's own thread, and the other tests of
    //! this file, running at the same time on threads of their own, do not count. (A
    //! process-wide count was off by their allocations in between.)
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static LIVE: Cell<isize> = const { Cell::new(0) };
    }

    fn add(n: isize) {
        // Not during the thread's teardown, when its locals are gone.
        let _ = LIVE.try_with(|l| l.set(l.get() + n));
    }

    struct Counting;

    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            add(layout.size() as isize);
            // SAFETY: forwarded as given.
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            add(-(layout.size() as isize));
            // SAFETY: forwarded as given.
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            add(new_size as isize - layout.size() as isize);
            // SAFETY: forwarded as given.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;

    /// Bytes allocated and not freed by this thread (less those it freed of others').
    pub fn live() -> isize {
        LIVE.with(|l| l.get())
    }
}

// ---- a call that stops without replying ----------------------------------------------------

/// The suite's callback module's `exit_shutdown`, `shutdown_reason` and `stop_shutdown`
/// requests, as `#[call]`s.
#[derive(Default)]
pub struct Quitter {
    terminated: Option<tokio::sync::mpsc::UnboundedSender<ExitReason>>,
}

#[gen_server]
impl Quitter {
    /// `exit(shutdown)` in `handle_call`.
    #[call]
    pub fn exit_shutdown(&mut self, ctx: &mut Ctx<Self>) -> &'static str {
        ctx.stop_without_reply(ExitReason::Shutdown);
        "never sent"
    }

    /// `{stop, {shutdown, reason}, State}` from `handle_call`.
    #[call]
    pub fn shutdown_reason(&mut self, ctx: &mut Ctx<Self>) -> &'static str {
        ctx.stop_without_reply(ExitReason::shutdown_with("reason"));
        "never sent"
    }

    /// `ctx.stop` after `stop_without_reply`: the later reason wins, but the reply is gone.
    #[call]
    pub fn changed_mind(&mut self, ctx: &mut Ctx<Self>) -> &'static str {
        ctx.stop_without_reply(ExitReason::Shutdown);
        ctx.stop(ExitReason::Normal);
        "bye"
    }

    /// From a cast it is `ctx.stop`.
    #[cast]
    pub fn quit(&mut self, ctx: &mut Ctx<Self>) {
        ctx.stop_without_reply(ExitReason::other("quit"));
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        if let Some(t) = &self.terminated {
            let _ = t.send(reason.clone());
        }
    }
}

/// gen_server_SUITE `crash` (`exit_shutdown`, `shutdown_reason`): the caller of a call that
/// stops the server without a reply gets the server's exit reason, `terminate` runs, and the
/// linked parent gets the `EXIT` with that reason.
#[tokio::test(start_paused = true)]
async fn a_call_can_stop_without_replying() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let q = Quitter {
        terminated: Some(tx),
    }
    .start()
    .await
    .unwrap();
    assert_eq!(
        q.exit_shutdown().await,
        Err(CallError::Exited(ExitReason::Shutdown))
    );
    assert_eq!(rx.recv().await, Some(ExitReason::Shutdown));
    assert_eq!(q.wait_exit().await, ExitReason::Shutdown);

    // Linked: the parent (trapping exits) sees the same reason.
    let parent = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let q = Quitter::default().start_link().await.unwrap();
        let answer = q.shutdown_reason().await;
        let exit = ctx.recv().await;
        assert_eq!(
            answer,
            Err(CallError::Exited(ExitReason::shutdown_with("reason")))
        );
        match exit {
            Message::Exit { from, reason } if Some(from) == q.pid() => reason,
            other => panic!("unexpected {other:?}"),
        }
    });
    assert_eq!(
        parent.wait_exit().await,
        ExitReason::shutdown_with("reason")
    );
}

/// The reason asked last decides; the reply, once dropped, stays dropped. From a cast,
/// `stop_without_reply` is `stop`.
#[tokio::test(start_paused = true)]
async fn a_later_stop_changes_the_reason() {
    let q = Quitter::default().start().await.unwrap();
    assert_eq!(
        q.changed_mind().await,
        Err(CallError::Exited(ExitReason::Normal))
    );
    assert_eq!(q.wait_exit().await, ExitReason::Normal);
    let q = Quitter::default().start().await.unwrap();
    q.quit();
    assert_eq!(q.wait_exit().await, ExitReason::other("quit"));
}

// ---- a typed stop reason -------------------------------------------------------------------

/// A reason of the server's own type, as an Erlang server stops with any term.
#[derive(Debug, PartialEq)]
pub enum Fault {
    Overload { queued: usize },
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::Overload { queued } => write!(f, "overload ({queued} queued)"),
        }
    }
}

#[derive(Default)]
pub struct Guard;

#[gen_server]
impl Guard {
    #[call]
    pub fn give_up(&mut self, queued: usize, ctx: &mut Ctx<Self>) {
        ctx.stop_without_reply(ExitReason::typed(Fault::Overload { queued }));
    }
}

/// gen_server_SUITE `crash` (a call whose server stops: the caller gets the server's
/// reason), with a reason of the user's type: the caller, a monitor and a linked process
/// that traps exits all get it typed, and it prints as its `Display`.
#[tokio::test(start_paused = true)]
async fn a_typed_stop_reason_reaches_caller_monitor_and_link() {
    let watcher = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        let (g, monitor) = Guard.start_monitor().await.unwrap();
        ctx.link(g.pid().unwrap());
        let answer = g.give_up(7).await;
        let expected = ExitReason::typed(Fault::Overload { queued: 7 });
        assert_eq!(answer, Err(CallError::Exited(expected.clone())));
        let (mut down, mut exit) = (None, None);
        while down.is_none() || exit.is_none() {
            match ctx.recv().await {
                Message::Down {
                    monitor: m, reason, ..
                } if m == monitor => down = Some(reason),
                Message::Exit { reason, .. } => exit = Some(reason),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(down.as_ref(), Some(&expected));
        assert_eq!(exit.as_ref(), Some(&expected));
        exit.unwrap()
    });
    let reason = watcher.wait_exit().await;
    assert_eq!(
        reason.downcast_ref::<Fault>(),
        Some(&Fault::Overload { queued: 7 })
    );
    assert_eq!(reason.to_string(), "overload (7 queued)");
    assert!(!reason.is_clean());
}

// ---- a panic anywhere in the loop ----------------------------------------------------------

/// Panics where its cast asks it to (in a synchronous handler, in `handle_continue`, in the
/// `hibernate` hook), and tells what `terminate` saw.
pub struct Fragile {
    casts: u32,
    ended: Option<tokio::sync::oneshot::Sender<(ExitReason, u32)>>,
}

impl GenServer for Fragile {
    type Call = ();
    type Reply = u32;
    type Cast = &'static str;
    type Info = ();
    type Continue = ();

    async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<u32> {
        CallResult::Reply(self.casts)
    }

    async fn handle_cast(&mut self, what: &'static str, ctx: &mut Ctx<Self>) -> Outcome {
        self.casts += 1;
        match what {
            "continue" => ctx.continue_with(()),
            "hibernate" => ctx.hibernate(),
            _ => {}
        }
        Outcome::NoReply
    }

    fn handle_cast_now(
        &mut self,
        what: &'static str,
        _ctx: &mut Ctx<Self>,
    ) -> Result<Outcome, &'static str> {
        if what == "now" {
            self.casts += 1;
            panic!("in a synchronous handler");
        }
        Err(what)
    }

    async fn handle_continue(&mut self, _: (), _ctx: &mut Ctx<Self>) -> Outcome {
        panic!("in handle_continue")
    }

    fn hibernate(&mut self) {
        panic!("in the hibernate hook")
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Ctx<Self>) {
        if let Some(ended) = self.ended.take() {
            let _ = ended.send((reason.clone(), self.casts));
        }
    }
}

/// gen_server_SUITE `crash` (`terminate` runs after a crash), wherever in the receive loop
/// the server's code panics: the server ends with the panic as its reason, and `terminate`
/// sees the state the handler left (here, the cast counted before the panic).
#[tokio::test(start_paused = true)]
async fn terminate_runs_after_a_panic_anywhere_in_the_loop() {
    for (cast, message) in [
        ("now", "in a synchronous handler"),
        ("continue", "in handle_continue"),
        ("hibernate", "in the hibernate hook"),
    ] {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let s = Fragile {
            casts: 0,
            ended: Some(tx),
        }
        .start()
        .await
        .unwrap();
        assert_eq!(s.call(()).await, Ok(0));
        s.cast(cast);
        let reason = ExitReason::Panic(message.into());
        assert_eq!(rx.await, Ok((reason.clone(), 1)), "{cast}");
        assert_eq!(s.wait_exit().await, reason, "{cast}");
    }
}
