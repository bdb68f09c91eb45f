//! The example programs live in `examples/` (cargo examples of this crate); run one from the
//! repository's root with `cargo run --example NAME`. Their `// ANCHOR:` markers are the code
//! the book includes, and each has a test in `tests/` that runs it that way and checks its
//! output.
//!
//! This library holds what several programs share (a program cannot import another): the
//! factorial and key-value servers, the messenger (and its distributed version), Armstrong's error logger, and helpers for
//! supervision trees. It also makes the book's chapters and the README doctests of this
//! crate, so that `cargo test --workspace` compiles and runs every Rust snippet in them
//! (`mdbook test` cannot see workspace crates, rust-lang/mdBook#706). Blocks that only
//! `{{#include}}` code from this crate are marked `ignore`: the programs are tested by
//! `tests/`.
#![doc(test(attr(deny(warnings))))]

pub mod apps;
pub mod bank;
pub mod dist_messenger;
pub mod factorial;
pub mod kv;
pub mod messenger;
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

#[doc = include_str!("../../book/src/applications.md")]
mod applications {}

#[doc = include_str!("../../book/src/distribution.md")]
mod distribution {}
#[doc = include_str!("../../book/src/web_service.md")]
mod web_service {}

#[doc = include_str!("../../book/src/testing.md")]
mod testing {}

#[doc = include_str!("../../book/src/simulation.md")]
mod simulation {}

#[doc = include_str!("../../book/src/reliability.md")]
mod reliability {}

#[doc = include_str!("../../book/src/differences.md")]
mod differences {}

#[doc = include_str!("../../book/src/messenger.md")]
mod messenger_chapter {}

#[doc = include_str!("../../book/src/reference.md")]
mod reference {}
