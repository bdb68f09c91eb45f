//! The messenger of Erlang's *Getting Started* guide (`messenger.erl`) across nodes, in the
//! tutorial's own protocol, so that its Erlang clients and these Rust ones log on to the same
//! server.
//!
//! One node runs the [`server`], registered as [`NAME`]: it keeps the users logged on, by
//! name, and passes their messages on. A user logs on from a process of any node with
//! [`Client::logon`], sends with [`Client::message`], reads with [`Client::receive`] and
//! logs off with [`Client::logoff`]. What travels is what `messenger.erl` sends:
//!
//! | from | message |
//! |---|---|
//! | client to server | `{ClientPid, logon, Name}`, `{ClientPid, logoff}`, `{ClientPid, message_to, ToName, Message}` |
//! | server to client | `{messenger, logged_on}`, `{messenger, logged_off}`, `{messenger, sent}`, `{messenger, receiver_not_found}`, `{messenger, stop, user_exists_at_other_node}`, `{messenger, stop, you_are_not_logged_on}` |
//! | server to receiver | `{message_from, Name, Message}` |
//!
//! Names are atoms (`peter`), and a message is any term (the tutorial sends strings, which
//! are charlists: a Rust client sends its text as one). The server answers a logoff with
//! `{messenger, logged_off}`, one of the two answers the tutorial's protocol lists, so that a
//! Rust client knows when it is done; the tutorial's client has stopped by then and never
//! reads it.
//!
//! Unlike the tutorial's first version, the server monitors every client, so a client that
//! dies, or whose node goes down, is logged off (the tutorial's robust version links to the
//! clients and traps exits for the same purpose).
//!
//! The `dist_messenger` program runs it; the book's chapter "Distribution" explains it.
//! `examples/erlang/messenger_client.erl` is a client for an Erlang shell.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use otp_runtime::dist::mapping::{Charlist, FromTerm, FromTermError, FromTermErrorKind, ToTerm};
use otp_runtime::dist::term::{Atom, Term};
use otp_runtime::dist::{self, DistError};
use otp_runtime::prelude::*;

/// The name the server is registered under, on its node.
pub const NAME: &str = "messenger";

/// How long a client waits for the server's answer, as the robust tutorial's
/// `await_result/0` does (`after 5000`).
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

// ANCHOR: protocol
/// What a client sends the server: `{ClientPid, logon, Name}`, `{ClientPid, logoff}` or
/// `{ClientPid, message_to, ToName, Message}`.
///
/// # Examples
///
/// ```
/// use examples::dist_messenger::{Request, ToServer};
/// use otp_runtime::dist::mapping::{FromTerm, ToTerm};
/// use otp_runtime::dist::term::Atom;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let me = otp_runtime::spawn(|_ctx: otp_runtime::ProcessCtx<()>| async {
///     otp_runtime::ExitReason::Normal
/// });
/// let logon = ToServer { from: me.pid(), request: Request::Logon(Atom::new("peter")) };
/// let term = logon.to_term();
/// assert!(term.to_string().starts_with("{<nonode@nohost."));
/// assert!(term.to_string().ends_with(">,logon,peter}"));
/// assert_eq!(ToServer::from_term(term), Ok(logon));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ToServer {
    /// The client: `ClientPid`.
    pub from: Pid,
    /// What it asks.
    pub request: Request,
}

/// What a client asks: the elements of a [`ToServer`] after the pid.
///
/// # Examples
///
/// ```
/// use examples::dist_messenger::Request;
/// use otp_runtime::dist::mapping::{Charlist, ToTerm};
/// use otp_runtime::dist::term::Atom;
///
/// let message = Request::MessageTo(Atom::new("fred"), Charlist::from("hello").to_term());
/// assert_eq!(message.to_term().to_string(), r#"{message_to,fred,"hello"}"#);
/// assert_eq!(Request::Logoff.to_term().to_string(), "logoff");
/// ```
#[derive(ToTerm, FromTerm, Clone, Debug, PartialEq)]
pub enum Request {
    /// `logon, Name`
    Logon(Atom),
    /// `logoff`
    Logoff,
    /// `message_to, ToName, Message`
    MessageTo(Atom, Term),
}

