use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Counter;

#[gen_server]
impl Counter {
    #[call]
    pub fn ping(&self) {}
}

supervision_tree! {
    pub Pool: dynamic {
        worker "conn" => || Counter::default();
    }
}

fn main() {}
