//! Runs the messenger example and checks its story: three users log on and a second fred is
//! refused; messages go through by name and are read in order; a message to someone not
//! logged on is refused, and so is one from someone who logged off; a killed client's user is
//! logged off by the server's monitor; once the messenger is stopped, nobody can log on.

mod common;

#[test]
fn messenger_passes_messages_and_refuses_what_erlangs_refuses() {
    let (stdout, _stderr) = common::run("messenger");

    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 18, "{stdout}");
    // which_children lists the newest first: the clients' supervisor, then the server.
    let children = lines[0]
        .strip_prefix("started the messenger: clients <0.")
        .expect(&stdout);
    assert!(children.contains(">, server <0."), "{stdout}");
    assert_eq!(
        lines[1..],
        [
            "logged on: fred, james, peter",
            "a second fred: fred is already logged on",
            "peter to fred: \"hello\"",
            "fred read: message from peter: hello",
            "fred to peter: \"go away, I'm at lunch\"",
            "james to peter: \"lunch? me too\"",
            "peter read: message from fred: go away, I'm at lunch",
            "peter read: message from james: lunch? me too",
            "james to harry: harry is not logged on",
            "fred logged off; logged on: james, peter",
            "peter to fred: fred is not logged on",
            "fred to peter: you are not logged on",
            "james's client was killed; logged on: peter",
            "peter to james: james is not logged on",
            "james to peter: you are not logged on",
            "stopped the messenger",
            "mary: cannot start a client: supervisor unreachable: no process registered as \"messenger_clients\"",
        ],
        "{stdout}"
    );
}
