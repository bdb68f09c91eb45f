//! What a crash report tells, behaviour by behaviour: the process (pid, name, behaviour,
//! type), the message it was handling (the variant's name, never its fields), its state
//! (its text form: `Debug`, or `format_status`, which can redact), the reason and where it
//! panicked. OTP's crash report (`gen_server:format_log/1`) gives the same: "Last message
//! in", "State", "Reason".

use otp_runtime::prelude::*;
use otp_runtime::testing::Reports;

#[derive(Debug, Default)]
struct Calculator {
    total: u64,
}

#[gen_server]
impl Calculator {
    #[call]
    fn divide(&mut self, by: u64) -> u64 {
        self.total = 100 / by; // by 0: the server crashes here
        self.total
    }

    #[cast]
    fn add(&mut self, k: u64) {
        self.total += k;
    }

    #[cast]
    fn fail(&mut self, _secret: String) {
        panic!("failing on purpose");
    }
}

// ANCHOR: crash
#[otp_runtime::test]
async fn a_gen_server_crash_report_names_the_request_and_shows_the_state() {
    otp_runtime::report::panic_hook();
    let reports = Reports::capture().unwrap();
    let calc = Calculator::default().start_named("calc").await.unwrap();
    let pid = calc.pid().unwrap();
    calc.add(7);
    assert!(calc.divide(0).await.is_err());
    let report = reports
        .wait_for(&["ERROR", "gen_server terminating"])
        .await
        .unwrap();
    assert_eq!(report.field("pid"), Some(pid.to_string().as_str()));
    assert_eq!(report.field("name"), Some("calc"));
    assert_eq!(report.field("behaviour"), Some("gen_server"));
    assert_eq!(
        report.field("server"),
        Some("crash_report_content::Calculator")
    );
    assert_eq!(report.field("last_message"), Some("call Divide"));
    // The state when it crashed (`Debug`, as `sys::get_state` shows it).
    assert_eq!(report.field("state"), Some("Calculator { total: 7 }"));
    assert_eq!(
        report.field("reason"),
        Some("panicked: attempt to divide by zero")
    );
    assert!(report
        .field("location")
        .unwrap()
        .starts_with("otp-runtime/tests/crash_report_content.rs:"));
}
// ANCHOR_END: crash

#[otp_runtime::test]
async fn a_cast_is_named_by_its_variant_never_by_its_fields() {
    otp_runtime::report::panic_hook();
    let reports = Reports::capture().unwrap();
    let calc = Calculator::default().start().await.unwrap();
    calc.fail("hunter2".into());
    calc.wait_exit().await;
    let report = reports
        .wait_for(&["ERROR", "gen_server terminating"])
        .await
        .unwrap();
    assert_eq!(report.field("last_message"), Some("cast Fail"));
    assert_eq!(report.field("name"), None);
    assert!(!report.to_string().contains("hunter2"), "{report}");
    // The generated enums name their variants for anyone.
    assert_eq!(CalculatorCast::Add { k: 1 }.variant_name(), "Add");
    assert_eq!(CalculatorCall::Divide { by: 1 }.variant_name(), "Divide");
}

/// A hand-written server: no variant names, and a `format_status` that hides a secret.
struct Vault {
    secret: String,
}

impl GenServer for Vault {
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();
    async fn handle_call(&mut self, (): (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
        self.secret.push('!');
        panic!("the vault is stuck")
    }
    fn format_status(&self) -> Option<String> {
        Some(format!("Vault {{ secret: <{} bytes> }}", self.secret.len()))
    }
}

#[otp_runtime::test]
async fn format_status_redacts_the_state_in_a_crash_report() {
    otp_runtime::report::panic_hook();
    let reports = Reports::capture().unwrap();
    let vault = Vault {
        secret: "hunter2".into(),
    }
    .start()
    .await
    .unwrap();
    assert!(vault.call(()).await.is_err());
    let report = reports
        .wait_for(&["ERROR", "gen_server terminating"])
        .await
        .unwrap();
    // Its state when the panic unwound (the handler had changed it).
    assert_eq!(report.field("state"), Some("Vault { secret: <8 bytes> }"));
    // A hand-written server names no variants unless it implements `call_variant`.
    assert_eq!(report.field("last_message"), Some("a call"));
    assert!(!report.to_string().contains("hunter2"), "{report}");
}

/// No `Debug`, no `format_status`: the report has no state line.
struct Opaque;

#[gen_server]
impl Opaque {
    #[cast]
    fn boom(&mut self) {
        panic!("opaque")
    }
}

#[otp_runtime::test]
async fn a_state_without_a_text_form_is_left_out() {
    otp_runtime::report::panic_hook();
    let reports = Reports::capture().unwrap();
    let o = Opaque.start().await.unwrap();
    o.boom();
    o.wait_exit().await;
    let report = reports
        .wait_for(&["ERROR", "gen_server terminating"])
        .await
        .unwrap();
    assert_eq!(report.field("state"), None);
    assert_eq!(report.field("last_message"), Some("cast Boom"));
}

#[derive(Clone, Debug, PartialEq)]
enum Door {
    Closed,
    Open,
}

#[derive(Debug)]
struct Porch {
    opened: u32,
}

#[gen_statem(state = Door)]
impl Porch {
    #[init]
    fn init(&mut self) -> Door {
        Door::Closed
    }

