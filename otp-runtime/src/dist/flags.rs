//! The capability flags two nodes exchange in the handshake.
//!
//! Each side sends the flags it supports; a connection uses what both do. The values are
//! OTP's own (`lib/kernel/include/dist.hrl` of OTP 25, checked against a running node by the
//! interop tests): several earlier bridges broke on a wrong constant copied from a crate or
//! from OTP's documentation, so these come from the header and nowhere else.
//!
//! A node advertises only what it implements: a peer told we read the atom cache or
//! fragmented messages would send frames we cannot read.

use std::fmt;

/// A visible node (not set: hidden).
pub const PUBLISHED: u64 = 0x01;
/// The old atom cache.
pub const ATOM_CACHE: u64 = 0x02;
/// References of several words.
pub const EXTENDED_REFERENCES: u64 = 0x04;
/// MONITOR_P, DEMONITOR_P and MONITOR_P_EXIT.
pub const DIST_MONITOR: u64 = 0x08;
/// NEW_FUN_EXT.
pub const FUN_TAGS: u64 = 0x10;
/// Monitors of a registered name.
pub const DIST_MONITOR_NAME: u64 = 0x20;
/// The atom cache of hidden nodes.
pub const HIDDEN_ATOM_CACHE: u64 = 0x40;
/// NEW_FUN_EXT (the newer form).
pub const NEW_FUN_TAGS: u64 = 0x80;
/// Pids and ports with a node name and a creation.
pub const EXTENDED_PIDS_PORTS: u64 = 0x100;
/// EXPORT_EXT.
pub const EXPORT_PTR_TAG: u64 = 0x200;
/// BIT_BINARY_EXT.
pub const BIT_BINARIES: u64 = 0x400;
/// NEW_FLOAT_EXT.
pub const NEW_FLOATS: u64 = 0x800;
/// Unicode in the io protocol.
pub const UNICODE_IO: u64 = 0x1000;
/// The atom cache in the distribution header.
pub const DIST_HDR_ATOM_CACHE: u64 = 0x2000;
/// SMALL_ATOM_EXT.
pub const SMALL_ATOM_TAGS: u64 = 0x4000;
/// UTF-8 atoms.
pub const UTF8_ATOMS: u64 = 0x1_0000;
/// MAP_EXT.
pub const MAP_TAG: u64 = 0x2_0000;
/// 32-bit creations.
pub const BIG_CREATION: u64 = 0x4_0000;
/// SEND_SENDER.
pub const SEND_SENDER: u64 = 0x8_0000;
/// Large sequential trace labels.
pub const BIG_SEQTRACE_LABELS: u64 = 0x10_0000;
/// Exit reasons as payloads (PAYLOAD_EXIT, PAYLOAD_EXIT2, PAYLOAD_MONITOR_P_EXIT).
pub const EXIT_PAYLOAD: u64 = 0x40_0000;
/// Fragmented messages.
pub const FRAGMENTS: u64 = 0x80_0000;
/// The version 6 handshake (OTP 23 and newer).
pub const HANDSHAKE_23: u64 = 0x100_0000;
/// UNLINK_ID and UNLINK_ID_ACK (mandatory from OTP 26).
pub const UNLINK_ID: u64 = 0x200_0000;
/// OTP 26's digest mandatory flag.
pub const MANDATORY_25_DIGEST: u64 = 0x400_0000;
/// SPAWN_REQUEST and SPAWN_REPLY.
pub const SPAWN: u64 = 0x1_0000_0000;
/// Dynamic node names.
pub const NAME_ME: u64 = 0x2_0000_0000;
/// References of up to 5 words, pids and ports of 64 bits.
pub const V4_NC: u64 = 0x4_0000_0000;
/// ALIAS_SEND.
pub const ALIAS: u64 = 0x8_0000_0000;

