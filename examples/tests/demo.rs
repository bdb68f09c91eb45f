//! Runs the demo example and checks its story: a supervision tree comes up, serves, its server
//! crashes, the supervisor restarts it under a new pid with fresh state, and the tree stops.

mod common;

#[test]
fn demo_crashes_and_the_supervisor_restarts_the_server() {
    let (stdout, stderr) = common::run("demo");

    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 9, "{stdout}");
    let first = lines[1]
        .strip_prefix("started a supervision tree; children: factorial ")
        .expect(&stdout);
    let second = lines[6]
        .strip_prefix("the supervisor restarted the server; children: factorial ")
        .expect(&stdout);
    assert!(
        first.starts_with("<0.") && second.starts_with("<0."),
        "{stdout}"
    );
    assert_ne!(first, second, "a new process runs the server");
    assert_eq!(lines[0], "== otp-runtime demo: let it crash ==");
    assert_eq!(
        lines[2..6],
        [
            "5! = 120 (the server had computed 0 before)",
            "20! = 2432902008176640000 (the server had computed 1 before)",
            "asking for 40!, which overflows u128: the handler panics",
            "40! failed: the server exited during the call: panicked: factorial overflow",
        ],
        "{stdout}"
    );
    assert_eq!(
        lines[7..],
        [
            "5! = 120 (the server had computed 0 before: fresh state)",
            "stopped the tree; 5! failed: no such process",
        ],
        "{stdout}"
    );
    // The panic is a real one: Rust's panic hook reports it, the runtime contains it.
    assert!(stderr.contains("factorial overflow"), "stderr:\n{stderr}");
}
