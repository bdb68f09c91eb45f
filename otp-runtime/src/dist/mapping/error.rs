//! Why a term did not decode into a Rust type: what was expected, what was found, and where
//! in the term.
//!
//! The description of the term found is written here from its shape ("the atom foo", "a
//! 3-tuple {lookup, _, _}", "a binary of 12 bytes"), never from its contents at length: a
//! peer's megabyte binary makes a one-line message.

use std::borrow::Cow;
use std::fmt;

use crate::dist::term::{BigInt, Term};

/// A term that does not have the shape of the Rust type asked for.
///
/// Its message says what was expected (and of which Rust type), where in the term (a path
/// such as `User.address.city`, `[3]` for a list element, `element 2` for a tuple element
/// counted from 1 as `element/2` does, `{lookup, _}` for an enum's variant), and what was
/// found.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::mapping::{FromTerm, FromTermErrorKind};
/// use otp_runtime::dist::term::{Atom, Term};
///
/// #[derive(FromTerm, Debug)]
/// struct User { name: String }
///
/// let name = |value| Term::Map(vec![(Term::Atom(Atom::new("name")), value)]);
/// assert_eq!(User::from_term(name(Term::Binary(b"jo".to_vec()))).unwrap().name, "jo");
///
/// let e = User::from_term(name(Term::Atom(Atom::new("foo")))).unwrap_err();
/// assert_eq!(e.to_string(), "expected a binary (String) at User.name, found the atom foo");
/// assert_eq!(e.kind(), FromTermErrorKind::WrongShape);
/// assert_eq!(e.path(), "User.name");
///
/// let e = u8::from_term(Term::Int(300)).unwrap_err();
/// assert_eq!(e.to_string(), "expected an integer in 0..=255 (u8), found the integer 300");
/// assert_eq!(e.kind(), FromTermErrorKind::OutOfRange);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct FromTermError(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: FromTermErrorKind,
    expected: Cow<'static, str>,
    rust_type: String,
    found: String,
    /// Innermost segment first: an error gets its path as it travels outwards.
    path: Vec<Segment>,
    /// The type that owns the outermost segment (a derived struct: `User` in
    /// `User.address`), if one does.
    root: Option<String>,
}

/// What kind of mismatch a [`FromTermError`] is.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::mapping::{FromTerm, FromTermErrorKind};
/// use otp_runtime::dist::term::Term;
/// let e = String::from_term(Term::Binary(vec![0xff])).unwrap_err();
/// assert_eq!(e.kind(), FromTermErrorKind::NotUtf8);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
#[non_exhaustive]
pub enum FromTermErrorKind {
    /// Another kind of term (an atom where a binary was expected, a tuple of another size,
    /// an atom that names no variant, ...).
    WrongShape,
    /// An integer outside the Rust type's range, a float too large for an `f32`, an integer
    /// a float cannot hold exactly, or an integer that is no Unicode code point.
    OutOfRange,
    /// A binary that is not UTF-8 where a `String` was expected.
    NotUtf8,
    /// A map without a key that a struct's field needs.
    MissingKey,
    /// A map with the same key twice (which no Erlang map has).
    DuplicateKey,
}

