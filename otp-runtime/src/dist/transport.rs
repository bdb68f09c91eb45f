//! What carries a connection's bytes: TCP by default, anything that reads and writes.
//!
//! The handshake and the frames run over any [`Stream`]; a [`Transport`] makes them,
//! connecting to a peer's address and listening for peers. This is where TLS would go
//! (wrapping the TCP stream before the handshake, as Erlang's `inet_tls_dist` does; EPMD
//! stays plain TCP), and where a simulation would put in-memory pipes. Nothing here
//! needs a stream to be `Clone`.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};

/// A connection's byte stream.
pub trait Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Stream for T {}

/// A boxed [`Stream`].
pub type BoxStream = Box<dyn Stream>;

/// A boxed future, as the transport's methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How a node opens connections to peers and accepts theirs.
///
/// # Examples
///
/// A transport that counts connections, wrapping TCP:
///
/// ```
/// use std::net::SocketAddr;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use otp_runtime::dist::transport::{BoxFuture, BoxStream, Listener, Tcp, Transport};
/// use otp_runtime::dist::DistOptions;
///
/// #[derive(Default)]
/// struct Counted { dialled: AtomicUsize }
///
/// impl Transport for Counted {
///     fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, std::io::Result<BoxStream>> {
///         self.dialled.fetch_add(1, Ordering::Relaxed);
///         Tcp.connect(addr)
///     }
///     fn listen(&self, addr: SocketAddr) -> BoxFuture<'_, std::io::Result<Box<dyn Listener>>> {
///         Tcp.listen(addr)
///     }
/// }
///
/// let opts = DistOptions::new("cookie").transport(Counted::default());
/// # let _ = opts;
/// ```
pub trait Transport: Send + Sync + 'static {
    /// Opens a connection to the node listening at `addr` (the port its EPMD gave).
    fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<BoxStream>>;
    /// Listens at `addr` (port 0: one of the system's choice).
    fn listen(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<Box<dyn Listener>>>;
}

/// Where nodes find each other's ports when they do not use EPMD: a simulation's network,
/// which is a world of its own (no sockets, no host names).
pub(crate) trait Directory: Send + Sync + 'static {
    /// Registers node `alive` (the part of its name before `@`) as listening on `port`.
    fn register(&self, alive: &str, port: u16);
    /// The port node `alive` listens on, if it is registered.
    fn port(&self, alive: &str) -> Option<u16>;
}

/// Where a node accepts connections.
pub trait Listener: Send + 'static {
    /// The port peers connect to, which the node registers with EPMD.
    fn port(&self) -> u16;
    /// The next incoming connection.
    fn accept(&mut self) -> BoxFuture<'_, io::Result<BoxStream>>;
}

/// TCP, with Nagle's algorithm off (a call's request and reply are small and urgent), as
/// Erlang's `inet_tcp_dist` sets `nodelay`.
///
/// # Examples
///
/// See [`Transport`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Tcp;

impl Transport for Tcp {
    fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<BoxStream>> {
        Box::pin(async move {
            let s = TcpStream::connect(addr).await?;
            let _ = s.set_nodelay(true);
            Ok(Box::new(s) as BoxStream)
        })
    }

    fn listen(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<Box<dyn Listener>>> {
        Box::pin(async move {
            let l = TcpListener::bind(addr).await?;
            let port = l.local_addr()?.port();
            Ok(Box::new(TcpListen { l, port }) as Box<dyn Listener>)
        })
    }
}

struct TcpListen {
    l: TcpListener,
    port: u16,
}

impl Listener for TcpListen {
    fn port(&self) -> u16 {
        self.port
    }

    fn accept(&mut self) -> BoxFuture<'_, io::Result<BoxStream>> {
        Box::pin(async move {
            let (s, _) = self.l.accept().await?;
            let _ = s.set_nodelay(true);
            Ok(Box::new(s) as BoxStream)
        })
    }
}
