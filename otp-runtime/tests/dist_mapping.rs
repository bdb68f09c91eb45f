//! The typed mapping between Rust values and Erlang terms: every standard impl and every
//! derived shape against the exact term it must be, the errors for terms of the wrong shape
//! (with their paths), and property tests (round trips of a nested derived type; arbitrary
//! terms never panic the decoder).
//!
//! The Erlang shapes are those OTP gives the same data: a record `#user{}` is
//! `{user, Name, Age}` (erl: `rd(user, {name, age}), #user{}` → `{user,undefined,undefined}`),
//! `ok | {error, Reason}` is `file:write_file/2`'s return, Elixir's `%MyApp.User{}` is a map
//! with `__struct__ => 'Elixir.MyApp.User'`.

// `crate = path` is tested with the runtime under another name.
extern crate otp_runtime as my_otp;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Debug;
use std::sync::Arc;

use otp_runtime::dist::mapping::{Charlist, FromTerm, FromTermError, FromTermErrorKind, ToTerm};
use otp_runtime::dist::term::{Atom, BigInt, ExternalPid, ExternalPort, ExternalRef, Term};
use proptest::prelude::*;

fn atom(s: &str) -> Term {
    Term::Atom(Atom::new(s))
}

fn bin(s: &str) -> Term {
    Term::Binary(s.as_bytes().to_vec())
}

fn tuple(items: Vec<Term>) -> Term {
    Term::Tuple(items)
}

fn map(pairs: Vec<(&str, Term)>) -> Term {
    Term::Map(pairs.into_iter().map(|(k, v)| (atom(k), v)).collect())
}

/// `value` maps to exactly `term`, and `term` back to `value`.
#[track_caller]
fn round_trip<T: ToTerm + FromTerm + PartialEq + Debug>(value: T, term: Term) {
    assert_eq!(value.to_term(), term, "to_term of {value:?}");
    assert_eq!(T::from_term(term).as_ref(), Ok(&value));
}

/// `term` does not decode as a `T`, with exactly this message.
#[track_caller]
fn error<T: FromTerm + Debug>(term: Term, message: &str) -> FromTermError {
    let e = T::from_term(term).expect_err("decoded a term of the wrong shape");
    assert_eq!(e.to_string(), message);
    e
}

// ---- the standard types ----

#[test]
fn bools_are_atoms() {
    round_trip(true, atom("true"));
    round_trip(false, atom("false"));
    error::<bool>(
        atom("yes"),
        "expected the atom true or false (bool), found the atom yes",
    );
}

#[test]
fn integers_round_trip_at_their_bounds() {
    round_trip(i8::MIN, Term::Int(-128));
    round_trip(i8::MAX, Term::Int(127));
    round_trip(u8::MAX, Term::Int(255));
    round_trip(i16::MIN, Term::Int(-32768));
    round_trip(u16::MAX, Term::Int(65535));
    round_trip(i32::MIN, Term::Int(i64::from(i32::MIN)));
    round_trip(u32::MAX, Term::Int(i64::from(u32::MAX)));
    round_trip(i64::MIN, Term::Int(i64::MIN));
    round_trip(i64::MAX, Term::Int(i64::MAX));
    round_trip(isize::MIN, Term::Int(isize::MIN as i64));
    round_trip(usize::MIN, Term::Int(0));
    round_trip(0u64, Term::Int(0));
    // Beyond i64: a big integer, magnitude little-endian without top zero bytes.
    round_trip(
        u64::MAX,
        Term::BigInt(BigInt {
            negative: false,
            magnitude: vec![0xff; 8],
        }),
    );
    round_trip(
        1u64 << 63,
        Term::BigInt(BigInt {
            negative: false,
            magnitude: vec![0, 0, 0, 0, 0, 0, 0, 0x80],
        }),
    );
    round_trip(
        u128::MAX,
        Term::BigInt(BigInt {
            negative: false,
            magnitude: vec![0xff; 16],
        }),
    );
    round_trip(
        i128::MIN,
        Term::BigInt(BigInt {
            negative: true,
            magnitude: {
                let mut m = vec![0; 15];
                m.push(0x80);
                m
            },
        }),
    );
    round_trip(-5i128, Term::Int(-5));
    round_trip(
        -(1i128 << 64),
        Term::BigInt(BigInt {
            negative: true,
            magnitude: vec![0, 0, 0, 0, 0, 0, 0, 0, 1],
        }),
    );
    // A big integer that fits a smaller type is taken (a hand-made term may have one), and
    // top zero bytes mean nothing.
    let padded = Term::BigInt(BigInt {
        negative: true,
        magnitude: vec![7, 0, 0],
    });
    assert_eq!(i8::from_term(padded), Ok(-7));
}

