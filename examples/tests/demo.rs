//! Runs the demo and checks its story: a node boots two applications, both serve, a
//! factorial server crashes, its supervisor restarts it under a new pid with fresh state,
//! the messenger is untouched, and the node stops cleanly. The reports on stderr show the
//! same in OTP's style.

mod common;

#[test]
fn demo_a_node_whose_crashed_server_is_restarted_while_the_rest_goes_on() {
    let (stdout, stderr) = common::run("demo");

    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 10, "{stdout}");
    assert_eq!(
        lines[..6],
        [
            "== otp-runtime demo: a node, two applications, let it crash ==",
            "the node booted: factorial 1.0.0, messenger 1.0.0",
            "20! = 2432902008176640000 (factorial1 had computed 0 before)",
            "fred read: message from peter: 20! is 2432902008176640000",
            "asking factorial1 for 40!, which overflows u128: the handler panics",
            "40! failed: the server exited during the call: panicked: factorial overflow",
        ],
        "{stdout}"
    );
    let pids = lines[6]
        .strip_prefix("the supervisor restarted factorial1: ")
        .and_then(|l| l.strip_suffix(", with fresh state"))
        .expect(&stdout);
    let (old, new) = pids.split_once(" is now ").expect(&stdout);
    assert!(old.starts_with("<0.") && new.starts_with("<0."), "{stdout}");
    assert_ne!(old, new, "a new process runs the server");
    assert_eq!(
        lines[7..],
        [
            "5! = 120 (factorial1 had computed 0 before)",
            "the messenger went on: fred read: message from peter: still here?",
            "stopped the node: stopped",
        ],
        "{stdout}"
    );

    // The reports, in order: both applications started, the crash and the restart, then
    // the applications stopped, the last started first.
    let reports = [
        "application started\n    application: factorial\n",
        "application started\n    application: messenger\n",
        "=CRASH REPORT==== ",
        "    name: factorial1\n",
        "    location: examples/src/factorial.rs:",
        "=SUPERVISOR REPORT==== ",
        "    child terminated\n    supervisor: factorial_sup\n    child: factorial1\n",
        "    reason: panicked: factorial overflow\n",
        "=PROGRESS REPORT==== ",
        "    child restarted\n    supervisor: factorial_sup\n    child: factorial1\n",
        "application exited\n    application: messenger\n    exited: stopped\n",
        "application exited\n    application: factorial\n    exited: stopped\n",
    ];
    let mut at = 0;
    for report in reports {
        let found = stderr[at..]
            .find(report)
            .unwrap_or_else(|| panic!("no {report:?} after byte {at} of stderr:\n{stderr}"));
        at += found + report.len();
    }
    // The crash is told once, by its report: the panic hook keeps it from Rust's default
    // hook, which would print it again, naming a thread.
    assert!(!stderr.contains("panicked at"), "{stderr}");
}
