//! [`ToTerm`] and [`FromTerm`] for the standard types and for the terms' own types. The
//! table of what maps to what is in the [module's documentation](super).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use super::error::{big_to_wide, FromTermError, FromTermErrorKind};
use super::traits::{list_from_terms, FromTerm, ToTerm};
use crate::dist::term::{Atom, BigInt, ExternalPid, ExternalPort, ExternalRef, Term};

fn atom(name: &str) -> Term {
    Term::Atom(Atom::new(name))
}

fn is_atom(term: &Term, name: &str) -> bool {
    matches!(term, Term::Atom(a) if a.as_str() == name)
}

fn wrong<T: ?Sized>(expected: &'static str, found: &Term) -> FromTermError {
    FromTermError::new::<T>(FromTermErrorKind::WrongShape, expected, found)
}

// ---- atoms: bool, () ----

impl ToTerm for bool {
    fn to_term(&self) -> Term {
        atom(if *self { "true" } else { "false" })
    }
}

impl FromTerm for bool {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        match &term {
            Term::Atom(a) if a.as_str() == "true" => Ok(true),
            Term::Atom(a) if a.as_str() == "false" => Ok(false),
            _ => Err(wrong::<bool>("the atom true or false", &term)),
        }
    }
}

impl ToTerm for () {
    fn to_term(&self) -> Term {
        atom("ok")
    }

    fn ok_to_term(&self) -> Term {
        atom("ok")
    }
}

impl FromTerm for () {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        if is_atom(&term, "ok") {
            Ok(())
        } else {
            Err(wrong::<()>("the atom ok", &term))
        }
    }

    fn bare_ok() -> bool {
        true
    }
}

// ---- integers ----

/// The one form of an integer: `Int` if it fits an `i64`, `BigInt` if not.
fn int_term(negative: bool, magnitude: u128) -> Term {
    let small = if negative {
        // -2^63 is the most negative i64.
        (magnitude <= 1u128 << 63).then(|| (magnitude as i128).wrapping_neg() as i64)
    } else {
        i64::try_from(magnitude).ok()
    };
    match small {
        Some(n) => Term::Int(n),
        None => {
            let bytes = magnitude.to_le_bytes();
            let len = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            Term::BigInt(BigInt {
                negative,
                magnitude: bytes[..len].to_vec(),
            })
        }
    }
}

/// An integer term as sign and magnitude: `None` if it is no integer, `Some(None)` if its
/// magnitude needs more than 128 bits.
fn int_parts(term: &Term) -> Option<Option<(bool, u128)>> {
    match term {
        Term::Int(n) => Some(Some((*n < 0, u128::from(n.unsigned_abs())))),
        Term::BigInt(b) => Some(big_to_wide(b)),
        _ => None,
    }
}

/// The integer of type `T` with this sign and magnitude, if `T` holds it.
fn int_from_parts<T: TryFrom<u128> + TryFrom<i128>>(negative: bool, magnitude: u128) -> Option<T> {
    if !negative {
        T::try_from(magnitude).ok()
    } else if magnitude <= 1u128 << 127 {
        T::try_from((magnitude as i128).wrapping_neg()).ok()
    } else {
        None
    }
}

/// An integer term as a `T`, an error naming `T`'s range if it is out of it.
fn int_from_term<T>(term: Term, min: T, max: T) -> Result<T, FromTermError>
where
    T: TryFrom<u128> + TryFrom<i128> + std::fmt::Display,
{
    match int_parts(&term) {
        None => Err(wrong::<T>("an integer", &term)),
        Some(parts) => parts
            .and_then(|(negative, magnitude)| int_from_parts(negative, magnitude))
            .ok_or_else(|| {
                FromTermError::new::<T>(
                    FromTermErrorKind::OutOfRange,
                    format!("an integer in {min}..={max}"),
                    &term,
                )
            }),
    }
}