/// What an OTP 25 node requires of its peer (`MANDATORY_DFLAGS_25` in `dist.hrl`).
pub const MANDATORY_25: u64 = EXTENDED_REFERENCES
    | FUN_TAGS
    | EXTENDED_PIDS_PORTS
    | NEW_FUN_TAGS
    | EXPORT_PTR_TAG
    | BIT_BINARIES
    | NEW_FLOATS
    | UTF8_ATOMS
    | MAP_TAG
    | BIG_CREATION
    | HANDSHAKE_23;

/// What this node advertises: OTP 25's mandatory set and what the connection implements.
/// `PUBLISHED` is added for a visible node.
pub const OURS: u64 = MANDATORY_25
    | DIST_MONITOR
    | DIST_MONITOR_NAME
    | SEND_SENDER
    | EXIT_PAYLOAD
    | UNLINK_ID
    | SMALL_ATOM_TAGS
    | SPAWN;

/// Every flag with its name in `dist.hrl`, for messages that name a missing flag.
const NAMES: &[(u64, &str)] = &[
    (PUBLISHED, "PUBLISHED"),
    (ATOM_CACHE, "ATOM_CACHE"),
    (EXTENDED_REFERENCES, "EXTENDED_REFERENCES"),
    (DIST_MONITOR, "DIST_MONITOR"),
    (FUN_TAGS, "FUN_TAGS"),
    (DIST_MONITOR_NAME, "DIST_MONITOR_NAME"),
    (HIDDEN_ATOM_CACHE, "HIDDEN_ATOM_CACHE"),
    (NEW_FUN_TAGS, "NEW_FUN_TAGS"),
    (EXTENDED_PIDS_PORTS, "EXTENDED_PIDS_PORTS"),
    (EXPORT_PTR_TAG, "EXPORT_PTR_TAG"),
    (BIT_BINARIES, "BIT_BINARIES"),
    (NEW_FLOATS, "NEW_FLOATS"),
    (UNICODE_IO, "UNICODE_IO"),
    (DIST_HDR_ATOM_CACHE, "DIST_HDR_ATOM_CACHE"),
    (SMALL_ATOM_TAGS, "SMALL_ATOM_TAGS"),
    (UTF8_ATOMS, "UTF8_ATOMS"),
    (MAP_TAG, "MAP_TAG"),
    (BIG_CREATION, "BIG_CREATION"),
    (SEND_SENDER, "SEND_SENDER"),
    (BIG_SEQTRACE_LABELS, "BIG_SEQTRACE_LABELS"),
    (EXIT_PAYLOAD, "EXIT_PAYLOAD"),
    (FRAGMENTS, "FRAGMENTS"),
    (HANDSHAKE_23, "HANDSHAKE_23"),
    (UNLINK_ID, "UNLINK_ID"),
    (MANDATORY_25_DIGEST, "MANDATORY_25_DIGEST"),
    (SPAWN, "SPAWN"),
    (NAME_ME, "NAME_ME"),
    (V4_NC, "V4_NC"),
    (ALIAS, "ALIAS"),
];

/// A set of flags that prints as their names: `EXTENDED_REFERENCES | MAP_TAG`.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::flags::{Flags, MAP_TAG, UTF8_ATOMS};
/// assert_eq!(Flags(MAP_TAG | UTF8_ATOMS).to_string(), "UTF8_ATOMS | MAP_TAG");
/// assert_eq!(Flags(1 << 60).to_string(), "0x1000000000000000");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Flags(pub u64);

impl fmt::Display for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        let mut first = true;
        for &(bit, name) in NAMES {
            if rest & bit != 0 {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
                rest &= !bit;
            }
        }
        if rest != 0 {
            if !first {
                f.write_str(" | ")?;
            }
            write!(f, "{rest:#x}")?;
        } else if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mandatory_25_is_otps_value() {
        // dist.hrl's MANDATORY_DFLAGS_25, as OTP 25.2 computes it.
        assert_eq!(MANDATORY_25, 0x0107_0F94);
        assert_eq!(OURS & (ATOM_CACHE | DIST_HDR_ATOM_CACHE | FRAGMENTS), 0);
    }
}
