//! Helpers for the programs that run supervision trees: printing a supervisor's children, and
//! waiting for what a supervisor does about an exit.

use std::error::Error;
use std::time::Duration;

use otp_runtime::prelude::*;
use otp_runtime::supervisor::ChildInfo;

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

// ANCHOR: wait
/// The state of the child `id`, or `None` if the supervisor has no such child.
pub fn state(children: &[ChildInfo], id: &str) -> Option<ChildState> {
    children
        .iter()
        .find(|child| &*child.id == id)
        .map(|child| child.state)
}

/// Asks `sup` for its children until `done` holds for them, and returns them. Gives up after
/// 5 seconds.
pub async fn wait_for(
    sup: &SupervisorRef,
    done: impl Fn(&[ChildInfo]) -> bool,
) -> Result<Vec<ChildInfo>, Box<dyn Error>> {
    let ask = async {
        loop {
            let children = sup.which_children().await?;
            if done(&children) {
                return Ok::<_, SupervisorError>(children);
            }
            otp_runtime::time::sleep(Duration::from_millis(1)).await;
        }
    };
    match otp_runtime::time::timeout(Duration::from_secs(5), ask).await {
        Some(children) => Ok(children?),
        None => Err("the supervisor did not get there in 5 seconds".into()),
    }
}

/// Waits until `sup` runs its child `id` as a process other than `old`; returns the new pid.
pub async fn restarted(sup: &SupervisorRef, id: &str, old: Pid) -> Result<Pid, Box<dyn Error>> {
    let new = |children: &[ChildInfo]| match state(children, id) {
        Some(ChildState::Running(pid)) if pid != old => Some(pid),
        _ => None,
    };
    let children = wait_for(sup, |children| new(children).is_some()).await?;
    Ok(new(&children).expect("wait_for checked it"))
}
// ANCHOR_END: wait
