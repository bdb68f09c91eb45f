//! The simulator's speed, and the demo's acceptance run: seeds per second of the demo's
//! applications under a simulated minute of kills and panics each (`tests/sim_demo/body.rs`),
//! and the ratio of simulated to wall-clock time, on every core.
//!
//! Every seed checks the demo's invariants (no message lost to a live user, the trees heal):
//! a failure stops the benchmark with its report. The default run is the acceptance,
//! 10,000 seeds; `quick` runs 500.
//!
//! Run: `cargo bench -p examples --bench sim` (or `-- quick`).

#[path = "../tests/sim_demo/body.rs"]
mod body;

use otp_runtime::sim::Simulation;

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let seeds = if quick { 500 } else { 10_000 };
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    // A first, small run warms the allocator and the code.
    Simulation::new().seeds(20).run(body::demo_minute);
    let s = Simulation::new()
        .first_seed(1_000_000)
        .seeds(seeds)
        .check_determinism(10)
        .run(body::demo_minute);
    let wall = s.wall.as_secs_f64();
    println!(
        "demo, one simulated minute of faults per seed: {} seeds on {jobs} threads in {wall:.2} s \
         = {:.0} seeds/s; simulated/wall = {:.0}x; {} steps ({:.2} M steps/s), {} kills, \
         {} buggify panics, {} restarts through supervisors",
        s.seeds,
        s.seeds as f64 / wall,
        s.simulated.as_secs_f64() / wall,
        s.steps,
        s.steps as f64 / wall / 1e6,
        s.kills,
        s.buggifies,
        s.restarts
    );
}
