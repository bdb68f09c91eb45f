//! The External Term Format codec (`otp_runtime::dist::term`): property tests (round trips;
//! arbitrary, prefixed and mutated bytes never panic), the limits on hostile input (length
//! claims, depth, COMPRESSED sizes, measured with a counting allocator), and a check against
//! a real `erl`: its `term_to_binary` bytes decode to the expected terms, our encodings are
//! byte-identical to them, and `binary_to_term` reads ours back as the same terms.
//!
//! Edge cases port the checks of OTP's `binary_to_term` (erts `external.c`, exercised by
//! `erts/emulator/test/binary_SUITE.erl` `bad_binary_to_term`, `terms`, `bit_sized_binaries`):
//! each hand-made encoding is also given to `erl`, and both sides must accept it as the same
//! term or both refuse it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use otp_runtime::dist::term::{
    Atom, BigInt, CompressedError, DecodeError, ExternalPid, ExternalPort, ExternalRef, Term,
    MAX_DEPTH, MAX_UNCOMPRESSED_SIZE,
};
use proptest::collection::vec;
use proptest::prelude::{any, prop_assert, prop_assert_eq, prop_oneof, proptest, Just};
use proptest::prelude::{ProptestConfig, Strategy};

// ---------------------------------------------------------------------------------------
// Counting what a call allocates (on this thread only: tests run in parallel).

struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

fn count(bytes: usize) {
    let _ = ALLOCATED.try_with(|c| c.set(c.get().saturating_add(bytes)));
}

// SAFETY: every call is passed on to `System` unchanged; counting touches only a
// thread-local `Cell` with a const initialiser and no destructor, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size.saturating_sub(layout.size()));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// `f`'s result, and the bytes it asked the allocator for (growth only, for a `realloc`): an
/// upper bound on the most it held at once.
fn allocated_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATED.with(Cell::get);
    let out = f();
    (out, ALLOCATED.with(Cell::get) - before)
}

// ---------------------------------------------------------------------------------------
// Building terms.

fn atom(name: &str) -> Term {
    Term::Atom(Atom::new(name))
}

fn tuple(items: Vec<Term>) -> Term {
    Term::Tuple(items)
}

fn list(items: Vec<Term>) -> Term {
    Term::List(items)
}

fn bin(bytes: &[u8]) -> Term {
    Term::Binary(bytes.to_vec())
}

/// An integer in its one form: `Int` when it fits an `i64`, `BigInt` otherwise.
fn big(negative: bool, mut magnitude: Vec<u8>) -> Term {
    while magnitude.last() == Some(&0) {
        magnitude.pop();
    }
    if magnitude.len() <= 8 {
        let mut le = [0; 8];
        le[..magnitude.len()].copy_from_slice(&magnitude);
        let v = i128::from(u64::from_le_bytes(le));
        let v = if negative { -v } else { v };
        if let Ok(i) = i64::try_from(v) {
            return Term::Int(i);
        }
    }
    Term::BigInt(BigInt {
        negative,
        magnitude,
    })
}

fn int(v: i128) -> Term {
    big(v < 0, v.unsigned_abs().to_le_bytes().to_vec())
}

/// 2^bits, negated if asked.
fn power_of_two(bits: usize, negative: bool) -> Term {
    let mut magnitude = vec![0; bits / 8 + 1];
    magnitude[bits / 8] = 1 << (bits % 8);
    big(negative, magnitude)
}

fn bytes_list(n: usize) -> Vec<Term> {
    (1..=n).map(|x| Term::Int((x % 256) as i64)).collect()
}

/// The body (after the 131) of `t`'s encoding.
fn body(t: &Term) -> Vec<u8> {
    t.encode()[1..].to_vec()
}

