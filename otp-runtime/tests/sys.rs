//! `sys`: look inside a running server, and a node's processes at a glance. Cases ported from
//! OTP's `sys_SUITE` and `gen_server_SUITE` are named in their doc comments.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use otp_runtime::prelude::*;
use otp_runtime::report::Reporter;
use otp_runtime::supervisor::{ChildState, ChildType};
use otp_runtime::sys::{
    self, Behaviour, ProcessStatus, RunStatus, StatsFlag, Sys, SysError, TopBy,
};

// ANCHOR: counter
#[derive(Debug)]
pub struct Counter {
    n: u64,
}

#[gen_server]
impl Counter {
    #[call]
    pub fn get(&self) -> u64 {
        self.n
    }

    #[cast]
    pub fn add(&mut self, k: u64) {
        self.n += k;
    }
}
// ANCHOR_END: counter

/// Not `Debug`: `get_state` has no text for it.
pub struct Opaque;

#[gen_server]
impl Opaque {
    #[call]
    pub fn ping(&self) {}
}

/// Hides its password (OTP's `format_status/1`).
struct Login {
    user: &'static str,
    password: &'static str,
}

impl GenServer for Login {
    type Call = ();
    type Reply = &'static str;
    type Cast = ();
    type Info = ();
    type Continue = ();
    async fn handle_call(&mut self, _: (), _ctx: &mut Ctx<Self>) -> CallResult<&'static str> {
        CallResult::Reply(self.password)
    }
    fn format_status(&self) -> Option<String> {
        Some(format!(
            "Login {{ user: {:?}, password: <hidden> }}",
            self.user
        ))
    }
}

/// Sleeps in a handler for as long as asked: a busy server.
pub struct Sleeper;

