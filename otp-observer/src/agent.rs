//! The agent a node runs so that an observer of another node can watch it: a
//! `#[gen_server(remote)]` registered as [`AGENT_NAME`], answering [`Request`]s over
//! distribution. The node opts in by starting it; the cookie is the authentication.

use std::time::Duration;

use otp_runtime::dist::DistOptions;
use otp_runtime::node::Node;
use otp_runtime::prelude::*;

use crate::source::{serve, BoxFuture, Request, Response, Source, SourceError};

/// The name the agent is registered under.
pub const AGENT_NAME: &str = "otp_observer";

/// The agent: answers `{ask, Request}` calls from observers of other nodes.
///
/// # Examples
///
/// A node watched from another node of the same program (in real use, another program:
/// `otp-observer --attach b@localhost --cookie secret`):
///
/// ```
/// use otp_observer::{Agent, RemoteSource, Request, Response, Source};
/// use otp_runtime::dist::DistOptions;
/// use otp_runtime::node::Node;
///
/// # #[tokio::main] async fn main() {
/// # let epmd = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
/// let opts = DistOptions::new("secret").epmd_port(epmd);
/// let watched = Node::named("b@localhost").unwrap();
/// watched.start_distribution(opts.clone()).await.unwrap(); // serves EPMD on that port
/// Agent::start_on(&watched).await.unwrap();
///
/// let observer = Node::named("obs@localhost").unwrap();
/// observer.start_distribution(opts).await.unwrap();
/// let source = RemoteSource::on(&observer, "b@localhost");
/// let answer = source.request(Request::Snapshot).await;
/// let Ok(Response::Snapshot(snap)) = answer else {
///     panic!("no snapshot: {answer:?}")
/// };
/// assert_eq!(snap.node.name, "b@localhost");
/// assert!(snap.processes.iter().any(|p| p.name.as_deref() == Some("otp_observer")));
/// # watched.stop().await;
/// # observer.stop().await;
/// # }
/// ```
#[derive(Debug, Default)]
pub struct Agent;

#[gen_server(remote)]
impl Agent {
    /// `{ask, Request}`: answers one observer request about this node.
    #[call]
    pub async fn ask(&mut self, request: Request) -> Response {
        serve(&Node::current(), request).await
    }
}

impl Agent {
    /// Starts the agent on `node`, registered as [`AGENT_NAME`], unlinked (for a supervised
    /// one, [`Agent::child_spec`]).
    ///
    /// # Errors
    ///
    /// The [`StartError`] of a name already taken.
    ///
    /// # Examples
    ///
    /// See [`Agent`].
    pub async fn start_on(node: &Node) -> Result<AgentRef, StartError> {
        node.scope(Agent.start_named(AGENT_NAME)).await
    }

    /// The agent as a child of a supervision tree, registered as [`AGENT_NAME`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = SupervisorSpec::one_for_one()
    ///     .child(otp_observer::Agent::child_spec())
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// assert!(otp_runtime::whereis(otp_observer::AGENT_NAME).is_some());
    /// # let _ = sup;
    /// # }
    /// ```
    pub fn child_spec() -> ChildSpec {
        ChildSpec::worker(AGENT_NAME, || Agent).name(AGENT_NAME)
    }
}

/// A node of another program (or another node of this one), watched through its
/// [`Agent`] over distribution.
///
/// # Examples
///
/// See [`Agent`].
#[derive(Clone, Debug)]
pub struct RemoteSource {
    node: Node,
    target: String,
    timeout: Duration,
}

impl RemoteSource {
    /// Watches node `target` from `node` (a distributed node of this program).
    ///
    /// # Examples
    ///
    /// See [`Agent`].
    pub fn on(node: &Node, target: &str) -> RemoteSource {
        RemoteSource {
            node: node.clone(),
            target: target.to_owned(),
            timeout: Duration::from_secs(5),
        }
    }

    /// Starts a hidden node of its own (named `observer<os pid>@` the target's host) with
    /// `options` (the target's cookie), connects to `target` and checks that its agent
    /// answers.
    ///
    /// # Errors
    ///
    /// [`SourceError`] when the node cannot start, or the target or its agent does not
    /// answer.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use otp_runtime::dist::DistOptions;
    /// # #[tokio::main] async fn main() -> std::io::Result<()> {
    /// let source = otp_observer::RemoteSource::attach("app@localhost", DistOptions::new("secret"))
    ///     .await
    ///     .unwrap();
    /// otp_observer::run_with(&source, otp_observer::DEFAULT_REFRESH).await
    /// # }
    /// ```
    pub async fn attach(target: &str, options: DistOptions) -> Result<RemoteSource, SourceError> {
        let host = target.split_once('@').map_or("localhost", |(_, h)| h);
        let name = format!("observer{}@{host}", std::process::id());
        let node = Node::named(&name).map_err(|e| SourceError(e.to_string()))?;
        node.start_distribution(options)
            .await
            .map_err(|e| SourceError(format!("starting {name}: {e}")))?;
        if !node.ping(target).await {
            return Err(SourceError(format!(
                "{target} does not answer (is it running, with this cookie?)"
            )));
        }
        let source = RemoteSource::on(&node, target);
        source.request(Request::Snapshot).await?;
        Ok(source)
    }

    /// Its own node.
    ///
    /// # Examples
    ///
    /// See [`Agent`].
    pub fn node(&self) -> &Node {
        &self.node
    }
}

impl Source for RemoteSource {
    fn request(&self, request: Request) -> BoxFuture<'_, Result<Response, SourceError>> {
        Box::pin(async move {
            // The handle is made in this node's scope: a remote handle calls from the node
            // current where it is made.
            self.node
                .scope(async {
                    AgentRef::remote(AGENT_NAME, self.target.as_str())
                        .with_timeout(self.timeout)
                        .ask(request)
                        .await
                })
                .await
                .map_err(|e| SourceError(format!("{}'s agent: {e}", self.target)))
        })
    }
}
