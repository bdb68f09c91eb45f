//! Erlang's `pg` protocol between the scopes of a cluster (pg.erl, the same from OTP 23 to 27): what a
//! scope sends its peers, and what it reads from them.
//!
//! - `{discover, Peer}`: "I run this scope"; sent to `{Scope, Node}` when a node comes up
//!   (and at start to every node connected), and back to a peer that discovered us. The
//!   answer is a sync, and a monitor of the peer.
//! - `{'$gen_cast', {sync, Peer, [{Group, [Pid]}]}}`: all of the peer's local members;
//!   it replaces what we knew of that peer.
//! - `{join, Peer, Group, PidOrPids}` and `{leave, Peer, PidOrPids, [Group]}`: changes of the
//!   peer's local members (a list of groups: a process that died leaves all at once).
//!
//! A BEAM scope crashes on a message it does not expect, so what this sends is exactly what
//! pg.erl sends. What comes in is checked: a malformed message is dropped with a warning.

use crate::dist::mapping::{FromTerm, ToTerm};
use crate::dist::term::{Atom, Term};
use crate::Pid;

/// A message from a peer scope; groups still as terms (the scope decodes them as its type).
#[derive(Debug)]
pub(crate) enum PeerMsg {
    Discover(Pid),
    Sync(Pid, Vec<(Term, Vec<Pid>)>),
    Join(Pid, Term, Vec<Pid>),
    Leave(Pid, Vec<Pid>, Vec<Term>),
}

fn atom(s: &str) -> Term {
    Term::Atom(Atom::new(s))
}

fn is_atom(t: &Term, s: &str) -> bool {
    matches!(t, Term::Atom(a) if a.as_str() == s)
}

fn pid(t: Term) -> Result<Pid, String> {
    Pid::from_term(t).map_err(|e| e.to_string())
}

/// `PidOrPids`: a pid, or a list of pids.
fn pids(t: Term) -> Result<Vec<Pid>, String> {
    match t {
        Term::List(items) => items.into_iter().map(pid).collect(),
        other => Ok(vec![pid(other)?]),
    }
}

fn list(t: Term) -> Result<Vec<Term>, String> {
    match t {
        Term::List(items) => Ok(items),
        other => Err(format!("expected a list, found {other}")),
    }
}

/// Reads a message of the protocol, or says what is wrong with it.
pub(crate) fn parse(term: Term) -> Result<PeerMsg, String> {
    let shown = term.to_string();
    let bad = || format!("not a pg message: {shown}");
    let Term::Tuple(mut items) = term else {
        return Err(bad());
    };
    match items.len() {
        // `{discover, Peer, Version}` is what a future pg will send (OTP 26+ accept it).
        2 | 3 if is_atom(&items[0], "discover") => Ok(PeerMsg::Discover(pid(items.remove(1))?)),
        2 if is_atom(&items[0], "$gen_cast") => {
            let Term::Tuple(mut sync) = items.remove(1) else {
                return Err(bad());
            };
            if sync.len() != 3 || !is_atom(&sync[0], "sync") {
                return Err(bad());
            }
            let groups = list(sync.remove(2))?
                .into_iter()
                .map(|g| match g {
                    Term::Tuple(mut pair) if pair.len() == 2 => {
                        let ps = pids(pair.remove(1))?;
                        Ok((pair.remove(0), ps))
                    }
                    other => Err(format!("expected {{Group, Pids}}, found {other}")),
                })
                .collect::<Result<_, String>>()?;
            Ok(PeerMsg::Sync(pid(sync.remove(1))?, groups))
        }
        4 if is_atom(&items[0], "join") => {
            let ps = pids(items.remove(3))?;
            let group = items.remove(2);
            Ok(PeerMsg::Join(pid(items.remove(1))?, group, ps))
        }
        4 if is_atom(&items[0], "leave") => {
            let groups = list(items.remove(3))?;
            let ps = pids(items.remove(2))?;
            Ok(PeerMsg::Leave(pid(items.remove(1))?, ps, groups))
        }
        _ => Err(bad()),
    }
}

fn pid_list(pids: &[Pid]) -> Term {
    Term::List(pids.iter().map(ToTerm::to_term).collect())
}

/// `{discover, Me}`.
pub(crate) fn discover(me: Pid) -> Term {
    Term::Tuple(vec![atom("discover"), me.to_term()])
}

/// `{'$gen_cast', {sync, Me, [{Group, Pids}]}}`.
pub(crate) fn sync<G: ToTerm>(me: Pid, groups: &[(G, Vec<Pid>)]) -> Term {
    let groups = groups
        .iter()
        .map(|(g, ps)| Term::Tuple(vec![g.to_term(), pid_list(ps)]))
        .collect();
    Term::Tuple(vec![
        atom("$gen_cast"),
        Term::Tuple(vec![atom("sync"), me.to_term(), Term::List(groups)]),
    ])
}

/// `{join, Me, Group, Pids}`.
pub(crate) fn join<G: ToTerm>(me: Pid, group: &G, pids: &[Pid]) -> Term {
    Term::Tuple(vec![
        atom("join"),
        me.to_term(),
        group.to_term(),
        pid_list(pids),
    ])
}

/// `{leave, Me, Pids, Groups}`.
pub(crate) fn leave<G: ToTerm>(me: Pid, pids: &[Pid], groups: &[G]) -> Term {
    Term::Tuple(vec![
        atom("leave"),
        me.to_term(),
        pid_list(pids),
        Term::List(groups.iter().map(ToTerm::to_term).collect()),
    ])
}
