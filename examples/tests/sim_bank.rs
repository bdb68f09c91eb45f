//! The bank under the simulator: the write-behind bug is found, its seed replays it, and the
//! write-through bank survives the same faults.

use std::time::Duration;

use examples::bank::{Bank, BankSup, Disk, Durability, NAME};
use otp_runtime::sim::{Faults, Sim, SimFailure, Simulation};

// ANCHOR: body
/// Deposits one unit at a time for a simulated minute while the server is killed and
/// crashes at its buggify!() point; then, calm, checks that no acknowledged deposit was lost.
pub async fn deposits_survive_crashes(sim: Sim, durability: Durability) {
    let disk = Disk::default();
    let _tree = BankSup::start(disk.clone(), durability).await.unwrap();
    let bank = Bank::named(NAME);
    sim.faults(
        Faults::new()
            .kill(Duration::from_secs(2))
            .buggify(0.02)
            .slow(0.05, Duration::from_millis(40)),
    );
    let (mut acknowledged, mut attempted) = (0u64, 0u64);
    while sim.elapsed() < Duration::from_secs(60) {
        attempted += 1;
        // An error (the server crashed or was killed meanwhile) may or may not have
        // deposited; an answer certainly did.
        if bank.deposit("ann".into(), 1).await.is_ok() {
            acknowledged += 1;
        }
        otp_runtime::time::sleep(Duration::from_millis(10)).await;
    }
    sim.calm();
    sim.eventually(
        "the balance counts every acknowledged deposit",
        Duration::from_secs(10),
        || {
            let bank = bank.clone();
            async move {
                match bank.balance("ann".into()).await {
                    Ok(b) if b < acknowledged => Err(format!(
                        "balance {b}, but {acknowledged} deposits were acknowledged"
                    )),
                    Ok(b) if b > attempted => Err(format!("balance {b} > {attempted} attempts")),
                    Ok(_) => Ok(()),
                    Err(e) => Err(format!("the bank does not answer: {e}")),
                }
            }
        },
    )
    .await;
}
// ANCHOR_END: body

#[test]
fn the_simulator_finds_the_write_behind_bug_and_replays_it() {
    let body = |sim| deposits_survive_crashes(sim, Durability::WriteBehind);
    let failure: Box<SimFailure> = Simulation::new().seeds(300).try_run(body).unwrap_err();
    let report = failure.to_string();
    assert!(
        report.contains("the balance counts every acknowledged deposit"),
        "{report}"
    );
    assert!(
        report.contains(&format!("OTP_SIM_SEED={}@", failure.seed)),
        "{report}"
    );
    // The seed alone fails the same way, with the same last events.
    let again = Simulation::new()
        .first_seed(failure.seed)
        .seeds(1)
        .try_run(body)
        .unwrap_err();
    assert_eq!(
        again.what.split(" (seed").next(),
        failure.what.split(" (seed").next()
    );
    assert_eq!(again.recent, failure.recent);
}

// ANCHOR: fixed
#[otp_runtime::sim_test(seeds = 300)]
async fn write_through_loses_nothing(sim: Sim) {
    deposits_survive_crashes(sim, Durability::WriteThrough).await;
}
// ANCHOR_END: fixed
