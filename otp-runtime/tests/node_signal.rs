//! SIGTERM stops a node gracefully: each child gets its full shutdown time, and one that
//! does not finish in time is killed at its deadline. The node runs in a child process (this
//! test binary, run again with `OTP_NODE_SIGNAL_CHILD` set), which the test signals for real.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otp_runtime::application::{Application, NoConfig};
use otp_runtime::node::Node;
use otp_runtime::prelude::*;
use otp_runtime::time::Instant;

const CHILD: &str = "OTP_NODE_SIGNAL_CHILD";

/// When the stop began (the application's `prep_stop`), to time what follows.
type Clock = Arc<Mutex<Option<Instant>>>;

fn ms_since(clock: &Clock) -> u128 {
    clock.lock().unwrap().map_or(0, |t| t.elapsed().as_millis())
}

/// Traps exits, so a shutdown runs its `terminate`, which takes `cleanup` (forever if None).
struct Cleaner {
    label: &'static str,
    cleanup: Option<Duration>,
    clock: Clock,
}

#[gen_server]
impl Cleaner {
    #[init]
    fn init(&mut self, ctx: &mut Ctx<Self>) {
        ctx.trap_exit(true);
    }

    #[call]
    fn ping(&self) {}

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        println!(
            "{}: terminate({reason}) began at {} ms",
            self.label,
            ms_since(&self.clock)
        );
        match self.cleanup {
            Some(d) => {
                otp_runtime::time::sleep(d).await;
                println!("{}: cleanup finished", self.label);
            }
            None => std::future::pending().await,
        }
    }
}

struct Service {
    clock: Clock,
    /// One child that never finishes its cleanup, with no shutdown deadline: a stop that
    /// cannot end.
    stuck_forever: bool,
}

impl Application for Service {
    const NAME: &'static str = "signal-service";
    const VERSION: &'static str = "1.0.0";
    type Config = NoConfig;

    async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
        let child = |label, cleanup, shutdown| {
            let clock = self.clock.clone();
            ChildSpec::worker(label, move || Cleaner {
                label,
                cleanup,
                clock: clock.clone(),
            })
            .shutdown(Shutdown::Timeout(shutdown))
        };
        if self.stuck_forever {
            let clock = self.clock.clone();
            let sup = SupervisorSpec::one_for_one()
                .child(
                    ChildSpec::worker("forever", move || Cleaner {
                        label: "forever",
                        cleanup: None,
                        clock: clock.clone(),
                    })
                    .shutdown(Shutdown::Infinity),
                )
                .start_link()
                .await?;
            println!("ready");
            return Ok(sup);
        }
        let sup = SupervisorSpec::one_for_one()
            // Stopped last: never finishes its cleanup, killed after 300 ms.
            .child(child("stuck", None, Duration::from_millis(300)))
            // Stopped first: needs 500 ms of its 2 s.
            .child(child(
                "slow",
                Some(Duration::from_millis(500)),
                Duration::from_secs(2),
            ))
            .start_link()
            .await?;
        // The node watches its signals from before the boot: safe to signal from now on.
        println!("ready");
        Ok(sup)
    }

    async fn prep_stop(&self) {
        *self.clock.lock().unwrap() = Some(Instant::now());
    }

    async fn stop(&self) {
        println!("stopped at {} ms", ms_since(&self.clock));
    }
}

/// The node, when this binary runs as the child.
#[test]
fn signal_child() {
    let Some(scenario) = std::env::var_os(CHILD) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let exit = rt.block_on(
        Node::new()
            .application(Service {
                clock: Clock::default(),
                stuck_forever: scenario == "stuck",
            })
            .run(),
    );
    println!("node exit: {exit}");
    std::process::exit(if exit.is_clean() { 0 } else { 1 });
}

/// Whether a line holds `text` (libtest's own output may share the child's first line).
fn has(lines: &[String], text: &str) -> bool {
    lines.iter().any(|l| l.contains(text))
}

/// The number printed after `prefix` and before " ms".
fn ms(lines: &[String], prefix: &str) -> u128 {
    let line = lines
        .iter()
        .find_map(|l| l.split_once(prefix).map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no line {prefix:?} in {lines:#?}"));
    line.trim_end_matches(" ms").parse().unwrap()
}

/// Runs the node as a child process in `scenario`, sends it SIGTERM `signals` times once it
/// has booted (the next after each "terminate" line), and returns its status and output.
fn run_child(scenario: &str, signals: usize) -> (std::process::ExitStatus, Vec<String>, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["signal_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, scenario)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    let mut stderr = child.stderr.take().unwrap();
    let errs = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut lines = Vec::new();
    let wait_for = |text: &str, lines: &mut Vec<String>, child: &mut std::process::Child| {
        while !has(lines, text) {
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(l) => lines.push(l),
                Err(_) => {
                    let _ = child.kill();
                    panic!("the child printed no {text:?} in time; its output: {lines:#?}");
                }
            }
        }
    };
    let kill = |child: &std::process::Child| {
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    };
    wait_for("ready", &mut lines, &mut child);
    kill(&child);
    for _ in 1..signals {
        wait_for("terminate(shutdown) began", &mut lines, &mut child);
        kill(&child);
    }
    // Generous: a stop takes about a second; a node that waited forever would never end.
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) => lines.push(l),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                panic!("the child did not stop in time; its output: {lines:#?}");
            }
        }
    }
    let status = child.wait().unwrap();
    (status, lines, errs.join().unwrap())
}

#[test]
fn sigterm_gives_each_child_its_shutdown_time_and_kills_a_stuck_one_at_its_deadline() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let (status, lines, stderr) = run_child("graceful", 1);
    let context = format!("stdout: {lines:#?}\nstderr:\n{stderr}");
    assert!(status.success(), "exit status {status}\n{context}");
    assert!(has(&lines, "node exit: stopped"), "{context}");

    // The children stop in reverse start order: slow, then stuck.
    let slow = ms(&lines, "slow: terminate(shutdown) began at ");
    let stuck = ms(&lines, "stuck: terminate(shutdown) began at ");
    let stopped = ms(&lines, "stopped at ");
    assert!(slow <= stuck, "{context}");
    // Slow got the time it needed (500 ms of its 2 s) and finished its cleanup.
    assert!(has(&lines, "slow: cleanup finished"), "{context}");
    assert!(stuck >= slow + 500, "{context}");
    // Stuck never finishes: killed at its 300 ms deadline (and not waited for much longer).
    assert!(!has(&lines, "stuck: cleanup finished"), "{context}");
    assert!(stopped >= stuck + 300, "{context}");
    assert!(stopped < stuck + 300 + 2000, "{context}");

    // The reports on stderr, in OTP's style: the signal, the kill, the application's stop.
    for expected in [
        "=INFO REPORT==== ",
        "    node stopping\n    signal: SIGTERM\n",
        "=SUPERVISOR REPORT==== ",
        "    child: stuck\n",
        "    reason: killed\n",
        "    application exited\n    application: signal-service\n    exited: stopped\n",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?}\n{context}");
    }
}

#[test]
fn a_second_sigterm_ends_a_stop_that_cannot_finish() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    // Its only child never finishes its cleanup and has no deadline: the first SIGTERM
    // starts a stop that would never end; the second ends the program at once.
    let (status, lines, stderr) = run_child("stuck", 2);
    let context = format!("stdout: {lines:#?}\nstderr:\n{stderr}");
    assert_eq!(status.code(), Some(143), "{context}");
    assert!(!has(&lines, "node exit"), "{context}");
    assert!(
        stderr.contains("    second signal: the node exits at once, without finishing\n"),
        "{context}"
    );
}
