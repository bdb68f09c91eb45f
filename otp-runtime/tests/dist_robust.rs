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

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use dist_fixtures::{
    challenge_msg, eventually, frame_body, framed, recv_msg, reports, send_msg, FakePeer,
    FAKE_FLAGS,
};
use erl_common::{free_port, have_erl, Erl};
use otp_runtime::dist::epmd::{self, NodeEntry};
use otp_runtime::dist::flags;
use otp_runtime::dist::mapping::ToTerm;
use otp_runtime::dist::term::{Atom, ExternalPid, ExternalRef, Term};
use otp_runtime::dist::{self, DistError, DistOptions, HandshakeError, MAX_FRAME};
use otp_runtime::node::Node;
use otp_runtime::prelude::{CallError, ExitReason, Message, Pid, ProcessCtx};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
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

/// How many panics the program has had (every thread, tokio's tasks included).
fn panics() -> usize {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    static HOOK: OnceLock<()> = OnceLock::new();
    HOOK.get_or_init(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            COUNT.fetch_add(1, Ordering::SeqCst);
            default(info)
        }));
    });
    COUNT.load(Ordering::SeqCst)
}

fn atom(s: &str) -> Term {
    Term::Atom(Atom::new(s))
}

fn tuple(v: Vec<Term>) -> Term {
    Term::Tuple(v)
}

// ---- arbitrary frames ------------------------------------------------------------------------

/// What a fuzzed peer writes after its handshake.
#[derive(Clone, Debug)]
enum Input {
    /// One frame with this body (length prefix added).
    Frame(Vec<u8>),
    /// These bytes as they are, then the end of the stream.
    Raw(Vec<u8>),
}

/// The node under test, as the strategies need it: its name and creation, for pids that
/// name it.
#[derive(Clone)]
struct Target {
    name: Atom,
    creation: u32,
}

impl Target {
    fn pid(&self, id: u32) -> ExternalPid {
        ExternalPid {
            node: self.name.clone(),
            id,
            serial: 0,
            creation: self.creation,
        }
    }

    fn reference(&self, n: u32) -> ExternalRef {
        ExternalRef {
            node: self.name.clone(),
            creation: self.creation,
            ids: vec![n, 0, 0],
        }
    }
}

fn other_pid(id: u32) -> ExternalPid {
    ExternalPid {
        node: Atom::new("elsewhere@localhost"),
        id,
        serial: 0,
        creation: 3,
    }
}

/// Valid frames a peer may send (SEND, REG_SEND, LINK, EXIT, MONITOR_P, ...), to mutate.
fn valid_frames(t: &Target) -> Vec<Vec<u8>> {
    let from = Term::Pid(other_pid(1));
    let to = Term::Pid(t.pid(77));
    let r = Term::Ref(t.reference(5));
    let msg = tuple(vec![
        atom("hello"),
        Term::Int(1),
        Term::Binary(b"x".to_vec()),
    ]);
    let call = tuple(vec![
        atom("$gen_call"),
        tuple(vec![from.clone(), r.clone()]),
        tuple(vec![atom("is_auth"), atom("elsewhere@localhost")]),
    ]);
    let c = |op: i64, rest: Vec<Term>| {
        let mut v = vec![Term::Int(op)];
        v.extend(rest);
        tuple(v)
    };
    vec![
        frame_body(&c(2, vec![atom(""), to.clone()]), Some(&msg)),
        frame_body(&c(22, vec![from.clone(), to.clone()]), Some(&msg)),
        frame_body(
            &c(12, vec![atom(""), to.clone(), atom("token")]),
            Some(&msg),
        ),
        frame_body(
            &c(6, vec![from.clone(), atom(""), atom("net_kernel")]),
            Some(&call),
        ),
        frame_body(
            &c(6, vec![from.clone(), atom(""), atom("nobody")]),
            Some(&msg),
        ),
        frame_body(&c(1, vec![from.clone(), to.clone()]), None),
        frame_body(&c(3, vec![from.clone(), to.clone(), atom("normal")]), None),
        frame_body(&c(8, vec![from.clone(), to.clone(), atom("kill")]), None),
        frame_body(&c(24, vec![from.clone(), to.clone()]), Some(&atom("bye"))),
        frame_body(&c(26, vec![from.clone(), to.clone()]), Some(&atom("bye"))),
        frame_body(&c(35, vec![Term::Int(9), from.clone(), to.clone()]), None),
        frame_body(&c(19, vec![from.clone(), to.clone(), r.clone()]), None),
        frame_body(
            &c(19, vec![from.clone(), atom("net_kernel"), r.clone()]),
            None,
        ),
        frame_body(&c(20, vec![from.clone(), to.clone(), r.clone()]), None),
        frame_body(
            &c(21, vec![to.clone(), from.clone(), r.clone(), atom("boom")]),
            None,
        ),
        frame_body(
            &c(28, vec![to.clone(), from.clone(), r]),
            Some(&atom("boom")),
        ),
    ]
}

