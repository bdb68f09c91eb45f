//! Application configuration: defaults in code, overridden by the node's TOML file, then by
//! environment variables, key by key; every mistake a boot error naming the key and source.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use otp_runtime::application::{self, Application, ConfigError, ConfigSource, NoConfig};
use otp_runtime::node::{BootError, Node, NodeExit};
use otp_runtime::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct WebConfig {
    host: String,
    port: u16,
    debug: bool,
    tags: Vec<String>,
    pool: Pool,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Pool {
    size: u32,
    timeout_ms: u64,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            host: "localhost".into(),
            port: 80,
            debug: false,
            tags: vec![],
            pool: Pool {
                size: 4,
                timeout_ms: 1000,
            },
        }
    }
}

/// An application with `WebConfig`, named by `N`, counting its starts (a boot error must come
/// before any start).
struct Web<const N: usize> {
    starts: Arc<AtomicUsize>,
}

const NAMES: [&str; 9] = [
    "web0", "web1", "web2", "web3", "web4", "web5", "web6", "web7", "web8",
];

impl<const N: usize> Web<N> {
    fn new() -> (Self, Arc<AtomicUsize>) {
        let starts = Arc::new(AtomicUsize::new(0));
        (
            Web {
                starts: starts.clone(),
            },
            starts,
        )
    }
}

impl<const N: usize> Application for Web<N> {
    const NAME: &'static str = NAMES[N];
    const VERSION: &'static str = "1.0.0";
    type Config = WebConfig;

    async fn start(&self, config: &WebConfig) -> Result<SupervisorRef, StartError> {
        self.starts.fetch_add(1, Ordering::SeqCst);
        // The configuration is registered before start: processes of the tree can read it.
        assert_eq!(
            application::config::<Self>().as_deref(),
            Some(config),
            "config() sees what start got"
        );
        SupervisorSpec::one_for_one().start_link().await
    }
}

struct Plain;

impl Application for Plain {
    const NAME: &'static str = "plain";
    const VERSION: &'static str = "1.0.0";
    type Config = NoConfig;

    async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
        SupervisorSpec::one_for_one().start_link().await
    }
}

#[otp_runtime::test]
async fn defaults_then_the_file_then_the_environment_key_by_key() {
    let (web, _) = Web::<0>::new();
    let node = Node::current()
        .application(web)
        .config_toml(
            "[web0]\n\
             host = \"example.org\"\n\
             pool.size = 16\n",
        )
        .env_vars([
            ("WEB0__POOL__SIZE", "32"),
            ("WEB0__PORT", "8080"),
            ("WEB0__TAGS", "[\"a\", \"b\"]"),
            ("WEB0__DEBUG", "true"),
            ("UNRELATED", "x"),
            ("WEB0_PORT", "not ours: one underscore"),
        ])
        .start()
        .await
        .unwrap();
    let config = application::config::<Web<0>>().unwrap();
    assert_eq!(
        *config,
        WebConfig {
            host: "example.org".into(), // the file
            port: 8080,                 // the environment
            debug: true,                // the environment
            tags: vec!["a".into(), "b".into()],
            pool: Pool {
                size: 32,         // the file, then the environment
                timeout_ms: 1000, // the default
            },
        }
    );
    assert_eq!(application::get_env("web0", "port"), Some(8080u16));
    assert_eq!(
        application::get_env("web0", "pool.timeout_ms"),
        Some(1000u64)
    );
    assert_eq!(
        application::get_env("web0", "host"),
        Some("example.org".to_string())
    );
    assert_eq!(application::get_env::<u16>("web0", "nope"), None);
    assert_eq!(
        application::get_env::<u16>("web0", "host"),
        None,
        "not a u16"
    );
    assert_eq!(node.stop().await, NodeExit::Stopped);
    // Gone with the node.
    assert_eq!(application::get_env::<u16>("web0", "port"), None);
    assert!(application::config::<Web<0>>().is_none());
}

/// Boots `Web<N>` with this file text and environment; the error, and that nothing started.
async fn boot_error<const N: usize>(toml: &str, env: &[(&str, &str)]) -> BootError {
    let (web, starts) = Web::<N>::new();
    let err = Node::new()
        .application(web)
        .application(Plain)
        .config_toml(toml)
        .env_vars(env.iter().copied())
        .start()
        .await
        .unwrap_err();
    assert_eq!(starts.load(Ordering::SeqCst), 0, "nothing starts");
    err
}

