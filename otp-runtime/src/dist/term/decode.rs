//! Decoding the External Term Format: every tag a BEAM node may send, from untrusted bytes.
//!
//! The decoder keeps its own stack of open containers instead of recursing, so nesting costs
//! heap, not thread stack, and stops at [`MAX_DEPTH`]. Every length is checked against the
//! bytes left before anything is reserved (each element of a list, tuple or map takes at least
//! one byte), and a container reserves at most a few slots ahead of the elements actually
//! read, so nested length claims cannot multiply memory either. Values are normalised as
//! [`Term`] promises: big integers that fit an `i64` become [`Term::Int`], `STRING_EXT`
//! becomes a list of integers, a list whose tail is a list is joined into one.
//!
//! One leniency: a map's pairs are kept as received, so a key sent twice (which no BEAM
//! sends, and which `binary_to_term` refuses) is kept twice rather than searched for.

use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

use super::error::{CompressedError, DecodeError};
use super::tag::*;
use super::{Atom, BigInt, ExternalPid, ExternalPort, ExternalRef, Term, MAX_ATOM_CHARS};

/// How deeply containers (tuples, lists, maps, funs' environments) may nest.
///
/// Deeper terms are refused with [`DecodeError::TooDeep`]. Decoding, encoding, cloning,
/// comparing and printing ([`Display`](std::fmt::Display) and [`Debug`]) walk a term with a
/// stack of their own; dropping recurses, and the limit keeps it well inside a 2 MiB thread
/// stack such as a tokio worker's (under 0.5 MiB at this depth in an unoptimised build).
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::term::{DecodeError, Term, MAX_DEPTH};
/// let mut t = Term::List(vec![]);
/// for _ in 0..MAX_DEPTH {
///     t = Term::Tuple(vec![t]);
/// }
/// assert!(Term::decode(&t.encode()).is_ok());
/// let t = Term::Tuple(vec![t]);
/// assert!(matches!(Term::decode(&t.encode()), Err(DecodeError::TooDeep { .. })));
/// ```
pub const MAX_DEPTH: usize = 2_000;

/// The largest uncompressed size a `COMPRESSED` term may declare: 64 MiB.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::term::MAX_UNCOMPRESSED_SIZE;
/// assert_eq!(MAX_UNCOMPRESSED_SIZE, 64 << 20);
/// ```
pub const MAX_UNCOMPRESSED_SIZE: usize = 64 << 20;

/// How many slots a container reserves before its elements arrive; past that it grows as
/// they are read.
const PREALLOCATED: usize = 8;

impl Term {
    /// Decodes exactly one term, with its version byte 131; bytes after it are an error.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] saying what is wrong and where, if the bytes are not exactly one
    /// valid term.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::term::{Atom, DecodeError, Term};
    /// // What term_to_binary({ok, 42}) gives.
    /// let bytes = [131, 104, 2, 100, 0, 2, b'o', b'k', 97, 42];
    /// let t = Term::decode(&bytes).unwrap();
    /// assert_eq!(t, Term::Tuple(vec![Term::Atom(Atom::new("ok")), Term::Int(42)]));
    /// assert_eq!(Term::decode(&[131, 106, 0]), Err(DecodeError::TrailingBytes(1)));
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Term, DecodeError> {
        let (term, used) = Term::decode_prefix(bytes)?;
        match bytes.len() - used {
            0 => Ok(term),
            n => Err(DecodeError::TrailingBytes(n)),
        }
    }