/// What the server sends a client.
///
/// # Examples
///
/// ```
/// use examples::dist_messenger::{Reply, ToClient, Why};
/// use otp_runtime::dist::mapping::{Charlist, FromTerm, ToTerm};
/// use otp_runtime::dist::term::Atom;
///
/// let refused = ToClient::Messenger(Reply::Stop(Why::UserExistsAtOtherNode));
/// let term = refused.to_term();
/// assert_eq!(term.to_string(), "{messenger,stop,user_exists_at_other_node}");
/// assert_eq!(ToClient::from_term(term), Ok(refused));
/// assert_eq!(ToClient::Messenger(Reply::Sent).to_term().to_string(), "{messenger,sent}");
///
/// let hello = ToClient::MessageFrom(Atom::new("peter"), Charlist::from("hello").to_term());
/// assert_eq!(hello.to_term().to_string(), r#"{message_from,peter,"hello"}"#);
/// assert_eq!(ToClient::from_term(hello.to_term()), Ok(hello));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum ToClient {
    /// The answer to a request: `{messenger, What}` or `{messenger, stop, Why}`.
    Messenger(Reply),
    /// A message from another user: `{message_from, Name, Message}`.
    MessageFrom(Atom, Term),
}

/// The server's answer: what follows `messenger` in `{messenger, ...}`.
///
/// # Examples
///
/// See [`ToClient`].
#[derive(ToTerm, FromTerm, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `logged_on`
    LoggedOn,
    /// `logged_off`
    LoggedOff,
    /// `sent`: passed on (but no guarantee, as the tutorial says).
    Sent,
    /// `receiver_not_found`: nobody is logged on under that name.
    ReceiverNotFound,
    /// `stop, Why`: refused; the tutorial's client stops.
    Stop(Why),
}

/// Why the server refused: what follows `stop` in `{messenger, stop, Why}`.
///
/// # Examples
///
/// ```
/// use examples::dist_messenger::Why;
/// assert_eq!(Why::YouAreNotLoggedOn.to_string(), "you_are_not_logged_on");
/// ```
#[derive(ToTerm, FromTerm, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// `user_exists_at_other_node`: the name is taken.
    UserExistsAtOtherNode,
    /// `you_are_not_logged_on`: the sender is not logged on.
    YouAreNotLoggedOn,
}
// ANCHOR_END: protocol

impl fmt::Display for Why {
    /// The atom, as Erlang prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_term().fmt(f)
    }
}

// ANCHOR: by_hand
// `{ClientPid, logon, Name}` starts with a pid, and `{messenger, stop, Why}` has the tag of
// `{messenger, What}`: neither is a tagged tuple the derive reads. These impls put the first
// element aside and let the derived `Request` and `Reply` read the rest.

impl ToTerm for ToServer {
    fn to_term(&self) -> Term {
        prefixed(self.from.to_term(), self.request.to_term())
    }
}

impl FromTerm for ToServer {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        let (from, request) = unprefixed::<ToServer>(term, "a tuple {ClientPid, Request, ...}")?;
        Ok(ToServer {
            from: Pid::from_term(from).map_err(|e| e.in_element(1))?,
            request: Request::from_term(request)?,
        })
    }
}

impl ToTerm for ToClient {
    fn to_term(&self) -> Term {
        match self {
            ToClient::Messenger(reply) => prefixed(Messenger.to_term(), reply.to_term()),
            ToClient::MessageFrom(name, message) => (MessageFrom, name, message).to_term(),
        }
    }
}

impl FromTerm for ToClient {
    fn from_term(term: Term) -> Result<Self, FromTermError> {
        match term {
            Term::Tuple(items) if items.first() == Some(&Messenger.to_term()) => {
                let (_, reply) = unprefixed::<ToClient>(Term::Tuple(items), "{messenger, ...}")?;
                Ok(ToClient::Messenger(Reply::from_term(reply)?))
            }
            other => {
                let (MessageFrom, name, message) = FromTerm::from_term(other)?;
                Ok(ToClient::MessageFrom(name, message))
            }
        }
    }
}

/// The atom `messenger`.
#[derive(ToTerm, FromTerm)]
struct Messenger;

