// Every other argument goes to #[tokio::test], which names its own errors.
#[otp_runtime::test(flavour = "multi_thread")]
async fn misspelt() {}

fn main() {}
