// A union has no term: which field holds the value is not known.
use otp_runtime::dist::mapping::ToTerm;

#[derive(ToTerm)]
union Number {
    int: u32,
    float: f32,
}

fn main() {}
