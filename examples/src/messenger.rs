//! The messenger of Erlang's *Getting Started* guide, as a supervision tree of gen_servers.
//!
//! Users log on under a name, send each other text messages by name, read what they got,
//! and log off. Three layers, as in the Erlang original:
//!
//! - the **interface**: [`logon`], [`users`], and the [`User`] it returns, with
//!   [`message_to`](User::message_to), [`read`](User::read) and [`logoff`](User::logoff);
//! - one **client** process per user, which talks to the server on the user's behalf and
//!   keeps the messages sent to the user;
//! - the **server**, registered as [`NAME`], which keeps the list of the users logged on
//!   (their names and their clients' pids) and passes messages on. It refuses a name that is
//!   taken, a sender that is not logged on and a receiver that is not, and monitors every
//!   client, so a client that dies is logged off.
//!
//! [`MessengerSup`] runs the server and, under a dynamic supervisor, the clients. Start it on
//! its own or nest it in a tree (`supervisor "messenger" => MessengerSup;`). The `messenger`
//! program runs it.
//!
//! # Examples
//!
//! ```
//! use examples::messenger::{self, MessengerError, MessengerSup};
//!
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let tree = MessengerSup::start().await?;
//! let peter = messenger::logon("peter").await?;
//! let fred = messenger::logon("fred").await?;
//! peter.message_to("fred", "hello").await?;
//! assert_eq!(fred.read().await?[0].to_string(), "message from peter: hello");
//! assert_eq!(
//!     peter.message_to("harry", "hi").await,
//!     Err(MessengerError::ReceiverNotFound("harry".into()))
//! );
//! tree.stop().await?;
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;

use otp_runtime::prelude::*;

/// The name the messenger's server is registered under.
///
/// # Examples
///
/// ```
/// # #[tokio::main] async fn main() {
/// let tree = examples::messenger::MessengerSup::start().await.unwrap();
/// assert!(otp_runtime::whereis(examples::messenger::NAME).is_some());
/// # tree.stop().await.unwrap();
/// # }
/// ```
pub const NAME: &str = "messenger";

// ANCHOR: error
/// Why the messenger did not do what was asked.
///
/// # Examples
///
/// ```
/// use examples::messenger::MessengerError;
///
/// let err = MessengerError::NameTaken("fred".into());
/// assert_eq!(err.to_string(), "fred is already logged on");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessengerError {
    /// [`logon`]: a user is logged on under this name already.
    NameTaken(String),
    /// The user sending or logging off is not logged on (any more).
    NotLoggedOn,
    /// [`User::message_to`]: nobody is logged on under this name.
    ReceiverNotFound(String),
    /// The messenger did not answer: it is not running, or it crashed during the request.
    Unavailable(CallError),
    /// [`logon`]: the user's client could not be started (is the messenger running?).
    CannotStart(SupervisorError),
}

impl fmt::Display for MessengerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessengerError::NameTaken(name) => write!(f, "{name} is already logged on"),
            MessengerError::NotLoggedOn => f.write_str("you are not logged on"),
            MessengerError::ReceiverNotFound(name) => write!(f, "{name} is not logged on"),
            MessengerError::Unavailable(e) => write!(f, "the messenger did not answer: {e}"),
            MessengerError::CannotStart(e) => write!(f, "cannot start a client: {e}"),
        }
    }
}

impl std::error::Error for MessengerError {}
// ANCHOR_END: error

// ANCHOR: message
/// A message a user got: who sent it, and its text.
///
/// # Examples
///
/// ```
/// use examples::messenger::Message;
///
/// let message = Message { from: "peter".into(), text: "hello".into() };
/// assert_eq!(message.to_string(), "message from peter: hello");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The sender's name.
    pub from: String,
    /// What the sender wrote.
    pub text: String,
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "message from {}: {}", self.from, self.text)
    }
}
// ANCHOR_END: message

