//! EPMD's wire format: the requests a client sends and the replies EPMD gives.
//!
//! Every request travels as `Length:16 | Request`, the length counting the request bytes
//! only; replies have no length prefix: each has a layout fixed by its first byte, or (for
//! `NAMES`) runs until EPMD closes the connection. All integers are big-endian.
//!
//! | message | layout |
//! |---|---|
//! | `ALIVE2_REQ` | `120 \| Port:16 \| NodeType \| Protocol \| Highest:16 \| Lowest:16 \| Nlen:16 \| Name \| Elen:16 \| Extra` |
//! | `ALIVE2_X_RESP` | `118 \| Result \| Creation:32` (the node's highest version is 6 or more) |
//! | `ALIVE2_RESP` | `121 \| Result \| Creation:16` (older nodes; creation 1..=3) |
//! | `PORT_PLEASE2_REQ` | `122 \| Name` |
//! | `PORT2_RESP` | `119 \| 0 \| Port:16 \| NodeType \| Protocol \| Highest:16 \| Lowest:16 \| Nlen:16 \| Name \| Elen:16 \| Extra`, or `119 \| Result` (Result > 0: unknown) |
//! | `NAMES_REQ` | `110` |
//! | `NAMES_RESP` | `EpmdPort:32`, then `name NAME at port PORT\n` per node, until EPMD closes |
//!
//! These follow OTP's `erts/epmd/src/epmd_srv.c` and `epmd.h` (OTP 25), checked byte for
//! byte against the `epmd` binary of OTP 25 by `tests/dist_epmd.rs`.
//!
//! # Untrusted bytes
//!
//! The decoders never panic and never allocate more than the input describes: every length
//! is checked against the bytes present before anything is copied. A decoder given a prefix
//! of a valid message answers [`ProtoError::Incomplete`], so a reader can call it again once
//! more bytes arrived.

use std::fmt;

/// `ALIVE2_REQ` (`'x'`): register a node.
pub const ALIVE2_REQ: u8 = 120;
/// `ALIVE2_X_RESP` (`'v'`): the reply to `ALIVE2_REQ` with a 32-bit creation, sent when the
/// registering node's highest distribution version is 6 or more (OTP 23 and later).
pub const ALIVE2_X_RESP: u8 = 118;
/// `ALIVE2_RESP` (`'y'`): the older reply to `ALIVE2_REQ`, with a 16-bit creation (1..=3).
pub const ALIVE2_RESP: u8 = 121;
/// `PORT_PLEASE2_REQ` (`'z'`): where does a node listen?
pub const PORT_PLEASE2_REQ: u8 = 122;
/// `PORT2_RESP` (`'w'`): the reply to `PORT_PLEASE2_REQ`.
pub const PORT2_RESP: u8 = 119;
/// `NAMES_REQ` (`'n'`): list the registered nodes.
pub const NAMES_REQ: u8 = 110;
/// `DUMP_REQ` (`'d'`): a debugging dump (the `epmd -dump` command).
pub const DUMP_REQ: u8 = 100;
/// `KILL_REQ` (`'k'`): stop EPMD (the `epmd -kill` command).
pub const KILL_REQ: u8 = 107;
/// `STOP_REQ` (`'s'`): unregister a node by name (the `epmd -stop` command).
pub const STOP_REQ: u8 = 115;

/// Node type of a normal (visible) Erlang node: `'M'`. OTP's `erl_epmd` sends it for every
/// node, hidden or not.
pub const NODE_TYPE_NORMAL: u8 = 77;
/// Node type of a hidden node (C node): `'H'`.
pub const NODE_TYPE_HIDDEN: u8 = 72;
/// Node type of an "R4 hidden node" (`'h'`), which older `erl_interface` C nodes send.
pub const NODE_TYPE_HIDDEN_R4: u8 = 104;
/// Protocol 0: TCP/IPv4, the only one EPMD knows.
pub const PROTOCOL_TCP: u8 = 0;
/// Distribution version 6: the handshake of OTP 23 and later (an OTP 25.2 `erl` registers
/// highest 6, lowest 5).
pub const DIST_VERSION: u16 = 6;

