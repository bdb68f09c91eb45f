//! A node that lets itself be watched from another program: the demo's two applications on
//! a distributed node `demo@localhost` (cookie `tutorial`), with the observer's agent, and a
//! factorial crash every few seconds, until Ctrl-C.
//!
//! Run it with `cargo run --example observed`; in another terminal, attach:
//! `cargo run -p otp-observer -- --attach demo@localhost --cookie tutorial`.

use std::error::Error;
use std::time::Duration;

use examples::apps::{FactorialService, MessengerService};
use examples::factorial::Factorial;
use otp_runtime::dist::DistOptions;
use otp_runtime::node::Node;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    otp_runtime::report::install();
    // ANCHOR: agent
    let node = Node::named("demo@localhost")?
        .application(FactorialService)
        .application(MessengerService)
        .start()
        .await?;
    node.start_distribution(DistOptions::new("tutorial"))
        .await?;
    // Opts in: observers of nodes with the same cookie may watch it, kill and restart.
    otp_observer::Agent::start_on(&node).await?;
    // ANCHOR_END: agent
    println!("demo@localhost is up; attach with:");
    println!("  cargo run -p otp-observer -- --attach demo@localhost --cookie tutorial");
    let load = tokio::spawn(node.scope(async {
        let factorial = Factorial::named("factorial1");
        loop {
            for n in 0..200 {
                let _ = factorial.factorial(n % 30).await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let _ = factorial.factorial(40).await; // a crash, and a restart to watch
        }
    }));
    tokio::signal::ctrl_c().await?;
    load.abort();
    node.stop().await;
    Ok(())
}
