//! The simulated network: a run's nodes reach each other through in-memory pipes instead of
//! sockets, find each other in the network's directory instead of EPMD, and the simulation
//! partitions them and cuts their connections.
//!
//! A partition pauses the connections that cross it, as a real one does: what is written
//! waits (up to the pipe's buffer), nothing is read, and new connections across it never
//! complete. If it heals before the nodes' tick time runs out, the connection carries on;
//! otherwise the nodes' ticks find the peer silent and take the connection down, as Erlang's
//! `net_ticktime` does. A disconnection resets a connection at once.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};
use tokio::sync::mpsc;

use crate::dist::transport::{BoxFuture, BoxStream, Directory, Listener, Transport};

/// How much one direction of a connection buffers (a socket's buffer).
const PIPE: usize = 256 * 1024;

#[derive(Default)]
pub(crate) struct Net {
    st: Mutex<NetState>,
    /// Told when a partition heals: connections waiting across it go on (a SYN that gets
    /// through once the network is whole).
    healed: tokio::sync::Notify,
}

#[derive(Default)]
struct NetState {
    next_port: u16,
    listeners: BTreeMap<u16, (String, mpsc::UnboundedSender<BoxStream>)>,
    names: BTreeMap<String, u16>,
    links: Vec<Weak<Link>>,
    /// While partitioned: the nodes (by the part of their name before `@`) on one side.
    side: Option<Vec<String>>,
}

impl NetState {
    fn crosses(&self, a: &str, b: &str) -> bool {
        self.side
            .as_ref()
            .is_some_and(|side| side.iter().any(|n| n == a) != side.iter().any(|n| n == b))
    }

    fn live_links(&mut self) -> Vec<Arc<Link>> {
        self.links.retain(|l| l.strong_count() > 0);
        self.links.iter().filter_map(Weak::upgrade).collect()
    }
}

impl Net {
    fn st(&self) -> MutexGuard<'_, NetState> {
        self.st.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A transport for node `alive` on this network.
    pub(crate) fn transport(self: &Arc<Net>, alive: &str) -> SimTransport {
        SimTransport {
            net: self.clone(),
            node: alive.to_owned(),
        }
    }

    /// Splits the network: `side` on one side, every other node on the other.
    pub(crate) fn partition(&self, side: Vec<String>) {
        let mut st = self.st();
        st.side = Some(side);
        for link in st.live_links() {
            let paused = st.crosses(&link.a, &link.b);
            link.set(|s| s.paused = paused);
        }
    }

    /// Ends a partition: paused connections carry on.
    pub(crate) fn heal(&self) {
        let mut st = self.st();
        st.side = None;
        for link in st.live_links() {
            link.set(|s| s.paused = false);
        }
        drop(st);
        self.healed.notify_waiters();
    }

    pub(crate) fn is_partitioned(&self) -> bool {
        self.st().side.is_some()
    }

    /// Resets the connections between `a` and `b` (either way); how many there were.
    pub(crate) fn disconnect(&self, a: &str, b: &str) -> usize {
        let mut st = self.st();
        let mut n = 0;
        for link in st.live_links() {
            if (link.a == a && link.b == b) || (link.a == b && link.b == a) {
                link.set(|s| s.reset = true);
                n += 1;
            }
        }
        n
    }

    /// Resets every connection of `node`.
    pub(crate) fn disconnect_all(&self, node: &str) {
        let mut st = self.st();
        for link in st.live_links() {
            if link.a == node || link.b == node {
                link.set(|s| s.reset = true);
            }
        }
    }

    /// The pairs of nodes connected now, in the order they connected.
    pub(crate) fn connected(&self) -> Vec<(String, String)> {
        let mut st = self.st();
        st.live_links()
            .iter()
            .filter(|l| !l.state().reset)
            .map(|l| (l.a.clone(), l.b.clone()))
            .collect()
    }
}

impl Directory for Net {
    fn register(&self, alive: &str, port: u16) {
        self.st().names.insert(alive.to_owned(), port);
    }

    fn port(&self, alive: &str) -> Option<u16> {
        self.st().names.get(alive).copied()
    }
}

