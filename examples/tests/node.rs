//! Runs the `node` example as a user would: it boots with its file's configuration
//! overridden by the environment, runs until SIGTERM, then stops its applications in
//! reverse order and exits 0. A bad configuration is a boot error and exit code 1.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn node_runs_until_sigterm_and_stops_its_applications_in_reverse() {
    let mut node = Command::new(common::build("node"))
        .env("FACTORIAL__SERVERS", "4") // node.toml says 3
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stderr = node.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    let mut lines = Vec::new();
    while !lines
        .iter()
        .any(|l: &String| l.contains("application: messenger"))
    {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) => lines.push(l),
            Err(_) => {
                let _ = node.kill();
                panic!("the node did not boot; it printed {lines:#?}");
            }
        }
    }
    let kill = Command::new("kill")
        .args(["-TERM", &node.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    // The reader ends when the node closes its stderr, as it exits. A node that hung would
    // hang this test: the stop takes milliseconds, so a minute is a generous bound.
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) => lines.push(l),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = node.kill();
                panic!("the node did not stop; it printed {lines:#?}");
            }
        }
    }
    let status = node.wait().unwrap();
    let report: String = lines.iter().map(|l| format!("{l}\n")).collect();
    assert!(status.success(), "{status}\n{report}");
    let mut at = 0;
    for expected in [
        "    servers: 4\n", // the environment over the file
        "    application started\n    application: factorial\n",
        "    application started\n    application: messenger\n",
        "    node stopping\n    signal: SIGTERM\n",
        "    application exited\n    application: messenger\n    exited: stopped\n",
        "    application exited\n    application: factorial\n    exited: stopped\n",
    ] {
        let found = report[at..]
            .find(expected)
            .unwrap_or_else(|| panic!("no {expected:?} after byte {at} in:\n{report}"));
        at += found + expected.len();
    }
}

#[test]
fn node_with_a_bad_configuration_does_not_boot_and_exits_1() {
    let out = Command::new(common::build("node"))
        .env("FACTORIAL__SERVERS", "many")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "node stopped: boot failed: configuration: environment variable \
             FACTORIAL__SERVERS: factorial.servers: expected a number, got \"many\""
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("application started"), "{stderr}");
}
