//! Ports for a test's own EPMD.
#![allow(dead_code)]

use std::net::{Ipv4Addr, TcpListener};
use std::sync::atomic::{AtomicU32, Ordering};

/// Below the kernel's ephemeral range (32768–60999 on Linux), where no listener bound to
/// port 0 lands.
const FIRST: u32 = 20_000;
const COUNT: u32 = 12_000;

/// A port nobody listens on now, for a test's own EPMD, chosen below the kernel's ephemeral
/// range. A port taken from that range (bound to 0, then released) could be handed by the
/// kernel to the next listener bound to 0 before the test uses it: a node's distribution
/// listener, Erlang's or ours, of a test running beside this one. The node under test then
/// took it for an EPMD already there, and the listener reset the connection.
pub fn free_port() -> u16 {
    // Apart per test binary (its pid) and per call within one.
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let seed = std::process::id().wrapping_mul(7919);
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (FIRST + seed.wrapping_add(n.wrapping_mul(97)) % COUNT) as u16;
        // Free on every interface: the in-process EPMD binds 0.0.0.0.
        if TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).is_ok()
            && TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
        {
            return port;
        }
        assert!(n < 10 * COUNT, "no free port below the ephemeral range");
    }
}