fn file(line: usize) -> ConfigSource {
    ConfigSource::File {
        path: PathBuf::from("<config>"),
        line: Some(line),
    }
}

#[otp_runtime::test]
async fn a_wrong_value_in_the_file_names_the_key_and_its_line() {
    let err = boot_error::<1>("[web1]\nhost = \"h\"\n\n[web1.pool]\nsize = \"big\"\n", &[]).await;
    assert_eq!(
        err,
        BootError::Config(ConfigError::Invalid {
            application: "web1",
            key: "pool.size".into(),
            source: file(5),
            message: "invalid type: string \"big\", expected u32".into(),
        })
    );
    assert_eq!(
        err.to_string(),
        "configuration: <config>:5: web1.pool.size: invalid type: string \"big\", expected u32"
    );

    let err = boot_error::<2>("[web2]\nport = 70000\n", &[]).await;
    assert_eq!(
        err.to_string(),
        "configuration: <config>:2: web2.port: invalid value: integer `70000`, expected u16"
    );
}

#[otp_runtime::test]
async fn a_wrong_environment_variable_is_named() {
    let err = boot_error::<3>("", &[("WEB3__PORT", "eighty")]).await;
    assert_eq!(
        err,
        BootError::Config(ConfigError::Invalid {
            application: "web3",
            key: "port".into(),
            source: ConfigSource::Env("WEB3__PORT".into()),
            message: "expected a number, got \"eighty\"".into(),
        })
    );
    // Parsed, but refused by the type.
    let err = boot_error::<3>("", &[("WEB3__PORT", "-1")]).await;
    assert_eq!(
        err.to_string(),
        "configuration: environment variable WEB3__PORT: web3.port: invalid value: integer `-1`, expected u16"
    );
}

#[otp_runtime::test]
async fn unknown_keys_and_sections_are_refused_not_ignored() {
    let err = boot_error::<4>("[web4]\nprot = 8080\n", &[]).await;
    assert_eq!(
        err,
        BootError::Config(ConfigError::UnknownKey {
            application: "web4",
            key: "prot".into(),
            source: file(2),
        })
    );
    assert_eq!(
        err.to_string(),
        "configuration: <config>:2: web4.prot: unknown key: the application's configuration has no such field"
    );

    let err = boot_error::<5>("[plain]\nverbose = true\n", &[]).await;
    assert!(
        matches!(&err, BootError::Config(ConfigError::UnknownKey { application: "plain", key, .. }) if key == "verbose"),
        "{err}"
    );

    let err = boot_error::<6>("[web6]\nport = 1\n\n[wbe6]\nport = 2\n", &[]).await;
    assert_eq!(
        err.to_string(),
        "configuration: <config>:4: [wbe6] is not an application of this node (its applications: web6, plain)"
    );
    let err = boot_error::<6>("loglevel = 3\n", &[]).await;
    assert!(matches!(
        err,
        BootError::Config(ConfigError::UnknownApplication { .. })
    ));
}

#[otp_runtime::test]
async fn a_syntax_error_names_the_line() {
    let err = boot_error::<7>("[web7]\nport = 80\nhost = \n", &[]).await;
    let BootError::Config(ConfigError::Syntax { source, message }) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*source, file(3));
    assert!(!message.is_empty());
}

