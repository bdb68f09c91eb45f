//! EPMD's client: register a node, look a node up, list the registered names.
//!
//! Each call opens its own TCP connection, as OTP's `erl_epmd` does, and gives up after
//! [`TIMEOUT`], so a silent peer never hangs a caller. A registration keeps its connection:
//! EPMD unregisters the node when it closes.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::proto::{self, Alive2Resp, NamesResp, Port2Resp, ProtoError, Request};
use super::{EpmdError, NodeEntry};

/// How long each client call may take, connecting included, before it fails with
/// [`EpmdError::Timeout`]. (OTP's `erl_epmd` waits 10 s for a reply; a local EPMD answers in
/// microseconds.)
///
/// # Examples
///
/// ```
/// assert_eq!(otp_runtime::dist::epmd::TIMEOUT.as_secs(), 5);
/// ```
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// The most bytes a `NAMES` reply may have before the client gives up on it (about 4,000
/// nodes of 1 KiB names).
const MAX_NAMES_REPLY: usize = 4 << 20;

/// A node registered with EPMD: the open connection that keeps it registered.
///
/// Dropping it closes the connection, and EPMD unregisters the node at once.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::{self, EpmdServer, NodeEntry};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = EpmdServer::bind("127.0.0.1:0".parse()?).await?;
/// let reg = epmd::register(server.local_addr(), &NodeEntry::new("doc", 5555)).await?;
/// assert_eq!(reg.name(), "doc");
/// assert!(reg.creation() >= 4); // a 32-bit creation: 0..=3 are the old 16-bit ones
/// drop(reg); // unregisters
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Registration {
    stream: TcpStream,
    creation: u32,
    name: String,
    epmd: SocketAddr,
}

impl Registration {
    /// The creation EPMD gave the node: its incarnation number, which goes into the node's
    /// pids, ports and references (32 bits when the node registered distribution version 6;
    /// 1..=3 for a node registering version 5 only).
    ///
    /// # Examples
    ///
    /// See [`Registration`].
    pub fn creation(&self) -> u32 {
        self.creation
    }

    /// The registered name.
    ///
    /// # Examples
    ///
    /// See [`Registration`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The EPMD registered with.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::epmd::{self, EpmdServer, NodeEntry};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = EpmdServer::bind("127.0.0.1:0".parse()?).await?;
    /// let reg = epmd::register(server.local_addr(), &NodeEntry::new("where", 1)).await?;
    /// assert_eq!(reg.epmd(), server.local_addr());
    /// # Ok(())
    /// # }
    /// ```
    pub fn epmd(&self) -> SocketAddr {
        self.epmd
    }

    /// Waits until EPMD closes the registration's connection (EPMD stopped: the node is no
    /// longer registered and should register again). EPMD never writes on it, so data is
    /// taken as a close too.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::epmd::{self, EpmdServer, NodeEntry};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = EpmdServer::bind("127.0.0.1:0".parse()?).await?;
    /// let mut reg = epmd::register(server.local_addr(), &NodeEntry::new("gone", 1)).await?;
    /// server.shutdown().await; // the EPMD goes away, and the registration with it
    /// reg.closed().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn closed(&mut self) {
        let mut buf = [0u8; 64];
        let _ = self.stream.read(&mut buf).await;
    }
}

/// Registers `entry` with the EPMD at `epmd` (`ALIVE2_REQ`).
///
/// The node stays registered as long as the returned [`Registration`] lives. Both replies
/// are understood: `ALIVE2_X_RESP` (32-bit creation, sent for distribution version 6) and
/// `ALIVE2_RESP` (16-bit creation, sent when `entry.highest` is below 6).
///
/// # Errors
///
/// [`EpmdError::NameTaken`] when EPMD refuses (the name is registered already),
/// [`EpmdError::InvalidEntry`] for a name EPMD would refuse anyway (nothing is sent),
/// [`EpmdError::Unreachable`] when no EPMD listens at `epmd`, [`EpmdError::Timeout`],
/// [`EpmdError::Protocol`] or [`EpmdError::Io`].
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::{self, EpmdError, EpmdServer, NodeEntry};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = EpmdServer::bind("127.0.0.1:0".parse()?).await?;
/// let _reg = epmd::register(server.local_addr(), &NodeEntry::new("once", 4000)).await?;
/// let again = epmd::register(server.local_addr(), &NodeEntry::new("once", 4001)).await;
/// assert!(matches!(again, Err(EpmdError::NameTaken(name)) if name == "once"));
/// # Ok(())
/// # }
/// ```
pub async fn register(epmd: SocketAddr, entry: &NodeEntry) -> Result<Registration, EpmdError> {
    let record = entry.to_record()?;
    let packet = Request::Alive2(record)
        .to_packet()
        .map_err(|e| EpmdError::InvalidEntry(e.to_string()))?;
    within_timeout(epmd, async {
        let mut stream = connect(epmd).await?;
        send(&mut stream, epmd, &packet).await?;
        let resp = read_reply(&mut stream, epmd, Alive2Resp::decode, "ALIVE2_REQ").await?;
        if resp.result != 0 {
            return Err(EpmdError::NameTaken(entry.name.clone()));
        }
        Ok(Registration {
            stream,
            creation: resp.creation,
            name: entry.name.clone(),
            epmd,
        })
    })
    .await
}

