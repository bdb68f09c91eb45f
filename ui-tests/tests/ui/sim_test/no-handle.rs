// The body takes the run's handle, one argument: none is refused at the signature.
#[otp_runtime::sim_test]
async fn no_handle() {}

fn main() {}