#[test]
fn integers_out_of_range_name_the_range() {
    let e = error::<u8>(
        Term::Int(300),
        "expected an integer in 0..=255 (u8), found the integer 300",
    );
    assert_eq!(e.kind(), FromTermErrorKind::OutOfRange);
    error::<u32>(
        Term::Int(-1),
        "expected an integer in 0..=4294967295 (u32), found the integer -1",
    );
    error::<i8>(
        Term::Int(-129),
        "expected an integer in -128..=127 (i8), found the integer -129",
    );
    error::<i64>(
        u64::MAX.to_term(),
        "expected an integer in -9223372036854775808..=9223372036854775807 (i64), \
         found the integer 18446744073709551615",
    );
    error::<u128>(
        Term::BigInt(BigInt {
            negative: false,
            magnitude: vec![1; 17],
        }),
        "expected an integer in 0..=340282366920938463463374607431768211455 (u128), \
         found an integer of 17 bytes",
    );
    error::<i128>(
        Term::BigInt(BigInt {
            negative: true,
            magnitude: vec![0xff; 16],
        }),
        "expected an integer in -170141183460469231731687303715884105728..=\
         170141183460469231731687303715884105727 (i128), \
         found the integer -340282366920938463463374607431768211455",
    );
    let e = error::<u16>(
        Term::Float(1.0),
        "expected an integer (u16), found the float 1.0",
    );
    assert_eq!(e.kind(), FromTermErrorKind::WrongShape);
}

#[test]
fn floats_take_integers_they_hold_exactly() {
    round_trip(1.5f64, Term::Float(1.5));
    round_trip(-0.25f32, Term::Float(-0.25));
    assert_eq!(f64::from_term(Term::Int(3)), Ok(3.0));
    assert_eq!(
        f64::from_term(Term::Int(-(1 << 53))),
        Ok(-9007199254740992.0)
    );
    assert_eq!(f64::from_term((1u128 << 100).to_term()), Ok(2f64.powi(100)));
    let e = error::<f64>(
        Term::Int((1 << 53) + 1),
        "expected a float, or an integer a float holds exactly (f64), \
         found the integer 9007199254740993",
    );
    assert_eq!(e.kind(), FromTermErrorKind::OutOfRange);
    assert_eq!(f32::from_term(Term::Int(1 << 24)), Ok(16777216.0));
    error::<f32>(
        Term::Int((1 << 24) + 1),
        "expected a float, or an integer an f32 holds exactly (f32), found the integer 16777217",
    );
    // A float rounds to the nearest f32, but one beyond f32's range is an error.
    assert_eq!(f32::from_term(Term::Float(0.1)), Ok(0.1f32));
    error::<f32>(
        Term::Float(1e300),
        "expected a float within f32's range (f32), found the float 1e300",
    );
    error::<f64>(
        bin("1.0"),
        "expected a float (f64), found a binary of 3 bytes",
    );
}

#[test]
fn chars_are_code_points() {
    round_trip('a', Term::Int(97));
    round_trip('é', Term::Int(233));
    round_trip('🦀', Term::Int(0x1F980));
    error::<char>(
        Term::Int(0xD800),
        "expected a Unicode code point (0..=1114111, not a surrogate) (char), \
         found the integer 55296",
    );
    error::<char>(
        Term::Int(-1),
        "expected a Unicode code point (0..=1114111, not a surrogate) (char), \
         found the integer -1",
    );
}

#[test]
fn strings_are_utf8_binaries() {
    round_trip(String::from("héllo"), bin("héllo"));
    round_trip(String::new(), Term::Binary(vec![]));
    assert_eq!("k".to_term(), bin("k"));
    assert_eq!((&"k").to_term(), bin("k"));
    let e = error::<String>(
        Term::Binary(vec![b'a', b'b', 0xff, b'c']),
        "expected a UTF-8 binary (String), found a binary of 4 bytes, not UTF-8 (from byte 2)",
    );
    assert_eq!(e.kind(), FromTermErrorKind::NotUtf8);
    // A charlist is not a String: it is a Charlist.
    let charlist = Term::List(vec![Term::Int(104), Term::Int(105)]);
    error::<String>(
        charlist.clone(),
        "expected a binary (String), found a list of 2 elements",
    );
    round_trip(Charlist::from("hi"), charlist);
    round_trip(Charlist::default(), Term::List(vec![]));
    error::<Charlist>(
        Term::List(vec![Term::Int(104), atom("i")]),
        "expected an integer (a code point) (char) at [1], found the atom i",
    );
    error::<Charlist>(
        bin("hi"),
        "expected a list of code points (Charlist), found a binary of 2 bytes",
    );
}

