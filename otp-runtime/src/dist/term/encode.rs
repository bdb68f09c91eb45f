//! Encoding terms in the External Term Format, choosing the tags the BEAM's own
//! `term_to_binary` chooses (with `{minor_version, 2}`, which OTP 26 made the default, and
//! which distribution uses: UTF-8 atoms), so that what a Rust node sends is byte for byte what
//! an Erlang node would send.
//!
//! The encoder walks the term with a stack of its own, so a deep term needs no thread stack.

use super::tag::*;
use super::{Atom, BigInt, Term};

/// The empty list, as the tail of every proper list written with `LIST_EXT`.
static NIL: Term = Term::List(Vec::new());

impl Term {
    /// The term's encoding, with the version byte 131 first: what `term_to_binary/1`
    /// gives, except that atoms are always UTF-8 (as OTP 26 and the distribution write them).
    ///
    /// Integers take the smallest tag that holds them (`SMALL_INTEGER_EXT` for 0..=255,
    /// `INTEGER_EXT` for 32 bits, `SMALL_BIG_EXT` or `LARGE_BIG_EXT` beyond); a proper list of
    /// 1 to 65535 integers in 0..=255 is a `STRING_EXT`; a port whose number needs more than 32
    /// bits is a `V4_PORT_EXT`. A [`Term::Fun`] is written back as it came.
    ///
    /// A term that breaks [`Term`]'s own rules is written as the value it stands for: a
    /// [`Term::BigInt`] that fits an `i64` as that integer, a [`Term::BitBinary`] with `bits`
    /// outside 1..=7 or no bytes as a binary, an improper list without elements as its tail.
    /// The unused low bits of a bitstring's last byte are written as zeros.
    ///
    /// # Panics
    ///
    /// If a binary, tuple, list or map has more than `u32::MAX` elements, or a reference more
    /// than 65535 id words: the format cannot express them. (A BEAM reads references of 1 to 5
    /// words only.)
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::term::{Atom, Term};
    /// let t = Term::Tuple(vec![Term::Atom(Atom::new("ok")), Term::Int(42)]);
    /// // term_to_binary({ok, 42}, [{minor_version, 2}])
    /// assert_eq!(t.encode(), [131, 104, 2, 119, 2, b'o', b'k', 97, 42]);
    /// let s = Term::List(vec![Term::Int(97), Term::Int(98)]);
    /// assert_eq!(s.encode(), [131, 107, 0, 2, 97, 98]); // "ab", a STRING_EXT
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_to(&mut out);
        out
    }

    /// Appends the version byte 131 and the term's encoding (as [`Term::encode`]) to `out`:
    /// a distribution frame is a control term followed by a payload term.
    ///
    /// # Panics
    ///
    /// As [`Term::encode`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::term::Term;
    /// let mut frame = vec![112]; // pass-through
    /// Term::Tuple(vec![Term::Int(2)]).encode_to(&mut frame);
    /// Term::Int(7).encode_to(&mut frame);
    /// assert_eq!(frame, [112, 131, 104, 1, 97, 2, 131, 97, 7]);
    /// ```
    pub fn encode_to(&self, out: &mut Vec<u8>) {
        out.push(VERSION);
        let mut todo: Vec<&Term> = vec![self];
        while let Some(term) = todo.pop() {
            encode_one(term, out, &mut todo);
        }
    }
}

