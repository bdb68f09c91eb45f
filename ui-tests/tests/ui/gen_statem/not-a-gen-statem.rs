use otp_runtime::prelude::*;

struct NotAMachine;

fn main() {
    let _ = GenStatem::start(NotAMachine);
}
