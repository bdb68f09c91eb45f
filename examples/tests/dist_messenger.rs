//! Runs the `dist_messenger` example: the messenger of Erlang's *Getting Started* guide with
//! its server and two clients on three nodes of one program; then the server alone, with
//! Erlang shells (`erl`, OTP 25+) as its clients, running `examples/erlang/messenger_client.erl`
//! as the book tells readers to. Every run has a private EPMD port, served by the program.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::erl::{self, Running};

/// The program, to run with its EPMD on `epmd`.
fn program(epmd: u16, args: &[&str]) -> Command {
    let mut program = Command::new(common::build("dist_messenger"));
    program.args(args).env("ERL_EPMD_PORT", epmd.to_string());
    program
}

/// The lines of `stdout` by the node that printed them (`(node) text`), in order.
fn by_node(stdout: &str) -> BTreeMap<&str, Vec<&str>> {
    let mut nodes: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for line in stdout.lines() {
        let (node, text) = line
            .strip_prefix('(')
            .and_then(|l| l.split_once(") "))
            .unwrap_or_else(|| panic!("a line without its node: {line:?}"));
        nodes.entry(node).or_default().push(text);
    }
    nodes
}

#[test]
fn three_nodes_in_one_program_log_on_exchange_messages_and_log_off() {
    let out = program(erl::free_port(), &[]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // The nodes run side by side: the order is fixed within each node only.
    let nodes = by_node(&stdout);
    assert_eq!(
        nodes["c2@localhost"],
        [
            "fred: logged_on",
            "fred: Message from peter: \"hello\"",
            "fred: sent",
            "fred: logged_off",
        ],
        "{stdout}"
    );
    assert_eq!(
        nodes["c1@localhost"],
        [
            "peter: logged_on",
            "a second fred: user_exists_at_other_node",
            "peter: receiver_not_found",
            "peter: sent",
            "peter: Message from fred: \"go away, I'm busy\"",
            "peter: logged_off",
        ],
        "{stdout}"
    );
    let server = &nodes["messenger@localhost"];
    assert_eq!(
        server[..6],
        [
            "fred logged on",
            "peter logged on",
            "fred refused: user_exists_at_other_node",
            "peter to james: receiver_not_found",
            "peter to fred: \"hello\"",
            "fred to peter: \"go away, I'm busy\"",
        ],
        "{stdout}"
    );
    // Fred and Peter log off from two nodes: the server may hear either first.
    let mut logoffs = server[6..].to_vec();
    logoffs.sort();
    assert_eq!(logoffs, ["fred logged off", "peter logged off"], "{stdout}");
    assert_eq!(nodes.len(), 3, "{stdout}");
}

/// `examples/erlang/messenger_client.erl`, compiled into a directory of this test's own.
fn compiled_client() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dist_messenger_erlang");
    std::fs::create_dir_all(&dir).unwrap();
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/erlang/messenger_client.erl");
    let status = Command::new("erlc")
        .arg("-o")
        .arg(&dir)
        .arg(source)
        .status()
        .expect("erlc runs");
    assert!(status.success(), "erlc {source} failed");
    dir
}

/// An Erlang shell on node `name`, reading commands from the test.
fn shell(name: &str, epmd: u16, client: &Path) -> Running {
    let client = client.to_str().expect("a UTF-8 path");
    Running::start(
        &format!("erl {name}"),
        erl::erl(name, epmd, &["-pa", client]),
    )
}

#[test]
fn erlang_clients_log_on_to_the_rust_server() {
    if !erl::have_erl() {
        return;
    }
    let client = compiled_client();
    let epmd = erl::free_port();
    let mut server = Running::start("dist_messenger server", program(epmd, &["server"]));
    server.expect("messenger@localhost is up");
    let mut c1 = shell("c1@localhost", epmd, &client);
    let mut c2 = shell("c2@localhost", epmd, &client);

    c1.send("messenger_client:logon(peter).");
    c1.expect("logged_on");
    server.expect("(messenger@localhost) peter logged on");
    c2.send("messenger_client:logon(fred).");
    c2.expect("logged_on");

    c1.send("messenger_client:message(fred, \"hello\").");
    c1.expect("sent");
    c2.expect("Message from peter: \"hello\"");
    server.expect("(messenger@localhost) peter to fred: \"hello\"");
    c2.send("messenger_client:message(peter, \"go away, I'm busy\").");
    c2.expect("sent");
    c1.expect("Message from fred: \"go away, I'm busy\"");

    c2.send("messenger_client:logoff().");
    c2.expect("logged off");
    server.expect("(messenger@localhost) fred logged off");
    c1.send("messenger_client:message(fred, \"are you there?\").");
    c1.expect("receiver_not_found");
    c2.send("messenger_client:logon(peter).");
    c2.expect("user_exists_at_other_node");

    // c1 dies without a word: the server's monitor on Peter's client says noconnection.
    c1.kill();
    server.expect("(messenger@localhost) peter logged off: noconnection");
}
