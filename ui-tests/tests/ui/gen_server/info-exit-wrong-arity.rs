use otp_runtime::prelude::*;

struct Watcher {
    gone: Vec<Pid>,
}

#[gen_server]
impl Watcher {
    #[info(exit)]
    fn exit(&mut self, monitor: MonitorRef, from: Pid, reason: ExitReason) {
        let _ = (monitor, reason);
        self.gone.push(from);
    }
}

fn main() {}
