//! Control messages: what travels on a connection once the handshake is done.
//!
//! A frame is `len:32` then `112` (pass-through: no atom cache) then the control message,
//! a tuple whose first element says what it is, then for some the message itself, each a
//! term with its own version byte. A frame of length 0 is a tick.
//!
//! The operation numbers are OTP's (`erl_dist_protocol`, `dist.h`).

use super::term::{Atom, ExternalPid, ExternalRef, Term};

pub(crate) const LINK: i64 = 1;
pub(crate) const SEND: i64 = 2;
pub(crate) const EXIT: i64 = 3;
pub(crate) const UNLINK: i64 = 4;
pub(crate) const REG_SEND: i64 = 6;
pub(crate) const EXIT2: i64 = 8;
// The _TT forms carry a sequential trace token too: a process with a seq_trace token sends
// them to any node, whatever its flags. This node reads them and drops the token.
pub(crate) const SEND_TT: i64 = 12;
pub(crate) const EXIT_TT: i64 = 13;
pub(crate) const REG_SEND_TT: i64 = 16;
pub(crate) const EXIT2_TT: i64 = 18;
pub(crate) const MONITOR_P: i64 = 19;
pub(crate) const DEMONITOR_P: i64 = 20;
pub(crate) const MONITOR_P_EXIT: i64 = 21;
pub(crate) const SEND_SENDER: i64 = 22;
pub(crate) const SEND_SENDER_TT: i64 = 23;
pub(crate) const PAYLOAD_EXIT: i64 = 24;
pub(crate) const PAYLOAD_EXIT_TT: i64 = 25;
pub(crate) const PAYLOAD_EXIT2: i64 = 26;
pub(crate) const PAYLOAD_EXIT2_TT: i64 = 27;
pub(crate) const PAYLOAD_MONITOR_P_EXIT: i64 = 28;
pub(crate) const SPAWN_REQUEST: i64 = 29;
pub(crate) const SPAWN_REQUEST_TT: i64 = 30;
pub(crate) const SPAWN_REPLY: i64 = 31;
pub(crate) const UNLINK_ID: i64 = 35;
pub(crate) const UNLINK_ID_ACK: i64 = 36;

/// The pass-through byte that starts a frame without a distribution header.
pub(crate) const PASS_THROUGH: u8 = 112;

/// The most bytes one frame may have: a bigger one closes the connection with a report
/// (a peer cannot make this node allocate without bound).
pub const MAX_FRAME: usize = 128 << 20;

/// Where a process is: a pid, or a name registered on the peer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Proc {
    Pid(ExternalPid),
    Name(Atom),
}

impl Proc {
    pub(crate) fn to_term(&self) -> Term {
        match self {
            Proc::Pid(p) => Term::Pid(p.clone()),
            Proc::Name(a) => Term::Atom(a.clone()),
        }
    }

    fn from_term(t: &Term) -> Option<Proc> {
        match t {
            Term::Pid(p) => Some(Proc::Pid(p.clone())),
            Term::Atom(a) => Some(Proc::Name(a.clone())),
            _ => None,
        }
    }
}

/// A control message this node reads or writes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Control {
    Link {
        from: ExternalPid,
        to: ExternalPid,
    },
    /// SEND or SEND_SENDER (or their trace token forms); the message follows.
    Send {
        to: ExternalPid,
    },
    /// REG_SEND or REG_SEND_TT; the message follows.
    RegSend {
        from: ExternalPid,
        to: Atom,
    },
    /// EXIT or PAYLOAD_EXIT (the reason follows), or their trace token forms.
    Exit {
        from: ExternalPid,
        to: ExternalPid,
        reason: Option<Term>,
    },
    /// EXIT2 or PAYLOAD_EXIT2 (the reason follows), or their trace token forms.
    Exit2 {
        from: ExternalPid,
        to: ExternalPid,
        reason: Option<Term>,
    },
    /// The old UNLINK, or UNLINK_ID with its id.
    Unlink {
        id: Option<u64>,
        from: ExternalPid,
        to: ExternalPid,
    },
    UnlinkAck {
        id: u64,
        from: ExternalPid,
        to: ExternalPid,
    },
    Monitor {
        from: ExternalPid,
        to: Proc,
        reference: ExternalRef,
    },
    Demonitor {
        from: ExternalPid,
        to: Proc,
        reference: ExternalRef,
    },
    /// MONITOR_P_EXIT or its payload form (the reason follows).
    MonitorExit {
        from: Proc,
        to: ExternalPid,
        reference: ExternalRef,
        reason: Option<Term>,
    },
    /// SPAWN_REQUEST: run `module:function` with the argument list that follows.
    SpawnRequest {
        reference: ExternalRef,
        from: ExternalPid,
        module: Atom,
        function: Atom,
        opts: Vec<Term>,
    },
    /// SPAWN_REPLY: the pid (or an error atom) of a spawn request, with flags 1 (linked)
    /// and 2 (monitored).
    SpawnReply {
        reference: ExternalRef,
        to: ExternalPid,
        flags: i64,
        result: Term,
    },
    /// A control message this node does not act on (SPAWN_REQUEST without the SPAWN flag,
    /// group leader and trace messages): its operation number.
    Other(i64),
}

