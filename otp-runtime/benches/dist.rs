//! Distribution benchmarks: call round trips and one-way message throughput between nodes on
//! this machine over loopback TCP, Rust nodes beside real Erlang nodes, reported as ratios to
//! Erlang↔Erlang (the same work between two `erl` nodes).
//!
//! - call round trip: sequential calls, each a `$gen_call` answered `{Tag, Reply}`; Rust
//!   calls with `dist::call` (a MONITOR_P, the REG_SEND, the reply, a DEMONITOR_P, as
//!   `gen_server:call` does), Erlang with `gen_server:call`. The servers are a Rust process
//!   that answers `$gen_call` messages, and an Erlang process that answers them with
//!   `gen:reply/2`. Erlang times its calls itself (`erlang:monotonic_time`).
//! - one-way throughput: `{msg, I}` sent by name to a counting process, until it says it has
//!   them all.
//!
//! The two Rust nodes share one tokio runtime (one OS process); each `erl` is its own OS
//! process with its own schedulers. The first Rust node serves EPMD in-process on a private
//! port; every `erl` registers there and is killed when the run ends. Without `erl` on the
//! PATH the Erlang rows are skipped, saying so.
//!
//! Run: `cargo bench -p otp-runtime --bench dist` (add `-- quick` for a smaller run, as CI
//! does, and `rust` for the Rust → Rust rows alone, e.g. under `strace -c -f` or `perf`).

mod common;
#[path = "../tests/erl_common/mod.rs"]
mod erl_common;

use std::time::{Duration, Instant};

use common::median;
use erl_common::{free_port, have_erl, Erl};
use otp_runtime::dist::mapping::FromTerm;
use otp_runtime::dist::term::{Atom, Term};
use otp_runtime::dist::{self, DistOptions};
use otp_runtime::node::Node;
use otp_runtime::prelude::*;

const COOKIE: &str = "bench";

fn atom(s: &str) -> Term {
    Term::Atom(Atom::new(s))
}

/// What the Rust echo server takes: `{'$gen_call', {From, Tag}, Request}`.
#[derive(FromTerm, Debug)]
enum GenCall {
    #[term(rename = "$gen_call")]
    GenCall((Pid, Term), Term),
}

/// A process registered as `echo` on `node` answering every `$gen_call` with its request.
fn echo_server(node: &Node) {
    let echo = node.spawn(|mut ctx: ProcessCtx<GenCall>| async move {
        ctx.accept_remote();
        while let Message::Msg(GenCall::GenCall((from, tag), request)) = ctx.recv().await {
            let _ = dist::send(from, &(tag, request));
        }
        ExitReason::Normal
    });
    node.register("echo", echo.pid()).unwrap();
}

/// A process registered as `sink` on `node`: told `{expect, N, From}`, it takes `N`
/// messages and then sends `done` to `From`.
fn sink(node: &Node) {
    let sink = node.spawn(|mut ctx: ProcessCtx<Term>| async move {
        ctx.accept_remote();
        loop {
            let Message::Msg(Term::Tuple(t)) = ctx.recv().await else {
                return ExitReason::Normal;
            };
            let (Some(Term::Int(n)), Some(Term::Pid(_))) = (t.get(1), t.get(2)) else {
                continue;
            };
            let from = Pid::from_term(t[2].clone()).unwrap();
            for _ in 0..*n {
                ctx.recv().await;
            }
            let _ = dist::send(from, &atom("done"));
        }
    });
    node.register("sink", sink.pid()).unwrap();
}

/// Nanoseconds per call: `n` sequential calls from `from` to `echo` on `to`.
async fn calls(from: &Node, to: &str, n: usize) -> f64 {
    let to = to.to_string();
    from.scope(async move {
        let t = Instant::now();
        for i in 0..n {
            let r: Term = dist::call("echo", &to, &Term::Int(i as i64), Duration::from_secs(10))
                .await
                .unwrap();
            assert_eq!(r, Term::Int(i as i64));
        }
        t.elapsed().as_nanos() as f64 / n as f64
    })
    .await
}