// ANCHOR: server
/// The server: the users logged on, by name.
#[derive(Default)]
struct Messenger {
    users: BTreeMap<String, LoggedOn>,
}

/// A user logged on: their client, and the server's monitor on it.
struct LoggedOn {
    pid: Pid,
    client: ClientRef,
    monitor: MonitorRef,
}

#[gen_server]
impl Messenger {
    /// Logs on the client `client` as `name`, unless someone has that name already.
    #[call]
    fn logon(
        &mut self,
        name: String,
        client: Pid,
        ctx: &mut Ctx<Self>,
    ) -> Result<(), MessengerError> {
        if self.users.contains_key(&name) {
            return Err(MessengerError::NameTaken(name));
        }
        // A typed handle, if `client` is a live client.
        let handle = ServerRef::<Client>::from_pid(client).map_err(MessengerError::Unavailable)?;
        let user = LoggedOn {
            pid: client,
            client: ClientRef::from(handle),
            monitor: ctx.monitor(client), // its end logs the user off
        };
        self.users.insert(name, user);
        Ok(())
    }

    /// Logs off the client `client`.
    #[call]
    fn logoff(&mut self, client: Pid, ctx: &mut Ctx<Self>) -> Result<(), MessengerError> {
        let name = self.name_of(client).ok_or(MessengerError::NotLoggedOn)?;
        if let Some(user) = self.users.remove(&name) {
            ctx.demonitor(user.monitor, true); // and drop its DOWN, if one is on its way
        }
        Ok(())
    }

    /// Passes `text` from the user whose client is `from` to the user called `to`.
    #[call]
    fn message_to(&mut self, from: Pid, to: String, text: String) -> Result<(), MessengerError> {
        let from = self.name_of(from).ok_or(MessengerError::NotLoggedOn)?;
        let receiver = self
            .users
            .get(&to)
            .ok_or(MessengerError::ReceiverNotFound(to))?;
        receiver.client.message_from(from, text); // a cast: the server never waits for a client
        Ok(())
    }

    /// The names of the users logged on, in order.
    #[call]
    fn users(&self) -> Vec<String> {
        self.users.keys().cloned().collect()
    }

    /// A client died (it crashed, or was killed): its user is logged off.
    #[info(down)]
    fn client_down(&mut self, _monitor: MonitorRef, pid: Pid, _reason: ExitReason) {
        if let Some(name) = self.name_of(pid) {
            self.users.remove(&name);
        }
    }
}

impl Messenger {
    /// The name of the user whose client is `pid`.
    fn name_of(&self, pid: Pid) -> Option<String> {
        self.users
            .iter()
            .find(|(_, user)| user.pid == pid)
            .map(|(name, _)| name.clone())
    }
}
// ANCHOR_END: server

// ANCHOR: client
/// A user's client: talks to the server for the user, and keeps what others sent them.
struct Client {
    name: String,
    inbox: Vec<Message>,
}

#[gen_server]
impl Client {
    /// Logs this client on as its user.
    #[call]
    async fn logon(&mut self, ctx: &mut Ctx<Self>) -> Result<(), MessengerError> {
        server()
            .logon(self.name.clone(), ctx.pid())
            .await
            .unwrap_or_else(|e| Err(MessengerError::Unavailable(e)))
    }

    /// Sends `text` to the user called `to`, through the server.
    #[call]
    async fn message_to(
        &mut self,
        to: String,
        text: String,
        ctx: &mut Ctx<Self>,
    ) -> Result<(), MessengerError> {
        server()
            .message_to(ctx.pid(), to, text)
            .await
            .unwrap_or_else(|e| Err(MessengerError::Unavailable(e)))
    }

    /// A message for this user, from the server.
    #[cast]
    fn message_from(&mut self, from: String, text: String) {
        // A fault point for the simulation tests: the client crashes with the message
        // (its user is logged off; nothing else may be lost). Nothing outside a simulation.
        otp_runtime::buggify!();
        self.inbox.push(Message { from, text });
    }