/// The atom `message_from`.
#[derive(ToTerm, FromTerm)]
struct MessageFrom;

/// `{Head, E1, ..., En}` from `head` and the term of a derived enum's variant: `{Head, a}`
/// for an atom `a`, `{Head, a, X, Y}` for a tagged tuple `{a, X, Y}`.
fn prefixed(head: Term, rest: Term) -> Term {
    match rest {
        Term::Tuple(mut items) => {
            items.insert(0, head);
            Term::Tuple(items)
        }
        other => Term::Tuple(vec![head, other]),
    }
}

/// The other way: a tuple's first element, and the rest as one term (the element itself if
/// there is one, else a tuple of them). `T` and `expected` describe what did not fit.
fn unprefixed<T>(term: Term, expected: &'static str) -> Result<(Term, Term), FromTermError> {
    match term {
        Term::Tuple(mut items) if items.len() >= 2 => {
            let head = items.remove(0);
            let rest = match items.len() {
                1 => items.pop().expect("one element"),
                _ => Term::Tuple(items),
            };
            Ok((head, rest))
        }
        other => Err(FromTermError::new::<T>(
            FromTermErrorKind::WrongShape,
            expected,
            &other,
        )),
    }
}
// ANCHOR_END: by_hand

/// Prints `text` as said on the current node: `(c1@localhost) text`, as an Erlang shell
/// prompt names its node.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let node = otp_runtime::node::Node::named("c1@localhost").unwrap();
/// node.scope(async { examples::dist_messenger::say("peter: logged_on") }).await;
/// // prints: (c1@localhost) peter: logged_on
/// # }
/// ```
pub fn say(text: impl fmt::Display) {
    println!("({}) {text}", Node::current().name());
}

// ANCHOR: server
/// A user logged on: their client, their name, and the server's monitor on the client.
struct User {
    pid: Pid,
    name: Atom,
    monitor: MonitorRef,
}

/// The server: `server(User_List)` of `messenger.erl`, with a monitor on each client. Spawn
/// it with [`start_server`], which registers it as [`NAME`] once it takes messages from
/// other nodes.
pub async fn server(mut ctx: ProcessCtx<ToServer>) -> ExitReason {
    let mut users: Vec<User> = Vec::new();
    loop {
        match ctx.recv().await {
            Message::Msg(ToServer { from, request }) => match request {
                Request::Logon(name) => {
                    if users.iter().any(|u| u.name == name) {
                        say(format_args!("{name} refused: user_exists_at_other_node"));
                        reply(from, Reply::Stop(Why::UserExistsAtOtherNode));
                    } else {
                        say(format_args!("{name} logged on"));
                        let monitor = ctx.monitor(from); // a client that dies is logged off
                        users.push(User {
                            pid: from,
                            name,
                            monitor,
                        });
                        reply(from, Reply::LoggedOn);
                    }
                }
                Request::Logoff => {
                    if let Some(at) = users.iter().position(|u| u.pid == from) {
                        let user = users.remove(at);
                        ctx.demonitor(user.monitor, true);
                        say(format_args!("{} logged off", user.name));
                    }
                    reply(from, Reply::LoggedOff);
                }
                Request::MessageTo(to, message) => {
                    let Some(sender) = users.iter().find(|u| u.pid == from) else {
                        reply(from, Reply::Stop(Why::YouAreNotLoggedOn));
                        continue;
                    };
                    match users.iter().find(|u| u.name == to) {
                        None => {
                            say(format_args!("{} to {to}: receiver_not_found", sender.name));
                            reply(from, Reply::ReceiverNotFound);
                        }
                        Some(receiver) => {
                            say(format_args!("{} to {to}: {message}", sender.name));
                            let delivery = ToClient::MessageFrom(sender.name.clone(), message);
                            let _ = dist::send(receiver.pid, &delivery);
                            reply(from, Reply::Sent);
                        }
                    }
                }
            },
            // A client died without logging off, or its node went down (`noconnection`).
            Message::Down { pid, reason, .. } => {
                if let Some(at) = users.iter().position(|u| u.pid == pid) {
                    let user = users.remove(at);
                    say(format_args!("{} logged off: {reason}", user.name));
                }
            }
            Message::Exit { .. } => {}
        }
    }
}

