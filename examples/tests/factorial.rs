//! Runs the factorial example and checks its story: calls, a cast, a crash the caller sees, then
//! `NoProc` from the handle bound to the dead process.

mod common;

#[test]
fn factorial_crashes_and_its_handle_gets_noproc() {
    let (stdout, stderr) = common::run("factorial");

    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("started factorial as <0."), "{stdout}");
    let pid = lines[0].trim_start_matches("started factorial as ");
    assert_eq!(
        lines[1..],
        [
            "5! = 120 (the server had computed 0 before)",
            "20! = 2432902008176640000 (the server had computed 1 before)",
            "10! = 3628800 (the server had computed 0 before: reset)",
            "asking for 40!, which overflows u128: the handler panics",
            "40! failed: the server exited during the call: panicked: factorial overflow",
            "5! failed: no process <0.1.0>: it is not alive",
            &format!("{pid} exited: panicked: factorial overflow"),
        ],
        "{stdout}"
    );
    // The panic is a real one: Rust's panic hook reports it, the runtime contains it.
    assert!(stderr.contains("factorial overflow"), "stderr:\n{stderr}");
}