/// Longest node name, in bytes: 255 characters of up to 4 UTF-8 bytes (epmd's `MAXSYMLEN`).
pub const MAX_NAME_BYTES: usize = 255 * 4;
/// Longest node name, in characters (an atom's limit).
pub const MAX_NAME_CHARS: usize = 255;
/// Longest `Extra` field EPMD keeps, in bytes (epmd's `MAXSYMLEN`).
pub const MAX_EXTRA_BYTES: usize = 255 * 4;
/// Longest request body EPMD reads: its input buffer is `3 * MAXSYMLEN` bytes, and it
/// closes a connection whose `Length + 2` reaches that.
pub const MAX_REQUEST_LEN: usize = 3 * MAX_NAME_BYTES - 3;

/// Why bytes are not a valid EPMD message.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::proto::{ProtoError, Request};
/// assert_eq!(Request::from_body(&[]), Err(ProtoError::Empty));
/// assert_eq!(Request::from_body(&[0]), Err(ProtoError::UnknownTag(0)));
/// assert_eq!(ProtoError::UnknownTag(0).to_string(), "unknown EPMD message tag 0");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtoError {
    /// The bytes are a valid beginning: more are needed.
    Incomplete,
    /// No bytes at all where a message was expected.
    Empty,
    /// The first byte names no message this side understands here.
    UnknownTag(u8),
    /// The message is malformed; the text says how.
    Malformed(&'static str),
    /// A value is too long for the wire (a name or `Extra` over 65,535 bytes).
    TooLong(&'static str),
}

impl fmt::Display for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtoError::Incomplete => f.write_str("incomplete EPMD message"),
            ProtoError::Empty => f.write_str("empty EPMD message"),
            ProtoError::UnknownTag(t) => write!(f, "unknown EPMD message tag {t}"),
            ProtoError::Malformed(why) => write!(f, "malformed EPMD message: {why}"),
            ProtoError::TooLong(what) => write!(f, "{what} is too long for an EPMD message"),
        }
    }
}

impl std::error::Error for ProtoError {}

/// What EPMD knows of a node, as the wire carries it (in `ALIVE2_REQ` and `PORT2_RESP`).
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::proto::{NodeRecord, NODE_TYPE_NORMAL};
/// let r = NodeRecord::new("a", 5555);
/// assert_eq!((r.node_type, r.highest, r.lowest), (NODE_TYPE_NORMAL, 6, 6));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRecord {
    /// The port the node accepts distribution connections on.
    pub port: u16,
    /// [`NODE_TYPE_NORMAL`], [`NODE_TYPE_HIDDEN`], or another value EPMD passes on as is.
    pub node_type: u8,
    /// [`PROTOCOL_TCP`].
    pub protocol: u8,
    /// Highest distribution version the node speaks.
    pub highest: u16,
    /// Lowest distribution version the node speaks.
    pub lowest: u16,
    /// The node's name: the part before `@`.
    pub name: String,
    /// Extra data, kept and returned by EPMD (usually empty).
    pub extra: Vec<u8>,
}

impl NodeRecord {
    /// A normal node `name` on `port`, TCP, distribution version 6 only.
    ///
    /// # Examples
    ///
    /// See [`NodeRecord`].
    pub fn new(name: &str, port: u16) -> NodeRecord {
        NodeRecord {
            port,
            node_type: NODE_TYPE_NORMAL,
            protocol: PROTOCOL_TCP,
            highest: DIST_VERSION,
            lowest: DIST_VERSION,
            name: name.to_string(),
            extra: Vec::new(),
        }
    }

    /// Whether the node type says hidden ([`NODE_TYPE_HIDDEN`] or [`NODE_TYPE_HIDDEN_R4`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::epmd::proto::{NodeRecord, NODE_TYPE_HIDDEN};
    /// let mut r = NodeRecord::new("c", 1);
    /// assert!(!r.is_hidden());
    /// r.node_type = NODE_TYPE_HIDDEN;
    /// assert!(r.is_hidden());
    /// ```
    pub fn is_hidden(&self) -> bool {
        matches!(self.node_type, NODE_TYPE_HIDDEN | NODE_TYPE_HIDDEN_R4)
    }