macro_rules! integers {
    (signed: $($s:ty),*; unsigned: $($u:ty),*) => {
        $(
            impl ToTerm for $s {
                fn to_term(&self) -> Term {
                    let n = *self as i128;
                    int_term(n < 0, n.unsigned_abs())
                }
            }
        )*
        $(
            impl ToTerm for $u {
                fn to_term(&self) -> Term {
                    int_term(false, *self as u128)
                }
            }
        )*
        $(
            impl FromTerm for $s {
                fn from_term(term: Term) -> Result<Self, FromTermError> {
                    int_from_term(term, <$s>::MIN, <$s>::MAX)
                }
            }
        )*
        $(
            impl FromTerm for $u {
                fn from_term(term: Term) -> Result<Self, FromTermError> {
                    int_from_term(term, <$u>::MIN, <$u>::MAX)
                }
            }
        )*
    };
}

integers!(signed: i8, i16, i32, i64, i128, isize; unsigned: u16, u32, u64, u128, usize);

// `u8` (below, with the sequences): a sequence of bytes is a binary.

// ---- floats ----

impl ToTerm for f64 {
    /// `NaN` and the infinities have no Erlang form: a peer refuses them.
    fn to_term(&self) -> Term {
        Term::Float(*self)
    }
}

impl ToTerm for f32 {
    fn to_term(&self) -> Term {
        Term::Float(f64::from(*self))
    }
}

/// 2^128 as a float: integers below it convert to `u128` without saturating.
const TWO_POW_128: f64 = 340_282_366_920_938_463_463_374_607_431_768_211_456.0;

/// A float from a term: a float, or an integer it holds exactly (Erlang code often writes `0`
/// or gets `round/1` where a float is meant; a rounded integer would be a silent change).
fn float_from_term<T: ?Sized>(term: &Term) -> Result<f64, FromTermError> {
    match term {
        Term::Float(x) => Ok(*x),
        _ => match int_parts(term) {
            None => Err(wrong::<T>("a float", term)),
            Some(parts) => parts
                .and_then(|(negative, magnitude)| {
                    let x = magnitude as f64;
                    (x < TWO_POW_128 && x as u128 == magnitude).then_some(if negative {
                        -x
                    } else {
                        x
                    })
                })
                .ok_or_else(|| {
                    FromTermError::new::<T>(
                        FromTermErrorKind::OutOfRange,
                        "a float, or an integer a float holds exactly",
                        term,
                    )
                }),
        },
    }
}

impl FromTerm for f64 {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        float_from_term::<f64>(&term)
    }
}

impl FromTerm for f32 {
    /// A float is rounded to the nearest `f32`; one beyond `f32`'s range is an error, as is
    /// an integer an `f32` does not hold exactly.
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        let x = float_from_term::<f32>(&term)?;
        let y = x as f32;
        let exact_needed = !matches!(term, Term::Float(_));
        if y.is_infinite() && x.is_finite() || exact_needed && f64::from(y) != x {
            let expected = if exact_needed {
                "a float, or an integer an f32 holds exactly"
            } else {
                "a float within f32's range"
            };
            return Err(FromTermError::new::<f32>(
                FromTermErrorKind::OutOfRange,
                expected,
                &term,
            ));
        }
        Ok(y)
    }
}

// ---- text ----

impl ToTerm for char {
    /// Its code point, an integer, as Erlang strings hold characters.
    fn to_term(&self) -> Term {
        Term::Int(i64::from(u32::from(*self)))
    }
}

impl FromTerm for char {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        match &term {
            Term::Int(n) => u32::try_from(*n)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| {
                    FromTermError::new::<char>(
                        FromTermErrorKind::OutOfRange,
                        "a Unicode code point (0..=1114111, not a surrogate)",
                        &term,
                    )
                }),
            Term::BigInt(_) => Err(FromTermError::new::<char>(
                FromTermErrorKind::OutOfRange,
                "a Unicode code point (0..=1114111, not a surrogate)",
                &term,
            )),
            _ => Err(wrong::<char>("an integer (a code point)", &term)),
        }
    }
}

