//! Distribution under hostile or failing peers: what a node does with frames that are not
//! frames, a frame length over the limit, a flood, a peer that goes silent, large binaries,
//! an Erlang peer that restarts, a server that dies during a call, wrong cookies and
//! handshakes of another version.
//!
//! The hostile peers are fake ones (`dist_fixtures`): they do the handshake by hand and then
//! write raw bytes. The Erlang peers are real `erl` nodes (`erl_common`), registered with the
//! EPMD the test's first Rust node serves in-process on a private port; without `erl` those
//! tests skip, saying so in one line.
//!
//! Each test names the OTP case it follows: erts' `distribution_SUITE` (`bad_dist_structure`,
//! `bad_dist_ext_receive`, `bulk_send_small`, `bulk_send_big`, `link_to_dead_new_node`),
//! kernel's `erl_distribution_SUITE` (`tick`) and `erl_distribution_wb_SUITE`
//! (`missing_compulsory_dflags`), or the OTP behaviour it checks.

mod dist_fixtures;
mod erl_common;

use std::time::{Duration, Instant};

use dist_fixtures::{eventually, frame_body, framed, reports, FakePeer, FAKE_FLAGS};
use erl_common::{free_port, have_erl, Erl};
use otp_runtime::dist::mapping::ToTerm;
use otp_runtime::dist::term::{Atom, ExternalRef, Term};
use otp_runtime::dist::{self, DistOptions, MAX_FRAME};
use otp_runtime::node::Node;
use otp_runtime::prelude::{CallError, ExitReason, Message, Pid, ProcessCtx};
use tokio::io::AsyncWriteExt;

#[global_allocator]
static ALLOC: dist_fixtures::Largest = dist_fixtures::Largest;

const COOKIE: &str = "robust";

async fn node_with(name: &str, epmd: u16, opts: DistOptions) -> Node {
    reports();
    let n = Node::named(name).unwrap();
    n.start_distribution(opts.epmd_port(epmd).ip([127, 0, 0, 1].into()))
        .await
        .unwrap();
    n
}

async fn node(name: &str, epmd: u16) -> Node {
    node_with(name, epmd, DistOptions::new(COOKIE)).await
}

/// A fake peer connected to `n` as `name`.
async fn fake(n: &Node, name: &str) -> FakePeer {
    FakePeer::connect(n.dist_port().unwrap(), n.name(), name, COOKIE, FAKE_FLAGS)
        .await
        .unwrap()
}

fn atom(s: &str) -> Term {
    Term::Atom(Atom::new(s))
}

fn tuple(v: Vec<Term>) -> Term {
    Term::Tuple(v)
}

/// The node under test, as the strategies need it: its name and creation, for pids that
/// name it.
#[derive(Clone)]
struct Target {
    name: Atom,
    creation: u32,
}

impl Target {
    fn reference(&self, n: u32) -> ExternalRef {
        ExternalRef {
            node: self.name.clone(),
            creation: self.creation,
            ids: vec![n, 0, 0],
        }
    }
}

// ---- limits ------------------------------------------------------------------------------------

// OTP: distribution_SUITE bad_dist_ext_size, and inet_drv's packet size check: a length over
// the limit closes the connection before anything is buffered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_over_the_limit_closes_its_connection_without_allocating_it() {
    let epmd = free_port();
    let a = node("big@localhost", epmd).await;
    let mut witness = fake(&a, "bigwitness@localhost").await;

    dist_fixtures::largest_allocation_reset();
    let mut f = fake(&a, "big1@localhost").await;
    f.write_raw(&(MAX_FRAME as u32 + 1).to_be_bytes())
        .await
        .unwrap();
    assert!(f.closed_within(Duration::from_secs(10)).await);
    reports()
        .wait_for(&["ERROR", "frame too large", "peer=big1@localhost"])
        .await;

    // A length within the limit, and then only a few bytes: the node holds what came, not
    // what was announced.
    let mut f = fake(&a, "big2@localhost").await;
    f.write_raw(&(MAX_FRAME as u32).to_be_bytes())
        .await
        .unwrap();
    f.write_raw(&[112; 1000]).await.unwrap();
    f.stream.get_mut().shutdown().await.unwrap();
    assert!(f.closed_within(Duration::from_secs(10)).await);
    let largest = dist_fixtures::largest_allocation();
    assert!(
        largest < MAX_FRAME / 4,
        "a frame announced but not sent made the node allocate {largest} bytes"
    );
    assert!(witness.ping().await);
    assert_eq!(a.nodes(), vec!["bigwitness@localhost".to_string()]);
    a.stop().await;
}

