//! EPMD: our client against our server, against OTP's `epmd`, and real `erl` against our
//! server; the server and the decoders against arbitrary bytes.
//!
//! What is checked against OTP comes from `erts/epmd/src/epmd_srv.c` (`do_request`,
//! `node_reg2`, `bump_creation`, `get_creation`) and `lib/kernel/src/erl_epmd.erl`
//! (`wait_for_reg_reply`, `get_port`, `do_get_names`); the tests against `epmd` compare raw
//! reply bytes of `epmd` and of our server. Each test uses its own EPMD port, never 4369,
//! and kills what it starts. (Registering with whichever EPMD answers, else serving one:
//! `register_or_serve`, is tested inside the crate, as it is not public.)

mod ports;
use ports::free_port;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use otp_runtime::dist::epmd::proto::{
    Alive2Resp, NamesResp, NodeRecord, Port2Resp, ProtoError, Request,
};
use otp_runtime::dist::epmd::{self, EpmdError, EpmdServer, NodeEntry, Registration, ServerLimits};
use proptest::prelude::{any, prop_assert, prop_assert_eq, prop_oneof, proptest, ProptestConfig};
use proptest::strategy::Strategy;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long any poll may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(20);

fn localhost(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

fn unix_now() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as u32
}

/// Polls `check` until it holds, failing the test after [`DEADLINE`].
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < DEADLINE, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends `bytes` on a fresh connection and returns everything received until the peer
/// closes (or `limit` bytes, for a reply on a connection the peer keeps open).
async fn raw(addr: SocketAddr, bytes: &[u8], limit: usize) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let read = async {
        let mut chunk = [0u8; 1024];
        while out.len() < limit {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(DEADLINE, read)
        .await
        .expect("the peer neither answered nor closed");
    out
}

/// Whether the server closes a connection on which `bytes` were sent, without answering.
async fn closes_without_answer(addr: SocketAddr, bytes: &[u8]) -> bool {
    raw(addr, bytes, usize::MAX).await.is_empty()
}

fn packet(request: &Request) -> Vec<u8> {
    request.to_packet().unwrap()
}

async fn registered(addr: SocketAddr, name: &str) -> bool {
    matches!(epmd::port_please(addr, name).await, Ok(Some(_)))
}

// ---- 1. our client against our server ------------------------------------------------------

#[tokio::test]
async fn client_and_server_register_look_up_list_and_unregister() {
    let server = EpmdServer::bind(localhost(free_port())).await.unwrap();
    let addr = server.local_addr();

    let alpha = epmd::register(addr, &NodeEntry::new("alpha", 5001))
        .await
        .unwrap();
    let beta_entry = NodeEntry {
        hidden: true,
        extra: b"xy".to_vec(),
        ..NodeEntry::new("beta", 5002)
    };
    let beta = epmd::register(addr, &beta_entry).await.unwrap();

    let mut names = epmd::names(addr).await.unwrap();
    names.sort();
    assert_eq!(
        names,
        [("alpha".to_string(), 5001), ("beta".to_string(), 5002)]
    );
    assert_eq!(
        epmd::port_please(addr, "alpha").await.unwrap(),
        Some(NodeEntry::new("alpha", 5001))
    );
    assert_eq!(
        epmd::port_please(addr, "beta").await.unwrap(),
        Some(beta_entry)
    );
    assert_eq!(epmd::port_please(addr, "gamma").await.unwrap(), None);
    assert_eq!(server.names().len(), 2);

    // epmd_srv.c node_reg2: "node name already occupied".
    let dup = epmd::register(addr, &NodeEntry::new("alpha", 6000)).await;
    assert!(
        matches!(&dup, Err(EpmdError::NameTaken(n)) if n == "alpha"),
        "{dup:?}"
    );

    // A 32-bit creation starts from the clock (epmd: cr_counter = time(), then bumped).
    let creation = alpha.creation();
    assert!(creation.abs_diff(unix_now()) < 120, "creation {creation}");

    drop(alpha);
    eventually("alpha is unregistered", || async {
        epmd::port_please(addr, "alpha").await.unwrap().is_none()
    })
    .await;
    assert!(registered(addr, "beta").await);

    // Registered again, a name gets the next creation (epmd: bump_creation).
    let again = epmd::register(addr, &NodeEntry::new("alpha", 5003))
        .await
        .unwrap();
    assert_eq!(again.creation(), creation + 1);

    // A node speaking version 5 at most gets ALIVE2_RESP, creation 1..=3 (get_creation).
    let old = NodeEntry {
        highest: 5,
        lowest: 5,
        ..NodeEntry::new("old", 5004)
    };
    let old = epmd::register(addr, &old).await.unwrap();
    assert!((1..=3).contains(&old.creation()), "{}", old.creation());
    drop(beta);
}

#[tokio::test]
async fn client_errors_are_typed() {
    let nothing = localhost(free_port());
    let err = epmd::names(nothing).await.unwrap_err();
    assert!(
        matches!(err, EpmdError::Unreachable { addr, .. } if addr == nothing),
        "{err}"
    );
    let err = epmd::register(nothing, &NodeEntry::new("", 1))
        .await
        .unwrap_err();
    assert!(matches!(err, EpmdError::InvalidEntry(_)), "{err}");
    let long = "x".repeat(256);
    let err = epmd::port_please(nothing, &long).await.unwrap_err();
    assert!(matches!(err, EpmdError::InvalidEntry(_)), "{err}");

    // A peer that accepts and never answers: the call gives up after TIMEOUT.
    let silent = tokio::net::TcpListener::bind(localhost(0)).await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let start = Instant::now();
    let err = epmd::port_please(silent_addr, "x").await.unwrap_err();
    assert!(matches!(err, EpmdError::Timeout { .. }), "{err}");
    assert!(start.elapsed() >= epmd::TIMEOUT);
    hold.abort();

    // A peer that answers garbage.
    let liar = tokio::net::TcpListener::bind(localhost(0)).await.unwrap();
    let liar_addr = liar.local_addr().unwrap();
    let lie = tokio::spawn(async move {
        while let Ok((mut s, _)) = liar.accept().await {
            let _ = s.write_all(b"HTTP/1.1 400\r\n").await;
        }
    });
    let err = epmd::register(liar_addr, &NodeEntry::new("n", 1))
        .await
        .unwrap_err();
    assert!(matches!(err, EpmdError::Protocol(_)), "{err}");
    let err = epmd::port_please(liar_addr, "n").await.unwrap_err();
    assert!(matches!(err, EpmdError::Protocol(_)), "{err}");
    lie.abort();
}

#[tokio::test]
async fn server_closes_bad_requests_and_answers_admin_requests_safely() {
    let server = EpmdServer::bind(localhost(0)).await.unwrap();
    let addr = server.local_addr();
    let _reg = epmd::register(addr, &NodeEntry::new("keep", 5100))
        .await
        .unwrap();

    // epmd_srv.c do_read: a length of 0, or one reaching its buffer, closes the connection.
    assert!(closes_without_answer(addr, &[0xff, 0xff]).await);
    assert!(closes_without_answer(addr, &[0x0b, 0xf2]).await); // 3058
    assert!(closes_without_answer(addr, &[0, 0]).await);
    // Unknown tag, a truncated ALIVE2_REQ, a PORT_PLEASE2_REQ without a name.
    assert!(closes_without_answer(addr, &[0, 1, b'Q']).await);
    assert!(closes_without_answer(addr, &[0, 3, 120, 0, 1]).await);
    assert!(closes_without_answer(addr, &[0, 1, 122]).await);
    // STOP_REQ and DUMP_REQ are refused; KILL_REQ gets epmd's "NO" (nodes are alive).
    assert!(closes_without_answer(addr, &[0, 5, b's', b'k', b'e', b'e', b'p']).await);
    assert!(closes_without_answer(addr, &[0, 1, b'd']).await);
    assert_eq!(raw(addr, &[0, 1, b'k'], usize::MAX).await, b"NO");
    assert!(registered(addr, "keep").await, "nothing stopped the node");

    // An invalid name gets result 1, creation 99, as epmd refuses it (node_reg2).
    let mut bad = NodeRecord::new("x", 1);
    bad.name = "é".repeat(256);
    let reply = raw(addr, &packet(&Request::Alive2(bad)), usize::MAX).await;
    assert_eq!(reply, [118, 1, 0, 0, 0, 99]);

    // Any byte on a registration's connection ends it ("got more than expected on ALIVE
    // socket").
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let req = packet(&Request::Alive2(NodeRecord::new("chatty", 5101)));
    stream.write_all(&req).await.unwrap();
    let mut reply = [0u8; 6];
    stream.read_exact(&mut reply).await.unwrap();
    assert_eq!(reply[..2], [118, 0]);
    assert!(registered(addr, "chatty").await);
    stream.write_all(b"!").await.unwrap();
    eventually("chatty is unregistered", || async {
        !registered(addr, "chatty").await
    })
    .await;
}

#[tokio::test]
async fn server_times_out_silent_connections_but_not_registrations() {
    let limits = ServerLimits {
        request_timeout: Duration::from_millis(200),
        max_connections: 16,
    };
    let server = EpmdServer::bind_with_limits(localhost(0), limits)
        .await
        .unwrap();
    let addr = server.local_addr();
    let reg = epmd::register(addr, &NodeEntry::new("quiet", 5200))
        .await
        .unwrap();

    let mut idle = TcpStream::connect(addr).await.unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 8];
    let n = tokio::time::timeout(DEADLINE, idle.read(&mut buf))
        .await
        .expect("a silent connection is closed")
        .unwrap_or(0);
    assert_eq!(n, 0);
    assert!(start.elapsed() >= Duration::from_millis(150));

    // Half a request is as good as none.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(&[0, 5, b'z']).await.unwrap();
    let n = tokio::time::timeout(DEADLINE, slow.read(&mut buf))
        .await
        .expect("a slow request is cut off")
        .unwrap_or(0);
    assert_eq!(n, 0);

    // The registration has been silent for longer than the timeout, and stays.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(registered(addr, "quiet").await);
    drop(reg);
}

