use otp_runtime::prelude::*;

struct NotATerm;

#[derive(Default)]
struct Store;

#[gen_server(remote)]
impl Store {
    #[call]
    fn put(&self, item: NotATerm) -> bool {
        let _ = item;
        true
    }
}

fn main() {}