/// One connection: its two nodes, and whether it is paused (partitioned) or reset.
struct Link {
    a: String,
    b: String,
    state: Mutex<LinkState>,
}

#[derive(Default)]
struct LinkState {
    paused: bool,
    reset: bool,
    /// The tasks waiting on either end (read and write of each side).
    wakers: [Option<Waker>; 4],
}

impl Link {
    fn state(&self) -> MutexGuard<'_, LinkState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, f: impl FnOnce(&mut LinkState)) {
        let wakers: Vec<Waker> = {
            let mut st = self.state();
            f(&mut st);
            st.wakers.iter_mut().filter_map(Option::take).collect()
        };
        for w in wakers {
            w.wake();
        }
    }
}

/// A node's way onto the network.
pub(crate) struct SimTransport {
    net: Arc<Net>,
    node: String,
}

impl Transport for SimTransport {
    fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<BoxStream>> {
        Box::pin(async move {
            let (peer, tx) = {
                let st = self.net.st();
                match st.listeners.get(&addr.port()) {
                    Some((peer, tx)) => (peer.clone(), tx.clone()),
                    None => return Err(io::ErrorKind::ConnectionRefused.into()),
                }
            };
            // Across a partition, a connection completes only once it heals (the dialler's
            // timeout may end the attempt first).
            loop {
                let healed = self.net.healed.notified();
                if !self.net.st().crosses(&self.node, &peer) {
                    break;
                }
                healed.await;
            }
            let (mine, theirs) = tokio::io::duplex(PIPE);
            let link = Arc::new(Link {
                a: self.node.clone(),
                b: peer,
                state: Mutex::new(LinkState::default()),
            });
            self.net.st().links.push(Arc::downgrade(&link));
            let theirs = SimStream {
                io: theirs,
                link: link.clone(),
                side: 1,
            };
            tx.send(Box::new(theirs))
                .map_err(|_| io::Error::from(io::ErrorKind::ConnectionRefused))?;
            Ok(Box::new(SimStream {
                io: mine,
                link,
                side: 0,
            }) as BoxStream)
        })
    }

    fn listen(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<Box<dyn Listener>>> {
        Box::pin(async move {
            let mut st = self.net.st();
            let port = if addr.port() != 0 {
                addr.port()
            } else {
                st.next_port = st.next_port.max(40_000) + 1;
                st.next_port
            };
            if st
                .listeners
                .get(&port)
                .is_some_and(|(_, tx)| !tx.is_closed())
            {
                return Err(io::ErrorKind::AddrInUse.into());
            }
            let (tx, rx) = mpsc::unbounded_channel();
            st.listeners.insert(port, (self.node.clone(), tx));
            Ok(Box::new(SimListener { port, rx }) as Box<dyn Listener>)
        })
    }
}

struct SimListener {
    port: u16,
    rx: mpsc::UnboundedReceiver<BoxStream>,
}

impl Listener for SimListener {
    fn port(&self) -> u16 {
        self.port
    }

    fn accept(&mut self) -> BoxFuture<'_, io::Result<BoxStream>> {
        Box::pin(async move {
            self.rx
                .recv()
                .await
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
        })
    }
}

/// One end of a connection.
struct SimStream {
    io: DuplexStream,
    link: Arc<Link>,
    /// 0: the dialler's end; 1: the acceptor's.
    side: usize,
}

impl SimStream {
    /// `Some` to return now (reset, or paused) instead of touching the pipe.
    fn gate<T>(
        &self,
        cx: &mut Context<'_>,
        slot: usize,
        reading: bool,
    ) -> Option<Poll<io::Result<T>>> {
        let mut st = self.link.state();
        if st.reset {
            return Some(Poll::Ready(Err(io::ErrorKind::ConnectionReset.into())));
        }
        // Registered before polling the pipe too, so a reset or a heal wakes it.
        st.wakers[self.side * 2 + slot] = Some(cx.waker().clone());
        (reading && st.paused).then_some(Poll::Pending)
    }
}

impl AsyncRead for SimStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(p) = self.gate(cx, 0, true) {
            return p;
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for SimStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(p) = self.gate(cx, 1, false) {
            return p;
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(p) = self.gate(cx, 1, false) {
            return p;
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.link.state().reset {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
