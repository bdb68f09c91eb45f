//! A Rust node and real Erlang nodes (`erl`, OTP 25 or newer) in one cluster.
//!
//! Each test starts its Rust node first, serving EPMD in-process on a private port, and
//! points `erl` at it (`ERL_EPMD_PORT`, `-start_epmd false`): no system EPMD is used or
//! left behind, and parallel tests never meet. Every `erl` is killed when its test ends.
//! Without `erl` on the PATH the tests skip, saying so in one line; CI installs Erlang and
//! requires them (`OTP_RS_REQUIRE_ERL=1`).
//!
//! Cases: erl_distribution_SUITE's ping both ways and a bad cookie; the getting-started
//! tutorial's ping-pong across nodes (tut17) both ways; a call to an Erlang gen_server;
//! `gen_server:call` from Erlang to a Rust process; a link and a monitor across, and
//! `noconnection` when the Erlang node is killed.

mod erl_common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use erl_common::{free_port, have_erl, Erl};

use otp_runtime::dist::mapping::{FromTerm, OrNil, ToTerm};
use otp_runtime::dist::term::{Atom, Term};
use otp_runtime::dist::{self, DistError, DistOptions, HandshakeError};
use otp_runtime::node::Node;
use otp_runtime::prelude::*;

async fn rust_node(name: &str, epmd: u16, cookie: &str) -> Node {
    let n = Node::named(name).unwrap();
    n.start_distribution(DistOptions::new(cookie).epmd_port(epmd))
        .await
        .unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_both_ways_and_call_an_erlang_gen_server() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = rust_node("r1@localhost", epmd, "cookie").await;
    let mut erl = Erl::start(
        "e1@localhost",
        "cookie",
        epmd,
        "io:format(\"ping ~p~n\", [net_adm:ping('r1@localhost')]), \
         register(waiter, self()), io:format(\"ready~n\"), \
         receive stop -> io:format(\"stopping~n\") after 30000 -> ok end, halt().",
    );
    // erl_distribution_SUITE: ping, from Erlang to us.
    erl.expect("ping pong").await;
    erl.expect("ready").await;
    // And from us to Erlang.
    assert!(r.ping("e1@localhost").await);
    assert_eq!(r.nodes(), vec!["e1@localhost".to_string()]);
    // application_controller is a gen_server: which_applications lists kernel.
    let apps = r
        .scope(dist::call::<Term>(
            "application_controller",
            "e1@localhost",
            &Atom::new("which_applications"),
            Duration::from_secs(10),
        ))
        .await
        .unwrap();
    assert!(apps.to_string().contains("{kernel,"), "{apps}");
    r.scope(async { dist::send_named("waiter", "e1@localhost", &Atom::new("stop")) })
        .await
        .unwrap();
    erl.expect("stopping").await;
    erl.exited().await;
    r.stop().await;
}

