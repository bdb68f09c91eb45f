//! Runs the demo binary and checks its story: a call, a crash, a restart, fresh state.

use std::process::Command;

#[test]
fn demo_crashes_restarts_and_exits_cleanly() {
    let out = Command::new(env!("CARGO_BIN_EXE_demo"))
        .output()
        .expect("run the demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "demo failed: {}\n{stdout}\n{stderr}",
        out.status
    );

    let lines: Vec<&str> = stdout.lines().collect();
    let position = |wanted: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(wanted))
            .unwrap_or_else(|| panic!("no line starting with {wanted:?} in:\n{stdout}"))
    };
    let first = position("5! = 120 (the server had computed 0 before)");
    let twenty = position("20! = 2432902008176640000 (the server had computed 1 before)");
    let crash =
        position("40! failed: the server exited during the call: panicked: factorial overflow");
    let restarted = position("the restarter started factorial again as <0.");
    let fresh = position("5! = 120 (the server had computed 0 before: fresh state)");
    let end = position("the restarter exited: normal");
    assert!(first < twenty && twenty < crash && crash < restarted && restarted < fresh);
    assert!(fresh < end);
    // The panic is a real one: Rust's panic hook reports it, the runtime contains it.
    assert!(stderr.contains("factorial overflow"), "stderr:\n{stderr}");
}
