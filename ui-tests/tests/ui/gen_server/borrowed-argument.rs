use otp_runtime::prelude::*;

struct Greeter {
    greeting: String,
}

#[gen_server]
impl Greeter {
    #[call]
    fn greet(&self, name: &str) -> String {
        format!("{}, {name}", self.greeting)
    }
}

fn main() {}
