//! Runs the factorial_tree example and checks its story: three named servers under one
//! supervisor; one crashes and only it is restarted, with fresh state; the others keep their
//! pids and their counts; the tree keeps serving, then stops with its children.

mod common;

/// The pids in a `children: id pid, id pid, ..` line, by id.
fn pids<'a>(line: &'a str, stdout: &str) -> Vec<(&'a str, &'a str)> {
    let list = line.strip_prefix("children: ").expect(stdout);
    list.split(", ")
        .map(|child| child.split_once(' ').expect(stdout))
        .collect()
}

#[test]
fn factorial_tree_restarts_only_the_crashed_server() {
    let (stdout, stderr) = common::run("factorial_tree");

    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 14, "{stdout}");
    assert!(lines[0].starts_with("started the tree as <0."), "{stdout}");

    // which_children lists the newest first; after the crash only fact2 has a new pid.
    let before = pids(lines[1], &stdout);
    let after = pids(lines[9], &stdout);
    let ids = |c: &[(&str, &str)]| c.iter().map(|(id, _)| id.to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&before), ["fact3", "fact2", "fact1"], "{stdout}");
    assert_eq!(ids(&after), ids(&before), "{stdout}");
    assert_eq!(before[0], after[0], "fact3 kept its pid:\n{stdout}");
    assert_eq!(before[2], after[2], "fact1 kept its pid:\n{stdout}");
    assert_ne!(before[1], after[1], "fact2 was restarted:\n{stdout}");
    assert_eq!(
        lines[8],
        format!(
            "the supervisor restarted fact2: {} is now {}",
            before[1].1, after[1].1
        ),
        "{stdout}"
    );

    assert_eq!(
        lines[2..8],
        [
            "fact1: 5! = 120 (it had computed 0 before)",
            "fact2: 10! = 3628800 (it had computed 0 before)",
            "fact2: 20! = 2432902008176640000 (it had computed 1 before)",
            "fact3: 15! = 1307674368000 (it had computed 0 before)",
            "asking fact2 for 40!, which overflows u128: the handler panics",
            "fact2: 40! failed: the server exited during the call: panicked: factorial overflow",
        ],
        "{stdout}"
    );
    assert_eq!(
        lines[10..],
        [
            // fact1 and fact3 kept their counts; fact2 starts from zero.
            "fact1: 6! = 720 (it had computed 1 before)",
            "fact2: 6! = 720 (it had computed 0 before)",
            "fact3: 6! = 720 (it had computed 1 before)",
            "stopped the tree; fact1: no process registered as \"fact1\"",
        ],
        "{stdout}"
    );
    assert!(stderr.contains("factorial overflow"), "stderr:\n{stderr}");
}
