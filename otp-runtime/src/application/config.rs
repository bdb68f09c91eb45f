//! Loading an application's configuration: the type's defaults, then the node's TOML file,
//! then environment variables, merged key by key, with errors that name the key and its
//! source.
//!
//! The merged table is deserialized once, as the whole: a type may check one key against
//! another. `serde_path_to_error` says where a failure is, which names the override to blame;
//! `serde_ignored` says which keys the type did not take, which are reported as unknown
//! (a typo must not leave a default silently in place).

use std::any::Any;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use toml::{Table, Value};

/// Where a configuration value came from.
///
/// # Examples
///
/// ```
/// use otp_runtime::application::ConfigSource;
/// let s = ConfigSource::Env("DB__POOL__SIZE".into());
/// assert_eq!(s.to_string(), "environment variable DB__POOL__SIZE");
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ConfigSource {
    /// The node's configuration file, at this line if known.
    File {
        /// The file.
        path: PathBuf,
        /// The line of the key (1-based).
        line: Option<usize>,
    },
    /// An environment variable.
    Env(String),
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::File {
                path,
                line: Some(l),
            } => write!(f, "{}:{l}", path.display()),
            ConfigSource::File { path, line: None } => write!(f, "{}", path.display()),
            ConfigSource::Env(var) => write!(f, "environment variable {var}"),
        }
    }
}

/// A configuration mistake, found at boot before anything starts. Each names the key (or the
/// file) and where the bad value came from.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::application::{Application, ConfigError};
/// use otp_runtime::node::{BootError, Node};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Default)]
/// #[serde(default)]
/// pub struct PoolConfig { size: u32 }
///
/// pub struct Pool;
/// impl Application for Pool {
///     const NAME: &'static str = "pool";
///     const VERSION: &'static str = "1.0.0";
///     type Config = PoolConfig;
///     async fn start(&self, _: &PoolConfig) -> Result<SupervisorRef, StartError> {
///         SupervisorSpec::one_for_one().start_link().await
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let err = Node::new()
///     .application(Pool)
///     .config_toml("[pool]\nsize = \"ten\"")
///     .start()
///     .await
///     .unwrap_err();
/// assert!(matches!(err, BootError::Config(ConfigError::Invalid { .. })));
/// assert_eq!(
///     err.to_string(),
///     "configuration: <config>:2: pool.size: invalid type: string \"ten\", expected u32"
/// );
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file could not be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        error: String,
    },
    /// The configuration file is not valid TOML.
    Syntax {
        /// The file, and the line of the mistake if known.
        source: ConfigSource,
        /// The parser's message.
        message: String,
    },
    /// A top-level entry of the file is not the table of an application of this node.
    UnknownApplication {
        /// The file and line.
        source: ConfigSource,
        /// The entry's name.
        section: String,
        /// The node's applications.
        known: Vec<&'static str>,
    },
    /// An application's entry in the file is a value, not a table (`web = 3`).
    NotATable {
        /// The file and line.
        source: ConfigSource,
        /// The application.
        application: String,
    },
    /// A key that the application's configuration type does not take.
    UnknownKey {
        /// The application.
        application: &'static str,
        /// The dotted key.
        key: String,
        /// Where it was set.
        source: ConfigSource,
    },
    /// A value the configuration type refused (a wrong type, a value out of range).
    Invalid {
        /// The application.
        application: &'static str,
        /// The dotted key.
        key: String,
        /// Where the value came from.
        source: ConfigSource,
        /// Why it was refused.
        message: String,
    },
    /// A key that has no default is set neither in the file nor in the environment: the
    /// configuration type has no `Default` ([`AppConfig::defaults`] is `None`) and no
    /// `#[serde(default)]` for it.
    Missing {
        /// The application.
        application: &'static str,
        /// The dotted key.
        key: String,
        /// The environment variable that would set it (`DB__URL`).
        env: String,
    },
    /// The configuration type's defaults cannot be written as a TOML table (a map with
    /// non-string keys, a top level that is not a struct or map): a bug in the type.
    Unrepresentable {
        /// The application.
        application: &'static str,
        /// The serializer's message.
        message: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Unreadable { path, error } => {
                write!(f, "cannot read {}: {error}", path.display())
            }
            ConfigError::Syntax { source, message } => write!(f, "{source}: {message}"),
            ConfigError::UnknownApplication {
                source,
                section,
                known,
            } => write!(
                f,
                "{source}: [{section}] is not an application of this node (its applications: {})",
                known.join(", ")
            ),
            ConfigError::NotATable {
                source,
                application,
            } => write!(
                f,
                "{source}: {application} must be a table of its keys (`[{application}]`)"
            ),
            ConfigError::UnknownKey {
                application,
                key,
                source,
            } => write!(
                f,
                "{source}: {application}.{key}: unknown key: the application's configuration has no such field"
            ),
            ConfigError::Invalid {
                application,
                key,
                source,
                message,
            } => write!(f, "{source}: {application}.{key}: {message}"),
            ConfigError::Missing {
                application,
                key,
                env,
            } => write!(
                f,
                "{application}.{key}: required, and set neither in the configuration file nor by environment variable {env}"
            ),
            ConfigError::Unrepresentable {
                application,
                message,
            } => write!(
                f,
                "the configuration type of {application} cannot be written as a TOML table: {message}"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The node's configuration file, parsed once for all applications.
pub(crate) struct ConfigFile {
    path: PathBuf,
    text: String,
    table: Table,
}

impl ConfigFile {
    /// Reads and parses `path`.
    pub(crate) fn read(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
            path: path.to_owned(),
            error: e.to_string(),
        })?;
        ConfigFile::parse(path.to_owned(), text)
    }

    /// Parses `text`, reported as coming from `path`.
    pub(crate) fn parse(path: PathBuf, text: String) -> Result<ConfigFile, ConfigError> {
        match text.parse::<Table>() {
            Ok(table) => Ok(ConfigFile { path, text, table }),
            Err(e) => {
                let line = e.span().map(|s| line_at(&text, s.start));
                Err(ConfigError::Syntax {
                    source: ConfigSource::File { path, line },
                    message: e.message().trim_end().to_owned(),
                })
            }
        }
    }

    /// Checks that every top-level entry is the table of one of `apps`.
    pub(crate) fn check_sections(&self, apps: &[&'static str]) -> Result<(), ConfigError> {
        for (section, value) in &self.table {
            let source = || self.source(std::slice::from_ref(section));
            if !apps.contains(&section.as_str()) {
                return Err(ConfigError::UnknownApplication {
                    source: source(),
                    section: section.clone(),
                    known: apps.to_vec(),
                });
            }
            if !value.is_table() {
                return Err(ConfigError::NotATable {
                    source: source(),
                    application: section.clone(),
                });
            }
        }
        Ok(())
    }

    fn source(&self, path: &[String]) -> ConfigSource {
        ConfigSource::File {
            path: self.path.clone(),
            line: key_line(&self.text, path),
        }
    }
}

/// The line (1-based) of byte `offset` in `text`.
fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The line where the dotted key `path` is set in `text`, if the parser's spans tell.
fn key_line(text: &str, path: &[String]) -> Option<usize> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut span = None;
    for (i, key) in path.iter().enumerate() {
        let (k, v) = table.get_key_value(key.as_str())?;
        span = Some(k.span());
        if i + 1 < path.len() {
            match v.get_ref() {
                toml::de::DeValue::Table(t) => table = t,
                _ => return None,
            }
        }
    }
    span.map(|s| line_at(text, s.start))
}

