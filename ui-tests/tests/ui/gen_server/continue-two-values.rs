use otp_runtime::prelude::*;

struct Loader;

#[gen_server]
impl Loader {
    #[handle_continue]
    fn load(&mut self, _what: u32, _again: bool) {}
}

fn main() {}
