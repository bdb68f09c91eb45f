use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Counter;

#[gen_server]
impl Counter {
    #[call]
    pub fn ping(&self) {}
}

pub struct NotAServer;

supervision_tree! {
    pub Root: one_for_one {
        worker "a" => Counter::default();
        worker "b" => NotAServer;
    }

    pub Pool: dynamic {
        worker "conn" => |port: u16| port;
    }
}

fn main() {}
