use otp_runtime::dist::mapping::ToTerm;

#[derive(ToTerm)]
#[term(crate = "otp_runtime")]
struct User {
    name: String,
}

fn main() {}
