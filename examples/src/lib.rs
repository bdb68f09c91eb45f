//! The example programs live in `src/bin/`; run one with `cargo run -p examples --bin NAME`.
//! Their `// ANCHOR:` markers are the code the book includes.
//!
//! This library holds what several programs share (a binary cannot import another): the
//! factorial and key-value servers, and helpers for supervision trees. It also makes the
//! book's chapters and the README doctests of this crate, so that `cargo test --workspace`
//! compiles and runs every Rust snippet in them (`mdbook test` cannot see workspace crates,
//! rust-lang/mdBook#706). Blocks that only `{{#include}}` code from this crate are marked
//! `ignore`: the programs are tested by `tests/`.
#![doc(test(attr(deny(warnings))))]

pub mod factorial;
pub mod kv;
pub mod simple_logger;
pub mod supervision;

#[doc = include_str!("../../README.md")]
mod readme {}

#[doc = include_str!("../../book/src/getting_started.md")]
mod getting_started {}

#[doc = include_str!("../../book/src/processes.md")]
mod processes {}

#[doc = include_str!("../../book/src/gen_server.md")]
mod gen_server {}

#[doc = include_str!("../../book/src/errors.md")]
mod errors {}

#[doc = include_str!("../../book/src/supervisors.md")]
mod supervisors {}

#[doc = include_str!("../../book/src/gen_event.md")]
mod gen_event {}

#[doc = include_str!("../../book/src/gen_statem.md")]
mod gen_statem {}

#[doc = include_str!("../../book/src/reliability.md")]
mod reliability {}

#[doc = include_str!("../../book/src/differences.md")]
mod differences {}