#[gen_server]
impl Sleeper {
    #[call]
    pub async fn sleep(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(b)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// ANCHOR: get_state_in_a_test
/// `gen_server_SUITE:get_state`: the state of a running server, as text and typed.
#[tokio::test]
async fn get_state() {
    let c = Counter { n: 0 }.start().await.unwrap();
    c.add(5);
    // A system request overtakes the mailbox: a call first, so that the cast is handled.
    c.get().await.unwrap();
    // As text: the state's `Debug` form.
    assert_eq!(sys::get_state(&c).await.unwrap(), "Counter { n: 5 }");
    // Typed, with a closure that runs inside the server between two messages.
    assert_eq!(sys::inspect(&c, |s: &Counter| s.n).await, Ok(5));
}
// ANCHOR_END: get_state_in_a_test

/// `gen_server_SUITE:replace_state`: the state changed in place; the closure's result comes
/// back.
#[tokio::test]
async fn replace_state() {
    let c = Counter { n: 1 }.start().await.unwrap();
    let old = sys::replace_state(&c, |s: &mut Counter| std::mem::replace(&mut s.n, 42)).await;
    assert_eq!(old, Ok(1));
    assert_eq!(c.get().await, Ok(42));
    // A closure for another type is refused, and the state is untouched.
    let err = sys::replace_state(&c, |s: &mut String| s.clear())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SysError::WrongType {
            expected: "alloc::string::String",
            found: "sys::Counter",
        }
    );
    assert_eq!(
        err.to_string(),
        "the state is a sys::Counter, not a alloc::string::String"
    );
    assert_eq!(c.get().await, Ok(42));
}

/// `gen_server_SUITE:call_format_status`: `format_status` decides what is shown.
#[tokio::test]
async fn format_status_hides_what_it_hides() {
    let l = Login {
        user: "ann",
        password: "hunter2",
    }
    .start()
    .await
    .unwrap();
    let shown = sys::get_state(&l).await.unwrap();
    assert_eq!(shown, r#"Login { user: "ann", password: <hidden> }"#);
    let status = sys::get_status(&l).await.unwrap();
    assert_eq!(status.state.as_deref(), Some(shown.as_str()));
    assert!(!format!("{status:?}").contains("hunter2"));
}

#[tokio::test]
async fn a_state_with_no_text_form_is_a_typed_error() {
    let o = Opaque.start().await.unwrap();
    let err = sys::get_state(&o).await.unwrap_err();
    assert_eq!(err, SysError::NoFormat("sys::Opaque"));
    assert!(err
        .to_string()
        .contains("derive Debug or implement format_status"));
    // Typed access needs no Debug.
    assert_eq!(sys::inspect(&o, |_: &Opaque| "here").await, Ok("here"));
}

/// `sys_SUITE:get_status` (and gen_server's `sys:get_status` cases): who and how the server is.
#[tokio::test]
async fn get_status() {
    let c = Counter { n: 0 }.start_named("sys_status").await.unwrap();
    c.add(1);
    c.add(2);
    assert_eq!(c.get().await, Ok(3));
    let s = sys::get_status("sys_status").await.unwrap();
    assert_eq!(s.pid, c.pid().unwrap());
    assert_eq!(s.name.as_ref().map(|n| n.as_str()), Some("sys_status"));
    assert_eq!(s.behaviour, Behaviour::GenServer);
    assert_eq!(s.module, "sys::Counter");
    assert_eq!(s.status, RunStatus::Running);
    assert_eq!(s.parent, None);
    assert_eq!(s.message_queue_len, 0);
    assert_eq!(s.messages_handled, 3);
    assert_eq!(s.state.as_deref(), Some("Counter { n: 3 }"));
    assert!(!s.trace && s.statistics.is_none());
}

/// A supervised server's parent is its supervisor.
#[tokio::test]
async fn get_status_names_the_parent_supervisor() {
    let sup = SupervisorSpec::one_for_one()
        .child(ChildSpec::worker("c", || Counter { n: 0 }).name("sys_child"))
        .start()
        .await
        .unwrap();
    let s = sys::get_status("sys_child").await.unwrap();
    assert_eq!(s.parent, sup.pid());
    let sup_status = sys::get_status(&sup).await.unwrap();
    assert_eq!(sup_status.behaviour, Behaviour::Supervisor);
    assert!(sup_status.data.contains(&("restarts", "0".to_string())));
}

// ANCHOR: suspend
/// `sys_SUITE:suspend`: a suspended server queues its messages and still answers system
/// requests; resumed, it handles what waited, in order.
#[tokio::test(start_paused = true)]
async fn suspend() {
    let c = Counter { n: 0 }.start().await.unwrap();
    sys::suspend(&c).await.unwrap();
    c.add(1);
    c.add(2);
    let short = c.with_timeout(Duration::from_millis(50));
    let got = short.get().await;
    assert!(matches!(got, Err(CallError::Timeout { .. })), "{got:?}");
    let s = sys::get_status(&c).await.unwrap();
    assert_eq!(s.status, RunStatus::Suspended);
    assert_eq!(s.message_queue_len, 3); // two casts and the call that timed out
    assert_eq!(sys::get_state(&c).await.unwrap(), "Counter { n: 0 }");
    sys::resume(&c).await.unwrap();
    assert_eq!(c.get().await, Ok(3));
    assert_eq!(
        sys::get_status(&c).await.unwrap().status,
        RunStatus::Running
    );
}
// ANCHOR_END: suspend

/// A call that is the first message a suspended server gets still times out: the server,
/// woken by it, serves nothing but system requests, and the caller's deadline must be armed
/// all the same (the caller looks for its reply after one scheduling round, then arms it).
#[tokio::test(start_paused = true)]
async fn a_call_to_a_suspended_server_times_out() {
    let c = Counter { n: 0 }.start().await.unwrap();
    // The server waits on its empty mailbox, its waker left there, when the suspension
    // comes; the call finds that waker.
    assert_eq!(c.get().await, Ok(0));
    sys::suspend(&c).await.unwrap();
    let short = c.with_timeout(Duration::from_millis(50));
    // Bounded from outside, so that a deadline never armed fails here rather than hangs.
    let got = tokio::time::timeout(Duration::from_secs(5), short.get()).await;
    assert!(matches!(got, Ok(Err(CallError::Timeout { .. }))), "{got:?}");
    sys::resume(&c).await.unwrap();
    assert_eq!(c.get().await, Ok(0));
}

/// System requests do not wait behind the mailbox: with 100,000 casts queued, `get_status`
/// answers before any of them is handled.
#[tokio::test]
async fn a_system_request_overtakes_a_long_mailbox() {
    let c = Counter { n: 0 }.start().await.unwrap();
    for _ in 0..100_000 {
        c.add(1);
    }
    let s = sys::get_status(&c).await.unwrap();
    assert_eq!(s.messages_handled, 0);
    assert_eq!(s.message_queue_len, 100_000);
    assert_eq!(c.get().await, Ok(100_000));
}

/// A server with a gen_server timeout answers system requests while it waits, and its
/// timeout starts again afterwards (OTP's loop after a system message).
pub struct Idle {
    timeouts: u32,
}

#[gen_server]
impl Idle {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) {
        ctx.set_timeout(Duration::from_secs(10));
    }
    #[call]
    pub fn timeouts(&self) -> u32 {
        self.timeouts
    }
    #[info(timeout)]
    fn timeout(&mut self) {
        self.timeouts += 1;
    }
}

#[tokio::test(start_paused = true)]
async fn a_server_waiting_on_its_timeout_answers_at_once() {
    let i = Idle { timeouts: 0 }.start().await.unwrap();
    let t0 = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(sys::inspect(&i, |s: &Idle| s.timeouts).await, Ok(0));
    assert_eq!(t0.elapsed(), Duration::from_secs(5));
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert_eq!(i.timeouts().await, Ok(1));
}

/// `sys_SUITE:trace`: each message and reply is logged, with the new state.
#[tokio::test]
async fn trace() {
    let out = Buffer::default();
    let _log = tracing::subscriber::set_default(Reporter::new().writer(out.clone()));
    let c = Counter { n: 0 }.start().await.unwrap();
    let pid = c.pid().unwrap();
    sys::trace(&c, true).await.unwrap();
    assert!(sys::get_status(&c).await.unwrap().trace);
    c.add(1);
    assert_eq!(c.get().await, Ok(1));
    sys::trace(&c, false).await.unwrap();
    c.add(1);
    assert_eq!(c.get().await, Ok(2));
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let dbg: Vec<&str> = text.lines().filter(|l| l.contains("*DBG*")).collect();
    assert_eq!(
        dbg,
        [
            format!("    *DBG* {pid} got cast"),
            format!("    *DBG* {pid} new state Counter {{ n: 1 }}"),
            format!("    *DBG* {pid} got call"),
            format!("    *DBG* {pid} sent reply"),
            format!("    *DBG* {pid} new state Counter {{ n: 1 }}"),
        ],
        "{text}"
    );
}

/// `sys_SUITE:stats`: messages in and replies, since when; off forgets.
#[tokio::test(start_paused = true)]
async fn statistics() {
    let c = Counter { n: 0 }.start().await.unwrap();
    assert_eq!(sys::statistics(&c, StatsFlag::Get).await, Ok(None));
    let t0 = otp_runtime::time::Instant::now();
    assert_eq!(sys::statistics(&c, StatsFlag::On).await, Ok(None));
    c.add(1);
    c.get().await.unwrap();
    c.get().await.unwrap();
    let s = sys::statistics(&c, StatsFlag::Get).await.unwrap().unwrap();
    assert_eq!((s.messages_in, s.replies), (3, 2));
    assert_eq!(s.since, t0);
    assert_eq!(sys::get_status(&c).await.unwrap().statistics, Some(s));
    let last = sys::statistics(&c, StatsFlag::Off).await.unwrap();
    assert_eq!(last, Some(s));
    assert_eq!(sys::statistics(&c, StatsFlag::Get).await, Ok(None));
}

/// Statistics turned on, off and on again between batches of casts: each period counts exactly
/// its own messages, and the listing's count (kept on every path, traced or not) all of them.
/// The server's receive loop reads whether statistics are on once a poll, from its flags.
#[tokio::test(start_paused = true)]
async fn statistics_on_off_on_count_every_message() {
    let node = Node::new();
    node.scope(async {
        let c = Counter { n: 0 }.start().await.unwrap();
        let handled = || async {
            let list = sys::processes().await;
            let row = list.iter().find(|p| Some(p.pid) == c.pid()).unwrap();
            row.messages_handled.unwrap()
        };
        for _ in 0..200 {
            c.add(1);
        }
        c.get().await.unwrap();
        assert_eq!(handled().await, 201);
        sys::statistics(&c, StatsFlag::On).await.unwrap();
        for _ in 0..300 {
            c.add(1);
        }
        assert_eq!(c.get().await, Ok(500));
        let s = sys::statistics(&c, StatsFlag::Off).await.unwrap().unwrap();
        assert_eq!((s.messages_in, s.replies), (301, 1));
        for _ in 0..50 {
            c.add(1);
        }
        c.get().await.unwrap();
        sys::statistics(&c, StatsFlag::On).await.unwrap();
        c.add(1);
        assert_eq!(c.get().await, Ok(551));
        let s = sys::statistics(&c, StatsFlag::Get).await.unwrap().unwrap();
        assert_eq!((s.messages_in, s.replies), (2, 1));
        assert_eq!(handled().await, 201 + 301 + 51 + 2);
    })
    .await;
}

/// The typed errors: no such process, a plain process, another node, itself, a death before
/// the answer, a timeout.
#[tokio::test(start_paused = true)]
async fn errors_are_typed() {
    assert_eq!(sys::get_state("sys_nobody").await, Err(SysError::NoProc));
    let plain = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        ExitReason::Normal
    });
    assert_eq!(
        sys::get_status(plain.pid()).await,
        Err(SysError::NotABehaviour(plain.pid()))
    );
    let other = Node::new();
    let far = other.spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        ExitReason::Normal
    });
    assert_eq!(
        sys::get_status(far.pid()).await,
        Err(SysError::OtherNode(far.pid()))
    );

    // Busy in a handler for 10 s: a 1 s request times out; killed, the next one learns why.
    let s = Sleeper.start().await.unwrap();
    let busy = s.clone();
    tokio::spawn(async move {
        busy.with_timeout(Duration::from_secs(60))
            .sleep(10_000)
            .await
    });
    tokio::task::yield_now().await;
    let quick = Sys::new(&s).timeout(Duration::from_secs(1));
    assert_eq!(
        quick.get_state().await,
        Err(SysError::Timeout(Duration::from_secs(1)))
    );
    let pid = s.pid().unwrap();
    let asking = tokio::spawn(async move { sys::get_status(pid).await });
    tokio::task::yield_now().await;
    otp_runtime::exit(pid, ExitReason::Kill);
    assert_eq!(
        asking.await.unwrap(),
        Err(SysError::Exited(ExitReason::Killed))
    );
    // And then it is gone.
    assert_eq!(sys::get_status(pid).await, Err(SysError::NoProc));
}

