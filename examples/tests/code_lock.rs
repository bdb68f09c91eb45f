//! Runs the code_lock example and checks its story: a wrong digit resets the code, the right
//! code opens the door, buttons pressed while it is open wait, the state timeout relocks it,
//! and then the waiting buttons and the postponed call are handled in order.

mod common;

#[test]
fn code_lock_opens_relocks_and_replays_postponed_buttons() {
    let (stdout, _stderr) = common::run("code_lock");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "locked",
            "the code has 3 digits",
            "button 9: wrong code, start again",
            "state: Locked { pressed: [1, 2] }",
            "unlocked: the door opens",
            "state: Open",
            "button 1 waits: the door is open",
            "button 2 waits: the door is open",
            "time is up",
            "locked",
            "after relocking: Locked { pressed: [1, 2] }",
            "stopped",
        ],
        "{stdout}"
    );
}