    /// The fields after a tag (and result), shared by `ALIVE2_REQ` and `PORT2_RESP`.
    fn put_fields(&self, out: &mut Vec<u8>) -> Result<(), ProtoError> {
        let nlen = u16::try_from(self.name.len()).map_err(|_| ProtoError::TooLong("node name"))?;
        let elen = u16::try_from(self.extra.len()).map_err(|_| ProtoError::TooLong("extra"))?;
        out.extend_from_slice(&self.port.to_be_bytes());
        out.push(self.node_type);
        out.push(self.protocol);
        out.extend_from_slice(&self.highest.to_be_bytes());
        out.extend_from_slice(&self.lowest.to_be_bytes());
        out.extend_from_slice(&nlen.to_be_bytes());
        out.extend_from_slice(self.name.as_bytes());
        out.extend_from_slice(&elen.to_be_bytes());
        out.extend_from_slice(&self.extra);
        Ok(())
    }

    /// Reads the shared fields; `Incomplete` when `buf` ends early. Returns the record and
    /// the bytes it took.
    fn take_fields(buf: &[u8]) -> Result<(NodeRecord, usize), ProtoError> {
        let mut r = Reader { buf, pos: 0 };
        let port = r.u16()?;
        let node_type = r.u8()?;
        let protocol = r.u8()?;
        let highest = r.u16()?;
        let lowest = r.u16()?;
        let nlen = usize::from(r.u16()?);
        let name = r.bytes(nlen)?;
        let elen = usize::from(r.u16()?);
        let extra = r.bytes(elen)?;
        if name.contains(&0) {
            return Err(ProtoError::Malformed("node name contains a NUL byte"));
        }
        let name = std::str::from_utf8(name)
            .map_err(|_| ProtoError::Malformed("node name is not UTF-8"))?
            .to_string();
        let record = NodeRecord {
            port,
            node_type,
            protocol,
            highest,
            lowest,
            name,
            extra: extra.to_vec(),
        };
        Ok((record, r.pos))
    }
}

/// Checks a node name as EPMD does before registering it: 1 to 255 characters, no NUL.
/// (UTF-8 is guaranteed by `&str`.)
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::proto::check_name;
/// assert!(check_name("node1").is_ok());
/// assert!(check_name("").is_err());
/// assert!(check_name(&"x".repeat(256)).is_err());
/// assert!(check_name("a\0b").is_err());
/// ```
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        Err("a node name must not be empty")
    } else if name.contains('\0') {
        Err("a node name must not contain NUL")
    } else if name.chars().count() > MAX_NAME_CHARS {
        Err("a node name has at most 255 characters")
    } else {
        Ok(())
    }
}

/// A request to EPMD.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::proto::Request;
/// let req = Request::PortPlease2 { name: "a".into() };
/// let packet = req.to_packet().unwrap();
/// assert_eq!(packet, [0, 2, 122, b'a']);
/// assert_eq!(Request::from_body(&packet[2..]), Ok(req));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `ALIVE2_REQ`: register this node.
    Alive2(NodeRecord),
    /// `PORT_PLEASE2_REQ`: look a node up.
    PortPlease2 {
        /// The node's name (the part before `@`).
        name: String,
    },
    /// `NAMES_REQ`: list the registered nodes.
    Names,
    /// `DUMP_REQ`.
    Dump,
    /// `KILL_REQ`.
    Kill,
    /// `STOP_REQ`, with the name (as sent) of the node to unregister.
    Stop {
        /// The name, unchecked.
        name: Vec<u8>,
    },
}

