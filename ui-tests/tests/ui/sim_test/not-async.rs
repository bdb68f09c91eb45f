// #[otp_runtime::sim_test] runs an async body per seed: a plain fn is refused at `fn`.
#[otp_runtime::sim_test(seeds = 10)]
fn plain(sim: otp_runtime::sim::Sim) {
    let _ = sim;
}

fn main() {}
