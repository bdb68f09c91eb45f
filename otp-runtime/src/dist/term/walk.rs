//! `Clone`, `PartialEq` and `Debug` for [`Term`], each walking the term with a stack of its
//! own instead of recursing.
//!
//! Derived, they recurse once per level of nesting, with frames large enough in an
//! unoptimised build that cloning a term [`MAX_DEPTH`](super::MAX_DEPTH) deep needs about
//! 3 MiB of stack: more than a tokio worker thread has (2 MiB). Walked this way they need a
//! few KiB at any depth, so whatever a peer may send can be cloned, compared and logged on
//! any thread. (Dropping still recurses, as it must for the variants to stay movable; it
//! needs under 0.5 MiB at the depth limit.) The output of `Debug` is what the derive would
//! print, on one line.

use std::fmt;

use super::Term;

/// How many terms a container holds: its elements, an improper list's tail, a map's keys
/// and values.
fn arity(t: &Term) -> usize {
    match t {
        Term::Tuple(items) | Term::List(items) => items.len(),
        Term::ImproperList(items, _) => items.len() + 1,
        Term::Map(pairs) => 2 * pairs.len(),
        _ => 0,
    }
}

/// The `i`th of those, `i < arity(t)`.
fn child(t: &Term, i: usize) -> &Term {
    match t {
        Term::Tuple(items) | Term::List(items) => &items[i],
        Term::ImproperList(items, tail) => items.get(i).unwrap_or(tail),
        Term::Map(pairs) if i % 2 == 0 => &pairs[i / 2].0,
        Term::Map(pairs) => &pairs[i / 2].1,
        _ => t,
    }
}

/// A copy of a term with no terms inside.
fn clone_leaf(t: &Term) -> Term {
    match t {
        Term::Atom(a) => Term::Atom(a.clone()),
        Term::Int(i) => Term::Int(*i),
        Term::BigInt(b) => Term::BigInt(b.clone()),
        Term::Float(f) => Term::Float(*f),
        Term::Binary(b) => Term::Binary(b.clone()),
        Term::BitBinary { bytes, bits } => Term::BitBinary {
            bytes: bytes.clone(),
            bits: *bits,
        },
        Term::Pid(p) => Term::Pid(p.clone()),
        Term::Ref(r) => Term::Ref(r.clone()),
        Term::Port(p) => Term::Port(p.clone()),
        Term::Export {
            module,
            function,
            arity,
        } => Term::Export {
            module: module.clone(),
            function: function.clone(),
            arity: *arity,
        },
        Term::Fun(bytes) => Term::Fun(bytes.clone()),
        // Containers without elements (an improper list always has its tail).
        Term::Tuple(_) => Term::Tuple(Vec::new()),
        Term::List(_) => Term::List(Vec::new()),
        Term::Map(_) => Term::Map(Vec::new()),
        Term::ImproperList(..) => Term::List(Vec::new()),
    }
}

/// The container `like` is, holding `children` (as many as `arity(like)`).
fn rebuild(like: &Term, mut children: Vec<Term>) -> Term {
    match like {
        Term::Tuple(_) => Term::Tuple(children),
        Term::ImproperList(..) => {
            let tail = children.pop().unwrap_or(Term::List(Vec::new()));
            Term::ImproperList(children, Box::new(tail))
        }
        Term::Map(_) => {
            let mut pairs = Vec::with_capacity(children.len() / 2);
            let mut children = children.into_iter();
            while let (Some(k), Some(v)) = (children.next(), children.next()) {
                pairs.push((k, v));
            }
            Term::Map(pairs)
        }
        _ => Term::List(children),
    }
}

impl Clone for Term {
    fn clone(&self) -> Term {
        // Containers being copied, each with the copies of its first children.
        let mut open: Vec<(&Term, Vec<Term>)> = Vec::new();
        let mut next = self;
        loop {
            let n = arity(next);
            if n > 0 {
                open.push((next, Vec::with_capacity(n)));
                next = child(next, 0);
                continue;
            }
            let mut value = clone_leaf(next);
            loop {
                let Some((like, mut children)) = open.pop() else {
                    return value;
                };
                children.push(value);
                let done = children.len();
                if done < arity(like) {
                    next = child(like, done);
                    open.push((like, children));
                    break;
                }
                value = rebuild(like, children);
            }
        }
    }
}

