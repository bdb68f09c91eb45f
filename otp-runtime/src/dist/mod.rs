//! Distribution: a node of an Erlang cluster, speaking Erlang's own protocol.
//!
//! A node made distributed (a name, a cookie) listens for connections, registers its port
//! with EPMD (or runs an EPMD of its own when none answers), and connects on demand to the
//! nodes its processes send to. Everything on the wire is Erlang's: the EPMD requests, the
//! version 6 handshake with its MD5 challenge, frames of External Term Format, and the
//! control messages (SEND, REG_SEND, LINK, EXIT, MONITOR_P, ...). So a Rust node joins a
//! real Erlang or Elixir cluster as a hidden node, and two Rust nodes cluster over the same
//! proven protocol instead of a home-made one.
//!
//! The pieces, each in its own module:
//! - [`term`]: Erlang terms as Rust values, and the External Term Format codec;
//! - `epmd`: the port mapper's client, and an EPMD-compatible server;
//! - `handshake` and `flags`: connection set-up and the capability flags;
//! - `connection`: frames, ticks and control messages on one connection.

mod call;
mod connection;
mod control;
pub mod epmd;
mod error;
pub mod flags;
mod handshake;
mod ids;
pub(crate) mod local;
pub mod mapping;
mod options;
pub(crate) mod sinks;
mod start;
pub mod term;

pub use call::{call, send, send_named};
pub use control::MAX_FRAME;
pub use error::DistError;
pub use handshake::{HandshakeError, SETUP_TIME};
pub use options::DistOptions;