    #[cast]
    fn open(&mut self, state: &Door) -> Transition<Door> {
        match state {
            Door::Closed => {
                self.opened += 1;
                Transition::next(Door::Open)
            }
            Door::Open => panic!("opened twice"),
        }
    }

    #[call]
    fn is_open(&self, state: &Door) -> bool {
        *state == Door::Open
    }
}

#[otp_runtime::test]
async fn a_gen_statem_crash_report_names_the_machine_event_and_state() {
    otp_runtime::report::panic_hook();
    let reports = Reports::capture().unwrap();
    let porch = Porch { opened: 0 }.start().await.unwrap();
    porch.open();
    assert!(porch.is_open().await.unwrap());
    porch.open();
    porch.wait_exit().await;
    let report = reports
        .wait_for(&["ERROR", "gen_statem terminating"])
        .await
        .unwrap();
    assert_eq!(report.field("behaviour"), Some("gen_statem"));
    assert_eq!(report.field("server"), Some("crash_report_content::Porch"));
    assert_eq!(report.field("last_message"), Some("cast Open"));
    assert_eq!(report.field("state"), Some("(Open, Porch { opened: 1 })"));
    assert_eq!(report.field("reason"), Some("panicked: opened twice"));
}

/// A server that traps exits and dies of a linked process's crash it does not expect.
struct Watcher;

impl GenServer for Watcher {
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        ctx.trap_exit(true);
        Init::Ok
    }
    async fn handle_call(&mut self, (): (), _ctx: &mut Ctx<Self>) -> CallResult<()> {
        CallResult::Reply(())
    }
    async fn handle_info(&mut self, info: Info<()>, _ctx: &mut Ctx<Self>) -> Outcome {
        match info {
            Info::Exit { reason, .. } => Outcome::Stop(reason),
            _ => Outcome::NoReply,
        }
    }
}

#[otp_runtime::test]
async fn a_crash_on_an_exit_signal_says_so() {
    let reports = Reports::capture().unwrap();
    let w = Watcher.start().await.unwrap();
    let wpid = w.pid().unwrap();
    let _p = otp_runtime::spawn(move |ctx: ProcessCtx<()>| async move {
        ctx.link(wpid);
        ExitReason::other("gone")
    });
    w.wait_exit().await;
    let report = reports
        .wait_for(&["ERROR", "gen_server terminating"])
        .await
        .unwrap();
    assert_eq!(
        report.field("last_message"),
        Some("an exit signal (handle_info)")
    );
    assert_eq!(report.field("reason"), Some("gone"));
}

#[otp_runtime::test]
async fn a_plain_process_crash_report_names_its_registered_name() {
    otp_runtime::report::panic_hook();
    let reports = Reports::capture().unwrap();
    let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
        ctx.recv().await;
        panic!("plain and named")
    });
    otp_runtime::register("plain", p.pid()).unwrap();
    p.send(()).unwrap();
    p.wait_exit().await;
    let report = reports
        .wait_for(&["ERROR", "process terminating"])
        .await
        .unwrap();
    assert_eq!(report.field("name"), Some("plain"));
    assert_eq!(report.field("reason"), Some("panicked: plain and named"));
}

#[derive(Default)]
struct Fussy;

impl EventHandler<u32> for Fussy {
    type Call = ();
    type Reply = ();
    type Terminated = ();

    async fn handle_event(&mut self, n: &u32) -> Handled {
        assert!(*n < 10, "too big: {n}");
        Handled::Ok
    }
    async fn handle_call(&mut self, (): ()) -> HandlerReply<()> {
        HandlerReply::Reply(())
    }
}

#[otp_runtime::test]
async fn a_crashed_event_handler_is_reported_with_its_manager_and_location() {
    otp_runtime::report::panic_hook();
    let reports = Reports::capture().unwrap();
    let events = EventManager::<u32>::start_named("numbers").await.unwrap();
    events.add_handler(Fussy).await.unwrap();
    events.sync_notify(12).await.unwrap();
    let report = reports
        .wait_for(&["ERROR", "gen_event handler crashed"])
        .await
        .unwrap();
    assert_eq!(report.field("name"), Some("numbers"));
    assert_eq!(report.field("reason"), Some("panicked: too big: 12"));
    assert!(report.field("handler").unwrap().contains("Fussy"));
    assert!(report
        .field("location")
        .unwrap()
        .starts_with("otp-runtime/tests/crash_report_content.rs:"));
    // The manager lives on, without the handler.
    assert!(events.which_handlers().await.unwrap().is_empty());
}