#[test]
fn unit_is_ok_and_option_is_undefined() {
    round_trip((), atom("ok"));
    error::<()>(
        atom("error"),
        "expected the atom ok (()), found the atom error",
    );
    round_trip(Some(5u8), Term::Int(5));
    round_trip(None::<u8>, atom("undefined"));
    // Elixir's nil decodes too.
    assert_eq!(Option::<String>::from_term(atom("nil")), Ok(None));
    error::<Option<String>>(
        Term::Int(1),
        "expected a binary or undefined (Option<String>), found the integer 1",
    );
    // Errors inside the value keep the value's own wording.
    error::<Option<u8>>(
        Term::Int(256),
        "expected an integer in 0..=255 (u8), found the integer 256",
    );
}

#[test]
fn results_are_ok_and_error_tuples() {
    round_trip(Ok::<u8, String>(1), tuple(vec![atom("ok"), Term::Int(1)]));
    round_trip(
        Err::<u8, String>("no".into()),
        tuple(vec![atom("error"), bin("no")]),
    );
    // ok | {error, Reason}, as Erlang functions return.
    round_trip(Ok::<(), Atom>(()), atom("ok"));
    round_trip(
        Err::<(), Atom>(Atom::new("enoent")),
        tuple(vec![atom("error"), atom("enoent")]),
    );
    error::<Result<(), Atom>>(
        tuple(vec![atom("ok"), atom("ok")]),
        "expected ok or {error, _} (Result<(), Atom>), found a 2-tuple {ok, _}",
    );
    error::<Result<u8, Atom>>(
        atom("ok"),
        "expected {ok, _} or {error, _} (Result<u8, Atom>), found the atom ok",
    );
    error::<Result<u8, Atom>>(
        tuple(vec![atom("error"), Term::Int(2)]),
        "expected an atom (Atom) at {error, _} element 2, found the integer 2",
    );
    error::<Result<u8, Atom>>(
        tuple(vec![atom("ok"), Term::Int(-2)]),
        "expected an integer in 0..=255 (u8) at {ok, _} element 2, found the integer -2",
    );
}

#[test]
fn bytes_are_binaries_and_other_sequences_lists() {
    round_trip(vec![1u8, 2, 3], Term::Binary(vec![1, 2, 3]));
    round_trip([9u8; 4], Term::Binary(vec![9; 4]));
    assert_eq!([1u8, 2][..].to_term(), Term::Binary(vec![1, 2]));
    round_trip(vec![1u16, 2], Term::List(vec![Term::Int(1), Term::Int(2)]));
    round_trip(Vec::<u16>::new(), Term::List(vec![]));
    round_trip(
        vec![String::from("a"), String::from("b")],
        Term::List(vec![bin("a"), bin("b")]),
    );
    round_trip(
        vec![vec![1u8], vec![]],
        Term::List(vec![Term::Binary(vec![1]), Term::Binary(vec![])]),
    );
    round_trip([true, false], Term::List(vec![atom("true"), atom("false")]));
    // A VecDeque is a list, even of bytes.
    round_trip(
        VecDeque::from(vec![1u8, 2]),
        Term::List(vec![Term::Int(1), Term::Int(2)]),
    );
    // A list of bytes is not a binary.
    error::<Vec<u8>>(
        Term::List(vec![Term::Int(1)]),
        "expected a binary (Vec<u8>), found a list of 1 element",
    );
    error::<[u8; 4]>(
        Term::List(vec![]),
        "expected a binary ([u8; 4]), found the empty list",
    );
    error::<[u8; 4]>(
        Term::Binary(vec![1, 2, 3]),
        "expected a sequence of 4 elements ([u8; 4]), found one of 3",
    );
    error::<Vec<u16>>(
        Term::List(vec![Term::Int(1), Term::Int(70000)]),
        "expected an integer in 0..=65535 (u16) at [1], found the integer 70000",
    );
    error::<Vec<u16>>(
        atom("nil"),
        "expected a list (Vec<u16>), found the atom nil",
    );
    error::<VecDeque<u16>>(
        Term::ImproperList(vec![Term::Int(1)], Box::new(Term::Int(2))),
        "expected a list (VecDeque<u16>), found an improper list",
    );
}

#[test]
fn pointers_are_what_they_point_to() {
    round_trip(Box::new(7u8), Term::Int(7));
    round_trip(Arc::new(String::from("x")), bin("x"));
    let boxed: Box<str> = "y".into();
    assert_eq!(boxed.to_term(), bin("y"));
    let shared: Arc<[u8]> = Arc::from(&[1u8][..]);
    assert_eq!(shared.to_term(), Term::Binary(vec![1]));
    // The trait stays dyn-compatible: a list of values of different types.
    let mixed: Vec<Box<dyn ToTerm>> = vec![Box::new(1u8), Box::new("a"), Box::new(None::<u8>)];
    assert_eq!(
        mixed.to_term(),
        Term::List(vec![Term::Int(1), bin("a"), atom("undefined")])
    );
}