    /// Decodes one term (with its version byte 131) at the start of `bytes`, and says how many
    /// bytes it took: a distribution frame carries a control term followed by a payload term.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] saying what is wrong and where, if `bytes` does not start with a
    /// valid term.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::term::Term;
    /// let mut frame = Term::Int(1).encode();
    /// Term::Int(300).encode_to(&mut frame);
    /// let (control, used) = Term::decode_prefix(&frame).unwrap();
    /// assert_eq!((control, used), (Term::Int(1), 3));
    /// assert_eq!(Term::decode(&frame[used..]).unwrap(), Term::Int(300));
    /// ```
    pub fn decode_prefix(bytes: &[u8]) -> Result<(Term, usize), DecodeError> {
        match bytes.first() {
            None => {
                return Err(DecodeError::Truncated {
                    offset: 0,
                    needed: 2,
                    left: 0,
                })
            }
            Some(&VERSION) => {}
            Some(&other) => return Err(DecodeError::BadVersion(other)),
        }
        if bytes.get(1) == Some(&COMPRESSED) {
            return decode_compressed(bytes);
        }
        let mut reader = Reader {
            buf: bytes,
            pos: 1,
            start: 1,
        };
        let term = reader.term()?;
        Ok((term, reader.pos))
    }
}

/// `131, 80, UncompressedSize:32, zlib data`: inflates (never past the declared size, and
/// only as far as the data really inflates) and decodes the term inside.
fn decode_compressed(bytes: &[u8]) -> Result<(Term, usize), DecodeError> {
    let Some(size) = bytes.get(2..6) else {
        return Err(DecodeError::Truncated {
            offset: 1,
            needed: 5,
            left: bytes.len() - 1,
        });
    };
    let declared = u32::from_be_bytes([size[0], size[1], size[2], size[3]]);
    if declared as usize > MAX_UNCOMPRESSED_SIZE {
        return Err(DecodeError::Compressed(CompressedError::TooLarge {
            declared,
        }));
    }
    let (inflated, consumed) = inflate(&bytes[6..], declared)?;
    let mut reader = Reader {
        buf: &inflated,
        pos: 0,
        start: 0,
    };
    let term = reader.term()?;
    if reader.pos != inflated.len() {
        return Err(DecodeError::Invalid {
            what: "bytes after the term inside a COMPRESSED term",
            offset: reader.pos,
        });
    }
    Ok((term, 6 + consumed))
}

/// Inflates zlib data that must come to exactly `declared` bytes; returns them and how many
/// input bytes the zlib stream took. The buffer doubles as output arrives, so memory follows
/// what the data really holds, never just what it claims.
fn inflate(mut input: &[u8], declared: u32) -> Result<(Vec<u8>, usize), DecodeError> {
    let limit = declared as usize;
    let corrupt = |reason| DecodeError::Compressed(CompressedError::Corrupt { reason });
    let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
        | inflate_flags::TINFL_FLAG_COMPUTE_ADLER32
        | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let mut out = vec![0; input.len().saturating_mul(2).max(64).min(limit)];
    let mut decompressor = Box::<DecompressorOxide>::default();
    let (mut written, mut consumed) = (0, 0);
    loop {
        let (status, read, wrote) = decompress(&mut decompressor, input, &mut out, written, flags);
        written += wrote;
        consumed += read;
        input = input.get(read..).unwrap_or_default();
        match status {
            TINFLStatus::Done if written == limit => {
                out.truncate(written);
                return Ok((out, consumed));
            }
            TINFLStatus::Done => {
                return Err(DecodeError::Compressed(
                    CompressedError::ShorterThanDeclared {
                        declared,
                        actual: written,
                    },
                ))
            }
            TINFLStatus::HasMoreOutput if out.len() >= limit => {
                return Err(DecodeError::Compressed(
                    CompressedError::LongerThanDeclared { declared },
                ))
            }
            TINFLStatus::HasMoreOutput => {
                let grown = out.len().saturating_mul(2).min(limit);
                out.resize(grown, 0);
            }
            TINFLStatus::Adler32Mismatch => return Err(corrupt("zlib checksum mismatch")),
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                return Err(corrupt("the zlib data ends early"))
            }
            _ => return Err(corrupt("invalid zlib data")),
        }
    }
}

