use otp_runtime::dist::mapping::ToTerm;

#[derive(ToTerm)]
#[term(record, elixir_struct = "Elixir.MyApp.User")]
struct User {
    name: String,
}

fn main() {}
