//! Runs the simple_sup example and checks its story: four children under one supervisor, the
//! error logger (an event manager) first; the kv crashes and is healed (same name, new pid,
//! empty state) while the packet assembler, the logger and the error logger keep their state;
//! bad packet bytes and kv crashes reach the error logger, which keeps the last five; five
//! more crashes exceed 5 restarts per 1000 s, and the supervisor exits `shutdown` with all its
//! children.

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
    let (stdout, stderr) = common::run("simple_sup");

    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 31, "{stdout}");
    assert!(
        lines[0].starts_with("started simple_sup as <0."),
        "{stdout}"
    );
    let before = pids(lines[1], &stdout);
    let after = pids(lines[8], &stdout);
    let ids: Vec<&str> = before.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        ids,
        ["logger", "kv", "packet", "errors"],
        "newest first:\n{stdout}"
    );
    assert_eq!(before[0], after[0], "the logger kept its pid:\n{stdout}");
    assert_eq!(before[2], after[2], "the assembler kept its pid:\n{stdout}");
    assert_eq!(
        before[3], after[3],
        "the error logger kept its pid:\n{stdout}"
    );
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
    assert_eq!(
        lines[15..19],
        [
            // Reported by the assembler, which skipped them; newest first.
            "chunk \"#!2ok\": packets [\"ok\"]",
            "error packet: bad packet header '!'",
            "error packet: bad packet header '#'",
            "error kv: crash 1",
        ],
        "{stdout}"
    );
    for (i, crash) in (2..=5).enumerate() {
        let prefix = format!("crash {crash}: the supervisor restarted kv as <0.");
        assert!(lines[19 + i].starts_with(&prefix), "{stdout}");
    }
    assert_eq!(
        lines[23..],
        [
            // Seven reports so far: the error logger keeps the last five.
            "error kv: crash 5",
            "error kv: crash 4",
            "error kv: crash 3",
            "error kv: crash 2",
            "error packet: bad packet header '!'",
            "crash 6: the supervisor exited: shutdown",
            "logger: no process registered as \"logger\"",
            "errors: the event manager did not answer: no process registered as \"simple_logger\"",
        ],
        "{stdout}"
    );
    assert_eq!(stderr.matches("asked to crash").count(), 6, "{stderr}");
}
