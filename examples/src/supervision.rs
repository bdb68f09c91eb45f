//! Printing a supervisor's children, for the programs that run supervision trees. Waiting for
//! what a supervisor does about an exit is `otp_runtime::testing`'s (`restarted`, `wait_for`).

use otp_runtime::supervisor::{ChildInfo, ChildState};

// ANCHOR: show
/// The children as `which_children` lists them (newest first), as `id pid` pairs.
pub fn show(children: &[ChildInfo]) -> String {
    let shown: Vec<String> = children
        .iter()
        .map(|child| match child.state {
            ChildState::Running(pid) => format!("{} {pid}", child.id),
            ChildState::NotRunning => format!("{} (not running)", child.id),
            ChildState::Restarting => format!("{} (restarting)", child.id),
        })
        .collect();
    shown.join(", ")
}
// ANCHOR_END: show
