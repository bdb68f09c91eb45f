// `crate = path` names otp_runtime (renamed); tokio's `crate = "..."` string is not ours to take.
#[otp_runtime::test(crate = "tokio")]
async fn renamed() {}

fn main() {}
