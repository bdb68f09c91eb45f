//! Why bytes could not be decoded as a term: [`DecodeError`], saying what was wrong and at
//! which byte.
//!
//! Offsets count from the start of the input given to [`Term::decode`](super::Term::decode)
//! (the version byte is byte 0), except inside a `COMPRESSED` term, where they count from the
//! start of its uncompressed bytes.

use std::fmt;

use super::decode::{MAX_DEPTH, MAX_UNCOMPRESSED_SIZE};
use super::tag;

/// Why bytes are not one valid term in the External Term Format.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::term::{DecodeError, Term};
/// // A list claiming 4 billion elements in 4 bytes.
/// let err = Term::decode(&[131, 108, 255, 255, 255, 255, 97, 1]).unwrap_err();
/// assert!(matches!(err, DecodeError::Truncated { offset: 1, .. }));
/// assert_eq!(
///     err.to_string(),
///     "truncated input: the term at byte 1 needs at least 4294967301 bytes, 7 are left"
/// );
/// assert_eq!(Term::decode(&[130, 106]), Err(DecodeError::BadVersion(130)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ends inside a term, or a term claims more bytes than are left.
    Truncated {
        /// Where the term (or field) that does not fit starts.
        offset: usize,
        /// The least number of bytes it needs from its start on (its own length claims
        /// included: at least a byte per element, the whole of a binary).
        needed: u64,
        /// How many bytes are left from `offset` on.
        left: usize,
    },
    /// The first byte is not the version byte 131.
    BadVersion(u8),
    /// A tag the External Term Format does not have.
    UnknownTag {
        /// The tag.
        tag: u8,
        /// Where it is.
        offset: usize,
    },
    /// A tag this node never negotiates: `ATOM_CACHE_REF` (82, the distribution header's atom
    /// cache) or `LOCAL_EXT` (121, a node's private encoding).
    Unsupported {
        /// The tag.
        tag: u8,
        /// Where it is.
        offset: usize,
    },
    /// Terms nested more than [`MAX_DEPTH`] deep.
    TooDeep {
        /// Where the container one level too deep starts.
        offset: usize,
    },
    /// An atom that is not valid UTF-8, or has more than 255 characters.
    InvalidAtom {
        /// Where the atom starts (its tag).
        offset: usize,
    },
    /// [`Term::decode`](super::Term::decode) found this many bytes after the term.
    TrailingBytes(usize),
    /// A `COMPRESSED` term that could not be inflated.
    Compressed(CompressedError),
    /// A field with a value the format does not allow.
    Invalid {
        /// What is wrong.
        what: &'static str,
        /// Where the term holding it starts.
        offset: usize,
    },
}

/// Why a `COMPRESSED` term (tag 80: an uncompressed size, then zlib data) was refused.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::term::{CompressedError, DecodeError, Term};
/// // Claims 2 GiB once inflated.
/// let err = Term::decode(&[131, 80, 128, 0, 0, 0, 120, 156]).unwrap_err();
/// assert_eq!(
///     err,
///     DecodeError::Compressed(CompressedError::TooLarge { declared: 1 << 31 })
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompressedError {
    /// The declared uncompressed size is above [`MAX_UNCOMPRESSED_SIZE`].
    TooLarge {
        /// The size it declares.
        declared: u32,
    },
    /// The zlib data is invalid, fails its checksum or ends early.
    Corrupt {
        /// Which of these.
        reason: &'static str,
    },
    /// The data inflates to more bytes than declared.
    LongerThanDeclared {
        /// The size it declares.
        declared: u32,
    },
    /// The data inflates to fewer bytes than declared.
    ShorterThanDeclared {
        /// The size it declares.
        declared: u32,
        /// The size it has.
        actual: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated {
                offset,
                needed,
                left,
            } => {
                write!(f, "truncated input: the term at byte {offset} ")?;
                write!(f, "needs at least {needed} bytes, {left} are left")
            }
            DecodeError::BadVersion(v) => {
                write!(
                    f,
                    "byte 0 is {v}, not the version byte 131 of the External Term Format"
                )
            }
            DecodeError::UnknownTag { tag, offset } => {
                write!(f, "unknown tag {tag} at byte {offset}")
            }
            DecodeError::Unsupported { tag, offset } => {
                let name = tag::name(*tag).unwrap_or("tag");
                write!(f, "{name} ({tag}) at byte {offset}: ")?;
                if *tag == tag::ATOM_CACHE_REF {
                    write!(f, "the distribution atom cache was not negotiated")
                } else {
                    write!(f, "a node's private encoding, never sent to another node")
                }
            }
            DecodeError::TooDeep { offset } => {
                write!(
                    f,
                    "terms nested more than {MAX_DEPTH} deep, at byte {offset}"
                )
            }
            DecodeError::InvalidAtom { offset } => write!(
                f,
                "invalid atom at byte {offset}: not UTF-8, or more than 255 characters"
            ),
            DecodeError::TrailingBytes(n) => write!(f, "{n} bytes after the term"),
            DecodeError::Compressed(e) => write!(f, "COMPRESSED term at byte 1: {e}"),
            DecodeError::Invalid { what, offset } => write!(f, "{what} at byte {offset}"),
        }
    }
}

impl std::error::Error for DecodeError {}

impl fmt::Display for CompressedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompressedError::TooLarge { declared } => write!(
                f,
                "declares {declared} bytes uncompressed, more than the limit of {MAX_UNCOMPRESSED_SIZE}"
            ),
            CompressedError::Corrupt { reason } => write!(f, "{reason}"),
            CompressedError::LongerThanDeclared { declared } => {
                write!(f, "inflates to more than the {declared} bytes it declares")
            }
            CompressedError::ShorterThanDeclared { declared, actual } => {
                write!(f, "inflates to {actual} bytes, not the {declared} it declares")
            }
        }
    }
}

impl std::error::Error for CompressedError {}
