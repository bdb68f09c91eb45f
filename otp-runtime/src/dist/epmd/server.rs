//! An EPMD-compatible server, run in-process by a node when no EPMD is running.
//!
//! It answers real `erl` nodes and `epmd -names` as OTP 25's `epmd` does:
//!
//! - `ALIVE2_REQ` registers the node for as long as that connection stays open; the reply is
//!   `ALIVE2_X_RESP` (32-bit creation) when the node's highest version is 6 or more, else
//!   `ALIVE2_RESP` (creation 1..=3). Creations are assigned as `epmd` assigns them: a name
//!   never seen starts from the clock (seconds since 1970) plus one, and each new
//!   registration of a name seen before adds one (skipping 0..=3); the last 1,000 names
//!   unregistered are remembered for that. A name taken (or empty, over 255 characters, or
//!   with over 1,020 bytes of extra) gets result 1, creation 99, and the connection is
//!   closed (`epmd` leaves it open; a client reading the refusal closes it anyway). As with
//!   `epmd`, only peers on this host (loopback, or the address they connected to) may
//!   register, and any byte sent on a registration's connection ends it.
//! - `PORT_PLEASE2_REQ` gets `PORT2_RESP` with what the node registered, or result 1; then
//!   the connection closes (OTP's `erl_epmd` reads the reply until the close).
//! - `NAMES_REQ` gets this server's port (32 bits) and a `name N at port P\n` line per node
//!   (sorted by name), then the connection closes.
//! - `KILL_REQ` gets `NO`, the answer `epmd` gives while nodes are registered: the server
//!   belongs to a node and only its owner stops it. `STOP_REQ` and `DUMP_REQ` are closed
//!   without an answer, as `epmd` does without `-relaxed_command_check` for `STOP_REQ`
//!   (`DUMP_REQ` is a debugging aid that shows internals: refused).
//!
//! # Untrusted input
//!
//! A request over 3,057 bytes (epmd's own limit), malformed, or with an unknown tag closes
//! the connection without an answer. A connection must deliver its whole request within
//! [`ServerLimits::request_timeout`] (a registration then stays open and silent as long as it
//! likes); at most [`ServerLimits::max_connections`] connections are served at once, and
//! connections past that are closed as soon as they are accepted, so a flood cannot exhaust
//! the node's memory or file descriptors. Nothing a peer sends makes the server panic.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use super::proto::{
    self, Alive2Resp, NamesResp, NodeRecord, Port2Resp, Request, MAX_EXTRA_BYTES, MAX_REQUEST_LEN,
};
use super::NodeEntry;

/// How many unregistered names keep their creation counter (epmd's `MAX_UNREG_COUNT`).
const MAX_RETIRED: usize = 1000;

