//! The example programs live in `src/bin/`; run one with `cargo run -p examples --bin NAME`.
