//! The factorial server of the tutorial, three times, under one supervisor: a supervision tree
//! declared with `supervision_tree!`. One server crashes; the supervisor restarts it, and only
//! it, with fresh state, under the same name. The other two keep their pids and their state,
//! and the tree keeps serving.
//!
//! Run it with `cargo run --example factorial_tree`.

use std::error::Error;

use examples::factorial::Factorial;
use examples::supervision::show;
use otp_runtime::prelude::*;
use otp_runtime::testing::restarted;

// ANCHOR: tree
supervision_tree! {
    /// Three factorial servers, each registered under its id. `one_for_one`: a crash restarts
    /// only the server that crashed. At most 5 restarts in 10 seconds; one more and the
    /// supervisor gives up.
    FactorialTree: one_for_one, intensity 5 per 10s {
        worker "fact1" => Factorial::default(), name: "fact1";
        worker "fact2" => Factorial::default(), name: "fact2";
        worker "fact3" => Factorial::default(), name: "fact3";
    }
}
// ANCHOR_END: tree

// ANCHOR: ask
/// Asks the server registered as `name` for n!, and prints the answer.
async fn ask(name: &str, n: u64) -> Result<(), CallError> {
    let (f, before) = Factorial::named(name).factorial(n).await?;
    println!("{name}: {n}! = {f} (it had computed {before} before)");
    Ok(())
}
// ANCHOR_END: ask

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // ANCHOR: start
    // Starts the supervisor, which starts its children in order; returns once all are up.
    let tree = FactorialTree::start().await?;
    println!("started the tree as {}", tree.pid().ok_or("no pid")?);
    println!("children: {}", show(&tree.which_children().await?));
    // ANCHOR_END: start

    // ANCHOR: work
    ask("fact1", 5).await?;
    ask("fact2", 10).await?;
    ask("fact2", 20).await?;
    ask("fact3", 15).await?;
    // ANCHOR_END: work

    // ANCHOR: crash
    let fact2 = Factorial::named("fact2");
    let old = fact2.pid().ok_or("fact2 is not running")?;
    println!("asking fact2 for 40!, which overflows u128: the handler panics");
    let err = fact2.factorial(40).await.unwrap_err();
    assert!(matches!(err, CallError::Exited(ExitReason::Panic(_))));
    println!("fact2: 40! failed: {err}");

    // The supervisor hears of the crash through its link and starts a new fact2.
    let new = restarted(&tree, "fact2", old).await?;
    println!("the supervisor restarted fact2: {old} is now {new}");
    println!("children: {}", show(&tree.which_children().await?));
    // ANCHOR_END: crash

    // ANCHOR: healed
    // The same named handles reach all three: fact2 starts afresh, the others kept counting.
    for name in ["fact1", "fact2", "fact3"] {
        ask(name, 6).await?;
    }
    // ANCHOR_END: healed

    // ANCHOR: stop
    // Stops the children in reverse start order, then the supervisor.
    tree.stop().await?;
    let err = Factorial::named("fact1").factorial(5).await.unwrap_err();
    println!("stopped the tree; fact1: {err}");
    // ANCHOR_END: stop
    Ok(())
}