/// Limits that keep a server safe from its clients.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::ServerLimits;
/// let limits = ServerLimits::default();
/// assert_eq!(limits.max_connections, 1024);
/// assert_eq!(limits.request_timeout.as_secs(), 10);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// How long a connection may take to deliver its whole request before it is closed
    /// (default 10 s; `epmd` closes a connection idle for 60 s). Registrations, once made,
    /// are not timed out.
    pub request_timeout: Duration,
    /// How many connections, registrations included, are served at once (default 1,024);
    /// connections past that are closed unanswered. At least 1 is served.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> ServerLimits {
        ServerLimits {
            request_timeout: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

/// An EPMD-compatible server running in a tokio task.
///
/// The task stops, and every node registered with it is unregistered (its connection
/// closed), when the `EpmdServer` is dropped or [`shut down`](EpmdServer::shutdown).
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::{self, EpmdServer, NodeEntry};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = EpmdServer::bind("127.0.0.1:0".parse()?).await?;
/// let _reg = epmd::register(server.local_addr(), &NodeEntry::new("a", 5001)).await?;
/// let names: Vec<_> = server.names().into_iter().map(|e| (e.name, e.port)).collect();
/// assert_eq!(names, [("a".to_string(), 5001)]);
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct EpmdServer {
    local_addr: SocketAddr,
    registry: Arc<Registry>,
    task: JoinHandle<()>,
}

impl EpmdServer {
    /// Binds `addr` and starts serving with [`ServerLimits::default`].
    ///
    /// # Errors
    ///
    /// The bind's error (`AddrInUse` when another EPMD has the port), or an error of kind
    /// `Other` when called outside a tokio runtime.
    ///
    /// # Examples
    ///
    /// See [`EpmdServer`].
    pub async fn bind(addr: SocketAddr) -> io::Result<EpmdServer> {
        EpmdServer::bind_with_limits(addr, ServerLimits::default()).await
    }

    /// Binds `addr` and starts serving within `limits`.
    ///
    /// # Errors
    ///
    /// As [`EpmdServer::bind`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use otp_runtime::dist::epmd::{EpmdServer, ServerLimits};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let limits = ServerLimits { request_timeout: Duration::from_secs(2), max_connections: 64 };
    /// let server = EpmdServer::bind_with_limits("127.0.0.1:0".parse().unwrap(), limits).await?;
    /// assert_ne!(server.local_addr().port(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn bind_with_limits(
        addr: SocketAddr,
        limits: ServerLimits,
    ) -> io::Result<EpmdServer> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| io::Error::other(format!("an EPMD server needs a tokio runtime: {e}")))?;
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let registry = Arc::new(Registry::default());
        let task = runtime.spawn(accept_loop(listener, Arc::clone(&registry), limits));
        Ok(EpmdServer {
            local_addr,
            registry,
            task,
        })
    }

    /// The address the server listens on (with the actual port when bound to port 0).
    ///
    /// # Examples
    ///
    /// See [`EpmdServer::bind_with_limits`].
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The nodes registered now, sorted by name.
    ///
    /// # Examples
    ///
    /// See [`EpmdServer`].
    pub fn names(&self) -> Vec<NodeEntry> {
        self.registry
            .lock()
            .sorted()
            .into_iter()
            .map(|record| NodeEntry::from(record.clone()))
            .collect()
    }

    /// Stops the server and waits until its listening socket is closed, so the port is free
    /// when this returns; the connections it was serving, registrations included, are
    /// aborted and close as the runtime drops them. (Dropping the server stops it too,
    /// without waiting.)
    ///
    /// # Examples
    ///
    /// See [`EpmdServer`].
    pub async fn shutdown(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for EpmdServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Accepts connections until aborted; the connections' tasks live in a `JoinSet`, so
/// aborting this task (dropping the set) aborts them all, registrations included.
async fn accept_loop(listener: TcpListener, registry: Arc<Registry>, limits: ServerLimits) {
    let mut connections = JoinSet::new();
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    loop {
        tokio::select! {
            biased;
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if connections.len() >= limits.max_connections.max(1) {
                        tracing::debug!(%peer, "EPMD server: too many connections, closing");
                        drop(stream);
                        continue;
                    }
                    let registry = Arc::clone(&registry);
                    connections.spawn(serve(stream, peer, registry, limits, port));
                }
                Err(e) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::debug!(error = %e, "EPMD server: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
}

/// Serves one connection: one request, one answer (or a registration held open).
async fn serve(
    mut stream: TcpStream,
    peer: SocketAddr,
    registry: Arc<Registry>,
    limits: ServerLimits,
    epmd_port: u16,
) {
    let request =
        match tokio::time::timeout(limits.request_timeout, read_request(&mut stream)).await {
            Ok(Some(request)) => request,
            Ok(None) => {
                tracing::debug!(%peer, "EPMD server: bad request, closing");
                return;
            }
            Err(_) => {
                tracing::debug!(%peer, "EPMD server: no request in time, closing");
                return;
            }
        };
    let answer = match request {
        Request::Alive2(record) => {
            return hold_registration(stream, peer, record, registry, limits).await
        }
        Request::PortPlease2 { name } => {
            let found = registry
                .lock()
                .live
                .get(&name)
                .map(|node| node.record.clone());
            match found
                .map_or(Port2Resp::NotFound(1), Port2Resp::Found)
                .encode()
            {
                Ok(bytes) => bytes,
                Err(_) => return,
            }
        }
        Request::Names => {
            let nodes = registry
                .lock()
                .sorted()
                .into_iter()
                .map(|r| (r.name.clone(), r.port))
                .collect();
            NamesResp {
                epmd_port: u32::from(epmd_port),
                nodes,
            }
            .encode()
        }
        Request::Kill => b"NO".to_vec(),
        Request::Dump | Request::Stop { .. } => return,
    };
    let _ = reply(&mut stream, &answer, limits).await;
}

/// Reads `Length:16 | Request`; `None` for a length out of range, a close, or a malformed
/// request. The body's buffer is at most [`MAX_REQUEST_LEN`] bytes.
async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).await.ok()?;
    let len = usize::from(u16::from_be_bytes(len));
    if len == 0 || len > MAX_REQUEST_LEN {
        return None;
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await.ok()?;
    Request::from_body(&body).ok()
}

/// Writes `bytes` within the request timeout; `false` when that failed.
async fn reply(stream: &mut TcpStream, bytes: &[u8], limits: ServerLimits) -> bool {
    matches!(
        tokio::time::timeout(limits.request_timeout, stream.write_all(bytes)).await,
        Ok(Ok(()))
    )
}

/// `ALIVE2_REQ`: registers the node and holds the registration until the connection ends.
async fn hold_registration(
    mut stream: TcpStream,
    peer: SocketAddr,
    record: NodeRecord,
    registry: Arc<Registry>,
    limits: ServerLimits,
) {
    if !is_local_peer(&stream, peer) {
        tracing::debug!(%peer, "EPMD server: ALIVE2_REQ from another host, closing");
        return;
    }
    let extended = record.highest >= 6;
    let name = record.name.clone();
    let registered = Registration::new(&registry, record);
    let Some(registration) = registered else {
        let refusal = Alive2Resp {
            result: 1,
            creation: 99,
            extended,
        };
        let _ = reply(&mut stream, &refusal.encode(), limits).await;
        tracing::debug!(%peer, name, "EPMD server: registration refused");
        return;
    };
    let creation = if extended {
        registration.counter
    } else {
        registration.counter % 3 + 1
    };
    let ok = Alive2Resp {
        result: 0,
        creation,
        extended,
    };
    if !reply(&mut stream, &ok.encode(), limits).await {
        return;
    }
    // A node never writes on its registration: a close, an error or data all end it.
    let mut buf = [0u8; 64];
    let _ = stream.read(&mut buf).await;
    drop(registration);
}

/// Whether `peer` is on this host: a loopback address, or the address it connected to.
fn is_local_peer(stream: &TcpStream, peer: SocketAddr) -> bool {
    let canonical = |ip: IpAddr| match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let ip = canonical(peer.ip());
    ip.is_loopback()
        || stream
            .local_addr()
            .is_ok_and(|local| canonical(local.ip()) == ip)
}

/// The registered nodes, shared by the connections' tasks.
#[derive(Debug, Default)]
struct Registry {
    inner: Mutex<Nodes>,
    next_id: AtomicU64,
}

impl Registry {
    /// The table; a poisoned lock is taken over (the table is valid after any panic, as each
    /// change is a single insert or remove).
    fn lock(&self) -> MutexGuard<'_, Nodes> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[derive(Debug, Default)]
struct Nodes {
    live: HashMap<String, Live>,
    /// Creation counters of names unregistered, oldest first in `retired_order`.
    retired: HashMap<String, u32>,
    retired_order: VecDeque<String>,
}

#[derive(Debug)]
struct Live {
    record: NodeRecord,
    id: u64,
    counter: u32,
}

impl Nodes {
    fn sorted(&self) -> Vec<&NodeRecord> {
        let mut records: Vec<&NodeRecord> = self.live.values().map(|l| &l.record).collect();
        records.sort_by(|a, b| a.name.cmp(&b.name));
        records
    }
}

/// A live registration; dropping it (the connection ended, or the server stopped)
/// unregisters the node.
struct Registration {
    registry: Arc<Registry>,
    name: String,
    id: u64,
    counter: u32,
}

impl Registration {
    /// Registers `record`, or `None` when its name is taken or invalid.
    fn new(registry: &Arc<Registry>, record: NodeRecord) -> Option<Registration> {
        if proto::check_name(&record.name).is_err() || record.extra.len() > MAX_EXTRA_BYTES {
            return None;
        }
        let id = registry.next_id.fetch_add(1, Ordering::Relaxed);
        let mut nodes = registry.lock();
        if nodes.live.contains_key(&record.name) {
            return None;
        }
        let counter = match nodes.retired.remove(&record.name) {
            Some(previous) => {
                nodes.retired_order.retain(|n| n != &record.name);
                bump(previous)
            }
            None => bump(now_secs()),
        };
        let name = record.name.clone();
        nodes.live.insert(
            name.clone(),
            Live {
                record,
                id,
                counter,
            },
        );
        Some(Registration {
            registry: Arc::clone(registry),
            name,
            id,
            counter,
        })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut nodes = self.registry.lock();
        if nodes.live.get(&self.name).is_some_and(|l| l.id == self.id) {
            if let Some(live) = nodes.live.remove(&self.name) {
                if nodes.retired.len() >= MAX_RETIRED {
                    if let Some(oldest) = nodes.retired_order.pop_front() {
                        nodes.retired.remove(&oldest);
                    }
                }
                nodes.retired.insert(self.name.clone(), live.counter);
                nodes.retired_order.push_back(self.name.clone());
            }
        }
    }
}

/// The next creation counter, as epmd's `bump_creation`: 0..=3 are the old creations.
fn bump(counter: u32) -> u32 {
    match counter.wrapping_add(1) {
        c if c < 4 => 4,
        c => c,
    }
}

/// Seconds since 1970, truncated to 32 bits as epmd's `time()` in an `unsigned int`.
fn now_secs() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creations_bump_past_the_old_range() {
        assert_eq!(bump(u32::MAX), 4);
        assert_eq!(bump(0), 4);
        assert_eq!(bump(3), 4);
        assert_eq!(bump(4), 5);
    }

    #[test]
    fn a_name_registered_again_gets_the_next_creation() {
        let registry = Arc::new(Registry::default());
        let first = Registration::new(&registry, NodeRecord::new("n", 1)).unwrap();
        assert!(Registration::new(&registry, NodeRecord::new("n", 2)).is_none());
        let c1 = first.counter;
        drop(first);
        let second = Registration::new(&registry, NodeRecord::new("n", 3)).unwrap();
        assert_eq!(second.counter, bump(c1));
    }

    #[test]
    fn retired_names_are_bounded() {
        let registry = Arc::new(Registry::default());
        for i in 0..MAX_RETIRED + 10 {
            drop(Registration::new(&registry, NodeRecord::new(&format!("n{i}"), 1)).unwrap());
        }
        let nodes = registry.lock();
        assert_eq!(nodes.retired.len(), MAX_RETIRED);
        assert_eq!(nodes.retired_order.len(), MAX_RETIRED);
        assert!(!nodes.retired.contains_key("n0"));
    }
}
