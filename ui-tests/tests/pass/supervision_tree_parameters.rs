//! A `supervision_tree!` with run-time parameters: a pool sized by one, a service given an
//! address, a dynamic template and an intensity that use another; the tree nested in another
//! through its `spec`; no warnings (parameters a child does not use are cloned unused).
#![deny(warnings)]
use otp_runtime::prelude::*;
use std::net::SocketAddr;

#[derive(Default)]
struct Counter;

#[gen_server]
impl Counter {}

#[allow(dead_code)]
struct Session {
    user: String,
    greeting: String,
}

#[gen_server]
impl Session {}

async fn serve(addr: SocketAddr, stop: StopSignal) -> std::io::Result<()> {
    let _ = addr;
    stop.await;
    Ok(())
}

#[derive(Clone)]
struct Config {
    greeting: String,
    restarts: u32,
}

supervision_tree! {
    Web(size: usize, addr: SocketAddr, config: Config): one_for_one, intensity config.restarts per 1s {
        pool "counter" * size => Counter, name: "counter";
        service "http" => |stop| serve(addr, stop);
        supervisor "sessions" => start Sessions::start_link(config.clone());
    }

    Sessions(config: Config): dynamic {
        worker "session" => |user: String| Session { user, greeting: config.greeting.clone() };
    }

    Outer: one_for_all {
        supervisor "web" => Web::spec(2, ([127, 0, 0, 1], 0).into(), Config { greeting: "hi".into(), restarts: 3 });
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let outer = Outer::start().await.unwrap();
    assert!(Counter::named("counter2").pid().is_some());
    outer.stop().await.unwrap();
}
