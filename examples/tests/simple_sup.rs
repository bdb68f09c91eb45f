//! Runs the simple_sup binary and checks its story: three workers under one supervisor; the kv
//! crashes and is healed (same name, new pid, empty state) while the packet assembler and the
//! logger keep their state; five more crashes exceed 5 restarts per 1000 s, and the
//! supervisor exits `shutdown` with all its children.

mod common;

/// The pids in a `children: id pid, id pid, ..` line.
fn pids<'a>(line: &'a str, stdout: &str) -> Vec<(&'a str, &'a str)> {
    let list = line.strip_prefix("children: ").expect(stdout);
    list.split(", ")
        .map(|child| child.split_once(' ').expect(stdout))
        .collect()
}

#[test]
fn simple_sup_heals_the_kv_then_gives_up_after_too_many_crashes() {
    let (stdout, stderr) = common::run(env!("CARGO_BIN_EXE_simple_sup"));

    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 21, "{stdout}");
    assert!(
        lines[0].starts_with("started simple_sup as <0."),
        "{stdout}"
    );
    let before = pids(lines[1], &stdout);
    let after = pids(lines[8], &stdout);
    let ids: Vec<&str> = before.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, ["logger", "kv", "packet"], "newest first:\n{stdout}");
    assert_eq!(before[0], after[0], "the logger kept its pid:\n{stdout}");
    assert_eq!(before[2], after[2], "the assembler kept its pid:\n{stdout}");
    assert_ne!(before[1], after[1], "the kv was restarted:\n{stdout}");
    assert_eq!(
        lines[7],
        format!(
            "the supervisor restarted kv: {} is now {}",
            before[1].1, after[1].1
        ),
        "{stdout}"
    );

    assert_eq!(
        lines[2..7],
        [
            "chunk \"5he\": packets []",
            "chunk \"llo3a\": packets [\"hello\"]",
            "chunk \"bc5wo\": packets [\"abc\"]",
            "kv: 2 keys, apple = Some(\"red\")",
            "kv: get \"crash\" failed: the server exited during the call: panicked: asked to crash",
        ],
        "{stdout}"
    );
    assert_eq!(
        lines[9..15],
        [
            // The kv answers again, empty; the assembler kept its half packet, the logger its
            // lines.
            "kv: 0 keys, apple = None",
            "chunk \"rld\": packets [\"world\"]",
            "log 1: packet \"hello\"",
            "log 2: packet \"abc\"",
            "log 3: kv crashed",
            "log 4: packet \"world\"",
        ],
        "{stdout}"
    );
    for (i, crash) in (2..=5).enumerate() {
        let prefix = format!("crash {crash}: the supervisor restarted kv as <0.");
        assert!(lines[15 + i].starts_with(&prefix), "{stdout}");
    }
    assert_eq!(
        lines[19..],
        [
            "crash 6: the supervisor exited: shutdown",
            "logger: no such process",
        ],
        "{stdout}"
    );
    assert_eq!(stderr.matches("asked to crash").count(), 6, "{stderr}");
}