#[test]
fn maps_are_maps() {
    let mut scores = BTreeMap::new();
    scores.insert(String::from("alice"), 3u32);
    scores.insert(String::from("bob"), 5u32);
    round_trip(
        scores.clone(),
        Term::Map(vec![
            (bin("alice"), Term::Int(3)),
            (bin("bob"), Term::Int(5)),
        ]),
    );
    let hashed: HashMap<String, u32> = scores.clone().into_iter().collect();
    assert_eq!(HashMap::from_term(hashed.to_term()), Ok(hashed.clone()));
    match hashed.to_term() {
        Term::Map(pairs) => assert_eq!(pairs.len(), 2),
        other => panic!("not a map: {other:?}"),
    }
    round_trip(BTreeMap::<u8, u8>::new(), Term::Map(vec![]));
    error::<HashMap<String, u32>>(
        Term::Map(vec![(bin("alice"), Term::Int(-3))]),
        "expected an integer in 0..=4294967295 (u32) at #{<<\"alice\">>}, found the integer -3",
    );
    error::<BTreeMap<Atom, u8>>(
        Term::Map(vec![(atom("a"), Term::Int(1)), (atom("b"), atom("x"))]),
        "expected an integer (u8) at #{b}, found the atom x",
    );
    error::<BTreeMap<Atom, u8>>(
        Term::Map(vec![
            (atom("a"), Term::Int(1)),
            (Term::Int(1), Term::Int(2)),
        ]),
        "expected an atom (Atom) at #{key of pair 2}, found the integer 1",
    );
    let e = error::<BTreeMap<Atom, u8>>(
        Term::Map(vec![(atom("a"), Term::Int(1)), (atom("a"), Term::Int(2))]),
        "expected a map with distinct keys (BTreeMap<Atom, u8>), \
         found a map whose pair 2 repeats a key",
    );
    assert_eq!(e.kind(), FromTermErrorKind::DuplicateKey);
    error::<BTreeMap<Atom, u8>>(
        Term::List(vec![]),
        "expected a map (BTreeMap<Atom, u8>), found the empty list",
    );
}

#[test]
fn tuples_are_tuples() {
    round_trip((1u8,), tuple(vec![Term::Int(1)]));
    round_trip(
        (atom_value("ok"), 2u8),
        tuple(vec![atom("ok"), Term::Int(2)]),
    );
    round_trip(
        (1u8, 2u16, 3u32, 4u64, 5i8, 6i16, 7i32, 8i64),
        tuple((1..=8).map(Term::Int).collect()),
    );
    round_trip(
        (
            true,
            String::from("s"),
            (),
            Some(1u8),
            None::<u8>,
            'x',
            1.0f64,
        ),
        tuple(vec![
            atom("true"),
            bin("s"),
            atom("ok"),
            Term::Int(1),
            atom("undefined"),
            Term::Int(120),
            Term::Float(1.0),
        ]),
    );
    error::<(u8, u8)>(
        tuple(vec![Term::Int(1)]),
        "expected a 2-tuple ((u8, u8)), found a 1-tuple",
    );
    error::<(Atom, u8)>(
        tuple(vec![atom("ok"), Term::Int(1), Term::Int(2)]),
        "expected a 2-tuple ((Atom, u8)), found a 3-tuple {ok, _, _}",
    );
    error::<(Atom, u8)>(
        tuple(vec![atom("ok"), atom("x")]),
        "expected an integer (u8) at element 2, found the atom x",
    );
    let e = error::<Vec<(u8, bool)>>(
        Term::List(vec![tuple(vec![Term::Int(1), Term::Int(2)])]),
        "expected the atom true or false (bool) at [0] element 2, found the integer 2",
    );
    assert_eq!(e.path(), "[0] element 2");
    assert_eq!(e.expected(), "the atom true or false");
    assert_eq!(e.rust_type(), "bool");
    assert_eq!(e.found(), "the integer 2");
}

fn atom_value(s: &str) -> Atom {
    Atom::new(s)
}