fn pid(t: &Term) -> Option<ExternalPid> {
    match t {
        Term::Pid(p) => Some(p.clone()),
        _ => None,
    }
}

fn reference(t: &Term) -> Option<ExternalRef> {
    match t {
        Term::Ref(r) => Some(r.clone()),
        _ => None,
    }
}

fn uint(t: &Term) -> Option<u64> {
    match t {
        Term::Int(n) if *n >= 0 => Some(*n as u64),
        Term::BigInt(b) if !b.negative && b.magnitude.len() <= 8 => {
            let mut bytes = [0u8; 8];
            bytes[..b.magnitude.len()].copy_from_slice(&b.magnitude);
            Some(u64::from_le_bytes(bytes))
        }
        _ => None,
    }
}

impl Control {
    /// Reads a control tuple; `None` if it is malformed.
    pub(crate) fn parse(t: &Term) -> Option<Control> {
        let Term::Tuple(v) = t else { return None };
        let Some(Term::Int(op)) = v.first() else {
            return None;
        };
        let c = match (*op, &v[1..]) {
            (LINK, [f, to]) => Control::Link {
                from: pid(f)?,
                to: pid(to)?,
            },
            (SEND, [_, to])
            | (SEND_SENDER, [_, to])
            | (SEND_TT, [_, to, _])
            | (SEND_SENDER_TT, [_, to, _]) => Control::Send { to: pid(to)? },
            (REG_SEND, [f, _, Term::Atom(to)]) | (REG_SEND_TT, [f, _, Term::Atom(to), _]) => {
                Control::RegSend {
                    from: pid(f)?,
                    to: to.clone(),
                }
            }
            (EXIT, [f, to, reason]) | (EXIT_TT, [f, to, _, reason]) => Control::Exit {
                from: pid(f)?,
                to: pid(to)?,
                reason: Some(reason.clone()),
            },
            (PAYLOAD_EXIT, [f, to]) | (PAYLOAD_EXIT_TT, [f, to, _]) => Control::Exit {
                from: pid(f)?,
                to: pid(to)?,
                reason: None,
            },
            (EXIT2, [f, to, reason]) | (EXIT2_TT, [f, to, _, reason]) => Control::Exit2 {
                from: pid(f)?,
                to: pid(to)?,
                reason: Some(reason.clone()),
            },
            (PAYLOAD_EXIT2, [f, to]) | (PAYLOAD_EXIT2_TT, [f, to, _]) => Control::Exit2 {
                from: pid(f)?,
                to: pid(to)?,
                reason: None,
            },
            (UNLINK, [f, to]) => Control::Unlink {
                id: None,
                from: pid(f)?,
                to: pid(to)?,
            },
            (UNLINK_ID, [id, f, to]) => Control::Unlink {
                id: Some(uint(id)?),
                from: pid(f)?,
                to: pid(to)?,
            },
            (UNLINK_ID_ACK, [id, f, to]) => Control::UnlinkAck {
                id: uint(id)?,
                from: pid(f)?,
                to: pid(to)?,
            },
            (MONITOR_P, [f, to, r]) => Control::Monitor {
                from: pid(f)?,
                to: Proc::from_term(to)?,
                reference: reference(r)?,
            },
            (DEMONITOR_P, [f, to, r]) => Control::Demonitor {
                from: pid(f)?,
                to: Proc::from_term(to)?,
                reference: reference(r)?,
            },
            (MONITOR_P_EXIT, [f, to, r, reason]) => Control::MonitorExit {
                from: Proc::from_term(f)?,
                to: pid(to)?,
                reference: reference(r)?,
                reason: Some(reason.clone()),
            },
            (PAYLOAD_MONITOR_P_EXIT, [f, to, r]) => Control::MonitorExit {
                from: Proc::from_term(f)?,
                to: pid(to)?,
                reference: reference(r)?,
                reason: None,
            },
            (SPAWN_REQUEST, [r, f, _group_leader, Term::Tuple(mfa), Term::List(opts)])
            | (SPAWN_REQUEST_TT, [r, f, _group_leader, Term::Tuple(mfa), Term::List(opts), _])
                if mfa.len() == 3 =>
            {
                let (Term::Atom(m), Term::Atom(func)) = (&mfa[0], &mfa[1]) else {
                    return None;
                };
                Control::SpawnRequest {
                    reference: reference(r)?,
                    from: pid(f)?,
                    module: m.clone(),
                    function: func.clone(),
                    opts: opts.clone(),
                }
            }
            (SPAWN_REPLY, [r, to, Term::Int(flags), result]) => Control::SpawnReply {
                reference: reference(r)?,
                to: pid(to)?,
                flags: *flags,
                result: result.clone(),
            },
            (op, _) if !is_known(op) => Control::Other(op),
            _ => return None,
        };
        Some(c)
    }

