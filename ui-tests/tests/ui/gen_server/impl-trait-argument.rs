use otp_runtime::prelude::*;

struct Greeter {
    greeting: String,
}

#[gen_server]
impl Greeter {
    #[cast]
    fn set(&mut self, greeting: impl Into<String>) {
        self.greeting = greeting.into();
    }
}

fn main() {}
