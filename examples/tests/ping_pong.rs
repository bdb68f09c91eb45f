//! Runs the ping-pong binary and checks the rally and both normal exits.

use std::process::Command;

#[test]
fn ping_pong_plays_three_rounds_and_exits_normally() {
    let out = Command::new(env!("CARGO_BIN_EXE_ping_pong"))
        .output()
        .expect("run ping_pong");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "ping_pong failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );

    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("pinger <0."), "{stdout}");
    assert!(lines[0].contains(": spawned ponger <0."), "{stdout}");
    assert_eq!(
        lines[1..],
        [
            "ponger: ping 1",
            "pinger: pong 1",
            "ponger: ping 2",
            "pinger: pong 2",
            "ponger: ping 3",
            "pinger: pong 3",
            "pinger: the ponger exited: normal",
            "main: the pinger exited: normal",
        ]
    );
}
