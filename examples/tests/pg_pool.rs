//! Runs the pg_pool example: workers found through a group, a crashed worker leaving it and
//! its restarted incarnation joining, in order.

mod common;

#[test]
fn a_pool_found_through_a_group_heals() {
    let (stdout, stderr) = common::run("pg_pool");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "pool: 3 workers",
            "1² = 1 (worker 1)",
            "2² = 4 (worker 2)",
            "3² = 9 (worker 3)",
            "4² = 16 (worker 1)",
            "worker 2 crashed: the server exited during the call: panicked: worker 2 asked to crash",
            "left the pool: 1",
            "joined the pool: 1",
            "5² = 25 (worker 1)",
            "6² = 36 (worker 3)",
            "7² = 49 (worker 2)",
        ],
        "{stdout}"
    );
    assert!(stderr.contains("worker 2 asked to crash"), "{stderr}");
}