/// A server asking itself would wait for itself forever: refused.
pub struct Narcissus;

#[gen_server]
impl Narcissus {
    #[call]
    pub async fn look(&self, ctx: &mut Ctx<Self>) -> Result<String, SysError> {
        sys::get_state(ctx.pid()).await
    }
}

#[tokio::test]
async fn a_server_cannot_ask_itself() {
    let n = Narcissus.start().await.unwrap();
    assert_eq!(n.look().await, Ok(Err(SysError::OwnProcess)));
}

// ---- gen_statem --------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Door {
    Locked,
    Open,
}

#[derive(Debug)]
pub struct DoorData {
    code: u32,
}

#[gen_statem(state = Door)]
impl DoorData {
    #[init]
    fn init(&mut self) -> StatemInit<Door> {
        StatemInit::Ok(Door::Locked)
    }

    #[call]
    pub fn unlock(&mut self, state: &Door, code: u32) -> Transition<Door, bool> {
        match state {
            Door::Locked if code == self.code => Transition::next(Door::Open).reply(true),
            _ => Transition::keep().reply(false),
        }
    }
}

/// `gen_statem_SUITE:sys1` (get_state, get_status, replace_state on a state machine).
#[tokio::test]
async fn gen_statem_state_and_status() {
    let d = DoorData { code: 7 }.start().await.unwrap();
    assert_eq!(
        sys::get_state(&d).await.unwrap(),
        "(Locked, DoorData { code: 7 })"
    );
    assert_eq!(d.unlock(7).await, Ok(true));
    let s = sys::get_status(&d).await.unwrap();
    assert_eq!(s.behaviour, Behaviour::GenStatem);
    assert_eq!(s.module, "sys::DoorData");
    assert!(s
        .data
        .contains(&("state", "(Open, DoorData { code: 7 })".into())));
    sys::replace_state(&d, |m: &mut DoorData| m.code = 9)
        .await
        .unwrap();
    assert_eq!(sys::inspect(&d, |m: &DoorData| m.code).await, Ok(9));
}