impl ToTerm for str {
    /// A UTF-8 binary, as Elixir strings and `<<"text"/utf8>>`.
    fn to_term(&self) -> Term {
        Term::Binary(self.as_bytes().to_vec())
    }
}

impl ToTerm for String {
    fn to_term(&self) -> Term {
        self.as_str().to_term()
    }
}

impl FromTerm for String {
    /// A UTF-8 binary, moved (not copied) into the `String`. A charlist is not taken (see
    /// [`Charlist`](super::Charlist)), nor is a binary that is not UTF-8.
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        match term {
            Term::Binary(bytes) => String::from_utf8(bytes).map_err(|e| {
                let len = e.as_bytes().len();
                let at = e.utf8_error().valid_up_to();
                FromTermError::with_found::<String>(
                    FromTermErrorKind::NotUtf8,
                    "a UTF-8 binary",
                    format!("a binary of {len} bytes, not UTF-8 (from byte {at})"),
                )
            }),
            other => Err(wrong::<String>("a binary", &other)),
        }
    }
}

// ---- Option and Result ----

impl<T: ToTerm> ToTerm for Option<T> {
    /// `None` is `undefined` (Erlang's "no value", the default of a record field).
    fn to_term(&self) -> Term {
        match self {
            Some(value) => value.to_term(),
            None => atom("undefined"),
        }
    }
}

impl<T: FromTerm> FromTerm for Option<T> {
    /// `undefined` and Elixir's `nil` are `None`; so `Option<Atom>` cannot hold those two
    /// atoms as `Some`.
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        if is_atom(&term, "undefined") || is_atom(&term, "nil") {
            return Ok(None);
        }
        T::from_term(term)
            .map(Some)
            .map_err(FromTermError::or_undefined::<Self>)
    }

    fn from_missing_key() -> Option<Self> {
        Some(None)
    }
}

impl<T: ToTerm, E: ToTerm> ToTerm for Result<T, E> {
    /// `{ok, Value}` or `{error, Reason}`; `Ok(())` is plain `ok`.
    fn to_term(&self) -> Term {
        match self {
            Ok(value) => value.ok_to_term(),
            Err(reason) => Term::Tuple(vec![atom("error"), reason.to_term()]),
        }
    }
}

impl<T: FromTerm, E: FromTerm> FromTerm for Result<T, E> {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        let expected = if T::bare_ok() {
            "ok or {error, _}"
        } else {
            "{ok, _} or {error, _}"
        };
        if T::bare_ok() && is_atom(&term, "ok") {
            return T::from_term(term).map(Ok);
        }
        match term {
            Term::Tuple(items) => match <[Term; 2]>::try_from(items) {
                Ok([tag, reason]) if is_atom(&tag, "error") => E::from_term(reason)
                    .map(Err)
                    .map_err(|e| e.in_element(2).in_variant("{error, _}")),
                Ok([tag, value]) if is_atom(&tag, "ok") && !T::bare_ok() => T::from_term(value)
                    .map(Ok)
                    .map_err(|e| e.in_element(2).in_variant("{ok, _}")),
                Ok(items) => Err(wrong::<Self>(expected, &Term::Tuple(items.into()))),
                Err(items) => Err(wrong::<Self>(expected, &Term::Tuple(items))),
            },
            other => Err(wrong::<Self>(expected, &other)),
        }
    }
}

// ---- sequences ----

impl<T: ToTerm> ToTerm for [T] {
    /// A list (a binary for `[u8]`).
    fn to_term(&self) -> Term {
        T::slice_to_term(self)
    }
}

impl<T: ToTerm, const N: usize> ToTerm for [T; N] {
    fn to_term(&self) -> Term {
        T::slice_to_term(self)
    }
}

