//! Runs the `web` example as a user would: the program listens (on a free port, given in
//! the environment), answers requests through its pool of gen_servers, turns a poison request
//! into a clean 500 while the pool heals, and on SIGTERM finishes the requests in flight
//! before it exits 0. The client is a plain `TcpStream` speaking HTTP/1.1.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The running program; killed if the test fails before it exits.
struct Program(Child);

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// ANCHOR: client
/// `GET path`: the status code and the body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|e| panic!("GET {path}: {e}; got {response:?}"));
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("GET {path}: not an HTTP response: {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}
// ANCHOR_END: client

#[test]
fn a_poison_request_is_a_500_the_pool_heals_and_sigterm_drains_the_requests_in_flight() {
    let mut child = Command::new(common::build("web"))
        .env("WEB__ADDR", "127.0.0.1:0")
        .env("WEB__WORKERS", "4")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let program = Program(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    let mut lines: Vec<String> = Vec::new();
    let addr = loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) => {
                let addr = l.trim().strip_prefix("addr: ").map(str::to_string);
                lines.push(l);
                if let Some(addr) = addr {
                    break addr;
                }
            }
            Err(_) => panic!("the service did not start listening; it printed {lines:#?}"),
        }
    };

    assert_eq!(get(&addr, "/square/12"), (200, "144\n".to_string()));

    // The poison request: the worker crashes, the client gets a clean 500...
    let (status, body) = get(&addr, "/square/9999999999");
    assert_eq!(status, 500, "{body}");
    assert_eq!(body, "the worker crashed: panicked: the square overflows\n");
    // ...and the pool heals: every worker answers again (eight requests go round four).
    for n in 1..=8u64 {
        assert_eq!(
            get(&addr, &format!("/square/{n}")),
            (200, format!("{}\n", n * n))
        );
    }

    // ANCHOR: sigterm
    // Four slow requests in flight, one per worker...
    let slow: Vec<_> = (0..4)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || get(&addr, "/slow/1500"))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(&addr, "/stats").1 != "in_flight 4\n" {
        assert!(Instant::now() < deadline, "the slow requests never arrived");
        std::thread::sleep(Duration::from_millis(10));
    }
    // ...when the node is told to stop.
    let pid = program.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    for request in slow {
        assert_eq!(
            request.join().unwrap(),
            (200, "waited 1500 ms\n".to_string())
        );
    }
    // ANCHOR_END: sigterm

    // The program ends by itself, with exit code 0; its reader ends with its stderr.
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) => lines.push(l),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("the node did not stop: {lines:#?}"),
        }
    }
    let mut program = program;
    let status = program.0.wait().unwrap();
    let report = lines.join("\n");
    assert!(status.success(), "{status}\n{report}");
    for expected in [
        "    child restarted\n    supervisor: ",
        "    node stopping\n    signal: SIGTERM",
        "    application exited\n    application: web\n    exited: stopped",
    ] {
        assert!(report.contains(expected), "no {expected:?} in:\n{report}");
    }
}