    /// The control tuple, for a peer with flags `flags` (the payload forms of exits need
    /// `EXIT_PAYLOAD`; the caller appends the reason then).
    pub(crate) fn to_term(&self) -> Term {
        let t = |op: i64, rest: Vec<Term>| {
            let mut v = vec![Term::Int(op)];
            v.extend(rest);
            Term::Tuple(v)
        };
        let p = |p: &ExternalPid| Term::Pid(p.clone());
        let r = |r: &ExternalRef| Term::Ref(r.clone());
        match self {
            Control::Link { from, to } => t(LINK, vec![p(from), p(to)]),
            Control::Send { to } => t(SEND, vec![Term::Atom(Atom::new("")), p(to)]),
            Control::RegSend { from, to } => t(
                REG_SEND,
                vec![p(from), Term::Atom(Atom::new("")), Term::Atom(to.clone())],
            ),
            Control::Exit { from, to, reason } => match reason {
                Some(reason) => t(EXIT, vec![p(from), p(to), reason.clone()]),
                None => t(PAYLOAD_EXIT, vec![p(from), p(to)]),
            },
            Control::Exit2 { from, to, reason } => match reason {
                Some(reason) => t(EXIT2, vec![p(from), p(to), reason.clone()]),
                None => t(PAYLOAD_EXIT2, vec![p(from), p(to)]),
            },
            Control::Unlink { id, from, to } => match id {
                Some(id) => t(UNLINK_ID, vec![Term::Int(*id as i64), p(from), p(to)]),
                None => t(UNLINK, vec![p(from), p(to)]),
            },
            Control::UnlinkAck { id, from, to } => {
                t(UNLINK_ID_ACK, vec![Term::Int(*id as i64), p(from), p(to)])
            }
            Control::Monitor {
                from,
                to,
                reference,
            } => t(MONITOR_P, vec![p(from), to.to_term(), r(reference)]),
            Control::Demonitor {
                from,
                to,
                reference,
            } => t(DEMONITOR_P, vec![p(from), to.to_term(), r(reference)]),
            Control::MonitorExit {
                from,
                to,
                reference,
                reason,
            } => match reason {
                Some(reason) => t(
                    MONITOR_P_EXIT,
                    vec![from.to_term(), p(to), r(reference), reason.clone()],
                ),
                None => t(
                    PAYLOAD_MONITOR_P_EXIT,
                    vec![from.to_term(), p(to), r(reference)],
                ),
            },
            Control::SpawnRequest {
                reference,
                from,
                module,
                function,
                opts,
            } => t(
                SPAWN_REQUEST,
                vec![
                    r(reference),
                    p(from),
                    p(from),
                    Term::Tuple(vec![
                        Term::Atom(module.clone()),
                        Term::Atom(function.clone()),
                        Term::Int(0),
                    ]),
                    Term::List(opts.clone()),
                ],
            ),
            Control::SpawnReply {
                reference,
                to,
                flags,
                result,
            } => t(
                SPAWN_REPLY,
                vec![r(reference), p(to), Term::Int(*flags), result.clone()],
            ),
            Control::Other(op) => t(*op, vec![]),
        }
    }
}

fn is_known(op: i64) -> bool {
    matches!(
        op,
        LINK | SEND
            | EXIT
            | UNLINK
            | REG_SEND
            | EXIT2
            | SEND_TT
            | EXIT_TT
            | REG_SEND_TT
            | EXIT2_TT
            | MONITOR_P
            | DEMONITOR_P
            | MONITOR_P_EXIT
            | SEND_SENDER
            | SEND_SENDER_TT
            | PAYLOAD_EXIT
            | PAYLOAD_EXIT_TT
            | PAYLOAD_EXIT2
            | PAYLOAD_EXIT2_TT
            | PAYLOAD_MONITOR_P_EXIT
            | UNLINK_ID
            | UNLINK_ID_ACK
            | SPAWN_REQUEST
            | SPAWN_REQUEST_TT
            | SPAWN_REPLY
    )
}

/// A frame: pass-through, the control message, and the payload if any (length not
/// included).
pub(crate) fn frame(control: &Term, payload: Option<&Term>) -> Vec<u8> {
    let mut out = vec![0, 0, 0, 0, PASS_THROUGH];
    control.encode_to(&mut out);
    if let Some(p) = payload {
        p.encode_to(&mut out);
    }
    let len = (out.len() - 4) as u32;
    out[..4].copy_from_slice(&len.to_be_bytes());
    out
}
