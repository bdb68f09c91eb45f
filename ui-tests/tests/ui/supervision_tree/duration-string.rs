use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Counter;

#[gen_server]
impl Counter {
    #[call]
    pub fn ping(&self) {}
}

supervision_tree! {
    pub Root: one_for_one {
        worker "a" => Counter::default(), shutdown: "5s";
    }
}

fn main() {}