/// Writes `term`'s tag and fields, and pushes its elements onto `todo` (last first).
fn encode_one<'a>(term: &'a Term, out: &mut Vec<u8>, todo: &mut Vec<&'a Term>) {
    match term {
        Term::Atom(a) => atom(a, out),
        Term::Int(i) => int(*i, out),
        Term::BigInt(b) => big(b, out),
        Term::Float(f) => {
            out.push(NEW_FLOAT_EXT);
            out.extend_from_slice(&f.to_bits().to_be_bytes());
        }
        Term::Binary(bytes) => binary(bytes, out),
        Term::BitBinary { bytes, bits } => match bytes.split_last() {
            Some((&last, _)) if (1..=7).contains(bits) => {
                out.push(BIT_BINARY_EXT);
                len32(bytes.len(), out);
                out.push(*bits);
                out.extend_from_slice(&bytes[..bytes.len() - 1]);
                out.push(last & !(0xff >> bits));
            }
            _ => binary(bytes, out),
        },
        Term::Tuple(items) => {
            match u8::try_from(items.len()) {
                Ok(n) => out.extend_from_slice(&[SMALL_TUPLE_EXT, n]),
                Err(_) => {
                    out.push(LARGE_TUPLE_EXT);
                    len32(items.len(), out);
                }
            }
            todo.extend(items.iter().rev());
        }
        Term::List(items) if items.is_empty() => out.push(NIL_EXT),
        Term::List(items) => match string(items) {
            Some(len) => {
                out.push(STRING_EXT);
                out.extend_from_slice(&len.to_be_bytes());
                // string() saw every element in 0..=255.
                out.extend(items.iter().map(|t| match t {
                    Term::Int(i) => *i as u8,
                    _ => 0,
                }));
            }
            None => {
                out.push(LIST_EXT);
                len32(items.len(), out);
                todo.push(&NIL);
                todo.extend(items.iter().rev());
            }
        },
        Term::ImproperList(items, tail) => {
            if !items.is_empty() {
                out.push(LIST_EXT);
                len32(items.len(), out);
            }
            todo.push(tail);
            todo.extend(items.iter().rev());
        }
        Term::Map(pairs) => {
            out.push(MAP_EXT);
            len32(pairs.len(), out);
            for (k, v) in pairs.iter().rev() {
                todo.push(v);
                todo.push(k);
            }
        }
        Term::Pid(p) => {
            out.push(NEW_PID_EXT);
            atom(&p.node, out);
            out.extend_from_slice(&p.id.to_be_bytes());
            out.extend_from_slice(&p.serial.to_be_bytes());
            out.extend_from_slice(&p.creation.to_be_bytes());
        }
        Term::Ref(r) => {
            out.push(NEWER_REFERENCE_EXT);
            let len = u16::try_from(r.ids.len()).expect("a reference has at most 65535 words");
            out.extend_from_slice(&len.to_be_bytes());
            atom(&r.node, out);
            out.extend_from_slice(&r.creation.to_be_bytes());
            for id in &r.ids {
                out.extend_from_slice(&id.to_be_bytes());
            }
        }
        Term::Port(p) => {
            match u32::try_from(p.id) {
                Ok(id) => {
                    out.push(NEW_PORT_EXT);
                    atom(&p.node, out);
                    out.extend_from_slice(&id.to_be_bytes());
                }
                Err(_) => {
                    out.push(V4_PORT_EXT);
                    atom(&p.node, out);
                    out.extend_from_slice(&p.id.to_be_bytes());
                }
            }
            out.extend_from_slice(&p.creation.to_be_bytes());
        }
        Term::Export {
            module,
            function,
            arity,
        } => {
            out.push(EXPORT_EXT);
            atom(module, out);
            atom(function, out);
            out.extend_from_slice(&[SMALL_INTEGER_EXT, *arity]);
        }
        Term::Fun(bytes) => {
            out.push(NEW_FUN_EXT);
            out.extend_from_slice(bytes);
        }
    }
}

/// The length of a list `term_to_binary` writes as a `STRING_EXT`: 1 to 65535 integers, all
/// in 0..=255.
fn string(items: &[Term]) -> Option<u16> {
    let len = u16::try_from(items.len()).ok()?;
    items
        .iter()
        .all(|t| matches!(t, Term::Int(0..=255)))
        .then_some(len)
}

fn len32(len: usize, out: &mut Vec<u8>) {
    let len = u32::try_from(len).expect("the External Term Format counts in 32 bits");
    out.extend_from_slice(&len.to_be_bytes());
}

fn binary(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(BINARY_EXT);
    len32(bytes.len(), out);
    out.extend_from_slice(bytes);
}

/// `SMALL_ATOM_UTF8_EXT` up to 255 bytes, `ATOM_UTF8_EXT` beyond (255 characters of up to 4
/// bytes each).
fn atom(atom: &Atom, out: &mut Vec<u8>) {
    let text = atom.as_str().as_bytes();
    match u8::try_from(text.len()) {
        Ok(n) => out.extend_from_slice(&[SMALL_ATOM_UTF8_EXT, n]),
        Err(_) => {
            out.push(ATOM_UTF8_EXT);
            // An Atom has at most 255 characters: at most 1020 bytes.
            out.extend_from_slice(&(text.len() as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(text);
}

fn int(i: i64, out: &mut Vec<u8>) {
    if let Ok(small) = u8::try_from(i) {
        out.extend_from_slice(&[SMALL_INTEGER_EXT, small]);
    } else if let Ok(word) = i32::try_from(i) {
        out.push(INTEGER_EXT);
        out.extend_from_slice(&word.to_be_bytes());
    } else {
        let magnitude = i.unsigned_abs().to_le_bytes();
        big_parts(i < 0, &magnitude, out);
    }
}

fn big(b: &BigInt, out: &mut Vec<u8>) {
    let mut magnitude = b.magnitude.as_slice();
    while let [rest @ .., 0] = magnitude {
        magnitude = rest;
    }
    if magnitude.len() <= 8 {
        let mut le = [0; 8];
        le[..magnitude.len()].copy_from_slice(magnitude);
        let v = u64::from_le_bytes(le);
        let fits = if b.negative {
            v <= 1 << 63
        } else {
            v <= i64::MAX as u64
        };
        if fits {
            let v = v as i64;
            return int(if b.negative { v.wrapping_neg() } else { v }, out);
        }
    }
    big_parts(b.negative, magnitude, out);
}

/// `SMALL_BIG_EXT` (up to 255 bytes) or `LARGE_BIG_EXT`: length, sign, little-endian
/// magnitude without trailing zeros.
fn big_parts(negative: bool, mut magnitude: &[u8], out: &mut Vec<u8>) {
    while let [rest @ .., 0] = magnitude {
        magnitude = rest;
    }
    match u8::try_from(magnitude.len()) {
        Ok(n) => out.extend_from_slice(&[SMALL_BIG_EXT, n]),
        Err(_) => {
            out.push(LARGE_BIG_EXT);
            len32(magnitude.len(), out);
        }
    }
    out.push(u8::from(negative));
    out.extend_from_slice(magnitude);
}
