//! Loading an application's configuration: the type's defaults, then the node's TOML file,
//! then environment variables, key by key, with errors that name the key and its source.
//!
//! Each override is applied to a TOML table that starts as the serialized defaults, and the
//! table is deserialized into the configuration type after each one: the first override that
//! makes it fail is the one the error names. A key the type ignored (a typo) is found by
//! serializing the final value again: whatever the file or environment set that is not there
//! was not taken.

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
/// let s = ConfigSource::Env("DB_POOL__SIZE".into());
/// assert_eq!(s.to_string(), "environment variable DB_POOL__SIZE");
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
            if !value.is_table() || !apps.contains(&section.as_str()) {
                return Err(ConfigError::UnknownApplication {
                    source: self.source(std::slice::from_ref(section)),
                    section: section.clone(),
                    known: apps.to_vec(),
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

/// How environment variables are read: the process's environment, or a test's map.
pub(crate) type EnvLookup<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// An application's loaded configuration: the typed value and its table (for `get_env`).
pub(crate) struct Loaded {
    pub(crate) typed: Arc<dyn Any + Send + Sync>,
    pub(crate) table: Table,
}

/// One value set over the defaults, and where it came from.
struct Override {
    key: Vec<String>,
    value: Value,
    source: ConfigSource,
}

/// Builds application `app`'s configuration of type `C` from its defaults, its table in
/// `file` and the environment.
pub(crate) fn load<C>(
    app: &'static str,
    file: Option<&ConfigFile>,
    env: &EnvLookup<'_>,
) -> Result<Loaded, ConfigError>
where
    C: Serialize + DeserializeOwned + Default + Send + Sync + 'static,
{
    let unrepresentable = |e: &dyn fmt::Display| ConfigError::Unrepresentable {
        application: app,
        message: e.to_string(),
    };
    let mut table = Table::try_from(C::default()).map_err(|e| unrepresentable(&e))?;
    let invalid = |o: &Override, message: String| ConfigError::Invalid {
        application: app,
        key: o.key.join("."),
        source: o.source.clone(),
        message,
    };

    let mut overrides = Vec::new();
    if let Some(file) = file {
        if let Some(Value::Table(section)) = file.table.get(app) {
            let mut leaves = Vec::new();
            collect_leaves(section, &mut Vec::new(), &mut leaves);
            for (key, value) in leaves {
                let mut at = vec![app.to_owned()];
                at.extend(key.iter().cloned());
                let source = file.source(&at);
                overrides.push(Override { key, value, source });
            }
        }
    }
    for o in &overrides {
        apply::<C>(&mut table, o).map_err(|m| invalid(o, m))?;
    }

    // The environment overrides any key the defaults or the file have, read as that key's type.
    let mut leaves = Vec::new();
    collect_leaves(&table, &mut Vec::new(), &mut leaves);
    for (key, current) in leaves {
        let var = env_var(app, &key);
        let Some(raw) = env(&var) else { continue };
        let o = Override {
            key,
            value: Value::Boolean(false),
            source: ConfigSource::Env(var),
        };
        let value = env_value(&raw, &current).map_err(|m| invalid(&o, m))?;
        let o = Override { value, ..o };
        apply::<C>(&mut table, &o).map_err(|m| invalid(&o, m))?;
        overrides.push(o);
    }

    let typed: C = table.clone().try_into().map_err(|e| {
        // Unreachable in practice: each override was checked as it was applied.
        unrepresentable(&e)
    })?;
    // What the type did not take was unknown to it.
    let taken = Table::try_from(&typed).map_err(|e| unrepresentable(&e))?;
    for o in &overrides {
        if lookup(&taken, &o.key).is_none() {
            return Err(ConfigError::UnknownKey {
                application: app,
                key: o.key.join("."),
                source: o.source.clone(),
            });
        }
    }
    Ok(Loaded {
        typed: Arc::new(typed),
        table: taken,
    })
}

/// Sets one override in `table` and checks that the result still makes a `C`.
fn apply<C: DeserializeOwned>(table: &mut Table, o: &Override) -> Result<(), String> {
    let mut candidate = table.clone();
    set(&mut candidate, &o.key, o.value.clone());
    match candidate.clone().try_into::<C>() {
        Ok(_) => {
            *table = candidate;
            Ok(())
        }
        Err(e) => Err(e.message().trim_end().to_owned()),
    }
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
    let (last, parents) = key.split_last().expect("a key has at least one part");
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

/// The environment variable for `key` of application `app`: `APP_KEY`, upper case, nested
/// keys joined by `__`, any other character than a letter or digit made `_`.
fn env_var(app: &str, key: &[String]) -> String {
    let upper = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    let key: Vec<String> = key.iter().map(|k| upper(k)).collect();
    format!("{}_{}", upper(app), key.join("__"))
}

/// Reads an environment variable's text as the type of the value it overrides.
fn env_value(raw: &str, current: &Value) -> Result<Value, String> {
    let trimmed = raw.trim();
    match current {
        Value::String(_) => Ok(Value::String(raw.to_owned())),
        Value::Integer(_) => trimmed
            .parse()
            .map(Value::Integer)
            .map_err(|_| format!("expected an integer, got {raw:?}")),
        Value::Float(_) => trimmed
            .parse()
            .map(Value::Float)
            .map_err(|_| format!("expected a number, got {raw:?}")),
        Value::Boolean(_) => match trimmed {
            "true" => Ok(Value::Boolean(true)),
            "false" => Ok(Value::Boolean(false)),
            _ => Err(format!("expected true or false, got {raw:?}")),
        },
        Value::Array(_) | Value::Datetime(_) | Value::Table(_) => {
            let doc = format!("v = {trimmed}");
            doc.parse::<Table>()
                .ok()
                .and_then(|mut t| t.remove("v"))
                .filter(|v| v.same_type(current))
                .ok_or_else(|| format!("expected a TOML {}, got {raw:?}", current.type_str()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_names_join_nested_keys_with_double_underscores() {
        let key = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(env_var("factorial", &key(&["max_n"])), "FACTORIAL_MAX_N");
        assert_eq!(
            env_var("web-api", &key(&["pool", "size"])),
            "WEB_API_POOL__SIZE"
        );
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
