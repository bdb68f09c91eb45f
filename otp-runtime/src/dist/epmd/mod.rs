//! EPMD, the Erlang Port Mapper Daemon: how nodes find each other's ports.
//!
//! A distributed Erlang node listens for other nodes on a port the OS picks. To be found,
//! it registers its name (the part before `@`) and that port with the EPMD of its host, a
//! small server on TCP port 4369 ([`DEFAULT_PORT`], or `ERL_EPMD_PORT`: [`port_from_env`]).
//! A node that wants to connect to `name@host` asks the EPMD on `host` for `name`'s port,
//! then connects there. The registration lasts as long as the TCP connection that made it:
//! when the node stops, its connection closes and EPMD forgets it.
//!
//! - [`register`] (`ALIVE2_REQ`) registers a node and returns a [`Registration`], which
//!   holds the connection: dropping it unregisters. EPMD answers with the node's *creation*,
//!   the incarnation number that goes into its pids and references.
//! - [`port_please`] (`PORT_PLEASE2_REQ`) looks a node up; [`names`] (`NAMES_REQ`) lists
//!   the registered nodes.
//! - [`EpmdServer`] is an EPMD-compatible server: where no EPMD is running, a node runs
//!   one of its own in-process, so Rust nodes cluster without Erlang installed, and real
//!   `erl` nodes on the host register with it and find it as they would find `epmd`.
//! - [`proto`] holds the wire format itself.
//!
//! Every client call gives up after [`TIMEOUT`], and the server treats every byte it
//! receives as hostile (see [`EpmdServer`]).
//!
//! # Examples
//!
//! ```
//! use otp_runtime::dist::epmd::{self, EpmdServer, NodeEntry};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = EpmdServer::bind("127.0.0.1:0".parse()?).await?;
//! let epmd_addr = server.local_addr();
//!
//! let registration = epmd::register(epmd_addr, &NodeEntry::new("kv", 41_000)).await?;
//! let found = epmd::port_please(epmd_addr, "kv").await?.expect("registered");
//! assert_eq!(found.port, 41_000);
//!
//! drop(registration); // the node is unregistered as its connection closes
//! # Ok(())
//! # }
//! ```

mod client;
mod error;
pub mod proto;
mod server;

use std::net::{Ipv4Addr, SocketAddr};

pub use client::{names, port_please, register, Registration, TIMEOUT};
pub use error::EpmdError;
pub use server::{EpmdServer, ServerLimits};

use proto::{NodeRecord, NODE_TYPE_HIDDEN, NODE_TYPE_NORMAL};

/// EPMD's port: 4369.
///
/// # Examples
///
/// ```
/// assert_eq!(otp_runtime::dist::epmd::DEFAULT_PORT, 4369);
/// ```
pub const DEFAULT_PORT: u16 = 4369;

/// The EPMD port of this host: `ERL_EPMD_PORT` when it holds a port number (1..=65535), as
/// `erl` reads it, else [`DEFAULT_PORT`].
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::{port_from_env, DEFAULT_PORT};
/// let port = port_from_env();
/// match std::env::var("ERL_EPMD_PORT").ok().and_then(|p| p.parse::<u16>().ok()) {
///     Some(p) if p != 0 => assert_eq!(port, p),
///     _ => assert_eq!(port, DEFAULT_PORT),
/// }
/// ```
pub fn port_from_env() -> u16 {
    std::env::var("ERL_EPMD_PORT")
        .ok()
        .and_then(|p| p.trim().parse::<u16>().ok())
        .filter(|&p| p != 0)
        .unwrap_or(DEFAULT_PORT)
}

/// A node as EPMD knows it: what a node registers, and what a lookup returns.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::NodeEntry;
/// let entry = NodeEntry { hidden: true, ..NodeEntry::new("worker", 45_000) };
/// assert_eq!((entry.highest, entry.lowest, entry.protocol), (6, 6, 0));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeEntry {
    /// The node's name: the part of `name@host` before the `@` (1 to 255 characters).
    pub name: String,
    /// The port the node accepts distribution connections on.
    pub port: u16,
    /// Registered as a hidden node (type 72, `'H'`) rather than a normal one (77, `'M'`).
    /// EPMD only stores this: whether a connection is hidden is settled in the handshake
    /// (OTP's own nodes register as 77 even when started with `-hidden`). A lookup reports
    /// `true` for types 72 and 104 (older C nodes' hidden type).
    pub hidden: bool,
    /// The transport: 0, TCP over IPv4 (the only one defined).
    pub protocol: u8,
    /// The highest distribution version the node speaks (6 since OTP 23).
    pub highest: u16,
    /// The lowest distribution version the node speaks (OTP 25.2's `erl` still registers 5,
    /// though it no longer accepts version 5 connections).
    pub lowest: u16,
    /// Extra data EPMD keeps and returns with lookups (at most 1,020 bytes; usually empty).
    pub extra: Vec<u8>,
}