/// One step of the path from the outermost term to the one that did not fit.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Segment {
    /// A struct's field, by its key: `.name`.
    Field(Cow<'static, str>),
    /// A list's element, counted from 0 like the `Vec` it decodes into: `[3]`.
    Index(usize),
    /// A tuple's element, counted from 1 like `element/2`: `element 2`.
    Element(usize),
    /// An enum's variant, by its pattern: `{lookup, _}`.
    Variant(Cow<'static, str>),
    /// A map's value, by its key: `#{<<"alice">>}`.
    MapValue(String),
    /// A map's key, by the pair it is in (counted from 1).
    MapKey(usize),
}

impl FromTermError {
    /// An error for a value of Rust type `T`: `expected` says what would have fitted ("a
    /// binary", "an integer in 0..=255"), `found` is the term there was. For hand-written
    /// [`FromTerm`](super::FromTerm) impls.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::mapping::{FromTerm, FromTermError, FromTermErrorKind};
    /// use otp_runtime::dist::term::Term;
    ///
    /// struct Even(i64);
    /// impl FromTerm for Even {
    ///     fn from_term(term: Term) -> Result<Self, FromTermError> {
    ///         match term {
    ///             Term::Int(n) if n % 2 == 0 => Ok(Even(n)),
    ///             other => Err(FromTermError::new::<Even>(
    ///                 FromTermErrorKind::WrongShape,
    ///                 "an even integer",
    ///                 &other,
    ///             )),
    ///         }
    ///     }
    /// }
    /// assert_eq!(Even::from_term(Term::Int(4)).ok().map(|e| e.0), Some(4));
    /// let e = Even::from_term(Term::Int(3)).err().unwrap();
    /// assert_eq!(e.to_string(), "expected an even integer (Even), found the integer 3");
    /// ```
    pub fn new<T: ?Sized>(
        kind: FromTermErrorKind,
        expected: impl Into<Cow<'static, str>>,
        found: &Term,
    ) -> FromTermError {
        FromTermError::with_found::<T>(kind, expected, describe(found))
    }

    /// As [`FromTermError::new`], with the description of what was found written by the
    /// caller ("a binary of 3 bytes, not UTF-8").
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::mapping::{FromTermError, FromTermErrorKind};
    /// let e = FromTermError::with_found::<u8>(
    ///     FromTermErrorKind::WrongShape,
    ///     "a byte",
    ///     "nothing",
    /// );
    /// assert_eq!(e.to_string(), "expected a byte (u8), found nothing");
    /// ```
    pub fn with_found<T: ?Sized>(
        kind: FromTermErrorKind,
        expected: impl Into<Cow<'static, str>>,
        found: impl Into<String>,
    ) -> FromTermError {
        FromTermError(Box::new(Inner {
            kind,
            expected: expected.into(),
            rust_type: short_type_name::<T>(),
            found: found.into(),
            path: Vec::new(),
            root: None,
        }))
    }

    /// What kind of mismatch it is.
    ///
    /// # Examples
    ///
    /// See [`FromTermError`].
    pub fn kind(&self) -> FromTermErrorKind {
        self.0.kind
    }

    /// What would have fitted: "a binary", "an integer in 0..=255", ...
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::mapping::FromTerm;
    /// use otp_runtime::dist::term::Term;
    /// let e = bool::from_term(Term::Int(1)).unwrap_err();
    /// assert_eq!(e.expected(), "the atom true or false");
    /// assert_eq!(e.rust_type(), "bool");
    /// assert_eq!(e.found(), "the integer 1");
    /// ```
    pub fn expected(&self) -> &str {
        &self.0.expected
    }

    /// The Rust type the term did not fit, without module paths: `String`, `Vec<u8>`,
    /// `User`.
    ///
    /// # Examples
    ///
    /// See [`FromTermError::expected`].
    pub fn rust_type(&self) -> &str {
        &self.0.rust_type
    }

    /// The term that was there, described by its shape.
    ///
    /// # Examples
    ///
    /// See [`FromTermError::expected`].
    pub fn found(&self) -> &str {
        &self.0.found
    }

    /// Where in the decoded term the mismatch is (empty if it is the term itself).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::mapping::FromTerm;
    /// use otp_runtime::dist::term::Term;
    /// let e = Vec::<(u8, bool)>::from_term(Term::List(vec![
    ///     Term::Tuple(vec![Term::Int(1), Term::Int(2)]),
    /// ]))
    /// .unwrap_err();
    /// assert_eq!(e.path(), "[0] element 2");
    /// ```
    pub fn path(&self) -> String {
        let mut out = String::new();
        if let Some(root) = &self.0.root {
            out.push_str(root);
        }
        for segment in self.0.path.iter().rev() {
            match segment {
                Segment::Field(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
                Segment::Element(n) => out.push_str(&format!(" element {n}")),
                Segment::Variant(pattern) => {
                    out.push(' ');
                    out.push_str(pattern);
                }
                Segment::MapValue(key) => out.push_str(&format!("#{{{key}}}")),
                Segment::MapKey(n) => out.push_str(&format!("#{{key of pair {n}}}")),
            }
        }
        match out.strip_prefix(' ') {
            Some(rest) => rest.to_string(),
            None => out,
        }
    }

    /// The same error, one level down: inside the field `key` of a struct (for hand-written
    /// impls; derived ones do this themselves).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::mapping::FromTerm;
    /// use otp_runtime::dist::term::Term;
    /// let e = String::from_term(Term::Int(1)).unwrap_err().in_field("city").in_field("address");
    /// assert_eq!(e.to_string(), "expected a binary (String) at .address.city, found the integer 1");
    /// ```
    pub fn in_field(self, key: impl Into<Cow<'static, str>>) -> FromTermError {
        self.push(Segment::Field(key.into()))
    }

    /// The same error, inside element `n` (counted from 1, as `element/2` counts) of a tuple.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::mapping::FromTerm;
    /// use otp_runtime::dist::term::Term;
    /// let e = u8::from_term(Term::Int(-1)).unwrap_err().in_element(2);
    /// assert_eq!(e.path(), "element 2");
    /// ```
    pub fn in_element(self, n: usize) -> FromTermError {
        self.push(Segment::Element(n))
    }

    /// The same error, inside element `i` (counted from 0, as a `Vec` is indexed) of a list.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::mapping::FromTerm;
    /// use otp_runtime::dist::term::Term;
    /// let e = u8::from_term(Term::Int(-1)).unwrap_err().in_index(4);
    /// assert_eq!(e.path(), "[4]");
    /// ```
    pub fn in_index(self, i: usize) -> FromTermError {
        self.push(Segment::Index(i))
    }

    pub(crate) fn in_variant(self, pattern: impl Into<Cow<'static, str>>) -> FromTermError {
        self.push(Segment::Variant(pattern.into()))
    }

    /// Inside the value of `key` in a map.
    pub(crate) fn in_map_value(self, key: &Term) -> FromTermError {
        let label = match key {
            Term::Atom(a) => a.to_string(),
            Term::Int(i) => i.to_string(),
            Term::Binary(b) if b.len() <= 40 => match std::str::from_utf8(b) {
                Ok(s) if !s.chars().any(char::is_control) => {
                    format!("<<\"{}\">>", s.escape_debug())
                }
                _ => "_".to_string(),
            },
            _ => "_".to_string(),
        };
        self.push(Segment::MapValue(label))
    }

    /// Inside the key of pair `n` (from 1) of a map.
    pub(crate) fn in_map_key(self, n: usize) -> FromTermError {
        self.push(Segment::MapKey(n))
    }

    /// Says that the outermost segment belongs to type `S` (a derived struct), so the path
    /// starts with its name.
    pub(crate) fn owned_by<S: ?Sized>(mut self) -> FromTermError {
        self.0.root = Some(short_type_name::<S>());
        self
    }

    /// An error about the term itself (not inside it) becomes one about `Option<T>`, which
    /// also takes `undefined`.
    pub(crate) fn or_undefined<O: ?Sized>(mut self) -> FromTermError {
        if self.0.path.is_empty() && self.0.kind == FromTermErrorKind::WrongShape {
            self.0.expected = format!("{} or undefined", self.0.expected).into();
            self.0.rust_type = short_type_name::<O>();
        }
        self
    }

    /// An error about the term itself (not inside it) names type `O` instead.
    pub(crate) fn naming<O: ?Sized>(mut self) -> FromTermError {
        if self.0.path.is_empty() {
            self.0.rust_type = short_type_name::<O>();
        }
        self
    }

    fn push(mut self, segment: Segment) -> FromTermError {
        self.0.path.push(segment);
        self.0.root = None;
        self
    }
}

impl fmt::Display for FromTermError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {} ({})", self.0.expected, self.0.rust_type)?;
        let path = self.path();
        if !path.is_empty() {
            write!(f, " at {path}")?;
        }
        write!(f, ", found {}", self.0.found)
    }
}

