//! What can go wrong talking to EPMD.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// An EPMD request that failed.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::epmd::EpmdError;
/// let e = EpmdError::NameTaken("node1".into());
/// assert_eq!(e.to_string(), "EPMD refused to register \"node1\": the name is taken");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum EpmdError {
    /// Nothing listens at `addr`: the connection was refused (no EPMD running there).
    Unreachable {
        /// The address tried.
        addr: SocketAddr,
        /// The refusal.
        source: io::Error,
    },
    /// EPMD did not answer within the time allowed (see [`TIMEOUT`](super::TIMEOUT)).
    Timeout {
        /// The address tried.
        addr: SocketAddr,
        /// How long we waited.
        after: Duration,
    },
    /// EPMD refused the registration. EPMD gives no reason; with a valid name (checked before
    /// sending) it is a name already registered, as OTP's `erl_epmd` reads it too.
    NameTaken(String),
    /// The node entry cannot be registered (an empty name, one over 255 characters or with
    /// NUL, or `extra` over 1,020 bytes); nothing was sent.
    InvalidEntry(String),
    /// EPMD's reply was malformed, or the connection closed without one.
    Protocol(String),
    /// Another I/O error talking to `addr` (or binding it, for an in-process EPMD).
    Io {
        /// The address involved.
        addr: SocketAddr,
        /// The error.
        source: io::Error,
    },
}

impl fmt::Display for EpmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EpmdError::Unreachable { addr, source } => {
                write!(f, "no EPMD at {addr} (connection refused: {source})")
            }
            EpmdError::Timeout { addr, after } => {
                write!(f, "EPMD at {addr} did not answer within {after:?}")
            }
            EpmdError::NameTaken(name) => {
                write!(f, "EPMD refused to register {name:?}: the name is taken")
            }
            EpmdError::InvalidEntry(why) => write!(f, "invalid EPMD node entry: {why}"),
            EpmdError::Protocol(why) => write!(f, "EPMD protocol error: {why}"),
            EpmdError::Io { addr, source } => write!(f, "I/O error with EPMD at {addr}: {source}"),
        }
    }
}

impl std::error::Error for EpmdError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EpmdError::Unreachable { source, .. } | EpmdError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
