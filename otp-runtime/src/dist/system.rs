//! System messages from other nodes: `sys:get_state({kv, 'rust@host'})`, `sys:get_status`,
//! `sys:suspend`, `sys:resume`, `sys:trace` and `sys:statistics` from an Erlang or Elixir
//! shell, on a server that accepts remote requests (`#[gen_server(remote)]`).
//!
//! OTP's `sys` sends `{system, {From, Tag}, Request}` (`gen:call` with the label `system`) and
//! waits for `{Tag, Reply}`. The request is answered by the same machinery as
//! [`crate::sys`], on its side path: a suspended server or one with a long mailbox answers
//! at once. What crosses the wire, per request:
//!
//! | request | reply |
//! |---|---|
//! | `get_state` | the state's text form ([`crate::sys::get_state`]) as a binary |
//! | `get_status` | `{status, Pid, {module, gen_server}, [[], running, Parent, [], Misc]}`, `Misc` as OTP's gen_server formats it, the state as a binary |
//! | `suspend`, `resume` | `ok` |
//! | `{debug, {trace, Bool}}` | `ok` (the events are logged on the Rust node, through `tracing`) |
//! | `{debug, {statistics, true \| false}}` | `ok` |
//! | `{debug, {statistics, get}}` | `{ok, [{messages_in, N}, {messages_out, N}]}`, or `no_statistics` |
//! | anything else (`{replace_state, Fun}`: an Erlang fun cannot run here) | `{error, {unknown_system_msg, Request}}`, as OTP answers one it does not know |
//!
//! A request that fails (the state has no text form, the server died) is answered
//! `{error, Reason}` with the reason as a binary, which `sys:get_state/1` raises as OTP does.

use super::mapping::{Charlist, ToTerm};
use super::term::{Atom, Term};
use crate::node::Node;
use crate::sys::{Behaviour, RunStatus, StatsFlag, Sys, SysError};
use crate::Pid;

/// Answers the system request `request` from `caller` (`tag` is echoed) to the server `me`,
/// in a task of its own: the answer may wait for the server's side path.
pub(crate) fn handle(node: &Node, me: Pid, caller: Pid, tag: Term, request: Term) {
    let n = node.clone();
    tokio::spawn(node.scope(async move {
        let reply = answer(&n, me, request).await;
        let _ = super::call::send_on(&n, caller, &Term::Tuple(vec![tag, reply]));
    }));
}

async fn answer(node: &Node, me: Pid, request: Term) -> Term {
    let sys = Sys::on(node, me);
    match &request {
        Term::Atom(a) => match a.as_str() {
            "get_state" => match sys.get_state().await {
                Ok(state) => Term::Binary(state.into_bytes()),
                Err(e) => error(&e),
            },
            "get_status" => match sys.get_status().await {
                Ok(status) => status_term(me, &status),
                Err(e) => error(&e),
            },
            "suspend" => ok_or_error(sys.suspend().await),
            "resume" => ok_or_error(sys.resume().await),
            _ => unknown(request),
        },
        Term::Tuple(v) if v.len() == 2 && is_atom(&v[0], "debug") => match &v[1] {
            Term::Tuple(d) if d.len() == 2 && is_atom(&d[0], "trace") => match boolean(&d[1]) {
                Some(on) => ok_or_error(sys.trace(on).await),
                None => unknown(request),
            },
            Term::Tuple(d) if d.len() == 2 && is_atom(&d[0], "statistics") => {
                let flag = match &d[1] {
                    t if is_atom(t, "get") => StatsFlag::Get,
                    t => match boolean(t) {
                        Some(true) => StatsFlag::On,
                        Some(false) => StatsFlag::Off,
                        None => return unknown(request),
                    },
                };
                match sys.statistics(flag).await {
                    Ok(Some(stats)) if flag == StatsFlag::Get => Term::Tuple(vec![
                        atom("ok"),
                        Term::List(vec![
                            pair("messages_in", Term::Int(saturating(stats.messages_in))),
                            pair("messages_out", Term::Int(saturating(stats.replies))),
                        ]),
                    ]),
                    Ok(None) if flag == StatsFlag::Get => atom("no_statistics"),
                    Ok(_) => atom("ok"),
                    Err(e) => error(&e),
                }
            }
            _ => unknown(request),
        },
        _ => unknown(request),
    }
}

/// `get_status`'s reply, shaped as OTP's gen_server gives it:
/// `{status, Pid, {module, gen_server}, [PDict, SysState, Parent, Debug, Misc]}`.
fn status_term(me: Pid, status: &crate::sys::Status) -> Term {
    // Written in the node's scope (`handle` runs `answer` in it): the pids are named as this
    // node names them on the wire.
    let pid = me.to_term();
    let parent = status.parent.unwrap_or(me).to_term();
    let sys_state = atom(match status.status {
        RunStatus::Running => "running",
        RunStatus::Suspended => "suspended",
    });
    let module = match status.behaviour {
        Behaviour::GenStatem => "gen_statem",
        Behaviour::GenEvent => "gen_event",
        Behaviour::Supervisor => "supervisor",
        _ => "gen_server",
    };
    let name = status
        .name
        .as_ref()
        .map_or_else(|| me.to_string(), |n| n.to_string());
    let text = |s: &str| Charlist::from(s).to_term();
    let state = status.state.as_ref().map_or_else(
        || atom("undefined"),
        |s| Term::Binary(s.clone().into_bytes()),
    );
    let misc = Term::List(vec![
        Term::Tuple(vec![
            atom("header"),
            text(&format!("Status for generic server {name}")),
        ]),
        Term::Tuple(vec![
            atom("data"),
            Term::List(vec![
                Term::Tuple(vec![text("Status"), sys_state.clone()]),
                Term::Tuple(vec![text("Parent"), parent.clone()]),
                Term::Tuple(vec![text("Logged events"), Term::List(Vec::new())]),
            ]),
        ]),
        Term::Tuple(vec![
            atom("data"),
            Term::List(vec![Term::Tuple(vec![text("State"), state])]),
        ]),
    ]);
    Term::Tuple(vec![
        atom("status"),
        pid,
        Term::Tuple(vec![atom("module"), atom(module)]),
        Term::List(vec![
            Term::List(Vec::new()),
            sys_state,
            parent,
            Term::List(Vec::new()),
            misc,
        ]),
    ])
}

fn ok_or_error(r: Result<(), SysError>) -> Term {
    match r {
        Ok(()) => atom("ok"),
        Err(e) => error(&e),
    }
}

fn error(e: &SysError) -> Term {
    Term::Tuple(vec![
        atom("error"),
        Term::Binary(e.to_string().into_bytes()),
    ])
}

fn unknown(request: Term) -> Term {
    Term::Tuple(vec![
        atom("error"),
        Term::Tuple(vec![atom("unknown_system_msg"), request]),
    ])
}

fn atom(name: &str) -> Term {
    Term::Atom(Atom::new(name))
}

fn pair(key: &str, value: Term) -> Term {
    Term::Tuple(vec![atom(key), value])
}

fn is_atom(t: &Term, name: &str) -> bool {
    matches!(t, Term::Atom(a) if a.as_str() == name)
}

fn boolean(t: &Term) -> Option<bool> {
    match t {
        t if is_atom(t, "true") => Some(true),
        t if is_atom(t, "false") => Some(false),
        _ => None,
    }
}

fn saturating(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
