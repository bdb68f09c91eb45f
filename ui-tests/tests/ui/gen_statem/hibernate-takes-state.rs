use otp_runtime::prelude::*;

#[derive(Clone, PartialEq, Debug)]
enum Phase {
    Idle,
}

struct Log {
    lines: Vec<String>,
}

#[gen_statem(state = Phase)]
impl Log {
    #[init]
    fn init(&mut self) -> Phase {
        Phase::Idle
    }

    #[cast]
    fn line(&mut self, line: String) {
        self.lines.push(line);
    }

    #[hibernate]
    fn shrink(&mut self, state: &Phase) {
        let _ = state;
        self.lines.shrink_to_fit();
    }
}

fn main() {}
