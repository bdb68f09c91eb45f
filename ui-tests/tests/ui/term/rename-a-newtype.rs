// A newtype is its field's term: there is no name to rename without `record`.
use otp_runtime::dist::mapping::ToTerm;

#[derive(ToTerm)]
#[term(rename = "id")]
struct UserId(u64);

fn main() {}