// ---- the node's processes -----------------------------------------------------------------

// ANCHOR: listing
/// The listing: behaviours, parents, mailboxes, busy servers, plain processes.
#[tokio::test(start_paused = true)]
async fn processes_lists_the_node() {
    let node = Node::new();
    node.scope(async {
        let sup = SupervisorSpec::one_for_one()
            .child(ChildSpec::worker("counter", || Counter { n: 0 }).name("list_counter"))
            .child(ChildSpec::worker("sleeper", || Sleeper).name("list_sleeper"))
            .start()
            .await
            .unwrap();
        let plain = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
            ctx.recv().await;
            ExitReason::Normal
        });
        let counter = CounterRef::named("list_counter");
        counter.add(1);
        let sleeper = SleeperRef::named("list_sleeper");
        let busy = sleeper.clone();
        tokio::spawn(async move {
            busy.with_timeout(Duration::from_secs(60))
                .sleep(5_000)
                .await
        });
        tokio::task::yield_now().await;

        let list = sys::processes().await;
        let row = |pid| list.iter().find(|p| Some(p.pid) == pid).unwrap();
        let s = row(sup.pid());
        assert_eq!(
            (s.behaviour, s.status),
            (Behaviour::Supervisor, ProcessStatus::Running)
        );
        assert_eq!(s.restarts, Some(0));
        let c = row(counter.pid());
        assert_eq!(c.name.as_ref().unwrap().as_str(), "list_counter");
        assert_eq!(c.parent, sup.pid());
        assert_eq!(c.links, vec![sup.pid().unwrap()]);
        assert_eq!(
            (c.message_queue_len, c.messages_handled),
            (Some(0), Some(1))
        );
        let b = row(sleeper.pid());
        assert_eq!(b.status, ProcessStatus::Busy);
        assert_eq!(b.message_queue_len, None);
        assert_eq!(b.parent, sup.pid()); // from its links
        let p = row(Some(plain.pid()));
        assert_eq!(
            (p.behaviour, p.status),
            (Behaviour::Plain, ProcessStatus::Plain)
        );
        assert_eq!(list.len(), node.process_count());
    })
    .await;
}
// ANCHOR_END: listing

