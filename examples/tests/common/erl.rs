//! Programs that run beside a test: an example program, `erl` nodes and `epmd`, each killed
//! when dropped, whose output lines are read as they come.
//!
//! The tests that use them give every program the same private EPMD port (`ERL_EPMD_PORT`):
//! no system EPMD is used or left behind, and tests that run in parallel never meet.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a line or an exit may take: generous, for a loaded machine.
const DEADLINE: Duration = Duration::from_secs(30);

/// The cookie of the examples' nodes.
pub const COOKIE: &str = "tutorial";

/// Whether `erl` runs here; if not, says so in one line and the test returns. CI sets
/// `OTP_RS_REQUIRE_ERL=1`, which makes a missing `erl` a failure instead.
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

// A port for a test's own EPMD, below the kernel's ephemeral range: otp-runtime's tests
// say why.
#[path = "../../../otp-runtime/tests/ports/mod.rs"]
mod ports;
#[allow(unused_imports)] // not every test binary that includes this module uses it
pub use ports::free_port;

/// `erl -sname name -setcookie tutorial -start_epmd false`, registering with the EPMD on
/// `epmd`, then `args`.
pub fn erl(name: &str, epmd: u16, args: &[&str]) -> Command {
    let mut erl = Command::new("erl");
    erl.args(["-sname", name, "-setcookie", COOKIE, "-start_epmd", "false"])
        .args(args)
        .env("ERL_EPMD_PORT", epmd.to_string());
    erl
}

/// `epmd -port port`, a private EPMD for a test whose Erlang node starts first, once it
/// takes connections.
pub fn epmd(port: u16) -> Running {
    let mut command = Command::new("epmd");
    command.args(["-port", &port.to_string()]);
    let epmd = Running::start("epmd", command);
    let deadline = Instant::now() + DEADLINE;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "epmd never listened on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
    epmd
}

/// A program running beside the test, killed on drop.
pub struct Running {
    what: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    /// Starts `command`, with its stdin, stdout and stderr piped; `what` names it in
    /// failures. Lines of stderr are read as `stderr: LINE`.
    pub fn start(what: &str, mut command: Command) -> Running {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().expect("piped");
        let err = child.stderr.take().expect("piped");
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
        Running {
            what: what.into(),
            stdin: child.stdin.take(),
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for the next line that contains `text`, and returns it; the lines before it
    /// are passed over (and kept in [`Running::seen`]).
    pub fn expect(&mut self, text: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.contains(text) {
                        return l;
                    }
                }
                Err(_) => panic!(
                    "{} never printed {text:?}; it printed: {:#?}",
                    self.what, self.seen
                ),
            }
        }
    }

    /// Writes `line` to its stdin: a command for an Erlang shell.
    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{line}").unwrap_or_else(|e| panic!("{} took no input: {e}", self.what));
    }

    /// Waits for it to end by itself, reading what it printed until then.
    pub fn wait(&mut self) -> ExitStatus {
        self.stdin.take();
        let deadline = Instant::now() + DEADLINE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not end: {:#?}",
                self.what,
                self.seen
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // The readers end when the pipes close.
        while let Ok(l) = self.lines.recv_timeout(DEADLINE) {
            self.seen.push(l);
        }
        status
    }

    /// Kills it now (`kill -9`: an Erlang node gets no chance to say goodbye).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The lines read so far.
    pub fn seen(&self) -> &[String] {
        &self.seen
    }

    /// The lines of stdout read so far.
    pub fn stdout(&self) -> Vec<&str> {
        self.seen
            .iter()
            .filter(|l| !l.starts_with("stderr: "))
            .map(String::as_str)
            .collect()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}
