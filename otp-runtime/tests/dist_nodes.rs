//! Two (or three) Rust nodes in one program, clustered over Erlang's distribution protocol:
//! the first node serves EPMD in-process on a private port, the others register with it.
//! Cases follow lib/kernel/test/erl_distribution_SUITE.erl and dist_link_SUITE where they
//! apply (ping, link and monitor across nodes, a node down, a bad cookie).

mod ports;
use ports::free_port;

use std::time::Duration;

use otp_runtime::dist::mapping::{FromTerm, ToTerm};
use otp_runtime::dist::term::{Atom, Term};
use otp_runtime::dist::{self, DistError, DistOptions, HandshakeError};
use otp_runtime::node::Node;
use otp_runtime::prelude::*;

async fn node(name: &str, epmd: u16, cookie: &str) -> Node {
    let n = Node::named(name).unwrap();
    n.start_distribution(
        DistOptions::new(cookie)
            .epmd_port(epmd)
            .ip([127, 0, 0, 1].into()),
    )
    .await
    .unwrap();
    n
}

/// Polls `f` until it holds, for up to 10 s.
async fn eventually(mut f: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not met within 10 s");
}

#[derive(ToTerm, FromTerm, Debug, Clone, PartialEq)]
enum Echo {
    /// `{echo, From, Text}`
    Echo(Pid, String),
    Stop,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_send_and_reply_between_two_nodes() {
    let epmd = free_port();
    let a = node("a@localhost", epmd, "c").await;
    let b = node("b@localhost", epmd, "c").await;

    // erl_distribution_SUITE: ping.
    assert!(a.ping("b@localhost").await);
    assert_eq!(a.nodes(), vec!["b@localhost".to_string()]);
    assert_eq!(b.nodes(), vec!["a@localhost".to_string()]);

    // An echo server on b, registered by name, answers {Its pid, Text ++ "!"}; a client on
    // a sends {echo, self(), Text} by name, then to the pid it was answered from.
    let echo = b.spawn(|mut ctx: ProcessCtx<Echo>| async move {
        ctx.accept_remote();
        let me = ctx.pid();
        loop {
            match ctx.recv().await {
                Message::Msg(Echo::Echo(from, text)) => {
                    dist::send(from, &(me, format!("{text}!"))).unwrap();
                }
                _ => return ExitReason::Normal,
            }
        }
    });
    echo.accept_remote();
    b.register("echo", echo.pid()).unwrap();
    let client = a.spawn(|mut ctx: ProcessCtx<(Pid, String)>| async move {
        ctx.accept_remote();
        let me = ctx.pid();
        dist::send_named("echo", "b@localhost", &Echo::Echo(me, "hi".into())).unwrap();
        let Some(Message::Msg((echo, s1))) = ctx.recv_timeout(Duration::from_secs(10)).await else {
            return ExitReason::other("no answer by name");
        };
        // The pid that came over the wire reaches the same process.
        dist::send(echo, &Echo::Echo(me, "again".into())).unwrap();
        let Some(Message::Msg((echo2, s2))) = ctx.recv_timeout(Duration::from_secs(10)).await
        else {
            return ExitReason::other("no answer by pid");
        };
        assert_eq!(echo, echo2);
        assert_ne!(echo.node(), me.node());
        ExitReason::other(format!("{s1} {s2}"))
    });
    assert_eq!(client.wait_exit().await, ExitReason::other("hi! again!"));
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_and_monitors_cross_nodes() {
    let epmd = free_port();
    let a = node("la@localhost", epmd, "c").await;
    let b = node("lb@localhost", epmd, "c").await;
    a.connect_node("lb@localhost").await.unwrap();

    // A process on b, registered: it tells whoever says hello its pid, and ends with the
    // reason it is told.
    let target = b.spawn(|mut ctx: ProcessCtx<Target>| async move {
        ctx.accept_remote();
        loop {
            match ctx.recv().await {
                Message::Msg(Target::Hello(p)) => dist::send(p, &ctx.pid()).unwrap(),
                Message::Msg(Target::Die(why)) => return ExitReason::other(why),
                _ => return ExitReason::Normal,
            }
        }
    });
    // Before anyone can know its pid or name: a message that came earlier would be dropped.
    target.accept_remote();
    b.register("target", target.pid()).unwrap();
    let (ready_tx, ready) = tokio::sync::oneshot::channel();
    let watcher = a.spawn(move |mut ctx: ProcessCtx<Pid>| async move {
        ctx.accept_remote();
        ctx.trap_exit(true);
        dist::send_named("target", "lb@localhost", &Target::Hello(ctx.pid())).unwrap();
        let remote: Pid = match ctx.recv_timeout(Duration::from_secs(10)).await {
            Some(Message::Msg(p)) => p,
            other => return ExitReason::other(format!("no pid: {other:?}")),
        };
        ctx.link(remote);
        let m = ctx.monitor(remote);
        // A round trip behind them: the connection keeps order, so once answered, the
        // link and the monitor are in place on b.
        dist::send(remote, &Target::Hello(ctx.pid())).unwrap();
        if ctx.recv_timeout(Duration::from_secs(10)).await.is_none() {
            return ExitReason::other("no second answer");
        }
        ready_tx.send(()).unwrap();
        let mut got = Vec::new();
        while got.len() < 2 {
            match ctx.recv_timeout(Duration::from_secs(10)).await {
                Some(Message::Exit { from, reason }) if from == remote => {
                    got.push(format!("EXIT {reason}"))
                }
                Some(Message::Down {
                    monitor, reason, ..
                }) if monitor == m => got.push(format!("DOWN {reason}")),
                other => return ExitReason::other(format!("unexpected {other:?}")),
            }
        }
        got.sort();
        ExitReason::other(got.join(", "))
    });
    ready.await.unwrap();
    target.send(Target::Die("boom".into())).unwrap();
    assert_eq!(
        watcher.wait_exit().await,
        ExitReason::other("DOWN boom, EXIT boom")
    );
    a.stop().await;
    b.stop().await;
}

#[derive(ToTerm, FromTerm, Debug, Clone, PartialEq)]
enum Target {
    Hello(Pid),
    Die(String),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_going_down_is_noconnection_and_ends_calls_at_once() {
    let epmd = free_port();
    let a = node("da@localhost", epmd, "c").await;
    let b = node("db@localhost", epmd, "c").await;
    // A server on b that never answers: a call to it waits.
    let silent = b.spawn(|mut ctx: ProcessCtx<Term>| async move {
        ctx.accept_remote();
        loop {
            ctx.recv().await;
        }
    });
    silent.accept_remote();
    b.register("silent", silent.pid()).unwrap();
    let call = a.spawn_task(async {
        dist::call::<Term>(
            "silent",
            "db@localhost",
            &Atom::new("hello"),
            Duration::from_secs(60),
        )
        .await
    });
    eventually(|| !a.nodes().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    b.stop().await;
    let r = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(r, Err(CallError::NodeDown(_)) | Err(CallError::Exited(_))),
        "{r:?}"
    );
    // A name nobody has on a live node: noproc at once (MONITOR_P_EXIT noproc).
    let c = node("dc@localhost", epmd, "c").await;
    let r = a
        .scope(dist::call::<Term>(
            "nobody",
            "dc@localhost",
            &Atom::new("x"),
            Duration::from_secs(60),
        ))
        .await;
    let err = r.unwrap_err();
    assert!(matches!(err, CallError::NoProc { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "no process registered as nobody on 'dc@localhost'"
    );
    a.stop().await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_cookie_or_an_unknown_node_is_a_typed_error() {
    let epmd = free_port();
    let a = node("ca@localhost", epmd, "one").await;
    let b = node("cb@localhost", epmd, "two").await;
    let e = a.connect_node("cb@localhost").await.unwrap_err();
    assert!(
        matches!(&*e, DistError::Handshake(HandshakeError::BadCookie { .. })),
        "{e}"
    );
    assert!(!a.ping("cb@localhost").await);
    let e = a.connect_node("nobody@localhost").await.unwrap_err();
    assert!(matches!(&*e, DistError::UnknownNode(_)), "{e}");
    assert!(matches!(
        Node::new().start_distribution(DistOptions::new("c")).await,
        Err(DistError::NotNamed)
    ));
    assert!(matches!(
        a.start_distribution(DistOptions::new("c")).await,
        Err(DistError::AlreadyStarted)
    ));
    a.stop().await;
    b.stop().await;
}

/// A transport of in-memory pipes: a listener is a port number in a table, and connecting
/// to it hands it one end of a duplex pipe. EPMD (plain TCP) tells the fake ports.
mod memory {
    use std::collections::HashMap;
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use otp_runtime::dist::transport::{BoxFuture, BoxStream, Listener, Transport};
    use tokio::sync::mpsc;

    #[derive(Clone, Default)]
    pub struct Memory {
        listeners: Arc<Mutex<HashMap<u16, mpsc::UnboundedSender<BoxStream>>>>,
        next_port: Arc<AtomicU16>,
        pub dialled: Arc<AtomicUsize>,
    }

    struct MemListener {
        port: u16,
        rx: mpsc::UnboundedReceiver<BoxStream>,
    }

    impl Listener for MemListener {
        fn port(&self) -> u16 {
            self.port
        }
        fn accept(&mut self) -> BoxFuture<'_, std::io::Result<BoxStream>> {
            Box::pin(async move {
                self.rx
                    .recv()
                    .await
                    .ok_or_else(|| std::io::ErrorKind::BrokenPipe.into())
            })
        }
    }

    impl Transport for Memory {
        fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, std::io::Result<BoxStream>> {
            self.dialled.fetch_add(1, Ordering::Relaxed);
            let listener = self.listeners.lock().unwrap().get(&addr.port()).cloned();
            Box::pin(async move {
                let l = listener.ok_or(std::io::ErrorKind::ConnectionRefused)?;
                let (a, b) = tokio::io::duplex(64 * 1024);
                l.send(Box::new(b))
                    .map_err(|_| std::io::Error::from(std::io::ErrorKind::ConnectionRefused))?;
                Ok(Box::new(a) as BoxStream)
            })
        }
        fn listen(&self, _addr: SocketAddr) -> BoxFuture<'_, std::io::Result<Box<dyn Listener>>> {
            let port = 50_000 + self.next_port.fetch_add(1, Ordering::Relaxed);
            let (tx, rx) = mpsc::unbounded_channel();
            self.listeners.lock().unwrap().insert(port, tx);
            Box::pin(async move { Ok(Box::new(MemListener { port, rx }) as Box<dyn Listener>) })
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_over_an_in_memory_transport() {
    let epmd = free_port();
    let transport = memory::Memory::default();
    let opts = DistOptions::new("c")
        .epmd_port(epmd)
        .transport(transport.clone());
    let a = Node::named("ma@localhost").unwrap();
    let b = Node::named("mb@localhost").unwrap();
    a.start_distribution(opts.clone()).await.unwrap();
    b.start_distribution(opts).await.unwrap();
    assert!(a.ping("mb@localhost").await);
    assert_eq!(
        transport.dialled.load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    a.stop().await;
    b.stop().await;
}