/// Messages per second: `n` messages `{msg, I}` from a process of `from` to `sink` on `to`,
/// until it has them all.
async fn one_way(from: &Node, to: &'static str, n: usize) -> f64 {
    let (tx, rx) = tokio::sync::oneshot::channel();
    from.spawn(move |mut ctx: ProcessCtx<Term>| async move {
        ctx.accept_remote();
        let me = ctx.pid();
        let t = Instant::now();
        dist::send_named("sink", to, &(atom("expect"), n as i64, me)).unwrap();
        for i in 0..n {
            dist::send_named("sink", to, &(atom("msg"), i as i64)).unwrap();
        }
        match ctx.recv_timeout(Duration::from_secs(120)).await {
            Some(Message::Msg(t)) if t == atom("done") => {}
            other => panic!("no done: {other:?}"),
        }
        let _ = tx.send(n as f64 / t.elapsed().as_secs_f64());
        ExitReason::Normal
    });
    rx.await.unwrap()
}

/// The Erlang side: `es` serves (an echo answering with gen:reply, a sink); `ec` runs the
/// Erlang timings against `es` and against the Rust node `rust` and prints them.
const SERVER: &str = "register(echo, spawn(fun E() -> receive {'$gen_call', From, Req} -> \
        gen:reply(From, Req), E() end end)), \
    register(sink, spawn(fun S() -> receive {expect, N, From} -> \
        (fun C(0) -> From ! done; C(K) -> receive {msg, _} -> C(K - 1) end end)(N), S() end end)), \
    io:format(\"ready~n\"), receive after infinity -> ok end.";

fn client_script(rust: &str, calls: usize, msgs: usize, rounds: usize) -> String {
    format!(
        "pong = net_adm:ping('es@localhost'), pong = net_adm:ping('{rust}'), \
         Calls = fun(Dest, N) -> \
             L = fun L(0) -> ok; L(I) -> I = gen_server:call(Dest, I), L(I - 1) end, \
             L(1000), \
             T0 = erlang:monotonic_time(nanosecond), L(N), \
             (erlang:monotonic_time(nanosecond) - T0) / N end, \
         OneWay = fun(Dest, N) -> \
             F = fun F(0) -> ok; F(I) -> Dest ! {{msg, I}}, F(I - 1) end, \
             T0 = erlang:monotonic_time(nanosecond), \
             Dest ! {{expect, N, self()}}, F(N), receive done -> ok end, \
             N / ((erlang:monotonic_time(nanosecond) - T0) / 1.0e9) end, \
         Report = fun(What, Fun) -> \
             [io:format(\"result ~s ~w~n\", [What, Fun()]) || _ <- lists:seq(1, {rounds})] end, \
         Report(\"call_ee\", fun() -> Calls({{echo, 'es@localhost'}}, {calls}) end), \
         Report(\"call_er\", fun() -> Calls({{echo, '{rust}'}}, {calls}) end), \
         Report(\"oneway_ee\", fun() -> OneWay({{sink, 'es@localhost'}}, {msgs}) end), \
         Report(\"oneway_er\", fun() -> OneWay({{sink, '{rust}'}}, {msgs}) end), \
         io:format(\"finished~n\"), halt()."
    )
}

/// The values of the `result What V` lines `erl` printed, for `what`.
fn results(erl: &Erl, what: &str) -> Vec<f64> {
    let prefix = format!("result {what} ");
    erl.seen
        .iter()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim().parse::<f64>().unwrap())
        .collect()
}

