use otp_runtime::application::Application;
use otp_runtime::prelude::*;
use serde::{Deserialize, Serialize};

/// Has a required key, but says neither `Default` nor `AppConfig`.
#[derive(Serialize, Deserialize)]
pub struct DbConfig {
    url: String,
}

pub struct Db;

impl Application for Db {
    const NAME: &'static str = "db";
    const VERSION: &'static str = "1.0.0";
    type Config = DbConfig;

    async fn start(&self, _: &DbConfig) -> Result<SupervisorRef, StartError> {
        SupervisorSpec::one_for_one().start_link().await
    }
}

fn main() {}
