//! The factorial server (`examples::factorial`, written with `#[gen_server]`): a call that
//! computes n! and counts, a cast that resets the count. It crashes when n! overflows; the
//! caller gets the crash as an error, and the handle, bound to the dead process, then gets
//! `NoProc`.
//!
//! Run it with `cargo run --example factorial`.

use std::error::Error;

use examples::factorial::Factorial;
use otp_runtime::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // ANCHOR: start
    // Runs the server in a new process; returns once it is ready, with a `FactorialRef`.
    let factorial = Factorial::default().start().await?;
    let pid = factorial.pid().ok_or("a handle from start has a pid")?;
    println!("started factorial as {pid}");
    // ANCHOR_END: start

    // ANCHOR: calls
    // One async method per #[call]: the reply, or why there is none.
    let (f, before) = factorial.factorial(5).await?;
    println!("5! = {f} (the server had computed {before} before)");
    let (f, before) = factorial.factorial(20).await?;
    println!("20! = {f} (the server had computed {before} before)");

    // One method per #[cast]: it never blocks, and the server handles it before our next call.
    factorial.reset();
    let (f, before) = factorial.factorial(10).await?;
    println!("10! = {f} (the server had computed {before} before: reset)");
    // ANCHOR_END: calls

    // ANCHOR: crash
    println!("asking for 40!, which overflows u128: the handler panics");
    let err = factorial.factorial(40).await.unwrap_err();
    assert!(matches!(err, CallError::Exited(ExitReason::Panic(_))));
    println!("40! failed: {err}");

    // The handle is bound to the process that died, and nothing restarted it.
    let err = factorial.factorial(5).await.unwrap_err();
    assert!(matches!(err, CallError::NoProc { .. }), "{:?}", err);
    println!("5! failed: {err}");
    println!("{pid} exited: {}", factorial.wait_exit().await);
    // ANCHOR_END: crash
    Ok(())
}