/// A container whose elements are being read.
enum Frame {
    Tuple {
        items: Vec<Term>,
        left: usize,
    },
    /// `left` elements to come, then the tail.
    List {
        items: Vec<Term>,
        left: usize,
    },
    Map {
        pairs: Vec<(Term, Term)>,
        key: Option<Term>,
        left: usize,
    },
    /// A `NEW_FUN_EXT` from `start` (its Size field) to `end`: OldIndex, OldUniq, Pid and the
    /// free variables are read as terms to check them, and the bytes kept.
    Fun {
        offset: usize,
        start: usize,
        end: usize,
        fields: Vec<Term>,
        left: usize,
    },
}

impl Frame {
    /// Takes the next element; true when the container is complete.
    fn push(&mut self, value: Term) -> bool {
        match self {
            Frame::Tuple { items, left }
            | Frame::Fun {
                fields: items,
                left,
                ..
            } => {
                items.push(value);
                *left -= 1;
                *left == 0
            }
            Frame::List { items, left } => {
                if *left == 0 {
                    // The tail: put back where `finish` expects it.
                    items.push(value);
                    return true;
                }
                items.push(value);
                *left -= 1;
                false
            }
            Frame::Map { pairs, key, left } => match key.take() {
                None => {
                    *key = Some(value);
                    false
                }
                Some(k) => {
                    pairs.push((k, value));
                    *left -= 1;
                    *left == 0
                }
            },
        }
    }

    fn finish(self, buf: &[u8], pos: usize) -> Result<Term, DecodeError> {
        Ok(match self {
            Frame::Tuple { items, .. } => Term::Tuple(items),
            Frame::Map { pairs, .. } => Term::Map(pairs),
            Frame::List { mut items, .. } => {
                let tail = items.pop().unwrap_or(Term::List(Vec::new()));
                match tail {
                    Term::List(rest) => {
                        items.extend(rest);
                        Term::List(items)
                    }
                    Term::ImproperList(rest, tail) => {
                        items.extend(rest);
                        Term::ImproperList(items, tail)
                    }
                    tail if items.is_empty() => tail,
                    tail => Term::ImproperList(items, Box::new(tail)),
                }
            }
            Frame::Fun {
                offset,
                start,
                end,
                fields,
                ..
            } => {
                if pos != end {
                    return Err(DecodeError::Invalid {
                        what: "NEW_FUN_EXT whose Size does not match its contents",
                        offset,
                    });
                }
                let valid = matches!(
                    fields.as_slice(),
                    [Term::Int(_), Term::Int(_), Term::Pid(_), ..]
                );
                if !valid {
                    return Err(DecodeError::Invalid {
                        what: "NEW_FUN_EXT whose OldIndex, OldUniq or Pid is of the wrong type",
                        offset,
                    });
                }
                Term::Fun(buf[start..end].to_vec())
            }
        })
    }
}

/// A cursor over untrusted bytes.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Where the term being read starts (its tag), for errors.
    start: usize,
}

impl<'a> Reader<'a> {
    /// Fails unless at least `n` bytes are left after the cursor.
    fn need(&self, n: u64) -> Result<(), DecodeError> {
        let left = self.buf.len() - self.pos;
        if (left as u64) < n {
            return Err(DecodeError::Truncated {
                offset: self.start,
                needed: (self.pos - self.start) as u64 + n,
                left: self.buf.len() - self.start,
            });
        }
        Ok(())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        self.need(n as u64)?;
        let bytes = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        self.array().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        self.array().map(u32::from_be_bytes)
    }

    fn u64(&mut self) -> Result<u64, DecodeError> {
        self.array().map(u64::from_be_bytes)
    }

    fn invalid(&self, what: &'static str) -> DecodeError {
        DecodeError::Invalid {
            what,
            offset: self.start,
        }
    }