// OTP: a monitor's DOWN is only taken from the connection the monitor was set up over
// (erts looks the monitor up in that connection's monitor table): another peer cannot end a
// call with a forged MONITOR_P_EXIT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_cannot_end_a_call_to_another_node_with_a_forged_down() {
    let epmd = free_port();
    let a = node("forge@localhost", epmd).await;
    let b = node("forgeb@localhost", epmd).await;
    let silent = b.spawn(|mut ctx: ProcessCtx<Term>| async move {
        ctx.accept_remote();
        loop {
            ctx.recv().await;
        }
    });
    b.register("silent", silent.pid()).unwrap();
    let call = a.spawn_task(async {
        dist::call::<Term>(
            "silent",
            "forgeb@localhost",
            &atom("hello"),
            Duration::from_secs(60),
        )
        .await
    });
    eventually("a is connected to b", || !a.nodes().is_empty()).await;
    // The call's monitor reference is one of a's first few: every one of them, forged.
    let mut f = fake(&a, "forger@localhost").await;
    let me = Term::Pid(f.pid(1));
    let target = Target {
        name: Atom::new(a.name()),
        creation: a.creation(),
    };
    let mut all = Vec::new();
    for n in 1..=2000 {
        let down = tuple(vec![
            Term::Int(28),
            atom("silent"),
            me.clone(),
            Term::Ref(target.reference(n)),
        ]);
        all.extend(framed(&frame_body(&down, Some(&atom("forged")))));
    }
    f.write_raw(&all).await.unwrap();
    assert!(f.ping().await);
    assert!(!call.is_finished(), "{:?}", call.await);
    // The real node going down ends it, as it should.
    b.stop().await;
    let r = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r, Err(CallError::NodeDown("forgeb@localhost".into())));
    a.stop().await;
}

// ---- ticks -------------------------------------------------------------------------------------

// OTP: erl_distribution_SUITE tick: a node that sends nothing, not even ticks, for the tick
// time is down (and dist_util reports it "not responding"); one that ticks is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_peer_is_down_after_the_tick_time_and_a_ticking_one_is_not() {
    let epmd = free_port();
    let tick = Duration::from_millis(400);
    let a = node_with(
        "tick@localhost",
        epmd,
        DistOptions::new(COOKIE).tick_time(tick),
    )
    .await;
    let mut ticking = fake(&a, "ticking@localhost").await;
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if ticking.write_raw(&[0, 0, 0, 0]).await.is_err() {
                return ticking;
            }
        }
    });
    let mut silent = fake(&a, "silent@localhost").await;
    let t = Instant::now();
    // The node ticks at a quarter of the tick time: the silent peer hears from it.
    let first = tokio::time::timeout(tick, silent.read_frame()).await;
    assert!(
        matches!(&first, Ok(Ok(b)) if b.is_empty()),
        "no tick: {first:?}"
    );
    eventually("the silent peer is down", || {
        !a.nodes().contains(&"silent@localhost".to_string())
    })
    .await;
    let after = t.elapsed();
    assert!(
        after >= tick - Duration::from_millis(50),
        "down after {after:?}, before the tick time"
    );
    assert!(silent.closed_within(Duration::from_secs(5)).await);
    reports()
        .wait_for(&[
            "ERROR",
            "node not responding: connection removed",
            "peer=silent@localhost",
        ])
        .await;
    // Three tick times on, the ticking peer is still up.
    while t.elapsed() < 3 * tick {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(a.nodes(), vec!["ticking@localhost".to_string()]);
    ticker.abort();
    a.stop().await;
}

// A large frame that arrives more slowly than the tick time, its bytes flowing all along:
// the peer is alive (OTP counts any bytes read as a sign of life, not whole frames).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_arriving_slower_than_the_tick_time_is_not_a_dead_peer() {
    let epmd = free_port();
    let tick = Duration::from_millis(400);
    let a = node_with(
        "slow@localhost",
        epmd,
        DistOptions::new(COOKIE).tick_time(tick),
    )
    .await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let sink = a.spawn(move |mut ctx: ProcessCtx<Term>| async move {
        ctx.accept_remote();
        while let Message::Msg(t) = ctx.recv().await {
            let _ = tx.send(t);
        }
        ExitReason::Normal
    });
    let to = a.scope(async { sink.pid().to_term() }).await;
    let mut f = fake(&a, "slowpoke@localhost").await;
    let payload = Term::Binary(vec![7; 1 << 20]);
    let frame = framed(&frame_body(
        &tuple(vec![Term::Int(2), atom(""), to]),
        Some(&payload),
    ));
    // Ten pieces, 150 ms apart: 1.35 s for the frame, over three tick times.
    let piece = frame.len().div_ceil(10);
    for (i, chunk) in frame.chunks(piece).enumerate() {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        f.write_raw(chunk).await.unwrap();
    }
    let got = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the message arrived");
    assert_eq!(got, Some(payload));
    assert_eq!(a.nodes(), vec!["slowpoke@localhost".to_string()]);
    a.stop().await;
}

// ---- with Erlang -----------------------------------------------------------------------------

