//! Fixtures for the distribution robustness tests: a fake peer that does the version 6
//! handshake by hand (as `dist_util.erl` does it, independently of the crate's own code) and
//! then writes whatever frames a test wants; a recorder of `tracing` events, to check what a
//! node reported; and an allocator that remembers the largest single allocation.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::io;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use otp_runtime::dist::flags;
use otp_runtime::dist::term::{Atom, ExternalPid, ExternalRef, Term};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

// ---- the largest allocation ------------------------------------------------------------------

/// The system allocator, remembering the largest single allocation since the last
/// [`largest_allocation_reset`]. A test binary installs it with `#[global_allocator]`.
pub struct Largest;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LARGEST.fetch_max(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        LARGEST.fetch_max(l.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LARGEST.fetch_max(new, Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

/// The largest single allocation (bytes) since the last reset.
pub fn largest_allocation() -> usize {
    LARGEST.load(Ordering::Relaxed)
}

pub fn largest_allocation_reset() {
    LARGEST.store(0, Ordering::Relaxed);
}

// ---- reports ---------------------------------------------------------------------------------

/// Every `tracing` event of the program, as `LEVEL message key=value ...` lines. Installed
/// once as the global subscriber, since a node's connections run on the runtime's worker
/// threads; tests tell their events apart by their nodes' names, unique per test.
#[derive(Clone, Default)]
pub struct Reports(Arc<Mutex<Vec<String>>>);

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

impl Subscriber for Reports {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        *m.level() <= tracing::Level::WARN
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = Line(event.metadata().level().to_string());
        event.record(&mut line);
        // A flood of messages nobody takes warns once each: not what the tests look at.
        if !line.0.contains("message from another node dropped") {
            self.0.lock().unwrap().push(line.0);
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// The program's recorder, installed on first use.
pub fn reports() -> &'static Reports {
    static R: OnceLock<Reports> = OnceLock::new();
    R.get_or_init(|| {
        let r = Reports::default();
        tracing::subscriber::set_global_default(r.clone()).expect("no other subscriber");
        r
    })
}

impl Reports {
    /// The lines that contain every one of `needles`.
    pub fn matching(&self, needles: &[&str]) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|l| needles.iter().all(|n| l.contains(n)))
            .cloned()
            .collect()
    }

    /// Waits up to 10 s for a line with every one of `needles`, and returns it.
    pub async fn wait_for(&self, needles: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(l) = self.matching(needles).pop() {
                return l;
            }
            assert!(
                Instant::now() < deadline,
                "no report with {needles:?}; reports:\n{}",
                self.0.lock().unwrap().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

// ---- the handshake, by hand ------------------------------------------------------------------

/// What a fake peer advertises: OTP 25's mandatory flags and the monitors.
pub const FAKE_FLAGS: u64 = flags::MANDATORY_25 | flags::DIST_MONITOR | flags::DIST_MONITOR_NAME;

/// Writes one handshake message: `len:16` then `msg`.
pub async fn send_msg<S: AsyncWrite + Unpin>(s: &mut S, msg: &[u8]) -> io::Result<()> {
    let mut buf = (msg.len() as u16).to_be_bytes().to_vec();
    buf.extend_from_slice(msg);
    s.write_all(&buf).await?;
    s.flush().await
}

/// Reads one handshake message.
pub async fn recv_msg<S: AsyncRead + Unpin>(s: &mut S) -> io::Result<Vec<u8>> {
    let len = s.read_u16().await? as usize;
    let mut buf = vec![0; len];
    s.read_exact(&mut buf).await?;
    Ok(buf)
}

/// `MD5(cookie ++ decimal(challenge))`, `dist_util:gen_digest/2`.
pub fn digest(challenge: u32, cookie: &str) -> [u8; 16] {
    md5::compute(format!("{cookie}{challenge}")).0
}

/// The name message of handshake version 6: `'N' flags:64 creation:32 nlen:16 name`.
pub fn name_msg(flags: u64, creation: u32, name: &str) -> Vec<u8> {
    let mut m = vec![b'N'];
    m.extend_from_slice(&flags.to_be_bytes());
    m.extend_from_slice(&creation.to_be_bytes());
    m.extend_from_slice(&(name.len() as u16).to_be_bytes());
    m.extend_from_slice(name.as_bytes());
    m
}

/// The challenge message of version 6: `'N' flags:64 challenge:32 creation:32 nlen:16 name`.
pub fn challenge_msg(flags: u64, challenge: u32, creation: u32, name: &str) -> Vec<u8> {
    let mut m = vec![b'N'];
    m.extend_from_slice(&flags.to_be_bytes());
    m.extend_from_slice(&challenge.to_be_bytes());
    m.extend_from_slice(&creation.to_be_bytes());
    m.extend_from_slice(&(name.len() as u16).to_be_bytes());
    m.extend_from_slice(name.as_bytes());
    m
}

fn protocol(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// A unique creation for each fake peer of the program.
fn next_creation() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(0x5eed_0000);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A peer that connected to a node and did the handshake by hand; it writes raw frames.
pub struct FakePeer {
    pub name: String,
    pub creation: u32,
    /// The node connected to, and its creation.
    pub node: String,
    pub node_creation: u32,
    pub stream: BufReader<TcpStream>,
    next_ref: u32,
}

impl FakePeer {
    /// Connects to the node listening on `port` of this host, whose name is `node`, as
    /// `name` with `cookie`, advertising `flags`.
    pub async fn connect(
        port: u16,
        node: &str,
        name: &str,
        cookie: &str,
        flags: u64,
    ) -> io::Result<FakePeer> {
        let mut s = BufReader::new(TcpStream::connect(("127.0.0.1", port)).await?);
        let creation = next_creation();
        send_msg(&mut s, &name_msg(flags, creation, name)).await?;
        let status = recv_msg(&mut s).await?;
        if status != b"sok" {
            return Err(protocol(format!(
                "status {:?}",
                String::from_utf8_lossy(&status)
            )));
        }
        let ch = recv_msg(&mut s).await?;
        if ch.len() < 19 || ch[0] != b'N' {
            return Err(protocol("no challenge"));
        }
        let their_challenge = u32::from_be_bytes(ch[9..13].try_into().unwrap());
        let node_creation = u32::from_be_bytes(ch[13..17].try_into().unwrap());
        if &ch[19..] != node.as_bytes() {
            return Err(protocol("another node's name"));
        }
        let ours: u32 = 0x0bad_cafe ^ creation;
        let mut reply = vec![b'r'];
        reply.extend_from_slice(&ours.to_be_bytes());
        reply.extend_from_slice(&digest(their_challenge, cookie));
        send_msg(&mut s, &reply).await?;
        let ack = recv_msg(&mut s).await?;
        if ack.len() != 17 || ack[0] != b'a' || ack[1..] != digest(ours, cookie) {
            return Err(protocol("bad challenge ack"));
        }
        Ok(FakePeer {
            name: name.into(),
            creation,
            node: node.into(),
            node_creation,
            stream: s,
            next_ref: 0,
        })
    }

    /// A pid of this fake node.
    pub fn pid(&self, id: u32) -> ExternalPid {
        ExternalPid {
            node: Atom::new(&self.name),
            id,
            serial: 0,
            creation: self.creation,
        }
    }

    /// A pid of the node connected to (no process need have it).
    pub fn node_pid(&self, id: u32) -> ExternalPid {
        ExternalPid {
            node: Atom::new(&self.node),
            id,
            serial: 0,
            creation: self.node_creation,
        }
    }

    pub fn reference(&mut self) -> ExternalRef {
        self.next_ref += 1;
        ExternalRef {
            node: Atom::new(&self.name),
            creation: self.creation,
            ids: vec![self.next_ref, 0, 0],
        }
    }

    /// Writes `bytes` as they are.
    pub async fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await
    }

    /// Writes one frame: `len:32`, then `body`.
    pub async fn write_frame(&mut self, body: &[u8]) -> io::Result<()> {
        self.write_raw(&framed(body)).await
    }

    /// Writes a control message and its payload.
    pub async fn send(&mut self, control: &Term, payload: Option<&Term>) -> io::Result<()> {
        self.write_frame(&frame_body(control, payload)).await
    }

    /// Reads one frame's body (empty for a tick).
    pub async fn read_frame(&mut self) -> io::Result<Vec<u8>> {
        let len = self.stream.read_u32().await? as usize;
        let mut body = vec![0; len];
        self.stream.read_exact(&mut body).await?;
        Ok(body)
    }

    /// `net_adm:ping/1` over this connection: `{is_auth, Me}` to `net_kernel`; whether
    /// `yes` came back within 10 s.
    pub async fn ping(&mut self) -> bool {
        let me = self.pid(1);
        let tag = self.reference();
        let control = Term::Tuple(vec![
            Term::Int(6),
            Term::Pid(me.clone()),
            Term::Atom(Atom::new("")),
            Term::Atom(Atom::new("net_kernel")),
        ]);
        let call = Term::Tuple(vec![
            Term::Atom(Atom::new("$gen_call")),
            Term::Tuple(vec![Term::Pid(me.clone()), Term::Ref(tag.clone())]),
            Term::Tuple(vec![
                Term::Atom(Atom::new("is_auth")),
                Term::Atom(Atom::new(&self.name)),
            ]),
        ]);
        if self.send(&control, Some(&call)).await.is_err() {
            return false;
        }
        let want = Term::Tuple(vec![Term::Ref(tag), Term::Atom(Atom::new("yes"))]);
        let answered = async {
            loop {
                let Ok(body) = self.read_frame().await else {
                    return false;
                };
                if let Some((_, Some(payload))) = parse_frame(&body) {
                    if payload == want {
                        return true;
                    }
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(10), answered)
            .await
            .unwrap_or(false)
    }

    /// Whether the node closes the connection within `within` (what it sends meanwhile is
    /// read and dropped).
    pub async fn closed_within(&mut self, within: Duration) -> bool {
        let mut sink = [0u8; 4096];
        let drained = async {
            loop {
                match self.stream.read(&mut sink).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(within, drained).await.is_ok()
    }
}

/// `len:32` then `body`.
pub fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// A frame's body: pass-through (112), the control message, the payload if any.
pub fn frame_body(control: &Term, payload: Option<&Term>) -> Vec<u8> {
    let mut out = vec![112];
    out.extend(control.encode());
    if let Some(p) = payload {
        out.extend(p.encode());
    }
    out
}

/// A frame body's control message and payload, if it is one.
pub fn parse_frame(body: &[u8]) -> Option<(Term, Option<Term>)> {
    let (&112, rest) = body.split_first()? else {
        return None;
    };
    let (control, used) = Term::decode_prefix(rest).ok()?;
    let payload = if used < rest.len() {
        Some(Term::decode(&rest[used..]).ok()?)
    } else {
        None
    };
    Some((control, payload))
}

/// Polls `f` every 10 ms until it holds; panics with `what` after 10 s.
pub async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "not within 10 s: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