#[derive(ToTerm, FromTerm, Debug)]
enum PongMsg {
    /// `{ping, Ping_PID}`
    Ping(Pid),
    Finished,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tut17_erlang_ping_rust_pong() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = rust_node("r2@localhost", epmd, "cookie").await;
    let pong = r.spawn(|mut ctx: ProcessCtx<PongMsg>| async move {
        ctx.accept_remote();
        let mut pings = 0;
        loop {
            match ctx.recv().await {
                Message::Msg(PongMsg::Ping(from)) => {
                    pings += 1;
                    dist::send(from, &Atom::new("pong")).unwrap();
                }
                Message::Msg(PongMsg::Finished) => return ExitReason::other(pings),
                _ => return ExitReason::other("unexpected"),
            }
        }
    });
    pong.accept_remote();
    r.register("pong", pong.pid()).unwrap();
    let mut erl = Erl::start(
        "e2@localhost",
        "cookie",
        epmd,
        "Ping = fun Ping(0, Node) -> {pong, Node} ! finished, io:format(\"ping finished~n\"); \
                    Ping(N, Node) -> {pong, Node} ! {ping, self()}, \
                        receive pong -> io:format(\"Ping received pong~n\") end, \
                        Ping(N - 1, Node) end, \
         Ping(3, 'r2@localhost'), halt().",
    );
    erl.exited().await;
    assert_eq!(erl.count("Ping received pong"), 3, "{:#?}", erl.seen);
    assert_eq!(erl.count("ping finished"), 1);
    assert_eq!(pong.wait_exit().await, ExitReason::other(3));
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tut17_rust_ping_erlang_pong() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = rust_node("r3@localhost", epmd, "cookie").await;
    let mut erl = Erl::start(
        "e3@localhost",
        "cookie",
        epmd,
        "register(pong, self()), io:format(\"ready~n\"), \
         Pong = fun Pong() -> receive finished -> io:format(\"Pong finished~n\"); \
                    {ping, P} -> io:format(\"Pong received ping~n\"), P ! pong, Pong() end end, \
         Pong(), halt().",
    );
    erl.expect("ready").await;
    let ping = r.spawn(|mut ctx: ProcessCtx<Atom>| async move {
        ctx.accept_remote();
        for _ in 0..3 {
            let msg = (Atom::new("ping"), ctx.pid());
            dist::send_named("pong", "e3@localhost", &msg).unwrap();
            match ctx.recv_timeout(Duration::from_secs(10)).await {
                Some(Message::Msg(a)) if a.as_str() == "pong" => {}
                other => return ExitReason::other(format!("{other:?}")),
            }
        }
        dist::send_named("pong", "e3@localhost", &Atom::new("finished")).unwrap();
        ExitReason::Normal
    });
    assert_eq!(ping.wait_exit().await, ExitReason::Normal);
    erl.exited().await;
    assert_eq!(erl.count("Pong received ping"), 3, "{:#?}", erl.seen);
    assert_eq!(erl.count("Pong finished"), 1);
    r.stop().await;
}

/// What `gen_server:call/2` sends: `{'$gen_call', {From, Tag}, Request}`.
#[derive(FromTerm, Debug)]
enum KvCall {
    #[term(rename = "$gen_call")]
    GenCall((Pid, Term), KvRequest),
}

#[derive(FromTerm, Debug)]
enum KvRequest {
    /// `{lookup, Key}`
    Lookup(String),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gen_server_call_from_erlang_to_a_rust_process() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = rust_node("r4@localhost", epmd, "cookie").await;
    let kv = r.spawn(|mut ctx: ProcessCtx<KvCall>| async move {
        ctx.accept_remote();
        while let Message::Msg(KvCall::GenCall((from, tag), KvRequest::Lookup(k))) =
            ctx.recv().await
        {
            // The tag is echoed exactly as it came (OTP 24+ sends [alias | Ref]).
            let reply = (tag, (Atom::new("ok"), format!("value of {k}")));
            dist::send(from, &reply).unwrap();
        }
        ExitReason::Normal
    });
    kv.accept_remote();
    r.register("kv", kv.pid()).unwrap();
    let mut erl = Erl::start(
        "e4@localhost",
        "cookie",
        epmd,
        "io:format(\"reply ~p~n\", [gen_server:call({kv, 'r4@localhost'}, {lookup, <<\"k\">>})]), \
         io:format(\"noproc ~p~n\", [catch gen_server:call({nobody, 'r4@localhost'}, x)]), \
         halt().",
    );
    erl.exited().await;
    assert_eq!(
        erl.count("reply {ok,<<\"value of k\">>}"),
        1,
        "{:#?}",
        erl.seen
    );
    assert_eq!(erl.count("noproc {'EXIT',{noproc,"), 1, "{:#?}", erl.seen);
    r.stop().await;
}

