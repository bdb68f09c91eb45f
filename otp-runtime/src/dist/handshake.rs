//! The distribution handshake, version 6 (OTP 23 and newer), both sides of it.
//!
//! ```text
//!   A (connects)                                  B (accepts)
//!   'N' flags:64 creation:32 nlen:16 name   ──▶
//!                                           ◀──   's' status ("ok", "nok", "alive", ...)
//!                                           ◀──   'N' flags:64 challenge:32 creation:32 nlen:16 name
//!   'r' challenge:32 digest(B's challenge)  ──▶
//!                                           ◀──   'a' digest(A's challenge)
//! ```
//!
//! Every message is prefixed by its length in 16 bits. A digest is
//! `MD5(cookie ++ the challenge in decimal)`: each side proves it knows the cookie without
//! sending it. The cookie is not encryption: once connected, everything travels in clear
//! (TLS would wrap the stream before this handshake, as `inet_tls_dist` does).
//!
//! The order of the challenge message's fields is OTP's `dist_util:send_challenge/2`
//! (flags, then challenge, then creation); the connection uses the flags both sides sent.

use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::flags::{self, Flags};

/// How long a handshake may take before it is abandoned (OTP's `net_setuptime`, 7 s).
pub const SETUP_TIME: Duration = Duration::from_secs(7);

/// This node, as the handshake presents it.
#[derive(Clone, Debug)]
pub(crate) struct Local {
    pub(crate) name: String,
    pub(crate) creation: u32,
    pub(crate) flags: u64,
    pub(crate) cookie: String,
}

/// The peer, once the handshake has succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Peer {
    pub(crate) name: String,
    pub(crate) creation: u32,
    /// The flags both sides support: what the connection may use.
    pub(crate) flags: u64,
    /// The peer is a hidden node.
    pub(crate) hidden: bool,
}

/// What the accepting side answers a connecting node's name with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Status {
    /// Go on.
    Ok,
    /// Go on; this side drops its own attempt to connect to the peer.
    OkSimultaneous,
    /// This side's own attempt wins: the peer gives up.
    Nok,
    /// A connection to that name is up already: the peer says whether to replace it.
    Alive,
    /// The peer may not connect.
    NotAllowed,
}

impl Status {
    fn text(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::OkSimultaneous => "ok_simultaneous",
            Status::Nok => "nok",
            Status::Alive => "alive",
            Status::NotAllowed => "not_allowed",
        }
    }
}

/// Why a handshake failed. Each says which side and what, so that the commonest support
/// question in Erlang ("why won't my node connect?") answers itself.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::HandshakeError;
/// let e = HandshakeError::BadCookie { peer: "e@localhost".into() };
/// assert_eq!(e.to_string(), "handshake with e@localhost failed: bad cookie (the nodes' cookies differ)");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The peer's digest did not match ours: the two nodes have different cookies.
    BadCookie {
        /// The peer.
        peer: String,
    },
    /// The peer lacks flags this node requires (OTP 25's mandatory set).
    MissingFlags {
        /// The peer.
        peer: String,
        /// The flags it did not send.
        missing: Flags,
    },
    /// The peer refused the connection: `nok` (a simultaneous attempt of its own wins),
    /// `not_allowed`, or another status.
    Refused {
        /// The peer.
        peer: String,
        /// Its status, as it sent it.
        status: String,
    },
    /// The peer answered with another node's name than the one connected to.
    WrongName {
        /// The name connected to.
        expected: String,
        /// The name it gave.
        got: String,
    },
    /// The peer sent something that is not the handshake.
    Protocol(String),
    /// The handshake did not finish within [`SETUP_TIME`].
    Timeout,
    /// The connection failed.
    Io(io::Error),
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::BadCookie { peer } => write!(
                f,
                "handshake with {peer} failed: bad cookie (the nodes' cookies differ)"
            ),
            HandshakeError::MissingFlags { peer, missing } => write!(
                f,
                "handshake with {peer} failed: it lacks the mandatory distribution flags \
                 {missing} (OTP 25 or newer is required)"
            ),
            HandshakeError::Refused { peer, status } => {
                write!(f, "handshake with {peer} refused: {status}")
            }
            HandshakeError::WrongName { expected, got } => write!(
                f,
                "handshake failed: connected to {expected} but the node there is {got}"
            ),
            HandshakeError::Protocol(what) => write!(f, "handshake failed: {what}"),
            HandshakeError::Timeout => write!(
                f,
                "handshake did not finish within {} s",
                SETUP_TIME.as_secs()
            ),
            HandshakeError::Io(e) => write!(f, "handshake failed: {e}"),
        }
    }
}

