use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Counter;

#[gen_server]
impl Counter {
    #[call]
    pub fn ping(&self) {}
}

supervision_tree! {
    pub Pool: dynamic, auto_shutdown: any_significant {
        worker "conn" => |_: u32| Counter::default(), restart: transient;
    }
}

fn main() {}
