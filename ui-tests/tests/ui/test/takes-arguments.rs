// A test function takes no arguments, and cannot be generic: both named at once.
#[otp_runtime::test]
async fn with_input<T>(n: u32) {
    let _ = n;
}

fn main() {}
