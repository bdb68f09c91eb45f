// The prelude and tracing's macros in one program, both glob-imported: `info!` is tracing's,
// and `#[info]` inside a gen_server still marks an info handler.
use otp_runtime::prelude::*;
use tracing::*;

#[derive(Default)]
struct Logger {
    seen: u32,
}

#[gen_server]
impl Logger {
    #[info]
    fn note(&mut self, text: String) {
        self.seen += 1;
        info!(%text, "noted");
    }

    #[call]
    fn seen(&self) -> u32 {
        self.seen
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let logger = Logger::default().start().await.unwrap();
    logger.send(LoggerInfo::Note {
        text: "hello".into(),
    });
    assert_eq!(logger.seen().await, Ok(1));
    debug!("done");
}
