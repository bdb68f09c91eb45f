//! The program's default node: its first node, found by code outside any process and scope;
//! replaced by the next node made once it has stopped. One test alone in its program, since the
//! default node is the program's.

use otp_runtime::node::{Node, NodeExit};
use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Greeter;

#[gen_server]
impl Greeter {
    #[call]
    pub fn hello(&self) -> &'static str {
        "hello"
    }
}

#[test]
fn the_first_node_is_the_default_until_it_stops() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // A single-node program: `main` makes its node, starts a server there, and finds
        // it by name from `main` and from plain tokio tasks.
        let main_node = Node::new();
        let second = Node::new();
        assert_eq!(Node::current(), main_node);
        main_node
            .scope(Greeter.start_named("greeter"))
            .await
            .unwrap();
        assert_eq!(Greeter::named("greeter").hello().await, Ok("hello"));
        let from_task = tokio::spawn(async { Greeter::named("greeter").hello().await });
        assert_eq!(from_task.await.unwrap(), Ok("hello"));
        assert_eq!(second.whereis("greeter"), None);

        // Stopped, it stays the default until a node is made: code that needs a node is told
        // the node has stopped, rather than handed a fresh one that nobody would stop.
        assert_eq!(main_node.stop().await, NodeExit::Stopped);
        assert_eq!(Node::current(), main_node);
        let late = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async { ExitReason::Normal });
        assert_eq!(late.wait_exit().await, ExitReason::NoConnection);
        assert_eq!(Greeter.start().await.unwrap_err(), StartError::NodeStopped);

        // The next node made replaces it; a node made before is not promoted.
        let next = Node::new();
        assert_eq!(Node::current(), next);
        assert_ne!(Node::current(), second);
        let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async { ExitReason::Normal });
        assert_eq!(
            p.wait_exit().await,
            ExitReason::Normal,
            "it ran, on the new default"
        );
        assert_eq!(p.pid().node(), next.id());
    });
}
