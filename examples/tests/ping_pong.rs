//! Runs the ping-pong example and checks the rally and both normal exits.

mod common;

#[test]
fn ping_pong_plays_three_rounds_and_exits_normally() {
    let (stdout, _stderr) = common::run("ping_pong");

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