/// A `NEW_FUN_EXT`'s bytes (after its tag), laid out as `erl_ext_dist` says.
#[allow(clippy::too_many_arguments)]
fn fun_bytes(
    arity: u8,
    uniq: [u8; 16],
    index: u32,
    module: &Atom,
    old_index: i64,
    old_uniq: i64,
    pid: &ExternalPid,
    free: &[Term],
) -> Vec<u8> {
    let mut rest = vec![arity];
    rest.extend_from_slice(&uniq);
    rest.extend_from_slice(&index.to_be_bytes());
    rest.extend_from_slice(&(free.len() as u32).to_be_bytes());
    rest.extend(body(&Term::Atom(module.clone())));
    rest.extend(body(&Term::Int(old_index)));
    rest.extend(body(&Term::Int(old_uniq)));
    rest.extend(body(&Term::Pid(pid.clone())));
    for t in free {
        rest.extend(body(t));
    }
    let mut out = ((rest.len() + 4) as u32).to_be_bytes().to_vec();
    out.extend(rest);
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex from erl"))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Strategies: terms in their one form (normalised integers, masked bitstrings, no NaN).

fn atoms() -> impl Strategy<Value = Atom> {
    prop_oneof![
        "[a-z][a-zA-Z0-9_@]{0,12}",
        vec(any::<char>(), 0..=12).prop_map(|cs| cs.into_iter().collect::<String>()),
        Just("x".repeat(255)),
        Just("é".repeat(255)),
        Just("🦀".repeat(255)),
    ]
    .prop_map(|s| Atom::new(&s))
}

fn pids() -> impl Strategy<Value = ExternalPid> {
    (atoms(), any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(node, id, serial, creation)| {
        ExternalPid {
            node,
            id,
            serial,
            creation,
        }
    })
}

/// Terms without elements, except strings (lists of integers 0..=255).
fn scalars() -> impl Strategy<Value = Term> {
    let funs = (
        any::<u8>(),
        any::<[u8; 16]>(),
        any::<u32>(),
        atoms(),
        any::<i32>(),
        any::<i32>(),
        pids(),
        vec(any::<i64>().prop_map(Term::Int), 0..3),
    )
        .prop_map(|(arity, uniq, index, module, oi, ou, pid, free)| {
            Term::Fun(fun_bytes(
                arity,
                uniq,
                index,
                &module,
                oi.into(),
                ou.into(),
                &pid,
                &free,
            ))
        });
    prop_oneof![
        atoms().prop_map(Term::Atom),
        any::<i64>().prop_map(Term::Int),
        prop_oneof![
            Just(255),
            Just(256),
            Just(-1),
            Just(1 << 31),
            Just(-(1 << 31) - 1)
        ]
        .prop_map(Term::Int),
        any::<i128>().prop_map(int),
        (any::<bool>(), vec(any::<u8>(), 0..300)).prop_map(|(n, m)| big(n, m)),
        proptest::num::f64::ANY
            .prop_filter("Erlang has no NaN or infinity", |f| f.is_finite())
            .prop_map(Term::Float),
        vec(any::<u8>(), 0..40).prop_map(Term::Binary),
        (vec(any::<u8>(), 1..10), 1u8..=7).prop_map(|(mut bytes, bits)| {
            if let Some(last) = bytes.last_mut() {
                *last &= !(0xff >> bits);
            }
            Term::BitBinary { bytes, bits }
        }),
        pids().prop_map(Term::Pid),
        (atoms(), any::<u32>(), vec(any::<u32>(), 1..=5)).prop_map(|(node, creation, ids)| {
            Term::Ref(ExternalRef {
                node,
                creation,
                ids,
            })
        }),
        (
            atoms(),
            prop_oneof![any::<u64>(), (0..=u32::MAX as u64)],
            any::<u32>()
        )
            .prop_map(|(node, id, creation)| Term::Port(ExternalPort {
                node,
                id,
                creation
            })),
        (atoms(), atoms(), any::<u8>()).prop_map(|(module, function, arity)| Term::Export {
            module,
            function,
            arity
        }),
        funs,
        vec(0i64..=255, 1..40).prop_map(|v| list(v.into_iter().map(Term::Int).collect())),
    ]
}

fn terms() -> impl Strategy<Value = Term> {
    scalars().prop_recursive(4, 64, 6, |inner| {
        let tails = inner
            .clone()
            .prop_filter("a tail that is a list would make the list proper", |t| {
                !matches!(t, Term::List(_) | Term::ImproperList(..))
            });
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Term::Tuple),
            vec(inner.clone(), 0..6).prop_map(Term::List),
            (vec(inner.clone(), 1..4), tails)
                .prop_map(|(items, tail)| Term::ImproperList(items, Box::new(tail))),
            vec((inner.clone(), inner), 0..4).prop_map(Term::Map),
        ]
    })
}

const TAGS: [u8; 31] = [
    70, 77, 80, 82, 88, 89, 90, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110,
    111, 112, 113, 114, 115, 116, 118, 119, 120, 121,
];