// OTP's gen:do_call: the caller monitors the server, so a server that dies during the call
// ends it at once with the server's exit reason (the monitor's DOWN), not at the timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_to_an_erlang_server_that_dies_during_it_is_exited_with_its_reason_at_once() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = node("dies@localhost", epmd).await;
    let mut erl = Erl::start(
        "edies@localhost",
        COOKIE,
        epmd,
        "Dying = fun(Reason) -> fun() -> receive {'$gen_call', _, _} -> exit(Reason) end end end, \
         register(dies, spawn(Dying(boom))), \
         register(dies_tuple, spawn(Dying({shutdown, {bad, 42}}))), \
         io:format(\"ready~n\"), receive after infinity -> ok end.",
    );
    erl.expect("ready").await;
    let t = Instant::now();
    let e = r
        .scope(dist::call::<Term>(
            "dies",
            "edies@localhost",
            &atom("hello"),
            Duration::from_secs(30),
        ))
        .await;
    assert_eq!(e, Err(CallError::Exited(ExitReason::other("boom"))));
    let e = r
        .scope(dist::call::<Term>(
            "dies_tuple",
            "edies@localhost",
            &atom("hello"),
            Duration::from_secs(30),
        ))
        .await;
    assert_eq!(
        e,
        Err(CallError::Exited(ExitReason::shutdown_with("{bad,42}")))
    );
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    // The node is still connected: the server died, not the connection.
    assert_eq!(r.nodes(), vec!["edies@localhost".to_string()]);
    r.stop().await;
}

#[derive(otp_runtime::dist::mapping::FromTerm, Debug)]
enum Victim {
    /// `{victim, Pid}`
    Victim(Pid),
}

// OTP: an exit signal (exit/2) and a monitor's DOWN from an Erlang node carry their reasons (OTP 25 sends them as PAYLOAD_EXIT2 and
// PAYLOAD_MONITOR_P_EXIT, operations 26 and 28, since both sides have EXIT_PAYLOAD).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_signals_and_downs_from_erlang_carry_their_reasons() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = node("sig@localhost", epmd).await;
    let mut erl = Erl::start(
        "esig@localhost",
        COOKIE,
        epmd,
        "register(w, self()), io:format(\"ready~n\"), \
         receive {watch_me, P} -> \
             V = spawn(fun() -> receive die -> exit({bad, 42}) end end), \
             P ! {victim, V}, \
             receive go -> V ! die, exit(P, {go_away, 7}) end \
         end, \
         receive after infinity -> ok end.",
    );
    erl.expect("ready").await;
    let watcher = r.spawn(|mut ctx: ProcessCtx<Victim>| async move {
        ctx.accept_remote();
        ctx.trap_exit(true);
        dist::send_named("w", "esig@localhost", &(atom("watch_me"), ctx.pid())).unwrap();
        let Some(Message::Msg(Victim::Victim(v))) = ctx.recv_timeout(Duration::from_secs(10)).await
        else {
            return ExitReason::other("no victim");
        };
        let m = ctx.monitor(v);
        dist::send_named("w", "esig@localhost", &atom("go")).unwrap();
        let mut got = Vec::new();
        while got.len() < 2 {
            match ctx.recv_timeout(Duration::from_secs(10)).await {
                Some(Message::Down {
                    monitor, reason, ..
                }) if monitor == m => got.push(format!("DOWN {reason}")),
                Some(Message::Exit { reason, .. }) => got.push(format!("EXIT {reason}")),
                other => return ExitReason::other(format!("unexpected {other:?}")),
            }
        }
        got.sort();
        ExitReason::other(got.join(", "))
    });
    assert_eq!(
        watcher.wait_exit().await,
        ExitReason::other("DOWN {bad,42}, EXIT {go_away,7}")
    );
    r.stop().await;
}

// OTP: seq_trace_SUITE's distributed cases: a process with a sequential trace token sends
// SEND_TT and REG_SEND_TT (the token after the usual elements) to any node, whatever the
// connection's flags.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_and_exits_with_a_trace_token_arrive() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = node("tt@localhost", epmd).await;
    let mut erl = Erl::start(
        "ett@localhost",
        COOKIE,
        epmd,
        "register(main, self()), io:format(\"ready~n\"), \
         receive {hello, P} -> \
             seq_trace:set_token(label, 17), \
             P ! {traced, by_pid}, \
             {sink, 'tt@localhost'} ! {traced, by_name}, \
             exit(P, {traced, exit}) \
         end, \
         receive after infinity -> ok end.",
    );
    erl.expect("ready").await;
    let sink = r.spawn(|mut ctx: ProcessCtx<Term>| async move {
        ctx.accept_remote();
        ctx.trap_exit(true);
        ctx.recv().await; // registered
        dist::send_named("main", "ett@localhost", &(atom("hello"), ctx.pid())).unwrap();
        let mut got = Vec::new();
        while got.len() < 3 {
            match ctx.recv_timeout(Duration::from_secs(10)).await {
                Some(Message::Msg(t)) => got.push(t.to_string()),
                Some(Message::Exit { reason, .. }) => got.push(format!("EXIT {reason}")),
                other => got.push(format!("unexpected {other:?}")),
            }
        }
        ExitReason::other(got.join(", "))
    });
    r.register("sink", sink.pid()).unwrap();
    sink.send(atom("go")).unwrap();
    assert_eq!(
        sink.wait_exit().await,
        ExitReason::other("{traced,by_pid}, {traced,by_name}, EXIT {traced,exit}")
    );
    r.stop().await;
}
