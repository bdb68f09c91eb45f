//! Remote procedure calls: `rpc:call`/`erpc:call` from Erlang to functions a Rust node
//! registers by module and function name, and `rpc:call` from Rust to an Erlang node.
//!
//! Since OTP 23, `erpc:call(Node, M, F, A)` (and `rpc:call`, built on it) sends a *spawn
//! request* for `erpc:execute_call(Ref, M, F, A)`: the node spawns a process, answers with
//! its pid (SPAWN_REPLY), and the caller learns the result from that process's exit reason,
//! `{Ref, return, Value}`, through a monitor. A Rust node does the same with a process of
//! its own running the registered function; a function it does not have raises `undef` on
//! the caller, as the BEAM's would.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::term::{Atom, Term};
use crate::node::Node;
use crate::{CallError, ExitReason, ProcessCtx};

type Function = Arc<
    dyn Fn(Vec<Term>) -> Pin<Box<dyn Future<Output = Result<Term, Term>> + Send>> + Send + Sync,
>;

/// The functions a node serves to other nodes' `rpc:call`, by module and name.
#[derive(Default)]
pub(crate) struct Functions {
    map: Mutex<HashMap<(String, String), Function>>,
}

impl Functions {
    fn get(&self, module: &str, function: &str) -> Option<Function> {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(module.to_string(), function.to_string()))
            .cloned()
    }
}

impl Node {
    /// Serves `module:function(Args)` to other nodes' `rpc:call`, `erpc:call`, `rpc:cast`
    /// and `spawn(Node, Module, Function, Args)`: `f` gets the argument list and runs in a
    /// process of this node of its own (so it can call this node's servers). `Ok(value)` is
    /// the call's result; `Err(reason)` raises `error(Reason)` on the caller (`rpc:call`
    /// returns `{badrpc, {'EXIT', {Reason, _}}}`). Registering a name again replaces its
    /// function.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::dist::term::Term;
    /// use otp_runtime::node::Node;
    ///
    /// let node = Node::named("calc@localhost").unwrap();
    /// node.register_function("calc", "add", |args: Vec<Term>| async move {
    ///     match args.as_slice() {
    ///         [Term::Int(a), Term::Int(b)] => Ok(Term::Int(a + b)),
    ///         _ => Err(Term::Atom("badarg".into())),
    ///     }
    /// });
    /// // From Erlang: erpc:call('calc@localhost', calc, add, [1, 2]) =:= 3.
    /// ```
    pub fn register_function<F, Fut>(&self, module: &str, function: &str, f: F)
    where
        F: Fn(Vec<Term>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Term, Term>> + Send + 'static,
    {
        let f: Function = Arc::new(move |args| Box::pin(f(args)));
        self.0
            .functions
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((module.to_string(), function.to_string()), f);
    }
}

fn atom(s: &str) -> Term {
    Term::Atom(Atom::new(s))
}

/// What a spawn request asks this node to run, and how its end is told.
pub(crate) enum Job {
    /// `erpc:execute_call(Ref, M, F, A)`: the exit reason carries the result.
    Call {
        reference: Term,
        module: Atom,
        function: Atom,
        args: Vec<Term>,
    },
    /// `erpc:execute_cast(M, F, A)`, or a plain `spawn(Node, M, F, A)`.
    Run {
        module: Atom,
        function: Atom,
        args: Vec<Term>,
    },
}

impl Job {
    /// The job a spawn request of `module:function(args)` stands for.
    pub(crate) fn of(module: Atom, function: Atom, args: Vec<Term>) -> Job {
        match (module.as_str(), function.as_str(), args.as_slice()) {
            ("erpc", "execute_call", [_, Term::Atom(_), Term::Atom(_), Term::List(_)]) => {
                let mut it = args.into_iter();
                let (
                    Some(reference),
                    Some(Term::Atom(m)),
                    Some(Term::Atom(f)),
                    Some(Term::List(a)),
                ) = (it.next(), it.next(), it.next(), it.next())
                else {
                    unreachable!("matched above")
                };
                Job::Call {
                    reference,
                    module: m,
                    function: f,
                    args: a,
                }
            }
            ("erpc", "execute_cast", [Term::Atom(_), Term::Atom(_), Term::List(_)]) => {
                let mut it = args.into_iter();
                let (Some(Term::Atom(m)), Some(Term::Atom(f)), Some(Term::List(a))) =
                    (it.next(), it.next(), it.next())
                else {
                    unreachable!("matched above")
                };
                Job::Run {
                    module: m,
                    function: f,
                    args: a,
                }
            }
            _ => Job::Run {
                module,
                function,
                args,
            },
        }
    }

