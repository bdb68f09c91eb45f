// The derives' code names nothing the user's scope could shadow.
#![allow(dead_code, unused_macros)]

use otp_runtime::dist::mapping::{FromTerm, ToTerm};

struct Result;
struct Option;
struct Ok;
struct Err;
struct Some;
struct Vec;
struct Term;
macro_rules! vec {
    () => {};
}

#[derive(ToTerm, FromTerm, Debug, PartialEq)]
enum Request<T> {
    Ping,
    Lookup(T),
    Create { name: T, ttl: core::option::Option<u32> },
}

#[derive(ToTerm, FromTerm, Debug, PartialEq)]
#[term(record)]
struct State {
    term: u8,
    map: u8,
    fields: u8,
    tag: u8,
}

#[derive(ToTerm, FromTerm, Debug, PartialEq)]
struct Wrapper<T>(T, u8)
where
    T: Clone;

#[derive(ToTerm)]
struct Borrowed<'a> {
    name: &'a str,
}

fn main() {
    let r = Request::Create { name: 1u8, ttl: None };
    assert_eq!(Request::from_term(r.to_term()).unwrap(), r);
    let s = State { term: 1, map: 2, fields: 3, tag: 4 };
    assert_eq!(State::from_term(s.to_term()).unwrap(), s);
    let w = Wrapper(1u8, 2);
    assert_eq!(Wrapper::from_term(w.to_term()).unwrap(), w);
    let _ = Borrowed { name: "x" }.to_term();
}
