use otp_runtime::dist::mapping::ToTerm;

#[derive(ToTerm)]
#[term(tag = "user")]
struct User {
    name: String,
}

fn main() {}
