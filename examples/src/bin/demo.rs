//! The README's first program: a gen_server that computes factorials, crashes when the result
//! overflows, and is started again under its name by a hand-written restarter (a preview of
//! what supervisors will do).
//!
//! Run it with `cargo run -p examples --bin demo`.

use std::error::Error;
use std::time::Duration;

use otp_runtime::prelude::*;
use tokio::sync::mpsc;

// ANCHOR: server
/// Computes factorials and counts how many it has computed.
#[derive(Default)]
struct Factorial {
    computed: u64,
}

impl GenServer for Factorial {
    /// `n`, to ask for n!.
    type Call = u64;
    /// n!, and how many factorials this server had computed before.
    type Reply = (u128, u64);
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn handle_call(&mut self, n: u64, _ctx: &mut Ctx<Self>) -> CallResult<(u128, u64)> {
        // Checked in every profile: 35! and above overflow u128, and the panic crashes the server.
        let product = (1..=u128::from(n))
            .try_fold(1u128, |acc, k| acc.checked_mul(k))
            .expect("factorial overflow");
        self.computed += 1;
        CallResult::Reply((product, self.computed - 1))
    }
}
// ANCHOR_END: server

// ANCHOR: restarter
/// How many times the restarter starts the server again before it gives up.
const MAX_RESTARTS: usize = 3;

/// A hand-written preview of a supervisor: a process that traps exits, starts the server
/// linked to itself and registered as "factorial", and starts it again under the same name
/// each time it dies. It reports every pid it starts on `started`; any message to it means
/// "stop the server and exit".
fn restarter(started: mpsc::UnboundedSender<Pid>) -> ProcessRef<()> {
    otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
        // The server's exit signal becomes a message instead of killing us too.
        ctx.trap_exit(true);
        for _ in 0..=MAX_RESTARTS {
            let opts = StartOpts::new().name("factorial").link();
            let server = match Factorial::default().start_with(opts).await {
                Ok(server) => server,
                Err(e) => return ExitReason::other(format_args!("cannot start factorial: {e}")),
            };
            let pid = server.pid().expect("a handle from start has a pid");
            let _ = started.send(pid);
            loop {
                match ctx.recv().await {
                    Message::Exit { from, .. } if from == pid => break, // start it again
                    Message::Msg(()) => {
                        let _ = server
                            .stop(ExitReason::Shutdown, Duration::from_secs(1))
                            .await;
                        return ExitReason::Normal;
                    }
                    _ => {}
                }
            }
        }
        ExitReason::other("factorial crashed too often")
    })
}
// ANCHOR_END: restarter

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    println!("== otp-runtime demo: let it crash ==");
    // `main` is not a process and has no mailbox: the restarter tells it about each start
    // over a plain tokio channel.
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let restarter = restarter(started_tx);
    let first = started.recv().await.ok_or("the restarter gave up")?;
    println!("the restarter started factorial as {first}");

    // ANCHOR: calls
    // A named handle looks "factorial" up at each call, so it survives restarts.
    let factorial = ServerRef::<Factorial>::named("factorial");
    let (f, before) = factorial.call(5).await?;
    println!("5! = {f} (the server had computed {before} before)");
    let (f, before) = factorial.call(20).await?;
    println!("20! = {f} (the server had computed {before} before)");

    println!("asking for 40!, which overflows u128: the handler panics");
    let err = factorial.call(40).await.unwrap_err();
    assert!(matches!(err, CallError::Exited(ExitReason::Panic(_))));
    println!("40! failed: {err}");
    // ANCHOR_END: calls

    // ANCHOR: restarted
    let second = started.recv().await.ok_or("the restarter gave up")?;
    println!("the restarter started factorial again as {second} (it was {first})");
    let (f, before) = factorial.call(5).await?;
    println!("5! = {f} (the server had computed {before} before: fresh state)");
    // ANCHOR_END: restarted

    restarter.send(()).map_err(|_| "the restarter died")?;
    println!("the restarter exited: {}", restarter.wait_exit().await);
    Ok(())
}
