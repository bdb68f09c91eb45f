//! Applications: the parts of a service, started in dependency order with their configuration,
//! and stopped in reverse (OTP's `application`, otp-semantics §A6).
//!
//! An application is a name, a version, the applications it needs, a [`StartType`], a typed
//! configuration with defaults, and a `start` function that starts its top supervisor. A
//! [`Node`](crate::node::Node) runs several of them:
//!
//! ```text
//!   Node::new().application(Db).application(Web).config_file("node.toml").run()
//!
//!   boot:  check names and dependencies ─▶ load every configuration ─▶ start Db, then Web
//!   run:   until SIGINT/SIGTERM, node.stop(), or a permanent application's exit
//!   stop:  Web, then Db: prep_stop, the top supervisor shut down (each child within its
//!          shutdown budget), stop
//! ```
//!
//! # Examples
//!
//! ```
//! use otp_runtime::prelude::*;
//! use otp_runtime::application::{self, Application, StartType};
//! use otp_runtime::node::{Node, NodeExit};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Default)]
//! pub struct Greeter { greeting: String }
//!
//! #[gen_server]
//! impl Greeter {
//!     #[init]
//!     fn init(&mut self) {
//!         // Any process can read its application's configuration.
//!         self.greeting = application::config::<Greetings>().unwrap().greeting.clone();
//!     }
//!     #[call]
//!     pub fn greet(&self, who: String) -> String { format!("{}, {who}!", self.greeting) }
//! }
//!
//! supervision_tree! {
//!     pub GreeterSup: one_for_one {
//!         worker "greeter" => Greeter::default(), name: "greeter";
//!     }
//! }
//!
//! /// The configuration, with its defaults.
//! #[derive(Serialize, Deserialize)]
//! #[serde(default)]
//! pub struct GreetingsConfig { greeting: String }
//!
//! impl Default for GreetingsConfig {
//!     fn default() -> Self { GreetingsConfig { greeting: "Hello".into() } }
//! }
//!
//! /// Greets people.
//! pub struct Greetings;
//!
//! impl Application for Greetings {
//!     const NAME: &'static str = "greetings";
//!     const VERSION: &'static str = "1.0.0";
//!     const START_TYPE: StartType = StartType::Permanent;
//!     type Config = GreetingsConfig;
//!
//!     async fn start(&self, _config: &GreetingsConfig) -> Result<SupervisorRef, StartError> {
//!         Ok(GreeterSup::start_link().await?.into())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let node = Node::new()
//!     .application(Greetings)
//!     .config_toml("[greetings]\ngreeting = \"Hej\"") // as if read from a file
//!     .start()
//!     .await
//!     .unwrap();
//! assert_eq!(Greeter::named("greeter").greet("Joe".into()).await.unwrap(), "Hej, Joe!");
//! assert_eq!(application::get_env::<String>("greetings", "greeting"), Some("Hej".into()));
//! assert_eq!(node.stop().await, NodeExit::Stopped);
//! # }
//! ```
//!
//! # Configuration
//!
//! Each application's configuration is a type: `Serialize + Deserialize + Default` (or
//! [`AppConfig`], for one with required keys, below). At boot the node builds it in three
//! layers, each overriding the one before, key by key:
//!
//! 1. the type's `Default` (the moral equivalent of the `.app` file's `env`);
//! 2. the application's table in the node's TOML file (`[greetings]`, `sys.config`'s role);
//! 3. environment variables named `APP__KEY`: the application's name and the key, upper
//!    case, joined by `__`, as are nested keys (`GREETINGS__GREETING`, `DB__POOL__SIZE`). A
//!    variable is read as the type its key has by default: a string as is, a number or
//!    boolean parsed, an array or table as a TOML value. A key with no default (an option,
//!    a map's entry) is read as a TOML value if it is one, otherwise as text.
//!
//! A mistake is a boot error, before anything starts, that names the key and where its value
//! came from: the file and line, or the variable. Unknown keys and sections are errors too,
//! so a typo does not silently leave a default in place. A file or environment may set any
//! subset of the keys: each lands on the table of defaults (no `#[serde(default)]` needed).
//!
//! A key that must be given (a database URL, a secret) has no sensible default: its type has
//! no `Default` and implements [`AppConfig`] with an empty body, and gives its other keys'
//! defaults with `#[serde(default)]`. A required key that neither the file nor the
//! environment sets stops the boot with [`ConfigError::Missing`], naming the key and its
//! variable.
//!
//! While the node runs, [`config`] gives an application's whole configuration and
//! [`get_env`] one key (OTP's `application:get_env/2`), from any process.

