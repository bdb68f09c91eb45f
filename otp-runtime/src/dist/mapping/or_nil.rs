//! `OrNil<T>`: an optional value as Elixir writes it, `nil` when absent.

use super::error::FromTermError;
use super::traits::{FromTerm, ToTerm};
use crate::dist::term::{Atom, Term};

/// An `Option<T>` that is `nil` when `None`, for Elixir peers (a plain `Option` is Erlang's
/// `undefined`). Both decode from `nil` and `undefined`.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::mapping::{FromTerm, OrNil, ToTerm};
/// use otp_runtime::dist::term::{Atom, Term};
///
/// assert_eq!(OrNil::<i64>(None).to_term(), Term::Atom(Atom::new("nil")));
/// assert_eq!(OrNil(Some(3)).to_term(), Term::Int(3));
/// assert_eq!(OrNil::<i64>::from_term(Term::Atom(Atom::new("undefined"))), Ok(OrNil(None)));
/// let plain: Option<i64> = OrNil(Some(3)).into();
/// assert_eq!(plain, Some(3));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrNil<T>(pub Option<T>);

impl<T> From<Option<T>> for OrNil<T> {
    fn from(o: Option<T>) -> Self {
        OrNil(o)
    }
}

impl<T> From<OrNil<T>> for Option<T> {
    fn from(o: OrNil<T>) -> Self {
        o.0
    }
}

impl<T: ToTerm> ToTerm for OrNil<T> {
    /// `None` is `nil`.
    fn to_term(&self) -> Term {
        match &self.0 {
            Some(value) => value.to_term(),
            None => Term::Atom(Atom::new("nil")),
        }
    }
}

impl<T: FromTerm> FromTerm for OrNil<T> {
    /// As `Option<T>`: `nil` and `undefined` are `None`.
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        Option::<T>::from_term(term).map(OrNil)
    }

    fn from_missing_key() -> Option<Self> {
        Some(OrNil(None))
    }
}
