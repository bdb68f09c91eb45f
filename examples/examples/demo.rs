//! The README's first program: a node runs two applications, the factorial service and the
//! messenger. A factorial server crashes when a result overflows; its supervisor starts it
//! again under the same name, and the work goes on, in both applications.
//!
//! The story goes to stdout; the node's OTP-style reports (applications started and
//! stopped, the crash, the restart) to stderr. Run it with `cargo run --example demo`;
//! `FACTORIAL__SERVERS=4 cargo run --example demo` changes the factorial service's
//! configuration. `cargo run --example demo -- --observer` opens the observer on the running
//! node once the story is told (with a little load, and a crash every few seconds): `q` quits
//! and stops the node.

use std::error::Error;

use examples::apps::{FactorialService, MessengerService};
use examples::factorial::Factorial;
use examples::messenger;
use otp_runtime::node::Node;
use otp_runtime::prelude::*;
use otp_runtime::testing::restarted;

#[tokio::main]
async fn main() -> Result<NodeExit, Box<dyn Error>> {
    println!("== otp-runtime demo: a node, two applications, let it crash ==");
    let observe = std::env::args().any(|a| a == "--observer");
    // Reports go to stderr, in OTP's style. Not under the observer: they would draw over it.
    // There, the runtime's panic hook alone keeps a handler's panic for its crash report
    // (which nothing prints) instead of printing it.
    if observe {
        otp_runtime::report::panic_hook();
    } else {
        otp_runtime::report::install();
    }
    // ANCHOR: boot
    let node = Node::new()
        .application(FactorialService)
        .application(MessengerService)
        .start()
        .await?;
    let apps: Vec<String> = node
        .which_applications()
        .await?
        .iter()
        .map(|a| format!("{} {}", a.name, a.version))
        .collect();
    println!("the node booted: {}", apps.join(", "));
    // ANCHOR_END: boot

    // ANCHOR: work
    // A named handle looks "factorial1" up at each call, so it survives restarts.
    let factorial = Factorial::named("factorial1");
    let (f, before) = factorial.factorial(20).await?;
    println!("20! = {f} (factorial1 had computed {before} before)");
    let peter = messenger::logon("peter").await?;
    let fred = messenger::logon("fred").await?;
    peter.message_to("fred", &format!("20! is {f}")).await?;
    println!("fred read: {}", fred.read().await?[0]);
    // ANCHOR_END: work

    // ANCHOR: crash
    let old = factorial.pid().ok_or("factorial1 is not running")?;
    println!("asking factorial1 for 40!, which overflows u128: the handler panics");
    let err = factorial.factorial(40).await.unwrap_err();
    println!("40! failed: {err}");
    // Its supervisor hears of the crash through its link and starts a new server.
    let new = restarted(&SupervisorRef::named("factorial_sup"), "factorial1", old).await?;
    println!("the supervisor restarted factorial1: {old} is now {new}, with fresh state");
    let (f, before) = factorial.factorial(5).await?;
    println!("5! = {f} (factorial1 had computed {before} before)");
    peter.message_to("fred", "still here?").await?;
    println!(
        "the messenger went on: fred read: {}",
        fred.read().await?[0]
    );
    // ANCHOR_END: crash

    if observe {
        watch(&node).await?;
    }

    // ANCHOR: stop
    // What a node does on SIGINT or SIGTERM: the applications stop, the last started first.
    let exit = node.stop().await;
    println!("stopped the node: {exit}");
    // ANCHOR_END: stop
    Ok(exit)
}

// ANCHOR: observer
/// Opens the observer on this terminal, watching `node` under a little load, until `q`.
async fn watch(node: &Node) -> std::io::Result<()> {
    let load = tokio::spawn(node.scope(async {
        let factorial = Factorial::named("factorial2");
        loop {
            for n in 0..200 {
                let _ = factorial.factorial(n % 30).await;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            let _ = factorial.factorial(40).await; // a crash, and a restart to watch
        }
    }));
    let result = otp_observer::run(node).await;
    load.abort();
    result
}
// ANCHOR_END: observer