#[tokio::test]
async fn server_serves_at_most_max_connections() {
    let limits = ServerLimits {
        request_timeout: Duration::from_secs(60),
        max_connections: 2,
    };
    let server = EpmdServer::bind_with_limits(localhost(0), limits)
        .await
        .unwrap();
    let addr = server.local_addr();

    let first = TcpStream::connect(addr).await.unwrap();
    let second = TcpStream::connect(addr).await.unwrap();
    // The third is accepted after the first two (the kernel's queue is in order) and closed.
    let mut third = TcpStream::connect(addr).await.unwrap();
    let mut buf = [0u8; 8];
    let n = tokio::time::timeout(DEADLINE, third.read(&mut buf))
        .await
        .expect("a connection over the limit is closed")
        .unwrap_or(0);
    assert_eq!(n, 0);
    assert!(epmd::names(addr).await.is_err(), "no room for a request");

    drop(first);
    eventually("a slot is free again", || async {
        epmd::names(addr).await.is_ok()
    })
    .await;
    drop(second);
}

// ---- 2. against OTP's epmd -----------------------------------------------------------------

/// A child process killed (and reaped) when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `epmd -port P` in the foreground (not `-daemon`: it stays our child) and waits
/// until it accepts connections.
async fn start_epmd(port: u16) -> Killed {
    let child = Command::new("epmd")
        .args(["-port", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("epmd starts");
    let guard = Killed(child);
    eventually("epmd accepts connections", || async {
        TcpStream::connect(localhost(port)).await.is_ok()
    })
    .await;
    guard
}

/// What an EPMD answers to a fixed script, for comparing ours with OTP's byte for byte.
#[derive(Debug, PartialEq)]
struct Answers {
    port2_found: Vec<u8>,
    port2_unknown: Vec<u8>,
    names_lines: Vec<u8>,
    refusal: Vec<u8>,
    old_reply_tag_result: Vec<u8>,
}

async fn script(addr: SocketAddr) -> (Answers, Vec<Registration>) {
    let entry = NodeEntry {
        hidden: true,
        extra: b"xy".to_vec(),
        ..NodeEntry::new("same", 5555)
    };
    let reg = epmd::register(addr, &entry).await.unwrap();
    let port2_found = raw(addr, &[0, 5, 122, b's', b'a', b'm', b'e'], usize::MAX).await;
    let port2_unknown = raw(addr, &[0, 3, 122, b'n', b'o'], usize::MAX).await;
    let names = raw(addr, &[0, 1, 110], usize::MAX).await;
    assert_eq!(names[..4], u32::from(addr.port()).to_be_bytes());
    // epmd keeps a refused registration's connection open: read the 6 bytes only.
    let refusal = raw(
        addr,
        &packet(&Request::Alive2(NodeRecord::new("same", 1))),
        6,
    )
    .await;
    let mut old = NodeRecord::new("old", 5556);
    old.highest = 5;
    old.lowest = 5;
    let mut old_stream = TcpStream::connect(addr).await.unwrap();
    old_stream
        .write_all(&packet(&Request::Alive2(old)))
        .await
        .unwrap();
    let mut old_reply = [0u8; 4];
    old_stream.read_exact(&mut old_reply).await.unwrap();
    assert!(
        (1..=3).contains(&old_reply[3]) && old_reply[2] == 0,
        "{old_reply:?}"
    );
    drop(old_stream);
    let answers = Answers {
        port2_found,
        port2_unknown,
        names_lines: names[4..].to_vec(),
        refusal,
        old_reply_tag_result: old_reply[..2].to_vec(),
    };
    (answers, vec![reg])
}

#[tokio::test]
async fn against_otp_epmd() {
    if !on_path("epmd") {
        eprintln!("skipped: epmd not found on PATH (install Erlang/OTP to run this test)");
        return;
    }
    let port = free_port();
    let _epmd = start_epmd(port).await;
    let addr = localhost(port);

    // Our client: register, look up, list.
    let reg = epmd::register(addr, &NodeEntry::new("rustreal", 5600))
        .await
        .unwrap();
    let creation = reg.creation();
    assert!(
        creation.abs_diff(unix_now()) < 120,
        "epmd's creation {creation}"
    );
    assert_eq!(
        epmd::port_please(addr, "rustreal").await.unwrap(),
        Some(NodeEntry::new("rustreal", 5600))
    );
    assert_eq!(epmd::port_please(addr, "nobody").await.unwrap(), None);
    assert_eq!(
        epmd::names(addr).await.unwrap(),
        [("rustreal".to_string(), 5600)]
    );
    let dup = epmd::register(addr, &NodeEntry::new("rustreal", 1)).await;
    assert!(matches!(dup, Err(EpmdError::NameTaken(_))), "{dup:?}");

    // `epmd -names` sees our registration.
    let out = Command::new("epmd")
        .args(["-port", &port.to_string(), "-names"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("name rustreal at port 5600"), "{text}");

    // ALIVE2_RESP (121) for version 5: our client reads it too.
    let old = NodeEntry {
        highest: 5,
        lowest: 5,
        ..NodeEntry::new("rustold", 5601)
    };
    let old = epmd::register(addr, &old).await.unwrap();
    assert!((1..=3).contains(&old.creation()));
    drop(old);

    // Unregistered on drop; registered again, the next creation.
    drop(reg);
    eventually("epmd forgets rustreal", || async {
        !registered(addr, "rustreal").await
    })
    .await;
    let reg = epmd::register(addr, &NodeEntry::new("rustreal", 5600))
        .await
        .unwrap();
    assert_eq!(reg.creation(), creation + 1);
    drop(reg);
    eventually("epmd forgets rustreal again", || async {
        epmd::names(addr).await.unwrap().is_empty()
    })
    .await;

    // The same script against epmd and against our server: the same bytes back.
    let (theirs, _keep) = script(addr).await;
    let ours_server = EpmdServer::bind(localhost(0)).await.unwrap();
    let (ours, _keep_ours) = script(ours_server.local_addr()).await;
    assert_eq!(ours, theirs);
    assert_eq!(
        theirs.port2_found,
        [119, 0, 0x15, 0xb3, 72, 0, 0, 6, 0, 6, 0, 4, b's', b'a', b'm', b'e', 0, 2, b'x', b'y']
    );
    assert_eq!(theirs.refusal, [118, 1, 0, 0, 0, 99]);
    assert_eq!(theirs.port2_unknown, [119, 1]);
    assert_eq!(theirs.names_lines, b"name same at port 5555\n");
    assert_eq!(theirs.old_reply_tag_result, [121, 0]);
}

// ---- 3. real erl against our server --------------------------------------------------------

/// Lines of a child's stdout, read on a thread.
fn lines_of(stdout: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

async fn next_line(rx: &mpsc::Receiver<String>, start: Instant) -> String {
    loop {
        match rx.try_recv() {
            Ok(line) => return line,
            Err(mpsc::TryRecvError::Disconnected) => panic!("erl closed its output early"),
            Err(mpsc::TryRecvError::Empty) => {
                assert!(start.elapsed() < DEADLINE * 3, "erl is too slow");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_erl_registers_with_and_queries_our_server() {
    if !on_path("erl") {
        eprintln!("skipped: erl not found on PATH (install Erlang/OTP to run this test)");
        return;
    }
    // All interfaces, as a node's own EPMD binds: net_adm:names() asks the EPMD at the
    // address of this host's name, which may be another loopback address than 127.0.0.1.
    let server = EpmdServer::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)))
        .await
        .unwrap();
    let port = server.local_addr().port();
    let _fake = epmd::register(localhost(port), &NodeEntry::new("rustnode", 5555))
        .await
        .unwrap();

    // `-start_epmd false`: with ERL_EPMD_PORT on our server, erl registers there and must
    // not start an epmd of its own. The script prints what it sees, waits for a line on
    // stdin (so the test can look at our server while erl is registered), then halts.
    let eval = r#"io:format("NAMES ~p~n", [net_adm:names()]),
        io:format("PORT ~p~n", [erl_epmd:port_please("rustnode", "localhost")]),
        io:format("READY~n"),
        io:get_line(""),
        halt()."#;
    let mut erl = Killed(
        Command::new("erl")
            .args([
                "-sname",
                "probe",
                "-noshell",
                "-start_epmd",
                "false",
                "-eval",
                eval,
            ])
            .env("ERL_EPMD_PORT", port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("erl starts"),
    );
    let lines = lines_of(erl.0.stdout.take().unwrap());
    let start = Instant::now();
    let names = next_line(&lines, start).await;
    let port_line = next_line(&lines, start).await;
    assert_eq!(next_line(&lines, start).await, "READY");

    assert!(names.starts_with("NAMES {ok,["), "{names}");
    assert!(names.contains(r#"{"rustnode",5555}"#), "{names}");
    assert!(names.contains(r#"{"probe","#), "{names}");
    assert_eq!(port_line, "PORT {port,5555,6}");

    // erl registered with our server: ALIVE2_REQ, type 'M', highest 6, and lowest 5 (OTP
    // 25.2's erl_epmd still sends ERL_DIST_VER_LOW = 5, whatever the protocol guide says).
    let probe = server
        .names()
        .into_iter()
        .find(|e| e.name == "probe")
        .expect("probe is registered with our server");
    assert_eq!((probe.highest, probe.lowest, probe.hidden), (6, 5, false));
    assert!(
        names.contains(&format!(r#"{{"probe",{}}}"#, probe.port)),
        "{names}"
    );

    // Let erl halt; its registration goes with it.
    erl.0.stdin.take().unwrap().write_all(b"\n").unwrap();
    eventually("erl exits", || {
        let exited = matches!(erl.0.try_wait(), Ok(Some(_)));
        async move { exited }
    })
    .await;
    eventually("probe is unregistered", || async {
        server.names().iter().all(|e| e.name != "probe")
    })
    .await;
}

// ---- 4. arbitrary bytes --------------------------------------------------------------------

/// Panics anywhere in this test binary (a panicking server task would not fail a test by
/// itself: tokio catches it).
fn panics() -> &'static AtomicUsize {
    static COUNT: OnceLock<Arc<AtomicUsize>> = OnceLock::new();
    COUNT.get_or_init(|| {
        let count = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&count);
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            seen.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
        count
    })
}

/// Bytes a client might send: noise, or a well-framed request of any tag with noise after.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let framed = (
        prop_oneof![
            proptest::sample::select(vec![120u8, 122, 110, 100, 107, 115]),
            any::<u8>()
        ],
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(tag, rest)| {
            let mut body = vec![tag];
            body.extend(rest);
            let mut out = (body.len() as u16).to_be_bytes().to_vec();
            out.extend(body);
            out
        });
    prop_oneof![proptest::collection::vec(any::<u8>(), 0..128), framed]
}

#[test]
fn server_survives_arbitrary_bytes() {
    let panics = panics();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (server, _anchor) = rt.block_on(async {
        let server = EpmdServer::bind(localhost(0)).await.unwrap();
        let anchor = epmd::register(server.local_addr(), &NodeEntry::new("anchor", 4242))
            .await
            .unwrap();
        (server, anchor)
    });
    let addr = server.local_addr();
    let config = ProptestConfig {
        cases: 128,
        ..ProptestConfig::default()
    };
    proptest!(config, |(bytes in hostile_bytes())| {
        // A panic in the server's task runs the hook before the task's connection is
        // dropped, so it is counted by the time the read below sees the close.
        let before = panics.load(Ordering::SeqCst);
        let found = rt.block_on(async {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            // The server may close first: errors here are fine.
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
            let mut sink = Vec::new();
            let _ = tokio::time::timeout(DEADLINE, stream.read_to_end(&mut sink)).await;
            epmd::port_please(addr, "anchor").await
        });
        prop_assert_eq!(found.unwrap().map(|e| e.port), Some(4242));
        prop_assert_eq!(panics.load(Ordering::SeqCst), before);
    });
    drop(server);
}

fn node_records() -> impl Strategy<Value = NodeRecord> {
    (
        any::<u16>(),
        any::<u8>(),
        any::<u8>(),
        any::<u16>(),
        any::<u16>(),
        "[a-zA-Z0-9_é€😀-]{1,40}",
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(
            |(port, node_type, protocol, highest, lowest, name, extra)| NodeRecord {
                port,
                node_type,
                protocol,
                highest,
                lowest,
                name,
                extra,
            },
        )
}

proptest! {
    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Request::from_body(&bytes);
        if let Ok((_, used)) = Alive2Resp::decode(&bytes) {
            prop_assert!(used <= bytes.len());
        }
        if let Ok((_, used)) = Port2Resp::decode(&bytes) {
            prop_assert!(used <= bytes.len());
        }
        let _ = NamesResp::decode(&bytes);
    }

    #[test]
    fn requests_and_replies_round_trip(record in node_records(), creation in any::<u32>()) {
        let req = Request::Alive2(record.clone());
        let bytes = req.to_packet().unwrap();
        prop_assert_eq!(usize::from(u16::from_be_bytes([bytes[0], bytes[1]])), bytes.len() - 2);
        prop_assert_eq!(Request::from_body(&bytes[2..]), Ok(req));

        let found = Port2Resp::Found(record.clone());
        let bytes = found.encode().unwrap();
        prop_assert_eq!(Port2Resp::decode(&bytes), Ok((found, bytes.len())));
        for cut in 0..bytes.len() {
            let got = Port2Resp::decode(&bytes[..cut]);
            prop_assert!(matches!(got, Err(ProtoError::Incomplete | ProtoError::Empty)));
        }

        let resp = Alive2Resp { result: 0, creation, extended: true };
        prop_assert_eq!(Alive2Resp::decode(&resp.encode()), Ok((resp, 6)));

        let names = NamesResp { epmd_port: u32::from(record.port), nodes: vec![(record.name, record.port)] };
        prop_assert_eq!(NamesResp::decode(&names.encode()), Ok(names));
    }
}