impl PartialEq for Term {
    /// Structural equality, as derived: floats compare as `f64`s (so `0.0 == -0.0`), maps
    /// pair by pair in order.
    fn eq(&self, other: &Term) -> bool {
        let mut todo = vec![(self, other)];
        while let Some(pair) = todo.pop() {
            let same = match pair {
                (Term::Tuple(a), Term::Tuple(b)) | (Term::List(a), Term::List(b)) => {
                    todo.extend(a.iter().zip(b));
                    a.len() == b.len()
                }
                (Term::ImproperList(a, at), Term::ImproperList(b, bt)) => {
                    todo.push((at, bt));
                    todo.extend(a.iter().zip(b));
                    a.len() == b.len()
                }
                (Term::Map(a), Term::Map(b)) => {
                    for ((ak, av), (bk, bv)) in a.iter().zip(b) {
                        todo.push((ak, bk));
                        todo.push((av, bv));
                    }
                    a.len() == b.len()
                }
                (Term::Atom(a), Term::Atom(b)) => a == b,
                (Term::Int(a), Term::Int(b)) => a == b,
                (Term::BigInt(a), Term::BigInt(b)) => a == b,
                (Term::Float(a), Term::Float(b)) => a == b,
                (Term::Binary(a), Term::Binary(b)) => a == b,
                (
                    Term::BitBinary { bytes, bits },
                    Term::BitBinary {
                        bytes: bytes2,
                        bits: bits2,
                    },
                ) => bytes == bytes2 && bits == bits2,
                (Term::Pid(a), Term::Pid(b)) => a == b,
                (Term::Ref(a), Term::Ref(b)) => a == b,
                (Term::Port(a), Term::Port(b)) => a == b,
                (
                    Term::Export {
                        module,
                        function,
                        arity,
                    },
                    Term::Export {
                        module: module2,
                        function: function2,
                        arity: arity2,
                    },
                ) => module == module2 && function == function2 && arity == arity2,
                (Term::Fun(a), Term::Fun(b)) => a == b,
                _ => false,
            };
            if !same {
                return false;
            }
        }
        true
    }
}

/// What is left to print, last first.
enum Piece<'a> {
    Term(&'a Term),
    Text(&'static str),
}

impl fmt::Debug for Term {
    /// As `#[derive(Debug)]` would print it, on one line:
    /// `Tuple([Atom(ok), Int(42)])`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut todo = vec![Piece::Term(self)];
        while let Some(piece) = todo.pop() {
            let term = match piece {
                Piece::Text(text) => {
                    f.write_str(text)?;
                    continue;
                }
                Piece::Term(term) => term,
            };
            match term {
                Term::Tuple(items) | Term::List(items) => {
                    let name = if matches!(term, Term::Tuple(_)) {
                        "Tuple(["
                    } else {
                        "List(["
                    };
                    f.write_str(name)?;
                    todo.push(Piece::Text("])"));
                    push_separated(items.iter().map(Piece::Term), &mut todo);
                }
                Term::ImproperList(items, tail) => {
                    f.write_str("ImproperList([")?;
                    todo.push(Piece::Text(")"));
                    todo.push(Piece::Term(tail));
                    todo.push(Piece::Text("], "));
                    push_separated(items.iter().map(Piece::Term), &mut todo);
                }
                Term::Map(pairs) => {
                    f.write_str("Map([")?;
                    todo.push(Piece::Text("])"));
                    for (i, (k, v)) in pairs.iter().enumerate().rev() {
                        todo.push(Piece::Text(")"));
                        todo.push(Piece::Term(v));
                        todo.push(Piece::Text(", "));
                        todo.push(Piece::Term(k));
                        todo.push(Piece::Text(if i == 0 { "(" } else { ", (" }));
                    }
                }
                Term::Atom(a) => write!(f, "Atom({a:?})")?,
                Term::Int(i) => write!(f, "Int({i:?})")?,
                Term::BigInt(b) => write!(f, "BigInt({b:?})")?,
                Term::Float(x) => write!(f, "Float({x:?})")?,
                Term::Binary(b) => write!(f, "Binary({b:?})")?,
                Term::BitBinary { bytes, bits } => {
                    write!(f, "BitBinary {{ bytes: {bytes:?}, bits: {bits:?} }}")?
                }
                Term::Pid(p) => write!(f, "Pid({p:?})")?,
                Term::Ref(r) => write!(f, "Ref({r:?})")?,
                Term::Port(p) => write!(f, "Port({p:?})")?,
                Term::Export {
                    module,
                    function,
                    arity,
                } => write!(
                    f,
                    "Export {{ module: {module:?}, function: {function:?}, arity: {arity:?} }}"
                )?,
                Term::Fun(bytes) => write!(f, "Fun({bytes:?})")?,
            }
        }
        Ok(())
    }
}

/// Pushes `pieces` separated by `", "`, last first.
fn push_separated<'a>(
    pieces: impl DoubleEndedIterator<Item = Piece<'a>> + ExactSizeIterator,
    todo: &mut Vec<Piece<'a>>,
) {
    for (i, piece) in pieces.enumerate().rev() {
        todo.push(piece);
        if i > 0 {
            todo.push(Piece::Text(", "));
        }
    }
}
