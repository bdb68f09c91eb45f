use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Counter;

#[gen_server]
impl Counter {
    #[call]
    pub fn ping(&self) {}
}

supervision_tree! {
    pub Root: one_for_one, auto_shutdown: any_significant {
        worker "a" => Counter::default(), restart: permanent, significant;
    }
}

fn main() {}
