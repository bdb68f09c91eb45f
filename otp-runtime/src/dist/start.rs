//! Starting a node's distribution, and the node-level operations on it.

use std::sync::Arc;

use super::epmd::{self, NodeEntry};
use super::local::Dist;
use super::term::Atom;
use super::{DistError, DistOptions};
use crate::node::Node;

impl Node {
    /// Makes this node a node of a cluster, as `erl -sname name -setcookie cookie` does:
    /// it listens for connections, registers its name and port with EPMD (serving EPMD
    /// itself, in-process, where none answers on that port), and from now on connects on
    /// demand to the nodes its processes talk to. The node is hidden (see
    /// [`DistOptions`]).
    ///
    /// # Errors
    ///
    /// [`DistError::NotNamed`] for a node without a `name@host` name,
    /// [`DistError::AlreadyStarted`], [`DistError::Stopped`], [`DistError::Listen`] if the
    /// port cannot be opened, [`DistError::Epmd`] if EPMD refuses the name (another node
    /// has it).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use otp_runtime::dist::DistOptions;
    /// use otp_runtime::node::Node;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = Node::named("rust@localhost").unwrap();
    /// node.start_distribution(DistOptions::new("secret")).await.unwrap();
    /// assert!(node.is_distributed());
    /// // From Erlang: net_adm:ping('rust@localhost') gives pong.
    /// # }
    /// ```
    pub async fn start_distribution(&self, opts: DistOptions) -> Result<(), DistError> {
        if self.name() == crate::node::NONODE {
            return Err(DistError::NotNamed);
        }
        if self.is_stopped() {
            return Err(DistError::Stopped);
        }
        if self.0.dist.get().is_some() {
            return Err(DistError::AlreadyStarted);
        }
        let listener = opts
            .transport
            .listen(std::net::SocketAddr::new(opts.ip, opts.port))
            .await
            .map_err(DistError::Listen)?;
        let port = listener.port();
        let epmd_port = opts.epmd_port.unwrap_or_else(epmd::port_from_env);
        let alive = self.name().split('@').next().unwrap_or_default();
        let entry = NodeEntry {
            name: alive.into(),
            port,
            hidden: true,
            protocol: 0,
            highest: 6,
            lowest: 6,
            extra: Vec::new(),
        };
        let registration = match &opts.directory {
            Some(directory) => {
                directory.register(alive, port);
                None
            }
            None => Some(epmd::register_or_serve(epmd_port, &entry).await?),
        };
        let dist = Arc::new(Dist::new(
            self,
            opts.cookie,
            opts.tick_time,
            epmd_port,
            port,
            opts.transport,
            opts.directory,
        ));
        *dist
            .epmd
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = registration;
        if self.0.dist.set(dist.clone()).is_err() {
            return Err(DistError::AlreadyStarted);
        }
        // A stop that raced this start: undo.
        if self.is_stopped() {
            dist.stop();
            return Err(DistError::Stopped);
        }
        tokio::spawn(self.scope(super::connection::accept_loop(dist, listener)));
        // Scopes started before join the cluster now.
        self.0.pg.distribution_started();
        Ok(())
    }

    /// Whether [`Node::start_distribution`] has made this node distributed.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!otp_runtime::node::Node::new().is_distributed());
    /// ```
    pub fn is_distributed(&self) -> bool {
        self.0.dist.get().is_some()
    }

    /// The port this node listens on for other nodes, once distributed.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(otp_runtime::node::Node::new().dist_port(), None);
    /// ```
    pub fn dist_port(&self) -> Option<u16> {
        self.0.dist.get().map(|d| d.port)
    }

    /// Connects to `node` now (`net_kernel:connect_node/1`), rather than at the first
    /// message; waits until the connection is up or has failed.
    ///
    /// # Errors
    ///
    /// [`DistError::NotDistributed`], [`DistError::BadNodeName`], and why the connection
    /// failed: [`DistError::UnknownNode`], [`DistError::Unreachable`],
    /// [`DistError::Handshake`] (a bad cookie says so).
    ///
    /// # Examples
    ///
    /// See [`dist`](crate::dist).
    pub async fn connect_node(&self, node: &str) -> Result<(), Arc<DistError>> {
        let dist = self.dist().map_err(Arc::new)?;
        let atom = node_atom(node).map_err(Arc::new)?;
        dist.connect(&atom).await
    }

    /// `net_adm:ping/1`: whether `node` answers (connecting to it if need be). A node of
    /// another cookie does not.
    ///
    /// # Examples
    ///
    /// See [`dist`](crate::dist).
    pub async fn ping(&self, node: &str) -> bool {
        let me = Atom::new(self.name());
        let req = super::term::Term::Tuple(vec![
            super::term::Term::Atom(Atom::new("is_auth")),
            super::term::Term::Atom(me),
        ]);
        matches!(
            super::call::call_term(self, "net_kernel", node, req, std::time::Duration::from_secs(7)).await,
            Ok(super::term::Term::Atom(a)) if a.as_str() == "yes"
        )
    }

    /// The nodes connected to this one now (Erlang's `nodes(connected)`), sorted.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(otp_runtime::node::Node::new().nodes().is_empty());
    /// ```
    pub fn nodes(&self) -> Vec<String> {
        self.0.dist.get().map(|d| d.connected()).unwrap_or_default()
    }

    pub(crate) fn dist(&self) -> Result<&Arc<Dist>, DistError> {
        self.0.dist.get().ok_or(DistError::NotDistributed)
    }
}

/// `node` as an atom, if it is a node name.
pub(crate) fn node_atom(node: &str) -> Result<Atom, DistError> {
    let ok = node
        .split_once('@')
        .is_some_and(|(a, h)| !a.is_empty() && !h.is_empty());
    match Atom::try_new(node) {
        Some(a) if ok => Ok(a),
        _ => Err(DistError::BadNodeName(node.into())),
    }
}
