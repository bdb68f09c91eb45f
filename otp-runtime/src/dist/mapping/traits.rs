//! The two traits of the mapping: [`ToTerm`] (a Rust value as an Erlang term) and
//! [`FromTerm`] (an Erlang term as a Rust value, or why not).
//!
//! Decoding takes the term by value, so a binary becomes a `Vec<u8>` or a `String` without
//! a copy. The hidden methods let one element type change how a sequence of it maps: `u8`
//! makes `Vec<u8>` and `[u8]` a binary while any other `Vec<T>` is a list, without
//! specialization.

use super::error::{FromTermError, FromTermErrorKind};
use crate::dist::term::{Atom, Term};

/// A Rust value that has an Erlang form.
///
/// Implemented for the standard types (see the [module](super) for the table) and derived
/// with `#[derive(ToTerm)]` for structs and enums.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::mapping::ToTerm;
/// use otp_runtime::dist::term::{Atom, Term};
///
/// #[derive(ToTerm)]
/// enum Request {
///     Ping,
///     Lookup(String),
/// }
///
/// assert_eq!(Request::Ping.to_term(), Term::Atom(Atom::new("ping")));
/// assert_eq!(
///     Request::Lookup("k".into()).to_term(),
///     Term::Tuple(vec![Term::Atom(Atom::new("lookup")), Term::Binary(b"k".to_vec())])
/// );
/// assert_eq!(vec![1u8, 2].to_term(), Term::Binary(vec![1, 2]));
/// assert_eq!(vec![1u16, 2].to_term(), Term::List(vec![Term::Int(1), Term::Int(2)]));
/// ```
pub trait ToTerm {
    /// The value as a term.
    fn to_term(&self) -> Term;

    /// A slice of values as a term: a list of their terms (a binary for `u8`).
    #[doc(hidden)]
    fn slice_to_term(items: &[Self]) -> Term
    where
        Self: Sized,
    {
        Term::List(items.iter().map(ToTerm::to_term).collect())
    }

    /// `Ok(self)` of a `Result` as a term: `{ok, Term}` (plain `ok` for `()`, as Erlang
    /// functions return `ok | {error, Reason}`).
    #[doc(hidden)]
    fn ok_to_term(&self) -> Term
    where
        Self: Sized,
    {
        Term::Tuple(vec![Term::Atom(Atom::new("ok")), self.to_term()])
    }
}

/// A Rust value that can be read from an Erlang term.
///
/// Implemented for the standard types (see the [module](super) for the table) and derived
/// with `#[derive(FromTerm)]` for structs and enums. A term of another shape is a
/// [`FromTermError`] that says what was expected, what was found, and where.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::mapping::FromTerm;
/// use otp_runtime::dist::term::{Atom, Term};
///
/// #[derive(FromTerm, Debug, PartialEq)]
/// enum Request {
///     Ping,
///     Lookup(String),
/// }
///
/// let term = Term::Tuple(vec![Term::Atom(Atom::new("lookup")), Term::Binary(b"k".to_vec())]);
/// assert_eq!(Request::from_term(term), Ok(Request::Lookup("k".into())));
///
/// let bad = Term::Tuple(vec![Term::Atom(Atom::new("lookup")), Term::Int(3)]);
/// assert_eq!(
///     Request::from_term(bad).unwrap_err().to_string(),
///     "expected a binary (String) at {lookup, _} element 2, found the integer 3"
/// );
/// ```
pub trait FromTerm: Sized {
    /// The value `term` stands for, or why it stands for none.
    fn from_term(term: Term) -> Result<Self, FromTermError>;

    /// A `Vec` of values from a term: a list (a binary for `u8`).
    #[doc(hidden)]
    fn vec_from_term(term: Term) -> Result<Vec<Self>, FromTermError> {
        match term {
            Term::List(items) => list_from_terms(items),
            other => Err(FromTermError::new::<Vec<Self>>(
                FromTermErrorKind::WrongShape,
                "a list",
                &other,
            )),
        }
    }

    /// The value of a struct field whose key is missing from a map: `None` (an error) but for
    /// `Option`, whose missing field is `None`.
    #[doc(hidden)]
    fn from_missing_key() -> Option<Self> {
        None
    }

    /// Whether `Ok` of a `Result` of this type is a plain `ok` (only `()`: `ok | {error, R}`).
    #[doc(hidden)]
    fn bare_ok() -> bool {
        false
    }
}

/// The elements of a list, each decoded, an error naming the element that did not fit.
pub(crate) fn list_from_terms<T: FromTerm>(items: Vec<Term>) -> Result<Vec<T>, FromTermError> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        out.push(T::from_term(item).map_err(|e| e.in_index(i))?);
    }
    Ok(out)
}