#[derive(ToTerm, FromTerm, Debug)]
enum Linked {
    /// `{linked, ErlangPid}`
    Linked(Pid),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_and_monitors_get_noconnection_when_the_erlang_node_is_killed() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = rust_node("r5@localhost", epmd, "cookie").await;
    let mut erl = Erl::start(
        "e5@localhost",
        "cookie",
        epmd,
        "register(w, self()), io:format(\"ready~n\"), \
         receive {link_me, P} -> link(P), P ! {linked, self()} end, \
         receive after infinity -> ok end.",
    );
    erl.expect("ready").await;
    let (ready_tx, ready) = tokio::sync::oneshot::channel();
    let watcher = r.spawn(move |mut ctx: ProcessCtx<Linked>| async move {
        ctx.accept_remote();
        ctx.trap_exit(true);
        let me = ctx.pid();
        dist::send_named("w", "e5@localhost", &(Atom::new("link_me"), me)).unwrap();
        let erl_pid = match ctx.recv_timeout(Duration::from_secs(10)).await {
            Some(Message::Msg(Linked::Linked(p))) => p,
            other => return ExitReason::other(format!("{other:?}")),
        };
        let m = ctx.monitor(erl_pid);
        ready_tx.send(()).unwrap();
        let mut got = Vec::new();
        while got.len() < 2 {
            match ctx.recv_timeout(Duration::from_secs(20)).await {
                Some(Message::Exit { from, reason }) if from == erl_pid => {
                    got.push(format!("EXIT {reason:?}"))
                }
                Some(Message::Down {
                    monitor, reason, ..
                }) if monitor == m => got.push(format!("DOWN {reason:?}")),
                other => return ExitReason::other(format!("unexpected {other:?}")),
            }
        }
        got.sort();
        ExitReason::other(got.join(", "))
    });
    ready.await.unwrap();
    // Give the MONITOR_P a moment to be written before the peer dies; either way the
    // answer is noconnection (a monitor the peer never saw is settled by the node down).
    tokio::time::sleep(Duration::from_millis(100)).await;
    erl.child.kill().unwrap();
    assert_eq!(
        watcher.wait_exit().await,
        ExitReason::other("DOWN NoConnection, EXIT NoConnection")
    );
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_cookie_fails_both_ways() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = rust_node("r6@localhost", epmd, "right").await;
    let mut erl = Erl::start(
        "e6@localhost",
        "wrong",
        epmd,
        "io:format(\"ping ~p~n\", [net_adm:ping('r6@localhost')]), \
         io:format(\"ready~n\"), receive after 30000 -> ok end, halt().",
    );
    erl.expect("ping pang").await;
    erl.expect("ready").await;
    let e = r.connect_node("e6@localhost").await.unwrap_err();
    assert!(
        matches!(&*e, DistError::Handshake(HandshakeError::BadCookie { .. })),
        "{e}"
    );
    r.stop().await;
}

/// A `#[gen_server(remote)]` as Erlang code calls it.
#[derive(Default)]
pub struct Store {
    map: std::collections::HashMap<String, i64>,
}

#[gen_server(remote)]
impl Store {
    #[call]
    pub fn lookup(&self, key: String) -> Result<i64, Atom> {
        self.map.get(&key).copied().ok_or(Atom::new("not_found"))
    }

    #[cast]
    pub fn store(&mut self, key: String, value: i64) {
        self.map.insert(key, value);
    }