#[otp_runtime::test]
async fn the_file_is_read_from_disk_and_named_in_errors() {
    let dir = std::env::temp_dir().join(format!("otp-node-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("node.toml");
    std::fs::write(&path, "# the node\n[web8]\ndebug = \"yes\"\n").unwrap();
    let (web, _) = Web::<8>::new();
    let err = Node::new()
        .application(web)
        .config_file(&path)
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "configuration: {}:3: web8.debug: invalid type: string \"yes\", expected a boolean",
            path.display()
        )
    );

    std::fs::write(&path, "[web8]\ndebug = true\n").unwrap();
    let (web, _) = Web::<8>::new();
    let node = Node::current()
        .application(web)
        .config_file(&path)
        .start()
        .await
        .unwrap();
    assert_eq!(application::get_env("web8", "debug"), Some(true));
    node.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A configuration with what serde lets a type do: optional and skipped fields, a map, an
/// enum, an alias, and a check of one key against another.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(try_from = "RawRange")]
struct Service {
    #[serde(alias = "hostname")]
    host: String,
    password: Option<String>,
    #[serde(skip_serializing, default)]
    token: String,
    limits: std::collections::BTreeMap<String, u32>,
    listen: Listen,
    min: u32,
    max: u32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Listen {
    Tcp { port: u16 },
    Unix { path: String },
}

/// `Service` before its check: `min` may not exceed `max`.
#[derive(Deserialize)]
struct RawRange {
    #[serde(alias = "hostname")]
    host: String,
    password: Option<String>,
    #[serde(default)]
    token: String,
    limits: std::collections::BTreeMap<String, u32>,
    listen: Listen,
    min: u32,
    max: u32,
}

impl TryFrom<RawRange> for Service {
    type Error = String;
    fn try_from(r: RawRange) -> Result<Self, String> {
        if r.min > r.max {
            return Err(format!("min {} > max {}", r.min, r.max));
        }
        Ok(Service {
            host: r.host,
            password: r.password,
            token: r.token,
            limits: r.limits,
            listen: r.listen,
            min: r.min,
            max: r.max,
        })
    }
}

impl Default for Service {
    fn default() -> Self {
        Service {
            host: "localhost".into(),
            password: None,
            token: String::new(),
            limits: Default::default(),
            listen: Listen::Tcp { port: 80 },
            min: 50,
            max: 100,
        }
    }
}

struct Svc<const N: usize>;

const SVC: [&str; 4] = ["svc0", "svc1", "svc2", "svc3"];

impl<const N: usize> Application for Svc<N> {
    const NAME: &'static str = SVC[N];
    const VERSION: &'static str = "1.0.0";
    type Config = Service;

    async fn start(&self, _: &Service) -> Result<SupervisorRef, StartError> {
        SupervisorSpec::one_for_one().start_link().await
    }
}

async fn boot_svc<const N: usize>(file: &str, env: &[(&str, &str)]) -> Result<Node, BootError> {
    Node::new()
        .application(Svc::<N>)
        .config_toml(file)
        .env_vars(env.iter().copied())
        .start()
        .await
}

#[otp_runtime::test]
async fn what_serde_allows_a_configuration_type_works() {
    let node = boot_svc::<0>(
        "[svc0]\n\
         hostname = \"example.org\"\n\
         token = \"t0k3n\"\n\
         min = 1\n\
         max = 5\n\
         [svc0.listen.Unix]\n\
         path = \"/run/svc.sock\"\n",
        &[
            ("SVC0__PASSWORD", "1234"), // no default to take the type of: text, as the field wants
            ("SVC0__LIMITS__READS", "10"),
        ],
    )
    .await
    .unwrap();
    // A node of its own (not the test's): its configuration is read in its scope.
    let config = node
        .scope(async { application::config::<Svc<0>>() })
        .await
        .unwrap();
    assert_eq!(
        *config,
        Service {
            host: "example.org".into(),                 // by its alias
            password: Some("1234".into()), // an option with no default, from the environment
            token: "t0k3n".into(),         // a field the type does not serialize
            limits: [("reads".to_string(), 10)].into(), // a map entry from the environment
            listen: Listen::Unix {
                path: "/run/svc.sock".into() // another variant than the default's
            },
            min: 1, // checked together: 1 <= 5, though the default max...
            max: 5, // ...and min (50) were not
        }
    );
    node.stop().await;
}

#[otp_runtime::test]
async fn a_typo_in_a_variable_and_a_failed_check_are_named() {
    let err = boot_svc::<1>("", &[("SVC1__PASWORD", "x")])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration: environment variable SVC1__PASWORD: svc1.pasword: unknown key: \
         the application's configuration has no such field"
    );
    let err = boot_svc::<2>("[svc2]\nmin = 500\n", &[]).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration: <config>:2: svc2.min: min 500 > max 100"
    );
}

#[otp_runtime::test]
async fn an_applications_entry_must_be_a_table() {
    let err = boot_svc::<3>("svc3 = 3\n", &[]).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration: <config>:1: svc3 must be a table of its keys (`[svc3]`)"
    );
}

// ---- required keys: a configuration type without `Default` --------------------------------