#[test]
fn terms_and_their_parts_are_themselves() {
    let t = tuple(vec![atom("a"), Term::Float(1.0), Term::List(vec![])]);
    round_trip(t.clone(), t);
    round_trip(Atom::new("hello"), atom("hello"));
    let pid = ExternalPid {
        node: Atom::new("a@host"),
        id: 1,
        serial: 2,
        creation: 3,
    };
    round_trip(pid.clone(), Term::Pid(pid.clone()));
    let r = ExternalRef {
        node: Atom::new("a@host"),
        creation: 3,
        ids: vec![1, 2, 3],
    };
    round_trip(r.clone(), Term::Ref(r));
    let port = ExternalPort {
        node: Atom::new("a@host"),
        id: 9,
        creation: 3,
    };
    round_trip(port.clone(), Term::Port(port));
    error::<Atom>(
        bin("a"),
        "expected an atom (Atom), found a binary of 1 byte",
    );
    error::<ExternalPid>(
        atom("self"),
        "expected a pid (ExternalPid), found the atom self",
    );
    error::<ExternalRef>(
        Term::Pid(pid),
        "expected a reference (ExternalRef), found a pid of node a@host",
    );
}

// ---- derived ----

#[derive(ToTerm, FromTerm, Debug, PartialEq, Clone)]
enum Request {
    Ping,
    NotFound,
    HTTPError,
    Lookup(String),
    Put(String, u32),
    Create {
        name: String,
        ttl: Option<u32>,
    },
    #[term(rename = "GET")]
    Get,
    #[term(rename = "del")]
    Delete(Vec<u8>),
}

#[test]
fn enum_variants() {
    round_trip(Request::Ping, atom("ping"));
    round_trip(Request::NotFound, atom("not_found"));
    round_trip(Request::HTTPError, atom("http_error"));
    round_trip(Request::Get, atom("GET"));
    // The example of the issue, exactly.
    assert_eq!(
        Request::Lookup("k".into()).to_term(),
        Term::Tuple(vec![
            Term::Atom(Atom::new("lookup")),
            Term::Binary(b"k".to_vec())
        ])
    );
    round_trip(
        Request::Lookup("k".into()),
        tuple(vec![atom("lookup"), bin("k")]),
    );
    round_trip(
        Request::Put("k".into(), 7),
        tuple(vec![atom("put"), bin("k"), Term::Int(7)]),
    );
    round_trip(
        Request::Create {
            name: "n".into(),
            ttl: Some(60),
        },
        tuple(vec![
            atom("create"),
            map(vec![("name", bin("n")), ("ttl", Term::Int(60))]),
        ]),
    );
    round_trip(
        Request::Delete(vec![1]),
        tuple(vec![atom("del"), Term::Binary(vec![1])]),
    );
    // A struct variant's missing Option field is None, its unknown keys are ignored.
    assert_eq!(
        Request::from_term(tuple(vec![
            atom("create"),
            map(vec![("extra", Term::Int(1)), ("name", bin("n"))]),
        ])),
        Ok(Request::Create {
            name: "n".into(),
            ttl: None
        })
    );
}

const REQUEST_VARIANTS: &str = "one of ping, not_found, http_error, {lookup, _}, {put, _, _}, \
                                {create, _}, 'GET' or {del, _}";

#[test]
fn enum_errors_name_the_variant() {
    let e = error::<Request>(
        atom("pong"),
        &format!("expected {REQUEST_VARIANTS} (Request), found the atom pong"),
    );
    assert_eq!(e.kind(), FromTermErrorKind::WrongShape);
    error::<Request>(
        Term::Int(1),
        &format!("expected {REQUEST_VARIANTS} (Request), found the integer 1"),
    );
    error::<Request>(
        tuple(vec![atom("ping"), Term::Int(1)]),
        &format!("expected {REQUEST_VARIANTS} (Request), found a 2-tuple {{ping, _}}"),
    );
    error::<Request>(
        tuple(vec![atom("lookup"), bin("a"), bin("b")]),
        "expected {lookup, _} (Request), found a 3-tuple {lookup, _, _}",
    );
    error::<Request>(
        tuple(vec![atom("lookup"), Term::Int(3)]),
        "expected a binary (String) at {lookup, _} element 2, found the integer 3",
    );
    error::<Request>(
        tuple(vec![atom("put"), bin("k"), Term::Int(-7)]),
        "expected an integer in 0..=4294967295 (u32) at {put, _, _} element 3, \
         found the integer -7",
    );
    error::<Request>(
        tuple(vec![atom("create"), map(vec![("name", Term::Int(1))])]),
        "expected a binary (String) at {create, _}.name, found the integer 1",
    );
    let e = error::<Request>(
        tuple(vec![atom("create"), map(vec![("ttl", Term::Int(1))])]),
        "expected a map with the key name (Request) at {create, _}, \
         found a map of 1 pair without it",
    );
    assert_eq!(e.kind(), FromTermErrorKind::MissingKey);
    error::<Request>(
        tuple(vec![atom("create"), Term::List(vec![])]),
        "expected a map (Request) at {create, _} element 2, found the empty list",
    );
}

#[derive(ToTerm, FromTerm, Debug, PartialEq, Clone)]
struct User {
    name: String,
    age: u8,
    address: Address,
    nickname: Option<String>,
}