/// The environment a node reads: each variable's name and value (`None` if the value is not
/// valid UTF-8), the process's or a test's.
pub(crate) type EnvVars = [(String, Option<String>)];

/// An application's loaded configuration: the typed value and its table (for `get_env`).
pub(crate) struct Loaded {
    pub(crate) typed: Arc<dyn Any + Send + Sync>,
    pub(crate) table: Table,
}

/// One value set over the defaults, and where it came from.
struct Override {
    key: Vec<String>,
    value: Value,
    origin: Origin,
}

enum Origin {
    /// The file, at `[app]` and the key (its line is looked up only for an error).
    File,
    /// An environment variable. `guessed`: its key had no value to take the type of, so its
    /// text was read as a TOML value if it is one.
    Env {
        var: String,
        raw: String,
        guessed: bool,
    },
}

/// Where deserializing stopped, and why.
struct Failure {
    path: Vec<String>,
    message: String,
}

/// An application's configuration type: what [`Application::Config`](super::Application::Config)
/// must be. A type that implements `Default` is one already, its `Default` giving the value of
/// every key the file and the environment leave out.
///
/// A type with **required keys** has no `Default`: it implements this trait with nothing in
/// the body (`impl AppConfig for WebConfig {}`). Its keys that have a default say so with
/// serde's `#[serde(default)]` or `#[serde(default = "path")]`; a key that has none must be
/// set by the node's file or environment, or the boot stops with
/// [`ConfigError::Missing`], which names the key and its environment variable.
///
/// # Examples
///
/// ```
/// use otp_runtime::application::{AppConfig, Application};
/// use otp_runtime::node::Node;
/// use otp_runtime::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// pub struct DbConfig {
///     /// Required: no database URL is a sensible default.
///     url: String,
///     /// Optional, 10 unless set.
///     #[serde(default = "ten")]
///     pool_size: u32,
/// }
///
/// fn ten() -> u32 { 10 }
///
/// impl AppConfig for DbConfig {}
///
/// pub struct Db;
/// impl Application for Db {
///     const NAME: &'static str = "db";
///     const VERSION: &'static str = "1.0.0";
///     type Config = DbConfig;
///     async fn start(&self, _: &DbConfig) -> Result<SupervisorRef, StartError> {
///         SupervisorSpec::one_for_one().start_link().await
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let err = Node::new()
///     .application(Db)
///     .env_vars([("DB__POOL_SIZE", "20")]) // but no DB__URL
///     .start()
///     .await
///     .unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "configuration: db.url: required, and set neither in the configuration file \
///      nor by environment variable DB__URL"
/// );
/// let node = Node::new()
///     .application(Db)
///     .env_vars([("DB__URL", "postgres://localhost/app")])
///     .start()
///     .await
///     .unwrap();
/// let db = otp_runtime::application::config::<Db>().unwrap();
/// assert_eq!((db.url.as_str(), db.pool_size), ("postgres://localhost/app", 10));
/// node.stop().await;
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an application's configuration",
    label = "not a configuration",
    note = "derive `Serialize`, `Deserialize` and `Default` for `{Self}`; or, if it has required keys, derive `Serialize` and `Deserialize` and write `impl otp_runtime::application::AppConfig for {Self} {{}}`"
)]
pub trait AppConfig: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The value of every key, for the keys the file and the environment leave out; `None`
    /// (the default) for a type with required keys, whose other defaults are serde's.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::application::{AppConfig, NoConfig};
    /// assert!(NoConfig::defaults().is_some());
    /// ```
    fn defaults() -> Option<Self> {
        None
    }
}

