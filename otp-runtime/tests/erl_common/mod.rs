//! Real `erl` nodes for the distribution tests and the distribution benchmark: started
//! against the test's own EPMD port (`ERL_EPMD_PORT`, `-start_epmd false`), their output
//! read line by line, killed when dropped. Used by dist_erlang.rs, dist_robust.rs and the
//! dist benchmark.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Whether `erl` can run here; if not, says why once and the caller returns.
pub fn have_erl() -> bool {
    let ok = Command::new("erl")
        .args(["-noshell", "-eval", "halt()."])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("OTP_RS_REQUIRE_ERL").is_none(),
            "OTP_RS_REQUIRE_ERL is set but erl does not run"
        );
        eprintln!("skipped: erl not found (install Erlang/OTP 25+ to run the interop tests)");
    }
    ok
}

#[path = "../ports/mod.rs"]
mod ports;
#[allow(unused_imports)] // not every test binary that includes this module uses it
pub use ports::free_port;

/// A running `erl` node, killed on drop; its output lines are read as they come.
pub struct Erl {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Erl {
    /// `erl -sname name -setcookie cookie -noshell -eval script`, registering with the EPMD
    /// on port `epmd` of this host.
    pub fn start(name: &str, cookie: &str, epmd: u16, script: &str) -> Erl {
        let mut child = Command::new("erl")
            .args([
                "-sname",
                name,
                "-setcookie",
                cookie,
                "-noshell",
                "-start_epmd",
                "false",
                "-eval",
                script,
            ])
            .env("ERL_EPMD_PORT", epmd.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("erl starts");
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx2.send(format!("stderr: {l}"));
            }
        });
        Erl {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (without blocking the runtime) up to `within` for a line containing `text`,
    /// and returns it.
    pub async fn expect_within(&mut self, text: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            while let Ok(l) = self.lines.try_recv() {
                let hit = l.contains(text);
                self.seen.push(l);
                if hit {
                    return self.seen.last().unwrap().clone();
                }
            }
            assert!(
                Instant::now() < deadline,
                "erl never printed {text:?}; it printed: {:#?}",
                self.seen
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits up to 30 s for a line containing `text`, and returns it.
    pub async fn expect(&mut self, text: &str) -> String {
        self.expect_within(text, Duration::from_secs(30)).await
    }

    /// Waits for the node to end by itself.
    pub async fn exited(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "erl did not halt: {:#?}",
                self.seen
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        while let Ok(l) = self.lines.try_recv() {
            self.seen.push(l);
        }
    }

    /// Kills the node now and waits for it to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn count(&self, text: &str) -> usize {
        self.seen.iter().filter(|l| l.contains(text)).count()
    }
}

impl Drop for Erl {
    fn drop(&mut self) {
        self.kill();
    }
}