/// A configuration with required keys: no `Default`, per-key defaults from serde.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct DbConfig {
    url: String,
    port: u16,
    #[serde(default = "pool_size")]
    pool_size: u32,
    #[serde(default)]
    replica: Option<String>,
    auth: Auth,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Auth {
    user: String,
    #[serde(default)]
    tls: bool,
}

fn pool_size() -> u32 {
    10
}

impl application::AppConfig for DbConfig {}

struct Db;

impl Application for Db {
    const NAME: &'static str = "db";
    const VERSION: &'static str = "1.0.0";
    type Config = DbConfig;

    async fn start(&self, _: &DbConfig) -> Result<SupervisorRef, StartError> {
        SupervisorSpec::one_for_one().start_link().await
    }
}

/// Boots `Db` on `node` (a boot that fails stops its node: each failing case has a new one).
async fn boot_db(node: Node, toml: &str, env: &[(&str, &str)]) -> Result<Node, BootError> {
    node.application(Db)
        .config_toml(toml)
        .env_vars(env.iter().copied())
        .start()
        .await
}

/// A required key that neither the file nor the environment sets stops the boot with an
/// error naming it and its variable, top-level or nested, before anything starts.
#[otp_runtime::test]
async fn a_required_key_set_nowhere_stops_the_boot_naming_it() {
    let err = boot_db(Node::new(), "", &[]).await.unwrap_err();
    assert_eq!(
        err,
        BootError::Config(ConfigError::Missing {
            application: "db",
            key: "url".into(),
            env: "DB__URL".into(),
        })
    );
    assert_eq!(
        err.to_string(),
        "configuration: db.url: required, and set neither in the configuration file nor by \
         environment variable DB__URL"
    );
    let err = boot_db(
        Node::new(),
        "[db]\nurl = \"postgres://db\"\nport = 5432\nauth.tls = true",
        &[],
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration: db.auth.user: required, and set neither in the configuration file \
         nor by environment variable DB__AUTH__USER"
    );
}

/// Given by the file and the environment, the required keys boot; the others take serde's
/// defaults, which `get_env` sees; a variable of a key with no default is read as its text's
/// TOML value (a number for `port`).
#[otp_runtime::test]
async fn required_keys_given_by_the_file_and_the_environment_boot() {
    let node = boot_db(
        Node::current(),
        "[db]\nurl = \"postgres://db\"\n[db.auth]\nuser = \"app\"",
        &[("DB__PORT", "5432"), ("DB__REPLICA", "postgres://replica")],
    )
    .await
    .unwrap();
    let config = application::config::<Db>().unwrap();
    assert_eq!(
        *config,
        DbConfig {
            url: "postgres://db".into(),
            port: 5432,
            pool_size: 10,
            replica: Some("postgres://replica".into()),
            auth: Auth {
                user: "app".into(),
                tls: false,
            },
        }
    );
    assert_eq!(application::get_env("db", "pool_size"), Some(10u32));
    assert_eq!(application::get_env("db", "auth.tls"), Some(false));
    assert_eq!(application::get_env("db", "port"), Some(5432u16));
    node.stop().await;

    // All from the environment, a nested table included.
    let env = [
        ("DB__URL", "postgres://env"),
        ("DB__PORT", "6543"),
        ("DB__AUTH__USER", "ops"),
        ("DB__AUTH__TLS", "true"),
    ];
    let node = boot_db(Node::new(), "", &env).await.unwrap();
    let config = node
        .scope(async { application::config::<Db>() })
        .await
        .unwrap();
    assert_eq!((config.url.as_str(), config.port), ("postgres://env", 6543));
    assert_eq!(
        config.auth,
        Auth {
            user: "ops".into(),
            tls: true
        }
    );
    node.stop().await;
}

/// The other mistakes are named as for a type with defaults: a wrong value, an unknown key.
#[otp_runtime::test]
async fn without_defaults_wrong_values_and_unknown_keys_are_still_named() {
    let required = "[db]\nurl = \"u\"\nauth.user = \"app\"\n";
    let err = boot_db(Node::new(), required, &[("DB__PORT", "high")])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration: environment variable DB__PORT: db.port: invalid type: string \
         \"high\", expected u16"
    );
    let err = boot_db(
        Node::new(),
        &format!("{required}port = 1\npoolsize = 3\n"),
        &[],
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration: <config>:5: db.poolsize: unknown key: the application's \
         configuration has no such field"
    );
}
