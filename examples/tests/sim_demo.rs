//! The demo's applications survive seeds of random kills and panics (the book's messenger
//! loses no message to a live user, and the trees always heal). `OTP_SIM_SEEDS=10000` runs
//! the acceptance's ten thousand (CI does, in release).

#[path = "sim_demo/body.rs"]
mod body;

#[otp_runtime::sim_test(seeds = 200)]
async fn the_demo_survives_kills_and_panics(sim: otp_runtime::sim::Sim) {
    body::demo_minute(sim).await;
}
