use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Counter;

#[gen_server]
impl Counter {
    #[call]
    pub fn ping(&self) {}
}

supervision_tree! {
    pub Root: one_for_one, intensity 5 per 0s {
        worker "a" => Counter::default();
    }
}

fn main() {}
