//! Runs the simple_logger example and checks its story: the log keeps the last five of seven
//! reports, newest first; a console handler joins and prints before `sync_notify` returns;
//! its crash removes it (after its `terminate`) while the log keeps working; deleting the log
//! hands back its five reports; the stopped manager answers no more.

mod common;

#[test]
fn simple_logger_keeps_the_last_five_errors_and_survives_a_crashing_handler() {
    let (stdout, stderr) = common::run("simple_logger");

    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 16, "{stdout}");
    assert!(
        lines[0].starts_with("started simple_logger as <0."),
        "{stdout}"
    );
    assert_eq!(
        lines[1..],
        [
            "handlers: ErrorLog",
            "report: disk: sector 7 unreadable",
            "report: disk: sector 6 unreadable",
            "report: disk: sector 5 unreadable",
            "report: disk: sector 4 unreadable",
            "report: disk: sector 3 unreadable",
            "handlers: Console, ErrorLog",
            "console: net: link down",
            "after sync_notify",
            "console: removed (Crashed(Panic(\"the console prints only ASCII\")))",
            "handlers: ErrorLog",
            "the log still works; newest: disk: sector 9 unreadable ☠",
            "deleted ErrorLog; it handed back 5 reports",
            "report: no handler ErrorLog",
            "stopped; log: the event manager did not answer: no process registered as \"simple_logger\"",
        ],
        "{stdout}"
    );
    assert_eq!(
        stderr.matches("the console prints only ASCII").count(),
        1,
        "{stderr}"
    );
}
