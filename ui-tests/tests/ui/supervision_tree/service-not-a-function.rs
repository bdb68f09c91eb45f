use otp_runtime::prelude::*;

/// Takes no stop signal: not a service.
async fn serve() {}

supervision_tree! {
    pub Front: one_for_one {
        service "http" => serve;
    }
}

fn main() {}