    #[call]
    pub fn size(&self) -> usize {
        self.map.len()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gen_server_call_and_cast_from_erlang_to_a_rust_gen_server() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = rust_node("r7@localhost", epmd, "cookie").await;
    r.scope(Store::default().start_named("store"))
        .await
        .unwrap();
    let mut erl = Erl::start(
        "e7@localhost",
        "cookie",
        epmd,
        "S = {store, 'r7@localhost'}, \
         io:format(\"miss ~p~n\", [gen_server:call(S, {lookup, <<\"k\">>})]), \
         ok = gen_server:cast(S, {store, <<\"k\">>, 42}), \
         io:format(\"hit ~p~n\", [gen_server:call(S, {lookup, <<\"k\">>})]), \
         io:format(\"size ~p~n\", [gen_server:call(S, size)]), \
         io:format(\"bad ~p~n\", [gen_server:call(S, {lookup, not_a_binary})]), \
         io:format(\"size ~p~n\", [gen_server:call(S, size)]), \
         halt().",
    );
    erl.exited().await;
    assert_eq!(erl.count("miss {error,not_found}"), 1, "{:#?}", erl.seen);
    assert_eq!(erl.count("hit {ok,42}"), 1, "{:#?}", erl.seen);
    assert_eq!(erl.count("size 1"), 2, "{:#?}", erl.seen);
    assert_eq!(erl.count("bad {error,{bad_request,"), 1, "{:#?}", erl.seen);
    r.stop().await;
}

/// A remote server with a text form for `sys`.
#[derive(Default, Debug)]
pub struct Tally {
    count: u64,
}

#[gen_server(remote)]
impl Tally {
    #[call]
    pub fn bump(&mut self) -> u64 {
        self.count += 1;
        self.count
    }
}

/// `sys` from an Erlang shell on a Rust server (sys_SUITE's get_state, get_status,
/// suspend/resume and statistics, from another node): the answers come by the side path, so
/// a suspended server answers `get_status` while its calls wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sys_from_erlang_on_a_rust_gen_server() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = rust_node("r11@localhost", epmd, "cookie").await;
    r.scope(Tally::default().start_named("tally"))
        .await
        .unwrap();
    let mut erl = Erl::start(
        "e11@localhost",
        "cookie",
        epmd,
        "S = {tally, 'r11@localhost'}, \
         1 = gen_server:call(S, bump), \
         io:format(\"state ~p~n\", [sys:get_state(S)]), \
         ok = sys:statistics(S, true), \
         2 = gen_server:call(S, bump), \
         {ok, Stats} = sys:statistics(S, get), \
         io:format(\"in ~p out ~p~n\", [proplists:get_value(messages_in, Stats), \
                                      proplists:get_value(messages_out, Stats)]), \
         ok = sys:suspend(S), \
         {status, _, {module, gen_server}, [_, Suspended, _, _, Misc]} = sys:get_status(S), \
         io:format(\"status ~p~n\", [Suspended]), \
         io:format(\"misc ~p~n\", [[D || {data, D} <- Misc]]), \
         io:format(\"timeout ~p~n\", [catch gen_server:call(S, bump, 200)]), \
         ok = sys:resume(S), \
         io:format(\"after ~p~n\", [gen_server:call(S, bump)]), \
         {'EXIT', {{Unknown, _}, _}} = (catch sys:replace_state(S, fun(X) -> X end)), \
         io:format(\"unknown ~p~n\", [Unknown]), \
         halt().",
    );
    erl.exited().await;
    let seen = &erl.seen;
    assert_eq!(
        erl.count("state <<\"Tally { count: 1 }\">>"),
        1,
        "{seen:#?}"
    );
    assert_eq!(erl.count("in 1 out 1"), 1, "{seen:#?}");
    assert_eq!(erl.count("status suspended"), 1, "{seen:#?}");
    assert_eq!(
        erl.count("\"State\",<<\"Tally { count: 2 }\">>"),
        1,
        "{seen:#?}"
    );
    assert_eq!(erl.count("timeout {'EXIT',{timeout,"), 1, "{seen:#?}");
    // The call that timed out while the server was suspended is served once it resumes,
    // before the next one.
    assert_eq!(erl.count("after 4"), 1, "{seen:#?}");
    // An Erlang fun cannot run here: answered as OTP answers a request it does not know.
    assert_eq!(erl.count("unknown unknown_system_msg"), 1, "{seen:#?}");
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpc_and_erpc_both_ways() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = rust_node("r8@localhost", epmd, "cookie").await;
    r.register_function("calc", "add", |args: Vec<Term>| async move {
        match args.as_slice() {
            [Term::Int(a), Term::Int(b)] => Ok(Term::Int(a + b)),
            _ => Err(Term::Atom(Atom::new("badarg"))),
        }
    });
    let mut erl = Erl::start(
        "e8@localhost",
        "cookie",
        epmd,
        "N = 'r8@localhost', \
         io:format(\"erpc ~p~n\", [erpc:call(N, calc, add, [1, 2])]), \
         io:format(\"rpc ~p~n\", [rpc:call(N, calc, add, [40, 2])]), \
         io:format(\"badarg ~p~n\", [catch erpc:call(N, calc, add, [x])]), \
         io:format(\"undef ~p~n\", [catch erpc:call(N, calc, nope, [])]), \
         io:format(\"rpc_undef ~p~n\", [rpc:call(N, calc, nope, [])]), \
         ok = erpc:cast(N, calc, add, [1, 1]), \
         register(waiter, self()), io:format(\"ready~n\"), \
         receive stop -> ok after 30000 -> ok end, halt().",
    );
    erl.expect("ready").await;
    assert_eq!(erl.count("erpc 3"), 1, "{:#?}", erl.seen);
    assert_eq!(erl.count("rpc 42"), 1, "{:#?}", erl.seen);
    assert_eq!(
        erl.count("badarg {'EXIT',{{exception,badarg,"),
        1,
        "{:#?}",
        erl.seen
    );
    assert_eq!(
        erl.count("undef {'EXIT',{{exception,undef,[{calc,nope,[],[]}]"),
        1,
        "{:#?}",
        erl.seen
    );
    assert_eq!(
        erl.count("rpc_undef {badrpc,{'EXIT',{undef,"),
        1,
        "{:#?}",
        erl.seen
    );
    // And from Rust, rpc:call through the Erlang node's rex.
    let len = r
        .scope(dist::rpc(
            "e8@localhost",
            "erlang",
            "length",
            vec![Term::List(vec![Term::Int(1), Term::Int(2)])],
            Duration::from_secs(10),
        ))
        .await;
    assert_eq!(len, Ok(Term::Int(2)));
    let bad = r
        .scope(dist::rpc(
            "e8@localhost",
            "no_such_module",
            "f",
            vec![],
            Duration::from_secs(10),
        ))
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("undef"), "{bad}");
    r.scope(async { dist::send_named("waiter", "e8@localhost", &Atom::new("stop")) })
        .await
        .unwrap();
    erl.exited().await;
    r.stop().await;
}

