// #[otp_runtime::test] runs an async body on a node of its own: a plain fn is refused at `fn`.
#[otp_runtime::test]
fn counts() {
    assert_eq!(otp_runtime::process_count(), 0);
}

fn main() {}