#[derive(ToTerm, FromTerm, Debug, PartialEq, Clone)]
struct Address {
    city: String,
    #[term(rename = "zip_code")]
    zip: u32,
}

fn user() -> User {
    User {
        name: "jo".into(),
        age: 30,
        address: Address {
            city: "Oslo".into(),
            zip: 150,
        },
        nickname: None,
    }
}

fn user_term() -> Term {
    map(vec![
        ("name", bin("jo")),
        ("age", Term::Int(30)),
        (
            "address",
            map(vec![("city", bin("Oslo")), ("zip_code", Term::Int(150))]),
        ),
        ("nickname", atom("undefined")),
    ])
}

#[test]
fn structs_are_maps_with_atom_keys() {
    round_trip(user(), user_term());
    // Keys in another order, unknown keys (even non-atom ones) ignored, the Option missing.
    let term = Term::Map(vec![
        (
            atom("address"),
            map(vec![("zip_code", Term::Int(150)), ("city", bin("Oslo"))]),
        ),
        (bin("name"), bin("ignored: binary keys are not fields")),
        (atom("age"), Term::Int(30)),
        (atom("admin"), atom("true")),
        (atom("name"), bin("jo")),
    ]);
    assert_eq!(User::from_term(term), Ok(user()));
}

#[test]
fn struct_errors_have_paths() {
    let mut term = user_term();
    if let Term::Map(pairs) = &mut term {
        pairs[2].1 = map(vec![("city", atom("foo")), ("zip_code", Term::Int(1))]);
    }
    let e = error::<User>(
        term,
        "expected a binary (String) at User.address.city, found the atom foo",
    );
    assert_eq!(e.path(), "User.address.city");

    let e = error::<User>(
        map(vec![
            ("name", bin("jo")),
            ("age", Term::Int(30)),
            ("address", map(vec![("city", bin("Oslo"))])),
        ]),
        "expected a map with the key zip_code (Address) at User.address, \
         found a map of 1 pair without it",
    );
    assert_eq!(e.kind(), FromTermErrorKind::MissingKey);
    error::<User>(
        map(vec![("name", bin("jo"))]),
        "expected a map with the key age (User), found a map of 1 pair without it",
    );
    error::<User>(
        map(vec![("name", bin("jo")), ("age", Term::Int(256))]),
        "expected an integer in 0..=255 (u8) at User.age, found the integer 256",
    );
    error::<User>(
        tuple(vec![atom("user")]),
        "expected a map (User), found a 1-tuple {user}",
    );
    let e = error::<Address>(
        Term::Map(vec![
            (atom("city"), bin("a")),
            (atom("zip_code"), Term::Int(1)),
            (atom("city"), bin("b")),
        ]),
        "expected a map with distinct keys (Address), \
         found a map with the key city twice (again in pair 3)",
    );
    assert_eq!(e.kind(), FromTermErrorKind::DuplicateKey);
    // Inside a list: the path starts at the list.
    error::<Vec<Address>>(
        Term::List(vec![map(vec![
            ("city", Term::Int(1)),
            ("zip_code", Term::Int(1)),
        ])]),
        "expected a binary (String) at [0].city, found the integer 1",
    );
}

#[derive(ToTerm, FromTerm, Debug, PartialEq)]
#[term(record)]
struct ServerState {
    count: u32,
    last: Option<String>,
}

#[derive(ToTerm, FromTerm, Debug, PartialEq)]
#[term(record, rename = "pt")]
struct Point(i32, i32);

#[test]
fn records_are_tagged_tuples() {
    round_trip(
        ServerState {
            count: 2,
            last: None,
        },
        tuple(vec![atom("server_state"), Term::Int(2), atom("undefined")]),
    );
    round_trip(
        Point(1, -1),
        tuple(vec![atom("pt"), Term::Int(1), Term::Int(-1)]),
    );
    error::<ServerState>(
        tuple(vec![atom("state"), Term::Int(2), atom("undefined")]),
        "expected a record {server_state, _, _} (ServerState), found a 3-tuple {state, _, _}",
    );
    error::<ServerState>(
        tuple(vec![atom("server_state"), Term::Int(2)]),
        "expected a record {server_state, _, _} (ServerState), \
         found a 2-tuple {server_state, _}",
    );
    error::<ServerState>(
        tuple(vec![atom("server_state"), atom("x"), atom("undefined")]),
        "expected an integer (u32) at ServerState.count, found the atom x",
    );
    error::<Point>(
        tuple(vec![atom("pt"), Term::Int(1), bin("x")]),
        "expected an integer (i32) at Point element 3, found a binary of 1 byte",
    );
}

