//! Runs the rate_limiter example and checks its story: a client over its limit is refused,
//! anyone reads the counts from the table, and the counts survive the worker's crash and
//! restart through the table's heir; stopping the tree deletes the table.

mod common;

#[test]
fn counts_survive_the_restart_of_their_worker() {
    let (stdout, stderr) = common::run("rate_limiter");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "alice: allowed",
            "alice: allowed",
            "alice: allowed",
            "alice: refused",
            "bob: allowed true",
            "alice has made Some(4) requests",
            "limiter crashed: the server exited during the call: panicked: a bug in the limiter",
            "after the restart, alice: refused",
            "alice has made Some(5) requests",
            "stopped; the table went with its owner: true",
        ],
        "{stdout}"
    );
    assert!(stderr.contains("a bug in the limiter"), "stderr:\n{stderr}");
}
