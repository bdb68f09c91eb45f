//! One connection: dialling a peer, accepting one, then reading and writing its frames.
//!
//! A connection is two tasks. The writer takes frames from a channel and writes them,
//! flushing when the channel is empty, and writes a tick (four zero bytes) when it has
//! written nothing for a quarter of the tick time. The reader reads frames, and declares
//! the peer down when it has read nothing, not even a tick, for the whole tick time.
//!
//! Bytes from the network are untrusted: a frame over [`MAX_FRAME`] bytes, a term that does
//! not decode, or a control message that is not one closes the connection with a report;
//! nothing a peer sends can panic the node.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
use tokio::sync::mpsc;

use super::control::{Control, MAX_FRAME, PASS_THROUGH};
use super::handshake::{self, Peer};
use super::local::Dist;
use super::term::{Atom, Term};
use super::transport::{BoxStream, Listener};
use super::DistError;

/// The read buffer: small frames come many to a read (one system call for them all, rather
/// than two for each: its length, then its bytes). Also the first allocation for a large
/// frame's bytes, which doubles as they come.
const READ_CHUNK: usize = 64 * 1024;

/// How long dialling a node's host may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(7);

/// Connects to `node` and runs the connection; on failure, settles what waited for it.
pub(crate) async fn connect(dist: Arc<Dist>, node: Atom, attempt: u64) {
    match dial(&dist, &node, attempt).await {
        Ok((peer, stream)) => run(dist, peer, stream, attempt).await,
        Err(e) => {
            tracing::warn!(node = %dist.name, peer = %node, error = %e, "could not connect");
            dist.down(&node, attempt, Arc::new(e));
        }
    }
}

async fn dial(dist: &Dist, node: &Atom, attempt: u64) -> Result<(Peer, BoxStream), DistError> {
    let (alive, host) = node
        .as_str()
        .split_once('@')
        .ok_or_else(|| DistError::BadNodeName(node.to_string()))?;
    let unreachable = |source| DistError::Unreachable {
        node: node.to_string(),
        source,
    };
    // A simulation's network: its directory, no host names.
    if let Some(directory) = &dist.directory {
        let port = directory
            .port(alive)
            .ok_or_else(|| DistError::UnknownNode(node.to_string()))?;
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        return connect_at(dist, node, attempt, addr).await;
    }
    // IPv4 first: `localhost` resolves to ::1 too, where an EPMD often does not listen.
    let mut addrs: Vec<_> = tokio::net::lookup_host((host, dist.epmd_port))
        .await
        .map_err(unreachable)?
        .collect();
    addrs.sort_by_key(|a| !a.is_ipv4());
    let epmd = addrs.first().copied().ok_or_else(|| {
        unreachable(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("host {host} has no address"),
        ))
    })?;
    let entry = super::epmd::port_please(epmd, alive)
        .await?
        .ok_or_else(|| DistError::UnknownNode(node.to_string()))?;
    let addr = std::net::SocketAddr::new(epmd.ip(), entry.port);
    connect_at(dist, node, attempt, addr).await
}

/// Connects to `node` at `addr` and shakes hands.
async fn connect_at(
    dist: &Dist,
    node: &Atom,
    attempt: u64,
    addr: std::net::SocketAddr,
) -> Result<(Peer, BoxStream), DistError> {
    let unreachable = |source| DistError::Unreachable {
        node: node.to_string(),
        source,
    };
    let mut stream = tokio::time::timeout(CONNECT_TIMEOUT, dist.transport.connect(addr))
        .await
        .map_err(|_| unreachable(std::io::ErrorKind::TimedOut.into()))?
        .map_err(unreachable)?;
    let keep = || dist.still_dialling(node, attempt);
    let peer =
        handshake::connect(&mut stream, &dist.handshake_local(), node.as_str(), keep).await?;
    Ok((peer, stream))
}

/// Accepts connections until the node stops.
pub(crate) async fn accept_loop(dist: Arc<Dist>, mut listener: Box<dyn Listener>) {
    let mut shutdown = dist.shutdown.subscribe();
    loop {
        let accepted = tokio::select! {
            // Biased: a fixed order keeps simulations deterministic.
            biased;
            a = listener.accept() => a,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        let Ok(mut stream) = accepted else {
            // Out of descriptors and the like: wait a little rather than spin.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let dist = dist.clone();
        let Some(node) = dist.node() else { return };
        // In the node's scope: decoding a pid needs to know which node decodes it.
        tokio::spawn(node.scope(async move {
            let local = dist.handshake_local();
            let d = dist.clone();
            let mut owned = None;
            let status = |name: &str| {
                let (status, pending) = d.status_for(name);
                owned = pending.and_then(|id| Some((Atom::try_new(name)?, id)));
                status
            };
            match handshake::accept(&mut stream, &local, status).await {
                Ok(peer) => {
                    let pending = owned.map_or(0, |(_, id)| id);
                    run(dist, peer, stream, pending).await
                }
                Err(e) => {
                    tracing::warn!(node = %dist.name, error = %e, "incoming connection refused");
                    // The slot this handshake owned goes: what waited on it is told.
                    if let Some((name, id)) = owned {
                        dist.down(&name, id, Arc::new(DistError::Handshake(e)));
                    }
                }
            }
        }));
    }
}

/// Runs an established connection until it ends, then settles it.
async fn run<S>(dist: Arc<Dist>, peer: Peer, stream: S, pending: u64)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let Ok(name) = Atom::try_new(&peer.name).ok_or(()) else {
        return;
    };
    let Some((conn, rx)) = dist.install(peer, pending) else {
        return;
    };
    // Counted while it runs, for a stopping node to wait for its flush.
    struct Running<'a>(&'a Dist);
    impl Drop for Running<'_> {
        fn drop(&mut self) {
            self.0.running.send_modify(|n| *n -= 1);
        }
    }
    dist.running.send_modify(|n| *n += 1);
    let _running = Running(&dist);
    tracing::debug!(node = %dist.name, peer = %name, "node up");
    let (r, w) = tokio::io::split(stream);
    let tick = dist.tick_time;
    let writer = tokio::spawn(write_loop(w, rx, tick / 4));
    let mut shutdown = dist.shutdown.subscribe();
    let why = tokio::select! {
        // Biased: a fixed order keeps simulations deterministic.
        biased;
        why = read_loop(&dist, &name, BufReader::with_capacity(READ_CHUNK, r), tick) => why,
        _ = shutdown.wait_for(|s| *s) => DistError::Stopped,
    };
    if matches!(why, DistError::Stopped) {
        // This node stops: what its processes sent before goes out first (the stop dropped
        // the writer's channel, so it ends once it has written what is queued), within a
        // bound, as Erlang's `init:stop` lets its connections flush.
        let mut writer = writer;
        if tokio::time::timeout(FLUSH_AT_STOP, &mut writer)
            .await
            .is_err()
        {
            writer.abort();
        }
    } else {
        writer.abort();
    }
    dist.down(&name, conn, Arc::new(why));
}

