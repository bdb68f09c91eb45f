//! Printing terms as Erlang's `~p` does, on one line: `{ok,42}`, `[1,2|3]`, `"abc"`,
//! `<<"text">>`, `#{a => 1}`, `1.0e10`. Pids, references and ports name their node instead of
//! the BEAM's node number (`<a@host.42.0>`, `#Ref<a@host.3.2.1>`, `#Port<a@host.7>`).
//!
//! Nothing is truncated: callers that print into a log cut the text themselves. Printing uses
//! a stack of its own, not recursion, so a deep term needs no thread stack.

use std::fmt::{self, Write};

use super::decode::fun_name;
use super::{BigInt, Term};

/// What is left to print, last first.
enum Piece<'a> {
    Term(&'a Term),
    Text(&'static str),
}

impl fmt::Display for Term {
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::term::{Atom, Term};
    /// let ok = Term::Atom(Atom::new("ok"));
    /// let t = Term::Tuple(vec![
    ///     ok.clone(),
    ///     Term::List(vec![Term::Int(97), Term::Int(98)]),
    ///     Term::Binary(b"hi".to_vec()),
    ///     Term::Map(vec![(ok, Term::Float(1.5))]),
    ///     Term::ImproperList(vec![Term::Int(1)], Box::new(Term::Int(2))),
    /// ]);
    /// assert_eq!(t.to_string(), r#"{ok,"ab",<<"hi">>,#{ok => 1.5},[1|2]}"#);
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut todo = vec![Piece::Term(self)];
        while let Some(piece) = todo.pop() {
            match piece {
                Piece::Text(text) => f.write_str(text)?,
                Piece::Term(term) => one(term, f, &mut todo)?,
            }
        }
        Ok(())
    }
}

/// Prints `term` up to its first element, and pushes the rest.
fn one<'a>(term: &'a Term, f: &mut fmt::Formatter<'_>, todo: &mut Vec<Piece<'a>>) -> fmt::Result {
    match term {
        Term::Atom(a) => write!(f, "{a}"),
        Term::Int(i) => write!(f, "{i}"),
        Term::BigInt(b) => big(b, f),
        Term::Float(x) => float(*x, f),
        Term::Binary(bytes) => binary(bytes, f),
        Term::BitBinary { bytes, bits } => {
            f.write_str("<<")?;
            if let Some((last, full)) = bytes.split_last() {
                for b in full {
                    write!(f, "{b},")?;
                }
                let bits = (*bits).clamp(1, 8);
                write!(f, "{}:{bits}", u16::from(*last) >> (8 - bits))?;
            }
            f.write_str(">>")
        }
        Term::Tuple(items) => {
            todo.push(Piece::Text("}"));
            push_all(items, todo);
            f.write_str("{")
        }
        Term::List(items) => match string(items) {
            Some(text) => quoted(text.into_iter(), f),
            None => {
                todo.push(Piece::Text("]"));
                push_all(items, todo);
                f.write_str("[")
            }
        },
        Term::ImproperList(items, tail) => {
            todo.push(Piece::Text("]"));
            todo.push(Piece::Term(tail));
            todo.push(Piece::Text("|"));
            push_all(items, todo);
            f.write_str("[")
        }
        Term::Map(pairs) => {
            todo.push(Piece::Text("}"));
            for (i, (k, v)) in pairs.iter().enumerate().rev() {
                todo.push(Piece::Term(v));
                todo.push(Piece::Text(" => "));
                todo.push(Piece::Term(k));
                if i > 0 {
                    todo.push(Piece::Text(","));
                }
            }
            f.write_str("#{")
        }
        Term::Pid(p) => write!(f, "<{}.{}.{}>", p.node.as_str(), p.id, p.serial),
        Term::Ref(r) => {
            // Most significant word first, as the BEAM prints them.
            write!(f, "#Ref<{}", r.node.as_str())?;
            for id in r.ids.iter().rev() {
                write!(f, ".{id}")?;
            }
            f.write_str(">")
        }
        Term::Port(p) => write!(f, "#Port<{}.{}>", p.node.as_str(), p.id),
        Term::Export {
            module,
            function,
            arity,
        } => write!(f, "fun {module}:{function}/{arity}"),
        Term::Fun(bytes) => match fun_name(bytes) {
            Some((module, index, uniq)) => write!(f, "#Fun<{}.{index}.{uniq}>", module.as_str()),
            None => f.write_str("#Fun<?>"),
        },
    }
}