/// An Elixir struct, `%User{name: "ada", age: 36}`.
#[derive(ToTerm, FromTerm, Debug, Clone, PartialEq)]
#[term(elixir_struct = "Elixir.User")]
pub struct User {
    name: String,
    age: u32,
}

#[derive(Default)]
pub struct Users;

#[gen_server(remote)]
impl Users {
    /// `{:birthday, %User{}}` → the user a year older.
    #[call]
    pub fn birthday(&self, user: User) -> User {
        User {
            age: user.age + 1,
            ..user
        }
    }

    /// `{:find, name}` → `nil` or the user.
    #[call]
    pub fn find(&self, name: String) -> OrNil<User> {
        let found = name == "ada";
        OrNil(found.then_some(User { name, age: 36 }))
    }
}

/// `GenServer.call/2` from Elixir, with Elixir structs both ways. Skips without `elixir`
/// (CI has only Erlang; the protocol is the same).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn genserver_call_from_elixir_with_structs() {
    let have_elixir = Command::new("elixir")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have_elixir {
        eprintln!("skipped: elixir not found (install Elixir to run the Elixir interop test)");
        return;
    }
    let epmd = free_port();
    let r = rust_node("r9@localhost", epmd, "cookie").await;
    r.scope(Users.start_named("users")).await.unwrap();
    let script = "defmodule User do defstruct [:name, :age] end; \
                  s = {:users, :\"r9@localhost\"}; \
                  IO.inspect GenServer.call(s, {:birthday, struct(User, name: \"ada\", age: 36)}); \
                  IO.inspect GenServer.call(s, {:find, \"bob\"})";
    let mut child = Command::new("elixir")
        .args([
            "--sname",
            "ex9@localhost",
            "--cookie",
            "cookie",
            "--erl",
            "-start_epmd false",
            "-e",
            script,
        ])
        .env("ERL_EPMD_PORT", epmd.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("elixir did not end");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        ["%User{name: \"ada\", age: 37}", "nil"],
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    r.stop().await;
}

/// `monitor(process, {Name, Node})` from Rust: an Erlang process registered by name ends
/// with a reason; a name nobody has is `noproc`; a monitored node killed is `noconnection`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitors_of_erlang_registered_names() {
    if !have_erl() {
        return;
    }
    let epmd = free_port();
    let r = rust_node("r10@localhost", epmd, "cookie").await;
    let mut erl = Erl::start(
        "e10@localhost",
        "cookie",
        epmd,
        "register(svc, spawn(fun() -> receive stop -> exit(boom) end end)), \
         register(other, spawn(fun() -> receive after infinity -> ok end end)), \
         io:format(\"ready~n\"), receive after infinity -> ok end.",
    );
    erl.expect("ready").await;
    let (svc, other, nobody) = r
        .scope(async {
            (
                dist::monitor_name("svc", "e10@localhost").unwrap(),
                dist::monitor_name("other", "e10@localhost").unwrap(),
                dist::monitor_name("nobody", "e10@localhost").unwrap(),
            )
        })
        .await;
    assert_eq!(nobody.wait().await, ExitReason::NoProc);
    // The monitors are in place: the noproc came behind them on the same connection.
    r.scope(async { dist::send_named("svc", "e10@localhost", &Atom::new("stop")) })
        .await
        .unwrap();
    assert_eq!(svc.wait().await, ExitReason::other("boom"));
    erl.child.kill().unwrap();
    assert_eq!(other.wait().await, ExitReason::NoConnection);
    r.stop().await;
}
