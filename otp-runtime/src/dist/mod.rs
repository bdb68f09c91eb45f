//! Distribution: a node of an Erlang cluster, speaking Erlang's own protocol.
//!
//! A node made distributed ([`Node::start_distribution`](crate::node::Node::start_distribution):
//! a name, a cookie) listens for connections, registers its port with EPMD (or serves EPMD
//! itself, in-process, when none answers), and connects on demand to the nodes its
//! processes talk to. Everything on the wire is Erlang's: the EPMD requests, the version 6
//! handshake with its MD5 challenge, frames of External Term Format, and the control
//! messages (SEND, REG_SEND, LINK, EXIT, MONITOR_P, ...). So a Rust node joins a real
//! Erlang or Elixir cluster (OTP 25 and newer) as a hidden node, and Rust nodes cluster with
//! each other over the same proven protocol instead of a home-made one.
//!
//! What crosses nodes, as in Erlang:
//! - messages: [`send`] to a pid of any node, [`send_named`] to `{Name, Node}`; a process
//!   receives them once it [accepts them](crate::ProcessCtx::accept_remote), decoded into
//!   its message type ([`mapping`]);
//! - calls: `#[gen_server(remote)]` servers answer `gen_server:call` from any node, and a
//!   handle made with `FooRef::remote(name, node)` (or [`call`], untyped) calls a server
//!   of another node, Erlang or Rust;
//! - links, monitors and exit signals: a process linked to or monitoring a process of
//!   another node learns of its death; when the connection goes down, every link gets an
//!   exit signal and every monitor a `DOWN` with [`ExitReason::NoConnection`](crate::ExitReason::NoConnection),
//!   and calls in flight end at once with [`CallError::NodeDown`](crate::CallError::NodeDown);
//! - `net_adm:ping` gets `pong`, and [`Node::ping`](crate::node::Node::ping) pings.
//!
//! # Examples
//!
//! Two nodes in one program, a server on one called from the other:
//!
//! ```
//! use otp_runtime::dist::DistOptions;
//! use otp_runtime::node::Node;
//! use otp_runtime::prelude::*;
//!
//! #[derive(Default)]
//! pub struct Counter { n: i64 }
//!
//! #[gen_server(remote)]
//! impl Counter {
//!     /// `{add, N}` in Erlang: adds and answers the new count.
//!     #[call]
//!     pub fn add(&mut self, n: i64) -> i64 { self.n += n; self.n }
//! }
//!
//! # #[tokio::main] async fn main() {
//! # let epmd = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
//! let opts = DistOptions::new("secret").epmd_port(epmd); // an EPMD port of this example's own
//! let a = Node::named("a@localhost").unwrap();
//! let b = Node::named("b@localhost").unwrap();
//! a.start_distribution(opts.clone()).await.unwrap(); // serves EPMD: none runs on that port
//! b.start_distribution(opts).await.unwrap();
//! b.scope(Counter::default().start_named("counter")).await.unwrap();
//!
//! assert!(a.ping("b@localhost").await);
//! let counter = a.scope(async { CounterRef::remote("counter", "b@localhost") }).await;
//! assert_eq!(counter.add(2).await, Ok(2));
//! assert_eq!(counter.add(3).await, Ok(5));
//! b.stop().await;
//! assert_eq!(counter.add(1).await, Err(CallError::NodeDown("b@localhost".into())));
//! # a.stop().await;
//! # }
//! ```
//!
//! From Erlang, with `erl -sname e -setcookie secret` (and `ERL_EPMD_PORT` set to the same
//! port), `gen_server:call({counter, 'b@localhost'}, {add, 2})` calls the same server.
//!
//! The pieces, each in its own module:
//! - [`term`]: Erlang terms as Rust values, and the External Term Format codec;
//! - [`mapping`]: Rust types as terms ([`ToTerm`](mapping::ToTerm),
//!   [`FromTerm`](mapping::FromTerm) and their derives);
//! - [`epmd`]: the port mapper's client, and an EPMD-compatible server;
//! - `handshake` and [`flags`]: connection set-up and the capability flags;
//! - `local` and `connection`: a distributed node's state, and its connections' frames,
//!   ticks and control messages; `serve`: gen_servers across nodes.

mod call;
mod connection;
mod control;
pub mod epmd;
mod error;
mod events;
pub mod flags;
mod handshake;
mod ids;
pub(crate) mod local;
pub mod mapping;
mod options;
pub(crate) mod rpc;
pub(crate) mod serve;
pub(crate) mod sinks;
mod start;
mod system;
pub mod term;
pub mod transport;

pub use call::{call, monitor_name, send, send_named, NameMonitor};
pub(crate) use call::{call_pid_on, call_term, cast_on, cast_pid_on};
pub use control::MAX_FRAME;
pub use error::DistError;
pub use events::{abcast, multi_call, NodeEvent, NodeEvents};
pub use handshake::{HandshakeError, SETUP_TIME};
pub use options::DistOptions;
pub use rpc::{rpc, RpcError};
#[doc(hidden)]
pub use serve::{arg, reply_of, request_term, split_request, to_term, unknown_request, RemoteFns};