impl fmt::Debug for FromTermError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromTermError")
            .field("kind", &self.0.kind)
            .field("message", &self.to_string())
            .finish()
    }
}

impl std::error::Error for FromTermError {}

/// A term's shape in a few words, for error messages: "the atom foo", "a 3-tuple", "a binary
/// of 12 bytes". Never longer than a line whatever the term's size.
pub(crate) fn describe(term: &Term) -> String {
    match term {
        Term::Atom(a) => format!("the atom {a}"),
        Term::Int(i) => format!("the integer {i}"),
        Term::BigInt(b) => match big_to_wide(b) {
            Some((negative, magnitude)) => {
                format!("the integer {}{magnitude}", if negative { "-" } else { "" })
            }
            None => format!(
                "an integer of {} bytes",
                trimmed_magnitude(&b.magnitude).len()
            ),
        },
        Term::Float(x) => format!("the float {x:?}"),
        Term::Binary(b) => format!("a binary of {}", plural(b.len(), "byte")),
        Term::BitBinary { bytes, bits } => {
            let total = bytes.len().saturating_sub(1) * 8 + usize::from(*bits);
            format!("a bitstring of {}", plural(total, "bit"))
        }
        Term::Tuple(items) => match items.first() {
            None => "the empty tuple".to_string(),
            Some(Term::Atom(tag)) if items.len() <= 8 => {
                let mut pattern = format!("{{{tag}");
                for _ in 1..items.len() {
                    pattern.push_str(", _");
                }
                format!("a {}-tuple {pattern}}}", items.len())
            }
            Some(Term::Atom(tag)) => format!("a {}-tuple {{{tag}, ...}}", items.len()),
            Some(_) => format!("a {}-tuple", items.len()),
        },
        Term::List(items) if items.is_empty() => "the empty list".to_string(),
        Term::List(items) => format!("a list of {}", plural(items.len(), "element")),
        Term::ImproperList(..) => "an improper list".to_string(),
        Term::Map(pairs) if pairs.is_empty() => "the empty map".to_string(),
        Term::Map(pairs) => format!("a map of {}", plural(pairs.len(), "pair")),
        Term::Pid(p) => format!("a pid of node {}", p.node),
        Term::Ref(r) => format!("a reference of node {}", r.node),
        Term::Port(p) => format!("a port of node {}", p.node),
        Term::Export {
            module,
            function,
            arity,
        } => format!("the fun {module}:{function}/{arity}"),
        Term::Fun(_) => "a fun".to_string(),
    }
}