/// The tree from each root supervisor down, with restarts and intensity.
#[tokio::test(start_paused = true)]
async fn supervision_trees_walk_down() {
    let node = Node::new();
    node.scope(async {
        let top = SupervisorSpec::one_for_one()
            .intensity(3, Duration::from_secs(60))
            .child(ChildSpec::worker("a", || Counter { n: 0 }).name("tree_a"))
            .child(ChildSpec::supervisor(
                "inner",
                SupervisorSpec::one_for_one().child(ChildSpec::worker("b", || Opaque)),
            ))
            .start()
            .await
            .unwrap();
        // Crash "a" once: the top supervisor restarts it.
        let a = otp_runtime::whereis("tree_a").unwrap();
        otp_runtime::exit(a, ExitReason::Kill);
        while otp_runtime::whereis("tree_a").is_none_or(|p| p == a) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }

        let trees = sys::supervision_trees().await;
        assert_eq!(trees.len(), 1);
        let t = &trees[0];
        assert_eq!(t.pid, top.pid().unwrap());
        assert_eq!((t.restarts, t.intensity_used), (1, (1, 3)));
        assert_eq!(t.children.len(), 2);
        let a = &t.children[0];
        assert_eq!((&*a.id, a.kind), ("a", ChildType::Worker));
        assert_eq!(a.name.as_ref().unwrap().as_str(), "tree_a");
        assert_eq!(a.behaviour, Some(Behaviour::GenServer));
        let inner = &t.children[1];
        assert_eq!(inner.kind, ChildType::Supervisor);
        let sub = inner.tree.as_ref().unwrap();
        assert_eq!(&*sub.children[0].id, "b");
        assert!(matches!(sub.children[0].state, ChildState::Running(_)));
        assert!(sub.children[0].tree.is_none());
    })
    .await;
}

