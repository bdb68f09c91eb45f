//! The peer comparison: otp-runtime beside raw tokio, ractor and kameo, on the same
//! workloads, interleaved in one run. Everything lives in the `peers` bench
//! (`benches/peers/`); this library is empty, so that `cargo test --workspace` does not build
//! ractor and kameo (they are dev-dependencies, built for the bench only).
//!
//! Run it with `cargo bench -p bench-peers` (`-- quick` for a smoke run); the book's
//! Performance chapter explains the method and the caveats.
