use otp_runtime::dist::mapping::ToTerm;

#[derive(ToTerm)]
enum Status {
    NotFound,
    #[term(rename = "not_found")]
    Missing,
    // An atom and a tagged tuple do not collide: this one is fine.
    #[term(rename = "not_found")]
    NotFoundWith(String),
}

fn main() {}