impl Request {
    /// The request as sent: `Length:16` then the request.
    ///
    /// # Errors
    ///
    /// [`ProtoError::TooLong`] when a name or `Extra` does not fit in its 16-bit length.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::epmd::proto::{NodeRecord, Request};
    /// let packet = Request::Alive2(NodeRecord::new("ab", 0x1234)).to_packet().unwrap();
    /// assert_eq!(
    ///     packet,
    ///     [0, 15, 120, 0x12, 0x34, 77, 0, 0, 6, 0, 6, 0, 2, b'a', b'b', 0, 0]
    /// );
    /// assert_eq!(Request::Names.to_packet().unwrap(), [0, 1, 110]);
    /// ```
    pub fn to_packet(&self) -> Result<Vec<u8>, ProtoError> {
        let mut out = vec![0, 0];
        match self {
            Request::Alive2(record) => {
                out.push(ALIVE2_REQ);
                record.put_fields(&mut out)?;
            }
            Request::PortPlease2 { name } => {
                out.push(PORT_PLEASE2_REQ);
                out.extend_from_slice(name.as_bytes());
            }
            Request::Names => out.push(NAMES_REQ),
            Request::Dump => out.push(DUMP_REQ),
            Request::Kill => out.push(KILL_REQ),
            Request::Stop { name } => {
                out.push(STOP_REQ);
                out.extend_from_slice(name);
            }
        }
        let len = u16::try_from(out.len() - 2).map_err(|_| ProtoError::TooLong("request"))?;
        out[..2].copy_from_slice(&len.to_be_bytes());
        Ok(out)
    }

    /// Decodes a request body: the `Length` bytes after the 2-byte length.
    ///
    /// As `epmd` does, bytes after an `ALIVE2_REQ`'s `Extra` are ignored, one NUL ending a
    /// `PORT_PLEASE2_REQ` name is dropped, and a name must be valid UTF-8 without NUL; a
    /// `PORT_PLEASE2_REQ` name must also have 1 to 255 characters.
    ///
    /// # Errors
    ///
    /// [`ProtoError::Empty`], [`ProtoError::UnknownTag`], or [`ProtoError::Malformed`]; never
    /// [`ProtoError::Incomplete`]: the body is all there is.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::epmd::proto::{ProtoError, Request};
    /// assert_eq!(Request::from_body(b"zabc\0"), Ok(Request::PortPlease2 { name: "abc".into() }));
    /// assert!(matches!(Request::from_body(b"z"), Err(ProtoError::Malformed(_))));
    /// assert_eq!(Request::from_body(b"n"), Ok(Request::Names));
    /// ```
    pub fn from_body(body: &[u8]) -> Result<Request, ProtoError> {
        let (&tag, rest) = body.split_first().ok_or(ProtoError::Empty)?;
        match tag {
            ALIVE2_REQ => match NodeRecord::take_fields(rest) {
                Ok((record, _)) => Ok(Request::Alive2(record)),
                Err(ProtoError::Incomplete) => Err(ProtoError::Malformed("ALIVE2_REQ too short")),
                Err(e) => Err(e),
            },
            PORT_PLEASE2_REQ => {
                let name = rest.strip_suffix(&[0]).unwrap_or(rest);
                if name.is_empty() || name.contains(&0) {
                    return Err(ProtoError::Malformed(
                        "PORT_PLEASE2_REQ without a valid name",
                    ));
                }
                let name = std::str::from_utf8(name)
                    .map_err(|_| ProtoError::Malformed("node name is not UTF-8"))?;
                if name.chars().count() > MAX_NAME_CHARS {
                    return Err(ProtoError::Malformed("node name over 255 characters"));
                }
                Ok(Request::PortPlease2 {
                    name: name.to_string(),
                })
            }
            NAMES_REQ => Ok(Request::Names),
            DUMP_REQ => Ok(Request::Dump),
            KILL_REQ => Ok(Request::Kill),
            STOP_REQ => Ok(Request::Stop {
                name: rest.to_vec(),
            }),
            other => Err(ProtoError::UnknownTag(other)),
        }
    }
}

/// The reply to `ALIVE2_REQ`: [`ALIVE2_X_RESP`] (32-bit creation) or [`ALIVE2_RESP`]
/// (16-bit creation).
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::proto::Alive2Resp;
/// let ok = Alive2Resp { result: 0, creation: 0x0102_0304, extended: true };
/// assert_eq!(ok.encode(), [118, 0, 1, 2, 3, 4]);
/// assert_eq!(Alive2Resp::decode(&[121, 0, 0, 2]).unwrap().0.creation, 2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alive2Resp {
    /// 0: registered; anything else: refused (real EPMD sends 1, for a name taken or invalid).
    pub result: u8,
    /// The node's creation (incarnation number). Real EPMD sends 99 with a refusal.
    pub creation: u32,
    /// `true`: [`ALIVE2_X_RESP`], 32-bit creation; `false`: [`ALIVE2_RESP`], 16-bit.
    pub extended: bool,
}

