use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Counter;

#[gen_server]
impl Counter {}

supervision_tree! {
    pub Sup(size: usize): one_for_one {
        pool "worker" * size => Counter::default(), name: format!("w");
    }
}

fn main() {}