struct Row {
    name: &'static str,
    unit: &'static str,
    value: f64,
    /// The Erlang↔Erlang figure of the same workload, if measured.
    erlang: Option<f64>,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let quick = args.iter().any(|a| a == "quick");
    // `rust`: the Rust → Rust rows only (for profilers: no erl processes).
    let rust_only = args.iter().any(|a| a == "rust");
    let (n_calls, n_msgs, rounds) = if quick {
        (2_000, 50_000, 3)
    } else {
        (20_000, 500_000, 5)
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let rows = rt.block_on(async move {
        let epmd = free_port();
        let start = |name: &'static str| async move {
            let n = Node::named(name).unwrap();
            n.start_distribution(
                DistOptions::new(COOKIE)
                    .epmd_port(epmd)
                    .ip([127, 0, 0, 1].into()),
            )
            .await
            .unwrap();
            n
        };
        let a = start("ra@localhost").await;
        let b = start("rb@localhost").await;
        echo_server(&b);
        sink(&b);
        assert!(a.ping("rb@localhost").await);
        // Warm-up, then the rounds.
        calls(&a, "rb@localhost", 1000).await;
        let mut rr_call = Vec::new();
        let mut rr_one = Vec::new();
        for _ in 0..rounds {
            rr_call.push(calls(&a, "rb@localhost", n_calls).await);
            rr_one.push(one_way(&a, "rb@localhost", n_msgs).await);
        }
        let rr_call = median(rr_call);
        let rr_one = median(rr_one);

        let mut rows = Vec::new();
        if rust_only || !have_erl() {
            if !rust_only {
                println!("Erlang rows skipped: erl not found");
            }
            rows.push(Row {
                name: "call round trip, Rust → Rust",
                unit: "µs/call",
                value: rr_call / 1e3,
                erlang: None,
            });
            rows.push(Row {
                name: "one-way messages, Rust → Rust",
                unit: "msg/s",
                value: rr_one,
                erlang: None,
            });
            return rows;
        }
        let mut es = Erl::start("es@localhost", COOKIE, epmd, SERVER);
        es.expect("ready").await;
        let mut ec = Erl::start(
            "ec@localhost",
            COOKIE,
            epmd,
            &client_script("rb@localhost", n_calls, n_msgs, rounds),
        );
        ec.expect_within("finished", Duration::from_secs(600)).await;
        ec.exited().await;
        let ee_call = median(results(&ec, "call_ee"));
        let er_call = median(results(&ec, "call_er"));
        let ee_one = median(results(&ec, "oneway_ee"));
        let er_one = median(results(&ec, "oneway_er"));
        calls(&a, "es@localhost", 1000).await;
        let mut re_call = Vec::new();
        let mut re_one = Vec::new();
        for _ in 0..rounds {
            re_call.push(calls(&a, "es@localhost", n_calls).await);
            re_one.push(one_way(&a, "es@localhost", n_msgs).await);
        }
        let (re_call, re_one) = (median(re_call), median(re_one));
        drop(es);
        let us = |ns: f64| ns / 1e3;
        for (name, v) in [
            ("call round trip, Erlang → Erlang", ee_call),
            ("call round trip, Rust → Rust", rr_call),
            ("call round trip, Erlang → Rust", er_call),
            ("call round trip, Rust → Erlang", re_call),
        ] {
            rows.push(Row {
                name,
                unit: "µs/call",
                value: us(v),
                erlang: Some(us(ee_call)),
            });
        }
        for (name, v) in [
            ("one-way messages, Erlang → Erlang", ee_one),
            ("one-way messages, Rust → Rust", rr_one),
            ("one-way messages, Erlang → Rust", er_one),
            ("one-way messages, Rust → Erlang", re_one),
        ] {
            rows.push(Row {
                name,
                unit: "msg/s",
                value: v,
                erlang: Some(ee_one),
            });
        }
        rows
    });
    println!(
        "{} calls and {} messages a round, median of {rounds} rounds; {} cores",
        n_calls,
        n_msgs,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| workload | unit | value | vs Erlang ↔ Erlang |");
    println!("|---|---|---|---|");
    for r in rows {
        let ratio = match r.erlang {
            // Time: how many times Erlang's; throughput: what fraction of Erlang's.
            Some(e) => format!("{:.2}×", r.value / e),
            None => "-".into(),
        };
        let value = if r.unit == "msg/s" {
            format!("{:.0}", r.value)
        } else {
            format!("{:.1}", r.value)
        };
        println!("| {} | {} | {value} | {ratio} |", r.name, r.unit);
    }
    println!(
        "(µs/call: lower is better, the ratio is the time over Erlang's; msg/s: higher is \
         better, the ratio is the rate over Erlang's)"
    );
}
