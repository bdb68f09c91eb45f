//! `otp-observer --attach name@host --cookie C`: watches a running node from this terminal,
//! as a hidden node of its cluster. The node must run an [`otp_observer::Agent`].

use std::process::ExitCode;
use std::time::Duration;

use otp_runtime::dist::DistOptions;

const USAGE: &str =
    "usage: otp-observer --attach NAME@HOST --cookie COOKIE [--refresh-ms N] [--epmd-port PORT]

Watches a running otp-runtime node that started an otp_observer::Agent: its supervision
trees, processes and mailboxes, live. Keys: 1-4 screens, arrows select, Enter detail,
s sort, / filter, K kill, r restart a child (both ask y/n), q quit.";

/// The command line, parsed.
struct Args {
    target: String,
    cookie: String,
    refresh: Duration,
    epmd_port: Option<u16>,
}

fn args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut target, mut cookie, mut refresh, mut epmd_port) =
        (None, None, otp_observer::DEFAULT_REFRESH, None);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--attach" => target = Some(value()?),
            "--cookie" => cookie = Some(value()?),
            "--refresh-ms" => {
                let ms: u64 = value()?.parse().map_err(|e| format!("--refresh-ms: {e}"))?;
                refresh = Duration::from_millis(ms.max(50));
            }
            "--epmd-port" => {
                epmd_port = Some(value()?.parse().map_err(|e| format!("--epmd-port: {e}"))?)
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        target: target.ok_or("--attach is required")?,
        cookie: cookie.ok_or("--cookie is required")?,
        refresh,
        epmd_port,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("otp-observer: {e}\n");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut options = DistOptions::new(args.cookie);
    if let Some(port) = args.epmd_port {
        options = options.epmd_port(port);
    }
    let source = match otp_observer::RemoteSource::attach(&args.target, options).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("otp-observer: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = otp_observer::run_with(&source, args.refresh).await;
    source.node().stop().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("otp-observer: the terminal: {e}");
            ExitCode::FAILURE
        }
    }
}
