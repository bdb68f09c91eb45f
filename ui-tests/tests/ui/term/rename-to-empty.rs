use otp_runtime::dist::mapping::ToTerm;

#[derive(ToTerm)]
enum Request {
    #[term(rename = "")]
    Ping,
}

fn main() {}