    /// Reads one whole term, containers and all, with an explicit stack.
    fn term(&mut self) -> Result<Term, DecodeError> {
        let mut stack: Vec<Frame> = Vec::new();
        'terms: loop {
            self.start = self.pos;
            let offset = self.pos;
            let mut value = match self.scalar_or_frame()? {
                Read::Value(value) => value,
                Read::Open(frame) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(DecodeError::TooDeep { offset });
                    }
                    stack.push(frame);
                    continue;
                }
            };
            // Hand the value to the open containers, closing those it completes.
            loop {
                let Some(mut frame) = stack.pop() else {
                    return Ok(value);
                };
                if !frame.push(value) {
                    stack.push(frame);
                    continue 'terms;
                }
                value = frame.finish(self.buf, self.pos)?;
            }
        }
    }

    /// Reads a tag and either a whole term without elements or the head of a container.
    fn scalar_or_frame(&mut self) -> Result<Read, DecodeError> {
        let tag = self.u8()?;
        let value = match tag {
            SMALL_INTEGER_EXT => Term::Int(self.u8()?.into()),
            INTEGER_EXT => Term::Int(i32::from_be_bytes(self.array()?).into()),
            SMALL_BIG_EXT => {
                let n = self.u8()?;
                self.big(n.into())?
            }
            LARGE_BIG_EXT => {
                let n = self.u32()?;
                self.big(n as usize)?
            }
            NEW_FLOAT_EXT => {
                let bits = self.u64()?;
                self.finite(f64::from_bits(bits))?
            }
            FLOAT_EXT => {
                let text = self.take(31)?;
                let text = text.split(|&b| b == 0).next().unwrap_or_default();
                // No blanks around it: binary_to_term refuses "  1.5" too.
                let parsed = std::str::from_utf8(text)
                    .ok()
                    .and_then(|s| s.parse::<f64>().ok());
                match parsed {
                    Some(f) => self.finite(f)?,
                    None => return Err(self.invalid("FLOAT_EXT whose text is not a float")),
                }
            }
            ATOM_EXT | SMALL_ATOM_EXT | ATOM_UTF8_EXT | SMALL_ATOM_UTF8_EXT => {
                Term::Atom(self.atom_body(tag)?)
            }
            BINARY_EXT => {
                let n = self.u32()?;
                Term::Binary(self.take(n as usize)?.to_vec())
            }
            BIT_BINARY_EXT => self.bit_binary()?,
            SMALL_TUPLE_EXT => {
                let n = self.u8()?;
                return self.tuple(n.into());
            }
            LARGE_TUPLE_EXT => {
                let n = self.u32()?;
                return self.tuple(n as usize);
            }
            NIL_EXT => Term::List(Vec::new()),
            STRING_EXT => {
                let n = self.u16()?;
                let bytes = self.take(n.into())?;
                Term::List(bytes.iter().map(|&b| Term::Int(b.into())).collect())
            }
            LIST_EXT => {
                let n = self.u32()? as usize;
                // n elements and a tail, a byte each at least.
                self.need(n as u64 + 1)?;
                return Ok(Read::Open(Frame::List {
                    items: Vec::with_capacity(n.min(PREALLOCATED) + 1),
                    left: n,
                }));
            }
            MAP_EXT => {
                let n = self.u32()? as usize;
                if n == 0 {
                    return Ok(Read::Value(Term::Map(Vec::new())));
                }
                self.need(2 * n as u64)?;
                return Ok(Read::Open(Frame::Map {
                    pairs: Vec::with_capacity(n.min(PREALLOCATED)),
                    key: None,
                    left: n,
                }));
            }
            NEW_PID_EXT | PID_EXT => {
                let node = self.atom()?;
                let id = self.u32()?;
                let serial = self.u32()?;
                let creation = self.creation(tag == NEW_PID_EXT)?;
                Term::Pid(ExternalPid {
                    node,
                    id,
                    serial,
                    creation,
                })
            }
            NEW_PORT_EXT | PORT_EXT | V4_PORT_EXT => {
                let node = self.atom()?;
                let id = match tag {
                    V4_PORT_EXT => self.u64()?,
                    _ => self.u32()?.into(),
                };
                let creation = self.creation(tag != PORT_EXT)?;
                Term::Port(ExternalPort { node, id, creation })
            }
            REFERENCE_EXT => {
                let node = self.atom()?;
                let id = self.u32()?;
                let creation = self.creation(false)?;
                Term::Ref(ExternalRef {
                    node,
                    creation,
                    ids: vec![id],
                })
            }
            NEW_REFERENCE_EXT | NEWER_REFERENCE_EXT => {
                let len = self.u16()?;
                if !(1..=5).contains(&len) {
                    return Err(self.invalid("reference with other than 1 to 5 id words"));
                }
                let node = self.atom()?;
                let creation = self.creation(tag == NEWER_REFERENCE_EXT)?;
                let ids = (0..len).map(|_| self.u32()).collect::<Result<_, _>>()?;
                Term::Ref(ExternalRef {
                    node,
                    creation,
                    ids,
                })
            }
            EXPORT_EXT => {
                let module = self.atom()?;
                let function = self.atom()?;
                // The BEAM writes SMALL_INTEGER_EXT and reads any small integer.
                let arity = match self.u8()? {
                    SMALL_INTEGER_EXT => Some(self.u8()?),
                    INTEGER_EXT => u8::try_from(i32::from_be_bytes(self.array()?)).ok(),
                    _ => None,
                };
                let Some(arity) = arity else {
                    return Err(self.invalid("EXPORT_EXT whose arity is not an integer 0..=255"));
                };
                Term::Export {
                    module,
                    function,
                    arity,
                }
            }
            NEW_FUN_EXT => return self.fun(),
            COMPRESSED => return Err(self.invalid("COMPRESSED term inside another term")),
            ATOM_CACHE_REF | LOCAL_EXT => {
                return Err(DecodeError::Unsupported {
                    tag,
                    offset: self.start,
                })
            }
            _ => {
                return Err(DecodeError::UnknownTag {
                    tag,
                    offset: self.start,
                })
            }
        };
        Ok(Read::Value(value))
    }

    fn finite(&self, f: f64) -> Result<Term, DecodeError> {
        if f.is_finite() {
            Ok(Term::Float(f))
        } else {
            // binary_to_term refuses them too: Erlang has no NaN or infinity.
            Err(self.invalid("float that is not finite"))
        }
    }

    /// A creation: 32 bits in the NEW_/NEWER_ tags, 8 in the old ones.
    fn creation(&mut self, wide: bool) -> Result<u32, DecodeError> {
        if wide {
            self.u32()
        } else {
            self.u8().map(u32::from)
        }
    }

    /// `n` magnitude bytes after a sign byte, normalised.
    fn big(&mut self, n: usize) -> Result<Term, DecodeError> {
        self.need(n as u64 + 1)?;
        // Any sign byte but 0 is negative, as the BEAM reads it.
        let negative = self.u8()? != 0;
        let mut magnitude = self.take(n)?;
        while let [rest @ .., 0] = magnitude {
            magnitude = rest;
        }
        if magnitude.len() <= 8 {
            let mut le = [0; 8];
            le[..magnitude.len()].copy_from_slice(magnitude);
            let v = u64::from_le_bytes(le);
            if !negative && v <= i64::MAX as u64 {
                return Ok(Term::Int(v as i64));
            }
            if negative && v <= 1 << 63 {
                // -v, wrapping for v = 2^63 to i64::MIN.
                return Ok(Term::Int((v as i64).wrapping_neg()));
            }
        }
        Ok(Term::BigInt(BigInt {
            negative,
            magnitude: magnitude.to_vec(),
        }))
    }

    /// `Len:32, Bits:8, Data`: Bits is 1..=8 (8: a whole binary), or 0 only for no bytes.
    fn bit_binary(&mut self) -> Result<Term, DecodeError> {
        let n = self.u32()? as usize;
        let bits = self.u8()?;
        let bytes = self.take(n)?;
        match (bytes.split_last(), bits) {
            (None, 0) => Ok(Term::Binary(Vec::new())),
            (Some(_), 8) => Ok(Term::Binary(bytes.to_vec())),
            (Some((&last, full)), 1..=7) => {
                let mut bytes = full.to_vec();
                // Only the high `bits` bits belong to it: one form per value.
                bytes.push(last & !(0xff >> bits));
                Ok(Term::BitBinary { bytes, bits })
            }
            _ => Err(self.invalid("BIT_BINARY_EXT with a bit count outside 1..=8")),
        }
    }

    fn tuple(&mut self, n: usize) -> Result<Read, DecodeError> {
        if n == 0 {
            return Ok(Read::Value(Term::Tuple(Vec::new())));
        }
        self.need(n as u64)?;
        Ok(Read::Open(Frame::Tuple {
            items: Vec::with_capacity(n.min(PREALLOCATED)),
            left: n,
        }))
    }

    /// `Size:32, Arity:8, Uniq:16 bytes, Index:32, NumFree:32, Module (atom)`, then OldIndex,
    /// OldUniq, Pid and NumFree free variables as terms; Size counts from its own first byte.
    fn fun(&mut self) -> Result<Read, DecodeError> {
        let offset = self.start;
        let start = self.pos;
        let size = self.u32()? as usize;
        // Its fixed fields come to 29 bytes.
        if size < 29 {
            return Err(self.invalid("NEW_FUN_EXT whose Size is too small"));
        }
        self.pos = start;
        self.need(size as u64)?;
        let end = start + size;
        self.pos = start + 4 + 1 + 16 + 4;
        let free = self.u32()? as usize;
        self.atom()?;
        // OldIndex, OldUniq and Pid, then the free variables.
        let left = free + 3;
        self.need(left as u64)?;
        Ok(Read::Open(Frame::Fun {
            offset,
            start,
            end,
            fields: Vec::with_capacity(left.min(PREALLOCATED)),
            left,
        }))
    }

    /// An atom where only an atom may be: a node or module name.
    fn atom(&mut self) -> Result<Atom, DecodeError> {
        let offset = self.pos;
        match self.u8()? {
            tag @ (ATOM_EXT | SMALL_ATOM_EXT | ATOM_UTF8_EXT | SMALL_ATOM_UTF8_EXT) => {
                self.atom_body_at(tag, offset)
            }
            tag @ ATOM_CACHE_REF => Err(DecodeError::Unsupported { tag, offset }),
            _ => Err(DecodeError::Invalid {
                what: "not an atom where an atom must be",
                offset,
            }),
        }
    }

    fn atom_body(&mut self, tag: u8) -> Result<Atom, DecodeError> {
        self.atom_body_at(tag, self.start)
    }

    /// The length and text of an atom whose tag (at `offset`) was just read.
    fn atom_body_at(&mut self, tag: u8, offset: usize) -> Result<Atom, DecodeError> {
        let len = match tag {
            ATOM_EXT | ATOM_UTF8_EXT => self.u16()?.into(),
            _ => self.u8()?.into(),
        };
        let bytes = self.take(len)?;
        let invalid = DecodeError::InvalidAtom { offset };
        let atom = if tag == ATOM_EXT || tag == SMALL_ATOM_EXT {
            // Latin-1: each byte is the code point of its character.
            if len > MAX_ATOM_CHARS {
                return Err(invalid);
            }
            let text: String = bytes.iter().map(|&b| char::from(b)).collect();
            Atom::try_new(&text)
        } else {
            std::str::from_utf8(bytes).ok().and_then(Atom::try_new)
        };
        atom.ok_or(invalid)
    }
}

/// What one tag starts.
enum Read {
    Value(Term),
    Open(Frame),
}

/// The module, OldIndex and OldUniq of a [`Term::Fun`]'s bytes (after its tag), which
/// Erlang prints as `#Fun<Module.OldIndex.OldUniq>`; `None` if they are not there.
pub(crate) fn fun_name(bytes: &[u8]) -> Option<(Atom, i64, i64)> {
    let mut reader = Reader {
        buf: bytes,
        pos: 29,
        start: 0,
    };
    if bytes.len() < reader.pos {
        return None;
    }
    let module = reader.atom().ok()?;
    let mut int = || match reader.scalar_or_frame() {
        Ok(Read::Value(Term::Int(i))) => Some(i),
        _ => None,
    };
    Some((module, int()?, int()?))
}
