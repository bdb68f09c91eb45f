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
        worker "cache" => Counter::default();
        worker store => Counter::default();
        // An ident id is the same id as the string.
        worker cache => Counter::default();
    }
}

fn main() {}
