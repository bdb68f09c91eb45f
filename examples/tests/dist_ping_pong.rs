//! Runs the `dist_ping_pong` example: tut17 of Erlang's *Getting Started* guide across two
//! nodes in one program, then each side against a real Erlang node (`erl`, OTP 25+) running
//! tut17's other side. Every run has a private EPMD port: the program serves EPMD itself, or
//! a test's `epmd -port` does.

mod common;

use std::process::Command;

use common::erl::{self, Running};

/// tut17's ping/2 and pong/0 as shell funs, for `erl -eval`.
const TUT17_PING: &str = "Ping = fun Ping(0, Node) -> {pong, Node} ! finished, \
                                      io:format(\"ping finished~n\"); \
                                  Ping(N, Node) -> {pong, Node} ! {ping, self()}, \
                                      receive pong -> io:format(\"Ping received pong~n\") end, \
                                      Ping(N - 1, Node) end, \
                          Ping(3, 'pong@localhost'), halt().";
const TUT17_PONG: &str = "Pong = fun Pong() -> receive \
                                      finished -> io:format(\"Pong finished~n\"); \
                                      {ping, P} -> io:format(\"Pong received ping~n\"), \
                                                   P ! pong, Pong() end end, \
                          register(pong, self()), io:format(\"pong is up~n\"), Pong(), halt().";

/// The program, to run with its EPMD on `epmd`.
fn program(epmd: u16, args: &[&str]) -> Command {
    let mut program = Command::new(common::build("dist_ping_pong"));
    program.args(args).env("ERL_EPMD_PORT", epmd.to_string());
    program
}

#[test]
fn both_nodes_in_one_program_print_what_tut17_prints() {
    let out = program(erl::free_port(), &[]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    // Pong prints before it answers, ping after it got the answer: the rally is in order.
    assert_eq!(
        lines[..6],
        ["Pong received ping", "Ping received pong"].repeat(3),
        "{stdout}"
    );
    // Ping prints once it has sent `finished`, pong once it got it: either may come first,
    // as tut16 and tut18 of the tutorial show them.
    let mut last = lines[6..].to_vec();
    last.sort();
    assert_eq!(last, ["Pong finished", "ping finished"], "{stdout}");
}

#[test]
fn erlang_ping_against_the_rust_pong() {
    if !erl::have_erl() {
        return;
    }
    let epmd = erl::free_port();
    let mut pong = Running::start("dist_ping_pong pong", program(epmd, &["pong"]));
    pong.expect("pong@localhost is up");
    let mut ping = Running::start(
        "erl ping",
        erl::erl("ping@localhost", epmd, &["-noshell", "-eval", TUT17_PING]),
    );
    assert!(ping.wait().success(), "{:#?}", ping.seen());
    assert!(pong.wait().success(), "{:#?}", pong.seen());
    assert_eq!(
        ping.stdout(),
        [
            "Ping received pong",
            "Ping received pong",
            "Ping received pong",
            "ping finished"
        ]
    );
    assert_eq!(
        pong.stdout(),
        [
            "Pong received ping",
            "Pong received ping",
            "Pong received ping",
            "Pong finished"
        ]
    );
}

#[test]
fn rust_ping_against_an_erlang_pong() {
    if !erl::have_erl() {
        return;
    }
    let epmd = erl::free_port();
    // The Erlang node comes first, so an EPMD must be up: a private one, killed on drop.
    let _epmd = erl::epmd(epmd);
    let mut pong = Running::start(
        "erl pong",
        erl::erl("pong@localhost", epmd, &["-noshell", "-eval", TUT17_PONG]),
    );
    pong.expect("pong is up");
    let mut ping = Running::start(
        "dist_ping_pong ping",
        program(epmd, &["ping", "pong@localhost"]),
    );
    assert!(ping.wait().success(), "{:#?}", ping.seen());
    assert!(pong.wait().success(), "{:#?}", pong.seen());
    assert_eq!(
        ping.stdout(),
        [
            "Ping received pong",
            "Ping received pong",
            "Ping received pong",
            "ping finished"
        ]
    );
    assert_eq!(
        pong.stdout(),
        [
            "pong is up",
            "Pong received ping",
            "Pong received ping",
            "Pong received ping",
            "Pong finished"
        ]
    );
}

/// Two Rust nodes in two OS processes: `-- pong` serves EPMD and pong, `-- ping pong@localhost`
/// is the other program. No Erlang is needed.
#[test]
fn two_rust_programs_play_ping_pong() {
    let epmd = erl::free_port();
    let mut pong = Running::start("dist_ping_pong pong", program(epmd, &["pong"]));
    pong.expect("waiting for ping");
    let mut ping = Running::start(
        "dist_ping_pong ping",
        program(epmd, &["ping", "pong@localhost"]),
    );
    assert!(ping.wait().success(), "{:#?}", ping.seen());
    assert_eq!(
        ping.stdout(),
        [
            "Ping received pong",
            "Ping received pong",
            "Ping received pong",
            "ping finished"
        ],
        "{:#?}",
        ping.seen()
    );
    pong.expect("Pong finished");
}