impl<T: ToTerm> ToTerm for Vec<T> {
    fn to_term(&self) -> Term {
        T::slice_to_term(self)
    }
}

impl<T: FromTerm> FromTerm for Vec<T> {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        T::vec_from_term(term)
    }
}

impl<T: FromTerm, const N: usize> FromTerm for [T; N] {
    /// A list of exactly `N` elements (for `[u8; N]`, a binary of `N` bytes).
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        let items = T::vec_from_term(term).map_err(FromTermError::naming::<Self>)?;
        let len = items.len();
        items.try_into().map_err(|_| {
            FromTermError::with_found::<Self>(
                FromTermErrorKind::WrongShape,
                format!("a sequence of {N} elements"),
                format!("one of {len}"),
            )
        })
    }
}

impl<T: ToTerm> ToTerm for VecDeque<T> {
    /// Always a list, even of `u8` (only `Vec<u8>` and `[u8]` are binaries).
    fn to_term(&self) -> Term {
        Term::List(self.iter().map(ToTerm::to_term).collect())
    }
}

impl<T: FromTerm> FromTerm for VecDeque<T> {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        match term {
            Term::List(items) => list_from_terms(items).map(VecDeque::from),
            other => Err(wrong::<Self>("a list", &other)),
        }
    }
}

impl ToTerm for u8 {
    fn to_term(&self) -> Term {
        Term::Int(i64::from(*self))
    }

    fn slice_to_term(items: &[Self]) -> Term {
        Term::Binary(items.to_vec())
    }
}

impl FromTerm for u8 {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        int_from_term(term, u8::MIN, u8::MAX)
    }

    /// A binary only, moved into the `Vec`: see the module's documentation for why a list
    /// of bytes is not taken.
    fn vec_from_term(term: Term) -> Result<Vec<Self>, FromTermError> {
        match term {
            Term::Binary(bytes) => Ok(bytes),
            other => Err(wrong::<Vec<u8>>("a binary", &other)),
        }
    }
}

// ---- pointers ----

impl<T: ToTerm + ?Sized> ToTerm for &T {
    fn to_term(&self) -> Term {
        (**self).to_term()
    }
}

impl<T: ToTerm + ?Sized> ToTerm for Box<T> {
    fn to_term(&self) -> Term {
        (**self).to_term()
    }
}

impl<T: FromTerm> FromTerm for Box<T> {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        T::from_term(term).map(Box::new)
    }
}

impl<T: ToTerm + ?Sized> ToTerm for Arc<T> {
    fn to_term(&self) -> Term {
        (**self).to_term()
    }
}

impl<T: FromTerm> FromTerm for Arc<T> {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        T::from_term(term).map(Arc::new)
    }
}

// ---- maps ----

fn map_to_term<'a, K: ToTerm + 'a, V: ToTerm + 'a>(
    pairs: impl Iterator<Item = (&'a K, &'a V)>,
) -> Term {
    Term::Map(pairs.map(|(k, v)| (k.to_term(), v.to_term())).collect())
}

/// Decodes a map's pairs into `M` with `insert`, which tells whether the key was there.
fn map_from_term<M, K: FromTerm, V: FromTerm>(
    term: Term,
    mut map: M,
    mut insert: impl FnMut(&mut M, K, V) -> bool,
) -> Result<M, FromTermError> {
    let pairs = match term {
        Term::Map(pairs) => pairs,
        other => return Err(wrong::<M>("a map", &other)),
    };
    for (i, (key, value)) in pairs.into_iter().enumerate() {
        let value = V::from_term(value).map_err(|e| e.in_map_value(&key))?;
        let key = K::from_term(key).map_err(|e| e.in_map_key(i + 1))?;
        if insert(&mut map, key, value) {
            return Err(FromTermError::with_found::<M>(
                FromTermErrorKind::DuplicateKey,
                "a map with distinct keys",
                format!("a map whose pair {} repeats a key", i + 1),
            ));
        }
    }
    Ok(map)
}