#[derive(ToTerm, FromTerm, Debug, PartialEq)]
#[term(elixir_struct = "Elixir.MyApp.User")]
struct ExUser {
    name: String,
    admin: bool,
}

#[test]
fn elixir_structs_have_their_module() {
    round_trip(
        ExUser {
            name: "jo".into(),
            admin: false,
        },
        map(vec![
            ("__struct__", atom("Elixir.MyApp.User")),
            ("name", bin("jo")),
            ("admin", atom("false")),
        ]),
    );
    error::<ExUser>(
        map(vec![("name", bin("jo")), ("admin", atom("false"))]),
        "expected a map with __struct__ => 'Elixir.MyApp.User' (ExUser), \
         found a map of 2 pairs without __struct__",
    );
    error::<ExUser>(
        map(vec![
            ("__struct__", atom("Elixir.Other")),
            ("name", bin("jo")),
            ("admin", atom("false")),
        ]),
        "expected a map with __struct__ => 'Elixir.MyApp.User' (ExUser), \
         found a map with __struct__ => the atom 'Elixir.Other'",
    );
}

#[derive(ToTerm, FromTerm, Debug, PartialEq)]
struct Pair(String, u8);

#[derive(ToTerm, FromTerm, Debug, PartialEq)]
struct UserId(u64);

#[derive(ToTerm, FromTerm, Debug, PartialEq)]
struct Nothing;

#[derive(ToTerm, FromTerm, Debug, PartialEq)]
struct Empty {}

#[test]
fn tuple_newtype_and_unit_structs() {
    round_trip(Pair("a".into(), 1), tuple(vec![bin("a"), Term::Int(1)]));
    error::<Pair>(
        tuple(vec![bin("a"), Term::Int(1), Term::Int(2)]),
        "expected a 2-tuple (Pair), found a 3-tuple",
    );
    error::<Pair>(
        tuple(vec![bin("a"), atom("b")]),
        "expected an integer (u8) at Pair element 2, found the atom b",
    );
    // A newtype is its field's term; an error about the term itself names the newtype.
    round_trip(UserId(7), Term::Int(7));
    error::<UserId>(atom("x"), "expected an integer (UserId), found the atom x");
    round_trip(Nothing, atom("nothing"));
    error::<Nothing>(
        atom("something"),
        "expected the atom nothing (Nothing), found the atom something",
    );
    round_trip(Empty {}, Term::Map(vec![]));
}

#[derive(ToTerm, FromTerm, Debug, PartialEq, Clone)]
struct Tagged<T, U> {
    items: Vec<T>,
    extra: Option<U>,
}

#[derive(ToTerm, FromTerm, Debug, PartialEq)]
enum Either<L, R> {
    Left(L),
    Right(R),
}

#[test]
fn generic_types() {
    round_trip(
        Tagged::<u8, bool> {
            items: vec![1, 2],
            extra: Some(true),
        },
        map(vec![
            ("items", Term::Binary(vec![1, 2])),
            ("extra", atom("true")),
        ]),
    );
    round_trip(
        Tagged::<u16, bool> {
            items: vec![1],
            extra: None,
        },
        map(vec![
            ("items", Term::List(vec![Term::Int(1)])),
            ("extra", atom("undefined")),
        ]),
    );
    round_trip(
        Either::<u8, String>::Right("r".into()),
        tuple(vec![atom("right"), bin("r")]),
    );
    error::<Tagged<u16, bool>>(
        map(vec![("items", Term::List(vec![atom("a")]))]),
        "expected an integer (u16) at Tagged<u16, bool>.items[0], found the atom a",
    );
}

#[derive(ToTerm, FromTerm, Debug, PartialEq)]
#[term(crate = ::my_otp)]
struct Renamed {
    #[term(rename = "type")]
    kind: u8,
    r#ref: u8,
}

#[derive(ToTerm, FromTerm, Debug, PartialEq)]
enum Never {}

#[test]
fn renamed_runtime_raw_identifiers_and_empty_enums() {
    round_trip(
        Renamed { kind: 1, r#ref: 2 },
        map(vec![("type", Term::Int(1)), ("ref", Term::Int(2))]),
    );
    error::<Never>(
        atom("x"),
        "expected nothing: the enum has no variants (Never), found the atom x",
    );
}

// ---- properties ----

#[derive(ToTerm, FromTerm, Debug, PartialEq, Clone)]
enum Shape {
    Empty,
    Circle(f64),
    Rect {
        w: u32,
        h: u32,
        label: Option<String>,
    },
    Group(Vec<Shape>),
}

#[derive(ToTerm, FromTerm, Debug, PartialEq, Clone)]
#[term(record)]
struct Scene {
    id: UserIdLike,
    owner: User,
    shapes: Vec<Shape>,
    tags: BTreeMap<String, i64>,
    blob: Vec<u8>,
    status: Result<(), String>,
}

#[derive(ToTerm, FromTerm, Debug, PartialEq, Clone)]
struct UserIdLike(u64);

fn shape() -> impl Strategy<Value = Shape> {
    let leaf = prop_oneof![
        Just(Shape::Empty),
        (-1e12f64..1e12).prop_map(Shape::Circle),
        (any::<u32>(), any::<u32>(), proptest::option::of(".{0,8}"))
            .prop_map(|(w, h, label)| Shape::Rect { w, h, label }),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        proptest::collection::vec(inner, 0..4).prop_map(Shape::Group)
    })
}

