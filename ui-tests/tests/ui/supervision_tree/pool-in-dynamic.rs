use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Counter;

#[gen_server]
impl Counter {}

supervision_tree! {
    pub Sup: dynamic {
        pool "worker" * 4 => Counter::default();
    }
}

fn main() {}