/// Looks up the node `name` (the part before `@`) at the EPMD at `epmd`
/// (`PORT_PLEASE2_REQ`): what it registered, or `None` when no node has that name.
///
/// # Errors
///
/// [`EpmdError::InvalidEntry`] for an invalid name (nothing is sent),
/// [`EpmdError::Unreachable`], [`EpmdError::Timeout`], [`EpmdError::Protocol`] or
/// [`EpmdError::Io`].
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::{self, EpmdServer, NodeEntry};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = EpmdServer::bind("127.0.0.1:0".parse()?).await?;
/// let _reg = epmd::register(server.local_addr(), &NodeEntry::new("kv", 4100)).await?;
/// let found = epmd::port_please(server.local_addr(), "kv").await?;
/// assert_eq!(found.map(|e| e.port), Some(4100));
/// assert_eq!(epmd::port_please(server.local_addr(), "nobody").await?, None);
/// # Ok(())
/// # }
/// ```
pub async fn port_please(epmd: SocketAddr, name: &str) -> Result<Option<NodeEntry>, EpmdError> {
    proto::check_name(name).map_err(|why| EpmdError::InvalidEntry(why.to_string()))?;
    let packet = Request::PortPlease2 {
        name: name.to_string(),
    }
    .to_packet()
    .map_err(|e| EpmdError::InvalidEntry(e.to_string()))?;
    within_timeout(epmd, async {
        let mut stream = connect(epmd).await?;
        send(&mut stream, epmd, &packet).await?;
        match read_reply(&mut stream, epmd, Port2Resp::decode, "PORT_PLEASE2_REQ").await? {
            Port2Resp::Found(record) => Ok(Some(NodeEntry::from(record))),
            Port2Resp::NotFound(_) => Ok(None),
        }
    })
    .await
}

/// Lists the nodes registered with the EPMD at `epmd` (`NAMES_REQ`): each name and port.
///
/// # Errors
///
/// [`EpmdError::Unreachable`], [`EpmdError::Timeout`], [`EpmdError::Protocol`] (also for a
/// reply over 4 MiB) or [`EpmdError::Io`].
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::{self, EpmdServer, NodeEntry};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = EpmdServer::bind("127.0.0.1:0".parse()?).await?;
/// let _reg = epmd::register(server.local_addr(), &NodeEntry::new("listed", 4200)).await?;
/// assert_eq!(epmd::names(server.local_addr()).await?, [("listed".to_string(), 4200)]);
/// # Ok(())
/// # }
/// ```
pub async fn names(epmd: SocketAddr) -> Result<Vec<(String, u16)>, EpmdError> {
    within_timeout(epmd, async {
        let mut stream = connect(epmd).await?;
        let packet = [0, 1, proto::NAMES_REQ];
        send(&mut stream, epmd, &packet).await?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream
                .read(&mut chunk)
                .await
                .map_err(|source| io(epmd, source))?;
            if n == 0 {
                break;
            }
            if buf.len() + n > MAX_NAMES_REPLY {
                return Err(EpmdError::Protocol("NAMES reply over 4 MiB".into()));
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        match NamesResp::decode(&buf) {
            Ok(resp) => Ok(resp.nodes),
            Err(_) => Err(EpmdError::Protocol(
                "EPMD closed the connection before its port number in the NAMES reply".into(),
            )),
        }
    })
    .await
}

/// Runs `fut`, failing with [`EpmdError::Timeout`] after [`TIMEOUT`].
async fn within_timeout<T>(
    epmd: SocketAddr,
    fut: impl std::future::Future<Output = Result<T, EpmdError>>,
) -> Result<T, EpmdError> {
    match tokio::time::timeout(TIMEOUT, fut).await {
        Ok(result) => result,
        Err(_) => Err(EpmdError::Timeout {
            addr: epmd,
            after: TIMEOUT,
        }),
    }
}

async fn connect(epmd: SocketAddr) -> Result<TcpStream, EpmdError> {
    match TcpStream::connect(epmd).await {
        Ok(stream) => {
            let _ = stream.set_nodelay(true);
            Ok(stream)
        }
        Err(source) if source.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err(EpmdError::Unreachable { addr: epmd, source })
        }
        Err(source) => Err(io(epmd, source)),
    }
}

async fn send(stream: &mut TcpStream, epmd: SocketAddr, bytes: &[u8]) -> Result<(), EpmdError> {
    stream
        .write_all(bytes)
        .await
        .map_err(|source| io(epmd, source))
}

/// Reads until `decode` finds a whole reply at the start of what arrived.
async fn read_reply<T>(
    stream: &mut TcpStream,
    epmd: SocketAddr,
    decode: impl Fn(&[u8]) -> Result<(T, usize), ProtoError>,
    request: &str,
) -> Result<T, EpmdError> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 512];
    loop {
        match decode(&buf) {
            Ok((reply, _)) => return Ok(reply),
            Err(ProtoError::Incomplete | ProtoError::Empty) => {}
            Err(e) => return Err(EpmdError::Protocol(format!("reply to {request}: {e}"))),
        }
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|source| io(epmd, source))?;
        if n == 0 {
            let when = if buf.is_empty() {
                "before"
            } else {
                "in the middle of"
            };
            return Err(EpmdError::Protocol(format!(
                "EPMD closed the connection {when} its reply to {request}"
            )));
        }
        // A reply is at most 2 + 10 + 2 * 65,537 bytes, so `decode` completes before
        // `buf` can grow past that.
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn io(addr: SocketAddr, source: std::io::Error) -> EpmdError {
    EpmdError::Io { addr, source }
}
