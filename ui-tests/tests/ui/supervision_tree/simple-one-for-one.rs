use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Counter;

#[gen_server]
impl Counter {
    #[call]
    pub fn ping(&self) {}
}

supervision_tree! {
    pub Root: simple_one_for_one {
        worker "a" => |_: u32| Counter::default();
    }
}

fn main() {}
