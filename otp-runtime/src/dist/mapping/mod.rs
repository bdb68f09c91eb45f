//! Typed messages: Rust values as Erlang terms and back.
//!
//! [`ToTerm`](trait@ToTerm) turns a value into a [`Term`](super::term::Term);
//! [`FromTerm`](trait@FromTerm) reads one back, or says in a [`FromTermError`] what was
//! expected, what was found, and where. Both are implemented for the standard types and
//! derived for structs and enums, so a message to or from an Erlang process is a Rust type:
//!
//! ```
//! use otp_runtime::dist::mapping::{FromTerm, ToTerm};
//! use otp_runtime::dist::term::{Atom, Term};
//!
//! #[derive(ToTerm, FromTerm, Debug, PartialEq)]
//! enum Request {
//!     Ping,
//!     Lookup(String),
//!     Put { key: String, ttl: Option<u32> },
//! }
//!
//! let atom = |s: &str| Term::Atom(Atom::new(s));
//! let put = Request::Put { key: "k".into(), ttl: None };
//! // {put, #{key => <<"k">>, ttl => undefined}}
//! let term = Term::Tuple(vec![
//!     atom("put"),
//!     Term::Map(vec![
//!         (atom("key"), Term::Binary(b"k".to_vec())),
//!         (atom("ttl"), atom("undefined")),
//!     ]),
//! ]);
//! assert_eq!(put.to_term(), term);
//! assert_eq!(Request::from_term(term), Ok(put));
//! ```
//!
//! # The standard types
//!
//! | Rust | Erlang | Decoding also takes |
//! |------|--------|---------------------|
//! | `bool` | `true`, `false` | |
//! | `i8` … `i128`, `u8` … `u128`, `isize`, `usize` | an integer (a big one beyond 64 bits) | out of the type's range: an error that names the range |
//! | `f32`, `f64` | a float | an integer the float holds exactly |
//! | `char` | an integer, its code point | |
//! | `String`, `str`, `&str` | a UTF-8 binary, `<<"text"/utf8>>` | |
//! | [`Charlist`] | a list of code points, `"text"` | |
//! | `()` | `ok` | |
//! | `Option<T>` | `undefined`, or `T`'s term | `nil` (Elixir's) |
//! | [`OrNil<T>`] | `nil`, or `T`'s term (for Elixir peers) | `undefined` |
//! | `Result<T, E>` | `{ok, T}`, `{error, E}`; `Ok(())` is `ok` | |
//! | `Vec<u8>`, `[u8]`, `[u8; N]` | a binary | |
//! | `Vec<T>`, `[T]`, `[T; N]`, `VecDeque<T>` (even of `u8`) | a list | |
//! | `HashMap<K, V>`, `BTreeMap<K, V>` | a map | |
//! | `(A,)` … `(A, B, C, D, E, F, G, H)` | a tuple of that size | |
//! | `Box<T>`, `Arc<T>`, `&T` | `T`'s term | |
//! | [`Term`](super::term::Term) | itself | |
//! | [`Atom`](super::term::Atom), [`ExternalPid`](super::term::ExternalPid), [`ExternalRef`](super::term::ExternalRef), [`ExternalPort`](super::term::ExternalPort) | an atom, a pid, a reference, a port | |
//!
//! Choices, and why:
//! - `Vec<u8>` and `String` take a binary only, not a list of bytes or a charlist: a type
//!   that took two forms and sent one would hide the Erlang peer's bug of sending `"abc"`
//!   where `<<"abc">>` belongs (and a list costs Erlang 16 bytes per byte). Say
//!   [`Charlist`] where a charlist is meant.
//! - A float takes an integer only if it holds it exactly (Erlang code writes `0` or gets
//!   `round/1` where a float is meant; a silently rounded integer would be a changed value).
//!   `f32` rounds a float to the nearest `f32`, but one beyond its range is an error. `NaN`
//!   and the infinities have no Erlang form: a peer refuses them.
//! - `Option<T>` is `undefined` when `None`, so `Option<Atom>` (or `Option<bool>`, ...) never
//!   holds `Some(undefined)` or `Some(nil)`, and `Option<Option<T>>` never `Some(None)`.
//! - `Result<(), E>` is `ok | {error, E}`, as Erlang functions return.
//! - A `HashMap`'s pairs come in its arbitrary order (maps compare equal in Erlang whatever
//!   the order); decoding a map with a key twice (no Erlang map has one) is an error.
//!
//! # Derived: `#[derive(ToTerm, FromTerm)]`
//!
//! | Rust | Erlang |
//! |------|--------|
//! | enum unit variant `NotFound` | `not_found` (the name in snake_case) |
//! | tuple variant `Lookup(K)`, `Put(K, V)` | `{lookup, K}`, `{put, K, V}` |
//! | struct variant `Create { name: N }` | `{create, #{name => N}}` |
//! | `struct User { name: N, age: A }` | `#{name => N, age => A}` |
//! | the same with `#[term(record)]` | the record `{user, N, A}` (`-record(user, {name, age}).`) |
//! | the same with `#[term(elixir_struct = "Elixir.MyApp.User")]` | `%MyApp.User{}`: `#{'__struct__' => 'Elixir.MyApp.User', name => N, age => A}` |
//! | `struct Pair(A, B)` | `{A, B}` |
//! | `struct UserId(u64)` | the `u64`'s term |
//! | `struct Nothing;` | `nothing` |
//!
//! - A newtype is transparent: it gives a Rust type a name of its own for the compiler's
//!   sake, which an Erlang peer neither has nor wants to unwrap from a 1-tuple. Write
//!   `#[term(record)]` for `{user_id, N}`.
//! - A struct's map has atom keys, the fields' names as written (`r#type` is `type`).
//!   Decoding ignores keys it does not know (Erlang maps are open: a newer peer may send
//!   more), and a missing key is an error naming it but for an `Option` field, which is
//!   `None`. `None` is sent as `key => undefined`, so `#{key := V}` matches either way.
//! - `#[term(rename = "name")]` on a variant or a field names its atom; on a record or a unit
//!   struct, its tag. `#[term(crate = path)]` says where otp_runtime is if renamed.
//! - Generic parameters get the bound `T: ToTerm` (or `T: FromTerm`).
//! - Atoms in the other direction are never made from what a peer sends: a variant or key
//!   that is not in the type is an error (or an ignored key), not a new atom.
//!
//! # Errors
//!
//! A [`FromTermError`] says what was expected (and of which Rust type), where, and what was
//! found: `expected a binary (String) at User.address.city, found the atom foo`, or
//! `expected a binary (String) at {lookup, _} element 2, found the integer 3`.
//! It describes the term found by its shape, never by dumping it.

