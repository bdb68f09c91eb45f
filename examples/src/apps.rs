//! Two applications for a node: the factorial service (a pool of factorial servers, sized by
//! its configuration) and the messenger. The `demo` and `node` programs run them.

use otp_runtime::application::{Application, NoConfig};
use otp_runtime::prelude::*;
use serde::{Deserialize, Serialize};

use crate::factorial::Factorial;
use crate::messenger::MessengerSup;

// ANCHOR: config
/// The factorial service's configuration: what the node's file (`[factorial]`) and the
/// environment (`FACTORIAL__SERVERS=3`) may change.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FactorialConfig {
    /// How many factorial servers; they are registered as `factorial1`, `factorial2`, ...
    pub servers: u32,
    /// How many crashes per 5 seconds the service survives before it gives up.
    pub max_restarts: u32,
}

impl Default for FactorialConfig {
    fn default() -> Self {
        FactorialConfig {
            servers: 2,
            max_restarts: 3,
        }
    }
}
// ANCHOR_END: config

// ANCHOR: factorial_app
supervision_tree! {
    /// `servers` factorial servers, `factorial1`, `factorial2`, ..., under one supervisor that
    /// survives `max_restarts` crashes in 5 seconds: a tree sized by the configuration.
    pub FactorialSup(config: FactorialConfig): one_for_one,
        intensity config.max_restarts per 5s, name: "factorial_sup"
    {
        pool "factorial" * config.servers => Factorial::default(), name: "factorial";
    }
}

/// Factorials as a service: the factorial servers of its configuration.
pub struct FactorialService;

impl Application for FactorialService {
    const NAME: &'static str = "factorial";
    const VERSION: &'static str = "1.0.0";
    const DESCRIPTION: &'static str = "factorials, computed by a pool of servers";
    type Config = FactorialConfig;

    async fn start(&self, config: &FactorialConfig) -> Result<SupervisorRef, StartError> {
        let sup = FactorialSup::start_link(config.clone()).await?;
        // An application reports through `tracing`, like the runtime.
        tracing::info!(servers = config.servers, "factorial servers started");
        Ok(sup.into())
    }
}
// ANCHOR_END: factorial_app

// ANCHOR: messenger_app
/// The messenger (see [`crate::messenger`]) as an application. It has no configuration, and
/// a tree declared with `supervision_tree!` becomes its top supervisor with `.into()`.
pub struct MessengerService;

impl Application for MessengerService {
    const NAME: &'static str = "messenger";
    const VERSION: &'static str = "1.0.0";
    const DESCRIPTION: &'static str = "Erlang's messenger: users send each other messages";
    type Config = NoConfig;

    async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
        Ok(MessengerSup::start_link().await?.into())
    }
}
// ANCHOR_END: messenger_app
