// A field whose type has no term is an error at that type.
use otp_runtime::dist::mapping::{FromTerm, ToTerm};

struct Socket;

#[derive(ToTerm, FromTerm)]
struct Conn {
    peer: String,
    socket: Socket,
}

fn main() {}