/// How long a stopping node's connections may take to write what was sent before the stop.
const FLUSH_AT_STOP: Duration = Duration::from_secs(1);

async fn write_loop<W: AsyncWrite + Unpin>(
    w: W,
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
    tick_every: Duration,
) {
    let mut w = BufWriter::with_capacity(64 * 1024, w);
    loop {
        let first = match tokio::time::timeout(tick_every, rx.recv()).await {
            Ok(Some(frame)) => frame,
            Ok(None) => return,
            Err(_) => vec![0, 0, 0, 0],
        };
        if w.write_all(&first).await.is_err() {
            return;
        }
        // Whatever else is waiting goes in the same write.
        while let Ok(frame) = rx.try_recv() {
            if w.write_all(&frame).await.is_err() {
                return;
            }
        }
        if w.flush().await.is_err() {
            return;
        }
    }
}

/// Reads frames until the connection fails; returns why.
///
/// Any bytes read are a sign of life: the peer is down when nothing at all came for the
/// tick time, not when a large frame takes longer than that to arrive. A frame's buffer grows
/// as its bytes come, so a length alone (up to [`MAX_FRAME`]) allocates nothing.
async fn read_loop<R: AsyncRead + Unpin>(
    dist: &Arc<Dist>,
    node: &Atom,
    mut r: R,
    tick_time: Duration,
) -> DistError {
    let down = |what: String| DistError::NodeDown(format!("{node} ({what})"));
    let mut buf = Vec::new();
    loop {
        let len = match tokio::time::timeout(tick_time, r.read_u32()).await {
            Err(_) => {
                // As dist_util's "** Node ~p not responding ** ** Removing (timedout)
                // connection **": an error report, not only the node down.
                tracing::error!(node = %dist.name, peer = %node, tick_time = ?tick_time, "node not responding: connection removed");
                return down("no tick within the tick time".into());
            }
            Ok(Err(e)) => return down(e.to_string()),
            Ok(Ok(len)) => len as usize,
        };
        if len == 0 {
            continue;
        }
        if len > MAX_FRAME {
            tracing::error!(node = %dist.name, peer = %node, len, "frame too large: connection closed");
            return down(format!(
                "a frame of {len} bytes, over the limit of {MAX_FRAME}"
            ));
        }
        buf.clear();
        while buf.len() < len {
            // At most as much again as has come: memory in proportion to the bytes received.
            let want = (len - buf.len()).min(buf.len().max(READ_CHUNK));
            buf.reserve(want);
            let mut part = (&mut r).take(want as u64);
            match tokio::time::timeout(tick_time, part.read_buf(&mut buf)).await {
                Err(_) => return down("nothing within the tick time, in a frame".into()),
                Ok(Err(e)) => return down(e.to_string()),
                Ok(Ok(0)) => return down("the connection closed in a frame".into()),
                Ok(Ok(_)) => {}
            }
        }
        if let Err(what) = handle_frame(dist, node, &buf) {
            tracing::error!(node = %dist.name, peer = %node, error = %what, "bad frame: connection closed");
            return down(what);
        }
        if buf.capacity() > 1 << 20 {
            buf = Vec::new();
        }
    }
}

/// Decodes one frame and hands it on.
pub(crate) fn handle_frame(dist: &Arc<Dist>, node: &Atom, frame: &[u8]) -> Result<(), String> {
    let Some((&PASS_THROUGH, rest)) = frame.split_first() else {
        return Err(format!(
            "expected the pass-through byte {PASS_THROUGH}, got {:?}",
            frame.first()
        ));
    };
    let (control, used) = Term::decode_prefix(rest).map_err(|e| e.to_string())?;
    let payload = if used < rest.len() {
        Some(Term::decode(&rest[used..]).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let c = Control::parse(&control).ok_or_else(|| format!("not a control message: {control}"))?;
    dist.dispatch(node, c, payload);
    Ok(())
}