/// A term of any shape, with pids and references of the node under test among them.
fn any_term(t: &Target) -> impl Strategy<Value = Term> {
    let (t1, t2) = (t.clone(), t.clone());
    let leaf = prop_oneof![
        any::<i64>().prop_map(Term::Int),
        prop::sample::select(vec!["", "net_kernel", "kill", "normal", "$gen_call", "x"])
            .prop_map(atom),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(Term::Binary),
        (0u32..200).prop_map(move |id| Term::Pid(t1.pid(id))),
        (0u32..200).prop_map(|id| Term::Pid(other_pid(id))),
        (0u32..20).prop_map(move |n| Term::Ref(t2.reference(n))),
        Just(Term::List(vec![])),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Term::Float),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Term::Tuple),
            prop::collection::vec(inner, 0..4).prop_map(Term::List),
        ]
    })
}

fn inputs(t: &Target) -> impl Strategy<Value = Input> {
    let bytes = |n| prop::collection::vec(any::<u8>(), 0..n);
    // Control tuples of every operation this node reads (and some it does not), with
    // elements of any type: most are the wrong ones.
    let ops = vec![
        1i64,
        2,
        3,
        4,
        6,
        8,
        12,
        13,
        16,
        18,
        19,
        20,
        21,
        22,
        23,
        24,
        25,
        26,
        27,
        28,
        35,
        36,
        0,
        5,
        29,
        31,
        33,
        -1,
        1 << 40,
    ];
    let wrong_types = (
        prop::sample::select(ops),
        prop::collection::vec(any_term(t), 0..5),
        prop::option::of(any_term(t)),
    )
        .prop_map(|(op, rest, payload)| {
            let mut v = vec![Term::Int(op)];
            v.extend(rest);
            Input::Frame(frame_body(&Term::Tuple(v), payload.as_ref()))
        });
    // Valid frames with a few bytes changed, or cut short, or with bytes after them.
    let mutated = (
        prop::sample::select(valid_frames(t)),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        prop::option::of(any::<prop::sample::Index>()),
        bytes(4),
    )
        .prop_map(|(mut f, changes, cut, extra)| {
            for (i, b) in changes {
                let i = i.index(f.len());
                f[i] = b;
            }
            if let Some(c) = cut {
                f.truncate(c.index(f.len() + 1));
            }
            f.extend(extra);
            Input::Frame(f)
        });
    prop_oneof![
        bytes(200).prop_map(Input::Raw),
        bytes(100).prop_map(Input::Frame),
        // Past the pass-through byte and the version byte, into the term decoder.
        bytes(100).prop_map(|b| Input::Frame([&[112, 131][..], &b].concat())),
        wrong_types,
        mutated,
        // And valid ones, which must be taken.
        prop::sample::select(valid_frames(t)).prop_map(Input::Frame),
    ]
}

/// How the fuzzed frames fared.
#[derive(Default)]
struct Tally {
    /// Taken: the connection still answered.
    kept: AtomicUsize,
    /// Closed with a report.
    closed: AtomicUsize,
}