/// `{messenger, Reply}` to a client. As `!` in Erlang, sending never fails because the
/// client is gone.
fn reply(client: Pid, reply: Reply) {
    let _ = dist::send(client, &ToClient::Messenger(reply));
}

/// Spawns the [`server`] on `node` and registers it as [`NAME`] there (the tutorial's
/// `start_server/0`).
///
/// # Errors
///
/// [`RegisterError`](otp_runtime::RegisterError) if the name is taken on `node`.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let node = otp_runtime::node::Node::new();
/// let server = examples::dist_messenger::start_server(&node).unwrap();
/// assert_eq!(node.whereis("messenger"), Some(server.pid()));
/// # node.stop().await;
/// # }
/// ```
pub fn start_server(node: &Node) -> Result<ProcessRef<ToServer>, otp_runtime::RegisterError> {
    // The closure runs before `spawn` returns: the server takes messages from other nodes
    // before anyone can find it by its name.
    let server = node.spawn(|ctx| {
        ctx.accept_remote();
        server(ctx)
    });
    node.register(NAME, server.pid())?;
    Ok(server)
}
// ANCHOR_END: server

// ANCHOR: client
/// A user logged on from a process of this node: the tutorial's client process (`client/2`)
/// and its commands, for the process that holds this value.
pub struct Client {
    ctx: ProcessCtx<ToClient>,
    server_node: String,
    /// Messages from other users that came while the client waited for the server.
    inbox: VecDeque<Incoming>,
}

impl Client {
    /// `logon(Name)`: sends `{ClientPid, logon, Name}` to the server on `server_node`, and
    /// waits for its answer. From now on the process takes messages from other nodes; the
    /// server learns its pid only from this request, so none can come before.
    ///
    /// # Errors
    ///
    /// [`MessengerError::Refused`] with [`Why::UserExistsAtOtherNode`] if the name is taken,
    /// [`MessengerError::NoResponse`], [`MessengerError::Send`],
    /// [`MessengerError::BadName`].
    ///
    /// # Examples
    ///
    /// See the `dist_messenger` program.
    pub async fn logon(
        ctx: ProcessCtx<ToClient>,
        server_node: &str,
        name: &str,
    ) -> Result<Client, MessengerError> {
        ctx.accept_remote();
        let mut client = Client {
            ctx,
            server_node: server_node.to_string(),
            inbox: VecDeque::new(),
        };
        client.request(Request::Logon(to_atom(name)?)).await?;
        Ok(client)
    }

    /// `message(ToName, Message)`: asks the server to pass `text` (as a charlist, as Erlang's
    /// strings are) to the user called `to`, and waits for its answer.
    ///
    /// # Errors
    ///
    /// [`MessengerError::ReceiverNotFound`], [`MessengerError::Refused`] with
    /// [`Why::YouAreNotLoggedOn`], [`MessengerError::NoResponse`], [`MessengerError::Send`],
    /// [`MessengerError::BadName`].
    ///
    /// # Examples
    ///
    /// See the `dist_messenger` program.
    pub async fn message(&mut self, to: &str, text: &str) -> Result<(), MessengerError> {
        let text = Charlist::from(text).to_term();
        self.request(Request::MessageTo(to_atom(to)?, text)).await
    }

    /// The next message from another user, oldest first; `None` if none comes within
    /// `timeout`.
    ///
    /// # Examples
    ///
    /// See the `dist_messenger` program.
    pub async fn receive(&mut self, timeout: Duration) -> Option<Incoming> {
        if let Some(incoming) = self.inbox.pop_front() {
            return Some(incoming);
        }
        let next = async {
            loop {
                if let Message::Msg(ToClient::MessageFrom(from, message)) = self.ctx.recv().await {
                    return Incoming { from, message };
                }
            }
        };
        otp_runtime::time::timeout(timeout, next).await
    }

    /// `logoff()`: sends `{ClientPid, logoff}`, and waits for the server's
    /// `{messenger, logged_off}` ([`server`] sends it; the tutorial's own server does not,
    /// and against it this ends with [`MessengerError::NoResponse`] after
    /// [`REPLY_TIMEOUT`]).
    ///
    /// # Errors
    ///
    /// [`MessengerError::NoResponse`], [`MessengerError::Send`].
    ///
    /// # Examples
    ///
    /// See the `dist_messenger` program.
    pub async fn logoff(mut self) -> Result<(), MessengerError> {
        self.request(Request::Logoff).await
    }