mod config;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub(crate) use self::config::{load, lookup, ConfigFile, EnvVars, Loaded};
pub use self::config::{AppConfig, ConfigError, ConfigSource};
use crate::{StartError, SupervisorRef};

/// What a node does when an application's top process exits (OTP's restart types of an
/// application).
///
/// | start type | the application exits `Normal` | it exits with any other reason |
/// |---|---|---|
/// | `Permanent` | the node stops | the node stops |
/// | `Transient` | reported; the node goes on | the node stops |
/// | `Temporary` | reported; the node goes on | reported; the node goes on |
///
/// A top supervisor that gives up (too many restarts) exits `Shutdown`, which counts as
/// "any other reason". Stopping an application through
/// [`Node::stop_application`](crate::node::Node::stop_application) is not an exit
/// and never affects the others.
///
/// The same type decides what a failed start does: a temporary application's is reported and
/// the boot goes on; any other aborts the boot.
///
/// # Examples
///
/// ```
/// use otp_runtime::application::StartType;
/// assert_eq!(StartType::default(), StartType::Permanent);
/// assert_eq!(StartType::Transient.to_string(), "transient");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum StartType {
    /// Its exit, for any reason, stops the node. The default: a node is like an OTP release,
    /// whose boot script starts every application `permanent` (`application:start/1` alone
    /// would default to `temporary`).
    #[default]
    Permanent,
    /// Its exit stops the node unless the reason is `Normal`.
    Transient,
    /// Its exit is only reported.
    Temporary,
}

impl fmt::Display for StartType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StartType::Permanent => "permanent",
            StartType::Transient => "transient",
            StartType::Temporary => "temporary",
        })
    }
}

/// An application: a named, versioned part of a service with a top supervisor and a typed
/// configuration (OTP's `application` behaviour and `.app` file in one place).
///
/// The node calls `start` in its controller process, once the applications in
/// [`DEPENDS_ON`](Application::DEPENDS_ON) run; start your top supervisor there with
/// `start_link`, so that the node is its parent (a top process that is not linked to the
/// node is a failed start: the node could not stop it). To stop the application the
/// node calls [`prep_stop`](Application::prep_stop), shuts the top process down (exit signal
/// `shutdown`, then it waits as long as the tree takes: every child gets its own shutdown
/// time), then calls [`stop`](Application::stop). A panic in any of them is contained:
/// in `start` it is a failed start, in the others it is reported.
///
/// # Examples
///
/// See the [module](self). An application without configuration uses [`NoConfig`]; this
/// one needs `db`, and a node without it does not boot:
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::application::{Application, NoConfig};
/// use otp_runtime::node::{BootError, Node};
///
/// pub struct Metrics;
///
/// impl Application for Metrics {
///     const NAME: &'static str = "metrics";
///     const VERSION: &'static str = "0.3.1";
///     const DEPENDS_ON: &'static [&'static str] = &["db"];
///     type Config = NoConfig;
///
///     async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
///         SupervisorSpec::one_for_one().start_link().await
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let err = Node::new().application(Metrics).start().await.unwrap_err();
/// assert_eq!(err, BootError::MissingDependency { application: "metrics", dependency: "db" });
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an application",
    label = "not an application",
    note = "implement `otp_runtime::application::Application` for `{Self}`: its NAME, VERSION, Config and `start`"
)]
pub trait Application: Send + Sync + 'static {
    /// The application's name: unique in a node, the name of its table in the configuration
    /// file and the prefix of its environment variables.
    const NAME: &'static str;
    /// Its version (OTP's `vsn`), shown by
    /// [`Node::which_applications`](crate::node::Node::which_applications).
    const VERSION: &'static str;
    /// A one-line description (OTP's `description`).
    const DESCRIPTION: &'static str = "";
    /// The applications that must run before this one starts (OTP's `applications`), by
    /// name: `&[Db::NAME]`. The node starts them first and stops them after this one.
    const DEPENDS_ON: &'static [&'static str] = &[];
    /// What the node does when this application exits.
    const START_TYPE: StartType = StartType::Permanent;

    /// Its configuration: defaults from `Default`, overridden by the node's file and
    /// environment (see the [module](self#configuration)). A type with required keys has no
    /// `Default` and implements [`AppConfig`] instead.
    type Config: AppConfig;

    /// Starts the application's top supervisor with `start_link` and returns it (OTP's
    /// `Mod:start(normal, Args)`). A `supervision_tree!` type converts with `.into()`.
    fn start(
        &self,
        config: &Self::Config,
    ) -> impl Future<Output = Result<SupervisorRef, StartError>> + Send;

    /// Runs before the top process is shut down (OTP's `prep_stop/1`). Default: nothing.
    fn prep_stop(&self) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// Runs after the top process has stopped (OTP's `stop/1`). Default: nothing.
    fn stop(&self) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// The configuration of an application that has none: an empty table, so any key given for
