use otp_runtime::prelude::*;

struct Doc {
    kind: String,
}

#[gen_server]
impl Doc {
    #[call]
    fn r#type(&self) -> String {
        self.kind.clone()
    }

    #[call]
    fn type_(&self) -> String {
        self.kind.clone()
    }
}

fn main() {}
