//! The example programs live in `src/bin/`; run one with `cargo run -p examples --bin NAME`.
//! Their `// ANCHOR:` markers are the code the book includes.
//!
//! This library holds no code. It makes the book's chapters and the README doctests of this
//! crate, so that `cargo test --workspace` compiles and runs every Rust snippet in them
//! (`mdbook test` cannot see workspace crates, rust-lang/mdBook#706). Blocks that only
//! `{{#include}}` code from `src/bin/` are marked `ignore`: the programs are tested by
//! `tests/`.

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

#[doc = include_str!("../../book/src/differences.md")]
mod differences {}