    /// The messages that came since the last read, oldest first.
    #[call]
    fn read(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.inbox)
    }

    /// Logs off, then stops this client.
    #[call]
    async fn logoff(&mut self, ctx: &mut Ctx<Self>) -> Result<(), MessengerError> {
        let result = server()
            .logoff(ctx.pid())
            .await
            .unwrap_or_else(|e| Err(MessengerError::Unavailable(e)));
        ctx.stop(ExitReason::Normal); // once this call is answered
        result
    }
}

/// The server, by its name.
fn server() -> MessengerRef {
    Messenger::named(NAME)
}
// ANCHOR_END: client

// ANCHOR: tree
supervision_tree! {
    /// The messenger: its server, then a dynamic supervisor of the clients. `rest_for_one`:
    /// the clients depend on the server, so if it crashes (and forgets who is logged on),
    /// the clients are stopped too, and their users must log on again.
    ///
    /// # Examples
    ///
    /// ```
    /// use examples::messenger::MessengerSup;
    /// use otp_runtime::prelude::*;
    ///
    /// supervision_tree! {
    ///     /// A node's top supervisor, with the messenger in it.
    ///     Node: one_for_one {
    ///         supervisor "messenger" => MessengerSup;
    ///     }
    /// }
    ///
    /// # #[tokio::main] async fn main() {
    /// let node = Node::start().await.unwrap();
    /// let ada = examples::messenger::logon("ada").await.unwrap();
    /// assert_eq!(ada.name(), "ada");
    /// node.stop().await.unwrap();
    /// # }
    /// ```
    pub MessengerSup: rest_for_one, intensity 3 per 5s {
        worker "server" => Messenger::default(), name: NAME;
        supervisor "clients" => Clients;
    }

    /// One client per user logged on. `temporary`: a client that dies is not restarted (its
    /// user is logged off; they log on again).
    Clients: dynamic, name: "messenger_clients" {
        worker "client" => |name: String| Client { name, inbox: Vec::new() },
            restart: temporary;
    }
}
// ANCHOR_END: tree

// ANCHOR: interface
/// Logs `name` on: starts a client for the user, which logs on with the server.
///
/// # Errors
///
/// [`MessengerError::NameTaken`] if a user is logged on under `name`;
/// [`MessengerError::CannotStart`] if the messenger is not running.
///
/// # Examples
///
/// ```
/// use examples::messenger::{self, MessengerError, MessengerSup};
///
/// # #[tokio::main] async fn main() {
/// let tree = MessengerSup::start().await.unwrap();
/// let peter = messenger::logon("peter").await.unwrap();
/// assert_eq!(peter.name(), "peter");
/// assert_eq!(
///     messenger::logon("peter").await.unwrap_err(),
///     MessengerError::NameTaken("peter".into())
/// );
/// # tree.stop().await.unwrap();
/// # }
/// ```
pub async fn logon(name: &str) -> Result<User, MessengerError> {
    let clients = Clients::named();
    let pid = clients
        .start_child(name.to_string())
        .await
        .map_err(MessengerError::CannotStart)?
        .expect("a client always starts");
    let client = ServerRef::<Client>::from_pid(pid).map_err(MessengerError::Unavailable)?;
    let user = User {
        name: name.to_string(),
        client: ClientRef::from(client),
    };
    if let Err(e) = flatten(user.client.logon().await) {
        // Refused: this client has nothing to do.
        let _ = clients.terminate_child(pid).await;
        return Err(e);
    }
    Ok(user)
}

/// The names of the users logged on, in order.
///
/// # Errors
///
/// [`MessengerError::Unavailable`] if the messenger is not running.
///
/// # Examples
///
/// ```
/// use examples::messenger::{self, MessengerSup};
///
/// # #[tokio::main] async fn main() {
/// let tree = MessengerSup::start().await.unwrap();
/// let _fred = messenger::logon("fred").await.unwrap();
/// let _ada = messenger::logon("ada").await.unwrap();
/// assert_eq!(messenger::users().await.unwrap(), ["ada", "fred"]);
/// # tree.stop().await.unwrap();
/// # }
/// ```
pub async fn users() -> Result<Vec<String>, MessengerError> {
    server().users().await.map_err(MessengerError::Unavailable)
}

