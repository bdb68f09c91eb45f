//! The key-value store server (`examples::kv`, written with `#[gen_server]`), registered as
//! "kv". `main` talks to it through a named handle. Looking up the key "crash" crashes the
//! server; `main` then starts it again under the same name, and the same handle reaches the
//! new server, which starts empty. (`simple_sup` has a supervisor do the restarting.)
//!
//! Run it with `cargo run --example kv`.

use std::error::Error;
use std::time::Duration;

use examples::kv::Kv;
use otp_runtime::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // ANCHOR: start
    let server = Kv::default().start_named("kv").await?;
    println!("started kv as {}", server.pid().ok_or("no pid")?);
    // A named handle looks "kv" up at each request: it reaches whichever server has the name.
    let kv = Kv::named("kv");
    // ANCHOR_END: start

    // ANCHOR: requests
    let old = kv.put("apple".into(), "red".into()).await?;
    println!("put apple = red (replaced {old:?})");
    let old = kv.put("apple".into(), "green".into()).await?;
    println!("put apple = green (replaced {old:?})");
    kv.put("pear".into(), "yellow".into()).await?;
    println!("get apple: {:?}", kv.get("apple".into()).await?);
    kv.delete("pear".into()); // a cast: no reply, handled before our next call
    println!("deleted pear: {} key(s) left", kv.size().await?);
    // ANCHOR_END: requests

    // ANCHOR: crash
    let err = kv.get("crash".into()).await.unwrap_err();
    assert!(matches!(err, CallError::Exited(ExitReason::Panic(_))));
    println!("get crash failed: {err}");
    // The dead server's name is free: nobody has "kv" now.
    let err = kv.size().await.unwrap_err();
    assert!(matches!(err, CallError::NoProc { .. }), "{:?}", err);
    println!("size failed: {err}");
    // ANCHOR_END: crash

    // ANCHOR: restart
    // Restart it by hand under the same name (`simple_sup` has a supervisor do it).
    let server = Kv::default().start_named("kv").await?;
    println!("started kv again as {}", server.pid().ok_or("no pid")?);
    // The same named handle works again, on a server with empty state.
    println!("size: {}", kv.size().await?);
    println!("get apple: {:?}", kv.get("apple".into()).await?);
    // ANCHOR_END: restart

    kv.stop(ExitReason::Shutdown, Duration::from_secs(1))
        .await?;
    println!("kv stopped: {}", server.wait_exit().await);
    Ok(())
}