impl Alive2Resp {
    /// The reply's bytes. With `extended` false only the low 16 bits of `creation` are sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::epmd::proto::Alive2Resp;
    /// let refused = Alive2Resp { result: 1, creation: 99, extended: false };
    /// assert_eq!(refused.encode(), [121, 1, 0, 99]);
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        if self.extended {
            let mut out = vec![ALIVE2_X_RESP, self.result];
            out.extend_from_slice(&self.creation.to_be_bytes());
            out
        } else {
            let mut out = vec![ALIVE2_RESP, self.result];
            out.extend_from_slice(&(self.creation as u16).to_be_bytes());
            out
        }
    }

    /// Decodes a reply at the start of `buf`; returns it and the bytes it took.
    ///
    /// # Errors
    ///
    /// [`ProtoError::Incomplete`] for a valid prefix, [`ProtoError::Empty`], or
    /// [`ProtoError::UnknownTag`] when the first byte is neither 118 nor 121.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::epmd::proto::{Alive2Resp, ProtoError};
    /// let (r, used) = Alive2Resp::decode(&[118, 0, 0, 0, 1, 0, 0xff]).unwrap();
    /// assert_eq!((r.creation, r.extended, used), (256, true, 6));
    /// assert_eq!(Alive2Resp::decode(&[118, 0, 0]), Err(ProtoError::Incomplete));
    /// ```
    pub fn decode(buf: &[u8]) -> Result<(Alive2Resp, usize), ProtoError> {
        let mut r = Reader { buf, pos: 0 };
        let tag = match buf.first() {
            Some(&t) => t,
            None => return Err(ProtoError::Empty),
        };
        r.pos = 1;
        let extended = match tag {
            ALIVE2_X_RESP => true,
            ALIVE2_RESP => false,
            other => return Err(ProtoError::UnknownTag(other)),
        };
        let result = r.u8()?;
        let creation = if extended {
            r.u32()?
        } else {
            u32::from(r.u16()?)
        };
        let resp = Alive2Resp {
            result,
            creation,
            extended,
        };
        Ok((resp, r.pos))
    }
}

/// The reply to `PORT_PLEASE2_REQ`.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::proto::{NodeRecord, Port2Resp};
/// assert_eq!(Port2Resp::NotFound(1).encode().unwrap(), [119, 1]);
/// let found = Port2Resp::Found(NodeRecord::new("a6", 5555));
/// let bytes = found.encode().unwrap();
/// // Byte for byte what OTP 25's epmd sends for a node "a6" registered on port 5555.
/// assert_eq!(bytes, [119, 0, 0x15, 0xb3, 77, 0, 0, 6, 0, 6, 0, 2, b'a', b'6', 0, 0]);
/// assert_eq!(Port2Resp::decode(&bytes), Ok((found, bytes.len())));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Port2Resp {
    /// Result 0, and what the node registered.
    Found(NodeRecord),
    /// Result > 0 (EPMD sends 1): no node by that name.
    NotFound(u8),
}

impl Port2Resp {
    /// The reply's bytes.
    ///
    /// # Errors
    ///
    /// [`ProtoError::TooLong`] when a name or `Extra` does not fit its 16-bit length, or
    /// [`ProtoError::Malformed`] for `NotFound(0)` (0 means found).
    ///
    /// # Examples
    ///
    /// See [`Port2Resp`].
    pub fn encode(&self) -> Result<Vec<u8>, ProtoError> {
        match self {
            Port2Resp::Found(record) => {
                let mut out = vec![PORT2_RESP, 0];
                record.put_fields(&mut out)?;
                Ok(out)
            }
            Port2Resp::NotFound(0) => Err(ProtoError::Malformed("result 0 means found")),
            Port2Resp::NotFound(result) => Ok(vec![PORT2_RESP, *result]),
        }
    }

