//! Compile-fail (`tests/ui/`) and compile-pass (`tests/pass/`) cases for the macros.
//! `TRYBUILD=overwrite cargo test -p ui-tests` re-blesses the expected `.stderr` files.
//! Compile-fail cases are `tests/ui/<area>/<kebab-case-problem>.rs` with their `.stderr`
//! beside them; pass cases in `tests/pass/` must compile and run (`fn main() {}` will do).
