//! The README's first program: a supervision tree with a factorial server in it. The server
//! crashes when a result overflows, its supervisor starts it again under the same name, and
//! the work goes on.
//!
//! Run it with `cargo run --example demo`.

use std::error::Error;

use examples::factorial::Factorial;
use examples::supervision::{restarted, show};
use otp_runtime::prelude::*;

// ANCHOR: tree
supervision_tree! {
    /// A supervisor with one child: the factorial server, registered as "factorial".
    /// It is restarted whenever it crashes, up to 3 times in 5 seconds.
    DemoTree: one_for_one, intensity 3 per 5s {
        worker "factorial" => Factorial::default(), name: "factorial";
    }
}
// ANCHOR_END: tree

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    println!("== otp-runtime demo: let it crash ==");
    // ANCHOR: start
    let tree = DemoTree::start().await?;
    println!(
        "started a supervision tree; children: {}",
        show(&tree.which_children().await?)
    );
    // ANCHOR_END: start

    // ANCHOR: calls
    // A named handle looks "factorial" up at each call, so it survives restarts.
    let factorial = Factorial::named("factorial");
    let (f, before) = factorial.factorial(5).await?;
    println!("5! = {f} (the server had computed {before} before)");
    let (f, before) = factorial.factorial(20).await?;
    println!("20! = {f} (the server had computed {before} before)");

    let old = factorial.pid().ok_or("factorial is not running")?;
    println!("asking for 40!, which overflows u128: the handler panics");
    let err = factorial.factorial(40).await.unwrap_err();
    assert!(matches!(err, CallError::Exited(ExitReason::Panic(_))));
    println!("40! failed: {err}");
    // ANCHOR_END: calls

    // ANCHOR: restarted
    // The supervisor hears of the crash through its link and starts a new server.
    restarted(&tree, "factorial", old).await?;
    println!(
        "the supervisor restarted the server; children: {}",
        show(&tree.which_children().await?)
    );
    let (f, before) = factorial.factorial(5).await?;
    println!("5! = {f} (the server had computed {before} before: fresh state)");
    // ANCHOR_END: restarted

    // ANCHOR: stop
    tree.stop().await?; // stops the server, then the supervisor
    let err = factorial.factorial(5).await.unwrap_err();
    println!("stopped the tree; 5! failed: {err}");
    // ANCHOR_END: stop
    Ok(())
}
