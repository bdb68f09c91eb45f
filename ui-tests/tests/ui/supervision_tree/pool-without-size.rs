use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Counter;

#[gen_server]
impl Counter {}

supervision_tree! {
    pub Sup: one_for_one {
        pool "worker" => Counter::default();
    }
}

fn main() {}