mod charlist;
#[doc(hidden)]
pub mod derived;
mod error;
mod impls;
mod or_nil;
mod traits;

pub use charlist::Charlist;
pub use error::{FromTermError, FromTermErrorKind};
pub use or_nil::OrNil;
pub use traits::{FromTerm, ToTerm};

/// Derives [`ToTerm`](trait@ToTerm) for a struct or an enum, as the [module](self)
/// describes: `#[term(record)]`, `#[term(elixir_struct = "Elixir.Mod")]`,
/// `#[term(rename = "name")]` and `#[term(crate = path)]`.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::mapping::ToTerm;
/// use otp_runtime::dist::term::{Atom, Term};
///
/// #[derive(ToTerm)]
/// #[term(record, rename = "state")]
/// struct ServerState {
///     count: u32,
///     #[term(rename = "last")]
///     last_seen: Option<String>,
/// }
///
/// let s = ServerState { count: 2, last_seen: None };
/// assert_eq!(
///     s.to_term(),
///     Term::Tuple(vec![
///         Term::Atom(Atom::new("state")),
///         Term::Int(2),
///         Term::Atom(Atom::new("undefined")),
///     ])
/// );
/// ```
pub use otp_macros::ToTerm;

/// Derives [`FromTerm`](trait@FromTerm) for a struct or an enum, as the [module](self)
/// describes; it takes the same `#[term(...)]` settings as `#[derive(ToTerm)]`.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::mapping::FromTerm;
/// use otp_runtime::dist::term::{Atom, Term};
///
/// #[derive(FromTerm, Debug, PartialEq)]
/// #[term(elixir_struct = "Elixir.MyApp.User")]
/// struct User {
///     name: String,
///     email: Option<String>,
/// }
///
/// let atom = |s: &str| Term::Atom(Atom::new(s));
/// // %MyApp.User{name: "jo", admin: true}: `admin` is ignored, `email` missing is None.
/// let term = Term::Map(vec![
///     (atom("__struct__"), atom("Elixir.MyApp.User")),
///     (atom("name"), Term::Binary(b"jo".to_vec())),
///     (atom("admin"), atom("true")),
/// ]);
/// assert_eq!(User::from_term(term), Ok(User { name: "jo".into(), email: None }));
///
/// let e = User::from_term(Term::Map(vec![])).unwrap_err();
/// assert_eq!(
///     e.to_string(),
///     "expected a map with __struct__ => 'Elixir.MyApp.User' (User), found the empty map"
/// );
/// ```
pub use otp_macros::FromTerm;
