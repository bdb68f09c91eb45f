//! Erlang terms as Rust values, and the External Term Format (ETF) they travel in.
//!
//! [`Term`] is the dynamic form of any Erlang term a peer can send: atoms, integers of any
//! size, floats, binaries, tuples, lists, maps, pids, references, ports and funs. The codec
//! ([`Term::encode`], [`Term::decode`]) reads every tag a BEAM node may send and writes what a
//! BEAM node reads, following `erl_ext_dist` (OTP 25 and newer).
//!
//! # Atoms
//!
//! An [`Atom`] here is a string shared by reference count and freed with its last use: the
//! BEAM never collects an atom, so a node that turned received text into atoms would grow
//! without bound; this one keeps no atom table at all, so what a peer sends can never fill
//! one. (The atom cache of the distribution header, `DIST_HDR_ATOM_CACHE`, is not used.)
//!
//! # Untrusted bytes
//!
//! Bytes from the network are untrusted: decoding never panics, never allocates more than
//! the input could describe (a length is checked against the bytes left before anything is
//! reserved), and limits nesting depth, so a hostile peer gets a [`DecodeError`], not a
//! crash or an out-of-memory abort. Containers nest at most [`MAX_DEPTH`] deep, and a
//! `COMPRESSED` term may inflate to at most [`MAX_UNCOMPRESSED_SIZE`] bytes.
//!
//! # Printing
//!
//! A term's [`Display`](fmt::Display) is Erlang's `~p` on one line: `{ok,42}`, `"abc"`,
//! `<<"text">>`, `#{a => 1}`, `<a@host.42.0>`.

use std::fmt;
use std::sync::Arc;

mod decode;
mod display;
mod encode;
mod error;
mod tag;
mod walk;

pub use decode::{MAX_DEPTH, MAX_UNCOMPRESSED_SIZE};
pub use error::{CompressedError, DecodeError};

/// An atom: a name of at most 255 characters, cheap to clone.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::term::Atom;
/// let ok = Atom::new("ok");
/// assert_eq!(ok.as_str(), "ok");
/// assert_eq!(ok, Atom::from("ok"));
/// assert_eq!(ok.to_string(), "ok");
/// assert_eq!(Atom::new("Hello world").to_string(), "'Hello world'");
/// assert_eq!(Atom::new("end").to_string(), "'end'");
/// assert_eq!(Atom::new("héllo").to_string(), "héllo");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Atom(Arc<str>);

/// The most characters an atom may have (Erlang's limit).
pub const MAX_ATOM_CHARS: usize = 255;

impl Atom {
    /// The atom `name`.
    ///
    /// # Panics
    ///
    /// If `name` has more than [`MAX_ATOM_CHARS`] characters, as `list_to_atom/1` fails; use
    /// [`Atom::try_new`] for text from outside the program.
    ///
    /// # Examples
    ///
    /// See [`Atom`].
    pub fn new(name: &str) -> Atom {
        match Atom::try_new(name) {
            Some(a) => a,
            None => panic!("an atom has at most {MAX_ATOM_CHARS} characters"),
        }
    }

    /// The atom `name`, or `None` if it has more than [`MAX_ATOM_CHARS`] characters.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::term::Atom;
    /// assert!(Atom::try_new("ok").is_some());
    /// assert!(Atom::try_new(&"x".repeat(256)).is_none());
    /// ```
    pub fn try_new(name: &str) -> Option<Atom> {
        (name.chars().count() <= MAX_ATOM_CHARS).then(|| Atom(name.into()))
    }