/// Pushes `items` separated by commas, last first.
fn push_all<'a>(items: &'a [Term], todo: &mut Vec<Piece<'a>>) {
    for (i, item) in items.iter().enumerate().rev() {
        todo.push(Piece::Term(item));
        if i > 0 {
            todo.push(Piece::Text(","));
        }
    }
}

/// The characters of a list Erlang prints as a string: not empty, and every element a
/// printable Latin-1 character (Erlang's default printable range).
fn string(items: &[Term]) -> Option<Vec<char>> {
    if items.is_empty() {
        return None;
    }
    items
        .iter()
        .map(|t| match t {
            Term::Int(i) => u8::try_from(*i)
                .ok()
                .map(char::from)
                .filter(|&c| printable(c)),
            _ => None,
        })
        .collect()
}

/// Printable as `io_lib:printable_unicode_list/1` sees it (which, below 256, is also
/// `printable_latin1_list/1`): no control characters but the ones with escapes.
fn printable(c: char) -> bool {
    matches!(
        c,
        ' '..='~' | '\n' | '\r' | '\t' | '\x0b' | '\x08' | '\x0c' | '\x1b'
    ) || (c >= '\u{a0}' && !matches!(c, '\u{fffe}' | '\u{ffff}'))
}

/// `"text"`, with Erlang's escapes.
fn quoted(chars: impl Iterator<Item = char>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_char('"')?;
    for c in chars {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\x0b' => f.write_str("\\v")?,
            '\x08' => f.write_str("\\b")?,
            '\x0c' => f.write_str("\\f")?,
            '\x1b' => f.write_str("\\e")?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// `<<"text">>` when the bytes are printable text (`<<"text"/utf8>>` for UTF-8 beyond ASCII),
/// `<<1,2,3>>` otherwise.
fn binary(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("<<")?;
    if !bytes.is_empty() {
        let text = std::str::from_utf8(bytes)
            .ok()
            .filter(|s| s.chars().all(printable));
        if let Some(text) = text {
            quoted(text.chars(), f)?;
            if !text.is_ascii() {
                f.write_str("/utf8")?;
            }
        } else if bytes.iter().all(|&b| printable(char::from(b))) {
            quoted(bytes.iter().map(|&b| char::from(b)), f)?;
        } else {
            for (i, b) in bytes.iter().enumerate() {
                if i > 0 {
                    f.write_char(',')?;
                }
                write!(f, "{b}")?;
            }
        }
    }
    f.write_str(">>")
}

/// A float as Erlang's `~p` prints it: the shortest digits that read back as the same
/// float, in plain or scientific notation, whichever is shorter (plain on a tie), always
/// with a fractional part: `1.5`, `100.0`, `1.0e3`, `0.0001`, `1.0e-5`.
fn float(x: f64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if !x.is_finite() {
        // Erlang has none; a decoded term never holds one.
        return write!(f, "{x}");
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-1.2345e-7".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let (first, rest) = digits.split_at(1);
    let scientific = format!("{first}.{}e{exp}", if rest.is_empty() { "0" } else { rest });
    let plain = if exp >= 0 {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            format!("{digits}{}.0", "0".repeat(int_len - digits.len()))
        } else {
            format!("{}.{}", &digits[..int_len], &digits[int_len..])
        }
    } else {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    };
    if x.is_sign_negative() {
        f.write_char('-')?;
    }
    if plain.len() <= scientific.len() {
        f.write_str(&plain)
    } else {
        f.write_str(&scientific)
    }
}

/// A big integer in decimal: the magnitude divided by 10^9 again and again.
fn big(b: &BigInt, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    // Little-endian 32-bit limbs.
    let mut limbs: Vec<u32> = b
        .magnitude
        .chunks(4)
        .map(|c| {
            let mut le = [0; 4];
            le[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(le)
        })
        .collect();
    let mut chunks = Vec::new();
    loop {
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
        if limbs.is_empty() {
            break;
        }
        let mut rem = 0u64;
        for limb in limbs.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        chunks.push(rem as u32);
    }
    let Some((top, lower)) = chunks.split_last() else {
        return f.write_str("0");
    };
    if b.negative {
        f.write_char('-')?;
    }
    write!(f, "{top}")?;
    for chunk in lower.iter().rev() {
        write!(f, "{chunk:09}")?;
    }
    Ok(())
}
