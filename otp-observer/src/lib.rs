//! A terminal observer for [otp-runtime](otp_runtime) nodes, as Erlang's `observer` and
//! `observer_cli`: a node's supervision trees with each child's state and restarts, its
//! processes sortable by mailbox length, message rate and restarts, one process in detail
//! (state, links, monitors, last exit, last events), and keys to kill a process or restart
//! a child, asking first.
//!
//! ```text
//! 1 Node  2 Tree  3 Processes  4 Detail
//! ┌Supervision trees──────────────────────────────────────────────┐
//! │factorial_sup <0.2.0>  supervisor  restarts 1  intensity 1/5 …  │
//! │└─ factorial1  running  <0.7.0>  restarts 1  last exit: panic … │
//! ```
//!
//! Two ways to run it:
//! - inside the program: [`run`] opens it on the program's terminal, watching a node of the
//!   program;
//! - from another program: the watched node starts an [`Agent`] (it opts in; the cookie is
//!   the authentication), and the `otp-observer` binary attaches to it as a hidden node:
//!   `otp-observer --attach app@host --cookie secret`.
//!
//! The pieces: [`Snapshot`] and [`Inspect`] (the model, with no terminal), [`Source`]
//! (where snapshots come from: [`LocalSource`], [`RemoteSource`]), [`App`] (the state
//! between frames and what keys do), [`draw`] (the screens, with ratatui).
//!
//! Cost: a snapshot asks every behaviour for its mailbox length and counters through the
//! system path, once per refresh ([`DEFAULT_REFRESH`]); the bench `observer` measures the
//! effect on a busy node's throughput. The detail screen turns its process's
//! [`sys::log`](otp_runtime::sys::log) on while it is shown.
//!
//! # Examples
//!
//! ```no_run
//! # #[tokio::main] async fn main() -> std::io::Result<()> {
//! let node = otp_runtime::node::Node::new();
//! // ... start applications on it ...
//! otp_observer::run(&node).await // until `q`
//! # }
//! ```

#![doc(test(attr(deny(warnings))))]
#![warn(missing_docs)]

mod agent;
mod app;
mod model;
mod source;
mod terminal;
mod ui;

pub use agent::{Agent, AgentRef, RemoteSource, AGENT_NAME};
pub use app::{App, Pending, SortBy, Tab, TreeLine};
pub use model::{
    Child, ChildStatus, EventRow, Inspect, NodeInfo, ProcessRow, Rates, Snapshot, Tree, LOG_EVENTS,
};
pub use source::{serve, BoxFuture, LocalSource, Request, Response, Source, SourceError};
pub use terminal::{run, run_with, DEFAULT_REFRESH};
pub use ui::{buffer_text, draw};
