//! How a node starts its distribution: cookie, port, EPMD, tick time.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use super::transport::{Tcp, Transport};

impl fmt::Debug for DistOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The cookie is a secret: it is not printed.
        f.debug_struct("DistOptions")
            .field("ip", &self.ip)
            .field("port", &self.port)
            .field("epmd_port", &self.epmd_port)
            .field("tick_time", &self.tick_time)
            .finish_non_exhaustive()
    }
}

/// How [`Node::start_distribution`](crate::node::Node::start_distribution) starts a node's
/// distribution, as `erl -sname`/`-name`, `-setcookie`, `ERL_EPMD_PORT` and
/// `net_ticktime` do for an Erlang node.
///
/// The node is *hidden*: it connects to any node, but Erlang's `nodes()` lists it only under
/// `nodes(hidden)`, and `global` does not sync with it. A visible node would have to take
/// part in `global`'s name registration protocol, or `global:sync()` on its peers would wait
/// for it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use otp_runtime::dist::DistOptions;
/// let opts = DistOptions::new("secret").port(0).epmd_port(4369).tick_time(Duration::from_secs(60));
/// assert_eq!(opts.cookie(), "secret");
/// ```
#[derive(Clone)]
pub struct DistOptions {
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) cookie: String,
    pub(crate) ip: IpAddr,
    pub(crate) port: u16,
    pub(crate) epmd_port: Option<u16>,
    pub(crate) tick_time: Duration,
    /// Where peers are found instead of EPMD (a simulation's network).
    pub(crate) directory: Option<Arc<dyn super::transport::Directory>>,
}

impl DistOptions {
    /// A node whose cookie is `cookie`, listening on a port of the system's choice on every
    /// interface, registering with the EPMD on `ERL_EPMD_PORT` (else 4369), with OTP's tick
    /// time of 60 s.
    ///
    /// The cookie proves to a peer that this node may connect; it is not encryption:
    /// messages travel in clear.
    ///
    /// # Examples
    ///
    /// See [`DistOptions`].
    pub fn new(cookie: impl Into<String>) -> DistOptions {
        DistOptions {
            transport: Arc::new(Tcp),
            cookie: cookie.into(),
            ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: 0,
            epmd_port: None,
            tick_time: Duration::from_secs(60),
            directory: None,
        }
    }

    /// The cookie.
    ///
    /// # Examples
    ///
    /// See [`DistOptions`].
    pub fn cookie(&self) -> &str {
        &self.cookie
    }

    /// Listens on `port` (0: a port of the system's choice, which EPMD tells peers).
    ///
    /// # Examples
    ///
    /// See [`DistOptions`].
    pub fn port(mut self, port: u16) -> DistOptions {
        self.port = port;
        self
    }

    /// Listens on `ip` only (default: every interface).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::DistOptions;
    /// let opts = DistOptions::new("c").ip([127, 0, 0, 1].into());
    /// # let _ = opts;
    /// ```
    pub fn ip(mut self, ip: IpAddr) -> DistOptions {
        self.ip = ip;
        self
    }

    /// Registers with the EPMD on `port` of this host, and looks peers up at that port on
    /// theirs. Where nothing answers there, the node serves EPMD on it itself.
    ///
    /// # Examples
    ///
    /// See [`DistOptions`].
    pub fn epmd_port(mut self, port: u16) -> DistOptions {
        self.epmd_port = Some(port);
        self
    }

    /// Carries connections over `transport` instead of plain TCP (see
    /// [`Transport`](super::transport::Transport)). EPMD stays TCP.
    ///
    /// # Examples
    ///
    /// See [`Transport`](super::transport::Transport).
    pub fn transport(mut self, transport: impl Transport) -> DistOptions {
        self.transport = Arc::new(transport);
        self
    }

    /// OTP's `net_ticktime`: a tick goes out when nothing was written for a quarter of it,
    /// and a peer that sent nothing for the whole of it is down. At least 4 ms.
    ///
    /// # Examples
    ///
    /// See [`DistOptions`].
    pub fn tick_time(mut self, tick_time: Duration) -> DistOptions {
        self.tick_time = tick_time.max(Duration::from_millis(4));
        self
    }
}