/// One fuzzed peer: it connects, writes `input`, and then either the frame was taken (the
/// connection still answers a ping, and no bad frame was reported) or the node closed the
/// connection with a report naming the peer. Either way the node stays up for the others.
async fn fuzz_case(
    a: &Node,
    b: &Node,
    witness: &mut FakePeer,
    n: usize,
    input: Input,
    tally: &Tally,
) -> Result<(), TestCaseError> {
    let name = format!("fz{n}@localhost");
    let peer = format!("peer={name}");
    let mut f = fake(a, &name).await;
    match input {
        Input::Raw(bytes) => {
            f.write_raw(&bytes).await.unwrap();
            f.stream.get_mut().shutdown().await.unwrap();
            prop_assert!(
                f.closed_within(Duration::from_secs(10)).await,
                "the connection was not closed"
            );
        }
        Input::Frame(body) => {
            f.write_frame(&body).await.unwrap();
            if f.ping().await {
                let bad = reports().matching(&["bad frame", &peer]);
                prop_assert!(bad.is_empty(), "reported but kept: {bad:?}");
                tally.kept.fetch_add(1, Ordering::Relaxed);
            } else {
                prop_assert!(f.closed_within(Duration::from_secs(10)).await);
                let bad = reports().matching(&["ERROR", "bad frame: connection closed", &peer]);
                prop_assert!(!bad.is_empty(), "closed without a report");
                tally.closed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    drop(f);
    eventually("the fuzzed peer is settled", || !a.nodes().contains(&name)).await;
    prop_assert!(
        witness.ping().await,
        "the witness connection stopped answering"
    );
    prop_assert!(
        b.ping(a.name()).await,
        "another node's ping was not answered"
    );
    Ok(())
}

// OTP: distribution_SUITE bad_dist_structure and bad_dist_ext_receive, which write malformed
// control messages and payloads onto a connection and expect it closed with a report, the
// node alive; here the frames are arbitrary.
#[test]
fn fuzzed_frames_close_their_connection_and_nothing_else() {
    let before = panics();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let epmd = free_port();
    let (a, b, witness) = rt.block_on(async {
        let a = node("fz@localhost", epmd).await;
        let b = node("fzb@localhost", epmd).await;
        assert!(b.ping("fz@localhost").await);
        let witness = fake(&a, "fzwitness@localhost").await;
        (a, b, std::sync::Mutex::new(witness))
    });
    let target = Target {
        name: Atom::new(a.name()),
        creation: a.creation(),
    };
    let mut runner = TestRunner::new(Config {
        cases: 200,
        failure_persistence: None,
        ..Config::default()
    });
    let count = AtomicUsize::new(0);
    let tally = Tally::default();
    runner
        .run(&inputs(&target), |input| {
            let n = count.fetch_add(1, Ordering::Relaxed);
            let mut witness = witness.lock().unwrap();
            rt.block_on(fuzz_case(&a, &b, &mut witness, n, input, &tally))
        })
        .unwrap();
    assert_eq!(panics(), before, "something panicked");
    // Both outcomes were exercised, not only one.
    let (kept, closed) = (tally.kept.into_inner(), tally.closed.into_inner());
    eprintln!("fuzzed frames: {kept} taken, {closed} closed with a report");
    assert!(kept >= 10 && closed >= 50, "{kept} taken, {closed} closed");
    rt.block_on(async {
        assert_eq!(
            a.nodes(),
            vec!["fzb@localhost".to_string(), "fzwitness@localhost".into()]
        );
        a.stop().await;
        b.stop().await;
    });
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

// OTP: distribution_SUITE bulk_send_small, to a receiver that never takes the messages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_to_a_process_that_takes_no_remote_messages_leaves_the_node_up() {
    let epmd = free_port();
    let a = node("flood@localhost", epmd).await;
    let b = node("floodb@localhost", epmd).await;
    assert!(b.ping("flood@localhost").await);
    // A process that never opted in to messages from other nodes.
    let deaf = a.spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        ExitReason::Normal
    });
    let to = a.scope(async { deaf.pid().to_term() }).await;
    let mut f = fake(&a, "flooder@localhost").await;
    let send = tuple(vec![Term::Int(2), atom(""), to]);
    let one = framed(&frame_body(&send, Some(&atom("spam"))));
    let named = tuple(vec![
        Term::Int(6),
        Term::Pid(f.pid(1)),
        atom(""),
        atom("nobody_here"),
    ]);
    let two = framed(&frame_body(&named, Some(&atom("spam"))));
    let mut all = Vec::with_capacity(100_000 * one.len());
    for i in 0..100_000 {
        all.extend_from_slice(if i % 2 == 0 { &one } else { &two });
    }
    let t = Instant::now();
    f.write_raw(&all).await.unwrap();
    // The connection keeps order: once the ping is answered, every message was handled.
    assert!(f.ping().await, "the flooded connection stopped answering");
    eprintln!("100k messages handled in {:?}", t.elapsed());
    assert!(a.is_alive(deaf.pid()));
    assert!(b.ping("flood@localhost").await);
    assert_eq!(
        a.nodes(),
        vec!["floodb@localhost".to_string(), "flooder@localhost".into()]
    );
    a.stop().await;
    b.stop().await;
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
    // The real server dying ends it, with its own reason.
    b.scope(async { otp_runtime::exit(silent.pid(), ExitReason::other("real")) })
        .await;
    let r = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r, Err(CallError::Exited(ExitReason::other("real"))));
    a.stop().await;
    b.stop().await;
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

// ---- handshakes --------------------------------------------------------------------------------

// OTP: erl_distribution_wb_SUITE missing_compulsory_dflags (and the version 5 name message
// OTP 25 no longer accepts): refused at once, not left to the setup timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incoming_handshakes_of_another_version_or_without_mandatory_flags_are_refused_at_once() {
    let epmd = free_port();
    let a = node("hs@localhost", epmd).await;
    let port = a.dist_port().unwrap();
    let refused = Duration::from_secs(2); // well under the 7 s setup time

    // Version 5's name message: 'n' version:16 flags:32 name.
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut m = vec![b'n', 0, 5];
    m.extend_from_slice(&(FAKE_FLAGS as u32).to_be_bytes());
    m.extend_from_slice(b"old@localhost");
    send_msg(&mut s, &m).await.unwrap();
    let t = Instant::now();
    let r = tokio::time::timeout(refused, recv_msg(&mut s)).await;
    assert!(matches!(r, Ok(Err(_))), "not closed at once: {r:?}");
    reports()
        .wait_for(&[
            "incoming connection refused",
            "node=hs@localhost",
            "version 5",
        ])
        .await;

    // Version 6, without MAP_TAG and HANDSHAKE_23.
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let flags = FAKE_FLAGS & !(flags::MAP_TAG | flags::HANDSHAKE_23);
    send_msg(
        &mut s,
        &dist_fixtures::name_msg(flags, 9, "noflags@localhost"),
    )
    .await
    .unwrap();
    let r = tokio::time::timeout(refused, recv_msg(&mut s)).await;
    assert!(matches!(r, Ok(Err(_))), "not closed at once: {r:?}");
    assert!(t.elapsed() < 2 * refused);
    reports()
        .wait_for(&[
            "incoming connection refused",
            "noflags@localhost",
            "MAP_TAG | HANDSHAKE_23",
        ])
        .await;
    assert!(a.nodes().is_empty());
    a.stop().await;
}

