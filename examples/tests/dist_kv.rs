//! Runs the `dist_kv` example: calls across nodes in one program (a store, lookups, a call
//! to a name nobody has, a call to a node that has stopped), then `gen_server:call/3` from an
//! Erlang shell (`erl`, OTP 25+) to the Rust kv process, and a `dist::call` from Rust to an
//! Erlang node's `application_controller`. Every run has a private EPMD port.

mod common;

use std::process::Command;

use common::erl::{self, Running};

/// The program, to run with its EPMD on `epmd`.
fn program(epmd: u16, args: &[&str]) -> Command {
    let mut program = Command::new(common::build("dist_kv"));
    program.args(args).env("ERL_EPMD_PORT", epmd.to_string());
    program
}

#[test]
fn calls_across_two_nodes_in_one_program() {
    let out = program(erl::free_port(), &[]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}\n{stdout}\n{stderr}", out.status);
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "store fruit: Ok(())",
            "lookup fruit: Ok(Ok(\"apple\"))",
            "lookup bread: Ok(Err(NotFound))",
            "a call to nobody: no process registered as nobody on 'kv@localhost'",
            "rpc kv:size(): Ok(Int(1))",
            "once kv@localhost is down: Err(NodeDown(\"kv@localhost\"))",
        ],
        "{stderr}"
    );
    // The client's node reports the connection going down.
    assert!(stderr.contains("node down"), "{stderr}");
}

#[test]
fn an_erlang_shell_calls_the_rust_kv() {
    if !erl::have_erl() {
        return;
    }
    let epmd = erl::free_port();
    let mut kv = Running::start("dist_kv serve", program(epmd, &["serve"]));
    kv.expect("kv@localhost is up");
    let mut shell = Running::start("erl e", erl::erl("e@localhost", epmd, &[]));

    shell.send("gen_server:call({kv, kv@localhost}, {store, <<\"fruit\">>, <<\"apple\">>}).");
    shell.expect("> ok");
    shell.send("gen_server:call({kv, kv@localhost}, {lookup, <<\"fruit\">>}).");
    shell.expect("{ok,<<\"apple\">>}");
    shell.send("gen_server:call({kv, kv@localhost}, {lookup, <<\"bread\">>}).");
    shell.expect("{error,not_found}");
    // A key that is an atom does not fit the Rust type: the caller gets an error reply at
    // once, the server a warning, and the server lives on.
    shell.send("gen_server:call({kv, kv@localhost}, {lookup, fruit}).");
    shell.expect("{error,{bad_request,");
    kv.expect("found the atom fruit");
    shell.send("gen_server:call({kv, kv@localhost}, size).");
    shell.expect("> 1");
    shell.send("rpc:call(kv@localhost, kv, size, []).");
    shell.expect("> 1");
    shell.send("catch gen_server:call({nobody, kv@localhost}, {lookup, <<\"fruit\">>}).");
    shell.expect("{'EXIT',{noproc,");
}

#[test]
fn rust_calls_an_erlang_gen_server() {
    if !erl::have_erl() {
        return;
    }
    let epmd = erl::free_port();
    let _epmd = erl::epmd(epmd);
    let mut node = Running::start(
        "erl e",
        erl::erl(
            "e@localhost",
            epmd,
            &["-noshell", "-eval", "io:format(\"up~n\")"],
        ),
    );
    node.expect("up");
    let mut apps = Running::start("dist_kv apps", program(epmd, &["apps", "e@localhost"]));
    assert!(apps.wait().success(), "{:#?}", apps.seen());
    let mut names: Vec<&str> = apps
        .stdout()
        .iter()
        .filter_map(|l| l.split(' ').next())
        .collect();
    names.sort();
    assert_eq!(names, ["kernel", "stdlib"], "{:#?}", apps.seen());
}