/// A user logged on: what [`logon`] returns. Cloning it gives another handle to the same
/// user.
///
/// # Examples
///
/// ```
/// use examples::messenger::{self, MessengerSup};
///
/// # #[tokio::main] async fn main() {
/// # let tree = MessengerSup::start().await.unwrap();
/// let peter = messenger::logon("peter").await.unwrap();
/// let fred = messenger::logon("fred").await.unwrap();
/// fred.message_to("peter", "go away, I'm at lunch").await.unwrap();
/// let got = peter.read().await.unwrap();
/// assert_eq!(got[0].to_string(), "message from fred: go away, I'm at lunch");
/// # tree.stop().await.unwrap();
/// # }
/// ```
#[derive(Clone)]
pub struct User {
    name: String,
    client: ClientRef,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .field("client", &self.client.pid())
            .finish()
    }
}

impl User {
    /// The name this user logged on with.
    ///
    /// # Examples
    ///
    /// See [`MessengerSup`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The pid of this user's client, while it runs.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main] async fn main() {
    /// # let tree = examples::messenger::MessengerSup::start().await.unwrap();
    /// let ada = examples::messenger::logon("ada").await.unwrap();
    /// assert!(ada.pid().is_some());
    /// # tree.stop().await.unwrap();
    /// # }
    /// ```
    pub fn pid(&self) -> Option<Pid> {
        self.client.pid()
    }

    /// Sends `text` to the user logged on as `to`.
    ///
    /// # Errors
    ///
    /// [`MessengerError::ReceiverNotFound`] if nobody is logged on as `to`;
    /// [`MessengerError::NotLoggedOn`] if this user is not logged on (any more).
    ///
    /// # Examples
    ///
    /// See [`User`].
    pub async fn message_to(&self, to: &str, text: &str) -> Result<(), MessengerError> {
        flatten(self.client.message_to(to.into(), text.into()).await)
    }

    /// The messages this user got since the last read, oldest first.
    ///
    /// # Errors
    ///
    /// [`MessengerError::NotLoggedOn`] if this user is not logged on (any more).
    ///
    /// # Examples
    ///
    /// See [`User`].
    pub async fn read(&self) -> Result<Vec<Message>, MessengerError> {
        flatten(self.client.read().await.map(Ok))
    }

    /// Logs this user off. Their client stops, and what it had not read is lost.
    ///
    /// # Errors
    ///
    /// [`MessengerError::NotLoggedOn`] if this user is not logged on (any more).
    ///
    /// # Examples
    ///
    /// ```
    /// use examples::messenger::{self, MessengerError};
    ///
    /// # #[tokio::main] async fn main() {
    /// # let tree = examples::messenger::MessengerSup::start().await.unwrap();
    /// let fred = messenger::logon("fred").await.unwrap();
    /// fred.logoff().await.unwrap();
    /// assert_eq!(fred.logoff().await, Err(MessengerError::NotLoggedOn));
    /// # tree.stop().await.unwrap();
    /// # }
    /// ```
    pub async fn logoff(&self) -> Result<(), MessengerError> {
        flatten(self.client.logoff().await)?;
        self.client.wait_exit().await; // gone when this returns
        Ok(())
    }
}

/// A request to the client, flattened: a client that is gone means its user is not logged
/// on.
fn flatten<T>(result: Result<Result<T, MessengerError>, CallError>) -> Result<T, MessengerError> {
    match result {
        Ok(result) => result,
        Err(CallError::NoProc { .. }) => Err(MessengerError::NotLoggedOn),
        Err(e) => Err(MessengerError::Unavailable(e)),
    }
}
// ANCHOR_END: interface