/// A fake node registered with the EPMD at `epmd` as `name`, accepting one connection:
/// it reads the name message, says `ok`, and answers with the challenge `challenge`.
async fn fake_acceptor(
    epmd: u16,
    name: &str,
    challenge: Vec<u8>,
) -> (epmd::Registration, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let reg = epmd::register(([127, 0, 0, 1], epmd).into(), &NodeEntry::new(name, port))
        .await
        .unwrap();
    let task = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let _name = recv_msg(&mut s).await.unwrap();
        send_msg(&mut s, b"sok").await.unwrap();
        send_msg(&mut s, &challenge).await.unwrap();
        // Hold the connection open: the node must give up by itself, at once.
        let _ = recv_msg(&mut s).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    (reg, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outgoing_handshakes_with_a_peer_of_another_version_or_flags_fail_typed_at_once() {
    let epmd = free_port();
    let a = node("hso@localhost", epmd).await;

    let flags = FAKE_FLAGS & !flags::BIG_CREATION;
    let ch = challenge_msg(flags, 1234, 5, "oldflags@localhost");
    let (_reg, peer) = fake_acceptor(epmd, "oldflags", ch).await;
    let t = Instant::now();
    let e = a.connect_node("oldflags@localhost").await.unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    match &*e {
        DistError::Handshake(HandshakeError::MissingFlags { peer, missing }) => {
            assert_eq!(peer, "oldflags@localhost");
            assert_eq!(missing.to_string(), "BIG_CREATION");
        }
        other => panic!("{other}"),
    }
    peer.abort();

    // Version 5's challenge: 'n' version:16 flags:32 challenge:32 name.
    let mut ch = vec![b'n', 0, 5];
    ch.extend_from_slice(&(FAKE_FLAGS as u32).to_be_bytes());
    ch.extend_from_slice(&1234u32.to_be_bytes());
    ch.extend_from_slice(b"v5@localhost");
    let (_reg, peer) = fake_acceptor(epmd, "v5", ch).await;
    let t = Instant::now();
    let e = a.connect_node("v5@localhost").await.unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(
        matches!(&*e, DistError::Handshake(HandshakeError::Protocol(_))),
        "{e}"
    );
    peer.abort();
    assert!(a.nodes().is_empty());
    a.stop().await;
}

// ---- with Erlang -----------------------------------------------------------------------------

// OTP: distribution_SUITE bulk_send_big / message_latency_large_message: big binaries cross
// the connection intact both ways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_megabyte_binaries_cross_to_erlang_and_back_intact() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = node("bin@localhost", epmd).await;
    // On the Erlang side: an echo server, and a client that sends 10 MB of its own to a
    // Rust echo process and checks what comes back.
    let mut erl = Erl::start(
        "ebin@localhost",
        COOKIE,
        epmd,
        "register(echo, spawn(fun Echo() -> receive {From, Bin} -> From ! {self(), Bin}, \
             Echo() end end)), \
         register(main, self()), io:format(\"ready~n\"), \
         receive {go, RustEcho} -> ok end, \
         Mine = rand:bytes(10 * 1024 * 1024), \
         RustEcho ! {self(), Mine}, \
         receive {_, Back} -> io:format(\"same ~p md5 ~s~n\", \
             [Back =:= Mine, binary:encode_hex(erlang:md5(Mine))]) \
         after 60000 -> io:format(\"no echo~n\") end, \
         halt().",
    );
    erl.expect("ready").await;

    // Rust to Erlang and back.
    let mine: Vec<u8> = (0..10u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let client = {
        let mine = mine.clone();
        r.spawn(move |mut ctx: ProcessCtx<(Pid, Term)>| async move {
            ctx.accept_remote();
            let me = ctx.pid();
            let msg = (me, Term::Binary(mine.clone()));
            dist::send_named("echo", "ebin@localhost", &msg).unwrap();
            match ctx.recv_timeout(Duration::from_secs(60)).await {
                Some(Message::Msg((_, Term::Binary(b)))) if b == mine => ExitReason::Normal,
                Some(Message::Msg((_, Term::Binary(b)))) => {
                    ExitReason::other(format!("{} bytes back, not the same", b.len()))
                }
                other => ExitReason::other(format!("{other:?}")),
            }
        })
    };
    assert_eq!(client.wait_exit().await, ExitReason::Normal);

    // Erlang to Rust and back.
    let (md5_tx, md5_rx) = tokio::sync::oneshot::channel();
    let echo = r.spawn(|mut ctx: ProcessCtx<(Pid, Term)>| async move {
        ctx.accept_remote();
        let me = ctx.pid();
        if let Message::Msg((from, Term::Binary(b))) = ctx.recv().await {
            let _ = md5_tx.send(format!("{:X}", md5::compute(&b)));
            dist::send(from, &(me, Term::Binary(b))).unwrap();
        }
        ExitReason::Normal
    });
    r.scope(async { dist::send_named("main", "ebin@localhost", &(atom("go"), echo.pid())) })
        .await
        .unwrap();
    let line = erl.expect("same ").await;
    let rust_md5 = md5_rx.await.unwrap();
    assert_eq!(line, format!("same true md5 {rust_md5}"));
    erl.exited().await;
    r.stop().await;
}

/// The pid of the process registered as `whoami` on `node`: it answers `{whoami, From}`
/// with its pid.
async fn erlang_pid(r: &Node, node: &'static str) -> Pid {
    let (tx, rx) = tokio::sync::oneshot::channel();
    r.spawn(move |mut ctx: ProcessCtx<Pid>| async move {
        ctx.accept_remote();
        dist::send_named("whoami", node, &(atom("whoami"), ctx.pid())).unwrap();
        if let Some(Message::Msg(p)) = ctx.recv_timeout(Duration::from_secs(10)).await {
            let _ = tx.send(p);
        }
        ExitReason::Normal
    });
    rx.await.expect("the Erlang process answered with its pid")
}

const WHOAMI: &str = "register(whoami, spawn(fun W() -> receive {whoami, From} -> \
                          From ! self(), W() end end)), io:format(\"ready~n\"), \
                      receive after infinity -> ok end.";

// OTP: distribution_SUITE link_to_dead_new_node: a node restarted under the same name is a
// new incarnation (a new creation); a pid of the old one names nothing, and a link to it
// gets EXIT noproc.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erlang_node_restarted_is_reached_again_and_its_old_pids_are_not_its_new_ones() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = node("rst@localhost", epmd).await;
    let mut erl = Erl::start("erst@localhost", COOKIE, epmd, WHOAMI);
    erl.expect("ready").await;
    assert!(r.ping("erst@localhost").await);
    let old = erlang_pid(&r, "erst@localhost").await;
    erl.kill();
    eventually("the killed node is down", || r.nodes().is_empty()).await;
    // Its EPMD registration goes with it: the same name registers again.
    let epmd_addr = ([127, 0, 0, 1], epmd).into();
    for _ in 0..500 {
        let names = epmd::names(epmd_addr).await.unwrap();
        if !names.iter().any(|(n, _)| n == "erst") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut erl = Erl::start("erst@localhost", COOKIE, epmd, WHOAMI);
    erl.expect("ready").await;
    assert!(r.ping("erst@localhost").await);
    let new = erlang_pid(&r, "erst@localhost").await;
    assert_ne!(old, new);
    let (old_t, new_t) = r.scope(async { (old.to_term(), new.to_term()) }).await;
    let (Term::Pid(o), Term::Pid(n)) = (&old_t, &new_t) else {
        panic!("{old_t} {new_t}")
    };
    assert_eq!(o.node, n.node);
    assert_ne!(
        o.creation, n.creation,
        "a restarted node has a new creation"
    );
    // A link to the old incarnation's pid: the new one answers EXIT noproc.
    let linker = r.spawn(move |mut ctx: ProcessCtx<()>| async move {
        ctx.trap_exit(true);
        ctx.link(old);
        match ctx.recv_timeout(Duration::from_secs(10)).await {
            Some(Message::Exit { from, reason }) if from == old => reason,
            other => ExitReason::other(format!("unexpected {other:?}")),
        }
    });
    assert_eq!(linker.wait_exit().await, ExitReason::NoProc);
    r.stop().await;
}

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

// OTP: dist_util's bad cookie: net_adm:ping gives pang, and the node refusing says why
// ("Connection attempt from node ~w rejected. Invalid challenge reply.").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erlang_node_with_another_cookie_gets_pang_and_is_reported() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = node("cookie@localhost", epmd).await;
    let mut erl = Erl::start(
        "ecookie@localhost",
        "not-the-cookie",
        epmd,
        "io:format(\"ping ~p~n\", [net_adm:ping('cookie@localhost')]), halt().",
    );
    erl.expect("ping pang").await;
    reports()
        .wait_for(&[
            "incoming connection refused",
            "node=cookie@localhost",
            "handshake with ecookie@localhost failed: bad cookie",
        ])
        .await;
    erl.exited().await;
    assert!(r.nodes().is_empty());
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
