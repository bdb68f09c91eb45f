//! `#[hibernate]` on a gen_server and a gen_statem: a plain `fn(&mut self)`, run when the
//! process hibernates, with `&self` methods beside it.
use otp_runtime::prelude::*;

#[derive(Default)]
pub struct Cache {
    items: Vec<u64>,
}

#[gen_server]
impl Cache {
    #[call]
    pub fn fill(&mut self, n: u64) {
        self.items.extend(0..n);
    }

    #[call]
    pub fn done(&mut self, ctx: &mut Ctx<Self>) {
        self.items.clear();
        ctx.hibernate();
    }

    #[call]
    pub fn capacity(&self) -> usize {
        self.items.capacity()
    }

    #[hibernate]
    fn hibernate(&mut self) {
        self.items.shrink_to_fit();
    }
}

#[derive(Clone, PartialEq, Debug)]
pub enum Phase {
    Idle,
}

#[derive(Default)]
pub struct Log {
    lines: Vec<String>,
}

#[gen_statem(state = Phase)]
impl Log {
    #[init]
    fn init(&mut self) -> Phase {
        Phase::Idle
    }

    #[call]
    pub fn flush(&mut self, ctx: &mut StatemCtx<Self>) -> usize {
        self.lines.clear();
        ctx.hibernate();
        self.lines.capacity()
    }

    #[cast]
    pub fn line(&mut self, line: String) {
        self.lines.push(line);
    }

    #[call]
    pub fn capacity(&self) -> usize {
        self.lines.capacity()
    }

    #[hibernate]
    fn shrink(&mut self) {
        self.lines.shrink_to_fit();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let c = Cache::default().start().await.unwrap();
    c.fill(1000).await.unwrap();
    c.done().await.unwrap();
    assert_eq!(c.capacity().await, Ok(0));

    let l = Log::default().start().await.unwrap();
    l.line("a".repeat(10));
    assert!(l.flush().await.unwrap() >= 1);
    assert_eq!(l.capacity().await, Ok(0));
}