    /// Sends `request` to the server and waits for its answer, keeping the messages from
    /// other users that come meanwhile: Erlang's `await_result/0` receives only
    /// `{messenger, ...}` and leaves them in the mailbox; a mailbox here gives everything in
    /// order, so the client puts them aside itself.
    async fn request(&mut self, request: Request) -> Result<(), MessengerError> {
        let from = self.ctx.pid();
        dist::send_named(NAME, &self.server_node, &ToServer { from, request })
            .map_err(MessengerError::Send)?;
        let answer = async {
            loop {
                match self.ctx.recv().await {
                    Message::Msg(ToClient::Messenger(reply)) => return reply,
                    Message::Msg(ToClient::MessageFrom(from, message)) => {
                        self.inbox.push_back(Incoming { from, message })
                    }
                    Message::Exit { .. } | Message::Down { .. } => {}
                }
            }
        };
        match otp_runtime::time::timeout(REPLY_TIMEOUT, answer).await {
            Some(Reply::LoggedOn | Reply::LoggedOff | Reply::Sent) => Ok(()),
            Some(Reply::ReceiverNotFound) => Err(MessengerError::ReceiverNotFound),
            Some(Reply::Stop(why)) => Err(MessengerError::Refused(why)),
            None => Err(MessengerError::NoResponse),
        }
    }
}

/// `name` as an atom, if it can be one.
fn to_atom(name: &str) -> Result<Atom, MessengerError> {
    Atom::try_new(name).ok_or_else(|| MessengerError::BadName(name.into()))
}
// ANCHOR_END: client

/// A message from another user: `{message_from, Name, Message}`. It prints as the
/// tutorial's client prints it.
///
/// # Examples
///
/// ```
/// use examples::dist_messenger::Incoming;
/// use otp_runtime::dist::mapping::{Charlist, ToTerm};
/// use otp_runtime::dist::term::Atom;
///
/// let got = Incoming { from: Atom::new("peter"), message: Charlist::from("hello").to_term() };
/// assert_eq!(got.to_string(), r#"Message from peter: "hello""#);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Incoming {
    /// Who sent it.
    pub from: Atom,
    /// What they sent: any term (the tutorial's clients send strings).
    pub message: Term,
}

impl fmt::Display for Incoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // io:format("Message from ~p: ~p~n", [FromName, Message])
        write!(f, "Message from {}: {}", self.from, self.message)
    }
}

/// Why a [`Client`] request did not do what was asked. It prints as the tutorial's client
/// prints the server's answer.
///
/// # Examples
///
/// ```
/// use examples::dist_messenger::{MessengerError, Why};
/// assert_eq!(
///     MessengerError::Refused(Why::UserExistsAtOtherNode).to_string(),
///     "user_exists_at_other_node"
/// );
/// assert_eq!(MessengerError::ReceiverNotFound.to_string(), "receiver_not_found");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum MessengerError {
    /// `{messenger, stop, Why}`: the server refused.
    Refused(Why),
    /// `{messenger, receiver_not_found}`: nobody is logged on under that name.
    ReceiverNotFound,
    /// The server did not answer within [`REPLY_TIMEOUT`]: it is not running, or its node
    /// cannot be reached.
    NoResponse,
    /// The request could not be sent: this node is not distributed, or the server's node
    /// name is not a node name.
    Send(DistError),
    /// A name longer than an atom may be.
    BadName(String),
}

impl fmt::Display for MessengerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessengerError::Refused(why) => why.fmt(f),
            MessengerError::ReceiverNotFound => f.write_str("receiver_not_found"),
            MessengerError::NoResponse => f.write_str("No response from server"),
            MessengerError::Send(e) => write!(f, "cannot reach the server: {e}"),
            MessengerError::BadName(name) => write!(f, "{name:?} is too long for a name"),
        }
    }
}

impl std::error::Error for MessengerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MessengerError::Send(e) => Some(e),
            _ => None,
        }
    }
}