impl<T> AppConfig for T
where
    T: Serialize + DeserializeOwned + Default + Send + Sync + 'static,
{
    fn defaults() -> Option<T> {
        Some(T::default())
    }
}

/// Builds application `app`'s configuration of type `C`: its defaults, its table in `file`,
/// then the environment, merged key by key, then deserialized once.
///
/// Input: the defaults `{pool: {size: 4, timeout_ms: 1000}}`, a file `[app] pool.size = 8`
/// and a variable `APP__POOL__TIMEOUT_MS=50`. Output: `{pool: {size: 8, timeout_ms: 50}}`.
/// A type without defaults starts from an empty table, and serde fills in its per-key
/// defaults; a key it cannot is [`ConfigError::Missing`].
pub(crate) fn load<C: AppConfig>(
    app: &'static str,
    file: Option<&ConfigFile>,
    env: &EnvVars,
) -> Result<Loaded, ConfigError> {
    let unrepresentable = |message: String| ConfigError::Unrepresentable {
        application: app,
        message,
    };
    let has_defaults;
    let defaults = match C::defaults() {
        Some(defaults) => {
            has_defaults = true;
            let table = Table::try_from(defaults).map_err(|e| unrepresentable(e.to_string()))?;
            if let Err(f) = read::<C>(&table) {
                return Err(unrepresentable(format!(
                    "its defaults do not read back ({}: {})",
                    f.path.join("."),
                    f.message
                )));
            }
            table
        }
        None => {
            has_defaults = false;
            Table::new()
        }
    };
    let source = |o: &Override| match &o.origin {
        Origin::File => {
            let mut at = vec![app.to_owned()];
            at.extend(o.key.iter().cloned());
            file.expect("a file override has a file").source(&at)
        }
        Origin::Env { var, .. } => ConfigSource::Env(var.clone()),
    };

    let mut table = defaults.clone();
    let mut overrides = Vec::new();
    if let Some(Value::Table(section)) = file.and_then(|f| f.table.get(app)) {
        let mut leaves = Vec::new();
        collect_leaves(section, &mut Vec::new(), &mut leaves);
        for (key, value) in leaves {
            set(&mut table, &key, value.clone());
            overrides.push(Override {
                key,
                value,
                origin: Origin::File,
            });
        }
    }
    let prefix = format!("{}__", env_name(app));
    let mut vars: Vec<&(String, Option<String>)> =
        env.iter().filter(|(v, _)| v.starts_with(&prefix)).collect();
    vars.sort();
    for (var, value) in vars {
        let key = env_key(&table, &var[prefix.len()..]);
        let invalid = |message: String| ConfigError::Invalid {
            application: app,
            key: key.join("."),
            source: ConfigSource::Env(var.clone()),
            message,
        };
        if key.iter().any(String::is_empty) {
            return Err(invalid("not a key: parts are separated by one `__`".into()));
        }
        let Some(raw) = value else {
            return Err(invalid("its value is not valid UTF-8".into()));
        };
        let (value, guessed) = match lookup(&table, &key) {
            Some(current) if !current.is_table() => {
                (env_value(raw, current).map_err(invalid)?, false)
            }
            _ => (guess(raw), true),
        };
        set(&mut table, &key, value.clone());
        overrides.push(Override {
            key,
            value,
            origin: Origin::Env {
                var: var.clone(),
                raw: raw.clone(),
                guessed,
            },
        });
    }

    // Read it; a failure gets each of two fixes once per key before it is reported.
    let mut fixed = Vec::new();
    loop {
        let failure = match read::<C>(&table) {
            Ok((typed, ignored)) => {
                // A key the type ignored was not taken: report it rather than run without it.
                for path in ignored {
                    if let Some(o) = overrides.iter().find(|o| o.key.starts_with(&path)) {
                        return Err(ConfigError::UnknownKey {
                            application: app,
                            key: o.key.join("."),
                            source: source(o),
                        });
                    }
                }
                // Without defaults, serde filled in the keys that have one: `get_env` reads
                // them from the value, written back.
                let table = match has_defaults {
                    true => table,
                    false => Table::try_from(&typed).unwrap_or(table),
                };
                return Ok(Loaded {
                    typed: Arc::new(typed),
                    table,
                });
            }
            Err(f) => f,
        };
        if !fixed.contains(&failure.path) {
            fixed.push(failure.path.clone());
            // A variable whose type was guessed (`123`) where the type wants text.
            let guessed = overrides.iter().find(|o| {
                o.key == failure.path && matches!(o.origin, Origin::Env { guessed: true, .. })
            });
            if let Some(Override {
                origin: Origin::Env { raw, .. },
                value,
                ..
            }) = guessed
            {
                if !value.is_str() {
                    set(&mut table, &failure.path, Value::String(raw.clone()));
                    continue;
                }
            }
            // A key set by its alias (`hostname` for `host`): serde refuses the pair, so the
            // default's own key goes, if no layer set it.
            if let Some(field) = duplicate_field(&failure.message) {
                let default_only = |at: &[String]| {
                    let mut key = at.to_vec();
                    key.push(field.to_owned());
                    lookup(&defaults, &key).is_some() && !overrides.iter().any(|o| o.key == key)
                };
                let at = (0..=failure.path.len())
                    .rev()
                    .map(|n| &failure.path[..n])
                    .find(|at| default_only(at));
                if let Some(at) = at {
                    remove(&mut table, at, field);
                    continue;
                }
            }
            // A table of overrides that shares no key with the defaults' table there replaces
            // it rather than joining it: an enum switching variants (`[app.listen.Unix]`
            // over a default `Tcp`).
            if let Some(replacement) = replacement(&defaults, &overrides, &failure.path) {
                set(&mut table, &failure.path, Value::Table(replacement));
                continue;
            }
        }
        // A key with no default that nothing set.
        if let Some(field) = missing_field(&failure.message) {
            let mut key = failure.path.clone();
            key.push(field.to_owned());
            if lookup(&defaults, &key).is_none() {
                let env = std::iter::once(env_name(app))
                    .chain(key.iter().map(|k| env_name(k)))
                    .collect::<Vec<_>>()
                    .join("__");
                return Err(ConfigError::Missing {
                    application: app,
                    key: key.join("."),
                    env,
                });
            }
        }
        // The override the failure is in (or under the table that failed, the last set).
        let blamed = overrides
            .iter()
            .filter(|o| failure.path.starts_with(&o.key))
            .max_by_key(|o| o.key.len())
            .or_else(|| {
                overrides
                    .iter()
                    .rev()
                    .find(|o| o.key.starts_with(&failure.path))
            });
        return Err(match blamed {
            Some(o) => ConfigError::Invalid {
                application: app,
                key: if failure.path.is_empty() {
                    o.key.join(".")
                } else {
                    failure.path.join(".")
                },
                source: source(o),
                message: failure.message,
            },
            None => unrepresentable(format!(
                "{}: {} (refused with no value of the file or environment in it)",
                failure.path.join("."),
                failure.message
            )),
        });
    }
}