fn plural(n: usize, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// A magnitude without the zero bytes at its top (a hand-made or hostile `BigInt` may have
/// them).
pub(crate) fn trimmed_magnitude(magnitude: &[u8]) -> &[u8] {
    let len = magnitude.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    &magnitude[..len]
}

/// A big integer as sign and magnitude, if the magnitude fits 128 bits.
pub(crate) fn big_to_wide(b: &BigInt) -> Option<(bool, u128)> {
    let magnitude = trimmed_magnitude(&b.magnitude);
    if magnitude.len() > 16 {
        return None;
    }
    let mut bytes = [0u8; 16];
    bytes[..magnitude.len()].copy_from_slice(magnitude);
    let value = u128::from_le_bytes(bytes);
    Some((b.negative && value != 0, value))
}

/// `T`'s name without module paths: `alloc::vec::Vec<alloc::string::String>` → `Vec<String>`.
pub(crate) fn short_type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut run = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            run.push(c);
        } else {
            out.push_str(run.rsplit("::").next().unwrap_or(""));
            run.clear();
            out.push(c);
        }
    }
    out.push_str(run.rsplit("::").next().unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::term::Atom;

    #[test]
    fn short_type_names() {
        assert_eq!(short_type_name::<Vec<String>>(), "Vec<String>");
        assert_eq!(
            short_type_name::<std::collections::HashMap<u8, Option<String>>>(),
            "HashMap<u8, Option<String>>"
        );
        assert_eq!(
            short_type_name::<(u8, [u16; 3], &str)>(),
            "(u8, [u16; 3], &str)"
        );
    }

    #[test]
    fn descriptions() {
        let atom = |s: &str| Term::Atom(Atom::new(s));
        assert_eq!(describe(&atom("foo")), "the atom foo");
        assert_eq!(describe(&atom("Foo")), "the atom 'Foo'");
        assert_eq!(
            describe(&Term::Tuple(vec![
                atom("lookup"),
                Term::Int(1),
                Term::Int(2)
            ])),
            "a 3-tuple {lookup, _, _}"
        );
        assert_eq!(
            describe(&Term::Tuple(vec![Term::Int(1), Term::Int(2)])),
            "a 2-tuple"
        );
        assert_eq!(describe(&Term::Binary(vec![0; 12])), "a binary of 12 bytes");
        assert_eq!(describe(&Term::Binary(vec![0])), "a binary of 1 byte");
        assert_eq!(
            describe(&Term::BitBinary {
                bytes: vec![0, 0],
                bits: 3
            }),
            "a bitstring of 11 bits"
        );
        assert_eq!(describe(&Term::List(vec![])), "the empty list");
        assert_eq!(describe(&Term::Map(vec![])), "the empty map");
        assert_eq!(describe(&Term::Float(3.0)), "the float 3.0");
        let big = BigInt {
            negative: true,
            magnitude: vec![0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
        };
        assert_eq!(
            describe(&Term::BigInt(big)),
            "the integer -18446744073709551616"
        );
        let huge = BigInt {
            negative: false,
            magnitude: vec![1; 20],
        };
        assert_eq!(describe(&Term::BigInt(huge)), "an integer of 20 bytes");
    }
}
