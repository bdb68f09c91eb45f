use otp_runtime::dist::mapping::FromTerm;

#[derive(FromTerm)]
#[term(record)]
enum Request {
    Ping,
    Lookup(String),
}

fn main() {}