impl<K: ToTerm, V: ToTerm, S> ToTerm for HashMap<K, V, S> {
    /// A map, its pairs in the `HashMap`'s (arbitrary) order.
    fn to_term(&self) -> Term {
        map_to_term(self.iter())
    }
}

impl<K: FromTerm + Eq + Hash, V: FromTerm, S: BuildHasher + Default> FromTerm for HashMap<K, V, S> {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        map_from_term(term, HashMap::default(), |m: &mut Self, k, v| {
            m.insert(k, v).is_some()
        })
    }
}

impl<K: ToTerm, V: ToTerm> ToTerm for BTreeMap<K, V> {
    /// A map, its pairs in key order.
    fn to_term(&self) -> Term {
        map_to_term(self.iter())
    }
}

impl<K: FromTerm + Ord, V: FromTerm> FromTerm for BTreeMap<K, V> {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        map_from_term(term, BTreeMap::new(), |m: &mut Self, k, v| {
            m.insert(k, v).is_some()
        })
    }
}

// ---- tuples ----

macro_rules! tuples {
    ($( $n:literal => ($($name:ident : $t:ident @ $pos:literal),+) )*) => {$(
        impl<$($t: ToTerm),+> ToTerm for ($($t,)+) {
            fn to_term(&self) -> Term {
                let ($($name,)+) = self;
                Term::Tuple(vec![$($name.to_term()),+])
            }
        }

        impl<$($t: FromTerm),+> FromTerm for ($($t,)+) {
            fn from_term(term: Term) -> Result<Self, FromTermError> {
                let expected = concat!("a ", $n, "-tuple");
                match term {
                    Term::Tuple(items) => match <[Term; $n]>::try_from(items) {
                        Ok([$($name),+]) => Ok(($(
                            $t::from_term($name).map_err(|e| e.in_element($pos))?,
                        )+)),
                        Err(items) => Err(wrong::<Self>(expected, &Term::Tuple(items))),
                    },
                    other => Err(wrong::<Self>(expected, &other)),
                }
            }
        }
    )*};
}

tuples! {
    1 => (a: A @ 1)
    2 => (a: A @ 1, b: B @ 2)
    3 => (a: A @ 1, b: B @ 2, c: C @ 3)
    4 => (a: A @ 1, b: B @ 2, c: C @ 3, d: D @ 4)
    5 => (a: A @ 1, b: B @ 2, c: C @ 3, d: D @ 4, e: E @ 5)
    6 => (a: A @ 1, b: B @ 2, c: C @ 3, d: D @ 4, e: E @ 5, f: F @ 6)
    7 => (a: A @ 1, b: B @ 2, c: C @ 3, d: D @ 4, e: E @ 5, f: F @ 6, g: G @ 7)
    8 => (a: A @ 1, b: B @ 2, c: C @ 3, d: D @ 4, e: E @ 5, f: F @ 6, g: G @ 7, h: H @ 8)
}

// ---- the terms' own types ----

impl ToTerm for Term {
    fn to_term(&self) -> Term {
        self.clone()
    }
}

impl FromTerm for Term {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        Ok(term)
    }
}

macro_rules! term_types {
    ($($t:ty => $variant:ident, $expected:literal;)*) => {$(
        impl ToTerm for $t {
            fn to_term(&self) -> Term {
                Term::$variant(self.clone())
            }
        }

        impl FromTerm for $t {
            fn from_term(term: Term) -> Result<Self, FromTermError> {
                match term {
                    Term::$variant(value) => Ok(value),
                    other => Err(wrong::<$t>($expected, &other)),
                }
            }
        }
    )*};
}

term_types! {
    Atom => Atom, "an atom";
    ExternalPid => Pid, "a pid";
    ExternalRef => Ref, "a reference";
    ExternalPort => Port, "a port";
}
