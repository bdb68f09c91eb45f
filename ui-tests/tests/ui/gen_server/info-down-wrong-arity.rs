use otp_runtime::prelude::*;

struct Watcher {
    gone: Vec<Pid>,
}

#[gen_server]
impl Watcher {
    #[info(down)]
    fn down(&mut self, pid: Pid) {
        self.gone.push(pid);
    }
}

fn main() {}