impl NodeEntry {
    /// A normal node `name` listening on `port`: TCP, distribution version 6 only (the only
    /// handshake this crate speaks; an OTP 25.2 `erl` registers highest 6, lowest 5).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::epmd::NodeEntry;
    /// let e = NodeEntry::new("a", 1);
    /// assert!(!e.hidden && e.extra.is_empty());
    /// ```
    pub fn new(name: impl Into<String>, port: u16) -> NodeEntry {
        NodeEntry {
            name: name.into(),
            port,
            hidden: false,
            protocol: proto::PROTOCOL_TCP,
            highest: proto::DIST_VERSION,
            lowest: proto::DIST_VERSION,
            extra: Vec::new(),
        }
    }

    /// The wire form, checked as EPMD will check it.
    fn to_record(&self) -> Result<NodeRecord, EpmdError> {
        proto::check_name(&self.name).map_err(|why| EpmdError::InvalidEntry(why.to_string()))?;
        if self.extra.len() > proto::MAX_EXTRA_BYTES {
            return Err(EpmdError::InvalidEntry(format!(
                "extra has {} bytes, EPMD keeps at most {}",
                self.extra.len(),
                proto::MAX_EXTRA_BYTES
            )));
        }
        Ok(NodeRecord {
            port: self.port,
            node_type: if self.hidden {
                NODE_TYPE_HIDDEN
            } else {
                NODE_TYPE_NORMAL
            },
            protocol: self.protocol,
            highest: self.highest,
            lowest: self.lowest,
            name: self.name.clone(),
            extra: self.extra.clone(),
        })
    }
}

impl From<NodeRecord> for NodeEntry {
    fn from(record: NodeRecord) -> NodeEntry {
        NodeEntry {
            hidden: record.is_hidden(),
            name: record.name,
            port: record.port,
            protocol: record.protocol,
            highest: record.highest,
            lowest: record.lowest,
            extra: record.extra,
        }
    }
}

/// How often [`register_or_serve`] goes back to registering after losing a race for the
/// EPMD port.
const RACE_ATTEMPTS: usize = 3;

/// Registers `entry` with the EPMD on `127.0.0.1:epmd_port`, running an EPMD-compatible
/// server in-process when none listens there: this is how a node starts.
///
/// When the port is free, an [`EpmdServer`] is bound on all interfaces (`0.0.0.0`, as
/// `epmd` listens), so that nodes on other hosts can look this node up; registering with
/// it stays limited to this host. If another process binds the port between our refused
/// connection and our bind (two nodes starting at once), registering is tried again with
/// the winner.
///
/// The returned server, if any, belongs to this node: when it is dropped (the node stops),
/// every node registered with it, Erlang's included, is unregistered and must register
/// again (see [`Registration::closed`]); they do not move to another EPMD by themselves.
///
/// # Errors
///
/// As [`register`]; [`EpmdError::Io`] when binding fails other than by the port being
/// taken.
pub(crate) async fn register_or_serve(
    epmd_port: u16,
    entry: &NodeEntry,
) -> Result<(Registration, Option<EpmdServer>), EpmdError> {
    let local = SocketAddr::from((Ipv4Addr::LOCALHOST, epmd_port));
    let any = SocketAddr::from((Ipv4Addr::UNSPECIFIED, epmd_port));
    let mut attempts = 0;
    loop {
        attempts += 1;
        match register(local, entry).await {
            Err(EpmdError::Unreachable { .. }) => {}
            other => return other.map(|registration| (registration, None)),
        }
        match EpmdServer::bind(any).await {
            Ok(server) => {
                let registration = register(local, entry).await?;
                return Ok((registration, Some(server)));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && attempts < RACE_ATTEMPTS => {
                continue;
            }
            Err(source) => return Err(EpmdError::Io { addr: any, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A port nothing listens on: bound to 0, then released.
    fn free_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    // Plan item 5: the first node to start serves EPMD; the second registers with it.
    #[tokio::test]
    async fn register_or_serve_serves_then_registers_with_the_server() {
        let port = free_port();
        let (first, server) = register_or_serve(port, &NodeEntry::new("first", 7001))
            .await
            .unwrap();
        let server = server.expect("nothing listened: the first node serves");
        assert_eq!(server.local_addr().port(), port);

        let (second, none) = register_or_serve(port, &NodeEntry::new("second", 7002))
            .await
            .unwrap();
        assert!(
            none.is_none(),
            "the second node registers with the first's server"
        );
        let names: Vec<_> = server
            .names()
            .into_iter()
            .map(|e| (e.name, e.port))
            .collect();
        assert_eq!(
            names,
            [("first".to_string(), 7001), ("second".to_string(), 7002)]
        );
        assert_eq!(first.epmd(), second.epmd());

        // The owner stops: the other node's registration is gone with the server.
        let mut second = second;
        server.shutdown().await;
        tokio::time::timeout(std::time::Duration::from_secs(10), second.closed())
            .await
            .expect("the registration ends with the server");
        drop(first);
    }

    #[tokio::test]
    async fn register_or_serve_reports_a_taken_name() {
        let port = free_port();
        let (_first, _server) = register_or_serve(port, &NodeEntry::new("same", 1))
            .await
            .unwrap();
        let again = register_or_serve(port, &NodeEntry::new("same", 2)).await;
        assert!(matches!(again, Err(EpmdError::NameTaken(n)) if n == "same"));
    }
}
