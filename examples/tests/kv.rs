//! Runs the kv example and checks its story: requests through a named handle, a crash the caller
//! sees, `NoProc` while the name is free, and the same handle working again after a restart.

mod common;

#[test]
fn kv_crashes_restarts_under_its_name_and_starts_empty() {
    let (stdout, stderr) = common::run("kv");

    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 11, "{stdout}");
    let first = lines[0].strip_prefix("started kv as ").expect(&stdout);
    let second = lines[7]
        .strip_prefix("started kv again as ")
        .expect(&stdout);
    assert!(
        first.starts_with("<0.") && second.starts_with("<0."),
        "{stdout}"
    );
    assert_ne!(first, second, "a new process has the name");
    assert_eq!(
        lines[1..7],
        [
            "put apple = red (replaced None)",
            "put apple = green (replaced Some(\"red\"))",
            "get apple: Some(\"green\")",
            "deleted pear: 1 key(s) left",
            "get crash failed: the server exited during the call: panicked: asked to crash",
            "size failed: no process registered as \"kv\"",
        ],
        "{stdout}"
    );
    assert_eq!(
        lines[8..],
        ["size: 0", "get apple: None", "kv stopped: shutdown"],
        "{stdout}"
    );
    assert!(stderr.contains("asked to crash"), "stderr:\n{stderr}");
}