/// `top`: by mailbox length (recon's `proc_count`) and by message rate (`proc_window`).
#[tokio::test(start_paused = true)]
async fn top_ranks_by_mailbox_and_rate() {
    let node = Node::new();
    node.scope(async {
        let (a, b) = (
            Counter { n: 0 }.start().await.unwrap(),
            Counter { n: 0 }.start().await.unwrap(),
        );
        sys::suspend(&a).await.unwrap();
        for _ in 0..3 {
            a.add(1);
        }
        b.add(1);
        let top = sys::top(TopBy::MessageQueueLen, 2).await;
        assert_eq!(top.len(), 2);
        assert_eq!((top[0].pid, top[0].value), (a.pid().unwrap(), 3));
        // `b` has not run since its cast: it waits in its mailbox too.
        assert_eq!((top[1].pid, top[1].value), (b.pid().unwrap(), 1));
        sys::resume(&a).await.unwrap();

        let feeder = b.clone();
        let load = tokio::spawn(async move {
            for _ in 0..50 {
                feeder.add(1);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        let top = sys::top(TopBy::MessageRate(Duration::from_millis(200)), 1).await;
        assert_eq!(top[0].pid, b.pid().unwrap());
        assert!((15..=25).contains(&top[0].value), "{top:?}");
        load.await.unwrap();
    })
    .await;
}

/// A child's restarts and last exit reason, as its supervisor's view shows them: counted by
/// the supervisor's restarts (here `one_for_all`: a sibling restarted with it counts too),
/// not by `restart_child`.
#[tokio::test(start_paused = true)]
async fn supervision_trees_count_each_childs_restarts() {
    let node = Node::new();
    node.scope(async {
        let sup = SupervisorSpec::one_for_all()
            .intensity(5, Duration::from_secs(60))
            .child(ChildSpec::worker("a", || Counter { n: 0 }).name("count_a"))
            .child(ChildSpec::worker("b", || Opaque).name("count_b"))
            .start()
            .await
            .unwrap();
        let fresh = sys::supervision_trees().await;
        assert_eq!(fresh[0].children[0].restarts, 0);
        assert_eq!(fresh[0].children[0].last_exit, None);

        let a = otp_runtime::whereis("count_a").unwrap();
        otp_runtime::exit(a, ExitReason::Kill);
        while otp_runtime::whereis("count_a").is_none_or(|p| p == a) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let t = &sys::supervision_trees().await[0];
        let (a, b) = (&t.children[0], &t.children[1]);
        assert_eq!(
            (a.restarts, a.last_exit.clone()),
            (1, Some(ExitReason::Killed))
        );
        // Restarted with it, but it did not end on its own.
        assert_eq!((b.restarts, b.last_exit.clone()), (1, None));

        // A restart asked for is not the supervisor's doing.
        sup.terminate_child("b").await.unwrap();
        sup.restart_child("b").await.unwrap();
        let t = &sys::supervision_trees().await[0];
        assert_eq!(t.children[1].restarts, 1);
        let (rows, trees) = Node::current().processes_and_trees().await;
        assert_eq!(trees, vec![t.clone()]);
        assert_eq!(rows.len(), 3);
    })
    .await;
}

/// `sys:log/2`: `{true, N}` keeps the last N events, `get` reads them, `false` stops (OTP's
/// `sys_SUITE:log`, without the messages themselves).
#[tokio::test(start_paused = true)]
async fn log_keeps_the_last_events() {
    use otp_runtime::sys::{LogFlag, SysEvent};
    let c = Counter { n: 0 }.start().await.unwrap();
    assert_eq!(sys::log(&c, LogFlag::Get).await, Ok(None));
    sys::log(&c, LogFlag::On(3)).await.unwrap();
    let t0 = otp_runtime::time::Instant::now();
    c.add(1);
    tokio::time::sleep(Duration::from_millis(10)).await;
    c.get().await.unwrap();
    let events = sys::log(&c, LogFlag::Get).await.unwrap().unwrap();
    let kinds: Vec<SysEvent> = events.iter().map(|e| e.event).collect();
    assert_eq!(kinds, [SysEvent::Cast, SysEvent::Call, SysEvent::Reply]);
    assert_eq!(events[0].at, t0);
    assert_eq!(events[1].at, t0 + Duration::from_millis(10));
    // Bounded: the oldest fall out. (A system request overtakes the mailbox: the call
    // makes sure the cast was handled before the log is read.)
    tokio::time::sleep(Duration::from_millis(10)).await;
    c.add(1);
    c.get().await.unwrap();
    let events = sys::log(&c, LogFlag::Get).await.unwrap().unwrap();
    let kinds: Vec<SysEvent> = events.iter().map(|e| e.event).collect();
    assert_eq!(kinds, [SysEvent::Cast, SysEvent::Call, SysEvent::Reply]);
    assert_eq!(events[0].at, t0 + Duration::from_millis(20));
    // Smaller: keeps the newest.
    sys::log(&c, LogFlag::On(1)).await.unwrap();
    let last = sys::log(&c, LogFlag::Off).await.unwrap().unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].event, SysEvent::Reply);
    assert_eq!(sys::log(&c, LogFlag::Get).await, Ok(None));
    assert_eq!(c.get().await, Ok(2));
}

// ---- a gen_statem's running timers ---------------------------------------------------------

pub struct Kettle;

#[gen_statem(state = Door)]
impl Kettle {
    #[init]
    fn init(&mut self, ctx: &mut StatemCtx<Self>) -> StatemInit<Door> {
        ctx.state_timeout(std::time::Duration::from_secs(60), KettleTimeout::Boil {});
        ctx.generic_timeout(
            "whistle",
            std::time::Duration::from_secs(90),
            KettleTimeout::Boil {},
        );
        StatemInit::Ok(Door::Locked)
    }

    #[timeout]
    fn boil(&mut self) -> Transition<Door> {
        Transition::next(Door::Open)
    }

    #[call]
    pub fn ping(&self) -> u8 {
        1
    }
}

/// OTP's `sys:get_status` of a gen_statem lists its running timeouts.
#[tokio::test(start_paused = true)]
async fn gen_statem_status_lists_running_timers() {
    let k = Kettle.start().await.unwrap();
    let s = sys::get_status(&k).await.unwrap();
    assert!(
        s.data
            .contains(&("timers", r#"state timeout, timeout "whistle""#.into())),
        "{:?}",
        s.data
    );
    // Both fired: none left.
    tokio::time::sleep(std::time::Duration::from_secs(100)).await;
    assert_eq!(k.ping().await, Ok(1));
    let s = sys::get_status(&k).await.unwrap();
    assert!(s.data.contains(&("timers", String::new())), "{:?}", s.data);
}
