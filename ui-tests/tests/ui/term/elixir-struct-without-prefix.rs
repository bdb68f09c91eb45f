use otp_runtime::dist::mapping::ToTerm;

#[derive(ToTerm)]
#[term(elixir_struct = "MyApp.User")]
struct User {
    name: String,
}

fn main() {}