/// Deserializes `table` as a `C`; the paths of the keys it ignored, or where it failed.
fn read<C: DeserializeOwned>(table: &Table) -> Result<(C, Vec<Vec<String>>), Failure> {
    let mut track = serde_path_to_error::Track::new();
    let mut ignored = Vec::new();
    let de = serde_path_to_error::Deserializer::new(Value::Table(table.clone()), &mut track);
    match serde_ignored::deserialize(de, |path| ignored.push(ignored_path(&path))) {
        Ok(c) => Ok((c, ignored)),
        Err(e) => Err(Failure {
            path: track
                .path()
                .iter()
                .filter_map(|s| match s {
                    serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                    serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                    serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
                    _ => None,
                })
                .collect(),
            message: e.message().trim_end().to_owned(),
        }),
    }
}

/// The key path of an ignored value.
fn ignored_path(path: &serde_ignored::Path<'_>) -> Vec<String> {
    use serde_ignored::Path;
    match path {
        Path::Root => Vec::new(),
        Path::Seq { parent, index } => {
            let mut p = ignored_path(parent);
            p.push(index.to_string());
            p
        }
        Path::Map { parent, key } => {
            let mut p = ignored_path(parent);
            p.push(key.clone());
            p
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

/// The table of the overrides under `at`, if the defaults have a table there that shares
/// none of its keys.
fn replacement(defaults: &Table, overrides: &[Override], at: &[String]) -> Option<Table> {
    let Value::Table(default) = lookup(defaults, at)? else {
        return None;
    };
    let mut table = Table::new();
    for o in overrides
        .iter()
        .filter(|o| o.key.len() > at.len() && o.key.starts_with(at))
    {
        if default.contains_key(&o.key[at.len()]) {
            return None;
        }
        set(&mut table, &o.key[at.len()..], o.value.clone());
    }
    (!table.is_empty()).then_some(table)
}

/// The field of serde's "duplicate field `x`" error.
fn duplicate_field(message: &str) -> Option<&str> {
    message.strip_prefix("duplicate field `")?.strip_suffix('`')
}

/// The field serde's "missing field" message names.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

/// Removes key `field` from the table at `at`.
fn remove(table: &mut Table, at: &[String], field: &str) {
    let mut t = table;
    for p in at {
        match t.get_mut(p).and_then(Value::as_table_mut) {
            Some(next) => t = next,
            None => return,
        }
    }
    t.remove(field);
}

/// Every non-table value under `table`, with its key path. Arrays are values.
fn collect_leaves(table: &Table, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    for (k, v) in table {
        prefix.push(k.clone());
        match v {
            Value::Table(t) => collect_leaves(t, prefix, out),
            other => out.push((prefix.clone(), other.clone())),
        }
        prefix.pop();
    }
}

/// Sets `value` at `key`, creating (or replacing by) tables on the way.
fn set(table: &mut Table, key: &[String], value: Value) {
    let Some((last, parents)) = key.split_last() else {
        if let Value::Table(t) = value {
            *table = t;
        }
        return;
    };
    let mut t = table;
    for p in parents {
        let entry = t
            .entry(p.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        t = entry.as_table_mut().expect("made a table above");
    }
    t.insert(last.clone(), value);
}

/// The value at a dotted key path.
pub(crate) fn lookup<'a>(table: &'a Table, key: &[String]) -> Option<&'a Value> {
    let (last, parents) = key.split_last()?;
    let mut t = table;
    for p in parents {
        t = t.get(p)?.as_table()?;
    }
    t.get(last)
}

/// A name or key as it appears in a variable's name: upper case, any character other than
/// a letter or digit made `_`.
fn env_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The key path a variable's name (after `APP__`) names: its `__`-separated parts, each the
/// key of `table` with that name, or in lower case where `table` has none.
fn env_key(table: &Table, rest: &str) -> Vec<String> {
    let mut key = Vec::new();
    let mut at = Some(table);
    for part in rest.split("__") {
        let existing = at.and_then(|t| t.keys().find(|k| env_name(k) == part).cloned());
        let k = existing.unwrap_or_else(|| part.to_ascii_lowercase());
        at = at.and_then(|t| t.get(&k)).and_then(Value::as_table);
        key.push(k);
    }
    key
}

/// Reads a variable's text as the type of the value it overrides.
fn env_value(raw: &str, current: &Value) -> Result<Value, String> {
    let trimmed = raw.trim();
    match current {
        Value::String(_) => Ok(Value::String(raw.to_owned())),
        // A number: the file may have written a float field's value as `2`.
        Value::Integer(_) => trimmed
            .parse()
            .map(Value::Integer)
            .or_else(|_| trimmed.parse().map(Value::Float))
            .map_err(|_| format!("expected a number, got {raw:?}")),
        Value::Float(_) => trimmed
            .parse()
            .map(Value::Float)
            .map_err(|_| format!("expected a number, got {raw:?}")),
        Value::Boolean(_) => match trimmed {
            "true" => Ok(Value::Boolean(true)),
            "false" => Ok(Value::Boolean(false)),
            _ => Err(format!("expected true or false, got {raw:?}")),
        },
        Value::Array(_) | Value::Datetime(_) | Value::Table(_) => toml_value(trimmed)
            .filter(|v| v.same_type(current))
            .ok_or_else(|| format!("expected a TOML {}, got {raw:?}", current.type_str())),
    }
}

/// A variable's text for a key with no value to take the type of: a TOML value if it is one
/// (`8080`, `true`, `[1, 2]`), otherwise the text.
fn guess(raw: &str) -> Value {
    toml_value(raw.trim()).unwrap_or_else(|| Value::String(raw.to_owned()))
}

fn toml_value(text: &str) -> Option<Value> {
    format!("v = {text}").parse::<Table>().ok()?.remove("v")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names_map_to_keys_by_double_underscores() {
        let table: Table = "max_n = 1\n[pool]\nsize = 2\n\"max-wait\" = 3\n"
            .parse()
            .unwrap();
        assert_eq!(env_name("web-api"), "WEB_API");
        assert_eq!(env_key(&table, "MAX_N"), ["max_n"]);
        assert_eq!(env_key(&table, "POOL__SIZE"), ["pool", "size"]);
        // Existing keys keep their spelling; others are read in lower case.
        assert_eq!(env_key(&table, "POOL__MAX_WAIT"), ["pool", "max-wait"]);
        assert_eq!(env_key(&table, "LIMITS__A"), ["limits", "a"]);
        assert_eq!(env_key(&table, "POOL____SIZE"), ["pool", "", "size"]);
    }

    #[test]
    fn guessed_values_are_toml_values_or_text() {
        assert_eq!(guess("8080"), Value::Integer(8080));
        assert_eq!(
            guess("[1, 2]"),
            Value::Array(vec![Value::Integer(1), Value::Integer(2)])
        );
        assert_eq!(guess("hello world"), Value::String("hello world".into()));
        assert_eq!(guess("\"quoted\""), Value::String("quoted".into()));
    }

    #[test]
    fn env_values_take_the_type_of_their_default() {
        assert_eq!(
            env_value("042", &Value::String("x".into())),
            Ok(Value::String("042".into()))
        );
        assert_eq!(
            env_value(" 42 ", &Value::Integer(0)),
            Ok(Value::Integer(42))
        );
        assert_eq!(env_value("2.5", &Value::Float(0.0)), Ok(Value::Float(2.5)));
        assert_eq!(env_value("2", &Value::Float(0.5)), Ok(Value::Float(2.0)));
        assert_eq!(env_value("2.5", &Value::Integer(2)), Ok(Value::Float(2.5)));
        assert_eq!(
            env_value("true", &Value::Boolean(false)),
            Ok(Value::Boolean(true))
        );
        assert_eq!(
            env_value("[1, 2]", &Value::Array(vec![])),
            Ok(Value::Array(vec![Value::Integer(1), Value::Integer(2)]))
        );
        assert_eq!(
            env_value("yes", &Value::Boolean(false)),
            Err("expected true or false, got \"yes\"".into())
        );
        assert_eq!(
            env_value("3", &Value::Array(vec![])),
            Err("expected a TOML array, got \"3\"".into())
        );
    }

    #[test]
    fn key_lines_come_from_the_parser() {
        let text = "# comment\n[db]\nhost = \"h\"\n\n[db.pool]\nsize = 3\n";
        let key = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(key_line(text, &key(&["db"])), Some(2));
        assert_eq!(key_line(text, &key(&["db", "host"])), Some(3));
        assert_eq!(key_line(text, &key(&["db", "pool", "size"])), Some(6));
        assert_eq!(key_line(text, &key(&["db", "nope"])), None);
    }
}
