//! [`Charlist`]: text as Erlang's classic string, a list of code points, for the peers and
//! APIs that want one (`io:format/2`'s format, `file:` paths, most of OTP's older modules).
//! A plain `String` is a UTF-8 binary.

use super::error::{FromTermError, FromTermErrorKind};
use super::traits::{FromTerm, ToTerm};
use crate::dist::term::Term;

/// A string that maps to a charlist (`"abc"` in Erlang, `~c"abc"` in Elixir: a list of
/// code points) instead of a binary.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::mapping::{Charlist, FromTerm, ToTerm};
/// use otp_runtime::dist::term::Term;
///
/// let s = Charlist::from("hé");
/// assert_eq!(s.to_term(), Term::List(vec![Term::Int(104), Term::Int(233)]));
/// assert_eq!(Charlist::from_term(s.to_term()), Ok(s));
/// assert!(Charlist::from_term(Term::Binary(b"he".to_vec())).is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Charlist(pub String);

impl From<&str> for Charlist {
    fn from(s: &str) -> Charlist {
        Charlist(s.to_string())
    }
}

impl From<String> for Charlist {
    fn from(s: String) -> Charlist {
        Charlist(s)
    }
}

impl ToTerm for Charlist {
    fn to_term(&self) -> Term {
        Term::List(self.0.chars().map(|c| c.to_term()).collect())
    }
}

impl FromTerm for Charlist {
    /// A list of code points (the empty list is the empty string).
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        match term {
            Term::List(items) => {
                let mut s = String::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    s.push(char::from_term(item).map_err(|e| e.in_index(i))?);
                }
                Ok(Charlist(s))
            }
            other => Err(FromTermError::new::<Charlist>(
                FromTermErrorKind::WrongShape,
                "a list of code points",
                &other,
            )),
        }
    }
}