    /// Its name.
    ///
    /// # Examples
    ///
    /// See [`Atom`].
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An atom is looked up by its text (`Hash` and `Eq` are its text's), so a map keyed by
/// atoms takes a `&str`.
impl std::borrow::Borrow<str> for Atom {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Atom {
    /// # Panics
    ///
    /// As [`Atom::new`].
    fn from(name: &str) -> Atom {
        Atom::new(name)
    }
}

impl fmt::Debug for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Atom {
    /// As Erlang prints it: quoted unless it is a lowercase letter followed by letters,
    /// digits, `_` and `@` (Latin-1 letters included, as in Erlang) and not a reserved word.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.as_str();
        let mut chars = s.chars();
        let plain = chars.next().is_some_and(is_lowercase)
            && chars.all(|c| {
                is_lowercase(c) || is_uppercase(c) || c.is_ascii_digit() || c == '_' || c == '@'
            })
            && !RESERVED.contains(&s);
        if plain {
            return f.write_str(s);
        }
        f.write_str("'")?;
        for c in s.chars() {
            match c {
                '\'' => f.write_str("\\'")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\t' => f.write_str("\\t")?,
                '\r' => f.write_str("\\r")?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("'")
    }
}

/// Erlang's reserved words: atoms that must be quoted.
const RESERVED: [&str; 29] = [
    "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case",
    "catch", "cond", "div", "else", "end", "fun", "if", "let", "maybe", "not", "of", "or",
    "orelse", "receive", "rem", "try", "when", "xor",
];

/// A lowercase letter as `erl_scan` sees one: `a..z`, `ß..ö`, `ø..ÿ`.
fn is_lowercase(c: char) -> bool {
    matches!(c, 'a'..='z' | '\u{df}'..='\u{f6}' | '\u{f8}'..='\u{ff}')
}

/// An uppercase letter as `erl_scan` sees one: `A..Z`, `À..Ö`, `Ø..Þ`.
fn is_uppercase(c: char) -> bool {
    matches!(c, 'A'..='Z' | '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{de}')
}

/// A pid as the wire carries it: the node's name and creation, and the process's number
/// (`id`, 32 bits on the wire, 28 used by the BEAM) and serial.
///
/// Local processes have [`Pid`](crate::Pid)s; the distribution layer converts between the
/// two (a node's own pids and those of the nodes it is connected to).
/// # Examples
///
/// ```
/// use otp_runtime::dist::term::{Atom, ExternalPid, Term};
/// let p = ExternalPid { node: Atom::new("e@host"), id: 42, serial: 0, creation: 7 };
/// assert_eq!(Term::decode(&Term::Pid(p.clone()).encode()).unwrap(), Term::Pid(p));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ExternalPid {
    /// The node it lives on.
    pub node: Atom,
    /// Its number there.
    pub id: u32,
    /// The high bits of its number.
    pub serial: u32,
    /// Which incarnation of the node.
    pub creation: u32,
}

/// A reference as the wire carries it: up to 5 words of id (3 on OTP 25, up to 5 with
/// `V4_NC`).
/// # Examples
///
/// ```
/// use otp_runtime::dist::term::{Atom, ExternalRef, Term};
/// let r = ExternalRef { node: Atom::new("e@host"), creation: 7, ids: vec![1, 2, 3] };
/// assert_eq!(Term::decode(&Term::Ref(r.clone()).encode()).unwrap(), Term::Ref(r));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ExternalRef {
    /// The node that made it.
    pub node: Atom,
    /// Which incarnation of the node.
    pub creation: u32,
    /// Its id words, least significant first, 1 to 5 of them.
    pub ids: Vec<u32>,
}

/// A port as the wire carries it.
/// # Examples
///
/// ```
/// use otp_runtime::dist::term::{Atom, ExternalPort, Term};
/// let p = ExternalPort { node: Atom::new("e@host"), id: 5, creation: 7 };
/// assert_eq!(Term::decode(&Term::Port(p.clone()).encode()).unwrap(), Term::Port(p));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ExternalPort {
    /// The node it belongs to.
    pub node: Atom,
    /// Its number (32 bits with `NEW_PORT_EXT`, 64 with `V4_PORT_EXT`).
    pub id: u64,
    /// Which incarnation of the node.
    pub creation: u32,
}

/// An integer too large for an `i64`: a sign and a magnitude, little-endian bytes with no
/// trailing zero byte.
/// # Examples
///
/// ```
/// use otp_runtime::dist::term::{BigInt, Term};
/// // 2^64: one byte past u64::MAX's eight.
/// let big = Term::BigInt(BigInt { negative: false, magnitude: vec![0, 0, 0, 0, 0, 0, 0, 0, 1] });
/// assert_eq!(Term::decode(&big.encode()).unwrap(), big);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct BigInt {
    /// Whether it is below zero.
    pub negative: bool,
    /// Its absolute value, least significant byte first.
    pub magnitude: Vec<u8>,
}

/// Any Erlang term.
///
/// Integers that fit an `i64` are always [`Term::Int`]; larger ones are [`Term::BigInt`], so
/// each value has one form. A proper list is [`Term::List`] (the empty list is
/// `List(vec![])`); Erlang strings are lists of integers, as in Erlang.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::term::{Atom, Term};
/// let t = Term::Tuple(vec![Term::Atom(Atom::new("ok")), Term::Int(42)]);
/// let bytes = t.encode();
/// assert_eq!(bytes[0], 131);
/// assert_eq!(Term::decode(&bytes).unwrap(), t);
/// assert_eq!(t.to_string(), "{ok,42}");
/// ```
///
/// `Clone`, `PartialEq`, `Debug` and `Display` walk the term without recursing (see
/// [`MAX_DEPTH`]); `PartialEq` is structural, as derived (maps compare pair by pair in order).
pub enum Term {
    /// An atom (`true` and `false` are atoms, as in Erlang).
    Atom(Atom),
    /// An integer that fits 64 bits.
    Int(i64),
    /// An integer that does not.
    BigInt(BigInt),
    /// A float.
    Float(f64),
    /// A binary.
    Binary(Vec<u8>),
    /// A bitstring whose last byte holds only `bits` bits (1 to 7), the high ones.
    BitBinary {
        /// Its bytes.
        bytes: Vec<u8>,
        /// How many bits of the last byte belong to it.
        bits: u8,
    },
    /// A tuple.
    Tuple(Vec<Term>),
    /// A proper list.
    List(Vec<Term>),
    /// A list whose tail is not `[]`: its elements (at least one) and the tail.
    ImproperList(Vec<Term>, Box<Term>),
    /// A map, in the order its pairs came (decoding keeps the sender's order).
    Map(Vec<(Term, Term)>),
    /// A process identifier.
    Pid(ExternalPid),
    /// A reference.
    Ref(ExternalRef),
    /// A port.
    Port(ExternalPort),
    /// `fun M:F/A`.
    Export {
        /// The module.
        module: Atom,
        /// The function.
        function: Atom,
        /// Its arity.
        arity: u8,
    },
    /// A fun with a closure (`NEW_FUN_EXT`): kept as its encoded bytes (after the tag), so it
    /// can be passed on; it cannot be called here.
    Fun(Vec<u8>),
}