fn scene() -> impl Strategy<Value = Scene> {
    (
        any::<u64>(),
        (
            ".{0,12}",
            any::<u8>(),
            ".{0,8}",
            any::<u32>(),
            proptest::option::of(".{0,8}"),
        ),
        proptest::collection::vec(shape(), 0..4),
        proptest::collection::btree_map(".{0,6}", any::<i64>(), 0..4),
        proptest::collection::vec(any::<u8>(), 0..16),
        proptest::option::of(".{0,6}"),
    )
        .prop_map(
            |(id, (name, age, city, zip, nickname), shapes, tags, blob, err)| Scene {
                id: UserIdLike(id),
                owner: User {
                    name,
                    age,
                    address: Address { city, zip },
                    nickname,
                },
                shapes,
                tags,
                blob,
                status: err.map_or(Ok(()), Err),
            },
        )
}

/// Any term (finite floats: `NaN` has no Erlang form and is not equal to itself).
fn any_term() -> impl Strategy<Value = Term> {
    let names = prop_oneof![
        Just("ok"),
        Just("undefined"),
        Just("empty"),
        Just("circle"),
        Just("rect"),
        Just("group"),
        Just("scene"),
        Just("w"),
        Just("h"),
        Just("label"),
        Just("error"),
        Just("true"),
    ];
    let leaf = prop_oneof![
        names.prop_map(|n| Term::Atom(Atom::new(n))),
        any::<i64>().prop_map(Term::Int),
        (any::<bool>(), proptest::collection::vec(any::<u8>(), 0..20)).prop_map(
            |(negative, magnitude)| Term::BigInt(BigInt {
                negative,
                magnitude
            })
        ),
        (-1e300f64..1e300).prop_map(Term::Float),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(Term::Binary),
        (proptest::collection::vec(any::<u8>(), 1..3), 1u8..8)
            .prop_map(|(bytes, bits)| Term::BitBinary { bytes, bits }),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Term::Tuple),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Term::List),
            (
                proptest::collection::vec(inner.clone(), 1..3),
                inner.clone()
            )
                .prop_map(|(items, tail)| Term::ImproperList(items, Box::new(tail))),
            proptest::collection::vec((inner.clone(), inner), 0..5).prop_map(Term::Map),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    /// A nested derived value survives the trip to a term and back.
    #[test]
    fn derived_values_round_trip(scene in scene()) {
        let term = scene.to_term();
        prop_assert_eq!(Scene::from_term(term), Ok(scene));
    }

    /// Any term decodes or gives an error (never a panic), and what decodes maps back to a
    /// term that decodes to the same value.
    #[test]
    fn any_term_decodes_or_errs(term in any_term()) {
        if let Ok(shape) = Shape::from_term(term.clone()) {
            prop_assert_eq!(Shape::from_term(shape.to_term()), Ok(shape));
        }
        if let Ok(scene) = Scene::from_term(term.clone()) {
            prop_assert_eq!(Scene::from_term(scene.to_term()), Ok(scene));
        }
        if let Err(e) = <(Option<i128>, Vec<u16>, HashMap<String, f32>)>::from_term(term.clone()) {
            prop_assert!(!e.to_string().is_empty());
        }
        let _ = Vec::<Shape>::from_term(term.clone());
        let _ = Charlist::from_term(term.clone());
        let _ = char::from_term(term.clone());
        let _ = f32::from_term(term.clone());
        let _ = u128::from_term(term);
    }

    /// Every integer maps to its one form and back, in every type that holds it.
    #[test]
    fn integers_round_trip(n in any::<i128>()) {
        prop_assert_eq!(i128::from_term(n.to_term()), Ok(n));
        prop_assert_eq!(i64::from_term(n.to_term()).ok(), i64::try_from(n).ok());
        prop_assert_eq!(u64::from_term(n.to_term()).ok(), u64::try_from(n).ok());
        prop_assert_eq!(u8::from_term(n.to_term()).ok(), u8::try_from(n).ok());
        prop_assert_eq!(matches!(n.to_term(), Term::Int(_)), i64::try_from(n).is_ok());
    }
}
