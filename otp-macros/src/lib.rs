//! Procedural macros of `otp-runtime`. Use them through `otp_runtime::prelude`, which
//! re-exports them; this crate is an implementation detail.
//!
//! `#[gen_server]` and `supervision_tree!` land here next; today the crate is a skeleton so that
//! the workspace has its final shape.