/// it in the file or environment is reported as unknown.
///
/// # Examples
///
/// ```
/// use otp_runtime::application::NoConfig;
/// let _ = NoConfig::default();
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct NoConfig;

impl Serialize for NoConfig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        s.serialize_map(Some(0))?.end()
    }
}

impl<'de> serde::Deserialize<'de> for NoConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Empty;
        impl<'de> serde::de::Visitor<'de> for Empty {
            type Value = NoConfig;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<NoConfig, A::Error> {
                // Keys are ignored here and reported as unknown by the loader.
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(NoConfig)
            }
        }
        d.deserialize_map(Empty)
    }
}

/// What [`Node::which_applications`](crate::node::Node::which_applications) tells
/// about a running application (OTP's `{Name, Description, Vsn}`).
///
/// # Examples
///
/// See [`Node::which_applications`](crate::node::Node::which_applications).
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct ApplicationInfo {
    /// Its name.
    pub name: &'static str,
    /// Its description.
    pub description: &'static str,
    /// Its version.
    pub version: &'static str,
    /// Its start type.
    pub start_type: StartType,
}

/// The configuration of application `A`, if the [current node](crate::node::Node::current)
/// has loaded it (from its boot until it stops). Works from any process of the node, and
/// from a task in its [scope](crate::node::Node::scope).
///
/// # Examples
///
/// See the [module](self).
pub fn config<A: Application>() -> Option<Arc<A::Config>> {
    crate::node::with_current(|n| n.envs().typed(A::NAME))?
        .downcast()
        .ok()
}

/// One key of an application's configuration, as type `T` (OTP's `application:get_env/2`);
/// `None` if the current node does not run the application, the key is unset (a `None` option), or its value
/// is not a `T`. A dotted key reaches into nested tables: `"pool.size"`.
///
/// # Examples
///
/// See the [module](self).
pub fn get_env<T: DeserializeOwned>(application: &str, key: &str) -> Option<T> {
    crate::node::with_current(|n| n.envs().value(application, key))?
        .try_into()
        .ok()
}

/// The type-erased view of an [`Application`] that a node holds.
pub(crate) trait AnyApplication: Send + Sync + 'static {
    fn info(&self) -> ApplicationInfo;
    fn depends_on(&self) -> &'static [&'static str];
    fn load_config(&self, file: Option<&ConfigFile>, env: &EnvVars) -> Result<Loaded, ConfigError>;
    fn start<'a>(
        &'a self,
        config: &'a Loaded,
    ) -> crate::BoxFuture<'a, Result<Option<crate::Pid>, StartError>>;
    fn prep_stop(&self) -> crate::BoxFuture<'_, ()>;
    fn stop(&self) -> crate::BoxFuture<'_, ()>;
}

impl<A: Application> AnyApplication for A {
    fn info(&self) -> ApplicationInfo {
        ApplicationInfo {
            name: A::NAME,
            description: A::DESCRIPTION,
            version: A::VERSION,
            start_type: A::START_TYPE,
        }
    }

    fn depends_on(&self) -> &'static [&'static str] {
        A::DEPENDS_ON
    }

    fn load_config(&self, file: Option<&ConfigFile>, env: &EnvVars) -> Result<Loaded, ConfigError> {
        load::<A::Config>(A::NAME, file, env)
    }

    fn start<'a>(
        &'a self,
        config: &'a Loaded,
    ) -> crate::BoxFuture<'a, Result<Option<crate::Pid>, StartError>> {
        Box::pin(async move {
            let config: &A::Config = config
                .typed
                .downcast_ref()
                .expect("the configuration was loaded for this application");
            Application::start(self, config).await.map(|top| top.pid())
        })
    }

    fn prep_stop(&self) -> crate::BoxFuture<'_, ()> {
        Box::pin(Application::prep_stop(self))
    }

    fn stop(&self) -> crate::BoxFuture<'_, ()> {
        Box::pin(Application::stop(self))
    }
}