impl std::error::Error for HandshakeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HandshakeError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for HandshakeError {
    fn from(e: io::Error) -> Self {
        HandshakeError::Io(e)
    }
}

/// `MD5(cookie ++ decimal(challenge))`, as `dist_util:gen_digest/2`.
pub(crate) fn digest(challenge: u32, cookie: &str) -> [u8; 16] {
    let mut ctx = md5::Context::new();
    ctx.consume(cookie.as_bytes());
    ctx.consume(challenge.to_string().as_bytes());
    ctx.compute().0
}

/// A challenge no peer can predict: a hash of a counter under the standard library's
/// randomly keyed hasher.
fn challenge() -> u32 {
    let n = RandomState::new().hash_one(std::time::SystemTime::now());
    (n ^ (n >> 32)) as u32
}

async fn read_msg<S: AsyncRead + Unpin>(s: &mut S) -> Result<Vec<u8>, HandshakeError> {
    let len = s.read_u16().await? as usize;
    let mut buf = vec![0; len];
    s.read_exact(&mut buf).await?;
    Ok(buf)
}

async fn write_msg<S: AsyncWrite + Unpin>(s: &mut S, msg: &[u8]) -> io::Result<()> {
    let len = u16::try_from(msg.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "handshake message too long"))?;
    let mut buf = Vec::with_capacity(2 + msg.len());
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(msg);
    s.write_all(&buf).await?;
    s.flush().await
}

fn be_u16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}
fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}
fn be_u64(b: &[u8]) -> u64 {
    u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

/// A name of `len` bytes at the start of `rest`, which must be text.
fn name_at(rest: &[u8], len: usize) -> Result<String, HandshakeError> {
    let bytes = rest
        .get(..len)
        .ok_or_else(|| HandshakeError::Protocol("node name cut short".into()))?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| HandshakeError::Protocol("node name is not UTF-8".into()))
}

fn check_mandatory(peer: &str, flags: u64) -> Result<(), HandshakeError> {
    let missing = flags::MANDATORY_25 & !flags;
    if missing != 0 {
        return Err(HandshakeError::MissingFlags {
            peer: peer.into(),
            missing: Flags(missing),
        });
    }
    Ok(())
}

/// The connecting side: presents `local` to `expected` over `s`.
/// `keep` answers the peer's `alive`: whether this attempt should replace the connection the
/// peer still has with a node of our name.
pub(crate) async fn connect<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    local: &Local,
    expected: &str,
    keep: impl FnOnce() -> bool,
) -> Result<Peer, HandshakeError> {
    tokio::time::timeout(SETUP_TIME, connect_inner(s, local, expected, keep))
        .await
        .unwrap_or(Err(HandshakeError::Timeout))
}

async fn connect_inner<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    local: &Local,
    expected: &str,
    keep: impl FnOnce() -> bool,
) -> Result<Peer, HandshakeError> {
    // send_name
    let mut msg = vec![b'N'];
    msg.extend_from_slice(&local.flags.to_be_bytes());
    msg.extend_from_slice(&local.creation.to_be_bytes());
    msg.extend_from_slice(&(local.name.len() as u16).to_be_bytes());
    msg.extend_from_slice(local.name.as_bytes());
    write_msg(s, &msg).await?;

    // recv_status
    let status = read_msg(s).await?;
    match status.split_first() {
        Some((b's', st)) => match st {
            b"ok" | b"ok_simultaneous" => {}
            b"alive" => {
                // The peer still has a connection from a node of our name: an old
                // incarnation of ours, which this one replaces while it is still what we
                // are waiting for (OTP's `is_pending`).
                if !keep() {
                    write_msg(s, b"sfalse").await?;
                    return Err(HandshakeError::Refused {
                        peer: expected.into(),
                        status: "alive: a connection to it is up already".into(),
                    });
                }
                write_msg(s, b"strue").await?;
            }
            other => {
                return Err(HandshakeError::Refused {
                    peer: expected.into(),
                    status: String::from_utf8_lossy(other).into_owned(),
                })
            }
        },
        _ => return Err(HandshakeError::Protocol("expected a status ('s')".into())),
    }

    // recv_challenge: 'N' flags:64 challenge:32 creation:32 nlen:16 name
    let ch = read_msg(s).await?;
    if ch.len() < 19 || ch[0] != b'N' {
        return Err(HandshakeError::Protocol(
            "expected a challenge ('N' with flags, challenge, creation and name)".into(),
        ));
    }
    let their_flags = be_u64(&ch[1..9]);
    let their_challenge = be_u32(&ch[9..13]);
    let creation = be_u32(&ch[13..17]);
    let nlen = be_u16(&ch[17..19]) as usize;
    let name = name_at(&ch[19..], nlen)?;
    if name != expected {
        return Err(HandshakeError::WrongName {
            expected: expected.into(),
            got: name,
        });
    }
    check_mandatory(&name, their_flags)?;

    // send_challenge_reply: 'r' our challenge, digest of theirs
    let ours = challenge();
    let mut reply = vec![b'r'];
    reply.extend_from_slice(&ours.to_be_bytes());
    reply.extend_from_slice(&digest(their_challenge, &local.cookie));
    write_msg(s, &reply).await?;

    // recv_challenge_ack: 'a' digest of ours
    let ack = match read_msg(s).await {
        Ok(ack) => ack,
        // A peer with another cookie closes the connection here without a word.
        Err(HandshakeError::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
            return Err(HandshakeError::BadCookie { peer: name })
        }
        Err(e) => return Err(e),
    };
    if ack.len() != 17 || ack[0] != b'a' {
        return Err(HandshakeError::Protocol(
            "expected a challenge ack ('a')".into(),
        ));
    }
    if ack[1..] != digest(ours, &local.cookie) {
        return Err(HandshakeError::BadCookie { peer: name });
    }
    Ok(Peer {
        name,
        creation,
        flags: their_flags & local.flags,
        hidden: their_flags & flags::PUBLISHED == 0,
    })
}

