// Settings are integers with known names: a misspelt one and a string are named.
#[otp_runtime::sim_test(seed = 10, jobs = "two")]
async fn settings(sim: otp_runtime::sim::Sim) {
    let _ = sim;
}

fn main() {}
