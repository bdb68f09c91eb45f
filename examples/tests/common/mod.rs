//! Running an example program from its test.

use std::process::Command;

/// Runs the program at `exe`, checks that it succeeded, and returns its stdout and stderr.
pub fn run(exe: &str) -> (String, String) {
    let out = Command::new(exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {exe}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{exe} failed: {}\n{stdout}\n{stderr}",
        out.status
    );
    (stdout, stderr)
}
