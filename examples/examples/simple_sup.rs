//! Joe Armstrong's `simple_sup` (his thesis, section 6.3.1), in Rust: a packet assembler, a
//! key-value store and a logger under one `one_for_one` supervisor that allows 5 restarts in
//! 1000 seconds, with Armstrong's `simple_logger` event manager (`examples::simple_logger`)
//! started first, collecting error reports. A deliberate crash of the store is healed: it
//! answers again under its name, with its state reset, while the others keep theirs. Five more
//! crashes exceed the restart intensity, and the supervisor gives up.
//!
//! Run it with `cargo run --example simple_sup`.

use std::error::Error;

use examples::kv::{Kv, KvRef};
use examples::simple_logger::{self, ErrorReport};
use examples::supervision::show;
use otp_runtime::prelude::*;
use otp_runtime::testing::restarted;

// ANCHOR: packet
/// Assembles packets from chunks of text, however the text was split. A packet is its length
/// (one digit), then that many bytes. Each complete packet is logged; a byte that cannot start
/// a packet is reported to the error logger and skipped.
#[derive(Default)]
struct PacketAssembler {
    buffer: Vec<u8>,
}

#[gen_server]
impl PacketAssembler {
    /// Adds a chunk; returns the packets it completed.
    #[call]
    fn chunk(&mut self, chunk: String) -> Vec<String> {
        self.buffer.extend(chunk.bytes());
        let mut packets = Vec::new();
        while let Some(&header) = self.buffer.first() {
            if !header.is_ascii_digit() {
                // A protocol error: report it (a notify: it never blocks), skip the byte.
                let what = format!("bad packet header {:?}", char::from(header));
                simple_logger::log(ErrorReport::new("packet", what));
                self.buffer.remove(0);
                continue;
            }
            let end = 1 + usize::from(header - b'0');
            if self.buffer.len() < end {
                break; // wait for the rest
            }
            let packet = String::from_utf8_lossy(&self.buffer[1..end]).into_owned();
            self.buffer.drain(..end);
            // A cast: if the logger is down, the line is lost, and the assembler goes on.
            Logger::named("logger").log(format!("packet {packet:?}"));
            packets.push(packet);
        }
        packets
    }
}
// ANCHOR_END: packet

// ANCHOR: logger
/// Keeps numbered log lines (in memory, standing in for a file).
#[derive(Default)]
struct Logger {
    lines: Vec<String>,
}

#[gen_server]
impl Logger {
    /// Appends a line.
    #[cast]
    fn log(&mut self, line: String) {
        self.lines.push(format!("{}: {line}", self.lines.len() + 1));
    }

    /// Every line so far.
    #[call]
    fn lines(&self) -> Vec<String> {
        self.lines.clone()
    }
}
// ANCHOR_END: logger

// ANCHOR: tree
supervision_tree! {
    /// Armstrong's simple_sup: `{one_for_one, 5, 1000}`, permanent workers, each given
    /// 500 ms to shut down. The error logger starts first: the others report to it.
    SimpleSup: one_for_one, intensity 5 per 1000s {
        worker "errors" => start simple_logger::start_link(), shutdown: 500ms;
        worker "packet" => PacketAssembler::default(), name: "packet", shutdown: 500ms;
        worker "kv" => Kv::default(), name: "kv", shutdown: 500ms;
        worker "logger" => Logger::default(), name: "logger", shutdown: 500ms;
    }
}
// ANCHOR_END: tree

/// Makes the kv server crash, and checks that the caller saw it.
async fn crash_kv(kv: &KvRef) -> Result<CallError, Box<dyn Error>> {
    match kv.get("crash".into()).await {
        Err(err @ CallError::Exited(ExitReason::Panic(_))) => Ok(err),
        other => Err(format!("expected a crash, got {other:?}").into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // ANCHOR: start
    let sup = SimpleSup::start().await?;
    println!("started simple_sup as {}", sup.pid().ok_or("no pid")?);
    println!("children: {}", show(&sup.which_children().await?));
    let packet = PacketAssembler::named("packet");
    let kv = Kv::named("kv");
    let logger = Logger::named("logger");
    // ANCHOR_END: start

    // ANCHOR: work
    // "hello" and "abc", split at odd places; the last chunk starts a packet it does not end.
    for chunk in ["5he", "llo3a", "bc5wo"] {
        println!(
            "chunk {chunk:?}: packets {:?}",
            packet.chunk(chunk.into()).await?
        );
    }
    kv.put("apple".into(), "red".into()).await?;
    kv.put("pear".into(), "yellow".into()).await?;
    println!(
        "kv: {} keys, apple = {:?}",
        kv.size().await?,
        kv.get("apple".into()).await?
    );
    // ANCHOR_END: work

    // ANCHOR: crash
    let old = kv.pid().ok_or("kv is not running")?;
    println!("kv: get \"crash\" failed: {}", crash_kv(&kv).await?);
    logger.log("kv crashed".into());
    simple_logger::log(ErrorReport::new("kv", "crash 1"));
    let new = restarted(&sup, "kv", old).await?;
    println!("the supervisor restarted kv: {old} is now {new}");
    println!("children: {}", show(&sup.which_children().await?));
    // ANCHOR_END: crash

    // ANCHOR: healed
    // The kv answers again under its name, from a fresh state.
    println!(
        "kv: {} keys, apple = {:?}",
        kv.size().await?,
        kv.get("apple".into()).await?
    );
    // The assembler kept its half packet, and the logger its lines.
    println!(
        "chunk \"rld\": packets {:?}",
        packet.chunk("rld".into()).await?
    );
    for line in logger.lines().await? {
        println!("log {line}");
    }
    // ANCHOR_END: healed

    // ANCHOR: errors
    // Two bytes that cannot start a packet: each is reported to the error logger, and skipped.
    println!(
        "chunk \"#!2ok\": packets {:?}",
        packet.chunk("#!2ok".into()).await?
    );
    for report in simple_logger::report().await? {
        println!("error {report}");
    }
    // ANCHOR_END: errors

    // ANCHOR: intensity
    // The first crash was restart 1 of the 5 allowed in 1000 s. Four more are restarted; the
    // sixth crash is one too many: the supervisor stops its children and exits `shutdown`.
    let mut old = new;
    for crash in 2..=5 {
        crash_kv(&kv).await?;
        simple_logger::log(ErrorReport::new("kv", format!("crash {crash}")));
        old = restarted(&sup, "kv", old).await?;
        println!("crash {crash}: the supervisor restarted kv as {old}");
    }
    // The error logger keeps the last five reports.
    for report in simple_logger::report().await? {
        println!("error {report}");
    }
    crash_kv(&kv).await?;
    println!("crash 6: the supervisor exited: {}", sup.wait_exit().await);
    println!("logger: {}", logger.lines().await.unwrap_err());
    println!("errors: {}", simple_logger::report().await.unwrap_err());
    // ANCHOR_END: intensity
    Ok(())
}
