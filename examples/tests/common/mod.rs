//! Running an example program from its test, the way the book tells readers to.
// Each test crate compiles this module and uses some of it.
#![allow(dead_code)]

pub mod erl;

use std::path::Path;
use std::process::Command;

/// Runs `cargo run --example NAME` from the repository's root, as the book and the README
/// say, checks that the program succeeded, and returns its stdout and stderr.
///
/// Cargo has built the examples before it runs the tests (unless a test was picked with
/// `--test`), so this only runs the program; otherwise it builds it first, in the same
/// target directory and profile.
pub fn run(example: &str) -> (String, String) {
    let out = cargo("run", example)
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo for {example}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "cargo run --example {example} failed: {}\n{stdout}\n{stderr}",
        out.status
    );
    (stdout, stderr)
}

/// Builds example `example` with `cargo build --example`, as `run` would, and returns the
/// path of its program, for a test that must signal it while it runs. The program is in the
/// same target directory and profile as this test, two levels up from it.
pub fn build(example: &str) -> std::path::PathBuf {
    let status = cargo("build", example).status().expect("cargo runs");
    assert!(status.success(), "cargo build --example {example} failed");
    let exe = std::env::current_exe().expect("the test's own path");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("tests run from <target>/<profile>/deps");
    profile.join("examples").join(example)
}

/// `cargo VERB --quiet --example NAME` from the repository's root, in this test's profile.
fn cargo(verb: &str, example: &str) -> Command {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the examples crate is in the workspace");
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .current_dir(root)
        .args([verb, "--quiet", "--example", example]);
    if !cfg!(debug_assertions) {
        cargo.arg("--release");
    }
    cargo
}
