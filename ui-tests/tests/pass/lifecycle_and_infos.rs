//! `#[init]`, `#[terminate]` and every kind of `#[info]`, with and without `ctx`.

use std::time::Duration;

use otp_runtime::prelude::*;

pub struct Watchdog {
    ticks: u32,
    lines: Vec<String>,
    down: Vec<Pid>,
}

#[gen_server]
impl Watchdog {
    #[init]
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Init {
        ctx.trap_exit(true);
        ctx.send_after(Duration::from_secs(1), WatchdogInfo::Tick { n: 0 });
        ctx.set_timeout(Duration::from_secs(5));
        Init::Ok
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason, ctx: &mut Ctx<Self>) {
        let _ = (reason.is_normal(), ctx.pid());
    }

    #[info]
    pub fn tick(&mut self, n: u32, ctx: &mut Ctx<Self>) {
        self.ticks = n;
        ctx.send_after(Duration::from_secs(1), WatchdogInfo::Tick { n: n + 1 });
    }

    #[info]
    pub fn log(&mut self, line: String) {
        self.lines.push(line);
    }

    #[info(down)]
    fn down(&mut self, monitor: MonitorRef, pid: Pid, reason: ExitReason) {
        let _ = (monitor, reason);
        self.down.push(pid);
    }

    #[info(exit)]
    fn exit(&mut self, ctx: &mut Ctx<Self>, from: Pid, reason: ExitReason) {
        let _ = from;
        ctx.stop(reason);
    }

    #[info(timeout)]
    fn idle(&mut self, ctx: &mut Ctx<Self>) {
        ctx.stop(ExitReason::Normal);
    }

    #[call]
    pub fn watch(&mut self, pid: Pid, ctx: &mut Ctx<Self>) -> MonitorRef {
        ctx.monitor(pid)
    }

    #[call]
    pub fn ticks(&self) -> u32 {
        self.ticks
    }
}

/// `#[init]` returning nothing (`Init::Ok`) under another name, `#[terminate]` without `ctx`.
pub struct Quiet;

#[gen_server]
impl Quiet {
    #[init]
    fn setup(&mut self) {}

    #[terminate]
    async fn stopped(&mut self, _reason: &ExitReason) {}

    #[cast]
    pub fn poke(&mut self) {}
}

pub async fn client() -> Result<(), CallError> {
    let dog: WatchdogRef = Watchdog {
        ticks: 0,
        lines: Vec::new(),
        down: Vec::new(),
    }
    .start_link_named("watchdog")
    .await
    .map_err(|e| CallError::Exited(otp_runtime::ExitReason::other(e)))?;
    dog.send(WatchdogInfo::Log {
        line: "started".into(),
    });
    dog.send(WatchdogInfo::Tick { n: 7 });
    if let Some(pid) = dog.pid() {
        let _: MonitorRef = dog.watch(pid).await?;
    }
    let _: u32 = dog.ticks().await?;
    dog.stop(ExitReason::Shutdown, Duration::from_secs(1))
        .await?;
    let _: ExitReason = dog.wait_exit().await;

    let quiet: QuietRef = Quiet
        .start_with(StartOpts::new().timeout(Duration::from_secs(1)))
        .await
        .map_err(|e| CallError::Exited(otp_runtime::ExitReason::other(e)))?;
    quiet.poke();
    Ok(())
}

fn main() {}
