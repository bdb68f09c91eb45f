//! A node that runs until it is told to stop: the factorial service and the messenger,
//! configured by `examples/node.toml` and the environment. Ctrl-C (SIGINT) or SIGTERM stops
//! the applications in reverse start order, each tree within its children's shutdown
//! settings, and the exit code says how the node ended. Everything it prints is a report,
//! on stderr, in OTP's style.
//!
//! Run it with `cargo run --example node`, then press Ctrl-C;
//! `FACTORIAL__SERVERS=5 cargo run --example node` overrides the file.

use examples::apps::{FactorialService, MessengerService};
use otp_runtime::node::{Node, NodeExit};

// ANCHOR: main
#[tokio::main]
async fn main() -> NodeExit {
    Node::new()
        .application(FactorialService)
        .application(MessengerService)
        .config_file(concat!(env!("CARGO_MANIFEST_DIR"), "/node.toml"))
        .run() // until SIGINT or SIGTERM, or a permanent application's exit
        .await
}
// ANCHOR_END: main