/// The accepting side: reads a connecting node's name, asks `status` what to answer it
/// (`Alive` waits for the peer's `true` or `false`), and checks its cookie.
pub(crate) async fn accept<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    local: &Local,
    status: impl FnOnce(&str) -> Status,
) -> Result<Peer, HandshakeError> {
    tokio::time::timeout(SETUP_TIME, accept_inner(s, local, status))
        .await
        .unwrap_or(Err(HandshakeError::Timeout))
}

async fn accept_inner<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    local: &Local,
    status: impl FnOnce(&str) -> Status,
) -> Result<Peer, HandshakeError> {
    // recv_name: 'N' flags:64 creation:32 nlen:16 name
    let m = read_msg(s).await?;
    if m.first() == Some(&b'n') {
        return Err(HandshakeError::Protocol(
            "the peer speaks the version 5 handshake (OTP 22 or older), which this node does \
             not"
            .into(),
        ));
    }
    if m.len() < 15 || m[0] != b'N' {
        return Err(HandshakeError::Protocol(
            "expected a name ('N' with flags, creation and name)".into(),
        ));
    }
    let their_flags = be_u64(&m[1..9]);
    let creation = be_u32(&m[9..13]);
    let nlen = be_u16(&m[13..15]) as usize;
    let name = name_at(&m[15..], nlen)?;
    if !name
        .split_once('@')
        .is_some_and(|(a, h)| !a.is_empty() && !h.is_empty())
    {
        return Err(HandshakeError::Protocol(format!(
            "the peer's name {name:?} is not name@host"
        )));
    }
    // OTP closes without a status here too; the peer learns nothing more.
    check_mandatory(&name, their_flags)?;

    let st = status(&name);
    write_msg(s, format!("s{}", st.text()).as_bytes()).await?;
    match st {
        Status::Ok | Status::OkSimultaneous => {}
        Status::Alive => {
            let answer = read_msg(s).await?;
            if answer != b"strue" {
                return Err(HandshakeError::Refused {
                    peer: name,
                    status: "it keeps its existing connection".into(),
                });
            }
        }
        Status::Nok | Status::NotAllowed => {
            return Err(HandshakeError::Refused {
                peer: name,
                status: st.text().into(),
            })
        }
    }

    // send_challenge
    let ours = challenge();
    let mut msg = vec![b'N'];
    msg.extend_from_slice(&local.flags.to_be_bytes());
    msg.extend_from_slice(&ours.to_be_bytes());
    msg.extend_from_slice(&local.creation.to_be_bytes());
    msg.extend_from_slice(&(local.name.len() as u16).to_be_bytes());
    msg.extend_from_slice(local.name.as_bytes());
    write_msg(s, &msg).await?;

    // recv_challenge_reply: 'r' their challenge, digest of ours
    let r = read_msg(s).await?;
    if r.len() != 21 || r[0] != b'r' {
        return Err(HandshakeError::Protocol(
            "expected a challenge reply ('r')".into(),
        ));
    }
    let theirs = be_u32(&r[1..5]);
    if r[5..] != digest(ours, &local.cookie) {
        // As OTP: close without an answer.
        return Err(HandshakeError::BadCookie { peer: name });
    }

    // send_challenge_ack
    let mut ack = vec![b'a'];
    ack.extend_from_slice(&digest(theirs, &local.cookie));
    write_msg(s, &ack).await?;
    Ok(Peer {
        name,
        creation,
        flags: their_flags & local.flags,
        hidden: their_flags & flags::PUBLISHED == 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(name: &str, cookie: &str) -> Local {
        Local {
            name: name.into(),
            creation: 7,
            flags: flags::OURS,
            cookie: cookie.into(),
        }
    }

    #[test]
    fn digest_is_md5_of_cookie_and_decimal_challenge() {
        // erlang:md5("secret" ++ integer_to_list(12345)), computed by erl.
        let expect = md5::compute(b"secret12345").0;
        assert_eq!(digest(12345, "secret"), expect);
    }

    #[tokio::test]
    async fn two_sides_agree() {
        let (mut a, mut b) = tokio::io::duplex(1024);
        let la = local("a@h", "c");
        let lb = local("b@h", "c");
        let (pa, pb) = tokio::join!(
            connect(&mut a, &la, "b@h", || true),
            accept(&mut b, &lb, |_| Status::Ok)
        );
        let (pa, pb) = (pa.unwrap(), pb.unwrap());
        assert_eq!(pa.name, "b@h");
        assert_eq!(pb.name, "a@h");
        assert!(pa.hidden && pb.hidden);
        assert_eq!(pa.flags, flags::OURS);
    }

    #[tokio::test]
    async fn a_wrong_cookie_is_told_on_both_sides() {
        let (mut a, mut b) = tokio::io::duplex(1024);
        let la = local("a@h", "one");
        let lb = local("b@h", "two");
        let (pa, pb) = tokio::join!(connect(&mut a, &la, "b@h", || true), async {
            let r = accept(&mut b, &lb, |_| Status::Ok).await;
            drop(b);
            r
        });
        assert!(
            matches!(pa, Err(HandshakeError::BadCookie { .. })),
            "{pa:?}"
        );
        assert!(
            matches!(pb, Err(HandshakeError::BadCookie { .. })),
            "{pb:?}"
        );
    }

    #[tokio::test]
    async fn refused_and_wrong_names_are_told() {
        let (la, lb, lx) = (local("a@h", "c"), local("b@h", "c"), local("x@h", "c"));
        let (mut a, mut b) = tokio::io::duplex(1024);
        let (pa, _) = tokio::join!(
            connect(&mut a, &la, "b@h", || true),
            accept(&mut b, &lb, |_| Status::NotAllowed)
        );
        assert_eq!(
            pa.unwrap_err().to_string(),
            "handshake with b@h refused: not_allowed"
        );
        let (mut a, mut b) = tokio::io::duplex(1024);
        let (pa, _) = tokio::join!(
            async move { connect(&mut a, &la, "b@h", || true).await },
            accept(&mut b, &lx, |_| Status::Ok)
        );
        assert!(matches!(pa, Err(HandshakeError::WrongName { .. })));
    }

    #[tokio::test]
    async fn missing_mandatory_flags_name_them() {
        let (mut a, mut b) = tokio::io::duplex(1024);
        let mut old = local("a@h", "c");
        old.flags &= !(flags::MAP_TAG | flags::HANDSHAKE_23);
        let lb = local("b@h", "c");
        let (pa, pb) = tokio::join!(connect(&mut a, &old, "b@h", || true), async move {
            accept(&mut b, &lb, |_| Status::Ok).await
        });
        assert!(pa.is_err());
        let e = pb.unwrap_err().to_string();
        assert!(e.contains("MAP_TAG | HANDSHAKE_23"), "{e}");
    }

    #[tokio::test]
    async fn garbage_is_a_protocol_error_not_a_panic() {
        for junk in [
            &b"\x00\x01N"[..],
            b"\x00\x00",
            b"\x00\x05Nabcd",
            b"\x00\x02sx",
        ] {
            let (mut a, mut b) = tokio::io::duplex(1024);
            b.write_all(junk).await.unwrap();
            drop(b);
            let lb = local("b@h", "c");
            assert!(accept(&mut a, &lb, |_| Status::Ok).await.is_err());
        }
    }
}