    /// Decodes a reply at the start of `buf`; returns it and the bytes it took.
    ///
    /// # Errors
    ///
    /// [`ProtoError::Incomplete`] for a valid prefix, [`ProtoError::Empty`],
    /// [`ProtoError::UnknownTag`] when the first byte is not 119, or
    /// [`ProtoError::Malformed`] for a name that is not UTF-8 or holds NUL.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::epmd::proto::{Port2Resp, ProtoError};
    /// assert_eq!(Port2Resp::decode(&[119, 1]), Ok((Port2Resp::NotFound(1), 2)));
    /// assert_eq!(Port2Resp::decode(&[119, 0, 0x15]), Err(ProtoError::Incomplete));
    /// ```
    pub fn decode(buf: &[u8]) -> Result<(Port2Resp, usize), ProtoError> {
        match buf {
            [] => Err(ProtoError::Empty),
            [PORT2_RESP] => Err(ProtoError::Incomplete),
            [PORT2_RESP, 0, rest @ ..] => {
                let (record, used) = NodeRecord::take_fields(rest)?;
                Ok((Port2Resp::Found(record), 2 + used))
            }
            [PORT2_RESP, result, ..] => Ok((Port2Resp::NotFound(*result), 2)),
            [other, ..] => Err(ProtoError::UnknownTag(*other)),
        }
    }
}

/// The reply to `NAMES_REQ`: EPMD's own port, then one line per registered node.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::proto::NamesResp;
/// let resp = NamesResp { epmd_port: 4369, nodes: vec![("a".into(), 5555)] };
/// let bytes = resp.encode();
/// assert_eq!(bytes, b"\0\0\x11\x11name a at port 5555\n");
/// assert_eq!(NamesResp::decode(&bytes), Ok(resp));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamesResp {
    /// The port EPMD listens on (sent as 32 bits).
    pub epmd_port: u32,
    /// Each registered node's name and port.
    pub nodes: Vec<(String, u16)>,
}

impl NamesResp {
    /// The reply's bytes: `EpmdPort:32`, then `name NAME at port PORT\n` for each node.
    ///
    /// # Examples
    ///
    /// See [`NamesResp`].
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.epmd_port.to_be_bytes().to_vec();
        for (name, port) in &self.nodes {
            out.extend_from_slice(format!("name {name} at port {port}\n").as_bytes());
        }
        out
    }

    /// Decodes a whole reply (everything EPMD sent before closing). As OTP's `erl_epmd`
    /// does, lines that do not read `name NAME at port PORT` are skipped, and so is a last
    /// line without its newline.
    ///
    /// # Errors
    ///
    /// [`ProtoError::Incomplete`] when fewer than 4 bytes arrived.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::epmd::proto::NamesResp;
    /// let r = NamesResp::decode(b"\0\0\x11\x11garbage\nname b at port 7\nname c at").unwrap();
    /// assert_eq!(r.nodes, [("b".to_string(), 7)]);
    /// ```
    pub fn decode(buf: &[u8]) -> Result<NamesResp, ProtoError> {
        let mut r = Reader { buf, pos: 0 };
        let epmd_port = r.u32()?;
        let mut nodes = Vec::new();
        let mut rest = &buf[r.pos..];
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            if let Some(entry) = parse_names_line(&rest[..end]) {
                nodes.push(entry);
            }
            rest = &rest[end + 1..];
        }
        Ok(NamesResp { epmd_port, nodes })
    }
}

/// `name NAME at port PORT` (without the newline), or `None`.
fn parse_names_line(line: &[u8]) -> Option<(String, u16)> {
    let line = std::str::from_utf8(line).ok()?;
    let rest = line.strip_prefix("name ")?;
    let at = rest.rfind(" at port ")?;
    let name = &rest[..at];
    let port = &rest[at + " at port ".len()..];
    if name.is_empty() || port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((name.to_string(), port.parse().ok()?))
}

/// A cursor over untrusted bytes: every read checks the bytes left first.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> Result<&'a [u8], ProtoError> {
        let end = self.pos.checked_add(n).ok_or(ProtoError::Incomplete)?;
        let out = self.buf.get(self.pos..end).ok_or(ProtoError::Incomplete)?;
        self.pos = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, ProtoError> {
        Ok(self.bytes(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, ProtoError> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, ProtoError> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}