    /// Runs the job in the calling process; returns the exit reason term its spawner sees.
    pub(crate) async fn run(self, node: &Node) -> Term {
        let (reference, module, function, args) = match self {
            Job::Call {
                reference,
                module,
                function,
                args,
            } => (Some(reference), module, function, args),
            Job::Run {
                module,
                function,
                args,
            } => (None, module, function, args),
        };
        let (result, stack) = match node.0.functions.get(module.as_str(), function.as_str()) {
            Some(f) => (f(args).await, Term::List(vec![])),
            // The stack the BEAM gives for undef: [{M, F, Args, []}].
            None => (
                Err(atom("undef")),
                Term::List(vec![Term::Tuple(vec![
                    Term::Atom(module),
                    Term::Atom(function),
                    Term::List(args),
                    Term::List(vec![]),
                ])]),
            ),
        };
        let Some(reference) = reference else {
            return match result {
                Ok(_) => atom("normal"),
                Err(reason) => reason,
            };
        };
        match result {
            Ok(value) => Term::Tuple(vec![reference, atom("return"), value]),
            Err(reason) => Term::Tuple(vec![reference, atom("error"), reason, stack]),
        }
    }
}

/// Spawns the process that runs `job` for a spawn request; `told(pid, reason)` runs when it
/// ends, with the reason term its spawner is to see. The process waits for `go` before it
/// runs, so that the spawn reply goes out before anything it causes.
pub(crate) fn spawn_job(
    node: &Node,
    job: Job,
    go: tokio::sync::oneshot::Receiver<()>,
    told: impl FnOnce(crate::Pid, Term) + Send + 'static,
) -> crate::Pid {
    let (result_tx, result_rx) = tokio::sync::oneshot::channel();
    let n = node.clone();
    let p = node.spawn(move |_ctx: ProcessCtx<()>| async move {
        let _ = go.await;
        let reason = job.run(&n).await;
        let _ = result_tx.send(reason);
        ExitReason::Normal
    });
    let pid = p.pid();
    tokio::spawn(async move {
        let exit = p.wait_exit().await;
        let reason = match result_rx.await {
            Ok(reason) => reason,
            // The function panicked or was killed: its reason, as Erlang would write it.
            Err(_) => super::ids::reason_to_term(&exit),
        };
        told(pid, reason);
    });
    pid
}

/// What this node's `rex` answers (unless a process of the node is registered as `rex`):
/// `gen_server:call(rex, {call, M, F, A, GroupLeader})`, which is how `rpc:call` reaches a
/// node that takes no spawn requests, and how [`rpc`] from another Rust node comes. The
/// function runs in a process of its own; the reply is its value, or `{badrpc, Reason}`.
pub(crate) fn rex(node: &Node, msg: Term) {
    let Term::Tuple(v) = msg else { return };
    let [Term::Atom(tag), Term::Tuple(from), Term::Tuple(request)] = &v[..] else {
        return;
    };
    if tag.as_str() != "$gen_call" || from.len() != 2 {
        return;
    }
    let (Term::Pid(_), [Term::Atom(call), Term::Atom(m), Term::Atom(f), Term::List(a), _]) =
        (&from[0], &request[..])
    else {
        return;
    };
    if call.as_str() != "call" {
        return;
    }
    let Ok(caller) = <crate::Pid as super::mapping::FromTerm>::from_term(from[0].clone()) else {
        return;
    };
    let tag = from[1].clone();
    let reference = atom("rex");
    let job = Job::Call {
        reference: reference.clone(),
        module: m.clone(),
        function: f.clone(),
        args: a.clone(),
    };
    let (go_tx, go) = tokio::sync::oneshot::channel();
    let n = node.clone();
    spawn_job(node, job, go, move |_pid, reason| {
        // {rex, return, V} → V; {rex, error, R, Stack} → {badrpc, {'EXIT', {R, Stack}}}.
        let reply = match reason {
            Term::Tuple(mut v) if v.len() == 3 && v[1] == atom("return") => {
                v.pop().unwrap_or(atom("ok"))
            }
            Term::Tuple(mut v) if v.len() == 4 => {
                let stack = v.pop().unwrap_or(Term::List(vec![]));
                let r = v.pop().unwrap_or(atom("undefined"));
                badrpc(Term::Tuple(vec![r, stack]))
            }
            other => badrpc(other),
        };
        let _ = super::call::send_on(&n, caller, &Term::Tuple(vec![tag, reply]));
    });
    let _ = go_tx.send(());
}

fn badrpc(reason: Term) -> Term {
    Term::Tuple(vec![
        atom("badrpc"),
        Term::Tuple(vec![atom("EXIT"), reason]),
    ])
}

/// Why an [`rpc`] failed.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::{term::Term, RpcError};
/// let e = RpcError::BadRpc(Term::Atom("nodedown".into()));
/// assert_eq!(e.to_string(), "badrpc: nodedown");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RpcError {
    /// The call to the node's `rex` server failed: the node is down, or the call timed out.
    Call(CallError),
    /// The function failed there: `{badrpc, Reason}`.
    BadRpc(Term),
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RpcError::Call(e) => e.fmt(f),
            RpcError::BadRpc(r) => write!(f, "badrpc: {r}"),
        }
    }
}