/// Whatever decodes must also print, and re-encode to bytes that decode to the same term.
fn decoded_is_usable(bytes: &[u8]) -> Result<(), proptest::test_runner::TestCaseError> {
    let whole = Term::decode(bytes);
    if let Ok((t, used)) = Term::decode_prefix(bytes) {
        prop_assert!(used <= bytes.len());
        prop_assert_eq!(whole.is_ok(), used == bytes.len());
        let _ = t.to_string();
        prop_assert_eq!(Term::decode(&t.encode()), Ok(t));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// encode → decode gives the term back, and encoding is stable.
    #[test]
    fn round_trip(t in terms(), trailer in vec(any::<u8>(), 0..4)) {
        let bytes = t.encode();
        prop_assert_eq!(bytes[0], 131);
        let back = Term::decode(&bytes);
        prop_assert_eq!(back.as_ref(), Ok(&t));
        prop_assert_eq!(back.map(|b| b.encode()), Ok(bytes.clone()));
        // encode_to appends; decode_prefix takes exactly the term.
        let mut framed = trailer.clone();
        t.encode_to(&mut framed);
        framed.extend_from_slice(&trailer);
        let (again, used) = Term::decode_prefix(&framed[trailer.len()..]).unwrap();
        prop_assert_eq!(again, t);
        prop_assert_eq!(used, bytes.len());
    }

    /// The same through COMPRESSED, with decode_prefix saying where the zlib stream ended.
    #[test]
    fn compressed_round_trip(t in terms(), level in 0u8..=9) {
        let inner = body(&t);
        let mut bytes = vec![131, 80];
        bytes.extend_from_slice(&(inner.len() as u32).to_be_bytes());
        bytes.extend(miniz_oxide::deflate::compress_to_vec_zlib(&inner, level));
        prop_assert_eq!(Term::decode(&bytes), Ok(t.clone()));
        let len = bytes.len();
        bytes.extend_from_slice(&[131, 106]);
        prop_assert_eq!(Term::decode_prefix(&bytes), Ok((t, len)));
    }

    /// No prefix of an encoding is a whole term (the format is prefix-free): each is refused.
    #[test]
    fn truncations_are_errors(t in terms(), cut in any::<proptest::sample::Index>()) {
        let bytes = t.encode();
        let cut = cut.index(bytes.len());
        prop_assert!(Term::decode_prefix(&bytes[..cut]).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..256)) {
        decoded_is_usable(&bytes)?;
    }

    #[test]
    fn arbitrary_bytes_after_a_tag_never_panic(
        tag in proptest::sample::select(&TAGS[..]),
        rest in vec(any::<u8>(), 0..128),
    ) {
        let mut bytes = vec![131, tag];
        bytes.extend(rest);
        decoded_is_usable(&bytes)?;
    }

    /// A valid start (a prefix of a real encoding) followed by anything.
    #[test]
    fn arbitrary_bytes_after_a_valid_prefix_never_panic(
        t in terms(),
        cut in any::<proptest::sample::Index>(),
        rest in vec(any::<u8>(), 0..64),
    ) {
        let mut bytes = t.encode();
        bytes.truncate(cut.index(bytes.len()) + 1);
        bytes.extend(rest);
        decoded_is_usable(&bytes)?;
    }

    #[test]
    fn mutated_encodings_never_panic(
        t in terms(),
        edits in vec((any::<proptest::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<proptest::sample::Index>(),
    ) {
        let mut bytes = t.encode();
        for (at, byte) in edits {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        decoded_is_usable(&bytes)?;
        let cut = cut.index(bytes.len() + 1);
        decoded_is_usable(&bytes[..cut])?;
    }
}

// ---------------------------------------------------------------------------------------
// Limits: length claims, depth, COMPRESSED sizes.

/// Decodes `bytes` expecting a `Truncated` error, and checks the decoder asked for little
/// memory on the way.
fn refused_cheaply(bytes: &[u8]) -> DecodeError {
    let (result, allocated) = allocated_by(|| Term::decode(bytes));
    let err = result.expect_err("a claim beyond the input");
    assert!(
        allocated < 4096,
        "{err}: {allocated} bytes allocated for {} bytes of input",
        bytes.len()
    );
    err
}

#[test]
fn a_list_claiming_4_billion_elements_is_truncated_without_allocating() {
    let bytes = [131, 108, 255, 255, 255, 255, 97, 1, 97, 2];
    let err = refused_cheaply(&bytes);
    assert_eq!(
        err,
        DecodeError::Truncated {
            offset: 1,
            needed: 1 + 4 + u64::from(u32::MAX) + 1,
            left: 9
        }
    );
    assert!(err.to_string().contains("at byte 1"), "{err}");
}

#[test]
fn a_binary_claiming_4_gib_is_truncated_without_allocating() {
    let err = refused_cheaply(&[131, 109, 255, 255, 255, 255, 1, 2, 3]);
    assert!(
        matches!(err, DecodeError::Truncated { offset: 1, .. }),
        "{err}"
    );
}

#[test]
fn every_length_claim_is_checked_before_allocating() {
    let claims: [&[u8]; 11] = [
        &[131, 105, 255, 255, 255, 255, 106],          // LARGE_TUPLE_EXT
        &[131, 116, 255, 255, 255, 255, 106, 106],     // MAP_EXT
        &[131, 107, 255, 255, 1, 2],                   // STRING_EXT
        &[131, 111, 255, 255, 255, 255, 0, 1],         // LARGE_BIG_EXT
        &[131, 77, 255, 255, 255, 255, 3, 1],          // BIT_BINARY_EXT
        &[131, 118, 255, 255, b'a'],                   // ATOM_UTF8_EXT
        &[131, 100, 0, 200, b'a'],                     // ATOM_EXT
        &[131, 112, 255, 255, 255, 255, 0],            // NEW_FUN_EXT
        &[131, 90, 0, 5, 119, 1, b'a', 0, 0, 0, 0, 0], // NEWER_REFERENCE_EXT
        &[131, 104, 255, 106],                         // SMALL_TUPLE_EXT
        &[131, 110, 255, 0, 1],                        // SMALL_BIG_EXT
    ];
    for bytes in claims {
        let err = refused_cheaply(bytes);
        assert!(
            matches!(err, DecodeError::Truncated { offset: 1, .. }),
            "{bytes:?}: {err}"
        );
    }
}

/// Containers nested 1,000 deep, each claiming 10,000 elements the input could hold: the
/// decoder must not reserve 1,000 × 10,000 slots.
#[test]
fn nested_length_claims_do_not_multiply_memory() {
    let mut bytes = vec![131];
    for _ in 0..1000 {
        bytes.extend_from_slice(&[105, 0, 0, 0x27, 0x10]);
    }
    bytes.extend(std::iter::repeat_n(106, 10_000));
    let (result, allocated) = allocated_by(|| Term::decode(&bytes));
    assert!(
        matches!(result, Err(DecodeError::Truncated { .. })),
        "{result:?}"
    );
    // 32 bytes a decoded element (in a vector that doubles) and a few slots ahead per open
    // container; reserving what each claims would be 1,000 × 10,000 × 32 bytes.
    assert!(
        allocated < 128 * bytes.len(),
        "{allocated} bytes allocated for {} bytes of input",
        bytes.len()
    );
}

fn nested_lists(depth: usize) -> Vec<u8> {
    // [[[...[]...]]]: LIST_EXT of one element, then the NIL tails.
    let mut bytes = vec![131];
    for _ in 0..depth {
        bytes.extend_from_slice(&[108, 0, 0, 0, 1]);
    }
    bytes.extend(std::iter::repeat_n(106, depth + 1));
    bytes
}

#[test]
fn depth_is_limited() {
    assert_eq!(MAX_DEPTH, 2000);
    assert!(Term::decode(&nested_lists(MAX_DEPTH)).is_ok());
    assert_eq!(
        Term::decode(&nested_lists(MAX_DEPTH + 1)),
        Err(DecodeError::TooDeep {
            offset: 1 + 5 * MAX_DEPTH
        })
    );
    // A million levels: refused at the limit, with no stack to overflow.
    let deep = nested_lists(1_000_000);
    let started = Instant::now();
    let err = Term::decode(&deep).unwrap_err();
    assert!(matches!(err, DecodeError::TooDeep { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(err.to_string().contains("2000"), "{err}");
}

/// A term as deep as the decoder allows, in every kind of container.
fn deepest_term() -> Term {
    let mut t = Term::Int(1);
    for level in 0..MAX_DEPTH {
        t = match level % 4 {
            0 => Term::Tuple(vec![atom("a"), t]),
            1 => Term::List(vec![t, Term::Float(1.5)]),
            2 => Term::Map(vec![(t, Term::Int(2))]),
            _ => Term::ImproperList(vec![t], Box::new(atom("tail"))),
        };
    }
    t
}

/// tokio's worker threads have 2 MiB stacks: everything done with a decoded term must fit
/// there at the deepest the decoder accepts (in this unoptimised test build, the worst case).
/// Measured at depth 2,000 in a debug build: dropping needs under 448 KiB (it recurses);
/// decoding, encoding, cloning, comparing and printing under 16 KiB (they do not).
#[test]
fn the_deepest_term_fits_a_2_mib_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let t = deepest_term();
            let bytes = t.encode();
            let back = Term::decode(&bytes).expect("depth MAX_DEPTH decodes");
            assert!(back == t);
            let copy = back.clone();
            assert!(copy.to_string().starts_with("[#{[{a,[#{[{a,"));
            let debug = format!("{copy:?}");
            assert!(debug.starts_with("ImproperList([Map([(List([Tuple([Atom(a), ImproperList(["));
            assert_eq!(copy.encode(), bytes);
            drop(copy);
            drop(back);
        })
        .unwrap();
    worker.join().expect("no stack overflow");
}

/// `[131, 80, size:32]` and `zlib`.
fn compressed(declared: u32, zlib: &[u8]) -> Vec<u8> {
    let mut bytes = vec![131, 80];
    bytes.extend_from_slice(&declared.to_be_bytes());
    bytes.extend_from_slice(zlib);
    bytes
}

#[test]
fn compressed_sizes_are_limited_and_checked() {
    let inner = body(&Term::List(vec![atom("hello"); 100]));
    let zlib = miniz_oxide::deflate::compress_to_vec_zlib(&inner, 6);
    let size = inner.len() as u32;
    assert_eq!(
        Term::decode(&compressed(size, &zlib)),
        Ok(Term::List(vec![atom("hello"); 100]))
    );

    // Claims 2 GiB: refused before inflating.
    let (result, allocated) = allocated_by(|| Term::decode(&compressed(1 << 31, &zlib)));
    assert_eq!(
        result,
        Err(DecodeError::Compressed(CompressedError::TooLarge {
            declared: 1 << 31
        }))
    );
    assert!(allocated < 4096);
    assert_eq!(MAX_UNCOMPRESSED_SIZE, 64 << 20);
    let at_limit = MAX_UNCOMPRESSED_SIZE as u32;
    assert!(matches!(
        Term::decode(&compressed(at_limit + 1, &zlib)),
        Err(DecodeError::Compressed(CompressedError::TooLarge { .. }))
    ));

    // Claims 64 MiB, holds less: memory follows the real data, not the claim.
    let (result, allocated) = allocated_by(|| Term::decode(&compressed(at_limit, &zlib)));
    assert_eq!(
        result,
        Err(DecodeError::Compressed(
            CompressedError::ShorterThanDeclared {
                declared: at_limit,
                actual: inner.len()
            }
        ))
    );
    assert!(allocated < 256 << 10, "{allocated}");

    // Inflates to more than it claims (a 1 MiB zlib bomb claiming 100 bytes).
    let bomb = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0; 1 << 20], 9);
    let (result, allocated) = allocated_by(|| Term::decode(&compressed(100, &bomb)));
    assert_eq!(
        result,
        Err(DecodeError::Compressed(
            CompressedError::LongerThanDeclared { declared: 100 }
        ))
    );
    assert!(allocated < 64 << 10, "{allocated}");

    // Damaged: a wrong checksum, data cut short, not zlib at all.
    let mut damaged = zlib.clone();
    *damaged.last_mut().unwrap() ^= 1;
    let err = Term::decode(&compressed(size, &damaged)).unwrap_err();
    assert!(err.to_string().contains("checksum"), "{err}");
    let err = Term::decode(&compressed(size, &zlib[..zlib.len() / 2])).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::Compressed(CompressedError::Corrupt { .. })
        ),
        "{err}"
    );
    let err = Term::decode(&compressed(size, &[1, 2, 3, 4])).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::Compressed(CompressedError::Corrupt { .. })
        ),
        "{err}"
    );
    assert!(matches!(
        Term::decode(&[131, 80, 0, 0]),
        Err(DecodeError::Truncated { offset: 1, .. })
    ));

    // Two terms inside one COMPRESSED.
    let mut two = inner.clone();
    two.push(106);
    let zlib = miniz_oxide::deflate::compress_to_vec_zlib(&two, 6);
    let err = Term::decode(&compressed(two.len() as u32, &zlib)).unwrap_err();
    assert!(matches!(err, DecodeError::Invalid { .. }), "{err}");
    // Only at the top.
    let err = Term::decode(&[131, 104, 1, 80, 0, 0, 0, 1, 0]).unwrap_err();
    assert!(
        matches!(err, DecodeError::Invalid { offset: 3, .. }),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// Specific decodings: the BEAM's own choices (checked against erl in `erl_reads_the_same`).

#[test]
fn decoding_normalises_as_the_beam_does() {
    let d = |bytes: &[u8]| Term::decode(bytes);
    // LIST_EXT of no elements is its tail; a list tail is joined.
    assert_eq!(d(&[131, 108, 0, 0, 0, 0, 97, 1]), Ok(Term::Int(1)));
    assert_eq!(
        d(&[131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 97, 3]),
        Ok(Term::ImproperList(
            vec![Term::Int(1), Term::Int(2)],
            Box::new(Term::Int(3))
        ))
    );
    // Bit counts: 8 is a whole binary; unused bits are dropped.
    assert_eq!(d(&[131, 77, 0, 0, 0, 1, 8, 255]), Ok(bin(&[255])));
    assert_eq!(
        d(&[131, 77, 0, 0, 0, 1, 3, 255]),
        Ok(Term::BitBinary {
            bytes: vec![0b1110_0000],
            bits: 3
        })
    );
    assert!(matches!(
        d(&[131, 77, 0, 0, 0, 1, 0, 255]),
        Err(DecodeError::Invalid { offset: 1, .. })
    ));
    // Big integers: trailing zeros, any non-zero sign byte is negative, i64 range is Int.
    assert_eq!(d(&[131, 110, 2, 0, 1, 0]), Ok(Term::Int(1)));
    assert_eq!(d(&[131, 110, 1, 2, 1]), Ok(Term::Int(-1)));
    assert_eq!(
        d(&[131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128]),
        Ok(Term::Int(i64::MIN))
    );
    assert_eq!(
        d(&[131, 110, 8, 0, 0, 0, 0, 0, 0, 0, 0, 128]),
        Ok(power_of_two(63, false))
    );
    // Floats: the old text form; no NaN.
    let mut text = vec![131, 99];
    text.extend_from_slice(b"1.50000000000000000000e+00");
    text.resize(2 + 31, 0);
    assert_eq!(d(&text), Ok(Term::Float(1.5)));
    assert!(matches!(
        d(&[131, 70, 127, 248, 0, 0, 0, 0, 0, 0]),
        Err(DecodeError::Invalid { .. })
    ));
    // Atoms: Latin-1 ones become UTF-8; invalid UTF-8 and 256 characters are refused.
    assert_eq!(d(&[131, 115, 2, b'h', 233]), Ok(atom("hé")));
    assert_eq!(
        d(&[131, 119, 2, 0xc3, 0x28]),
        Err(DecodeError::InvalidAtom { offset: 1 })
    );
    let mut long = vec![131, 100, 1, 0];
    long.extend([b'a'; 256]);
    assert_eq!(d(&long), Err(DecodeError::InvalidAtom { offset: 1 }));
    // References have 1 to 5 words.
    let node = [119, 1, b'a'];
    for len in [0u8, 6] {
        let mut bytes = vec![131, 90, 0, len];
        bytes.extend_from_slice(&node);
        bytes.extend(vec![0; 4 + 4 * len as usize]);
        assert!(
            matches!(d(&bytes), Err(DecodeError::Invalid { .. })),
            "{len}"
        );
    }
}

#[test]
fn errors_say_what_and_where() {
    let cases: [(&[u8], DecodeError, &str); 8] = [
        (
            &[],
            DecodeError::Truncated {
                offset: 0,
                needed: 2,
                left: 0,
            },
            "byte 0",
        ),
        (&[130, 106], DecodeError::BadVersion(130), "131"),
        (
            &[131, 104, 1, 200],
            DecodeError::UnknownTag {
                tag: 200,
                offset: 3,
            },
            "tag 200 at byte 3",
        ),
        (
            &[131, 82, 0],
            DecodeError::Unsupported { tag: 82, offset: 1 },
            "ATOM_CACHE_REF (82) at byte 1",
        ),
        (
            &[131, 121, 0],
            DecodeError::Unsupported {
                tag: 121,
                offset: 1,
            },
            "LOCAL_EXT",
        ),
        (
            &[131, 106, 1, 2],
            DecodeError::TrailingBytes(2),
            "2 bytes after",
        ),
        (
            &[131, 104, 2, 97],
            DecodeError::Truncated {
                offset: 1,
                needed: 4,
                left: 3,
            },
            "byte 1",
        ),
        (
            &[131, 88, 97, 1],
            DecodeError::Invalid {
                what: "not an atom where an atom must be",
                offset: 2,
            },
            "at byte 2",
        ),
    ];
    for (bytes, expected, text) in cases {
        let err = Term::decode(bytes).unwrap_err();
        assert_eq!(err, expected, "{bytes:?}");
        assert!(err.to_string().contains(text), "{err} should say {text}");
        let _: &dyn std::error::Error = &err;
    }
}

#[test]
fn display_is_erlangs_p() {
    let node = Atom::new("a@host");
    let cases = [
        (tuple(vec![atom("ok"), Term::Int(42)]), "{ok,42}"),
        (
            list(vec![Term::Int(1), Term::Int(2), Term::Int(3)]),
            "[1,2,3]",
        ),
        (
            list(vec![Term::Int(97), Term::Int(98), Term::Int(99)]),
            "\"abc\"",
        ),
        (list(vec![]), "[]"),
        (bin(&[1, 2, 3]), "<<1,2,3>>"),
        (bin(b"text"), "<<\"text\">>"),
        (bin("héllo".as_bytes()), "<<\"héllo\"/utf8>>"),
        (Term::Map(vec![(atom("a"), Term::Int(1))]), "#{a => 1}"),
        (Term::Float(1.5), "1.5"),
        (
            power_of_two(200, true),
            "-1606938044258990275541962092341162602522202993782792835301376",
        ),
        (
            Term::Pid(ExternalPid {
                node: node.clone(),
                id: 42,
                serial: 0,
                creation: 1,
            }),
            "<a@host.42.0>",
        ),
        (
            Term::Ref(ExternalRef {
                node: node.clone(),
                creation: 1,
                ids: vec![1, 2, 3],
            }),
            "#Ref<a@host.3.2.1>",
        ),
        (
            Term::Port(ExternalPort {
                node,
                id: 7,
                creation: 1,
            }),
            "#Port<a@host.7>",
        ),
        (
            Term::Export {
                module: Atom::new("m"),
                function: Atom::new("f"),
                arity: 2,
            },
            "fun m:f/2",
        ),
        (
            Term::BitBinary {
                bytes: vec![1, 0b1010_0000],
                bits: 3,
            },
            "<<1,5:3>>",
        ),
    ];
    for (t, text) in cases {
        assert_eq!(t.to_string(), text);
    }
}

// ---------------------------------------------------------------------------------------
// Against a real erl.

/// The terms, in Erlang. `Pid`, `Ref`, `Port` and `Closure` are bound before; the last
/// element is sent `[compressed]`.
const ERL_TERMS: &str = r#"[
 0, 255, 256, -1, 2147483647, 2147483648, -2147483648, -2147483649,
 9223372036854775807, 9223372036854775808, -9223372036854775808, -9223372036854775809,
 1 bsl 200, -(1 bsl 2100),
 1.5, -0.0, 3.141592653589793, 1.0e300, 5.0e-324,
 {1.0e10, 100000.0, 0.1, 1.0e-5, 123456.0, 100.0, 1000.0, 0.0001, -2.5},
 ok, list_to_atom([104,233,108,108,111]), list_to_atom(lists:duplicate(255, $a)),
 list_to_atom(lists:duplicate(255, 233)), 'Quoted atom', '',
 <<>>, list_to_binary(Bytes(100000)), <<"text">>,
 unicode:characters_to_binary([104,233,108,108,111]), <<1:3>>, <<1,2,3:4>>,
 "abc", [], Bytes(65535), Bytes(70000), [104,233,108,108,111], [1000, 2000], "a\"b\\c\n",
 [1,2|3], [a|b],
 {}, {ok, {nested, {deep, [1, {2}]}}}, list_to_tuple(lists:seq(1, 300)),
 #{}, #{1 => [2], a => 1, b => <<"x">>}, maps:from_list([{K, K * 2} || K <- lists:seq(1, 40)]),
 Pid, Ref, Port, fun lists:map/2, Closure, {Pid, [Ref], #{port => Port}},
 lists:duplicate(1000, hello)
]"#;

/// Prints what Rust needs, then answers `check I HEX` (does HEX read back as term I?) and
/// `reencode HEX` (what does binary_to_term make of HEX?) until `end`.
const ERL_PROGRAM: &str = r#"
Bytes = fun(N) -> [X rem 256 || X <- lists:seq(1, N)] end,
Pid = self(), Ref = make_ref(), Port = hd(erlang:ports()), Closure = fun(X) -> X end,
All = TERMS,
Hex = fun(B) -> binary_to_list(binary:encode_hex(B)) end,
Show = fun(T) -> Hex(unicode:characters_to_binary(io_lib_pretty:print(T,
    [{column, 1}, {line_length, 100000000}, {depth, -1}, {encoding, unicode}]))) end,
io:format("node ~s~n", [node()]),
io:format("creation ~w~n", [erlang:system_info(creation)]),
io:format("pid ~s~n", [pid_to_list(Pid)]),
io:format("ref ~s~n", [ref_to_list(Ref)]),
io:format("port ~s~n", [port_to_list(Port)]),
N = length(All),
lists:foreach(fun({I, T}) ->
    Opts = case I of N -> [compressed, {minor_version, 2}]; _ -> [{minor_version, 2}] end,
    io:format("term ~s ~s~n", [Hex(term_to_binary(T, Opts)), Show(T)])
  end, lists:zip(lists:seq(1, N), All)),
io:format("ready~n"),
Read = fun(H) -> binary_to_term(binary:decode_hex(list_to_binary(H))) end,
Loop = fun Loop() ->
    case string:split(string:trim(case io:get_line("") of eof -> ""; L -> L end), " ", all) of
        ["check", I, H] ->
            Same = try Read(H) =:= lists:nth(list_to_integer(I), All) catch _:_ -> false end,
            io:format("~s~n", [case Same of true -> "same"; false -> "differs" end]),
            Loop();
        ["reencode", H] ->
            io:format("~s~n", [try "ok " ++ Hex(term_to_binary(Read(H), [{minor_version, 2}]))
                               catch _:_ -> "error" end]),
            Loop();
        _ -> halt(0)
    end
end,
Loop().
"#;

/// An `erl` that is killed (and reaped) when dropped, with its output read line by line
/// under a deadline.
struct Erl {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl Erl {
    /// `None` if there is no `erl` to run.
    fn start(program: &str) -> Option<Erl> {
        // No -sname: the node is not distributed, so no epmd is started.
        let spawned = Command::new("erl")
            .args(["-noshell", "-eval", program])
            // Never leave an erl_crash.dump behind.
            .env("ERL_CRASH_DUMP_BYTES", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => panic!("starting erl: {e}"),
        };
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Some(Erl {
            child,
            stdin,
            lines,
        })
    }

    fn line(&self, deadline: Instant) -> String {
        let left = deadline.saturating_duration_since(Instant::now());
        self.lines
            .recv_timeout(left)
            .expect("erl answers before the deadline")
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("erl reads its input");
    }
}

impl Drop for Erl {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What Erlang printed before `ready`.
struct ErlTerms {
    node: Atom,
    creation: u32,
    pid: (u32, u32),
    /// As ref_to_list prints them: most significant first.
    ref_words: Vec<u32>,
    port: u64,
    /// term_to_binary of each, and how ~p prints it.
    terms: Vec<(Vec<u8>, String)>,
}

fn read_erl_terms(erl: &Erl, deadline: Instant) -> ErlTerms {
    let mut info = std::collections::HashMap::new();
    let mut terms = Vec::new();
    loop {
        let line = erl.line(deadline);
        if line == "ready" {
            break;
        }
        let (key, value) = line.split_once(' ').unwrap_or((&line, ""));
        if key == "term" {
            let (bytes, shown) = value.split_once(' ').unwrap();
            let shown = String::from_utf8(unhex(shown)).unwrap();
            terms.push((unhex(bytes), shown));
        } else {
            info.insert(key.to_string(), value.to_string());
        }
    }
    // "<0.9.0>", "#Ref<0.1.2.3>", "#Port<0.0>": the numbers after the node's.
    let numbers = |key: &str| -> Vec<u64> {
        let text = &info[key];
        let inner = text[text.find('<').unwrap() + 1..text.len() - 1].to_string();
        inner
            .split('.')
            .skip(1)
            .map(|n| n.parse().unwrap())
            .collect()
    };
    let pid = numbers("pid");
    ErlTerms {
        node: Atom::new(&info["node"]),
        creation: info["creation"].parse().unwrap(),
        pid: (pid[0] as u32, pid[1] as u32),
        ref_words: numbers("ref").into_iter().map(|n| n as u32).collect(),
        port: numbers("port")[0],
        terms,
    }
}

/// How a term from erl is checked.
#[derive(Clone, Copy, PartialEq)]
enum Check {
    /// Decodes to the expected term; encoding it gives erl's bytes; Display is erl's ~p.
    Exact,
    /// As `Exact`, but Display differs by design (a node name instead of a node number).
    NotDisplay,
    /// A map whose order is the BEAM's hash order: compared as a set of pairs.
    Unordered,
    /// Only the decoding is known (a closure: we keep its bytes).
    FunBytes,
    /// Sent COMPRESSED: decodes to the expected term.
    Compressed,
}

fn expected_terms(erl: &ErlTerms) -> Vec<(Term, Check)> {
    use Check::*;
    let pid = Term::Pid(ExternalPid {
        node: erl.node.clone(),
        id: erl.pid.0,
        serial: erl.pid.1,
        creation: erl.creation,
    });
    let reference = Term::Ref(ExternalRef {
        node: erl.node.clone(),
        creation: erl.creation,
        ids: erl.ref_words.iter().rev().copied().collect(),
    });
    let port = Term::Port(ExternalPort {
        node: erl.node.clone(),
        id: erl.port,
        creation: erl.creation,
    });
    let f = Term::Float;
    let bytes: Vec<u8> = (1..=100_000).map(|x| (x % 256) as u8).collect();
    vec![
        (Term::Int(0), Exact),
        (Term::Int(255), Exact),
        (Term::Int(256), Exact),
        (Term::Int(-1), Exact),
        (Term::Int(i32::MAX.into()), Exact),
        (Term::Int(1 << 31), Exact),
        (Term::Int(i32::MIN.into()), Exact),
        (Term::Int(-(1 << 31) - 1), Exact),
        (Term::Int(i64::MAX), Exact),
        (power_of_two(63, false), Exact),
        (Term::Int(i64::MIN), Exact),
        (int(-(1 << 63) - 1), Exact),
        (power_of_two(200, false), Exact),
        (power_of_two(2100, true), Exact),
        (f(1.5), Exact),
        (f(-0.0), Exact),
        (f(std::f64::consts::PI), Exact),
        (f(1.0e300), Exact),
        (f(5.0e-324), Exact),
        (
            tuple(
                [
                    1.0e10, 100000.0, 0.1, 1.0e-5, 123456.0, 100.0, 1000.0, 0.0001, -2.5,
                ]
                .map(f)
                .to_vec(),
            ),
            Exact,
        ),
        (atom("ok"), Exact),
        (atom("héllo"), Exact),
        (atom(&"a".repeat(255)), Exact),
        (atom(&"é".repeat(255)), Exact),
        (atom("Quoted atom"), Exact),
        (atom(""), Exact),
        (bin(b""), Exact),
        (bin(&bytes), Exact),
        (bin(b"text"), Exact),
        (bin("héllo".as_bytes()), Exact),
        (
            Term::BitBinary {
                bytes: vec![0b0010_0000],
                bits: 3,
            },
            Exact,
        ),
        (
            Term::BitBinary {
                bytes: vec![1, 2, 0x30],
                bits: 4,
            },
            Exact,
        ),
        (
            list("abc".bytes().map(|b| Term::Int(b.into())).collect()),
            Exact,
        ),
        (list(vec![]), Exact),
        (list(bytes_list(65535)), Exact),
        (list(bytes_list(70000)), Exact),
        (
            list([104, 233, 108, 108, 111].map(Term::Int).to_vec()),
            Exact,
        ),
        (list(vec![Term::Int(1000), Term::Int(2000)]), Exact),
        (
            list("a\"b\\c\n".bytes().map(|b| Term::Int(b.into())).collect()),
            Exact,
        ),
        (
            Term::ImproperList(vec![Term::Int(1), Term::Int(2)], Box::new(Term::Int(3))),
            Exact,
        ),
        (
            Term::ImproperList(vec![atom("a")], Box::new(atom("b"))),
            Exact,
        ),
        (tuple(vec![]), Exact),
        (
            tuple(vec![
                atom("ok"),
                tuple(vec![
                    atom("nested"),
                    tuple(vec![
                        atom("deep"),
                        list(vec![Term::Int(1), tuple(vec![Term::Int(2)])]),
                    ]),
                ]),
            ]),
            Exact,
        ),
        (tuple((1..=300).map(Term::Int).collect()), Exact),
        (Term::Map(vec![]), Exact),
        (
            // Erlang's term order: numbers before atoms.
            Term::Map(vec![
                (Term::Int(1), list(vec![Term::Int(2)])),
                (atom("a"), Term::Int(1)),
                (atom("b"), bin(b"x")),
            ]),
            Exact,
        ),
        (
            Term::Map((1..=40).map(|k| (Term::Int(k), Term::Int(k * 2))).collect()),
            Unordered,
        ),
        (pid.clone(), NotDisplay),
        (reference.clone(), NotDisplay),
        (port.clone(), NotDisplay),
        (
            Term::Export {
                module: Atom::new("lists"),
                function: Atom::new("map"),
                arity: 2,
            },
            Exact,
        ),
        (Term::Fun(Vec::new()), FunBytes),
        (
            tuple(vec![
                pid,
                list(vec![reference]),
                Term::Map(vec![(atom("port"), port)]),
            ]),
            NotDisplay,
        ),
        (list(vec![atom("hello"); 1000]), Compressed),
    ]
}

/// Hand-made encodings (the cases of erts `binary_SUITE`'s `bad_binary_to_term` and
/// `terms`, and the old tags a BEAM may still send): erl and we must agree on each.
fn edge_encodings() -> Vec<Vec<u8>> {
    let node = [100u8, 0, 3, b'a', b'@', b'b']; // ATOM_EXT 'a@b'
    let with_node = |tag: &[u8], rest: &[u8]| [&[131][..], tag, &node, rest].concat();
    let mut float_text = vec![131, 99];
    float_text.extend_from_slice(b"1.50000000000000000000e+00");
    float_text.resize(33, 0);
    let mut float_blank = vec![131, 99];
    float_blank.extend_from_slice(b"  1.5");
    float_blank.resize(33, 0);
    let mut long_atom = vec![131, 100, 1, 0];
    long_atom.extend([b'a'; 256]);
    vec![
        vec![131, 108, 0, 0, 0, 0, 97, 1],
        vec![131, 108, 0, 0, 0, 0, 106],
        vec![131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 106],
        vec![131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 97, 3],
        vec![131, 107, 0, 0],
        vec![131, 77, 0, 0, 0, 1, 3, 255],
        vec![131, 77, 0, 0, 0, 1, 8, 255],
        vec![131, 77, 0, 0, 0, 0, 0],
        vec![131, 77, 0, 0, 0, 1, 0, 255],
        vec![131, 77, 0, 0, 0, 1, 9, 255],
        vec![131, 77, 0, 0, 0, 0, 3],
        vec![131, 110, 0, 0],
        vec![131, 110, 2, 0, 1, 0],
        vec![131, 110, 1, 2, 1],
        vec![131, 110, 8, 0, 0, 0, 0, 0, 0, 0, 0, 128],
        vec![131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128],
        vec![131, 111, 0, 0, 0, 1, 0, 5],
        float_text,
        float_blank,
        vec![131, 70, 127, 248, 0, 0, 0, 0, 0, 0],
        vec![131, 70, 127, 240, 0, 0, 0, 0, 0, 0],
        vec![131, 100, 0, 2, b'o', b'k'],
        vec![131, 115, 2, b'o', b'k'],
        vec![131, 100, 0, 5, 104, 233, 108, 108, 111],
        vec![131, 118, 0, 2, b'o', b'k'],
        vec![131, 119, 2, 0xc3, 0x28],
        vec![131, 119, 1, 255],
        vec![131, 119, 0],
        long_atom,
        with_node(&[103], &[0, 0, 0, 5, 0, 0, 0, 0, 1]),
        with_node(&[88], &[0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1]),
        with_node(&[102], &[0, 0, 0, 5, 1]),
        with_node(&[89], &[0, 0, 0, 5, 0, 0, 0, 1]),
        with_node(&[120], &[0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1]),
        with_node(&[120], &[0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 1]),
        with_node(&[101], &[0, 0, 0, 5, 1]),
        [
            &[131, 114, 0, 3][..],
            &node,
            &[1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3],
        ]
        .concat(),
        [
            &[131, 90, 0, 5][..],
            &node,
            &[0, 0, 0, 1],
            &[0, 0, 0, 7].repeat(5),
        ]
        .concat(),
        [
            &[131, 90, 0, 6][..],
            &node,
            &[0, 0, 0, 1],
            &[0, 0, 0, 7].repeat(6),
        ]
        .concat(),
        vec![131, 88, 97, 1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1],
        vec![131, 113, 100, 0, 1, b'a', 100, 0, 1, b'b', 98, 0, 0, 0, 2],
        vec![131, 113, 100, 0, 1, b'a', 100, 0, 1, b'b', 97, 255],
        vec![131, 104, 0],
        vec![131, 104, 1],
        vec![131, 200],
        vec![131, 82, 0],
        vec![131, 106, 0],
        vec![131, 109, 0, 0, 0, 0],
        vec![131, 116, 0, 0, 0, 1, 97, 1],
    ]
}

/// erl: `term_to_binary` of the tricky terms decodes to what we expect, our encodings are
/// byte-identical, `binary_to_term` reads ours back as the same terms, and both sides read
/// the hand-made edge cases alike.
#[test]
fn erl_reads_the_same() {
    let program = ERL_PROGRAM.replace("TERMS", ERL_TERMS);
    let Some(mut erl) = Erl::start(&program) else {
        eprintln!("skipped: erl not found on PATH (install Erlang/OTP to check against it)");
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let from_erl = read_erl_terms(&erl, deadline);
    let expected = expected_terms(&from_erl);
    assert_eq!(from_erl.terms.len(), expected.len(), "one line per term");

    for (i, ((bytes, shown), (want, check))) in from_erl.terms.iter().zip(&expected).enumerate() {
        let context = format!("term {} (erl ~p: {:.200})", i + 1, shown);
        let got = Term::decode(bytes).unwrap_or_else(|e| panic!("{context}: {e}"));
        match check {
            Check::Exact | Check::NotDisplay => {
                assert_eq!(&got, want, "{context}");
                assert!(want.encode() == *bytes, "{context}: our encoding differs");
                if *check == Check::Exact {
                    assert_eq!(&got.to_string(), shown, "{context}");
                }
            }
            Check::Unordered => {
                let (Term::Map(got_pairs), Term::Map(want_pairs)) = (&got, want) else {
                    panic!("{context}: not a map: {got}");
                };
                assert_eq!(got_pairs.len(), want_pairs.len(), "{context}");
                assert!(
                    want_pairs.iter().all(|p| got_pairs.contains(p)),
                    "{context}"
                );
            }
            Check::FunBytes => {
                assert_eq!(got, Term::Fun(bytes[2..].to_vec()), "{context}");
                assert_eq!(&got.to_string(), shown, "{context}");
            }
            Check::Compressed => {
                assert_eq!(bytes[1], 80, "{context}: sent COMPRESSED");
                assert_eq!(&got, want, "{context}");
            }
        }
        // What we decoded re-encodes to erl's bytes (the order of a big map included).
        if *check != Check::Compressed {
            assert!(got.encode() == *bytes, "{context}: re-encoding differs");
        }
        let ours = match check {
            Check::Unordered | Check::FunBytes => got.encode(),
            _ => want.encode(),
        };
        erl.send(&format!("check {} {}", i + 1, hex(&ours)));
        assert_eq!(
            erl.line(deadline),
            "same",
            "{context}: erl reads ours as another term"
        );
    }

    for bytes in edge_encodings() {
        erl.send(&format!("reencode {}", hex(&bytes)));
        let theirs = erl.line(deadline);
        // binary_to_term/1 ignores bytes after the term, as decode_prefix does.
        let ours = match Term::decode_prefix(&bytes) {
            Ok((t, _)) => format!("ok {}", hex(&t.encode())),
            Err(_) => "error".to_string(),
        };
        assert_eq!(
            ours,
            theirs,
            "{bytes:?}: ours {:?}",
            Term::decode_prefix(&bytes)
        );
    }
    erl.send("end");
}
