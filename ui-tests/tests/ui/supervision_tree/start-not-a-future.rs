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
        // Not a future: the value itself (drop `start`).
        worker "a" => start Counter::default();
    }
}

fn main() {}