impl std::error::Error for RpcError {}

/// `rpc:call(Node, Module, Function, Args, Timeout)` from the
/// [current node](crate::node::Node::current) to an Erlang (or Elixir) node, through its
/// `rex` server: the function's result, or why not.
///
/// # Errors
///
/// [`RpcError::Call`] if the node cannot be reached, goes down or does not answer in time;
/// [`RpcError::BadRpc`] with the reason if the function failed (`{'EXIT', {undef, _}}`
/// for one that does not exist).
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use otp_runtime::dist::{self, term::Term};
/// # #[tokio::main] async fn main() {
/// let len = dist::rpc("e@localhost", "erlang", "length", vec![Term::List(vec![Term::Int(1)])],
///     Duration::from_secs(5)).await;
/// assert_eq!(len, Ok(Term::Int(1)));
/// # }
/// ```
pub async fn rpc(
    node: &str,
    module: &str,
    function: &str,
    args: Vec<Term>,
    timeout: Duration,
) -> Result<Term, RpcError> {
    let (Some(m), Some(f)) = (Atom::try_new(module), Atom::try_new(function)) else {
        return Err(RpcError::BadRpc(atom("badarg")));
    };
    let request = Term::Tuple(vec![
        atom("call"),
        Term::Atom(m),
        Term::Atom(f),
        Term::List(args),
        atom("user"),
    ]);
    let here = Node::current();
    let reply = super::call::call_term(&here, "rex", node, request, timeout)
        .await
        .map_err(RpcError::Call)?;
    match reply {
        Term::Tuple(v) if v.len() == 2 && v[0] == atom("badrpc") => Err(RpcError::BadRpc(
            v.into_iter().nth(1).unwrap_or(Term::List(vec![])),
        )),
        other => Ok(other),
    }
}
